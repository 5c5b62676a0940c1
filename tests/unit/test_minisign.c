/* Tests for signatures/minisign: keys, signatures, and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "signatures/minisign.h"

/* A key pair and signature made by stock minisign 0.11 (-G -W, -S -t). */
static const char stock_pub[] =
    "untrusted comment: minisign public key 68906907523273E9\n"
    "RWTpczJSB2mQaM57HVbMnXLENS710OZh+P7ULI3+AkdV6jKIgcBC5uFw\n";
static const char stock_sec[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA6XMyUgdpkGg1w95HXlR84qE9"
    "bCgbiEK+ue36GCksyzCH54kvkeYN2M57HVbMnXLENS710OZh+P7ULI3+AkdV6jKIgcBC5uFwAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAA=\n";
static const char stock_sig[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUTpczJSB2mQaJBN4Zd68GrguyHgV0K041d2G8ycTdaBX4KKkAEeh8PZH6JxA1L+CpchHaYQUZRld7x3Sq9lWxPcoXKBjyS3SgE=\n"
    "trusted comment: timestamp:1795427041\tfile:f\thashed\n"
    "co7ngOB8QBcqg8qA1ZHkyOYkc5rc8RVoVrdRTjvBktSww6hxzfvwwNqfBshcEgCXZjG8FDhGeW+Wq0pKGdcQBw==\n";

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void test_stock_minisign_files(void **state)
{
    (void)state;
    airlock_error err;
    minisign_pubkey pk, derived;
    minisign_seckey sk;
    minisign_sig sig;
    assert_int_equal(minisign_pubkey_parse(stock_pub, strlen(stock_pub), "pub", &pk, &err), 0);
    char id[17];
    minisign_keyid_hex(pk.keyid, id);
    assert_string_equal(id, "68906907523273E9");
    assert_int_equal(minisign_seckey_is_encrypted(stock_sec, strlen(stock_sec), "sec", &err), 0);
    assert_int_equal(minisign_seckey_parse(stock_sec, strlen(stock_sec), "sec", NULL, &sk, &err), 0);
    minisign_seckey_public(&sk, &derived);
    assert_memory_equal(&derived, &pk, sizeof pk);
    minisign_seckey_wipe(&sk);
    /* The signed file was "hello\n". */
    uint8_t hash[MINISIGN_HASH_BYTES];
    minisign_prehash("hello\n", 6, hash);
    assert_int_equal(minisign_sig_parse(stock_sig, strlen(stock_sig), "sig", &sig, &err), 0);
    assert_string_equal(sig.trusted_comment, "timestamp:1795427041\tfile:f\thashed");
    assert_int_equal(minisign_sig_verify(&sig, &pk, hash, &err), 0);
    minisign_prehash("hello!", 6, hash);
    assert_int_equal(minisign_sig_verify(&sig, &pk, hash, &err), -1);
    assert_non_null(strstr(err.msg, "not the one that was signed"));
    minisign_sig_free(&sig);
}

static void test_sign_verify_roundtrip(void **state)
{
    (void)state;
    airlock_error err;
    minisign_pubkey pk, pk2;
    minisign_seckey sk, sk2;
    minisign_keygen(&pk, &sk);
    char *pubtext = minisign_pubkey_format(&pk), *sectext;
    assert_int_equal(minisign_pubkey_parse(pubtext, strlen(pubtext), "p", &pk2, &err), 0);
    assert_memory_equal(&pk, &pk2, sizeof pk);
    assert_int_equal(minisign_seckey_format(&sk, NULL, &sectext, &err), 0);
    assert_int_equal(minisign_seckey_parse(sectext, strlen(sectext), "s", NULL, &sk2, &err), 0);
    assert_memory_equal(&sk, &sk2, sizeof sk);

    uint8_t hash[MINISIGN_HASH_BYTES];
    minisign_prehash("data", 4, hash);
    char *sigtext;
    assert_int_equal(minisign_sign(&sk, hash, "a=1 b=2", NULL, &sigtext, &err), 0);
    minisign_sig sig;
    assert_int_equal(minisign_sig_parse(sigtext, strlen(sigtext), "sig", &sig, &err), 0);
    assert_string_equal(sig.trusted_comment, "a=1 b=2");
    assert_int_equal(minisign_sig_verify(&sig, &pk, hash, &err), 0);
    /* An altered trusted comment breaks the global signature. */
    free(sig.trusted_comment);
    sig.trusted_comment = strdup("a=1 b=3");
    assert_int_equal(minisign_sig_verify(&sig, &pk, hash, &err), -1);
    assert_non_null(strstr(err.msg, "trusted comment was altered"));
    minisign_sig_free(&sig);
    /* Another key, same id: refused by the signature, not by the id. */
    minisign_pubkey other;
    minisign_seckey osk;
    minisign_keygen(&other, &osk);
    memcpy(other.keyid, pk.keyid, sizeof pk.keyid);
    assert_int_equal(minisign_sig_parse(sigtext, strlen(sigtext), "sig", &sig, &err), 0);
    assert_int_equal(minisign_sig_verify(&sig, &other, hash, &err), -1);
    minisign_keygen(&other, &osk);
    assert_int_equal(minisign_sig_verify(&sig, &other, hash, &err), -1);
    assert_non_null(strstr(err.msg, "signed with key"));
    minisign_sig_free(&sig);
    /* Multi-line comments cannot be signed. */
    assert_int_equal(minisign_sign(&sk, hash, "a\nb", NULL, &sigtext, &err) == -1 ? 0 : 1, 0);
    free(sigtext);
    free(pubtext);
    free(sectext);
}

static void test_encrypted_roundtrip(void **state)
{
    (void)state;
    airlock_error err;
    minisign_pubkey pk;
    minisign_seckey sk, sk2;
    minisign_keygen(&pk, &sk);
    char *text;
    /* Cheap scrypt parameters: the format is the same as minisign's. */
    assert_int_equal(minisign_seckey_format_params(&sk, "pass phrase", 1u << 16, 1u << 22, &text,
                                                   &err), 0);
    assert_int_equal(minisign_seckey_is_encrypted(text, strlen(text), "s", &err), 1);
    assert_int_equal(minisign_seckey_parse(text, strlen(text), "s", NULL, &sk2, &err), -1);
    assert_non_null(strstr(err.msg, "no passphrase"));
    assert_int_equal(minisign_seckey_parse(text, strlen(text), "s", "wrong", &sk2, &err), -1);
    assert_non_null(strstr(err.msg, "wrong passphrase"));
    assert_int_equal(minisign_seckey_parse(text, strlen(text), "s", "pass phrase", &sk2, &err), 0);
    assert_memory_equal(&sk, &sk2, sizeof sk);
    free(text);
}

/* Every prefix, and every single-byte change of the signature's structural
 * parts, must fail cleanly (or, for the untrusted comment, still parse). */
static void test_sig_bad_input(void **state)
{
    (void)state;
    airlock_error err;
    minisign_sig sig;
    size_t len = strlen(stock_sig);
    for (size_t n = 0; n + 1 < len; n++)
        assert_int_equal(minisign_sig_parse(stock_sig, n, "sig", &sig, &err), -1);
    const char *bad[] = {
        "",
        "\n\n\n\n",
        "untrusted comment: x\nRUTp\ntrusted comment: t\nAAAA\n",
        "trusted comment: x\n",
        /* legacy "Ed" signature */
        "untrusted comment: x\n"
        "RWTpczJSB2mQaJBN4Zd68GrguyHgV0K041d2G8ycTdaBX4KKkAEeh8PZH6JxA1L+CpchHaYQUZRld7x3Sq9lWxPcoXKBjyS3SgE=\n"
        "trusted comment: t\n"
        "co7ngOB8QBcqg8qA1ZHkyOYkc5rc8RVoVrdRTjvBktSww6hxzfvwwNqfBshcEgCXZjG8FDhGeW+Wq0pKGdcQBw==\n",
        /* trailing garbage */
        "untrusted comment: x\n"
        "RUTpczJSB2mQaJBN4Zd68GrguyHgV0K041d2G8ycTdaBX4KKkAEeh8PZH6JxA1L+CpchHaYQUZRld7x3Sq9lWxPcoXKBjyS3SgE=\n"
        "trusted comment: t\n"
        "co7ngOB8QBcqg8qA1ZHkyOYkc5rc8RVoVrdRTjvBktSww6hxzfvwwNqfBshcEgCXZjG8FDhGeW+Wq0pKGdcQBw==\nmore\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(minisign_sig_parse(bad[i], strlen(bad[i]), "sig", &sig, &err), -1);
    /* '+' or '/' with the top bit set (0xab, 0xaf) is not base64, although
     * libsodium's decoder, reading a signed char, takes it for one. */
    char flipped[sizeof stock_sig];
    for (size_t i = 0; i < len; i++) {
        if (stock_sig[i] != '+' && stock_sig[i] != '/')
            continue;
        memcpy(flipped, stock_sig, sizeof stock_sig);
        flipped[i] = (char)(stock_sig[i] | 0x80);
        assert_int_equal(minisign_sig_parse(flipped, len, "sig", &sig, &err), -1);
    }
    /* A NUL inside the trusted comment. */
    char copy[sizeof stock_sig];
    memcpy(copy, stock_sig, sizeof stock_sig);
    char *tc = strstr(copy, "timestamp");
    *tc = '\0';
    assert_int_equal(minisign_sig_parse(copy, len, "sig", &sig, &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
    /* CRLF line ends are accepted, as minisign does. */
    buf b = {0};
    for (const char *p = stock_sig; *p; p++) {
        if (*p == '\n')
            buf_putc(&b, '\r');
        buf_putc(&b, *p);
    }
    assert_int_equal(minisign_sig_parse(b.data, b.len, "sig", &sig, &err), 0);
    assert_string_equal(sig.trusted_comment, "timestamp:1795427041\tfile:f\thashed");
    minisign_sig_free(&sig);
    buf_free(&b);
    /* A trusted comment too long for minisign. */
    buf_printf(&b, "untrusted comment: x\n"
                   "RUTpczJSB2mQaJBN4Zd68GrguyHgV0K041d2G8ycTdaBX4KKkAEeh8PZH6JxA1L+CpchHaYQUZRld7x3"
                   "Sq9lWxPcoXKBjyS3SgE=\ntrusted comment: ");
    for (int i = 0; i < MINISIGN_TRUSTED_COMMENT_MAX; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "\nco7ngOB8QBcqg8qA1ZHkyOYkc5rc8RVoVrdRTjvBktSww6hxzfvwwNqfBshcEgCXZjG8FDhGeW+Wq0pKGdcQBw==\n");
    assert_int_equal(minisign_sig_parse(b.data, b.len, "sig", &sig, &err), -1);
    assert_non_null(strstr(err.msg, "longer than"));
    buf_free(&b);
}

static void test_key_bad_input(void **state)
{
    (void)state;
    airlock_error err;
    minisign_pubkey pk;
    minisign_seckey sk;
    for (size_t n = 0; n + 1 < strlen(stock_pub); n++)
        assert_int_equal(minisign_pubkey_parse(stock_pub, n, "pub", &pk, &err), -1);
    for (size_t n = 0; n + 1 < strlen(stock_sec); n++) {
        assert_int_equal(minisign_seckey_parse(stock_sec, n, "sec", NULL, &sk, &err), -1);
        assert_int_equal(minisign_seckey_is_encrypted(stock_sec, n, "sec", &err), -1);
    }
    /* The key id line must hold "Ed": flip it to "ED". */
    char copy[sizeof stock_pub];
    memcpy(copy, stock_pub, sizeof stock_pub);
    char *line = strchr(copy, '\n') + 1;
    assert_true(line[1] == 'W');
    line[1] = 'U'; /* "RWT" -> "RUT": "Ed" -> "ED" */
    assert_int_equal(minisign_pubkey_parse(copy, strlen(copy), "pub", &pk, &err), -1);
    assert_non_null(strstr(err.msg, "not an Ed25519"));
    /* A damaged unencrypted secret key with a non-zero checksum. */
    char sec[sizeof stock_sec];
    memcpy(sec, stock_sec, sizeof stock_sec);
    char *end = strstr(sec, "AAAA=\n");
    end[0] = 'B';
    assert_int_equal(minisign_seckey_parse(sec, strlen(sec), "sec", NULL, &sk, &err), -1);
    assert_non_null(strstr(err.msg, "checksum"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stock_minisign_files),
        cmocka_unit_test(test_sign_verify_roundtrip),
        cmocka_unit_test(test_encrypted_roundtrip),
        cmocka_unit_test(test_sig_bad_input),
        cmocka_unit_test(test_key_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
