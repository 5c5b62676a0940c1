#include "scanner/report_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void report_time_rfc3339(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
        tm.tm_year + 1900 < 0) {
        tt = 0;
        gmtime_r(&tt, &tm);
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Length of the valid UTF-8 sequence at s (s[0] != 0), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void report_utf8_append(buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = utf8_seq(p);
        if (n == 0) {
            buf_puts(b, "\xEF\xBF\xBD");
            p++;
        } else {
            buf_append(b, p, n);
            p += n;
        }
    }
}

void report_md_append(buf *b, const char *s)
{
    buf clean = {0};
    report_utf8_append(&clean, s);
    for (const char *p = clean.data; p != NULL && *p != '\0'; p++) {
        char c = *p;
        if (c == '\n' || c == '\r' || c == '\t')
            buf_putc(b, ' ');
        else if ((unsigned char)c < 0x20 || c == 0x7F)
            continue;
        else if (strchr("\\`*_[]<>|~&!#{}()", c) != NULL) {
            buf_putc(b, '\\');
            buf_putc(b, c);
        } else {
            buf_putc(b, c);
        }
    }
    buf_free(&clean);
}

static void percent_encode(buf *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c) != NULL || (c != 0 && strchr(keep, c) != NULL)) {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 15]);
        }
    }
}

char *report_purl(const dependency *d)
{
    buf b = {0};
    buf_puts(&b, "pkg:pypi/");
    /* purl's pypi type: lower case, '_' as '-' (PEP 503 does both). */
    const char *name = d->normalized != NULL ? d->normalized : d->name;
    buf tmp = {0};
    for (const char *p = name != NULL ? name : ""; *p != '\0'; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        buf_putc(&tmp, c == '_' ? '-' : c);
    }
    percent_encode(&b, tmp.data != NULL ? tmp.data : "", "");
    buf_free(&tmp);
    if (d->version_text != NULL && d->skip_reason == NULL) {
        buf_putc(&b, '@');
        percent_encode(&b, d->version_text, "");
    }
    return buf_detach(&b, NULL);
}

char *report_file_uri(const char *path)
{
    buf b = {0};
    if (path[0] == '/')
        buf_puts(&b, "file://");
    percent_encode(&b, path, "/");
    return buf_detach(&b, NULL);
}

const char *report_primary_url(const finding *f)
{
    for (size_t i = 0; i < f->n_references; i++)
        if (f->references[i].type != NULL && strcmp(f->references[i].type, "ADVISORY") == 0 &&
            f->references[i].url != NULL)
            return f->references[i].url;
    for (size_t i = 0; i < f->n_references; i++)
        if (f->references[i].url != NULL)
            return f->references[i].url;
    return NULL;
}

static cJSON *must(cJSON *item)
{
    if (item == NULL)
        abort(); /* out of memory: see buf.h */
    return item;
}

static void add(cJSON *parent, const char *key, cJSON *item)
{
    cJSON_bool ok = key != NULL ? cJSON_AddItemToObject(parent, key, item)
                                : cJSON_AddItemToArray(parent, item);
    if (!ok)
        abort();
}

cJSON *rj_new_object(void)
{
    return must(cJSON_CreateObject());
}

cJSON *rj_object(cJSON *parent, const char *key)
{
    cJSON *o = must(cJSON_CreateObject());
    add(parent, key, o);
    return o;
}

cJSON *rj_array(cJSON *parent, const char *key)
{
    cJSON *a = must(cJSON_CreateArray());
    add(parent, key, a);
    return a;
}

cJSON *rj_push_object(cJSON *array)
{
    return rj_object(array, NULL);
}

static cJSON *clean_string(const char *s)
{
    buf b = {0};
    report_utf8_append(&b, s);
    cJSON *item = must(cJSON_CreateString(b.data != NULL ? b.data : ""));
    buf_free(&b);
    return item;
}

void rj_push_string(cJSON *array, const char *s)
{
    if (s != NULL)
        add(array, NULL, clean_string(s));
}

void rj_string(cJSON *object, const char *key, const char *s)
{
    if (s != NULL)
        add(object, key, clean_string(s));
}

void rj_number(cJSON *object, const char *key, double n)
{
    add(object, key, must(cJSON_CreateNumber(n)));
}

void rj_bool(cJSON *object, const char *key, int value)
{
    add(object, key, must(cJSON_CreateBool(value ? 1 : 0)));
}

int rj_print(cJSON *root, FILE *out, airlock_error *err)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        abort();
    int bad = fputs(text, out) == EOF || fputc('\n', out) == EOF;
    free(text);
    if (bad)
        return error_errno(err, errno, "writing the report");
    return 0;
}

int report_check_stream(FILE *out, const char *format, airlock_error *err)
{
    if (ferror(out))
        return error_set(err, "writing the %s report failed", format);
    return 0;
}
