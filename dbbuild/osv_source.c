#include "dbbuild/osv_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/text.h"
#include "dbbuild/osv_json.h"
#include "dbbuild/osv_yaml.h"
#include "signatures/sha256.h"

/* Directory trees deeper than this are not walked further (warned). */
#define TREE_MAX_DEPTH 32
#define CHUNK 65536

enum { KIND_NONE = 0, KIND_JSON, KIND_YAML };

/* Everything one read needs; lives on osv_source_read()'s stack. */
typedef struct reader {
    const char *path; /* the source as given: opened, and named in messages about it */
    const char *name; /* what origins are made from (osv_source_read_as) */
    osv_record_fn fn;
    void *arg;
    diag *d;
    osv_source_info *info;
} reader;

/* ---- checks shared by both parsers ---- */

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and
 * no NUL: a record is text, and NUL would silently cut cJSON's strings. */
static int utf8_check(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) { /* fast path for runs of ASCII without NUL */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ull) == 0 &&
                ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        size_t k;
        unsigned min, cp;
        if (c == 0)
            goto fail;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto fail;
        }
        if (n - i <= k) /* truncated sequence */
            goto fail;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                goto fail;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            goto fail;
        i += k + 1;
    }
    return 0;
fail:
    *bad = i;
    return -1;
}

