/* Tests for scanner/drift.c: each status, markers, name spellings, several
 * declarations of one name, one name installed twice, the inputs that make
 * a scan "checked", from hand-built reports and from the real readers. */
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

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/name.h"
#include "scanner/drift.h"
#include "scanner/inputs/markers.h"
#include "scanner/inputs/requirements.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/inputs/sitepackages.h"
#include "scanner/reports/report.h"

/* ---- building reports by hand ---- */

static void add_input(scan_report *r, input_kind kind, const char *path)
{
    r->inputs = xrealloc(r->inputs, (r->n_inputs + 1) * sizeof *r->inputs);
    memset(&r->inputs[r->n_inputs], 0, sizeof *r->inputs);
    r->inputs[r->n_inputs].kind = kind;
    r->inputs[r->n_inputs++].path = xstrdup(path);
}

static dependency *dep(scan_report *r, dep_kind kind, const char *name, const char *file,
                       unsigned line)
{
    dependency *d = dep_list_add(&r->deps);
    d->kind = kind;
    d->name = xstrdup(name);
    d->normalized = name_canonicalize(name, strlen(name));
    d->source_file = xstrdup(file);
    d->source_line = line;
    return d;
}

static void set_version(dependency *d, const char *v)
{
    airlock_error e;
    d->version_text = xstrdup(v);
    assert_int_equal(version_parse(&d->version, v, strlen(v), &e), 0);
    d->has_version = true;
}

static dependency *pin(scan_report *r, const char *name, const char *v, const char *file,
                       unsigned line)
{
    dependency *d = dep(r, DEP_REQUIREMENT, name, file, line);
    set_version(d, v);
    return d;
}

static dependency *range(scan_report *r, const char *name, const char *spec, const char *file,
                         unsigned line)
{
    dependency *d = dep(r, DEP_REQUIREMENT, name, file, line);
    d->specifier = xstrdup(spec);
    d->skip_reason = xstrdup("not pinned to an exact version");
    return d;
}

static dependency *installed(scan_report *r, const char *name, const char *v, const char *loc)
{
    dependency *d = dep(r, DEP_INSTALLED, name, "METADATA", 0);
    set_version(d, v);
    d->location = xstrdup(loc);
    return d;
}

static void both_inputs(scan_report *r)
{
    add_input(r, INPUT_REQUIREMENTS, "requirements.txt");
    add_input(r, INPUT_VENV, ".venv");
}

static void compute(scan_report *r)
{
    airlock_error err = {{0}};
    assert_int_equal(drift_compute(r, &err), 0);
}

/* Item i is (name, status, declared, installed, location). */
static void expect(const scan_report *r, size_t i, const char *name, drift_status st,
                   const char *declared, const char *inst, const char *loc)
{
    assert_true(i < r->n_drift);
    const drift_item *it = &r->drift[i];
    assert_string_equal(it->name, name);
    assert_string_equal(drift_status_name(it->status), drift_status_name(st));
    if (declared == NULL)
        assert_null(it->declared);
    else
        assert_string_equal(it->declared, declared);
    if (inst == NULL)
        assert_null(it->installed);
    else
        assert_string_equal(it->installed, inst);
    if (loc == NULL)
        assert_null(it->installed_location);
    else
        assert_string_equal(it->installed_location, loc);
}

/* ---- the statuses ---- */

