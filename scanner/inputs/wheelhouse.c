/*
 * wheelhouse.c - a directory of distribution archives: which files are
 * archives, one dependency per archive, and the --hash check of
 * requirement files against them.
 */
#include "scanner/inputs/wheelhouse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/name.h"
#include "core/specifier.h"
#include "scanner/inputs/wheel.h"
#include "signatures/sha256.h"

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static bool is_sdist_stem(const char *base, size_t suffix_len)
{
    char *name, *ver;
    if (sdist_name_fields(base, suffix_len, &name, &ver) != 0)
        return false;
    version v;
    airlock_error e;
    bool ok = name_is_valid(name, strlen(name)) &&
              version_parse(&v, ver, strlen(ver), &e) == 0;
    if (ok)
        version_clear(&v);
    free(name);
    free(ver);
    return ok;
}

wh_kind wheelhouse_kind_of_name(const char *base)
{
    size_t n = strlen(base);
    if (ends_with(base, n, ".whl"))
        return WH_WHEEL;
    if (ends_with(base, n, ".tar.gz"))
        return is_sdist_stem(base, 7) ? WH_SDIST_TGZ : WH_NONE;
    if (ends_with(base, n, ".zip"))
        return is_sdist_stem(base, 4) ? WH_SDIST_ZIP : WH_NONE;
    /* pip's other archive extensions (pip/_internal/utils/filetypes.py). */
    static const char *const other[] = {".tar.bz2", ".tar.xz", ".tar", ".tgz", ".tbz", ".txz",
                                        ".tlz", ".tar.lz", ".tar.lzma"};
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (ends_with(base, n, other[i]) && is_sdist_stem(base, strlen(other[i])))
            return WH_SDIST_OTHER;
    return WH_NONE;
}

void wheelhouse_free(wheelhouse *wh)
{
    for (size_t i = 0; i < wh->len; i++) {
        free(wh->items[i].path);
        free(wh->items[i].normalized);
        free(wh->items[i].file_normalized);
        if (wh->items[i].has_version)
            version_clear(&wh->items[i].version);
        if (wh->items[i].file_has_version)
            version_clear(&wh->items[i].file_version);
    }
    free(wh->items);
    memset(wh, 0, sizeof *wh);
}

static int file_sha256(int fd, char hex[65], airlock_error *err)
{
    sha256_state s;
    sha256_init(&s);
    unsigned char *b = xmalloc(1 << 18);
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, b, 1 << 18);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = error_errno(err, errno, "read");
            break;
        }
        if (got == 0)
            break;
        sha256_update(&s, b, (size_t)got);
    }
    free(b);
    uint8_t d[SHA256_BYTES];
    sha256_final(&s, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    if (rc == 0 && lseek(fd, 0, SEEK_SET) != 0)
        rc = error_errno(err, errno, "seek");
    return rc;
}

/* The dependency of one archive: named by its metadata when read, else by
 * its file name (skipped, with `why`). */
static void add_dep(const char *path, wh_kind kind, const metadata *md, const char *fname,
                    const char *fver, const char *why, wh_archive *a, dep_list *deps)
{
    const char *name = md != NULL ? md->name : fname;
    size_t nlen = md != NULL ? md->name_len : (fname ? strlen(fname) : 0);
    const char *ver = md != NULL ? md->version : fver;
    size_t vlen = md != NULL ? md->version_len : (fver ? strlen(fver) : 0);
    if (name == NULL)
        return;
    dependency *d = dep_list_add(deps);
    d->kind = DEP_ARCHIVE;
    d->name = xstrndup(name, nlen);
    d->normalized = name_canonicalize(name, nlen);
    d->source_file = xstrdup(path);
    d->source_kind = xstrdup(kind == WH_WHEEL ? "wheel" : "sdist");
    a->normalized = xstrdup(d->normalized);
    airlock_error e;
    if (ver != NULL) {
        d->version_text = xstrndup(ver, vlen);
        if (version_parse(&d->version, ver, vlen, &e) == 0) {
            d->has_version = true;
            version_copy(&a->version, &d->version);
            a->has_version = true;
        }
    }
    if (why != NULL)
        d->skip_reason = xstrdup(why);
    else if (ver == NULL)
        d->skip_reason = xstrdup("no Version in its metadata");
    else if (!d->has_version)
        d->skip_reason = xstrdup("its version is not a PEP 440 version");
}

