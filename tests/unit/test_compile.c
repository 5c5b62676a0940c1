/*
 * test_compile - the OSV compiler and the database reader on the fixtures in
 * tests/data/compile/: one test per rule of docs/matching.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/version.h"
#include "dbbuild/compile.h"
#include "dbbuild/merge.h"
#include "dbbuild/osv_record.h"
#include "db/vulndb.h"

typedef struct fixture {
    char dir[64];
    buf mdb;
    compile_totals tot;
    buf warnings;
    diag d;
    vulndb *db;
} fixture;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)line;
    buf_printf(arg, "%s: %s\n", file ? file : "?", msg);
}

static const char *data_dir(void)
{
    const char *d = getenv("AIRLOCK_TEST_DATA");
    return d ? d : "tests/data";
}

static int build(fixture *f, const char *name, bool strict, airlock_error *err)
{
    buf a = {0}, b = {0};
    buf_printf(&a, "%s/compile/basic", data_dir());
    buf_printf(&b, "%s/compile/dup2", data_dir());
    const char *srcs[] = {a.data, b.data};
    compile_options opt = {.strict = strict, .build_time = 1700000000};
    buf_reset(&f->mdb);
    buf_printf(&f->mdb, "%s/%s", f->dir, name);
    int rc = compile_sources(srcs, 2, &opt, f->mdb.data, &f->d, &f->tot, err);
    buf_free(&a);
    buf_free(&b);
    return rc;
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/test_compile.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->d = (diag){collect, &f->warnings, 0};
    airlock_error err;
    if (build(f, "a.mdb", false, &err) != 0)
        fail_msg("%s", err.msg);
    if (vulndb_open(f->mdb.data, &f->db, &err) != 0)
        fail_msg("%s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vulndb_close(f->db);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    buf_free(&f->mdb);
    buf_free(&f->warnings);
    free(f);
    return 0;
}

/* Look up NAME at VERSION: the primary IDs, space-separated, into `out`. */
static void lookup(fixture *f, const char *name, const char *ver, buf *out, vulndb_hits *keep)
{
    version v;
    airlock_error err;
    if (version_parse(&v, ver, strlen(ver), &err) != 0)
        fail_msg("%s", err.msg);
    vulndb_hits h;
    int n = vulndb_lookup(f->db, name, &v, &h, &err);
    if (n < 0)
        fail_msg("%s", err.msg);
    assert_int_equal((size_t)n, h.len);
    assert_int_equal(vulndb_count_affecting(f->db, name, &v, &err), n);
    buf_reset(out);
    for (size_t i = 0; i < h.len; i++)
        buf_printf(out, "%s%s", i ? " " : "", h.items[i].adv.id);
    version_clear(&v);
    if (keep != NULL)
        *keep = h;
    else
        vulndb_hits_free(&h);
}

#define EXPECT(f, name, ver, ids)                                                              \
    do {                                                                                       \
        buf got_ = {0};                                                                        \
        lookup(f, name, ver, &got_, NULL);                                                     \
        const char *g_ = got_.data ? got_.data : "";                                           \
        if (strcmp(g_, ids) != 0)                                                              \
            fail_msg("%s %s: got '%s', want '%s'", name, ver, g_, ids);                        \
        buf_free(&got_);                                                                       \
    } while (0)

static void test_totals(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->tot.records_skipped, 4);
    assert_int_equal(f->tot.records_withdrawn, 1);
    assert_int_equal(f->tot.records_other_ecosystem, 1);
    assert_int_equal(f->tot.records_merged, 1);
    assert_int_equal(f->tot.records_kept, 9);
    /* foo-bar (2 records + CVE alias), chain (2 records + GHSA alias), and
     * one each for dup, mixed, limited, weird(2 packages), semverpkg. */
    assert_int_equal(f->tot.groups, 7);
    assert_int_equal(f->tot.packages, 8);
    /* Each malformed record is named with its reason. */
    assert_non_null(strstr(f->warnings.data, "bad-no-modified.json: malformed record skipped: 'modified' is missing"));
    assert_non_null(strstr(f->warnings.data, "bad-two-keys.json: malformed record skipped: an event must be an object with exactly one key"));
    assert_non_null(strstr(f->warnings.data, "bad-no-introduced.json: malformed record skipped: a ECOSYSTEM range has no 'introduced' event"));
    assert_non_null(strstr(f->warnings.data, "bad-id.json: malformed record skipped: invalid id"));
    assert_non_null(strstr(f->warnings.data, "PYSEC-2099-6.json: PYSEC-2099-6: introduced event 'abc' is not a PEP 440 version"));
    assert_non_null(strstr(f->warnings.data, "PYSEC-2099-6: fixed event 'zzz'"));
    assert_non_null(strstr(f->warnings.data, "PYSEC-2099-1: 1 listed version of foo-bar is not PEP 440"));
}

