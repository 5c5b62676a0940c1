/* Tests for scanner/fix_plan.h: which lines of a requirement file and its
 * includes `airlock fix` changes for a scan's fixes, and writing them all
 * or nothing with backups. The scan report is made here by hand: the
 * dependencies and fixes a scan and advice_compute() would give. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/fix_plan.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/airlock-fixplan-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(chdir("/"), 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void put(const char *path, const char *text)
{
    airlock_error err;
    assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

static char *get(const char *path)
{
    char *data;
    size_t len;
    airlock_error err;
    if (file_read_all(path, 1 << 20, &data, &len, &err) != 0)
        return NULL;
    return data;
}

static void assert_file(const char *path, const char *want)
{
    char *got = get(path);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "%s:\n[%s]\nwant:\n[%s]\n", path, got, want);
    assert_string_equal(got, want);
    free(got);
}

/* A requirement dependency as the scan gives it. */
static size_t dep(scan_report *r, const char *name, const char *ver, const char *file,
                  unsigned line)
{
    dependency *d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup(name);
    d->normalized = xstrdup(name);
    d->version_text = xstrdup(ver);
    d->source_file = xstrdup(file);
    d->source_line = line;
    return r->deps.len - 1;
}

static void fix(scan_report *r, size_t d, const char *old, const char *new)
{
    r->fixes = xrealloc(r->fixes, (r->n_fixes + 1) * sizeof *r->fixes);
    fix_item *f = &r->fixes[r->n_fixes++];
    memset(f, 0, sizeof *f);
    f->dep = d;
    f->name = xstrdup(r->deps.items[d].name);
    f->old_version = xstrdup(old);
    f->new_version = new ? xstrdup(new) : NULL;
}

static const char TOP[] = "-r sub/base.txt\n-c cons.txt\nalpha==1.0\ngamma\n"
                          "win==1.0 ; sys_platform == 'win32'\nalpha==0.9 ; python_version < '3'\n"
                          "nofix==1.0\n";
static const char BASE[] = "# base\r\nalpha==1.0\r\nbeta==2.0  # keep\r\n";
static const char CONS[] = "gamma==2.0\nalpha==1.0\n";

/* The scene: an include in a subdirectory, a constraint that gives gamma
 * its version, alpha pinned in three places, a win32-only pin, a pin at
 * another version, a pin without a fix. */
static void scene(scan_report *r)
{
    assert_int_equal(mkdir("sub", 0755), 0);
    put("top.txt", TOP);
    put("sub/base.txt", BASE);
    put("cons.txt", CONS);
    fix(r, dep(r, "alpha", "1.0", "sub/base.txt", 2), "1.0", "1.1");
    fix(r, dep(r, "beta", "2.0", "sub/base.txt", 3), "2.0", "2.5");
    fix(r, dep(r, "alpha", "1.0", "top.txt", 3), "1.0", "1.1");
    fix(r, dep(r, "gamma", "2.0", "top.txt", 4), "2.0", "3.0");
    fix(r, dep(r, "nofix", "1.0", "top.txt", 7), "1.0", NULL);
    /* win==1.0 is vulnerable on win32; a scan for win32 gives its fix. */
    fix(r, dep(r, "win", "1.0", "top.txt", 5), "1.0", "1.5");
}

