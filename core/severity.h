/*
 * severity.h - qualitative severity levels shared by the database, the
 * scanner's --fail-on and every report format.
 */
#ifndef AIRLOCK_SEVERITY_H
#define AIRLOCK_SEVERITY_H

#include <stddef.h>

typedef enum severity {
    SEVERITY_UNKNOWN = 0, /* no score and no label: counts as critical for --fail-on */
    SEVERITY_NONE,
    SEVERITY_LOW,
    SEVERITY_MEDIUM,
    SEVERITY_HIGH,
    SEVERITY_CRITICAL
} severity;

/* "UNKNOWN", "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL". */
const char *severity_name(severity s);

/* The CVSS v3/v4 qualitative rating of a base score (0.0 NONE, 0.1-3.9 LOW,
 * 4.0-6.9 MEDIUM, 7.0-8.9 HIGH, 9.0-10.0 CRITICAL). */
severity severity_from_score(double score);

/* Parse a label, case-insensitively: the names above, and GitHub's
 * "MODERATE" for MEDIUM. Returns SEVERITY_UNKNOWN for anything else. */
severity severity_parse(const char *label, size_t len);

#endif
