/*
 * results.h - what a scan found: the model every report format renders.
 *
 * The scan command fills a `scan_report`; each format (table, json, sarif,
 * cyclonedx, markdown, html) is a function that renders it to a FILE without
 * changing it. All formats list the same findings, in the same order:
 * dependencies in input order, findings per dependency by primary ID.
 */
#ifndef AIRLOCK_RESULTS_H
#define AIRLOCK_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/severity.h"
#include "db/vulndb.h"
#include "scanner/inputs/inventory.h"

/* An OSV reference ({type, url}: "ADVISORY", "FIX", "WEB", ...) and a CVSS
 * vector of an advisory ({type, vector, score, level}; type "CVSS_V2",
 * "CVSS_V3", "CVSS_V4"): the database's own types, so that a finding can
 * keep the arrays of the advisory it was made from (match.c). */
typedef vulndb_reference reference;
typedef vulndb_cvss cvss_rating;

/* One vulnerability affecting one dependency. All strings owned. */
typedef struct finding {
    char *id;               /* the group's primary ID */
    char **aliases;         /* every other ID of the group, sorted */
    size_t n_aliases;
    char *summary;          /* may be NULL */
    char *details;          /* may be NULL */
    char *published;        /* RFC 3339, may be NULL */
    char *modified;         /* RFC 3339, may be NULL */
    severity level;         /* SEVERITY_UNKNOWN when neither score nor label */
    double score;           /* best CVSS base score, or -1 when none */
    cvss_rating *ratings;
    size_t n_ratings;
    char **fix_versions;    /* fixed versions above the installed one, smallest first */
    size_t n_fix_versions;
    reference *references;
    size_t n_references;
    bool ignored;           /* matched an --ignore-vuln / --ignore-file entry */
    char *ignore_reason;    /* may be NULL even when ignored */
    char *ignore_until;     /* YYYY-MM-DD, or NULL */
    char *strings_;         /* private to results.c and match.c: when set, it
                               owns id, summary, details, published,
                               modified and the arrays aliases, ratings,
                               references and fix_versions with their
                               text, which finding_clear() then leaves to
                               it: the database's block of the advisory
                               (vulndb.h), taken over rather than copied
                               (match.c). NULL: each is its own, unless
                               pooled_. */
    bool pooled_;           /* private as strings_: those are the report's
                               pool_'s (match.c), and finding_clear()
                               leaves them to it */
    const vulndb_key *fix_keys_; /* private to match.c and advice.c: with
                               pooled_, the database's version key of each
                               of fix_versions (in the pool), else NULL */
} finding;

/* The findings of the dependency at the same index of scan_report.deps. */
typedef struct dep_findings {
    finding *items;
    size_t len;
} dep_findings;

typedef enum input_kind {
    INPUT_REQUIREMENTS, /* -r FILE (and files it includes) */
    INPUT_PATH,         /* --path DIR */
    INPUT_VENV,         /* --venv DIR */
    INPUT_PYTHON,       /* the environment of an interpreter */
    INPUT_LOCKFILE,     /* --lockfile [FORMAT:]FILE */
    INPUT_PYPROJECT,    /* --pyproject FILE */
    INPUT_SBOM,         /* --sbom FILE */
    INPUT_WHEELHOUSE    /* --wheelhouse DIR: wheels and sdists (wheelhouse.h) */
} input_kind;

typedef struct scan_input {
    input_kind kind;
    char *path;         /* file, directory, or interpreter */
    char *sha256;       /* hex digest of a file input; NULL for directories */
    char *format;       /* the format read: "poetry", "uv", "pipfile", "pdm",
                           "pylock" (lockfiles), "cyclonedx", "spdx" (SBOMs);
                           NULL for the other kinds */
    char *note;         /* why this input was chosen or how it was read, for
                           the report ("found in DIR", "pins from uv.lock
                           beside it", "python3 on PATH is a pyenv shim"),
                           or NULL */
} scan_input;

