/*
 * dbwriter.c - encode groups into the database's values and write them in
 * key order (db/vulndb_format.h has the encoding).
 */
#include "dbbuild/dbwriter.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/buf.h"
#include "db/vulndb_format.h"

/* The merged view of one group, built before anything is written. */
typedef struct group_view {
    osv_package *pkgs;  /* owned, sorted by name */
    size_t n_pkgs;
} group_view;

static int pkg_name_cmp(const void *a, const void *b)
{
    return strcmp(((const osv_package *)a)->name, ((const osv_package *)b)->name);
}

static void build_view(const osv_entry *e, const osv_group *g, group_view *v)
{
    memset(v, 0, sizeof *v);
    for (size_t r = 0; r < g->n_recs; r++) {
        const osv_record *rec = &e[g->recs[r]].rec;
        for (size_t i = 0; i < rec->n_pkgs; i++) {
            size_t k = 0;
            while (k < v->n_pkgs && strcmp(v->pkgs[k].name, rec->pkgs[i].name) != 0)
                k++;
            if (k == v->n_pkgs) {
                v->pkgs = xrealloc(v->pkgs, (v->n_pkgs + 1) * sizeof *v->pkgs);
                memset(&v->pkgs[k], 0, sizeof *v->pkgs);
                v->pkgs[k].name = xstrdup(rec->pkgs[i].name);
                v->n_pkgs++;
            }
            osv_package_merge(&v->pkgs[k], &rec->pkgs[i]);
        }
    }
    qsort(v->pkgs, v->n_pkgs, sizeof *v->pkgs, pkg_name_cmp);
}

static void view_clear(group_view *v)
{
    for (size_t i = 0; i < v->n_pkgs; i++)
        osv_package_clear(&v->pkgs[i]);
    free(v->pkgs);
}

static uint64_t score10(double score)
{
    return (uint64_t)lround(score * 10.0);
}

/* Human-readable form of the affected versions, for `airlock show`. */
static void range_texts(const osv_package *p, buf *out, size_t *count)
{
    *count = 0;
    buf t = {0};
    for (size_t i = 0; i < p->n_iv; i++) {
        const osv_interval *iv = &p->iv[i];
        buf_reset(&t);
        if (iv->flags & VULNDB_IV_LO)
            buf_printf(&t, ">=%s", iv->lo.text);
        if (iv->flags & VULNDB_IV_HI)
            buf_printf(&t, "%s%s%s", t.len ? ", " : "",
                       (iv->flags & VULNDB_IV_HI_INCL) ? "<=" : "<", iv->hi.text);
        if (t.len == 0)
            buf_puts(&t, "all versions");
        vdb_put_str(out, t.data);
        (*count)++;
    }
    for (size_t i = 0; i < p->n_versions; i++) {
        buf_reset(&t);
        buf_printf(&t, "==%s", p->versions[i].text);
        vdb_put_str(out, t.data);
        (*count)++;
    }
    buf_free(&t);
}

void dbwriter_encode_texts(const osv_record *r, buf *out)
{
    vdb_put_str(out, r->summary);
    vdb_put_str(out, r->details);
    vdb_put_varint(out, r->n_refs);
    for (size_t i = 0; i < r->n_refs; i++) {
        vdb_put_str(out, r->refs[i].type);
        vdb_put_str(out, r->refs[i].url);
    }
}

/* A record's texts read back from the spill file. */
typedef struct rec_texts {
    char *summary, *details;
    osv_ref *refs;
    size_t n_refs;
} rec_texts;

static int load_texts(spill *sp, const osv_entry *en, rec_texts *t, airlock_error *err)
{
    memset(t, 0, sizeof *t);
    uint8_t *raw = xmalloc(en->text_len ? en->text_len : 1);
    if (spill_get(sp, en->text_off, en->text_len, raw, err) != 0) {
        free(raw);
        return -1;
    }
    vdb_cursor c = {raw, raw + en->text_len, false};
    size_t n;
    const uint8_t *p = vdb_get_bytes(&c, &n);
    t->summary = xstrndup((const char *)p, n);
    p = vdb_get_bytes(&c, &n);
    t->details = xstrndup((const char *)p, n);
    uint64_t nrefs = vdb_get_varint(&c);
    if (!c.bad && nrefs <= en->text_len) {
        t->refs = xcalloc(nrefs ? nrefs : 1, sizeof *t->refs);
        for (size_t i = 0; i < nrefs; i++) {
            p = vdb_get_bytes(&c, &n);
            t->refs[i].type = xstrndup((const char *)p, n);
            p = vdb_get_bytes(&c, &n);
            t->refs[i].url = xstrndup((const char *)p, n);
            t->n_refs++;
        }
    }
    bool bad = c.bad || c.p != c.end;
    free(raw);
    if (bad)
        return error_set(err, "temporary file: texts do not decode");
    return 0;
}

