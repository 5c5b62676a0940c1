/*
 * airlock db - import a signed snapshot, show and verify the installed
 * database. The work is in signatures/store.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <lmdb.h>
#include <sodium.h>

#include "core/diag.h"
#include "core/text.h"
#include "db/vulndb.h"
#include "scanner/commands.h"
#include "signatures/store.h"

static const char usage[] =
    "usage: airlock [--db-dir DIR] db import SNAPSHOT|DIR [--signature FILE]\n"
    "                                 [--trusted-key PUBFILE]... [--allow-downgrade]\n"
    "                                 [--lock-wait SECONDS]\n"
    "       airlock [--db-dir DIR] db status [--format text|json]\n"
    "       airlock [--db-dir DIR] db verify [--trusted-key PUBFILE]...\n"
    "\n"
    "import   verify a signed snapshot and install it atomically (its\n"
    "         signature: --signature, else SNAPSHOT.minisig beside the file\n"
    "         SNAPSHOT names, links followed). Given a\n"
    "         directory, every SNAPSHOT with a SNAPSHOT.minisig in it is a\n"
    "         candidate and the newest valid one is imported. Trusted keys:\n"
    "         --trusted-key, the directory $AIRLOCK_TRUSTED_KEYS and\n"
    "         /etc/airlock/trusted-keys/*.pub. A lower sequence than the\n"
    "         installed one is refused unless --allow-downgrade. Another\n"
    "         import into DIR is waited for at most --lock-wait seconds\n"
    "         (default 300).\n"
    "status   show the installed snapshot: sequence, build time and age, signer\n"
    "         key id, digests, record counts and the index sources of its\n"
    "         release data, if any.\n"
    "verify   re-check the installed database against its signed digest, and\n"
    "         that its signer is trusted as a scan trusts it (the directories\n"
    "         above and the --trusted-key files the import recorded) or by a\n"
    "         --trusted-key given here.\n"
    "\n"
    "Examples:\n"
    "  airlock db import /media/usb --trusted-key /etc/airlock/trusted-keys/ci.pub\n"
    "  airlock db import pypi.snapshot --signature pypi.snapshot.minisig\n"
    "  airlock db status --format json\n"
    "  airlock db verify\n";

#define MAX_KEYS 64
#define DEFAULT_LOCK_WAIT 300 /* seconds; an import of a large snapshot takes ~10 */

/* A JSON integer: cJSON keeps numbers as doubles, which round past 2^53. */
static void add_u64(cJSON *o, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, v);
    cJSON_AddRawToObject(o, name, text);
}

static void add_i64(cJSON *o, const char *name, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, v);
    cJSON_AddRawToObject(o, name, text);
}

static void fmt_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%" PRId64, t);
}

/* Entries of each named database, via the main database's keys, if the
 * file LMDB opens is `id`, the one the store verified. */
/* Returns 0, or -1 when the file is not the verified one or LMDB cannot
 * read it (said on `text`, or on stderr for JSON). */
static int count_records(const char *path, const struct stat *id, cJSON *obj, FILE *text)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_dbi main_dbi;
    int rc = mdb_env_create(&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, 64);
    if (rc == 0)
        rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0444);
    int fd;
    airlock_error err;
    if (rc == 0 && (rc = mdb_env_get_fd(env, &fd)) == 0 &&
        vulndb_check_file(fd, path, id, &err) != 0) {
        FILE *to = text != NULL ? text : stderr;
        fputs("  (cannot read: ", to);
        text_safe_fputs(err.msg, to, 0);
        fputs(")\n", to);
        mdb_env_close(env);
        return -1;
    }
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (rc == 0)
        rc = mdb_cursor_open(txn, main_dbi, &cur);
    MDB_val k, v;
    while (rc == 0 && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        char name[256];
        if (k.mv_size == 0 || k.mv_size >= sizeof name || memchr(k.mv_data, '\0', k.mv_size))
            continue;
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        MDB_dbi dbi;
        MDB_stat st;
        if (mdb_dbi_open(txn, name, 0, &dbi) != 0 || mdb_stat(txn, dbi, &st) != 0)
            continue;
        if (obj != NULL)
            add_u64(obj, name, (uint64_t)st.ms_entries);
        if (text != NULL)
            fprintf(text, "  %-20s %zu\n", name, st.ms_entries);
    }
    if (rc != 0)
        fprintf(text != NULL ? text : stderr, "  (cannot read: %s)\n", mdb_strerror(rc));
    if (cur != NULL)
        mdb_cursor_close(cur);
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (env != NULL)
        mdb_env_close(env);
    return rc != 0 ? -1 : 0;
}