void wheelhouse_read_archive(int fd, const char *path, wh_kind kind, const archive_limits *lim,
                             wheelhouse *wh, dep_list *deps, diag *d)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *fname = NULL, *fver = NULL;
    bool named = kind == WH_WHEEL ? wheel_name_fields(base, &fname, &fver) == 0
                 : sdist_name_fields(base, kind == WH_SDIST_TGZ ? 7 : 4, &fname, &fver) == 0;
    wh_problems p = {d, path, 0};
    if (kind == WH_WHEEL && !named)
        wh_problem(&p, "not a wheel file name (PEP 427: NAME-VERSION[-BUILD]-PY-ABI-"
                   "PLATFORM.whl)");
    if (wh->len == wh->cap) {
        wh->cap = wh->cap ? wh->cap * 2 : 16;
        wh->items = xrealloc(wh->items, wh->cap * sizeof *wh->items);
    }
    wh_archive *a = &wh->items[wh->len++];
    memset(a, 0, sizeof *a);
    a->path = xstrdup(path);
    airlock_error err;
    if (named) {
        a->file_normalized = name_canonicalize(fname, strlen(fname));
        a->file_has_version = version_parse(&a->file_version, fver, strlen(fver), &err) == 0;
    }
    metadata md;
    memset(&md, 0, sizeof md);
    int got = file_sha256(fd, a->sha256, &err);
    if (got == 0)
        got = kind == WH_WHEEL ? wheel_check(fd, named ? fname : NULL, lim, &p, &md, &err)
                               : sdist_check(fd, kind == WH_SDIST_ZIP, lim, &p, &md, &err);
    if (got < 0) {
        wh_problem(&p, "rejected: %s", err.msg);
        wh->rejected++;
        add_dep(path, kind, NULL, fname, fver, "the archive was rejected (see the warnings)",
                a, deps);
    } else if (got == 0) {
        add_dep(path, kind, NULL, fname, fver,
                kind == WH_WHEEL ? "no readable METADATA in the wheel"
                                 : "no readable PKG-INFO in the sdist", a, deps);
    } else {
        if (named)
            wh_compare_names(&p, kind == WH_WHEEL ? "METADATA" : "PKG-INFO", fname, fver, &md);
        add_dep(path, kind, &md, NULL, NULL, NULL, a, deps);
    }
    if (got >= 0) {
        if (kind == WH_WHEEL)
            wh->wheels++;
        else
            wh->sdists++;
    }
    wh_problems_end(&p);
    metadata_clear(&md);
    free(fname);
    free(fver);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int wheelhouse_read(const char *dir, const char *within, const archive_limits *lim,
                    wheelhouse *wh, dep_list *deps, diag *d, airlock_error *err)
{
    char *root = NULL;
    if (within != NULL && (root = realpath(within, NULL)) == NULL)
        return error_errno(err, errno, "%s", within);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        free(root);
        return error_errno(err, errno, "%s", dir);
    }
    int lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    DIR *ds = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (ds == NULL) {
        int e = errno;
        if (lfd >= 0)
            close(lfd);
        close(dfd);
        free(root);
        return error_errno(err, e, "%s", dir);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(ds)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(ds);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    buf path = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&path);
        buf_printf(&path, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
                   names[i]);
        wh_kind kind = wheelhouse_kind_of_name(names[i]);
        if (kind == WH_NONE) {
            wh->other++;
            continue;
        }
        if (kind == WH_SDIST_OTHER) {
            diag_warn(d, path.data, 0, "an sdist format Airlock does not read (.tar.gz and "
                      ".zip are read): not checked, and pip would install it");
            wh->other++;
            continue;
        }
        struct stat st;
        if (root != NULL && fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode) && !path_resolves_inside(path.data, root)) {
            diag_warn(d, path.data, 0, "a symbolic link out of the directory searched: not "
                      "read (name its directory with --wheelhouse to scan it)");
            wh->other++;
            continue;
        }
        int fd = openat(dfd, names[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            diag_warn(d, path.data, 0, "%s: not read",
                      fd < 0 ? strerror(errno) : "not a regular file");
            if (fd >= 0)
                close(fd);
            wh->other++;
            continue;
        }
        wheelhouse_read_archive(fd, path.data, kind, lim, wh, deps, d);
        close(fd);
    }
    buf_free(&path);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    close(dfd);
    free(root);
    return 0;
}