static void test_info(void **state)
{
    fixture *f = *state;
    vulndb_info info;
    airlock_error err;
    assert_int_equal(vulndb_get_info(f->db, &info, &err), 0);
    assert_int_equal(info.schema_version, 1);
    assert_int_equal(info.build_time, 1700000000);
    assert_int_equal(info.records, 9);
    assert_int_equal(info.groups, 7);
    assert_int_equal(info.packages, 8);
    assert_int_equal(info.n_sources, 2);
    assert_string_equal(info.sources[0].name, "basic"); /* its name, not its path */
    assert_int_equal(strlen(info.sources[0].sha256), 64);
    assert_int_equal(info.sources[0].records, 15);
    assert_int_equal(info.sources[0].skipped, 4);
    assert_int_equal(info.sources[0].withdrawn, 1);
    assert_int_equal(info.sources[0].other_ecosystem, 1);
    assert_int_equal(info.sources[0].kept, 9);
    assert_int_equal(info.sources[1].records, 1);
    assert_int_equal(info.sources[1].merged, 1);
    assert_int_equal(info.sources[1].kept, 0);
    vulndb_info_clear(&info);

    FILE *out = tmpfile();
    assert_int_equal(db_describe(f->mdb.data, out, &err), 0);
    rewind(out);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    fclose(out);
    assert_non_null(strstr(text, "groups:      7"));
    assert_non_null(strstr(text, "skipped 4, withdrawn 1, merged 0, other-ecosystem 1"));
}

static void test_ranges(void **state)
{
    fixture *f = *state;
    /* introduced 0 / fixed 1.5, introduced 2.0 / last_affected 2.3, versions
     * 1.7 and 1.0 (inside a range already), and the GHSA's 3.0 - 3.1. */
    EXPECT(f, "foo-bar", "0.0.1.dev0", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "1.4.99", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "1.5", "");
    EXPECT(f, "foo-bar", "1.5.0", "");
    EXPECT(f, "foo-bar", "1.6", "");
    EXPECT(f, "foo-bar", "1.7", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "1.7.0", "PYSEC-2099-1"); /* PEP 440 equality */
    EXPECT(f, "foo-bar", "1.7.post1", "");
    EXPECT(f, "foo-bar", "1.99", "");
    EXPECT(f, "foo-bar", "2.0", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "2.3", "PYSEC-2099-1");  /* last_affected is inclusive */
    EXPECT(f, "foo-bar", "2.3.post1", "");
    EXPECT(f, "foo-bar", "3.0", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "3.0.9", "PYSEC-2099-1");
    EXPECT(f, "foo-bar", "3.1", "");
    /* Names are normalised (PEP 503) on both sides. */
    EXPECT(f, "Foo.BAR", "1.0", "PYSEC-2099-1");
    EXPECT(f, "foo__bar", "1.0", "PYSEC-2099-1");
    EXPECT(f, "not-there", "1.0", "");
    EXPECT(f, "in valid", "1.0", "");
    /* limit: below the limit only. */
    EXPECT(f, "limited", "0.9", "");
    EXPECT(f, "limited", "1.0", "PYSEC-2099-5");
    EXPECT(f, "limited", "1.9", "PYSEC-2099-5");
    EXPECT(f, "limited", "2.0", "");
    EXPECT(f, "limited", "5", "");
    /* Unparseable events: introduced -> from the beginning; fixed -> no end. */
    EXPECT(f, "weird", "0.1", "PYSEC-2099-6");
    EXPECT(f, "weird", "1.0", "");
    EXPECT(f, "weird2", "0.9", "");
    EXPECT(f, "weird2", "1.0", "PYSEC-2099-6");
    EXPECT(f, "weird2", "99", "PYSEC-2099-6");
    /* SEMVER ranges of PyPI packages read as PEP 440; GIT ranges ignored. */
    EXPECT(f, "semverpkg", "0.9", "");
    EXPECT(f, "semverpkg", "1.1", "PYSEC-2099-8");
    EXPECT(f, "semverpkg", "1.2", "");
    /* Only the PyPI entry of a mixed record. */
    EXPECT(f, "mixed", "0.5", "");
    EXPECT(f, "mixed", "1.0", "PYSEC-2099-4");
    EXPECT(f, "left-pad", "1.0", "");
    /* Withdrawn: gone. */
    EXPECT(f, "withdrawn-pkg", "1.0", "");
}

