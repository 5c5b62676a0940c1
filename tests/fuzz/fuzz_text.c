/* libFuzzer target: core/text.h's filter, the Markdown escaping built on it
 * and report_url_ok(), on arbitrary bytes. The filter's output is valid
 * UTF-8 without a C0, DEL, C1 or bidirectional control (TEXT_LINES: but
 * '\n' and '\t') and filtering it again changes nothing; the Markdown text
 * holds no control and no bare "://" or "www."; an accepted URL is http(s)
 * and printable ASCII without a quote, a space or angle brackets. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "scanner/reports/report_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        uint32_t cp;
        size_t n = text_utf8_seq(p, left, &cp);
        if (n == 0)
            abort(); /* invalid UTF-8 */
        bool line = (flags & TEXT_LINES) && (cp == '\n' || cp == '\t');
        if (!line && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
                      cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
                      (cp >= 0x2066 && cp <= 0x2069)))
            abort(); /* a control got through */
        p += n;
        left -= n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *s = xstrndup((const char *)data, size); /* up to the first NUL */
    for (unsigned flags = 0; flags <= TEXT_LINES; flags++) {
        char *once = text_safe_dup(s, flags);
        check_clean(once, flags);
        char *twice = text_safe_dup(once, flags);
        if (strcmp(once, twice) != 0)
            abort(); /* not idempotent */
        free(once);
        free(twice);
    }
    buf md = {0};
    report_md_append(&md, s);
    check_clean(md.data != NULL ? md.data : "", 0);
    if (md.data != NULL) {
        for (const char *p = strstr(md.data, "://"); p != NULL; p = strstr(p + 1, "://"))
            if (p == md.data || p[-1] != '\\')
                abort(); /* the ':' of "://" is always escaped */
        for (const char *p = md.data; (p = strchr(p, '.')) != NULL; p++)
            if (p - md.data >= 3 && strncasecmp(p - 3, "www", 3) == 0)
                abort(); /* so is the '.' of "www." */
    }
    buf_free(&md);
    if (report_url_ok(s)) {
        if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
            abort();
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p <= ' ' || *p >= 0x7F || strchr("\"<>\\^`{|}", *p) != NULL)
                abort();
    }
    free(s);
    return 0;
}
