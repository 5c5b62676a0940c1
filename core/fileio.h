/*
 * fileio.h - reading whole files with a bound, walking paths link by link,
 * and writing the files a user names without destroying what was there.
 *
 * atomic_open() decides what writing to a path means, by what is there:
 *
 *   - nothing, or a regular file: the new content goes to a temporary file
 *     in the same directory, is fsynced and renamed over the name, and the
 *     directory is fsynced. A crash leaves the old file or the new one,
 *     never half of one. A file that existed keeps its permission bits and
 *     its owner (or the write fails: it is never handed to another owner
 *     silently); a new file gets `mode` less the umask.
 *   - a symbolic link: it is followed, each link relative to its own
 *     directory, and the file it names (which may not exist yet) is
 *     replaced as above in that file's own directory. The link stays a
 *     link. As the kernel's protected_symlinks does, a link in a sticky
 *     world-writable directory (/tmp) is followed only if it belongs to the
 *     caller or to the directory's owner: another user's planted link is an
 *     error, not a way to make root overwrite its target. So is any other
 *     user's file there (path_check_planted()): a FIFO would hold the
 *     writer forever, a regular file would hand them the new content.
 *   - a device, a FIFO or a socket, also through links: it is opened and
 *     written in place (a FIFO's reader gets the data, a socket is
 *     connected to, /dev/null stays /dev/null, /dev/stdout reaches the
 *     pipe or terminal it names). Nothing here can be atomic: an abort
 *     after writing leaves what was written.
 *   - a link in /proc (/proc/self/fd/N, which /dev/stdout and /dev/fd/N
 *     name) is not followed as text: it stands for an open file. One of
 *     the caller's own descriptors is duplicated and written (a socket
 *     too; `-o /dev/stdout >> log` keeps the log); another process's file
 *     is opened and written in place, appended to.
 *   - a directory: an error.
 *
 * The temporary name is short (".airlock-XXXXXXXXXX.tmp") whatever the
 * length of the file's name, so a name of NAME_MAX bytes can be written.
 * The final name is checked again when the file is committed, relative to an
 * open descriptor of its directory, and replaced by an atomic exchange, so
 * that a non-regular file that appears meanwhile is left as it is.
 *
 * A `mode` that gives group and others nothing (a secret key's 0600) makes a
 * private file: it never gets group or other bits, whatever the mode of the
 * file it replaces, and it is never given to another owner.
 */
#ifndef AIRLOCK_FILEIO_H
#define AIRLOCK_FILEIO_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"

/* Read all of `path` into a new NUL-terminated buffer (*data, owned by the
 * caller; the NUL is not counted in *len). Files larger than `max` bytes are
 * an error, so a hostile input cannot exhaust memory. */
int file_read_all(const char *path, size_t max, char **data, size_t *len, airlock_error *err);

/* The same for an open descriptor, read from its current offset to the end
 * (`name` is for messages; the descriptor stays open and owned by the
 * caller). For files opened once and checked (signatures/trust.h). */
int file_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
                 airlock_error *err);

/* Write `len` bytes to `path` as atomic_open() describes, `mode` for a new
 * file. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      airlock_error *err);

/* A file being written. Open it, write through `fp`, then commit or abort.
 * Exactly one of commit or abort must follow a successful open. The other
 * fields are atomic_open()'s own. */
typedef struct atomic_file {
    FILE *fp;
    char *path;     /* as given, for messages */
    char *name;     /* the final name inside `dirfd` */
    char *tmp_name; /* the temporary file inside `dirfd`; NULL when in place */
    int dirfd;      /* the directory that holds `name`; -1 when in place */
    int exclusive;  /* commit must not replace anything */
} atomic_file;

/* Open `path` for writing as described at the top of this file, `mode` for
 * a new file (less the umask). If `exclusive` is non-zero (secret keys),
 * anything at `path` (a dangling link too) is an error now and at commit. */
int atomic_open(atomic_file *af, const char *path, mode_t mode, int exclusive,
                airlock_error *err);
/* Flush and fsync; then rename into place and fsync the directory (or just
 * close, in place). Frees `af`'s resources in every case. */