static void test_each_status(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    pin(&r, "flask", "2.0.1", "requirements.txt", 1);
    pin(&r, "requests", "2.31.0", "requirements.txt", 2);
    range(&r, "openai", "", "requirements.txt", 3);
    range(&r, "click", ">=8", "requirements.txt", 4);
    range(&r, "jinja2", ">=3.0", "requirements.txt", 5);
    pin(&r, "itsdangerous", "2.1.2", "requirements.txt", 6);
    installed(&r, "flask", "2.2.0", "/sp/flask-2.2.0.dist-info");
    installed(&r, "openai", "1.3.0", "/sp/openai-1.3.0.dist-info");
    installed(&r, "click", "8.1.7", "/sp/click-8.1.7.dist-info");
    installed(&r, "jinja2", "2.11.3", "/sp/jinja2-2.11.3.dist-info");
    installed(&r, "itsdangerous", "2.1.2", "/sp/itsdangerous-2.1.2.dist-info");
    installed(&r, "six", "1.16.0", "/sp/six-1.16.0.dist-info");
    compute(&r);
    assert_true(r.drift_checked);
    /* Sorted by name: click, flask, jinja2, openai, requests, six;
     * itsdangerous agrees. */
    assert_int_equal(r.n_drift, 6);
    expect(&r, 0, "click", DRIFT_UNPINNED, ">=8", "8.1.7", "/sp/click-8.1.7.dist-info");
    expect(&r, 1, "flask", DRIFT_VERSION_DIFFERS, "2.0.1", "2.2.0", "/sp/flask-2.2.0.dist-info");
    assert_string_equal(r.drift[1].declared_file, "requirements.txt");
    assert_int_equal(r.drift[1].declared_line, 1);
    /* A range the installed version falls outside is no "unpinned": the
     * environment disagrees with what is declared. */
    expect(&r, 2, "jinja2", DRIFT_VERSION_DIFFERS, ">=3.0", "2.11.3",
           "/sp/jinja2-2.11.3.dist-info");
    expect(&r, 3, "openai", DRIFT_UNPINNED, "", "1.3.0", "/sp/openai-1.3.0.dist-info");
    expect(&r, 4, "requests", DRIFT_NOT_INSTALLED, "2.31.0", NULL, NULL);
    assert_int_equal(r.drift[4].declared_line, 2);
    expect(&r, 5, "six", DRIFT_NOT_DECLARED, NULL, "1.16.0", "/sp/six-1.16.0.dist-info");
    assert_null(r.drift[5].declared_file);
    assert_int_equal(r.drift[5].declared_line, 0);
    for (size_t i = 0; i < r.n_drift; i++)
        assert_true(i == 0 || strcmp(r.drift[i - 1].name, r.drift[i].name) <= 0);
    scan_report_free(&r);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(drift_status_name(DRIFT_VERSION_DIFFERS), "version-differs");
    assert_string_equal(drift_status_name(DRIFT_NOT_INSTALLED), "not-installed");
    assert_string_equal(drift_status_name(DRIFT_NOT_DECLARED), "not-declared");
    assert_string_equal(drift_status_name(DRIFT_UNPINNED), "unpinned");
}

/* ---- when drift is checked ---- */

static void test_not_checked_without_both(void **state)
{
    (void)state;
    static const input_kind declared[] = {INPUT_REQUIREMENTS, INPUT_LOCKFILE, INPUT_PYPROJECT};
    static const input_kind inst[] = {INPUT_PATH, INPUT_VENV, INPUT_PYTHON};
    for (size_t i = 0; i < 3; i++) {
        /* Declared alone, installed alone, either with an SBOM (which is
         * neither): nothing to compare, so not checked and no items. */
        scan_report a = {0}, b = {0};
        add_input(&a, declared[i], "in");
        add_input(&a, INPUT_SBOM, "bom.json");
        pin(&a, "flask", "2.0.1", "in", 1);
        compute(&a);
        assert_false(a.drift_checked);
        assert_int_equal(a.n_drift, 0);
        add_input(&b, inst[i], "in");
        add_input(&b, INPUT_SBOM, "bom.json");
        installed(&b, "flask", "2.0.1", "/sp");
        compute(&b);
        assert_false(b.drift_checked);
        assert_int_equal(b.n_drift, 0);
        scan_report_free(&a);
        scan_report_free(&b);
        for (size_t j = 0; j < 3; j++) {
            scan_report c = {0};
            add_input(&c, declared[i], "in");
            add_input(&c, inst[j], "env");
            compute(&c);
            assert_true(c.drift_checked); /* checked and clean: an empty list */
            assert_int_equal(c.n_drift, 0);
            assert_null(c.drift);
            scan_report_free(&c);
        }
    }
}

static void test_sbom_components_take_no_part(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    add_input(&r, INPUT_SBOM, "bom.json");
    dependency *s = dep(&r, DEP_SBOM, "flask", "bom.json", 3);
    set_version(s, "1.0");
    dep(&r, DEP_SBOM, "urllib3", "bom.json", 9)->skip_reason = xstrdup("no version");
    compute(&r);
    assert_true(r.drift_checked);
    assert_int_equal(r.n_drift, 0); /* neither not-installed nor not-declared */
    scan_report_free(&r);
}

/* ---- versions and names ---- */

static void test_pins_compare_as_pep440(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    pin(&r, "flask", "2.0", "requirements.txt", 1);
    installed(&r, "flask", "2.0.0", "/sp/flask");
    pin(&r, "zope", "1.0", "requirements.txt", 2);
    installed(&r, "zope", "1.0.post1", "/sp/zope");
    compute(&r);
    assert_int_equal(r.n_drift, 1); /* 2.0 == 2.0.0; a post release differs */
    expect(&r, 0, "zope", DRIFT_VERSION_DIFFERS, "1.0", "1.0.post1", "/sp/zope");
    scan_report_free(&r);
}

