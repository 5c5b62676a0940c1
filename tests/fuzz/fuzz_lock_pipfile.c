/* libFuzzer target: a Pipfile.lock read by lock_pipfile_parse(). Whatever
 * the bytes: no crash or over-read (the input is not NUL-terminated), an
 * error appends nothing and names the file, and every dependency read
 * names a line inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/lockfile.h"

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
    diag d = {quiet, NULL, 0};
    airlock_error err;
    if (lock_pipfile_parse((const char *)data, size, "Pipfile.lock", &deps, &d, &err) != 0) {
        if (deps.len != 0 || strncmp(err.msg, "Pipfile.lock:", 13) != 0)
            abort();
    }
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *x = &deps.items[i];
        if (!x->name || !x->normalized || !x->source_kind || !x->group ||
            x->source_line == 0 || x->source_line > lines || x->kind != DEP_LOCKED)
            abort();
        /* checked, or skipped with a reason: never neither */
        if ((x->skip_reason == NULL) != x->has_version)
            abort();
        if (x->dev && strcmp(x->group, "develop") != 0)
            abort();
    }
    dep_list_free(&deps);
    return 0;
}
