/* libFuzzer target: marker parsing, formatting and evaluation in two
 * environments; the formatted marker must parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/markers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    marker *m;
    airlock_error err;
    if (marker_parse((const char *)data, size, &m, &err) < 0)
        return 0;
    static const char *const targets[][2] = {{"3.11", "linux"}, {"2.7.18", "win32"}};
    for (size_t i = 0; i < 2; i++) {
        marker_env env;
        if (marker_env_for_target(&env, targets[i][0], targets[i][1], &err) < 0)
            abort();
        env.extra = strdup("Some_Extra");
        int v = marker_evaluate(m, &env, &err);
        if (v < -1 || v > 1)
            abort();
        marker_env_clear(&env);
    }
    buf b = {0};
    marker_format(m, &b);
    marker *again;
    if (b.len <= MARKER_MAX_TEXT && marker_parse(b.data, b.len, &again, &err) == 0)
        marker_free(again);
    buf_free(&b);
    marker_free(m);
    return 0;
}
