/*
 * vulndb.c - read-only access to the vulnerability database
 * (layout: db/vulndb_format.h).
 */
#include "db/vulndb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "core/buf.h"
#include "core/name.h"
#include "db/vulndb_adv.h"
#include "db/vulndb_format.h"
#include "db/vulndb_rel.h"

/* One "pkg" entry, pointing into the map: valid for the handle's life (one
 * read transaction on a file that never changes). */
/* One "adv" entry, pointing into the map like pkg_entry. */
typedef struct adv_entry {
    uint32_t group;
    MDB_val v;
} adv_entry;

typedef struct pkg_entry {
    const uint8_t *key;
    size_t klen;
    MDB_val v;
} pkg_entry;

struct vulndb {
    MDB_env *env;
    MDB_txn *txn;  /* one read transaction for the handle's life: the file never changes */
    MDB_dbi meta, pkg, adv, ids;
    MDB_dbi rel;   /* release data, when has_rel */
    bool has_rel;
    char *path;
    vulndb_info info; /* read once: advisories name their sources by index */
    /* Every "pkg" entry, read by one cursor walk once the look-ups have
     * been many (get_package()), in a hash table: most names scanned are
     * not there, and a probe in memory answers that for a fraction of an
     * LMDB descent. NULL until then, or when the walk failed. */
    pkg_entry *pkgs;      /* slots; key NULL: empty */
    size_t pkg_mask;      /* slots - 1, a power of two less one */
    size_t pkg_entries;   /* mdb_stat's count of "pkg" entries */
    size_t lookups;       /* until the walk is made */
    bool pkgs_tried;
    /* The same for "adv": every entry in group order, read once the
     * advisories decoded pass an eighth of them (get_advisory()). */
    adv_entry *advs;
    size_t n_advs, adv_entries, adv_lookups;
    bool advs_tried;
};

static int lmdb_error(airlock_error *err, const char *path, const char *what, int rc)
{
    return error_set(err, "%s: %s: %s", path, what, mdb_strerror(rc));
}

static int damaged(const vulndb *db, airlock_error *err, const char *what)
{
    return error_set(err, "%s: damaged database (%s)", db->path, what);
}

static int meta_get(vulndb *db, const char *key, MDB_val *v)
{
    MDB_val k = {strlen(key), (void *)key};
    return mdb_get(db->txn, db->meta, &k, v);
}

