#define _GNU_SOURCE /* renameat2 */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/magic.h>

#include "core/buf.h"

int file_read_all(const char *path, size_t max, char **data, size_t *len, airlock_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "%s", path);
    int rc = file_read_fd(fd, path, max, data, len, err);
    close(fd);
    return rc;
}

int file_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
                 airlock_error *err)
{
    *data = NULL;
    *len = 0;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return error_errno(err, errno, "%s", name);
    if (S_ISDIR(st.st_mode))
        return error_set(err, "%s: is a directory", name);
    buf b = {0};
    if (S_ISREG(st.st_mode) && (size_t)st.st_size <= max)
        buf_reserve(&b, (size_t)st.st_size);
    for (;;) {
        if (b.len > max) {
            buf_free(&b);
            return error_set(err, "%s: larger than the limit of %zu bytes", name, max);
        }
        buf_reserve(&b, 65536);
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            buf_free(&b);
            return error_errno(err, e, "%s", name);
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        b.data[b.len] = '\0';
    }
    if (b.len > max) {
        buf_free(&b);
        return error_set(err, "%s: larger than the limit of %zu bytes", name, max);
    }
    *data = buf_detach(&b, len);
    return 0;
}

int path_check_planted(const char *shown, const struct stat *dir, const struct stat *st,
                       airlock_error *err)
{
    if ((dir->st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH) ||
        st->st_uid == geteuid() || st->st_uid == dir->st_uid)
        return 0;
    return error_set(err, "%s: refusing to %s owned by uid %u in a sticky world-writable "
                          "directory", shown,
                     S_ISLNK(st->st_mode) ? "follow a symbolic link" : "write to a file",
                     (unsigned)st->st_uid);
}

static int link_may_be_followed(const char *link, const struct stat *lst, airlock_error *err)
{
    char *copy = xstrdup(link);
    struct stat dst;
    int rc = 0;
    if (stat(dirname(copy), &dst) != 0)
        rc = error_errno(err, errno, "%s", link);
    else
        rc = path_check_planted(link, &dst, lst, err);
    free(copy);
    return rc;
}

/* Is the link `link` one of /proc's (/proc/self/fd/N, which /dev/stdout
 * names)? Such a link names an open file, not a path: its text may name
 * another file, a deleted one, or "pipe:[N]". */
