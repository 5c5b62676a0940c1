/* Differential: every Pipfile.lock case of ../shared/data/lockfiles-real
 * read by lock_pipfile_parse() must give its expected.json's `packages`
 * exactly (canonical name, version as written without "==", source kind;
 * order and duplicates kept), with no warning, and each package's line
 * must hold its key. Skipped when the shared data is absent.
 *
 * expected.json lists `default` and `develop` only (make_expected.py reads
 * no other section). Airlock also reads pipenv's categories, after those
 * two: paperless-ngx's file has one ("typing-dev", 36 packages). Those
 * dependencies must follow the expected ones and be exactly the members of
 * the file's other top-level objects, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/lockfile.h"

static void count_warning(void *arg, const char *file, unsigned line, const char *msg)
{
    fprintf(stderr, "warning: %s:%u: %s\n", file, line, msg);
    (*(unsigned *)arg)++;
}

/* Whether line `line` (1-based) of `text` (`len` bytes) holds `"name"`.
 * memchr with lengths, not strchr: under ASan's strict_string_checks (CI)
 * every strchr reads the rest of the text, which made this test quadratic
 * (76 s for 795 packages). */
static bool line_holds_key(const char *text, size_t len, unsigned line, const char *name)
{
    const char *p = text, *end = text + len;
    for (unsigned l = 1; l < line && p != NULL; l++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (p != NULL)
            p++;
    }
    if (p == NULL)
        return false;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    buf key = {0};
    buf_printf(&key, "\"%s\"", name);
    bool found = false;
    for (size_t i = 0; i + key.len <= n && !found; i++)
        found = memcmp(p + i, key.data, key.len) == 0;
    buf_free(&key);
    return found;
}

/* Check one case folder; returns the number of packages compared. */
static size_t check_case(const char *dir)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    buf input = {0};
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "expected.json") != 0)
            buf_printf(&input, "%s/%s", dir, e->d_name);
    closedir(dp);
    assert_true(input.len > 0);

    buf exp_path = {0};
    buf_printf(&exp_path, "%s/expected.json", dir);
    char *exp_text = NULL, *text = NULL;
    size_t exp_len = 0, len = 0;
    airlock_error err;
    assert_int_equal(file_read_all(exp_path.data, LOCKFILE_MAX_SIZE, &exp_text, &exp_len, &err), 0);
    assert_int_equal(file_read_all(input.data, LOCKFILE_MAX_SIZE, &text, &len, &err), 0);
    cJSON *expected = cJSON_ParseWithLength(exp_text, exp_len);
    assert_non_null(expected);
    const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(expected, "packages");
    assert_true(cJSON_IsArray(pkgs));

    dep_list deps = {0};
    unsigned warnings = 0;
    diag d = {count_warning, &warnings, 0};
    if (lock_pipfile_parse(text, len, input.data, &deps, &d, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(warnings, 0);
    size_t n = (size_t)cJSON_GetArraySize(pkgs);
    /* The categories' members, as cJSON reads the file. */
    cJSON *doc = cJSON_ParseWithLength(text, len);
    assert_non_null(doc);
    size_t extra = 0;
    for (const cJSON *s = doc->child; s != NULL; s = s->next) {
        if (strcmp(s->string, "_meta") == 0 || strcmp(s->string, "default") == 0 ||
            strcmp(s->string, "develop") == 0)
            continue;
        for (const cJSON *m = s->child; m != NULL; m = m->next, extra++) {
            assert_true(n + extra < deps.len);
            assert_string_equal(deps.items[n + extra].name, m->string);
            assert_string_equal(deps.items[n + extra].group, s->string);
        }
    }
    cJSON_Delete(doc);
    if (deps.len != n + extra)
        fail_msg("%s: %zu packages read, %zu expected + %zu in categories", input.data,
                 deps.len, n, extra);
    if (extra > 0)
        fprintf(stderr, "%s: %zu more packages in pipenv categories\n", input.data, extra);
    size_t i = 0;
    for (const cJSON *p = pkgs->child; p != NULL; p = p->next, i++) {
        const dependency *dep = &deps.items[i];
        const char *name = cJSON_GetArrayItem(p, 0)->valuestring;
        const cJSON *ver = cJSON_GetArrayItem(p, 1);
        const char *kind = cJSON_GetArrayItem(p, 2)->valuestring;
        if (strcmp(dep->normalized, name) != 0 || strcmp(dep->source_kind, kind) != 0 ||
            (cJSON_IsNull(ver) ? dep->version_text != NULL
                                   : dep->version_text == NULL ||
                                         strcmp(dep->version_text, ver->valuestring) != 0))
            fail_msg("%s: package %zu is %s %s %s, expected %s %s %s", input.data, i,
                     dep->normalized, dep->version_text ? dep->version_text : "null",
                     dep->source_kind, name, cJSON_IsNull(ver) ? "null" : ver->valuestring,
                     kind);
        /* Checked exactly when a registry package has a version. */
        assert_int_equal(dep->skip_reason == NULL,
                         strcmp(kind, "registry") == 0 && !cJSON_IsNull(ver));
        if (!line_holds_key(text, len, dep->source_line, dep->name))
            fail_msg("%s: %s: line %u does not hold its key", input.data, dep->name,
                     dep->source_line);
    }
    dep_list_free(&deps);
    cJSON_Delete(expected);
    free(exp_text);
    free(text);
    buf_free(&exp_path);
    buf_free(&input);
    return n;
}

static void test_real_pipfile_locks(void **state)
{
    (void)state;
    const char *shared = getenv("AIRLOCK_SHARED_DIR");
    buf root = {0};
    buf_printf(&root, "%s/data/lockfiles-real/Pipfile.lock", shared ? shared : "../shared");
    DIR *dp = opendir(root.data);
    if (dp == NULL) {
        fprintf(stderr, "%s not found: skipped\n", root.data);
        buf_free(&root);
        skip();
    }
    size_t cases = 0, packages = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        buf dir = {0};
        buf_printf(&dir, "%s/%s", root.data, e->d_name);
        packages += check_case(dir.data);
        cases++;
        buf_free(&dir);
    }
    closedir(dp);
    buf_free(&root);
    fprintf(stderr, "%zu Pipfile.lock cases, %zu packages, all as expected\n", cases, packages);
    assert_true(cases >= 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_pipfile_locks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
