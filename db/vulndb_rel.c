/*
 * vulndb_rel.c - decode the releases of one project ("rel" value,
 * docs/database-schema.md); the value comes from a signed database but is
 * still bounds-checked: a value that does not decode is an error.
 */
#include "db/vulndb_rel.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "db/vulndb_format.h"

/* A count that cannot exceed what the rest of the value could hold. */
static size_t get_count(vdb_cursor *c, size_t min_item)
{
    uint64_t n = vdb_get_varint(c);
    if (c->bad || n > (uint64_t)(c->end - c->p) / min_item) {
        c->bad = true;
        return 0;
    }
    return (size_t)n;
}

/* Longest file name a "rel" value may rebuild (the build keeps 255). */
#define REL_MAX_FILENAME 4096

/* What vulndb_releases.owned points to. */
typedef struct rel_store {
    char *pool;                 /* every string; pool[0] is "" */
    vulndb_release_file *files; /* every release's files, in order */
} rel_store;

/* Decode a "rel" value. With `st` NULL it only checks the value and counts
 * what it needs (*n_rels, *n_files, *pool_len); else it fills `out` from
 * the storage sized by that first pass. Returns 0, or -1 if the value does
 * not decode. */
static int decode_releases(const void *value, size_t vlen, vulndb_releases *out, rel_store *st, size_t *n_rels,
                           size_t *n_files, size_t *pool_len)
{
    vdb_cursor c = {value, (const uint8_t *)value + vlen, false};
    char *pool = st != NULL ? st->pool : NULL;
    size_t at = 1, nf = 0, prev_len = 0;
    const char *prev_name = "", *prev_rp = "";
    size_t nr = get_count(&c, 4);
    for (size_t i = 0; i < nr && !c.bad; i++) {
        vulndb_release *r = st != NULL ? &out->items[i] : NULL;
        size_t len;
        const uint8_t *p = vdb_get_bytes(&c, &len);
        if (len == 0 || len > VERSION_MAX_TEXT)
            c.bad = true;
        if (r != NULL) {
            r->version = pool + at;
            memcpy(r->version, p, len);
            r->version[len] = '\0';
            airlock_error verr;
            if (version_parse(&r->v, r->version, len, &verr) != 0)
                return -1;
        }
        at += len + 1;
        uint64_t flags = vdb_get_varint(&c);
        if (flags > (VULNDB_REL_YANKED | VULNDB_REL_SAME_PYTHON))
            c.bad = true;
        const char *reason = "";
        if (flags & VULNDB_REL_YANKED) {
            p = vdb_get_bytes(&c, &len);
            if (r != NULL && len > 0) {
                memcpy(pool + at, p, len);
                pool[at + len] = '\0';
                reason = pool + at;
            }
            at += len + 1;
        }
        uint64_t t = vdb_get_varint(&c);
        const char *when = "";
        if (t > 253402300800u) /* past 9999-12-31 */
            c.bad = true;
        else if (t > 0 && r != NULL) {
            time_t secs = (time_t)(t - 1);
            struct tm tm;
            if (gmtime_r(&secs, &tm) == NULL || strftime(pool + at, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
                return -1;
            when = pool + at;
        }
        at += 21;
        const char *rp = prev_rp;
        if (!(flags & VULNDB_REL_SAME_PYTHON)) {
            p = vdb_get_bytes(&c, &len);
            if (r != NULL) {
                memcpy(pool + at, p, len);
                pool[at + len] = '\0';
                rp = pool + at;
            }
            at += len + 1;
        }
        prev_rp = rp;
        size_t nfiles = get_count(&c, 3);
        if (r != NULL) {
            r->yanked = (flags & VULNDB_REL_YANKED) != 0;
            r->yank_reason = (char *)reason;
            r->upload_time = (char *)when;
            r->requires_python = (char *)rp;
            r->files = st->files + nf;
            r->n_files = nfiles;
        }
        for (size_t k = 0; k < nfiles && !c.bad; k++) {
            uint64_t shared = vdb_get_varint(&c);
            p = vdb_get_bytes(&c, &len);
            if (shared > prev_len || shared + len > REL_MAX_FILENAME || shared + len == 0) {
                c.bad = true;
                break;
            }
            size_t flen = (size_t)shared + len;
            size_t hlen;
            const uint8_t *sha = vdb_get_bytes(&c, &hlen);
            if (hlen != 0 && hlen != 32)
                c.bad = true;
            if (st != NULL) {
                vulndb_release_file *f = &st->files[nf];
                f->filename = pool + at;
                memmove(f->filename, prev_name, (size_t)shared);
                memcpy(f->filename + shared, p, len);
                f->filename[flen] = '\0';
                prev_name = f->filename;
                f->sha256 = pool;
                if (hlen == 32) {
                    static const char hex[] = "0123456789abcdef";
                    f->sha256 = pool + at + flen + 1;
                    for (size_t b = 0; b < 32; b++) {
                        f->sha256[2 * b] = hex[sha[b] >> 4];
                        f->sha256[2 * b + 1] = hex[sha[b] & 15];
                    }
                    f->sha256[64] = '\0';
                }
            }
            at += flen + 1 + (hlen == 32 ? 65 : 0);
            prev_len = flen;
            nf++;
        }
    }
    if (c.bad || c.p != c.end)
        return -1;
    *n_rels = nr;
    *n_files = nf;
    *pool_len = at;
    return 0;
}

int vulndb_releases_decode(const void *value, size_t len, vulndb_releases *out)
{
    memset(out, 0, sizeof *out);
    size_t nr, nf, plen;
    if (decode_releases(value, len, NULL, NULL, &nr, &nf, &plen) != 0)
        return -1;
    rel_store *st = xcalloc(1, sizeof *st);
    st->pool = xcalloc(plen, 1);
    st->files = xcalloc(nf ? nf : 1, sizeof *st->files);
    out->items = xcalloc(nr ? nr : 1, sizeof *out->items);
    out->owned = st;
    out->len = nr;
    if (decode_releases(value, len, out, st, &nr, &nf, &plen) != 0) {
        vulndb_releases_free(out);
        return -1;
    }
    return nr > INT32_MAX ? INT32_MAX : (int)nr;
}

void vulndb_releases_free(vulndb_releases *r)
{
    for (size_t i = 0; r->items != NULL && i < r->len; i++)
        version_clear(&r->items[i].v);
    free(r->items);
    rel_store *st = r->owned;
    if (st != NULL) {
        free(st->pool);
        free(st->files);
        free(st);
    }
    memset(r, 0, sizeof *r);
}
