/* Tests for scanner/inputs/project: which names are inputs, the search of a
 * project directory (order, skipped directories, links, bounds), and the
 * pyproject declarations a lockfile beside it covers. Every tree is made
 * here, in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/name.h"
#include "scanner/inputs/project.h"
#include "scanner/inputs/wheelhouse.h"

static char tmp[256];

static int make_tmp(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/airlock-project-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmp) ? 0 : -1;
}

static int remove_tmp(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Create the file `rel` (and its directories) under a fresh tree `root`. */
static void put(const char *root, const char *rel)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/%s", tmp, root, rel);
    for (char *s = path + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    if (path[strlen(path) - 1] == '/')
        return; /* a directory only */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static void link_at(const char *root, const char *target, const char *rel)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/%s", tmp, root, rel);
    assert_int_equal(symlink(target, path), 0);
}

typedef struct warnings {
    buf text; /* "FILE: MSG\n" each */
} warnings;

static void keep(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)line;
    buf_printf(&((warnings *)arg)->text, "%s: %s\n", file ? file : "-", msg);
}

/* The search's result as "KIND PATH\n" lines, PATH below the tree. */
static char *search(const char *root, const project_limits *lim, warnings *w, int *rc)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", tmp, root);
    project_files l = {0};
    diag d = {keep, w, 0};
    airlock_error err = {{0}};
    *rc = project_find(dir, lim, &l, &d, &err);
    buf b = {0};
    static const char *const kinds[] = {
        [INPUT_REQUIREMENTS] = "req", [INPUT_PATH] = "path", [INPUT_VENV] = "venv",
        [INPUT_PYTHON] = "python", [INPUT_LOCKFILE] = "lock", [INPUT_PYPROJECT] = "pyproject",
        [INPUT_SBOM] = "sbom", [INPUT_WHEELHOUSE] = "wheelhouse"};
    for (size_t i = 0; i < l.len; i++) {
        assert_int_equal(strncmp(l.items[i].path, dir, strlen(dir)), 0);
        const char *rel = l.items[i].path + strlen(dir);
        buf_printf(&b, "%s%s%s %s\n", kinds[l.items[i].kind],
                   l.items[i].kind == INPUT_LOCKFILE ? ":" : "",
                   l.items[i].kind == INPUT_LOCKFILE ? lock_format_name(l.items[i].lock) : "",
                   *rel ? rel + 1 : ".");
    }
    project_files_free(&l);
    if (b.data == NULL)
        buf_puts(&b, "");
    return buf_detach(&b, NULL);
}

static void test_names(void **state)
{
    (void)state;
    input_kind k;
    lock_format f;
    assert_int_equal(project_kind_of_name("a/requirements.txt", &k, &f), 0);
    assert_int_equal(k, INPUT_REQUIREMENTS);
    assert_int_equal(project_kind_of_name("deps.txt", &k, &f), 0); /* a file named: any .txt */
    assert_int_equal(k, INPUT_REQUIREMENTS);
    assert_int_equal(project_kind_of_name("x/deps.lock", &k, &f), -1);
    assert_int_equal(project_kind_of_name("sub/uv.lock", &k, &f), 0);
    assert_int_equal(k, INPUT_LOCKFILE);
    assert_int_equal(f, LOCK_UV);
    assert_int_equal(project_kind_of_name("pylock.dev.toml", &k, &f), 0);
    assert_int_equal(f, LOCK_PYLOCK);
    assert_int_equal(project_kind_of_name("Pipfile.lock", &k, &f), 0);
    assert_int_equal(f, LOCK_PIPFILE);
    assert_int_equal(project_kind_of_name("pipfile.lock", &k, &f), -1); /* names are exact */
    assert_int_equal(project_kind_of_name("/p/pyproject.toml", &k, &f), 0);
    assert_int_equal(k, INPUT_PYPROJECT);
    assert_int_equal(project_kind_of_name("app.cdx.json", &k, &f), 0);
    assert_int_equal(k, INPUT_SBOM);
    assert_int_equal(project_kind_of_name("bom.json", &k, &f), 0);
    assert_int_equal(project_kind_of_name("x.spdx.json", &k, &f), 0);
    assert_int_equal(k, INPUT_SBOM);
    assert_int_equal(project_kind_of_name(".cdx.json", &k, &f), -1);
    assert_int_equal(project_kind_of_name("report.json", &k, &f), -1);
    assert_int_equal(project_kind_of_name("v/pyvenv.cfg", &k, &f), 0);
    assert_int_equal(k, INPUT_VENV);
    assert_int_equal(project_kind_of_name("setup.py", &k, &f), -1);
    assert_int_equal(project_kind_of_name(".txt", &k, &f), -1);
    assert_non_null(strstr(project_known_names(), "pyproject.toml"));
}

