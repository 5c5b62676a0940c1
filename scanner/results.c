#include "scanner/results.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/drift.h"

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void finding_clear(finding *f)
{
    if (f->strings_ == NULL && !f->pooled_) { /* else a block or the pool holds these */
        free(f->id);
        for (size_t i = 0; i < f->n_aliases; i++)
            free(f->aliases[i]);
        free(f->summary);
        free(f->details);
        free(f->published);
        free(f->modified);
        for (size_t i = 0; i < f->n_ratings; i++) {
            free(f->ratings[i].type);
            free(f->ratings[i].vector);
        }
        for (size_t i = 0; i < f->n_references; i++) {
            free(f->references[i].type);
            free(f->references[i].url);
        }
        free(f->aliases);
        free(f->ratings);
        free(f->references);
        free_strings(f->fix_versions, f->n_fix_versions);
    }
    free(f->ignore_reason);
    free(f->ignore_until);
    free(f->strings_);
    memset(f, 0, sizeof *f);
}

void scan_report_clear_advice(scan_report *r)
{
    for (size_t i = 0; r->advice != NULL && i < r->deps.len; i++) {
        dep_advice *a = &r->advice[i];
        /* Most dependencies have no advice: five calls of free(NULL)
         * each were most of this loop. */
        if (a->latest_version == NULL && a->yank_reason == NULL && a->specifier == NULL &&
            a->range_risk == NULL && a->resolved_version == NULL)
            continue;
        free(a->latest_version);
        free(a->yank_reason);
        free(a->specifier);
        for (size_t k = 0; k < a->n_range_risk; k++) {
            free(a->range_risk[k].version);
            free_strings(a->range_risk[k].ids, a->range_risk[k].n_ids);
        }
        free(a->range_risk);
        free(a->resolved_version);
    }
    free(r->advice);
    r->advice = NULL;
    bool pooled = r->advice_pool_.chunks != NULL; /* results.h */
    for (size_t i = 0; i < r->n_fixes && !pooled; i++) {
        free(r->fixes[i].name);
        free(r->fixes[i].old_version);
        free(r->fixes[i].new_version);
        free(r->fixes[i].note);
    }
    free(r->fixes);
    r->fixes = NULL;
    r->n_fixes = 0;
    for (size_t p = 0; p < PLAN_PHASES; p++) {
        plan_phase *ph = &r->plan[p];
        for (size_t i = 0; i < ph->n_items && !pooled; i++) {
            plan_item *it = &ph->items[i];
            free(it->name);
            free(it->from);
            free(it->to);
            free(it->reason);
            free_strings(it->ids, it->n_ids);
        }
        free(ph->items);
        memset(ph, 0, sizeof *ph);
    }
    vulndb_pool_free(&r->advice_pool_);
}