static void test_duplicates(void **state)
{
    fixture *f = *state;
    /* The later `modified` wins even though its text sorts first and it was
     * read first: 2021-01-01T01:00:00+02:00 is 2020-12-31T23:00:00Z. */
    EXPECT(f, "dup", "0.5", "PYSEC-2099-2");
    EXPECT(f, "dup", "1.5", "");
    vulndb_advisory a;
    airlock_error err;
    assert_int_equal(vulndb_find(f->db, "PYSEC-2099-2", &a, &err), 1);
    assert_string_equal(a.summary, "winner");
    assert_int_equal(a.n_origins, 1);
    assert_non_null(strstr(a.origins[0].origin, "PYSEC-2099-2a.json"));
    vulndb_advisory_clear(&a);
}

static void test_aliases(void **state)
{
    fixture *f = *state;
    vulndb_hits h;
    buf got = {0};
    lookup(f, "foo-bar", "3.0", &got, &h);
    assert_int_equal(h.len, 1);
    const vulndb_advisory *a = &h.items[0].adv;
    assert_string_equal(a->id, "PYSEC-2099-1");
    assert_int_equal(a->n_ids, 3);
    assert_string_equal(a->ids[0], "CVE-2099-1");
    assert_string_equal(a->ids[1], "GHSA-aaaa-bbbb-cccc");
    assert_string_equal(a->ids[2], "PYSEC-2099-1");
    /* Primary's texts, earliest published, latest modified (normalised). */
    assert_string_equal(a->summary, "Foo bar is broken");
    assert_string_equal(a->published, "2021-04-01T00:00:00Z");
    assert_string_equal(a->modified, "2022-01-01T00:00:00Z");
    /* The v3.1 vector rates it, not the v2 one nor the MODERATE label. */
    assert_int_equal(a->level, SEVERITY_CRITICAL);
    assert_true(a->score > 9.7 && a->score < 9.9);
    assert_string_equal(a->cvss_type, "CVSS_V3");
    assert_int_equal(a->n_cvss, 2);
    assert_string_equal(a->cvss[1].type, "CVSS_V2");
    assert_string_equal(a->label, "MODERATE");
    /* References: union without the duplicate. */
    assert_int_equal(a->n_refs, 3);
    assert_int_equal(a->n_origins, 2);
    assert_string_equal(a->origins[0].id, "PYSEC-2099-1");
    assert_string_equal(a->origins[0].modified, "2021-06-01T12:00:00.5Z");
    assert_int_equal(a->n_packages, 1);
    assert_string_equal(a->packages[0].name, "foo-bar");
    assert_int_equal(a->packages[0].n_fixed, 2);
    assert_string_equal(a->packages[0].fixed[0], "1.5");
    assert_string_equal(a->packages[0].fixed[1], "3.1");
    assert_int_equal(a->packages[0].n_ranges, 4);
    assert_string_equal(a->packages[0].ranges[0], "<1.5");
    assert_string_equal(a->packages[0].ranges[1], ">=2.0, <=2.3");
    assert_string_equal(a->packages[0].ranges[2], ">=3.0, <3.1");
    assert_string_equal(a->packages[0].ranges[3], "==1.7");
    /* Fix versions above the installed 3.0 only. */
    assert_int_equal(h.items[0].n_fix_versions, 1);
    assert_string_equal(h.items[0].fix_versions[0], "3.1");
    vulndb_hits_free(&h);
    lookup(f, "foo-bar", "0.1", &got, &h);
    assert_int_equal(h.items[0].n_fix_versions, 2);
    assert_string_equal(h.items[0].fix_versions[0], "1.5");
    vulndb_hits_free(&h);
    buf_free(&got);

    /* Linked through an alias that is no record: CVE beats OSV as primary. */
    EXPECT(f, "chain", "0.7", "CVE-2099-5");
    EXPECT(f, "chain", "1.5", "CVE-2099-5");
    EXPECT(f, "chain", "2.0", "");
    vulndb_advisory adv;
    airlock_error err;
    assert_int_equal(vulndb_find(f->db, "GHSA-xxxx-yyyy-zzzz", &adv, &err), 1);
    assert_string_equal(adv.id, "CVE-2099-5");
    assert_int_equal(adv.n_ids, 3);
    assert_string_equal(adv.ids[2], "OSV-2099-1");
    assert_int_equal(adv.level, SEVERITY_UNKNOWN);
    assert_true(adv.score < 0);
    vulndb_advisory_clear(&adv);
    /* Any alias, any case; unknown and withdrawn IDs are not found. */
    assert_int_equal(vulndb_find(f->db, "cve-2099-1", &adv, &err), 1);
    assert_string_equal(adv.id, "PYSEC-2099-1");
    vulndb_advisory_clear(&adv);
    assert_int_equal(vulndb_find(f->db, "PYSEC-2099-3", &adv, &err), 0);
    assert_int_equal(vulndb_find(f->db, "PYSEC-1-1", &adv, &err), 0);
    assert_int_equal(vulndb_find(f->db, "GHSA-npm0-0000-0000", &adv, &err), 0);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    airlock_error err;
    buf first = {0};
    buf_puts(&first, f->mdb.data);
    assert_int_equal(build(f, "b.mdb", false, &err), 0);
    char *a, *b;
    size_t alen, blen;
    assert_int_equal(file_read_all(first.data, 1u << 26, &a, &alen, &err), 0);
    assert_int_equal(file_read_all(f->mdb.data, 1u << 26, &b, &blen, &err), 0);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    /* The output must not exist already. */
    assert_int_equal(build(f, "b.mdb", false, &err), -1);
    assert_non_null(strstr(err.msg, "already exists"));
    free(a);
    free(b);
    buf_free(&first);
}

