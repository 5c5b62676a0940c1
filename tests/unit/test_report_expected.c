/* Every format of one small fixed scan_report, compared byte for byte with
 * reports written by hand in tests/data/reports/ (see its README.md).
 *
 * The other report tests read one renderer's output back or compare the
 * formats with the JSON report, which comes from the same code: a change
 * that alters every format the same way passes them. These files were
 * written from the report's documented content, not printed by Airlock, so
 * any change to any report's bytes shows up here and must be reviewed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fileio.h"
#include "scanner/reports/report.h"
#include "scanner/plan.h"
#include "scanner/results.h"

static char **strv1(const char *s)
{
    char **v = xcalloc(1, sizeof *v);
    v[0] = xstrdup(s);
    return v;
}

/* The fixed input: what a scan of a three-line requirements file with one
 * unreadable fourth line, a uv.lock, a pyproject.toml and a CycloneDX SBOM
 * could give. Described in tests/data/reports/README.md. */
static void build(scan_report *r)
{
    memset(r, 0, sizeof *r);
    r->airlock_version = xstrdup("1.0.0");
    r->scan_time = 1767225600;      /* 2026-01-01T00:00:00Z */
    r->hostname = xstrdup("ci-runner-7");
    r->n_inputs = 4;
    r->inputs = xcalloc(4, sizeof *r->inputs);
    r->inputs[0].kind = INPUT_REQUIREMENTS;
    r->inputs[0].path = xstrdup("requirements.txt");
    r->inputs[0].sha256 = xstrdup("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    r->inputs[1].kind = INPUT_LOCKFILE;
    r->inputs[1].path = xstrdup("uv.lock");
    r->inputs[1].sha256 = xstrdup("2c38c529b6ea8ab8a55971a26bfd14a3796c15cd7328fe35e9e8a665a87b8cdc");
    r->inputs[1].format = xstrdup("uv");
    r->inputs[1].note = xstrdup("pins for pyproject.toml beside it");
    r->inputs[2].kind = INPUT_PYPROJECT;
    r->inputs[2].path = xstrdup("pyproject.toml");
    r->inputs[2].sha256 = xstrdup("3e12aabf927f71e40fd6a03ec04cf736a47c3597fb886542741eee89e9c812b9");
    r->inputs[3].kind = INPUT_SBOM;
    r->inputs[3].path = xstrdup("bom.cdx.json");
    r->inputs[3].sha256 = xstrdup("eb3cad8389679e86c8f7a74ef9911a74f382b25aeb1667f8b763e7bfecbcc746");
    r->inputs[3].format = xstrdup("cyclonedx");
    r->inputs[3].note = xstrdup("1 component not from PyPI left out");
    r->db.sequence = 12;
    r->db.build_time = 1767139200;  /* 2025-12-31T00:00:00Z */
    r->db.signer_key_id = xstrdup("0123456789ABCDEF");
    r->db.snapshot_digest = xstrdup("b1b1");
    r->db.db_digest = xstrdup("d2d2");
    r->db.format_version = 1;
    r->db.n_sources = 1;
    r->db.sources = xcalloc(1, sizeof *r->db.sources);
    r->db.sources[0].name = xstrdup("pypa");
    r->db.sources[0].sha256 = xstrdup("5a5a");
    r->db.sources[0].kept = 3;
    r->db.sources[0].skipped = 1;

    dependency *d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("Django");
    d->normalized = xstrdup("django");
    d->version_text = xstrdup("3.2.0");
    d->source_file = xstrdup("requirements.txt");
    d->source_line = 1;
    d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("six");
    d->normalized = xstrdup("six");
    d->version_text = xstrdup("1.16.0");
    d->source_file = xstrdup("requirements.txt");
    d->source_line = 2;
    d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("left-pad");
    d->normalized = xstrdup("left-pad");
    d->source_file = xstrdup("requirements.txt");
    d->source_line = 3;
    d->skip_reason = xstrdup("not pinned to one version (>=1.0)");
    d = dep_list_add(&r->deps);
    d->kind = DEP_LOCKED;
    d->name = xstrdup("pytest");
    d->normalized = xstrdup("pytest");
    d->version_text = xstrdup("7.4.0");
    d->source_file = xstrdup("uv.lock");
    d->source_line = 123;
    d->source_kind = xstrdup("registry");
    d->group = xstrdup("dev");
    d->dev = true;
    d = dep_list_add(&r->deps);
    d->kind = DEP_DECLARED;
    d->name = xstrdup("my_lib");
    d->normalized = xstrdup("my-lib");
    d->source_file = xstrdup("pyproject.toml");
    d->source_line = 12;
    d->source_kind = xstrdup("git");
    d->group = xstrdup("extra:socks");
    d->skip_reason = xstrdup("git source");
    d = dep_list_add(&r->deps);
    d->kind = DEP_SBOM;
    d->name = xstrdup("zope.interface");
    d->normalized = xstrdup("zope-interface");
    d->version_text = xstrdup("5.4.0");
    d->source_file = xstrdup("bom.cdx.json");
    d->source_line = 40;

    /* Advice (docs/remediation.md): an index lists all but my_lib and
     * zope.interface; pytest 7.4.0 is yanked. */
    r->release_data = true;
    r->db.n_indexes = 1;
    r->db.indexes = xcalloc(1, sizeof *r->db.indexes);
    r->db.indexes[0].name = xstrdup("mirror");
    r->db.indexes[0].sha256 = xstrdup("6b6b");
    r->db.indexes[0].projects = 4;
    r->db.indexes[0].releases = 250;
    r->advice = xcalloc(6, sizeof *r->advice);
    r->advice[0] = (dep_advice){.release_data = true, .latest_version = xstrdup("5.1.4"),
                                .outdated = true};
    r->advice[1] = (dep_advice){.release_data = true, .latest_version = xstrdup("2.0.0"),
                                .outdated = true};
    r->advice[2] = (dep_advice){.release_data = true, .latest_version = xstrdup("1.3.0"),
                                .specifier = xstrdup(">=1.0"),
                                .resolved_version = xstrdup("1.3.0")};
    r->advice[2].n_range_risk = 1;
    r->advice[2].range_risk = xcalloc(1, sizeof *r->advice[2].range_risk);
    r->advice[2].range_risk[0].version = xstrdup("1.0");
    r->advice[2].range_risk[0].ids = strv1("PYSEC-2099-8");
    r->advice[2].range_risk[0].n_ids = 1;
    r->advice[3] = (dep_advice){.release_data = true, .latest_version = xstrdup("8.3.4"),
                                .outdated = true, .yanked = true,
                                .yank_reason = xstrdup("broken wheel metadata")};
    r->n_fixes = 2;
    r->fixes = xcalloc(2, sizeof *r->fixes);
    r->fixes[0] = (fix_item){0, xstrdup("Django"), xstrdup("3.2.0"), xstrdup("3.2.4"), NULL};
    r->fixes[1] = (fix_item){3, xstrdup("pytest"), xstrdup("7.4.0"), xstrdup("7.4.4"), NULL};
    for (unsigned p = 1; p <= PLAN_PHASES; p++)
        r->plan[p - 1] = (plan_phase){p, plan_phase_title(p), NULL, 0};
    r->plan[0].n_items = 1;
    r->plan[0].items = xcalloc(1, sizeof(plan_item));
    r->plan[0].items[0] = (plan_item){xstrdup("Django"), xstrdup("3.2.0"), xstrdup("3.2.4"),
                                      xstrdup("fixes 1 known vulnerability (highest severity "
                                              "HIGH)"), strv1("PYSEC-2021-98"), 1};
    r->plan[1].n_items = 1;
    r->plan[1].items = xcalloc(1, sizeof(plan_item));
    r->plan[1].items[0] = (plan_item){xstrdup("pytest"), xstrdup("7.4.0"), xstrdup("7.4.4"),
                                      xstrdup("fixes 1 known vulnerability (highest severity "
                                              "MEDIUM)"), strv1("PYSEC-2099-7"), 1};
    r->plan[3].n_items = 1;
    r->plan[3].items = xcalloc(1, sizeof(plan_item));
    r->plan[3].items[0] = (plan_item){xstrdup("six"), xstrdup("1.16.0"), xstrdup("2.0.0"),
                                      xstrdup("major-version upgrade: read the release notes "
                                              "for breaking changes"), NULL, 0};

    r->findings = xcalloc(6, sizeof *r->findings);
    r->findings[0].len = 1;
    r->findings[0].items = xcalloc(1, sizeof(finding));
    finding *f = &r->findings[0].items[0];
    f->id = xstrdup("PYSEC-2021-98");
    f->aliases = strv1("CVE-2021-33203");
    f->n_aliases = 1;
    f->summary = xstrdup("Directory traversal via admindocs");
    f->published = xstrdup("2021-06-08T18:15:00Z");
    f->level = SEVERITY_HIGH;
    f->score = 7.5;
    f->n_ratings = 1;
    f->ratings = xcalloc(1, sizeof *f->ratings);
    f->ratings[0].type = xstrdup("CVSS_V3");
    f->ratings[0].vector = xstrdup("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N");
    f->ratings[0].score = 7.5;
    f->ratings[0].level = SEVERITY_HIGH;
    f->fix_versions = strv1("3.2.4");
    f->n_fix_versions = 1;
    f->n_references = 1;
    f->references = xcalloc(1, sizeof *f->references);
    f->references[0].type = xstrdup("ADVISORY");
    f->references[0].url = xstrdup("https://example.org/PYSEC-2021-98");

    r->findings[1].len = 1;
    r->findings[1].items = xcalloc(1, sizeof(finding));
    f = &r->findings[1].items[0];
    f->id = xstrdup("PYSEC-2020-1");
    f->summary = xstrdup("Not reachable here");
    f->level = SEVERITY_LOW;
    f->score = -1;
    f->ignored = true;
    f->ignore_reason = xstrdup("only used in tests");
    f->ignore_until = xstrdup("2026-06-30");

    r->findings[3].len = 1;
    r->findings[3].items = xcalloc(1, sizeof(finding));
    f = &r->findings[3].items[0];
    f->id = xstrdup("PYSEC-2099-7");
    f->summary = xstrdup("Made-up flaw in a dev tool");
    f->level = SEVERITY_MEDIUM;
    f->score = -1;
    f->fix_versions = strv1("7.4.4");
    f->n_fix_versions = 1;

    scan_report_add_warning(r, "requirements.txt", 4,
                            "invalid requirement '!!!': expected package name at column 1");
}

static char *render(report_format fmt, const scan_report *r, size_t *len)
{
    char *data = NULL;
    FILE *mem = open_memstream(&data, len);
    assert_non_null(mem);
    airlock_error err = {{0}};
    report_style style = {false};
    assert_int_equal(report_write(fmt, r, &style, mem, &err), 0);
    assert_int_equal(fclose(mem), 0);
    return data;
}

/* Length of the line at `s` (at most 200 bytes: enough to see a difference). */
static int line_len(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && len < 200 && s[len] != '\n')
        len++;
    return (int)len;
}

