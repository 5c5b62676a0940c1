/*
 * index_dir.c - read a directory of saved PEP 691 project pages
 * (index_dir.h).
 */
#include "dbbuild/index_dir.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "dbbuild/index_page.h"
#include "dbbuild/osv_source.h"
#include "signatures/sha256.h"

/* A page found in the directory: RELPATH and the project it is filed as. */
typedef struct page_ref {
    char *rel;
    char *expect;
} page_ref;

typedef struct page_list {
    page_ref *v;
    size_t n, cap;
} page_list;

static void add_page(page_list *l, const char *rel, const char *expect, size_t elen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].rel = xstrdup(rel);
    l->v[l->n].expect = xstrndup(expect, elen);
    l->n++;
}

static int page_cmp(const void *a, const void *b)
{
    return strcmp(((const page_ref *)a)->rel, ((const page_ref *)b)->rel);
}

/* The page inside DIR/NAME/, if any: index.json, else index.v1_json. */
static void find_in_subdir(const char *root, const char *nm, diag *d, page_list *l,
                           index_dir_info *info)
{
    static const char *const names[] = {"index.json", "index.v1_json"};
    buf p = {0};
    for (size_t i = 0; i < 2; i++) {
        buf_reset(&p);
        buf_printf(&p, "%s/%s/%s", root, nm, names[i]);
        struct stat st;
        if (lstat(p.data, &st) != 0)
            continue;
        if (!S_ISREG(st.st_mode)) {
            diag_warn(d, p.data, 0, "not a regular file (symbolic links are not followed); "
                                    "skipped");
            info->pages++;
            info->skipped++;
            continue;
        }
        buf_reset(&p);
        buf_printf(&p, "%s/%s", nm, names[i]);
        add_page(l, p.data, nm, strlen(nm));
        buf_free(&p);
        return;
    }
    /* The likely mistake: the HTML page (PEP 503) saved instead. */
    buf_reset(&p);
    buf_printf(&p, "%s/%s/index.html", root, nm);
    struct stat st;
    if (lstat(p.data, &st) == 0) {
        diag_warn(d, p.data, 0, "an HTML page, not PEP 691 JSON (save the page with "
                                "'Accept: application/vnd.pypi.simple.v1+json'); skipped");
        info->pages++;
        info->skipped++;
    }
    buf_free(&p);
}

static int list_pages(const char *root, diag *d, page_list *l, index_dir_info *info,
                      airlock_error *err)
{
    DIR *dir = opendir(root);
    if (dir == NULL)
        return error_errno(err, errno, "%s", root);
    struct dirent *de;
    buf p = {0};
    while ((de = readdir(dir)) != NULL) {
        const char *nm = de->d_name;
        size_t n = strlen(nm);
        if (nm[0] == '.')
            continue;
        buf_reset(&p);
        buf_printf(&p, "%s/%s", root, nm);
        struct stat st;
        bool json = n > 5 && strcmp(nm + n - 5, ".json") == 0;
        if (lstat(p.data, &st) != 0) {
            diag_warn(d, p.data, 0, "cannot stat: %s; skipped", strerror(errno));
            info->pages++;
            info->skipped++;
        } else if (S_ISLNK(st.st_mode)) {
            diag_warn(d, p.data, 0, "symbolic link not followed");
            info->pages++;
            info->skipped++;
        } else if (S_ISDIR(st.st_mode)) {
            find_in_subdir(root, nm, d, l, info);
        } else if (S_ISREG(st.st_mode) && json) {
            add_page(l, nm, nm, n - 5);
        } else if (S_ISREG(st.st_mode) && n > 5 && strcmp(nm + n - 5, ".html") == 0) {
            diag_warn(d, p.data, 0, "an HTML page, not PEP 691 JSON (save the page with "
                                    "'Accept: application/vnd.pypi.simple.v1+json'); skipped");
            info->pages++;
            info->skipped++;
        }
    }
    closedir(dir);
    buf_free(&p);
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, page_cmp);
    return 0;
}

