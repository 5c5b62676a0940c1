#define _GNU_SOURCE /* sched_setaffinity */
/* The streaming JSON writer (scanner/reports/json_out.c) against cJSON, and
 * the JSON report it writes against the cJSON-tree writer it replaced
 * (reference_report_json.h): byte for byte, on random values, random
 * documents and random reports. The bytes of today's reports are a
 * promise (issue 17: byte-identical to what cJSON printed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/reports/json_out.h"
#include "scanner/reports/out_pipe.h"
#include "scanner/reports/report.h"
#include "scanner/reports/report_util.h"

#include "report_random.h"
#include "reference_report_json.h"
#include "report_stream_check.h"

/* A process out of threads while `refuse_threads` is set (linked with
 * --wrap=pthread_create): every test runs twice, with the writer thread
 * (out_pipe.h) that a document longer than the buffer starts, and
 * without, where json_out writes in the caller's thread. */
static int refuse_threads, thread_calls;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    thread_calls++;
    if (refuse_threads)
        return EAGAIN;
    return __real_pthread_create(t, a, fn, arg);
}

static int no_threads(void **state)
{
    (void)state;
    refuse_threads = 1;
    return 0;
}

/* A json_out writing into memory. */
typedef struct mem {
    char *data;
    size_t len;
    FILE *f;
    json_out j;
} mem;

static void mem_open(mem *m)
{
    m->data = NULL;
    m->len = 0;
    m->f = open_memstream(&m->data, &m->len);
    assert_non_null(m->f);
    jo_init(&m->j, m->f);
}

/* Finish and close; the text is in m->data (free it). */
static void mem_close(mem *m)
{
    airlock_error err = {0};
    assert_int_equal(jo_finish(&m->j, "test", &err), 0);
    assert_int_equal(fclose(m->f), 0);
}

static char *cjson_text(cJSON *root)
{
    char *t = cJSON_Print(root);
    assert_non_null(t);
    buf b = {0};
    buf_puts(&b, t);
    buf_putc(&b, '\n');
    cJSON_free(t);
    cJSON_Delete(root);
    return buf_detach(&b, NULL);
}

static void assert_same(const char *want, const char *got, size_t got_len)
{
    if (strlen(want) != got_len || memcmp(want, got, got_len) != 0) {
        size_t i = 0;
        while (i < got_len && want[i] == got[i])
            i++;
        fail_msg("differs at byte %zu:\nwant ...%.60s\ngot  ...%.60s", i,
                 want + (i > 20 ? i - 20 : 0), got + (i > 20 ? i - 20 : 0));
    }
}

static void check_number(double v)
{
    mem m;
    mem_open(&m);
    jo_number(&m.j, v);
    mem_close(&m);
    char *want = cjson_text(cJSON_CreateNumber(v));
    assert_same(want, m.data, m.len);
    free(want);
    free(m.data);
}

static void test_numbers(void **state)
{
    (void)state;
    static const double fixed[] = {0.0, -0.0, 1, -1, 7.5, 9.8, 0.1, 0.1 + 0.2, 1.0 / 3,
                                   2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0,
                                   1e15, 1e16, 1e17, 9007199254740993.0, 18446744073709551615.0,
                                   1e300, 1e-300, 5e-324, 2.5e-8, 123456789.125, NAN, INFINITY,
                                   -INFINITY, 4294967295.0, 1e21, 1e22, 0.5, 100.25};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_number(fixed[i]);
    /* Tenths and hundredths, whole numbers past int (the fast paths) */
    for (long long k = -3000; k <= 3000; k++) {
        check_number((double)k / 10);
        check_number((double)k / 100);
        check_number((double)k * 1e9 + 0.5);
    }
    for (double v = 1e12; v < 1e16; v *= 1.7) {
        check_number(v);
        check_number(v + 0.1);
        check_number(-v - 0.3);
    }
    uint64_t s = 17;
    for (int i = 0; i < 5000; i++) {
        uint64_t bits = rr_next(&s);
        double v;
        memcpy(&v, &bits, sizeof v);
        check_number(v);
        check_number((double)rr_count(&s));
        check_number(rr_score(&s));
    }
}

/* One string through jo_string() and through cJSON, compared. */
static void check_string(const char *text)
{
    mem m;
    mem_open(&m);
    jo_string(&m.j, text);
    mem_close(&m);
    buf clean = {0};
    report_utf8_append(&clean, text);
    char *want = cjson_text(cJSON_CreateString(clean.data != NULL ? clean.data : ""));
    assert_same(want, m.data, m.len);
    free(want);
    free(m.data);
    buf_free(&clean);
}

