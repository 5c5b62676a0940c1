/*
 * drift.h - where what a project declares and what is installed disagree.
 *
 * Compares the declared dependencies of a scan (requirement files,
 * lockfiles, pyproject.toml) with the installed ones (site-packages,
 * virtualenvs, --python), after markers are evaluated as for the scan.
 * The rules are in docs/remediation.md.
 */
#ifndef AIRLOCK_DRIFT_H
#define AIRLOCK_DRIFT_H

#include "core/error.h"
#include "scanner/results.h"

/* Fill r->drift_checked and r->drift (freed by scan_report_free), sorted by
 * name then status. Returns 0, or -1 with a message (out of memory). */
int drift_compute(scan_report *r, airlock_error *err);

/* The status as reports spell it: "version-differs", "not-installed",
 * "not-declared", "unpinned". Static text. */
const char *drift_status_name(drift_status s);

/* Free one item's strings (not the struct itself). */
void drift_item_clear(drift_item *it);

#endif
