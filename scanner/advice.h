/*
 * advice.h - what to do about a scan's findings: release facts, fixes,
 * the risk of unpinned ranges, and a phased update plan.
 *
 * Works on a scan_report whose findings are filled (match.h), with the
 * database's release data when it has any (vulndb_get_releases). Without
 * release data nothing is guessed: dep_advice.release_data stays false and
 * fixes fall back to the advisories' own fix versions, saying so.
 * The rules are in docs/remediation.md.
 */
#ifndef AIRLOCK_ADVICE_H
#define AIRLOCK_ADVICE_H

#include "core/error.h"
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

#endif
