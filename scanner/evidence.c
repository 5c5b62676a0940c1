/*
 * evidence.c - writing evidence bundles (see evidence.h for the layout).
 *
 * Everything is prepared in memory first (reports, copies, MANIFEST and its
 * signature), so a failing renderer or an unreadable input leaves nothing on
 * disk. Files are then written into a fresh directory beside the target with
 * openat() relative to it, fsynced, and the directory is renamed into place.
 */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include "scanner/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/report.h"
#include "scanner/report_util.h"
#include "signatures/minisign.h"

/* Requirement files larger than this are not plausible inputs. */
#define EVIDENCE_INPUT_MAX (64u << 20)
/* A previous bundle's MANIFEST is small; a huge one is not ours. */
#define EVIDENCE_MANIFEST_MAX (1u << 20)

typedef struct entry {
    char *path; /* relative to the bundle */
    char *data;
    size_t len;
} entry;

typedef struct entries {
    entry *items;
    size_t len;
} entries;

static void entries_add(entries *e, char *path, char *data, size_t len)
{
    e->items = xrealloc(e->items, (e->len + 1) * sizeof *e->items);
    e->items[e->len++] = (entry){path, data, len};
}

static void entries_free(entries *e)
{
    for (size_t i = 0; i < e->len; i++) {
        free(e->items[i].path);
        free(e->items[i].data);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

/* inputs/N-NAME: the base name made safe for a file name and for
 * sha256sum (which escapes backslashes and newlines in MANIFEST). */
static char *input_name(const char *path, size_t n)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    buf clean = {0};
    for (const char *p = base; *p != '\0' && clean.len < 128; p++) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        buf_putc(&clean, ok ? c : '_');
    }
    if (clean.len == 0)
        buf_puts(&clean, "requirements");
    buf out = {0};
    buf_printf(&out, "inputs/%zu-%s", n, clean.data);
    buf_free(&clean);
    return buf_detach(&out, NULL);
}

static int render_reports(const scan_report *r, entries *e, airlock_error *err)
{
    static const report_format formats[] = {REPORT_TABLE, REPORT_JSON, REPORT_SARIF,
                                            REPORT_CYCLONEDX, REPORT_MARKDOWN, REPORT_HTML};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *data = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&data, &len);
        if (mem == NULL)
            return error_errno(err, errno, "evidence: rendering the reports");
        report_style style = {false};
        int rc = report_write(formats[i], r, &style, mem, err);
        if (fclose(mem) != 0 && rc == 0)
            rc = error_errno(err, errno, "evidence: rendering the reports");
        if (rc != 0) {
            free(data);
            return error_prefix(err, "evidence: report.%s",
                                report_format_extension(formats[i]));
        }
        buf path = {0};
        buf_printf(&path, "report.%s", report_format_extension(formats[i]));
        entries_add(e, buf_detach(&path, NULL), data, len);
    }
    return 0;
}

static char *status_text(const scan_report *r, const char *sig_path, const char *extra)
{
    buf b = {0};
    char t[32];
    buf_puts(&b, "Airlock evidence: the vulnerability database this scan used\n");
    if (sig_path != NULL) {
        buf_puts(&b, "snapshot signature: snapshot/snapshot.minisig (copied from ");
        report_utf8_append(&b, sig_path);
        buf_puts(&b, ")\n");
    } else {
        buf_puts(&b, "snapshot signature: not included\n");
    }
    buf_printf(&b, "sequence: %llu\n", (unsigned long long)r->db.sequence);
    report_time_rfc3339(r->db.build_time, t);
    buf_printf(&b, "build time: %s\n", t);
    report_time_rfc3339(r->scan_time, t);
    buf_printf(&b, "scan time: %s\n", t);
    if (r->scan_time >= r->db.build_time)
        buf_printf(&b, "age at scan time: %lld seconds\n",
                   (long long)(r->scan_time - r->db.build_time));
    buf_puts(&b, "signer key id: ");
    report_utf8_append(&b, r->db.signer_key_id ? r->db.signer_key_id : "unknown");
    buf_puts(&b, "\nsnapshot digest (BLAKE2b-512): ");
    report_utf8_append(&b, r->db.snapshot_digest ? r->db.snapshot_digest : "unknown");
    buf_puts(&b, "\ndatabase digest (BLAKE2b-512): ");
    report_utf8_append(&b, r->db.db_digest ? r->db.db_digest : "unknown");
    buf_printf(&b, "\nformat version: %u\n", r->db.format_version);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        buf_puts(&b, "source: ");
        report_utf8_append(&b, s->name ? s->name : "?");
        buf_puts(&b, " sha256 ");
        report_utf8_append(&b, s->sha256 ? s->sha256 : "?");
        buf_printf(&b, " kept %llu skipped %llu withdrawn %llu merged %llu\n",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
    }
    if (extra != NULL) {
        buf_puts(&b, "\n");
        report_utf8_append(&b, extra);
        if (b.len > 0 && b.data[b.len - 1] != '\n')
            buf_putc(&b, '\n');
    }
    return buf_detach(&b, NULL);
}

