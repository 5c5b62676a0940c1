#include "signatures/blake2b.h"

#include <string.h>

static const uint64_t iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Rounds 10 and 11 use rows 0 and 1 again. */
static const uint8_t sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static uint64_t load64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static uint64_t rotr64(uint64_t x, unsigned n)
{
    return x >> n | x << (64 - n);
}

/* The rounds are written out so that every sigma index is a constant:
 * the compiler then keeps the message words and the state in registers. */
#define G(r, i, a, b, c, d)                                                                      \
    do {                                                                                         \
        a = a + b + m[sigma[(r) % 10][2 * i]];                                                      \
        d = rotr64(d ^ a, 32);                                                                   \
        c = c + d;                                                                               \
        b = rotr64(b ^ c, 24);                                                                   \
        a = a + b + m[sigma[(r) % 10][2 * i + 1]];                                                  \
        d = rotr64(d ^ a, 16);                                                                   \
        c = c + d;                                                                               \
        b = rotr64(b ^ c, 63);                                                                   \
    } while (0)

#define ROUND(r)                                                                                 \
    do {                                                                                         \
        G(r, 0, v[0], v[4], v[8], v[12]);                                                        \
        G(r, 1, v[1], v[5], v[9], v[13]);                                                        \
        G(r, 2, v[2], v[6], v[10], v[14]);                                                       \
        G(r, 3, v[3], v[7], v[11], v[15]);                                                       \
        G(r, 4, v[0], v[5], v[10], v[15]);                                                       \
        G(r, 5, v[1], v[6], v[11], v[12]);                                                       \
        G(r, 6, v[2], v[7], v[8], v[13]);                                                        \
        G(r, 7, v[3], v[4], v[9], v[14]);                                                        \
    } while (0)

static void compress(blake2b_state *s, const uint8_t *in, int last)
{
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++)
        m[i] = load64(in + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = s->h[i];
        v[i + 8] = iv[i];
    }
    v[12] ^= s->t[0];
    v[13] ^= s->t[1];
    if (last)
        v[14] = ~v[14];
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
    ROUND(7);
    ROUND(8);
    ROUND(9);
    ROUND(10);
    ROUND(11);
    for (int i = 0; i < 8; i++)
        s->h[i] ^= v[i] ^ v[i + 8];
}

/* The byte counter is 128 bits wide. */
static void count(blake2b_state *s, size_t n)
{
    s->t[0] += n;
    if (s->t[0] < n)
        s->t[1]++;
}

void blake2b_init(blake2b_state *s, size_t outlen)
{
    if (outlen == 0 || outlen > BLAKE2B_MAX_BYTES)
        outlen = BLAKE2B_MAX_BYTES;
    memset(s, 0, sizeof *s);
    memcpy(s->h, iv, sizeof s->h);
    /* Parameter block: digest length, no key, fanout 1, depth 1. */
    s->h[0] ^= 0x01010000ULL ^ outlen;
    s->outlen = outlen;
}

void blake2b_update(blake2b_state *s, const void *in, size_t len)
{
    const uint8_t *p = in;
    if (len == 0)
        return;
    /* A full buffer is compressed only once more input arrives, because the
     * last block must be compressed by blake2b_final with its flag set. */
    if (s->fill + len > BLAKE2B_BLOCK_BYTES) {
        size_t take = BLAKE2B_BLOCK_BYTES - s->fill;
        memcpy(s->block + s->fill, p, take);
        count(s, BLAKE2B_BLOCK_BYTES);
        compress(s, s->block, 0);
        s->fill = 0;
        p += take;
        len -= take;
        while (len > BLAKE2B_BLOCK_BYTES) {
            count(s, BLAKE2B_BLOCK_BYTES);
            compress(s, p, 0);
            p += BLAKE2B_BLOCK_BYTES;
            len -= BLAKE2B_BLOCK_BYTES;
        }
    }
    memcpy(s->block + s->fill, p, len);
    s->fill += len;
}

void blake2b_final(blake2b_state *s, uint8_t *out)
{
    uint8_t full[BLAKE2B_MAX_BYTES];
    count(s, s->fill);
    memset(s->block + s->fill, 0, BLAKE2B_BLOCK_BYTES - s->fill);
    compress(s, s->block, 1);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            full[8 * i + j] = (uint8_t)(s->h[i] >> (8 * j));
    memcpy(out, full, s->outlen);
    memset(s, 0, sizeof *s);
}

void blake2b(uint8_t *out, size_t outlen, const void *in, size_t len)
{
    blake2b_state s;
    blake2b_init(&s, outlen);
    blake2b_update(&s, in, len);
    blake2b_final(&s, out);
}
