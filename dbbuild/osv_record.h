/*
 * osv_record.h - validate one OSV record and reduce it to what the database
 * keeps: IDs, texts, normalised timestamps, scored severity, references, and
 * the PyPI packages it affects with their ranges compiled into version-key
 * intervals (the rules are in docs/matching.md).
 */
#ifndef AIRLOCK_OSV_RECORD_H
#define AIRLOCK_OSV_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/severity.h"

/* Longest ID or alias accepted. */
#define OSV_ID_MAX 128

typedef struct osv_key {
    uint8_t *p;   /* version_key() bytes, owned */
    size_t len;
    char *text;   /* canonical version text, owned */
} osv_key;

/* [lo, hi) or [lo, hi]; a missing bound is infinite (flags as in
 * db/vulndb_format.h: VULNDB_IV_*). */
typedef struct osv_interval {
    unsigned flags;
    osv_key lo, hi;
} osv_interval;

typedef struct osv_package {
    char *name;             /* PEP 503 normalised */
    osv_interval *iv;
    size_t n_iv;
    osv_key *versions;      /* `versions` entries not inside any interval, sorted, unique */
    size_t n_versions;
    osv_key *fixed;         /* every `fixed` event, sorted by key, unique */
    size_t n_fixed;
} osv_package;

typedef struct osv_cvss {
    char *type;     /* "CVSS_V2", "CVSS_V3", "CVSS_V4" */
    char *vector;
    int version;    /* cvss_version, for ranking */
    double score;
    severity level;
} osv_cvss;

typedef struct osv_ref {
    char *type;
    char *url;
} osv_ref;

typedef struct osv_record {
    char *id;
    char **aliases;         /* valid-looking, unique, sorted, never the id itself */
    size_t n_aliases;
    char *modified;         /* RFC 3339 UTC (timestamp_normalize) */
    char *published;        /* same, or "" */
    char *summary;          /* or "" */
    char *details;          /* or "" */
    char *label;            /* database_specific.severity, or "" */
    bool withdrawn;
    osv_cvss *cvss;         /* sorted best first (docs/matching.md) */
    size_t n_cvss;
    osv_ref *refs;
    size_t n_refs;
    osv_package *pkgs;      /* PyPI entries only, in record order */
    size_t n_pkgs;
    size_t n_other;         /* affected entries of other ecosystems */
} osv_record;

/* Validate `j` and fill `out` (zeroed first). Returns 0, or -1 if the record
 * is malformed, with the reason in `err` (and `out` released). Problems that
 * do not make the record unusable (an event version that does not parse, an
 * unscorable CVSS vector, an odd alias) are warnings through `d` naming
 * `origin`. */
int osv_record_from_json(const cJSON *j, const char *origin, diag *d,
                         osv_record *out, airlock_error *err);

/* Release everything the record owns. Idempotent. */
void osv_record_clear(osv_record *r);

/* Add everything `from` affects to `into` (same package): the union of
 * their intervals, listed versions and fixed versions, normalised again. */
void osv_package_merge(osv_package *into, const osv_package *from);

/* Release what a package owns. */
void osv_package_clear(osv_package *p);

/* Ranking of CVSS entries: <0 if `a` is better than `b` (higher CVSS
 * version, then higher score, then vector text). */
int osv_cvss_rank(const osv_cvss *a, const osv_cvss *b);

/* Normalise an RFC 3339 / YAML timestamp ("2021-11-24T18:15:00Z",
 * "2021-11-24 18:15:00.5+02:00", no zone = UTC) to UTC
 * "YYYY-MM-DDTHH:MM:SS[.fraction]Z" with trailing zeros of the fraction
 * dropped. `out` needs 64 bytes. Returns 0 or -1 with a message. */
int timestamp_normalize(const char *text, char out[64], airlock_error *err);

/* Order two normalised timestamps (<0, 0, >0). */
int timestamp_compare(const char *a, const char *b);

/* Seconds since the epoch of a timestamp normalised by timestamp_normalize
 * (its fraction dropped). */
int64_t timestamp_seconds(const char *normalized);

/* True if `s` looks like an OSV ID: PREFIX-REST with [A-Za-z0-9._:-]. */
bool osv_id_valid(const char *s);

#endif
