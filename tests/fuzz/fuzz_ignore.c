/* libFuzzer target: ignore-file parsing must never crash, hang or read out
 * of bounds, and every entry it keeps must be well-formed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/ignore.h"

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg;
    (void)file;
    (void)line;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ignore_list l = {0};
    diag d = {quiet, NULL, 0};
    ignore_parse(&l, "fuzz", (const char *)data, size, &d);
    for (size_t i = 0; i < l.len; i++) {
        const ignore_entry *e = &l.items[i];
        size_t n = strlen(e->id);
        if (n == 0 || n > IGNORE_ID_MAX || e->line == 0)
            abort();
        if (e->until != NULL && !ignore_date_valid(e->until, strlen(e->until)))
            abort();
    }
    ignore_list_free(&l);
    return 0;
}
