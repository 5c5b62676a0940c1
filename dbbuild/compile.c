/*
 * compile.c - the build: read every source, validate and reduce each record
 * (osv_record.c), resolve duplicate IDs and merge aliases (merge.c), write
 * the database (dbwriter.c). The rules are in docs/matching.md.
 */
#include "dbbuild/compile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/text.h"
#include "dbbuild/dbwriter.h"
#include "dbbuild/index_dir.h"
#include "dbbuild/merge.h"
#include "dbbuild/osv_record.h"
#include "dbbuild/osv_source.h"
#include "db/vulndb.h"

typedef struct build_ctx {
    const compile_options *opt;
    diag *d;
    osv_entry *e;
    size_t n, cap;
    db_source_meta *src;   /* the source being read */
    const char *path;      /* its path as given, for the progress line */
    spill *texts;          /* summaries, details, references until written */
    buf blob;
    size_t source;
    uint64_t seen;
} build_ctx;

static int on_record(void *arg, const char *origin, cJSON *json, airlock_error *err)
{
    build_ctx *c = arg;
    osv_record rec;
    airlock_error rerr;
    c->src->records++;
    c->seen++;
    if (c->opt->progress != NULL && (c->seen & 255) == 0)
        progress_update(c->opt->progress, "%" PRIu64 " records, %.0f records/s, reading %s",
                        c->seen, (double)c->seen / progress_elapsed(c->opt->progress),
                        c->path);
    if (osv_record_from_json(json, origin, c->d, &rec, &rerr) != 0) {
        if (c->opt->strict)
            return error_set(err, "%s: malformed record: %s", origin, rerr.msg);
        diag_warn(c->d, origin, 0, "malformed record skipped: %s", rerr.msg);
        c->src->skipped++;
        return 0;
    }
    if (rec.n_pkgs == 0) {
        c->src->other_ecosystem++;
        osv_record_clear(&rec);
        return 0;
    }
    if (rec.withdrawn)
        c->src->withdrawn++; /* kept until de-duplication: it may supersede */
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->e = xrealloc(c->e, c->cap * sizeof *c->e);
    }
    /* Park the bulky texts on disk: memory then grows with what matching
     * needs, not with the size of the dump. */
    uint64_t off;
    buf_reset(&c->blob);
    dbwriter_encode_texts(&rec, &c->blob);
    if (spill_put(c->texts, c->blob.data, c->blob.len, &off, err) != 0) {
        osv_record_clear(&rec);
        return -1;
    }
    free(rec.summary);
    free(rec.details);
    for (size_t i = 0; i < rec.n_refs; i++) {
        free(rec.refs[i].type);
        free(rec.refs[i].url);
    }
    free(rec.refs);
    rec.summary = rec.details = NULL;
    rec.refs = NULL;
    rec.n_refs = 0;
    osv_entry *en = &c->e[c->n++];
    en->rec = rec;
    en->text_off = off;
    en->text_len = c->blob.len;
    en->origin = xstrdup(origin);
    en->source = c->source;
    en->superseded = false;
    return 0;
}

/* The name a source is recorded under by default (compile.h): the last
 * component of its real path, else (it cannot be resolved, and reading it
 * will say why) of the path as given. Owned by the caller. */
static char *default_name(const char *path)
{
    char *real = realpath(path, NULL);
    char *p = path_trim_slashes(real != NULL ? real : path);
    free(real);
    const char *base = strrchr(p, '/');
    if (base == NULL || base[1] == '\0') /* no slash, or "/" */
        return p;
    char *name = xstrdup(base + 1);
    free(p);
    return name;
}