static void test_walk_order_and_names(void **state)
{
    (void)state;
    put("t1", "zeta/requirements.txt");
    put("t1", "requirements.txt");
    put("t1", "dev-requirements.txt");
    put("t1", "requirements-test.txt");
    put("t1", "notes.txt"); /* not a requirement file outside requirements/ */
    put("t1", "requirements/base.txt");
    put("t1", "requirements/README.md");
    put("t1", "pyproject.toml");
    put("t1", "uv.lock");
    put("t1", "poetry.lock");
    put("t1", "deps.lock");
    put("t1", "bom.json");
    put("t1", "sbom/app.cdx.json");
    put("t1", "sbom/app.spdx.json");
    put("t1", "sbom/other.json");
    put("t1", "a/b/c/Pipfile.lock");
    put("t1", "a/pylock.toml");
    put("t1", "a/pylock.x.y.toml"); /* a NAME with a dot is not PEP 751's */
    put("t1", ".github/requirements-ci.txt"); /* hidden, but not a cache: searched */
    put("t1", "build/requirements.txt");      /* not skipped: it may ship */
    put("t1", "vendor/lib/python3.11/site-packages/pkg/requirements.txt");
    put("t1", "uv.lock.d/"); /* a directory with a known name is searched, not read */
    put("t1", "uv.lock.d/pdm.lock");
    warnings w = {{0}};
    int rc;
    char *got = search("t1", NULL, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got,
                        "sbom bom.json\n"
                        "req dev-requirements.txt\n"
                        "lock:poetry poetry.lock\n"
                        "pyproject pyproject.toml\n"
                        "req requirements-test.txt\n"
                        "req requirements.txt\n"
                        "lock:uv uv.lock\n"
                        "req .github/requirements-ci.txt\n"
                        "lock:pylock a/pylock.toml\n"
                        "lock:pipfile a/b/c/Pipfile.lock\n"
                        "req build/requirements.txt\n"
                        "req requirements/base.txt\n"
                        "sbom sbom/app.cdx.json\n"
                        "sbom sbom/app.spdx.json\n"
                        "lock:pdm uv.lock.d/pdm.lock\n"
                        "path vendor/lib/python3.11/site-packages\n"
                        "req zeta/requirements.txt\n");
    assert_null(w.text.data); /* nothing to warn about */
    free(got);
}

/* A directory holding distribution archives is a wheelhouse, read after
 * its other files; a .zip or .tar.gz whose name is no NAME-VERSION is not
 * an sdist, and a directory named *.whl is not a wheel. */
static void test_walk_wheelhouse(void **state)
{
    (void)state;
    put("tw", "requirements.txt");
    put("tw", "dist/pkg-1.0-py3-none-any.whl");
    put("tw", "dist/pkg-1.0.tar.gz");
    put("tw", "dist/a/z.txt");
    put("tw", "sdists/pkg-1.0.zip");
    put("tw", "sdists/requirements.txt");
    put("tw", "notsdists/backup.zip");
    put("tw", "notsdists/site-2024.tar.gz"); /* "2024" is a version, "site" a name: found */
    put("tw", "notsdists2/photos-june.zip");
    put("tw", "notsdists2/x.whl/");
    put("tw", "odd/legacy-1.0.tar.bz2"); /* read, to be warned about */
    warnings w = {{0}};
    int rc;
    char *got = search("tw", NULL, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got,
                        "req requirements.txt\n"
                        "wheelhouse dist\n"
                        "wheelhouse notsdists\n"
                        "wheelhouse odd\n"
                        "req sdists/requirements.txt\n"
                        "wheelhouse sdists\n");
    assert_null(w.text.data);
    free(got);
    assert_int_equal(wheelhouse_kind_of_name("a-1.0-py3-none-any.whl"), WH_WHEEL);
    assert_int_equal(wheelhouse_kind_of_name("bad.whl"), WH_WHEEL);
    assert_int_equal(wheelhouse_kind_of_name("a-1.0.tar.gz"), WH_SDIST_TGZ);
    assert_int_equal(wheelhouse_kind_of_name("a-b-1.0rc1.zip"), WH_SDIST_ZIP);
    assert_int_equal(wheelhouse_kind_of_name("a-1.0.tar.xz"), WH_SDIST_OTHER);
    assert_int_equal(wheelhouse_kind_of_name("backup.zip"), WH_NONE);
    assert_int_equal(wheelhouse_kind_of_name("a-notaversion.tar.gz"), WH_NONE);
    assert_int_equal(wheelhouse_kind_of_name(".whl"), WH_NONE);
}

