/*
 * poetry_constraint.c - Poetry's exact pins told from its ranges.
 */
#include "scanner/inputs/poetry_constraint.h"

#include <stdbool.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank((*s)[0]))
        (*s)++, (*len)--;
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

poetry_constraint_kind poetry_constraint_classify(const char *text, size_t len, const char **pin,
                                                  size_t *pin_len)
{
    const char *s = text;
    size_t n = len;
    trim(&s, &n);
    if (n == 0 || (n == 1 && s[0] == '*'))
        return POETRY_ANY;
    const char *whole = s;
    size_t whole_len = n;
    /* Poetry's single constraint: an optional "==" (or "=", or PEP 440's
     * "===") and one version. Anything else in what is left (an operator, a
     * wildcard, a second constraint after a blank, a comma or a bar) makes
     * it a range. */
    size_t op = 0;
    while (op < n && op < 3 && s[op] == '=')
        op++;
    s += op, n -= op;
    trim(&s, &n);
    static const char range_chars[] = " \t,|*^~<>!=";
    bool single = n > 0;
    for (size_t i = 0; single && i < n; i++)
        if (memchr(range_chars, s[i], sizeof range_chars - 1) != NULL)
            single = false;
    if (single) {
        if (pin)
            *pin = s;
        if (pin_len)
            *pin_len = n;
        return POETRY_PIN;
    }
    if (pin)
        *pin = whole;
    if (pin_len)
        *pin_len = whole_len;
    return POETRY_RANGE;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The release numbers leading `v` ("1.2.3b1" -> 1, 2, 3), at most 16.
 * Returns how many, or 0 when `v` does not start with one or one is too
 * large to bump. */
static size_t release_parts(const char *v, size_t n, unsigned long long parts[16])
{
    size_t count = 0, i = 0;
    while (i < n && is_digit(v[i]) && count < 16) {
        unsigned long long x = 0;
        while (i < n && is_digit(v[i])) {
            if (x > 999999999999ULL)
                return 0;
            x = x * 10 + (unsigned)(v[i++] - '0');
        }
        parts[count++] = x;
        if (i + 1 < n && v[i] == '.' && is_digit(v[i + 1]))
            i++;
        else
            break;
    }
    return count;
}

/* ">=V,<U" where U bumps release part `bump` of V and drops the rest
 * (padded with zeros to `width` parts). */
static int bounded(buf *b, const char *v, size_t n, const unsigned long long *parts,
                   size_t bump, size_t width)
{
    buf_printf(b, ">=%.*s,<", (int)n, v);
    for (size_t i = 0; i < width; i++)
        buf_printf(b, "%s%llu", i ? "." : "",
                   i < bump ? parts[i] : i == bump ? parts[i] + 1 : 0ULL);
    return 0;
}

/* One constraint: an operator (or none) and a version. */
static int one_constraint(const char *s, size_t n, buf *b)
{
    size_t op = 0;
    while (op < n && op < 3 && memchr("<>=!~^", s[op], 6) != NULL)
        op++;
    const char *v = s + op;
    size_t vn = n - op;
    trim(&v, &vn);
    if (vn == 0 || memchr(v, ' ', vn) != NULL || memchr(v, '\t', vn) != NULL)
        return op == 0 && vn == 0 ? 0 : -1;
    if (memchr("<>=!~^", v[0], 6) != NULL)
        return -1; /* "====1": more operator than any operator has */
    if (op == 0 && vn == 1 && v[0] == '*')
        return 0;
    unsigned long long parts[16];
    if (op == 1 && (s[0] == '^' || s[0] == '~')) {
        size_t count = release_parts(v, vn, parts);
        if (count == 0)
            return -1;
        size_t bump;
        if (s[0] == '~') {
            bump = count >= 2 ? 1 : 0;
        } else {
            bump = 0;
            while (bump + 1 < count && parts[bump] == 0)
                bump++;
        }
        /* poetry-core pads ^'s bound to three parts, ~'s to the parts
         * given (at least two when there are two). */
        size_t width = s[0] == '^' ? (count > 3 ? count : 3) : count;
        if (width <= bump)
            width = bump + 1;
        return bounded(b, v, vn, parts, bump, width);
    }
    if (op == 0 || (op == 1 && s[0] == '=')) {
        buf_printf(b, "==%.*s", (int)vn, v);
        return 0;
    }
    static const char *const ops[] = {"<", ">", "<=", ">=", "==", "!=", "~=", "==="};
    bool known = false;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        known |= strlen(ops[k]) == op && memcmp(ops[k], s, op) == 0;
    if (!known)
        return -1;
    buf_printf(b, "%.*s%.*s", (int)op, s, (int)vn, v);
    return 0;
}

int poetry_constraint_pep440(const char *text, size_t len, buf *out)
{
    const char *s = text;
    size_t n = len;
    trim(&s, &n);
    if (memchr(s, '|', n) != NULL)
        return -1;
    buf b = {0};
    size_t i = 0;
    bool any = false;
    while (i < n) {
        /* A constraint runs to a comma, or to a blank that follows its
         * version (">=1 <2"); blanks after an operator belong to it. */
        size_t start = i;
        while (i < n && memchr("<>=!~^", s[i], 6) != NULL)
            i++;
        while (i < n && is_blank(s[i]))
            i++;
        while (i < n && s[i] != ',' && !is_blank(s[i]))
            i++;
        size_t before = b.len;
        if (any)
            buf_putc(&b, ',');
        if (one_constraint(s + start, i - start, &b) != 0) {
            buf_free(&b);
            return -1;
        }
        if (b.len == before + (any ? 1 : 0)) {
            b.len = before; /* "*": nothing to add */
            if (b.data != NULL)
                b.data[b.len] = '\0';
        } else {
            any = true;
        }
        while (i < n && (s[i] == ',' || is_blank(s[i])))
            i++;
    }
    buf_append(out, b.data ? b.data : "", b.len);
    buf_free(&b);
    return 0;
}