static char *manifest_text(const entries *e)
{
    buf b = {0};
    for (size_t i = 0; i < e->len; i++) {
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[2 * sizeof h + 1];
        crypto_hash_sha256(h, (const unsigned char *)e->items[i].data, e->items[i].len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        buf_printf(&b, "%s  %s\n", hex, e->items[i].path);
    }
    return buf_detach(&b, NULL);
}

static int sign_manifest(const scan_report *r, const char *manifest, const evidence_options *opt,
                         char **sig, airlock_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(opt->sign_key_path, MINISIGN_FILE_MAX, &text, &len, err) != 0)
        return error_prefix(err, "evidence: signing key");
    minisign_seckey sk;
    int rc = minisign_seckey_parse(text, len, opt->sign_key_path, opt->sign_password, &sk, err);
    sodium_memzero(text, len);
    free(text);
    if (rc != 0)
        return error_prefix(err, "evidence");
    uint8_t hash[MINISIGN_HASH_BYTES];
    minisign_prehash(manifest, strlen(manifest), hash);
    char t[32], comment[160];
    report_time_rfc3339(r->scan_time, t);
    /* One deterministic line: Ed25519 is deterministic, so is the file. */
    snprintf(comment, sizeof comment,
             "airlock evidence bundle, scan time %s, database sequence %llu", t,
             (unsigned long long)r->db.sequence);
    rc = minisign_sign(&sk, hash, comment, "signature of an Airlock evidence MANIFEST", sig, err);
    minisign_seckey_wipe(&sk);
    if (rc != 0)
        return error_prefix(err, "evidence: signing MANIFEST");
    return 0;
}

/* A copy must be what was scanned: if the report recorded a digest for this
 * file, the bytes read now must have it. */
static int check_input(const scan_report *r, const char *path, const char *data, size_t len,
                       airlock_error *err)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    char hex[2 * sizeof h + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        if (in->kind != INPUT_REQUIREMENTS || in->path == NULL || in->sha256 == NULL ||
            strcmp(in->path, path) != 0)
            continue;
        if (strcmp(in->sha256, hex) != 0)
            return error_set(err, "evidence: %s changed since the scan (SHA-256 %s, the report "
                                  "says %s)", path, hex, in->sha256);
    }
    return 0;
}

/* Build every file of the bundle in memory, sorted by path. */
static int prepare(const scan_report *r, const evidence_options *opt, entries *e, char **manifest,
                   char **sig, airlock_error *err)
{
    if (render_reports(r, e, err) != 0)
        return -1;
    for (size_t i = 0; i < opt->n_requirement_files; i++) {
        const char *path = opt->requirement_files[i];
        char *data = NULL;
        size_t len = 0;
        if (file_read_all(path, EVIDENCE_INPUT_MAX, &data, &len, err) != 0)
            return error_prefix(err, "evidence: input");
        entries_add(e, input_name(path, i + 1), data, len);
        if (check_input(r, path, data, len, err) != 0)
            return -1;
    }
    if (opt->snapshot_sig_path != NULL) {
        char *data = NULL;
        size_t len = 0;
        if (file_read_all(opt->snapshot_sig_path, MINISIGN_FILE_MAX, &data, &len, err) != 0)
            return error_prefix(err, "evidence: snapshot signature");
        entries_add(e, xstrdup("snapshot/snapshot.minisig"), data, len);
    }
    if (opt->snapshot_pubkey_path != NULL) {
        char *data = NULL;
        size_t len = 0;
        if (file_read_all(opt->snapshot_pubkey_path, MINISIGN_FILE_MAX, &data, &len, err) != 0)
            return error_prefix(err, "evidence: snapshot signer key");
        entries_add(e, xstrdup("snapshot/signer.pub"), data, len);
    }
    char *status = status_text(r, opt->snapshot_sig_path, opt->snapshot_status);
    entries_add(e, xstrdup("snapshot/status.txt"), status, strlen(status));
    qsort(e->items, e->len, sizeof *e->items, by_path);
    *manifest = manifest_text(e);
    if (opt->sign_key_path != NULL && sign_manifest(r, *manifest, opt, sig, err) != 0)
        return -1;
    return 0;
}

