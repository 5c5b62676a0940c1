/* libFuzzer target: one OSV record parsed as JSON (UTF-8 check, cJSON,
 * depth and duplicate-key checks). */
#include <stddef.h>
#include <stdint.h>

#include "dbbuild/osv_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    cJSON *r = osv_parse_json((const char *)data, size, &err);
    cJSON_Delete(r);
    return 0;
}