/* A decimal metadata value. */
static int meta_u64(vulndb *db, const char *key, uint64_t *out, airlock_error *err)
{
    MDB_val v;
    int rc = meta_get(db, key, &v);
    if (rc != 0)
        return error_set(err, "%s: metadata '%s' missing: %s", db->path, key, mdb_strerror(rc));
    const char *p = v.mv_data;
    uint64_t x = 0;
    if (v.mv_size == 0 || v.mv_size > 19)
        return damaged(db, err, key);
    for (size_t i = 0; i < v.mv_size; i++) {
        if (p[i] < '0' || p[i] > '9')
            return damaged(db, err, key);
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *out = x;
    return 0;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int vulndb_check_file(int fd, const char *path, const struct stat *expect, airlock_error *err)
{
    struct stat st;
    if (expect == NULL)
        return error_set(err, "%s: not verified: refusing to read it", path);
    if (fstat(fd, &st) != 0)
        return error_errno(err, errno, "%s", path);
    /* A rename puts another inode in place; an edit in place moves the
     * modification time, a chmod or a new link the change time. */
    if (st.st_dev != expect->st_dev || st.st_ino != expect->st_ino ||
        st.st_size != expect->st_size || !same_time(&st.st_mtim, &expect->st_mtim) ||
        !same_time(&st.st_ctim, &expect->st_ctim))
        return error_set(err, "%s: not the file that was verified (replaced or changed since): "
                              "refusing to read it (something changes the installed database: find what, "
                              "then re-import a snapshot with 'airlock db import')", path);
    return 0;
}

/* vulndb_open(), and with `expect` the check of the file LMDB opened. */
static int open_db(const char *mdb_path, const struct stat *expect, vulndb **out,
                   airlock_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(mdb_path, &st) != 0)
        return error_errno(err, errno, "%s", mdb_path);
    if (!S_ISREG(st.st_mode))
        return error_set(err, "%s: not a regular file", mdb_path);
    vulndb *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(mdb_path);
    const char *what = "open";
    int rc = mdb_env_create(&db->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(db->env, VULNDB_MAX_DBS);
    if (rc == 0)
        rc = mdb_env_open(db->env, mdb_path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0);
    if (rc == 0 && expect != NULL) {
        /* Only LMDB's meta pages have been read: nothing else is, from a
         * file that is not the verified one. */
        mdb_filehandle_t fd;
        rc = mdb_env_get_fd(db->env, &fd);
        if (rc == 0 && vulndb_check_file(fd, mdb_path, expect, err) != 0) {
            vulndb_close(db);
            return -1;
        }
    }
    if (rc == 0)
        rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &db->txn);
    if (rc == 0) {
        what = "not an Airlock vulnerability database";
        rc = mdb_dbi_open(db->txn, VULNDB_DB_META, 0, &db->meta);
    }
    if (rc == 0)
        rc = mdb_dbi_open(db->txn, VULNDB_DB_PKG, 0, &db->pkg);
    if (rc == 0)
        rc = mdb_dbi_open(db->txn, VULNDB_DB_ADV, 0, &db->adv);
    if (rc == 0)
        rc = mdb_dbi_open(db->txn, VULNDB_DB_IDS, 0, &db->ids);
    if (rc == 0) { /* optional: built with --index */
        rc = mdb_dbi_open(db->txn, VULNDB_DB_REL, 0, &db->rel);
        db->has_rel = rc == 0;
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    if (rc != 0) {
        lmdb_error(err, mdb_path, what, rc);
        vulndb_close(db);
        return -1;
    }
    uint64_t schema;
    if (meta_u64(db, "schema", &schema, err) != 0) {
        vulndb_close(db);
        return -1;
    }
    if (schema != VULNDB_SCHEMA_VERSION) {
        error_set(err, "%s: database schema %" PRIu64 ", this airlock reads schema %u",
                  mdb_path, schema, VULNDB_SCHEMA_VERSION);
        vulndb_close(db);
        return -1;
    }
    if (vulndb_get_info(db, &db->info, err) != 0) {
        vulndb_close(db);
        return -1;
    }
    MDB_stat ps;
    if (mdb_stat(db->txn, db->pkg, &ps) == 0)
        db->pkg_entries = ps.ms_entries;
    if (mdb_stat(db->txn, db->adv, &ps) == 0)
        db->adv_entries = ps.ms_entries;
    *out = db;
    return 0;
}

int vulndb_open(const char *mdb_path, vulndb **out, airlock_error *err)
{
    return open_db(mdb_path, NULL, out, err);
}

int vulndb_open_expect(const char *mdb_path, const struct stat *expect, vulndb **out,
                       airlock_error *err)
{
    *out = NULL;
    if (mdb_path == NULL || expect == NULL)
        return error_set(err, "the database was not verified: refusing to read it");
    return open_db(mdb_path, expect, out, err);
}

void vulndb_close(vulndb *db)
{
    if (db == NULL)
        return;
    if (db->txn != NULL)
        mdb_txn_abort(db->txn);
    if (db->env != NULL)
        mdb_env_close(db->env);
    vulndb_info_clear(&db->info);
    free(db->pkgs);
    free(db->advs);
    free(db->path);
    free(db);
}

/* ---- decoding helpers ---- */

static char *get_str(vdb_cursor *c)
{
    size_t n;
    const uint8_t *p = vdb_get_bytes(c, &n);
    return xstrndup((const char *)p, n);
}

void vulndb_advisory_clear(vulndb_advisory *a)
{
    free(a->strings); /* it holds everything else */
    memset(a, 0, sizeof *a);
}

/* ---- matching ---- */

/* Read every "adv" entry into db->advs with one cursor walk. Left NULL
 * (look-ups then go to LMDB) when the walk fails or a key is not the
 * 4-byte group number in ascending order that the search needs. */
static void read_advisories(vulndb *db)
{
    db->advs_tried = true;
    if (db->adv_entries == 0 || db->adv_entries > SIZE_MAX / sizeof(adv_entry))
        return;
    MDB_cursor *cur;
    if (mdb_cursor_open(db->txn, db->adv, &cur) != 0)
        return;
    adv_entry *es = xcalloc(db->adv_entries, sizeof *es);
    size_t n = 0;
    bool ok = true;
    MDB_val k, v;
    int rc;
    for (int op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0;
         op = MDB_NEXT) {
        uint32_t g = k.mv_size == 4 ? vdb_get_u32be(k.mv_data) : 0;
        if (n == db->adv_entries || k.mv_size != 4 || (n > 0 && g <= es[n - 1].group)) {
            ok = false;
            break;
        }
        es[n++] = (adv_entry){g, v};
    }
    mdb_cursor_close(cur);
    if (!ok || rc != MDB_NOTFOUND) {
        free(es);
        return;
    }
    db->advs = es;
    db->n_advs = n;
}

/* The "adv" value of `group`: a group a "pkg" or "ids" value names and
 * that is missing is a damaged database. */
static int get_advisory(vulndb *db, uint32_t group, MDB_val *v, airlock_error *err)
{
    if (!db->advs_tried && ++db->adv_lookups > db->adv_entries / 8)
        read_advisories(db);
    if (db->advs != NULL) {
        /* Groups are numbered from 0 without gaps, so the entry is
         * usually where its number says; else a binary search. */
        size_t lo = 0, hi = db->n_advs;
        if (group < hi && db->advs[group].group == group)
            lo = group;
        while (lo < hi && db->advs[lo].group != group) {
            size_t mid = lo + (hi - lo) / 2;
            if (db->advs[mid].group < group)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < db->n_advs && db->advs[lo].group == group) {
            *v = db->advs[lo].v;
            return 0;
        }
        return damaged(db, err, "advisory missing");
    }
    uint8_t kb[4];
    vdb_put_u32be(kb, group);
    MDB_val k = {4, kb};
    if (mdb_get(db->txn, db->adv, &k, v) != 0)
        return damaged(db, err, "advisory missing");
    return 0;
}

/* The installed version's key, in `small` or a heap block (*heap). */
static const uint8_t *installed_key(const version *v, uint8_t *small, size_t cap, uint8_t **heap,
                                    size_t *len)
{
    *heap = NULL;
    *len = version_key(v, small, cap);
    if (*len <= cap)
        return small;
    *heap = xmalloc(*len);
    version_key(v, *heap, *len);
    return *heap;
}

/* FNV-1a: names are short, and the keys come from the signed database,
 * whose clusters read_packages() bounds. */
#define NAME_HASH_INIT 0xcbf29ce484222325u
#define NAME_HASH_STEP(h, c) (((h) ^ (c)) * 0x100000001b3u)

static uint64_t name_hash(const uint8_t *p, size_t n)
{
    uint64_t h = NAME_HASH_INIT;
    for (size_t i = 0; i < n; i++)
        h = NAME_HASH_STEP(h, p[i]);
    return h;
}

/* True if `name` is already what name_normalize() would return for it:
 * [a-z0-9-], no "--", no '-' at either end, 1 to NAME_MAX_LEN bytes; then
 * *hash is its name_hash(), from the same pass. The callers mostly pass a
 * dependency's normalised name, and normalising it again cost more than
 * this check. */
static bool in_normal_form(const char *name, size_t len, uint64_t *hash)
{
    /* 0 for [a-z0-9], which most bytes are: one load and one test each. */
#define X1 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
    static const uint8_t other[256] = {
        X1, X1, /* 0x00-0x1f */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* ' ' to '/' ('-' is other) */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, /* '0'-'9' */
        X1, X1,                                          /* '@' to '_' */
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* '`', 'a'-'o' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,  /* 'p'-'z' */
        X1, X1, X1, X1, X1, X1, X1, X1,                  /* 0x80-0xff */
    };
#undef X1
    if (len == 0 || len > NAME_MAX_LEN || name[0] == '-' || name[len - 1] == '-')
        return false;
    uint64_t h = NAME_HASH_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        h = NAME_HASH_STEP(h, c);
        if (other[c] == 0)
            continue;
        if (c != '-' || name[i + 1] == '-') /* i + 1 < len: the last is no '-' */
            return false;
    }
    *hash = h;
    return true;
}

/* A probe never walks further than this: a table whose keys cluster more
 * (they would have to be made to) is dropped, and LMDB answers. */
#define PKG_MAX_PROBE 32

/* Read every "pkg" entry into the hash table db->pkgs with one cursor
 * walk. Left NULL (look-ups then go to LMDB) when the walk fails. */
static void read_packages(vulndb *db)
{
    db->pkgs_tried = true;
    if (db->pkg_entries == 0 || db->pkg_entries > SIZE_MAX / 4 / sizeof(pkg_entry))
        return;
    size_t slots = 16;
    while (slots < 2 * db->pkg_entries)
        slots *= 2;
    MDB_cursor *cur;
    if (mdb_cursor_open(db->txn, db->pkg, &cur) != 0)
        return;
    pkg_entry *t = xcalloc(slots, sizeof *t);
    size_t n = 0, mask = slots - 1;
    bool ok = true;
    MDB_val k, v, prev = {0, NULL};
    int rc;
    for (int op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0;
         op = MDB_NEXT) {
        /* No more than mdb_stat counted (so at most half full), never an
         * empty key (an empty slot's mark), a probe of bounded length. */
        if (n++ == db->pkg_entries || k.mv_size == 0) {
            ok = false;
            break;
        }
        /* Strictly ascending, as LMDB keeps them: a damaged tree with a key
         * out of place or twice (which mdb_get's descent would not find, or
         * find once) drops the table, so both paths answer alike. */
        if (prev.mv_data != NULL &&
            vdb_keycmp(prev.mv_data, prev.mv_size, k.mv_data, k.mv_size) >= 0) {
            ok = false;
            break;
        }
        prev = k;
        size_t at = (size_t)name_hash(k.mv_data, k.mv_size) & mask, probe = 0;
        while (t[at].key != NULL && ++probe < PKG_MAX_PROBE)
            at = (at + 1) & mask;
        if (t[at].key != NULL) {
            ok = false;
            break;
        }
        t[at] = (pkg_entry){k.mv_data, k.mv_size, v};
    }
    mdb_cursor_close(cur);
    if (!ok || rc != MDB_NOTFOUND) {
        free(t);
        return;
    }
    db->pkgs = t;
    db->pkg_mask = mask;
}

static int search_packages(const vulndb *db, const uint8_t *key, size_t klen, uint64_t hash,
                           MDB_val *v)
{
    size_t at = (size_t)hash & db->pkg_mask;
    for (size_t probe = 0; probe < PKG_MAX_PROBE && db->pkgs[at].key != NULL; probe++) {
        const pkg_entry *e = &db->pkgs[at];
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
            *v = e->v;
            return 0;
        }
        at = (at + 1) & db->pkg_mask;
    }
    return MDB_NOTFOUND;
}