static int proc_link(const char *link)
{
    int fd = open(link, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    int proc = fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
    if (fd >= 0)
        close(fd);
    return proc;
}

int path_walk(const char *path, path_step_fn step, void *ctx, buf *walked, airlock_error *err)
{
    buf rest = {0}, *done = walked; /* still to walk; walked so far */
    if (path[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd == NULL)
            return error_errno(err, errno, "%s: cannot find the current directory", path);
        buf_printf(&rest, "%s/", cwd);
        free(cwd);
    }
    buf_puts(&rest, path);
    size_t pos = 0;
    int links = 0, rc = 0; /* 0, step's PATH_WALK_KEEP, or -1 */
    while (rc >= 0) {
        while (pos < rest.len && rest.data[pos] == '/')
            pos++;
        if (pos == rest.len)
            break;
        size_t end = pos;
        while (end < rest.len && rest.data[end] != '/')
            end++;
        const char *c = rest.data + pos;
        size_t clen = end - pos;
        pos = end;
        if (clen == 1 && c[0] == '.')
            continue;
        if (clen == 2 && c[0] == '.' && c[1] == '.') { /* drop "/name" */
            while (done->len > 0 && done->data[--done->len] != '/')
                ;
            if (done->data != NULL)
                done->data[done->len] = '\0';
            continue;
        }
        size_t keep = done->len;
        buf_putc(done, '/');
        buf_append(done, c, clen);
        struct stat st;
        char target[PATH_WALK_LINK_MAX];
        path_step s = {.walked = done->data, .st = &st, .target_len = -1};
        for (size_t i = pos; i < rest.len && !s.more; i++)
            s.more = rest.data[i] != '/';
        if (lstat(done->data, &st) != 0) {
            s.st = NULL;
            s.error = errno;
        } else if (S_ISLNK(st.st_mode) && ++links <= PATH_WALK_MAX_LINKS) {
            s.target_len = readlink(done->data, target, sizeof target);
            s.error = errno;
        }
        s.links = links;
        if ((rc = step(ctx, &s, err)) < 0)
            break;
        if (s.st == NULL) { /* missing (or unreachable): the rest is taken as written */
            buf_append(done, rest.data + pos, rest.len - pos);
            while (done->len > 1 && done->data[done->len - 1] == '/')
                done->data[--done->len] = '\0';
            break;
        }
        if (!S_ISLNK(st.st_mode) || rc == PATH_WALK_KEEP)
            continue;
        if (s.target_len <= 0) { /* a step that should have refused it */
            rc = error_set(err, "%s: cannot follow the symbolic link", done->data);
            break;
        }
        /* Walk the target from the link's directory, then the rest. */
        buf next = {0};
        buf_append(&next, target, (size_t)s.target_len);
        buf_putc(&next, '/');
        buf_append(&next, rest.data + pos, rest.len - pos);
        buf_free(&rest);
        rest = next;
        pos = 0;
        done->len = target[0] == '/' ? 0 : keep;
        done->data[done->len] = '\0';
    }
    buf_free(&rest);
    if (rc >= 0 && done->len == 0)
        buf_putc(done, '/');
    return rc < 0 ? -1 : 0;
}

/* path_follow_links()'s rule for each component (ctx: the path as given):
 * a link is followed only if link_may_be_followed() says so; /proc's at the
 * end is the name to write; a missing component ends the walk. */
static int follow_step(void *ctx, const path_step *s, airlock_error *err)
{
    const char *path = *(const char *const *)ctx;
    if (s->st == NULL || !S_ISLNK(s->st->st_mode))
        return PATH_WALK_ON;
    if (!s->more && proc_link(s->walked))
        return PATH_WALK_KEEP;
    if (s->links > PATH_WALK_MAX_LINKS)
        return error_set(err, "%s: too many levels of symbolic links", path);
    if (link_may_be_followed(s->walked, s->st, err) != 0)
        return -1;
    if (s->target_len <= 0 || s->target_len >= PATH_WALK_LINK_MAX)
        return error_errno(err, s->target_len < 0 ? s->error : ENAMETOOLONG,
                           "%s: reading the symbolic link", path);
    return PATH_WALK_ON;
}

int path_follow_links(const char *path, char **out, airlock_error *err)
{
    *out = NULL;
    /* Every link on the way is checked, those naming directories too:
     * another user's /tmp/x -> /home/them, holding their report.json ->
     * /etc/passwd, must not make root write /etc/passwd. */
    buf done = {0};
    if (path_walk(path, follow_step, &path, &done, err) != 0) {
        buf_free(&done);
        return -1;
    }
    /* "DIR/" names a directory: keep the slash, so that it is never taken
     * for a file named DIR. */
    size_t plen = strlen(path);
    if (done.len > 1 && plen > 0 && path[plen - 1] == '/')
        buf_putc(&done, '/');
    *out = buf_detach(&done, NULL);
    return 0;
}

char *path_trim_slashes(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return xstrndup(path, n);
}

bool path_resolves_inside(const char *path, const char *root_real)
{
    char *real = realpath(path, NULL);
    if (real == NULL)
        return false;
    size_t n = strlen(root_real);
    bool inside = strncmp(real, root_real, n) == 0 &&
                  (real[n] == '/' || (n == 1 && root_real[0] == '/'));
    free(real);
    return inside;
}

int path_open_parent(const char *path, int *dirfd, char **name, airlock_error *err)
{
    *dirfd = -1;
    *name = NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return error_set(err, "%s: not a file name", path);
    char *dir = slash == NULL ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    free(dir);
    if (fd < 0)
        return error_errno(err, e, "%s: its directory", path);
    *dirfd = fd;
    *name = xstrdup(base);
    return 0;
}

int temp_create_at(int dirfd, int directory, mode_t mode, char **name, airlock_error *err)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz012345";
    *name = NULL;
    for (int tries = 0; tries < 100; tries++) {
        unsigned char r[10];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return error_errno(err, errno, "cannot make a temporary name");
        char tmp[32] = ".airlock-";
        size_t n = strlen(tmp);
        for (size_t i = 0; i < sizeof r; i++)
            tmp[n++] = digits[r[i] & 31];
        memcpy(tmp + n, ".tmp", 5);
        int fd = directory ? mkdirat(dirfd, tmp, mode)
                           : openat(dirfd, tmp,
                                    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return error_errno(err, errno, "cannot create a temporary %s",
                               directory ? "directory" : "file");
        *name = xstrdup(tmp);
        return fd;
    }
    return error_set(err, "cannot create a temporary %s: every name tried exists",
                     directory ? "directory" : "file");
}

static void af_release(atomic_file *af)
{
    if (af->dirfd >= 0)
        close(af->dirfd);
    free(af->path);
    free(af->name);
    free(af->tmp_name);
    memset(af, 0, sizeof *af);
    af->dirfd = -1;
}

/* The descriptor N that the /proc link `proc` ("/proc/PID/fd/N", PID ours,
 * as path_follow_links() leaves /dev/stdout) stands for; -1 if another. */
static int own_descriptor(const char *proc)
{
    char prefix[48];
    int n = snprintf(prefix, sizeof prefix, "/proc/%ld/fd/", (long)getpid());
    if (n < 0 || strncmp(proc, prefix, (size_t)n) != 0)
        return -1;
    const char *p = proc + n;
    long fd = 0;
    for (; *p >= '0' && *p <= '9' && fd < 1000000; p++)
        fd = fd * 10 + (*p - '0');
    return *p == '\0' && p > proc + n && fd < 1000000 ? (int)fd : -1;
}

/* Open the device, FIFO or socket `name` in af->dirfd (`st` its lstat),
 * never through a link; or, with `name` NULL, the /proc link `proc` (`st`
 * from stat()), whose open file may be a pipe, a terminal or a regular file
 * that no path reaches. Either is written in place. */
static int open_in_place(atomic_file *af, const char *name, const char *proc,
                         const struct stat *st, airlock_error *err)
{
    int fd, own = name == NULL ? own_descriptor(proc) : -1;
    if (own >= 0) {
        /* One of ours (/dev/stdout): the descriptor itself, whatever it is
         * (a socket cannot be opened, nor connected to once connected), at
         * its own offset and with its own O_APPEND. */
        fd = fcntl(own, F_DUPFD_CLOEXEC, 0);
    } else if (S_ISSOCK(st->st_mode)) {
        /* open() cannot open a socket; connect as a client would, through
         * the directory descriptor's /proc name. */
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int n = name == NULL ? snprintf(sa.sun_path, sizeof sa.sun_path, "%s", proc)
                             : snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s",
                                        af->dirfd, name);
        if (n < 0 || (size_t)n >= sizeof sa.sun_path)
            return error_set(err, "%s: socket path too long", af->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            fd = -1;
        }
    } else if (name == NULL) {
        /* O_APPEND: a regular file behind /dev/stdout gets the report
         * after what it holds, as the descriptor it stands for would. */
        fd = open(proc, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    } else {
        fd = openat(af->dirfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    }
    if (fd < 0)
        return error_errno(err, errno, "%s", af->path);
    struct stat now;
    if (fstat(fd, &now) != 0 || (!S_ISSOCK(st->st_mode) && (now.st_dev != st->st_dev ||
                                                             now.st_ino != st->st_ino))) {
        close(fd);
        return error_set(err, "%s: changed while being opened", af->path);
    }
    af->fp = fdopen(fd, "wb");
    if (af->fp == NULL) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "%s", af->path);
    }
    return 0;
}