typedef struct source_provenance {
    char *name;
    char *sha256;
    uint64_t kept, skipped, withdrawn, merged;
} source_provenance;

/* An index the release data was read from (`airlock-dbbuild build
 * --index`; db/vulndb.h vulndb_index_source). */
typedef struct index_provenance {
    char *name;
    char *sha256;
    uint64_t projects, releases;
} index_provenance;

/* Where the database came from: enough for an auditor to tie a report to
 * one signed snapshot. */
typedef struct db_provenance {
    uint64_t sequence;
    int64_t build_time;     /* seconds since the epoch */
    char *signer_key_id;    /* hex, as minisign prints it */
    char *snapshot_digest;  /* BLAKE2b-512 (hex) of the snapshot file as imported */
    char *db_digest;        /* signed digest of the uncompressed database */
    unsigned format_version;
    source_provenance *sources;
    size_t n_sources;
    index_provenance *indexes; /* none without release data */
    size_t n_indexes;
} db_provenance;

/* An --ignore-file entry whose date has passed: it no longer applies. */
typedef struct expired_ignore {
    char *id;
    char *until;
    char *reason;
    char *file;
    unsigned line;
} expired_ignore;

/* A bad item in an input that the scan read past: every warning given
 * through diag.h while reading the inputs and the ignore files (a
 * requirement line that cannot be read, unreadable METADATA, a malformed
 * ignore entry...), which are what --strict refuses. Kept in the report so
 * that no input line vanishes silently: every format lists them and the
 * summaries count them. */
typedef struct scan_warning {
    char *file;      /* may be NULL */
    unsigned line;   /* 0 when unknown */
    char *message;
} scan_warning;

/* ---- advice: what to do next (scanner/advice.h, scanner/drift.h) ---- */

/* A known-vulnerable release that a range or unpinned requirement admits. */
typedef struct range_hit {
    char *version;
    char **ids;             /* primary IDs of the groups affecting it, sorted */
    size_t n_ids;
} range_hit;

/* Release facts about the dependency at the same index of scan_report.deps
 * (advice.h). Every string may be NULL. */
typedef struct dep_advice {
    /* The flags first, together: 56 bytes an entry rather than 80, and
     * there is one per dependency. */
    bool release_data;      /* the index listed this project; when false the
                               fields below are empty and reports say "no
                               release data" */
    bool outdated;          /* the version is below latest_version */
    bool yanked;            /* the pinned release is yanked */
    bool resolved_vulnerable; /* resolved_version is affected */
    bool resolved_yanked;   /* every release the specifier admits is yanked:
                               pip takes the highest anyway, with a warning */
    char *latest_version;   /* highest release neither yanked nor a
                               pre-release (unless the pin is one) */
    char *yank_reason;
    /* Range and unpinned requirements (a specifier, not an exact pin). */
    char *specifier;        /* as declared ("" for a bare name); NULL for pins */
    range_hit *range_risk;  /* vulnerable releases the specifier admits */
    size_t n_range_risk;
    char *resolved_version; /* what pip would pick from the index, or NULL */
} dep_advice;

/* pip-audit's "fixes" entry: one per vulnerable dependency. */
typedef struct fix_item {
    size_t dep;             /* index into scan_report.deps */
    char *name;
    char *old_version;
    char *new_version;      /* NULL: no release clears every finding */
    char *note;             /* why there is none, or how it was chosen
                               ("no release data: smallest fix version"), or NULL */
} fix_item;

typedef enum drift_status {
    DRIFT_VERSION_DIFFERS,  /* pinned at one version, installed at another */
    DRIFT_NOT_INSTALLED,    /* declared, not installed */
    DRIFT_NOT_DECLARED,     /* installed, declared nowhere */
    DRIFT_UNPINNED          /* declared without an exact pin */
} drift_status;

