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

#endif