static unsigned line_of(const char *data, size_t pos)
{
    unsigned line = 1;
    for (size_t i = 0; i < pos; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Depth bound and duplicate keys, for every object in the tree. Callers
 * recurse into records, and a key that appears twice means different things
 * to different readers, so both are refused. Recursion stops at the bound. */
static int check_tree(const cJSON *n, int depth, airlock_error *err)
{
    if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
        return 0;
    if (depth > OSV_MAX_DEPTH)
        return error_set(err, "nested deeper than %d levels", OSV_MAX_DEPTH);
    if (cJSON_IsObject(n)) {
        size_t count = 0;
        for (const cJSON *c = n->child; c != NULL; c = c->next)
            count++;
        if (count <= 8) {
            for (const cJSON *a = n->child; a != NULL; a = a->next)
                for (const cJSON *b = a->next; b != NULL; b = b->next)
                    if (strcmp(a->string, b->string) == 0)
                        return error_set(err, "duplicate key '%.64s'", a->string);
        } else {
            const char **keys = xmalloc(count * sizeof *keys);
            size_t i = 0;
            for (const cJSON *c = n->child; c != NULL; c = c->next)
                keys[i++] = c->string;
            qsort(keys, count, sizeof *keys, key_cmp);
            for (i = 1; i < count; i++)
                if (strcmp(keys[i - 1], keys[i]) == 0) {
                    error_set(err, "duplicate key '%.64s'", keys[i]);
                    free(keys);
                    return -1;
                }
            free(keys);
        }
    }
    for (const cJSON *c = n->child; c != NULL; c = c->next)
        if (check_tree(c, depth + 1, err) != 0)
            return -1;
    return 0;
}

/* JSON through osv_json.h's pass (lone surrogates, NUL, free-form fields),
 * then cJSON on what it wrote. */
static cJSON *parse_json(const char *data, size_t len, unsigned *line, airlock_error *err)
{
    buf text = {0};
    size_t pos;
    int rc = osv_json_prepare(data, len, &text, &pos, err);
    if (rc < 0) {
        *line = line_of(data, pos);
        buf_free(&text);
        return NULL;
    }
    cJSON *root = rc == 0 ? cJSON_ParseWithLength(data, len)
                          : cJSON_ParseWithLength(text.data, text.len);
    buf_free(&text);
    if (root == NULL)
        error_set(err, "invalid JSON"); /* only if cJSON runs out of memory */
    return root;
}

/* Parse and check one record; `*line` says where a failure is, if known. */
static cJSON *parse_record(const char *data, size_t len, int kind, unsigned *line,
                           airlock_error *err)
{
    *line = 0;
    size_t bad;
    if (utf8_check((const unsigned char *)data, len, &bad) != 0) {
        *line = line_of(data, bad);
        error_set(err, data[bad] == '\0' ? "contains a NUL byte" : "not valid UTF-8");
        return NULL;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) { /* a BOM is not JSON */
        data += 3;
        len -= 3;
    }
    cJSON *root = kind == KIND_YAML ? osv_yaml_to_json(data, len, line, err)
                                    : parse_json(data, len, line, err);
    if (root == NULL)
        return NULL;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        error_set(err, "not an OSV record: the top level is not an object");
        return NULL;
    }
    if (check_tree(root, 1, err) != 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static cJSON *parse_public(const char *data, size_t len, int kind, airlock_error *err)
{
    unsigned line;
    cJSON *root = parse_record(data, len, kind, &line, err);
    if (root == NULL && line > 0)
        error_prefix(err, "line %u", line);
    return root;
}

cJSON *osv_parse_json(const char *data, size_t len, airlock_error *err)
{
    return parse_public(data, len, KIND_JSON, err);
}

cJSON *osv_parse_yaml(const char *data, size_t len, airlock_error *err)
{
    return parse_public(data, len, KIND_YAML, err);
}

/* ---- names ---- */

/* What a path inside a source is: a record file by its extension, unless a
 * component is hidden (".git", "._x.json") or macOS archive debris. */
static int record_kind(const char *path)
{
    const char *p = path;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n > 0 && p[0] == '.' && !(n == 1 || (n == 2 && p[1] == '.')))
            return KIND_NONE;
        if (n == 8 && memcmp(p, "__MACOSX", 8) == 0)
            return KIND_NONE;
        p += n;
        if (*p == '/')
            p++;
    }
    const char *dot = strrchr(path, '.');
    const char *base = strrchr(path, '/');
    if (dot == NULL || (base != NULL && dot < base))
        return KIND_NONE;
    if (strcasecmp(dot, ".json") == 0)
        return KIND_JSON;
    if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
        return KIND_YAML;
    return KIND_NONE;
}

/* "A" SEP "B" as it is: a path to open, or the text an origin is made from. */
static char *join(const char *a, const char *sep, const char *b)
{
    buf o = {0};
    buf_puts(&o, a);
    buf_puts(&o, sep);
    buf_puts(&o, b);
    return buf_detach(&o, NULL);
}

/* The origin of a record: "A" SEP "B" through core/text.h's filter, since
 * origins reach terminals and are stored in the snapshot. Only ever shown:
 * files are opened by their real names, which a filtered name would not
 * match (it would name another file, or none). */
static char *make_origin(const char *a, const char *sep, const char *b)
{
    char *raw = join(a, sep, b);
    char *origin = text_safe_dup(raw, 0);
    free(raw);
    return origin;
}

/* ---- one record ---- */

/* Parse a record's text and hand it on. Parse failures are warnings;
 * only the callback's own failure stops the read. */
static int deliver(reader *r, const char *origin, const char *data, size_t len, int kind,
                   airlock_error *err)
{
    r->info->bytes += len;
    unsigned line;
    airlock_error perr;
    error_clear(&perr);
    cJSON *rec = parse_record(data, len, kind, &line, &perr);
    if (rec == NULL) {
        r->info->unreadable++;
        diag_warn(r->d, origin, line, "%s; skipped", perr.msg);
        return 0;
    }
    int rc = r->fn(r->arg, origin, rec, err);
    cJSON_Delete(rec);
    return rc;
}

int source_read_hashed(const char *path, size_t max, buf *out, int *too_big,
                       unsigned char sha[32], airlock_error *err)
{
    *too_big = 0;
    buf_reset(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return error_errno(err, errno, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(err, "not a regular file");
    }
    sha256_state hs;
    sha256_init(&hs);
    unsigned char chunk[CHUNK];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return error_errno(err, e, "read error");
        }
        if (n == 0)
            break;
        sha256_update(&hs, chunk, (size_t)n);
        if (!*too_big && out->len + (size_t)n <= max)
            buf_append(out, chunk, (size_t)n);
        else
            *too_big = 1;
    }
    close(fd);
    sha256_final(&hs, sha);
    return 0;
}

/* ---- single files ---- */

