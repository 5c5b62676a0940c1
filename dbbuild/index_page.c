/*
 * index_page.c - read a PEP 691 JSON project page into its releases
 * (index_page.h), and encode them as the database's "rel" value.
 */
#include "dbbuild/index_page.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/name.h"
#include "core/text.h"
#include "db/vulndb_format.h"
#include "dbbuild/osv_record.h"

/* One file or one listed version, before they are grouped by release. */
typedef struct item {
    version v;
    char *text;      /* canonical version */
    bool has_file;
    index_file f;
} item;

typedef struct page {
    const char *origin;
    const char *name;  /* normalised */
    diag *d;
    item *items;
    size_t n, cap;
    uint64_t bad;
} page;

static void file_clear(index_file *f)
{
    free(f->filename);
    free(f->yank_reason);
    free(f->requires_python);
}

static item *add_item(page *pg)
{
    if (pg->n == pg->cap) {
        pg->cap = pg->cap ? 2 * pg->cap : 64;
        pg->items = xrealloc(pg->items, pg->cap * sizeof *pg->items);
    }
    item *it = &pg->items[pg->n++];
    memset(it, 0, sizeof *it);
    it->f.upload_time = -1;
    return it;
}

/* A version as written: parsed, or a warning and -1. */
static int parse_version(page *pg, const char *text, size_t len, const char *where, item *it)
{
    airlock_error verr;
    if (len > INDEX_MAX_VERSION) {
        diag_warn(pg->d, pg->origin, 0, "%s: version longer than %u bytes; skipped", where,
                  INDEX_MAX_VERSION);
        pg->bad++;
        return -1;
    }
    if (version_parse(&it->v, text, len, &verr) != 0) {
        diag_warn(pg->d, pg->origin, 0, "%s: %s; skipped", where, verr.msg);
        pg->bad++;
        return -1;
    }
    char canon[2 * INDEX_MAX_VERSION + 64];
    size_t n = version_format(&it->v, canon, sizeof canon);
    it->text = n < sizeof canon ? xstrdup(canon) : xstrndup(text, len);
    return 0;
}

/* True if the `len` bytes at `s` name the project (PEP 503). */
static bool names_project(const page *pg, const char *s, size_t len)
{
    char *c = name_canonicalize(s, len);
    bool same = strcmp(c, pg->name) == 0;
    free(c);
    return same;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *stem)
{
    size_t k = strlen(suffix);
    if (n <= k || memcmp(s + n - k, suffix, k) != 0)
        return false;
    *stem = n - k;
    return true;
}

/* The version part of a distribution file's name, or NULL with `*why`. */
static const char *file_version(const page *pg, const char *fn, size_t *vlen, const char **why)
{
    static const char *const sdist[] = {".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z",
                                        ".tgz",    ".tar",     ".zip"};
    size_t n = strlen(fn), stem;
    if (ends_with(fn, n, ".whl", &stem) || ends_with(fn, n, ".egg", &stem)) {
        /* PEP 427: NAME-VERSION(-BUILD)?-PY-ABI-PLATFORM; eggs:
         * NAME-VERSION(-PY(-PLATFORM)?)? */
        const char *dash = memchr(fn, '-', stem);
        if (dash == NULL) {
            *why = "no version in the file name";
            return NULL;
        }
        if (!names_project(pg, fn, (size_t)(dash - fn))) {
            *why = "file of another project";
            return NULL;
        }
        const char *v = dash + 1;
        const char *vend = memchr(v, '-', stem - (size_t)(v - fn));
        *vlen = vend != NULL ? (size_t)(vend - v) : stem - (size_t)(v - fn);
        return v;
    }
    for (size_t i = 0; i < sizeof sdist / sizeof *sdist; i++) {
        if (!ends_with(fn, n, sdist[i], &stem))
            continue;
        /* NAME-VERSION, where NAME may hold dashes itself: the first split
         * whose left part names the project. */
        for (size_t k = 1; k + 1 < stem; k++) {
            if (fn[k] == '-' && names_project(pg, fn, k)) {
                *vlen = stem - k - 1;
                return fn + k + 1;
            }
        }
        *why = "the file name does not start with the project's name and a version";
        return NULL;
    }
    *why = "not a wheel, egg or sdist";
    return NULL;
}

