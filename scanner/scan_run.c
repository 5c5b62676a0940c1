/*
 * scan_run.c - the database and the inputs of a scan, shared by `airlock
 * scan` and `airlock fix` (scan_run.h).
 *
 * Order matters for failing closed: the database is opened and checked
 * before any input is read, and every input error stops with a message.
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
    if (store_resolve_dir(g->db_dir, &out->dir, &err) != 0 ||
        store_open(out->dir, 0, &out->st, &err) != 0) {
        error_in(cmd, NULL, err.msg);
        return -1;
    }
    const store_info *si = store_get_info(out->st);
    int64_t age;
    int aged = store_check_age(si, now, max_db_age, &age, &err);
    if (aged < 0) {
        error_in(cmd, NULL, err.msg);
        return -1;
    }
    if (aged > 0)
        diag_error("airlock: warning", err.msg);
    if (vulndb_open(store_data_path(out->st), &out->db, &err) != 0 ||
        fill_provenance(r, si, out->db, &err) != 0) {
        error_in(cmd, "database", err.msg);
        return -1;
    }
    r->airlock_version = xstrdup(AIRLOCK_VERSION);
    r->scan_time = now;
    char host[256];
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        r->hostname = xstrdup(host);
    }
    return 0;
}

void scan_db_close(scan_db *s)
{
    vulndb_close(s->db);
    store_close(s->st);
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

int scan_collect(const char *cmd, const scan_input_options *in, const scan_policy *p,
                 vulndb *db, int64_t now, scan_report *r, diag *d)
{
    airlock_error err = {{0}};
    if (scan_read_inputs(in, r, d, &err) != 0) {
        error_in(cmd, NULL, err.msg);
        return -1;
    }
    ignore_list from_files = {0};
    for (size_t i = 0; i < p->n_ignore_files; i++) {
        if (ignore_load(&from_files, p->ignore_files[i], d, &err) != 0) {
            error_in(cmd, NULL, err.msg);
            ignore_list_free(&from_files);
            return -1;
        }
    }
    if (p->strict && d->warnings > 0) {
        fprintf(stderr, "%s: %u %s in the inputs and --strict was given\n", cmd, d->warnings,
                d->warnings == 1 ? "warning" : "warnings");
        ignore_list_free(&from_files);
        return -1;
    }
    if (match_report(db, r, &err) != 0) {
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
