/*
 * fuzz_osv_record - OSV record validation and normalisation on arbitrary
 * JSON: never crash, leak or read out of bounds; an accepted record is
 * internally consistent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "dbbuild/osv_record.h"
#include "dbbuild/osv_source.h"
#include "db/vulndb_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    /* The timestamp normaliser on the raw bytes too. */
    if (size < 80) {
        char *text = xstrndup((const char *)data, size);
        char out[64];
        if (timestamp_normalize(text, out, &err) == 0) {
            char again[64];
            if (timestamp_normalize(out, again, &err) != 0 || strcmp(out, again) != 0)
                abort(); /* normalising is idempotent */
        }
        free(text);
    }
    cJSON *j = osv_parse_json((const char *)data, size, &err);
    if (j == NULL)
        return 0;
    osv_record r;
    if (osv_record_from_json(j, "fuzz", NULL, &r, &err) == 0) {
        if (!osv_id_valid(r.id) || r.modified[0] == '\0')
            abort();
        for (size_t i = 0; i < r.n_pkgs; i++) {
            const osv_package *p = &r.pkgs[i];
            for (size_t k = 1; k < p->n_fixed; k++)
                if (vdb_keycmp(p->fixed[k - 1].p, p->fixed[k - 1].len, p->fixed[k].p,
                               p->fixed[k].len) >= 0)
                    abort(); /* sorted and unique */
        }
        osv_record_clear(&r);
    }
    cJSON_Delete(j);
    return 0;
}
