/* libFuzzer target for core/name: name_normalize() (its SSE2 path for
 * plain names and the byte loop) must agree with its definition: a valid
 * name (name_is_valid) gives name_canonicalize()'s text when that fits in
 * the buffer, anything else -1. The first byte picks how much room the
 * buffer has, so a name can be given too little. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/name.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > NAME_MAX_LEN + 16)
        return 0;
    size_t slack = data[0] % 4; /* room: none, just enough, plenty, short */
    data++, size--;
    /* An exact-size copy, so that a read past the name is caught. */
    char *in = malloc(size ? size : 1);
    if (size)
        memcpy(in, data, size);
    size_t cap = slack == 0 ? 0 : slack == 1 ? size + 1 : slack == 2 ? NAME_MAX_LEN + 1
                                                                    : size / 2;
    char *out = malloc(cap ? cap : 1);
    airlock_error err;
    int n = name_normalize(in, size, out, cap, &err);
    if (!name_is_valid(in, size)) {
        CHECK(n == -1);
    } else {
        char *want = name_canonicalize(in, size);
        size_t wl = strlen(want);
        if (wl + 1 > cap)
            CHECK(n == -1);
        else
            CHECK(n >= 0 && (size_t)n == wl && memcmp(out, want, wl + 1) == 0);
        free(want);
    }
    free(out);
    free(in);
    return 0;
}
