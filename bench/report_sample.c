/*
 * report_sample - build sample scan reports and render every format.
 *
 *   report_sample OUTDIR
 *       writes OUTDIR/CASE/report.EXT for every format (report.h) and the
 *       cases "full" (findings of every severity, ignored, skipped, expired
 *       ignores, warnings, hostile strings, a locked dev dependency, an
 *       SBOM component, a pyproject.toml dependency from git), "ignored" (only ignored
 *       findings), "skipped" (only skipped requirements and warnings) and
 *       "clean" (no findings, no warnings).
 *   report_sample --evidence DIR [--sign-key SECKEY] [--snapshot-sig SIG]
 *                 [--snapshot-pub PUB] [--status TEXT] [--db-status JSON]
 *                 [--modify-after-scan]
 *                 [REQUIREMENTS...]
 *       writes an evidence bundle of the "full" case, with the requirement
 *       files added to its inputs (--modify-after-scan appends a line to the
 *       first one after hashing it, to test that the bundle is refused;
 *       --db-status takes the database provenance from `airlock db status
 *       --format json` output).
 *   report_sample --bench
 *       renders a large report in every format and prints each renderer's
 *       time as a ratio against a floor measured in the same run (copying
 *       the rendered bytes into a stream, which every renderer must do).
 *
 * Tests use it through $AIRLOCK_BUILD_DIR/report_sample. The reports are
 * deterministic: the scan time is fixed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fileio.h"
#include "scanner/reports/evidence.h"
#include "scanner/reports/report.h"
#include "scanner/results.h"
#include "scanner/inputs/scan_inputs.h"

#define SAMPLE_SCAN_TIME 1763900000  /* 2025-11-23T12:13:20Z */
#define SAMPLE_BUILD_TIME 1763800000

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static char **strings(const char *const *v, size_t *n)
{
    size_t k = 0;
    while (v != NULL && v[k] != NULL)
        k++;
    *n = k;
    if (k == 0)
        return NULL;
    char **out = xcalloc(k, sizeof *out);
    for (size_t i = 0; i < k; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static void base(scan_report *r)
{
    memset(r, 0, sizeof *r);
    r->airlock_version = xstrdup(AIRLOCK_VERSION);
    r->scan_time = SAMPLE_SCAN_TIME;
    r->hostname = xstrdup("audit-host-01");
    r->n_inputs = 5;
    r->inputs = xcalloc(5, sizeof *r->inputs);
    r->inputs[0] = (scan_input){.kind = INPUT_REQUIREMENTS, .path = xstrdup("requirements.txt"),
        .sha256 = xstrdup("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")};
    r->inputs[1] = (scan_input){.kind = INPUT_VENV, .path = xstrdup("/srv/app/.venv")};
    r->inputs[2] = (scan_input){.kind = INPUT_LOCKFILE, .path = xstrdup("uv.lock"),
        .sha256 = xstrdup("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"),
        .format = xstrdup("uv"), .note = xstrdup("found in /srv/app beside pyproject.toml")};
    r->inputs[3] = (scan_input){.kind = INPUT_PYPROJECT, .path = xstrdup("pyproject.toml"),
        .sha256 = xstrdup("fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"),
        .note = xstrdup("pins from uv.lock beside it; unpinned entries listed as skipped")};
    r->inputs[4] = (scan_input){.kind = INPUT_SBOM, .path = xstrdup("sbom/app.cdx.json"),
        .sha256 = xstrdup("a4e624d686e03ed2767c0abd85c14426b0b1157d2ce81d27bb4fe4f6f01d688a"),
        .format = xstrdup("cyclonedx"), .note = xstrdup("CycloneDX 1.5: 4 components, 1 not from PyPI left out")};
    r->db.sequence = 42;
    r->db.build_time = SAMPLE_BUILD_TIME;
    r->db.signer_key_id = xstrdup("4D2AF8C3E1B0A977");
    /* BLAKE2b-512, as the store records them. */
    r->db.snapshot_digest = xstrdup("eec497704c9ea09733032943d41ee158e75faf85b61defb56ff28da6838a3eba"
                                    "8bd8125518326b59a9fd4fe3a077c9b988f5986713b29a31c280c4e5023f2e67");
    r->db.db_digest = xstrdup("ad2691b60e27f9819e5cd107b1cc13189a9045b58a5962cd2c9c8b48c10e32ee"
                              "30469b0b8c285384253262589f2fe93e7c268a928d822cdc197b6f2e3a577476");
    r->db.format_version = 1;
    r->db.n_sources = 1;
    r->db.sources = xcalloc(1, sizeof *r->db.sources);
    r->db.sources[0] = (source_provenance){xstrdup("pypa-advisory-database"),
        xstrdup("b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"),
        2640, 12, 9, 3};
}

static size_t add_dep(scan_report *r, dep_kind kind, const char *name, const char *ver,
                      const char *file, unsigned line, const char *skip)
{
    dependency *d = dep_list_add(&r->deps);
    d->kind = kind;
    d->name = xstrdup(name);
    buf n = {0};
    for (const char *p = name; *p; p++)
        buf_putc(&n, (*p == '_' || *p == '.') ? '-' : (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p);
    d->normalized = buf_detach(&n, NULL);
    d->version_text = dup_or_null(ver);
    d->source_file = xstrdup(file);
    d->source_line = line;
    d->skip_reason = dup_or_null(skip);
    return r->deps.len - 1;
}

/* A dependency of a lockfile, pyproject.toml or SBOM (kind DEP_LOCKED,
 * DEP_DECLARED or DEP_SBOM): where the package comes from and its group. */
static size_t add_project_dep(scan_report *r, dep_kind kind, const char *name, const char *ver,
                              const char *file, unsigned line, const char *source_kind,
                              const char *group, bool dev, const char *skip)
{
    size_t i = add_dep(r, kind, name, ver, file, line, skip);
    dependency *d = &r->deps.items[i];
    d->source_kind = dup_or_null(source_kind);
    d->group = dup_or_null(group);
    d->dev = dev;
    return i;
}

typedef struct sample_finding {
    const char *id;
    const char *aliases[4];
    const char *summary;
    const char *details;
    severity level;
    double score;
    const char *vector;
    const char *fixes[4];
    const char *ignore_reason; /* non-NULL: ignored */
    const char *ignore_until;
} sample_finding;

static void add_finding(scan_report *r, size_t dep, const sample_finding *s)
{
    if (r->findings == NULL)
        abort(); /* call finish_deps() first */
    dep_findings *fs = &r->findings[dep];
    fs->items = xrealloc(fs->items, (fs->len + 1) * sizeof *fs->items);
    finding *f = &fs->items[fs->len++];
    memset(f, 0, sizeof *f);
    f->id = xstrdup(s->id);
    f->aliases = strings(s->aliases, &f->n_aliases);
    f->summary = dup_or_null(s->summary);
    f->details = dup_or_null(s->details);
    f->published = xstrdup("2024-03-01T12:00:00Z");
    f->modified = xstrdup("2024-06-15T08:30:00Z");
    f->level = s->level;
    f->score = s->score;
    if (s->vector != NULL) {
        f->n_ratings = 1;
        f->ratings = xcalloc(1, sizeof *f->ratings);
        f->ratings[0] = (cvss_rating){xstrdup(strncmp(s->vector, "CVSS:4", 6) == 0 ? "CVSS_V4"
                                                                                 : "CVSS_V3"),
                                      xstrdup(s->vector), s->score, s->level};
    }
    f->fix_versions = strings(s->fixes, &f->n_fix_versions);
    f->n_references = 2;
    f->references = xcalloc(2, sizeof *f->references);
    buf u = {0};
    buf_printf(&u, "https://osv.dev/vulnerability/%s", s->id);
    f->references[0] = (reference){xstrdup("ADVISORY"), buf_detach(&u, NULL)};
    f->references[1] = (reference){xstrdup("FIX"), xstrdup("https://example.org/fix?a=1&b=\"2\"")};
    f->ignored = s->ignore_reason != NULL;
    f->ignore_reason = dup_or_null(s->ignore_reason);
    f->ignore_until = dup_or_null(s->ignore_until);
}

static void finish_deps(scan_report *r)
{
    r->findings = xcalloc(r->deps.len ? r->deps.len : 1, sizeof *r->findings);
}

static void add_skipped(scan_report *r)
{
    add_dep(r, DEP_REQUIREMENT, "internal-tool", NULL, "requirements.txt", 7,
            "not pinned to one version (>=1.0)");
    add_dep(r, DEP_REQUIREMENT, "vcs-lib", NULL, "requirements.txt", 8,
            "a VCS requirement (git+https://example.org/vcs-lib.git) has no version");
    /* Declared in pyproject.toml from git: listed, skipped by its source. */
    add_project_dep(r, DEP_DECLARED, "internal-sdk", NULL, "pyproject.toml", 18, "git",
                    "extra:cloud", false, "git source");
}

/* Input items the scan read past, as diag.h warnings record them. */
static void add_warnings(scan_report *r)
{
    scan_report_add_warning(r, "requirements.txt", 9,
                            "invalid requirement '!!!': expected package name at column 1");
    scan_report_add_warning(r, "/srv/app/.venv/lib/python3.11/site-packages/bad-1.0.dist-info",
                            0, "no METADATA or PKG-INFO: not a distribution");
}

static void case_full(scan_report *r)
{
    base(r);
    size_t django = add_dep(r, DEP_REQUIREMENT, "Django", "3.2.0", "requirements.txt", 1, NULL);
    size_t req = add_dep(r, DEP_REQUIREMENT, "requests", "2.19.0", "requirements.txt", 2, NULL);
    size_t jinja = add_dep(r, DEP_REQUIREMENT, "Jinja2", "2.10", "requirements.txt", 3, NULL);
    size_t evil = add_dep(r, DEP_INSTALLED, "evil<script>pkg", "1.0+local",
                          "/srv/app/.venv/lib/python3.11/site-packages/evil-1.0.dist-info/METADATA",
                          0, NULL);
    size_t urllib = add_dep(r, DEP_INSTALLED, "urllib3", "1.24.1",
                            "/srv/app/.venv/lib/python3.11/site-packages/urllib3-1.24.1.dist-info/METADATA",
                            0, NULL);
    add_dep(r, DEP_REQUIREMENT, "safe-pkg", "1.0.0", "requirements.txt", 4, NULL);
    size_t pytest = add_project_dep(r, DEP_LOCKED, "pytest", "7.4.0", "uv.lock", 212,
                                    "registry", "dev", true, NULL);
    size_t zope = add_project_dep(r, DEP_SBOM, "zope.interface", "5.4.0", "sbom/app.cdx.json", 57,
                                  NULL, NULL, false, NULL);
    add_skipped(r);
    finish_deps(r);
    /* Untrusted text in an input's note (it holds paths). */
    free(r->inputs[4].note);
    r->inputs[4].note = xstrdup("read from <b>/tmp/x | `y`</b>\x1b[2J");
    add_finding(r, pytest, &(sample_finding){
        "PYSEC-2099-3", {"CVE-2099-0003"}, "A made-up finding on a locked dev dependency",
        NULL, SEVERITY_MEDIUM, 5.3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
        {"7.4.4"}, NULL, NULL});
    add_finding(r, zope, &(sample_finding){
        "PYSEC-2099-2", {NULL}, "A made-up finding on an SBOM component",
        NULL, SEVERITY_LOW, 3.1, "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N",
        {"5.5.0"}, NULL, NULL});
    add_finding(r, django, &(sample_finding){
        "PYSEC-2021-98", {"CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"},
        "Potential directory traversal via admindocs",
        "Staff members could use the admindocs TemplateDetailView to check the existence "
        "of arbitrary files.\nFixed in 3.2.4.",
        SEVERITY_CRITICAL, 9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        {"3.2.4", "4.0"}, NULL, NULL});
    add_finding(r, django, &(sample_finding){
        "PYSEC-2021-99", {"CVE-2021-33571"}, "IPv4 address validation with leading zeros",
        NULL, SEVERITY_HIGH, 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N",
        {"3.2.2"}, NULL, NULL});
    add_finding(r, req, &(sample_finding){
        "PYSEC-2018-28", {"CVE-2018-18074"}, "Authorization header sent on HTTPS-to-HTTP redirect",
        NULL, SEVERITY_MEDIUM, 6.1, "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        {"2.20.0"}, NULL, NULL});
    add_finding(r, jinja, &(sample_finding){
        "GHSA-h5c8-rqwp-cp95", {"CVE-2024-22195"}, "xmlattr filter allows attribute injection",
        NULL, SEVERITY_LOW, 3.5, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N",
        {"3.1.3"}, NULL, NULL});
    add_finding(r, jinja, &(sample_finding){
        "PYSEC-2019-217", {NULL}, "Sandbox escape (no score published)",
        NULL, SEVERITY_UNKNOWN, -1, NULL, {NULL}, NULL, NULL});
    add_finding(r, evil, &(sample_finding){
        "PYSEC-2099-1", {"CVE-2099-0001"},
        "<script>alert('x')</script> \"quoted\" & <b>bold</b> | pipe `tick` *star*",
        "<img src=https://evil.example/x.png onerror=alert(1)>\n<link href=//evil.example/s.css>",
        SEVERITY_NONE, 0.0, "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N",
        {"1.1"}, NULL, NULL});
    add_finding(r, urllib, &(sample_finding){
        "PYSEC-2019-132", {"CVE-2019-11324"}, "Improper certificate validation",
        NULL, SEVERITY_HIGH, 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        {"1.24.2"}, "only talks to an internal host with a pinned certificate", "2026-12-31"});
    add_finding(r, urllib, &(sample_finding){
        "PYSEC-2020-148", {"CVE-2020-26137"}, "CRLF injection via HTTP method",
        NULL, SEVERITY_MEDIUM, 6.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
        {"1.25.9"}, "<b>not</b> reachable: method is a constant", NULL});
    r->n_expired = 1;
    r->expired = xcalloc(1, sizeof *r->expired);
    r->expired[0] = (expired_ignore){xstrdup("PYSEC-2017-1"), xstrdup("2025-01-01"),
                                     xstrdup("waiting for upstream"), xstrdup(".airlock-ignore"),
                                     3};
    add_warnings(r);
    scan_report_add_warning(r, "requirements.txt", 10,
                            "invalid requirement '<script>x</script> | `y`': bad \x1b[2J");
}

static void case_ignored(scan_report *r)
{
    base(r);
    size_t urllib = add_dep(r, DEP_REQUIREMENT, "urllib3", "1.24.1", "requirements.txt", 1, NULL);
    add_dep(r, DEP_REQUIREMENT, "six", "1.16.0", "requirements.txt", 2, NULL);
    finish_deps(r);
    add_finding(r, urllib, &(sample_finding){
        "PYSEC-2019-132", {"CVE-2019-11324"}, "Improper certificate validation",
        NULL, SEVERITY_HIGH, 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        {"1.24.2"}, "accepted risk, ticket SEC-12", "2026-12-31"});
    add_finding(r, urllib, &(sample_finding){
        "PYSEC-2020-148", {"CVE-2020-26137"}, "CRLF injection via HTTP method",
        NULL, SEVERITY_MEDIUM, 6.5, NULL, {"1.25.9"}, "not reachable", NULL});
}

static void case_skipped(scan_report *r)
{
    base(r);
    add_dep(r, DEP_REQUIREMENT, "six", "1.16.0", "requirements.txt", 1, NULL);
    add_skipped(r);
    finish_deps(r);
    add_warnings(r);
}

static void case_clean(scan_report *r)
{
    base(r);
    add_dep(r, DEP_REQUIREMENT, "six", "1.16.0", "requirements.txt", 1, NULL);
    add_dep(r, DEP_INSTALLED, "attrs", "23.2.0",
            "/srv/app/.venv/lib/python3.11/site-packages/attrs-23.2.0.dist-info/METADATA", 0, NULL);
    finish_deps(r);
}

/* Take the database's provenance from `airlock db status --format json`
 * output, so that a bundle can be checked against a real snapshot. */
static int set_db(scan_report *r, const char *path, airlock_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (file_read_all(path, 1 << 20, &text, &len, err) != 0)
        return -1;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(doc, "sequence");
    const cJSON *bt = cJSON_GetObjectItemCaseSensitive(doc, "build_time");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(doc, "signer_key_id");
    const cJSON *snap = cJSON_GetObjectItemCaseSensitive(doc, "snapshot_blake2b");
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(doc, "db_blake2b");
    if (!cJSON_IsNumber(seq) || !cJSON_IsNumber(bt) || !cJSON_IsString(key) ||
        !cJSON_IsString(snap) || !cJSON_IsString(db)) {
        cJSON_Delete(doc);
        return error_set(err, "%s: not the output of 'airlock db status --format json'", path);
    }
    r->db.sequence = (uint64_t)seq->valuedouble;
    r->db.build_time = (int64_t)bt->valuedouble;
    free(r->db.signer_key_id);
    free(r->db.snapshot_digest);
    free(r->db.db_digest);
    r->db.signer_key_id = xstrdup(key->valuestring);
    r->db.snapshot_digest = xstrdup(snap->valuestring);
    r->db.db_digest = xstrdup(db->valuestring);
    cJSON_Delete(doc);
    return 0;
}

static const report_format all_formats[] = {REPORT_TABLE, REPORT_JSON, REPORT_SARIF,
                                            REPORT_CYCLONEDX, REPORT_MARKDOWN, REPORT_HTML};
#define N_FORMATS (sizeof all_formats / sizeof all_formats[0])

static int write_case(const char *outdir, const char *name, void (*build)(scan_report *))
{
    scan_report r;
    build(&r);
    buf dir = {0};
    buf_printf(&dir, "%s/%s", outdir, name);
    if (mkdir(dir.data, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "report_sample: %s: %s\n", dir.data, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < N_FORMATS && rc == 0; i++) {
        buf path = {0};
        buf_printf(&path, "%s/report.%s", dir.data, report_format_extension(all_formats[i]));
        FILE *fp = fopen(path.data, "w");
        airlock_error err = {{0}};
        report_style style = {false};
        if (fp == NULL) {
            fprintf(stderr, "report_sample: %s: %s\n", path.data, strerror(errno));
            rc = -1;
        } else if (report_write(all_formats[i], &r, &style, fp, &err) != 0) {
            fprintf(stderr, "report_sample: %s: %s\n", path.data, err.msg);
            rc = -1;
        }
        if (fp != NULL && fclose(fp) != 0)
            rc = -1;
        buf_free(&path);
    }
    buf_free(&dir);
    scan_report_free(&r);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(void)
{
    scan_report r;
    base(&r);
    enum { DEPS = 3000 };
    char name[32], ver[32];
    for (int i = 0; i < DEPS; i++) {
        snprintf(name, sizeof name, "package-%d", i);
        snprintf(ver, sizeof ver, "1.%d.0", i % 50);
        add_dep(&r, DEP_REQUIREMENT, name, ver, "requirements.txt", (unsigned)i + 1, NULL);
    }
    finish_deps(&r);
    for (size_t i = 0; i < DEPS; i += 3) {
        char id[32];
        snprintf(id, sizeof id, "PYSEC-2024-%zu", i % 400);
        add_finding(&r, i, &(sample_finding){id, {"CVE-2024-1"}, "A summary of the problem",
            "Some longer details about the problem and how it is fixed.",
            SEVERITY_HIGH, 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            {"2.0"}, i % 9 == 0 ? "accepted" : NULL, NULL});
    }
    printf("report_sample --bench: %d dependencies, %d findings\n", DEPS, DEPS / 3);
    int rc = 0;
    FILE *null = fopen("/dev/null", "w");
    if (null == NULL)
        return 1;
    for (size_t k = 0; k < N_FORMATS; k++) {
        report_style style = {false};
        airlock_error err = {{0}};
        /* The rendered bytes, for the floor. */
        char *data = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&data, &len);
        if (mem == NULL)
            return 1;
        int w = report_write(all_formats[k], &r, &style, mem, &err);
        fclose(mem);
        if (w != 0) {
            printf("%-10s failed: %s\n", report_format_name(all_formats[k]), err.msg);
            free(data);
            rc = 1;
            continue;
        }
        /* Best of five for both, both into /dev/null: the floor writes the
         * same bytes in 4 KiB pieces, so the ratio is the cost of building
         * the text. */
        double t_render = 1e9, t_floor = 1e9;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            report_write(all_formats[k], &r, &style, null, &err);
            fflush(null);
            double t = now() - t0;
            t_render = t < t_render ? t : t_render;
            t0 = now();
            for (size_t off = 0; off < len; off += 4096)
                fwrite(data + off, 1, len - off < 4096 ? len - off : 4096, null);
            fflush(null);
            t = now() - t0;
            t_floor = t < t_floor ? t : t_floor;
        }
        printf("%-10s %8zu bytes  %8.2f ms  floor %6.3f ms  ratio %7.1f\n",
               report_format_name(all_formats[k]), len, t_render * 1e3, t_floor * 1e3,
               t_render / (t_floor > 1e-9 ? t_floor : 1e-9));
        free(data);
    }
    fclose(null);
    scan_report_free(&r);
    return rc;
}

static int usage(void)
{
    fputs("usage: report_sample OUTDIR\n"
          "       report_sample --evidence DIR [--sign-key SECKEY] [--snapshot-sig SIG] "
          "[--snapshot-pub PUB] [--status TEXT] [--db-status JSON]\n"
          "                     [--modify-after-scan] [REQUIREMENTS...]\n"
          "       report_sample --bench\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--bench") == 0)
        return bench();
    if (argc >= 3 && strcmp(argv[1], "--evidence") == 0) {
        evidence_options opt = {0};
        const char *dir = argv[2];
        const char *db_status = NULL, *pub_path = NULL;
        int i = 3;
        for (; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--sign-key") == 0)
                opt.sign_key_path = argv[i + 1];
            else if (strcmp(argv[i], "--snapshot-sig") == 0)
                opt.snapshot_sig_origin = argv[i + 1];
            else if (strcmp(argv[i], "--snapshot-pub") == 0)
                pub_path = argv[i + 1];
            else if (strcmp(argv[i], "--status") == 0)
                opt.snapshot_status = argv[i + 1];
            else if (strcmp(argv[i], "--db-status") == 0)
                db_status = argv[i + 1];
            else
                break;
        }
        bool modify = i < argc && strcmp(argv[i], "--modify-after-scan") == 0;
        if (modify)
            i++;
        char *const *reqs = argv + i;
        size_t n_reqs = (size_t)(argc - i);
        scan_report r;
        case_full(&r);
        airlock_error err = {{0}};
        if (db_status != NULL && set_db(&r, db_status, &err) != 0) {
            fprintf(stderr, "report_sample: %s\n", err.msg);
            scan_report_free(&r);
            return 1;
        }
        /* The requirement files are the report's inputs, as a scan records
         * them; --modify-after-scan then changes the first one, as if it
         * were edited between the scan and the bundle. */
        for (size_t k = 0; k < n_reqs; k++) {
            if (scan_add_input(&r, INPUT_REQUIREMENTS, reqs[k], &err) != 0) {
                fprintf(stderr, "report_sample: %s\n", err.msg);
                scan_report_free(&r);
                return 1;
            }
        }
        if (modify && n_reqs > 0) {
            FILE *fp = fopen(reqs[0], "a");
            if (fp == NULL || fputs("# edited\n", fp) == EOF || fclose(fp) != 0) {
                scan_report_free(&r);
                return 1;
            }
        }
        /* The bundle takes bytes (a scan gives those it verified). */
        char *sig = NULL, *pub = NULL;
        int rc = 0;
        if (opt.snapshot_sig_origin != NULL &&
            file_read_all(opt.snapshot_sig_origin, 1 << 20, &sig, &opt.snapshot_sig_len, &err) != 0)
            rc = -1;
        if (rc == 0 && pub_path != NULL &&
            file_read_all(pub_path, 1 << 20, &pub, &opt.snapshot_pubkey_len, &err) != 0)
            rc = -1;
        opt.snapshot_sig = sig;
        opt.snapshot_pubkey = pub;
        if (rc == 0)
            rc = evidence_write(&r, dir, &opt, &err);
        free(sig);
        free(pub);
        scan_report_free(&r);
        if (rc != 0) {
            fprintf(stderr, "report_sample: %s\n", err.msg);
            return 1;
        }
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage();
    if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "report_sample: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (write_case(argv[1], "full", case_full) != 0 ||
        write_case(argv[1], "ignored", case_ignored) != 0 ||
        write_case(argv[1], "skipped", case_skipped) != 0 ||
        write_case(argv[1], "clean", case_clean) != 0)
        return 1;
    return 0;
}