/* Create the temporary file; for a replacement, with the old file's owner
 * and permission bits (a private one with neither group nor other bits,
 * and its writer's owner). */
static int open_temporary(atomic_file *af, const struct stat *old, mode_t mode,
                          airlock_error *err)
{
    int private = (mode & 077) == 0;
    int fd = temp_create_at(af->dirfd, 0, old != NULL ? 0600 : mode, &af->tmp_name, err);
    if (fd < 0)
        return error_prefix(err, "%s", af->path);
    if (old != NULL) {
        int e = 0;
        if (!private && (old->st_uid != geteuid() || old->st_gid != getegid()) &&
            fchown(fd, old->st_uid, old->st_gid) != 0)
            e = errno;
        mode_t keep = old->st_mode & (private ? 0700 : 0777);
        if (e != 0)
            error_errno(err, e, "%s: cannot keep its owner (uid %u, gid %u), so it is not "
                                "replaced", af->path, (unsigned)old->st_uid,
                        (unsigned)old->st_gid);
        else if (fchmod(fd, keep) != 0) {
            e = errno;
            error_errno(err, e, "%s: cannot keep its mode", af->path);
        }
        if (e != 0) {
            close(fd);
            unlinkat(af->dirfd, af->tmp_name, 0);
            return -1;
        }
    }
    af->fp = fdopen(fd, "wb");
    if (af->fp == NULL) {
        int e = errno;
        close(fd);
        unlinkat(af->dirfd, af->tmp_name, 0);
        return error_errno(err, e, "%s", af->path);
    }
    return 0;
}