static void test_names_normalised(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    pin(&r, "Flask_SQLAlchemy", "3.0.0", "requirements.txt", 1);
    installed(&r, "flask.sqlalchemy", "3.1.1", "/sp/flask_sqlalchemy");
    pin(&r, "MarkupSafe", "2.1.3", "requirements.txt", 2);
    installed(&r, "markupsafe", "2.1.3", "/sp/markupsafe");
    compute(&r);
    assert_int_equal(r.n_drift, 1);
    expect(&r, 0, "flask-sqlalchemy", DRIFT_VERSION_DIFFERS, "3.0.0", "3.1.1",
           "/sp/flask_sqlalchemy");
    scan_report_free(&r);
}

static void test_unreadable_installed_version(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    pin(&r, "alpha", "1.0", "requirements.txt", 1);
    dependency *a = dep(&r, DEP_INSTALLED, "alpha", "METADATA", 0);
    a->version_text = xstrdup("1.0-custom build");
    a->location = xstrdup("/sp/alpha");
    a->skip_reason = xstrdup("invalid version");
    pin(&r, "beta", "1.0", "requirements.txt", 2);
    dependency *b = dep(&r, DEP_INSTALLED, "beta", "METADATA", 0);
    b->location = xstrdup("/sp/beta");
    b->skip_reason = xstrdup("no Version field");
    compute(&r);
    /* A version that is not PEP 440 still differs from the pin as text; no
     * version at all cannot be compared (the scan lists it as skipped). */
    assert_int_equal(r.n_drift, 1);
    expect(&r, 0, "alpha", DRIFT_VERSION_DIFFERS, "1.0", "1.0-custom build", "/sp/alpha");
    scan_report_free(&r);
}

/* ---- several declarations of one name ---- */

static void test_declared_in_several_files(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    add_input(&r, INPUT_LOCKFILE, "poetry.lock");
    /* Agreeing declarations of a drifted package: one item, the first. */
    pin(&r, "flask", "2.0.1", "base.txt", 4);
    pin(&r, "flask", "2.0.1", "requirements.txt", 9);
    pin(&r, "Flask", "2.0.1.0", "other.txt", 2);
    installed(&r, "flask", "2.2.0", "/sp/flask");
    /* Disagreeing declarations: each that differs from what is installed. */
    pin(&r, "click", "8.0.0", "base.txt", 5);
    dependency *l = pin(&r, "click", "8.1.7", "poetry.lock", 30);
    l->kind = DEP_LOCKED;
    installed(&r, "click", "8.1.7", "/sp/click");
    pin(&r, "idna", "3.3", "base.txt", 6);
    l = pin(&r, "idna", "3.4", "poetry.lock", 40);
    l->kind = DEP_LOCKED;
    installed(&r, "idna", "3.6", "/sp/idna");
    /* A range beside an exact pin that agrees: the pin governs. */
    range(&r, "werkzeug", ">=2", "pyproject.toml", 3)->kind = DEP_DECLARED;
    pin(&r, "werkzeug", "2.3.8", "requirements.txt", 12);
    installed(&r, "werkzeug", "2.3.8", "/sp/werkzeug");
    /* Two ranges that say the same: one unpinned item. */
    range(&r, "rich", ">=13", "a.txt", 1);
    range(&r, "rich", ">=13", "b.txt", 1);
    installed(&r, "rich", "13.7.0", "/sp/rich");
    /* Declared twice, installed nowhere: one item, the first declaration. */
    pin(&r, "gunicorn", "21.2.0", "b.txt", 7);
    pin(&r, "gunicorn", "21.1.0", "a.txt", 3);
    compute(&r);
    assert_int_equal(r.n_drift, 6);
    expect(&r, 0, "click", DRIFT_VERSION_DIFFERS, "8.0.0", "8.1.7", "/sp/click");
    assert_string_equal(r.drift[0].declared_file, "base.txt");
    expect(&r, 1, "flask", DRIFT_VERSION_DIFFERS, "2.0.1", "2.2.0", "/sp/flask");
    assert_string_equal(r.drift[1].declared_file, "base.txt");
    assert_int_equal(r.drift[1].declared_line, 4);
    expect(&r, 2, "gunicorn", DRIFT_NOT_INSTALLED, "21.2.0", NULL, NULL);
    assert_string_equal(r.drift[2].declared_file, "b.txt");
    expect(&r, 3, "idna", DRIFT_VERSION_DIFFERS, "3.3", "3.6", "/sp/idna");
    assert_string_equal(r.drift[3].declared_file, "base.txt");
    expect(&r, 4, "idna", DRIFT_VERSION_DIFFERS, "3.4", "3.6", "/sp/idna");
    assert_string_equal(r.drift[4].declared_file, "poetry.lock");
    assert_int_equal(r.drift[4].declared_line, 40);
    expect(&r, 5, "rich", DRIFT_UNPINNED, ">=13", "13.7.0", "/sp/rich");
    assert_string_equal(r.drift[5].declared_file, "a.txt");
    scan_report_free(&r);
}