void scan_report_free(scan_report *r)
{
    scan_report_clear_advice(r); /* before the deps: it walks deps.len */
    free(r->airlock_version);
    free(r->hostname);
    for (size_t i = 0; i < r->n_inputs; i++) {
        free(r->inputs[i].path);
        free(r->inputs[i].sha256);
        free(r->inputs[i].format);
        free(r->inputs[i].note);
    }
    free(r->inputs);
    for (size_t i = 0; i < r->n_files_read; i++) {
        free(r->files_read[i].path);
        free(r->files_read[i].sha256);
        free(r->files_read[i].format);
        free(r->files_read[i].note);
    }
    free(r->files_read);
    free(r->db.signer_key_id);
    free(r->db.snapshot_digest);
    free(r->db.db_digest);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        free(r->db.sources[i].name);
        free(r->db.sources[i].sha256);
    }
    free(r->db.sources);
    for (size_t i = 0; i < r->db.n_indexes; i++) {
        free(r->db.indexes[i].name);
        free(r->db.indexes[i].sha256);
    }
    free(r->db.indexes);
    if (r->findings != NULL) {
        for (size_t i = 0; i < r->deps.len; i++) {
            for (size_t j = 0; j < r->findings[i].len; j++)
                finding_clear(&r->findings[i].items[j]);
            free(r->findings[i].items);
        }
        free(r->findings);
    }
    vulndb_pool_free(&r->pool_);
    dep_list_free(&r->deps);
    for (size_t i = 0; i < r->n_expired; i++) {
        free(r->expired[i].id);
        free(r->expired[i].until);
        free(r->expired[i].reason);
        free(r->expired[i].file);
    }
    free(r->expired);
    for (size_t i = 0; i < r->n_warnings; i++) {
        free(r->warnings[i].file);
        free(r->warnings[i].message);
    }
    free(r->warnings);
    for (size_t i = 0; i < r->n_drift; i++)
        drift_item_clear(&r->drift[i]);
    free(r->drift);
    memset(r, 0, sizeof *r);
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static void push_warning(scan_report *r, const char *file, unsigned line, const char *message)
{
    /* Capacity doubles at each power of two: a file of many bad lines must
     * not cost a reallocation each. */
    size_t n = r->n_warnings;
    if ((n & (n - 1)) == 0)
        r->warnings = xrealloc(r->warnings, (n ? 2 * n : 1) * sizeof *r->warnings);
    scan_warning *w = &r->warnings[r->n_warnings++];
    w->file = file != NULL ? xstrdup(file) : NULL;
    w->line = line;
    w->message = xstrdup(message != NULL ? message : "");
}

void scan_report_add_warning(scan_report *r, const char *file, unsigned line,
                             const char *message)
{
    enum { COUNT_MSG_MAX = 160 };
    if (r->n_warnings == SCAN_WARNINGS_LISTED) {
        push_warning(r, NULL, 0, ""); /* the entry that counts the rest */
        free(r->warnings[SCAN_WARNINGS_LISTED].message);
        r->warnings[SCAN_WARNINGS_LISTED].message = xcalloc(1, COUNT_MSG_MAX);
    }
    if (r->n_warnings <= SCAN_WARNINGS_LISTED) {
        push_warning(r, file, line, message);
        return;
    }
    /* Rewritten in place for each one, without printf: snprintf cost
     * 0.35 s a million bad lines, a third of the time spent reading them. */
    size_t n = ++r->n_warnings_unlisted;
    char digits[24];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    static const char one[] = " more warning not listed: a report lists the first "
                              STRINGIFY(SCAN_WARNINGS_LISTED)
                              " (the scan printed every one to standard error)";
    static const char many[] = " more warnings not listed: a report lists the first "
                               STRINGIFY(SCAN_WARNINGS_LISTED)
                               " (the scan printed every one to standard error)";
    _Static_assert(sizeof digits + sizeof many <= COUNT_MSG_MAX, "the count message fits");
    char *m = r->warnings[SCAN_WARNINGS_LISTED].message;
    memcpy(m, digits + k, sizeof digits - k);
    if (r->n_warnings_unlisted == 1)
        memcpy(m + sizeof digits - k, one, sizeof one);
    else
        memcpy(m + sizeof digits - k, many, sizeof many);
}

void scan_report_count(const scan_report *r, scan_counts *out)
{
    memset(out, 0, sizeof *out);
    out->dependencies = r->deps.len;
    out->warnings = r->n_warnings;
    if (r->n_warnings > SCAN_WARNINGS_LISTED) /* the last entry counts the rest */
        out->warnings = SCAN_WARNINGS_LISTED + r->n_warnings_unlisted;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason != NULL) {
            out->skipped++;
            continue;
        }
        out->checked++;
        bool vulnerable = false;
        const dep_findings *fs = r->findings ? &r->findings[i] : NULL;
        for (size_t j = 0; fs != NULL && j < fs->len; j++) {
            const finding *f = &fs->items[j];
            if (f->ignored) {
                out->ignored++;
                continue;
            }
            vulnerable = true;
            out->findings++;
            out->by_severity[f->level]++;
        }
        if (vulnerable)
            out->vulnerable++;
    }
}