/* One key through jo_key() and through cJSON, compared. */
static void check_key(const char *key)
{
    mem m;
    mem_open(&m);
    jo_object_begin(&m.j);
    jo_key_null(&m.j, key);
    jo_key(&m.j, key);
    jo_number(&m.j, 1);
    jo_object_end(&m.j);
    mem_close(&m);
    buf clean = {0};
    report_utf8_append(&clean, key);
    const char *k = clean.data != NULL ? clean.data : "";
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNullToObject(o, k);
    cJSON_AddNumberToObject(o, k, 1);
    char *want = cjson_text(o);
    assert_same(want, m.data, m.len);
    free(want);
    free(m.data);
    buf_free(&clean);
}

/* Long plain runs are copied sixteen bytes at a time, and strings and keys
 * up to 64 bytes copied first and checked in place: one byte of each kind
 * that stops a run, at every position of strings and keys up to 80
 * bytes. */
static void test_string_runs(void **state)
{
    (void)state;
    static const char stops[] = {'"', '\\', '\n', '\x01', '\x1f', '\x7f', (char)0x80, (char)0xc3,
                                 (char)0xff, ' ', '~'};
    char text[88];
    for (size_t len = 1; len <= 80; len++) {
        memset(text, 'a', len);
        text[len] = '\0';
        check_string(text);
        check_key(text);
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof stops; k++) {
                memset(text, 'a', len);
                text[len] = '\0';
                text[at] = stops[k];
                check_string(text);
                check_key(text);
            }
    }
}

static void test_strings(void **state)
{
    (void)state;
    uint64_t s = 99;
    for (int i = 0; i < 5000; i++) {
        char *text = rr_string(&s);
        mem m;
        mem_open(&m);
        jo_string(&m.j, text);
        mem_close(&m);
        buf clean = {0};
        report_utf8_append(&clean, text);
        char *want = cjson_text(cJSON_CreateString(clean.data != NULL ? clean.data : ""));
        assert_same(want, m.data, m.len);
        free(want);
        free(m.data);
        buf_free(&clean);
        free(text);
    }
}

/* A random document written to both: `parent` is the cJSON container the
 * value goes into (NULL for the root, returned). */
static cJSON *random_value(uint64_t *s, json_out *j, unsigned depth)
{
    size_t kind = rr_below(s, depth >= 6 ? 4 : 6);
    switch (kind) {
    case 0: {
        double v = rr_score(s);
        jo_number(j, v);
        return cJSON_CreateNumber(v);
    }
    case 1: {
        bool v = rr_below(s, 2) == 0;
        jo_bool(j, v);
        return cJSON_CreateBool(v);
    }
    case 2:
        jo_null(j);
        return cJSON_CreateNull();
    case 3: {
        static const char *const ascii[] = {"a", "", "x y", "\"q\"", "\t"};
        const char *v = ascii[rr_below(s, 5)];
        jo_string(j, v);
        return cJSON_CreateString(v);
    }
    case 4: {
        cJSON *a = cJSON_CreateArray();
        jo_array_begin(j);
        size_t n = rr_below(s, 4);
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(a, random_value(s, j, depth + 1));
        jo_array_end(j);
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        jo_object_begin(j);
        size_t n = rr_below(s, 4);
        for (size_t i = 0; i < n; i++) {
            /* Keys: mostly short and plain (copied as they are), some
             * that must be escaped, some past the 64 bytes copied so. */
            char key[160];
            size_t pick = rr_below(s, 16);
            if (pick < 10) {
                snprintf(key, sizeof key, "k%zu", i);
            } else if (pick < 14) {
                static const char *const odd[] = {"", "a\"b", "\\", "x\ny", "\t", "caf\xc3\xa9",
                                                  "\x7f", "\x01\x1f", "$schema", "a b"};
                snprintf(key, sizeof key, "%s%zu", odd[rr_below(s, 10)], i);
            } else {
                size_t len = 60 + rr_below(s, 90);
                memset(key, 'k', len);
                if (rr_below(s, 2) == 0)
                    key[rr_below(s, len)] = '"';
                snprintf(key + len, sizeof key - len, "%zu", i);
            }
            jo_key(j, key);
            cJSON_AddItemToObject(o, key, random_value(s, j, depth + 1));
        }
        jo_object_end(j);
        return o;
    }
    }
}

