/*
 * report.h - rendering a scan_report in each output format.
 *
 * Every renderer writes the whole report to `out` and returns 0, or -1 with
 * a message. Renderers never change the report and list the same findings.
 *
 * Threads (issue 17): a large JSON, SARIF or CycloneDX report is written
 * to `out` (and the CycloneDX serial number's text hashed) by a writer
 * thread while the caller's thread renders, and parts of it are rendered
 * on threads of their own (json_out.h, out_pipe.h). The bytes are the
 * same as in one thread, which is what is done when no thread can be
 * created. Every thread has ended when the call returns; until then `out`
 * is not to be used by anyone else, and the report only read.
 */
#ifndef AIRLOCK_REPORT_H
#define AIRLOCK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "scanner/results.h"

typedef enum report_format {
    REPORT_TABLE,
    REPORT_JSON,
    REPORT_SARIF,
    REPORT_CYCLONEDX,
    REPORT_MARKDOWN,
    REPORT_HTML,
    REPORT_PLAN         /* the update plan alone, as Markdown (docs/remediation.md) */
} report_format;

typedef struct report_style {
    bool color;  /* ANSI colour (table only): a terminal and no NO_COLOR */
} report_style;

/* "table", "json", "sarif", "cyclonedx", "markdown", "html", "plan" -> format.
 * Returns -1 with a message for an unknown name. */
int report_format_parse(const char *name, report_format *out, airlock_error *err);
const char *report_format_name(report_format f);
/* The file extension used in evidence bundles ("txt", "json", "sarif", ...,
 * "plan.md"). */
const char *report_format_extension(report_format f);

int report_write(report_format f, const scan_report *r, const report_style *style,
                 FILE *out, airlock_error *err);

/* The renderers, one file each. */
int report_write_table(const scan_report *r, const report_style *style, FILE *out,
                       airlock_error *err);                                  /* report_table.c */
int report_write_json(const scan_report *r, FILE *out, airlock_error *err);      /* report_json.c */
int report_write_sarif(const scan_report *r, FILE *out, airlock_error *err);     /* report_sarif.c */
int report_write_cyclonedx(const scan_report *r, FILE *out, airlock_error *err); /* report_cyclonedx.c */
int report_write_markdown(const scan_report *r, FILE *out, airlock_error *err);  /* report_markdown.c */
int report_write_html(const scan_report *r, FILE *out, airlock_error *err);      /* report_html.c */
int report_write_plan(const scan_report *r, FILE *out, airlock_error *err);      /* report_plan.c */

#endif
