/* Tests for scanner/reports/report_table.c: columns, alignment, colour, untrusted
 * text, summary lines, from a hand-built scan_report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/reports/report.h"

static void add_finding(scan_report *r, size_t dep, const char *id, const char *alias,
                        const char *fix, severity level, double score)
{
    dep_findings *fs = &r->findings[dep];
    fs->items = xrealloc(fs->items, (fs->len + 1) * sizeof(finding));
    finding *f = &fs->items[fs->len++];
    memset(f, 0, sizeof *f);
    f->id = xstrdup(id);
    if (alias != NULL) {
        f->aliases = xcalloc(1, sizeof(char *));
        f->aliases[0] = xstrdup(alias);
        f->n_aliases = 1;
    }
    if (fix != NULL) {
        f->fix_versions = xcalloc(2, sizeof(char *));
        f->fix_versions[0] = xstrdup(fix);
        f->fix_versions[1] = xstrdup("9.9");
        f->n_fix_versions = 2;
    }
    f->level = level;
    f->score = score;
}

static dependency *add_dep(scan_report *r, const char *name, const char *ver)
{
    dependency *d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup(name);
    d->normalized = xstrdup(name);
    d->version_text = ver ? xstrdup(ver) : NULL;
    d->source_file = xstrdup("requirements.txt");
    d->source_line = (unsigned)r->deps.len;
    return d;
}

static void build(scan_report *r)
{
    memset(r, 0, sizeof *r);
    r->scan_time = 1795392000;             /* 2026-11-23 00:00 UTC */
    r->db.build_time = 1795392000 - 3 * 86400;
    r->db.sequence = 7;
    r->db.signer_key_id = xstrdup("ABCDEF0123456789");
    add_dep(r, "urllib3", "1.26.12");
    add_dep(r, "evil\x1b[2Jname", "1.0");
    add_dep(r, "torch", NULL)->skip_reason = xstrdup("no version pinned");
    add_dep(r, "safe", "2.0");
    r->findings = xcalloc(r->deps.len, sizeof *r->findings);
    add_finding(r, 0, "PYSEC-2023-192", "CVE-2023-43804", "1.26.17", SEVERITY_HIGH, 8.1);
    add_finding(r, 0, "PYSEC-2023-212", NULL, NULL, SEVERITY_UNKNOWN, -1);
    add_finding(r, 1, "X-1", NULL, "2.0", SEVERITY_CRITICAL, 9.8);
    add_finding(r, 3, "IGN-1", NULL, NULL, SEVERITY_LOW, -1);
    r->findings[3].items[0].ignored = true;
    r->findings[3].items[0].ignore_reason = xstrdup("not used");
}

static char *render(const scan_report *r, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    report_style style = {color};
    airlock_error err = {{0}};
    assert_int_equal(report_write_table(r, &style, fp, &err), 0);
    fclose(fp);
    return text;
}

/* Byte offset of `needle` within the line of `text` that contains it. */
static long column_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (p == NULL)
        fail_msg("'%s' not in output", needle);
    const char *bol = p;
    while (bol > text && bol[-1] != '\n')
        bol--;
    return p - bol;
}

static void test_columns_aligned(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    char *t = render(&r, false);
    /* Header columns line up with the cells below them. */
    assert_int_equal(column_of(t, "Version"), column_of(t, "1.26.12"));
    assert_int_equal(column_of(t, "ID "), column_of(t, "PYSEC-2023-192"));
    assert_int_equal(column_of(t, "ID "), column_of(t, "CVE-2023-43804"));
    assert_int_equal(column_of(t, "Fix Versions"), column_of(t, "1.26.17,9.9"));
    assert_int_equal(column_of(t, "Severity"), column_of(t, "HIGH 8.1"));
    assert_int_equal(column_of(t, "Severity"), column_of(t, "UNKNOWN"));
    assert_int_equal(column_of(t, "Severity"), column_of(t, "CRITICAL 9.8"));
    /* The escape sequence in a name is neutralised and no colour is used. */
    assert_null(strchr(t, '\x1b'));
    assert_non_null(strstr(t, "evil?[2Jname"));
    /* Each line ends without trailing blanks. */
    assert_null(strstr(t, " \n"));
    free(t);
    scan_report_free(&r);
}

static void test_sections_and_summary(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    char *t = render(&r, false);
    assert_non_null(strstr(t, "\nIgnored:\n  safe 2.0 IGN-1: not used\n"));
    assert_non_null(strstr(t, "\nSkipped:\n  torch (requirements.txt:3): no version pinned\n"));
    assert_non_null(strstr(t, "Scanned 4 dependencies: 2 vulnerable, 3 vulnerabilities "
                              "(1 CRITICAL, 1 HIGH, 1 UNKNOWN), 1 ignored, 1 skipped, 0 warnings.\n"));
    assert_non_null(strstr(t, "Database: sequence 7, built 2026-11-20 00:00 UTC (3 days old), "
                              "signed by key ABCDEF0123456789.\n"));
    /* Ignored findings are not rows of the table. */
    assert_int_equal(column_of(t, "IGN-1"), 11);
    free(t);
    scan_report_free(&r);
}

