/* libFuzzer target: pylock.toml bytes read by lock_pylock_parse() (the TOML
 * parser, the reader and the reading of markers for groups). Whatever the
 * input, every dependency it appends must be whole: a name, a source kind,
 * a line, and a parsed version unless there is a reason it is skipped. */
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
    if (size > 256 * 1024)
        return 0;
    dep_list l = {0};
    diag d = {quiet, NULL, 0};
    airlock_error err;
    int rc = lock_pylock_parse((const char *)data, size, "pylock.toml", &l, &d, &err);
    if (rc != 0 && l.len != 0)
        abort(); /* an error appends nothing */
    for (size_t i = 0; i < l.len; i++) {
        const dependency *dep = &l.items[i];
        if (dep->name == NULL || dep->normalized == NULL || dep->source_kind == NULL ||
            dep->source_line == 0 || (dep->skip_reason == NULL && !dep->has_version) ||
            (dep->dev && dep->group == NULL))
            abort();
    }
    dep_list_free(&l);
    return 0;
}
