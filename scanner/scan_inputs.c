#include "scanner/scan_inputs.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fileio.h"

int scan_file_sha256(const char *path, char out[65], airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, SCAN_INPUT_MAX, &data, &len, err) != 0)
        return -1;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    free(data);
    sodium_bin2hex(out, 65, digest, sizeof digest);
    return 0;
}

int scan_add_input(scan_report *r, input_kind kind, const char *path, airlock_error *err)
{
    char hex[65];
    if (kind == INPUT_REQUIREMENTS && scan_file_sha256(path, hex, err) != 0)
        return -1;
    r->inputs = xrealloc(r->inputs, (r->n_inputs + 1) * sizeof *r->inputs);
    scan_input *in = &r->inputs[r->n_inputs++];
    in->kind = kind;
    in->path = xstrdup(path);
    in->sha256 = kind == INPUT_REQUIREMENTS ? xstrdup(hex) : NULL;
    return 0;
}

void scan_diag_record(void *report, const char *file, unsigned line, const char *msg)
{
    diag_print(file, line, msg);
    scan_report_add_warning(report, file, line, msg);
}