/* Read the --index DIRs into `set` and their metadata. */
static int read_indexes(const compile_options *opt, char *const *names, diag *d, index_set *set,
                        db_index_meta *meta, compile_totals *totals, airlock_error *err)
{
    index_dir_info *infos = xcalloc(opt->n_indexes ? opt->n_indexes : 1, sizeof *infos);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < opt->n_indexes; i++) {
        progress_phase(opt->progress, "reading index %s", opt->indexes[i]);
        rc = index_dir_read(opt->indexes[i], (uint32_t)i, d, opt->progress, set, &infos[i], err);
        if (rc != 0)
            error_prefix(err, "--index");
        /* A page left out is a project without release data: --strict
         * refuses it as it refuses a record file that does not parse. */
        if (rc == 0 && opt->strict && infos[i].skipped > 0)
            rc = error_set(err, "--index %s: %" PRIu64 " page%s skipped (see the warnings above)",
                           opt->indexes[i], infos[i].skipped, infos[i].skipped == 1 ? "" : "s");
    }
    if (rc == 0)
        index_set_finish(set, infos, d);
    for (size_t i = 0; rc == 0 && i < opt->n_indexes; i++) {
        meta[i].name = names[i];
        memcpy(meta[i].sha256, infos[i].sha256, sizeof meta[i].sha256);
        meta[i].projects = infos[i].projects;
        meta[i].releases = infos[i].releases;
        totals->index_projects += infos[i].projects;
        totals->index_releases += infos[i].releases;
        totals->index_files += infos[i].files;
        totals->index_pages_skipped += infos[i].skipped;
        totals->index_items_dropped += infos[i].bad;
    }
    free(infos);
    return rc;
}

int compile_sources(const char *const *sources, size_t nsources, const compile_options *opt,
                    const char *mdb_path, diag *d, compile_totals *totals, airlock_error *err)
{
    memset(totals, 0, sizeof *totals);
    build_ctx c = {.opt = opt, .d = d};
    db_source_meta *src = xcalloc(nsources ? nsources : 1, sizeof *src);
    merge_result m = {0};
    index_set idx = {0};
    db_index_meta *imeta = xcalloc(opt->n_indexes ? opt->n_indexes : 1, sizeof *imeta);
    /* Names, not paths: the database must not depend on where a dump sits. */
    char **names = xcalloc(nsources + opt->n_indexes + 1, sizeof *names);
    for (size_t i = 0; i < nsources; i++) {
        const char *given = opt->source_names != NULL ? opt->source_names[i] : NULL;
        names[i] = given != NULL ? xstrdup(given) : default_name(sources[i]);
        src[i].name = names[i];
        for (size_t k = 0; k < i; k++)
            if (strcmp(names[k], names[i]) == 0) {
                diag_warn(d, sources[i], 0, "has the name '%s' of source %zu: tell them "
                          "apart with --source-name", names[i], k + 1);
                break;
            }
    }
    for (size_t i = 0; i < opt->n_indexes; i++)
        names[nsources + i] = default_name(opt->indexes[i]);
    int rc = spill_open(&c.texts, err);
    for (size_t i = 0; rc == 0 && i < nsources; i++) {
        osv_source_info info;
        c.src = &src[i];
        c.path = sources[i];
        c.source = i;
        rc = osv_source_read_as(sources[i], names[i], on_record, &c, d, &info, err);
        if (rc == 0)
            memcpy(src[i].sha256, info.sha256, sizeof src[i].sha256);
        /* A record file that did not parse is a record lost: it counts as
         * read and skipped in the provenance every report shows, and
         * --strict refuses it as it refuses a malformed record. */
        src[i].records += info.unreadable;
        src[i].skipped += info.unreadable;
        if (rc == 0 && opt->strict && info.unreadable > 0)
            rc = error_set(err, "%s: %" PRIu64 " record file%s could not be read (see the "
                                "warnings above)",
                           sources[i], info.unreadable, info.unreadable == 1 ? "" : "s");
    }
    if (rc == 0)
        rc = read_indexes(opt, names + nsources, d, &idx, imeta, totals, err);
    if (rc == 0) {
        progress_phase(opt->progress, "%zu records read; merging duplicates and aliases", c.n);
        totals->records_merged = merge_dedup(c.e, c.n);
        for (size_t i = 0; i < c.n; i++) {
            if (c.e[i].superseded)
                src[c.e[i].source].merged++;
            else if (!c.e[i].rec.withdrawn)
                src[c.e[i].source].kept++;
        }
        merge_groups(c.e, c.n, &m);
        for (size_t i = 0; i < nsources; i++) {
            totals->records_kept += src[i].kept;
            totals->records_skipped += src[i].skipped;
            totals->records_withdrawn += src[i].withdrawn;
            totals->records_other_ecosystem += src[i].other_ecosystem;
        }
        totals->groups = m.n_groups;
        progress_phase(opt->progress, "writing the database: %zu vulnerabilities", m.n_groups);
        db_write_info wi = {.build_time = opt->build_time, .records = totals->records_kept,
                            .progress = opt->progress, .index = &idx, .indexes = imeta,
                            .n_indexes = opt->n_indexes};
        rc = dbwriter_write(mdb_path, c.e, &m, c.texts, src, nsources, &wi, err);
        totals->packages = wi.packages;
    }
    merge_result_clear(&m);
    for (size_t i = 0; i < c.n; i++) {
        osv_record_clear(&c.e[i].rec);
        free(c.e[i].origin);
    }
    free(c.e);
    free(src);
    for (size_t i = 0; i < nsources + opt->n_indexes; i++)
        free(names[i]);
    free(names);
    index_set_clear(&idx);
    free(imeta);
    spill_close(c.texts);
    buf_free(&c.blob);
    return rc;
}

