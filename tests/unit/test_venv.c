/* Tests for scanner/venv (pyvenv.cfg, site-packages discovery) and
 * scanner/pyenv (finding and querying an interpreter). */
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
#include "scanner/inputs/pyenv.h"
#include "scanner/inputs/venv.h"

static void cfg_of(const char *text, venv_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    venv_parse_cfg(text, strlen(text), cfg);
}

static void test_cfg_parse(void **state)
{
    (void)state;
    venv_cfg c;
    cfg_of("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"
           "executable = /usr/bin/python3.11\n", &c);
    assert_string_equal(c.home, "/usr/bin");
    assert_string_equal(c.version, "3.11");
    assert_false(c.system_site);
    venv_cfg_clear(&c);

    /* Keys without case, blanks and CRLF around; the last one wins. */
    cfg_of("HOME=/a\r\n  Include-System-Site-Packages =  TRUE \r\nhome = /opt/py/bin\r\n"
           "no equals sign here\r\nversion_info = 3.12.1.final.0\r\n", &c);
    assert_string_equal(c.home, "/opt/py/bin");
    assert_true(c.system_site);
    assert_string_equal(c.version, "3.12");
    venv_cfg_clear(&c);

    /* `version` (venv) wins over virtualenv's version_info, in any order. */
    cfg_of("version = 3.10.4\nversion_info = 3.9.0.final.0\n", &c);
    assert_string_equal(c.version, "3.10");
    venv_cfg_clear(&c);
    cfg_of("version_info = 3.9.0.final.0\nversion = 3.10.4\n", &c);
    assert_string_equal(c.version, "3.10");
    venv_cfg_clear(&c);

    /* Nonsense values are ignored, anything but "true" is false. */
    cfg_of("version = banana\ninclude-system-site-packages = yes\nhome =\n", &c);
    assert_null(c.version);
    assert_false(c.system_site);
    assert_string_equal(c.home, "");
    venv_cfg_clear(&c);
    cfg_of("", &c);
    assert_null(c.home);
    venv_cfg_clear(&c);
}

static char tmp[64];