int atomic_open(atomic_file *af, const char *path, mode_t mode, int exclusive, airlock_error *err)
{
    memset(af, 0, sizeof *af);
    af->dirfd = -1;
    af->path = xstrdup(path);
    af->exclusive = exclusive != 0;
    struct stat st, dst;
    char *target = NULL;
    if (exclusive) {
        /* A secret key is never written through a link, dangling or not. */
        if (lstat(path, &st) == 0) {
            error_set(err, "%s: already exists", path);
            goto fail;
        }
        target = xstrdup(path);
    } else if (path_follow_links(path, &target, err) != 0) {
        goto fail;
    }
    if (path_open_parent(target, &af->dirfd, &af->name, err) != 0)
        goto fail;
    int rc;
    if (fstatat(af->dirfd, af->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) {
            error_errno(err, errno, "%s", path);
            goto fail;
        }
        rc = open_temporary(af, NULL, mode, err);
    } else if (exclusive) {
        rc = error_set(err, "%s: already exists", path);
    } else if (!S_ISLNK(st.st_mode) &&
               (fstat(af->dirfd, &dst) != 0 ? error_errno(err, errno, "%s", path)
                                            : path_check_planted(target, &dst, &st, err)) != 0) {
        /* Another user's FIFO in /tmp would hold root's scan forever, and
         * their file would get root's report: the kernel's protected_fifos
         * and protected_regular rules, which an open without O_CREAT skips. */
        rc = -1;
    } else if (S_ISREG(st.st_mode)) {
        rc = open_temporary(af, &st, mode, err);
    } else if (S_ISDIR(st.st_mode)) {
        rc = error_set(err, "%s: is a directory", path);
    } else if (!S_ISLNK(st.st_mode)) {
        rc = open_in_place(af, af->name, NULL, &st, err); /* a device, FIFO or socket */
    } else if (!proc_link(target)) {
        /* path_follow_links() leaves only a /proc link: this one appeared
         * since, and is not followed unchecked. */
        rc = error_set(err, "%s: changed while being opened", path);
    } else if (stat(target, &st) != 0) {
        rc = error_errno(err, errno, "%s", path);
    } else if (S_ISDIR(st.st_mode)) {
        rc = error_set(err, "%s: is a directory", path);
    } else {
        /* Whatever open file the /proc link stands for, a regular one too:
         * `airlock scan -o /dev/stdout >> log` must append to the log, not
         * rename a new file over the path /proc shows. */
        rc = open_in_place(af, NULL, target, &st, err);
    }
    if (rc != 0)
        goto fail;
    free(target);
    return 0;
fail:
    free(target);
    af_release(af);
    return -1;
}