static void test_strict(void **state)
{
    fixture *f = *state;
    airlock_error err;
    assert_int_equal(build(f, "strict.mdb", true, &err), -1);
    assert_non_null(strstr(err.msg, "malformed record"));
    assert_int_equal(access(f->mdb.data, F_OK), -1);
}

/* ---- records written by the test (hostile or odd advisories) ---- */

/* Write `files` (name, text pairs, NULL-terminated) into a new directory
 * under the fixture's, compile it into NAME.mdb, and open it in `*db`.
 * Returns compile_sources()'s result; `*db` is NULL unless it succeeded. */
static int build_records(fixture *f, const char *name, const char *const *files, bool strict,
                         compile_totals *tot, vulndb **db, airlock_error *err)
{
    buf src = {0}, path = {0}, mdb = {0};
    buf_printf(&src, "%s/%s.src", f->dir, name);
    assert_int_equal(mkdir(src.data, 0700), 0);
    for (size_t i = 0; files[i] != NULL; i += 2) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s", src.data, files[i]);
        airlock_error werr;
        if (file_write_atomic(path.data, files[i + 1], strlen(files[i + 1]), 0600, &werr) != 0)
            fail_msg("%s", werr.msg);
    }
    buf_printf(&mdb, "%s/%s.mdb", f->dir, name);
    compile_options opt = {.strict = strict, .build_time = 1700000000};
    const char *srcs[] = {src.data};
    buf_reset(&f->warnings);
    int rc = compile_sources(srcs, 1, &opt, mdb.data, &f->d, tot, err);
    *db = NULL;
    if (rc == 0 && vulndb_open(mdb.data, db, err) != 0)
        fail_msg("%s", err->msg);
    buf_free(&src);
    buf_free(&path);
    buf_free(&mdb);
    return rc;
}

