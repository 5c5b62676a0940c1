/* libFuzzer target for scanner/metadata: the header block parser.
 * Besides not crashing, it checks that reading in pieces never changes the
 * answer: a prefix that the parser calls complete must give exactly what
 * the whole text gives (the scanner stops reading there). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/metadata.h"

static void same(const char *a, size_t an, const char *b, size_t bn)
{
    if ((a == NULL) != (b == NULL) || an != bn || (a && memcmp(a, b, an) != 0))
        abort();
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
    free(text);
    return 0;
}
