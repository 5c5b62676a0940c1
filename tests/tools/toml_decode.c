/*
 * toml-decode - toml-test's decoder interface over core/toml.h: a TOML
 * document on stdin, its tagged JSON on stdout ({"type": T, "value": S} for
 * every scalar); invalid input exits 1 with the message on stderr.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/toml.h"

static void put_str(buf *o, const char *s, size_t n)
{
    buf_putc(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_putc(o, '\\');
            buf_putc(o, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(o, "\\u%04x", c);
        } else {
            buf_putc(o, (char)c);
        }
    }
    buf_putc(o, '"');
}

static void put_value(buf *o, const toml_value *v)
{
    toml_type t = toml_type_of(v);
    if (t == TOML_TABLE) {
        buf_putc(o, '{');
        for (size_t i = 0; i < toml_len(v); i++) {
            if (i)
                buf_putc(o, ',');
            put_str(o, toml_key_at(v, i), toml_key_len(v, i));
            buf_putc(o, ':');
            put_value(o, toml_value_at(v, i));
        }
        buf_putc(o, '}');
        return;
    }
    if (t == TOML_ARRAY) {
        buf_putc(o, '[');
        for (size_t i = 0; i < toml_len(v); i++) {
            if (i)
                buf_putc(o, ',');
            put_value(o, toml_at(v, i));
        }
        buf_putc(o, ']');
        return;
    }
    buf_printf(o, "{\"type\":\"%s\",\"value\":", toml_type_name(t));
    int64_t i;
    double f;
    bool b;
    size_t n;
    const char *s;
    if ((s = toml_string(v, &n)) != NULL) {
        put_str(o, s, n);
    } else if (toml_integer(v, &i)) {
        buf_printf(o, "\"%" PRId64 "\"", i);
    } else if (toml_float(v, &f)) {
        if (isnan(f))
            buf_puts(o, "\"nan\"");
        else if (isinf(f))
            buf_puts(o, f < 0 ? "\"-inf\"" : "\"inf\"");
        else
            buf_printf(o, "\"%.17g\"", f);
    } else if (toml_bool(v, &b)) {
        buf_puts(o, b ? "\"true\"" : "\"false\"");
    } else {
        s = toml_datetime(v);
        put_str(o, s, s ? strlen(s) : 0);
    }
    buf_putc(o, '}');
}

int main(void)
{
    buf in = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_append(&in, chunk, n);
    if (ferror(stdin)) {
        fprintf(stderr, "toml-decode: cannot read stdin\n");
        return 2;
    }
    toml_value *root;
    airlock_error err;
    if (toml_parse(in.data ? in.data : "", in.len, "<stdin>", &root, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        buf_free(&in);
        return 1;
    }
    buf out = {0};
    put_value(&out, root);
    buf_putc(&out, '\n');
    fwrite(out.data, 1, out.len, stdout);
    buf_free(&out);
    buf_free(&in);
    toml_free(root);
    return 0;
}
