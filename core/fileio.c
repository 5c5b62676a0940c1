#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fsync_parent_dir(const char *path, airlock_error *err)
{
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        error_errno(err, e, "%s", dir);
        free(copy);
        return -1;
    }
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = error_errno(err, errno, "fsync %s", dir);
    close(fd);
    free(copy);
    return rc;
}

int atomic_open(atomic_file *af, const char *path, mode_t mode, int exclusive, airlock_error *err)
{
    memset(af, 0, sizeof *af);
    if (exclusive && access(path, F_OK) == 0)
        return error_set(err, "%s: already exists", path);
    buf t = {0};
    buf_printf(&t, "%s.tmp.XXXXXX", path);
    char *tmpl = buf_detach(&t, NULL);
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        int e = errno;
        error_errno(err, e, "cannot create a temporary file for %s", path);
        free(tmpl);
        return -1;
    }
    if (fchmod(fd, mode) != 0) {
        int e = errno;
        close(fd);
        unlink(tmpl);
        free(tmpl);
        return error_errno(err, e, "%s", path);
    }
    FILE *fp = fdopen(fd, "wb");
    if (fp == NULL) {
        int e = errno;
        close(fd);
        unlink(tmpl);
        free(tmpl);
        return error_errno(err, e, "%s", path);
    }
    af->fp = fp;
    af->path = xstrdup(path);
    af->tmp_path = tmpl;
    af->exclusive = exclusive != 0;
    return 0;
}

static void atomic_release(atomic_file *af)
{
    free(af->path);
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
}

void atomic_abort(atomic_file *af)
{
    if (af->fp != NULL)
        fclose(af->fp);
    if (af->tmp_path != NULL)
        unlink(af->tmp_path);
    atomic_release(af);
}

int atomic_commit(atomic_file *af, airlock_error *err)
{
    FILE *fp = af->fp;
    af->fp = NULL;
    int failed = ferror(fp) || fflush(fp) != 0;
    int e = errno;
    if (!failed && fsync(fileno(fp)) != 0) {
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
    if (af->exclusive) {
        /* link() fails if the target exists, unlike rename(). */
        if (link(af->tmp_path, af->path) != 0) {
            e = errno;
            if (e == EEXIST)
                error_set(err, "%s: already exists", af->path);
            else
                error_errno(err, e, "cannot create %s", af->path);
            atomic_abort(af);
            return -1;
        }
        unlink(af->tmp_path);
    } else if (rename(af->tmp_path, af->path) != 0) {
        e = errno;
        error_errno(err, e, "cannot rename into %s", af->path);
        atomic_abort(af);
        return -1;
    }
    int rc = fsync_parent_dir(af->path, err);
    atomic_release(af);
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
