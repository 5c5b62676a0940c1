/*
 * bench_inventory - the inventory of a site-packages against its floor.
 *
 *   bench/gen_sitepackages.py /tmp/sp 5000
 *   bench_inventory /tmp/sp [ROUNDS]
 *
 * Floor: the least any inventory must do, a loop that lists the directory
 * and opens and reads every *.dist-info/METADATA to its end. Inventory:
 * sitepackages_scan() (readdir, header-only reads, direct_url.json probe,
 * name and version parsing, the dep_list). Both run ROUNDS times (default
 * 7), interleaved, warm cache; the median counts. Then, once, the time of
 * /usr/bin/python3 listing the same distributions with importlib.metadata
 * (interpreter start-up included, as a user would see it).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scanner/inputs/sitepackages.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t floor_loop(const char *dir, size_t *bytes)
{
    static char chunk[65536];
    char path[4096];
    size_t n = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    DIR *dp = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (dp == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 10 || strcmp(de->d_name + len - 10, ".dist-info") != 0)
            continue;
        snprintf(path, sizeof path, "%s/METADATA", de->d_name);
        int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t r;
        while ((r = read(fd, chunk, sizeof chunk)) > 0)
            *bytes += (size_t)r;
        close(fd);
        n++;
    }
    closedir(dp);
    return n;
}

static size_t inventory(const char *dir)
{
    dep_list deps = {0};
    airlock_error err = {{0}};
    if (sitepackages_scan(dir, &deps, NULL, &err) != 0) {
        fprintf(stderr, "bench_inventory: %s\n", err.msg);
        exit(2);
    }
    size_t n = deps.len;
    dep_list_free(&deps);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double python_listing(const char *dir)
{
    const char *code = "import sys, importlib.metadata as m\n"
                       "n = sum(1 for d in m.distributions(path=[sys.argv[1]])\n"
                       "        if d.metadata['Name'] is not None and d.version)\n"
                       "print(n)\n";
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execl("/usr/bin/python3", "python3", "-I", "-c", code, dir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: bench_inventory DIR [ROUNDS]\n", stderr);
        return 2;
    }
    const char *dir = argv[1];
    int rounds = argc == 3 ? atoi(argv[2]) : 7;
    if (rounds < 1 || rounds > 1000)
        rounds = 7;
    double *tf = calloc((size_t)rounds, sizeof *tf), *ti = calloc((size_t)rounds, sizeof *ti);
    size_t nf = 0, ni = 0, bytes = 0;
    floor_loop(dir, &bytes); /* warm the cache */
    inventory(dir);
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        bytes = 0;
        nf = floor_loop(dir, &bytes);
        double t1 = now();
        ni = inventory(dir);
        double t2 = now();
        tf[r] = t1 - t0;
        ti[r] = t2 - t1;
    }
    qsort(tf, (size_t)rounds, sizeof *tf, cmp_double);
    qsort(ti, (size_t)rounds, sizeof *ti, cmp_double);
    double f = tf[rounds / 2], i = ti[rounds / 2];
    printf("distributions: floor %zu (%.1f MB of METADATA), inventory %zu\n", nf,
           (double)bytes / 1e6, ni);
    printf("floor (open+read every METADATA): %8.2f ms\n", f * 1e3);
    printf("inventory (sitepackages_scan):    %8.2f ms\n", i * 1e3);
    printf("ratio inventory/floor:            %8.2f\n", i / f);
    double p = python_listing(dir);
    if (p > 0)
        printf("python3 importlib.metadata:       %8.2f ms (%.1fx the inventory)\n", p * 1e3,
               p / i);
    else
        printf("python3 importlib.metadata: could not run /usr/bin/python3\n");
    free(tf);
    free(ti);
    return 0;
}
