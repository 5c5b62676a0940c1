/*
 * fix_plan.c - the changes of `airlock fix` to requirement files: found,
 * made in memory, shown, written all or nothing (fix_plan.h).
 */
#include "scanner/fix_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/name.h"
#include "core/text.h"
#include "core/version.h"
#include "signatures/sha256.h"

/* ---- finding the lines ---- */

static bool marker_applies(const req_line *l, const marker_env *env)
{
    if (l->marker == NULL)
        return true;
    airlock_error e;
    /* One that cannot be evaluated was checked by the scan (fail closed):
     * its pin is fixed as well. */
    return marker_evaluate(l->marker, env, &e) != 0;
}

/* Keys to find lines and fixes by sorting rather than by a scan of all
 * of them for each one: a file of many pins is otherwise quadratic. */
typedef struct line_key {
    const char *path;   /* the file, or a canonical name */
    unsigned line;
    size_t i;           /* the index it stands for; ties in its order */
} line_key;

static int key_cmp(const void *a, const void *b)
{
    const line_key *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The first of the `n` sorted keys at (`path`, `line`), or n. */
static size_t key_find(const line_key *k, size_t n, const char *path, unsigned line)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k[mid].path, path);
        if (c < 0 || (c == 0 && k[mid].line < line))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool key_at(const line_key *k, size_t n, size_t at, const char *path, unsigned line)
{
    return at < n && k[at].line == line && strcmp(k[at].path, path) == 0;
}

/* r's requirement fixes by canonical name (line 0); free each path. */
static line_key *fix_keys(const scan_report *r, size_t *n)
{
    line_key *k = xcalloc(r->n_fixes ? r->n_fixes : 1, sizeof *k);
    *n = 0;
    for (size_t i = 0; i < r->n_fixes; i++) {
        const fix_item *f = &r->fixes[i];
        if (f->dep >= r->deps.len || r->deps.items[f->dep].kind != DEP_REQUIREMENT ||
            f->name == NULL || f->old_version == NULL)
            continue;
        k[(*n)++] = (line_key){name_canonicalize(f->name, strlen(f->name)), 0, i};
    }
    qsort(k, *n, sizeof *k, key_cmp);
    return k;
}

/* The fix of a requirement dependency for `normalized` at `pin`: the
 * first in r's order. */
static const fix_item *fix_for(const scan_report *r, const line_key *k, size_t n,
                               const char *normalized, const char *pin)
{
    for (size_t at = key_find(k, n, normalized, 0); key_at(k, n, at, normalized, 0); at++) {
        const fix_item *f = &r->fixes[k[at].i];
        if (req_same_version(pin, strlen(pin), f->old_version))
            return f;
    }
    return NULL;
}

/* The index of the file `path` (the same file under another name too),
 * added if new. -1 with a message when it cannot be read. */
static long file_index(fix_plan *p, const char *path, size_t top, airlock_error *err)
{
    for (size_t i = 0; i < p->n_files; i++)
        if (strcmp(p->files[i].path, path) == 0)
            return (long)i;
    struct stat st;
    if (stat(path, &st) != 0)
        return error_errno(err, errno, "%s", path);
    for (size_t i = 0; i < p->n_files; i++)
        if (p->files[i].dev == st.st_dev && p->files[i].ino == st.st_ino)
            return (long)i;
    p->files = xrealloc(p->files, (p->n_files + 1) * sizeof *p->files);
    fix_file *f = &p->files[p->n_files];
    memset(f, 0, sizeof *f);
    f->path = xstrdup(path);
    f->mode = st.st_mode & 07777;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->links = st.st_nlink;
    f->uid = st.st_uid;
    f->gid = st.st_gid;
    f->top = top;
    return (long)p->n_files++;
}