/* The index sources (release data, `airlock-dbbuild build --index`). */
static void show_indexes(const char *path, const struct stat *id, cJSON *obj, FILE *text)
{
    vulndb *db = NULL;
    vulndb_info vi;
    airlock_error err;
    if (vulndb_open_expect(path, id, &db, &err) != 0 || vulndb_get_info(db, &vi, &err) != 0) {
        vulndb_close(db);
        if (text != NULL) {
            fputs("release data:    (cannot read: ", text);
            text_safe_fputs(err.msg, text, 0);
            fputs(")\n", text);
        }
        return;
    }
    bool has = vulndb_has_releases(db) == 1;
    cJSON *arr = obj != NULL ? cJSON_CreateArray() : NULL;
    if (text != NULL)
        fprintf(text, "release data:    %s\n", has ? "yes, from:" : "none (built without --index)");
    for (size_t i = 0; i < vi.n_indexes; i++) {
        const vulndb_index_source *x = &vi.indexes[i];
        if (arr != NULL) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", x->name);
            cJSON_AddStringToObject(e, "sha256", x->sha256);
            add_u64(e, "projects", x->projects);
            add_u64(e, "releases", x->releases);
            cJSON_AddItemToArray(arr, e);
        }
        if (text != NULL) {
            fputs("  ", text);
            text_safe_fputs(x->name, text, 0);
            fprintf(text, "\n    sha256 %s, %" PRIu64 " projects, %" PRIu64 " releases\n",
                    x->sha256, x->projects, x->releases);
        }
    }
    if (obj != NULL) {
        cJSON_AddBoolToObject(obj, "release_data", has);
        cJSON_AddItemToObject(obj, "indexes", arr);
    }
    vulndb_info_clear(&vi);
    vulndb_close(db);
}

static int db_status(const char *dir, int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
                fprintf(stderr, "airlock db status: unknown format '%s'\n", f);
                return EXIT_ERROR;
            }
            json = strcmp(f, "json") == 0;
        } else if (strcmp(argv[i], "--format=json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "airlock db status: unexpected argument '%s'\n\n%s", argv[i], usage);
            return EXIT_ERROR;
        }
    }
    airlock_error err;
    error_clear(&err);
    store *s;
    if (store_open(dir, 0, &s, &err) != 0) {
        diag_error("airlock", err.msg);
        return EXIT_ERROR;
    }
    const store_info *in = store_get_info(s);
    int64_t age;
    airlock_error warn;
    error_clear(&warn);
    int stale = store_check_age(in, (int64_t)time(NULL), -1, &age, &warn);
    bool unreadable = false; /* fail closed: the status of a database that cannot be read is 2 */
    char when[64];
    fmt_time(in->build_time, when, sizeof when);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "db_dir", dir);
        cJSON_AddNumberToObject(o, "format", in->format);
        add_u64(o, "sequence", in->sequence);
        add_i64(o, "build_time", in->build_time);
        cJSON_AddStringToObject(o, "build_time_utc", when);
        add_i64(o, "age_days", age);
        cJSON_AddStringToObject(o, "signer_key_id", in->key_id);
        cJSON_AddStringToObject(o, "snapshot_blake2b", in->snapshot_digest);
        cJSON_AddStringToObject(o, "db_blake2b", in->db_digest);
        add_u64(o, "db_size", in->db_size);
        cJSON_AddStringToObject(o, "db_path", store_data_path(s));
        cJSON_AddItemToObject(o, "records", cJSON_CreateObject());
        unreadable = count_records(store_data_path(s), store_data_identity(s),
                                   cJSON_GetObjectItem(o, "records"), NULL) != 0;
        show_indexes(store_data_path(s), store_data_identity(s), o, NULL);
        if (stale != 0)
            cJSON_AddStringToObject(o, "warning", warn.msg);
        char *t = cJSON_Print(o);
        puts(t);
        free(t);
        cJSON_Delete(o);
    } else {
        printf("database:        %s\n", store_data_path(s));
        printf("sequence:        %" PRIu64 "\n", in->sequence);
        printf("built:           %s (%" PRId64 " days ago)\n", when, age);
        printf("signer key id:   %s\n", in->key_id);
        printf("snapshot b2sum:  %s\n", in->snapshot_digest);
        printf("database b2sum:  %s\n", in->db_digest);
        printf("database size:   %" PRIu64 " bytes (format %" PRIu32 ")\n", in->db_size,
               in->format);
        printf("records:\n");
        unreadable = count_records(store_data_path(s), store_data_identity(s), NULL, stdout) != 0;
        show_indexes(store_data_path(s), store_data_identity(s), NULL, stdout);
        if (stale != 0)
            diag_error("airlock: warning", warn.msg);
    }
    store_close(s);
    return unreadable ? EXIT_ERROR : EXIT_OK;
}

