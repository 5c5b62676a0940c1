/*
 * test_releases - release data end to end at the library level: a database
 * compiled with --index from the saved pages in tests/data/index/pages is
 * read back through vulndb_get_releases(); one compiled without it still
 * scans and has no release data; a damaged "rel" value is an error, never
 * a crash (every truncation, under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/buf.h"
#include "core/version.h"
#include "dbbuild/compile.h"
#include "db/vulndb.h"

static char dir[64];
static char path[128];
static char osv[4096], pages[4096];

static void compile_db(bool with_index, diag *d)
{
    unlink(path);
    const char *src = osv;
    const char *idx = pages;
    compile_options opt = {.build_time = 1, .indexes = with_index ? &idx : NULL,
                           .n_indexes = with_index ? 1 : 0};
    compile_totals tot;
    airlock_error err;
    if (compile_sources(&src, 1, &opt, path, d, &tot, &err) != 0)
        fail_msg("%s", err.msg);
    if (with_index) {
        assert_int_equal(tot.index_projects, 4);
        assert_int_equal(tot.index_pages_skipped, 3); /* broken.json, future/ (API 2.0), werkzeug/index.html */
        assert_int_equal(tot.index_items_dropped, 1); /* requests-latest.tar.gz */
    }
}

static vulndb *open_db(void)
{
    vulndb *db;
    airlock_error err;
    if (vulndb_open(path, &db, &err) != 0)
        fail_msg("%s", err.msg);
    return db;
}

static const vulndb_release *find(const vulndb_releases *r, const char *v)
{
    for (size_t i = 0; i < r->len; i++)
        if (strcmp(r->items[i].version, v) == 0)
            return &r->items[i];
    fail_msg("release %s missing", v);
    return NULL;
}

static void test_read_back(void **state)
{
    (void)state;
    diag d = {0};
    d.fn = NULL;
    compile_db(true, &d);
    vulndb *db = open_db();
    airlock_error err;
    assert_int_equal(vulndb_has_releases(db), 1);

    vulndb_releases r = {0};
    /* Any spelling of the name. */
    assert_int_equal(vulndb_get_releases(db, "Flask", &r, &err), 6);
    assert_string_equal(r.items[0].version, "0.1"); /* PEP 700 versions only: no files */
    assert_int_equal(r.items[0].n_files, 0);
    assert_false(r.items[0].yanked);
    assert_string_equal(r.items[0].upload_time, "");
    for (size_t i = 1; i < r.len; i++)
        assert_true(version_compare(&r.items[i - 1].v, &r.items[i].v) < 0);
    const vulndb_release *x = find(&r, "2.2.5");
    assert_int_equal(x->n_files, 2);
    assert_string_equal(x->files[0].filename, "Flask-2.2.5-py3-none-any.whl");
    assert_string_equal(x->files[1].filename, "Flask-2.2.5.tar.gz");
    assert_string_equal(x->files[1].sha256,
                        "eee2d9afa9b561cad391e84924fe377dec67cc997e1cc900c02db459ebecd294");
    assert_string_equal(x->upload_time, "2023-05-02T17:18:34Z"); /* the earlier file */
    assert_string_equal(x->requires_python, ">=3.7");
    x = find(&r, "3.0.0");
    assert_string_equal(x->files[0].filename, "flask-3.0.0-py3-none-any.whl");
    assert_string_equal(x->requires_python, ">=3.8");
    vulndb_releases_free(&r);

    /* File-name versions (API 1.0), yanked with a reason. */
    assert_int_equal(vulndb_get_releases(db, "requests", &r, &err), 3);
    x = find(&r, "2.32.0");
    assert_true(x->yanked);
    assert_string_equal(x->yank_reason, "Yanked due to conflicts with CVE-2024-35195 mitigation");
    assert_string_equal(x->upload_time, "");
    assert_false(find(&r, "2.32.3")->yanked);
    assert_string_equal(find(&r, "2.31.0")->requires_python, ">=3.7");
    vulndb_releases_free(&r);

    /* Yanked without a reason; one file yanked is not the release. */
    assert_int_equal(vulndb_get_releases(db, "jinja2", &r, &err), 4);
    x = find(&r, "3.0.0rc1");
    assert_true(x->yanked);
    assert_string_equal(x->yank_reason, "");
    assert_true(version_is_prerelease(&x->v));
    assert_false(find(&r, "3.1.3")->yanked);
    x = find(&r, "3.1.4");
    assert_int_equal(x->n_files, 2);
    assert_string_equal(x->files[1].filename, "jinja2-3.1.4.tar.gz");
    assert_string_equal(x->files[1].sha256, ""); /* no hashes on the page */
    vulndb_releases_free(&r);

    /* Dotted names, build tags, .zip sdists. */
    assert_int_equal(vulndb_get_releases(db, "ZOPE_interface", &r, &err), 2);
    x = find(&r, "7.0.1");
    assert_int_equal(x->n_files, 2);
    assert_string_equal(x->files[0].filename, "zope.interface-7.0.1.zip");
    assert_string_equal(x->files[1].filename, "zope_interface-7.0.1-1-cp312-cp312-macosx_11_0_arm64.whl");
    assert_string_equal(x->upload_time, "2024-08-01T08:59:00Z");
    vulndb_releases_free(&r);

    assert_int_equal(vulndb_get_releases(db, "no-such-project", &r, &err), 0);
    assert_int_equal(r.len, 0);
    vulndb_releases_free(&r);
    assert_int_equal(vulndb_get_releases(db, "not a name!", &r, &err), 0);
    vulndb_releases_free(&r);

    vulndb_info info;
    assert_int_equal(vulndb_get_info(db, &info, &err), 0);
    assert_int_equal(info.n_indexes, 1);
    assert_string_equal(info.indexes[0].name, "pages"); /* its name, not its path */
    assert_int_equal(strlen(info.indexes[0].sha256), 64);
    assert_int_equal(info.indexes[0].projects, 4);
    assert_int_equal(info.indexes[0].releases, 15);
    vulndb_info_clear(&info);
    vulndb_close(db);
    assert_true(d.warnings >= 3);
}

