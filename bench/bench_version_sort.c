/*
 * bench_version_sort - parse N version strings and sort them by PEP 440
 * order (qsort + version_compare), against a floor measured in the same
 * run: sorting the same strings with strcmp, and the `sort` command on the
 * same lines. Both qsorts sort pointers.
 *
 *   bench_version_sort [N [versions.tsv]]
 *
 * The corpus is the valid versions of tests/pep440/versions.tsv (real
 * versions from the PyPA advisory database and their spellings), expanded
 * to N (default 1,000,000) with deterministic random variants: other
 * numbers, pre/post/dev/local suffixes, long release segments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/version.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Best of ROUNDS: the machine is shared, the minimum is the honest cost. */
#define ROUNDS 3

static double min(double a, double b) { return a < b ? a : b; }

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *default_tsv(void)
{
    static char path[4096];
    const char *src = getenv("AIRLOCK_SOURCE_DIR");
    if (src != NULL && *src != '\0') {
        snprintf(path, sizeof path, "%s/tests/pep440/versions.tsv", src);
    } else {
        const char *f = __FILE__, *slash = strrchr(f, '/');
        snprintf(path, sizeof path, "%.*s/../tests/pep440/versions.tsv",
                 slash ? (int)(slash - f) : 1, slash ? f : ".");
    }
    return path;
}

/* The valid, plain-ASCII inputs of versions.tsv (no escapes needed). */
static char **load_seeds(const char *path, size_t *count)
{
    char *data;
    size_t len;
    airlock_error err;
    if (file_read_all(path, 64u << 20, &data, &len, &err) != 0) {
        fprintf(stderr, "bench_version_sort: %s\n", err.msg);
        exit(1);
    }
    char **seeds = NULL;
    size_t n = 0, cap = 0;
    for (char *line = data, *next; line < data + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(data + len - line));
        next = nl ? nl + 1 : data + len;
        if (nl)
            *nl = '\0';
        char *tab = strchr(line, '\t');
        if (!tab || tab[1] == '!' || memchr(line, '\\', (size_t)(tab - line)))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            seeds = xrealloc(seeds, cap * sizeof *seeds);
        }
        seeds[n++] = xstrndup(line, (size_t)(tab - line));
    }
    free(data);
    *count = n;
    return seeds;
}

static char *variant(char **seeds, size_t nseeds)
{
    static const char *suffix[] = {"", "", "", "", "a1", "b2", "rc1", ".post1", ".dev0",
                                   "rc2.dev1", "+local.1", ".post2+ubuntu1", "a10"};
    buf b = {0};
    const char *s = seeds[rnd((uint32_t)nseeds)];
    switch (rnd(4)) {
    case 0: /* as is */
        buf_puts(&b, s);
        break;
    case 1: /* another last number */
        buf_printf(&b, "%u.%u.%u", rnd(5), rnd(30), rnd(100));
        break;
    case 2: /* calendar style */
        buf_printf(&b, "20%02u.%u.%u", 10 + rnd(15), 1 + rnd(12), rnd(30));
        break;
    default: /* a plain release seed, one segment longer */
        if (strspn(s, "0123456789.") == strlen(s))
            buf_printf(&b, "%s.%u", s, rnd(20));
        else
            buf_puts(&b, s);
        break;
    }
    if (strspn(b.data, "0123456789.") == b.len) /* one suffix at most */
        buf_puts(&b, suffix[rnd(sizeof suffix / sizeof suffix[0])]);
    size_t n;
    return buf_detach(&b, &n);
}

static int by_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_version(const void *a, const void *b)
{
    return version_compare(*(const version *const *)a, *(const version *const *)b);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000000;
    const char *tsv = argc > 2 ? argv[2] : default_tsv();
    size_t nseeds;
    char **seeds = load_seeds(tsv, &nseeds);
    if (n == 0 || nseeds == 0) {
        fprintf(stderr, "bench_version_sort: nothing to sort\n");
        return 1;
    }

    char **texts = xmalloc(n * sizeof *texts);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        texts[i] = variant(seeds, nseeds);
        bytes += strlen(texts[i]) + 1;
    }

    /* Floor 1: strcmp sort of the same strings. */
    char **copy = xmalloc(n * sizeof *copy);
    double t0, strcmp_s = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        memcpy(copy, texts, n * sizeof *copy);
        t0 = now();
        qsort(copy, n, sizeof *copy, by_strcmp);
        strcmp_s = min(strcmp_s, now() - t0);
    }

    /* Floor 2: sort(1) on the same lines (when available). */
    double sort_s = -1;
    char path[] = "/tmp/airlock-bench-versions-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        FILE *f = fdopen(fd, "w");
        for (size_t i = 0; f && i < n; i++)
            fprintf(f, "%s\n", texts[i]);
        if (f && fclose(f) == 0) {
            char cmd[256];
            snprintf(cmd, sizeof cmd, "LC_ALL=C sort -S 256M %s > /dev/null", path);
            t0 = now();
            if (system(cmd) == 0)
                sort_s = now() - t0;
        }
        unlink(path);
    }

    /* Ours: parse everything, then sort by PEP 440 order. */
    version *vs = xmalloc(n * sizeof *vs), **sorted = xmalloc(n * sizeof *sorted);
    size_t ok = 0;
    airlock_error err;
    double parse_s = 1e9, sort_v = 1e9;
    for (int r = 0; r < ROUNDS; r++) {
        for (size_t i = 0; i < ok; i++)
            version_clear(&vs[i]);
        ok = 0;
        t0 = now();
        for (size_t i = 0; i < n; i++)
            if (version_parse(&vs[ok], texts[i], strlen(texts[i]), &err) == 0)
                ok++;
        parse_s = min(parse_s, now() - t0);
        /* Sort pointers, as the strcmp floor does. */
        for (size_t i = 0; i < ok; i++)
            sorted[i] = &vs[i];
        t0 = now();
        qsort(sorted, ok, sizeof *sorted, by_version);
        sort_v = min(sort_v, now() - t0);
    }

    /* Check the result so the work cannot be skipped. */
    for (size_t i = 1; i < ok; i++)
        if (version_compare(sorted[i - 1], sorted[i]) > 0) {
            fprintf(stderr, "bench_version_sort: not sorted at %zu\n", i);
            return 1;
        }

    printf("versions: %zu strings (%zu parsed, %zu bytes), from %zu seeds\n", n, ok, bytes,
           nseeds);
    printf("(best of %d rounds each)\n", ROUNDS);
    printf("floor strcmp qsort:      %8.3f s\n", strcmp_s);
    if (sort_s >= 0)
        printf("floor sort(1) LC_ALL=C:  %8.3f s\n", sort_s);
    printf("version_parse:           %8.3f s  (%.0f ns/version)\n", parse_s, parse_s * 1e9 / (double)n);
    printf("qsort version_compare:   %8.3f s\n", sort_v);
    printf("ratio (parse+sort)/strcmp-sort: %.2f\n", (parse_s + sort_v) / strcmp_s);
    printf("ratio sort only/strcmp-sort:    %.2f\n", sort_v / strcmp_s);
    if (sort_s > 0)
        printf("ratio (parse+sort)/sort(1):     %.2f\n", (parse_s + sort_v) / sort_s);

    for (size_t i = 0; i < ok; i++)
        version_clear(&vs[i]);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i]);
    free(vs);
    free(sorted);
    free(copy);
    free(texts);
    free(seeds);
    return 0;
}
