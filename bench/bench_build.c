/*
 * bench_build - time compile_sources() against the floor of merely reading
 * the same source (osv_source_read), then time package look-ups.
 *
 *   bench_build [SOURCE]   (default: ../shared/data/pypa-advisory-database)
 *
 * Prints the build time, the read-only floor and their ratio, the database
 * size, and the mean time of one vulndb_lookup() and vulndb_count_affecting()
 * over every package of the database at a few versions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/version.h"
#include "dbbuild/compile.h"
#include "dbbuild/osv_source.h"
#include "db/vulndb.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_record(void *arg, const char *origin, cJSON *record, airlock_error *err)
{
    (void)origin;
    (void)record;
    (void)err;
    (*(uint64_t *)arg)++;
    return 0;
}

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)file;
    (void)line;
    (void)msg;
    (*(unsigned *)arg)++;
}

typedef struct names {
    char **v;
    size_t n;
} names;

static int add_name(void *arg, const char *name)
{
    names *ns = arg;
    ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
    ns->v[ns->n++] = xstrdup(name);
    return 0;
}

int main(int argc, char **argv)
{
    const char *source = argc > 1 ? argv[1] : "../shared/data/pypa-advisory-database";
    airlock_error err;
    unsigned warnings = 0;
    diag d = {quiet, &warnings, 0};
    osv_source_info info;
    uint64_t records = 0;

    double t0 = now();
    if (osv_source_read(source, count_record, &records, &d, &info, &err) != 0) {
        fprintf(stderr, "bench_build: %s\n", err.msg);
        return 2;
    }
    double floor_s = now() - t0;

    char path[] = "/tmp/bench_build.XXXXXX";
    if (mkdtemp(path) == NULL)
        return 2;
    buf mdb = {0};
    buf_printf(&mdb, "%s/db.mdb", path);
    compile_options opt = {.build_time = 1700000000};
    compile_totals tot;
    t0 = now();
    if (compile_sources((const char *const *)&source, 1, &opt, mdb.data, &d, &tot, &err) != 0) {
        fprintf(stderr, "bench_build: %s\n", err.msg);
        return 2;
    }
    double build_s = now() - t0;
    struct stat st;
    stat(mdb.data, &st);
    printf("source: %s (%" PRIu64 " records, %u warnings)\n", source, records, warnings);
    printf("read floor:  %.3f s\n", floor_s);
    printf("build:       %.3f s  (ratio %.2fx the floor)\n", build_s, build_s / floor_s);
    printf("kept %" PRIu64 ", groups %" PRIu64 ", packages %" PRIu64 ", LMDB %lld bytes\n",
           tot.records_kept, tot.groups, tot.packages, (long long)st.st_size);

    vulndb *db;
    if (vulndb_open(mdb.data, &db, &err) != 0) {
        fprintf(stderr, "bench_build: %s\n", err.msg);
        return 2;
    }
    names ns = {0};
    vulndb_each_package(db, add_name, &ns, &err);
    static const char *const vers[] = {"0.1", "1.0", "2.7.1", "3.2.post1", "10.0.0rc1"};
    version v[5];
    for (int i = 0; i < 5; i++)
        version_parse(&v[i], vers[i], strlen(vers[i]), &err);
    /* Floor for look-ups: the same loop doing only the name normalisation
     * and LMDB get is inside count; report both. */
    size_t calls = 0, hits = 0;
    t0 = now();
    for (int rep = 0; rep < 4; rep++)
        for (size_t i = 0; i < ns.n; i++)
            for (int j = 0; j < 5; j++, calls++)
                hits += (size_t)vulndb_count_affecting(db, ns.v[i], &v[j], &err);
    double count_us = (now() - t0) / (double)calls * 1e6;
    t0 = now();
    size_t calls2 = 0;
    for (size_t i = 0; i < ns.n; i++)
        for (int j = 0; j < 5; j++, calls2++) {
            vulndb_hits h;
            vulndb_lookup(db, ns.v[i], &v[j], &h, &err);
            vulndb_hits_free(&h);
        }
    double lookup_us = (now() - t0) / (double)calls2 * 1e6;
    printf("look-up (match only):       %.2f us per package (%zu calls, %zu hits)\n", count_us,
           calls, hits);
    printf("look-up (with advisories):  %.2f us per package\n", lookup_us);
    for (int i = 0; i < 5; i++)
        version_clear(&v[i]);
    for (size_t i = 0; i < ns.n; i++)
        free(ns.v[i]);
    free(ns.v);
    vulndb_close(db);
    unlink(mdb.data);
    rmdir(path);
    buf_free(&mdb);
    return 0;
}
