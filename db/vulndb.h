/*
 * vulndb.h - the installed vulnerability database, read-only.
 *
 * The database is the LMDB file written by `airlock-dbbuild build`
 * (dbbuild/compile.h); its layout is in docs/database-schema.md and the
 * matching rules in docs/matching.md. Lookups compare pre-computed version
 * keys (core/version.h version_key) with memcmp: nothing is parsed at scan
 * time except the installed version the caller passes in.
 *
 * A vulnerability is a *group*: advisories linked through their aliases
 * (PYSEC-..., GHSA-..., CVE-...) merged into one, named by a primary ID and
 * reported once per dependency with every ID it is known by.
 *
 * Ownership: every result struct is owned by the caller and released with
 * its _free/_clear call; all strings in it are owned by it and never NULL
 * (absent text is ""). The database itself is opened read-only, without a
 * lock file, so it can sit in a read-only store directory. Not thread-safe:
 * use one handle per thread (look-ups change the handle: after enough of
 * them it reads every package name and advisory position into memory once,
 * and answers from there).
 *
 * The data comes from a signed snapshot, but decoding is still bounds-checked
 * and a value that does not decode is an error, never a crash.
 */
#ifndef AIRLOCK_VULNDB_H
#define AIRLOCK_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/severity.h"
#include "core/version.h"

typedef struct vulndb vulndb;

/* Open `mdb_path` (a single LMDB file) read-only. Fails closed: a missing
 * file, a file that is not LMDB, or a schema version other than the one this
 * build reads (VULNDB_SCHEMA_VERSION in db/vulndb_format.h) is an error
 * with a message. */
int vulndb_open(const char *mdb_path, vulndb **out, airlock_error *err);

/* vulndb_open() for a file verified beforehand by another descriptor (the
 * store hashes data.mdb, then LMDB opens it again by path): `expect` is
 * what fstat() said of the verified file (signatures/store.h
 * store_data_identity()). As soon as LMDB has opened the path, and before
 * anything but LMDB's own two meta pages has been read from it, the file it
 * opened is compared with `expect` (vulndb_check_file()): another file put
 * in its place, or the same one changed, is refused. NULL `mdb_path` or
 * `expect` is an error too: nothing was verified. */
int vulndb_open_expect(const char *mdb_path, const struct stat *expect, vulndb **out,
                       airlock_error *err);

/* Whether the open descriptor `fd` is still the file `expect` describes:
 * same device and inode, same size, modification and change times. 0 if
 * so, else -1 with "PATH: not the file that was verified (replaced or
 * changed since): refusing to read it" (`path` is for the message); a NULL
 * `expect` (nothing verified) is refused too. For a reader that opens the
 * database with LMDB itself (mdb_env_get_fd()). */
int vulndb_check_file(int fd, const char *path, const struct stat *expect, airlock_error *err);

/* Close the handle (NULL is fine). Results already returned stay valid. */
void vulndb_close(vulndb *db);

/* ---- advisories ---------------------------------------------------------- */

typedef struct vulndb_reference {
    char *type;   /* OSV reference type: "ADVISORY", "FIX", "WEB", ... */
    char *url;
} vulndb_reference;

/* One CVSS vector of the group, scored at build time. */
typedef struct vulndb_cvss {
    char *type;    /* "CVSS_V2", "CVSS_V3", "CVSS_V4" */
    char *vector;
    double score;  /* base score 0.0-10.0 */
    severity level;
} vulndb_cvss;

/* One affected PyPI package of a group (the union over its records). */
typedef struct vulndb_package {
    char *name;        /* PEP 503 normalised */
    char **ranges;     /* human-readable intervals, e.g. ">=1.0, <2.0", "<=3.1", "==2.5" */
    size_t n_ranges;
    char **fixed;      /* canonical fixed versions, ascending, no duplicates */
    size_t n_fixed;
} vulndb_package;

/* Where one record of the group came from. */
typedef struct vulndb_origin {
    char *id;          /* the record's own ID */
    char *modified;    /* RFC 3339 UTC */
    char *source;      /* the build input, as named in the metadata */
    char *origin;      /* the file inside it, e.g. "SRC/jinja2/PYSEC-2014-8.yaml" */
} vulndb_origin;