/* Compare with tests/data/reports/expected.EXT; on a difference, say where. */
static void check_format(report_format fmt)
{
    const char *data = getenv("AIRLOCK_TEST_DATA");
    if (data == NULL)
        fail_msg("AIRLOCK_TEST_DATA is not set (ctest sets it)");
    buf path = {0};
    buf_printf(&path, "%s/reports/expected.%s", data, report_format_extension(fmt));
    char *want = NULL;
    size_t want_len = 0;
    airlock_error err = {{0}};
    if (file_read_all(path.data, 1 << 20, &want, &want_len, &err) != 0)
        fail_msg("%s", err.msg);

    scan_report r;
    build(&r);
    size_t got_len = 0;
    char *got = render(fmt, &r, &got_len);
    scan_report_free(&r);

    if (got_len != want_len || memcmp(got, want, got_len) != 0) {
        size_t i = 0, line = 1, bol = 0;
        while (i < got_len && i < want_len && got[i] == want[i]) {
            if (got[i] == '\n') {
                line++;
                bol = i + 1;
            }
            i++;
        }
        print_error("%s differs from the %s report at line %zu, column %zu:\n"
                    "  expected: %.*s\n  rendered: %.*s\n", path.data, report_format_name(fmt),
                    line, i - bol + 1, line_len(want + bol, want_len - bol), want + bol,
                    line_len(got + bol, got_len - bol), got + bol);
        fail();
    }
    free(got);
    free(want);
    buf_free(&path);
}

static void test_table(void **state)
{
    (void)state;
    check_format(REPORT_TABLE);
}

static void test_json(void **state)
{
    (void)state;
    check_format(REPORT_JSON);
}

static void test_sarif(void **state)
{
    (void)state;
    check_format(REPORT_SARIF);
}

static void test_cyclonedx(void **state)
{
    (void)state;
    check_format(REPORT_CYCLONEDX);
}

static void test_markdown(void **state)
{
    (void)state;
    check_format(REPORT_MARKDOWN);
}

static void test_html(void **state)
{
    (void)state;
    check_format(REPORT_HTML);
}

static void test_plan(void **state)
{
    (void)state;
    check_format(REPORT_PLAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),     cmocka_unit_test(test_json),
        cmocka_unit_test(test_sarif),     cmocka_unit_test(test_cyclonedx),
        cmocka_unit_test(test_markdown),  cmocka_unit_test(test_html),
        cmocka_unit_test(test_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