static void mkdirs(const char *rel)
{
    buf b = {0};
    buf_printf(&b, "%s/%s", tmp, rel);
    char *path = b.data;
    for (char *p = path + strlen(tmp) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
    buf_free(&b);
}

static void put(const char *rel, const char *text)
{
    buf b = {0};
    buf_printf(&b, "%s/%s", tmp, rel);
    FILE *f = fopen(b.data, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    buf_free(&b);
}

static void dist(const char *site, const char *name, const char *ver)
{
    char rel[512], text[256];
    snprintf(rel, sizeof rel, "%s/%s-%s.dist-info", site, name, ver);
    mkdirs(rel);
    snprintf(rel, sizeof rel, "%s/%s-%s.dist-info/METADATA", site, name, ver);
    snprintf(text, sizeof text, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n\n", name, ver);
    put(rel, text);
}

typedef struct counter {
    unsigned n;
    buf text;
} counter;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    counter *c = arg;
    c->n++;
    buf_printf(&c->text, "%s:%u: %s\n", file ? file : "-", line, msg);
}

static int make_tree(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/airlock-venv-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    /* A base interpreter at base/bin with a Debian-style layout too. */
    mkdirs("base/bin");
    dist("base/lib/python3.11/site-packages", "basepkg", "1.0");
    dist("base/lib/python3/dist-packages", "debpkg", "2.0");
    /* A venv: lib64 is a symlink to lib, as venv makes it. */
    dist("v/lib/python3.11/site-packages", "own", "3.0");
    char target[512], link[512];
    snprintf(target, sizeof target, "lib");
    snprintf(link, sizeof link, "%s/v/lib64", tmp);
    if (symlink(target, link) != 0)
        return -1;
    char cfg[600];
    snprintf(cfg, sizeof cfg, "home = %s/base/bin\ninclude-system-site-packages = false\n"
             "version = 3.11.7\n", tmp);
    put("v/pyvenv.cfg", cfg);
    /* A Windows-style venv without a version, and one without pyvenv.cfg. */
    dist("w/Lib/site-packages", "winpkg", "4.0");
    put("w/pyvenv.cfg", "home = C:\\Python311\n");
    dist("old/lib/python2.7/site-packages", "oldpkg", "0.1");
    mkdirs("empty");
    put("empty/pyvenv.cfg", "version = 3.11.1\n");
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static bool has(const dep_list *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return true;
    return false;
}

static void test_venv_own_only(void **state)
{
    (void)state;
    char v[128];
    snprintf(v, sizeof v, "%s/v", tmp);
    dep_list l = {0};
    counter c = {0};
    diag d = {collect, &c, 0};
    airlock_error err = {{0}};
    assert_int_equal(venv_scan(v, &l, &d, &err), 0);
    assert_int_equal(l.len, 1); /* lib64 -> lib read once */
    assert_true(has(&l, "own"));
    assert_int_equal(c.n, 0);
    dep_list_free(&l);
    buf_free(&c.text);
}

static void test_venv_with_system(void **state)
{
    (void)state;
    char cfg[600], v[128];
    snprintf(cfg, sizeof cfg, "home = %s/base/bin\ninclude-system-site-packages = true\n"
             "version = 3.11.7\n", tmp);
    put("v/pyvenv.cfg", cfg);
    snprintf(v, sizeof v, "%s/v", tmp);
    venv_cfg vc = {0};
    airlock_error err = {{0}};
    assert_int_equal(venv_read_cfg(v, &vc, &err), 0);
    assert_true(vc.found);
    path_list dirs = {0};
    assert_int_equal(venv_site_dirs(v, &vc, &dirs, NULL, &err), 0);
    /* Own first, then the base's, Debian's dist-packages included. */
    assert_true(dirs.len >= 3);
    assert_non_null(strstr(dirs.items[0], "/v/lib/python3.11/site-packages"));
    assert_non_null(strstr(dirs.items[dirs.len - 2], "/base/lib/python3/dist-packages"));
    assert_non_null(strstr(dirs.items[dirs.len - 1], "/base/lib/python3.11/site-packages"));
    path_list_free(&dirs);
    venv_cfg_clear(&vc);

    dep_list l = {0};
    assert_int_equal(venv_scan(v, &l, NULL, &err), 0);
    assert_true(has(&l, "own") && has(&l, "basepkg") && has(&l, "debpkg"));
    assert_int_equal(l.len, 3);
    dep_list_free(&l);

    /* A home that leads nowhere: a warning, and the venv's own packages. */
    put("v/pyvenv.cfg", "home = /nonexistent/bin\ninclude-system-site-packages = true\n"
        "version = 3.11.7\n");
    counter c = {0};
    diag d = {collect, &c, 0};
    assert_int_equal(venv_scan(v, &l, &d, &err), 0);
    assert_int_equal(l.len, 1);
    assert_int_equal(c.n, 1);
    assert_non_null(strstr(c.text.data, "pyvenv.cfg"));
    assert_non_null(strstr(c.text.data, "/nonexistent/bin"));
    dep_list_free(&l);
    buf_free(&c.text);
    snprintf(cfg, sizeof cfg, "home = %s/base/bin\ninclude-system-site-packages = false\n"
             "version = 3.11.7\n", tmp);
    put("v/pyvenv.cfg", cfg);
}

static void test_venv_layouts(void **state)
{
    (void)state;
    char v[128];
    dep_list l = {0};
    airlock_error err = {{0}};
    snprintf(v, sizeof v, "%s/w", tmp);
    assert_int_equal(venv_scan(v, &l, NULL, &err), 0);
    assert_true(has(&l, "winpkg"));
    dep_list_free(&l);

    counter c = {0};
    diag d = {collect, &c, 0};
    snprintf(v, sizeof v, "%s/old", tmp);
    assert_int_equal(venv_scan(v, &l, &d, &err), 0);
    assert_true(has(&l, "oldpkg"));
    assert_non_null(strstr(c.text.data, "no pyvenv.cfg"));
    dep_list_free(&l);
    buf_free(&c.text);

    snprintf(v, sizeof v, "%s/empty", tmp);
    assert_int_equal(venv_scan(v, &l, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "no site-packages"));
    assert_int_equal(venv_scan("/nonexistent/venv", &l, NULL, &err), -1);
    assert_int_equal(l.len, 0);
}

static void test_resolve(void **state)
{
    (void)state;
    char *out = NULL;
    airlock_error err = {{0}};
    char path[300];
    snprintf(path, sizeof path, "%s/base/bin", tmp);
    put("base/bin/python3", "#!/bin/sh\nexit 0\n");
    put("base/bin/noexec", "");
    char exe[300];
    snprintf(exe, sizeof exe, "%s/base/bin/python3", tmp);
    assert_int_equal(chmod(exe, 0755), 0);

    /* Empty and relative PATH elements are never used. */
    char pathvar[700];
    snprintf(pathvar, sizeof pathvar, ":.:relative:/nonexistent:%s:/usr/bin", path);
    assert_int_equal(pyenv_resolve(NULL, pathvar, &out, &err), 0);
    assert_string_equal(out, exe);
    free(out);
    assert_int_equal(pyenv_resolve("noexec", pathvar, &out, &err), -1);
    assert_null(out);
    assert_int_equal(pyenv_resolve("sh", "/bin", &out, &err), 0);
    assert_string_equal(out, "/bin/sh");
    free(out);
    assert_int_equal(pyenv_resolve("/nonexistent/python", NULL, &out, &err), -1);
    assert_int_equal(pyenv_resolve("", NULL, &out, &err), -1);

    /* A launcher script (a pyenv shim) is run as the user runs it: with
     * the user's environment less PYTHON*, and -E passed on; the
     * interpreter it starts says what it is. */
    put("base/bin/python3", "#!/bin/sh\nenv > \"$0.env\"\nexec /usr/bin/python3 \"$@\"\n");
    assert_int_equal(setenv("AIRLOCK_TEST_LAUNCHER", "picked", 1), 0);
    assert_int_equal(setenv("PYTHONPATH", "/injected", 1), 0);
    pyenv_info info = {0};
    assert_int_equal(pyenv_query(exe, PYENV_TIMEOUT_MS, &info, &err), 0);
    unsetenv("PYTHONPATH");
    unsetenv("AIRLOCK_TEST_LAUNCHER");
    assert_true(info.launcher);
    assert_string_equal(info.executable, "/usr/bin/python3");
    for (size_t i = 0; i < info.sys_path.len; i++)
        assert_null(strstr(info.sys_path.items[i], "/injected"));
    pyenv_info_clear(&info);
    char envfile[320];
    snprintf(envfile, sizeof envfile, "%s.env", exe);
    FILE *f = fopen(envfile, "r");
    assert_non_null(f);
    char env[65536];
    size_t n = fread(env, 1, sizeof env - 1, f);
    env[n] = '\0';
    fclose(f);
    assert_non_null(strstr(env, "AIRLOCK_TEST_LAUNCHER=picked\n"));
    assert_null(strstr(env, "PYTHONPATH"));
    /* A launcher that does not start Python is an error naming it. */
    put("base/bin/python3", "#!/bin/sh\necho not python\n");
    assert_int_equal(pyenv_query(exe, PYENV_TIMEOUT_MS, &info, &err), -1);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    assert_non_null(strstr(err.msg, exe));
    /* A real interpreter is not a launcher, and gets only HOME. */
    assert_int_equal(pyenv_query("/usr/bin/python3", PYENV_TIMEOUT_MS, &info, &err), 0);
    assert_false(info.launcher);
    pyenv_info_clear(&info);
}

static void test_parse_output(void **state)
{
    (void)state;
    pyenv_info info = {0};
    airlock_error err = {{0}};
    const char *good =
        "{\"path\": [\"2f7573722f6c6962\", \"2f74c3a97374\"], \"executable\": \"2f78\","
        " \"prefix\": \"2f\", \"base_prefix\": \"2f\", \"env\": {\"os_name\": \"posix\","
        " \"sys_platform\": \"linux\", \"platform_machine\": \"x86_64\","
        " \"platform_python_implementation\": \"CPython\", \"platform_release\": \"6\","
        " \"platform_system\": \"Linux\", \"platform_version\": \"#1\","
        " \"python_version\": \"3.11\", \"python_full_version\": \"3.11.2\","
        " \"implementation_name\": \"cpython\", \"implementation_version\": \"3.11.2\"}}";
    assert_int_equal(pyenv_parse_output(good, strlen(good), &info, &err), 0);
    assert_int_equal(info.sys_path.len, 2);
    assert_string_equal(info.sys_path.items[0], "/usr/lib");
    assert_string_equal(info.sys_path.items[1], "/t\xc3\xa9st");
    assert_string_equal(info.env.python_full_version, "3.11.2");
    assert_string_equal(info.executable, "/x");
    pyenv_info_clear(&info);

    const char *bad[] = {
        "", "[]", "{\"path\": 1}", "{\"path\": [\"2g\"], \"env\": {}}",
        "{\"path\": [\"00\"], \"env\": {}, \"prefix\": \"2f\", \"base_prefix\": \"2f\"}",
        "{\"path\": [], \"env\": {\"os_name\": \"posix\"}, \"prefix\": \"2f\", \"base_prefix\": \"2f\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pyenv_parse_output(bad[i], strlen(bad[i]), &info, &err), -1);
        assert_int_equal(info.sys_path.len, 0);
        assert_null(info.env.os_name);
    }

    /* The good answer with one thing changed: an empty sys.path entry, or a
     * NUL anywhere, raw or escaped, which would cut a string short (found
     * by fuzz_metadata: a raw NUL made an empty entry). */
#define EDIT(from, to) {from, to, sizeof to - 1} /* sizeof counts the NULs */
    static const struct {
        const char *from, *to;
        size_t to_len;
    } edits[] = {
        EDIT("\"2f7573722f6c6962\"", "\"\""),
        EDIT("\"2f7573722f6c6962\"", "\"\0\0002f7573722f6c6962\""),
        EDIT("\"2f7573722f6c6962\"", "\"2f75\\u00007373\""),
        EDIT("\"posix\"", "\"pos\\u0000ix\""),
        EDIT("\"posix\"", "\"pos\0ix\""),
    };
#undef EDIT
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        const char *at = strstr(good, edits[i].from);
        assert_non_null(at);
        size_t head = (size_t)(at - good), tail = strlen(at + strlen(edits[i].from));
        char text[1024];
        memcpy(text, good, head);
        memcpy(text + head, edits[i].to, edits[i].to_len);
        memcpy(text + head + edits[i].to_len, at + strlen(edits[i].from), tail);
        if (pyenv_parse_output(text, head + edits[i].to_len + tail, &info, &err) != -1)
            fail_msg("edit %zu accepted", i);
        pyenv_info_clear(&info);
    }
}

static void test_query_real_python(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    pyenv_info info = {0};
    airlock_error err = {{0}};
    assert_int_equal(pyenv_query("/usr/bin/python3", PYENV_TIMEOUT_MS, &info, &err), 0);
    assert_true(info.sys_path.len > 0);
    for (size_t i = 0; i < info.sys_path.len; i++)
        assert_true(info.sys_path.items[i][0] != '\0');
    assert_string_equal(info.env.os_name, "posix");
    assert_string_equal(info.env.implementation_name, "cpython");
    assert_int_equal(strncmp(info.env.python_version, "3.", 2), 0);
    pyenv_info_clear(&info);

    /* PYTHONPATH is ignored (-E). */
    setenv("PYTHONPATH", "/injected/by/attacker", 1);
    assert_int_equal(pyenv_query("/usr/bin/python3", PYENV_TIMEOUT_MS, &info, &err), 0);
    for (size_t i = 0; i < info.sys_path.len; i++)
        assert_null(strstr(info.sys_path.items[i], "injected"));
    unsetenv("PYTHONPATH");
    pyenv_info_clear(&info);

    /* Not a Python: a failed run is an error with a message. */
    assert_int_equal(pyenv_query("/bin/false", PYENV_TIMEOUT_MS, &info, &err), -1);
    assert_non_null(strstr(err.msg, "/bin/false"));
    assert_int_equal(pyenv_query("/bin/echo", PYENV_TIMEOUT_MS, &info, &err), -1);
    assert_non_null(strstr(err.msg, "JSON"));

    dep_list l = {0};
    marker_env env = {0};
    assert_int_equal(pyenv_scan("/usr/bin/python3", &l, &env, NULL, NULL, &err), 0);
    assert_non_null(env.python_full_version);
    marker_env_clear(&env);
    dep_list_free(&l);
}

/* An interpreter misbehaving at start-up (through a .pth file): endless
 * output is cut at the bound, a hang is killed at the deadline. */
static void test_query_hostile(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -m venv --without-pip '%s/slow' 2>/dev/null", tmp);
    if (access("/usr/bin/python3", X_OK) != 0 || system(cmd) != 0)
        skip();
    char pth[300];
    snprintf(pth, sizeof pth, "%s/slow/lib", tmp);
    path_list dirs = {0};
    venv_cfg cfg = {0};
    char v[200];
    airlock_error err = {{0}};
    snprintf(v, sizeof v, "%s/slow", tmp);
    assert_int_equal(venv_read_cfg(v, &cfg, &err), 0);
    assert_int_equal(venv_site_dirs(v, &cfg, &dirs, NULL, &err), 0);
    snprintf(pth, sizeof pth, "%s/slow.pth", dirs.items[0]);
    FILE *f = fopen(pth, "w");
    assert_non_null(f);
    fputs("import sys; sys.stdout.write('x' * (5 << 20)); sys.stdout.flush()\n", f);
    fclose(f);
    char exe[300];
    snprintf(exe, sizeof exe, "%s/slow/bin/python3", tmp);
    pyenv_info info = {0};
    assert_int_equal(pyenv_query(exe, PYENV_TIMEOUT_MS, &info, &err), -1);
    assert_non_null(strstr(err.msg, "larger than"));
    f = fopen(pth, "w");
    assert_non_null(f);
    fputs("import time; time.sleep(30)\n", f);
    fclose(f);
    assert_int_equal(pyenv_query(exe, 500, &info, &err), -1);
    assert_non_null(strstr(err.msg, "no answer within 500 ms"));
    path_list_free(&dirs);
    venv_cfg_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_parse),
        cmocka_unit_test(test_venv_own_only),
        cmocka_unit_test(test_venv_with_system),
        cmocka_unit_test(test_venv_layouts),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_parse_output),
        cmocka_unit_test(test_query_real_python),
        cmocka_unit_test(test_query_hostile),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
