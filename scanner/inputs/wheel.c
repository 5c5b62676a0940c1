/*
 * wheel.c - one wheel checked against its RECORD, one sdist's PKG-INFO.
 */
#include "scanner/inputs/wheel.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/version.h"
#include "scanner/inputs/wheelhouse.h"
#include "signatures/sha256.h"

/* RECORD is read whole: this much at most (a wheel of 100,000 files with
 * long names has a RECORD of ~15 MB). */
#define RECORD_MAX ((size_t)64 << 20)

void wh_problem(wh_problems *p, const char *fmt, ...)
{
    if (++p->n > WHEEL_MAX_PROBLEMS)
        return;
    buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_warn(p->d, p->path, 0, "%s", b.data);
    buf_free(&b);
}

void wh_problems_end(wh_problems *p)
{
    if (p->n > WHEEL_MAX_PROBLEMS)
        diag_warn(p->d, p->path, 0, "%u more problems in this archive, not listed",
                  p->n - WHEEL_MAX_PROBLEMS);
}

int wheel_name_fields(const char *base, char **name, char **ver)
{
    size_t len = strlen(base);
    if (len <= 4 || strcmp(base + len - 4, ".whl") != 0)
        return -1;
    size_t dashes = 0, first = 0, second = 0;
    for (size_t i = 0; i < len - 4; i++)
        if (base[i] == '-') {
            if (++dashes == 1)
                first = i;
            else if (dashes == 2)
                second = i;
        }
    if ((dashes != 4 && dashes != 5) || first == 0 || second == first + 1)
        return -1;
    *name = xstrndup(base, first);
    *ver = xstrndup(base + first + 1, second - first - 1);
    return 0;
}

/* Whether base[0, i) is a project name and base(i, len) a PEP 440 version. */
static bool valid_split(const char *base, size_t i, size_t len)
{
    version v;
    airlock_error e;
    if (i == 0 || i + 1 >= len || !name_is_valid(base, i) ||
        version_parse(&v, base + i + 1, len - i - 1, &e) != 0)
        return false;
    version_clear(&v);
    return true;
}

int sdist_name_fields(const char *base, size_t suffix_len, char **name, char **ver)
{
    size_t len = strlen(base);
    if (len <= suffix_len)
        return -1;
    len -= suffix_len;
    /* pip splits where the project it wants ends: demo-1.0-rc1.tar.gz is
     * demo 1.0rc1 to it. The first dash that gives a name and a version,
     * else the last dash. */
    const char *dash = NULL, *last = NULL;
    for (size_t i = 0; i < len; i++)
        if (base[i] == '-') {
            last = base + i;
            if (dash == NULL && valid_split(base, i, len))
                dash = base + i;
        }
    if (dash == NULL)
        dash = last;
    if (dash == NULL || dash == base || (size_t)(dash - base) + 1 >= len)
        return -1;
    *name = xstrndup(base, (size_t)(dash - base));
    *ver = xstrndup(dash + 1, len - (size_t)(dash - base) - 1);
    return 0;
}

static bool same_version(const char *a, size_t alen, const char *b, size_t blen)
{
    version va, vb;
    airlock_error e;
    if (version_parse(&va, a, alen, &e) != 0)
        return alen == blen && memcmp(a, b, alen) == 0;
    bool same = false;
    if (version_parse(&vb, b, blen, &e) == 0) {
        same = version_compare(&va, &vb) == 0;
        version_clear(&vb);
    }
    version_clear(&va);
    return same;
}

void wh_compare_names(wh_problems *p, const char *what, const char *file_name,
                      const char *file_version, const metadata *md)
{
    char *a = name_canonicalize(file_name, strlen(file_name));
    char *b = name_canonicalize(md->name, md->name_len);
    if (strcmp(a, b) != 0)
        wh_problem(p, "the file name says project '%s', its %s says '%.*s'", file_name, what,
                   (int)(md->name_len < 300 ? md->name_len : 300), md->name);
    free(a);
    free(b);
    if (md->version == NULL)
        wh_problem(p, "its %s has no Version", what);
    else if (!same_version(file_version, strlen(file_version), md->version, md->version_len))
        wh_problem(p, "the file name says version '%s', its %s says '%.*s'", file_version, what,
                   (int)(md->version_len < 300 ? md->version_len : 300), md->version);
}

/* ---- Wheels ------------------------------------------------------------ */

