/* Tests for scanner/markers: parsing as pip reads markers, evaluation as
 * packaging 23.0 does, str() formatting, and marker_env_for_target(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/markers.h"

static marker_env linux311(void)
{
    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, "3.11", "linux", &err), 0);
    return env;
}

/* Evaluate `text` in `env`: 1, 0, -1 (evaluation error) or -2 (parse error). */
static int eval_in(const char *text, const marker_env *env)
{
    marker *m;
    airlock_error err;
    if (marker_parse(text, strlen(text), &m, &err) < 0)
        return -2;
    int v = marker_evaluate(m, env, &err);
    if (v < 0)
        assert_true(err.msg[0] != '\0');
    marker_free(m);
    return v;
}

static int eval_linux(const char *text)
{
    marker_env env = linux311();
    int v = eval_in(text, &env);
    marker_env_clear(&env);
    return v;
}

static void test_comparisons(void **state)
{
    (void)state;
    assert_int_equal(eval_linux("python_version >= \"3.8\""), 1);
    assert_int_equal(eval_linux("python_version < '3.8'"), 0);
    assert_int_equal(eval_linux("sys_platform == \"linux\""), 1);
    assert_int_equal(eval_linux("sys_platform != 'linux'"), 0);
    assert_int_equal(eval_linux("\"linux\" == sys_platform"), 1);
    assert_int_equal(eval_linux("os.name == 'posix'"), 1);
    assert_int_equal(eval_linux("platform.machine == 'x86_64'"), 1);
    assert_int_equal(eval_linux("python_implementation == 'CPython'"), 1);
    assert_int_equal(eval_linux("implementation_name == 'cpython'"), 1);
    assert_int_equal(eval_linux("platform_system == 'Linux'"), 1);
    /* strings compare as strings when `op value` is not a specifier */
    assert_int_equal(eval_linux("platform_machine < 'y'"), 1);
    assert_int_equal(eval_linux("platform_machine > 'y'"), 0);
    assert_int_equal(eval_linux("'lin' in sys_platform"), 1);
    assert_int_equal(eval_linux("sys_platform in 'linux2 darwin'"), 1);
    assert_int_equal(eval_linux("sys_platform not in 'win32 cygwin'"), 1);
    assert_int_equal(eval_linux("sys_platform not  in 'linux'"), 0);
}

static void test_versions_via_specifiers(void **state)
{
    (void)state;
    /* "3.11" vs "3.9": a version comparison, not a string one */
    assert_int_equal(eval_linux("python_version > '3.9'"), 1);
    assert_int_equal(eval_linux("python_full_version >= '3.11.0rc1'"), 1);
    assert_int_equal(eval_linux("python_version == '3.*'"), 1);
    assert_int_equal(eval_linux("python_version != '3.11.*'"), 0);
    assert_int_equal(eval_linux("python_version ~= '3.10'"), 1);
    assert_int_equal(eval_linux("python_version === '3.11'"), 1);
    assert_int_equal(eval_linux("python_version == ' 3.11 '"), 1);
    /* a specifier with a non-version on the left is an error in packaging */
    assert_int_equal(eval_linux("os_name == '3.8'"), -1);
    /* ~= and === are undefined on strings */
    assert_int_equal(eval_linux("os_name ~= 'posix'"), -1);
    assert_int_equal(eval_linux("python_version ~= 'abc'"), -1);
}

static void test_boolean_logic(void **state)
{
    (void)state;
    assert_int_equal(eval_linux("os_name == 'nt' and python_version < '3' or sys_platform == 'linux'"), 1);
    assert_int_equal(eval_linux("os_name == 'nt' and (python_version < '3' or sys_platform == 'linux')"), 0);
    assert_int_equal(eval_linux("(os_name == 'posix' or os_name == 'nt') and python_version >= '3'"), 1);
    assert_int_equal(eval_linux("os_name=='posix'and python_version>='3'"), 1);
    assert_int_equal(eval_linux("((((os_name == 'nt'))))"), 0);
    /* every item is evaluated, so an error anywhere is an error */
    assert_int_equal(eval_linux("os_name == 'posix' or os_name ~= 'x'"), -1);
}

