/* The streaming cyclonedx writer (scanner/reports/report_cyclonedx.c) against the
 * cJSON-tree writer it replaced (reference_report_cyclonedx.h), byte for byte,
 * on random reports (report_random.h), on both of its paths: a regular file
 * (one pass, the serial number written over a placeholder afterwards) and
 * anything else (a memory stream, a pipe, a file opened to append: two
 * passes). Then the cases where the in-place path must not be taken or must
 * fail loudly: existing content, a position that is not 0, a write that
 * fails, a closed descriptor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/reports/out_pipe.h"
#include "scanner/reports/report.h"

#include "report_random.h"
#include "reference_report_cyclonedx.h"
#include "report_stream_check.h"

/* A process out of threads while `refuse_threads` is set (linked with
 * --wrap=pthread_create): every test runs twice, with json_out's writer
 * thread (which writes and hashes a BOM longer than its buffer) and
 * without (some of them: see main()). */
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

/* What the reference writes for `r` (free it). */
static char *reference_text(const scan_report *r, size_t *len)
{
    char *want = NULL;
    airlock_error err = {0};
    FILE *f = open_memstream(&want, len);
    assert_non_null(f);
    assert_int_equal(reference_write_cyclonedx(r, f, &err), 0);
    assert_int_equal(fclose(f), 0);
    return want;
}