/* ---- one name installed twice ---- */

static void test_installed_in_two_environments(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    add_input(&r, INPUT_VENV, "/srv/b");
    pin(&r, "flask", "2.0.1", "requirements.txt", 1);
    installed(&r, "flask", "2.0.1", "/a/sp/flask-2.0.1.dist-info");
    installed(&r, "flask", "2.2.0", "/b/sp/flask-2.2.0.dist-info");
    installed(&r, "six", "1.16.0", "/a/sp/six");
    installed(&r, "six", "1.15.0", "/b/sp/six");
    installed(&r, "six", "1.15.0", "/b/sp/six"); /* the same directory read twice */
    pin(&r, "idna", "3.6", "requirements.txt", 2);
    installed(&r, "idna", "3.6", "/b/sp/idna"); /* in one environment of two: not drift */
    compute(&r);
    assert_int_equal(r.n_drift, 3);
    expect(&r, 0, "flask", DRIFT_VERSION_DIFFERS, "2.0.1", "2.2.0",
           "/b/sp/flask-2.2.0.dist-info");
    expect(&r, 1, "six", DRIFT_NOT_DECLARED, NULL, "1.16.0", "/a/sp/six");
    expect(&r, 2, "six", DRIFT_NOT_DECLARED, NULL, "1.15.0", "/b/sp/six");
    scan_report_free(&r);
}

/* ---- what is no drift ---- */

static void test_what_is_no_drift(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    /* An editable install declared nowhere is the project being worked on. */
    installed(&r, "myapp", "0.1.0", "/src/myapp")->editable = true;
    /* pip's own tooling, as `pip freeze` leaves it out ... */
    installed(&r, "pip", "24.0", "/sp/pip");
    installed(&r, "setuptools", "69.0.0", "/sp/setuptools");
    installed(&r, "Wheel", "0.42.0", "/sp/wheel");
    /* ... unless declared: then compared like any pin. */
    pin(&r, "setuptools", "68.0.0", "requirements.txt", 1);
    /* Only in extras and not installed: extras are installed on demand. */
    range(&r, "redis", ">=5", "pyproject.toml", 10)->group = xstrdup("extra:cache");
    range(&r, "hiredis", "", "pyproject.toml", 11)->group = xstrdup("extra:cache, extra:fast");
    /* In an extra and a main group: missing. */
    dependency *g = pin(&r, "gevent", "23.9.1", "pyproject.toml", 12);
    g->group = xstrdup("extra:async, main");
    /* A direct reference: declares the name, says no version. */
    dependency *u = dep(&r, DEP_REQUIREMENT, "mylib", "requirements.txt", 2);
    u->location = xstrdup("git+https://example.com/mylib@v1");
    u->skip_reason = xstrdup("URL requirement");
    installed(&r, "mylib", "1.4.0", "/sp/mylib");
    dependency *u2 = dep(&r, DEP_REQUIREMENT, "otherlib", "requirements.txt", 3);
    u2->editable = true;
    u2->skip_reason = xstrdup("editable requirement");
    /* A line without a name cannot be compared with anything. */
    dependency *nn = dep_list_add(&r.deps);
    nn->kind = DEP_REQUIREMENT;
    nn->name = xstrdup("https://example.com/x.whl");
    nn->source_file = xstrdup("requirements.txt");
    nn->skip_reason = xstrdup("URL requirement");
    compute(&r);
    assert_int_equal(r.n_drift, 3);
    expect(&r, 0, "gevent", DRIFT_NOT_INSTALLED, "23.9.1", NULL, NULL);
    expect(&r, 1, "otherlib", DRIFT_NOT_INSTALLED, NULL, NULL, NULL);
    expect(&r, 2, "setuptools", DRIFT_VERSION_DIFFERS, "68.0.0", "69.0.0", "/sp/setuptools");
    scan_report_free(&r);
}