typedef struct vulndb_advisory {
    char *id;          /* primary ID (rule in docs/matching.md) */
    char **ids;        /* every ID and alias of the group, primary included, sorted */
    size_t n_ids;
    char *summary;
    char *details;
    char *published;   /* RFC 3339 UTC, earliest of the group, or "" */
    char *modified;    /* RFC 3339 UTC, latest of the group */
    /* Severity: `level` is the rating of the best CVSS vector (see
     * docs/matching.md), else GitHub's database_specific.severity label,
     * else SEVERITY_UNKNOWN. `score` is -1 and cvss_* are "" without CVSS. */
    severity level;
    double score;
    char *cvss_type;
    char *cvss_vector;
    char *label;       /* database_specific.severity as published, or "" */
    vulndb_cvss *cvss; /* every vector of the group, best first */
    size_t n_cvss;
    vulndb_reference *refs;
    size_t n_refs;
    vulndb_origin *origins; /* records merged into the group: primary first, then by ID */
    size_t n_origins;
    vulndb_package *packages; /* sorted by name */
    size_t n_packages;
    char *strings;     /* owns every string and array above (and a hit's
                        * fix_versions): one allocation per advisory; an
                        * array of no items is not NULL */
} vulndb_advisory;

/* Release what an advisory owns (not the struct itself). Idempotent. */
void vulndb_advisory_clear(vulndb_advisory *a);

/* ---- scanning ------------------------------------------------------------- */

/* A version's version_key() (core/version.h): memcmp order is version order. */
typedef struct vulndb_key {
    const uint8_t *p;
    size_t len;
} vulndb_key;

/* One vulnerability affecting the looked-up dependency. */
typedef struct vulndb_hit {
    vulndb_advisory adv;
    char **fix_versions;  /* fixed versions of this package above the installed
                           * version, smallest first, canonical text; held
                           * by adv.strings */
    size_t n_fix_versions;
    vulndb_key *fix_keys; /* pooled hits only (else NULL): the database's
                           * key of each of fix_versions, in the pool */
} vulndb_hit;

typedef struct vulndb_hits {
    vulndb_hit *items;    /* in the package value's order: primary-ID order
                           * in a database airlock-dbbuild made, but not
                           * checked (a crafted one may differ; match.c
                           * sorts what is not in order) */
    size_t len;
    bool pooled;          /* the items' texts and arrays are a pool's (vulndb_lookup_pooled) */
} vulndb_hits;

/* Find every group that affects `installed` of the project `name` (any
 * spelling: it is normalised per PEP 503 here, a name already in normal form
 * at the cost of one check; an invalid name has no hits). Fills `out`
 * (initially zeroed or freed; items stay NULL when there is no hit) and
 * returns the number of hits, or -1 with a message if the database is
 * damaged. */
int vulndb_lookup(vulndb *db, const char *name, const version *installed,
                  vulndb_hits *out, airlock_error *err);

/* Cheaper variant for counting and benchmarks: the number of affecting
 * groups, without decoding advisories. -1 on a damaged database. */
int vulndb_count_affecting(vulndb *db, const char *name, const version *installed,
                           airlock_error *err);

void vulndb_hits_free(vulndb_hits *h);

/* A pool of memory that many results share and that is freed in one go:
 * what a scan's findings are decoded into (vulndb_lookup_pooled()), a few
 * chunks for hundreds of advisories rather than an allocation each.
 * Zero-initialise it; vulndb_pool_free() releases every chunk and leaves
 * it empty (and usable again). */
typedef struct vulndb_pool {
    char *at, *end;   /* the free room of the current chunk */
    void *chunks;     /* every chunk, newest first (each starts with the next) */
} vulndb_pool;

/* `n` bytes (more than 0), aligned for anything, valid until
 * vulndb_pool_free(). Never fails (it aborts as xmalloc does). */
void *vulndb_pool_alloc(vulndb_pool *p, size_t n);
/* A copy of the `n` bytes at `s` with a NUL after them, in the pool. */
char *vulndb_pool_strndup(vulndb_pool *p, const char *s, size_t n);
/* A copy of the C string `s` in the pool. */
char *vulndb_pool_strdup(vulndb_pool *p, const char *s);
void vulndb_pool_free(vulndb_pool *p);

/* vulndb_lookup() for a scan's findings: the same hits and the same
 * checks of the whole value (what vulndb_lookup() refuses, this refuses),
 * but only what a finding shows is decoded: everything but the origins
 * and the packages (n_origins and n_packages are 0, their arrays NULL).
 * Every string and array of a hit is in `pool` and lives as long as it
 * does: adv.strings is NULL, and vulndb_hits_free() of `out` frees only
 * out->items. On error what the pool took stays there until it is
 * freed. */
