/* libFuzzer target for core/toml: any bytes parse or fail with a
 * "FILE:LINE: why" message naming a line of the input; a parsed tree is
 * walked whole and its accessors must agree with each other (every key
 * found again by toml_get, lengths and NUL terminators as documented, lines
 * within the input, typed getters refusing other types). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/toml.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void walk(const toml_value *v, unsigned lines, int depth)
{
    CHECK(depth <= TOML_DEPTH_MAX + 1);
    CHECK(toml_line(v) >= 1 && toml_line(v) <= lines);
    toml_type t = toml_type_of(v);
    int64_t i;
    double f;
    bool b;
    size_t n;
    CHECK((toml_string(v, &n) != NULL) == (t == TOML_STRING));
    CHECK(toml_integer(v, &i) == (t == TOML_INTEGER));
    CHECK(toml_float(v, &f) == (t == TOML_FLOAT));
    CHECK(toml_bool(v, &b) == (t == TOML_BOOL));
    CHECK((toml_datetime(v) != NULL) == (t >= TOML_DATETIME && t <= TOML_TIME_LOCAL));
    CHECK(strcmp(toml_type_name(t), "?") != 0);
    if (t == TOML_STRING) {
        const char *s = toml_string(v, &n);
        CHECK(s[n] == '\0');
    }
    if (t == TOML_ARRAY) {
        CHECK(toml_at(v, toml_len(v)) == NULL);
        CHECK(toml_key_at(v, 0) == NULL);
        for (size_t k = 0; k < toml_len(v); k++)
            walk(toml_at(v, k), lines, depth + 1);
    } else if (t == TOML_TABLE) {
        CHECK(toml_at(v, 0) == NULL);
        CHECK(toml_key_at(v, toml_len(v)) == NULL);
        for (size_t k = 0; k < toml_len(v); k++) {
            const char *key = toml_key_at(v, k);
            size_t klen = toml_key_len(v, k);
            CHECK(key[klen] == '\0');
            const toml_value *c = toml_value_at(v, k);
            if (strlen(key) == klen)
                CHECK(toml_get(v, key) == c);
            walk(c, lines, depth + 1);
        }
    } else {
        CHECK(toml_len(v) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned lines = 1;
    for (size_t k = 0; k < size; k++)
        lines += data[k] == '\n';
    toml_value *root;
    airlock_error err;
    if (toml_parse((const char *)data, size, "f.toml", &root, &err) < 0) {
        CHECK(root == NULL);
        unsigned line = 0;
        CHECK(sscanf(err.msg, "f.toml:%u: ", &line) == 1);
        CHECK(line >= 1 && line <= lines);
        return 0;
    }
    CHECK(toml_type_of(root) == TOML_TABLE && toml_line(root) == 1);
    walk(root, lines, 0);
    toml_free(root);
    return 0;
}
