/*
 * pyproject-dump FILE: the dependencies pyproject_read_note() finds in
 * FILE, as JSON on stdout, for tests/scripts/test_pyproject_real.py:
 *
 *   {"dependencies": [{"name", "normalized", "version", "group", "dev",
 *     "source_kind", "line", "skip_reason"}, ...],
 *    "warnings": N, "warning_messages": ["FILE:LINE: MSG", ...],
 *    "note": "..." or null}
 *
 * "version" is the version text of a checked dependency (null when
 * skipped). Exit 0; 2 with the error on stderr when the file cannot be
 * read; 64 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/diag.h"
#include "scanner/inputs/pyproject.h"

static void keep(void *arg, const char *file, unsigned line, const char *msg)
{
    cJSON *list = arg;
    buf b = {0};
    buf_printf(&b, "%s:%u: %s", file ? file : "", line, msg);
    cJSON_AddItemToArray(list, cJSON_CreateString(b.data));
    buf_free(&b);
}

static cJSON *string_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pyproject-dump FILE\n");
        return 64;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *messages = cJSON_CreateArray();
    diag d = {keep, messages, 0};
    dep_list deps = {0};
    char *note = NULL;
    airlock_error err;
    if (pyproject_read_note(argv[1], &deps, &d, NULL, NULL, &note, &err) != 0) {
        diag_error("pyproject-dump", err.msg);
        cJSON_Delete(root);
        cJSON_Delete(messages);
        dep_list_free(&deps);
        return 2;
    }
    cJSON *list = cJSON_AddArrayToObject(root, "dependencies");
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *x = &deps.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "name", string_or_null(x->name));
        cJSON_AddItemToObject(o, "normalized", string_or_null(x->normalized));
        cJSON_AddItemToObject(o, "version", string_or_null(x->has_version ? x->version_text
                                                                           : NULL));
        cJSON_AddItemToObject(o, "group", string_or_null(x->group));
        cJSON_AddBoolToObject(o, "dev", x->dev);
        cJSON_AddItemToObject(o, "source_kind", string_or_null(x->source_kind));
        cJSON_AddNumberToObject(o, "line", x->source_line);
        cJSON_AddItemToObject(o, "skip_reason", string_or_null(x->skip_reason));
        cJSON_AddItemToArray(list, o);
    }
    cJSON_AddNumberToObject(root, "warnings", d.warnings);
    cJSON_AddItemToObject(root, "warning_messages", messages);
    cJSON_AddItemToObject(root, "note", string_or_null(note));
    char *text = cJSON_Print(root);
    puts(text);
    free(text);
    free(note);
    cJSON_Delete(root);
    dep_list_free(&deps);
    return 0;
}