typedef struct member {
    char *name;
    uint64_t size;
    uint8_t digest[SHA256_BYTES];
    bool listed; /* in RECORD */
} member;

typedef struct wheel_walk {
    member *m;
    size_t len, cap;
    sha256_state sha;
    char *dist_info;    /* "X.dist-info/", the first seen; owned */
    bool several;       /* another .dist-info directory holds METADATA or RECORD */
    buf metadata, record;
    buf *collect;       /* the member being kept, or NULL */
    bool have_metadata, have_record;
    bool too_big;       /* METADATA or RECORD over its bound */
    bool hashing;       /* `sha` holds the last member's unfinished hash */
} wheel_walk;

/* "X.dist-info/FILE" at the top: its directory's length with the '/'. */
static size_t dist_info_dir(const char *name, size_t len, const char *file)
{
    const char *slash = memchr(name, '/', len);
    if (slash == NULL)
        return 0;
    size_t dlen = (size_t)(slash - name) + 1;
    if (dlen < 11 || memcmp(slash - 10, ".dist-info", 10) != 0)
        return 0;
    return strcmp(name + dlen, file) == 0 ? dlen : 0;
}

static int wheel_entry(void *arg, const archive_entry *e, airlock_error *err)
{
    (void)err;
    wheel_walk *w = arg;
    w->collect = NULL;
    if (!e->is_file)
        return 0;
    if (w->len == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->m = xrealloc(w->m, w->cap * sizeof *w->m);
    }
    member *m = &w->m[w->len++];
    memset(m, 0, sizeof *m);
    m->name = xstrndup(e->name, e->name_len);
    m->size = e->size;
    sha256_init(&w->sha);
    size_t dm = dist_info_dir(e->name, e->name_len, "METADATA");
    size_t dr = dist_info_dir(e->name, e->name_len, "RECORD");
    size_t dl = dm ? dm : dr;
    if (dl == 0)
        return 1;
    if (w->dist_info == NULL)
        w->dist_info = xstrndup(e->name, dl);
    if (strlen(w->dist_info) != dl || memcmp(w->dist_info, e->name, dl) != 0) {
        w->several = true;
        return 1;
    }
    size_t bound = dm ? METADATA_MAX_HEADER : RECORD_MAX;
    if (e->size > bound) {
        w->too_big = true;
        return 1;
    }
    w->collect = dm ? &w->metadata : &w->record;
    if (dm)
        w->have_metadata = true;
    else
        w->have_record = true;
    return 1;
}

static int wheel_data(void *arg, const unsigned char *data, size_t len, airlock_error *err)
{
    (void)err;
    wheel_walk *w = arg;
    sha256_update(&w->sha, data, len);
    if (w->collect != NULL)
        buf_append(w->collect, data, len);
    return 0;
}

/* The digest is finished when the next member starts or the walk ends:
 * the walk reads members one after another. */
static int wheel_entry_done(void *arg, const archive_entry *e, airlock_error *err)
{
    wheel_walk *w = arg;
    if (w->hashing)
        sha256_final(&w->sha, w->m[w->len - 1].digest);
    w->hashing = false;
    int want = wheel_entry(arg, e, err);
    w->hashing = want > 0;
    return want;
}

typedef struct row {
    char *path, *hash, *size;
    unsigned line;
} row;

/* One CSV field as Python's csv module reads it (excel dialect). Returns
 * the position after it, or `len` + 1 on an unterminated quote. */
static size_t csv_field(const char *s, size_t i, size_t len, buf *out)
{
    buf_reset(out);
    if (i < len && s[i] == '"') {
        for (i++;;) {
            if (i >= len)
                return len + 1;
            if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
                buf_putc(out, '"');
                i += 2;
            } else if (s[i] == '"') {
                i++;
                break;
            } else {
                buf_putc(out, s[i++]);
            }
        }
    }
    while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
        buf_putc(out, s[i++]);
    buf_reserve(out, 0);
    return i;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const row *)a)->path, ((const row *)b)->path);
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const member *)a)->name, ((const member *)b)->name);
}