static bool to_buf(void *ctx, const void *data, size_t len)
{
    buf_append(ctx, data, len);
    return true;
}

static void test_documents(void **state)
{
    (void)state;
    uint64_t s = 5;
    for (int i = 0; i < 1500; i++) {
        uint64_t again = s, s0 = s;
        mem m;
        mem_open(&m);
        cJSON *root = random_value(&s, &m.j, 0);
        mem_close(&m);
        /* The same document unformatted, through a sink. */
        char *flat = cJSON_PrintUnformatted(root);
        assert_non_null(flat);
        buf b = {0};
        json_out *j = xmalloc(sizeof *j);
        jo_init_sink(j, to_buf, &b, false);
        cJSON_Delete(random_value(&again, j, 0));
        airlock_error err = {0};
        assert_int_equal(jo_finish(j, "test", &err), 0);
        assert_same(flat, b.data != NULL ? b.data : "", b.len);
        /* Both at once: twin mode. */
        buf_free(&b);
        again = s0;
        char *text = NULL;
        size_t text_len = 0;
        FILE *f = open_memstream(&text, &text_len);
        assert_non_null(f);
        jo_init_twin(j, f, to_buf, &b);
        cJSON_Delete(random_value(&again, j, 0));
        assert_int_equal(jo_finish(j, "test", &err), 0);
        assert_int_equal(fclose(f), 0);
        assert_same(flat, b.data != NULL ? b.data : "", b.len);
        assert_same(m.data, text, text_len);
        free(text);
        free(j);
        buf_free(&b);
        cJSON_free(flat);

        char *want = cjson_text(root);
        assert_same(want, m.data, m.len);
        free(want);
        free(m.data);
    }
}

/* Twin mode across buffer flushes: long strings (some with escapes, to
 * be copied in pieces), numbers, a value shown and twinned differently,
 * and jo_tell() pointing at it. */
static void test_twin(void **state)
{
    (void)state;
    uint64_t s = 8;
    json_out *j = xmalloc(sizeof *j);
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    assert_non_null(f);
    buf b = {0};
    jo_init_twin(j, f, to_buf, &b);
    cJSON *shown = cJSON_CreateObject(), *twinned = cJSON_CreateObject();
    jo_object_begin(j);
    jo_key(j, "serial");
    uint64_t at = jo_tell(j);
    jo_string_twin(j, "urn:uuid:00000000-0000-0000-0000-000000000000", "");
    cJSON_AddStringToObject(shown, "serial", "urn:uuid:00000000-0000-0000-0000-000000000000");
    cJSON_AddStringToObject(twinned, "serial", "");
    jo_key_array_begin(j, "items");
    cJSON *a1 = cJSON_AddArrayToObject(shown, "items");
    cJSON *a2 = cJSON_AddArrayToObject(twinned, "items");
    for (int i = 0; i < 60; i++) {
        size_t len = (size_t)rr_below(&s, 40000);
        char *v = xmalloc(len + 1);
        for (size_t k = 0; k < len; k++)
            v[k] = (char)('a' + rr_below(&s, 26));
        if (len > 0 && i % 3 == 0)
            for (int e = 0; e < 50; e++)
                v[rr_below(&s, len)] = "\"\n\\\x01"[rr_below(&s, 4)];
        v[len] = '\0';
        jo_string(j, v);
        cJSON_AddItemToArray(a1, cJSON_CreateString(v));
        cJSON_AddItemToArray(a2, cJSON_CreateString(v));
        jo_number(j, i + 0.5);
        cJSON_AddItemToArray(a1, cJSON_CreateNumber(i + 0.5));
        cJSON_AddItemToArray(a2, cJSON_CreateNumber(i + 0.5));
        free(v);
    }
    jo_array_end(j);
    jo_key_bool(j, "end", true);
    cJSON_AddBoolToObject(shown, "end", true);
    cJSON_AddBoolToObject(twinned, "end", true);
    jo_object_end(j);
    airlock_error err = {0};
    assert_int_equal(jo_finish(j, "test", &err), 0);
    assert_int_equal(fclose(f), 0);
    char *flat = cJSON_PrintUnformatted(twinned);
    assert_same(flat, b.data, b.len);
    char *want = cjson_text(shown);
    assert_same(want, text, text_len);
    assert_true(at < text_len);
    assert_memory_equal(text + at, "\"urn:uuid:0000", 14);
    /* A twinned value that would need escaping is a misuse. */
    f = fopen("/dev/null", "w");
    assert_non_null(f);
    jo_init_twin(j, f, to_buf, &b);
    jo_array_begin(j);
    jo_string_twin(j, "x", "\"");
    jo_array_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    fclose(f);
    cJSON_free(flat);
    cJSON_Delete(twinned);
    free(want);
    free(text);
    buf_free(&b);
    free(j);
}

