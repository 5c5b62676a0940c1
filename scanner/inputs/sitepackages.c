#include "scanner/inputs/sitepackages.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/percent.h"
#include "core/strsort.h"
#include "core/version.h"
#include "scanner/inputs/metadata.h"

/* Bounds on the small side files read beside metadata. */
#define EGG_LINK_MAX 65536
#define DIRECT_URL_MAX ((size_t)1 << 20)

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

struct site_scanner {
    dep_list *out;
    diag *d;
    dir_id *seen;
    size_t nseen, capseen;
    buf scratch;
    buf path;      /* the METADATA path being read, reused */
    metadata md;
};

site_scanner *site_scanner_new(dep_list *out, diag *d)
{
    site_scanner *s = xcalloc(1, sizeof *s);
    s->out = out;
    s->d = d;
    return s;
}

void site_scanner_free(site_scanner *s)
{
    if (s == NULL)
        return;
    free(s->seen);
    buf_free(&s->scratch);
    buf_free(&s->path);
    metadata_clear(&s->md);
    free(s);
}

/* Record a directory; false if it was already scanned. */
static bool mark_seen(site_scanner *s, const struct stat *st)
{
    for (size_t i = 0; i < s->nseen; i++)
        if (s->seen[i].dev == st->st_dev && s->seen[i].ino == st->st_ino)
            return false;
    if (s->nseen == s->capseen) {
        s->capseen = s->capseen ? s->capseen * 2 : 16;
        s->seen = xrealloc(s->seen, s->capseen * sizeof *s->seen);
    }
    s->seen[s->nseen].dev = st->st_dev;
    s->seen[s->nseen].ino = st->st_ino;
    s->nseen++;
    return true;
}

/* ASCII case-insensitive suffix test (`suffix` in lower case). */
static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    if (n < k)
        return false;
    s += n - k;
    /* As written, in lower case (".dist-info" nearly always): one compare. */
    if (s[0] == suffix[0] && memcmp(s, suffix, k) == 0)
        return true;
    for (size_t i = 0; i < k; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

/* a + '/' + b in one allocation of the exact size (several per
 * distribution: no buffer growth). */
static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t slash = na == 0 || a[na - 1] != '/' ? 1 : 0;
    char *p = xmalloc(na + slash + nb + 1);
    memcpy(p, a, na);
    if (slash)
        p[na] = '/';
    memcpy(p + na + slash, b, nb + 1);
    return p;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Trim ASCII white space: importlib keeps it, but "simple " is "simple". */
static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_blank((*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*p)[*n - 1]))
        (*n)--;
}

/* Copy `n` bytes and a NUL to *at, moving it on; returns the copy. */
static char *put_string(char **at, const char *text, size_t n)
{
    char *p = *at;
    if (n > 0)
        memcpy(p, text, n);
    p[n] = '\0';
    *at = p + n + 1;
    return p;
}

/* Append a dependency for `name` / `version_text` (either may have length 0
 * with a NULL pointer for "absent"), warning about what cannot be checked.
 * `source_file` (NUL-terminated) and `location` (NULL or `loc_len` bytes)
 * are copied. Its strings take one block of the list's pool
 * (dep_list_strings()). */