#define RECORD_HEAD(id) "{\"id\":\"" id "\",\"modified\":\"2024-01-01T00:00:00Z\","
#define AFFECTS(pkg, events)                                                                   \
    "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"" pkg "\"},"              \
    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[" events "]}]}]"

/* Look up in another database than the fixture's. */
static void expect_in(vulndb *db, const char *name, const char *ver, const char *ids)
{
    fixture g = {.db = db};
    EXPECT(&g, name, ver, ids);
}

/* The two limit cases of docs/matching.md: an unparseable limit is no bound
 * (it does not narrow the range to the other limits), and a limit
 * containing '*' is infinity. */
static void test_limits(void **state)
{
    fixture *f = *state;
    static const char *const files[] = {
        "a.json", RECORD_HEAD("PYSEC-2099-100") AFFECTS("lim-bad",
            "{\"introduced\":\"0\"},{\"limit\":\"1.0\"},{\"limit\":\"foo\"}") "}",
        "b.json", RECORD_HEAD("PYSEC-2099-101") AFFECTS("lim-star",
            "{\"introduced\":\"1.0\"},{\"limit\":\"1.5\"},{\"limit\":\"2.*\"}") "}",
        "c.json", RECORD_HEAD("PYSEC-2099-102") AFFECTS("lim-ok",
            "{\"introduced\":\"1.0\"},{\"limit\":\"1.5\"},{\"limit\":\"1.2\"}") "}",
        NULL};
    compile_totals tot;
    vulndb *db;
    airlock_error err;
    assert_int_equal(build_records(f, "limits", files, false, &tot, &db, &err), 0);
    expect_in(db, "lim-bad", "0.5", "PYSEC-2099-100");
    expect_in(db, "lim-bad", "1.5", "PYSEC-2099-100");
    expect_in(db, "lim-bad", "99", "PYSEC-2099-100");
    assert_non_null(strstr(f->warnings.data, "limit 'foo' is not a PEP 440 version"));
    expect_in(db, "lim-star", "0.9", "");
    expect_in(db, "lim-star", "1.7", "PYSEC-2099-101");
    expect_in(db, "lim-star", "3.0", "PYSEC-2099-101");
    /* valid limits still bound: below the highest */
    expect_in(db, "lim-ok", "1.4", "PYSEC-2099-102");
    expect_in(db, "lim-ok", "1.5", "");
    vulndb_close(db);
}

/* Records that used to be dropped as "invalid JSON" over text that is not
 * valid Unicode or a free-form field nested too deep are kept; what is still
 * skipped is counted in the provenance, and --strict refuses it. */
