/* libFuzzer target: one OSV record parsed as JSON (UTF-8 check, the pass of
 * dbbuild/osv_json.h, cJSON, depth and duplicate-key checks), and that pass
 * on its own: what it accepts, cJSON must parse, and where it has nothing to
 * rewrite (no \u escape, no free-form member) the tree must be the one cJSON
 * gives for the input itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dbbuild/osv_json.h"
#include "dbbuild/osv_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int contains(const uint8_t *data, size_t size, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, s, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    cJSON *r = osv_parse_json((const char *)data, size, &err);
    cJSON_Delete(r);

    buf out = {0};
    size_t pos;
    int rc = osv_json_prepare((const char *)data, size, &out, &pos, &err);
    if (rc == 0 && out.len != 0)
        abort(); /* "parse it as it is" writes nothing */
    if (rc >= 0) {
        cJSON *mine = rc == 0 ? cJSON_ParseWithLength((const char *)data, size)
                              : cJSON_ParseWithLength(out.data, out.len);
        if (mine == NULL)
            abort(); /* accepted text cJSON cannot parse */
        if (!contains(data, size, "\\u") && !contains(data, size, "_specific") &&
            memchr(data, '\0', size) == NULL) {
            /* Compared as printed: cJSON_Compare finds only the first of
             * two equal keys, and duplicates are refused later anyway. */
            cJSON *theirs = cJSON_ParseWithLength((const char *)data, size);
            char *a = theirs != NULL ? cJSON_PrintUnformatted(theirs) : NULL;
            char *b = cJSON_PrintUnformatted(mine);
            if (a == NULL || b == NULL || strcmp(a, b) != 0)
                abort(); /* the pass changed a record it had no reason to */
            free(a);
            free(b);
            cJSON_Delete(theirs);
        }
        cJSON_Delete(mine);
    } else if (pos > size) {
        abort();
    }
    buf_free(&out);
    return 0;
}