static void test_extra(void **state)
{
    (void)state;
    marker_env env = linux311();
    assert_int_equal(eval_in("extra == 'test'", &env), 0); /* NULL extra is "" */
    env.extra = strdup("Test_Extra");
    assert_int_equal(eval_in("extra == 'test-extra'", &env), 1);
    assert_int_equal(eval_in("extra == 'TEST.extra'", &env), 1);
    assert_int_equal(eval_in("'test..extra' == extra", &env), 1);
    assert_int_equal(eval_in("extra == 'other'", &env), 0);
    marker_env_clear(&env);
}

static void test_environment_errors(void **state)
{
    (void)state;
    /* unknowable for a target: evaluation error, not a guess */
    assert_int_equal(eval_linux("platform_release >= '5'"), -1);
    /* a string on both sides: packaging looks the right one up by name */
    assert_int_equal(eval_linux("'a' == 'b'"), -1);
    assert_int_equal(eval_linux("'posix' == 'os_name'"), 1);
    /* a variable on both sides compares with the right one's name */
    assert_int_equal(eval_linux("os_name == sys_platform"), 0);
}

static void test_parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "os_name", "os_name ==", "os_name = 'posix'", "unknown == 'x'",
        "os_namex == 'posix'", "os_name == 'posix' and", "and os_name == 'x'",
        "(os_name == 'posix'", "os_name == 'posix", "os_name == \"posix'",
        "os_name notin 'x'", "os_name not 'x'", "os_name == 'a\\'b'",
        "os_name == posix", "os_name == 'a\nb'",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        marker *m = NULL;
        airlock_error err;
        if (marker_parse(bad[i], strlen(bad[i]), &m, &err) == 0)
            fail_msg("parsed: %s", bad[i]);
        assert_null(m);
        assert_true(err.msg[0] != '\0');
    }
    /* nesting and length bounds */
    buf b = {0};
    for (int i = 0; i < MARKER_MAX_DEPTH + 1; i++)
        buf_putc(&b, '(');
    buf_puts(&b, "os_name == 'x'");
    for (int i = 0; i < MARKER_MAX_DEPTH + 1; i++)
        buf_putc(&b, ')');
    marker *m;
    airlock_error err;
    assert_int_equal(marker_parse(b.data, b.len, &m, &err), -1);
    buf_reset(&b);
    while (b.len <= MARKER_MAX_TEXT)
        buf_puts(&b, "os_name == 'x' or ");
    buf_puts(&b, "os_name == 'x'");
    assert_int_equal(marker_parse(b.data, b.len, &m, &err), -1);
    buf_free(&b);
}

static void test_trailing_text(void **state)
{
    (void)state;
    /* marker_parse_prefix() stops after a complete marker, for the callers
     * that check what follows; marker_parse() wants the whole text, as both
     * of pip's grammars do */
    marker *m;
    airlock_error err;
    size_t used;
    const char *t = "os_name == 'posix' junk";
    assert_int_equal(marker_parse_prefix(t, strlen(t), &used, &m, &err), 0);
    assert_int_equal(used, strlen("os_name == 'posix' "));
    marker_free(m);
    assert_int_equal(eval_linux(t), -2);
}

static void check_format(const char *in, const char *want)
{
    marker *m;
    airlock_error err;
    assert_int_equal(marker_parse(in, strlen(in), &m, &err), 0);
    buf b = {0};
    marker_format(m, &b);
    assert_string_equal(b.data, want);
    buf_free(&b);
    marker_free(m);
}

static void test_format(void **state)
{
    (void)state;
    check_format("python_version<'3.8'", "python_version < \"3.8\"");
    check_format("os.name=='nt'or(python_version>'3'and extra=='x')",
                 "os_name == \"nt\" or (python_version > \"3\" and extra == \"x\")");
    /* only a leading extra comparison is normalised */
    check_format("extra == 'Foo_Bar' and extra == 'A.B'",
                 "extra == \"foo-bar\" and extra == \"A.B\"");
    check_format("(extra == 'X_y')", "extra == \"X_y\"");
    /* packaging drops the parentheses of a doubly wrapped group */
    check_format("os_name == 'a' and ((os_name == 'b' or os_name == 'c'))",
                 "os_name == \"a\" and os_name == \"b\" or os_name == \"c\"");
    check_format("python_implementation not in 'x'",
                 "platform_python_implementation not in \"x\"");
}

