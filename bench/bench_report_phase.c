/*
 * bench_report_phase - the wall time of the report phase alone, on a real
 * scan (issue 17).
 *
 *   bench_report_phase DBDIR SITE_PACKAGES OUTDIR [--rounds N] [--format F]
 *
 * Scans SITE_PACKAGES against the installed database in DBDIR once, as
 * `airlock scan --no-python --path SITE_PACKAGES` does (the scan time fixed,
 * so that the reports are the same bytes from run to run and build to
 * build), then writes the report in each format (or only F) N times to
 * OUTDIR/report.EXT (a regular file truncated first, as `airlock scan >
 * FILE` writes it): each round runs every format once, in a shuffled
 * order. Prints per format the median and minimum wall time of
 * report_write() and the fclose() that ends it (the file is opened and
 * truncated before the clock starts, as the shell does for `>`), the report's size, and
 * the floor of the same run: writing the same bytes to the same file in
 * 64 KiB pieces (what the page cache costs). The last round's reports stay
 * in OUTDIR, for cmp against another build's. For callgrind, give
 * --rounds 1 --format F.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/fileio.h"
#include "scanner/advice.h"
#include "scanner/drift.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/reports/report.h"
#include "scanner/scan_run.h"

#define SCAN_TIME 1796342400 /* 2026-12-04T00:00:00Z, after the database was built */
#define MAX_ROUNDS 1000

static const report_format formats[] = {REPORT_TABLE, REPORT_JSON, REPORT_SARIF,
                                        REPORT_CYCLONEDX, REPORT_MARKDOWN, REPORT_HTML};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One report to `path`; its wall time, or a negative value on failure. */
static double render(const scan_report *r, report_format f, const char *path)
{
    report_style style = {false};
    airlock_error err = {{0}};
    FILE *fp = fopen(path, "w"); /* truncated before the clock starts, as by a shell */
    if (fp == NULL) {
        perror(path);
        return -1;
    }
    double t0 = now();
    int rc = report_write(f, r, &style, fp, &err);
    if (fclose(fp) != 0 || rc != 0) {
        fprintf(stderr, "bench_report_phase: %s: %s\n", path, rc != 0 ? err.msg : "close");
        return -1;
    }
    return now() - t0;
}

/* The floor: the file's own bytes written again in 64 KiB pieces. */
static double floor_write(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        return -1;
    double t0 = now();
    for (size_t off = 0; off < len; off += 65536)
        fwrite(data + off, 1, len - off < 65536 ? len - off : 65536, fp);
    if (fclose(fp) != 0)
        return -1;
    return now() - t0;
}

static int scan(const char *dbdir, const char *sp, scan_report *r)
{
    airlock_globals g = {dbdir};
    scan_db sdb;
    airlock_error err = {{0}};
    diag d = {scan_diag_record, r, 0};
    int rc = -1;
    if (scan_db_open("bench_report_phase", &g, -1, SCAN_TIME, r, &sdb) != 0)
        return -1;
    scan_arg arg = {INPUT_PATH, sp, false};
    scan_input_options in = {.args = &arg, .n_args = 1, .no_python = true};
    ignore_list none;
    memset(&none, 0, sizeof none);
    scan_policy policy = {&none, NULL, 0, false};
    if (scan_collect("bench_report_phase", &in, &policy, &sdb, SCAN_TIME, r, &d) != 0)
        goto out;
    if (drift_compute(r, &err) != 0 || advice_compute(r, sdb.db, FIX_TO_MINIMAL, &err) != 0) {
        fprintf(stderr, "bench_report_phase: %s\n", err.msg);
        goto out;
    }
    rc = 0;
out:
    scan_db_close(&sdb);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fputs("usage: bench_report_phase DBDIR SITE_PACKAGES OUTDIR [--rounds N] "
              "[--format F]\n", stderr);
        return 2;
    }
    int rounds = 21;
    const char *only = NULL;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--format") == 0)
            only = argv[i + 1];
    }
    if (rounds < 1 || rounds > MAX_ROUNDS)
        return 2;
    scan_report r;
    memset(&r, 0, sizeof r);
    if (scan(argv[1], argv[2], &r) != 0)
        return 2;
    scan_counts c;
    scan_report_count(&r, &c);
    printf("bench_report_phase: %zu dependencies, %zu findings; %d rounds, medians\n",
           r.deps.len, c.findings, rounds);

    bool use[N_FORMATS];
    char path[N_FORMATS][4096];
    static double t[N_FORMATS][MAX_ROUNDS], fl[N_FORMATS][MAX_ROUNDS];
    for (size_t k = 0; k < N_FORMATS; k++) {
        use[k] = only == NULL || strcmp(only, report_format_name(formats[k])) == 0;
        snprintf(path[k], sizeof path[k], "%s/report.%s", argv[3],
                 report_format_extension(formats[k]));
    }
    unsigned seed = 17;
    for (int i = 0; i < rounds; i++) {
        size_t order[N_FORMATS];
        for (size_t k = 0; k < N_FORMATS; k++)
            order[k] = k;
        for (size_t k = N_FORMATS - 1; k > 0; k--) {
            seed = seed * 1103515245u + 12345u;
            size_t m = (seed >> 16) % (k + 1), x = order[k];
            order[k] = order[m];
            order[m] = x;
        }
        for (size_t o = 0; o < N_FORMATS; o++) {
            size_t k = order[o];
            if (!use[k])
                continue;
            if ((t[k][i] = render(&r, formats[k], path[k])) < 0)
                return 2;
            if (only != NULL && rounds == 1)
                continue; /* callgrind: the render alone */
            char *data = NULL;
            size_t len = 0;
            airlock_error err = {{0}};
            if (file_read_all(path[k], 1u << 30, &data, &len, &err) != 0)
                return 2;
            char tmp[4200];
            snprintf(tmp, sizeof tmp, "%s.floor", path[k]);
            fl[k][i] = floor_write(tmp, data, len);
            remove(tmp);
            free(data);
        }
    }
    printf("  %-10s %10s %9s %9s %9s\n", "format", "bytes", "med ms", "min ms", "floor ms");
    for (size_t k = 0; k < N_FORMATS; k++) {
        if (!use[k])
            continue;
        FILE *fp = fopen(path[k], "r");
        long size = -1;
        if (fp != NULL && fseek(fp, 0, SEEK_END) == 0)
            size = ftell(fp);
        if (fp != NULL)
            fclose(fp);
        double mn = t[k][0];
        for (int i = 1; i < rounds; i++)
            mn = t[k][i] < mn ? t[k][i] : mn;
        double tm = median(t[k], (size_t)rounds);
        double fm = only != NULL && rounds == 1 ? 0 : median(fl[k], (size_t)rounds);
        printf("  %-10s %10ld %9.2f %9.2f %9.2f\n", report_format_name(formats[k]), size,
               tm * 1e3, mn * 1e3, fm * 1e3);
    }
    scan_report_free(&r);
    return 0;
}
