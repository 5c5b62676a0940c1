/* Fuzz the sarif, cyclonedx, markdown and html renderers with arbitrary
 * strings in every field of a report: they must not crash, the JSON formats
 * must parse, every output must be valid UTF-8, and the HTML must never let a
 * string become markup. Input: NUL-separated fields; the first byte picks
 * severities and flags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/reports/report.h"
#include "scanner/reports/report_util.h"

typedef struct fields {
    char **v;
    size_t n, next;
} fields;

static char *field(fields *f)
{
    if (f->n == 0)
        return xstrdup("");
    return xstrdup(f->v[f->next++ % f->n]);
}

static char *maybe(fields *f, unsigned bit, unsigned flags)
{
    return (flags & bit) ? field(f) : NULL;
}

static void check_utf8(const char *s)
{
    buf b = {0};
    report_utf8_append(&b, s);
    if (b.len != strlen(s) || memcmp(b.data, s, b.len) != 0)
        abort();
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    unsigned flags = data[0];
    fields f = {0};
    /* Split the rest on NUL into strings. */
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (p < end) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
        f.v = xrealloc(f.v, (f.n + 1) * sizeof *f.v);
        f.v[f.n++] = xstrndup(p, len);
        p += len + 1;
    }

    scan_report r;
    memset(&r, 0, sizeof r);
    r.airlock_version = field(&f);
    r.hostname = maybe(&f, 1, flags);
    r.scan_time = (int64_t)(flags * 1000003u);
    r.n_inputs = 1;
    r.inputs = xcalloc(1, sizeof *r.inputs);
    r.inputs[0].kind = (input_kind)(flags % 7);
    r.inputs[0].path = field(&f);
    r.inputs[0].sha256 = maybe(&f, 2, flags);
    r.inputs[0].format = maybe(&f, 4, flags);
    r.inputs[0].note = maybe(&f, 8, flags);
    r.db.signer_key_id = maybe(&f, 4, flags);
    r.db.n_sources = 1;
    r.db.sources = xcalloc(1, sizeof *r.db.sources);
    r.db.sources[0].name = field(&f);
    size_t n_deps = 1 + flags % 3;
    for (size_t i = 0; i < n_deps; i++) {
        dependency *d = dep_list_add(&r.deps);
        d->kind = (dep_kind)((i + flags) % 5);
        d->name = field(&f);
        d->version_text = maybe(&f, 8, flags);
        d->source_file = maybe(&f, 16, flags);
        d->source_line = (unsigned)i;
        d->skip_reason = i == 2 ? field(&f) : NULL;
        d->source_kind = maybe(&f, 32, flags);
        d->group = maybe(&f, 64, flags);
        d->dev = (flags & 2) != 0;
    }
    r.findings = xcalloc(n_deps, sizeof *r.findings);
    for (size_t i = 0; i < n_deps && i < 2; i++) {
        size_t nf = 1 + (flags >> 5) % 3;
        r.findings[i].items = xcalloc(nf, sizeof(finding));
        r.findings[i].len = nf;
        for (size_t j = 0; j < nf; j++) {
            finding *x = &r.findings[i].items[j];
            x->id = field(&f);
            x->summary = maybe(&f, 32, flags);
            x->details = maybe(&f, 64, flags);
            x->level = (severity)((flags + j) % 6);
            x->score = (flags & 128) ? (double)(flags % 101) / 10.0 : -1;
            x->n_aliases = 1;
            x->aliases = xcalloc(1, sizeof(char *));
            x->aliases[0] = field(&f);
            x->n_fix_versions = j % 2;
            x->fix_versions = x->n_fix_versions ? xcalloc(1, sizeof(char *)) : NULL;
            if (x->n_fix_versions)
                x->fix_versions[0] = field(&f);
            x->n_ratings = 1;
            x->ratings = xcalloc(1, sizeof *x->ratings);
            x->ratings[0].type = field(&f);
            x->ratings[0].vector = field(&f);
            x->ratings[0].level = x->level;
            x->n_references = 1;
            x->references = xcalloc(1, sizeof *x->references);
            x->references[0].type = maybe(&f, 1, flags);
            x->references[0].url = field(&f);
            x->ignored = (j + flags) % 2;
            x->ignore_reason = x->ignored ? maybe(&f, 2, flags) : NULL;
            x->ignore_until = x->ignored ? maybe(&f, 4, flags) : NULL;
        }
    }
    /* Warnings: a path and a message from the input, like a requirement
     * line that could not be read. */
    for (unsigned i = 0; i < 1 + flags % 2; i++) {
        char *file = maybe(&f, 16, flags), *msg = field(&f);
        scan_report_add_warning(&r, file, i * flags, msg);
        free(file);
        free(msg);
    }

    /* Advice: release facts, a range, a fix without a release, a plan. */
    r.release_data = (flags & 4) != 0;
    r.advice = xcalloc(n_deps, sizeof *r.advice);
    for (size_t i = 0; i < n_deps; i++) {
        dep_advice *a = &r.advice[i];
        a->release_data = ((flags >> i) & 1) != 0;
        a->latest_version = maybe(&f, 2, flags);
        a->yanked = (flags & 8) != 0;
        a->yank_reason = maybe(&f, 16, flags);
        a->specifier = i == 2 ? field(&f) : NULL;
        if (i == 2) {
            a->n_range_risk = 1 + flags % 12;
            a->range_risk = xcalloc(a->n_range_risk, sizeof *a->range_risk);
            for (size_t k = 0; k < a->n_range_risk; k++) {
                a->range_risk[k].version = field(&f);
                a->range_risk[k].n_ids = 1;
                a->range_risk[k].ids = xcalloc(1, sizeof(char *));
                a->range_risk[k].ids[0] = field(&f);
            }
            a->resolved_version = maybe(&f, 32, flags);
            a->resolved_vulnerable = (flags & 64) != 0;
        }
    }
    r.n_fixes = 1;
    r.fixes = xcalloc(1, sizeof *r.fixes);
    r.fixes[0] = (fix_item){0, field(&f), field(&f), maybe(&f, 1, flags), field(&f)};
    for (unsigned ph = 1; ph <= PLAN_PHASES; ph++) {
        r.plan[ph - 1].phase = ph;
        r.plan[ph - 1].n_items = (flags >> ph) & 1;
        r.plan[ph - 1].items = xcalloc(1, sizeof(plan_item));
        if (r.plan[ph - 1].n_items) {
            plan_item *it = &r.plan[ph - 1].items[0];
            *it = (plan_item){field(&f), field(&f), maybe(&f, 2, flags), field(&f), NULL, 1};
            it->ids = xcalloc(1, sizeof(char *));
            it->ids[0] = field(&f);
        }
    }

    /* Drift: every status, every field from the input. */
    r.drift_checked = (flags & 128) != 0;
    r.n_drift = r.drift_checked ? 4 : 0;
    r.drift = xcalloc(4, sizeof *r.drift);
    for (size_t i = 0; i < r.n_drift; i++)
        r.drift[i] = (drift_item){field(&f), (drift_status)i, maybe(&f, 1, flags),
                                  maybe(&f, 2, flags), (unsigned)(i * flags),
                                  maybe(&f, 4, flags), maybe(&f, 8, flags)};

    static const report_format formats[] = {REPORT_SARIF, REPORT_CYCLONEDX, REPORT_MARKDOWN,
                                            REPORT_HTML, REPORT_PLAN};
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        char *out = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&out, &len);
        if (mem == NULL)
            abort();
        airlock_error err;
        report_style style = {false};
        if (report_write(formats[k], &r, &style, mem, &err) != 0)
            abort();
        fclose(mem);
        check_utf8(out);
        if (formats[k] == REPORT_SARIF || formats[k] == REPORT_CYCLONEDX) {
            cJSON *doc = cJSON_ParseWithLength(out, len);
            if (doc == NULL)
                abort();
            cJSON_Delete(doc);
        }
        if (formats[k] == REPORT_HTML && (strstr(out, "<script") || strstr(out, "<img") ||
                                          strstr(out, " src=") || strstr(out, " href=")))
            abort();
        free(out);
    }

    scan_report_free(&r);
    for (size_t i = 0; i < f.n; i++)
        free(f.v[i]);
    free(f.v);
    return 0;
}
