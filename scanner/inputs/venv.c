#include "scanner/inputs/venv.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/sitepackages.h"

void path_list_add(path_list *l, const char *path)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len++] = xstrdup(path);
}

void path_list_free(path_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void venv_cfg_clear(venv_cfg *cfg)
{
    free(cfg->home);
    free(cfg->version);
    memset(cfg, 0, sizeof *cfg);
}

/* Python's str.strip() for the ASCII white space a cfg line can hold. */
static void strip(const char **p, const char **e)
{
    while (*p < *e && strchr(" \t\r\f\v", **p) != NULL)
        (*p)++;
    while (*e > *p && strchr(" \t\r\f\v", (*e)[-1]) != NULL)
        (*e)--;
}

/* "3.11.4.final.0" -> "3.11"; NULL unless it starts with digits.digits. */
static char *major_minor(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n && v[i] >= '0' && v[i] <= '9')
        i++;
    if (i == 0 || i >= n || v[i] != '.')
        return NULL;
    size_t j = i + 1;
    while (j < n && v[j] >= '0' && v[j] <= '9')
        j++;
    return j == i + 1 ? NULL : xstrndup(v, j);
}

void venv_parse_cfg(const char *text, size_t len, venv_cfg *cfg)
{
    bool found = cfg->found;
    venv_cfg_clear(cfg);
    cfg->found = found;
    const char *end = text + len;
    bool seen_version = false;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *eq = memchr(line, '=', (size_t)(le - line));
        if (eq != NULL) {
            const char *ks = line, *ke = eq, *vs = eq + 1, *ve = le;
            strip(&ks, &ke);
            strip(&vs, &ve);
            size_t kn = (size_t)(ke - ks), vn = (size_t)(ve - vs);
            if (kn == 4 && strncasecmp(ks, "home", 4) == 0) {
                free(cfg->home);
                cfg->home = memchr(vs, '\0', vn) ? NULL : xstrndup(vs, vn);
            } else if (kn == 28 && strncasecmp(ks, "include-system-site-packages", 28) == 0) {
                cfg->system_site = vn == 4 && strncasecmp(vs, "true", 4) == 0;
            } else if ((kn == 7 && strncasecmp(ks, "version", 7) == 0) ||
                       (kn == 12 && strncasecmp(ks, "version_info", 12) == 0)) {
                /* `version` (venv) is preferred over virtualenv's version_info. */
                bool plain = kn == 7;
                if (plain || !seen_version) {
                    char *mm = major_minor(vs, vn);
                    if (mm != NULL) {
                        free(cfg->version);
                        cfg->version = mm;
                        seen_version = seen_version || plain;
                    }
                }
            }
        }
        line = nl ? nl + 1 : end;
    }
}

