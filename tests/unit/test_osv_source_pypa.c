/* Tests for dbbuild/osv_source on the shared PyPA advisory database: its
 * YAML tree and its OSV JSON zip give the same 2,661 records. A test of its
 * own so that, without ../shared, it is skipped (exit 77) while
 * test_osv_source still runs and passes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbbuild/osv_source.h"

typedef struct pypa_paths {
    char ydir[4096]; /* the YAML tree */
    char zip[4096];  /* the OSV JSON zip */
} pypa_paths;

typedef struct byid {
    cJSON *records; /* object: id -> record */
    size_t n;
} byid;

static int keep_by_id(void *arg, const char *origin, cJSON *record, airlock_error *err)
{
    byid *b = arg;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(record, "id");
    if (!cJSON_IsString(id))
        return error_set(err, "%s: no id", origin);
    if (cJSON_GetObjectItemCaseSensitive(b->records, id->valuestring) != NULL)
        return error_set(err, "%s: id %s seen twice", origin, id->valuestring);
    cJSON_AddItemToObject(b->records, id->valuestring, cJSON_Duplicate(record, 1));
    b->n++;
    return 0;
}

/* RFC 3339 in the forms the data has: the JSON export pads fractions to 6
 * digits and writes year 1 as "1"; compare on a canonical form. */
static void canon_time(const char *in, char *out, size_t cap)
{
    int year = 0;
    size_t i = 0;
    while (in[i] >= '0' && in[i] <= '9')
        year = year * 10 + (in[i++] - '0');
    const char *rest = in + i;
    const char *dot = strchr(rest, '.');
    int n = snprintf(out, cap, "%04d", year);
    if (dot == NULL) {
        snprintf(out + n, cap - (size_t)n, "%s", rest);
        return;
    }
    const char *z = dot + 1;
    while (*z >= '0' && *z <= '9')
        z++;
    const char *last = z;
    while (last > dot + 1 && last[-1] == '0')
        last--;
    int frac = last == dot + 1 ? 0 : (int)(last - dot); /* ".123", or nothing */
    snprintf(out + n, cap - (size_t)n, "%.*s%.*s%s", (int)(dot - rest), rest, frac, dot, z);
}

static void test_pypa_both_forms(void **state)
{
    const pypa_paths *paths = *state;
    const char *ydir = paths->ydir, *zip = paths->zip;
    byid y = {cJSON_CreateObject(), 0}, j = {cJSON_CreateObject(), 0};
    osv_source_info yi, ji;
    airlock_error err;
    error_clear(&err);
    diag dy = {0}, dj = {0};
    assert_int_equal(osv_source_read(ydir, keep_by_id, &y, &dy, &yi, &err), 0);
    assert_int_equal(osv_source_read(zip, keep_by_id, &j, &dj, &ji, &err), 0);
    assert_int_equal(y.n, 2661);
    assert_int_equal(j.n, 2661);
    assert_int_equal(yi.unreadable + ji.unreadable, 0);
    assert_int_equal(dy.warnings + dj.warnings, 0);

    static const char *const times[] = {"modified", "published", "withdrawn"};
    size_t raw_time_diffs = 0;
    for (cJSON *a = y.records->child; a != NULL; a = a->next) {
        cJSON *b = cJSON_GetObjectItemCaseSensitive(j.records, a->string);
        assert_non_null(b);
        for (size_t t = 0; t < 3; t++) {
            cJSON *ta = cJSON_GetObjectItemCaseSensitive(a, times[t]);
            cJSON *tb = cJSON_GetObjectItemCaseSensitive(b, times[t]);
            assert_true((ta == NULL) == (tb == NULL));
            if (ta == NULL)
                continue;
            assert_true(cJSON_IsString(ta) && cJSON_IsString(tb));
            if (strcmp(ta->valuestring, tb->valuestring) != 0)
                raw_time_diffs++;
            char ca[64], cb[64];
            canon_time(ta->valuestring, ca, sizeof ca);
            canon_time(tb->valuestring, cb, sizeof cb);
            if (strcmp(ca, cb) != 0) {
                fprintf(stderr, "%s %s: %s vs %s\n", a->string, times[t], ta->valuestring,
                        tb->valuestring);
                fail();
            }
            cJSON_DeleteItemFromObjectCaseSensitive(a, times[t]);
            cJSON_DeleteItemFromObjectCaseSensitive(b, times[t]);
        }
        /* Everything else (id, aliases, affected[] with package, ranges and
         * versions, severity, references, summary, details, ...) is equal. */
        if (!cJSON_Compare(a, b, 1)) {
            fprintf(stderr, "%s differs between YAML and JSON\n", a->string);
            fail();
        }
    }
    /* Fractions like .73368 (YAML) vs .733680 (JSON), and year 0001 vs 1. */
    fprintf(stderr, "timestamps differing only in form: %zu\n", raw_time_diffs);
    assert_true(raw_time_diffs > 0 && raw_time_diffs < 100);
    cJSON_Delete(y.records);
    cJSON_Delete(j.records);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const char *shared = getenv("AIRLOCK_SHARED_DIR");
    pypa_paths paths;
    snprintf(paths.ydir, sizeof paths.ydir, "%s/data/pypa-advisory-database",
             shared ? shared : "../shared");
    snprintf(paths.zip, sizeof paths.zip, "%s/data/pypa-advisory-database-osv-json.zip",
             shared ? shared : "../shared");
    struct stat st;
    if (stat(paths.ydir, &st) != 0 || stat(paths.zip, &st) != 0) {
        fprintf(stderr, "skip: the shared PyPA data is not at %s and %s\n", paths.ydir,
                paths.zip);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_pypa_both_forms, &paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
