/*
 * Minimal compile step (placeholder for the OSV compiler): writes an LMDB
 * file holding only a "meta" database with the schema version and the names
 * of the sources, so that the snapshot container can be built and tested.
 */
#include "dbbuild/compile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

static int put_text(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *value)
{
    MDB_val k = {strlen(key), (void *)key};
    MDB_val v = {strlen(value), (void *)value};
    return mdb_put(txn, dbi, &k, &v, 0);
}

int compile_sources(const char *const *sources, size_t nsources,
                    const compile_options *opt, const char *mdb_path,
                    diag *d, compile_totals *totals, airlock_error *err)
{
    (void)d;
    memset(totals, 0, sizeof *totals);
    if (access(mdb_path, F_OK) == 0)
        return error_set(err, "%s: already exists", mdb_path);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    int rc = mdb_env_create(&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, 8);
    if (rc == 0)
        rc = mdb_env_open(env, mdb_path, MDB_NOSUBDIR | MDB_NOLOCK, 0644);
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &dbi);
    if (rc == 0)
        rc = put_text(txn, dbi, "schema", "0");
    char when[32];
    snprintf(when, sizeof when, "%" PRId64, opt->build_time);
    if (rc == 0)
        rc = put_text(txn, dbi, "build_time", when);
    for (size_t i = 0; rc == 0 && i < nsources; i++) {
        char key[32];
        snprintf(key, sizeof key, "source.%zu", i);
        rc = put_text(txn, dbi, key, sources[i]);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (env != NULL)
        mdb_env_close(env);
    if (rc != 0)
        return error_set(err, "%s: %s", mdb_path, mdb_strerror(rc));
    return 0;
}

int db_describe(const char *mdb_path, FILE *out, airlock_error *err)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_cursor *cur = NULL;
    int rc = mdb_env_create(&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, 8);
    if (rc == 0)
        rc = mdb_env_open(env, mdb_path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0644);
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", 0, &dbi);
    if (rc == 0)
        rc = mdb_cursor_open(txn, dbi, &cur);
    MDB_val k, v;
    while (rc == 0 && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0)
        fprintf(out, "%.*s: %.*s\n", (int)k.mv_size, (const char *)k.mv_data,
                (int)v.mv_size, (const char *)v.mv_data);
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (env != NULL)
        mdb_env_close(env);
    if (rc != 0)
        return error_set(err, "%s: %s", mdb_path, mdb_strerror(rc));
    return 0;
}