static void add_dep(site_scanner *s, const char *name, size_t name_len, unsigned name_line,
                    const char *ver, size_t ver_len, unsigned ver_line, const char *source_file,
                    size_t source_len, const char *location, size_t loc_len, bool editable)
{
    const char *tn = name;
    size_t tl = name_len;
    trim(&tn, &tl);
    char norm[NAME_MAX_LEN + 1];
    airlock_error err; /* written only by a call that fails; never read */
    err.msg[0] = '\0';
    /* A NUL or an overlong name fails here as any other invalid one. */
    int nl = name_normalize(tn, tl, norm, sizeof norm, &err);

    dependency *d = dep_list_add(s->out);
    d->kind = DEP_INSTALLED;
    d->editable = editable;
    size_t size = name_len + 1 + source_len + 1 + (location ? loc_len + 1 : 0) +
                  (ver ? ver_len + 1 : 0) + (nl >= 0 ? (size_t)nl + 1 : 0);
    char *at = dep_list_strings(s->out, d, size);
    d->name = put_string(&at, name, name_len);
    d->source_file = put_string(&at, source_file, source_len);
    if (location)
        d->location = put_string(&at, location, loc_len);
    if (ver)
        d->version_text = put_string(&at, ver, ver_len);
    if (nl >= 0)
        d->normalized = put_string(&at, norm, (size_t)nl);

    if (nl < 0) {
        d->normalized = name_canonicalize(tn, tl > NAME_MAX_LEN ? NAME_MAX_LEN : tl);
        buf r = {0};
        buf_printf(&r, "invalid project name '%.*s'", (int)(tl > 200 ? 200 : tl), tn);
        d->skip_reason = buf_detach(&r, NULL);
        diag_warn(s->d, d->source_file, name_line, "%s", d->skip_reason);
        return;
    }

    if (ver == NULL) {
        d->skip_reason = xstrdup("no Version field");
        diag_warn(s->d, d->source_file, 0, "%s has no Version field", d->name);
        return;
    }
    const char *tv = ver;
    size_t vl = ver_len;
    trim(&tv, &vl);
    /* version_parse() takes no NUL (no rule of PEP 440 matches one). */
    if (vl <= VERSION_MAX_TEXT && version_parse(&d->version, tv, vl, &err) == 0) {
        d->has_version = true;
        return;
    }
    buf r = {0};
    buf_printf(&r, "invalid version '%.*s'", (int)(vl > 200 ? 200 : vl), tv);
    d->skip_reason = buf_detach(&r, NULL);
    diag_warn(s->d, d->source_file, ver_line, "%s: %s", d->name, d->skip_reason);
}

/* Decode a file: URL's path (percent escapes, %00 kept as is); NULL if it
 * is not a local file: URL. */
static char *file_url_path(const char *url)
{
    if (strncmp(url, "file://", 7) != 0)
        return NULL;
    const char *p = url + 7;
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return NULL;
    return percent_decode(p);
}

/* Read a small file below `dirfd` into s->scratch. 1 read, 0 absent, -1 error. */
static int read_small(site_scanner *s, int dirfd, const char *rel, size_t max, airlock_error *err)
{
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return error_errno(err, errno, "cannot open");
    }
    buf_reset(&s->scratch);
    for (;;) {
        buf_reserve(&s->scratch, 4096);
        ssize_t n = read(fd, s->scratch.data + s->scratch.len,
                         s->scratch.cap - s->scratch.len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return error_errno(err, e, "cannot read");
        }
        if (n == 0)
            break;
        s->scratch.len += (size_t)n;
        s->scratch.data[s->scratch.len] = '\0';
        if (s->scratch.len > max) {
            close(fd);
            return error_set(err, "larger than %zu bytes", max);
        }
    }
    close(fd);
    return 1;
}

/* PEP 610: a dist-info installed with `pip install -e` (PEP 660) records
 * {"url": "file:///src", "dir_info": {"editable": true}}. Returns the
 * source directory, or NULL when not an editable install. */
static char *editable_location(site_scanner *s, int dirfd, const char *child, const char *shown)
{
    char *rel = join(child, "direct_url.json");
    airlock_error err = {{0}};
    int r = read_small(s, dirfd, rel, DIRECT_URL_MAX, &err);
    free(rel);
    char *path = join(shown, "direct_url.json");
    char *loc = NULL;
    if (r < 0) {
        diag_warn(s->d, path, 0, "%s", err.msg);
    } else if (r > 0) {
        cJSON *j = cJSON_ParseWithLength(s->scratch.data, s->scratch.len);
        const cJSON *di = cJSON_GetObjectItemCaseSensitive(j, "dir_info");
        const cJSON *ed = cJSON_GetObjectItemCaseSensitive(di, "editable");
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(j, "url");
        if (j == NULL || !cJSON_IsObject(j))
            diag_warn(s->d, path, 0, "not a JSON object");
        else if (cJSON_IsTrue(ed)) {
            if (cJSON_IsString(url))
                loc = file_url_path(url->valuestring);
            if (loc == NULL) {
                diag_warn(s->d, path, 0, "editable install without a file: URL");
                loc = xstrdup(cJSON_IsString(url) ? url->valuestring : "");
            }
        }
        cJSON_Delete(j);
    }
    free(path);
    return loc;
}

/* One *.dist-info / *.egg-info / EGG-INFO child of the entry `dir`. The
 * paths are built in s->path, one after the other: DIR/CHILD/CANDIDATE is
 * the path shown, CHILD/CANDIDATE (its tail) the one opened below `dirfd`,
 * DIR/CHILD (its head) the distribution's location. */
