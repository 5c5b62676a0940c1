/* libFuzzer target: a package URL read by purl_parse(). Whatever the
 * bytes: no crash or over-read; a purl that parses has a lower-case type
 * and a name; and the type, name and version, written back as a canonical
 * purl (everything but unreserved characters escaped), parse to the same. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/purl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) != NULL) {
            buf_putc(b, (char)*p);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

static bool same(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    purl p;
    airlock_error err;
    int rc = purl_parse((const char *)data, size, &p, &err);
    if (rc == 0) {
        if (p.type == NULL || p.name == NULL || p.name[0] == '\0')
            abort();
        for (const char *c = p.type; *c != '\0'; c++)
            if (*c >= 'A' && *c <= 'Z')
                abort();
        if (strcmp(p.type, "pypi") == 0)
            (void)purl_check_pypi(&p, &err);
        buf b = {0};
        buf_printf(&b, "pkg:%s/", p.type);
        encode(&b, p.name);
        if (p.version != NULL) {
            buf_putc(&b, '@');
            encode(&b, p.version);
        }
        purl q;
        if (purl_parse(b.data, b.len, &q, &err) != 0 || !same(p.type, q.type) ||
            !same(p.name, q.name) || !same(p.version, q.version) || q.namespace != NULL)
            abort();
        purl_clear(&q);
        buf_free(&b);
    }
    purl_clear(&p);
    return 0;
}
