/*
 * test_vulndb - the reader on damaged databases: every truncation of a value
 * and flipped bytes are errors or plain answers, never crashes or overreads
 * (run under ASan), and the message says the database is damaged. And the
 * reader's two ways to a value (LMDB for the first look-ups, its in-memory
 * tables of every package and advisory after that) give the same answers.
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

/* Replace the value of `key` in database `name`. */
static void poke(const char *name, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    mdb_env_set_mapsize(env, (size_t)1 << 32);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* A copy of a value. */
static void *peek(const char *name, const void *key, size_t klen, size_t *vlen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
    MDB_val k = {klen, (void *)key}, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    void *copy = xmalloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    *vlen = v.mv_size;
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return copy;
}

static void fresh_db(void)
{
    unlink(path);
    char a[4096];
    const char *data = getenv("AIRLOCK_TEST_DATA");
    snprintf(a, sizeof a, "%s/compile/basic", data ? data : "tests/data");
    const char *src = a;
    compile_options opt = {.build_time = 1};
    compile_totals tot;
    airlock_error err;
    if (compile_sources(&src, 1, &opt, path, NULL, &tot, &err) != 0)
        fail_msg("%s", err.msg);
}

/* Look up foo-bar 1.0 and find PYSEC-2099-1: returns the lookup's result. */
static int probe(airlock_error *err)
{
    vulndb *db;
    if (vulndb_open(path, &db, err) != 0)
        return -2;
    version v;
    assert_int_equal(version_parse(&v, "1.0", 3, err), 0);
    vulndb_hits h;
    int n = vulndb_lookup(db, "foo-bar", &v, &h, err);
    if (n >= 0)
        vulndb_hits_free(&h);
    vulndb_advisory a;
    int f = vulndb_find(db, "CVE-2099-1", &a, err);
    if (f == 1)
        vulndb_advisory_clear(&a);
    version_clear(&v);
    vulndb_close(db);
    return n < 0 ? n : (f < 0 ? f : n);
}

static void test_truncated_pkg_values(void **state)
{
    (void)state;
    fresh_db();
    size_t len;
    uint8_t *orig = peek("pkg", "foo-bar", 7, &len);
    airlock_error err;
    assert_int_equal(probe(&err), 1);
    size_t errors = 0;
    for (size_t cut = 0; cut < len; cut++) {
        poke("pkg", "foo-bar", 7, orig, cut);
        int r = probe(&err);
        assert_true(r >= -1);
        if (r == -1) {
            errors++;
            assert_non_null(strstr(err.msg, "damaged database"));
        }
    }
    /* Every proper prefix leaves bytes unread or runs out: all detected. */
    assert_int_equal(errors, len);
    /* Flipped bytes: never a crash. */
    for (size_t i = 0; i < len; i++) {
        uint8_t *copy = xmalloc(len);
        memcpy(copy, orig, len);
        copy[i] ^= 0xff;
        poke("pkg", "foo-bar", 7, copy, len);
        assert_true(probe(&err) >= -1);
        free(copy);
    }
    free(orig);
}

static void test_truncated_advisory(void **state)
{
    (void)state;
    fresh_db();
    uint8_t key[4] = {0, 0, 0, 0};
    size_t len;
    /* Group numbers follow primary IDs: find CVE-2099-1's group. */
    uint8_t *gv = peek("ids", "CVE-2099-1", 10, &len);
    assert_int_equal(len, 4);
    memcpy(key, gv, 4);
    free(gv);
    uint8_t *orig = peek("adv", key, 4, &len);
    airlock_error err;
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8) {
        poke("adv", key, 4, orig, cut);
        assert_int_equal(probe(&err), -1);
        assert_non_null(strstr(err.msg, "damaged database"));
    }
    poke("ids", "CVE-2099-1", 10, "abc", 3);
    assert_int_equal(probe(&err), -1);
    free(orig);
}

static void test_bad_meta(void **state)
{
    (void)state;
    airlock_error err;
    fresh_db();
    poke("meta", "sources", 7, "\x05\x01", 2);
    assert_int_equal(probe(&err), -2);
    assert_non_null(strstr(err.msg, "damaged database"));
    fresh_db();
    poke("meta", "schema", 6, "1x", 2);
    assert_int_equal(probe(&err), -2);
    fresh_db();
    poke("meta", "build_time", 10, "", 0);
    assert_int_equal(probe(&err), -2);
}

/* ---- look-ups before and after the in-memory tables ---- */

#define N_PKGS 80

/* N_PKGS records, PYSEC-2099-<1000+i> for pkg-<i>: affected below 2.0
 * and from 2.5 to 3.0. */
static void many_packages_db(void)
{
    char src[128];
    snprintf(src, sizeof src, "%s/many", dir);
    assert_int_equal(mkdir(src, 0700), 0);
    for (int i = 0; i < N_PKGS; i++) {
        char file[256];
        snprintf(file, sizeof file, "%s/PYSEC-2099-%d.json", src, 1000 + i);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fprintf(f,
                "{\"id\": \"PYSEC-2099-%d\", \"modified\": \"2021-06-01T00:00:00Z\",\n"
                " \"summary\": \"flaw %d\",\n"
                " \"affected\": [{\"package\": {\"name\": \"pkg-%d\", \"ecosystem\": \"PyPI\"},\n"
                "  \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"},\n"
                "   {\"fixed\": \"2.0\"}, {\"introduced\": \"2.5\"}, {\"fixed\": \"3.0\"}]}]}]}\n",
                1000 + i, i, i);
        assert_int_equal(fclose(f), 0);
    }
    unlink(path);
    const char *from = src;
    compile_options opt = {.build_time = 1};
    compile_totals tot;
    airlock_error err;
    if (compile_sources(&from, 1, &opt, path, NULL, &tot, &err) != 0)
        fail_msg("%s", err.msg);
    for (int i = 0; i < N_PKGS; i++) {
        char file[256];
        snprintf(file, sizeof file, "%s/PYSEC-2099-%d.json", src, 1000 + i);
        unlink(file);
    }
    rmdir(src);
}