static void texts_clear(rec_texts *t)
{
    free(t->summary);
    free(t->details);
    for (size_t i = 0; i < t->n_refs; i++) {
        free(t->refs[i].type);
        free(t->refs[i].url);
    }
    free(t->refs);
}

static int encode_advisory(const osv_entry *e, const osv_group *g, const group_view *v,
                           spill *sp, buf *b, airlock_error *err)
{
    const osv_record *prim = &e[g->recs[0]].rec;
    rec_texts *tx = xcalloc(g->n_recs, sizeof *tx);
    for (size_t r = 0; r < g->n_recs; r++) {
        if (load_texts(sp, &e[g->recs[r]], &tx[r], err) != 0) {
            for (size_t k = 0; k < r; k++)
                texts_clear(&tx[k]);
            free(tx);
            return -1;
        }
    }
    vdb_put_str(b, prim->id);
    vdb_put_varint(b, g->n_ids);
    for (size_t i = 0; i < g->n_ids; i++)
        vdb_put_str(b, g->ids[i]);

    /* Texts: the primary's, else the first record (by ID) that has some. */
    const char *summary = "", *details = "", *published = "", *modified = "", *label = "";
    for (size_t r = 0; r < g->n_recs; r++) {
        const osv_record *rec = &e[g->recs[r]].rec;
        if (!summary[0])
            summary = tx[r].summary;
        if (!details[0])
            details = tx[r].details;
        if (!label[0])
            label = rec->label;
        if (rec->published[0] && (!published[0] || timestamp_compare(rec->published, published) < 0))
            published = rec->published;
        if (!modified[0] || timestamp_compare(rec->modified, modified) > 0)
            modified = rec->modified;
    }
    vdb_put_str(b, summary);
    vdb_put_str(b, details);
    vdb_put_str(b, published);
    vdb_put_str(b, modified);

    /* Every distinct vector, best first; the best one rates the group. */
    size_t ncv = 0;
    for (size_t r = 0; r < g->n_recs; r++)
        ncv += e[g->recs[r]].rec.n_cvss;
    const osv_cvss **cv = xcalloc(ncv ? ncv : 1, sizeof *cv);
    size_t nc = 0;
    for (size_t r = 0; r < g->n_recs; r++) {
        const osv_record *rec = &e[g->recs[r]].rec;
        for (size_t i = 0; i < rec->n_cvss; i++) {
            size_t at = 0;
            bool dup = false;
            while (at < nc && !(dup = strcmp(cv[at]->vector, rec->cvss[i].vector) == 0) &&
                   osv_cvss_rank(cv[at], &rec->cvss[i]) < 0)
                at++;
            if (dup)
                continue;
            memmove(cv + at + 1, cv + at, (nc - at) * sizeof *cv);
            cv[at] = &rec->cvss[i];
            nc++;
        }
    }
    severity level = nc > 0 ? cv[0]->level : severity_parse(label, strlen(label));
    vdb_put_varint(b, (uint64_t)level);
    vdb_put_varint(b, nc > 0 ? score10(cv[0]->score) + 1 : 0);
    vdb_put_str(b, nc > 0 ? cv[0]->type : "");
    vdb_put_str(b, nc > 0 ? cv[0]->vector : "");
    vdb_put_str(b, label);
    vdb_put_varint(b, nc);
    for (size_t i = 0; i < nc; i++) {
        vdb_put_str(b, cv[i]->type);
        vdb_put_str(b, cv[i]->vector);
        vdb_put_varint(b, score10(cv[i]->score));
        vdb_put_varint(b, (uint64_t)cv[i]->level);
    }
    free(cv);

    /* References: the union, first occurrence kept, in record order. */
    size_t nrefs = 0;
    for (size_t r = 0; r < g->n_recs; r++)
        nrefs += tx[r].n_refs;
    const osv_ref **refs = xcalloc(nrefs ? nrefs : 1, sizeof *refs);
    size_t nr = 0;
    for (size_t r = 0; r < g->n_recs; r++) {
        for (size_t i = 0; i < tx[r].n_refs; i++) {
            const osv_ref *ref = &tx[r].refs[i];
            bool dup = false;
            for (size_t k = 0; k < nr && !dup; k++)
                dup = strcmp(refs[k]->url, ref->url) == 0 && strcmp(refs[k]->type, ref->type) == 0;
            if (!dup)
                refs[nr++] = ref;
        }
    }
    vdb_put_varint(b, nr);
    for (size_t i = 0; i < nr; i++) {
        vdb_put_str(b, refs[i]->type);
        vdb_put_str(b, refs[i]->url);
    }
    free(refs);

    vdb_put_varint(b, g->n_recs);
    for (size_t r = 0; r < g->n_recs; r++) {
        const osv_entry *en = &e[g->recs[r]];
        vdb_put_str(b, en->rec.id);
        vdb_put_str(b, en->rec.modified);
        vdb_put_varint(b, en->source);
        vdb_put_str(b, en->origin);
    }

    vdb_put_varint(b, v->n_pkgs);
    buf ranges = {0};
    for (size_t i = 0; i < v->n_pkgs; i++) {
        const osv_package *p = &v->pkgs[i];
        size_t count;
        buf_reset(&ranges);
        range_texts(p, &ranges, &count);
        vdb_put_str(b, p->name);
        vdb_put_varint(b, count);
        buf_append(b, ranges.data, ranges.len);
        vdb_put_varint(b, p->n_fixed);
        for (size_t f = 0; f < p->n_fixed; f++)
            vdb_put_str(b, p->fixed[f].text);
    }
    buf_free(&ranges);
    for (size_t r = 0; r < g->n_recs; r++)
        texts_clear(&tx[r]);
    free(tx);
    return 0;
}

