/* Tests for the pass before cJSON (dbbuild/osv_json.h) and for the same
 * rules in YAML records: lone surrogates and NUL are replaced, not a reason
 * to drop a record; free-form fields are skipped at any depth; the grammar
 * is still checked everywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dbbuild/osv_json.h"
#include "dbbuild/osv_source.h"

/* `in` through the pass: its output, or "ERROR: message @pos". */
static char *prepare(const char *in)
{
    buf out = {0};
    size_t pos;
    airlock_error err;
    int rc = osv_json_prepare(in, strlen(in), &out, &pos, &err);
    if (rc < 0) {
        buf_reset(&out);
        buf_printf(&out, "ERROR: %s @%zu", err.msg, pos);
    } else if (rc == 0) {
        assert_int_equal(out.len, 0);
        buf_puts(&out, in); /* parsed as it is */
    }
    return buf_detach(&out, NULL);
}

static void check(const char *in, const char *want)
{
    char *got = prepare(in);
    if (strcmp(got, want) != 0)
        fail_msg("prepare(%s):\n  got  %s\n  want %s", in, got, want);
    free(got);
}

static void test_escapes(void **state)
{
    (void)state;
    /* lone high, lone low, reversed pair, a pair, NUL; keys too */
    check("{\"s\": \"a\\ud800b\"}", "{\"s\": \"a\\uFFFDb\"}");
    check("{\"s\":\"\\uDC00\\uD800\"}", "{\"s\":\"\\uFFFD\\uFFFD\"}");
    check("{\"s\":\"\\ud83d\\ude00\"}", "{\"s\":\"\\ud83d\\ude00\"}");
    check("{\"s\":\"\\ud83d\\u0041\"}", "{\"s\":\"\\uFFFD\\u0041\"}");
    check("{\"s\":\"\\ud83d\"}", "{\"s\":\"\\uFFFD\"}");
    check("{\"s\":\"x\\u0000y\"}", "{\"s\":\"x\\uFFFDy\"}");
    check("{\"\\ud800\":1}", "{\"\\uFFFD\":1}");
    check("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}", "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}");
    /* what cJSON gives for the output */
    char *t = prepare("{\"s\":\"a\\ud800b\\u0000c\"}");
    cJSON *j = cJSON_Parse(t);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "s")->valuestring,
                        "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
    cJSON_Delete(j);
    free(t);
}

