/* libFuzzer target: one OSV record parsed as YAML and converted to cJSON
 * (scalar rules, aliases within budget, depth, one document only). */
#include <stddef.h>
#include <stdint.h>

#include "dbbuild/osv_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    cJSON *r = osv_parse_yaml((const char *)data, size, &err);
    cJSON_Delete(r);
    return 0;
}