static void test_color_only_when_asked(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    char *t = render(&r, true);
    assert_non_null(strstr(t, "\033[31mHIGH 8.1"));
    assert_non_null(strstr(t, "\033[1;31mCRITICAL 9.8"));
    /* Untrusted text never carries an escape, even with colour on. */
    assert_null(strstr(t, "\x1b[2J"));
    free(t);
    scan_report_free(&r);
}

static void test_nothing_found(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    add_dep(&r, "safe", "1.0");
    r.findings = xcalloc(1, sizeof *r.findings);
    char *t = render(&r, false);
    assert_non_null(strstr(t, "No known vulnerabilities found.\n"));
    assert_non_null(strstr(t, "Scanned 1 dependency: 0 vulnerable, 0 vulnerabilities, "
                              "0 ignored, 0 skipped, 0 warnings.\n"));
    assert_null(strstr(t, "Skipped:"));
    assert_null(strstr(t, "Warnings:"));
    free(t);
    scan_report_free(&r);
}

/* A line that could not be read is listed with its file and line, counted,
 * and the verdict does not read as a clean result. */
static void test_warnings(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    add_dep(&r, "safe", "1.0");
    r.findings = xcalloc(1, sizeof *r.findings);
    scan_report_add_warning(&r, "req.txt", 7, "invalid requirement line: \x1b[2J");
    scan_report_add_warning(&r, "/sp/x.dist-info", 0, "no Version field");
    scan_report_add_warning(&r, NULL, 0, "no file");
    char *t = render(&r, false);
    assert_null(strstr(t, "No known vulnerabilities found.\n"));
    assert_non_null(strstr(t, "No known vulnerabilities found in what was read; "
                              "3 warnings below.\n"));
    assert_non_null(strstr(t, "\nWarnings:\n  req.txt:7: invalid requirement line: ?[2J\n"
                              "  /sp/x.dist-info: no Version field\n  no file\n"));
    assert_non_null(strstr(t, "0 ignored, 0 skipped, 3 warnings.\n"));
    assert_null(strchr(t, '\x1b'));
    free(t);
    scan_report_free(&r);
}

/* Lockfile and pyproject.toml dependencies show their line and group in
 * the skipped list; the inputs show kind, format and note. Groups, source
 * kinds and notes come from files: through the filter like the rest. */
static void test_project_sources_and_inputs(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    dependency *d = add_dep(&r, "internal-sdk", NULL);
    d->kind = DEP_DECLARED;
    free(d->source_file);
    d->source_file = xstrdup("pyproject.toml");
    d->source_line = 18;
    d->source_kind = xstrdup("git");
    d->group = xstrdup("extra:cloud\x1b[2J");
    d->skip_reason = xstrdup("git source");
    d = add_dep(&r, "no-file", NULL);
    free(d->source_file);
    d->source_file = NULL;
    d->location = xstrdup("/src/no-file");
    d->skip_reason = xstrdup("directory source");
    r.findings = xrealloc(r.findings, r.deps.len * sizeof *r.findings);
    memset(&r.findings[r.deps.len - 2], 0, 2 * sizeof *r.findings);
    r.n_inputs = 2;
    r.inputs = xcalloc(2, sizeof *r.inputs);
    r.inputs[0] = (scan_input){.kind = INPUT_LOCKFILE, .path = xstrdup("uv.lock"),
                               .format = xstrdup("uv"),
                               .note = xstrdup("found in .\n\x1b]0;x\x07")};
    r.inputs[1] = (scan_input){.kind = INPUT_SBOM, .path = xstrdup("bom.json")};
    char *t = render(&r, false);
    assert_non_null(strstr(t, "\n  internal-sdk (pyproject.toml:18 [extra:cloud?[2J]): git source\n"));
    assert_non_null(strstr(t, "\n  no-file (/src/no-file): directory source\n"));
    assert_non_null(strstr(t, "\nInputs:\n  lockfile uv.lock (uv): found in .??]0;x?\n"
                              "  sbom bom.json\n\nScanned 6 dependencies"));
    assert_null(strchr(t, '\x1b'));
    free(t);
    scan_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_aligned),
        cmocka_unit_test(test_sections_and_summary),
        cmocka_unit_test(test_color_only_when_asked),
        cmocka_unit_test(test_nothing_found),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_project_sources_and_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