static void add_entry(index_set *set, const index_project *proj, uint32_t source, buf *value)
{
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 256;
        set->v = xrealloc(set->v, set->cap * sizeof *set->v);
    }
    index_entry *e = &set->v[set->n++];
    e->name = xstrdup(proj->name);
    e->len = value->len;
    e->value = (uint8_t *)buf_detach(value, NULL);
    e->source = source;
    e->releases = proj->n_rels;
    e->files = proj->n_files;
    e->order = set->n - 1;
}

int index_dir_read(const char *dir, uint32_t source, diag *d, progress *prog, index_set *set,
                   index_dir_info *info, airlock_error *err)
{
    memset(info, 0, sizeof *info);
    char *root = path_trim_slashes(dir);
    page_list l = {0};
    int rc = list_pages(root, d, &l, info, err);
    sha256_state listing;
    sha256_init(&listing);
    buf data = {0}, path = {0}, line = {0}, value = {0};
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        if ((i & 255) == 0)
            progress_update(prog, "reading index %s: %zu of %zu pages", root, i, l.n);
        buf_reset(&path);
        buf_printf(&path, "%s/%s", root, l.v[i].rel);
        info->pages++;
        int too_big;
        unsigned char sha[32];
        airlock_error perr;
        if (source_read_hashed(path.data, INDEX_MAX_PAGE_BYTES, &data, &too_big, sha, &perr) != 0) {
            diag_warn(d, path.data, 0, "%s; skipped", perr.msg);
            info->skipped++;
            continue;
        }
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
        buf_reset(&line);
        buf_printf(&line, "%s  %s\n", hex, l.v[i].rel);
        sha256_update(&listing, line.data, line.len);
        if (too_big) {
            diag_warn(d, path.data, 0, "larger than the limit of %zu bytes; skipped",
                      INDEX_MAX_PAGE_BYTES);
            info->skipped++;
            continue;
        }
        index_project proj;
        if (index_page_parse(data.data, data.len, path.data, l.v[i].expect, d, &proj, &perr) != 0) {
            diag_warn(d, path.data, 0, "%s; page skipped", perr.msg);
            info->skipped++;
            index_project_clear(&proj);
            continue;
        }
        buf_reset(&value);
        index_project_encode(&proj, &value);
        add_entry(set, &proj, source, &value);
        info->projects++;
        info->releases += proj.n_rels;
        info->files += proj.n_files;
        info->bad += proj.bad;
        index_project_clear(&proj);
    }
    uint8_t digest[32];
    sha256_final(&listing, digest);
    sodium_bin2hex(info->sha256, sizeof info->sha256, digest, sizeof digest);
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].rel);
        free(l.v[i].expect);
    }
    free(l.v);
    buf_free(&data);
    buf_free(&path);
    buf_free(&line);
    buf_free(&value);
    free(root);
    return rc;
}

/* By name, then read order (sources are read in order). */
static int entry_cmp(const void *pa, const void *pb)
{
    const index_entry *a = pa, *b = pb;
    int r = strcmp(a->name, b->name);
    if (r != 0)
        return r;
    return (a->order > b->order) - (a->order < b->order);
}

void index_set_finish(index_set *set, index_dir_info *infos, diag *d)
{
    if (set->n > 1)
        qsort(set->v, set->n, sizeof *set->v, entry_cmp);
    size_t out = 0;
    for (size_t i = 0; i < set->n; i++) {
        index_entry *e = &set->v[i];
        if (out > 0 && strcmp(set->v[out - 1].name, e->name) == 0) {
            diag_warn(d, NULL, 0, "index: project '%s' has more than one page; the first kept",
                      e->name);
            infos[e->source].duplicates++;
            infos[e->source].projects--;
            infos[e->source].releases -= e->releases;
            infos[e->source].files -= e->files;
            free(e->name);
            free(e->value);
            continue;
        }
        set->v[out++] = *e;
    }
    set->n = out;
}

void index_set_clear(index_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].name);
        free(set->v[i].value);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}
