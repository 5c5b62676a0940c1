/*
 * bench_requirements - requirement-file reading speed.
 *
 * Writes a pip-compile style file (N pins with two --hash continuation
 * lines each, markers on a tenth, comments) to a temporary directory, then
 * times requirements_read() against a floor measured in the same run:
 * reading the same file and counting its lines. Prints both and the ratio.
 *
 * Then constraints: M unpinned requirements and a constraints file (-c)
 * pinning each of them, in reverse order, so that every requirement takes
 * its version from a constraint (issue 13: matching them was quadratic,
 * 20,000 of each took 7.4 s). Same floor: reading both files.
 *
 *   bench_requirements [N [M]]  (default 20000 requirements, 100000 pins)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/requirements.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read `paths` and count their lines: the floor. */
static double floor_read(const char *const *paths, size_t n, size_t *lines)
{
    double t0 = now();
    *lines = 0;
    for (size_t i = 0; i < n; i++) {
        char *data;
        size_t len;
        airlock_error err;
        if (file_read_all(paths[i], REQ_MAX_FILE_SIZE, &data, &len, &err) < 0) {
            fprintf(stderr, "bench_requirements: %s\n", err.msg);
            exit(1);
        }
        for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))); p++)
            (*lines)++;
        free(data);
    }
    return now() - t0;
}

static int bench_constraints(const char *dir, long m, const marker_env *env)
{
    char req[256], con[256];
    snprintf(req, sizeof req, "%s/requirements.in", dir);
    snprintf(con, sizeof con, "%s/constraints.txt", dir);
    buf r = {0}, c = {0};
    buf_puts(&r, "-c constraints.txt\n");
    for (long i = 0; i < m; i++) {
        buf_printf(&r, "package-%ld>=%ld.0\n", i, i % 7);
        buf_printf(&c, "Package_%ld==%ld.%ld.%ld\n", m - 1 - i, (m - 1 - i) % 7 + 1,
                   i % 13, i % 101);
    }
    airlock_error err;
    if (file_write_atomic(req, r.data, r.len, 0644, &err) < 0 ||
        file_write_atomic(con, c.data, c.len, 0644, &err) < 0) {
        fprintf(stderr, "bench_requirements: %s\n", err.msg);
        return 1;
    }
    size_t bytes = r.len + c.len;
    buf_free(&r);
    buf_free(&c);
    const char *const paths[] = {req, con};
    double floor_t = 1e9, read_t = 1e9;
    size_t lines = 0, pinned = 0;
    for (int round = 0; round < 3; round++) {
        double f = floor_read(paths, 2, &lines);
        double t0 = now();
        dep_list deps = {0};
        diag d = {0};
        if (requirements_read(req, env, &deps, &d, &err) < 0) {
            fprintf(stderr, "bench_requirements: %s\n", err.msg);
            return 1;
        }
        double t = now() - t0;
        pinned = 0;
        for (size_t i = 0; i < deps.len; i++)
            pinned += deps.items[i].has_version;
        dep_list_free(&deps);
        if (f < floor_t)
            floor_t = f;
        if (t < read_t)
            read_t = t;
    }
    unlink(req);
    unlink(con);
    if ((long)pinned != m) {
        fprintf(stderr, "bench_requirements: %zu pinned by constraints, expected %ld\n",
                pinned, m);
        return 1;
    }
    printf("constraints: %ld requirements + %ld pins, %zu lines, %zu bytes\n", m, m, lines,
           bytes);
    printf("floor (read + count lines): %.4f s\n", floor_t);
    printf("requirements_read:          %.4f s (%.0f requirements/s)\n", read_t,
           (double)m / read_t);
    printf("ratio to floor: %.1fx\n", read_t / (floor_t > 0 ? floor_t : 1e-9));
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    long m = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    if (m <= 0 || m > 500000) /* 500000 pins stay under REQ_MAX_FILE_SIZE */
        m = 100000;
    if (n <= 0 || n > 60000) /* 60000 stays under REQ_MAX_FILE_SIZE */
        n = 20000;
    char dir[] = "/tmp/airlock-bench-req-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/requirements.txt", dir);
    buf b = {0};
    buf_puts(&b, "# generated\n--index-url https://pypi.example.org/simple\n\n");
    for (long i = 0; i < n; i++) {
        buf_printf(&b, "package-%ld==%ld.%ld.%ld%s \\\n", i, i % 7, i % 13, i % 101,
                   i % 10 == 0 ? " ; python_version >= \"3.8\" and sys_platform != \"win32\"" : "");
        buf_printf(&b, "    --hash=sha256:%064ld \\\n    --hash=sha256:%064ld\n", i, i + 1);
        buf_printf(&b, "    # via package-%ld\n", i + 1);
    }
    airlock_error err;
    if (file_write_atomic(path, b.data, b.len, 0644, &err) < 0) {
        fprintf(stderr, "bench_requirements: %s\n", err.msg);
        return 1;
    }
    size_t bytes = b.len;
    buf_free(&b);

    marker_env env;
    if (marker_env_for_target(&env, "3.11", "linux", &err) < 0) {
        fprintf(stderr, "bench_requirements: %s\n", err.msg);
        return 1;
    }
    const int rounds = 3;
    double floor_t = 1e9, read_t = 1e9;
    size_t lines = 0, deps_n = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        char *data;
        size_t len;
        if (file_read_all(path, REQ_MAX_FILE_SIZE, &data, &len, &err) < 0) {
            fprintf(stderr, "bench_requirements: %s\n", err.msg);
            return 1;
        }
        lines = 0;
        for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))); p++)
            lines++;
        free(data);
        double t1 = now();
        dep_list deps = {0};
        diag d = {0};
        if (requirements_read(path, &env, &deps, &d, &err) < 0) {
            fprintf(stderr, "bench_requirements: %s\n", err.msg);
            return 1;
        }
        double t2 = now();
        deps_n = deps.len;
        dep_list_free(&deps);
        if (t1 - t0 < floor_t)
            floor_t = t1 - t0;
        if (t2 - t1 < read_t)
            read_t = t2 - t1;
    }
    unlink(path);
    if ((long)deps_n != n) {
        fprintf(stderr, "bench_requirements: %zu dependencies, expected %ld\n", deps_n, n);
        return 1;
    }
    printf("requirements: %ld requirements, %zu lines, %zu bytes\n", n, lines, bytes);
    printf("floor (read + count lines): %.4f s\n", floor_t);
    printf("requirements_read:          %.4f s (%.0f requirements/s, %.1f MB/s)\n", read_t,
           (double)n / read_t, (double)bytes / read_t / 1e6);
    printf("ratio to floor: %.1fx\n", read_t / (floor_t > 0 ? floor_t : 1e-9));
    int rc = bench_constraints(dir, m, &env);
    marker_env_clear(&env);
    rmdir(dir);
    return rc;
}
