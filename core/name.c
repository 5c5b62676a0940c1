/*
 * name.c - project names: PEP 508 validity, PEP 503 normalisation.
 */
#include "core/name.h"

#include <stdio.h>

#include "core/buf.h"

static int name_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int name_sep(int c) { return c == '-' || c == '_' || c == '.'; }

bool name_is_valid(const char *name, size_t len)
{
    if (name == NULL || len == 0 || len > NAME_MAX_LEN)
        return false;
    if (!name_alnum((unsigned char)name[0]) || !name_alnum((unsigned char)name[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++)
        if (!name_alnum((unsigned char)name[i]) && !name_sep((unsigned char)name[i]))
            return false;
    return true;
}

/* What each byte becomes in a valid name: itself, lower-cased, or '-' for
 * a separator; 0 for a byte no name holds. */
static const char name_map[256] = {
    ['-'] = '-', ['_'] = '-', ['.'] = '-',
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l',
    ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
    ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
    ['y'] = 'y', ['z'] = 'z',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
    ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l',
    ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
    ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
    ['Y'] = 'y', ['Z'] = 'z',
};

int name_normalize(const char *name, size_t len, char *out, size_t cap, airlock_error *err)
{
    /* One pass that checks and writes: every scan normalises every name. */
    bool valid = name != NULL && len > 0 && len <= NAME_MAX_LEN, full = false;
    size_t n = 0;
    for (size_t i = 0; valid && i < len; i++) {
        char c = name_map[(unsigned char)name[i]];
        if (c == 0)
            valid = false;
        else if (full || (c == '-' && n > 0 && out[n - 1] == '-'))
            continue;
        else if (n + 1 >= cap)
            full = true;
        else
            out[n++] = c;
    }
    /* First and last must be letters or digits (a run of separators
     * became one '-'). */
    if (valid && (name_map[(unsigned char)name[0]] == '-' ||
                  name_map[(unsigned char)name[len - 1]] == '-'))
        valid = false;
    if (!valid) {
        char why[32];
        snprintf(why, sizeof why, "longer than %d", NAME_MAX_LEN);
        return error_invalid(err, "project name", name, len, len > NAME_MAX_LEN ? why : NULL);
    }
    if (full)
        return error_set(err, "project name too long for its buffer (%zu bytes)", cap);
    out[n] = '\0';
    return (int)n;
}

char *name_canonicalize(const char *name, size_t len)
{
    buf b = {0};
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (name_sep((unsigned char)c)) {
            while (i + 1 < len && name_sep((unsigned char)name[i + 1]))
                i++;
            c = '-';
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        } else if (c == '\0') {
            c = '?';
        }
        buf_putc(&b, c);
    }
    return buf_detach(&b, NULL);
}
