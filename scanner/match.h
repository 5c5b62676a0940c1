/*
 * match.h - turning the database's answers into a report's findings.
 *
 * For every checked dependency (one with a version and no skip reason) the
 * database is asked which vulnerabilities affect that version; each becomes
 * one `finding` with all its IDs, its severity and the fixed versions above
 * the installed one. Skipped dependencies get an empty list.
 */
#ifndef AIRLOCK_MATCH_H
#define AIRLOCK_MATCH_H

#include <stdbool.h>

#include "core/error.h"
#include "scanner/results.h"
#include "db/vulndb.h"

/* Fill r->findings (allocating one dep_findings per entry of r->deps) from
 * `db`. Any findings already there are freed first. Returns 0, or -1 with a
 * message naming the dependency if the database cannot answer (damaged
 * database: the scan must fail closed). On failure r->findings is NULL. */
int match_report(vulndb *db, scan_report *r, airlock_error *err);

/* --fail-on: the lowest severity that fails the scan. MATCH_FAIL_ANY (the
 * default) fails on any unignored finding, whatever its severity. */
#define MATCH_FAIL_ANY SEVERITY_UNKNOWN

/* Parse "low", "medium", "high" or "critical" (any case) into *out.
 * Returns -1 with a message for anything else. */
int match_parse_fail_on(const char *text, severity *out, airlock_error *err);

/* True if an unignored finding of `r` reaches `threshold`. A finding with no
 * known severity (SEVERITY_UNKNOWN) counts as critical: fail closed. With
 * MATCH_FAIL_ANY every unignored finding counts. */
bool match_fails(const scan_report *r, severity threshold);

#endif
