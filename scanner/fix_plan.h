/*
 * fix_plan.h - what `airlock fix` changes in requirement files, made in
 * memory from a scan's fixes, then shown as a diff or written.
 *
 * The lines to change are found by reading the requirement files again as
 * pip does (requirements.h): every exact pin, constraints (-c) too, whose
 * project and version are those of a fix of a requirement dependency and
 * whose markers apply to the target. A pin whose markers do not apply is
 * left and reported; so is one whose project has no fix. The files are
 * read a last time to be rewritten (requirements_rewrite.h), and must be
 * the bytes the scan parsed (same SHA-256), or nothing is done.
 *
 * Writing (fix_plan_write): the original of every file first, then every
 * file, each atomically (core/fileio.h) and keeping its mode. The original
 * goes to FILE.bak, created exclusively (never over anything); when
 * FILE.bak exists and holds something else (the user's file, the original
 * of an earlier run), to the first free FILE.bak.N (N up to FIX_BAK_MAX);
 * when it holds exactly FILE's bytes it is the backup already. A file that
 * cannot be written stops the write, and the files already replaced are
 * put back: all or nothing. A name is written only while it still names
 * the file expected there: the file read, going forward; the file just
 * written, putting back (else the original is left in its FILE.bak, and
 * said so).
 *
 * Not rewritten, and said so: a file reached by an include outside the
 * directory of the -r file named (`-r ../common.txt`: maybe another
 * project's) unless fix_plan_options.rewrite_outside; a pin of a project
 * that another pin, reached from the same -r file and applying to the
 * same target, gives another version (pip refuses the pair: which one the
 * user meant is not ours to guess). One file reached by two spellings
 * (`-r sub/../r.txt`, `-r r.txt`) is one file: its lines count once.
 */
#ifndef AIRLOCK_FIX_PLAN_H
#define AIRLOCK_FIX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/textedit.h"
#include "db/vulndb.h"
#include "scanner/inputs/requirements.h"
#include "scanner/inputs/requirements_rewrite.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/results.h"

typedef enum fix_line_kind {
    FIX_LINE_REWRITE,   /* a fix exists: the line is to be rewritten */
    FIX_LINE_NO_FIX,    /* the pinned version has no fix */
    FIX_LINE_MARKERS,   /* its markers do not apply to the target: left */
    FIX_LINE_CONFLICT   /* another pin gives the project another version: left */
} fix_line_kind;

/* One pin of a vulnerable version in a requirement file. */
typedef struct fix_line {
    fix_line_kind kind;
    size_t file;          /* index into fix_plan.files (FIX_LINE_REWRITE) */
    char *path;           /* the file as pip names it */
    unsigned line;
    bool constraint;      /* in a -c file */
    char *name;           /* as written in the fix */
    char *normalized;
    char *old_version;
    char *new_version;    /* NULL for FIX_LINE_NO_FIX */
    char *note;           /* the fix's note, or NULL */
    char **hashes;        /* the new release's SHA-256 digests */
    size_t n_hashes;
    size_t files_without_hash; /* files of the new release the index gave no digest */
    bool release_known;   /* the index lists the new release */
    req_fix_status st;    /* the rewrite's result */
    char *file_id;        /* the file's device and inode, as text */
    char *other_path;     /* FIX_LINE_CONFLICT: the other pin, and its version */
    unsigned other_line;
    char *other_version;
} fix_line;

/* One file to rewrite. */
typedef struct fix_file {
    char *path;
    char *data;           /* its bytes as read */
    size_t len;
    mode_t mode;
    dev_t dev;
    ino_t ino;
    nlink_t links;        /* hard links: the others keep the old bytes */
    uid_t uid;            /* its owner, kept by the new file and FILE.bak */
    gid_t gid;
    text_edits edits;     /* empty when nothing changes */
    char *refused;        /* why the file is not rewritten at all, or NULL */
    char *bak;            /* where its original was kept, once written */
    size_t top;           /* the -r argument (index) it was first reached from */
    bool outside;         /* not inside that argument's directory */
    bool replaced;        /* fix_plan_write() replaced it: then */
    dev_t new_dev;        /* the file it wrote */
    ino_t new_ino;
} fix_file;

typedef struct fix_plan {
    fix_file *files;
    size_t n_files;
    fix_line *lines;
    size_t n_lines, cap_lines;
    req_lines req;        /* the requirement files as read */
    const scan_report *r;
    int *dep_state;       /* fix_dep_state of each of r's dependencies */
    size_t not_restored;  /* files fix_plan_write() could not put back */
} fix_plan;

#define FIX_BAK_MAX 99

typedef struct fix_plan_options {
    const char *python_version; /* marker target, as for the scan */
    const char *platform;
    bool rewrite_outside;       /* rewrite includes outside the -r file's directory */
} fix_plan_options;

/* Make the plan for the INPUT_REQUIREMENTS of `args` from r's fixes
 * (advice.h) and the release hashes of `db` (NULL: none known). Read warnings go to `d`.
 * Returns 0, or -1 with a message (an unreadable file, a file changed
 * since the scan read it); free the plan either way. */
int fix_plan_make(fix_plan *p, const scan_arg *args, size_t n_args, const fix_plan_options *o,
                  const scan_report *r, vulndb *db, diag *d, airlock_error *err);

/* Append the unified diff of every file the plan changes. */
void fix_plan_diff(const fix_plan *p, buf *out);

/* Write the plan (see the top of this file). 0, or -1 with a message and
 * every file as it was, but for p->not_restored files that could not be
 * put back (each said on stderr, with the FILE.bak that holds it). */
int fix_plan_write(fix_plan *p, airlock_error *err);

/* Say, line by line, what was (or with `dry_run` would be) changed and
 * what was not, and why; warnings (hashes removed) go to stderr. */
void fix_plan_report(const fix_plan *p, bool dry_run, FILE *out);

typedef enum fix_dep_state {
    FIX_DEP_FIXED,      /* the line giving its version is rewritten */
    FIX_DEP_REPORTED,   /* not fixed; fix_plan_report() said why */
    FIX_DEP_UNKNOWN     /* not fixed; the plan has no line for it */
} fix_dep_state;

/* What the plan does for dependency `dep` of the report. */
fix_dep_state fix_plan_dep(const fix_plan *p, size_t dep);

void fix_plan_free(fix_plan *p);

#endif