static void test_poetry_range_is_unpinned(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    /* A specifier that is not PEP 440 (the readers give none today: a
     * Poetry "^2.1" gets no specifier) cannot be said to exclude 1.0. */
    range(&r, "flask", "^2.1", "pyproject.toml", 8)->kind = DEP_DECLARED;
    installed(&r, "flask", "1.0", "/sp/flask");
    /* A range the installed version satisfies, pre-releases included. */
    range(&r, "rich", ">=13", "requirements.txt", 2);
    installed(&r, "rich", "14.0.0rc1", "/sp/rich");
    compute(&r);
    assert_int_equal(r.n_drift, 2);
    expect(&r, 0, "flask", DRIFT_UNPINNED, "^2.1", "1.0", "/sp/flask");
    expect(&r, 1, "rich", DRIFT_UNPINNED, ">=13", "14.0.0rc1", "/sp/rich");
    scan_report_free(&r);
}

static void test_marker_false_declarations(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    /* Not for this environment: not missing ... */
    dependency *w = pin(&r, "pywin32", "306", "requirements.txt", 1);
    w->markers_false = true;
    /* ... and no declaration of what is installed anyway. */
    dependency *c = pin(&r, "colorama", "0.4.6", "requirements.txt", 2);
    c->markers_false = true;
    installed(&r, "colorama", "0.4.6", "/sp/colorama");
    compute(&r);
    assert_int_equal(r.n_drift, 1);
    expect(&r, 0, "colorama", DRIFT_NOT_DECLARED, NULL, "0.4.6", "/sp/colorama");
    scan_report_free(&r);
}

static void test_dev_groups_and_no_dev(void **state)
{
    (void)state;
    /* A lockfile's dev group: declared like any other without --no-dev ... */
    for (int no_dev = 0; no_dev < 2; no_dev++) {
        scan_report r = {0};
        add_input(&r, INPUT_LOCKFILE, "poetry.lock");
        add_input(&r, INPUT_VENV, "/srv/app");
        dependency *f = pin(&r, "flask", "2.2.5", "poetry.lock", 10);
        f->kind = DEP_LOCKED;
        f->group = xstrdup("main");
        dependency *t = pin(&r, "pytest", "7.4.0", "poetry.lock", 20);
        t->kind = DEP_LOCKED;
        t->group = xstrdup("dev");
        t->dev = true;
        dependency *c = pin(&r, "coverage", "7.3.0", "poetry.lock", 30);
        c->kind = DEP_LOCKED;
        c->group = xstrdup("dev");
        c->dev = true;
        installed(&r, "flask", "2.2.5", "/srv/app/sp/flask");
        installed(&r, "pytest", "7.4.0", "/srv/app/sp/pytest");
        /* ... with --no-dev the scan drops it before drift is computed. */
        if (no_dev)
            assert_int_equal(scan_drop_dev(&r.deps, 0), 2);
        compute(&r);
        if (!no_dev) {
            /* A test tool missing from the environment. */
            assert_int_equal(r.n_drift, 1);
            expect(&r, 0, "coverage", DRIFT_NOT_INSTALLED, "7.3.0", NULL, NULL);
        } else {
            /* A production scan: a test tool that is installed is declared
             * nowhere the production dependencies are. */
            assert_int_equal(r.n_drift, 1);
            expect(&r, 0, "pytest", DRIFT_NOT_DECLARED, NULL, "7.4.0", "/srv/app/sp/pytest");
        }
        scan_report_free(&r);
    }
}