static void test_grammar(void **state)
{
    (void)state;
    check(" [ 1 , -0.5e+3 , true , false , null , \"x\" , { } , [ ] ] ",
          " [ 1 , -0.5e+3 , true , false , null , \"x\" , { } , [ ] ] ");
    check("{\"a\":1,}", "ERROR: invalid JSON: expected a string key @7");
    check("[1,]", "ERROR: invalid JSON: unexpected character @3");
    check("{\"a\" 1}", "ERROR: invalid JSON: expected ':' after a key @5");
    check("{\"a\":01}", "ERROR: invalid JSON: expected ',' or the end of a container @6");
    check("[1.]", "ERROR: invalid JSON: invalid number @3");
    check("[\"\\x\"]", "ERROR: invalid JSON: invalid escape in a string @2");
    check("[\"\\u12\"]", "ERROR: invalid JSON: invalid \\u escape in a string @2");
    check("[\"abc", "ERROR: invalid JSON: unterminated string @5");
    check("{} {}", "ERROR: text after the JSON value @3");
    check("", "ERROR: invalid JSON: empty @0");
    check("  ", "ERROR: invalid JSON: empty @0");
    check("[tru]", "ERROR: invalid JSON: unexpected character @1");
    /* a raw NUL, even inside a skipped value (found by fuzz_osv_json) */
    buf nul = {0};
    buf_puts(&nul, "{\"database_specific\":{\"severity\":\"HI");
    buf_append(&nul, "\0", 1);
    buf_puts(&nul, "GH\"}}");
    size_t pos;
    airlock_error err;
    buf out = {0};
    assert_int_equal(osv_json_prepare(nul.data, nul.len, &out, &pos, &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
    assert_int_equal(pos, 36);
    buf_free(&nul);
    buf_free(&out);
    check("{\"a\":[}", "ERROR: invalid JSON: unexpected character @6");
}

static void test_freeform(void **state)
{
    (void)state;
    /* the record's database_specific keeps its string severity members */
    check("{\"id\":\"A\",\"database_specific\":{\"severity\":\"HIGH\",\"cwe\":[\"x\"],"
          "\"severity2\":1}}",
          "{\"id\":\"A\",\"database_specific\":{\"severity\":\"HIGH\"}}");
    check("{\"database_specific\":{\"severity\":7,\"x\":{\"severity\":\"LOW\"}}}",
          "{\"database_specific\":{}}");
    check("{\"database_specific\":{\"sev\\u0065rity\":\"a\\ud800\"}}",
          "{\"database_specific\":{\"severity\":\"a\\uFFFD\"}}");
    /* two of them: both kept, so that the duplicate-key check refuses it */
    check("{\"database_specific\":{\"severity\":\"A\",\"severity\":\"B\"}}",
          "{\"database_specific\":{\"severity\":\"A\",\"severity\":\"B\"}}");
    /* elsewhere: {} for an object, null for anything else */
    check("{\"affected\":[{\"ecosystem_specific\":{\"severity\":\"HIGH\"},"
          "\"database_specific\":[1,2],\"ranges\":[{\"database_specific\":\"s\"}]}]}",
          "{\"affected\":[{\"ecosystem_specific\":{},\"database_specific\":null,"
          "\"ranges\":[{\"database_specific\":null}]}]}");
    check("{\"database_specific\":null}", "{\"database_specific\":null}");
    /* keys compared decoded */
    check("{\"database\\u005fspecific\":[[1]]}", "{\"database\\u005fspecific\":null}");
    /* any depth, without recursion */
    buf b = {0};
    buf_puts(&b, "{\"database_specific\":{\"severity\":\"LOW\",\"x\":");
    for (int i = 0; i < 1000000; i++)
        buf_puts(&b, "[{\"a\":");
    buf_puts(&b, "1");
    for (int i = 0; i < 1000000; i++)
        buf_puts(&b, "}]");
    buf_puts(&b, "}}");
    check(b.data, "{\"database_specific\":{\"severity\":\"LOW\"}}");
    /* ... and still checked */
    b.data[b.len - 5] = ',';
    char *t = prepare(b.data);
    assert_non_null(strstr(t, "ERROR: invalid JSON"));
    free(t);
    /* Outside free-form fields the depth bound holds. */
    buf_reset(&b);
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < OSV_MAX_DEPTH; i++)
        buf_putc(&b, '[');
    t = prepare(b.data);
    assert_non_null(strstr(t, "ERROR: nested deeper than 64 levels"));
    free(t);
    buf_free(&b);
}

/* The same record in YAML: NUL replaced, free-form fields skipped. */
static void test_yaml(void **state)
{
    (void)state;
    airlock_error err;
    const char *text = "id: A-1\n"
                       "details: \"x\\0y\\x00z\"\n"
                       "database_specific:\n"
                       "  severity: MODERATE\n"
                       "  other: &anc [1, [2, [3]]]\n"
                       "  ? {complex: key}\n"
                       "  : severity\n"
                       "affected:\n"
                       "- ecosystem_specific: {severity: HIGH}\n"
                       "  database_specific: just text\n"
                       "  ranges:\n"
                       "  - database_specific: [1]\n";
    cJSON *r = osv_parse_yaml(text, strlen(text), &err);
    if (r == NULL)
        fail_msg("%s", err.msg);
    char *s = cJSON_PrintUnformatted(r);
    assert_string_equal(s, "{\"id\":\"A-1\",\"details\":\"x\xef\xbf\xbdy\xef\xbf\xbdz\","
                           "\"database_specific\":{\"severity\":\"MODERATE\"},"
                           "\"affected\":[{\"ecosystem_specific\":{},\"database_specific\":null,"
                           "\"ranges\":[{\"database_specific\":null}]}]}");
    free(s);
    cJSON_Delete(r);

    /* Escapes libyaml refuses: repaired as in JSON, after multi-byte text
     * and CRLF line ends (libyaml counts code points). */
    text = "id: A-4\r\nx: \"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80\"\r\n"
           "summary: \"a\\ud800b \\udc00\\ud800 \\ud83d\\ude00 \\U00110000 \\u00e9\"\n"
           "details: \"\\uD83D\\uDE00\"\n";
    r = osv_parse_yaml(text, strlen(text), &err);
    if (r == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(cJSON_GetObjectItem(r, "summary")->valuestring,
                        "a\xef\xbf\xbd" "b \xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80 "
                        "\xef\xbf\xbd \xc3\xa9");
    assert_string_equal(cJSON_GetObjectItem(r, "details")->valuestring, "\xf0\x9f\x98\x80");
    cJSON_Delete(r);
    /* ... a bounded number of times */
    buf many = {0};
    buf_puts(&many, "id: A-5\nsummary: \"");
    for (int i = 0; i < 65; i++)
        buf_puts(&many, "\\ud800");
    buf_puts(&many, "\"\n");
    r = osv_parse_yaml(many.data, many.len, &err);
    assert_null(r);
    assert_non_null(strstr(err.msg, "invalid Unicode character escape"));
    buf_free(&many);

    /* deeper than the bound, inside database_specific only */
    buf b = {0};
    buf_puts(&b, "id: A-2\ndatabase_specific: {severity: LOW, x: ");
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, ']');
    buf_puts(&b, "}\n");
    r = osv_parse_yaml(b.data, b.len, &err);
    if (r == NULL)
        fail_msg("%s", err.msg);
    s = cJSON_PrintUnformatted(r);
    assert_string_equal(s, "{\"id\":\"A-2\",\"database_specific\":{\"severity\":\"LOW\"}}");
    free(s);
    cJSON_Delete(r);
    buf_reset(&b);
    buf_puts(&b, "id: A-3\nother: ");
    for (int i = 0; i < 100; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 100; i++)
        buf_putc(&b, ']');
    buf_puts(&b, "\n");
    r = osv_parse_yaml(b.data, b.len, &err);
    assert_null(r);
    assert_non_null(strstr(err.msg, "nested deeper than 64"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_freeform),
        cmocka_unit_test(test_yaml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
