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

int name_normalize(const char *name, size_t len, char *out, size_t cap, airlock_error *err)
{
    if (!name_is_valid(name, len)) {
        char why[32];
        snprintf(why, sizeof why, "longer than %d", NAME_MAX_LEN);
        return error_invalid(err, "project name", name, len, len > NAME_MAX_LEN ? why : NULL);
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)name[i];
        if (name_sep(c)) {
            while (i + 1 < len && name_sep((unsigned char)name[i + 1]))
                i++;
            c = '-';
        } else if (c >= 'A' && c <= 'Z') {
            c += 'a' - 'A';
        }
        if (n + 1 >= cap)
            return error_set(err, "project name too long for its buffer (%zu bytes)", cap);
        out[n++] = (char)c;
    }
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
