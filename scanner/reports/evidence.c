/*
 * evidence.c - writing evidence bundles (see evidence.h for the layout).
 *
 * Everything is prepared in memory first (reports, copies, MANIFEST and its
 * signature), so a failing renderer or an unreadable input leaves nothing on
 * disk (the reports are rendered through unnamed scratch files, which leave
 * nothing either). Files are then written into a fresh directory beside the target with
 * openat() relative to it, fsynced, and the directory is renamed into place.
 */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include "scanner/reports/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/text.h"
#include "scanner/reports/report.h"
#include "scanner/reports/report_util.h"
#include "signatures/minisign.h"
#include "signatures/sha256.h"

/* Input files larger than this are not plausible inputs (the readers of
 * lockfiles and SBOMs stop at the same 64 MiB). */
#define EVIDENCE_INPUT_MAX (64u << 20)
/* A previous bundle's MANIFEST is small; a huge one is not ours. */
#define EVIDENCE_MANIFEST_MAX (1u << 20)
/* The first line of every MANIFEST Airlock writes: only a directory whose
 * MANIFEST starts with it, and whose files all still have the digests it
 * lists, is replaced (sha256sum skips lines starting with '#'). */
#define MANIFEST_MARKER "# Airlock evidence bundle: check with sha256sum -c --strict MANIFEST"

typedef struct entry {
    char *path; /* relative to the bundle */
    char *data;
    size_t len;
    mode_t mode; /* 0644, less what the copied file denied (copy_mode()) */
} entry;

typedef struct entries {
    entry *items;
    size_t len;
} entries;

static void entries_add(entries *e, char *path, char *data, size_t len)
{
    e->items = xrealloc(e->items, (e->len + 1) * sizeof *e->items);
    e->items[e->len++] = (entry){path, data, len, 0644};
}

/* The mode of the copy of a file of mode `src`: a requirement file or a
 * lockfile may hold an index URL with a password, so a class of users that could not read it
 * cannot read its copy either. */
static mode_t copy_mode(mode_t src)
{
    return 0600 | (0044 & src);
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
        buf_puts(&clean, "input");
    buf out = {0};
    buf_printf(&out, "inputs/%zu-%s", n, clean.data);
    buf_free(&clean);
    return buf_detach(&out, NULL);
}

/* A scratch file to render a report into: a regular file, so that the
 * CycloneDX writer takes one pass (it writes the serial number in place
 * afterwards; into a memory stream it renders twice). Unnamed (O_TMPFILE)
 * in the directory the bundle goes to, gone once closed. NULL where the
 * file system has no O_TMPFILE. */
static FILE *scratch_open(int dirfd)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "w+");
    if (fp == NULL)
        close(fd);
    return fp;
}

/* Render one report into *data: into a memory stream, but CycloneDX
 * through a scratch file when one can be had (the same bytes, in one pass
 * instead of two; the other formats gain nothing from a file). */
static int render_one(report_format f, const scan_report *r, int dirfd, char **data,
                      size_t *len, airlock_error *err)
{
    report_style style = {false};
    FILE *fp = f == REPORT_CYCLONEDX ? scratch_open(dirfd) : NULL;
    if (fp == NULL) {
        FILE *mem = open_memstream(data, len);
        if (mem == NULL)
            return error_errno(err, errno, "rendering");
        int rc = report_write(f, r, &style, mem, err);
        if (fclose(mem) != 0 && rc == 0)
            rc = error_errno(err, errno, "rendering");
        return rc;
    }
    int rc = report_write(f, r, &style, fp, err);
    if (rc == 0 && fflush(fp) != 0)
        rc = error_errno(err, errno, "rendering");
    if (rc == 0 && lseek(fileno(fp), 0, SEEK_SET) != 0)
        rc = error_errno(err, errno, "rendering");
    if (rc == 0)
        rc = file_read_fd(fileno(fp), "the rendered report", SIZE_MAX / 2, data, len, err);
    fclose(fp); /* read only: nothing left to fail */
    return rc;
}