static int db_verify(const char *dir, int argc, char **argv)
{
    const char *keys[MAX_KEYS];
    size_t nkeys = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trusted-key") == 0 && i + 1 < argc && nkeys < MAX_KEYS) {
            keys[nkeys++] = argv[++i];
        } else {
            fprintf(stderr, "airlock db verify: unexpected argument '%s'\n\n%s", argv[i], usage);
            return EXIT_ERROR;
        }
    }
    airlock_error err;
    error_clear(&err);
    store_info info;
    if (store_verify(dir, keys, nkeys, &info, &err) != 0) {
        diag_error("airlock: verification FAILED", err.msg);
        return EXIT_ERROR;
    }
    printf("OK: sequence %" PRIu64 ", signed by key %s, database digest matches (%" PRIu64
           " bytes)\n", info.sequence, info.key_id, info.db_size);
    return EXIT_OK;
}

static int db_import(const char *dir, int argc, char **argv)
{
    const char *keys[MAX_KEYS];
    store_import_options opt = {.trusted_keys = keys, .log = stderr,
                                .lock_wait_seconds = DEFAULT_LOCK_WAIT};
    const char *source = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--trusted-key") == 0 && i + 1 < argc) {
            if (opt.ntrusted_keys == MAX_KEYS) {
                fprintf(stderr, "airlock db import: too many --trusted-key\n");
                return EXIT_ERROR;
            }
            keys[opt.ntrusted_keys++] = argv[++i];
        } else if (strcmp(a, "--signature") == 0 && i + 1 < argc) {
            opt.signature = argv[++i];
        } else if (strcmp(a, "--lock-wait") == 0 && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            errno = 0;
            unsigned long w = strtoul(v, &end, 10);
            if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || w > 86400) {
                fprintf(stderr, "airlock db import: --lock-wait takes seconds from 0 to 86400, "
                                "not '%s'\n", v);
                return EXIT_ERROR;
            }
            opt.lock_wait_seconds = (unsigned)w;
        } else if (strcmp(a, "--allow-downgrade") == 0) {
            opt.allow_downgrade = true;
        } else if (a[0] == '-' || source != NULL) {
            fprintf(stderr, "airlock db import: unexpected argument '%s'\n\n%s", a, usage);
            return EXIT_ERROR;
        } else {
            source = a;
        }
    }
    if (source == NULL) {
        fprintf(stderr, "airlock db import: which snapshot?\n\n%s", usage);
        return EXIT_ERROR;
    }
    airlock_error err;
    error_clear(&err);
    store_import_result res;
    if (store_import(dir, source, &opt, &res, &err) != 0) {
        diag_error("airlock: import failed", err.msg);
        return EXIT_ERROR;
    }
    char when[64];
    fmt_time(res.installed.build_time, when, sizeof when);
    if (res.already_installed)
        printf("already installed: sequence %" PRIu64 " (built %s), nothing to do\n",
               res.installed.sequence, when);
    else if (res.had_old)
        printf("imported sequence %" PRIu64 " (built %s, key %s), replacing sequence %" PRIu64
               "\n", res.installed.sequence, when, res.installed.key_id, res.old_sequence);
    else
        printf("imported sequence %" PRIu64 " (built %s, key %s)\n", res.installed.sequence, when,
               res.installed.key_id);
    return EXIT_OK;
}

int cmd_db(int argc, char **argv, const airlock_globals *g)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_ERROR : EXIT_OK;
    }
    if (sodium_init() < 0) {
        fputs("airlock: cannot initialise libsodium\n", stderr);
        return EXIT_ERROR;
    }
    airlock_error err;
    error_clear(&err);
    char *dir;
    if (store_resolve_dir(g->db_dir, &dir, &err) != 0) {
        diag_error("airlock", err.msg);
        return EXIT_ERROR;
    }
    int rc;
    const char *sub = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            free(dir);
            return EXIT_OK;
        }
    }
    if (strcmp(sub, "import") == 0) {
        rc = db_import(dir, argc - 1, argv + 1);
    } else if (strcmp(sub, "status") == 0) {
        rc = db_status(dir, argc - 1, argv + 1);
    } else if (strcmp(sub, "verify") == 0) {
        rc = db_verify(dir, argc - 1, argv + 1);
    } else {
        fprintf(stderr, "airlock db: unknown subcommand '%s'\n\n%s", sub, usage);
        rc = EXIT_ERROR;
    }
    free(dir);
    return rc;
}
