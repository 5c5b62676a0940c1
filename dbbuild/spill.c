/*
 * spill.c - append-only temporary file with random reads (see spill.h).
 */
#include "dbbuild/spill.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/buf.h"

struct spill {
    FILE *f;        /* tmpfile(): already unlinked */
    uint64_t size;  /* bytes appended */
    int dirty;      /* appended since the last flush */
};

int spill_open(spill **out, airlock_error *err)
{
    FILE *f = tmpfile();
    if (f == NULL)
        return error_errno(err, errno, "temporary file");
    spill *s = xcalloc(1, sizeof *s);
    s->f = f;
    *out = s;
    return 0;
}

int spill_put(spill *s, const void *data, size_t len, uint64_t *off, airlock_error *err)
{
    *off = s->size;
    if (len > 0 && fwrite(data, 1, len, s->f) != len)
        return error_errno(err, errno, "temporary file");
    s->size += len;
    s->dirty = 1;
    return 0;
}

int spill_get(spill *s, uint64_t off, size_t len, void *out, airlock_error *err)
{
    if (off > s->size || len > s->size - off)
        return error_set(err, "temporary file: read outside what was written");
    if (s->dirty) {
        if (fflush(s->f) != 0)
            return error_errno(err, errno, "temporary file");
        s->dirty = 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fileno(s->f), (char *)out + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return error_errno(err, n < 0 ? errno : EIO, "temporary file");
        done += (size_t)n;
    }
    return 0;
}

void spill_close(spill *s)
{
    if (s == NULL)
        return;
    fclose(s->f);
    free(s);
}