static int make_top(fix_plan *p, scan_report *r, const char *top, const char *platform,
                    bool outside)
{
    scan_arg a = {INPUT_REQUIREMENTS, top, false};
    fix_plan_options o = {NULL, platform, outside};
    airlock_error err;
    diag d = {NULL, NULL, 0};
    int rc = fix_plan_make(p, &a, 1, &o, r, NULL, &d, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    return rc;
}

static int make(fix_plan *p, scan_report *r, const char *platform)
{
    return make_top(p, r, "top.txt", platform, false);
}

/* What fix_plan_report() says, as one string (free it). */
static char *report_of(const fix_plan *p, bool dry_run)
{
    /* On the heap: gcc takes a stack variable's address given to
     * open_memstream() for a pointer into the stack. */
    char **text = xcalloc(1, sizeof *text);
    size_t *len = xcalloc(1, sizeof *len);
    FILE *f = open_memstream(text, len);
    assert_non_null(f);
    fix_plan_report(p, dry_run, f);
    assert_int_equal(fclose(f), 0);
    char *out = *text;
    free(text);
    free(len);
    return out;
}

/* The line of `text` that holds `needle`, as a new string, or NULL. */
static char *line_with(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (at == NULL)
        return NULL;
    const char *start = at, *end = strchr(at, '\n');
    while (start > text && start[-1] != '\n')
        start--;
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static void test_lines_chosen_and_written(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    scene(&r);
    fix_plan p;
    assert_int_equal(make(&p, &r, "linux"), 0);
    /* Dry run first: the diff names the three files. */
    buf diff = {0};
    fix_plan_diff(&p, &diff);
    assert_non_null(strstr(diff.data, "--- sub/base.txt\n"));
    assert_non_null(strstr(diff.data, "--- cons.txt\n"));
    assert_non_null(strstr(diff.data, "-alpha==1.0\r\n-beta==2.0  # keep\r\n+alpha==1.1\r\n"
                                      "+beta==2.5  # keep\r\n"));
    buf_free(&diff);
    assert_int_equal(fix_plan_dep(&p, 0), FIX_DEP_FIXED);
    assert_int_equal(fix_plan_dep(&p, 3), FIX_DEP_FIXED); /* by the constraint */
    assert_int_equal(fix_plan_dep(&p, 4), FIX_DEP_REPORTED); /* no fix */
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("sub/base.txt", "# base\r\nalpha==1.1\r\nbeta==2.5  # keep\r\n");
    assert_file("cons.txt", "gamma==3.0\nalpha==1.1\n");
    /* win32's pin is left on linux, and so is alpha at 0.9. */
    assert_file("top.txt", "-r sub/base.txt\n-c cons.txt\nalpha==1.1\ngamma\n"
                           "win==1.0 ; sys_platform == 'win32'\n"
                           "alpha==0.9 ; python_version < '3'\nnofix==1.0\n");
    assert_file("top.txt.bak", TOP);
    assert_file("sub/base.txt.bak", BASE);
    assert_file("cons.txt.bak", CONS);
    bool markers_reported = false;
    for (size_t i = 0; i < p.n_lines; i++)
        markers_reported |= p.lines[i].kind == FIX_LINE_MARKERS && p.lines[i].line == 5;
    assert_true(markers_reported);
    fix_plan_free(&p);

    /* For win32 the pin is fixed; top.txt.bak holds the first original,
     * so this run's original goes to top.txt.bak.1. */
    assert_int_equal(make(&p, &r, "win32"), 0);
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("top.txt.bak", TOP);
    char *first = get("top.txt.bak.1");
    assert_non_null(strstr(first, "alpha==1.1\ngamma\nwin==1.0"));
    free(first);
    char *now = get("top.txt");
    assert_non_null(strstr(now, "win==1.5 ; sys_platform == 'win32'\n"));
    free(now);
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* A backup that holds exactly the file is reused, not duplicated. */
static void test_backup_reused(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    put("top.txt", "alpha==1.0\n");
    put("top.txt.bak", "alpha==1.0\n");
    fix(&r, dep(&r, "alpha", "1.0", "top.txt", 1), "1.0", "1.1");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("top.txt", "alpha==1.1\n");
    assert_file("top.txt.bak", "alpha==1.0\n");
    assert_int_equal(access("top.txt.bak.1", F_OK), -1);
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* A file changed between the plan and the write: nothing is written. */
static void test_changed_meanwhile(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    put("top.txt", "-r b.txt\nalpha==1.0\n");
    put("b.txt", "beta==2.0\n");
    fix(&r, dep(&r, "alpha", "1.0", "top.txt", 2), "1.0", "1.1");
    fix(&r, dep(&r, "beta", "2.0", "b.txt", 1), "2.0", "2.1");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    put("top.txt", "-r b.txt\nalpha==1.0\n# edited\n");
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), -1);
    assert_non_null(strstr(err.msg, "changed while"));
    assert_file("b.txt", "beta==2.0\n");
    assert_int_equal(access("b.txt.bak", F_OK), -1);
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* The name swapped for a link to another file with the same bytes (in a
 * directory someone else can write, between the check and the write): the
 * link is not written through, and nothing is written. */
static void test_swapped_for_link(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    put("top.txt", "-r b.txt\nalpha==1.0\n");
    put("b.txt", "beta==2.0\n");
    fix(&r, dep(&r, "alpha", "1.0", "top.txt", 2), "1.0", "1.1");
    fix(&r, dep(&r, "beta", "2.0", "b.txt", 1), "2.0", "2.1");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    put("victim.txt", "beta==2.0\n");
    assert_int_equal(unlink("b.txt"), 0);
    assert_int_equal(symlink("victim.txt", "b.txt"), 0);
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), -1);
    assert_non_null(strstr(err.msg, "changed while"));
    assert_file("victim.txt", "beta==2.0\n");
    assert_file("top.txt", "-r b.txt\nalpha==1.0\n");
    struct stat st;
    assert_int_equal(lstat("b.txt", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* fchmod(2) stands in for a file that cannot be written (test_fix_plan is
 * linked with --wrap=fchmod): armed, it fails once the first file of the
 * plan (b.txt) has been replaced, and at that moment swaps b.txt for a
 * link to victim.txt, as someone who can write the directory could. */
int __real_fchmod(int fd, mode_t mode);
int __wrap_fchmod(int fd, mode_t mode);
static bool fchmod_armed;

int __wrap_fchmod(int fd, mode_t mode)
{
    if (fchmod_armed) {
        char *b = get("b.txt");
        bool replaced = b != NULL && strcmp(b, "beta==2.1\n") == 0;
        free(b);
        if (replaced) {
            fchmod_armed = false;
            assert_int_equal(unlink("b.txt"), 0);
            assert_int_equal(symlink("victim.txt", "b.txt"), 0);
            errno = EIO;
            return -1;
        }
    }
    return __real_fchmod(fd, mode);
}

/* The second file cannot be written, and the first, already replaced, is
 * to be put back; but its name is a link elsewhere by now. The original is
 * not written through the link (it would land in victim.txt); the message
 * names the .bak to restore by hand. */
static void test_restore_checks_the_file(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    put("top.txt", "-r b.txt\nalpha==1.0\n");
    put("b.txt", "beta==2.0\n");
    put("victim.txt", "precious\n");
    fix(&r, dep(&r, "alpha", "1.0", "top.txt", 2), "1.0", "1.1");
    fix(&r, dep(&r, "beta", "2.0", "b.txt", 1), "2.0", "2.1");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    assert_string_equal(p.files[0].path, "b.txt"); /* written first */
    /* Catch what goes to stderr. */
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int fd = open("stderr.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
    airlock_error err;
    fchmod_armed = true;
    int rc = fix_plan_write(&p, &err);
    fchmod_armed = false;
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(rc, -1);
    assert_file("victim.txt", "precious\n");
    struct stat st;
    assert_int_equal(lstat("b.txt", &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file("top.txt", "-r b.txt\nalpha==1.0\n");
    assert_file("b.txt.bak", "beta==2.0\n");
    char *said = get("stderr.log");
    assert_non_null(said);
    if (strstr(said, "b.txt.bak") == NULL || strstr(said, "by hand") == NULL)
        fprintf(stderr, "stderr: [%s]\n", said);
    assert_non_null(strstr(said, "b.txt.bak"));
    assert_non_null(strstr(said, "by hand"));
    free(said);
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* One include reached by two spellings: its pin is one pin, rewritten
 * once, counted once, and both of the scan's dependencies are fixed. */
static void test_one_file_two_spellings(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    assert_int_equal(mkdir("sub", 0755), 0);
    put("top.txt", "-r sub/../req.txt\n-r req.txt\n");
    put("req.txt", "alpha==1.0\n");
    size_t d1 = dep(&r, "alpha", "1.0", "sub/../req.txt", 1);
    size_t d2 = dep(&r, "alpha", "1.0", "req.txt", 1);
    fix(&r, d1, "1.0", "1.1");
    fix(&r, d2, "1.0", "1.1");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    char *said = report_of(&p, true);
    if (strstr(said, "1 pin would be rewritten in 1 file") == NULL)
        fprintf(stderr, "report: [%s]\n", said);
    assert_non_null(strstr(said, "1 pin would be rewritten in 1 file"));
    free(said);
    assert_int_equal(fix_plan_dep(&p, d1), FIX_DEP_FIXED);
    assert_int_equal(fix_plan_dep(&p, d2), FIX_DEP_FIXED);
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("req.txt", "alpha==1.1\n");
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* One project pinned at two versions for one target, in two files or
 * twice in one: pip refuses such a pair, so neither is rewritten, and the
 * report names both places. Pins whose markers exclude each other are no
 * conflict. */
static void test_conflicting_pins(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    put("top.txt", "-r b.txt\nalpha==1.0\nbeta==2.0\nbeta==2.1 ; python_version < '3'\n");
    put("b.txt", "alpha==1.1\n");
    size_t a1 = dep(&r, "alpha", "1.0", "top.txt", 2);
    size_t a2 = dep(&r, "alpha", "1.1", "b.txt", 1);
    fix(&r, a1, "1.0", "1.2");
    fix(&r, a2, "1.1", "1.2");
    fix(&r, dep(&r, "beta", "2.0", "top.txt", 3), "2.0", "2.5");
    fix_plan p;
    assert_int_equal(make(&p, &r, NULL), 0);
    char *said = report_of(&p, false);
    char *l1 = line_with(said, "top.txt:2: alpha 1.0");
    char *l2 = line_with(said, "b.txt:1: alpha 1.1");
    if (l1 == NULL || l2 == NULL || strstr(l1, "b.txt:1") == NULL ||
        strstr(l2, "top.txt:2") == NULL || strstr(l1, "not rewritten") == NULL)
        fprintf(stderr, "report: [%s]\n", said);
    assert_true(l1 != NULL && l2 != NULL);
    assert_non_null(strstr(l1, "not rewritten"));
    assert_non_null(strstr(l1, "b.txt:1"));
    assert_non_null(strstr(l2, "top.txt:2"));
    free(l1);
    free(l2);
    free(said);
    assert_int_equal(fix_plan_dep(&p, a1), FIX_DEP_REPORTED);
    assert_int_equal(fix_plan_dep(&p, a2), FIX_DEP_REPORTED);
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("b.txt", "alpha==1.1\n");
    assert_file("top.txt", "-r b.txt\nalpha==1.0\nbeta==2.5\nbeta==2.1 ; python_version < '3'\n");
    fix_plan_free(&p);
    scan_report_free(&r);

    /* Twice in one file. */
    memset(&r, 0, sizeof r);
    put("two.txt", "gamma==1.0\ngamma == 1.5\n");
    fix(&r, dep(&r, "gamma", "1.0", "two.txt", 1), "1.0", "3.0");
    fix(&r, dep(&r, "gamma", "1.5", "two.txt", 2), "1.5", "3.0");
    assert_int_equal(make_top(&p, &r, "two.txt", NULL, false), 0);
    said = report_of(&p, true);
    l1 = line_with(said, "two.txt:1: gamma 1.0");
    assert_non_null(l1);
    assert_non_null(strstr(l1, "two.txt:2"));
    free(l1);
    free(said);
    buf diff = {0};
    fix_plan_diff(&p, &diff);
    assert_int_equal(diff.len, 0);
    buf_free(&diff);
    fix_plan_free(&p);
    scan_report_free(&r);
}

/* An include outside the directory of the file named (-r ../common.txt)
 * is not rewritten by default: it may be another project's. The report
 * says so; the rest is rewritten. */
static void test_outside_include_left(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    assert_int_equal(mkdir("proj", 0755), 0);
    put("proj/top.txt", "-r ../common.txt\nbeta==2.0\n");
    put("common.txt", "alpha==1.0\n");
    size_t a = dep(&r, "alpha", "1.0", "proj/../common.txt", 1);
    fix(&r, a, "1.0", "1.1");
    fix(&r, dep(&r, "beta", "2.0", "proj/top.txt", 2), "2.0", "2.5");
    fix_plan p;
    assert_int_equal(make_top(&p, &r, "proj/top.txt", NULL, false), 0);
    buf diff = {0};
    fix_plan_diff(&p, &diff);
    assert_null(strstr(diff.data, "--- proj/../common.txt"));
    assert_non_null(strstr(diff.data, "--- proj/top.txt\n"));
    buf_free(&diff);
    airlock_error err;
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("common.txt", "alpha==1.0\n");
    assert_file("proj/top.txt", "-r ../common.txt\nbeta==2.5\n");
    assert_int_equal(fix_plan_dep(&p, a), FIX_DEP_REPORTED);
    char *said = report_of(&p, false);
    char *l = line_with(said, "proj/../common.txt:1: alpha 1.0");
    if (l == NULL || strstr(l, "outside") == NULL)
        fprintf(stderr, "report: [%s]\n", said);
    assert_non_null(l);
    assert_non_null(strstr(l, "not rewritten"));
    assert_non_null(strstr(l, "outside"));
    free(l);
    free(said);
    fix_plan_free(&p);

    /* Asked for (--rewrite-outside): rewritten, and named as outside. */
    put("proj/top.txt", "-r ../common.txt\nbeta==2.0\n");
    assert_int_equal(make_top(&p, &r, "proj/top.txt", NULL, true), 0);
    said = report_of(&p, true);
    assert_non_null(strstr(said, "proj/../common.txt: would be rewritten (outside"));
    assert_non_null(strstr(said, "proj/top.txt: would be rewritten\n"));
    free(said);
    assert_int_equal(fix_plan_write(&p, &err), 0);
    assert_file("common.txt", "alpha==1.1\n");
    assert_int_equal(fix_plan_dep(&p, a), FIX_DEP_FIXED);
    fix_plan_free(&p);
    scan_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_chosen_and_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_meanwhile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_for_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_checks_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_file_two_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicting_pins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outside_include_left, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
