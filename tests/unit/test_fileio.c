/* Tests for core/fileio's writer: what is at the path decides how it is
 * written, and nothing there is destroyed (issue 13). Cases that need root
 * (devices, owners, another user's link) are in test_fileio_root.c. */
#define _GNU_SOURCE /* accept4 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fileio.h"

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/airlock-fileio-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static char *join(const char *dir, const char *name)
{
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    return buf_detach(&b, NULL);
}

static char *slurp(const char *path)
{
    char *data;
    size_t len;
    airlock_error err;
    assert_int_equal(file_read_all(path, 1 << 20, &data, &len, &err), 0);
    return data;
}

/* Names in `dir` that start with ".airlock-": temporary files left over. */
static int leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strncmp(de->d_name, ".airlock-", 9) == 0;
    closedir(d);
    return n;
}

static void rm_rf(const char *dir)
{
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
}

/* A regular file is replaced atomically and keeps its permission bits; a
 * new file gets the caller's mode less the umask (not a fixed 0644). */
static void test_regular_keeps_mode_new_honours_umask(void **state)
{
    (void)state;
    char *dir = temp_dir(), *path = join(dir, "report.json");
    airlock_error err;
    mode_t old = umask(027);
    assert_int_equal(file_write_atomic(path, "one", 3, 0644, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    umask(022);
    assert_int_equal(chmod(path, 0604), 0);
    ino_t before = st.st_ino;
    assert_int_equal(file_write_atomic(path, "two", 3, 0644, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0604);
    assert_true(st.st_ino != before); /* replaced, not rewritten */
    char *got = slurp(path);
    assert_string_equal(got, "two");
    free(got);
    umask(old);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* A private file (mode 0600, a secret key) never takes group or other bits
 * from the file it replaces. */
static void test_private_never_widened(void **state)
{
    (void)state;
    char *dir = temp_dir(), *path = join(dir, "secret.key");
    airlock_error err;
    assert_int_equal(file_write_atomic(path, "public", 6, 0644, &err), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(file_write_atomic(path, "secret", 6, 0600, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* A symbolic link is followed: its target is replaced in the target's own
 * directory (relative links relative to the link), and the link stays. */
static void test_symlink_followed(void **state)
{
    (void)state;
    char *dir = temp_dir(), *a = join(dir, "a"), *b = join(dir, "b");
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    char *target = join(b, "real.txt"), *link1 = join(a, "link"), *link2 = join(dir, "chain");
    airlock_error err;
    assert_int_equal(file_write_atomic(target, "old", 3, 0644, &err), 0);
    assert_int_equal(symlink("../b/real.txt", link1), 0);
    assert_int_equal(symlink("a/link", link2), 0);
    assert_int_equal(file_write_atomic(link2, "new", 3, 0644, &err), 0);
    struct stat st;
    assert_int_equal(lstat(link1, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(link2, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char *got = slurp(target);
    assert_string_equal(got, "new");
    free(got);
    assert_int_equal(leftovers(a), 0);
    assert_int_equal(leftovers(b), 0);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(target);
    free(link1);
    free(link2);
    free(a);
    free(b);
    free(dir);
}

/* A dangling link creates the file it names; the link stays a link. */
static void test_dangling_symlink_creates_target(void **state)
{
    (void)state;
    char *dir = temp_dir(), *link = join(dir, "out"), *target = join(dir, "made.txt");
    assert_int_equal(symlink("made.txt", link), 0);
    airlock_error err;
    assert_int_equal(file_write_atomic(link, "hello", 5, 0644, &err), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char *got = slurp(target);
    assert_string_equal(got, "hello");
    free(got);
    /* An exclusive create (secret keys) never goes through a link. */
    atomic_file af;
    assert_int_equal(unlink(target), 0);
    assert_int_equal(atomic_open(&af, link, 0600, 1, &err), -1);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(access(target, F_OK), -1);
    /* A loop is an error, not a hang. */
    char *l1 = join(dir, "l1"), *l2 = join(dir, "l2");
    assert_int_equal(symlink("l2", l1), 0);
    assert_int_equal(symlink("l1", l2), 0);
    assert_int_equal(file_write_atomic(l1, "x", 1, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "symbolic links"));
    rm_rf(dir);
    free(l1);
    free(l2);
    free(link);
    free(target);
    free(dir);
}

/* A FIFO is written in place: its reader gets the data and it stays a
 * FIFO. */
static void test_fifo_written_in_place(void **state)
{
    (void)state;
    char *dir = temp_dir(), *fifo = join(dir, "pipe"), *copy = join(dir, "copy");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the reader: copy what comes through the FIFO */
        int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char b[256];
        ssize_t n;
        while (in >= 0 && out >= 0 && (n = read(in, b, sizeof b)) > 0)
            if (write(out, b, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && out >= 0 && close(out) == 0 ? 0 : 1);
    }
    airlock_error err;
    int rc = file_write_atomic(fifo, "through the pipe\n", 17, 0644, &err);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    if (!S_ISFIFO(st.st_mode)) {
        /* Replaced: the reader would wait for ever. */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        rm_rf(dir);
        fail_msg("the FIFO was replaced by a %s file", S_ISREG(st.st_mode) ? "regular" : "other");
    }
    assert_int_equal(rc, 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *got = slurp(copy);
    assert_string_equal(got, "through the pipe\n");
    free(got);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(fifo);
    free(copy);
    free(dir);
}

/* A listening UNIX socket gets the data through a connection and stays a
 * socket. */
static void test_socket_written_in_place(void **state)
{
    (void)state;
    char *dir = temp_dir(), *path = join(dir, "sock");
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, path);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s, 1), 0);
    airlock_error err;
    /* Small enough to sit in the socket buffer before accept(). */
    assert_int_equal(file_write_atomic(path, "to a socket", 11, 0644, &err), 0);
    /* Connected already, or it never will be: do not wait. */
    int c = accept4(s, NULL, NULL, SOCK_NONBLOCK);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_true(c >= 0);
    char got[32] = {0};
    ssize_t n = read(c, got, sizeof got - 1);
    assert_int_equal(n, 11);
    assert_string_equal(got, "to a socket");
    close(c);
    close(s);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* /dev/stdout on a pipe: a link to /proc/self/fd/1, whose own link names
 * "pipe:[N]", which no path reaches. The pipe gets the data and the link
 * stays. (A private link of the same shape, so that a failure cannot
 * replace the system's /dev/stdout.) */
static void test_stdout_link_to_pipe(void **state)
{
    (void)state;
    char *dir = temp_dir(), *link = join(dir, "stdout");
    assert_int_equal(symlink("/proc/self/fd/1", link), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(p[1], 1), 1);
    airlock_error err;
    int rc = file_write_atomic(link, "to stdout", 9, 0644, &err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    close(p[1]);
    if (rc != 0)
        fail_msg("%s", err.msg);
    char got[32] = {0};
    assert_int_equal(read(p[0], got, sizeof got - 1), 9);
    assert_string_equal(got, "to stdout");
    close(p[0]);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    rm_rf(dir);
    free(link);
    free(dir);
}

/* /dev/stdout redirected to a regular file (`-o /dev/stdout >> log`): the
 * report is appended to the open file, which is not replaced by a new one
 * at the path /proc shows for it. */
static void test_stdout_link_to_file_appends(void **state)
{
    (void)state;
    char *dir = temp_dir(), *link = join(dir, "stdout"), *log = join(dir, "log");
    assert_int_equal(symlink("/proc/self/fd/1", link), 0);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "kept\n", 5), 5);
    struct stat before, after;
    assert_int_equal(fstat(fd, &before), 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 1), 1);
    airlock_error err;
    int rc = file_write_atomic(link, "report\n", 7, 0644, &err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    close(fd);
    if (rc != 0)
        fail_msg("%s", err.msg);
    char *got = slurp(log);
    assert_string_equal(got, "kept\nreport\n");
    free(got);
    assert_int_equal(stat(log, &after), 0);
    assert_true(after.st_ino == before.st_ino);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(link);
    free(log);
    free(dir);
}

/* /dev/stdout connected to a socket (a systemd service's journal): the
 * report goes down the socket, which cannot be opened by its /proc name. */
static void test_stdout_link_to_socket(void **state)
{
    (void)state;
    char *dir = temp_dir(), *link = join(dir, "stdout");
    assert_int_equal(symlink("/proc/self/fd/1", link), 0);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fflush(stdout);
    int saved = dup(1);
    assert_true(saved >= 0);
    assert_int_equal(dup2(sv[1], 1), 1);
    airlock_error err;
    int rc = file_write_atomic(link, "to journal", 10, 0644, &err);
    assert_int_equal(dup2(saved, 1), 1);
    close(saved);
    close(sv[1]);
    if (rc != 0)
        fail_msg("%s", err.msg);
    char got[32] = {0};
    assert_int_equal(read(sv[0], got, sizeof got - 1), 10);
    assert_string_equal(got, "to journal");
    close(sv[0]);
    rm_rf(dir);
    free(link);
    free(dir);
}

/* A file name of NAME_MAX bytes can be written and replaced: the
 * temporary name does not grow with it. */
static void test_longest_name(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char name[NAME_MAX + 1];
    memset(name, 'n', NAME_MAX);
    name[NAME_MAX] = '\0';
    char *path = join(dir, name);
    airlock_error err;
    assert_int_equal(file_write_atomic(path, "1", 1, 0644, &err), 0);
    assert_int_equal(file_write_atomic(path, "2", 1, 0644, &err), 0);
    char *got = slurp(path);
    assert_string_equal(got, "2");
    free(got);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* A directory is an error and stays; an aborted write leaves nothing. */
static void test_directory_refused_abort_clean(void **state)
{
    (void)state;
    char *dir = temp_dir(), *sub = join(dir, "sub"), *path = join(dir, "out");
    assert_int_equal(mkdir(sub, 0755), 0);
    airlock_error err;
    assert_int_equal(file_write_atomic(sub, "x", 1, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "directory"));
    atomic_file af;
    assert_int_equal(file_write_atomic(path, "kept", 4, 0644, &err), 0);
    assert_int_equal(atomic_open(&af, path, 0644, 0, &err), 0);
    fputs("partial", af.fp);
    atomic_abort(&af);
    char *got = slurp(path);
    assert_string_equal(got, "kept");
    free(got);
    assert_int_equal(leftovers(dir), 0);
    rm_rf(dir);
    free(sub);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_keeps_mode_new_honours_umask),
        cmocka_unit_test(test_private_never_widened),
        cmocka_unit_test(test_symlink_followed),
        cmocka_unit_test(test_dangling_symlink_creates_target),
        cmocka_unit_test(test_fifo_written_in_place),
        cmocka_unit_test(test_socket_written_in_place),
        cmocka_unit_test(test_stdout_link_to_pipe),
        cmocka_unit_test(test_stdout_link_to_file_appends),
        cmocka_unit_test(test_stdout_link_to_socket),
        cmocka_unit_test(test_longest_name),
        cmocka_unit_test(test_directory_refused_abort_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
