/* Tests for scanner/inputs/json_doc.c: the line of every key and value,
 * and the strictness it adds to cJSON (Python's json as the reference:
 * each refused case below is one json.loads() refuses too, except the key
 * given twice, which Python takes, keeping the last). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/json_doc.h"

static void test_lines(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF{\r\n \"a\":\n  [1,\n   {\"b\": \"x\\ny\"}],\n"
                       " \"c\"\n :\n true}";
    json_doc doc;
    airlock_error err;
    assert_int_equal(json_doc_parse(&doc, text, strlen(text), "f", &err), 0);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc.root, "a");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a, 1), "b");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc.root, "c");
    assert_int_equal(json_doc_line(&doc, doc.root), 1);
    assert_int_equal(json_doc_line(&doc, a), 2);
    assert_int_equal(json_doc_value_line(&doc, a), 3);
    assert_int_equal(json_doc_line(&doc, cJSON_GetArrayItem(a, 0)), 3);
    assert_int_equal(json_doc_line(&doc, cJSON_GetArrayItem(a, 1)), 4);
    assert_int_equal(json_doc_line(&doc, b), 4);
    assert_string_equal(json_doc_string(cJSON_GetArrayItem(a, 1), "b"), "x\ny");
    assert_int_equal(json_doc_line(&doc, c), 5);
    assert_int_equal(json_doc_value_line(&doc, c), 7);
    cJSON *other = cJSON_CreateNull();
    assert_int_equal(json_doc_line(&doc, other), 0);
    cJSON_Delete(other);
    assert_null(json_doc_string(doc.root, "c")); /* not a string */
    json_doc_free(&doc);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
    } cases[] = {
        {"", 1},
        {"{\"a\": 1,}", 1},
        {"[1]\n[2]", 2},
        {"{\"a\":\n\"tab\there\"}", 2},
        {"{\"a\": \"\xc3\"}", 1},
        {"[01]", 1},
        {"[+1]", 1},
        {"[1.]", 1},
        {"[.5]", 1},
        {"[1e]", 1},
        {"\v[1]", 1},
        {"[1,\n\x01 2]", 2},
        {"[1]\0", 1},
        {"{\"k\": 1,\n \"k\": 2}", 2},
        {"[tru]", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_doc doc;
        airlock_error err;
        size_t len = strlen(cases[i].text) + (i == 12); /* case 12 holds its NUL */
        if (json_doc_parse(&doc, cases[i].text, len, "f", &err) != -1)
            fail_msg("case %zu accepted", i);
        char want[32];
        snprintf(want, sizeof want, "f:%u: invalid JSON", cases[i].line);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        assert_null(doc.root);
    }
}

static void test_accepted(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "[0, -0, 1.5e3, -2E-2, 10]", "\"\\u00e9\\ud83d\\ude00\"", "  {}  \n", "[[], {}, null]",
        "{\"a\": {\"a\": 1}, \"b\": {\"a\": 2}}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_doc doc;
        airlock_error err;
        if (json_doc_parse(&doc, cases[i], strlen(cases[i]), "f", &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        json_doc_free(&doc);
    }
}

static void test_line_at(void **state)
{
    (void)state;
    assert_int_equal(json_line_at("a\nb\nc", 5, 0), 1);
    assert_int_equal(json_line_at("a\nb\nc", 5, 2), 2);
    assert_int_equal(json_line_at("a\nb\nc", 5, 4), 3);
    assert_int_equal(json_line_at("a\nb\nc", 5, 99), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_line_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
