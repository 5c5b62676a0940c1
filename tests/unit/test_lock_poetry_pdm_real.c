/* Differential test of the poetry.lock and pdm.lock readers on the real
 * lockfiles of ../shared/data/lockfiles-real: for every case, the list of
 * (canonical name, version as written, source kind) read must equal the
 * "packages" of its expected.json (made by Python's tomllib), in order and
 * with duplicates; registry entries with a version are checked and all
 * others skipped; no warning except the one for a file with no [metadata].
 * A test of its own so that, without ../shared, it is skipped (exit 77)
 * while test_lock_poetry and test_lock_pdm still run.
 *
 * Floors (about 95% of what the data held when they were set: poetry 14
 * cases, 1495 packages of which 14 not from an index; pdm 10 cases, 613
 * packages, 8 not from an index) keep the test from agreeing on less. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fileio.h"
#include "scanner/inputs/lockfile.h"

typedef int lock_parse_fn_t(const char *data, size_t len, const char *path, dep_list *out,
                            diag *d, airlock_error *err);

typedef struct real_format {
    const char *dir;         /* folder under lockfiles-real */
    lock_parse_fn_t *parse;
    size_t min_cases, min_packages, min_registry, min_other;
    const char *kinds[6];    /* source kinds the data must hold */
} real_format;

static void join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("path too long: %s/%s", a, b);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of `dir` but "." and "..", sorted; *n their number. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        fail_msg("cannot open %s", dir);
    char **names = NULL;
    size_t len = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names = realloc(names, (len + 1) * sizeof *names);
        names[len++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, len, sizeof *names, by_name);
    *n = len;
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static cJSON *read_json(const char *path)
{
    char *data;
    size_t len;
    airlock_error err;
    if (file_read_all(path, 64 << 20, &data, &len, &err) != 0)
        fail_msg("%s", err.msg);
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    if (j == NULL)
        fail_msg("%s: not JSON", path);
    return j;
}

typedef struct totals {
    size_t cases, packages, registry, other;
    size_t kind_seen[6];
} totals;

static void count_warning(void *arg, const char *file, unsigned line, const char *msg)
{
    printf("  warning %s:%u: %s\n", file, line, msg);
    (*(unsigned *)arg)++;
}

/* One case: compare, and add to the totals. */
static void check_case(const real_format *f, const char *casedir, totals *t)
{
    size_t n;
    char **names = list_dir(casedir, &n);
    const char *lock = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], "expected.json") != 0)
            lock = names[i];
    if (n != 2 || lock == NULL)
        fail_msg("%s: want one lockfile and expected.json", casedir);
    char path[8192], epath[8192];
    join(path, sizeof path, casedir, lock);
    join(epath, sizeof epath, casedir, "expected.json");

    char *data;
    size_t len;
    airlock_error err;
    if (file_read_all(path, LOCKFILE_MAX_SIZE, &data, &len, &err) != 0)
        fail_msg("%s", err.msg);
    dep_list l = {0};
    unsigned warnings = 0;
    diag d = {count_warning, &warnings, 0};
    if (f->parse(data, len, path, &l, &d, &err) != 0)
        fail_msg("%s", err.msg);
    /* Only a poetry.lock without [metadata] (a trimmed test fixture) warns. */
    bool has_meta = strncmp(data, "[metadata]", 10) == 0 || strstr(data, "\n[metadata]");
    free(data);
    assert_int_equal(warnings, has_meta ? 0 : 1);

    cJSON *exp = read_json(epath);
    const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(exp, "packages");
    size_t want = (size_t)cJSON_GetArraySize(pkgs);
    if (l.len != want)
        fail_msg("%s: %zu packages read, expected.json has %zu", path, l.len, want);
    for (size_t i = 0; i < want; i++) {
        const cJSON *row = cJSON_GetArrayItem(pkgs, (int)i);
        const char *name = cJSON_GetArrayItem(row, 0)->valuestring;
        const cJSON *ver = cJSON_GetArrayItem(row, 1);
        const char *kind = cJSON_GetArrayItem(row, 2)->valuestring;
        const dependency *dep = &l.items[i];
        const char *v = cJSON_IsString(ver) ? ver->valuestring : NULL;
        bool same_version = (v == NULL && dep->version_text == NULL) ||
                            (v != NULL && dep->version_text != NULL &&
                             strcmp(v, dep->version_text) == 0);
        if (strcmp(name, dep->normalized) != 0 || !same_version ||
            strcmp(kind, dep->source_kind) != 0)
            fail_msg("%s: package %zu (line %u) is [%s, %s, %s], expected.json [%s, %s, %s]",
                     path, i + 1, dep->source_line, dep->normalized,
                     dep->version_text ? dep->version_text : "null", dep->source_kind, name,
                     v ? v : "null", kind);
        bool registry = strcmp(kind, "registry") == 0;
        if (registry && v != NULL) {
            if (!dep->has_version || dep->skip_reason != NULL)
                fail_msg("%s:%u: %s %s is not checked", path, dep->source_line, name, v);
            t->registry++;
        } else {
            if (dep->has_version || dep->skip_reason == NULL)
                fail_msg("%s:%u: %s (%s) is not skipped", path, dep->source_line, name, kind);
            t->other++;
        }
        assert_true(dep->source_line > 0);
        for (size_t k = 0; k < 6 && f->kinds[k] != NULL; k++)
            if (strcmp(kind, f->kinds[k]) == 0)
                t->kind_seen[k]++;
    }
    printf("  %s: %zu packages equal\n", path, want);
    t->packages += want;
    t->cases++;
    cJSON_Delete(exp);
    dep_list_free(&l);
    free_list(names, n);
}

static void check_format(const char *root, const real_format *f)
{
    char dir[8192];
    join(dir, sizeof dir, root, f->dir);
    size_t n;
    char **cases = list_dir(dir, &n);
    totals t = {0};
    for (size_t i = 0; i < n; i++) {
        char casedir[8192];
        join(casedir, sizeof casedir, dir, cases[i]);
        check_case(f, casedir, &t);
    }
    free_list(cases, n);
    printf("%s: %zu cases, %zu packages equal to expected.json (%zu checked, %zu skipped)\n",
           f->dir, t.cases, t.packages, t.registry, t.other);
    assert_true(t.cases >= f->min_cases);
    assert_true(t.packages >= f->min_packages);
    assert_true(t.registry >= f->min_registry);
    assert_true(t.other >= f->min_other);
    for (size_t k = 0; k < 6 && f->kinds[k] != NULL; k++)
        if (t.kind_seen[k] == 0)
            fail_msg("%s: no %s source in the data", f->dir, f->kinds[k]);
}

static void test_poetry_real(void **state)
{
    static const real_format f = {"poetry.lock", lock_poetry_parse, 13, 1420, 1400, 13,
                                  {"registry", "git", "url", "path", "directory", "editable"}};
    check_format(*state, &f);
}

static void test_pdm_real(void **state)
{
    static const real_format f = {"pdm.lock", lock_pdm_parse, 9, 580, 575, 7,
                                  {"registry", "git", "path", NULL, NULL, NULL}};
    check_format(*state, &f);
}

int main(void)
{
    const char *shared = getenv("AIRLOCK_SHARED_DIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/data/lockfiles-real", shared ? shared : "../shared");
    struct stat st;
    if (stat(root, &st) != 0) {
        fprintf(stderr, "skip: the real lockfiles are not at %s\n", root);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_poetry_real, root),
        cmocka_unit_test_prestate(test_pdm_real, root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
