/*
 * cvss.h - base scores of CVSS vectors (v2, v3.0, v3.1, v4.0), computed per
 * FIRST's specifications.
 */
#ifndef AIRLOCK_CVSS_H
#define AIRLOCK_CVSS_H

#include <stddef.h>

#include "core/error.h"
#include "core/severity.h"

typedef enum cvss_version {
    CVSS_V2,
    CVSS_V3_0,
    CVSS_V3_1,
    CVSS_V4_0
} cvss_version;

typedef struct cvss_result {
    cvss_version version;
    double score;       /* base score, 0.0 - 10.0, one decimal */
    severity rating;    /* qualitative rating of the score (v2: NVD's bands) */
} cvss_result;

/* Score a vector string such as "CVSS:3.1/AV:N/AC:L/...", "CVSS:4.0/AV:N/...",
 * or a v2 vector "AV:N/AC:L/Au:N/C:P/I:P/A:P" (optionally "(...)"-wrapped).
 * `len` bytes, no NUL needed. Missing or repeated mandatory metrics and
 * unknown values are errors with a message. */
int cvss_score(const char *vector, size_t len, cvss_result *out, airlock_error *err);

#endif
