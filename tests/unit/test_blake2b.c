/* Tests for signatures/blake2b: RFC 7693's test vector, and libsodium's
 * crypto_generichash (the reference) on every length over several blocks,
 * every digest size, and input fed in uneven pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "signatures/blake2b.h"

static void test_known_answers(void **state)
{
    (void)state;
    uint8_t d[64];
    char h[129];
    /* RFC 7693, appendix A. */
    blake2b(d, 64, "abc", 3);
    sodium_bin2hex(h, sizeof h, d, 64);
    assert_string_equal(h, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                           "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    /* The empty input, as `b2sum /dev/null` prints it. */
    blake2b(d, 64, NULL, 0);
    sodium_bin2hex(h, sizeof h, d, 64);
    assert_string_equal(h, "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
                           "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
}

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    return b;
}

static void test_matches_libsodium_every_length(void **state)
{
    (void)state;
    enum { MAX = 9 * BLAKE2B_BLOCK_BYTES + 3 };
    uint8_t *in = pattern(MAX);
    for (size_t len = 0; len <= MAX; len++) {
        for (size_t outlen = 1; outlen <= 64; outlen += len % 5 == 0 ? 1 : 21) {
            uint8_t want[64], got[64];
            crypto_generichash(want, outlen, in, len, NULL, 0);
            blake2b(got, outlen, in, len);
            assert_memory_equal(got, want, outlen);
        }
    }
    free(in);
}

static void test_pieces_do_not_matter(void **state)
{
    (void)state;
    size_t len = 16 * 1024 + 77;
    uint8_t *in = pattern(len);
    uint8_t want[64], got[64];
    crypto_generichash(want, 64, in, len, NULL, 0);
    /* Pieces of every size from 0 up, crossing block edges in every way. */
    for (size_t step = 0; step < 100; step++) {
        blake2b_state s;
        blake2b_init(&s, 64);
        size_t off = 0, k = step;
        while (off < len) {
            size_t n = k % 257;
            if (n > len - off)
                n = len - off;
            blake2b_update(&s, in + off, n);
            off += n;
            k = k * 31 + 7;
        }
        blake2b_final(&s, got);
        assert_memory_equal(got, want, 64);
    }
    free(in);
}

static void test_large_input(void **state)
{
    (void)state;
    /* Megabytes, in the pieces an import hashes. */
    size_t len = (size_t)3 << 20;
    uint8_t *in = pattern(len);
    uint8_t want[64], got[64];
    crypto_generichash(want, 64, in, len, NULL, 0);
    blake2b_state s;
    blake2b_init(&s, 64);
    for (size_t off = 0; off < len; off += (size_t)1 << 20)
        blake2b_update(&s, in + off, (size_t)1 << 20);
    blake2b_final(&s, got);
    assert_memory_equal(got, want, 64);
    free(in);
}

static void test_outlen_out_of_range_means_64(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    blake2b(a, 0, "x", 1);
    blake2b(b, 64, "x", 1);
    assert_memory_equal(a, b, 64);
    blake2b(a, 65, "x", 1);
    assert_memory_equal(a, b, 64);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_matches_libsodium_every_length),
        cmocka_unit_test(test_pieces_do_not_matter),
        cmocka_unit_test(test_large_input),
        cmocka_unit_test(test_outlen_out_of_range_means_64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
