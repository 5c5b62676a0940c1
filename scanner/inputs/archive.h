/*
 * archive.h - reading the members of a zip or a gzip-compressed tar archive
 * (wheels, sdists) from an open file, in memory, without extracting
 * anything to disk.
 *
 * The archives come from a wheelhouse carried onto the machine: they are
 * hostile until checked. Both readers are ours, over zlib's inflate
 * (docs/development.md, "Dependencies", says why not minizip or
 * libarchive), and refuse rather than guess:
 *
 *   - every bound in `archive_limits` (entry count, name length, each
 *     member's and the total uncompressed size, the compression ratio) is
 *     checked against what the headers declare before anything is
 *     inflated, and again while inflating: a member that inflates to more
 *     than it declared is an error, so memory and time stay bounded;
 *   - a name that is empty, absolute, holds a backslash, a NUL, a `..`
 *     component, a `.` component past the first or a drive letter, or
 *     appears twice (`./a` and `a` are one name, as pip writes both to one
 *     file), is an error (archive_name_problem(), archive_find_duplicate());
 *   - zip: the central directory must end exactly where the end record
 *     starts, every local header must agree with its central entry (name,
 *     method, flags, CRC and sizes unless a data descriptor follows), and
 *     no two members' data may overlap (the overlapping-entry zip bomb), nor
 *     any member reach into the central directory; encrypted members,
 *     multi-disk archives and methods other than stored and deflate are
 *     refused; a member's CRC-32 and size are checked when it is read;
 *   - tar: each header's checksum is checked; ustar prefixes, pax `path`
 *     and `size` records and GNU long names are understood; links and
 *     special files are reported as such, never followed.
 *
 * A walk calls `on_entry` for each member in archive order; when it returns
 * 1 the member's bytes go to `on_data` in pieces (at most 64 KiB each), 0
 * skips it, -1 stops the walk (the callback sets `err`). Errors name the
 * member; the caller adds the archive's name.
 */
#ifndef AIRLOCK_ARCHIVE_H
#define AIRLOCK_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct archive_limits {
    size_t max_entries;       /* members (directories included) */
    size_t max_name;          /* bytes in one member name */
    uint64_t max_entry_size;  /* uncompressed bytes of one member */
    uint64_t max_total_size;  /* uncompressed bytes of all members (tar:
                                 the whole inflated stream) */
    uint64_t max_ratio;       /* uncompressed / compressed, per zip member
                                 and for a whole tar.gz (deflate cannot pass
                                 1032:1; only a bomb's layering does) */
} archive_limits;

/* The defaults: 100,000 members, 1,024-byte names, 4 GiB a member, 16 GiB
 * in all (CUDA builds of PyTorch hold members of ~1.5 GB), ratio 1,100.
 * Members are read as streams, so memory stays bounded whatever the sizes;
 * the size limits bound the time a hostile archive costs (inflating runs
 * at about 0.3-1 GB/s). Used when a walk is given NULL limits. */
extern const archive_limits archive_default_limits;

typedef struct archive_entry {
    const char *name;   /* NUL-terminated; valid during the callback */
    size_t name_len;
    uint64_t size;      /* uncompressed bytes */
    bool is_dir;
    bool is_file;       /* a regular file; false for directories, links,
                           devices (tar only) */
} archive_entry;

typedef int archive_entry_fn(void *arg, const archive_entry *e, airlock_error *err);
typedef int archive_data_fn(void *arg, const unsigned char *data, size_t len, airlock_error *err);

/* Walk the zip archive open on `fd` (read with pread: the file offset is
 * unused). The whole central directory is read and checked, local headers
 * included, before the first callback. Returns 0, or -1 with a message. */
int archive_zip_walk(int fd, const archive_limits *lim, archive_entry_fn *on_entry,
                     archive_data_fn *on_data, void *arg, airlock_error *err);

/* Walk the gzip-compressed tar archive read from `fd` (from its current
 * offset, sequentially; several gzip members are one stream, as gzip
 * reads them). A tar ends at a zero block or at the end of the stream.
 * Duplicate names are found at the end, after every callback (a stream has
 * no directory to check first). Returns 0, or -1 with a message. */
int archive_tgz_walk(int fd, const archive_limits *lim, archive_entry_fn *on_entry,
                     archive_data_fn *on_data, void *arg, airlock_error *err);

/* Why `len` bytes of `name` may not name an archive member (see above), as
 * a static string, or NULL when it may. A trailing '/' (a directory) and a
 * leading "./" are allowed. */
const char *archive_name_problem(const char *name, size_t len, size_t max_name);

/* Whether `n` names (pointers to NUL-terminated strings) hold a duplicate,
 * a leading "./" aside; *dup receives the first. Sorts `names`. */
bool archive_find_duplicate(const char **names, size_t n, const char **dup);

#endif