static void test_walk_skips_and_venvs(void **state)
{
    (void)state;
    static const char *const skipped[] = {".git", ".hg", ".svn", "node_modules", "__pycache__",
                                          ".tox", ".nox", ".mypy_cache", ".pytest_cache",
                                          ".ruff_cache", ".eggs"};
    char rel[200];
    for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++) {
        snprintf(rel, sizeof rel, "%s/requirements.txt", skipped[i]);
        put("t2", rel);
        snprintf(rel, sizeof rel, "deep/%s/x/uv.lock", skipped[i]);
        put("t2", rel);
    }
    put("t2", ".venv/pyvenv.cfg");
    put("t2", ".venv/lib/python3.11/site-packages/x/requirements.txt"); /* not searched */
    put("t2", "envs/old/pyvenv.cfg");
    /* A venv's own directories are read through --venv, not searched; the
     * rest of it is (`python -m venv .` in a project's root). */
    put("t2", "envs/old/requirements.txt");
    put("t2", "envs/old/bin/requirements.txt");
    put("t2", "envs/old/include/requirements.txt");
    put("t2", "requirements.txt");
    warnings w = {{0}};
    int rc;
    char *got = search("t2", NULL, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "req requirements.txt\n"
                             "venv .venv\n"
                             "venv envs/old\n"
                             "req envs/old/requirements.txt\n");
    assert_null(w.text.data);
    free(got);

    /* A project root that is also a virtualenv: the venv, and the project
     * files beside it (before, a pyvenv.cfg hid the whole tree). */
    put("t2v", "pyvenv.cfg");
    put("t2v", "pyproject.toml");
    put("t2v", "sub/poetry.lock");
    put("t2v", "lib/python3.11/site-packages/x/requirements.txt"); /* not searched */
    got = search("t2v", NULL, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "venv .\n"
                             "pyproject pyproject.toml\n"
                             "lock:poetry sub/poetry.lock\n");
    free(got);

    /* A directory that is a virtualenv, or a site-packages directory, named
     * as the root is that input. */
    got = search("t2/.venv", NULL, &w, &rc);
    assert_string_equal(got, "venv .\n");
    free(got);
    got = search("t2/.venv/lib/python3.11/site-packages", NULL, &w, &rc);
    assert_string_equal(got, "path .\n");
    free(got);
}

