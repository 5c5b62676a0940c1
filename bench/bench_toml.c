/*
 * bench_toml - TOML parsing speed (core/toml.h) on its own.
 *
 * Parses a real lockfile (default: docling's uv.lock in ../shared, run from
 * the source root) N times and prints the median time and throughput next
 * to a floor measured in the same run, interleaved with it: reading the
 * same bytes from disk and finding every newline with memchr. Each parse
 * also reads the file, so the ratio is what parsing adds over reading.
 *
 * Then two generated worst cases for the key index: one table of K keys,
 * and K [[a]] entries (each header looks `a` up in the root), timed once.
 *
 *   bench_toml [N [FILE [K]]]  (default 50, docling's uv.lock, 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/toml.h"

#define DEFAULT_FILE \
    "../shared/data/lockfiles-real/uv.lock/docling-project__docling__root/uv.lock"
#define MAX_FILE ((size_t)1 << 30)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void read_or_die(const char *path, char **data, size_t *len)
{
    airlock_error err;
    if (file_read_all(path, MAX_FILE, data, len, &err) < 0) {
        fprintf(stderr, "bench_toml: %s\n", err.msg);
        exit(1);
    }
}

static double floor_once(const char *path, size_t *lines)
{
    double t0 = now();
    char *data;
    size_t len;
    read_or_die(path, &data, &len);
    *lines = 0;
    for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))); p++)
        (*lines)++;
    free(data);
    return now() - t0;
}

static double parse_once(const char *path, size_t *keys)
{
    double t0 = now();
    char *data;
    size_t len;
    read_or_die(path, &data, &len);
    toml_value *root;
    airlock_error err;
    if (toml_parse(data, len, path, &root, &err) < 0) {
        fprintf(stderr, "bench_toml: %s\n", err.msg);
        exit(1);
    }
    *keys = toml_len(root);
    toml_free(root);
    free(data);
    return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void generated(const char *what, const buf *doc)
{
    toml_value *root;
    airlock_error err;
    double t0 = now();
    if (toml_parse(doc->data, doc->len, what, &root, &err) < 0) {
        fprintf(stderr, "bench_toml: %s\n", err.msg);
        exit(1);
    }
    double t = now() - t0;
    printf("%-28s %8.1f ms  %7.1f MB/s  (%zu bytes)\n", what, t * 1e3,
           (double)doc->len / t / 1e6, doc->len);
    toml_free(root);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 50;
    const char *path = argc > 2 ? argv[2] : DEFAULT_FILE;
    long k = argc > 3 ? atol(argv[3]) : 200000;
    if (n < 1 || k < 1) {
        fprintf(stderr, "usage: bench_toml [N [FILE [K]]]\n");
        return 2;
    }
    double *fl = calloc((size_t)n, sizeof(double)), *pa = calloc((size_t)n, sizeof(double));
    if (!fl || !pa)
        return 1;
    size_t lines = 0, keys = 0, size;
    {
        char *data;
        read_or_die(path, &data, &size);
        free(data);
    }
    for (long i = 0; i < n; i++) {
        fl[i] = floor_once(path, &lines);
        pa[i] = parse_once(path, &keys);
    }
    double mf = median(fl, (size_t)n), mp = median(pa, (size_t)n);
    printf("file: %s (%zu bytes, %zu lines, %zu top-level keys), %ld runs\n", path, size, lines,
           keys, n);
    printf("floor (read + memchr lines) %8.3f ms  %7.1f MB/s\n", mf * 1e3,
           (double)size / mf / 1e6);
    printf("toml_parse (read + parse)   %8.3f ms  %7.1f MB/s\n", mp * 1e3,
           (double)size / mp / 1e6);
    printf("ratio parse / floor         %8.1fx\n", mp / mf);
    free(fl);
    free(pa);

    buf doc = {0};
    buf_puts(&doc, "[t]\n");
    for (long i = 0; i < k; i++)
        buf_printf(&doc, "key%ld = %ld\n", i, i);
    char label[64];
    snprintf(label, sizeof label, "%ld keys in one table", k);
    generated(label, &doc);
    buf_reset(&doc);
    for (long i = 0; i < k; i++)
        buf_printf(&doc, "[[a]]\nname = \"p%ld\"\n", i);
    snprintf(label, sizeof label, "%ld [[a]] entries", k);
    generated(label, &doc);
    buf_free(&doc);
    return 0;
}
