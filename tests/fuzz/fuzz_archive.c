/* libFuzzer target: an archive (zip, tar, compressed or not) read from
 * memory as a source, every record parsed and handed to a callback. */
#include <stddef.h>
#include <stdint.h>

#include "dbbuild/osv_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(void *arg, const char *origin, cJSON *record, airlock_error *err)
{
    (void)origin;
    (void)err;
    /* Look at the tree the way the compiler will. */
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(record, "id");
    if (cJSON_IsString(id))
        (*(size_t *)arg)++;
    return 0;
}

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    diag d = {quiet, NULL, 0};
    osv_source_info info;
    airlock_error err;
    osv_source_read_archive_memory(data, size, "fuzz.zip", touch, &n, &d, &info, &err);
    return 0;
}