int db_describe(const char *mdb_path, FILE *out, airlock_error *err)
{
    vulndb *db;
    vulndb_info info;
    if (vulndb_open(mdb_path, &db, err) != 0)
        return -1;
    if (vulndb_get_info(db, &info, err) != 0) {
        vulndb_close(db);
        return -1;
    }
    char when[32] = "?";
    time_t t = (time_t)info.build_time;
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out, "schema:      %u\n", info.schema_version);
    fprintf(out, "build time:  %s (%" PRId64 ")\n", when, info.build_time);
    fprintf(out, "records:     %" PRIu64 "\n", info.records);
    fprintf(out, "groups:      %" PRIu64 "\n", info.groups);
    fprintf(out, "packages:    %" PRIu64 "\n", info.packages);
    fprintf(out, "ids:         %" PRIu64 "\n", info.ids);
    fprintf(out, "sources:     %zu\n", info.n_sources);
    for (size_t i = 0; i < info.n_sources; i++) {
        const vulndb_source *s = &info.sources[i];
        fputs("  ", out);
        text_safe_fputs(s->name, out, 0);
        fputs("\n    sha256 ", out);
        text_safe_fputs(s->sha256, out, 0);
        fputc('\n', out);
        fprintf(out,
                "    read %" PRIu64 ", kept %" PRIu64 ", skipped %" PRIu64 ", withdrawn %" PRIu64
                ", merged %" PRIu64 ", other-ecosystem %" PRIu64 "\n",
                s->records, s->kept, s->skipped, s->withdrawn, s->merged, s->other_ecosystem);
    }
    if (vulndb_has_releases(db))
        fprintf(out, "indexes:     %zu\n", info.n_indexes);
    else
        fputs("indexes:     none (no release data)\n", out);
    for (size_t i = 0; i < info.n_indexes; i++) {
        const vulndb_index_source *s = &info.indexes[i];
        fputs("  ", out);
        text_safe_fputs(s->name, out, 0);
        fputs("\n    sha256 ", out);
        text_safe_fputs(s->sha256, out, 0);
        fprintf(out, "\n    projects %" PRIu64 ", releases %" PRIu64 "\n", s->projects,
                s->releases);
    }
    vulndb_info_clear(&info);
    vulndb_close(db);
    return 0;
}
