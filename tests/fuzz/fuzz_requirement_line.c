/* libFuzzer target: a requirement file (one or more lines: options,
 * continuations, comments, PEP 508 requirements, URLs, editables) read and
 * resolved; plus the input as a single PEP 508 requirement. Includes point
 * at files that do not exist in the fuzz directory, so they exercise the
 * error path only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/inputs/requirements.h"

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    pep508_req r;
    airlock_error err;
    if (pep508_parse((const char *)data, size, &r, &err) == 0) {
        if (!r.name || !r.spec)
            abort();
        pep508_clear(&r);
    }

    char path[] = "/tmp/airlock-fuzz-req-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    marker_env env;
    if (marker_env_for_target(&env, "3.11", "linux", &err) == 0) {
        dep_list deps = {0};
        diag d = {quiet, NULL, 0};
        if (requirements_read(path, &env, &deps, &d, &err) == 0) {
            for (size_t i = 0; i < deps.len; i++) {
                const dependency *x = &deps.items[i];
                if (!x->name || !x->source_file || x->source_line == 0 ||
                    (!x->has_version && !x->skip_reason))
                    abort(); /* never silently dropped */
            }
        }
        dep_list_free(&deps);
        marker_env_clear(&env);
    }
    unlink(path);
    return 0;
}
