/*
 * sbom.h - the PyPI packages an SBOM lists: CycloneDX JSON (specVersion
 * 1.4 to 1.6, nested components included) and SPDX 2.3 JSON (2.2 too:
 * packages and purls are written alike; another version is a warning).
 *
 * The PyPI packages are the components whose package URL is pkg:pypi/...
 * (CycloneDX `purl`; SPDX externalRefs of referenceType "purl"), read by
 * purl's rules: the name and version percent-decoded, qualifiers and
 * subpath ignored. Each becomes one DEP_SBOM dependency (source_line: the
 * line of its purl in the file); one with a version is checked, one
 * without is kept, skipped ("no version"). Other components are left out
 * and counted in `sbom_info`, so that the report can say how many.
 * CycloneDX `scope` optional/excluded is the dependency's group
 * ("scope:optional", "scope:excluded"); excluded ones are also `dev`.
 *
 * A file that is not valid JSON, or neither CycloneDX nor SPDX, is an
 * error "FILE:LINE: why"; a bad component (a pkg:pypi purl that is not
 * valid) is a warning naming file and line.
 */
#ifndef AIRLOCK_SBOM_H
#define AIRLOCK_SBOM_H

#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/lockfile.h"

/* Largest SBOM read. */
#define SBOM_MAX_SIZE ((size_t)64 << 20)

typedef enum sbom_format { SBOM_CYCLONEDX, SBOM_SPDX } sbom_format;

typedef struct sbom_info {
    sbom_format format;
    char spec_version[16]; /* "1.5", "SPDX-2.3" */
    size_t components;     /* every component or package in the file */
    size_t pypi;           /* of which PyPI packages (dependencies added) */
    size_t other;          /* of which left out: not pkg:pypi, or no purl */
} sbom_info;

/* "cyclonedx" or "spdx". */
const char *sbom_format_name(sbom_format f);

/* Read the SBOM at `path`, appending its PyPI packages to `out` and
 * filling `info`; `on_file` (may be NULL) is told of the bytes read
 * (lockfile.h). Returns 0, or -1 with a message naming the file (and
 * line). */
int sbom_read(const char *path, dep_list *out, sbom_info *info, diag *d, lock_file_fn *on_file,
              void *arg, airlock_error *err);

/* The same on bytes in memory. */
int sbom_parse(const char *data, size_t len, const char *path, dep_list *out, sbom_info *info,
               diag *d, airlock_error *err);

#endif
