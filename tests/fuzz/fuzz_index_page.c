/* libFuzzer target: one PEP 691 JSON project page (dbbuild/index_page.h).
 * Whatever it reads must hold the module's promises (releases ascending
 * and distinct, files sorted and distinct, sane file names, hex hashes),
 * and its "rel" encoding must decode (db/vulndb_rel.h) back to the same
 * releases: the writer and the reader of the database agree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/vulndb_rel.h"
#include "dbbuild/index_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg;
    (void)file;
    (void)line;
    (void)msg;
}

static int same(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag d = {.fn = ignore};
    index_project p;
    airlock_error err;
    /* Alternate the name the page is filed under to reach the warning. */
    const char *expect = size % 2 ? "flask" : NULL;
    if (index_page_parse((const char *)data, size, "fuzz", expect, &d, &p, &err) != 0) {
        index_project_clear(&p);
        return 0;
    }
    for (size_t i = 0; i < p.n_rels; i++) {
        const index_release *r = &p.rels[i];
        if (i > 0 && version_compare(&p.rels[i - 1].v, &r->v) >= 0)
            abort();
        for (size_t k = 0; k < r->n_files; k++) {
            const index_file *f = &r->files[k];
            size_t n = strlen(f->filename);
            if (n == 0 || n > INDEX_MAX_FILENAME || strchr(f->filename, '/') != NULL)
                abort();
            if (k > 0 && strcmp(r->files[k - 1].filename, f->filename) >= 0)
                abort();
            if (f->sha256[0] != '\0' && strspn(f->sha256, "0123456789abcdef") != 64)
                abort();
        }
    }
    buf value = {0};
    index_project_encode(&p, &value);
    vulndb_releases out;
    int n = vulndb_releases_decode(value.data, value.len, &out);
    if (n < 0 || (size_t)n != p.n_rels)
        abort();
    for (size_t i = 0; i < p.n_rels; i++) {
        const index_release *r = &p.rels[i];
        const vulndb_release *o = &out.items[i];
        if (!same(r->text, o->version) || version_compare(&r->v, &o->v) != 0 ||
            o->yanked != index_release_yanked(r) ||
            (o->yanked && !same(index_release_yank_reason(r), o->yank_reason)) ||
            !same(index_release_requires_python(r), o->requires_python) ||
            (index_release_upload_time(r) < 0) != (o->upload_time[0] == '\0') ||
            o->n_files != r->n_files)
            abort();
        for (size_t k = 0; k < r->n_files; k++)
            if (!same(r->files[k].filename, o->files[k].filename) ||
                !same(r->files[k].sha256, o->files[k].sha256))
                abort();
    }
    vulndb_releases_free(&out);
    buf_free(&value);
    index_project_clear(&p);
    return 0;
}
