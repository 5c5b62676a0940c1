#include "core/percent.h"

#include "core/buf.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *percent_decode(const char *text)
{
    buf b = {0};
    for (const char *p = text; *p != '\0'; p++) {
        int hi = p[0] == '%' ? hex_digit(p[1]) : -1;
        int lo = hi >= 0 ? hex_digit(p[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            buf_putc(&b, (char)(hi * 16 + lo));
            p += 2;
        } else {
            buf_putc(&b, *p);
        }
    }
    return buf_detach(&b, NULL);
}