static void encode_key(buf *b, const osv_key *k)
{
    vdb_put_bytes(b, k->p, k->len);
}

/* One entry of a "pkg" value: a group's compiled ranges for the package. */
static void encode_pkg_entry(buf *b, uint32_t group, const osv_package *p)
{
    vdb_put_varint(b, group);
    vdb_put_varint(b, p->n_iv);
    for (size_t i = 0; i < p->n_iv; i++) {
        const osv_interval *iv = &p->iv[i];
        vdb_put_varint(b, iv->flags);
        if (iv->flags & VULNDB_IV_LO)
            encode_key(b, &iv->lo);
        if (iv->flags & VULNDB_IV_HI)
            encode_key(b, &iv->hi);
    }
    vdb_put_varint(b, p->n_versions);
    for (size_t i = 0; i < p->n_versions; i++)
        encode_key(b, &p->versions[i]);
    vdb_put_varint(b, p->n_fixed);
    for (size_t i = 0; i < p->n_fixed; i++) {
        encode_key(b, &p->fixed[i]);
        vdb_put_str(b, p->fixed[i].text);
    }
}

typedef struct pkg_ref {
    const osv_package *pkg;
    uint32_t group;
} pkg_ref;

static int pkg_ref_cmp(const void *pa, const void *pb)
{
    const pkg_ref *a = pa, *b = pb;
    int r = strcmp(a->pkg->name, b->pkg->name);
    if (r != 0)
        return r;
    return (a->group > b->group) - (a->group < b->group);
}

typedef struct id_group {
    const char *id;
    uint32_t group;
} id_group;

static int id_group_cmp(const void *pa, const void *pb)
{
    return strcmp(((const id_group *)pa)->id, ((const id_group *)pb)->id);
}

/* The write transaction, committed every WRITE_CHUNK bytes so that LMDB's
 * dirty pages (held in memory until commit) stay bounded on large dumps. */
#define WRITE_CHUNK ((size_t)32 << 20)

typedef struct writer {
    MDB_env *env;
    MDB_txn *txn;
    size_t pending;
} writer;

static int put(writer *w, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen,
               unsigned flags)
{
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    int rc = mdb_put(w->txn, dbi, &key, &val, flags);
    w->pending += klen + vlen;
    if (rc == 0 && w->pending >= WRITE_CHUNK) {
        rc = mdb_txn_commit(w->txn);
        w->txn = NULL;
        if (rc == 0)
            rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
        w->pending = 0;
    }
    return rc;
}

static int put_meta(writer *w, MDB_dbi dbi, const char *key, uint64_t value)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64, value);
    return put(w, dbi, key, strlen(key), text, (size_t)n, 0);
}

