/* libFuzzer target: the snapshot's header (skippable) frame. */
#include <stddef.h>
#include <stdint.h>

#include "signatures/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    snapshot_meta m;
    size_t frame_len;
    if (snapshot_read_header(data, size, "fuzz", &m, &frame_len, &err) == 0 &&
        (frame_len > size || frame_len < 16))
        __builtin_trap();
    return 0;
}