static int write_at(int dirfd, const char *dirname, const char *path, const char *data,
                    size_t len, airlock_error *err)
{
    int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_errno(err, errno, "evidence: %s/%s", dirname, path);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return error_errno(err, e, "evidence: writing %s/%s", dirname, path);
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "evidence: fsync %s/%s", dirname, path);
    }
    if (close(fd) != 0)
        return error_errno(err, errno, "evidence: closing %s/%s", dirname, path);
    return 0;
}

static int fsync_dir_at(int dirfd, const char *sub, const char *dirname, airlock_error *err)
{
    int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "evidence: %s/%s", dirname, sub);
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        return error_errno(err, e, "evidence: fsync %s/%s", dirname, sub);
    return 0;
}

static int write_all(const char *tmp, const entries *e, const char *manifest, const char *sig,
                     airlock_error *err)
{
    int dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0)
        return error_errno(err, errno, "evidence: %s", tmp);
    static const char *const subdirs[] = {"inputs", "snapshot"};
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0; i++)
        if (mkdirat(dirfd, subdirs[i], 0755) != 0)
            rc = error_errno(err, errno, "evidence: %s/%s", tmp, subdirs[i]);
    for (size_t i = 0; i < e->len && rc == 0; i++)
        rc = write_at(dirfd, tmp, e->items[i].path, e->items[i].data, e->items[i].len, err);
    if (rc == 0)
        rc = write_at(dirfd, tmp, "MANIFEST", manifest, strlen(manifest), err);
    if (rc == 0 && sig != NULL)
        rc = write_at(dirfd, tmp, "MANIFEST.minisig", sig, strlen(sig), err);
    for (size_t i = 0; i < 2 && rc == 0; i++)
        rc = fsync_dir_at(dirfd, subdirs[i], tmp, err);
    if (rc == 0)
        rc = fsync_dir_at(dirfd, ".", tmp, err);
    close(dirfd);
    return rc;
}

/* Remove a bundle-shaped tree: files, and directories one level deep.
 * Symbolic links are removed, never followed. Best effort. */
static void remove_tree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            DIR *sd = sub >= 0 ? fdopendir(sub) : NULL;
            if (sd == NULL && sub >= 0)
                close(sub);
            struct dirent *se;
            while (sd != NULL && (se = readdir(sd)) != NULL)
                if (strcmp(se->d_name, ".") != 0 && strcmp(se->d_name, "..") != 0)
                    unlinkat(sub, se->d_name, 0);
            if (sd != NULL)
                closedir(sd);
            unlinkat(fd, de->d_name, AT_REMOVEDIR);
        } else {
            unlinkat(fd, de->d_name, 0);
        }
    }
    closedir(d);
    rmdir(path);
}

static int listed(char **paths, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(paths[i], path) == 0)
            return 1;
    return 0;
}

/* Does `dir` hold a previous bundle and nothing else (see evidence.h)?
 * 1 yes, 0 no. */
static int is_previous_bundle(const char *dir)
{
    buf p = {0};
    buf_printf(&p, "%s/MANIFEST", dir);
    char *text = NULL;
    size_t len = 0;
    airlock_error ignored;
    int rc = file_read_all(p.data, EVIDENCE_MANIFEST_MAX, &text, &len, &ignored);
    buf_free(&p);
    if (rc != 0)
        return 0;
    char **paths = NULL;
    size_t n = 0;
    int ok = 1;
    for (char *line = text; ok && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl == NULL) {
            ok = 0;
            break;
        }
        *nl = '\0';
        if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ')
            ok = 0;
        else {
            paths = xrealloc(paths, (n + 1) * sizeof *paths);
            paths[n++] = line + 66;
        }
        line = nl + 1;
    }
    int fd = ok ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        ok = 0;
    }
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            ok = 0;
        } else if (S_ISREG(st.st_mode)) {
            ok = strcmp(name, "MANIFEST") == 0 || strcmp(name, "MANIFEST.minisig") == 0 ||
                 listed(paths, n, name);
        } else if (S_ISDIR(st.st_mode) &&
                   (strcmp(name, "inputs") == 0 || strcmp(name, "snapshot") == 0)) {
            int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            DIR *sd = sub >= 0 ? fdopendir(sub) : NULL;
            if (sd == NULL) {
                if (sub >= 0)
                    close(sub);
                ok = 0;
                break;
            }
            struct dirent *se;
            while (ok && (se = readdir(sd)) != NULL) {
                if (strcmp(se->d_name, ".") == 0 || strcmp(se->d_name, "..") == 0)
                    continue;
                buf rel = {0};
                buf_printf(&rel, "%s/%s", name, se->d_name);
                ok = fstatat(sub, se->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISREG(st.st_mode) && listed(paths, n, rel.data);
                buf_free(&rel);
            }
            closedir(sd);
        } else {
            ok = 0;
        }
    }
    if (d != NULL)
        closedir(d);
    free(paths);
    free(text);
    return ok;
}