static void test_errors(void **state)
{
    (void)state;
    airlock_error err = {0};
    json_out *j = xmalloc(sizeof *j);
    /* unbalanced */
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    jo_init(j, f);
    jo_object_begin(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    /* a value in an object without its key */
    jo_init(j, f);
    jo_object_begin(j);
    jo_number(j, 1);
    jo_object_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    /* too deep */
    jo_init(j, f);
    for (int i = 0; i <= JO_MAX_DEPTH; i++)
        jo_array_begin(j);
    for (int i = 0; i <= JO_MAX_DEPTH; i++)
        jo_array_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    fclose(f);
    /* a failed write, past the buffer and at the end */
    f = fopen("/dev/full", "w");
    if (f != NULL) {
        jo_init(j, f);
        jo_array_begin(j);
        for (int i = 0; i < 100000; i++)
            jo_string(j, "0123456789");
        jo_array_end(j);
        assert_int_equal(jo_finish(j, "test", &err), -1);
        assert_non_null(strstr(err.msg, "cannot write the test report"));
        fclose(f);
    }
    free(j);
}

/* A document past the buffer starts one thread (none when refused) and
 * writes the same bytes either way; a short one starts none. */
static void test_writer_thread(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        int before = thread_calls;
        mem m;
        mem_open(&m);
        cJSON *want_root = cJSON_CreateObject();
        jo_object_begin(&m.j);
        jo_key_array_begin(&m.j, "items");
        cJSON *a = cJSON_AddArrayToObject(want_root, "items");
        for (int i = 0; i < (big ? 30000 : 10); i++) {
            char v[32];
            snprintf(v, sizeof v, "item %d \"quoted\"", i);
            jo_string(&m.j, v);
            cJSON_AddItemToArray(a, cJSON_CreateString(v));
        }
        jo_array_end(&m.j);
        jo_key_number(&m.j, "n", 42);
        cJSON_AddNumberToObject(want_root, "n", 42);
        jo_object_end(&m.j);
        mem_close(&m);
        assert_int_equal(thread_calls - before, big && out_pipe_worth());
        char *want = cjson_text(want_root);
        assert_true(strlen(want) > (big ? 2 * JO_BUFFER : 0));
        assert_same(want, m.data, m.len);
        free(want);
        free(m.data);
    }
}

/* A part's members or elements: `n` strings (some to escape, some long)
 * and numbers, keyed inside an object. */
typedef struct part_args {
    int from, n;
    size_t long_len;
} part_args;

static void part_items(json_out *j, void *arg)
{
    const part_args *a = arg;
    bool object = !j->is_array[j->depth - 1];
    char key[32], v[64];
    char *big = xmalloc(a->long_len + 1);
    for (int i = a->from; i < a->from + a->n; i++) {
        snprintf(key, sizeof key, "k%d", i);
        snprintf(v, sizeof v, "value %d%s", i, i % 5 == 0 ? " \"\\\n\x01\xff" : "");
        if (object)
            jo_key(j, key);
        if (i % 97 == 0 && a->long_len > 0) {
            memset(big, 'a' + i % 26, a->long_len);
            big[a->long_len] = '\0';
            jo_string(j, big);
        } else {
            jo_string(j, v);
        }
        if (object)
            jo_key(j, key);
        jo_number(j, i + 0.5);
        if (object) /* a nested container too */
            jo_key_array_begin(j, "a");
        else
            jo_array_begin(j);
        jo_bool(j, i % 2);
        jo_array_end(j);
    }
    free(big);
}

/* One document, with the items of [from, from + n) in a part when
 * `part`, twin or not, into `text` (and `flat`, the twin). */