static void test_hostile_records(void **state)
{
    fixture *f = *state;
    buf deep = {0};
    buf_puts(&deep, RECORD_HEAD("PYSEC-2099-201") "\"database_specific\":{\"severity\":\"HIGH\","
                    "\"x\":");
    for (int i = 0; i < 100000; i++)
        buf_puts(&deep, "{\"a\":[");
    for (int i = 0; i < 100000; i++)
        buf_puts(&deep, "]}");
    buf_puts(&deep, "}," AFFECTS("deep", "{\"introduced\":\"0\"}") "}");
    buf deep_eco = {0};
    buf_puts(&deep_eco, RECORD_HEAD("PYSEC-2099-202")
             "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"deep-eco\"},"
             "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}],"
             "\"database_specific\":");
    for (int i = 0; i < 70; i++)
        buf_putc(&deep_eco, '[');
    for (int i = 0; i < 70; i++)
        buf_putc(&deep_eco, ']');
    buf_puts(&deep_eco, "}],\"ecosystem_specific\":");
    for (int i = 0; i < 70; i++)
        buf_puts(&deep_eco, "{\"k\":");
    buf_puts(&deep_eco, "1");
    for (int i = 0; i < 70; i++)
        buf_putc(&deep_eco, '}');
    buf_puts(&deep_eco, ",\"database\\u005fspecific\":");
    for (int i = 0; i < 70; i++)
        buf_putc(&deep_eco, '[');
    for (int i = 0; i < 70; i++)
        buf_putc(&deep_eco, ']');
    buf_puts(&deep_eco, "}]}");
    const char *const files[] = {
        /* a lone high surrogate, a reversed pair, a real pair */
        "lone.json", RECORD_HEAD("PYSEC-2099-200")
            "\"summary\":\"a\\ud800b \\udc00\\ud800 \\ud83d\\ude00\","
            AFFECTS("lone", "{\"introduced\":\"0\"}") "}",
        "deep.json", deep.data,
        "deepeco.json", deep_eco.data,
        /* NUL is replaced, not a cut */
        "nul.json", RECORD_HEAD("PYSEC-2099-203") "\"details\":\"before\\u0000after\","
            AFFECTS("nul", "{\"introduced\":\"0\"}") "}",
        /* types outside the schema's enums: the field goes, the record stays */
        "types.json", RECORD_HEAD("PYSEC-2099-204")
            "\"severity\":[{\"type\":\"CVSS_V3\\u001b[2J\",\"score\":"
            "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
            "\"references\":[{\"type\":\"WEB\\u009b\",\"url\":\"https://example.org/x\"}],"
            AFFECTS("types", "{\"introduced\":\"0\"}") "}",
        /* still unreadable: raw invalid UTF-8 */
        "latin1.json", RECORD_HEAD("PYSEC-2099-205") "\"summary\":\"caf\xe9\"}",
        NULL};
    compile_totals tot;
    vulndb *db;
    airlock_error err;
    assert_int_equal(build_records(f, "hostile", files, false, &tot, &db, &err), 0);
    assert_int_equal(tot.records_kept, 5);
    assert_int_equal(tot.records_skipped, 1);

    vulndb_advisory a;
    assert_int_equal(vulndb_find(db, "PYSEC-2099-200", &a, &err), 1);
    assert_string_equal(a.summary, "a\xef\xbf\xbd" "b \xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80");
    vulndb_advisory_clear(&a);
    assert_int_equal(vulndb_find(db, "PYSEC-2099-201", &a, &err), 1);
    assert_string_equal(a.label, "HIGH"); /* read from the skipped object */
    assert_int_equal(a.level, SEVERITY_HIGH);
    vulndb_advisory_clear(&a);
    expect_in(db, "deep", "1.0", "PYSEC-2099-201");
    expect_in(db, "deep-eco", "1.0", "PYSEC-2099-202");
    assert_int_equal(vulndb_find(db, "PYSEC-2099-203", &a, &err), 1);
    assert_string_equal(a.details, "before\xef\xbf\xbd" "after");
    vulndb_advisory_clear(&a);
    assert_int_equal(vulndb_find(db, "PYSEC-2099-204", &a, &err), 1);
    assert_int_equal(a.n_cvss, 0);
    assert_true(a.score < 0);
    assert_int_equal(a.n_refs, 1);
    assert_string_equal(a.refs[0].type, "WEB");
    assert_string_equal(a.refs[0].url, "https://example.org/x");
    vulndb_advisory_clear(&a);
    assert_non_null(strstr(f->warnings.data, "severity type 'CVSS_V3?[2J' is not in the OSV"));
    assert_non_null(strstr(f->warnings.data, "reference type 'WEB?' is not in the OSV"));
    assert_non_null(strstr(f->warnings.data, "latin1.json: not valid UTF-8"));
    assert_null(strchr(f->warnings.data, '\x1b'));

    vulndb_info info;
    assert_int_equal(vulndb_get_info(db, &info, &err), 0);
    assert_int_equal(info.sources[0].skipped, 1);
    assert_int_equal(info.sources[0].records, 6);
    vulndb_info_clear(&info);
    vulndb_close(db);

    /* --strict: the unreadable file fails the build. */
    assert_int_equal(build_records(f, "hostile-strict", files, true, &tot, &db, &err), -1);
    assert_non_null(strstr(err.msg, "1 record file could not be read"));
    assert_null(db);
    buf_free(&deep);
    buf_free(&deep_eco);
}