static int lookup(vulndb *db, const char *name, const char *ver, vulndb_hits *h)
{
    version v;
    airlock_error err;
    assert_int_equal(version_parse(&v, ver, strlen(ver), &err), 0);
    int n = vulndb_lookup(db, name, &v, h, &err);
    int c = vulndb_count_affecting(db, name, &v, &err);
    version_clear(&v);
    assert_int_equal(n, c);
    return n;
}

/* Every answer for package i, whichever way the handle finds it. */
static void check_package(vulndb *db, int i)
{
    char name[32], odd[32], miss[32], id[32];
    snprintf(name, sizeof name, "pkg-%d", i);
    snprintf(odd, sizeof odd, "Pkg_%d", i); /* normalised by the reader */
    snprintf(miss, sizeof miss, "pkg-%d-nope", i);
    snprintf(id, sizeof id, "PYSEC-2099-%d", 1000 + i);
    vulndb_hits h;
    assert_int_equal(lookup(db, name, "1.0", &h), 1);
    assert_string_equal(h.items[0].adv.id, id);
    assert_int_equal(h.items[0].n_fix_versions, 2);
    assert_string_equal(h.items[0].fix_versions[0], "2.0");
    assert_string_equal(h.items[0].fix_versions[1], "3.0");
    assert_int_equal(h.items[0].adv.n_packages, 1);
    assert_string_equal(h.items[0].adv.packages[0].name, name);
    vulndb_hits_free(&h);
    assert_int_equal(lookup(db, odd, "2.7", &h), 1);
    assert_int_equal(h.items[0].n_fix_versions, 1);
    assert_string_equal(h.items[0].fix_versions[0], "3.0");
    vulndb_hits_free(&h);
    assert_int_equal(lookup(db, name, "2.2", &h), 0);
    assert_null(h.items);
    assert_int_equal(lookup(db, miss, "1.0", &h), 0);
    vulndb_advisory a;
    airlock_error err;
    assert_int_equal(vulndb_find(db, id, &a, &err), 1);
    assert_string_equal(a.id, id);
    vulndb_advisory_clear(&a);
}

static void test_lookup_tables(void **state)
{
    (void)state;
    many_packages_db();
    airlock_error err;
    /* The first N_PKGS / 8 look-ups of a handle go to LMDB, the rest to
     * its tables: in this order and in the reverse one on a new handle,
     * each package is found both ways. */
    for (int order = 0; order < 2; order++) {
        vulndb *db;
        assert_int_equal(vulndb_open(path, &db, &err), 0);
        for (int k = 0; k < N_PKGS; k++)
            check_package(db, order == 0 ? k : N_PKGS - 1 - k);
        vulndb_close(db);
    }
}

/* The pool's three paths: requests cut from the current chunk, one too
 * large for the room left (a new chunk), and one over a quarter of a chunk
 * (a chunk of its own, linked behind the current one, so the small
 * requests after it still come from the current chunk). Every byte stays
 * where it was written (ASan sees any overlap or overrun), and the pool is
 * usable again after vulndb_pool_free(). */
static void test_pool_paths(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        vulndb_pool pool = {0};
        enum { N = 64 };
        static const size_t sizes[N] = {1, 7, 16, 17, 100, 3000, 20000, 1, 65536, 5,
                                        16385, 16383, 40000, 2, 9000, 70000};
        unsigned char *got[N];
        size_t n[N];
        int large = 0;
        for (int i = 0; i < N; i++) {
            n[i] = sizes[i % 16] + (size_t)i;
            char *at = pool.at, *end = pool.end;
            bool fits = at != NULL && n[i] <= (size_t)(end - at);
            got[i] = vulndb_pool_alloc(&pool, n[i]);
            assert_non_null(got[i]);
            assert_int_equal((uintptr_t)got[i] % _Alignof(max_align_t), 0);
            memset(got[i], i + 1, n[i]);
            if (fits) /* cut from the current chunk */
                assert_ptr_equal(got[i], at);
            else if (n[i] > 16 * 1024 && at != NULL) { /* a chunk of its own */
                assert_ptr_equal(pool.at, at);
                large++;
            }
        }
        assert_true(large >= 3); /* else the path is not tested */
        for (int i = 0; i < N; i++)
            for (size_t b = 0; b < n[i]; b++)
                if (got[i][b] != (unsigned char)(i + 1))
                    fail_msg("block %d byte %zu overwritten", i, b);
        char *s = vulndb_pool_strndup(&pool, "abcdef", 3);
        assert_string_equal(s, "abc");
        vulndb_pool_free(&pool);
        assert_null(pool.chunks);
        assert_null(pool.at);
    }
}

int main(void)
{
    strcpy(dir, "/tmp/test_vulndb.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/db.mdb", dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_pkg_values),
        cmocka_unit_test(test_truncated_advisory),
        cmocka_unit_test(test_bad_meta),
        cmocka_unit_test(test_lookup_tables),
        cmocka_unit_test(test_pool_paths),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    rmdir(dir);
    return rc;
}