/* RECORD's rows; a row that cannot be read is a problem. */
static row *parse_record(const char *s, size_t len, wh_problems *p, size_t *n_rows)
{
    row *rows = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;
    buf f = {0};
    for (size_t i = 0; i < len;) {
        line++;
        size_t start = i;
        char *fields[3] = {NULL, NULL, NULL};
        size_t nf = 0;
        bool bad = false;
        for (;;) {
            i = csv_field(s, i, len, &f);
            if (i > len) {
                bad = true;
                i = len;
                break;
            }
            if (nf < 3)
                fields[nf] = xstrdup(f.data);
            nf++;
            if (i < len && s[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        if (i < len && s[i] == '\r')
            i++;
        if (i < len && s[i] == '\n')
            i++;
        if (i == start)
            i++; /* never loop without progress */
        bool blank = nf == 1 && fields[0][0] == '\0';
        if (!blank && (bad || nf != 3 || fields[0][0] == '\0')) {
            wh_problem(p, "RECORD line %u: not a row of path, hash and size", line);
            bad = true;
        }
        if (bad || blank) {
            for (size_t k = 0; k < 3; k++)
                free(fields[k]);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        rows[n++] = (row){fields[0], fields[1], fields[2], line};
    }
    buf_free(&f);
    *n_rows = n;
    return rows;
}

static bool unhashed_ok(const char *path, const char *dist_info)
{
    size_t dl = strlen(dist_info);
    if (strncmp(path, dist_info, dl) != 0)
        return false;
    const char *f = path + dl;
    return strcmp(f, "RECORD") == 0 || strcmp(f, "RECORD.jws") == 0 ||
           strcmp(f, "RECORD.p7s") == 0;
}

static void check_row(const row *r, member *m, const char *dist_info, wh_problems *p)
{
    if (r->hash[0] == '\0') {
        if (!unhashed_ok(r->path, dist_info))
            wh_problem(p, "'%.300s' has no hash in RECORD (line %u)", r->path, r->line);
        return;
    }
    if (strncmp(r->hash, "sha256=", 7) != 0) {
        size_t alg = strcspn(r->hash, "=");
        wh_problem(p, "'%.300s': RECORD hash '%.*s' is not sha256, which alone is checked "
                   "(line %u)", r->path, (int)(alg < 40 ? alg : 40), r->hash, r->line);
        return;
    }
    char ours[sodium_base64_ENCODED_LEN(SHA256_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(ours, sizeof ours, m->digest, SHA256_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    const char *theirs = r->hash + 7;
    size_t tl = strlen(theirs);
    while (tl > 0 && theirs[tl - 1] == '=')
        tl--;
    if (tl != strlen(ours) || memcmp(theirs, ours, tl) != 0)
        wh_problem(p, "'%.300s': sha256 %s differs from RECORD's %.*s (line %u)", m->name, ours,
                   (int)(tl < 100 ? tl : 100), theirs, r->line);
    char size[24];
    snprintf(size, sizeof size, "%llu", (unsigned long long)m->size);
    if (strcmp(size, r->size) != 0)
        wh_problem(p, "'%.300s': size %s differs from RECORD's '%.40s' (line %u)", m->name, size,
                   r->size, r->line);
}

/* Every row against the members, every member against the rows. */
static void check_record(wheel_walk *w, wh_problems *p)
{
    size_t n;
    row *rows = parse_record(w->record.data ? w->record.data : "", w->record.len, p, &n);
    qsort(rows, n, sizeof *rows, cmp_row);
    qsort(w->m, w->len, sizeof *w->m, cmp_member);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(rows[i - 1].path, rows[i].path) == 0) {
            wh_problem(p, "RECORD lists '%.300s' twice (lines %u and %u)", rows[i].path,
                       rows[i - 1].line, rows[i].line);
            continue;
        }
        member key = {.name = rows[i].path};
        member *m = bsearch(&key, w->m, w->len, sizeof *w->m, cmp_member);
        if (m == NULL) {
            wh_problem(p, "RECORD lists '%.300s' (line %u), which is not in the archive",
                       rows[i].path, rows[i].line);
            continue;
        }
        m->listed = true;
        check_row(&rows[i], m, w->dist_info, p);
    }
    for (size_t i = 0; i < w->len; i++)
        if (!w->m[i].listed && !unhashed_ok(w->m[i].name, w->dist_info))
            wh_problem(p, "'%.300s' is in the archive but not in RECORD", w->m[i].name);
    for (size_t i = 0; i < n; i++) {
        free(rows[i].path);
        free(rows[i].hash);
        free(rows[i].size);
    }
    free(rows);
}

/* pip refuses a wheel whose .dist-info directory names another project
 * than its file name: "NAME-VERSION.dist-info/", NAME normalised. */
static void check_dist_info_name(const char *dist_info, const char *file_name, wh_problems *p)
{
    size_t n = strlen(dist_info) - strlen(".dist-info/");
    const char *dash = NULL;
    for (size_t i = 0; i < n; i++)
        if (dist_info[i] == '-')
            dash = dist_info + i;
    size_t nlen = dash ? (size_t)(dash - dist_info) : n;
    char *a = name_canonicalize(dist_info, nlen);
    char *b = name_canonicalize(file_name, strlen(file_name));
    if (strcmp(a, b) != 0)
        wh_problem(p, "its .dist-info directory '%.300s' is not the file name's project '%s'",
                   dist_info, file_name);
    free(a);
    free(b);
}

int wheel_check(int fd, const char *file_name, const archive_limits *lim, wh_problems *p,
                metadata *md, airlock_error *err)
{
    wheel_walk w;
    memset(&w, 0, sizeof w);
    int rc = archive_zip_walk(fd, lim, wheel_entry_done, wheel_data, &w, err);
    if (rc == 0 && w.hashing)
        sha256_final(&w.sha, w.m[w.len - 1].digest);
    int result = -1;
    if (rc == 0) {
        result = 0;
        if (w.several)
            wh_problem(p, "more than one .dist-info directory (%.300s and another)",
                       w.dist_info);
        if (w.dist_info != NULL && file_name != NULL)
            check_dist_info_name(w.dist_info, file_name, p);
        if (w.too_big)
            wh_problem(p, "METADATA or RECORD too large to read");
        if (!w.have_record)
            wh_problem(p, "no .dist-info/RECORD: its files cannot be checked");
        else
            check_record(&w, p);
        if (!w.have_metadata) {
            wh_problem(p, "no .dist-info/METADATA");
        } else {
            metadata_parse(w.metadata.data ? w.metadata.data : "", w.metadata.len, true, md);
            if (md->name == NULL)
                wh_problem(p, "its METADATA has no Name");
            else
                result = 1;
        }
    }
    for (size_t i = 0; i < w.len; i++)
        free(w.m[i].name);
    free(w.m);
    free(w.dist_info);
    buf_free(&w.metadata);
    buf_free(&w.record);
    return result;
}

/* ---- Sdists ------------------------------------------------------------ */

typedef struct sdist_walk {
    buf pkg_info;
    bool found, collecting, several;
    char *top; /* the directory of the PKG-INFO read */
} sdist_walk;

static int sdist_entry(void *arg, const archive_entry *e, airlock_error *err)
{
    (void)err;
    sdist_walk *s = arg;
    s->collecting = false;
    const char *name = e->name;
    size_t len = e->name_len;
    if (len >= 2 && name[0] == '.' && name[1] == '/') {
        name += 2;
        len -= 2;
    }
    const char *slash = memchr(name, '/', len);
    if (slash == NULL || strcmp(slash + 1, "PKG-INFO") != 0 || !e->is_file)
        return 0;
    if (s->found) {
        s->several = true;
        return 0;
    }
    if (e->size > METADATA_MAX_HEADER)
        return error_set(err, "PKG-INFO of %llu bytes", (unsigned long long)e->size);
    s->found = s->collecting = true;
    s->top = xstrndup(name, (size_t)(slash - name));
    return 1;
}

static int sdist_data(void *arg, const unsigned char *data, size_t len, airlock_error *err)
{
    (void)err;
    sdist_walk *s = arg;
    if (s->collecting)
        buf_append(&s->pkg_info, data, len);
    return 0;
}

int sdist_check(int fd, bool zip, const archive_limits *lim, wh_problems *p, metadata *md,
                airlock_error *err)
{
    sdist_walk s;
    memset(&s, 0, sizeof s);
    int rc = zip ? archive_zip_walk(fd, lim, sdist_entry, sdist_data, &s, err)
                 : archive_tgz_walk(fd, lim, sdist_entry, sdist_data, &s, err);
    int result = -1;
    if (rc == 0) {
        result = 0;
        if (s.several)
            wh_problem(p, "more than one top-level directory holds PKG-INFO (%s read)", s.top);
        if (!s.found) {
            wh_problem(p, "no PKG-INFO in a top-level directory");
        } else {
            metadata_parse(s.pkg_info.data ? s.pkg_info.data : "", s.pkg_info.len, true, md);
            if (md->name == NULL)
                wh_problem(p, "its PKG-INFO has no Name");
            else
                result = 1;
        }
    }
    free(s.top);
    buf_free(&s.pkg_info);
    return result;
}