/* ---- through the real readers ---- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void dist_info(const char *sp, const char *dirname, const char *name, const char *ver)
{
    buf p = {0};
    buf_printf(&p, "%s/%s", sp, dirname);
    assert_int_equal(mkdir(p.data, 0755), 0);
    buf_puts(&p, "/METADATA");
    buf m = {0};
    buf_printf(&m, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n\n", name, ver);
    write_file(p.data, m.data);
    buf_free(&p);
    buf_free(&m);
}

static void noop(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

static void test_from_the_readers(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-drift-XXXXXX";
    assert_non_null(mkdtemp(dir));
    buf req = {0}, sp = {0};
    buf_printf(&req, "%s/requirements.txt", dir);
    buf_printf(&sp, "%s/site-packages", dir);
    write_file(req.data,
               "Flask_SQLAlchemy==3.0.0\n"
               "pywin32==306 ; sys_platform == 'win32'\n"
               "uvloop==0.19.0 ; sys_platform != 'win32'\n"
               "openai\n"
               "Jinja2 >= 3.0, < 4\n"
               "requests[socks]==2.31.0\n");
    assert_int_equal(mkdir(sp.data, 0755), 0);
    dist_info(sp.data, "flask_sqlalchemy-3.1.1.dist-info", "Flask-SQLAlchemy", "3.1.1");
    dist_info(sp.data, "openai-1.3.0.dist-info", "openai", "1.3.0");
    dist_info(sp.data, "jinja2-3.1.2.dist-info", "Jinja2", "3.1.2");
    dist_info(sp.data, "requests-2.31.0.dist-info", "requests", "2.31.0");
    dist_info(sp.data, "PySocks-1.7.1.dist-info", "PySocks", "1.7.1");

    scan_report r = {0};
    add_input(&r, INPUT_REQUIREMENTS, req.data);
    add_input(&r, INPUT_PATH, sp.data);
    marker_env env;
    airlock_error err = {{0}};
    assert_int_equal(marker_env_for_target(&env, "3.11", "linux", &err), 0);
    diag d = {noop, NULL, 0};
    assert_int_equal(requirements_read(req.data, &env, &r.deps, &d, &err), 0);
    assert_int_equal(sitepackages_scan(sp.data, &r.deps, &d, &err), 0);
    marker_env_clear(&env);
    assert_int_equal(d.warnings, 0);
    /* What the readers record for drift. */
    for (size_t i = 0; i < r.deps.len; i++) {
        const dependency *x = &r.deps.items[i];
        if (strcmp(x->normalized, "pywin32") == 0)
            assert_true(x->markers_false);
        else
            assert_false(x->markers_false);
        if (strcmp(x->normalized, "jinja2") == 0 && x->kind == DEP_REQUIREMENT)
            assert_string_equal(x->specifier, "<4,>=3.0");
        else if (strcmp(x->normalized, "openai") == 0 && x->kind == DEP_REQUIREMENT)
            assert_string_equal(x->specifier, "");
        else
            assert_null(x->specifier);
    }
    compute(&r);
    assert_true(r.drift_checked);
    /* pywin32's marker is false on linux: not "not-installed"; uvloop's is
     * true. requests[socks] is requests; PySocks, which its extra pulls in,
     * is declared nowhere. */
    assert_int_equal(r.n_drift, 5);
    buf loc = {0};
    buf_printf(&loc, "%s/flask_sqlalchemy-3.1.1.dist-info", sp.data);
    expect(&r, 0, "flask-sqlalchemy", DRIFT_VERSION_DIFFERS, "3.0.0", "3.1.1", loc.data);
    assert_int_equal(r.drift[0].declared_line, 1);
    buf_free(&loc);
    assert_string_equal(r.drift[1].name, "jinja2");
    assert_int_equal(r.drift[1].status, DRIFT_UNPINNED);
    assert_string_equal(r.drift[1].declared, "<4,>=3.0");
    assert_string_equal(r.drift[1].installed, "3.1.2");
    assert_string_equal(r.drift[2].name, "openai");
    assert_int_equal(r.drift[2].status, DRIFT_UNPINNED);
    assert_string_equal(r.drift[3].name, "pysocks");
    assert_int_equal(r.drift[3].status, DRIFT_NOT_DECLARED);
    expect(&r, 4, "uvloop", DRIFT_NOT_INSTALLED, "0.19.0", NULL, NULL);
    assert_int_equal(r.drift[4].declared_line, 3);
    scan_report_free(&r);

    /* The same file for win32: pywin32 applies and is missing, uvloop
     * does not. */
    scan_report w = {0};
    add_input(&w, INPUT_REQUIREMENTS, req.data);
    add_input(&w, INPUT_PATH, sp.data);
    assert_int_equal(marker_env_for_target(&env, "3.11", "win32", &err), 0);
    assert_int_equal(requirements_read(req.data, &env, &w.deps, &d, &err), 0);
    assert_int_equal(sitepackages_scan(sp.data, &w.deps, &d, &err), 0);
    marker_env_clear(&env);
    compute(&w);
    assert_int_equal(w.n_drift, 5);
    assert_string_equal(w.drift[3].name, "pysocks");
    expect(&w, 4, "pywin32", DRIFT_NOT_INSTALLED, "306", NULL, NULL);
    assert_int_equal(w.drift[4].declared_line, 2);
    scan_report_free(&w);

    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    buf_free(&req);
    buf_free(&sp);
}