static int get_package(vulndb *db, const char *name, MDB_val *v)
{
    char norm[NAME_MAX_LEN + 1];
    size_t len = strlen(name);
    MDB_val k = {len, (void *)name};
    uint64_t hash;
    if (!in_normal_form(name, len, &hash)) {
        airlock_error nerr;
        int n = name_normalize(name, len, norm, sizeof norm, &nerr);
        if (n < 0)
            return MDB_NOTFOUND;
        k = (MDB_val){(size_t)n, norm};
        hash = name_hash(k.mv_data, k.mv_size);
    }
    /* The walk costs about what an eighth of its entries' descents do:
     * made once the look-ups pass that, it at most doubles the cost of a
     * scan of few names and cuts that of a scan of many. */
    if (!db->pkgs_tried && ++db->lookups > db->pkg_entries / 8)
        read_packages(db);
    if (db->pkgs != NULL)
        return search_packages(db, k.mv_data, k.mv_size, hash, v);
    return mdb_get(db->txn, db->pkg, &k, v);
}

/* vulndb_count_affecting() of `installed`, or with it NULL of `key`: the
 * key of a version is made only for a name the database has. */
static int count_affecting(vulndb *db, const char *name, const version *installed,
                           const uint8_t *key, size_t klen, airlock_error *err)
{
    MDB_val v;
    int rc = get_package(db, name, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_error(err, db->path, "lookup", rc);
    uint8_t small[128], *heap = NULL;
    if (installed != NULL)
        key = installed_key(installed, small, sizeof small, &heap, &klen);
    int n = vulndb_pkg_match(v.mv_data, v.mv_size, key, klen, NULL, NULL);
    free(heap);
    if (n < 0)
        return damaged(db, err, "package value");
    return n;
}

int vulndb_count_affecting_key(vulndb *db, const char *name, const uint8_t *key, size_t klen,
                               airlock_error *err)
{
    return count_affecting(db, name, NULL, key, klen, err);
}

int vulndb_count_affecting(vulndb *db, const char *name, const version *installed,
                           airlock_error *err)
{
    return count_affecting(db, name, installed, NULL, 0, err);
}

/* The look-ups of `installed`, or with it NULL of the version whose key
 * is `key` (made only for a name the database has); with `pool`, pooled
 * hits. */
static int lookup(vulndb *db, const char *name, const version *installed, const uint8_t *key,
                  size_t klen, vulndb_pool *pool, vulndb_hits *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    MDB_val v;
    int rc = get_package(db, name, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_error(err, db->path, "lookup", rc);
    size_t cap = 0;
    uint8_t small[128], *heap = NULL;
    if (installed != NULL)
        key = installed_key(installed, small, sizeof small, &heap, &klen);
    vulndb_match *m = NULL;
    int nm = vulndb_pkg_match(v.mv_data, v.mv_size, key, klen, &m, &cap);
    if (nm < 0) {
        free(heap);
        free(m);
        return damaged(db, err, "package value");
    }
    if (nm == 0) { /* most packages found: no allocation for no hits */
        free(heap);
        free(m);
        return 0;
    }
    out->pooled = pool != NULL;
    /* The items on the heap even with a pool: they are copied out and
     * freed, and their room is taken again by the next look-up's. */
    out->items = xmalloc((size_t)nm * sizeof *out->items); /* each zeroed by its decoder */
    for (size_t i = 0; i < (size_t)nm; i++) {
        MDB_val adv;
        int bad = get_advisory(db, m[i].group, &adv, err);
        if (bad == 0 &&
            (pool != NULL ? vulndb_hit_decode_pooled(adv.mv_data, adv.mv_size, &m[i], key, klen,
                                                     pool, &out->items[i])
                          : vulndb_hit_decode(adv.mv_data, adv.mv_size, db->info.sources,
                                              db->info.n_sources, &m[i], key, klen,
                                              &out->items[i])) != 0)
            bad = damaged(db, err, "advisory value");
        if (bad != 0) {
            vulndb_hits_free(out);
            free(heap);
            free(m);
            return -1;
        }
        out->len++;
    }
    free(heap);
    free(m);
    return out->len > INT32_MAX ? INT32_MAX : (int)out->len;
}

int vulndb_lookup(vulndb *db, const char *name, const version *installed, vulndb_hits *out,
                  airlock_error *err)
{
    return lookup(db, name, installed, NULL, 0, NULL, out, err);
}

int vulndb_lookup_pooled(vulndb *db, const char *name, const version *installed,
                         vulndb_pool *pool, vulndb_hits *out, airlock_error *err)
{
    return lookup(db, name, installed, NULL, 0, pool, out, err);
}

int vulndb_lookup_pooled_key(vulndb *db, const char *name, const uint8_t *key, size_t klen,
                             vulndb_pool *pool, vulndb_hits *out, airlock_error *err)
{
    return lookup(db, name, NULL, key, klen, pool, out, err);
}

void vulndb_hits_free(vulndb_hits *h)
{
    for (size_t i = 0; i < h->len && !h->pooled; i++) /* else the pool's */ /* the block holds the fixed versions too */
        vulndb_advisory_clear(&h->items[i].adv);
    free(h->items);
    memset(h, 0, sizeof *h);
}

int vulndb_find(vulndb *db, const char *id, vulndb_advisory *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(db->txn, db->ids, &k, &v);
    if (rc == MDB_NOTFOUND) {
        /* IDs are case-sensitive, but people type "pysec-2021-1". */
        MDB_cursor *cur;
        rc = mdb_cursor_open(db->txn, db->ids, &cur);
        if (rc != 0)
            return lmdb_error(err, db->path, "cursor", rc);
        MDB_val ck;
        int found = MDB_NOTFOUND;
        for (int op = MDB_FIRST; mdb_cursor_get(cur, &ck, &v, (MDB_cursor_op)op) == 0;
             op = MDB_NEXT) {
            if (ck.mv_size == k.mv_size && strncasecmp(ck.mv_data, id, ck.mv_size) == 0) {
                found = 0;
                break;
            }
        }
        mdb_cursor_close(cur);
        rc = found;
    }
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_error(err, db->path, "lookup", rc);
    if (v.mv_size != 4)
        return damaged(db, err, "id value");
    MDB_val adv;
    if (get_advisory(db, vdb_get_u32be(v.mv_data), &adv, err) != 0)
        return -1;
    if (vulndb_advisory_decode(adv.mv_data, adv.mv_size, db->info.sources, db->info.n_sources,
                               out) != 0)
        return damaged(db, err, "advisory value");
    return 1;
}

/* ---- metadata ---- */

/* The --index sources: absent without release data. */
static int get_index_info(vulndb *db, vulndb_info *out, airlock_error *err)
{
    MDB_val v;
    int rc = meta_get(db, "indexes", &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_error(err, db->path, "metadata", rc);
    vdb_cursor c = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
    out->n_indexes = vdb_get_count(&c, 4);
    out->indexes = xcalloc(out->n_indexes ? out->n_indexes : 1, sizeof *out->indexes);
    for (size_t i = 0; i < out->n_indexes; i++) {
        vulndb_index_source *s = &out->indexes[i];
        s->name = get_str(&c);
        size_t n;
        const uint8_t *sha = vdb_get_bytes(&c, &n);
        if (n >= sizeof s->sha256)
            c.bad = true;
        else
            memcpy(s->sha256, sha, n);
        s->projects = vdb_get_varint(&c);
        s->releases = vdb_get_varint(&c);
    }
    if (c.bad || c.p != c.end) {
        vulndb_info_clear(out);
        return damaged(db, err, "indexes");
    }
    return 0;
}

int vulndb_get_info(vulndb *db, vulndb_info *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t schema;
    if (meta_u64(db, "schema", &schema, err) != 0 || meta_u64(db, "records", &out->records, err) != 0 ||
        meta_u64(db, "groups", &out->groups, err) != 0 ||
        meta_u64(db, "packages", &out->packages, err) != 0 ||
        meta_u64(db, "ids", &out->ids, err) != 0)
        return -1;
    out->schema_version = (unsigned)schema;
    MDB_val v;
    int rc = meta_get(db, "build_time", &v);
    if (rc != 0 || v.mv_size == 0 || v.mv_size > 20)
        return damaged(db, err, "build_time");
    char text[24];
    memcpy(text, v.mv_data, v.mv_size);
    text[v.mv_size] = '\0';
    char *end;
    errno = 0;
    long long t = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return damaged(db, err, "build_time");
    out->build_time = (int64_t)t;
    rc = meta_get(db, "sources", &v);
    if (rc != 0)
        return damaged(db, err, "sources");
    vdb_cursor c = {v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, false};
    out->n_sources = vdb_get_count(&c, 8);
    out->sources = xcalloc(out->n_sources ? out->n_sources : 1, sizeof *out->sources);
    for (size_t i = 0; i < out->n_sources; i++) {
        vulndb_source *s = &out->sources[i];
        s->name = get_str(&c);
        size_t n;
        const uint8_t *sha = vdb_get_bytes(&c, &n);
        if (n >= sizeof s->sha256)
            c.bad = true;
        else
            memcpy(s->sha256, sha, n);
        s->records = vdb_get_varint(&c);
        s->kept = vdb_get_varint(&c);
        s->skipped = vdb_get_varint(&c);
        s->withdrawn = vdb_get_varint(&c);
        s->merged = vdb_get_varint(&c);
        s->other_ecosystem = vdb_get_varint(&c);
    }
    if (c.bad || c.p != c.end) {
        vulndb_info_clear(out);
        return damaged(db, err, "sources");
    }
    return get_index_info(db, out, err);
}

void vulndb_info_clear(vulndb_info *info)
{
    for (size_t i = 0; info->sources != NULL && i < info->n_sources; i++)
        free(info->sources[i].name);
    free(info->sources);
    for (size_t i = 0; info->indexes != NULL && i < info->n_indexes; i++)
        free(info->indexes[i].name);
    free(info->indexes);
    memset(info, 0, sizeof *info);
}

int vulndb_each_package(vulndb *db, int (*fn)(void *arg, const char *name), void *arg,
                        airlock_error *err)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(db->txn, db->pkg, &cur);
    if (rc != 0)
        return lmdb_error(err, db->path, "cursor", rc);
    MDB_val k, v;
    int ret = 0;
    for (int op = MDB_FIRST; ret == 0 && mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0;
         op = MDB_NEXT) {
        char *name = xstrndup(k.mv_data, k.mv_size);
        ret = fn(arg, name);
        free(name);
    }
    mdb_cursor_close(cur);
    return ret;
}

/* ---- release data (decoded in db/vulndb_rel.c) ---- */

int vulndb_has_releases(vulndb *db)
{
    return db->has_rel ? 1 : 0;
}

int vulndb_get_releases(vulndb *db, const char *name, vulndb_releases *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    if (!db->has_rel)
        return 0;
    char norm[NAME_MAX_LEN + 1];
    airlock_error nerr;
    int n = name_normalize(name, strlen(name), norm, sizeof norm, &nerr);
    if (n < 0)
        return 0;
    MDB_val k = {(size_t)n, norm}, v;
    int rc = mdb_get(db->txn, db->rel, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return lmdb_error(err, db->path, "lookup", rc);
    int nr = vulndb_releases_decode(v.mv_data, v.mv_size, out);
    if (nr < 0)
        return damaged(db, err, "release value");
    return nr;
}