/* A database without release data opens, scans, and says so. */
static void test_without_index(void **state)
{
    (void)state;
    compile_db(false, NULL);
    vulndb *db = open_db();
    airlock_error err;
    assert_int_equal(vulndb_has_releases(db), 0);
    vulndb_releases r = {0};
    assert_int_equal(vulndb_get_releases(db, "flask", &r, &err), 0);
    assert_int_equal(r.len, 0);
    vulndb_releases_free(&r);
    version v;
    assert_int_equal(version_parse(&v, "1.0", 3, &err), 0);
    assert_true(vulndb_count_affecting(db, "foo-bar", &v, &err) > 0);
    version_clear(&v);
    vulndb_info info;
    assert_int_equal(vulndb_get_info(db, &info, &err), 0);
    assert_int_equal(info.n_indexes, 0);
    assert_null(info.indexes);
    vulndb_info_clear(&info);
    vulndb_close(db);
}

/* The same sources give the same bytes, release data included. */
static void test_deterministic(void **state)
{
    (void)state;
    compile_db(true, NULL);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    buf a = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&a, chunk, n);
    fclose(f);
    compile_db(true, NULL);
    f = fopen(path, "rb");
    assert_non_null(f);
    buf b = {0};
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    buf_free(&a);
    buf_free(&b);
}

static void write_page(const char *file, const char *name, const char *ver)
{
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fprintf(f, "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"%s\",\"files\":"
               "[{\"filename\":\"%s-%s.tar.gz\"}]}", name, name, ver);
    fclose(f);
}

/* Two pages for one project: the first DIR given wins, then the first
 * RELPATH; the counts say what was kept. Symbolic links are not followed. */
