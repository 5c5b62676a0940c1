/* libFuzzer target for scanner/inputs/pyproject: any bytes are read as a
 * pyproject.toml. A parse either fails with "FILE:LINE: why" and appends
 * nothing, or every dependency it appends is whole: a name, the file, a
 * line inside the input, a group, and either a version or a skip reason
 * (never silently dropped); a checked one is a registry pin. The bytes are
 * also read as one Poetry constraint (poetry_constraint_pep440). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/poetry_constraint.h"
#include "scanner/inputs/pyproject.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    unsigned lines = *(const unsigned *)arg;
    CHECK(file != NULL && msg != NULL);
    CHECK(line >= 1 && line <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n')
            lines++;
    dep_list deps = {0};
    diag d = {quiet, &lines, 0};
    char *note = NULL;
    airlock_error err;
    if (pyproject_parse_note((const char *)data, size, "fuzz.toml", &deps, &d, &note,
                             &err) != 0) {
        CHECK(deps.len == 0 && note == NULL);
        CHECK(strncmp(err.msg, "fuzz.toml:", 10) == 0);
    } else {
        for (size_t i = 0; i < deps.len; i++) {
            const dependency *x = &deps.items[i];
            CHECK(x->kind == DEP_DECLARED && x->name && x->normalized && x->group);
            CHECK(x->source_file && strcmp(x->source_file, "fuzz.toml") == 0);
            CHECK(x->source_line >= 1 && x->source_line <= lines);
            CHECK(x->has_version != (x->skip_reason != NULL));
            if (x->has_version)
                CHECK(x->source_kind && strcmp(x->source_kind, "registry") == 0 &&
                      x->version_text);
            CHECK(strlen(x->group) < 1024);
        }
        CHECK(note != NULL || deps.len > 0);
    }
    free(note);
    dep_list_free(&deps);

    /* The same bytes as one Poetry constraint: a PEP 440 form, or none and
     * nothing appended. */
    buf spec = {0};
    buf_puts(&spec, "x");
    if (poetry_constraint_pep440((const char *)data, size, &spec) == 0)
        CHECK(spec.data[0] == 'x' && strlen(spec.data) == spec.len);
    else
        CHECK(spec.len == 1);
    buf_free(&spec);
    return 0;
}
