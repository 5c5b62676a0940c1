/*
 * sbom-dump - what sbom_read() makes of an SBOM, as JSON on stdout, for the
 * script tests (test_sbom_roundtrip.py):
 *
 *   {"info": {"format", "spec_version", "components", "pypi", "other"},
 *    "dependencies": [{"name", "normalized", "version", "checked",
 *                      "skip_reason", "line", "group", "dev"}, ...],
 *    "warnings": ["FILE:LINE: MESSAGE", ...]}
 *
 * Exit status 0; 2 with the error on stderr when the file is refused.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/inputs/sbom.h"

static void keep_warning(void *arg, const char *file, unsigned line, const char *msg)
{
    buf b = {0};
    buf_printf(&b, "%s:%u: %s", file ? file : "", line, msg);
    cJSON_AddItemToArray(arg, cJSON_CreateString(b.data));
    buf_free(&b);
}

static void add_string(cJSON *o, const char *key, const char *s)
{
    cJSON_AddItemToObject(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sbom-dump FILE\n");
        return 2;
    }
    cJSON *warnings = cJSON_CreateArray();
    diag d = {keep_warning, warnings, 0};
    dep_list deps = {0};
    sbom_info info;
    airlock_error err;
    if (sbom_read(argv[1], &deps, &info, &d, NULL, NULL, &err) != 0) {
        fprintf(stderr, "sbom-dump: %s\n", err.msg);
        cJSON_Delete(warnings);
        dep_list_free(&deps);
        return 2;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *i = cJSON_AddObjectToObject(root, "info");
    add_string(i, "format", sbom_format_name(info.format));
    add_string(i, "spec_version", info.spec_version);
    cJSON_AddNumberToObject(i, "components", (double)info.components);
    cJSON_AddNumberToObject(i, "pypi", (double)info.pypi);
    cJSON_AddNumberToObject(i, "other", (double)info.other);
    cJSON *list = cJSON_AddArrayToObject(root, "dependencies");
    for (size_t k = 0; k < deps.len; k++) {
        const dependency *dep = &deps.items[k];
        cJSON *o = cJSON_CreateObject();
        add_string(o, "name", dep->name);
        add_string(o, "normalized", dep->normalized);
        add_string(o, "version", dep->version_text);
        cJSON_AddBoolToObject(o, "checked", dep->has_version && dep->skip_reason == NULL);
        add_string(o, "skip_reason", dep->skip_reason);
        cJSON_AddNumberToObject(o, "line", dep->source_line);
        add_string(o, "group", dep->group);
        cJSON_AddBoolToObject(o, "dev", dep->dev);
        cJSON_AddItemToArray(list, o);
    }
    cJSON_AddItemToObject(root, "warnings", warnings);
    char *text = cJSON_Print(root);
    puts(text);
    free(text);
    cJSON_Delete(root);
    dep_list_free(&deps);
    return 0;
}
