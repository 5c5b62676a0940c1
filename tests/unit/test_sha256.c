/* Tests for signatures/sha256: FIPS 180-2's test vectors and libsodium's
 * crypto_hash_sha256 (the reference) on every length up to 4 KiB, on
 * megabytes, at every misalignment, fed whole and in pieces, on both
 * paths: the SHA-NI code when the
 * CPU has it (a test is skipped, and ctest shows Skipped, when it has not)
 * and the libsodium fallback. Each input lies in a buffer of exactly its
 * size, so that ASan sees any read past its end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "signatures/sha256.h"
#include "signatures/sha256_path.h"

static const sha256_path paths[] = {SHA256_LIBSODIUM, SHA256_SHANI};

static const char *path_name(sha256_path p)
{
    return p == SHA256_SHANI ? "SHA-NI" : "libsodium";
}

/* Digest of `len` bytes on path `p`, as hex; the path must be usable. */
static void hex_on(sha256_path p, const void *data, size_t len, char hex[65])
{
    uint8_t d[SHA256_BYTES];
    assert_int_equal(sha256_on(p, data, len, d), 0);
    sodium_bin2hex(hex, 65, d, sizeof d);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n > 0 ? n : 1);
    assert_non_null(b);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    return b;
}

static void test_path_sha256_takes(void **state)
{
    (void)state;
    int shani = sha256_shani_available();
    printf("sha256: this CPU %s SHA-NI: sha256() takes the %s path\n",
           shani ? "has" : "lacks", path_name(shani ? SHA256_SHANI : SHA256_LIBSODIUM));
    uint8_t a[SHA256_BYTES], b[SHA256_BYTES];
    memset(b, 0xEE, sizeof b);
    /* Asked for a path it cannot take, sha256_on refuses and writes nothing. */
    assert_int_equal(sha256_on(SHA256_SHANI, "abc", 3, b), shani ? 0 : -1);
    if (!shani)
        for (size_t i = 0; i < sizeof b; i++)
            assert_int_equal(b[i], 0xEE);
    sha256_state st;
    assert_int_equal(sha256_init_on(&st, SHA256_SHANI), shani ? 0 : -1);
    /* sha256() is the path it names. */
    uint8_t *in = pattern(1000);
    sha256(in, 1000, a);
    assert_int_equal(sha256_on(shani ? SHA256_SHANI : SHA256_LIBSODIUM, in, 1000, b), 0);
    assert_memory_equal(a, b, sizeof a);
    free(in);
}