static int render_reports(const scan_report *r, int dirfd, entries *e, airlock_error *err)
{
    static const report_format formats[] = {REPORT_TABLE, REPORT_JSON, REPORT_SARIF,
                                            REPORT_CYCLONEDX, REPORT_MARKDOWN, REPORT_HTML,
                                            REPORT_PLAN};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *data = NULL;
        size_t len = 0;
        if (render_one(formats[i], r, dirfd, &data, &len, err) != 0) {
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

/* status.txt: one "key: value" line each. The values come from the
 * snapshot (source names are whatever the builder typed) and from paths:
 * through core/text.h's filter, so that none can add a line of its own or
 * drive the terminal of whoever reads the file. */
static char *status_text(const scan_report *r, const evidence_options *opt)
{
    buf b = {0};
    char t[32];
    const char *extra = opt->snapshot_status;
    buf_puts(&b, "Airlock evidence: the vulnerability database this scan used\n");
    if (opt->snapshot_sig != NULL && opt->snapshot_sig_origin != NULL) {
        buf_puts(&b, "snapshot signature: snapshot/snapshot.minisig (copied from ");
        text_safe_append(&b, opt->snapshot_sig_origin, 0);
        buf_puts(&b, ")\n");
    } else if (opt->snapshot_sig != NULL) {
        buf_puts(&b, "snapshot signature: snapshot/snapshot.minisig\n");
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
    text_safe_append(&b, r->db.signer_key_id ? r->db.signer_key_id : "unknown", 0);
    buf_puts(&b, "\nsnapshot digest (BLAKE2b-512): ");
    text_safe_append(&b, r->db.snapshot_digest ? r->db.snapshot_digest : "unknown", 0);
    buf_puts(&b, "\ndatabase digest (BLAKE2b-512): ");
    text_safe_append(&b, r->db.db_digest ? r->db.db_digest : "unknown", 0);
    buf_printf(&b, "\nformat version: %u\n", r->db.format_version);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        buf_puts(&b, "source: ");
        text_safe_append(&b, s->name ? s->name : "?", 0);
        buf_puts(&b, " sha256 ");
        text_safe_append(&b, s->sha256 ? s->sha256 : "?", 0);
        buf_printf(&b, " kept %llu skipped %llu withdrawn %llu merged %llu\n",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
    }
    if (extra != NULL) {
        buf_puts(&b, "\n");
        text_safe_append(&b, extra, TEXT_LINES);
        if (b.len > 0 && b.data[b.len - 1] != '\n')
            buf_putc(&b, '\n');
    }
    return buf_detach(&b, NULL);
}

static char *manifest_text(const entries *e)
{
    buf b = {0};
    buf_puts(&b, MANIFEST_MARKER "\n");
    for (size_t i = 0; i < e->len; i++) {
        uint8_t h[SHA256_BYTES];
        char hex[2 * sizeof h + 1];
        sha256(e->items[i].data, e->items[i].len, h);
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

/* The kind of the file read `in`: that of the input given as the same
 * path, if any (scan_record_file() records every file as
 * INPUT_REQUIREMENTS: it cannot tell a lockfile from a requirement file),
 * else the kind files_read records (an included requirement file is no
 * input of its own). */
static input_kind file_kind(const scan_report *r, const scan_input *in)
{
    if (in->kind != INPUT_REQUIREMENTS)
        return in->kind;
    for (size_t i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].path != NULL && strcmp(r->inputs[i].path, in->path) == 0)
            return r->inputs[i].kind;
    return in->kind;
}

/* inputs.txt: which file each copy is, its kind (report_input_kind_name())
 * and the digest the scan recorded. A path is escaped byte by byte ('\\'
 * and controls as \xHH) so that every line stays one line. */
static char *inputs_text(const scan_report *r)
{
    buf b = {0};
    buf_puts(&b, "Airlock evidence: the files the scan read (requirement files and their "
                 "includes, lockfiles, pyproject.toml files, SBOMs), in the order first read\n");
    for (size_t i = 0; i < r->n_files_read; i++) {
        const scan_input *in = &r->files_read[i];
        char *name = input_name(in->path, i + 1);
        buf_printf(&b, "%s  sha256 %s  %s  read as ", name, in->sha256,
                   report_input_kind_name(file_kind(r, in)));
        free(name);
        for (const unsigned char *p = (const unsigned char *)in->path; *p; p++) {
            if (*p < 0x20 || *p == 0x7f || *p == '\\')
                buf_printf(&b, "\\x%02x", *p);
            else
                buf_putc(&b, (char)*p);
        }
        buf_putc(&b, '\n');
    }
    return buf_detach(&b, NULL);
}

/* The copy of a file the scan read must be what was parsed: the bytes read
 * now must have the digest recorded from that read. */
static int check_input(const scan_input *in, const char *data, size_t len, airlock_error *err)
{
    uint8_t h[SHA256_BYTES];
    sha256(data, len, h);
    char hex[2 * sizeof h + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    if (in->sha256 != NULL && strcmp(in->sha256, hex) != 0)
        return error_set(err, "evidence: %s changed since the scan (SHA-256 %s, the scan "
                              "read %s)", in->path, hex, in->sha256);
    return 0;
}

/* Build every file of the bundle in memory, sorted by path (the reports
 * rendered through scratch files in `dirfd`, where the bundle goes). */
static int prepare(const scan_report *r, int dirfd, const evidence_options *opt, entries *e,
                   char **manifest, char **sig, airlock_error *err)
{
    if (render_reports(r, dirfd, e, err) != 0)
        return -1;
    for (size_t i = 0; i < r->n_files_read; i++) {
        const scan_input *in = &r->files_read[i];
        char *data = NULL;
        size_t len = 0;
        struct stat st;
        int fd = open(in->path, O_RDONLY | O_CLOEXEC);
        int rc = fd < 0 ? error_errno(err, errno, "%s", in->path)
                 : fstat(fd, &st) != 0 ? error_errno(err, errno, "%s", in->path)
                                       : file_read_fd(fd, in->path, EVIDENCE_INPUT_MAX, &data,
                                                      &len, err);
        if (fd >= 0)
            close(fd);
        if (rc != 0)
            return error_prefix(err, "evidence: input");
        entries_add(e, input_name(in->path, i + 1), data, len);
        e->items[e->len - 1].mode = copy_mode(st.st_mode);
        if (check_input(in, data, len, err) != 0)
            return -1;
    }
    char *inputs = inputs_text(r);
    entries_add(e, xstrdup("inputs.txt"), inputs, strlen(inputs));
    /* The signature and key as they were verified, never read again by
     * path: what the bundle records is what the scan trusted. */
    if (opt->snapshot_sig != NULL)
        entries_add(e, xstrdup("snapshot/snapshot.minisig"),
                    xstrndup(opt->snapshot_sig, opt->snapshot_sig_len), opt->snapshot_sig_len);
    if (opt->snapshot_pubkey != NULL)
        entries_add(e, xstrdup("snapshot/signer.pub"),
                    xstrndup(opt->snapshot_pubkey, opt->snapshot_pubkey_len),
                    opt->snapshot_pubkey_len);
    char *status = status_text(r, opt);
    entries_add(e, xstrdup("snapshot/status.txt"), status, strlen(status));
    qsort(e->items, e->len, sizeof *e->items, by_path);
    *manifest = manifest_text(e);
    if (opt->sign_key_path != NULL && sign_manifest(r, *manifest, opt, sig, err) != 0)
        return -1;
    return 0;
}

static int write_at(int dirfd, const char *dirname, const char *path, const char *data,
                    size_t len, mode_t mode, airlock_error *err)
{
    int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
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

static const char *const subdirs[] = {"inputs", "snapshot"};

/* Fill the fresh directory `dirfd` (named `name` in messages). */
static int write_all(int dirfd, const char *name, const entries *e, const char *manifest,
                     const char *sig, airlock_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0; i++)
        if (mkdirat(dirfd, subdirs[i], 0755) != 0)
            rc = error_errno(err, errno, "evidence: %s/%s", name, subdirs[i]);
    for (size_t i = 0; i < e->len && rc == 0; i++)
        rc = write_at(dirfd, name, e->items[i].path, e->items[i].data, e->items[i].len,
                      e->items[i].mode, err);
    if (rc == 0)
        rc = write_at(dirfd, name, "MANIFEST", manifest, strlen(manifest), 0644, err);
    if (rc == 0 && sig != NULL)
        rc = write_at(dirfd, name, "MANIFEST.minisig", sig, strlen(sig), 0644, err);
    for (size_t i = 0; i < 2 && rc == 0; i++)
        rc = fsync_dir_at(dirfd, subdirs[i], name, err);
    if (rc == 0 && fsync(dirfd) != 0)
        rc = error_errno(err, errno, "evidence: fsync %s", name);
    return rc;
}

/* Remove the temporary directory `name` in `parent` that this run made and
 * filled (a bundle-shaped tree: files, and directories one level deep).
 * Symbolic links are removed, never followed. Best effort. */
static void remove_own_tree(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
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
    unlinkat(parent, name, AT_REMOVEDIR);
}

/* Read the regular file `name` in `dirfd` (never through a link) into a new
 * buffer of at most `max` bytes. */
static int read_at(int dirfd, const char *name, size_t max, char **data, size_t *len)
{
    *data = NULL;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        return -1;
    }
    buf b = {0};
    buf_reserve(&b, (size_t)st.st_size + 1);
    for (;;) {
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || b.len + (size_t)n > max) {
            close(fd);
            if (n == 0) {
                *data = buf_detach(&b, len);
                return 0;
            }
            buf_free(&b);
            return -1;
        }
        b.len += (size_t)n;
        b.data[b.len] = '\0';
        buf_reserve(&b, 65536);
    }
}

/* The files a previous bundle's MANIFEST lists. */
typedef struct listing {
    char *text;   /* the MANIFEST, split in place */
    char **paths; /* into `text` */
    char **sums;  /* into `text`: hex SHA-256 of each path */
    size_t n;
} listing;

static void listing_free(listing *l)
{
    free(l->text);
    free(l->paths);
    free(l->sums);
    memset(l, 0, sizeof *l);
}

static const char *listed_sum(const listing *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->paths[i], path) == 0)
            return l->sums[i];
    return NULL;
}

/* Where a bundle can hold `rel`: -1 at its top, 0 or 1 in subdirs[] of
 * that index, with *base its file name; -2 nowhere. Removing a previous
 * bundle unlinks what its MANIFEST lists, so a listed "/etc/passwd" or
 * "../x" must make the directory not ours. */
static int bundle_place(const char *rel, const char **base)
{
    const char *slash = strchr(rel, '/');
    int where = -1;
    *base = rel;
    if (slash != NULL) {
        size_t n = (size_t)(slash - rel);
        where = -2;
        for (int i = 0; i < 2; i++)
            if (strlen(subdirs[i]) == n && strncmp(rel, subdirs[i], n) == 0)
                where = i;
        *base = slash + 1;
    }
    const char *b = *base;
    if (b[0] == '\0' || strchr(b, '/') != NULL || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return -2;
    return where;
}

/* Is the regular file `name` in `dirfd` (`rel` in the bundle) one this
 * program wrote: listed, with the digest listed? */
static int is_ours(const listing *l, int dirfd, const char *name, const char *rel)
{
    if (strcmp(rel, "MANIFEST.minisig") == 0)
        return 1;
    const char *sum = listed_sum(l, rel);
    char *data = NULL;
    size_t len = 0;
    if (sum == NULL || read_at(dirfd, name, EVIDENCE_INPUT_MAX, &data, &len) != 0)
        return 0;
    uint8_t h[SHA256_BYTES];
    sha256(data, len, h);
    free(data);
    char hex[2 * sizeof h + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return strcmp(hex, sum) == 0;
}

/* Does the directory `fd` hold a previous bundle and nothing else (see
 * evidence.h)? 1 yes, with its listing in *l (free it); 0 no. */
static int is_previous_bundle(int fd, listing *l)
{
    memset(l, 0, sizeof *l);
    size_t len = 0;
    if (read_at(fd, "MANIFEST", EVIDENCE_MANIFEST_MAX, &l->text, &len) != 0)
        return 0;
    size_t mlen = strlen(MANIFEST_MARKER);
    int ok = len == strlen(l->text) && strncmp(l->text, MANIFEST_MARKER, mlen) == 0 &&
             l->text[mlen] == '\n';
    for (char *line = l->text + (ok ? mlen + 1 : 0); ok && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl == NULL || nl - line < 67 || line[64] != ' ' || line[65] != ' ') {
            ok = 0;
            break;
        }
        *nl = '\0';
        line[64] = '\0';
        const char *base;
        if (bundle_place(line + 66, &base) == -2) {
            ok = 0;
            break;
        }
        l->paths = xrealloc(l->paths, (l->n + 1) * sizeof *l->paths);
        l->sums = xrealloc(l->sums, (l->n + 1) * sizeof *l->sums);
        l->sums[l->n] = line;
        l->paths[l->n++] = line + 66;
        line = nl + 1;
    }
    int dfd = ok ? dup(fd) : -1;
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        ok = 0;
    } else {
        rewinddir(d); /* a dup shares the offset of earlier reads */
    }
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "MANIFEST") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            ok = 0;
        } else if (S_ISREG(st.st_mode)) {
            ok = is_ours(l, fd, name, name);
        } else if (S_ISDIR(st.st_mode) &&
                   (strcmp(name, subdirs[0]) == 0 || strcmp(name, subdirs[1]) == 0)) {
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
                     S_ISREG(st.st_mode) && is_ours(l, sub, se->d_name, rel.data);
                buf_free(&rel);
            }
            closedir(sd);
        } else {
            ok = 0;
        }
    }
    if (d != NULL)
        closedir(d);
    if (!ok)
        listing_free(l);
    return ok;
}

