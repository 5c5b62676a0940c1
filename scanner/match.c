#include "scanner/match.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Whether every text a finding must have is there to point at: the
 * decoder always fills them, so a hit without them is a damaged database. */
static bool texts_present(const vulndb_advisory *a)
{
    if (a->id == NULL)
        return false;
    for (size_t i = 0; i < a->n_cvss; i++)
        if (a->cvss[i].type == NULL || a->cvss[i].vector == NULL)
            return false;
    for (size_t i = 0; i < a->n_refs; i++)
        if (a->refs[i].type == NULL || a->refs[i].url == NULL)
            return false;
    return true;
}

static char *nonempty(char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* One pooled database hit (vulndb_lookup_pooled()) as a new finding (`f`
 * is overwritten; release it with finding_clear()): empty texts become
 * NULL, the primary ID is left out of the aliases. `f` points into the
 * report's pool, which holds every string and array of the advisory and
 * the fixed versions: no allocation, and nothing to free but the pool.
 * -1 with `f` untouched when a text is missing. */
static int finding_take_hit(finding *f, vulndb_hit *h)
{
    vulndb_advisory *a = &h->adv;
    if (!texts_present(a))
        return -1;
    for (size_t i = 0; i < h->n_fix_versions; i++)
        if (h->fix_versions[i] == NULL)
            return -1;
    memset(f, 0, sizeof *f);
    f->pooled_ = true;
    f->id = a->id;
    /* The aliases are the group's IDs less the primary, in their order:
     * the block's array, closed up in place. */
    size_t n = 0;
    for (size_t i = 0; i < a->n_ids; i++)
        if (a->ids[i] != NULL && strcmp(a->ids[i], f->id) != 0)
            a->ids[n++] = a->ids[i];
    f->aliases = a->ids;
    f->n_aliases = n;
    f->summary = nonempty(a->summary);
    f->details = nonempty(a->details);
    f->published = nonempty(a->published);
    f->modified = nonempty(a->modified);
    f->level = a->level;
    f->score = a->score;
    f->ratings = a->cvss;
    f->n_ratings = a->n_cvss;
    f->fix_versions = h->fix_versions;
    f->fix_keys_ = h->fix_keys;
    f->n_fix_versions = h->n_fix_versions;
    f->references = a->refs;
    f->n_references = a->n_refs;
    return 0;
}

static void free_findings(scan_report *r)
{
    if (r->findings == NULL)
        return;
    for (size_t i = 0; i < r->deps.len; i++) {
        for (size_t j = 0; j < r->findings[i].len; j++)
            finding_clear(&r->findings[i].items[j]);
        free(r->findings[i].items);
    }
    free(r->findings);
    r->findings = NULL;
    vulndb_pool_free(&r->pool_);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const finding *)a)->id, ((const finding *)b)->id);
}

int match_report(vulndb *db, scan_report *r, airlock_error *err)
{
    free_findings(r);
    r->findings = r->deps.len ? xcalloc(r->deps.len, sizeof *r->findings) : NULL;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason != NULL || !d->has_version)
            continue;
        vulndb_hits hits = {0};
        const char *name = d->normalized ? d->normalized : d->name;
        if (vulndb_lookup_pooled(db, name, &d->version, &r->pool_, &hits, err) < 0) {
            vulndb_hits_free(&hits);
            free_findings(r);
            return error_prefix(err, "looking up %s %s", d->name,
                                d->version_text ? d->version_text : "");
        }
        if (hits.len > 0) {
            dep_findings *fs = &r->findings[i];
            fs->items = xmalloc(hits.len * sizeof *fs->items); /* each filled whole below */
            for (fs->len = 0; fs->len < hits.len; fs->len++) {
                if (finding_take_hit(&fs->items[fs->len], &hits.items[fs->len]) != 0) {
                    vulndb_hits_free(&hits);
                    free_findings(r);
                    return error_set(err, "looking up %s %s: an advisory without its texts "
                                          "(a damaged database: re-import a snapshot with "
                                          "'airlock db import')", d->name,
                                     d->version_text ? d->version_text : "");
                }
            }
            /* The groups mostly come in ID order already. */
            size_t k = 1;
            while (k < fs->len && by_id(&fs->items[k - 1], &fs->items[k]) <= 0)
                k++;
            if (k < fs->len)
                qsort(fs->items, fs->len, sizeof *fs->items, by_id);
        }
        if (hits.items != NULL) /* most have none: no call */
            vulndb_hits_free(&hits);
    }
    return 0;
}

int match_parse_fail_on(const char *text, severity *out, airlock_error *err)
{
    severity s = severity_parse(text, strlen(text));
    if (s < SEVERITY_LOW)
        return error_set(err, "invalid --fail-on level '%s' (expected low, medium, high or "
                              "critical)", text);
    *out = s;
    return 0;
}

bool match_fails(const scan_report *r, severity threshold)
{
    if (r->findings == NULL)
        return false;
    for (size_t i = 0; i < r->deps.len; i++) {
        if (r->deps.items[i].skip_reason != NULL)
            continue;
        for (size_t j = 0; j < r->findings[i].len; j++) {
            const finding *f = &r->findings[i].items[j];
            if (f->ignored)
                continue;
            severity level = f->level == SEVERITY_UNKNOWN ? SEVERITY_CRITICAL : f->level;
            if (threshold == MATCH_FAIL_ANY || level >= threshold)
                return true;
        }
    }
    return false;
}