/* Returns an LMDB code, or -1 with `err` set for other failures. */
static int write_all(writer *w, MDB_dbi dbi[4], const osv_entry *e, const merge_result *m,
                     spill *sp, const db_source_meta *src,
                     size_t nsrc, db_write_info *info, airlock_error *err)
{
    int rc = 0;
    buf b = {0};
    /* meta: text values except "sources". */
    char when[32];
    snprintf(when, sizeof when, "%" PRId64, info->build_time);
    rc = put(w, dbi[0], "build_time", 10, when, strlen(when), 0);
    if (rc == 0)
        rc = put_meta(w, dbi[0], "groups", m->n_groups);
    if (rc == 0)
        rc = put_meta(w, dbi[0], "ids", m->n_ids);
    if (rc == 0)
        rc = put_meta(w, dbi[0], "records", info->records);
    if (rc == 0)
        rc = put_meta(w, dbi[0], "schema", VULNDB_SCHEMA_VERSION);
    vdb_put_varint(&b, nsrc);
    for (size_t i = 0; i < nsrc; i++) {
        vdb_put_str(&b, src[i].name);
        vdb_put_str(&b, src[i].sha256);
        vdb_put_varint(&b, src[i].records);
        vdb_put_varint(&b, src[i].kept);
        vdb_put_varint(&b, src[i].skipped);
        vdb_put_varint(&b, src[i].withdrawn);
        vdb_put_varint(&b, src[i].merged);
        vdb_put_varint(&b, src[i].other_ecosystem);
    }
    if (rc == 0)
        rc = put(w, dbi[0], "sources", 7, b.data, b.len, 0);

    /* adv: one group's merged view at a time, so memory does not double. */
    for (size_t gi = 0; rc == 0 && gi < m->n_groups; gi++) {
        if ((gi & 1023) == 0)
            progress_update(info->progress, "writing the database: %zu of %zu vulnerabilities",
                            gi, m->n_groups);
        uint8_t key[4];
        vdb_put_u32be(key, (uint32_t)gi);
        buf_reset(&b);
        group_view view;
        build_view(e, &m->groups[gi], &view);
        if (encode_advisory(e, &m->groups[gi], &view, sp, &b, err) != 0)
            rc = -1;
        view_clear(&view);
        if (rc == 0)
            rc = put(w, dbi[2], key, 4, b.data, b.len, MDB_APPEND);
    }

    /* ids */
    id_group *ids = xcalloc(m->n_ids ? m->n_ids : 1, sizeof *ids);
    size_t nids = 0;
    for (size_t gi = 0; gi < m->n_groups; gi++)
        for (size_t i = 0; i < m->groups[gi].n_ids; i++)
            ids[nids++] = (id_group){m->groups[gi].ids[i], (uint32_t)gi};
    qsort(ids, nids, sizeof *ids, id_group_cmp);
    for (size_t i = 0; rc == 0 && i < nids; i++) {
        uint8_t val[4];
        vdb_put_u32be(val, ids[i].group);
        rc = put(w, dbi[3], ids[i].id, strlen(ids[i].id), val, 4, MDB_APPEND);
    }
    free(ids);

    /* pkg: every (package, group, record entry) sorted by name and group;
     * each run of one name becomes a value, each run of one group in it an
     * entry merged from that group's records. */
    size_t nrefs = 0;
    for (size_t gi = 0; gi < m->n_groups; gi++)
        for (size_t r = 0; r < m->groups[gi].n_recs; r++)
            nrefs += e[m->groups[gi].recs[r]].rec.n_pkgs;
    pkg_ref *refs = xcalloc(nrefs ? nrefs : 1, sizeof *refs);
    size_t nr = 0;
    for (size_t gi = 0; gi < m->n_groups; gi++)
        for (size_t r = 0; r < m->groups[gi].n_recs; r++) {
            const osv_record *rec = &e[m->groups[gi].recs[r]].rec;
            for (size_t i = 0; i < rec->n_pkgs; i++)
                refs[nr++] = (pkg_ref){&rec->pkgs[i], (uint32_t)gi};
        }
    qsort(refs, nr, sizeof *refs, pkg_ref_cmp);
    uint64_t names = 0;
    for (size_t i = 0; rc == 0 && i < nr;) {
        if ((names & 1023) == 0)
            progress_update(info->progress, "writing the database: package index, %zu of %zu entries",
                            i, nr);
        size_t j = i, groups = 0;
        for (; j < nr && strcmp(refs[j].pkg->name, refs[i].pkg->name) == 0; j++)
            groups += j == i || refs[j].group != refs[j - 1].group;
        buf_reset(&b);
        vdb_put_varint(&b, groups);
        for (size_t k = i; k < j;) {
            size_t l = k;
            osv_package merged = {0};
            for (; l < j && refs[l].group == refs[k].group; l++)
                osv_package_merge(&merged, refs[l].pkg);
            encode_pkg_entry(&b, refs[k].group, &merged);
            osv_package_clear(&merged);
            k = l;
        }
        rc = put(w, dbi[1], refs[i].pkg->name, strlen(refs[i].pkg->name), b.data, b.len,
                 MDB_APPEND);
        names++;
        i = j;
    }
    free(refs);
    if (rc == 0)
        rc = put_meta(w, dbi[0], "packages", names);
    info->packages = names;
    buf_free(&b);
    return rc;
}

