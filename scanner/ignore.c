#include "scanner/ignore.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fileio.h"

void ignore_list_free(ignore_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].id);
        free(l->items[i].until);
        free(l->items[i].reason);
        free(l->items[i].file);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static ignore_entry *add_entry(ignore_list *l)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    ignore_entry *e = &l->items[l->len++];
    memset(e, 0, sizeof *e);
    return e;
}

static bool id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == ':' || c == '+';
}

static bool id_valid(const char *s, size_t len)
{
    if (len == 0 || len > IGNORE_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!id_char(s[i]))
            return false;
    return true;
}

int ignore_add_id(ignore_list *l, const char *id, airlock_error *err)
{
    if (!id_valid(id, strlen(id)))
        return error_set(err, "invalid vulnerability ID '%.*s'", IGNORE_ID_MAX, id);
    add_entry(l)->id = xstrdup(id);
    return 0;
}

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int ignore_date_valid(const char *date, size_t len)
{
    if (len != 10 || date[4] != '-' || date[7] != '-' || !is_digits(date, 4) ||
        !is_digits(date + 5, 2) || !is_digits(date + 8, 2))
        return 0;
    int y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    int m = (date[5] - '0') * 10 + (date[6] - '0');
    int d = (date[8] - '0') * 10 + (date[9] - '0');
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = days[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= max;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one line (without its newline). Returns false with `why` set for a
 * malformed line; true for an entry, a comment or a blank line. */
static bool parse_line(ignore_list *l, const char *file, unsigned lineno, const char *s,
                       size_t n, const char **why)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            *why = "control character in line";
            return false;
        }
    }
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i == n || s[i] == '#')
        return true;
    size_t id0 = i;
    while (i < n && !is_space(s[i]))
        i++;
    size_t idlen = i - id0;
    if (!id_valid(s + id0, idlen)) {
        *why = idlen > IGNORE_ID_MAX ? "vulnerability ID too long" : "invalid vulnerability ID";
        return false;
    }
    while (i < n && is_space(s[i]))
        i++;
    const char *until = NULL;
    if (n - i >= 6 && memcmp(s + i, "until=", 6) == 0) {
        size_t u0 = i + 6;
        i = u0;
        while (i < n && !is_space(s[i]))
            i++;
        if (!ignore_date_valid(s + u0, i - u0)) {
            *why = "invalid date in until= (expected YYYY-MM-DD)";
            return false;
        }
        until = s + u0;
        while (i < n && is_space(s[i]))
            i++;
    }
    size_t end = n;
    while (end > i && is_space(s[end - 1]))
        end--;
    ignore_entry *e = add_entry(l);
    e->id = xstrndup(s + id0, idlen);
    e->until = until ? xstrndup(until, 10) : NULL;
    e->reason = end > i ? xstrndup(s + i, end - i) : NULL;
    e->file = xstrdup(file);
    e->line = lineno;
    return true;
}

size_t ignore_parse(ignore_list *l, const char *file, const char *text, size_t len, diag *d)
{
    size_t before = l->len;
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        const char *why = NULL;
        if (!parse_line(l, file, lineno, text + pos, n, &why))
            diag_warn(d, file, lineno, "%s; line ignored", why);
        pos += n + (nl ? 1 : 0);
    }
    return l->len - before;
}

int ignore_load(ignore_list *l, const char *path, diag *d, airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, IGNORE_FILE_MAX, &data, &len, err) != 0)
        return error_prefix(err, "ignore file");
    ignore_parse(l, path, data, len, d);
    free(data);
    return 0;
}

static bool id_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 'a' + 'A');
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool entry_matches(const ignore_entry *e, const finding *f)
{
    if (f->id != NULL && id_equal(e->id, f->id))
        return true;
    for (size_t i = 0; i < f->n_aliases; i++)
        if (id_equal(e->id, f->aliases[i]))
            return true;
    return false;
}

static bool expired(const ignore_entry *e, const char *today)
{
    /* YYYY-MM-DD compares as text. */
    return e->until != NULL && strcmp(today, e->until) > 0;
}

void ignore_apply(const ignore_list *l, const char *today, scan_report *r, diag *d)
{
    for (size_t k = 0; k < l->len; k++) {
        const ignore_entry *e = &l->items[k];
        if (!expired(e, today))
            continue;
        r->expired = xrealloc(r->expired, (r->n_expired + 1) * sizeof *r->expired);
        expired_ignore *x = &r->expired[r->n_expired++];
        x->id = xstrdup(e->id);
        x->until = xstrdup(e->until);
        x->reason = e->reason ? xstrdup(e->reason) : NULL;
        x->file = e->file ? xstrdup(e->file) : NULL;
        x->line = e->line;
        diag_warn(d, e->file, e->line, "ignore entry for %s expired on %s; it no longer applies",
                  e->id, e->until);
    }
    if (r->findings == NULL)
        return;
    for (size_t i = 0; i < r->deps.len; i++) {
        for (size_t j = 0; j < r->findings[i].len; j++) {
            finding *f = &r->findings[i].items[j];
            for (size_t k = 0; k < l->len && !f->ignored; k++) {
                const ignore_entry *e = &l->items[k];
                if (expired(e, today) || !entry_matches(e, f))
                    continue;
                f->ignored = true;
                f->ignore_reason = e->reason ? xstrdup(e->reason) : NULL;
                f->ignore_until = e->until ? xstrdup(e->until) : NULL;
            }
        }
    }
}
