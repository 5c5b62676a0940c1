/* libFuzzer target for core/specifier: parse a set; its text must parse
 * back to the same text; containment must not crash for a few versions in
 * every pre-release mode, and must agree for a version and its text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/specifier.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const char *const VERSIONS[] = {
    "0", "1.0", "1.0.0", "1.0a1", "1.0.post1", "1.0.dev0", "1.0+local", "1!1.0",
    "2.3.4rc1.post2.dev3+x.7", "18446744073709551616.1",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[128 * 1024], again[128 * 1024];
    specset *s, *t;
    airlock_error err;
    if (specset_parse((const char *)data, size, &s, &err) != 0)
        return 0;
    size_t n = specset_format(s, text, sizeof text);
    if (n < sizeof text) {
        CHECK(specset_parse(text, n, &t, &err) == 0);
        CHECK(specset_format(t, again, sizeof again) == n && memcmp(text, again, n) == 0);
        CHECK(specset_count(t) == specset_count(s));
        specset_free(t);
    }
    for (size_t i = 0; i < specset_count(s); i++) {
        const char *vt = specset_version_text(s, i);
        CHECK(vt != NULL && (int)specset_op(s, i) >= 0);
        (void)specset_is_wildcard(s, i);
        (void)specset_contains_text(s, vt, strlen(vt), SPEC_PRERELEASES_INCLUDE);
    }
    (void)specset_exact_pin(s);
    for (size_t i = 0; i < sizeof VERSIONS / sizeof VERSIONS[0]; i++) {
        version v;
        CHECK(version_parse(&v, VERSIONS[i], strlen(VERSIONS[i]), &err) == 0);
        for (int pre = -1; pre <= 1; pre++) {
            bool in = specset_contains(s, &v, (spec_prereleases)pre);
            CHECK(in == specset_contains_text(s, VERSIONS[i], strlen(VERSIONS[i]),
                                              (spec_prereleases)pre));
            /* Allowing pre-releases never removes a version. */
            if (pre == SPEC_PRERELEASES_EXCLUDE)
                CHECK(!in || specset_contains(s, &v, SPEC_PRERELEASES_INCLUDE));
        }
        version_clear(&v);
    }
    specset_free(s);
    return 0;
}