/* ---- hostile sizes ---- */

static void test_many_declarations_of_one_name(void **state)
{
    (void)state;
    /* 200,000 lines "a==1" and one installation: sorted and merged, not
     * compared pairwise (that was 2 * 10^10 steps). */
    scan_report r = {0};
    both_inputs(&r);
    for (unsigned i = 0; i < 200000; i++)
        pin(&r, "a", i % 2 ? "1" : "1.0", "requirements.txt", i + 1);
    installed(&r, "a", "2", "/sp/a");
    compute(&r);
    assert_int_equal(r.n_drift, 1);
    expect(&r, 0, "a", DRIFT_VERSION_DIFFERS, "1.0", "2", "/sp/a");
    assert_int_equal(r.drift[0].declared_line, 1);
    assert_int_equal(r.n_warnings, 0);
    scan_report_free(&r);
}

static void test_limits_say_so(void **state)
{
    (void)state;
    /* 200 pins x 100 directories of one name: 19,900 items, more than a
     * report lists. */
    scan_report r = {0};
    both_inputs(&r);
    char v[32], loc[32];
    for (unsigned i = 0; i < 200; i++) {
        snprintf(v, sizeof v, "1.%u", i);
        pin(&r, "a", v, "requirements.txt", i + 1);
    }
    for (unsigned i = 0; i < 100; i++) {
        snprintf(v, sizeof v, "1.%u", i);
        snprintf(loc, sizeof loc, "/sp%03u/a", i);
        installed(&r, "a", v, loc);
    }
    compute(&r);
    assert_int_equal(r.n_drift, 10000);
    assert_int_equal(r.n_warnings, 1);
    assert_non_null(strstr(r.warnings[0].message, "the first 10000 found are listed"));
    scan_report_free(&r);

    /* 2,300 ranges that one pin makes no "unpinned", x 2,300 directories:
     * 5.3 million pairs and no item; the comparison stops at 5 million. */
    scan_report q = {0};
    both_inputs(&q);
    pin(&q, "b", "1.0", "requirements.txt", 1);
    for (unsigned i = 0; i < 2300; i++) {
        snprintf(v, sizeof v, ">=0.%u", i);
        range(&q, "b", v, "requirements.txt", i + 2);
        snprintf(loc, sizeof loc, "/sp%04u/b", i);
        installed(&q, "b", "1.0", loc);
    }
    compute(&q);
    assert_int_equal(q.n_drift, 0);
    assert_int_equal(q.n_warnings, 1);
    scan_report_free(&q);
}

/* ---- rendering ---- */

static char *render(report_format f, const scan_report *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    airlock_error err = {{0}};
    report_style style = {false};
    assert_int_equal(report_write(f, r, &style, mem, &err), 0);
    assert_int_equal(fclose(mem), 0);
    return text;
}

