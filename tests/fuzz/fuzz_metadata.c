/* libFuzzer target for the inventory's parsers. Mainly scanner/metadata's
 * header block parser: besides not crashing, reading in pieces must never
 * change the answer (a prefix the parser calls complete must give exactly
 * what the whole text gives: the scanner stops reading there), and
 * metadata_parse()'s shortcut for the common layout must agree with
 * metadata_parse_general() on the whole text and the prefix. Every input
 * also goes through the two small parsers beside it: pyvenv.cfg
 * (scanner/venv) and the interpreter's JSON answer (scanner/pyenv). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/metadata.h"
#include "scanner/inputs/pyenv.h"
#include "scanner/inputs/venv.h"

static void same(const char *a, size_t an, const char *b, size_t bn)
{
    if ((a == NULL) != (b == NULL) || an != bn || (a && memcmp(a, b, an) != 0))
        abort();
}

static void same_md(const metadata *a, const metadata *b)
{
    same(a->name, a->name_len, b->name, b->name_len);
    same(a->version, a->version_len, b->version, b->version_len);
    if (a->name_line != b->name_line || a->version_line != b->version_line || a->bom != b->bom)
        abort();
}

/* The shortcut and the general parser on the same text. */
static void same_as_general(const char *text, size_t len, bool at_eof)
{
    metadata a = {0}, b = {0};
    int ra = metadata_parse(text, len, at_eof, &a);
    int rb = metadata_parse_general(text, len, at_eof, &b);
    if (ra != rb)
        abort();
    if (ra == 0)
        same_md(&a, &b);
    metadata_clear(&a);
    metadata_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    /* An exact-size copy, so reads past the end are caught. */
    char *text = malloc(size ? size : 1);
    if (size)
        memcpy(text, data, size);
    metadata whole = {0}, part = {0};
    if (metadata_parse(text, size, true, &whole) != 0)
        abort();
    if (whole.name != NULL && strlen(whole.name) > whole.name_len)
        abort();
    size_t cut = size ? (size_t)data[0] * size / 256 : 0;
    same_as_general(text, size, true);
    same_as_general(text, cut, false);
    int r = metadata_parse(text, cut, false, &part);
    if (r == 0) {
        same(whole.name, whole.name_len, part.name, part.name_len);
        same(whole.version, whole.version_len, part.version, part.version_len);
        if (whole.name_line != part.name_line || whole.version_line != part.version_line ||
            whole.bom != part.bom)
            abort();
    } else if (r != 1) {
        abort();
    }
    metadata_clear(&whole);
    metadata_clear(&part);

    venv_cfg cfg = {0};
    venv_parse_cfg(text, size, &cfg);
    if (cfg.version != NULL && strchr(cfg.version, '.') == NULL)
        abort();
    venv_cfg_clear(&cfg);

    pyenv_info info = {0};
    airlock_error err = {{0}};
    if (pyenv_parse_output(text, size, &info, &err) == 0) {
        if (info.env.python_version == NULL || info.prefix == NULL)
            abort();
        for (size_t i = 0; i < info.sys_path.len; i++)
            if (info.sys_path.items[i][0] == '\0')
                abort();
    }
    pyenv_info_clear(&info);
    free(text);
    return 0;
}