static void test_duplicates(void **state)
{
    (void)state;
    char other[128], p1[192], p2[192], p3[192], sub[160], link[192];
    snprintf(other, sizeof other, "%s/other", dir);
    snprintf(sub, sizeof sub, "%s/Flask", other);
    snprintf(p1, sizeof p1, "%s/Flask/index.json", other);
    snprintf(p2, sizeof p2, "%s/flask.json", other);
    snprintf(p3, sizeof p3, "%s/extra.json", other);
    snprintf(link, sizeof link, "%s/requests.json", other);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_page(p1, "Flask", "9.0");  /* "Flask/index.json" sorts before "flask.json" */
    write_page(p2, "flask", "8.0");
    write_page(p3, "extra", "1.0");
    char target[4200];
    snprintf(target, sizeof target, "%s/requests/index.json", pages);
    assert_int_equal(symlink(target, link), 0);

    unlink(path);
    const char *src = osv;
    const char *idx[2] = {other, pages};
    compile_options opt = {.build_time = 1, .indexes = idx, .n_indexes = 2};
    compile_totals tot;
    airlock_error err;
    diag d = {0};
    if (compile_sources(&src, 1, &opt, path, &d, &tot, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(tot.index_projects, 5); /* flask, extra; requests, jinja2, zope-interface */
    assert_int_equal(tot.index_pages_skipped, 4); /* the link, and the three of `pages` */
    vulndb *db = open_db();
    vulndb_releases r = {0};
    assert_int_equal(vulndb_get_releases(db, "flask", &r, &err), 1);
    assert_string_equal(r.items[0].version, "9.0");
    vulndb_releases_free(&r);
    assert_int_equal(vulndb_get_releases(db, "requests", &r, &err), 3); /* from `pages` */
    vulndb_releases_free(&r);
    vulndb_info info;
    assert_int_equal(vulndb_get_info(db, &info, &err), 0);
    assert_int_equal(info.n_indexes, 2);
    assert_int_equal(info.indexes[0].projects, 2);
    assert_int_equal(info.indexes[0].releases, 2);
    assert_int_equal(info.indexes[1].projects, 3);
    assert_int_equal(info.indexes[1].releases, 15 - 6);
    vulndb_info_clear(&info);
    vulndb_close(db);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(link);
    rmdir(sub);
    rmdir(other);
}

static void rel_value(MDB_val *out, buf *copy)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rel", 0, &dbi), 0);
    MDB_val k = {5, "flask"};
    assert_int_equal(mdb_get(txn, dbi, &k, out), 0);
    buf_reset(copy);
    buf_append(copy, out->mv_data, out->mv_size);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

static void put_rel(const void *val, size_t len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, (size_t)1 << 32);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "rel", 0, &dbi), 0);
    MDB_val k = {5, "flask"}, v = {len, (void *)val};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* Every truncation and every byte flipped: an error or an answer. */
static void test_damaged(void **state)
{
    (void)state;
    compile_db(true, NULL);
    MDB_val v;
    buf orig = {0};
    rel_value(&v, &orig);
    for (size_t cut = 0; cut < orig.len; cut++) {
        put_rel(orig.data, cut);
        vulndb *db = open_db();
        vulndb_releases r = {0};
        airlock_error err;
        int n = vulndb_get_releases(db, "flask", &r, &err);
        /* A value must decode exactly: any cut is damage. */
        assert_int_equal(n, -1);
        assert_non_null(strstr(err.msg, "damaged database"));
        vulndb_releases_free(&r);
        vulndb_close(db);
    }
    uint8_t *copy = xmalloc(orig.len);
    for (size_t at = 0; at < orig.len; at += 3) {
        memcpy(copy, orig.data, orig.len);
        copy[at] ^= 0xa5;
        put_rel(copy, orig.len);
        vulndb *db = open_db();
        vulndb_releases r = {0};
        airlock_error err;
        int n = vulndb_get_releases(db, "flask", &r, &err);
        for (int i = 0; i < n; i++)
            for (size_t k = 0; k < r.items[i].n_files; k++)
                assert_true(strlen(r.items[i].files[k].sha256) == 0 ||
                            strlen(r.items[i].files[k].sha256) == 64);
        vulndb_releases_free(&r);
        vulndb_close(db);
    }
    free(copy);
    buf_free(&orig);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/airlock-rel.XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    const char *data = getenv("AIRLOCK_TEST_DATA");
    snprintf(osv, sizeof osv, "%s/compile/basic", data ? data : "tests/data");
    snprintf(pages, sizeof pages, "%s/index/pages", data ? data : "tests/data");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_without_index),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_duplicates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
