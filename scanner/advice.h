/*
 * advice.h - what to do about a scan's findings: release facts, fixes,
 * the risk of unpinned ranges, and a phased update plan.
 *
 * Works on a scan_report whose findings are filled (match.h) and whose
 * ignores are applied (ignore.h), with the database's release data when it
 * has any (vulndb_get_releases). Without release data nothing is guessed:
 * dep_advice.release_data stays false and fixes fall back to the
 * advisories' own fix versions, saying so in fix_item.note.
 * The rules are in docs/remediation.md.
 */
#ifndef AIRLOCK_ADVICE_H
#define AIRLOCK_ADVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/specifier.h"
#include "db/vulndb.h"
#include "scanner/results.h"

typedef enum fix_target {
    FIX_TO_MINIMAL, /* the smallest release above the pin that no known
                       advisory affects */
    FIX_TO_LATEST   /* the latest release, when no known advisory affects it */
} fix_target;

/* Fill r->release_data, r->advice, r->fixes and r->plan (freed by
 * scan_report_free). Ignored findings need no fix. Returns 0, or -1 with a
 * message when the database cannot be read. */
int advice_compute(scan_report *r, vulndb *db, fix_target to, airlock_error *err);

/* Where advice_compute_from() takes release data. `get` fills `out` with
 * the releases of project `name` (normalised) as vulndb_get_releases()
 * does and returns their number (0: the index does not list it), or -1
 * with a message; `release` frees what `get` filled. */
typedef struct advice_source {
    int (*get)(void *ctx, const char *name, vulndb_releases *out, airlock_error *err);
    void (*release)(void *ctx, vulndb_releases *rels);
    void *ctx;
} advice_source;

/* advice_compute() with the release data from `src` (NULL: the database
 * has none) and the advisories from `db`: what tests use. */
int advice_compute_from(scan_report *r, vulndb *db, const advice_source *src, fix_target to,
                        airlock_error *err);

/* ---- the rules on their own (tests, `airlock fix`) ---- */

/* The latest release: the highest that is not yanked and, unless
 * `allow_pre`, not a pre-release (dev releases included). NULL if none. */
const vulndb_release *advice_latest(const vulndb_releases *rels, bool allow_pre);

/* The latest release with the same epoch and major version (first release
 * segment) as `v`, by advice_latest()'s rule. NULL if none. */
const vulndb_release *advice_latest_same_major(const vulndb_releases *rels, const version *v,
                                               bool allow_pre);

/* The release equal to `v` (PEP 440 equality), or NULL. */
const vulndb_release *advice_find(const vulndb_releases *rels, const version *v);

/* Mark in `admitted` (rels->len entries) the releases that
 * packaging's SpecifierSet(spec).filter(versions) returns with its default
 * pre-release handling, which is what pip calls: pre-releases only when a
 * specifier names one, or, for an empty set, when no final release is
 * listed. Yanked releases are listed too (pip filters, then prefers). */
void advice_filter(const specset *spec, const vulndb_releases *rels, bool *admitted);

/* The release pip would install for `spec` among `rels`: the highest one
 * advice_filter() admits that is not yanked, else (as pip does, with a
 * warning) the highest yanked one it admits. -1 when none is admitted. */
ptrdiff_t advice_resolve(const specset *spec, const vulndb_releases *rels);

#endif