typedef struct drift_item {
    char *name;             /* normalised */
    drift_status status;
    char *declared;         /* version or specifier as declared, or NULL */
    char *declared_file;    /* where it is declared, or NULL */
    unsigned declared_line;
    char *installed;        /* installed version, or NULL */
    char *installed_location; /* its distribution directory, or NULL */
} drift_item;

/* One step of the phased plan. */
typedef struct plan_item {
    char *name;
    char *from;
    char *to;
    char *reason;
    char **ids;             /* advisory IDs it fixes (phases 1, 2) */
    size_t n_ids;
} plan_item;

#define PLAN_PHASES 4
typedef struct plan_phase {
    unsigned phase;         /* 1-4 */
    const char *title;      /* static text */
    plan_item *items;
    size_t n_items;
} plan_phase;

typedef struct scan_report {
    char *airlock_version;
    int64_t scan_time;      /* seconds since the epoch */
    char *hostname;
    scan_input *inputs;
    size_t n_inputs;
    /* Every file read and parsed (requirement files with their includes,
     * lockfiles, pyproject.toml files, SBOMs), once per path and content,
     * in the order first read, with the SHA-256 of the bytes parsed (kind
     * INPUT_REQUIREMENTS as scan_record_file() records them; the evidence
     * bundle takes the kind of the input of the same path): what an
     * evidence bundle copies. Not in the reports. */
    scan_input *files_read;
    size_t n_files_read;
    db_provenance db;
    dep_list deps;          /* every dependency, checked or skipped */
    dep_findings *findings; /* deps.len entries */
    vulndb_pool pool_;      /* private to match.c and results.c: the texts
                             * and arrays of the findings match_report()
                             * made, freed with them */
    expired_ignore *expired;
    size_t n_expired;
    scan_warning *warnings; /* in the order they were given, at most
                             * SCAN_WARNINGS_LISTED and a last entry that
                             * counts the rest */
    size_t n_warnings;
    size_t n_warnings_unlisted; /* counted in that last entry */
    /* Advice (issue 15). `advice` has deps.len entries, or is NULL when not
     * computed. */
    bool release_data;      /* the database carries release data */
    dep_advice *advice;
    fix_item *fixes;
    size_t n_fixes;
    bool drift_checked;     /* the scan had declared and installed inputs */
    drift_item *drift;
    size_t n_drift;
    plan_phase plan[PLAN_PHASES];
    vulndb_pool advice_pool_; /* private to advice.c, plan.c and results.c:
                             * when it holds anything, the texts of fixes
                             * and plan items and the plan items' ids
                             * (array and strings) are its, and
                             * scan_report_clear_advice() frees them with it;
                             * else each is its own (reports made by hand) */
} scan_report;

/* Free everything the report owns. */
void scan_report_free(scan_report *r);
void finding_clear(finding *f);
/* Free and zero what advice.h fills: advice, fixes and the plan (not drift). */
void scan_report_clear_advice(scan_report *r);

/* A report lists this many warnings. A file of millions of one-byte bad
 * lines must not make a report of gigabytes (the JSON of one warning is
 * about 200 bytes, and a scan renders six formats for an evidence bundle);
 * past the limit one last entry says how many more there were, and the
 * summaries count every one. */
#define SCAN_WARNINGS_LISTED 10000

/* Append a warning (copies of `file`, which may be NULL, and `message`), or
 * count it in the last entry past SCAN_WARNINGS_LISTED. */
void scan_report_add_warning(scan_report *r, const char *file, unsigned line,
                             const char *message);

/* Counts used by summaries. */
typedef struct scan_counts {
    size_t dependencies;    /* all, checked or skipped */
    size_t checked;
    size_t skipped;
    size_t vulnerable;      /* dependencies with an unignored finding */
    size_t findings;        /* unignored findings */
    size_t ignored;
    size_t warnings;        /* every warning, listed or not */
    size_t by_severity[SEVERITY_CRITICAL + 1]; /* unignored, by level */
} scan_counts;

void scan_report_count(const scan_report *r, scan_counts *out);

#endif
