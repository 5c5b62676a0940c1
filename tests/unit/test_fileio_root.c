/* Tests for core/fileio's writer that need root: a device node, keeping
 * another user's ownership, and another user's link in a sticky directory
 * (issue 13). Without root the whole program is skipped (exit 77). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fileio.h"

#define NOBODY 65534

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/airlock-fileio-root-XXXXXX";
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

static void rm_rf(const char *dir)
{
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
}

/* `-o /dev/null` as root: a device is written in place and stays the
 * device (a private null device, so that a failure cannot break the
 * system's). */
static void test_device_stays_device(void **state)
{
    (void)state;
    char *dir = temp_dir(), *null = join(dir, "null");
    assert_int_equal(mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0);
    assert_int_equal(chmod(null, 0666), 0);
    airlock_error err;
    assert_int_equal(file_write_atomic(null, "report\n", 7, 0644, &err), 0);
    struct stat st;
    assert_int_equal(lstat(null, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(major(st.st_rdev), 1);
    assert_int_equal(minor(st.st_rdev), 3);
    assert_int_equal(st.st_mode & 0777, 0666);
    rm_rf(dir);
    free(null);
    free(dir);
}

/* An existing file keeps its owner and mode when root replaces it; a
 * private file (a secret key) is never handed to another owner. */
static void test_owner_kept(void **state)
{
    (void)state;
    char *dir = temp_dir(), *path = join(dir, "theirs.json"), *key = join(dir, "key");
    airlock_error err;
    assert_int_equal(file_write_atomic(path, "old", 3, 0644, &err), 0);
    assert_int_equal(chown(path, NOBODY, NOBODY), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(file_write_atomic(path, "new", 3, 0644, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, NOBODY);
    assert_int_equal(st.st_gid, NOBODY);
    assert_int_equal(st.st_mode & 0777, 0640);

    assert_int_equal(file_write_atomic(key, "old", 3, 0644, &err), 0);
    assert_int_equal(chown(key, NOBODY, NOBODY), 0);
    assert_int_equal(file_write_atomic(key, "secret", 6, 0600, &err), 0);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 077, 0);
    rm_rf(dir);
    free(path);
    free(key);
    free(dir);
}

/* In a sticky world-writable directory (/tmp), root follows only its own
 * links and the directory owner's, as the kernel's protected_symlinks
 * does: another user's planted link is refused and its target untouched. */
static void test_planted_link_refused(void **state)
{
    (void)state;
    char *dir = temp_dir(), *sticky = join(dir, "tmp"), *target = join(dir, "shadow");
    assert_int_equal(mkdir(sticky, 0755), 0);
    assert_int_equal(chmod(sticky, 01777), 0);
    char *link = join(sticky, "report.json");
    airlock_error err;
    assert_int_equal(file_write_atomic(target, "precious", 8, 0600, &err), 0);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
    assert_int_equal(file_write_atomic(link, "report", 6, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "refusing to follow"));
    char *data;
    size_t len;
    assert_int_equal(file_read_all(target, 100, &data, &len, &err), 0);
    assert_string_equal(data, "precious");
    free(data);
    /* Nor through their link to a directory of theirs, whose own link
     * (theirs to make, outside any sticky directory) names the target. */
    char *theirs = join(dir, "theirs"), *dirlink = join(sticky, "d");
    char *inner = join(theirs, "report.json"), *via = join(dirlink, "report.json");
    assert_int_equal(mkdir(theirs, 0755), 0);
    assert_int_equal(symlink(target, inner), 0);
    assert_int_equal(lchown(inner, NOBODY, NOBODY), 0);
    assert_int_equal(chown(theirs, NOBODY, NOBODY), 0);
    assert_int_equal(symlink(theirs, dirlink), 0);
    assert_int_equal(lchown(dirlink, NOBODY, NOBODY), 0);
    assert_int_equal(file_write_atomic(via, "report", 6, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "refusing to follow"));
    assert_int_equal(file_read_all(target, 100, &data, &len, &err), 0);
    assert_string_equal(data, "precious");
    free(data);
    free(theirs);
    free(dirlink);
    free(inner);
    free(via);
    /* The directory's owner's link is followed. */
    assert_int_equal(chown(sticky, NOBODY, NOBODY), 0);
    assert_int_equal(file_write_atomic(link, "report", 6, 0644, &err), 0);
    assert_int_equal(file_read_all(target, 100, &data, &len, &err), 0);
    assert_string_equal(data, "report");
    free(data);
    rm_rf(dir);
    free(link);
    free(sticky);
    free(target);
    free(dir);
}

int main(void)
{
    if (geteuid() != 0) {
        puts("skip: test_fileio_root needs root (devices, other owners)");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_stays_device),
        cmocka_unit_test(test_owner_kept),
        cmocka_unit_test(test_planted_link_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