int atomic_commit(atomic_file *af, airlock_error *err);
/* Discard the temporary file; frees `af`'s resources. Safe after a failed
 * commit. */
void atomic_abort(atomic_file *af);

/* One component met by path_walk(), handed to the caller's `step`. */
typedef struct path_step {
    const char *walked;    /* the path so far, absolute, ending at this component */
    const struct stat *st; /* its lstat, or NULL if lstat failed (errno in `error`) */
    int error;             /* lstat's errno, or for a link readlink's */
    int more;              /* non-zero if components follow this one */
    int links;             /* links met so far, this one included */
    ssize_t target_len;    /* a link's readlink() result; -1 if failed (errno in
                              `error`) or not read, past PATH_WALK_MAX_LINKS */
} path_step;
#define PATH_WALK_MAX_LINKS 40  /* links followed before giving up, as the kernel */
#define PATH_WALK_LINK_MAX 4095 /* bytes of a link's text read: this many may be cut */
/* `step` returns PATH_WALK_ON to go on (a link is followed: it must have a
 * text, target_len > 0), PATH_WALK_KEEP for a link not followed (the walk
 * goes past it as a name), or -1 with a message in `err`. */
enum { PATH_WALK_ON = 0, PATH_WALK_KEEP = 1 };
typedef int (*path_step_fn)(void *ctx, const path_step *step, airlock_error *err);

/* Walk `path` (a relative one from the current directory) a component at a
 * time as the kernel would, handing each to `step` with `ctx`: the one walk
 * for every check that must see each directory and link on the way. "." is
 * skipped; ".." drops the last component walked (textually: it holds no
 * links); a link `step` follows is replaced by its text, walked from the
 * link's directory; a component whose lstat fails ends the walk, if `step`
 * accepts it, with the rest taken as written. On success `walked` (empty on
 * entry, freed by the caller) holds where the walk ended: absolute, with no
 * trailing slash, "/" for the root. -1 with `step`'s message, or if the
 * current directory cannot be found. */
int path_walk(const char *path, path_step_fn step, void *ctx, buf *walked, airlock_error *err);

/* Follow symbolic links at `path` to the name of the file they lead to
 * (which may not exist), under the rules for links at the top of this file,
 * applied to every link on the way (those naming directories too), as an
 * absolute path. A link in /proc at the end is not followed: *out is that
 * link.
 * *out is a new string (owned by the caller); `path` itself if it is not a
 * link. Fails on a loop (more than 40 links) or a refused link. */
int path_follow_links(const char *path, char **out, airlock_error *err);

/* The kernel's protected_symlinks, protected_fifos and protected_regular
 * rule, applied whatever the sysctls say: in a sticky world-writable
 * directory (`dir`, its stat), a link is followed and a file written only if
 * `st` (the entry's lstat) belongs to the caller or to the directory's
 * owner; anyone else's may have been planted where the caller writes.
 * 0, or -1 with a message naming `shown`. */
int path_check_planted(const char *shown, const struct stat *dir, const struct stat *st,
                       airlock_error *err);

/* Whether `path` resolves (realpath) to a file inside the directory
 * `root_real`, itself resolved: a directory search reads no link out of
 * the tree searched. False when `path` cannot be resolved. */
bool path_resolves_inside(const char *path, const char *root_real);

/* A new copy of `path` without its trailing slashes ("dir/" is "dir"; "/"
 * stays "/"), owned by the caller. */
char *path_trim_slashes(const char *path);

/* Open the directory that holds `path` (O_DIRECTORY) into *dirfd and set
 * *name to a new copy of its last component. `path` must not end in '/'
 * (strip it first) nor be "." or "..". */
int path_open_parent(const char *path, int *dirfd, char **name, airlock_error *err);

/* Create a file (O_EXCL, O_NOFOLLOW; an open read-write descriptor is
 * returned) or, if `directory`, a directory (0 is returned) with a fresh
 * short name inside `dirfd`, with `mode` less the umask. *name is a new
 * string owned by the caller. -1 with a message on failure. */
int temp_create_at(int dirfd, int directory, mode_t mode, char **name, airlock_error *err);

#endif