static void scan_dist(site_scanner *s, int dirfd, const char *dir, size_t dir_len,
                      const char *child, size_t child_len, bool probe_editable,
                      const char *editable_at)
{
    static const char *const candidates[] = {"METADATA", "PKG-INFO", ""};
    static const size_t candidate_len[] = {8, 8, 0};
    /* The path in place, with room for "/PKG-INFO": a few copies, not a
     * buffer call a piece, for each of thousands of distributions. */
    buf *pb = &s->path;
    buf_reset(pb);
    buf_reserve(pb, dir_len + 1 + child_len + 1 + 8);
    char *at = pb->data;
    memcpy(at, dir, dir_len);
    at += dir_len;
    if (dir_len == 0 || dir[dir_len - 1] != '/')
        *at++ = '/'; /* as join() does */
    size_t rel_at = (size_t)(at - pb->data);
    memcpy(at, child, child_len);
    size_t dist_len = rel_at + child_len;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        pb->len = dist_len;
        if (candidate_len[i] > 0) {
            pb->data[pb->len++] = '/';
            memcpy(pb->data + pb->len, candidates[i], candidate_len[i]);
            pb->len += candidate_len[i];
        }
        pb->data[pb->len] = '\0';
        const char *shown = pb->data;
        /* Only the message's first byte is set: the call fills the rest
         * when it fails (clearing all 1 KiB a file cost more than reading
         * its metadata). */
        airlock_error err;
        err.msg[0] = '\0';
        int r = metadata_read_at(dirfd, pb->data + rel_at, shown, &s->scratch, &s->md, &err);
        if (r < 0) {
            /* importlib raises here; we warn and treat it as unreadable. */
            diag_warn(s->d, shown, 0, "unreadable metadata: %s", err.msg);
            return;
        }
        if (r == 0)
            continue;
        const metadata *md = &s->md;
        if (md->bom)
            diag_warn(s->d, shown, 1, "starts with a byte-order mark "
                      "(importlib.metadata would not see this distribution)");
        if (md->name == NULL) {
            diag_warn(s->d, shown, 0, "no Name field: not a distribution");
            return;
        }
        char *loc = NULL;
        bool editable = editable_at != NULL;
        if (!editable && probe_editable) {
            char *shown_dist = xstrndup(pb->data, dist_len);
            loc = editable_location(s, dirfd, child, shown_dist);
            free(shown_dist);
            editable = loc != NULL;
        }
        const char *where = editable_at ? editable_at : loc;
        add_dep(s, md->name, md->name_len, md->name_line, md->version, md->version_len,
                md->version_line, pb->data, pb->len, where ? where : pb->data,
                where ? strlen(where) : dist_len, editable);
        free(loc);
        return;
    }
    pb->len = dist_len;
    pb->data[dist_len] = '\0';
    diag_warn(s->d, pb->data, 0, "no METADATA or PKG-INFO: not a distribution");
}

/* A zipped egg: setuptools names it NAME-VERSION[-pyX.Y[-PLAT]].egg with
 * '-' escaped to '_' inside NAME and VERSION. Reading its EGG-INFO/PKG-INFO
 * would need inflate, which the scanner does not link: the file name is
 * what setuptools derived from that same metadata. */