static void test_walk_links(void **state)
{
    (void)state;
    put("t3", "sub/requirements.txt");
    put("t3", "real/prod.txt");
    link_at("t3", "..", "sub/loop");                  /* a loop */
    link_at("t3", "/", "root");                       /* another tree */
    link_at("t3", "real/prod.txt", "requirements.txt"); /* a link to a file: read */
    link_at("t3", "missing.txt", "requirements-gone.txt");
    link_at("t3", "sub/loop", "node_modules"); /* skipped by name, no warning */
    link_at("t3", "real", "notes.txt");        /* not a known name: ignored */
    /* Links out of the tree (a cloned repository's requirements.txt ->
     * /etc/shadow): not read, a warning each. */
    put("t3x", "secret.txt");
    link_at("t3", "../t3x/secret.txt", "requirements-out.txt");
    char outside[600];
    snprintf(outside, sizeof outside, "%s/t3x/secret.txt", tmp);
    link_at("t3", outside, "sub/dev-requirements.txt");
    warnings w = {{0}};
    int rc;
    char *got = search("t3", NULL, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "req requirements.txt\n"
                             "req sub/requirements.txt\n");
    free(got);
    assert_non_null(w.text.data);
    assert_non_null(strstr(w.text.data, "/t3/root: a symbolic link to a directory: not followed"));
    assert_non_null(strstr(w.text.data, "/t3/sub/loop: a symbolic link to a directory"));
    assert_non_null(strstr(w.text.data, "/t3/requirements-gone.txt: a symbolic link to nothing"));
    assert_non_null(strstr(w.text.data, "/t3/notes.txt: a symbolic link to a directory"));
    assert_null(strstr(w.text.data, "node_modules"));
    assert_non_null(strstr(w.text.data, "/t3/requirements-out.txt: a symbolic link out of the "
                                        "directory searched: not read"));
    assert_non_null(strstr(w.text.data, "/t3/sub/dev-requirements.txt: a symbolic link out of "
                                        "the directory searched: not read"));
    buf_free(&w.text);
}

static void test_walk_bounds(void **state)
{
    (void)state;
    /* 40 levels, a requirement file at each. */
    char rel[400] = "";
    for (int i = 0; i < 40; i++) {
        strcat(rel, "d/");
        char file[420];
        snprintf(file, sizeof file, "%srequirements.txt", rel);
        put("t4", file);
    }
    warnings w = {{0}};
    int rc;
    char *got = search("t4", NULL, &w, &rc); /* default depth 32 */
    assert_int_equal(rc, 0);
    size_t lines = 0;
    for (const char *s = got; (s = strchr(s, '\n')) != NULL; s++)
        lines++;
    assert_int_equal(lines, 32); /* the directories at depth 1 to 32 */
    assert_non_null(w.text.data);
    assert_non_null(strstr(w.text.data, "deeper than 32 directories: not searched"));
    free(got);
    buf_free(&w.text);

    project_limits lim = {3, PROJECT_MAX_ENTRIES};
    got = search("t4", &lim, &w, &rc);
    assert_string_equal(got, "req d/requirements.txt\n"
                             "req d/d/requirements.txt\n"
                             "req d/d/d/requirements.txt\n");
    assert_non_null(strstr(w.text.data, "/t4/d/d/d/d: deeper than 3 directories"));
    free(got);
    buf_free(&w.text);

    /* The entry bound: each level holds two entries (d and the file). */
    lim = (project_limits){PROJECT_MAX_DEPTH, 5};
    got = search("t4", &lim, &w, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "req d/requirements.txt\n"
                             "req d/d/requirements.txt\n");
    assert_non_null(strstr(w.text.data, "the search stopped after 5 directory entries"));
    /* Warned once, not once per directory left. */
    assert_null(strstr(strstr(w.text.data, "stopped after") + 1, "stopped after"));
    free(got);
    buf_free(&w.text);
}