/* The SHA-256 digests of the files of `name` `version` in the index. */
static int release_hashes(fix_line *fl, vulndb *db, airlock_error *err)
{
    vulndb_releases rel;
    memset(&rel, 0, sizeof rel);
    if (db == NULL)
        return 0;
    int n = vulndb_get_releases(db, fl->name, &rel, err);
    if (n < 0)
        return -1;
    for (size_t i = 0; i < rel.len; i++) {
        const vulndb_release *v = &rel.items[i];
        if (!req_same_version(v->version, strlen(v->version), fl->new_version))
            continue;
        fl->release_known = true;
        fl->hashes = xcalloc(v->n_files ? v->n_files : 1, sizeof *fl->hashes);
        for (size_t k = 0; k < v->n_files; k++) {
            if (v->files[k].sha256[0] != '\0')
                fl->hashes[fl->n_hashes++] = xstrdup(v->files[k].sha256);
            else
                fl->files_without_hash++;
        }
        break;
    }
    vulndb_releases_free(&rel);
    return 0;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    uint8_t d[SHA256_BYTES];
    sha256(data, len, d);
    for (size_t i = 0; i < SHA256_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Read `f` again: it must be what the scan parsed. */
static int read_checked(fix_file *f, const scan_report *r, airlock_error *err)
{
    if (file_read_all(f->path, REQ_MAX_FILE_SIZE, &f->data, &f->len, err) != 0)
        return -1;
    char hex[65];
    sha256_hex(f->data, f->len, hex);
    for (size_t i = 0; i < r->n_files_read; i++)
        if (strcmp(r->files_read[i].path, f->path) == 0 && r->files_read[i].sha256 != NULL &&
            strcmp(r->files_read[i].sha256, hex) != 0)
            return error_set(err, "%s changed since the scan read it: run airlock fix again",
                             f->path);
    return 0;
}

/* The line `l` (reached from -r argument `top`) pinning `pin` with fix
 * `fx`, whose markers `apply` to the target or not; `other`: a pin that
 * gives the project another version, or NULL. */
static int add_line(fix_plan *p, const req_line *l, size_t top, const char *file_id,
                    const char *normalized, const char *pin, const fix_item *fx,
                    const req_line *other, bool apply, vulndb *db, airlock_error *err)
{
    if (p->n_lines == p->cap_lines) { /* doubling: a file of many pins */
        p->cap_lines = p->cap_lines ? 2 * p->cap_lines : 16;
        p->lines = xrealloc(p->lines, p->cap_lines * sizeof *p->lines);
    }
    fix_line *fl = &p->lines[p->n_lines++];
    memset(fl, 0, sizeof *fl);
    fl->path = xstrdup(l->file);
    fl->line = l->line;
    fl->constraint = l->constraint;
    fl->name = xstrdup(fx->name);
    fl->normalized = xstrdup(normalized);
    fl->old_version = xstrdup(pin);
    fl->note = fx->note ? xstrdup(fx->note) : NULL;
    fl->file_id = xstrdup(file_id);
    if (!apply) {
        fl->kind = FIX_LINE_MARKERS;
        return 0;
    }
    if (fx->new_version == NULL) {
        fl->kind = FIX_LINE_NO_FIX;
        return 0;
    }
    fl->new_version = xstrdup(fx->new_version);
    if (other != NULL) {
        fl->kind = FIX_LINE_CONFLICT;
        fl->other_path = xstrdup(other->file);
        fl->other_line = other->line;
        fl->other_version = xstrdup(specset_exact_pin(other->req.spec));
        return 0;
    }
    fl->kind = FIX_LINE_REWRITE;
    long fi = file_index(p, l->file, top, err);
    if (fi < 0)
        return -1;
    fl->file = (size_t)fi;
    return release_hashes(fl, db, err);
}

static int rewrite_file(fix_plan *p, size_t fi, airlock_error *err)
{
    fix_file *f = &p->files[fi];
    if (f->refused == NULL && read_checked(f, p->r, err) != 0)
        return -1;
    size_t n = 0;
    req_fix *fixes = xcalloc(p->n_lines ? p->n_lines : 1, sizeof *fixes);
    req_fix_status *st = xcalloc(p->n_lines ? p->n_lines : 1, sizeof *st);
    size_t *which = xcalloc(p->n_lines ? p->n_lines : 1, sizeof *which);
    for (size_t i = 0; i < p->n_lines; i++) {
        const fix_line *fl = &p->lines[i];
        if (fl->kind != FIX_LINE_REWRITE || fl->file != fi)
            continue;
        fixes[n] = (req_fix){fl->line, fl->name, fl->old_version, fl->new_version,
                             (const char *const *)fl->hashes, fl->n_hashes};
        which[n++] = i;
    }
    airlock_error e;
    if (f->refused != NULL ||
        req_rewrite(f->path, f->data, f->len, fixes, n, st, &f->edits, &e) != 0) {
        if (f->refused == NULL)
            f->refused = xstrdup(e.msg);
        for (size_t k = 0; k < n; k++)
            p->lines[which[k]].st = (req_fix_status){REQ_FIX_UNSAFE, f->refused, 0, 0};
    } else {
        for (size_t k = 0; k < n; k++)
            p->lines[which[k]].st = st[k];
    }
    free(fixes);
    free(st);
    free(which);
    return 0;
}

/* Each file of the requirement lines by what it is (device and inode, as
 * text), so that one file reached by two spellings (-r sub/../r.txt and
 * -r r.txt) is one file. Sorted by path; `path` is borrowed. */
typedef struct path_id {
    const char *path;
    char *id;
} path_id;

static int path_id_cmp(const void *a, const void *b)
{
    return strcmp(((const path_id *)a)->path, ((const path_id *)b)->path);
}

static path_id *file_ids(const req_lines *req, size_t *n)
{
    path_id *ids = xcalloc(req->len ? req->len : 1, sizeof *ids);
    size_t k = 0, w = 0;
    for (size_t i = 0; i < req->len; i++) /* a file's lines stand together */
        if (k == 0 || strcmp(ids[k - 1].path, req->items[i].file) != 0)
            ids[k++].path = req->items[i].file;
    qsort(ids, k, sizeof *ids, path_id_cmp);
    for (size_t i = 0; i < k; i++) {
        if (w > 0 && strcmp(ids[w - 1].path, ids[i].path) == 0)
            continue;
        struct stat st;
        buf b = {0};
        if (stat(ids[i].path, &st) == 0)
            buf_printf(&b, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
        else
            buf_printf(&b, "?%s", ids[i].path); /* said when it is read */
        ids[w].path = ids[i].path;
        ids[w++].id = buf_detach(&b, NULL);
    }
    *n = w;
    return ids;
}

static const char *id_of(const path_id *ids, size_t n, const char *path)
{
    path_id key = {path, NULL};
    const path_id *f = path ? bsearch(&key, ids, n, sizeof *ids, path_id_cmp) : NULL;
    return f ? f->id : NULL;
}

/* An exact pin of a project that has a fix, on a line reached from -r
 * argument `top`. */
typedef struct pin_key {
    size_t top;
    char *name;       /* canonical */
    const char *pin;
    size_t i;         /* the requirement line */
} pin_key;

static int pin_cmp(const void *a, const void *b)
{
    const pin_key *x = a, *y = b;
    if (x->top != y->top)
        return x->top < y->top ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Whether pin `b` is the version `a` (parsed, or NULL when `a_text` is
 * not a PEP 440 version) is. */
static bool same_as(const version *a, const char *a_text, const char *b)
{
    if (a == NULL)
        return req_same_version(a_text, strlen(a_text), b);
    version vb;
    airlock_error e;
    if (version_parse(&vb, b, strlen(b), &e) != 0)
        return false;
    bool same = version_compare(a, &vb) == 0;
    version_clear(&vb);
    return same;
}

/* For each requirement line that stands (first[i] == i): a line reached
 * from the same -r argument that pins the same project at another
 * version, both for the target; else SIZE_MAX. Only projects with a fix
 * (keys `fk`) are looked at; the markers of their pins are evaluated
 * once, into applies[i] (left -1 for the others). Sorted, not pairwise:
 * a file may pin one project on many lines. */
static size_t *conflicts(const fix_plan *p, const size_t *top_of, const size_t *first,
                         const line_key *fk, size_t n_fk, const marker_env *env,
                         signed char *applies)
{
    size_t n = p->req.len, m = 0;
    size_t *other = xcalloc(n ? n : 1, sizeof *other);
    pin_key *k = xcalloc(n ? n : 1, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        other[i] = SIZE_MAX;
        const req_line *l = &p->req.items[i];
        const char *pin = !l->invalid && l->has_req && l->form == REQ_NAMED
                              ? specset_exact_pin(l->req.spec) : NULL;
        if (pin == NULL)
            continue;
        char *name = name_canonicalize(l->req.name, strlen(l->req.name));
        if (!key_at(fk, n_fk, key_find(fk, n_fk, name, 0), name, 0)) {
            free(name);
            continue;
        }
        applies[i] = marker_applies(l, env);
        if (!applies[i]) {
            free(name);
            continue;
        }
        k[m++] = (pin_key){top_of[i], name, pin, i};
    }
    qsort(k, m, sizeof *k, pin_cmp);
    for (size_t g = 0, e; g < m; g = e) {
        version vg; /* the group's first version, parsed once */
        airlock_error err;
        bool parsed = version_parse(&vg, k[g].pin, strlen(k[g].pin), &err) == 0;
        const version *a = parsed ? &vg : NULL;
        size_t diff = SIZE_MAX; /* the first pin of the group at another version */
        for (e = g; e < m && k[e].top == k[g].top && strcmp(k[e].name, k[g].name) == 0; e++)
            if (diff == SIZE_MAX && !same_as(a, k[g].pin, k[e].pin))
                diff = e;
        for (size_t x = g; x < e && diff != SIZE_MAX; x++) {
            size_t y = same_as(a, k[g].pin, k[x].pin) ? diff : g;
            size_t at = first[k[x].i];
            if (other[at] == SIZE_MAX)
                other[at] = k[y].i;
        }
        if (parsed)
            version_clear(&vg);
    }
    for (size_t i = 0; i < m; i++)
        free(k[i].name);
    free(k);
    return other;
}

/* Files reached by an include out of the directory of the -r argument
 * they came from are left, unless `allowed`. Resolved paths: a link
 * inside that leads out is out, as the write would follow it. */
static void mark_outside(fix_plan *p, const scan_arg *args, bool allowed)
{
    for (size_t i = 0; i < p->n_files; i++) {
        fix_file *f = &p->files[i];
        const char *top = args[f->top].path;
        struct stat st;
        if (stat(top, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
            continue; /* the file named */
        buf dir = {0};
        const char *slash = strrchr(top, '/');
        if (slash == NULL)
            buf_puts(&dir, ".");
        else if (slash == top)
            buf_puts(&dir, "/");
        else
            buf_append(&dir, top, (size_t)(slash - top));
        char *rd = realpath(dir.data, NULL), *rf = realpath(f->path, NULL);
        size_t n = rd ? strlen(rd) : 0;
        f->outside = rd == NULL || rf == NULL || strncmp(rf, rd, n) != 0 ||
                     !(rf[n] == '/' || (n == 1 && rd[0] == '/'));
        if (f->outside && !allowed) {
            buf why = {0};
            buf_printf(&why, "the file is outside %s, the directory of %s: rewritten only "
                       "with --rewrite-outside", dir.data, top);
            f->refused = buf_detach(&why, NULL);
        }
        free(rd);
        free(rf);
        buf_free(&dir);
    }
}

/* Whether the plan fixes each dependency of the scan: by its own line,
 * when it pins; else by a constraint that gave its version. `lk`: the
 * requirement lines sorted by file and line; `ids`: their files. */
static void dep_states(fix_plan *p, const line_key *lk, const path_id *ids, size_t n_ids)
{
    const scan_report *r = p->r;
    p->dep_state = xcalloc(r->deps.len ? r->deps.len : 1, sizeof *p->dep_state);
    line_key *by_line = xcalloc(p->n_lines ? p->n_lines : 1, sizeof *by_line);
    line_key *by_name = xcalloc(p->n_lines ? p->n_lines : 1, sizeof *by_name);
    size_t n_name = 0;
    for (size_t i = 0; i < p->n_lines; i++) {
        by_line[i] = (line_key){p->lines[i].file_id, p->lines[i].line, i};
        if (p->lines[i].constraint)
            by_name[n_name++] = (line_key){p->lines[i].normalized, 0, i};
    }
    qsort(by_line, p->n_lines, sizeof *by_line, key_cmp);
    qsort(by_name, n_name, sizeof *by_name, key_cmp);
    for (size_t dep = 0; dep < r->deps.len; dep++) {
        const dependency *d = &r->deps.items[dep];
        fix_dep_state state = FIX_DEP_UNKNOWN;
        p->dep_state[dep] = state;
        if (d->kind != DEP_REQUIREMENT || d->source_file == NULL)
            continue;
        bool own_pin = false;
        for (size_t at = key_find(lk, p->req.len, d->source_file, d->source_line);
             !own_pin && key_at(lk, p->req.len, at, d->source_file, d->source_line); at++) {
            const req_line *l = &p->req.items[lk[at].i];
            own_pin = !l->constraint && l->has_req && l->form == REQ_NAMED &&
                      specset_exact_pin(l->req.spec) != NULL;
        }
        /* Its own line by the file it is in, whatever the spelling. */
        const line_key *k = own_pin ? by_line : by_name;
        size_t n = own_pin ? p->n_lines : n_name;
        const char *path = own_pin ? id_of(ids, n_ids, d->source_file) : d->normalized;
        unsigned line = own_pin ? d->source_line : 0;
        if (path == NULL || (!own_pin && d->version_text == NULL))
            continue;
        for (size_t at = key_find(k, n, path, line); key_at(k, n, at, path, line); at++) {
            const fix_line *fl = &p->lines[k[at].i];
            if (!own_pin &&
                !req_same_version(fl->old_version, strlen(fl->old_version), d->version_text))
                continue;
            if (fl->kind == FIX_LINE_REWRITE && fl->st.result == REQ_FIX_APPLIED) {
                state = FIX_DEP_FIXED;
                break;
            }
            state = FIX_DEP_REPORTED;
        }
        p->dep_state[dep] = state;
    }
    free(by_line);
    free(by_name);
}

int fix_plan_make(fix_plan *p, const scan_arg *args, size_t n_args, const fix_plan_options *o,
                  const scan_report *r, vulndb *db, diag *d, airlock_error *err)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    marker_env env;
    if (marker_env_for_target(&env, o->python_version, o->platform, err) != 0)
        return -1;
    int rc = 0;
    size_t *top_of = xcalloc(1, sizeof *top_of); /* each line's -r argument */
    for (size_t i = 0; i < n_args && rc == 0; i++) {
        if (args[i].kind != INPUT_REQUIREMENTS)
            continue;
        size_t before = p->req.len;
        rc = requirements_parse(args[i].path, false, &p->req, d, err);
        top_of = xrealloc(top_of, (p->req.len ? p->req.len : 1) * sizeof *top_of);
        for (size_t k = before; k < p->req.len; k++)
            top_of[k] = i;
    }
    size_t n_ids;
    path_id *ids = file_ids(&p->req, &n_ids);
    line_key *lk = xcalloc(p->req.len ? p->req.len : 1, sizeof *lk);
    line_key *ik = xcalloc(p->req.len ? p->req.len : 1, sizeof *ik);
    for (size_t i = 0; i < p->req.len; i++) {
        lk[i] = (line_key){p->req.items[i].file, p->req.items[i].line, i};
        ik[i] = (line_key){id_of(ids, n_ids, p->req.items[i].file), p->req.items[i].line, i};
    }
    qsort(lk, p->req.len, sizeof *lk, key_cmp);
    qsort(ik, p->req.len, sizeof *ik, key_cmp);
    /* A file included twice, or by two spellings, gives its lines twice:
     * the first stands. */
    size_t *first = xcalloc(p->req.len ? p->req.len : 1, sizeof *first);
    for (size_t i = 0; i < p->req.len; i++) {
        bool again = i > 0 && key_at(ik, p->req.len, i - 1, ik[i].path, ik[i].line);
        first[ik[i].i] = again ? first[ik[i - 1].i] : ik[i].i;
    }
    free(ik);
    size_t n_fk;
    line_key *fk = fix_keys(r, &n_fk);
    signed char *applies = xmalloc(p->req.len ? p->req.len : 1);
    memset(applies, -1, p->req.len ? p->req.len : 1);
    size_t *other = conflicts(p, top_of, first, fk, n_fk, &env, applies);
    for (size_t i = 0; i < p->req.len && rc == 0; i++) {
        const req_line *l = &p->req.items[i];
        if (first[i] != i || l->invalid || !l->has_req || l->form != REQ_NAMED)
            continue;
        const char *pin = specset_exact_pin(l->req.spec);
        if (pin == NULL)
            continue;
        char *normalized = name_canonicalize(l->req.name, strlen(l->req.name));
        const fix_item *fx = fix_for(r, fk, n_fk, normalized, pin);
        const req_line *o2 = other[i] == SIZE_MAX ? NULL : &p->req.items[other[i]];
        if (fx != NULL) {
            bool apply = applies[i] >= 0 ? applies[i] != 0 : marker_applies(l, &env);
            rc = add_line(p, l, top_of[i], id_of(ids, n_ids, l->file), normalized, pin, fx, o2,
                          apply, db, err);
        }
        free(normalized);
    }
    for (size_t i = 0; i < n_fk; i++)
        free((char *)fk[i].path);
    free(fk);
    free(other);
    free(applies);
    free(first);
    free(top_of);
    if (rc == 0)
        mark_outside(p, args, o->rewrite_outside);
    for (size_t i = 0; i < p->n_files && rc == 0; i++)
        rc = rewrite_file(p, i, err);
    if (rc == 0)
        dep_states(p, lk, ids, n_ids);
    free(lk);
    for (size_t i = 0; i < n_ids; i++)
        free(ids[i].id);
    free(ids);
    marker_env_clear(&env);
    return rc;
}

/* ---- showing and writing ---- */

void fix_plan_diff(const fix_plan *p, buf *out)
{
    for (size_t i = 0; i < p->n_files; i++) {
        const fix_file *f = &p->files[i];
        text_edits_diff(f->data, f->len, &f->edits, f->path, f->path, 3, out);
    }
}

/* Write `data` to `path`: a new file `exclusive`ly, or one replacing the
 * file (dev, ino) of `expect` (NULL: whatever is there), with the owner
 * of `owner` (NULL: the writer's). *wrote (if not NULL): the file
 * written. A name changed since into a link elsewhere is not written
 * through, the rename would put the new text wherever the link points:
 * -2 (no message) then, else 0 or -1 with a message. */
static int write_file(const char *path, const char *data, size_t len, mode_t mode,
                      bool exclusive, const struct stat *expect, const fix_file *owner,
                      struct stat *wrote, airlock_error *err)
{
    atomic_file af;
    if (atomic_open(&af, path, mode, exclusive, err) != 0)
        return -1;
    struct stat st;
    if (expect != NULL &&
        (af.dirfd < 0 || fstatat(af.dirfd, af.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
         st.st_dev != expect->st_dev || st.st_ino != expect->st_ino)) {
        atomic_abort(&af);
        return -2;
    }
    /* atomic_open() keeps the owner of a file others may read only: a
     * private requirement file (0600) rewritten by root must stay its
     * owner's, and so must its backup. */
    if (owner != NULL && (owner->uid != geteuid() || owner->gid != getegid()) &&
        fchown(fileno(af.fp), owner->uid, owner->gid) != 0) {
        int e = errno;
        atomic_abort(&af);
        return error_errno(err, e, "%s: cannot keep its owner (uid %u, gid %u), so it is not "
                           "written", path, (unsigned)owner->uid, (unsigned)owner->gid);
    }
    if ((len > 0 && fwrite(data, 1, len, af.fp) != len) ||
        (fchmod(fileno(af.fp), mode) != 0) || (wrote != NULL && fstat(fileno(af.fp), wrote) != 0)) {
        int e = errno;
        atomic_abort(&af);
        return error_errno(err, e, "%s", path);
    }
    return atomic_commit(&af, err);
}

/* Put back the original of `f`, replaced by this run, but only while its
 * name still leads to the file this run wrote: swapped since for a link,
 * it would be written wherever the link points. 0, or -1 said on stderr
 * with the backup to restore by hand. */
static int put_back(const fix_file *f)
{
    struct stat wrote;
    memset(&wrote, 0, sizeof wrote);
    wrote.st_dev = f->new_dev;
    wrote.st_ino = f->new_ino;
    airlock_error e = {{0}};
    int rc = write_file(f->path, f->data, f->len, f->mode, false, &wrote, f, NULL, &e);
    if (rc == 0)
        return 0;
    buf b = {0};
    if (rc == -2)
        buf_printf(&b, "%s: not put back: it is no longer the file airlock fix wrote (replaced, "
                   "or swapped for a link, meanwhile), and nothing is written through it; its "
                   "original is in %s: restore it by hand", f->path, f->bak);
    else
        buf_printf(&b, "%s: cannot put back its original (%s); it is in %s: restore it by "
                   "hand", f->path, e.msg, f->bak);
    diag_error("airlock fix", b.data);
    buf_free(&b);
    return -1;
}

/* Whether `path` holds exactly f's bytes: 1, 0 (another file, or
 * something else than a regular file), or -1 when there is nothing. */
static int holds_copy(const fix_file *f, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? -1 : 0;
    char *data = NULL;
    size_t len = 0;
    airlock_error e;
    bool same = S_ISREG(st.st_mode) && (size_t)st.st_size == f->len &&
                file_read_all(path, f->len, &data, &len, &e) == 0 && len == f->len &&
                memcmp(data, f->data, len) == 0;
    free(data);
    return same;
}

/* Where the original of `f` is kept: FILE.bak, or when that exists and
 * holds something else (the user's, or the original of an earlier run),
 * the first free FILE.bak.N. *exists: it already holds the original (a
 * run that stopped after writing it), so it is not written again. */
static int choose_bak(fix_file *f, bool *exists, airlock_error *err)
{
    buf b = {0};
    for (unsigned n = 0; n <= FIX_BAK_MAX; n++) {
        buf_reset(&b);
        buf_printf(&b, n == 0 ? "%s.bak" : "%s.bak.%u", f->path, n);
        int h = holds_copy(f, b.data);
        if (h != 0) {
            free(f->bak);
            f->bak = buf_detach(&b, NULL);
            *exists = h == 1;
            return 0;
        }
    }
    buf_free(&b);
    return error_set(err, "%s.bak and %s.bak.1 to .bak.%u all exist: move them away and run "
                     "airlock fix again", f->path, f->path, FIX_BAK_MAX);
}

int fix_plan_write(fix_plan *p, airlock_error *err)
{
    /* Check everything first: no file changed, a backup name free. */
    for (size_t i = 0; i < p->n_files; i++) {
        fix_file *f = &p->files[i];
        if (f->edits.len == 0)
            continue;
        char *data = NULL;
        size_t len = 0;
        if (file_read_all(f->path, REQ_MAX_FILE_SIZE, &data, &len, err) != 0)
            return -1;
        struct stat st;
        bool same = len == f->len && memcmp(data, f->data, len) == 0 &&
                    stat(f->path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino;
        free(data);
        if (!same)
            return error_set(err, "%s changed while airlock fix ran: run it again", f->path);
        bool exists;
        if (choose_bak(f, &exists, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < p->n_files; i++) {
        fix_file *f = &p->files[i];
        if (f->edits.len == 0)
            continue;
        bool exists;
        int rc = choose_bak(f, &exists, err);
        if (rc == 0 && !exists &&
            write_file(f->bak, f->data, f->len, f->mode, true, NULL, f, NULL, err) != 0)
            rc = -1;
        if (rc != 0)
            return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < p->n_files && rc == 0; i++) {
        fix_file *f = &p->files[i];
        if (f->edits.len == 0)
            continue;
        buf out = {0};
        text_edits_apply(f->data, f->len, &f->edits, &out);
        struct stat was, wrote;
        memset(&was, 0, sizeof was);
        was.st_dev = f->dev;
        was.st_ino = f->ino;
        rc = write_file(f->path, out.data ? out.data : "", out.len, f->mode, false, &was, f,
                        &wrote, err);
        buf_free(&out);
        if (rc == -2)
            error_set(err, "%s changed while airlock fix ran (it is not the file read): run "
                      "it again", f->path);
        if (rc == 0) {
            f->replaced = true;
            f->new_dev = wrote.st_dev;
            f->new_ino = wrote.st_ino;
        }
    }
    if (rc == 0)
        return 0;
    /* All or nothing: put back the files already replaced. */
    for (size_t i = 0; i < p->n_files; i++)
        if (p->files[i].replaced && put_back(&p->files[i]) != 0)
            p->not_restored++;
    return -1;
}

/* ---- saying what was done ---- */

static void put_safe(FILE *out, const char *s)
{
    text_safe_fputs(s ? s : "", out, 0);
}

static void line_head(FILE *out, const fix_line *fl)
{
    put_safe(out, fl->path);
    fprintf(out, ":%u: ", fl->line);
    put_safe(out, fl->name);
    fputc(' ', out);
    put_safe(out, fl->old_version);
}

void fix_plan_report(const fix_plan *p, bool dry_run, FILE *out)
{
    size_t changed = 0, files = 0;
    for (size_t i = 0; i < p->n_lines; i++) {
        const fix_line *fl = &p->lines[i];
        line_head(out, fl);
        if (fl->kind == FIX_LINE_MARKERS) {
            fputs(": left as it is: its markers do not apply to the target (see "
                  "--python-version, --platform); run airlock fix for that target\n", out);
            continue;
        }
        if (fl->kind == FIX_LINE_CONFLICT) {
            /* pip refuses the pair for this target: which one was meant
             * is not ours to guess. */
            fputs(" -> ", out);
            put_safe(out, fl->new_version);
            fputs(": not rewritten: ", out);
            put_safe(out, fl->name);
            fputs(" is also pinned at ", out);
            put_safe(out, fl->other_version);
            fputs(" in ", out);
            put_safe(out, fl->other_path);
            fprintf(out, ":%u for this target; make the pins agree, then run airlock fix "
                    "again\n", fl->other_line);
            buf b = {0};
            buf_printf(&b, "%s pinned at %s here and at %s in %s:%u, both for this target (pip "
                       "refuses the pair): not rewritten", fl->name, fl->old_version,
                       fl->other_version, fl->other_path, fl->other_line);
            diag_print(fl->path, fl->line, b.data);
            buf_free(&b);
            continue;
        }
        if (fl->kind == FIX_LINE_NO_FIX) {
            fputs(": no fix", out);
            if (fl->note) {
                fputs(": ", out);
                put_safe(out, fl->note);
            }
            fputc('\n', out);
            continue;
        }
        if (fl->st.result != REQ_FIX_APPLIED) {
            fputs(" -> ", out);
            put_safe(out, fl->new_version);
            fputs(": not rewritten: ", out);
            put_safe(out, fl->st.why ? fl->st.why : "");
            fputc('\n', out);
            continue;
        }
        changed++;
        fputs(" -> ", out);
        put_safe(out, fl->new_version);
        if (fl->st.hashes_removed > 0 && fl->st.hashes_added > 0)
            fprintf(out, " (%zu --hash replaced by %zu from the index)", fl->st.hashes_removed,
                    fl->st.hashes_added);
        fputc('\n', out);
        if (fl->st.hashes_removed > 0 && fl->st.hashes_added == 0) {
            buf b = {0};
            buf_printf(&b, "%zu --hash of %s removed: %s; pip's hash-checking mode needs "
                       "them back (pip hash, pip-compile --generate-hashes)",
                       fl->st.hashes_removed, fl->name,
                       !fl->release_known ? "the database has no release data for the new "
                                            "version"
                                          : "the index gave no SHA-256 for its files");
            diag_print(fl->path, fl->line, b.data);
            buf_free(&b);
        } else if (fl->st.hashes_removed > 0 && fl->files_without_hash > 0) {
            buf b = {0};
            buf_printf(&b, "%zu file%s of %s %s had no SHA-256 in the index: pip's "
                       "hash-checking mode refuses %s", fl->files_without_hash,
                       fl->files_without_hash == 1 ? "" : "s", fl->name, fl->new_version,
                       fl->files_without_hash == 1 ? "it" : "them");
            diag_print(fl->path, fl->line, b.data);
            buf_free(&b);
        }
    }
    for (size_t i = 0; i < p->n_files; i++) {
        const fix_file *f = &p->files[i];
        if (f->edits.len == 0)
            continue;
        files++;
        /* Every file written is named, the more so one out of the tree. */
        put_safe(out, f->path);
        if (!dry_run && f->bak != NULL) {
            fputs(": the original is kept as ", out);
            put_safe(out, f->bak);
        } else {
            fputs(dry_run ? ": would be rewritten" : ": rewritten", out);
        }
        if (f->outside)
            fputs(" (outside the directory of the -r file: --rewrite-outside)", out);
        fputc('\n', out);
        if (f->links > 1) {
            /* The rename gives the name a new file; say so, not only in docs. */
            buf b = {0};
            uintmax_t others = (uintmax_t)f->links - 1;
            buf_printf(&b, "has %ju hard links: it %s replaced by a new file, so its other "
                       "name%s %s the old content", (uintmax_t)f->links,
                       dry_run ? "would be" : "is", others == 1 ? "" : "s",
                       dry_run ? "would keep" : others == 1 ? "keeps" : "keep");
            diag_print(f->path, 0, b.data);
            buf_free(&b);
        }
    }
    if (changed > 0)
        fprintf(out, "airlock fix: %zu %s %s in %zu %s%s\n", changed,
                changed == 1 ? "pin" : "pins", dry_run ? "would be rewritten" : "rewritten",
                files, files == 1 ? "file" : "files",
                dry_run ? " (--dry-run: nothing written)" : "");
}

fix_dep_state fix_plan_dep(const fix_plan *p, size_t dep)
{
    return p->dep_state != NULL && dep < p->r->deps.len ? (fix_dep_state)p->dep_state[dep]
                                                          : FIX_DEP_UNKNOWN;
}

void fix_plan_free(fix_plan *p)
{
    for (size_t i = 0; i < p->n_files; i++) {
        fix_file *f = &p->files[i];
        free(f->path);
        free(f->data);
        text_edits_free(&f->edits);
        free(f->refused);
        free(f->bak);
    }
    free(p->files);
    for (size_t i = 0; i < p->n_lines; i++) {
        fix_line *fl = &p->lines[i];
        free(fl->path);
        free(fl->name);
        free(fl->normalized);
        free(fl->old_version);
        free(fl->new_version);
        free(fl->note);
        free(fl->file_id);
        free(fl->other_path);
        free(fl->other_version);
        for (size_t k = 0; k < fl->n_hashes; k++)
            free(fl->hashes[k]);
        free(fl->hashes);
    }
    free(p->lines);
    free(p->dep_state);
    req_lines_free(&p->req);
    memset(p, 0, sizeof *p);
}