static int read_single(reader *r, const char *path, int kind, airlock_error *err)
{
    /* The file the caller named is opened through its links: only files
     * found inside a tree are refused as links. */
    char *real = realpath(path, NULL);
    if (real == NULL)
        return error_errno(err, errno, "%s", path);
    buf data = {0};
    int too_big;
    unsigned char sha[32];
    int got = source_read_hashed(real, OSV_MAX_RECORD_BYTES, &data, &too_big, sha, err);
    free(real);
    if (got != 0) {
        buf_free(&data);
        return error_prefix(err, "%s", path);
    }
    sodium_bin2hex(r->info->sha256, sizeof r->info->sha256, sha, sizeof sha);
    r->info->files++;
    int rc = 0;
    /* A message about the file itself names it as given (what the user can
     * find); its records are named by the source's name. */
    char *shown = text_safe_dup(too_big ? path : r->name, 0);
    if (too_big) {
        r->info->unreadable++;
        diag_warn(r->d, shown, 0, "larger than the limit of %zu bytes; skipped",
                  OSV_MAX_RECORD_BYTES);
    } else {
        rc = deliver(r, shown, data.data, data.len, kind, err);
    }
    free(shown);
    buf_free(&data);
    return rc;
}

/* ---- directory trees ---- */

typedef struct pathlist {
    char **v;
    size_t n, cap;
} pathlist;

static void pathlist_add(pathlist *l, char *p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = p;
}

static void pathlist_free(pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Collect the record files under root/rel. Symbolic links are never
 * followed (a warning each): a tree must not reach outside itself. */
static int walk(reader *r, const char *root, const char *rel, int depth, pathlist *out,
                airlock_error *err)
{
    char *dirpath = rel[0] ? join(root, "/", rel) : xstrdup(root);
    DIR *dir = opendir(dirpath);
    if (dir == NULL) {
        int e = errno;
        if (depth == 0) {
            error_errno(err, e, "%s", dirpath);
            free(dirpath);
            return -1;
        }
        diag_warn(r->d, dirpath, 0, "cannot open directory: %s; skipped", strerror(e));
        free(dirpath);
        return 0;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        const char *nm = de->d_name;
        if (nm[0] == '.') /* ".", "..", and hidden entries such as .git */
            continue;
        char *childrel = rel[0] ? join(rel, "/", nm) : xstrdup(nm);
        char *childpath = join(dirpath, "/", nm); /* diag_warn filters it */
        struct stat st;
        /* A record file left out is a record lost: counted as unreadable. */
        bool record = record_kind(childrel) != KIND_NONE;
        if (lstat(childpath, &st) != 0) {
            diag_warn(r->d, childpath, 0, "cannot stat: %s; skipped", strerror(errno));
            r->info->files += record;
            r->info->unreadable += record;
        } else if (S_ISLNK(st.st_mode)) {
            diag_warn(r->d, childpath, 0, "symbolic link not followed");
            r->info->files += record;
            r->info->unreadable += record;
        } else if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= TREE_MAX_DEPTH)
                diag_warn(r->d, childpath, 0, "deeper than %d directories; skipped",
                          TREE_MAX_DEPTH);
            else
                rc = walk(r, root, childrel, depth + 1, out, err);
        } else if (S_ISREG(st.st_mode) && record) {
            pathlist_add(out, childrel);
            childrel = NULL;
        } else {
            r->info->ignored++;
        }
        free(childrel);
        free(childpath);
        if (rc != 0)
            break;
    }
    closedir(dir);
    free(dirpath);
    return rc;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_tree(reader *r, const char *path, airlock_error *err)
{
    /* "dir/" and "dir" are one directory, and give the same origins. */
    char *root = path_trim_slashes(path);
    char *label = path_trim_slashes(r->name);
    pathlist files = {0};
    int rc = walk(r, root, "", 0, &files, err);
    if (rc == 0 && files.n > 1)
        qsort(files.v, files.n, sizeof *files.v, str_cmp);

    sha256_state listing;
    sha256_init(&listing);
    buf data = {0};
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        char *file = join(root, "/", files.v[i]);
        char *origin = make_origin(label, "/", files.v[i]);
        int too_big;
        unsigned char sha[32];
        airlock_error ferr;
        error_clear(&ferr);
        r->info->files++;
        int got = source_read_hashed(file, OSV_MAX_RECORD_BYTES, &data, &too_big, sha, &ferr);
        free(file);
        if (got != 0) {
            r->info->unreadable++;
            diag_warn(r->d, origin, 0, "%s; skipped", ferr.msg);
        } else {
            char hex[65];
            sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
            sha256_update(&listing, hex, 64);
            sha256_update(&listing, "  ", 2);
            sha256_update(&listing, files.v[i], strlen(files.v[i]));
            sha256_update(&listing, "\n", 1);
            if (too_big) {
                r->info->unreadable++;
                diag_warn(r->d, origin, 0, "larger than the limit of %zu bytes; skipped",
                          OSV_MAX_RECORD_BYTES);
            } else {
                rc = deliver(r, origin, data.data, data.len, record_kind(files.v[i]), err);
            }
        }
        free(origin);
    }
    unsigned char sha[32];
    sha256_final(&listing, sha);
    sodium_bin2hex(r->info->sha256, sizeof r->info->sha256, sha, sizeof sha);
    buf_free(&data);
    pathlist_free(&files);
    free(root);
    free(label);
    return rc;
}

