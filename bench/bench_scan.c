/*
 * bench_scan - the C parts of bench/bench_scan.py.
 *
 *   bench_scan floor DIR        open and read the METADATA of every *.dist-info in DIR
 *                               (the floor a scan of DIR cannot beat); prints
 *                               "floor SECONDS FILES"
 *   bench_scan lookup MDB N     N look-ups each of a miss, urllib3 1.26.12,
 *                               Django 4.2.1 (decoded, and only counted) in
 *                               the database file MDB; prints one line
 *                               "lookup CASE MICROSECONDS-EACH HITS" per case
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/version.h"
#include "db/vulndb.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int floor_read(const char *dir)
{
    double t0 = now();
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return 2;
    }
    static char block[65536];
    char path[4096];
    unsigned long files = 0;
    struct dirent *e;
    /* The least a scan of DIR must do: open the METADATA of each
     * *.dist-info entry (the scan opens nothing under the package
     * directories beside them), relative to the directory so that the
     * kernel walks one short path per file, and read it up to a short read
     * (the end of a regular file; the scan reads the same bytes, its first
     * read being 8 KiB and a METADATA here 6.8 KB). Until 2026-12-03 the
     * floor also tried DIR/PACKAGE/METADATA for every package directory
     * and made one more read per file to see 0: 30 % slower. */
    int dfd = dirfd(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 10 || memcmp(e->d_name + n - 10, ".dist-info", 10) != 0 ||
            n + sizeof "/METADATA" > sizeof path)
            continue;
        memcpy(path, e->d_name, n);
        memcpy(path + n, "/METADATA", sizeof "/METADATA");
        int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        while (read(fd, block, sizeof block) == (ssize_t)sizeof block)
            ;
        close(fd);
        files++;
    }
    closedir(d);
    printf("floor %.6f %lu\n", now() - t0, files);
    return 0;
}

/* Microseconds per call of vulndb_lookup (or, with `count_only`,
 * vulndb_count_affecting) for NAME at VERSION; -1 on error. */
static double time_lookup(vulndb *db, const char *name, const char *ver, long n,
                          int count_only, int *hits)
{
    airlock_error err = {{0}};
    version v;
    if (version_parse(&v, ver, strlen(ver), &err) != 0) {
        fprintf(stderr, "bench_scan: %s\n", err.msg);
        return -1;
    }
    double t0 = now();
    for (long i = 0; i < n && *hits >= 0; i++) {
        if (count_only) {
            *hits = vulndb_count_affecting(db, name, &v, &err);
        } else {
            vulndb_hits h = {0};
            *hits = vulndb_lookup(db, name, &v, &h, &err);
            vulndb_hits_free(&h);
        }
    }
    double each = (now() - t0) / (double)n * 1e6;
    version_clear(&v);
    if (*hits < 0) {
        fprintf(stderr, "bench_scan: %s\n", err.msg);
        return -1;
    }
    return each;
}

static int lookup(const char *mdb, long n)
{
    airlock_error err = {{0}};
    vulndb *db;
    if (vulndb_open(mdb, &db, &err) != 0) {
        fprintf(stderr, "bench_scan: %s\n", err.msg);
        return 2;
    }
    static const struct {
        const char *label, *name, *version;
        int count_only;
    } cases[] = {
        {"miss", "no-such-package", "1.0", 0},
        {"urllib3-1.26.12", "urllib3", "1.26.12", 0},
        {"django-4.2.1", "Django", "4.2.1", 0},
        {"django-4.2.1-count", "Django", "4.2.1", 1},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && rc == 0; i++) {
        int hits = 0;
        double us = time_lookup(db, cases[i].name, cases[i].version, n, cases[i].count_only, &hits);
        if (us < 0)
            rc = 2;
        else
            printf("lookup %s %.3f %d\n", cases[i].label, us, hits);
    }
    vulndb_close(db);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "floor") == 0)
        return floor_read(argv[2]);
    if (argc == 4 && strcmp(argv[1], "lookup") == 0)
        return lookup(argv[2], strtol(argv[3], NULL, 10));
    fputs("usage: bench_scan floor DIR | bench_scan lookup MDB N\n", stderr);
    return 2;
}