/* Issue 13: pip <= 24.0 (packaging 21.3's pyparsing literals) reads
 * keywords glued to the next word; each line pinned a vulnerable Django. */
static void test_keywords_need_no_blanks(void **state)
{
    (void)state;
    assert_int_equal(eval_linux("os_name=='posix'andpython_version>'3'"), 1);
    assert_int_equal(eval_linux("os_name=='nt'orpython_version>'3'"), 1);
    assert_int_equal(eval_linux("os_name=='nt'andpython_version>'3'"), 0);
    assert_int_equal(eval_linux("'posix'inos_name"), 1);
    assert_int_equal(eval_linux("'nt'inos_name"), 0);
    assert_int_equal(eval_linux("'nt'not inos_name"), 1);
    assert_int_equal(eval_linux("python_version>'3'andos_name=='posix'"), 1);
    check_format("os_name=='posix'andpython_version>'3'",
                 "os_name == \"posix\" and python_version > \"3\"");
    /* packaging's tokenizer takes any blanks in "not in" */
    assert_int_equal(eval_linux("'nt' not \t in os_name"), 1);
}

/* Issue 13: a backslash inside a marker string. pyparsing (pip <= 24.0)
 * keeps it, but for \t \n \f \r; where literal_eval (pip >= 24.1) would
 * read the string otherwise, the marker cannot be evaluated. */
static void test_backslash_strings(void **state)
{
    (void)state;
    assert_int_equal(eval_linux("os_name == 'po\\six'"), 0);
    assert_int_equal(eval_linux("os_name != 'po\\six'"), 1);
    check_format("os_name == 'po\\six'", "os_name == \"po\\six\"");
    check_format("os_name == 'a\\tb'", "os_name == \"a\tb\"");
    const char *differ[] = {"os_name != '\\\\'", "os_name != '\\x41'", "os_name != 'a\\'",
                            "os_name != \"\\'\"", "os_name != '\\101'", "os_name != '\\u0041'"};
    for (size_t i = 0; i < sizeof differ / sizeof *differ; i++)
        if (eval_linux(differ[i]) != -1)
            fail_msg("%s: not an evaluation error", differ[i]);
}

static void test_env_for_target(void **state)
{
    (void)state;
    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, "3.11", NULL, &err), 0);
    assert_string_equal(env.python_version, "3.11");
    assert_string_equal(env.python_full_version, "3.11.0");
    assert_string_equal(env.implementation_version, "3.11.0");
    assert_string_equal(env.sys_platform, "linux");
    assert_null(env.platform_release);
    marker_env_clear(&env);
    assert_int_equal(marker_env_for_target(&env, "3.12.4", "win32", &err), 0);
    assert_string_equal(env.python_version, "3.12");
    assert_string_equal(env.python_full_version, "3.12.4");
    assert_string_equal(env.os_name, "nt");
    assert_string_equal(env.platform_system, "Windows");
    marker_env_clear(&env);
    assert_int_equal(marker_env_for_target(&env, NULL, "darwin", &err), 0);
    assert_string_equal(env.python_version, MARKER_DEFAULT_PYTHON);
    assert_string_equal(env.sys_platform, "darwin");
    assert_string_equal(env.os_name, "posix");
    marker_env_clear(&env);
    const char *bad_versions[] = {"3", "3.x", "3.11.", ".3", "3.11.4.1", "3..1", "", "33333.1"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof *bad_versions; i++) {
        assert_int_equal(marker_env_for_target(&env, bad_versions[i], NULL, &err), -1);
        assert_non_null(strstr(err.msg, "Python version"));
    }
    assert_int_equal(marker_env_for_target(&env, "3.11", "solaris", &err), -1);
    assert_non_null(strstr(err.msg, "solaris"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_versions_via_specifiers),
        cmocka_unit_test(test_boolean_logic),
        cmocka_unit_test(test_extra),
        cmocka_unit_test(test_environment_errors),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_trailing_text),
        cmocka_unit_test(test_keywords_need_no_blanks),
        cmocka_unit_test(test_backslash_strings),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_env_for_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