/* All of `f` from its start (f open for reading too). */
static char *file_text(FILE *f, size_t *len)
{
    assert_int_equal(fflush(f), 0);
    assert_int_equal(fseeko(f, 0, SEEK_END), 0);
    off_t size = ftello(f);
    assert_true(size >= 0);
    rewind(f);
    char *text = xmalloc((size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

static void assert_bytes(const char *want, size_t want_len, const char *got, size_t got_len)
{
    if (want_len != got_len || memcmp(want, got, got_len) != 0) {
        size_t i = 0;
        while (i < got_len && i < want_len && want[i] == got[i])
            i++;
        fail_msg("differs at byte %zu (%zu and %zu bytes):\nwant ...%.80s\ngot  ...%.80s", i,
                 want_len, got_len, want + (i > 40 ? i - 40 : 0), got + (i > 40 ? i - 40 : 0));
    }
}

/* The text `prefix` (written through the stream, not flushed), then the
 * report, into `f`; the file must hold exactly `keep` (what was in it
 * before), the prefix and the reference. */
static void check_file(const scan_report *r, FILE *f, const char *keep, const char *prefix)
{
    size_t want_len = 0, got_len = 0;
    char *ref = reference_text(r, &want_len);
    buf want = {0};
    buf_puts(&want, keep);
    buf_puts(&want, prefix);
    buf_append(&want, ref, want_len);
    free(ref);
    fputs(prefix, f);
    airlock_error err = {0};
    assert_int_equal(report_write_cyclonedx(r, f, &err), 0);
    /* The stream is left at the end of what it wrote. */
    assert_int_equal(ftello(f), (off_t)want.len);
    char *got = file_text(f, &got_len);
    assert_bytes(want.data, want.len, got, got_len);
    free(got);
    buf_free(&want);
}

static void compare_memstream(const scan_report *r)
{
    rs_compare(r, reference_write_cyclonedx, report_write_cyclonedx);
}

static void compare_tmpfile(const scan_report *r)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    check_file(r, f, "", "");
    fclose(f);
}

/* Two passes, into memory. */
static void test_reports_memstream(void **state)
{
    (void)state;
    rs_compare_random(compare_memstream, 1717, 300, 1, 150);
}

/* One pass, into a regular file. */
static void test_reports_file(void **state)
{
    (void)state;
    rs_compare_random(compare_tmpfile, 1717, 300, 1, 150);
}

/* A large BOM, in one pass and in two: its writer thread and the thread
 * of its vulnerabilities started (two a pass; refused, none), the same
 * bytes. */
static void test_large(void **state)
{
    (void)state;
    uint64_t s = 4242;
    scan_report r;
    rr_report_wide(&s, &r, 300, 3); /* many components, few findings each */
    assert_true(r.deps.len >= 256);  /* report_cyclonedx.c's PART_MIN */
    size_t want_len = 0;
    free(reference_text(&r, &want_len));
    assert_true(want_len > 4 * 65536);
    int before = thread_calls;
    FILE *f = tmpfile();
    assert_non_null(f);
    check_file(&r, f, "", "");
    fclose(f);
    int per_pass = out_pipe_worth() ? 2 : 0; /* none on one CPU */
    assert_int_equal(thread_calls - before, per_pass);
    before = thread_calls;
    compare_memstream(&r);
    assert_int_equal(thread_calls - before, 2 * per_pass);
    scan_report_free(&r);
}

/* A pipe: two passes, what the reader gets is the reference. */
static void test_pipe(void **state)
{
    (void)state;
    uint64_t s = 31;
    scan_report r;
    rr_report_wide(&s, &r, 200, 3);
    size_t want_len = 0;
    char *want = reference_text(&r, &want_len);
    assert_true(want_len > 65536); /* more than a pipe holds */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        FILE *w = fdopen(fds[1], "w");
        airlock_error err = {0};
        int rc = w != NULL ? report_write_cyclonedx(&r, w, &err) : -1;
        _exit(rc == 0 && fclose(w) == 0 ? 0 : 1);
    }
    close(fds[1]);
    buf got = {0};
    char chunk[8192];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        buf_append(&got, chunk, (size_t)n);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_bytes(want, want_len, got.data, got.len);
    buf_free(&got);
    free(want);
    scan_report_free(&r);
}

/* A temporary file of our own, holding `content`; its path (free it). */
static char *temp_with(const char *content)
{
    const char *dir = getenv("TMPDIR");
    buf path = {0};
    buf_printf(&path, "%s/airlock-cdx-XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
    int fd = mkstemp(path.data);
    assert_true(fd >= 0);
    size_t n = strlen(content);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return buf_detach(&path, NULL);
}

/* Opened to append: the BOM goes after what was there (two passes: on
 * Linux pwrite() on such a file appends too). */
static void test_append(void **state)
{
    (void)state;
    static const char old[] = "what the file held before\n";
    uint64_t s = 77;
    for (size_t size = 0; size < 40; size += 13) {
        scan_report r;
        rr_report(&s, &r, size);
        char *path = temp_with(old);
        FILE *f = fopen(path, "a+");
        assert_non_null(f);
        /* fopen "a" leaves the position at 0 until the first write. */
        check_file(&r, f, old, "");
        fclose(f);
        unlink(path);
        free(path);
        scan_report_free(&r);
    }
}

/* A stream whose position is not 0: after text of its own that is still
 * in the stream's buffer, after what the file held (r+), and a second BOM
 * right after a first. */
static void test_offset(void **state)
{
    (void)state;
    uint64_t s = 78;
    scan_report r;
    rr_report(&s, &r, 30);
    FILE *f = tmpfile();
    assert_non_null(f);
    check_file(&r, f, "", "a prefix, still buffered\n");
    fclose(f);

    static const char old[] = "0123456789abcdef";
    char *path = temp_with(old);
    f = fopen(path, "r+");
    assert_non_null(f);
    assert_int_equal(fseeko(f, 0, SEEK_END), 0);
    check_file(&r, f, old, "");
    /* And again after it: the stream is at the end of the first BOM. */
    size_t first_len = 0, ref_len = 0;
    char *first = file_text(f, &first_len);
    assert_int_equal(fseeko(f, 0, SEEK_END), 0);
    airlock_error err = {0};
    assert_int_equal(report_write_cyclonedx(&r, f, &err), 0);
    char *ref = reference_text(&r, &ref_len);
    size_t both_len = 0;
    char *both = file_text(f, &both_len);
    assert_int_equal(both_len, first_len + ref_len);
    assert_memory_equal(both, first, first_len);
    assert_memory_equal(both + first_len, ref, ref_len);
    free(both);
    free(ref);
    free(first);
    fclose(f);
    unlink(path);
    free(path);
    scan_report_free(&r);
}

/* A write that fails is an error, on both paths: past the file size limit
 * (a regular file, one pass) and on a closed descriptor (where the in-place
 * path is not taken). */
static void test_write_failure(void **state)
{
    (void)state;
    uint64_t s = 79;
    scan_report r;
    rr_report(&s, &r, 60);
    airlock_error err = {0};

    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    FILE *f = tmpfile();
    assert_non_null(f);
    struct rlimit small = {20000, old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = report_write_cyclonedx(&r, f, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "cannot write the cyclonedx report"));
    fclose(f);

    f = tmpfile();
    assert_non_null(f);
    close(fileno(f));
    err.msg[0] = '\0';
    assert_int_equal(report_write_cyclonedx(&r, f, &err), -1);
    assert_non_null(strstr(err.msg, "cannot write the cyclonedx report"));
    fclose(f);
    scan_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_memstream),
        cmocka_unit_test(test_reports_file),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_offset),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_large),
    };
    /* Without threads: the large BOM on both paths, a pipe and the
     * failures (the random reports above are mostly one buffer long). */
    const struct CMUnitTest single[] = {
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_write_failure),
    };
    int failed = cmocka_run_group_tests_name("with the writer thread", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("without threads", single, no_threads, NULL);
}