/* A text field cut to INDEX_MAX_TEXT at a character boundary (warned). */
static char *capped_text(page *pg, const char *fn, const char *what, const char *s)
{
    size_t n = strlen(s);
    if (n <= INDEX_MAX_TEXT)
        return xstrdup(s);
    size_t cut = INDEX_MAX_TEXT;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    diag_warn(pg->d, pg->origin, 0, "%s: %s longer than %u bytes; cut", fn, what,
              INDEX_MAX_TEXT);
    return xstrndup(s, cut);
}

static bool filename_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '/' || *s == '\\')
            return false;
    return true;
}

static void read_file(page *pg, const cJSON *f, size_t idx)
{
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(f, "filename");
    if (!cJSON_IsString(jn) || jn->valuestring[0] == '\0') {
        diag_warn(pg->d, pg->origin, 0, "files[%zu]: no file name; skipped", idx);
        pg->bad++;
        return;
    }
    const char *fn = jn->valuestring;
    if (strlen(fn) > INDEX_MAX_FILENAME || !filename_ok(fn)) {
        diag_warn(pg->d, pg->origin, 0, "files[%zu]: invalid file name '%.80s'; skipped", idx, fn);
        pg->bad++;
        return;
    }
    const char *why = NULL;
    size_t vlen = 0;
    const char *vt = file_version(pg, fn, &vlen, &why);
    if (vt == NULL) {
        diag_warn(pg->d, pg->origin, 0, "%s: %s; skipped", fn, why);
        pg->bad++;
        return;
    }
    item *it = add_item(pg);
    if (parse_version(pg, vt, vlen, fn, it) != 0) {
        pg->n--;
        return;
    }
    it->has_file = true;
    index_file *out = &it->f;
    out->filename = xstrdup(fn);

    const cJSON *h = cJSON_GetObjectItemCaseSensitive(f, "hashes");
    const cJSON *sha = cJSON_IsObject(h) ? cJSON_GetObjectItemCaseSensitive(h, "sha256") : NULL;
    if (sha != NULL) {
        const char *s = cJSON_IsString(sha) ? sha->valuestring : "";
        size_t i = 0;
        for (; i < 64 && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                          (s[i] >= 'A' && s[i] <= 'F'));
             i++)
            out->sha256[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
        if (i != 64 || s[64] != '\0') {
            diag_warn(pg->d, pg->origin, 0, "%s: invalid sha256 hash; kept without it", fn);
            out->sha256[0] = '\0';
        }
    } else if (h != NULL && !cJSON_IsObject(h)) {
        diag_warn(pg->d, pg->origin, 0, "%s: 'hashes' is not an object; kept without it", fn);
    }

    const cJSON *y = cJSON_GetObjectItemCaseSensitive(f, "yanked");
    if (cJSON_IsString(y)) {
        out->yanked = true;
        if (y->valuestring[0] != '\0')
            out->yank_reason = capped_text(pg, fn, "yank reason", y->valuestring);
    } else if (cJSON_IsBool(y)) {
        out->yanked = cJSON_IsTrue(y);
    } else if (y != NULL && !cJSON_IsNull(y)) {
        diag_warn(pg->d, pg->origin, 0, "%s: 'yanked' is neither a boolean nor a reason; "
                                        "read as not yanked", fn);
    }

    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(f, "requires-python");
    if (cJSON_IsString(rp) && rp->valuestring[0] != '\0')
        out->requires_python = capped_text(pg, fn, "requires-python", rp->valuestring);
    else if (rp != NULL && !cJSON_IsString(rp) && !cJSON_IsNull(rp))
        diag_warn(pg->d, pg->origin, 0, "%s: 'requires-python' is not a string; ignored", fn);

    const cJSON *ut = cJSON_GetObjectItemCaseSensitive(f, "upload-time");
    if (cJSON_IsString(ut)) {
        char norm[64];
        airlock_error terr;
        if (strlen(ut->valuestring) < 64 && timestamp_normalize(ut->valuestring, norm, &terr) == 0 &&
            timestamp_seconds(norm) >= 0)
            out->upload_time = timestamp_seconds(norm);
        else
            diag_warn(pg->d, pg->origin, 0, "%s: invalid upload-time; ignored", fn);
    } else if (ut != NULL && !cJSON_IsNull(ut)) {
        diag_warn(pg->d, pg->origin, 0, "%s: 'upload-time' is not a string; ignored", fn);
    }
}

/* By version, listed versions before files, then by file name, then by
 * canonical text ("1.0" and "1.0.0" are one release): equal releases and
 * duplicate files become runs, and a release takes the text of its first
 * item, a listed version's when there is one. */