void atomic_abort(atomic_file *af)
{
    if (af->fp != NULL)
        fclose(af->fp);
    if (af->tmp_name != NULL && af->dirfd >= 0)
        unlinkat(af->dirfd, af->tmp_name, 0);
    af_release(af);
}

/* Put the temporary file in place of the name, leaving anything that is
 * not a regular file as it is. */
static int install(atomic_file *af, airlock_error *err)
{
    int fd = af->dirfd;
    if (af->exclusive) {
        /* link() fails if the target exists, unlike rename(). */
        if (linkat(fd, af->tmp_name, fd, af->name, 0) != 0) {
            if (errno == EEXIST)
                return error_set(err, "%s: already exists", af->path);
            return error_errno(err, errno, "cannot create %s", af->path);
        }
        unlinkat(fd, af->tmp_name, 0);
        return 0;
    }
    for (int tries = 0; tries < 8; tries++) {
        struct stat st;
        if (fstatat(fd, af->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT)
                return error_errno(err, errno, "%s", af->path);
            if (renameat2(fd, af->tmp_name, fd, af->name, RENAME_NOREPLACE) == 0)
                return 0;
            if (errno == EEXIST)
                continue; /* something appeared: look again */
            if (errno != EINVAL)
                return error_errno(err, errno, "cannot rename into %s", af->path);
        } else if (!S_ISREG(st.st_mode)) {
            return error_set(err, "%s: is no longer a regular file; not replaced", af->path);
        } else if (renameat2(fd, af->tmp_name, fd, af->name, RENAME_EXCHANGE) == 0) {
            /* The temporary name now holds what was there: keep the
             * exchange only if that was a regular file. */
            if (fstatat(fd, af->tmp_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
                renameat2(fd, af->tmp_name, fd, af->name, RENAME_EXCHANGE);
                return error_set(err, "%s: is no longer a regular file; not replaced",
                                 af->path);
            }
            unlinkat(fd, af->tmp_name, 0);
            return 0;
        } else if (errno == ENOENT) {
            continue; /* it went away: look again */
        } else if (errno != EINVAL) {
            return error_errno(err, errno, "cannot rename into %s", af->path);
        }
        /* No renameat2 flags on this file system: the check above is the
         * best there is. */
        if (renameat(fd, af->tmp_name, fd, af->name) != 0)
            return error_errno(err, errno, "cannot rename into %s", af->path);
        return 0;
    }
    return error_set(err, "%s: keeps changing while being replaced", af->path);
}

int atomic_commit(atomic_file *af, airlock_error *err)
{
    FILE *fp = af->fp;
    af->fp = NULL;
    int in_place = af->tmp_name == NULL;
    int failed = ferror(fp) || fflush(fp) != 0;
    int e = errno;
    /* Devices, FIFOs and sockets may not take fsync (EINVAL); that is
     * not a failed write. */
    if (!failed && fsync(fileno(fp)) != 0 &&
        !(in_place && (errno == EINVAL || errno == EROFS || errno == ENOTSUP))) {
        failed = 1;
        e = errno;
    }
    if (fclose(fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        error_errno(err, e ? e : EIO, "cannot write %s", af->path);
        atomic_abort(af);
        return -1;
    }
    if (in_place) {
        af_release(af);
        return 0;
    }
    if (install(af, err) != 0) {
        atomic_abort(af);
        return -1;
    }
    int rc = 0;
    if (fsync(af->dirfd) != 0 && errno != EINVAL)
        rc = error_errno(err, errno, "fsync the directory of %s", af->path);
    free(af->tmp_name);
    af->tmp_name = NULL;
    af_release(af);
    return rc;
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      airlock_error *err)
{
    atomic_file af;
    if (atomic_open(&af, path, mode, 0, err) != 0)
        return -1;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        atomic_abort(&af);
        return error_errno(err, e, "cannot write %s", path);
    }
    return atomic_commit(&af, err);
}