/* The optional release data: meta "indexes" and the "rel" database. */
static int write_releases(writer *w, MDB_dbi meta, MDB_dbi rel, const db_write_info *info)
{
    buf b = {0};
    vdb_put_varint(&b, info->n_indexes);
    for (size_t i = 0; i < info->n_indexes; i++) {
        const db_index_meta *x = &info->indexes[i];
        vdb_put_str(&b, x->name);
        vdb_put_str(&b, x->sha256);
        vdb_put_varint(&b, x->projects);
        vdb_put_varint(&b, x->releases);
    }
    int rc = put(w, meta, "indexes", 7, b.data, b.len, 0);
    buf_free(&b);
    for (size_t i = 0; rc == 0 && i < info->index->n; i++) {
        const index_entry *e = &info->index->v[i];
        if ((i & 1023) == 0)
            progress_update(info->progress, "writing the database: releases, %zu of %zu projects",
                            i, info->index->n);
        rc = put(w, rel, e->name, strlen(e->name), e->value, e->len, MDB_APPEND);
    }
    return rc;
}

int dbwriter_write(const char *mdb_path, const osv_entry *e, const merge_result *m, spill *texts,
                   const db_source_meta *src, size_t nsrc, db_write_info *info,
                   airlock_error *err)
{
    if (access(mdb_path, F_OK) == 0)
        return error_set(err, "%s: already exists", mdb_path);
    buf tmp = {0};
    buf_printf(&tmp, "%s.tmp", mdb_path);
    if (access(tmp.data, F_OK) == 0) {
        error_set(err, "%s: already exists (left by an interrupted build?)", tmp.data);
        buf_free(&tmp);
        return -1;
    }

    MDB_env *env = NULL;
    writer w = {0};
    MDB_dbi dbi[4];
    static const char *const names[4] = {VULNDB_DB_META, VULNDB_DB_PKG, VULNDB_DB_ADV,
                                         VULNDB_DB_IDS};
    const char *step = "create";
    int rc = mdb_env_create(&env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(env, VULNDB_MAX_DBS);
    if (rc == 0)
        rc = mdb_env_set_mapsize(env, VULNDB_MAP_SIZE);
    if (rc == 0) {
        step = "open";
        rc = mdb_env_open(env, tmp.data, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644);
    }
    w.env = env;
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, 0, &w.txn);
    for (int i = 0; rc == 0 && i < 4; i++)
        rc = mdb_dbi_open(w.txn, names[i], MDB_CREATE, &dbi[i]);
    if (rc == 0) {
        step = "write";
        rc = write_all(&w, dbi, e, m, texts, src, nsrc, info, err);
    }
    if (rc == 0 && info->n_indexes > 0) {
        MDB_dbi rel;
        rc = mdb_dbi_open(w.txn, VULNDB_DB_REL, MDB_CREATE, &rel);
        if (rc == 0)
            rc = write_releases(&w, dbi[0], rel, info);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(w.txn);
        w.txn = NULL;
    }
    if (w.txn != NULL)
        mdb_txn_abort(w.txn);
    if (env != NULL)
        mdb_env_close(env);
    /* The file is used as written: appending in key order leaves only the
     * few pages freed by each chunk's commit, and the same input gives the
     * same bytes. (A compacting copy would read the whole database through
     * the map, doubling the build's peak memory on large dumps.) */
    if (rc == 0 && rename(tmp.data, mdb_path) != 0) {
        error_errno(err, errno, "cannot rename %s to %s", tmp.data, mdb_path);
        rc = -1;
    }
    unlink(tmp.data);
    if (rc != 0) {
        if (rc != -1) /* -1: err already says what failed */
            error_set(err, "%s: %s: %s", tmp.data, step, mdb_strerror(rc));
        buf_free(&tmp);
        return -1;
    }
    buf_free(&tmp);
    return 0;
}