static void test_rendered_sections(void **state)
{
    (void)state;
    scan_report r = {0};
    both_inputs(&r);
    pin(&r, "flask", "2.0.1", "base.txt", 3);
    installed(&r, "flask", "2.2.0", "/sp/<b>flask\x1b[2J|x");
    range(&r, "openai", "", "requirements.txt", 9);
    installed(&r, "openai", "1.3.0", "/sp/openai");
    range(&r, "requests", "<2.32,>=2.28", "base.txt", 9);
    installed(&r, "blinker", "1.6.2", "/sp/blinker");
    compute(&r);
    assert_int_equal(r.n_drift, 4);
    char *t = render(REPORT_TABLE, &r);
    assert_non_null(strstr(t, "\nDrift (4):\n"));
    assert_non_null(strstr(t, "  blinker not-declared: installed 1.6.2 (/sp/blinker)\n"));
    /* The terminal never gets an escape from a path. */
    assert_non_null(strstr(t, "  flask version-differs: declared 2.0.1 (base.txt:3), installed "
                              "2.2.0 (/sp/<b>flask?[2J|x)\n"));
    assert_non_null(strstr(t, "  openai unpinned: declared (any version) (requirements.txt:9), "
                              "installed 1.3.0 (/sp/openai)\n"));
    assert_non_null(strstr(t, "  requests not-installed: declared <2.32,>=2.28 (base.txt:9)\n"));
    free(t);
    char *m = render(REPORT_MARKDOWN, &r);
    assert_non_null(strstr(m, "## Drift\n\n| Package | Status | Declared | Declared in | "
                              "Installed | Installed at |\n"));
    assert_non_null(strstr(m, "| openai | unpinned | any version | requirements.txt:9 | 1.3.0 "
                              "| /sp/openai |\n"));
    assert_non_null(strstr(m, "| requests | not-installed | \\<2.32,\\>=2.28 | base.txt:9 | - "
                              "| - |\n"));
    assert_null(strstr(m, "<b>"));
    assert_non_null(strstr(m, "\\|x |")); /* a pipe cannot end the cell */
    free(m);
    char *h = render(REPORT_HTML, &r);
    assert_non_null(strstr(h, "<h2 id=\"drift\">Drift</h2>"));
    assert_non_null(strstr(h, "<tr><td>blinker</td><td>not-declared</td><td><code>&ndash;"));
    assert_non_null(strstr(h, "&lt;b&gt;flask?[2J|x"));
    assert_null(strstr(h, "<b>flask"));
    free(h);
    /* JSON: every key of every item, null for an absent side. */
    char *j = render(REPORT_JSON, &r);
    cJSON *root = cJSON_Parse(j);
    assert_non_null(root);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "drift");
    assert_true(cJSON_IsArray(list));
    assert_int_equal(cJSON_GetArraySize(list), 4);
    const cJSON *e = cJSON_GetArrayItem(list, 3); /* requests */
    assert_string_equal(cJSON_GetObjectItem(e, "name")->valuestring, "requests");
    assert_string_equal(cJSON_GetObjectItem(e, "status")->valuestring, "not-installed");
    assert_string_equal(cJSON_GetObjectItem(e, "declared")->valuestring, "<2.32,>=2.28");
    assert_string_equal(cJSON_GetObjectItem(e, "declared_file")->valuestring, "base.txt");
    assert_int_equal(cJSON_GetObjectItem(e, "declared_line")->valueint, 9);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "installed")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "installed_location")));
    e = cJSON_GetArrayItem(list, 0); /* blinker */
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "declared")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "declared_line")));
    assert_string_equal(cJSON_GetObjectItem(e, "installed_location")->valuestring,
                        "/sp/blinker");
    assert_int_equal(cJSON_GetArraySize(e), 7);
    cJSON_Delete(root);
    free(j);
    scan_report_free(&r);

    /* Checked and clean; not checked. */
    scan_report c = {0};
    both_inputs(&c);
    compute(&c);
    t = render(REPORT_TABLE, &c);
    assert_non_null(strstr(t, "\nDrift: none (what is installed is what is declared).\n"));
    free(t);
    m = render(REPORT_MARKDOWN, &c);
    assert_non_null(strstr(m, "## Drift\n\nNone: what is installed is what is declared.\n"));
    free(m);
    j = render(REPORT_JSON, &c);
    root = cJSON_Parse(j);
    list = cJSON_GetObjectItemCaseSensitive(root, "drift");
    assert_true(cJSON_IsArray(list) && cJSON_GetArraySize(list) == 0);
    cJSON_Delete(root);
    free(j);
    scan_report_free(&c);
    scan_report n = {0};
    add_input(&n, INPUT_REQUIREMENTS, "requirements.txt");
    compute(&n);
    t = render(REPORT_TABLE, &n);
    assert_null(strstr(t, "Drift"));
    free(t);
    h = render(REPORT_HTML, &n);
    assert_non_null(strstr(h, "<h2 id=\"drift\">Drift</h2>\n<p>Not checked: "));
    free(h);
    j = render(REPORT_JSON, &n);
    root = cJSON_Parse(j);
    list = cJSON_GetObjectItemCaseSensitive(root, "drift");
    assert_true(list != NULL && cJSON_IsNull(list));
    cJSON_Delete(root);
    free(j);
    scan_report_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_status),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_not_checked_without_both),
        cmocka_unit_test(test_sbom_components_take_no_part),
        cmocka_unit_test(test_pins_compare_as_pep440),
        cmocka_unit_test(test_names_normalised),
        cmocka_unit_test(test_unreadable_installed_version),
        cmocka_unit_test(test_declared_in_several_files),
        cmocka_unit_test(test_installed_in_two_environments),
        cmocka_unit_test(test_what_is_no_drift),
        cmocka_unit_test(test_poetry_range_is_unpinned),
        cmocka_unit_test(test_marker_false_declarations),
        cmocka_unit_test(test_dev_groups_and_no_dev),
        cmocka_unit_test(test_from_the_readers),
        cmocka_unit_test(test_rendered_sections),
        cmocka_unit_test(test_many_declarations_of_one_name),
        cmocka_unit_test(test_limits_say_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
