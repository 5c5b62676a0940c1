/*
 * lockfile-dump - read one lockfile with lockfile_read() and print what it
 * pins as JSON, for tests/scripts/test_lockfiles_real.py:
 *
 *   {"packages": [[normalized, version_text|null, source_kind], ...],
 *    "details": [{"name", "line", "group", "dev", "checked", "skip_reason",
 *                 "location"}, ...],
 *    "warnings": N}
 *
 * usage: lockfile-dump [FORMAT:]FILE   (FORMAT as --lockfile takes it)
 * Warnings go to stderr. Exit 0, or 2 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/diag.h"
#include "scanner/inputs/lockfile.h"

static cJSON *string_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: lockfile-dump [FORMAT:]FILE\n");
        return 2;
    }
    lock_format format;
    const char *path;
    airlock_error err;
    dep_list deps = {0};
    diag d = {0};
    if (lockfile_parse_arg(argv[1], &format, &path, &err) != 0 ||
        lockfile_read(path, format, &deps, &d, NULL, NULL, &err) != 0) {
        diag_error("lockfile-dump", err.msg);
        return 2;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *packages = cJSON_AddArrayToObject(root, "packages");
    cJSON *details = cJSON_AddArrayToObject(root, "details");
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *dep = &deps.items[i];
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(dep->normalized));
        cJSON_AddItemToArray(row, string_or_null(dep->version_text));
        cJSON_AddItemToArray(row, cJSON_CreateString(dep->source_kind));
        cJSON_AddItemToArray(packages, row);
        cJSON *det = cJSON_CreateObject();
        cJSON_AddStringToObject(det, "name", dep->name);
        cJSON_AddNumberToObject(det, "line", dep->source_line);
        cJSON_AddItemToObject(det, "group", string_or_null(dep->group));
        cJSON_AddBoolToObject(det, "dev", dep->dev);
        cJSON_AddBoolToObject(det, "checked", dep->skip_reason == NULL && dep->has_version);
        cJSON_AddItemToObject(det, "skip_reason", string_or_null(dep->skip_reason));
        cJSON_AddItemToObject(det, "location", string_or_null(dep->location));
        cJSON_AddItemToArray(details, det);
    }
    cJSON_AddNumberToObject(root, "warnings", d.warnings);
    char *text = cJSON_PrintUnformatted(root);
    int rc = text != NULL && puts(text) >= 0 && fflush(stdout) == 0 ? 0 : 2;
    if (rc != 0)
        fprintf(stderr, "lockfile-dump: cannot write the output\n");
    free(text);
    cJSON_Delete(root);
    dep_list_free(&deps);
    return rc;
}