/* ---- archives ---- */

/* The bytes libarchive reads come through here and are hashed on the way,
 * so an archive is read once. Either a file descriptor or a memory block. */
typedef struct stream {
    int fd;
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    sha256_state sha;
    int read_errno;
    unsigned char block[CHUNK];
} stream;

static la_ssize_t stream_read(struct archive *a, void *client, const void **out)
{
    (void)a;
    stream *s = client;
    if (s->mem != NULL || s->fd < 0) {
        size_t n = s->mem_len - s->mem_pos;
        if (n > CHUNK)
            n = CHUNK;
        *out = s->mem + s->mem_pos;
        s->mem_pos += n;
        sha256_update(&s->sha, *out, n);
        return (la_ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(s->fd, s->block, sizeof s->block);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->read_errno = errno;
            if (a != NULL)
                archive_set_error(a, errno, "read error");
            return -1;
        }
        *out = s->block;
        sha256_update(&s->sha, s->block, (size_t)n);
        return n;
    }
}

/* Read one entry's data, keeping at most `max` bytes. -1 on a broken
 * archive (message in err), 1 if the entry was too big, 0 if fine. */
static int read_entry(struct archive *a, size_t max, buf *out, airlock_error *err)
{
    buf_reset(out);
    int too_big = 0;
    for (;;) {
        buf_reserve(out, CHUNK);
        la_ssize_t n = archive_read_data(a, too_big ? out->data : out->data + out->len,
                                         too_big ? CHUNK : out->cap - out->len - 1);
        if (n < 0) /* even ARCHIVE_WARN: the data read may be incomplete */
            return error_set(err, "%s", archive_error_string(a) ? archive_error_string(a)
                                                                 : "cannot read entry");
        if (n == 0)
            break;
        if (too_big)
            continue;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > max)
            too_big = 1;
    }
    return too_big;
}

static int read_archive_stream(reader *r, stream *s, airlock_error *err)
{
    struct archive *a = archive_read_new();
    if (a == NULL)
        return error_set(err, "%s: cannot create an archive reader", r->path);
    /* Only the formats and filters osv.dev and people publish dumps in;
     * format_all would include text formats such as mtree. */
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);

    int rc = 0;
    buf data = {0};
    if (archive_read_open(a, s, NULL, stream_read, NULL) != ARCHIVE_OK) {
        rc = error_set(err, "%s: %s", r->path,
                       archive_error_string(a) ? archive_error_string(a) : "cannot open");
        goto done;
    }
    for (;;) {
        struct archive_entry *e;
        int h = archive_read_next_header(a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
            rc = error_set(err, "%s: broken archive: %s", r->path,
                           archive_error_string(a) ? archive_error_string(a) : "unreadable");
            goto done;
        }
        const char *member = archive_entry_pathname(e);
        if (member == NULL)
            member = archive_entry_pathname_utf8(e);
        if (archive_entry_filetype(e) != AE_IFREG || member == NULL ||
            record_kind(member) == KIND_NONE) {
            if (member == NULL && archive_entry_filetype(e) == AE_IFREG) {
                /* maybe a record: counted as one that could not be read */
                diag_warn(r->d, r->path, 0, "an entry has an unreadable name; skipped");
                r->info->files++;
                r->info->unreadable++;
            } else {
                r->info->ignored++;
            }
            continue; /* the next header call skips the data */
        }
        int kind = record_kind(member);
        char *origin = make_origin(r->name, ":", member);
        r->info->files++;
        if (archive_entry_size_is_set(e) &&
            (uint64_t)archive_entry_size(e) > (uint64_t)OSV_MAX_RECORD_BYTES) {
            r->info->unreadable++;
            diag_warn(r->d, origin, 0, "larger than the limit of %zu bytes; skipped",
                      OSV_MAX_RECORD_BYTES);
            free(origin);
            continue;
        }
        airlock_error eerr;
        error_clear(&eerr);
        int got = read_entry(a, OSV_MAX_RECORD_BYTES, &data, &eerr);
        if (got < 0) {
            rc = error_set(err, "%s: broken archive: %s", origin, eerr.msg);
            free(origin);
            goto done;
        }
        if (got > 0) {
            r->info->unreadable++;
            diag_warn(r->d, origin, 0, "larger than the limit of %zu bytes; skipped",
                      OSV_MAX_RECORD_BYTES);
        } else {
            rc = deliver(r, origin, data.data, data.len, kind, err);
        }
        free(origin);
        if (rc != 0)
            goto done;
    }
    /* Hash whatever libarchive did not need (a zip's central directory). */
    for (;;) {
        const void *p;
        la_ssize_t n = stream_read(NULL, s, &p);
        if (n < 0) {
            rc = error_errno(err, s->read_errno, "%s", r->path);
            goto done;
        }
        if (n == 0)
            break;
    }
    unsigned char sha[32];
    sha256_final(&s->sha, sha);
    sodium_bin2hex(r->info->sha256, sizeof r->info->sha256, sha, sizeof sha);
