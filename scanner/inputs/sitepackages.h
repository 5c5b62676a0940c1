/*
 * sitepackages.h - the installed distributions in a directory, found without
 * running anything.
 *
 * A directory is read as importlib.metadata.distributions(path=[dir]) reads
 * a sys.path entry: every child whose name ends in ".dist-info" or
 * ".egg-info" (any case, directory or file) is a distribution whose metadata
 * is the first non-empty readable one of CHILD/METADATA, CHILD/PKG-INFO and
 * CHILD itself; inside a directory named "*.egg" the child "EGG-INFO" is one
 * too. On top of that, what site.py would put on sys.path from the
 * directory is followed one level, as easy-install.pth does: "*.egg"
 * directories are scanned as entries of their own, "*.egg" zip files give
 * their name and version from the file name, and "*.egg-link" files
 * (setuptools develop installs) have their target scanned as an editable
 * source. A ".dist-info" with direct_url.json saying dir_info.editable is
 * marked editable at the URL's directory (looked for only when the
 * directory holds a *.pth file, through which every editable install
 * works). See docs/inventory.md.
 *
 * Every bad item is a warning through `diag` naming the file; the scan goes
 * on. Nothing is executed.
 */
#ifndef AIRLOCK_SITEPACKAGES_H
#define AIRLOCK_SITEPACKAGES_H

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"

/* State shared by the scans of one environment: the output list, where
 * warnings go, the directories already scanned (so a directory reached
 * twice, e.g. lib64 -> lib or an .egg also listed on sys.path, is read once)
 * and a reusable read buffer. Opaque. */
typedef struct site_scanner site_scanner;

/* A scanner appending to `out` and warning through `d` (may be NULL for
 * stderr-less tests). Both must outlive it. Never returns NULL. */
site_scanner *site_scanner_new(dep_list *out, diag *d);
void site_scanner_free(site_scanner *s);

/* Scan `dir` as one sys.path entry and append a dependency (kind
 * DEP_INSTALLED) for each distribution that has a Name. Returns 0 when
 * scanned, 1 when `dir` was already scanned by this scanner (nothing
 * added), -1 when `dir` cannot be opened as a directory (message in `err`).
 * Problems inside `dir` are warnings, never errors. */
int site_scanner_scan(site_scanner *s, const char *dir, airlock_error *err);

/* Scan each entry of `dirs` in order (as sys.path is read): directories,
 * and zipped eggs (as easy-install.pth lists them). Entries that do not
 * exist and other files are skipped without a word, since sys.path
 * routinely names such entries (python311.zip). Returns 0. */
int site_scanner_scan_list(site_scanner *s, const char *const *dirs, size_t n);

/* The whole of `--path DIR`: a scanner for one directory. */
int sitepackages_scan(const char *dir, dep_list *out, diag *d, airlock_error *err);

#endif