/* Remove the previous bundle `name` in `parent`, checked again now that it
 * is out of the way: only files it lists with their listed digests, then
 * its directories. 0, or -1 if it is no longer a bundle (then nothing is
 * removed). */
static int remove_previous(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    listing l;
    if (!is_previous_bundle(fd, &l)) {
        close(fd);
        return -1;
    }
    /* Each file through its own directory opened without following links:
     * the bundle may belong to someone who swaps `inputs` for a link to
     * another directory meanwhile. */
    int subfd[2];
    for (size_t i = 0; i < 2; i++)
        subfd[i] = openat(fd, subdirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (size_t i = 0; i < l.n; i++) {
        const char *base;
        int where = bundle_place(l.paths[i], &base);
        int at = where == -1 ? fd : where >= 0 ? subfd[where] : -1;
        if (at >= 0)
            unlinkat(at, base, 0);
    }
    unlinkat(fd, "MANIFEST.minisig", 0);
    unlinkat(fd, "MANIFEST", 0);
    for (size_t i = 0; i < 2; i++) {
        if (subfd[i] >= 0)
            close(subfd[i]);
        unlinkat(fd, subdirs[i], AT_REMOVEDIR);
    }
    listing_free(&l);
    close(fd);
    return unlinkat(parent, name, AT_REMOVEDIR);
}

/* 1 if the directory `fd` is empty, 0 if not. */
static int is_empty_dir(int fd)
{
    int dfd = dup(fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        return 0;
    }
    rewinddir(d); /* a dup shares the offset of earlier reads */
    struct dirent *de;
    int empty = 1;
    while (empty && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

/* Put the finished temporary directory `tmp` in place of `name` (both in
 * `parent`): over nothing (`was` NULL), over an empty directory, or in
 * exchange for a previous bundle (`replace`), which is then removed. */
static int install(int parent, const char *tmp, const char *name, const char *shown,
                   const struct stat *was, int replace, airlock_error *err)
{
    if (!replace) {
        /* Nothing there: never over something that appeared meanwhile.
         * An empty directory: rename() replaces only an empty directory. */
        int rc = was == NULL ? renameat2(parent, tmp, parent, name, RENAME_NOREPLACE)
                             : renameat(parent, tmp, parent, name);
        if (rc != 0 && was == NULL && errno == EINVAL)
            rc = renameat(parent, tmp, parent, name); /* no flags here: best effort */
        if (rc != 0) {
            error_errno(err, errno, "evidence: renaming the new bundle to %s", shown);
            remove_own_tree(parent, tmp);
            return -1;
        }
        if (fsync(parent) != 0 && errno != EINVAL)
            return error_errno(err, errno, "evidence: fsync the directory of %s", shown);
        return 0;
    }
    char *old = NULL;
    if (renameat2(parent, tmp, parent, name, RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS) {
            error_errno(err, errno, "evidence: replacing %s", shown);
            remove_own_tree(parent, tmp);
            return -1;
        }
        /* No atomic exchange on this file system: move the old bundle aside
         * first, over an empty directory of a fresh name; a crash in between
         * leaves it there. */
        int e = 0;
        if (temp_create_at(parent, 1, 0700, &old, err) < 0) {
            error_prefix(err, "evidence: moving the previous bundle %s aside", shown);
        } else if (renameat(parent, name, parent, old) != 0) {
            e = errno;
            unlinkat(parent, old, AT_REMOVEDIR);
            error_errno(err, e, "evidence: moving the previous bundle %s aside", shown);
        } else if (renameat(parent, tmp, parent, name) != 0) {
            e = errno;
            renameat(parent, old, parent, name);
            error_errno(err, e, "evidence: renaming the new bundle to %s", shown);
        } else {
            e = -1; /* done */
        }
        if (e != -1) {
            free(old);
            remove_own_tree(parent, tmp);
            return -1;
        }
    }
    int rc = 0;
    if (fsync(parent) != 0 && errno != EINVAL)
        rc = error_errno(err, errno, "evidence: fsync the directory of %s", shown);
    /* `old` (or `tmp`, after the exchange) now holds the previous bundle. */
    const char *prev = old != NULL ? old : tmp;
    if (remove_previous(parent, prev) != 0 && rc == 0)
        rc = error_set(err, "evidence: the bundle is in %s, but the previous one changed while "
                            "being replaced and is kept in %s beside it", shown, prev);
    free(old);
    return rc;
}

/* Give the new bundle directory `fd` the mode and owner of the directory
 * it replaces. */
static int keep_mode_owner(int fd, const struct stat *was, const char *shown, airlock_error *err)
{
    if ((was->st_uid != geteuid() || was->st_gid != getegid()) &&
        fchown(fd, was->st_uid, was->st_gid) != 0)
        return error_errno(err, errno, "evidence: %s: cannot keep its owner (uid %u, gid %u), "
                                       "so it is not replaced", shown, (unsigned)was->st_uid,
                           (unsigned)was->st_gid);
    if (fchmod(fd, was->st_mode & 0777) != 0)
        return error_errno(err, errno, "evidence: %s: cannot keep its mode", shown);
    return 0;
}

int evidence_write(const scan_report *r, const char *dir, const evidence_options *opt,
                   airlock_error *err)
{
    if (sodium_init() < 0)
        return error_set(err, "evidence: libsodium failed to initialise");
    buf given = {0};
    buf_puts(&given, dir);
    while (given.len > 1 && given.data[given.len - 1] == '/')
        given.data[--given.len] = '\0';
    if (given.len == 0) {
        buf_free(&given);
        return error_set(err, "evidence: empty directory name");
    }
    /* A link is followed: the bundle goes where it points (fileio.h). */
    char *target = NULL, *name = NULL;
    int parent = -1, rc = path_follow_links(given.data, &target, err);
    buf_free(&given);
    if (rc == 0 && path_open_parent(target, &parent, &name, err) != 0)
        rc = error_prefix(err, "evidence");
    else if (rc != 0)
        error_prefix(err, "evidence");

    int replace = 0, exists = 0;
    struct stat was, pst;
    if (rc == 0 && fstatat(parent, name, &was, AT_SYMLINK_NOFOLLOW) == 0) {
        exists = 1;
        /* Another user's directory in /tmp would get root's bundle, theirs
         * to change afterwards. */
        if (fstat(parent, &pst) != 0)
            rc = error_errno(err, errno, "evidence: %s", target);
        else if (path_check_planted(target, &pst, &was, err) != 0)
            rc = error_prefix(err, "evidence");
    }
    if (rc == 0 && exists) {
        int fd = S_ISDIR(was.st_mode)
                     ? openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                     : -1;
        listing l;
        if (fd >= 0 && !is_empty_dir(fd)) {
            replace = is_previous_bundle(fd, &l);
            if (replace)
                listing_free(&l);
        }
        if (fd < 0 || (!replace && !is_empty_dir(fd)))
            rc = error_set(err, "evidence: %s exists and is not an empty directory or an "
                                "unchanged evidence bundle written by Airlock; refusing to "
                                "overwrite it", target);
        if (fd >= 0)
            close(fd);
    } else if (rc == 0 && !exists && errno != ENOENT) {
        rc = error_errno(err, errno, "evidence: %s", target);
    }

    entries e = {0};
    char *manifest = NULL, *sig = NULL, *tmp = NULL;
    if (rc == 0)
        rc = prepare(r, parent, opt, &e, &manifest, &sig, err);
    if (rc == 0 && temp_create_at(parent, 1, 0755, &tmp, err) < 0)
        rc = error_prefix(err, "evidence: beside %s", target);
    if (rc == 0) {
        buf shown = {0};
        buf_printf(&shown, "%s (as %s)", target, tmp);
        int fd = openat(parent, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            rc = error_errno(err, errno, "evidence: %s", shown.data);
        if (rc == 0 && exists)
            rc = keep_mode_owner(fd, &was, target, err);
        if (rc == 0)
            rc = write_all(fd, shown.data, &e, manifest, sig, err);
        if (fd >= 0)
            close(fd);
        if (rc == 0)
            rc = install(parent, tmp, name, target, exists ? &was : NULL, replace, err);
        else
            remove_own_tree(parent, tmp); /* install() cleans up after itself */
        buf_free(&shown);
    }
    if (parent >= 0)
        close(parent);
    entries_free(&e);
    free(manifest);
    free(sig);
    free(tmp);
    free(name);
    free(target);
    return rc;
}
