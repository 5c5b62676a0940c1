/* libFuzzer target: a CycloneDX or SPDX JSON document read by
 * sbom_parse(). Whatever the bytes: no crash or over-read, an error
 * appends nothing, every component is counted once (pypi + other), and
 * every dependency names a line inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/sbom.h"

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    dep_list deps = {0};
    sbom_info info;
    diag d = {quiet, NULL, 0};
    airlock_error err;
    if (sbom_parse((const char *)data, size, "bom.json", &deps, &info, &d, &err) != 0) {
        if (deps.len != 0 || strncmp(err.msg, "bom.json:", 9) != 0)
            abort();
    } else {
        if (info.components != info.pypi + info.other || deps.len < info.pypi ||
            memchr(info.spec_version, '\0', sizeof info.spec_version) == NULL)
            abort();
    }
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *x = &deps.items[i];
        if (!x->name || !x->normalized || x->source_line == 0 || x->source_line > lines ||
            x->kind != DEP_SBOM || (x->skip_reason == NULL) != x->has_version)
            abort();
    }
    dep_list_free(&deps);
    return 0;
}