static int item_cmp(const void *pa, const void *pb)
{
    const item *a = pa, *b = pb;
    int r = version_compare(&a->v, &b->v);
    if (r == 0)
        r = (int)a->has_file - (int)b->has_file;
    if (r == 0 && a->has_file)
        r = strcmp(a->f.filename, b->f.filename);
    if (r == 0)
        r = strcmp(a->text, b->text);
    return r;
}

/* Group the sorted items into releases. */
static void group_items(page *pg, index_project *out)
{
    if (pg->n > 1)
        qsort(pg->items, pg->n, sizeof *pg->items, item_cmp);
    /* At most one release an item. */
    out->rels = xcalloc(pg->n ? pg->n : 1, sizeof *out->rels);
    for (size_t i = 0; i < pg->n;) {
        size_t j = i + 1;
        while (j < pg->n && version_compare(&pg->items[i].v, &pg->items[j].v) == 0)
            j++;
        index_release *r = &out->rels[out->n_rels++];
        memset(r, 0, sizeof *r);
        r->v = pg->items[i].v; /* moved */
        r->text = pg->items[i].text;
        pg->items[i].text = NULL;
        r->files = xcalloc(j - i, sizeof *r->files);
        for (size_t k = i; k < j; k++) {
            item *it = &pg->items[k];
            if (k > i) {
                version_clear(&it->v);
                free(it->text);
            }
            if (!it->has_file)
                continue;
            if (r->n_files > 0 && strcmp(r->files[r->n_files - 1].filename, it->f.filename) == 0) {
                diag_warn(pg->d, pg->origin, 0, "%s: listed twice; the first kept",
                          it->f.filename);
                pg->bad++;
                file_clear(&it->f);
                continue;
            }
            r->files[r->n_files++] = it->f;
            out->n_files++;
        }
        i = j;
    }
    free(pg->items);
    pg->items = NULL;
    pg->n = 0;
}

/* 0 if the page is API version 1.x, else -1 with a message. */
static int check_api_version(const cJSON *root, airlock_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    const cJSON *api = cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, "api-version")
                                            : NULL;
    if (!cJSON_IsString(api))
        return error_set(err, "not a PEP 691 JSON project page (no meta.api-version)");
    const char *s = api->valuestring;
    /* "1" or "1.MINOR": PEP 691 clients refuse another major version. */
    if (s[0] != '1' || (s[1] != '\0' && s[1] != '.'))
        return error_invalid(err, "PEP 691 API version", s, strlen(s), "this reads 1.x");
    return 0;
}

int index_page_parse(const char *data, size_t len, const char *origin, const char *expect,
                     diag *d, index_project *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > INDEX_MAX_PAGE_BYTES)
        return error_set(err, "larger than the limit of %zu bytes", INDEX_MAX_PAGE_BYTES);
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (root == NULL)
        return error_set(err, "not valid JSON");
    int rc = 0;
    const cJSON *jname = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(root, "versions");
    char norm[NAME_MAX_LEN + 1];
    airlock_error nerr;
    if (!cJSON_IsObject(root))
        rc = error_set(err, "not a PEP 691 JSON project page (not an object)");
    else if (check_api_version(root, err) != 0)
        rc = -1;
    else if (!cJSON_IsString(jname) ||
             name_normalize(jname->valuestring, strlen(jname->valuestring), norm, sizeof norm,
                            &nerr) < 0)
        rc = error_set(err, "no valid project 'name'");
    else if (!cJSON_IsArray(files))
        rc = error_set(err, "no 'files' list");
    else if (versions != NULL && !cJSON_IsArray(versions))
        rc = error_set(err, "'versions' is not a list");
    if (rc != 0) {
        cJSON_Delete(root);
        return rc;
    }
    if (expect != NULL) {
        char *e = name_canonicalize(expect, strlen(expect));
        if (strcmp(e, norm) != 0)
            diag_warn(d, origin, 0, "the page is for project '%s', filed as '%s'; read as '%s'",
                      norm, expect, norm);
        free(e);
    }
    page pg = {.origin = origin, .name = norm, .d = d};
    size_t idx = 0;
    for (const cJSON *v = versions ? versions->child : NULL; v != NULL; v = v->next, idx++) {
        if (idx == INDEX_MAX_VERSIONS) {
            diag_warn(d, origin, 0, "more than %u versions; the rest skipped", INDEX_MAX_VERSIONS);
            pg.bad++;
            break;
        }
        char where[48];
        snprintf(where, sizeof where, "versions[%zu]", idx);
        if (!cJSON_IsString(v)) {
            diag_warn(d, origin, 0, "%s: not a string; skipped", where);
            pg.bad++;
            continue;
        }
        item *it = add_item(&pg);
        if (parse_version(&pg, v->valuestring, strlen(v->valuestring), where, it) != 0)
            pg.n--;
    }
    idx = 0;
    for (const cJSON *f = files->child; f != NULL; f = f->next, idx++) {
        if (idx == INDEX_MAX_FILES) {
            diag_warn(d, origin, 0, "more than %u files; the rest skipped", INDEX_MAX_FILES);
            pg.bad++;
            break;
        }
        if (!cJSON_IsObject(f)) {
            diag_warn(d, origin, 0, "files[%zu]: not an object; skipped", idx);
            pg.bad++;
            continue;
        }
        read_file(&pg, f, idx);
    }
    cJSON_Delete(root);
    out->name = xstrdup(norm);
    group_items(&pg, out);
    out->bad = pg.bad;
    return 0;
}