static void test_open_fails_closed(void **state)
{
    fixture *f = *state;
    airlock_error err;
    vulndb *db;
    buf p = {0};
    buf_printf(&p, "%s/missing.mdb", f->dir);
    assert_int_equal(vulndb_open(p.data, &db, &err), -1);
    buf_reset(&p);
    buf_printf(&p, "%s/garbage.mdb", f->dir);
    FILE *g = fopen(p.data, "w");
    for (int i = 0; i < 3000; i++)
        fputs("not lmdb ", g);
    fclose(g);
    assert_int_equal(vulndb_open(p.data, &db, &err), -1);
    /* A database of another schema version. */
    buf_reset(&p);
    buf_printf(&p, "%s/schema99.mdb", f->dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    assert_int_equal(mdb_env_open(env, p.data, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    static const char *const names[] = {"meta", "pkg", "adv", "ids"};
    for (int i = 3; i >= 0; i--)
        assert_int_equal(mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi), 0);
    MDB_val k = {6, "schema"}, v = {2, "99"};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(vulndb_open(p.data, &db, &err), -1);
    assert_non_null(strstr(err.msg, "schema 99"));
    buf_free(&p);
}

static void test_timestamps(void **state)
{
    (void)state;
    char out[64];
    airlock_error err;
    static const char *const cases[][2] = {
        {"2021-11-24T18:15:00Z", "2021-11-24T18:15:00Z"},
        {"2021-11-24 18:15:00", "2021-11-24T18:15:00Z"},
        {"2021-11-24t18:15:00.120z", "2021-11-24T18:15:00.12Z"},
        {"2021-11-24T18:15:00.000Z", "2021-11-24T18:15:00Z"},
        {"2021-01-01T01:00:00+02:00", "2020-12-31T23:00:00Z"},
        {"2020-02-29T23:30:00-01:00", "2020-03-01T00:30:00Z"},
        {"2021-11-24T18:15:00 +0530", "2021-11-24T12:45:00Z"},
        {"1-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (timestamp_normalize(cases[i][0], out, &err) != 0)
            fail_msg("%s: %s", cases[i][0], err.msg);
        assert_string_equal(out, cases[i][1]);
    }
    static const char *const bad[] = {
        "", "2021", "2021-13-01T00:00:00Z", "2021-02-29T00:00:00Z", "2021-11-24T24:00:00Z",
        "2021-11-24T18:15:00X", "2021-11-24T18:15:00.Z", "2021-11-24T18:15:00+25:00",
        "2021-11-24X18:15:00Z", "12345-01-01T00:00:00Z", "2021-11-24T18:15:00Zjunk",
        "2021-1-24T18:15:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (timestamp_normalize(bad[i], out, &err) == 0)
            fail_msg("accepted '%s'", bad[i]);
    assert_true(timestamp_compare("2021-01-01T00:00:00Z", "2021-01-01T00:00:00.5Z") < 0);
    assert_true(timestamp_compare("2021-01-01T00:00:00.25Z", "2021-01-01T00:00:00.3Z") < 0);
    assert_int_equal(timestamp_compare("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:00.5Z"), 0);
    assert_true(timestamp_compare("2022-01-01T00:00:00Z", "2021-12-31T23:59:59.9Z") > 0);
}

static void test_ids(void **state)
{
    (void)state;
    assert_true(osv_id_valid("PYSEC-2021-1"));
    assert_true(osv_id_valid("GHSA-8r7q-cvjq-x353"));
    assert_true(osv_id_valid("RUSTSEC-2020-0001"));
    assert_true(osv_id_valid("openSUSE-SU-2024:1234-1"));
    assert_false(osv_id_valid(""));
    assert_false(osv_id_valid("PYSEC"));
    assert_false(osv_id_valid("PYSEC-"));
    assert_false(osv_id_valid("-1"));
    assert_false(osv_id_valid("PY SEC-1"));
    assert_false(osv_id_valid("PYSEC-1/2"));
    assert_true(merge_id_preference("PYSEC-2021-1", "GHSA-aaaa-bbbb-cccc") < 0);
    assert_true(merge_id_preference("GHSA-aaaa-bbbb-cccc", "CVE-2021-1") < 0);
    assert_true(merge_id_preference("CVE-2021-1", "OSV-2021-1") < 0);
    assert_true(merge_id_preference("PYSEC-2021-10", "PYSEC-2021-9") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_open_fails_closed),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_hostile_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
