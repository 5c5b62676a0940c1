/*
 * bench_osv_read - the floor of `airlock-dbbuild build`: read and parse every
 * OSV record of each source given on the command line (directory tree, file
 * or archive) and do nothing else. Prints records/s, and the ratio against a
 * raw floor measured in the same run: the same bytes read (directories) or
 * decompressed (archives) without any parsing.
 *
 *   bench_osv_read [-n RUNS] SOURCE...
 *
 * The compiler's own benchmark divides its build time by this floor.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbbuild/osv_source.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process: steadier than wall time on a shared machine. */
static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int count_record(void *arg, const char *origin, cJSON *record, airlock_error *err)
{
    (void)origin;
    (void)err;
    (void)record;
    (*(unsigned long long *)arg)++;
    return 0;
}

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

/* Raw floor for trees: read every .json, .yaml and .yml file, parse nothing. */
static unsigned long long raw_bytes;

static int raw_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type != FTW_F)
        return 0;
    const char *dot = strrchr(path, '.');
    if (dot == NULL || (strcmp(dot, ".json") && strcmp(dot, ".yaml") && strcmp(dot, ".yml")))
        return 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    char block[65536];
    ssize_t n;
    while ((n = read(fd, block, sizeof block)) > 0)
        raw_bytes += (unsigned long long)n;
    close(fd);
    return 0;
}

static int raw_archive(const char *path)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_filter_all(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        archive_read_free(a);
        return -1;
    }
    struct archive_entry *e;
    char block[65536];
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        la_ssize_t n;
        while ((n = archive_read_data(a, block, sizeof block)) > 0)
            raw_bytes += (unsigned long long)n;
    }
    archive_read_free(a);
    return 0;
}

static double raw_floor(const char *source, double *cpu_s)
{
    struct stat st;
    if (stat(source, &st) != 0)
        return -1;
    double t0 = now(), c0 = cpu();
    raw_bytes = 0;
    if (S_ISDIR(st.st_mode))
        nftw(source, raw_visit, 32, FTW_PHYS);
    else
        raw_archive(source);
    *cpu_s = cpu() - c0;
    return now() - t0;
}

int main(int argc, char **argv)
{
    int runs = 3, i = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        runs = atoi(argv[2]);
        i = 3;
    }
    if (i >= argc || runs < 1) {
        fprintf(stderr, "usage: bench_osv_read [-n RUNS] SOURCE...\n");
        return 2;
    }
    for (; i < argc; i++) {
        double best = 1e30, best_raw = 1e30, best_cpu = 1e30, best_raw_cpu = 1e30;
        unsigned long long records = 0;
        osv_source_info info;
        for (int r = 0; r < runs; r++) {
            double raw_cpu = 0;
            double raw = raw_floor(argv[i], &raw_cpu);
            if (raw < best_raw)
                best_raw = raw;
            if (raw_cpu < best_raw_cpu)
                best_raw_cpu = raw_cpu;
            diag d = {quiet, NULL, 0};
            airlock_error err;
            error_clear(&err);
            records = 0;
            double t0 = now(), c0 = cpu();
            if (osv_source_read(argv[i], count_record, &records, &d, &info, &err) != 0) {
                fprintf(stderr, "bench_osv_read: %s\n", err.msg);
                return 1;
            }
            double t = now() - t0, c = cpu() - c0;
            if (t < best)
                best = t;
            if (c < best_cpu)
                best_cpu = c;
        }
        printf("%s: %llu records (%llu unreadable, %llu ignored), %.1f MB of record text\n",
               argv[i], records, (unsigned long long)info.unreadable,
               (unsigned long long)info.ignored, (double)info.bytes / 1e6);
        printf("  read+parse: %.3f s wall, %.3f s CPU  %.0f records/s  %.1f MB/s"
               " (best of %d)\n", best, best_cpu, (double)records / best,
               (double)info.bytes / 1e6 / best, runs);
        printf("  raw read (no parse): %.3f s wall, %.3f s CPU   ratio read+parse / raw ="
               " %.2f wall, %.2f CPU\n", best_raw, best_raw_cpu, best / best_raw,
               best_cpu / best_raw_cpu);
    }
    return 0;
}
