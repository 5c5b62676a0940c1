#include "signatures/minisign.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "signatures/blake2b.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

/* Decoded sizes of the base64 lines. */
#define PUBKEY_BYTES (2 + MINISIGN_KEYID_BYTES + MINISIGN_PK_BYTES)
#define SIG_BYTES (2 + MINISIGN_KEYID_BYTES + MINISIGN_SIG_BYTES)
#define KEYNUM_SK_BYTES (MINISIGN_KEYID_BYTES + MINISIGN_SK_BYTES + 32)
#define SECKEY_BYTES (2 + 2 + 2 + 32 + 8 + 8 + KEYNUM_SK_BYTES)
/* Offsets inside the decoded secret key. */
#define SK_KDF 2
#define SK_CHK_ALG 4
#define SK_SALT 6
#define SK_OPS 38
#define SK_MEM 46
#define SK_KEYNUM 54

/* Bounds on scrypt parameters read from a key file, so that a damaged file
 * cannot ask for unbounded time or memory. minisign uses 2^25 and 1 GiB. */
#define MAX_OPSLIMIT (UINT64_C(1) << 33)
#define MAX_MEMLIMIT (UINT64_C(4) << 30)

void minisign_keyid_hex(const uint8_t keyid[MINISIGN_KEYID_BYTES], char out[17])
{
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < MINISIGN_KEYID_BYTES; i++) {
        uint8_t b = keyid[MINISIGN_KEYID_BYTES - 1 - i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[16] = '\0';
}

void minisign_keygen(minisign_pubkey *pk, minisign_seckey *sk)
{
    randombytes_buf(sk->keyid, sizeof sk->keyid);
    crypto_sign_keypair(pk->pk, sk->sk);
    memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
}

void minisign_seckey_public(const minisign_seckey *sk, minisign_pubkey *pk)
{
    memcpy(pk->keyid, sk->keyid, sizeof pk->keyid);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

void minisign_seckey_wipe(minisign_seckey *sk)
{
    sodium_memzero(sk, sizeof *sk);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void append_base64(buf *b, const uint8_t *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    buf_reserve(b, cap);
    sodium_bin2base64(b->data + b->len, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
    b->len += strlen(b->data + b->len);
}

/* A cursor over lines of untrusted text. */
typedef struct lines {
    const char *p, *end;
    unsigned lineno;
} lines;

/* Next line without its "\n" or "\r\n"; 0 at the end of the text. */
static int next_line(lines *l, const char **s, size_t *n)
{
    if (l->p >= l->end)
        return 0;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    const char *stop = nl != NULL ? nl : l->end;
    *s = l->p;
    *n = (size_t)(stop - l->p);
    if (*n > 0 && (*s)[*n - 1] == '\r')
        (*n)--;
    l->p = nl != NULL ? nl + 1 : l->end;
    l->lineno++;
    return 1;
}

/* Only blank lines may follow the last line of a key or signature. */
static int expect_end(lines *l, const char *name, airlock_error *err)
{
    const char *s;
    size_t n;
    while (next_line(l, &s, &n)) {
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ' && s[i] != '\t')
                return error_set(err, "%s:%u: unexpected text after the end", name, l->lineno);
    }
    return 0;
}

static int comment_line(lines *l, const char *prefix, size_t max, const char *name,
                        const char **text, size_t *tlen, airlock_error *err)
{
    const char *s;
    size_t n, plen = strlen(prefix);
    if (!next_line(l, &s, &n))
        return error_set(err, "%s:%u: missing line \"%s...\"", name, l->lineno + 1, prefix);
    if (n < plen || memcmp(s, prefix, plen) != 0)
        return error_set(err, "%s:%u: expected a line starting with \"%s\"", name, l->lineno,
                         prefix);
    if (n >= max)
        return error_set(err, "%s:%u: comment longer than %zu bytes", name, l->lineno, max - 1);
    if (memchr(s, '\0', n) != NULL)
        return error_set(err, "%s:%u: NUL byte in comment", name, l->lineno);
    *text = s + plen;
    *tlen = n - plen;
    return 0;
}

/* Decode one base64 line of exactly `want` bytes. */
static int base64_line(lines *l, uint8_t *out, size_t want, const char *what, const char *name,
                       airlock_error *err)
{
    const char *s;
    size_t n, got = 0;
    const char *end = NULL;
    if (!next_line(l, &s, &n))
        return error_set(err, "%s:%u: missing %s line", name, l->lineno + 1, what);
    /* libsodium's decoder reads a byte as a signed char, so 0xab and 0xaf
     * decode as '+' and '/': a signature with a flipped top bit verified.
     * Only the alphabet and padding are base64. */
    for (size_t i = 0; i < n; i++)
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", s[i]) ==
                NULL ||
            s[i] == '\0')
            return error_set(err, "%s:%u: %s is not valid base64 of %zu bytes", name, l->lineno,
                             what, want);
    if (n != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1 ||
        sodium_base642bin(out, want, s, n, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want || end != s + n)
        return error_set(err, "%s:%u: %s is not valid base64 of %zu bytes", name, l->lineno, what,
                         want);
    return 0;
}

char *minisign_pubkey_format(const minisign_pubkey *pk)
{
    uint8_t bin[PUBKEY_BYTES];
    memcpy(bin, "Ed", 2);
    memcpy(bin + 2, pk->keyid, MINISIGN_KEYID_BYTES);
    memcpy(bin + 2 + MINISIGN_KEYID_BYTES, pk->pk, MINISIGN_PK_BYTES);
    char id[17];
    minisign_keyid_hex(pk->keyid, id);
    buf b = {0};
    buf_printf(&b, UNTRUSTED_PREFIX "minisign public key %s\n", id);
    append_base64(&b, bin, sizeof bin);
    buf_putc(&b, '\n');
    return buf_detach(&b, NULL);
}

int minisign_pubkey_parse(const char *text, size_t len, const char *name, minisign_pubkey *pk,
                          airlock_error *err)
{
    lines l = {text, text + len, 0};
    const char *c;
    size_t clen;
    uint8_t bin[PUBKEY_BYTES];
    if (comment_line(&l, UNTRUSTED_PREFIX, MINISIGN_COMMENT_MAX, name, &c, &clen, err) != 0 ||
        base64_line(&l, bin, sizeof bin, "public key", name, err) != 0)
        return -1;
    if (memcmp(bin, "Ed", 2) != 0)
        return error_set(err, "%s:2: not an Ed25519 minisign public key", name);
    if (expect_end(&l, name, err) != 0)
        return -1;
    memcpy(pk->keyid, bin + 2, MINISIGN_KEYID_BYTES);
    memcpy(pk->pk, bin + 2 + MINISIGN_KEYID_BYTES, MINISIGN_PK_BYTES);
    return 0;
}

int minisign_pubkey_load(const char *path, minisign_pubkey *pk, airlock_error *err)
{
    char *text;
    size_t len;
    if (file_read_all(path, MINISIGN_FILE_MAX, &text, &len, err) != 0)
        return -1;
    int rc = minisign_pubkey_parse(text, len, path, pk, err);
    free(text);
    return rc;
}

static void seckey_checksum(const uint8_t keyid[MINISIGN_KEYID_BYTES],
                            const uint8_t sk[MINISIGN_SK_BYTES], uint8_t chk[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&st, keyid, MINISIGN_KEYID_BYTES);
    crypto_generichash_update(&st, sk, MINISIGN_SK_BYTES);
    crypto_generichash_final(&st, chk, 32);
}

/* XOR the keynum_sk part with scrypt(passphrase): encrypts and decrypts. */
static int seckey_xor(uint8_t bin[SECKEY_BYTES], const char *passphrase, airlock_error *err)
{
    uint8_t stream[KEYNUM_SK_BYTES];
    uint64_t ops = get_le64(bin + SK_OPS), mem = get_le64(bin + SK_MEM);
    if (ops > MAX_OPSLIMIT || mem > MAX_MEMLIMIT)
        return error_set(err, "scrypt parameters out of range (opslimit %llu, memlimit %llu)",
                         (unsigned long long)ops, (unsigned long long)mem);
    if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, passphrase, strlen(passphrase),
                                           bin + SK_SALT, (unsigned long long)ops,
                                           (size_t)mem) != 0)
        return error_set(err, "scrypt failed (out of memory?)");
    for (size_t i = 0; i < sizeof stream; i++)
        bin[SK_KEYNUM + i] ^= stream[i];
    sodium_memzero(stream, sizeof stream);
    return 0;
}

int minisign_seckey_format(const minisign_seckey *sk, const char *passphrase, char **out,
                           airlock_error *err)
{
    return minisign_seckey_format_params(sk, passphrase,
                                         crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE,
                                         crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE,
                                         out, err);
}

int minisign_seckey_format_params(const minisign_seckey *sk, const char *passphrase,
                                  uint64_t opslimit, uint64_t memlimit, char **out,
                                  airlock_error *err)
{
    uint8_t bin[SECKEY_BYTES];
    memset(bin, 0, sizeof bin);
    memcpy(bin, "Ed", 2);
    memcpy(bin + SK_CHK_ALG, "B2", 2);
    memcpy(bin + SK_KEYNUM, sk->keyid, MINISIGN_KEYID_BYTES);
    memcpy(bin + SK_KEYNUM + MINISIGN_KEYID_BYTES, sk->sk, MINISIGN_SK_BYTES);
    /* Like minisign -W, an unencrypted key has zero salt, limits and checksum. */
    if (passphrase != NULL) {
        memcpy(bin + SK_KDF, "Sc", 2);
        randombytes_buf(bin + SK_SALT, 32);
        put_le64(bin + SK_OPS, opslimit);
        put_le64(bin + SK_MEM, memlimit);
        seckey_checksum(sk->keyid, sk->sk, bin + SK_KEYNUM + MINISIGN_KEYID_BYTES + MINISIGN_SK_BYTES);
        if (seckey_xor(bin, passphrase, err) != 0) {
            sodium_memzero(bin, sizeof bin);
            return -1;
        }
    }
    buf b = {0};
    buf_puts(&b, UNTRUSTED_PREFIX "minisign encrypted secret key\n");
    append_base64(&b, bin, sizeof bin);
    buf_putc(&b, '\n');
    sodium_memzero(bin, sizeof bin);
    *out = buf_detach(&b, NULL);
    return 0;
}

static int seckey_decode(const char *text, size_t len, const char *name,
                         uint8_t bin[SECKEY_BYTES], airlock_error *err)
{
    lines l = {text, text + len, 0};
    const char *c;
    size_t clen;
    if (comment_line(&l, UNTRUSTED_PREFIX, MINISIGN_COMMENT_MAX, name, &c, &clen, err) != 0 ||
        base64_line(&l, bin, SECKEY_BYTES, "secret key", name, err) != 0 ||
        expect_end(&l, name, err) != 0)
        return -1;
    if (memcmp(bin, "Ed", 2) != 0)
        return error_set(err, "%s:2: not an Ed25519 minisign secret key", name);
    if (memcmp(bin + SK_CHK_ALG, "B2", 2) != 0)
        return error_set(err, "%s:2: unsupported checksum algorithm", name);
    if (memcmp(bin + SK_KDF, "Sc", 2) != 0 && memcmp(bin + SK_KDF, "\0\0", 2) != 0)
        return error_set(err, "%s:2: unsupported key derivation algorithm", name);
    return 0;
}

int minisign_seckey_is_encrypted(const char *text, size_t len, const char *name,
                                 airlock_error *err)
{
    uint8_t bin[SECKEY_BYTES];
    int rc = seckey_decode(text, len, name, bin, err);
    if (rc == 0)
        rc = memcmp(bin + SK_KDF, "Sc", 2) == 0;
    sodium_memzero(bin, sizeof bin);
    return rc;
}

int minisign_seckey_parse(const char *text, size_t len, const char *name, const char *passphrase,
                          minisign_seckey *sk, airlock_error *err)
{
    uint8_t bin[SECKEY_BYTES];
    int rc = seckey_decode(text, len, name, bin, err);
    int encrypted = rc == 0 && memcmp(bin + SK_KDF, "Sc", 2) == 0;
    if (rc == 0 && encrypted) {
        if (passphrase == NULL)
            rc = error_set(err, "%s: the secret key is encrypted and no passphrase was given", name);
        else if (seckey_xor(bin, passphrase, err) != 0)
            rc = error_prefix(err, "%s", name);
    }
    const uint8_t *keyid = bin + SK_KEYNUM;
    const uint8_t *skb = keyid + MINISIGN_KEYID_BYTES;
    const uint8_t *chk = skb + MINISIGN_SK_BYTES;
    if (rc == 0) {
        uint8_t want[32], zero[32] = {0};
        seckey_checksum(keyid, skb, want);
        /* minisign -W writes a zero checksum; an encrypted key must match. */
        if (sodium_memcmp(want, chk, 32) != 0 && (encrypted || sodium_memcmp(chk, zero, 32) != 0))
            rc = error_set(err, "%s: %s", name,
                           encrypted ? "wrong passphrase (or a damaged secret key)"
                                     : "damaged secret key (checksum mismatch)");
        sodium_memzero(want, sizeof want);
    }
    if (rc == 0) {
        memcpy(sk->keyid, keyid, MINISIGN_KEYID_BYTES);
        memcpy(sk->sk, skb, MINISIGN_SK_BYTES);
    }
    sodium_memzero(bin, sizeof bin);
    return rc;
}

void minisign_prehash(const void *data, size_t len, uint8_t hash[MINISIGN_HASH_BYTES])
{
    blake2b(hash, MINISIGN_HASH_BYTES, data, len);
}

static int one_line(const char *s)
{
    return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

int minisign_sign(const minisign_seckey *sk, const uint8_t hash[MINISIGN_HASH_BYTES],
                  const char *trusted_comment, const char *untrusted_comment, char **out,
                  airlock_error *err)
{
    if (untrusted_comment == NULL)
        untrusted_comment = "signature from minisign secret key";
    size_t tlen = strlen(trusted_comment);
    if (!one_line(trusted_comment) || tlen + strlen(TRUSTED_PREFIX) >= MINISIGN_TRUSTED_COMMENT_MAX)
        return error_set(err, "trusted comment must be one line of at most %zu bytes",
                         MINISIGN_TRUSTED_COMMENT_MAX - strlen(TRUSTED_PREFIX) - 1);
    if (!one_line(untrusted_comment) ||
        strlen(untrusted_comment) + strlen(UNTRUSTED_PREFIX) >= MINISIGN_COMMENT_MAX)
        return error_set(err, "untrusted comment must be one short line");
    uint8_t bin[SIG_BYTES];
    memcpy(bin, "ED", 2);
    memcpy(bin + 2, sk->keyid, MINISIGN_KEYID_BYTES);
    uint8_t *sig = bin + 2 + MINISIGN_KEYID_BYTES;
    crypto_sign_detached(sig, NULL, hash, MINISIGN_HASH_BYTES, sk->sk);

    uint8_t *msg = xmalloc(MINISIGN_SIG_BYTES + tlen);
    memcpy(msg, sig, MINISIGN_SIG_BYTES);
    memcpy(msg + MINISIGN_SIG_BYTES, trusted_comment, tlen);
    uint8_t global[MINISIGN_SIG_BYTES];
    crypto_sign_detached(global, NULL, msg, MINISIGN_SIG_BYTES + tlen, sk->sk);
    free(msg);

    buf b = {0};
    buf_printf(&b, UNTRUSTED_PREFIX "%s\n", untrusted_comment);
    append_base64(&b, bin, sizeof bin);
    buf_printf(&b, "\n" TRUSTED_PREFIX "%s\n", trusted_comment);
    append_base64(&b, global, sizeof global);
    buf_putc(&b, '\n');
    *out = buf_detach(&b, NULL);
    return 0;
}

int minisign_sig_parse(const char *text, size_t len, const char *name, minisign_sig *sig,
                       airlock_error *err)
{
    memset(sig, 0, sizeof *sig);
    lines l = {text, text + len, 0};
    const char *c, *tc;
    size_t clen, tclen;
    uint8_t bin[SIG_BYTES];
    if (comment_line(&l, UNTRUSTED_PREFIX, MINISIGN_COMMENT_MAX, name, &c, &clen, err) != 0 ||
        base64_line(&l, bin, sizeof bin, "signature", name, err) != 0)
        return -1;
    if (memcmp(bin, "Ed", 2) == 0)
        return error_set(err, "%s:2: legacy (not pre-hashed) minisign signature: sign without -l",
                         name);
    if (memcmp(bin, "ED", 2) != 0)
        return error_set(err, "%s:2: unknown signature algorithm", name);
    if (comment_line(&l, TRUSTED_PREFIX, MINISIGN_TRUSTED_COMMENT_MAX, name, &tc, &tclen, err) != 0 ||
        base64_line(&l, sig->global_sig, MINISIGN_SIG_BYTES, "global signature", name, err) != 0 ||
        expect_end(&l, name, err) != 0)
        return -1;
    memcpy(sig->keyid, bin + 2, MINISIGN_KEYID_BYTES);
    memcpy(sig->sig, bin + 2 + MINISIGN_KEYID_BYTES, MINISIGN_SIG_BYTES);
    sig->trusted_comment = xstrndup(tc, tclen);
    return 0;
}

int minisign_sig_verify(const minisign_sig *sig, const minisign_pubkey *pk,
                        const uint8_t hash[MINISIGN_HASH_BYTES], airlock_error *err)
{
    char want[17], got[17];
    if (memcmp(sig->keyid, pk->keyid, MINISIGN_KEYID_BYTES) != 0) {
        minisign_keyid_hex(sig->keyid, got);
        minisign_keyid_hex(pk->keyid, want);
        return error_set(err, "signed with key %s, not with key %s", got, want);
    }
    if (crypto_sign_verify_detached(sig->sig, hash, MINISIGN_HASH_BYTES, pk->pk) != 0)
        return error_set(err, "signature verification failed: the file is not the one that "
                              "was signed");
    size_t tlen = strlen(sig->trusted_comment);
    uint8_t *msg = xmalloc(MINISIGN_SIG_BYTES + tlen);
    memcpy(msg, sig->sig, MINISIGN_SIG_BYTES);
    memcpy(msg + MINISIGN_SIG_BYTES, sig->trusted_comment, tlen);
    int bad = crypto_sign_verify_detached(sig->global_sig, msg, MINISIGN_SIG_BYTES + tlen, pk->pk);
    free(msg);
    if (bad != 0)
        return error_set(err, "the trusted comment was altered (global signature "
                              "verification failed)");
    return 0;
}

void minisign_sig_free(minisign_sig *sig)
{
    free(sig->trusted_comment);
    sig->trusted_comment = NULL;
}
