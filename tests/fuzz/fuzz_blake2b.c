/* libFuzzer target for signatures/blake2b: for any input, fed in pieces whose
 * sizes the input's first bytes choose, the digest equals libsodium's
 * crypto_generichash (the reference implementation). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "signatures/blake2b.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t outlen = data[0] % 64 + 1, cut = data[1];
    data += 2;
    size -= 2;
    uint8_t want[64], got[64];
    crypto_generichash(want, outlen, data, size, NULL, 0);
    blake2b_state s;
    blake2b_init(&s, outlen);
    size_t off = 0, piece = cut;
    while (off < size) {
        size_t n = piece % 300;
        if (n > size - off)
            n = size - off;
        blake2b_update(&s, data + off, n);
        off += n;
        piece = piece * 5 + 1;
    }
    blake2b_final(&s, got);
    CHECK(memcmp(want, got, outlen) == 0);
    return 0;
}
