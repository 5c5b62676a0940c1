/* libFuzzer target for core/version: a parsed version's canonical text must
 * parse back to an equal version with the same text, its key must round-trip,
 * arbitrary bytes given as a key must be rejected or be a canonical key, and
 * version_parse()'s plain-release fast path must agree with
 * version_parse_full() in every field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_key(const version *v)
{
    static uint8_t key[8 * VERSION_MAX_TEXT], again[8 * VERSION_MAX_TEXT];
    size_t n = version_key(v, key, sizeof key);
    CHECK(n <= sizeof key);
    version w;
    airlock_error err;
    CHECK(version_from_key(&w, key, n, &err) == 0);
    CHECK(version_compare(v, &w) == 0);
    CHECK(version_key(&w, again, sizeof again) == n && memcmp(key, again, n) == 0);
    version_clear(&w);
}

static void check_same_as_full(const uint8_t *data, size_t size)
{
    version a, b;
    airlock_error ea, eb;
    int ra = version_parse(&a, (const char *)data, size, &ea);
    int rb = version_parse_full(&b, (const char *)data, size, &eb);
    CHECK(ra == rb);
    if (ra != 0) {
        CHECK(strcmp(ea.msg, eb.msg) == 0);
        return;
    }
    static uint8_t ka[8 * VERSION_MAX_TEXT], kb[8 * VERSION_MAX_TEXT];
    size_t la = version_key(&a, ka, sizeof ka), lb = version_key(&b, kb, sizeof kb);
    CHECK(la == lb && memcmp(ka, kb, la) == 0);
    CHECK(a.len_ == b.len_ && a.publen_ == b.publen_ && a.zeros_ == b.zeros_ &&
          a.flags_ == b.flags_ && (a.heap_ == NULL) == (b.heap_ == NULL));
    version_clear(&a);
    version_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[4 * VERSION_MAX_TEXT], again[4 * VERSION_MAX_TEXT];
    airlock_error err;
    version v, w;

    check_same_as_full(data, size);

    if (version_parse(&v, (const char *)data, size, &err) == 0) {
        size_t n = version_format(&v, text, sizeof text);
        CHECK(n < sizeof text && strlen(text) == n);
        CHECK(version_parse(&w, text, n, &err) == 0);
        CHECK(version_compare(&v, &w) == 0);
        CHECK(version_format(&w, again, sizeof again) == n && memcmp(text, again, n) == 0);
        check_key(&v);
        version pub, base;
        version_public(&pub, &v);
        version_base(&base, &v);
        CHECK(!version_has_local(&pub) && !version_is_prerelease(&base));
        /* The base sorts after the public version's pre- and dev releases
         * and before its post-releases. */
        int c = version_compare(&base, &pub);
        bool pre = version_is_prerelease(&pub), post = version_is_postrelease(&pub);
        CHECK((c == 0) == (!pre && !post));
        CHECK(!(pre && !post) || c > 0);
        CHECK(!(!pre && post) || c < 0);
        version_clear(&pub);
        version_clear(&base);
        version_clear(&w);
        version_clear(&v);
    }
    /* The same bytes as a key. */
    if (version_from_key(&v, data, size, &err) == 0) {
        size_t n = version_format(&v, text, sizeof text);
        CHECK(n < sizeof text);
        CHECK(version_parse(&w, text, n, &err) == 0);
        CHECK(version_compare(&v, &w) == 0);
        check_key(&v);
        version_clear(&w);
        version_clear(&v);
    }
    return 0;
}
