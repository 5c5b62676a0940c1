/*
 * name.c - project names: PEP 508 validity, PEP 503 normalisation.
 */
#include "core/name.h"

#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__)
/*
 * Nearly every name an installer records is normalised already, or needs
 * only its case folded: letters, digits and single '-' between them. Such
 * a name is checked and lower-cased sixteen bytes at a time (a copy padded
 * with NULs, so no load reads past the name); the result is what the byte
 * loop below writes for it. Returns its length, or -1 for any other name
 * ('_', '.', "--", a byte outside the set, a '-' at either end, too long,
 * or no room): the byte loop then decides, errors included.
 */
static int normalize_simple(const char *name, size_t len, char *out, size_t cap)
{
    if (name == NULL || len == 0 || len > NAME_MAX_LEN || cap < len + 1)
        return -1;
    unsigned char tmp[NAME_MAX_LEN + 16];
    memcpy(tmp, name, len);
    memset(tmp + len, 0, 16);
    const __m128i case_bit = _mm_set1_epi8(0x20), dash = _mm_set1_epi8('-');
    const __m128i a_1 = _mm_set1_epi8('a' - 1), z_1 = _mm_set1_epi8('z' + 1);
    const __m128i d0_1 = _mm_set1_epi8('0' - 1), d9_1 = _mm_set1_epi8('9' + 1);
    unsigned carry = 0; /* the previous block ended with a '-' */
    for (size_t i = 0; i < len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(tmp + i));
        /* x | 0x20 is a lower-case letter exactly when x is a letter of
         * either case; bytes >= 0x80 are negative and match no range. */
        __m128i folded = _mm_or_si128(x, case_bit);
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(folded, a_1), _mm_cmplt_epi8(folded, z_1));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, d0_1), _mm_cmplt_epi8(x, d9_1));
        __m128i is_dash = _mm_cmpeq_epi8(x, dash);
        unsigned want = len - i >= 16 ? 0xffffu : (1u << (len - i)) - 1;
        unsigned ok = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), is_dash));
        if ((ok & want) != want)
            return -1;
        unsigned d = (unsigned)_mm_movemask_epi8(is_dash) & want;
        if (d & ((d << 1) | carry))
            return -1; /* "--": the byte loop collapses it */
        carry = d >> 15;
        _mm_storeu_si128((__m128i *)(void *)(tmp + i),
                         _mm_or_si128(x, _mm_and_si128(alpha, case_bit)));
    }
    if (tmp[0] == '-' || tmp[len - 1] == '-')
        return -1;
    memcpy(out, tmp, len);
    out[len] = '\0';
    return (int)len;
}
#endif

int name_normalize(const char *name, size_t len, char *out, size_t cap, airlock_error *err)
{
#if defined(__SSE2__)
    int simple = normalize_simple(name, len, out, cap);
    if (simple >= 0)
        return simple;
#endif
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
