#include "scanner/inputs/scan_inputs.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fileio.h"

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

int scan_file_sha256(const char *path, char out[65], airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, SCAN_INPUT_MAX, &data, &len, err) != 0)
        return -1;
    sha256_hex(data, len, out);
    free(data);
    return 0;
}

static const char *recorded_digest(const scan_report *r, const char *path)
{
    for (size_t i = r->n_files_read; i-- > 0;)
        if (strcmp(r->files_read[i].path, path) == 0)
            return r->files_read[i].sha256;
    return NULL;
}

static void record(scan_report *r, const char *path, const char *hex)
{
    for (size_t i = 0; i < r->n_files_read; i++)
        if (strcmp(r->files_read[i].path, path) == 0 && strcmp(r->files_read[i].sha256, hex) == 0)
            return;
    r->files_read = xrealloc(r->files_read, (r->n_files_read + 1) * sizeof *r->files_read);
    r->files_read[r->n_files_read++] =
        (scan_input){.kind = INPUT_REQUIREMENTS, .path = xstrdup(path), .sha256 = xstrdup(hex)};
}

void scan_record_file(void *report, const char *path, const char *data, size_t len)
{
    char hex[65];
    sha256_hex(data, len, hex);
    record(report, path, hex);
}

/* The inputs that are files read whole and parsed: their digest is the
 * one of the bytes parsed. */
static bool is_file_input(input_kind kind)
{
    return kind == INPUT_REQUIREMENTS || kind == INPUT_LOCKFILE || kind == INPUT_PYPROJECT ||
           kind == INPUT_SBOM;
}

int scan_add_input(scan_report *r, input_kind kind, const char *path, airlock_error *err)
{
    char hex[65];
    if (is_file_input(kind)) {
        const char *known = recorded_digest(r, path);
        if (known != NULL)
            memcpy(hex, known, sizeof hex);
        else if (scan_file_sha256(path, hex, err) != 0)
            return -1;
        else
            record(r, path, hex);
    }
    r->inputs = xrealloc(r->inputs, (r->n_inputs + 1) * sizeof *r->inputs);
    scan_input *in = &r->inputs[r->n_inputs++];
    in->kind = kind;
    in->path = xstrdup(path);
    in->sha256 = is_file_input(kind) ? xstrdup(hex) : NULL;
    in->format = NULL;
    in->note = NULL;
    return 0;
}

void scan_diag_record(void *report, const char *file, unsigned line, const char *msg)
{
    diag_print(file, line, msg);
    scan_report_add_warning(report, file, line, msg);
}