done:
    if (rc != 0 && s->read_errno != 0)
        error_errno(err, s->read_errno, "%s", r->path);
    archive_read_free(a);
    buf_free(&data);
    return rc;
}

static int read_archive_fd(reader *r, int fd, airlock_error *err)
{
    stream *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    sha256_init(&s->sha);
    int rc = read_archive_stream(r, s, err);
    free(s);
    return rc;
}

/* ---- entry points ---- */

static int reader_init(reader *r, const char *path, const char *name, osv_record_fn fn,
                       void *arg, diag *d, osv_source_info *info, airlock_error *err)
{
    memset(info, 0, sizeof *info);
    r->path = path;
    r->name = name;
    r->fn = fn;
    r->arg = arg;
    r->d = d;
    r->info = info;
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    return 0;
}

static void warn_if_empty(reader *r)
{
    if (r->info->files == 0)
        diag_warn(r->d, r->path, 0, "no OSV record files (*.json, *.yaml, *.yml) found");
}

int osv_source_read(const char *source, osv_record_fn fn, void *arg, diag *d,
                    osv_source_info *info, airlock_error *err)
{
    return osv_source_read_as(source, source, fn, arg, d, info, err);
}

/* What a single file is, by its name as given, else (a link) by its
 * target's name. */
static int file_kind(const char *source)
{
    const char *base = strrchr(source, '/');
    int kind = record_kind(base ? base + 1 : source);
    if (kind != KIND_NONE)
        return kind;
    char *real = realpath(source, NULL);
    if (real == NULL)
        return KIND_NONE;
    base = strrchr(real, '/');
    kind = record_kind(base ? base + 1 : real);
    free(real);
    return kind;
}

int osv_source_read_as(const char *source, const char *name, osv_record_fn fn, void *arg,
                       diag *d, osv_source_info *info, airlock_error *err)
{
    reader r;
    if (reader_init(&r, source, name, fn, arg, d, info, err) != 0)
        return -1;
    struct stat st;
    if (stat(source, &st) != 0)
        return error_errno(err, errno, "%s", source);
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = read_tree(&r, source, err);
    } else if (!S_ISREG(st.st_mode)) {
        return error_set(err, "%s: not a file or a directory", source);
    } else {
        int kind = file_kind(source);
        if (kind != KIND_NONE) {
            rc = read_single(&r, source, kind, err);
        } else {
            int fd = open(source, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return error_errno(err, errno, "%s", source);
            rc = read_archive_fd(&r, fd, err);
            close(fd);
        }
    }
    if (rc == 0)
        warn_if_empty(&r);
    return rc;
}

int osv_source_read_archive_memory(const void *data, size_t len, const char *name,
                                   osv_record_fn fn, void *arg, diag *d,
                                   osv_source_info *info, airlock_error *err)
{
    reader r;
    if (reader_init(&r, name, name, fn, arg, d, info, err) != 0)
        return -1;
    stream *s = xcalloc(1, sizeof *s);
    s->fd = -1;
    s->mem = data != NULL ? data : (const unsigned char *)"";
    s->mem_len = len;
    sha256_init(&s->sha);
    int rc = read_archive_stream(&r, s, err);
    free(s);
    if (rc == 0)
        warn_if_empty(&r);
    return rc;
}