int vulndb_lookup_pooled(vulndb *db, const char *name, const version *installed,
                         vulndb_pool *pool, vulndb_hits *out, airlock_error *err);

/* vulndb_lookup_pooled() and vulndb_count_affecting() of the version whose
 * version_key() is `key` (`klen` bytes): what advice does with the keys
 * of fix versions (vulndb_hit.fix_keys) without parsing their text. */
int vulndb_lookup_pooled_key(vulndb *db, const char *name, const uint8_t *key, size_t klen,
                             vulndb_pool *pool, vulndb_hits *out, airlock_error *err);
int vulndb_count_affecting_key(vulndb *db, const char *name, const uint8_t *key, size_t klen,
                               airlock_error *err);

/* Find the group that has `id` among its IDs and aliases (exact, case-
 * sensitive as OSV IDs are; a second, case-insensitive try is made). Returns
 * 1 and fills `out`, 0 if no group has that ID, -1 on error. */
int vulndb_find(vulndb *db, const char *id, vulndb_advisory *out, airlock_error *err);

/* ---- release data -----------------------------------------------------------
 *
 * Present when the snapshot was built with `airlock-dbbuild build --index
 * DIR` (PEP 691 project pages, docs/database-schema.md). A database without
 * it still scans; callers then say "no release data" instead of guessing. */

/* One file of a release, as the index page listed it. */
typedef struct vulndb_release_file {
    char *filename;
    char *sha256;          /* lowercase hex, or "" when the page gave none */
} vulndb_release_file;

typedef struct vulndb_release {
    char *version;         /* canonical PEP 440 text (version_canonical) */
    version v;             /* parsed; owned, cleared by vulndb_releases_free */
    bool yanked;           /* every file of the release is yanked */
    char *yank_reason;     /* the first reason given, or "" */
    char *upload_time;     /* RFC 3339 UTC of its earliest file, or "" */
    char *requires_python; /* as published, or "" */
    vulndb_release_file *files; /* sorted by file name */
    size_t n_files;
} vulndb_release;

typedef struct vulndb_releases {
    vulndb_release *items; /* ascending PEP 440 order, no duplicates */
    size_t len;
    void *owned;           /* implementation's storage; do not touch */
} vulndb_releases;

/* 1 when the database carries release data, 0 when it does not. */
int vulndb_has_releases(vulndb *db);

/* The releases of project `name` (any spelling; normalised here). Fills
 * `out` (initially zeroed or freed) and returns the number of releases: 0
 * when the index had no such project or the database has no release data
 * (tell the two apart with vulndb_has_releases), -1 with a message if the
 * database is damaged. */
int vulndb_get_releases(vulndb *db, const char *name, vulndb_releases *out,
                        airlock_error *err);

void vulndb_releases_free(vulndb_releases *r);

/* ---- metadata ------------------------------------------------------------- */

typedef struct vulndb_source {
    char *name;        /* the input as given to the build */
    char sha256[65];   /* hex; see dbbuild/osv_source.h */
    uint64_t records;  /* records read */
    uint64_t kept, skipped, withdrawn, merged, other_ecosystem;
} vulndb_source;

/* An index read with --index: one per DIR given to the build. */
typedef struct vulndb_index_source {
    char *name;        /* DIR as given to the build */
    char sha256[65];   /* digest over its pages (docs/database-schema.md) */
    uint64_t projects; /* project pages read */
    uint64_t releases; /* releases kept */
} vulndb_index_source;

typedef struct vulndb_info {
    unsigned schema_version;
    int64_t build_time;   /* seconds since the epoch */
    uint64_t records;     /* records kept after de-duplication */
    uint64_t groups;      /* vulnerabilities after alias merging */
    uint64_t packages;    /* distinct affected PyPI packages */
    uint64_t ids;         /* distinct IDs and aliases */
    vulndb_source *sources;
    size_t n_sources;
    vulndb_index_source *indexes; /* none without release data */
    size_t n_indexes;
} vulndb_info;

/* Read the metadata. Release with vulndb_info_clear(). */
int vulndb_get_info(vulndb *db, vulndb_info *out, airlock_error *err);
void vulndb_info_clear(vulndb_info *info);

/* Iterate over every package name in byte order: calls `fn` for each until
 * it returns non-zero (which is then returned). For tests and dumps. */
int vulndb_each_package(vulndb *db, int (*fn)(void *arg, const char *name),
                        void *arg, airlock_error *err);

#endif
