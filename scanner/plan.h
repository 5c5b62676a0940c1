/*
 * plan.h - the phased update plan (docs/remediation.md).
 *
 * Each declared package appears once, in the first phase that applies:
 * 1, security fixes for critical, high or unknown severity; 2, other
 * security fixes; 3, newer releases within the same major version; 4,
 * major-version upgrades. Built by advice_compute() from the findings, the
 * fixes and the release facts it has just filled.
 */
#ifndef AIRLOCK_PLAN_H
#define AIRLOCK_PLAN_H

#include "scanner/results.h"

/* The title of phase 1-4 (static text). */
const char *plan_phase_title(unsigned phase);

/* Fill r->plan from r->deps, r->findings, r->fixes and r->advice (which
 * must be filled). `same_major` has deps.len entries: the latest release of
 * each dependency's major version, or NULL when unknown; or is NULL when
 * none is known (no release data). Whatever r->plan held must have been
 * freed. Internal to advice.c, which calls it last: the plan's texts go
 * into r->advice_pool_, so scan_report_clear_advice() frees them with the
 * pool and not one by one (results.h); a caller outside advice.c would
 * leave that pool and the plan out of step. */
void plan_build(scan_report *r, const char *const *same_major);

#endif
