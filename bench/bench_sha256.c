/*
 * bench_sha256 - SHA-256 speed: signatures/sha256 against libsodium.
 *
 * Hashes a 2 MiB buffer (the size of the largest real lockfile) N times
 * with libsodium's crypto_hash_sha256 (the floor: what Airlock used
 * before) and with sha256(), interleaved, and prints the median MB/s of
 * each and the ratio. Then the same for 1 KiB inputs, 1000 to a timing,
 * where sha256()'s cpuid check on every call weighs most, and the cost of
 * that check alone.
 *
 *   bench_sha256 [N]  (default 51)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "signatures/sha256.h"
#include "signatures/sha256_path.h"

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
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds to hash `reps` times `len` bytes at `p`, by libsodium or ours.
 * The digests are folded into `*sink` so no call can be left out. */
static double time_hash(int ours, const uint8_t *p, size_t len, int reps, unsigned *sink)
{
    uint8_t d[SHA256_BYTES];
    double t0 = now();
    for (int i = 0; i < reps; i++) {
        if (ours)
            sha256(p, len, d);
        else
            crypto_hash_sha256(d, p, len);
        *sink += d[i % SHA256_BYTES];
    }
    return now() - t0;
}

static void compare(const char *label, const uint8_t *p, size_t len, int reps, long n)
{
    double *lib = calloc((size_t)n, sizeof(double)), *our = calloc((size_t)n, sizeof(double));
    if (!lib || !our)
        exit(1);
    unsigned sink = 0;
    for (long i = 0; i < n; i++) {
        lib[i] = time_hash(0, p, len, reps, &sink);
        our[i] = time_hash(1, p, len, reps, &sink);
    }
    double bytes = (double)len * reps;
    double ml = median(lib, (size_t)n), mo = median(our, (size_t)n);
    printf("%-22s libsodium %8.1f MB/s   sha256() %8.1f MB/s   %5.2fx  (sink %u)\n", label,
           bytes / ml / 1e6, bytes / mo / 1e6, ml / mo, sink & 1);
    free(lib);
    free(our);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 51;
    if (n < 1 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_sha256 [N]\n");
        return 2;
    }
    size_t len = (size_t)2 << 20;
    /* One byte in, so that neither side gets an aligned buffer. */
    uint8_t *buf = malloc(len + 1);
    if (!buf)
        return 1;
    for (size_t i = 0; i <= len; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 24);
    printf("sha256() path on this CPU: %s; %ld interleaved rounds, medians\n",
           sha256_shani_available() ? "SHA-NI" : "libsodium", n);
    compare("2 MiB buffer", buf + 1, len, 1, n);
    compare("1 KiB inputs x 1000", buf + 1, 1024, 1000, n);

    int reps = 100000, yes = 0;
    double t0 = now();
    for (int i = 0; i < reps; i++)
        yes += sha256_shani_available();
    printf("cpuid check alone: %.0f ns a call (%d/%d)\n", (now() - t0) / reps * 1e9, yes, reps);
    free(buf);
    return 0;
}