/* FIPS 180-2, appendix B, and the empty message (`sha256sum /dev/null`). */
static void known_answers(sha256_path p)
{
    char h[65];
    hex_on(p, "abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_on(p, m448, strlen(m448), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    size_t million = 1000000;
    char *a = malloc(million);
    assert_non_null(a);
    memset(a, 'a', million);
    hex_on(p, a, million, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    hex_on(p, NULL, 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_known_answers_libsodium(void **state)
{
    (void)state;
    known_answers(SHA256_LIBSODIUM);
}

static void test_known_answers_shani(void **state)
{
    (void)state;
    if (!sha256_shani_available())
        skip();
    known_answers(SHA256_SHANI);
}

/* Every length 0..4096, each at a misalignment that cycles through 0..15,
 * copied to a buffer of exactly that size: the tail, one padding block or
 * two (55/56 bytes left), and whole blocks in every combination. */
static void matches_libsodium_every_length(sha256_path p)
{
    enum { MAX = 4096, SLACK = 16 };
    uint8_t *src = pattern(MAX + SLACK);
    for (size_t len = 0; len <= MAX; len++) {
        size_t off = len % SLACK;
        uint8_t *in = malloc(len > 0 ? len : 1);
        assert_non_null(in);
        memcpy(in, src + off, len);
        uint8_t want[SHA256_BYTES], got[SHA256_BYTES], got_unaligned[SHA256_BYTES];
        crypto_hash_sha256(want, in, len);
        assert_int_equal(sha256_on(p, in, len, got), 0);
        assert_memory_equal(got, want, sizeof want);
        /* The same bytes in place in the big buffer, at offset `off`. */
        assert_int_equal(sha256_on(p, src + off, len, got_unaligned), 0);
        assert_memory_equal(got_unaligned, want, sizeof want);
        free(in);
    }
    free(src);
}

static void test_every_length_libsodium(void **state)
{
    (void)state;
    matches_libsodium_every_length(SHA256_LIBSODIUM);
}

static void test_every_length_shani(void **state)
{
    (void)state;
    if (!sha256_shani_available())
        skip();
    matches_libsodium_every_length(SHA256_SHANI);
}

/* Megabytes, with tails on both sides of the two-block padding, at odd
 * offsets, as a lockfile of a few MB is hashed. */
static void test_large_inputs(void **state)
{
    (void)state;
    static const size_t extra[] = {0, 1, 55, 56, 63, 64, 4097};
    static const size_t offsets[] = {0, 1, 3, 13};
    size_t max = ((size_t)1 << 20) * 3 + 4097 + 13;
    uint8_t *src = pattern(max);
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        size_t len = ((size_t)1 << 20) * (1 + i % 3) + extra[i];
        size_t off = offsets[i % 4];
        uint8_t want[SHA256_BYTES], got[SHA256_BYTES];
        crypto_hash_sha256(want, src + off, len);
        for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
            if (paths[k] == SHA256_SHANI && !sha256_shani_available())
                continue;
            assert_int_equal(sha256_on(paths[k], src + off, len, got), 0);
            assert_memory_equal(got, want, sizeof want);
        }
        sha256(src + off, len, got);
        assert_memory_equal(got, want, sizeof want);
    }
    free(src);
}

/* sha256_update in pieces of every size from 0 to 256 bytes, in ever
 * different orders, crossing block edges in every way, and in megabyte
 * pieces after an odd one, as osv_source hashes what it reads. */
static void pieces_do_not_matter(sha256_path p)
{
    size_t len = 16 * 1024 + 77;
    uint8_t *in = pattern(len);
    uint8_t want[SHA256_BYTES], got[SHA256_BYTES];
    crypto_hash_sha256(want, in, len);
    for (size_t step = 0; step < 100; step++) {
        sha256_state s;
        assert_int_equal(sha256_init_on(&s, p), 0);
        sha256_update(&s, NULL, 0);
        size_t off = 0, k = step;
        while (off < len) {
            size_t n = k % 257;
            if (n > len - off)
                n = len - off;
            sha256_update(&s, in + off, n);
            off += n;
            k = k * 31 + 7;
        }
        sha256_final(&s, got);
        assert_memory_equal(got, want, sizeof want);
    }
    free(in);

    len = ((size_t)3 << 20) + 1;
    in = pattern(len);
    crypto_hash_sha256(want, in, len);
    sha256_state s;
    assert_int_equal(sha256_init_on(&s, p), 0);
    sha256_update(&s, in, 1);
    for (size_t off = 1; off < len; off += (size_t)1 << 20)
        sha256_update(&s, in + off, (size_t)1 << 20);
    sha256_final(&s, got);
    assert_memory_equal(got, want, sizeof want);
    free(in);

    /* Nothing added at all; and sha256_init takes the path sha256() does. */
    assert_int_equal(sha256_init_on(&s, p), 0);
    sha256_final(&s, got);
    crypto_hash_sha256(want, NULL, 0);
    assert_memory_equal(got, want, sizeof want);
    sha256_init(&s);
    assert_int_equal(s.shani, sha256_shani_available());
}

static void test_pieces_libsodium(void **state)
{
    (void)state;
    pieces_do_not_matter(SHA256_LIBSODIUM);
}

static void test_pieces_shani(void **state)
{
    (void)state;
    if (!sha256_shani_available())
        skip();
    pieces_do_not_matter(SHA256_SHANI);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_sha256_takes),
        cmocka_unit_test(test_known_answers_libsodium),
        cmocka_unit_test(test_known_answers_shani),
        cmocka_unit_test(test_every_length_libsodium),
        cmocka_unit_test(test_every_length_shani),
        cmocka_unit_test(test_large_inputs),
        cmocka_unit_test(test_pieces_libsodium),
        cmocka_unit_test(test_pieces_shani),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
