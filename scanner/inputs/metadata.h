/*
 * metadata.h - the Name and Version of an installed distribution's core
 * metadata (METADATA, PKG-INFO, a single-file .egg-info).
 *
 * The reference is importlib.metadata, which reads the whole file as UTF-8
 * with universal newlines and hands it to email.message_from_string()
 * (compat32 policy): only the header block counts, it ends at the first
 * line that is neither a header ("Field:" with a field name of printable
 * ASCII without blanks) nor a continuation (starts with a blank or tab),
 * the first of repeated fields wins, field names are case-insensitive,
 * values keep their trailing blanks, and importlib "redents" folded values.
 * This parser reproduces those rules byte for byte on the header block and
 * never looks at the body, so a caller can stop reading at the block's end.
 * Nor does it look past the line that follows the later of the two fields:
 * the first of repeated fields wins, so no later line can change them
 * (Name and Version come second and third in what pip and setuptools write).
 *
 * Deliberate difference (see docs/inventory.md): a leading UTF-8 byte-order
 * mark is skipped (importlib sees no headers at all in such a file); the
 * caller is told so it can warn.
 */
#ifndef AIRLOCK_METADATA_H
#define AIRLOCK_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Largest header block read from one metadata file; longer is an error. */
#define METADATA_MAX_HEADER ((size_t)16 << 20)

/* The fields the inventory needs. The strings live in `store_`, which `md`
 * owns: they stay valid until the next metadata_parse() or
 * metadata_read_at() into the same `md`, or metadata_clear(). Reusing one
 * `metadata` for many files reuses that memory (no allocation per file). */
typedef struct metadata {
    char *name;            /* Name as importlib returns it; NULL if absent */
    char *version;         /* Version likewise; NULL if absent */
    size_t name_len;       /* lengths (a value may hold a NUL byte) */
    size_t version_len;
    unsigned name_line;    /* 1-based line of the field, 0 if absent */
    unsigned version_line;
    bool bom;              /* the text began with a UTF-8 BOM (skipped) */
    buf store_;            /* private: holds name and version */
} metadata;

/* Parse the header block at the start of `len` bytes of `text`. If the block
 * may continue past `len`, `at_eof` is false and a field is still missing
 * (or the later one may have a continuation line), return 1 (call again with
 * more text); otherwise fill `md` (what it held before is dropped) and
 * return 0. Never fails: text without headers gives no fields. */
int metadata_parse(const char *text, size_t len, bool at_eof, metadata *md);

/* The same as metadata_parse(), always line by line. metadata_parse()
 * first tries the layout nearly every installer writes ("Metadata-Version",
 * "Name", "Version" on the first three lines) and hands everything else
 * to this; the two give identical results (tests/unit/test_metadata.c and
 * the fuzz target check it). Exported for those checks. */
int metadata_parse_general(const char *text, size_t len, bool at_eof, metadata *md);

/* Read and parse the metadata file `path`, relative to directory `dirfd`
 * (or AT_FDCWD), reading only as far as the header block goes. `scratch` is
 * a reusable buffer owned by the caller. Returns:
 *    1  parsed into `md`;
 *    0  nothing that importlib would read: the file does not exist, is a
 *       directory, sits under a non-directory, is not readable for lack of
 *       permission, or is empty (importlib then tries the next candidate);
 *   -1  an error with a message naming `shown` (the path to print): an I/O
 *       error, a header block over METADATA_MAX_HEADER, a FIFO or device. */
int metadata_read_at(int dirfd, const char *path, const char *shown, buf *scratch,
                     metadata *md, airlock_error *err);

/* Release the strings' memory and zero `md`. */
void metadata_clear(metadata *md);

#endif
