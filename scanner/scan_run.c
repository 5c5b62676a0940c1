/*
 * scan_run.c - the database and the inputs of a scan, shared by `airlock
 * scan` and `airlock fix` (scan_run.h).
 *
 * Order matters for failing closed: the database's signature, signer and
 * size are checked before any input is read; its digest is compared in a
 * thread while the inputs are read, and nothing reads the database before
 * that comparison has matched. Every input error stops with a message.
 */
#include "scanner/scan_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/match.h"

/* Fill the report's database provenance from the store and the database. */
static int fill_provenance(scan_report *r, const store_info *si, vulndb *db,
                           airlock_error *err)
{
    vulndb_info vi;
    memset(&vi, 0, sizeof vi);
    if (vulndb_get_info(db, &vi, err) != 0)
        return -1;
    r->db.sequence = si->sequence;
    r->db.build_time = si->build_time;
    r->db.format_version = si->format;
    r->db.signer_key_id = xstrdup(si->key_id);
    r->db.snapshot_digest = xstrdup(si->snapshot_digest);
    r->db.db_digest = xstrdup(si->db_digest);
    r->db.sources = vi.n_sources ? xcalloc(vi.n_sources, sizeof *r->db.sources) : NULL;
    for (size_t i = 0; i < vi.n_sources; i++) {
        source_provenance *s = &r->db.sources[i];
        s->name = xstrdup(vi.sources[i].name ? vi.sources[i].name : "");
        s->sha256 = xstrdup(vi.sources[i].sha256);
        s->kept = vi.sources[i].kept;
        s->skipped = vi.sources[i].skipped;
        s->withdrawn = vi.sources[i].withdrawn;
        s->merged = vi.sources[i].merged;
    }
    r->db.n_sources = vi.n_sources;
    r->db.indexes = vi.n_indexes ? xcalloc(vi.n_indexes, sizeof *r->db.indexes) : NULL;
    for (size_t i = 0; i < vi.n_indexes; i++) {
        index_provenance *x = &r->db.indexes[i];
        x->name = xstrdup(vi.indexes[i].name);
        x->sha256 = xstrdup(vi.indexes[i].sha256);
        x->projects = vi.indexes[i].projects;
        x->releases = vi.indexes[i].releases;
    }
    r->db.n_indexes = vi.n_indexes;
    r->release_data = vulndb_has_releases(db) == 1;
    vulndb_info_clear(&vi);
    return 0;
}

static void error_in(const char *cmd, const char *what, const char *msg)
{
    buf b = {0};
    buf_printf(&b, "%s%s%s", cmd, what ? ": " : "", what ? what : "");
    diag_error(b.data, msg);
    buf_free(&b);
}

int scan_db_open(const char *cmd, const airlock_globals *g, int max_db_age, int64_t now,
                 scan_report *r, scan_db *out)
{
    airlock_error err = {{0}};
    memset(out, 0, sizeof *out);
    /* Everything but the digest now (no database, no scan); the digest in
     * a thread of its own, since reading the inputs does not need it. */
    if (store_resolve_dir(g->db_dir, &out->dir, &err) != 0 ||
        store_open(out->dir, STORE_OPEN_DIGEST_LATER, &out->st, &err) != 0) {
        error_in(cmd, NULL, err.msg);
        return -1;
    }
    int64_t age;
    int aged = store_check_age(store_get_info(out->st), now, max_db_age, &age, &err);
    if (aged < 0) {
        error_in(cmd, NULL, err.msg);
        return -1;
    }
    if (aged > 0)
        diag_error("airlock: warning", err.msg);
    r->airlock_version = xstrdup(AIRLOCK_VERSION);
    r->scan_time = now;
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        r->hostname = xstrdup(host);
    }
    return 0;
}

/* The database, once store_wait_digest() has said its digest matched:
 * opened, and r's provenance filled. LMDB opens data.mdb by path again:
 * the file it opened must be the one that was hashed, or nothing is read
 * from it. Errors are printed. */
static int db_ready(const char *cmd, scan_db *s, scan_report *r)
{
    airlock_error err = {{0}};
    const char *path = store_data_path(s->st);
    if (path == NULL) { /* not verified: never read it */
        error_in(cmd, "database", "its digest was not checked");
        return -1;
    }
    if (vulndb_open_expect(path, store_data_identity(s->st), &s->db, &err) != 0 ||
        fill_provenance(r, store_get_info(s->st), s->db, &err) != 0) {
        error_in(cmd, "database", err.msg);
        return -1;
    }
    return 0;
}

void scan_db_close(scan_db *s)
{
    vulndb_close(s->db);
    store_close(s->st); /* waits for a digest check still running */
    free(s->dir);
    memset(s, 0, sizeof *s);
}

static void today_utc(int64_t now, char out[11])
{
    time_t t = (time_t)now;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        memcpy(out, "9999-12-31", 11); /* cannot tell: let every until= expire */
}

/* Read the inputs and the ignore files. An error is left in err, not
 * printed: the database's verdict is printed first. */
static int read_all(const scan_input_options *in, const scan_policy *p, scan_report *r, diag *d,
                    ignore_list *from_files, airlock_error *err)
{
    if (scan_read_inputs(in, r, d, err) != 0)
        return -1;
    for (size_t i = 0; i < p->n_ignore_files; i++)
        if (ignore_load(from_files, p->ignore_files[i], d, err) != 0)
            return -1;
    if (p->strict && d->warnings > 0)
        return error_set(err, "%u %s in the inputs and --strict was given", d->warnings,
                         d->warnings == 1 ? "warning" : "warnings");
    return 0;
}

int scan_collect(const char *cmd, const scan_input_options *in, const scan_policy *p,
                 scan_db *sdb, int64_t now, scan_report *r, diag *d)
{
    airlock_error err = {{0}};
    ignore_list from_files = {0};
    int rc = read_all(in, p, r, d, &from_files, &err);
    /* Whatever the inputs gave, the database's verdict comes first: a
     * database that fails its digest is reported as such (exit 2), also
     * when an input failed too. */
    airlock_error dberr = {{0}};
    int digest = store_wait_digest(sdb->st, &dberr);
    if (digest != 0)
        error_in(cmd, NULL, dberr.msg);
    if (rc != 0)
        error_in(cmd, NULL, err.msg);
    if (digest != 0 || rc != 0 || db_ready(cmd, sdb, r) != 0) {
        ignore_list_free(&from_files);
        return -1;
    }
    if (match_report(sdb->db, r, &err) != 0) {
        error_in(cmd, "database", err.msg);
        ignore_list_free(&from_files);
        return -1;
    }
    char today[11];
    today_utc(now, today);
    /* Expired entries have their own list in every report: only print them. */
    diag expired = {NULL, NULL, 0};
    ignore_apply(p->ignores, today, r, &expired);
    ignore_apply(&from_files, today, r, &expired);
    ignore_list_free(&from_files);
    return 0;
}
