#include "signatures/sha256.h"
#include "signatures/sha256_path.h"

#include <string.h>

#include <sodium.h>

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#else
#define HAVE_X86 0
#endif

#if HAVE_X86

/* Asks the CPU every time (three cpuid instructions); sha256() asks once,
 * see use_shani(). */
int sha256_shani_available(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if ((c & (1u << 9)) == 0 || (c & (1u << 19)) == 0) /* SSSE3, SSE4.1 */
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0; /* SHA */
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Four rounds: message words W[4i..4i+3] are in w[i % 4]; from i = 4 on
 * they are computed from the previous sixteen (sha256msg1 adds sigma0 of
 * W[t-15] to W[t-16], the alignr brings W[t-7], sha256msg2 adds sigma1 of
 * W[t-2]). Each sha256rnds2 does two rounds with the low two words. */
#define QROUND(i)                                                                                \
    do {                                                                                         \
        if ((i) >= 4) {                                                                          \
            __m128i t = _mm_sha256msg1_epu32(w[(i) % 4], w[((i) + 1) % 4]);                    \
            t = _mm_add_epi32(t, _mm_alignr_epi8(w[((i) + 3) % 4], w[((i) + 2) % 4], 4));      \
            w[(i) % 4] = _mm_sha256msg2_epu32(t, w[((i) + 3) % 4]);                             \
        }                                                                                        \
        __m128i m = _mm_add_epi32(w[(i) % 4], _mm_loadu_si128((const __m128i *)(K + 4 * (i)))); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);                                             \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));                    \
    } while (0)

/* Compress `n` 64-byte blocks at `p` (any alignment) into `h`, a..h. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
shani_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
    /* The instructions keep the state as two vectors, ABEF and CDGH. */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)h);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(h + 4));
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; n > 0; n--, p += 64) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        QROUND(0);
        QROUND(1);
        QROUND(2);
        QROUND(3);
        QROUND(4);
        QROUND(5);
        QROUND(6);
        QROUND(7);
        QROUND(8);
        QROUND(9);
        QROUND(10);
        QROUND(11);
        QROUND(12);
        QROUND(13);
        QROUND(14);
        QROUND(15);
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

/* Pad the last `rest` bytes (0..63) at `tail` of a message of `total`
 * bytes, compress them into `h` and write the digest: the tail, 0x80,
 * zeros and the length in bits, big-endian, in one block, or in two when
 * fewer than 9 bytes are left in the first. */
static void shani_finish(uint32_t h[8], const uint8_t *tail, size_t rest, uint64_t total,
                         uint8_t out[SHA256_BYTES])
{
    uint8_t last[128] = {0};
    if (rest > 0)
        memcpy(last, tail, rest);
    last[rest] = 0x80;
    size_t nlast = rest < 56 ? 1 : 2;
    uint64_t bits = total << 3;
    for (int i = 0; i < 8; i++)
        last[64 * nlast - 1 - i] = (uint8_t)(bits >> (8 * i));
    shani_blocks(h, last, nlast);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static void shani(const uint8_t *p, size_t len, uint8_t out[SHA256_BYTES])
{
    uint32_t h[8];
    memcpy(h, IV, sizeof h);
    size_t full = len / 64;
    if (full > 0)
        shani_blocks(h, p, full);
    /* No arithmetic on `p` when it may be NULL (len 0). */
    shani_finish(h, len % 64 > 0 ? p + 64 * full : NULL, len % 64, len, out);
}

static void shani_update(sha256_state *s, const uint8_t *p, size_t len)
{
    s->u.ni.total += len;
    if (len == 0)
        return;
    if (s->u.ni.fill > 0) {
        size_t take = 64 - s->u.ni.fill;
        if (take > len)
            take = len;
        memcpy(s->u.ni.block + s->u.ni.fill, p, take);
        s->u.ni.fill += take;
        p += take;
        len -= take;
        if (s->u.ni.fill < 64)
            return;
        shani_blocks(s->u.ni.h, s->u.ni.block, 1);
        s->u.ni.fill = 0;
    }
    if (len >= 64) {
        shani_blocks(s->u.ni.h, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    if (len > 0) {
        memcpy(s->u.ni.block, p, len);
        s->u.ni.fill = len;
    }
}

/* Whether sha256() takes SHA-NI. The answer is cached, the one piece of
 * state in this module, because in a VM each cpuid traps to the
 * hypervisor: bench_sha256 measured 19-61 us for the check, longer than
 * hashing 4-13 KB, which made 1 KiB inputs 7x slower than libsodium. The
 * cache is race-free: it is atomic, and every thread that finds it empty
 * asks the same CPU and stores the same answer, so which store wins does
 * not matter (relaxed order: nothing else is published through it). */
static int use_shani(void)
{
    static atomic_int known; /* 0: not asked yet, 1: no, 2: yes */
    int k = atomic_load_explicit(&known, memory_order_relaxed);
    if (k == 0) {
        k = sha256_shani_available() ? 2 : 1;
        atomic_store_explicit(&known, k, memory_order_relaxed);
    }
    return k == 2;
}

#else

int sha256_shani_available(void)
{
    return 0;
}

#endif

int sha256_on(sha256_path path, const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
    if (path == SHA256_SHANI) {
#if HAVE_X86
        if (!sha256_shani_available())
            return -1;
        shani(data, len, out);
        return 0;
#else
        return -1;
#endif
    }
    crypto_hash_sha256(out, data, len);
    return 0;
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
#if HAVE_X86
    if (use_shani()) {
        shani(data, len, out);
        return;
    }
#endif
    crypto_hash_sha256(out, data, len);
}

static void init_with(sha256_state *s, int with_shani)
{
    memset(s, 0, sizeof *s);
    s->shani = with_shani;
#if HAVE_X86
    if (with_shani) {
        memcpy(s->u.ni.h, IV, sizeof IV);
        return;
    }
#endif
    crypto_hash_sha256_init(&s->u.sodium);
}

int sha256_init_on(sha256_state *s, sha256_path path)
{
    if (path == SHA256_SHANI && !sha256_shani_available())
        return -1;
    init_with(s, path == SHA256_SHANI);
    return 0;
}

void sha256_init(sha256_state *s)
{
#if HAVE_X86
    init_with(s, use_shani());
#else
    init_with(s, 0);
#endif
}

void sha256_update(sha256_state *s, const void *data, size_t len)
{
#if HAVE_X86
    if (s->shani) {
        shani_update(s, data, len);
        return;
    }
#endif
    crypto_hash_sha256_update(&s->u.sodium, data, len);
}

void sha256_final(sha256_state *s, uint8_t out[SHA256_BYTES])
{
#if HAVE_X86
    if (s->shani) {
        shani_finish(s->u.ni.h, s->u.ni.block, s->u.ni.fill, s->u.ni.total, out);
        return;
    }
#endif
    crypto_hash_sha256_final(&s->u.sodium, out);
}