/* 1 if `dir` is an empty directory, 0 if not empty, -1 on error. */
static int is_empty_dir(const char *dir, airlock_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, errno, "evidence: %s", dir);
    struct dirent *de;
    int empty = 1;
    while (empty && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

/* Put the finished temporary directory in place of `dir`. */
static int install(const char *tmp, const char *dir, int replace, airlock_error *err)
{
    if (!replace) {
        /* Absent or empty: rename() replaces an empty directory. */
        if (rename(tmp, dir) != 0)
            return error_errno(err, errno, "evidence: renaming %s to %s", tmp, dir);
        return fsync_parent_dir(dir, err);
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
        /* `tmp` now holds the previous bundle. */
        int rc = fsync_parent_dir(dir, err);
        remove_tree(tmp);
        return rc;
    }
    if (errno != EINVAL && errno != ENOSYS)
        return error_errno(err, errno, "evidence: replacing %s", dir);
    /* No atomic exchange on this file system: move the old bundle aside
     * first; a crash in between leaves it in DIR.old-*. */
    buf old = {0};
    buf_printf(&old, "%s.old-XXXXXX", dir);
    if (mkdtemp(old.data) == NULL || rename(dir, old.data) != 0) {
        int e = errno;
        buf_free(&old);
        return error_errno(err, e, "evidence: moving the previous bundle %s aside", dir);
    }
    if (rename(tmp, dir) != 0) {
        int e = errno;
        rename(old.data, dir);
        buf_free(&old);
        return error_errno(err, e, "evidence: renaming %s to %s", tmp, dir);
    }
    int rc = fsync_parent_dir(dir, err);
    remove_tree(old.data);
    buf_free(&old);
    return rc;
}

int evidence_write(const scan_report *r, const char *dir, const evidence_options *opt,
                   airlock_error *err)
{
    if (sodium_init() < 0)
        return error_set(err, "evidence: libsodium failed to initialise");
    buf target = {0};
    buf_puts(&target, dir);
    while (target.len > 1 && target.data[target.len - 1] == '/')
        target.data[--target.len] = '\0';
    if (target.len == 0) {
        buf_free(&target);
        return error_set(err, "evidence: empty directory name");
    }

    int replace = 0;
    struct stat st;
    if (lstat(target.data, &st) == 0) {
        int empty = S_ISDIR(st.st_mode) ? is_empty_dir(target.data, err) : 0;
        if (empty < 0) {
            buf_free(&target);
            return -1;
        }
        if (!empty) {
            if (!S_ISDIR(st.st_mode) || !is_previous_bundle(target.data)) {
                error_set(err, "evidence: %s exists and is not an empty directory or a previous "
                               "evidence bundle; refusing to overwrite it", target.data);
                buf_free(&target);
                return -1;
            }
            replace = 1;
        }
    } else if (errno != ENOENT) {
        int e = errno;
        buf_free(&target);
        return error_errno(err, e, "evidence: %s", dir);
    }

    entries e = {0};
    char *manifest = NULL, *sig = NULL;
    int rc = prepare(r, opt, &e, &manifest, &sig, err);
    if (rc == 0) {
        buf tmp = {0};
        buf_printf(&tmp, "%s.tmp-XXXXXX", target.data);
        if (mkdtemp(tmp.data) == NULL) {
            rc = error_errno(err, errno, "evidence: creating a temporary directory beside %s",
                             target.data);
        } else {
            chmod(tmp.data, 0755); /* mkdtemp makes it 0700: a bundle is for reading */
            rc = write_all(tmp.data, &e, manifest, sig, err);
            if (rc == 0)
                rc = install(tmp.data, target.data, replace, err);
            if (rc != 0)
                remove_tree(tmp.data);
        }
        buf_free(&tmp);
    }
    entries_free(&e);
    free(manifest);
    free(sig);
    buf_free(&target);
    return rc;
}