int venv_read_cfg(const char *venv_dir, venv_cfg *cfg, airlock_error *err)
{
    venv_cfg_clear(cfg);
    buf p = {0};
    buf_printf(&p, "%s/pyvenv.cfg", venv_dir);
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    if (stat(p.data, &st) != 0 && errno == ENOENT) {
        buf_free(&p);
        return 0;
    }
    if (file_read_all(p.data, VENV_CFG_MAX, &text, &len, err) != 0) {
        buf_free(&p);
        return -1;
    }
    cfg->found = true;
    venv_parse_cfg(text, len, cfg);
    free(text);
    buf_free(&p);
    return 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_if_dir(path_list *out, const char *path)
{
    if (!is_dir(path))
        return;
    for (size_t i = 0; i < out->len; i++)
        if (strcmp(out->items[i], path) == 0)
            return;
    path_list_add(out, path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* PREFIX/LIB/python*|pypy* /site-packages for every version present. */
static void add_any_version(path_list *out, const char *prefix, const char *lib)
{
    buf p = {0};
    buf_printf(&p, "%s/%s", prefix, lib);
    DIR *dp = opendir(p.data);
    if (dp == NULL) {
        buf_free(&p);
        return;
    }
    path_list names = {0};
    struct dirent *de;
    while ((de = readdir(dp)) != NULL)
        if (strncmp(de->d_name, "python", 6) == 0 || strncmp(de->d_name, "pypy", 4) == 0)
            path_list_add(&names, de->d_name);
    closedir(dp);
    if (names.len > 1)
        qsort(names.items, names.len, sizeof *names.items, cmp_str);
    for (size_t i = 0; i < names.len; i++) {
        buf_reset(&p);
        buf_printf(&p, "%s/%s/%s/site-packages", prefix, lib, names.items[i]);
        add_if_dir(out, p.data);
    }
    path_list_free(&names);
    buf_free(&p);
}

static void add_own(path_list *out, const char *prefix, const char *ver)
{
    static const char *const libs[] = {"lib", "lib64"};
    buf p = {0};
    for (size_t i = 0; i < 2; i++) {
        if (ver == NULL) {
            add_any_version(out, prefix, libs[i]);
            continue;
        }
        buf_reset(&p);
        buf_printf(&p, "%s/%s/python%s/site-packages", prefix, libs[i], ver);
        add_if_dir(out, p.data);
        buf_reset(&p);
        buf_printf(&p, "%s/%s/pypy%s/site-packages", prefix, libs[i], ver);
        add_if_dir(out, p.data);
    }
    buf_reset(&p);
    buf_printf(&p, "%s/Lib/site-packages", prefix);
    add_if_dir(out, p.data);
    buf_free(&p);
}

/* The base interpreter's prefix: the parent of `home` (".../bin"), or
 * `home` itself when it holds Lib/ (Windows keeps python.exe at the top). */
static char *base_prefix(const char *home)
{
    buf p = {0};
    buf_printf(&p, "%s/Lib", home);
    bool win = is_dir(p.data);
    buf_free(&p);
    if (win)
        return xstrdup(home);
    size_t n = strlen(home);
    while (n > 1 && home[n - 1] == '/')
        n--;
    while (n > 0 && home[n - 1] != '/')
        n--;
    while (n > 1 && home[n - 1] == '/')
        n--;
    return n == 0 ? xstrdup(".") : xstrndup(home, n);
}

int venv_site_dirs(const char *venv_dir, const venv_cfg *cfg, path_list *out, diag *d,
                   airlock_error *err)
{
    size_t before = out->len;
    add_own(out, venv_dir, cfg->version);
    if (out->len == before)
        return error_set(err, "%s: no site-packages directory in this environment", venv_dir);
    if (!cfg->system_site)
        return 0;

    buf shown = {0};
    buf_printf(&shown, "%s/pyvenv.cfg", venv_dir);
    if (cfg->home == NULL || cfg->home[0] == '\0') {
        diag_warn(d, shown.data, 0, "include-system-site-packages is true but 'home' is "
                  "missing: the base interpreter's packages are not scanned");
        buf_free(&shown);
        return 0;
    }
    char *prefix = base_prefix(cfg->home);
    size_t own = out->len;
    buf p = {0};
    if (cfg->version != NULL) {
        const char *v = cfg->version;
        buf_printf(&p, "%s/local/lib/python%s/dist-packages", prefix, v);
        add_if_dir(out, p.data);
        buf_reset(&p);
        buf_printf(&p, "%s/lib/python3/dist-packages", prefix);
        add_if_dir(out, p.data);
        buf_reset(&p);
        buf_printf(&p, "%s/lib/python%s/dist-packages", prefix, v);
        add_if_dir(out, p.data);
        add_own(out, prefix, v);
    } else {
        add_own(out, prefix, NULL);
    }
    if (out->len == own)
        diag_warn(d, shown.data, 0, "include-system-site-packages is true but no "
                  "site-packages was found under '%s' (from home = %s): the base "
                  "interpreter's packages are not scanned", prefix, cfg->home);
    buf_free(&p);
    buf_free(&shown);
    free(prefix);
    return 0;
}

int venv_scan(const char *venv_dir, dep_list *out, diag *d, airlock_error *err)
{
    venv_cfg cfg = {0};
    if (venv_read_cfg(venv_dir, &cfg, err) != 0)
        return -1;
    if (!cfg.found) {
        struct stat st;
        if (stat(venv_dir, &st) != 0)
            return error_errno(err, errno, "%s", venv_dir);
        diag_warn(d, venv_dir, 0, "no pyvenv.cfg: scanning its site-packages directories");
    }
    path_list dirs = {0};
    int rc = venv_site_dirs(venv_dir, &cfg, &dirs, d, err);
    if (rc == 0) {
        site_scanner *s = site_scanner_new(out, d);
        site_scanner_scan_list(s, (const char *const *)dirs.items, dirs.len);
        site_scanner_free(s);
    }
    path_list_free(&dirs);
    venv_cfg_clear(&cfg);
    return rc;
}