static void part_document(bool part, bool twin, bool object, int n, size_t long_len, buf *text,
                          buf *flat)
{
    json_out *j = xmalloc(sizeof *j);
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    if (twin)
        jo_init_twin(j, f, to_buf, flat);
    else
        jo_init(j, f);
    jo_object_begin(j);
    jo_key_string(j, "head", "before the items");
    if (object)
        jo_key_object_begin(j, "items");
    else
        jo_key_array_begin(j, "items");
    part_args first = {0, 1 + n / 3, long_len}, second = {1 + n / 3, n - 1 - n / 3, long_len};
    jo_part *p = part ? jo_part_start(j, part_items, &second) : NULL;
    part_items(j, &first);
    if (p != NULL)
        jo_part_join(j, p);
    else
        part_items(j, &second);
    if (object)
        jo_object_end(j);
    else
        jo_array_end(j);
    jo_key_string(j, "tail", "after");
    jo_object_end(j);
    airlock_error err = {0};
    assert_int_equal(jo_finish(j, "test", &err), 0);
    assert_int_equal(fclose(f), 0);
    buf_append(text, data, len);
    free(data);
    free(j);
}

/* A part's text lands where it would have been written: in an array and in
 * an object, twin or not, short, past the buffers, past JO_PART_HOLD (the
 * part's thread then waits for the join). */
static void test_parts(void **state)
{
    (void)state;
    static const struct {
        int n;
        size_t long_len;
    } sizes[] = {{3, 0}, {200, 0}, {6000, 1000}, {3000, 600000}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int mode = 0; mode < 4; mode++) {
            bool twin = mode & 1, object = mode & 2;
            buf want = {0}, want_flat = {0}, got = {0}, got_flat = {0};
            part_document(false, twin, object, sizes[k].n, sizes[k].long_len, &want, &want_flat);
            int before = thread_calls;
            part_document(true, twin, object, sizes[k].n, sizes[k].long_len, &got, &got_flat);
            /* the part's (and a writer's), unless on one CPU */
            assert_true(thread_calls > before || !out_pipe_worth());
            buf_putc(&want, '\0');
            assert_same(want.data, got.data, got.len);
            if (twin) {
                assert_int_equal(want_flat.len, got_flat.len);
                assert_memory_equal(want_flat.data, got_flat.data, got_flat.len);
            }
            buf_free(&want);
            buf_free(&want_flat);
            buf_free(&got);
            buf_free(&got_flat);
        }
    }
}

/* Pinned to one CPU: no thread is asked for, the same bytes. */
static void test_one_cpu(void **state)
{
    (void)state;
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    buf want = {0}, want_flat = {0}, got = {0}, got_flat = {0};
    part_document(false, true, false, 6000, 1000, &want, &want_flat);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    int before = thread_calls;
    part_document(true, true, false, 6000, 1000, &got, &got_flat);
    int asked = thread_calls - before;
    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
    assert_int_equal(asked, 0);
    buf_putc(&want, '\0');
    assert_same(want.data, got.data, got.len);
    assert_int_equal(want_flat.len, got_flat.len);
    assert_memory_equal(want_flat.data, got_flat.data, got_flat.len);
    buf_free(&want);
    buf_free(&want_flat);
    buf_free(&got);
    buf_free(&got_flat);
}

/* A part joined where it was not started is a misuse. */
static void test_part_misuse(void **state)
{
    (void)state;
    json_out *j = xmalloc(sizeof *j);
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    airlock_error err = {0};
    part_args a = {0, 3, 0};
    /* joined one level deeper */
    jo_init(j, f);
    jo_array_begin(j);
    jo_part *p = jo_part_start(j, part_items, &a);
    jo_number(j, 1);
    jo_array_begin(j);
    jo_part_join(j, p);
    jo_array_end(j);
    jo_array_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    assert_non_null(strstr(err.msg, "misused"));
    /* nothing written before the part's place */
    jo_init(j, f);
    jo_array_begin(j);
    p = jo_part_start(j, part_items, &a);
    jo_part_join(j, p);
    jo_array_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    /* started with a key pending */
    jo_init(j, f);
    jo_object_begin(j);
    jo_key_number(j, "x", 1);
    jo_key(j, "y");
    p = jo_part_start(j, part_items, &a);
    jo_number(j, 2);
    jo_part_join(j, p);
    jo_object_end(j);
    assert_int_equal(jo_finish(j, "test", &err), -1);
    fclose(f);
    free(j);
}

static void compare_report(const scan_report *r)
{
    rs_compare(r, reference_write_json, report_write_json);
}

static void test_reports(void **state)
{
    (void)state;
    rs_compare_random(compare_report, 2026, 500, 2, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_string_runs),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_twin),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_writer_thread),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_part_misuse),
        cmocka_unit_test(test_one_cpu),
    };
    int failed = cmocka_run_group_tests_name("with the writer thread", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("without threads", tests, no_threads, NULL);
}