void index_project_clear(index_project *p)
{
    for (size_t i = 0; i < p->n_rels; i++) {
        index_release *r = &p->rels[i];
        version_clear(&r->v);
        free(r->text);
        for (size_t k = 0; k < r->n_files; k++)
            file_clear(&r->files[k]);
        free(r->files);
    }
    free(p->rels);
    free(p->name);
    memset(p, 0, sizeof *p);
}

/* ---- what a release shows ---- */

bool index_release_yanked(const index_release *r)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (!r->files[i].yanked)
            return false;
    return r->n_files > 0;
}

const char *index_release_yank_reason(const index_release *r)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (r->files[i].yanked && r->files[i].yank_reason != NULL)
            return r->files[i].yank_reason;
    return NULL;
}

int64_t index_release_upload_time(const index_release *r)
{
    int64_t t = -1;
    for (size_t i = 0; i < r->n_files; i++)
        if (r->files[i].upload_time >= 0 && (t < 0 || r->files[i].upload_time < t))
            t = r->files[i].upload_time;
    return t;
}

const char *index_release_requires_python(const index_release *r)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (r->files[i].requires_python != NULL)
            return r->files[i].requires_python;
    return NULL;
}

/* ---- encoding (docs/database-schema.md, "rel") ---- */

static uint8_t hexval(char c)
{
    return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10);
}

void index_project_encode(const index_project *p, buf *out)
{
    vdb_put_varint(out, p->n_rels);
    const char *prev_name = "", *prev_rp = "";
    for (size_t i = 0; i < p->n_rels; i++) {
        const index_release *r = &p->rels[i];
        bool yanked = index_release_yanked(r);
        const char *reason = index_release_yank_reason(r);
        const char *rp = index_release_requires_python(r);
        int64_t t = index_release_upload_time(r);
        if (rp == NULL)
            rp = "";
        uint64_t flags = (yanked ? VULNDB_REL_YANKED : 0) |
                         (strcmp(rp, prev_rp) == 0 ? VULNDB_REL_SAME_PYTHON : 0);
        vdb_put_str(out, r->text);
        vdb_put_varint(out, flags);
        if (yanked)
            vdb_put_str(out, reason != NULL ? reason : "");
        vdb_put_varint(out, t < 0 ? 0 : (uint64_t)t + 1);
        if (!(flags & VULNDB_REL_SAME_PYTHON))
            vdb_put_str(out, rp);
        prev_rp = rp;
        vdb_put_varint(out, r->n_files);
        for (size_t k = 0; k < r->n_files; k++) {
            const index_file *f = &r->files[k];
            size_t shared = 0;
            while (prev_name[shared] != '\0' && prev_name[shared] == f->filename[shared])
                shared++;
            vdb_put_varint(out, shared);
            vdb_put_str(out, f->filename + shared);
            prev_name = f->filename;
            if (f->sha256[0] == '\0') {
                vdb_put_varint(out, 0);
            } else {
                uint8_t raw[32];
                for (size_t b = 0; b < 32; b++)
                    raw[b] = (uint8_t)(hexval(f->sha256[2 * b]) << 4 | hexval(f->sha256[2 * b + 1]));
                vdb_put_bytes(out, raw, sizeof raw);
            }
        }
    }
}
