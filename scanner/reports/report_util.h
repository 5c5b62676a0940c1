/*
 * report_util.h - helpers shared by the sarif, cyclonedx, markdown and html
 * renderers and the evidence bundle (private to them).
 *
 * Report strings come from untrusted inputs (advisories, metadata, file
 * names): the JSON formats write them through json_out.h, which replaces
 * invalid UTF-8 so that the output is always valid JSON text.
 */
#ifndef AIRLOCK_REPORT_UTIL_H
#define AIRLOCK_REPORT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "scanner/results.h"

/* Appends for the writers' inner loops: the length known (no strlen for a
 * literal), the common case (room in the buffer) inline; otherwise
 * buf_append(). The buffer stays NUL-terminated, as buf.h promises. */
static inline void report_put(buf *b, const char *s, size_t n)
{
    if (n < b->cap - b->len) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        buf_append(b, s, n);
    }
}

static inline void report_putc(buf *b, char c)
{
    if (b->cap - b->len > 1) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
    } else {
        buf_putc(b, c);
    }
}

static inline void report_puts(buf *b, const char *s)
{
    report_put(b, s, strlen(s));
}

/* A string literal, its length taken at compile time. */
#define REPORT_LIT(b, lit) report_put((b), "" lit "", sizeof(lit) - 1)

/* `v` in decimal, as printf's "%llu" (and "%u", "%zu") writes it. */
void report_put_uint(buf *b, unsigned long long v);

/* `v` as printf's "%.1f" writes it (CVSS scores), into `out` of `cap`
 * bytes with snprintf's truncation; returns what snprintf returns. Scores
 * with one decimal skip printf. */
int report_score_text(double v, char *out, size_t cap);

/* Append `v` as "%.1f". */
void report_put_score(buf *b, double v);

/* "2026-11-23T09:42:35Z" (UTC). Out-of-range times print as the epoch. */
void report_time_rfc3339(int64_t t, char out[32]);

/* Append `s` to `b` with every invalid UTF-8 sequence replaced by U+FFFD. */
void report_utf8_append(buf *b, const char *s);

/* Append `s` escaped for Markdown text (a table cell, a list item): the text
 * goes through core/text.h's filter (controls, C1 and bidirectional controls
 * become '?', invalid UTF-8 is replaced), line breaks and tabs become
 * spaces, ASCII punctuation that Markdown or HTML would interpret gets a
 * backslash, and so do the ':' of "://" and the '.' of "www." so that bare
 * URLs do not become links. */
void report_md_append(buf *b, const char *s);

/* A dependency's package URL, by purl's rules for the pypi type:
 * "pkg:pypi/NAME@VERSION", NAME the name as written lower-cased with '_'
 * as '-' (dots and runs kept, as purl says), NAME and VERSION UTF-8 and
 * percent-encoded except for purl's allowed set (alphanumerics, ".-_~")
 * and ':'. "@VERSION" only when the dependency has a version and comes
 * from the registry (source_kind NULL or "registry"): a package locked to
 * a git commit or a path that happens to say "1.2.3" is not PyPI's 1.2.3,
 * and a purl claims exactly that. An SBOM reader gets the dependency back
 * from the purl alone (name, version). Owned by the caller. */
char *report_purl(const dependency *d);

/* report_purl() appended to `b`. */
void report_purl_append(buf *b, const dependency *d);

/* "installed", "requirement", "locked", "declared", "sbom". */
const char *report_dep_kind_name(dep_kind k);

/* "requirements", "path", "venv", "python", "lockfile", "pyproject",
 * "sbom". */
const char *report_input_kind_name(input_kind k);

/* Where a dependency came from, as one line of raw (unfiltered) text for
 * the human formats: "FILE:LINE" (":LINE" when known), else its location,
 * else "?"; then " [GROUP]" when it has a group ("uv.lock:123 [dev]").
 * The caller filters or escapes it. Owned by the caller. */
char *report_source_text(const dependency *d);

/* report_source_text() appended to `b`. */
void report_source_append(buf *b, const dependency *d);

/* A file path as a URI reference: "file:///abs/path" for absolute paths, a
 * relative reference otherwise, percent-encoded. Owned by the caller. */
char *report_file_uri(const char *path);

/* report_file_uri() appended to `b`. */
void report_file_uri_append(buf *b, const char *path);

/* True if `url` may be emitted as a link: an http or https URL that is a
 * valid URI (RFC 3986 characters and percent-escapes, a non-empty host, a
 * numeric port, one fragment). Reference URLs come from advisories: other
 * schemes (javascript:, data:, file:) and text that is not a URI are shown,
 * escaped, as text at most. */
bool report_url_ok(const char *url);

/* The advisory URL worth linking first: an ADVISORY reference, else the
 * first reference, counting only URLs report_url_ok() accepts; NULL when
 * there is none. */
const char *report_primary_url(const finding *f);

/* The plan in one line for the table and Markdown reports: "1 urgent
 * security fix, 2 other security fixes, 0 updates within a major version,
 * 1 major upgrade". Appends nothing and returns false when the plan is
 * empty. */
bool report_plan_counts(buf *b, const scan_report *r);

/* Write what `b` holds to `out` and empty it once it holds 64 KiB or
 * more: the text reports go out as they are produced, in large writes,
 * rather than whole at the end. Call it only where the text so far is
 * final (a row's end: no escaping looks back past it). A failed write
 * stays in ferror(out) for report_check_stream(). */
void report_flush(buf *b, FILE *out);

/* Returns -1 with a message if `out` has seen a write error. */
int report_check_stream(FILE *out, const char *format, airlock_error *err);

#endif
