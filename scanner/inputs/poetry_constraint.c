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