/* Whether the space-separated "algo:hex" values hold `hex` as sha256;
 * *any256 says whether any sha256 value is there. */
static bool hash_listed(const char *hashes, const char *hex, bool *any256)
{
    *any256 = false;
    for (const char *s = hashes; *s != '\0';) {
        size_t n = strcspn(s, " ");
        if (n > 7 && strncmp(s, "sha256:", 7) == 0) {
            *any256 = true;
            if (n - 7 == 64 && strncasecmp(s + 7, hex, 64) == 0)
                return true;
        }
        s += n;
        s += *s == ' ';
    }
    return false;
}

/* Whether the line applies to the target (a marker that cannot be
 * evaluated counts as applying: its warning was given when it was read). */
static bool applies(const req_line *rl, const marker_env *env)
{
    airlock_error e;
    return env == NULL || rl->marker == NULL || marker_evaluate(rl->marker, env, &e) != 0;
}

void wheelhouse_check_hashes(const wheelhouse *wh, const req_lines *lines,
                             const marker_env *env, diag *d)
{
    /* One --hash puts pip in hash-checking mode for the whole install:
     * then a requirement without hashes is refused too. */
    bool checking = false;
    for (size_t i = 0; i < lines->len && !checking; i++)
        checking = lines->items[i].hashes != NULL && !lines->items[i].constraint;
    for (size_t i = 0; i < lines->len; i++) {
        const req_line *rl = &lines->items[i];
        if (rl->invalid != NULL || !applies(rl, env))
            continue;
        if (rl->hashes == NULL) {
            if (checking && !rl->constraint)
                diag_warn(d, rl->file, rl->line, "'%.200s' has no --hash, but other lines do: "
                          "pip, in hash-checking mode, will refuse to install it", rl->text);
            continue;
        }
        const char *pin = rl->has_req && rl->form == REQ_NAMED ? specset_exact_pin(rl->req.spec)
                                                               : NULL;
        if (pin == NULL) {
            diag_warn(d, rl->file, rl->line, "'%.200s' has --hash values but pins no version "
                      "(name==version): no archive of the wheelhouse can be checked against "
                      "them", rl->text);
            continue;
        }
        char *norm = name_canonicalize(rl->req.name, strlen(rl->req.name));
        version want;
        airlock_error e;
        bool parsed = version_parse(&want, pin, strlen(pin), &e) == 0;
        size_t matched = 0;
        for (size_t k = 0; k < wh->len; k++) {
            const wh_archive *a = &wh->items[k];
            bool by_md = a->normalized != NULL && strcmp(a->normalized, norm) == 0 &&
                         a->has_version && parsed && version_compare(&a->version, &want) == 0;
            bool by_file = a->file_normalized != NULL && strcmp(a->file_normalized, norm) == 0 &&
                           a->file_has_version && parsed &&
                           version_compare(&a->file_version, &want) == 0;
            if (!by_md && !by_file)
                continue;
            matched++;
            bool any256;
            if (hash_listed(rl->hashes, a->sha256, &any256))
                continue;
            if (any256)
                diag_warn(d, a->path, 0, "sha256 %s is not among the --hash values of '%.200s' "
                          "(%s:%u)", a->sha256, rl->text, rl->file, rl->line);
            else
                diag_warn(d, a->path, 0, "'%.200s' (%s:%u) gives only sha384/sha512 values: "
                          "the archive's hash is not checked (give --hash=sha256:...)",
                          rl->text, rl->file, rl->line);
        }
        if (matched == 0 && !rl->constraint) /* a constraint need not be installed */
            diag_warn(d, rl->file, rl->line, "'%.200s' has --hash values but no archive of "
                      "%.200s %.100s is in the wheelhouse: nothing to check, and pip "
                      "--no-index would not find it", rl->text, rl->req.name, pin);
        if (parsed)
            version_clear(&want);
        free(norm);
    }
}