static void scan_zipped_egg(site_scanner *s, int dirfd, const char *dir, const char *child)
{
    char *shown = dir ? join(dir, child) : xstrdup(child);
    const char *base = dir ? child : strrchr(child, '/') ? strrchr(child, '/') + 1 : child;
    int fd = openat(dirfd, child, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    char magic[4] = {0};
    ssize_t n = fd >= 0 ? read(fd, magic, sizeof magic) : -1;
    struct stat st;
    /* Reached both inside site-packages and as a sys.path entry: once. */
    bool again = fd >= 0 && fstat(fd, &st) == 0 && !mark_seen(s, &st);
    if (fd >= 0)
        close(fd);
    if (again) {
        free(shown);
        return;
    }
    child = base;
    if (n != 4 || memcmp(magic, "PK\3\4", 4) != 0) {
        diag_warn(s->d, shown, 0, "not a zip file: not an egg");
        free(shown);
        return;
    }
    size_t len = strlen(child) - 4; /* ".egg" */
    const char *dash = memchr(child, '-', len);
    if (dash == NULL || dash == child) {
        diag_warn(s->d, shown, 0, "egg file name without NAME-VERSION");
        free(shown);
        return;
    }
    const char *v = dash + 1;
    const char *vend = memchr(v, '-', len - (size_t)(v - child));
    if (vend == NULL)
        vend = child + len;
    char *ver = xstrndup(v, (size_t)(vend - v));
    for (char *c = ver; *c; c++)
        if (*c == '_')
            *c = '-'; /* undo setuptools' to_filename() */
    size_t shown_len = strlen(shown);
    add_dep(s, child, (size_t)(dash - child), 0, ver, strlen(ver), 0, shown, shown_len, shown,
            shown_len, false);
    free(ver);
    free(shown);
}

static int scan_entry(site_scanner *s, const char *dir, const char *editable_at, int depth,
                      airlock_error *err);

/* setuptools develop: NAME.egg-link holds the source directory on its first
 * line (relative paths are taken from `dir`); easy-install.pth puts that
 * directory on sys.path, where importlib finds its NAME.egg-info. */
static void scan_egg_link(site_scanner *s, int dirfd, const char *dir, const char *child,
                          int depth)
{
    char *shown = join(dir, child);
    airlock_error err = {{0}};
    int r = read_small(s, dirfd, child, EGG_LINK_MAX, &err);
    if (r <= 0) {
        diag_warn(s->d, shown, 0, "unreadable egg-link: %s", r < 0 ? err.msg : "gone");
        free(shown);
        return;
    }
    size_t n = strcspn(s->scratch.data, "\r\n");
    const char *p = s->scratch.data;
    trim(&p, &n);
    char *target = NULL;
    if (n > 0 && memchr(p, '\0', n) == NULL)
        target = p[0] == '/' ? xstrndup(p, n) : NULL;
    if (target == NULL && n > 0 && memchr(p, '\0', n) == NULL) {
        char *rel = xstrndup(p, n);
        target = join(dir, rel);
        free(rel);
    }
    if (target == NULL) {
        diag_warn(s->d, shown, 1, "egg-link without a path");
        free(shown);
        return;
    }
    airlock_error serr = {{0}};
    int sr = scan_entry(s, target, target, depth + 1, &serr);
    if (sr < 0) {
        /* The project is installed but its metadata is elsewhere: keep it
         * visible, unchecked, under the egg-link's name. */
        diag_warn(s->d, shown, 1, "editable source not found: %s", serr.msg);
        size_t nl = strlen(child) - 9; /* ".egg-link" */
        dependency *d = dep_list_add(s->out);
        d->kind = DEP_INSTALLED;
        d->name = xstrndup(child, nl);
        d->normalized = name_canonicalize(child, nl);
        d->source_file = xstrdup(shown);
        d->location = xstrdup(target);
        d->editable = true;
        buf b = {0};
        buf_printf(&b, "editable source '%s' not found", target);
        d->skip_reason = buf_detach(&b, NULL);
    }
    free(target);
    free(shown);
}

static bool is_dir_at(int dirfd, const struct dirent *de)
{
    if (de->d_type == DT_DIR)
        return true;
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
        return false;
    struct stat st;
    return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool is_reg_at(int dirfd, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return true;
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
        return false;
    struct stat st;
    return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

/* Kinds of children, in the order they are handled. */
enum { K_DIST, K_EGG_DIR, K_EGG_ZIP, K_EGG_LINK, K_KINDS };

typedef struct child {
    const char *name; /* in the directory's name buffer */
    size_t off;       /* where, while the buffer still grows */
    size_t len;       /* strlen(name) */
    int kind;
    bool dist_info;
} child;

static int scan_entry(site_scanner *s, const char *dir, const char *editable_at, int depth,
                      airlock_error *err)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return error_errno(err, errno, "%s", dir);
    struct stat st;
    if (fstat(dirfd, &st) != 0) {
        int e = errno;
        close(dirfd);
        return error_errno(err, e, "%s", dir);
    }
    if (!mark_seen(s, &st)) {
        close(dirfd);
        return 1;
    }
    DIR *dp = fdopendir(dirfd);
    if (dp == NULL) {
        int e = errno;
        close(dirfd);
        return error_errno(err, e, "%s", dir);
    }

    /* importlib: base.endswith(".egg") makes a child "EGG-INFO" count. */
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    bool base_is_egg = ends_with_ci(base, strlen(base), ".egg");

    child *kids = NULL;
    size_t nkids = 0, capkids = 0;
    buf names = {0}; /* the children's names, one after the other */
    /* Every editable install works through a .pth file in the directory
     * (setuptools' __editable__.*.pth, hatchling's _NAME.pth, flit's,
     * poetry's...): without one there is no direct_url.json worth opening,
     * and a pip-managed tree of thousands of wheels is spared as many
     * failed opens. */
    bool has_pth = false;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(dp)) != NULL) {
        const char *nm = de->d_name;
        size_t n = strlen(nm);
        int kind = -1;
        bool di = false;
        if (!has_pth && ends_with_ci(nm, n, ".pth"))
            has_pth = true;
        if (ends_with_ci(nm, n, ".dist-info")) {
            kind = K_DIST;
            di = true;
        } else if (ends_with_ci(nm, n, ".egg-info")) {
            kind = K_DIST;
        } else if (base_is_egg && strcasecmp(nm, "egg-info") == 0) {
            kind = K_DIST;
        } else if (depth == 0 && n > 4 && ends_with_ci(nm, n, ".egg")) {
            kind = is_dir_at(dirfd, de) ? K_EGG_DIR : is_reg_at(dirfd, de) ? K_EGG_ZIP : -1;
        } else if (depth == 0 && n > 9 && ends_with_ci(nm, n, ".egg-link")) {
            kind = K_EGG_LINK;
        }
        if (kind < 0)
            continue;
        if (nkids == capkids) {
            capkids = capkids ? capkids * 2 : 64;
            kids = xrealloc(kids, capkids * sizeof *kids);
        }
        kids[nkids].off = names.len;
        kids[nkids].len = n;
        buf_append(&names, nm, n + 1);
        kids[nkids].kind = kind;
        kids[nkids].dist_info = di;
        nkids++;
    }
    if (errno != 0)
        diag_warn(s->d, dir, 0, "reading the directory stopped: %s", strerror(errno));
    /* Sorted by kind, then name, so that output does not depend on the
     * file system's order: grouped by kind, each group by name. */
    str_item *order = xmalloc((nkids ? nkids : 1) * sizeof *order);
    size_t start[K_KINDS + 1] = {0};
    for (size_t i = 0; i < nkids; i++)
        start[kids[i].kind + 1]++;
    for (int k = 0; k < K_KINDS; k++)
        start[k + 1] += start[k];
    size_t fill[K_KINDS];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < nkids; i++) {
        kids[i].name = names.data + kids[i].off;
        order[fill[kids[i].kind]++] = (str_item){kids[i].name, i};
    }
    for (int k = 0; k < K_KINDS; k++)
        str_items_sort(order + start[k], start[k + 1] - start[k]);
    /* Each distribution and zipped egg adds at most one. */
    dep_list_reserve(s->out, start[K_DIST + 1] + start[K_EGG_ZIP + 1] - start[K_EGG_ZIP]);

    size_t dir_len = strlen(dir);
    for (size_t i = 0; i < nkids; i++) {
        const child *k = &kids[order[i].index];
        if (k->kind == K_DIST) {
            scan_dist(s, dirfd, dir, dir_len, k->name, k->len, k->dist_info && has_pth,
                      editable_at);
        } else if (k->kind == K_EGG_DIR) {
            char *sub = join(dir, k->name);
            airlock_error serr = {{0}};
            if (scan_entry(s, sub, editable_at, depth + 1, &serr) < 0)
                diag_warn(s->d, sub, 0, "%s", serr.msg);
            free(sub);
        } else if (k->kind == K_EGG_ZIP) {
            scan_zipped_egg(s, dirfd, dir, k->name);
        } else {
            scan_egg_link(s, dirfd, dir, k->name, depth);
        }
    }
    free(order);
    free(kids);
    buf_free(&names);
    closedir(dp);
    return 0;
}

int site_scanner_scan(site_scanner *s, const char *dir, airlock_error *err)
{
    return scan_entry(s, dir, NULL, 0, err);
}

int site_scanner_scan_list(site_scanner *s, const char *const *dirs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        airlock_error err = {{0}};
        struct stat st;
        if (stat(dirs[i], &st) != 0)
            continue;
        size_t len = strlen(dirs[i]);
        if (S_ISREG(st.st_mode) && len > 4 && ends_with_ci(dirs[i], len, ".egg") &&
            dirs[i][len - 5] != '/') {
            scan_zipped_egg(s, AT_FDCWD, NULL, dirs[i]);
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            continue;
        if (site_scanner_scan(s, dirs[i], &err) < 0)
            diag_warn(s->d, dirs[i], 0, "%s", err.msg);
    }
    return 0;
}

int sitepackages_scan(const char *dir, dep_list *out, diag *d, airlock_error *err)
{
    site_scanner *s = site_scanner_new(out, d);
    int r = site_scanner_scan(s, dir, err);
    site_scanner_free(s);
    return r < 0 ? -1 : 0;
}
