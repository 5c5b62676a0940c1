/* Fuzz the streaming JSON writer (scanner/reports/json_out.h) in its three
 * modes at once: the input drives one document (containers, keys and
 * strings of its own bytes, long ones too, numbers from its bits, values
 * shown and twinned differently), written formatted to a FILE*,
 * unformatted to a sink, and in twin mode (both in one pass). The twin's
 * two streams must be exactly the other two, the formatted text must parse
 * as JSON, and every output must be valid UTF-8.
 *
 * Input: a program of bytes. Each step's byte picks an operation (open an
 * object or array, close one, a string, a number, true/false/null, a
 * twinned string); a key (inside an object) and a string take a length
 * byte (255: two more bytes of length) and that many bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/reports/json_out.h"
#include "scanner/reports/report_util.h"

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static unsigned take(input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* A length and that many bytes, NUL-terminated (free it). */
static char *take_text(input *in)
{
    size_t len = take(in);
    if (len == 255) {
        len = (size_t)take(in) << 8;
        len |= take(in);
    }
    if (len > in->n)
        len = in->n;
    char *s = xmalloc(len + 1);
    memcpy(s, in->p, len);
    s[len] = '\0'; /* an embedded NUL ends it early: that is fine */
    in->p += len;
    in->n -= len;
    return s;
}

static bool to_buf(void *ctx, const void *data, size_t len)
{
    buf_append(ctx, data, len);
    return true;
}

enum { PRETTY, FLAT, TWIN, N_WRITERS };

static void check_utf8(const char *s, size_t len)
{
    buf b = {0};
    report_utf8_append(&b, s);
    if (strlen(s) != len || b.len != len || memcmp(b.data, s, len) != 0)
        abort();
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_out *w = xmalloc(N_WRITERS * sizeof *w);
    char *text[2] = {NULL, NULL};
    size_t text_len[2] = {0, 0};
    FILE *f[2];
    for (int i = 0; i < 2; i++) {
        f[i] = open_memstream(&text[i], &text_len[i]);
        if (f[i] == NULL)
            abort();
    }
    buf flat = {0}, twin = {0};
    jo_init(&w[PRETTY], f[0]);
    jo_init_sink(&w[FLAT], to_buf, &flat, false);
    jo_init_twin(&w[TWIN], f[1], to_buf, &twin);

    input in = {data, size};
    bool is_array[JO_MAX_DEPTH];
    unsigned depth = 1;
    is_array[0] = true;
    for (int k = 0; k < N_WRITERS; k++)
        jo_array_begin(&w[k]);
    while (in.n > 0) {
        unsigned op = take(&in) % 8;
        if (op == 2) { /* close */
            if (depth > 1) {
                depth--;
                for (int k = 0; k < N_WRITERS; k++)
                    (is_array[depth] ? jo_array_end : jo_object_end)(&w[k]);
            }
            continue;
        }
        if (!is_array[depth - 1]) {
            char *key = take_text(&in);
            for (int k = 0; k < N_WRITERS; k++)
                jo_key(&w[k], key);
            free(key);
        }
        switch (op) {
        case 0:
        case 1:
            if (depth == JO_MAX_DEPTH) {
                for (int k = 0; k < N_WRITERS; k++)
                    jo_null(&w[k]);
                break;
            }
            is_array[depth++] = op == 1;
            for (int k = 0; k < N_WRITERS; k++)
                (op == 1 ? jo_array_begin : jo_object_begin)(&w[k]);
            break;
        case 3: {
            char *s = take_text(&in);
            for (int k = 0; k < N_WRITERS; k++)
                jo_string(&w[k], s);
            free(s);
            break;
        }
        case 4: {
            uint64_t bits = 0;
            for (int b = 0; b < 8; b++)
                bits = bits << 8 | take(&in);
            double v;
            memcpy(&v, &bits, sizeof v);
            if (bits & 1) /* small whole numbers and tenths too */
                v = (double)(int16_t)(bits >> 16) / ((bits & 2) ? 10 : 1);
            for (int k = 0; k < N_WRITERS; k++)
                jo_number(&w[k], v);
            break;
        }
        case 5:
        case 6: {
            unsigned b = take(&in) % 3;
            for (int k = 0; k < N_WRITERS; k++) {
                if (b == 2)
                    jo_null(&w[k]);
                else
                    jo_bool(&w[k], b == 1);
            }
            break;
        }
        default: { /* shown one way, hashed another (the serial number) */
            char *s = take_text(&in);
            jo_string(&w[PRETTY], s);
            jo_string(&w[FLAT], "");
            jo_string_twin(&w[TWIN], s, "");
            free(s);
            break;
        }
        }
    }
    while (depth > 0) {
        depth--;
        for (int k = 0; k < N_WRITERS; k++)
            (is_array[depth] ? jo_array_end : jo_object_end)(&w[k]);
    }
    airlock_error err;
    for (int k = 0; k < N_WRITERS; k++)
        if (jo_finish(&w[k], "fuzz", &err) != 0)
            abort();
    for (int i = 0; i < 2; i++)
        if (fclose(f[i]) != 0)
            abort();
    if (flat.data == NULL || twin.data == NULL)
        abort(); /* at least "[]" */
    if (text_len[0] != text_len[1] || memcmp(text[0], text[1], text_len[0]) != 0)
        abort();
    if (flat.len != twin.len || memcmp(flat.data, twin.data, flat.len) != 0)
        abort();
    check_utf8(text[0], text_len[0]);
    check_utf8(flat.data, flat.len);
    cJSON *doc = cJSON_ParseWithLength(text[0], text_len[0]);
    if (doc == NULL)
        abort();
    cJSON_Delete(doc);
    doc = cJSON_ParseWithLength(flat.data, flat.len);
    if (doc == NULL)
        abort();
    cJSON_Delete(doc);
    free(text[0]);
    free(text[1]);
    buf_free(&flat);
    buf_free(&twin);
    free(w);
    return 0;
}
