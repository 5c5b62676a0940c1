/* Tests for scanner/sitepackages on tests/data/sitepackages (see its
 * make_fixtures.py for what each entry exercises). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/sitepackages.h"

typedef struct warnings {
    buf text; /* "FILE:LINE: MSG\n" per warning */
} warnings;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    warnings *w = arg;
    buf_printf(&w->text, "%s:%u: %s\n", file ? file : "-", line, msg);
}

static char site[1024];
static dep_list deps;
static warnings warns;
static diag dg;

static int setup(void **state)
{
    (void)state;
    const char *data = getenv("AIRLOCK_TEST_DATA");
    snprintf(site, sizeof site, "%s/sitepackages/site", data ? data : "tests/data");
    memset(&deps, 0, sizeof deps);
    memset(&warns, 0, sizeof warns);
    dg.fn = collect;
    dg.arg = &warns;
    dg.warnings = 0;
    airlock_error err = {{0}};
    if (sitepackages_scan(site, &deps, &dg, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dep_list_free(&deps);
    buf_free(&warns.text);
    return 0;
}

/* The n-th (0-based) dependency called `name`, or NULL. */
static const dependency *find_nth(const char *name, int n)
{
    for (size_t i = 0; i < deps.len; i++)
        if (strcmp(deps.items[i].name, name) == 0 && n-- == 0)
            return &deps.items[i];
    return NULL;
}

static const dependency *find(const char *name)
{
    return find_nth(name, 0);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool warned(const char *needle1, const char *needle2)
{
    for (const char *l = warns.text.data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char *line = strndup(l, n);
        bool hit = strstr(line, needle1) && (!needle2 || strstr(line, needle2));
        free(line);
        if (hit)
            return true;
        l = e ? e + 1 : l + n;
    }
    return false;
}

static void test_dist_info(void **state)
{
    (void)state;
    const dependency *d = find("requests");
    assert_non_null(d);
    assert_int_equal(d->kind, DEP_INSTALLED);
    assert_string_equal(d->normalized, "requests");
    assert_string_equal(d->version_text, "2.31.0");
    assert_true(d->has_version);
    assert_null(d->skip_reason);
    assert_false(d->editable);
    assert_true(ends_with(d->source_file, "/requests-2.31.0.dist-info/METADATA"));
    assert_true(ends_with(d->location, "/requests-2.31.0.dist-info"));
    assert_int_equal(d->source_line, 0);
    /* Metadata-Version 1.0 to 2.4 all read. */
    const char *names[] = {"attrs", "six", "oldstyle", "onepointone", "onepointtwo", "twotwo",
                           "twothree"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_non_null(find(names[i]));
        assert_true(find(names[i])->has_version);
    }
    assert_true(ends_with(find("oldstyle")->source_file, ".egg-info/PKG-INFO"));
}

static void test_odd_text(void **state)
{
    (void)state;
    assert_string_equal(find("CRLF_Pkg")->normalized, "crlf-pkg");
    assert_string_equal(find("CRLF_Pkg")->version_text, "1.0");
    assert_string_equal(find("cr-pkg")->version_text, "1.1");
    assert_string_equal(find("noeol")->version_text, "0.3");
    assert_string_equal(find("MixedCase")->normalized, "mixedcase");
    assert_string_equal(find("repeat")->version_text, "1.0");
    assert_null(find("other"));
    assert_string_equal(find("folded")->version_text, "3.1");
    assert_string_equal(find("fromline")->version_text, "1.0");
    assert_string_equal(find("colonfirst")->version_text, "1.0");
    /* Name and Version exactly as importlib gives them; trimmed to check. */
    const dependency *d = find("spacey  ");
    assert_non_null(d);
    assert_string_equal(d->normalized, "spacey");
    assert_string_equal(d->version_text, "0.1 ");
    assert_true(d->has_version);
    d = find("\nfoldname");
    assert_non_null(d);
    assert_string_equal(d->normalized, "foldname");
    /* Body lines that look like headers never count. */
    assert_null(find("evil"));
    assert_null(find("not-a-dist"));
}

static void test_bom(void **state)
{
    (void)state;
    const dependency *d = find("bom-pkg");
    assert_non_null(d);
    assert_true(d->has_version);
    assert_true(warned("bom_pkg-4.0.dist-info/METADATA:1:", "byte-order mark"));
}

static void test_fallbacks(void **state)
{
    (void)state;
    assert_true(ends_with(find("pkginfo-only")->source_file, "pkginfo_only-1.0.dist-info/PKG-INFO"));
    assert_true(ends_with(find("empty-meta")->source_file, "empty_meta-2.0.dist-info/PKG-INFO"));
    /* A dist-info that is a plain file, a single-file egg-info. */
    assert_true(ends_with(find("plainfile")->source_file, "/plainfile-0.2.dist-info"));
    assert_true(ends_with(find("single")->source_file, "/single-0.5-py3.11.egg-info"));
    assert_non_null(find("UPPER"));
    /* The file's Name counts, not the folder's. */
    assert_string_equal(find("really-y")->version_text, "1.2.3");
}

static void test_not_distributions(void **state)
{
    (void)state;
    assert_true(warned("nometa-1.0.dist-info:0:", "no METADATA"));
    assert_true(warned("noname-1.0.dist-info/METADATA:0:", "no Name"));
    assert_true(warned("spacedcolon-1.0.dist-info/METADATA", "no Name"));
    for (size_t i = 0; i < deps.len; i++) {
        assert_null(strstr(deps.items[i].source_file, "nometa"));
        assert_null(strstr(deps.items[i].source_file, "noname"));
        assert_non_null(deps.items[i].normalized);
    }
}

static void test_unchecked(void **state)
{
    (void)state;
    const dependency *d = find("noversion");
    assert_non_null(d);
    assert_null(d->version_text);
    assert_false(d->has_version);
    assert_string_equal(d->skip_reason, "no Version field");
    d = find("cutoff"); /* its Version fell into the body */
    assert_string_equal(d->skip_reason, "no Version field");
    d = find("badver");
    assert_false(d->has_version);
    assert_string_equal(d->version_text, "not a version!");
    assert_string_equal(d->skip_reason, "invalid version 'not a version!'");
    assert_true(warned("badver-1.0.dist-info/METADATA:3:", "invalid version"));
    d = find("bad name!");
    assert_non_null(d);
    assert_non_null(d->normalized);
    assert_string_equal(d->skip_reason, "invalid project name 'bad name!'");
    assert_true(warned("bad_name-1.0.dist-info/METADATA:2:", "invalid project name"));
    assert_true(find("localver")->has_version);
}

static void test_duplicates(void **state)
{
    (void)state;
    const dependency *a = find_nth("dup", 0), *b = find_nth("dup", 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(find_nth("dup", 2));
    assert_string_not_equal(a->version_text, b->version_text);
}

static void test_eggs(void **state)
{
    (void)state;
    const dependency *d = find("eggdir");
    assert_non_null(d);
    assert_true(ends_with(d->source_file, "eggdir-1.2-py3.11.egg/EGG-INFO/PKG-INFO"));
    assert_string_equal(d->version_text, "1.2");
    d = find("zipped_egg");
    assert_non_null(d);
    assert_string_equal(d->normalized, "zipped-egg");
    assert_string_equal(d->version_text, "3.0");
    assert_true(ends_with(d->source_file, "zipped_egg-3.0-py3.11.egg"));
}

static void test_editables(void **state)
{
    (void)state;
    const dependency *d = find("devpkg");
    assert_non_null(d);
    assert_true(d->editable);
    assert_true(ends_with(d->location, "editable_src/devpkg"));
    assert_true(ends_with(d->source_file, "devpkg/devpkg.egg-info/PKG-INFO"));
    assert_string_equal(d->version_text, "0.1.dev0");
    d = find("pep660");
    assert_true(d->editable);
    assert_string_equal(d->location, "/work/src/pep 660");
    d = find("gitdep"); /* direct_url.json without dir_info */
    assert_false(d->editable);
    assert_true(ends_with(d->location, "gitdep-1.0.dist-info"));
    d = find("gone");
    assert_non_null(d);
    assert_true(d->editable);
    assert_false(d->has_version);
    assert_non_null(strstr(d->skip_reason, "not found"));
    assert_true(warned("gone.egg-link:1:", "/nonexistent/airlock/gone"));
}

static void write_at(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* direct_url.json is only looked at when a .pth file could make the
 * editable install importable. */
static void test_editable_needs_pth(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-sp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/ed-1.0.dist-info", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_at(dir, "ed-1.0.dist-info/METADATA", "Name: ed\nVersion: 1.0\n");
    write_at(dir, "ed-1.0.dist-info/direct_url.json",
             "{\"url\": \"file:///src/ed\", \"dir_info\": {\"editable\": true}}");
    dep_list l = {0};
    airlock_error err = {{0}};
    assert_int_equal(sitepackages_scan(dir, &l, NULL, &err), 0);
    assert_int_equal(l.len, 1);
    assert_false(l.items[0].editable);
    dep_list_free(&l);
    write_at(dir, "_ed.pth", "/src/ed\n");
    assert_int_equal(sitepackages_scan(dir, &l, NULL, &err), 0);
    assert_true(l.items[0].editable);
    assert_string_equal(l.items[0].location, "/src/ed");
    dep_list_free(&l);
    /* A broken direct_url.json is a warning, not a failure. */
    write_at(dir, "ed-1.0.dist-info/direct_url.json", "{\"url\": ");
    warnings w = {0};
    diag d = {collect, &w, 0};
    assert_int_equal(sitepackages_scan(dir, &l, &d, &err), 0);
    assert_int_equal(l.len, 1);
    assert_false(l.items[0].editable);
    assert_non_null(strstr(w.text.data, "direct_url.json"));
    dep_list_free(&l);
    buf_free(&w.text);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_deterministic_and_counted(void **state)
{
    (void)state;
    dep_list again = {0};
    diag quiet = {0};
    quiet.fn = collect;
    warnings w = {0};
    quiet.arg = &w;
    airlock_error err = {{0}};
    assert_int_equal(sitepackages_scan(site, &again, &quiet, &err), 0);
    assert_int_equal(again.len, deps.len);
    for (size_t i = 0; i < deps.len; i++)
        assert_string_equal(again.items[i].source_file, deps.items[i].source_file);
    assert_int_equal(quiet.warnings, dg.warnings);
    assert_true(dg.warnings >= 9);
    dep_list_free(&again);
    buf_free(&w.text);
}

static void test_scanner_reuse_and_errors(void **state)
{
    (void)state;
    dep_list l = {0};
    site_scanner *s = site_scanner_new(&l, NULL);
    airlock_error err = {{0}};
    assert_int_equal(site_scanner_scan(s, site, &err), 0);
    size_t n = l.len;
    /* The same directory by another path is read once. */
    char other[1100];
    snprintf(other, sizeof other, "%s/../site/", site);
    assert_int_equal(site_scanner_scan(s, other, &err), 1);
    assert_int_equal(l.len, n);
    /* Missing entries: an error for one, silence in a list. */
    assert_int_equal(site_scanner_scan(s, "/nonexistent/airlock", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/airlock"));
    char egg[1100];
    snprintf(egg, sizeof egg, "%s/zipped_egg-3.0-py3.11.egg", site);
    const char *list[] = {"/nonexistent/python311.zip", site, egg};
    assert_int_equal(site_scanner_scan_list(s, list, 3), 0);
    assert_int_equal(l.len, n);
    site_scanner_free(s);
    dep_list_free(&l);
    /* A zipped egg as a sys.path entry of its own. */
    s = site_scanner_new(&l, NULL);
    assert_int_equal(site_scanner_scan_list(s, list + 2, 1), 0);
    assert_int_equal(l.len, 1);
    assert_string_equal(l.items[0].normalized, "zipped-egg");
    assert_string_equal(l.items[0].source_file, egg);
    site_scanner_free(s);
    dep_list_free(&l);
    /* A file is not a directory. */
    char file[1100];
    snprintf(file, sizeof file, "%s/module.py", site);
    assert_int_equal(sitepackages_scan(file, &l, NULL, &err), -1);
    assert_int_equal(l.len, 0);
}

/* A METADATA that cannot be read (a FIFO: O_NONBLOCK reads nothing from it
 * where importlib would wait forever) is one warning for its folder,
 * "unreadable metadata: ... not a regular file", not "no METADATA or
 * PKG-INFO" (it has one) nor an empty file's silence. */
static void test_unreadable_warned_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-site-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/fifo-1.0.dist-info", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/fifo-1.0.dist-info/METADATA", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    dep_list l = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    airlock_error err = {{0}};
    assert_int_equal(sitepackages_scan(dir, &l, &d, &err), 0);
    assert_int_equal(l.len, 0);
    assert_int_equal(d.warnings, 1);
    assert_non_null(strstr(w.text.data, "fifo-1.0.dist-info/METADATA:0: unreadable metadata"));
    assert_non_null(strstr(w.text.data, "not a regular file"));
    assert_null(strstr(w.text.data, "no METADATA"));
    dep_list_free(&l);
    buf_free(&w.text);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/fifo-1.0.dist-info", dir);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* A NUL inside Name or Version (metadata keeps it: importlib would too)
 * makes the name or the version invalid, shown with the NUL as '?'. */
static void write_metadata(const char *root, const char *dist, const char *text, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", root, dist);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/%s/METADATA", root, dist);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void test_nul_in_name_or_version(void **state)
{
    (void)state;
    char root[] = "/tmp/airlock-sp-nul-XXXXXX";
    assert_non_null(mkdtemp(root));
    static const char name[] = "Metadata-Version: 2.1\nName: nul\0name\nVersion: 1.0\n\n";
    static const char ver[] = "Metadata-Version: 2.1\nName: nulver\nVersion: 1.\0\n\n";
    static const char ok[] = "Metadata-Version: 2.1\nName: fine\nVersion: 1.0\n\n";
    write_metadata(root, "a-1.0.dist-info", name, sizeof name - 1);
    write_metadata(root, "b-1.0.dist-info", ver, sizeof ver - 1);
    write_metadata(root, "c-1.0.dist-info", ok, sizeof ok - 1);
    dep_list l = {0};
    airlock_error err;
    assert_int_equal(sitepackages_scan(root, &l, NULL, &err), 0);
    assert_int_equal(l.len, 3);
    assert_false(l.items[0].has_version);
    assert_non_null(l.items[0].skip_reason);
    assert_string_equal(l.items[0].skip_reason, "invalid project name 'nul'");
    assert_string_equal(l.items[0].normalized, "nul?name");
    assert_false(l.items[1].has_version);
    assert_string_equal(l.items[1].normalized, "nulver");
    assert_non_null(l.items[1].skip_reason);
    assert_memory_equal(l.items[1].skip_reason, "invalid version '1.", 19);
    assert_true(l.items[2].has_version);
    assert_null(l.items[2].skip_reason);
    dep_list_free(&l);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* dep_list_strings(): blocks from the list's pool keep their bytes while
 * later blocks fill slabs, take slabs of their own (large ones) or are
 * empty; a field may still be replaced by a string of its own; a
 * dependency may be cleared early or move within the list. ASan checks
 * that everything is freed exactly once by dep_list_free(). */
static void test_pooled_strings(void **state)
{
    (void)state;
    dep_list l = {0};
    enum { N = 3000 };
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        /* Mostly small; every 500th larger than a quarter slab; some 0. */
        sizes[i] = i % 500 == 7 ? 40000 + i : i % 97 == 0 ? 0 : 1 + (i * 37) % 300;
        dependency *d = dep_list_add(&l);
        char *p = dep_list_strings(&l, d, sizes[i]);
        if (sizes[i] > 0) {
            memset(p, (int)('a' + i % 26), sizes[i] - 1);
            p[sizes[i] - 1] = '\0';
            d->name = p;
        }
        if (i % 3 == 0)
            d->skip_reason = strdup("own allocation"); /* outside the block */
    }
    for (size_t i = 0; i < N; i++) {
        const dependency *d = &l.items[i];
        if (sizes[i] == 0) {
            assert_null(d->name);
            continue;
        }
        assert_int_equal(strlen(d->name), sizes[i] - 1);
        for (size_t k = 0; k + 1 < sizes[i]; k++)
            if (d->name[k] != (char)('a' + i % 26))
                fail_msg("dependency %zu: byte %zu overwritten", i, k);
    }
    /* Clear one early and close the gap, as scan_drop_dev() does. */
    dependency_clear(&l.items[5]);
    memmove(&l.items[5], &l.items[6], (l.len - 6) * sizeof l.items[0]);
    l.len--;
    assert_int_equal(strlen(l.items[5].name), sizes[6] - 1);
    dep_list_free(&l);
    assert_null(l.items);
    dep_list_free(&l); /* an empty list too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_info),
        cmocka_unit_test(test_odd_text),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_not_distributions),
        cmocka_unit_test(test_unchecked),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_eggs),
        cmocka_unit_test(test_editables),
        cmocka_unit_test(test_editable_needs_pth),
        cmocka_unit_test(test_deterministic_and_counted),
        cmocka_unit_test(test_scanner_reuse_and_errors),
        cmocka_unit_test(test_unreadable_warned_once),
        cmocka_unit_test(test_pooled_strings),
        cmocka_unit_test(test_nul_in_name_or_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
