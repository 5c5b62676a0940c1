/* libFuzzer target: one wheelhouse archive checked as `airlock scan
 * --wheelhouse` checks it. The first byte picks the kind (wheel, sdist
 * .tar.gz, sdist .zip), the rest is the archive: the zip and tar readers,
 * RECORD's CSV and hashes, METADATA/PKG-INFO and the name checks. Limits
 * are lowered so that a bomb costs milliseconds, not seconds. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scanner/inputs/wheelhouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)file, (void)line, (void)msg;
    (*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const wh_kind kinds[] = {WH_WHEEL, WH_SDIST_TGZ, WH_SDIST_ZIP};
    static const char *const names[] = {"dist/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0.tar.gz",
                                        "dist/pkg-1.0.zip"};
    size_t k = data[0] % 3;
    int fd = memfd_create("fuzz_wheel", 0);
    if (fd < 0)
        return 0;
    if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    archive_limits lim = archive_default_limits;
    lim.max_entries = 1000;
    lim.max_entry_size = 1 << 20;
    lim.max_total_size = 4 << 20;
    size_t warnings = 0;
    diag d = {quiet, &warnings, 0};
    wheelhouse wh = {0};
    dep_list deps = {0};
    wheelhouse_read_archive(fd, names[k], kinds[k], &lim, &wh, &deps, &d);
    close(fd);
    /* One dependency at most, named when it is there. */
    if (deps.len > 1 || (deps.len == 1 && deps.items[0].name == NULL) || wh.len != 1)
        __builtin_trap();
    dep_list_free(&deps);
    wheelhouse_free(&wh);
    return 0;
}
