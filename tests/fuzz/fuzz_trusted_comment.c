/* libFuzzer target: the trusted comment (snapshot metadata line). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "signatures/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    snapshot_meta m, again;
    if (snapshot_meta_parse((const char *)data, size, "fuzz", &m, &err) != 0)
        return 0;
    /* What parses formats to a line that parses to the same metadata. */
    char line[512];
    size_t n = snapshot_meta_format(&m, line, sizeof line);
    if (n >= sizeof line || snapshot_meta_parse(line, n, "fuzz", &again, &err) != 0 ||
        !snapshot_meta_equal(&m, &again))
        __builtin_trap();
    return 0;
}
