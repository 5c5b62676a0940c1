/* libFuzzer target: bytes read as a pdm.lock by lock_pdm_parse(). Checks
 * the reader's contract on any input: on success every dependency has a
 * name, a file and line, and is checked or skipped with a reason (nothing
 * half-filled); on failure nothing was appended and the message names the
 * file. Everything is freed (LeakSanitizer checks). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/lockfile.h"

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)file, (void)msg;
    if (line == 0)
        abort(); /* a warning about an entry names its line */
    (*(unsigned *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    dep_list deps = {0};
    unsigned warnings = 0;
    diag d = {quiet, &warnings, 0};
    airlock_error err;
    error_clear(&err);
    if (lock_pdm_parse((const char *)data, size, "pdm.lock", &deps, &d, &err) == 0) {
        for (size_t i = 0; i < deps.len; i++) {
            const dependency *x = &deps.items[i];
            if (!x->name || !x->normalized || !x->source_kind || !x->source_file ||
                x->source_line == 0 || x->kind != DEP_LOCKED)
                abort();
            if (x->has_version == (x->skip_reason != NULL))
                abort(); /* checked, or skipped with a reason: never both, never neither */
        }
    } else if (deps.len != 0 || strncmp(err.msg, "pdm.lock:", strlen("pdm.lock:")) != 0) {
        abort();
    }
    if (warnings != d.warnings)
        abort();
    dep_list_free(&deps);
    return 0;
}
