/* The cJSON helpers that the SARIF and CycloneDX writers used before they
 * streamed (scanner/reports/report_util.c at commit 535ba181), kept only
 * for the reference writers in reference_report_*.h. */
#ifndef AIRLOCK_TEST_REFERENCE_RJ_H
#define AIRLOCK_TEST_REFERENCE_RJ_H

#include <errno.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"
#include "scanner/reports/report_util.h"

static inline cJSON *must(cJSON *item)
{
    if (item == NULL)
        abort(); /* out of memory: see buf.h */
    return item;
}

static inline void add(cJSON *parent, const char *key, cJSON *item)
{
    cJSON_bool ok = key != NULL ? cJSON_AddItemToObject(parent, key, item)
                                : cJSON_AddItemToArray(parent, item);
    if (!ok)
        abort();
}

static inline cJSON *ref_rj_new_object(void)
{
    return must(cJSON_CreateObject());
}

static inline cJSON *ref_rj_object(cJSON *parent, const char *key)
{
    cJSON *o = must(cJSON_CreateObject());
    add(parent, key, o);
    return o;
}

static inline cJSON *ref_rj_array(cJSON *parent, const char *key)
{
    cJSON *a = must(cJSON_CreateArray());
    add(parent, key, a);
    return a;
}

static inline cJSON *ref_rj_push_object(cJSON *array)
{
    return ref_rj_object(array, NULL);
}

static inline cJSON *clean_string(const char *s)
{
    buf b = {0};
    report_utf8_append(&b, s);
    cJSON *item = must(cJSON_CreateString(b.data != NULL ? b.data : ""));
    buf_free(&b);
    return item;
}

static inline void ref_rj_push_string(cJSON *array, const char *s)
{
    if (s != NULL)
        add(array, NULL, clean_string(s));
}

static inline void ref_rj_string(cJSON *object, const char *key, const char *s)
{
    if (s != NULL)
        add(object, key, clean_string(s));
}

static inline void ref_rj_number(cJSON *object, const char *key, double n)
{
    add(object, key, must(cJSON_CreateNumber(n)));
}

static inline void ref_rj_bool(cJSON *object, const char *key, int value)
{
    add(object, key, must(cJSON_CreateBool(value ? 1 : 0)));
}

static inline int ref_rj_print(cJSON *root, FILE *out, airlock_error *err)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        abort();
    int bad = fputs(text, out) == EOF || fputc('\n', out) == EOF;
    free(text);
    if (bad)
        return error_errno(err, errno, "writing the report");
    return 0;
}

#endif
