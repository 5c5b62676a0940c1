/*
 * lock_toml.h - what the TOML lockfile readers share: opening the document
 * and its package array, checking the lock version, and reading a package's
 * fields so that a value of the wrong type is a warning naming the file and
 * line, never a crash or a silent default.
 *
 * Every pointer returned points into the TOML tree and lives until
 * toml_free(); the strings returned by lock_entry_groups() are the caller's.
 */
#ifndef AIRLOCK_LOCK_TOML_H
#define AIRLOCK_LOCK_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/toml.h"
#include "scanner/inputs/inventory.h"

/* A lockfile's document: the root table, its package array (NULL when the
 * file has none) and its metadata table (NULL when absent). */
typedef struct lock_doc {
    toml_value *root;
    const toml_value *packages;
    const toml_value *meta;
} lock_doc;

/* Parse `data` as TOML and find the array of tables `array_key` and the
 * table `meta_key` in it. `format_file` ("poetry.lock") names the format in
 * the message when the file has neither ("not a poetry.lock"). Either of
 * the two of another type is an error too. Returns 0 (free with
 * lock_doc_free()), or -1 with "FILE:LINE: why" in `err`. */
int lock_doc_open(lock_doc *doc, const char *data, size_t len, const char *path,
                  const char *array_key, const char *meta_key, const char *format_file,
                  airlock_error *err);
void lock_doc_free(lock_doc *doc);

/* The number of entries in the package array (0 when there is none), and
 * entry `i` when it is a table; an entry of another type is a warning
 * naming its line and gives NULL (it cannot be listed: it has no name). */
size_t lock_doc_count(const lock_doc *doc);
const toml_value *lock_doc_package(const lock_doc *doc, size_t i, const char *path, diag *d);

/* The lock versions a reader knows: for each major, the newest minor. */
typedef struct lock_known {
    unsigned major;
    unsigned newest_minor;
} lock_known;

/* Check the lock version `v` (key `key`, a string "MAJOR[.MINOR[.PATCH]]")
 * against `known`. A major not in `known`, a value that is not such a
 * string, is an error "FILE:LINE: format not known" (the layout may differ
 * in ways this reader would misread). A known major with a newer minor is a
 * warning and reading goes on (minor versions add fields). `v` NULL is
 * allowed and accepted (the caller decides what an absent version means).
 * Returns 0 or -1. */
int lock_version_check(const toml_value *v, const char *key, const char *path,
                       const char *format_file, const lock_known *known, size_t n_known,
                       diag *d, airlock_error *err);

/* One package entry being read: what warnings about it name. */
typedef struct lock_entry {
    const char *path;
    diag *d;
    const toml_value *table; /* the [[package]] table */
    const char *name;        /* NULL until known */
} lock_entry;

/* The string at `key`, or NULL when absent. Another type, or a string
 * holding a NUL byte, is a warning at the value's line, gives NULL and sets
 * *bad (when `bad` is not NULL). */
const char *lock_entry_string(const lock_entry *e, const toml_value *t, const char *key,
                              bool *bad);

/* The boolean at `key`; false when absent, or (with a warning) of another
 * type. */
bool lock_entry_bool(const lock_entry *e, const toml_value *t, const char *key);

/* The array of group names at `key` joined with ", " (a new string), or
 * NULL when absent or empty. *dev is set when there is at least one group
 * and none is `main_group`; left false otherwise. A value that is not an
 * array, and elements that are not strings, are warnings (the elements are
 * left out of the joined text). */
char *lock_entry_groups(const lock_entry *e, const char *key, const char *main_group,
                        bool *dev);

/* The entry's `name`, set in e->name. No name (absent, not a string, empty)
 * is a warning and gives NULL: the entry cannot be listed. A name that is
 * not a valid project name (PEP 508) is a warning and clears *valid; the
 * caller keeps the entry, skipped. */
const char *lock_entry_name(lock_entry *e, bool *valid);

/* lock_add() for the entry `e` (e->name set by lock_entry_name()), then
 * skipped for what could not be read as written: a name that is not
 * `valid`, or a registry entry whose version was not a string
 * (`bad_version`, from lock_entry_string()). Returns the dependency. */
dependency *lock_entry_add(const lock_entry *e, dep_list *out, bool valid,
                           const char *version_text, bool bad_version, const char *source_kind,
                           const char *location, const char *group, bool dev);

/* The value's type with its article, for messages: "an integer". */
const char *lock_a_type(const toml_value *v);

/* Warn about entry `e` at `line` (the message follows "package 'NAME': "). */
void lock_entry_warn(const lock_entry *e, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