static void test_walk_errors(void **state)
{
    (void)state;
    warnings w = {{0}};
    int rc;
    char *got = search("does-not-exist", NULL, &w, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(got, "");
    free(got);
    put("t5", "empty/");
    got = search("t5/empty", NULL, &w, &rc);
    assert_int_equal(rc, 0); /* an empty list: the caller says "nothing to scan" */
    assert_string_equal(got, "");
    free(got);
    if (geteuid() != 0) { /* root opens any directory */
        put("t5", "closed/requirements.txt");
        put("t5", "requirements.txt");
        char closed[600];
        snprintf(closed, sizeof closed, "%s/t5/closed", tmp);
        assert_int_equal(chmod(closed, 0), 0);
        got = search("t5", NULL, &w, &rc);
        chmod(closed, 0755);
        assert_int_equal(rc, 0);
        assert_string_equal(got, "req requirements.txt\n");
        assert_non_null(strstr(w.text.data, "/t5/closed: cannot open the directory"));
        free(got);
        buf_free(&w.text);
    }
}

static dependency *dep(dep_list *l, dep_kind kind, const char *name, const char *file)
{
    dependency *d = dep_list_add(l);
    d->kind = kind;
    d->name = xstrdup(name);
    d->normalized = name_canonicalize(name, strlen(name));
    d->source_file = xstrdup(file);
    return d;
}

static void test_drop_locked(void **state)
{
    (void)state;
    dep_list l = {0};
    dep(&l, DEP_DECLARED, "Requests", "p/pyproject.toml");
    dep(&l, DEP_DECLARED, "stale_only", "p/pyproject.toml"); /* not in the lock: kept */
    dep(&l, DEP_DECLARED, "flask", "q/pyproject.toml");      /* another project */
    dep(&l, DEP_LOCKED, "requests", "p/uv.lock");
    dep(&l, DEP_LOCKED, "flask", "p/uv.lock");
    dep(&l, DEP_LOCKED, "stale-only", "q/uv.lock"); /* a lock elsewhere */
    dep(&l, DEP_REQUIREMENT, "Flask", "p/requirements.txt");
    dep(&l, DEP_DECLARED, "flask", "p/pyproject.toml");
    const char *locks[] = {"p/uv.lock"};
    size_t declared;
    assert_int_equal(project_drop_locked(&l, "p/pyproject.toml", locks, 1, &declared), 2);
    assert_int_equal(declared, 3);
    assert_int_equal(l.len, 6);
    const char *expect[][2] = {{"stale_only", "p/pyproject.toml"}, {"flask", "q/pyproject.toml"},
                               {"requests", "p/uv.lock"},          {"flask", "p/uv.lock"},
                               {"stale-only", "q/uv.lock"},        {"Flask", "p/requirements.txt"}};
    for (size_t i = 0; i < l.len; i++) {
        assert_string_equal(l.items[i].name, expect[i][0]);
        assert_string_equal(l.items[i].source_file, expect[i][1]);
    }
    /* No lock beside it: nothing dropped, all counted. */
    assert_int_equal(project_drop_locked(&l, "q/pyproject.toml", NULL, 0, &declared), 0);
    assert_int_equal(declared, 1);
    dep_list_free(&l);
}

static dependency *dep_at(dep_list *l, dep_kind kind, const char *name, const char *file,
                          const char *ver, const char *source_kind)
{
    dependency *d = dep(l, kind, name, file);
    airlock_error e;
    assert_int_equal(version_parse(&d->version, ver, strlen(ver), &e), 0);
    d->has_version = true;
    d->version_text = xstrdup(ver);
    d->source_kind = source_kind ? xstrdup(source_kind) : NULL;
    return d;
}

/* A declared exact pin is checked unless the lock pins the same version
 * from the registry: a lock at another version, or from git, is stale or
 * for another target, and hid a vulnerable django==4.2.1. */
static void test_drop_locked_exact_pins(void **state)
{
    (void)state;
    dep_list l = {0};
    dep_at(&l, DEP_DECLARED, "django", "p/pyproject.toml", "4.2.1", NULL);
    dep_at(&l, DEP_DECLARED, "flask", "p/pyproject.toml", "3.0.0", NULL);
    dep_at(&l, DEP_DECLARED, "six", "p/pyproject.toml", "1.16.0", NULL);
    dep_at(&l, DEP_LOCKED, "Django", "p/poetry.lock", "99.0", "registry");
    dep_at(&l, DEP_LOCKED, "flask", "p/poetry.lock", "3.0", "registry"); /* equal: 3.0 == 3.0.0 */
    dep_at(&l, DEP_LOCKED, "six", "p/poetry.lock", "1.16.0", "git");
    const char *locks[] = {"p/poetry.lock"};
    size_t declared;
    assert_int_equal(project_drop_locked(&l, "p/pyproject.toml", locks, 1, &declared), 1);
    assert_int_equal(declared, 3);
    assert_int_equal(l.len, 5);
    assert_string_equal(l.items[0].name, "django"); /* kept: the lock pins 99.0 */
    assert_string_equal(l.items[1].name, "six");    /* kept: the lock's is a git source */
    dep_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_walk_order_and_names),
        cmocka_unit_test(test_walk_wheelhouse),
        cmocka_unit_test(test_walk_skips_and_venvs),
        cmocka_unit_test(test_walk_links),
        cmocka_unit_test(test_walk_bounds),
        cmocka_unit_test(test_walk_errors),
        cmocka_unit_test(test_drop_locked),
        cmocka_unit_test(test_drop_locked_exact_pins),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
