/*
 * project.c - the search of a project directory for its inputs, and which
 * file name says which input.
 */
#include "scanner/inputs/project.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/wheelhouse.h"

void project_files_free(project_files *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i].path);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void files_add(project_files *l, input_kind kind, lock_format lock, const char *path)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len++] = (project_file){kind, lock, xstrdup(path)};
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_sbom_name(const char *base)
{
    return strcmp(base, "bom.json") == 0 ||
           (ends_with(base, ".cdx.json") && strlen(base) > strlen(".cdx.json")) ||
           (ends_with(base, ".spdx.json") && strlen(base) > strlen(".spdx.json"));
}

/* requirements.txt, requirements-dev.txt, dev-requirements.txt,
 * test_requirements.txt; any *.txt in a directory named requirements. */
static bool is_requirements_name(const char *base, bool in_requirements_dir)
{
    if (!ends_with(base, ".txt") || strlen(base) == strlen(".txt"))
        return false;
    return in_requirements_dir || starts_with(base, "requirements") ||
           ends_with(base, "-requirements.txt") || ends_with(base, "_requirements.txt");
}

/* A file the search reads, by its name and its directory's name. */
static int kind_in_tree(const char *base, bool in_requirements_dir, input_kind *kind,
                        lock_format *lock)
{
    *lock = LOCK_POETRY;
    if (lock_format_from_name(base, lock) == 0)
        *kind = INPUT_LOCKFILE;
    else if (strcmp(base, "pyproject.toml") == 0)
        *kind = INPUT_PYPROJECT;
    else if (is_sbom_name(base))
        *kind = INPUT_SBOM;
    else if (is_requirements_name(base, in_requirements_dir))
        *kind = INPUT_REQUIREMENTS;
    else
        return -1;
    return 0;
}

int project_kind_of_name(const char *path, input_kind *kind, lock_format *lock)
{
    const char *base = base_name(path);
    if (kind_in_tree(base, true, kind, lock) == 0)
        return 0;
    if (strcmp(base, "pyvenv.cfg") == 0) {
        *kind = INPUT_VENV;
        return 0;
    }
    return -1;
}

const char *project_known_names(void)
{
    return "*.txt (requirements), poetry.lock, uv.lock, Pipfile.lock, pdm.lock, "
           "pylock[.NAME].toml, pyproject.toml, *.cdx.json, bom.json, *.spdx.json, pyvenv.cfg";
}

static bool is_skipped_dir(const char *name)
{
    static const char skipped[] = PROJECT_SKIPPED_DIRS;
    size_t n = strlen(name);
    for (const char *s = skipped; *s != '\0';) {
        size_t m = strcspn(s, " ");
        if (m == n && memcmp(s, name, n) == 0)
            return true;
        s += m;
        s += *s == ' ';
    }
    return false;
}

typedef struct walk {
    project_files *out;
    diag *d;
    project_limits lim;
    size_t entries;     /* looked at so far */
    bool entries_hit;   /* the entry bound was hit (warned once) */
    char *root_real;    /* the searched directory, resolved (owned) */
} walk;

/* Whether the link `name` in `dfd` (shown as `shown`) resolves to a file
 * inside the searched directory. A cloned repository can hold a link named
 * requirements.txt to /etc/shadow or to another user's file: read, its
 * lines would be quoted in warnings and copied into an evidence bundle. A
 * link within the tree (requirements.txt -> requirements/prod.txt) is
 * common and safe. */
static bool link_inside_root(const walk *w, const char *shown)
{
    return w->root_real != NULL && path_resolves_inside(shown, w->root_real);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void join(buf *b, const char *dir, const char *name)
{
    buf_reset(b);
    buf_puts(b, dir);
    if (b->len > 0 && b->data[b->len - 1] != '/')
        buf_putc(b, '/');
    buf_puts(b, name);
}

static bool has_pyvenv_cfg(int dirfd)
{
    struct stat st;
    return fstatat(dirfd, "pyvenv.cfg", &st, 0) == 0 && S_ISREG(st.st_mode);
}

static bool is_site_dir(const char *name)
{
    return strcmp(name, "site-packages") == 0 || strcmp(name, "dist-packages") == 0;
}

/* Read the names of the open directory `fd` (taken: closed here), sorted,
 * counting them against the entry bound. */
static int read_names(walk *w, int fd, const char *path, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        diag_warn(w->d, path, 0, "cannot read the directory (%s): not searched",
                  strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (w->entries >= w->lim.max_entries) {
            if (!w->entries_hit)
                diag_warn(w->d, path, 0, "the search stopped after %zu directory entries: "
                          "the rest of the tree was not searched (name its parts)",
                          w->lim.max_entries);
            w->entries_hit = true;
            break;
        }
        w->entries++;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *names = xrealloc(*names, cap * sizeof **names);
        }
        (*names)[(*n)++] = xstrdup(e->d_name);
    }
    closedir(dir);
    if (*n > 1)
        qsort(*names, *n, sizeof **names, cmp_names);
    return 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Search the open directory `fd` (taken), named `path`, at `depth`. */
/* The directories a virtualenv is made of: read through --venv, not
 * searched. The rest of a virtualenv's directory is searched as any
 * other, as `python -m venv .` in a project's root is common. */
static bool is_venv_layout_dir(const char *name)
{
    static const char *const layout[] = {"bin", "Scripts", "lib", "lib64", "Lib",
                                         "include", "Include"};
    for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++)
        if (strcmp(name, layout[i]) == 0)
            return true;
    return false;
}

/* Search the open directory `fd` (taken: closed here) shown as `path`;
 * `venv` when it holds a pyvenv.cfg (already added as a venv input). */
static void walk_dir(walk *w, int fd, const char *path, unsigned depth, bool venv)
{
    /* A second descriptor for fstatat/openat: fdopendir() takes `fd`. */
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dfd < 0) {
        diag_warn(w->d, path, 0, "cannot search the directory (%s): not searched",
                  strerror(errno));
        close(fd);
        return;
    }
    char **names;
    size_t n;
    if (read_names(w, fd, path, &names, &n) != 0) {
        close(dfd);
        return;
    }
    bool in_req_dir = strcmp(base_name(path), "requirements") == 0;
    bool *is_dir = xcalloc(n ? n : 1, sizeof *is_dir);
    bool archives = false; /* a wheelhouse: read as one input, after the files */
    buf p = {0};
    /* The files first, then the directories: a directory's own inputs
     * come before those of its subdirectories. */
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        join(&p, path, names[i]);
        if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* gone since readdir */
        input_kind kind;
        lock_format lock;
        bool known = kind_in_tree(names[i], in_req_dir, &kind, &lock) == 0;
        if (S_ISDIR(st.st_mode)) {
            is_dir[i] = true;
            continue;
        }
        if (S_ISLNK(st.st_mode)) {
            struct stat target;
            if (fstatat(dfd, names[i], &target, 0) != 0) {
                if (known)
                    diag_warn(w->d, p.data, 0, "a symbolic link to nothing (%s): not read",
                              strerror(errno));
                continue;
            }
            if (S_ISDIR(target.st_mode)) {
                if (!is_skipped_dir(names[i]))
                    diag_warn(w->d, p.data, 0, "a symbolic link to a directory: not "
                              "followed (name its target to scan it)");
                continue;
            }
            if (known && !link_inside_root(w, p.data)) {
                diag_warn(w->d, p.data, 0, "a symbolic link out of the directory searched: "
                          "not read (name it to scan it)");
                continue;
            }
            st = target;
        }
        if (!known) {
            archives = archives || (S_ISREG(st.st_mode) &&
                                    wheelhouse_kind_of_name(names[i]) != WH_NONE);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            diag_warn(w->d, p.data, 0, "not a regular file: not read");
            continue;
        }
        files_add(w->out, kind, lock, p.data);
    }
    if (archives)
        files_add(w->out, INPUT_WHEELHOUSE, LOCK_POETRY, path);
    for (size_t i = 0; i < n && !w->entries_hit; i++) {
        if (!is_dir[i] || is_skipped_dir(names[i]) || (venv && is_venv_layout_dir(names[i])))
            continue;
        join(&p, path, names[i]);
        if (depth >= w->lim.max_depth) {
            diag_warn(w->d, p.data, 0, "deeper than %u directories: not searched (name it "
                      "to scan it)", w->lim.max_depth);
            continue;
        }
        int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            diag_warn(w->d, p.data, 0, "cannot open the directory (%s): not searched",
                      strerror(errno));
            continue;
        }
        if (is_site_dir(names[i])) {
            close(sub);
            files_add(w->out, INPUT_PATH, LOCK_POETRY, p.data);
        } else {
            bool sub_venv = has_pyvenv_cfg(sub);
            if (sub_venv)
                files_add(w->out, INPUT_VENV, LOCK_POETRY, p.data);
            char *sub_path = xstrdup(p.data);
            walk_dir(w, sub, sub_path, depth + 1, sub_venv);
            free(sub_path);
        }
    }
    buf_free(&p);
    free(is_dir);
    close(dfd);
    free_names(names, n);
}

int project_find(const char *root, const project_limits *limits, project_files *out, diag *d,
                 airlock_error *err)
{
    walk w = {out, d, {PROJECT_MAX_DEPTH, PROJECT_MAX_ENTRIES}, 0, false, NULL};
    if (limits != NULL)
        w.lim = *limits;
    /* The root is named by the user: a link to it is followed, once. */
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "%s", root);
    if (is_site_dir(base_name(root))) {
        close(fd);
        files_add(out, INPUT_PATH, LOCK_POETRY, root);
        return 0;
    }
    bool venv = has_pyvenv_cfg(fd);
    if (venv)
        files_add(out, INPUT_VENV, LOCK_POETRY, root);
    w.root_real = realpath(root, NULL); /* NULL: no link is read */
    walk_dir(&w, fd, root, 0, venv);
    free(w.root_real);
    return 0;
}

/* The locked entries, sorted by name, for lookups by declaration. */
static int cmp_dep_name(const void *a, const void *b)
{
    return strcmp((*(const dependency *const *)a)->normalized,
                  (*(const dependency *const *)b)->normalized);
}

/* Whether the lock's entries for `dep`'s name cover the declaration: any
 * entry covers a declaration that is not checked itself (a range, a URL:
 * the lock's pin is what is checked); a declared exact pin is covered only
 * by a registry entry at the same version. A lock at another version, or
 * from git, is stale or for another target: the pin is still checked. */
static bool lock_covers(const dependency *dep, const dependency *const *locked, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry of the name */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(locked[mid]->normalized, dep->normalized) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && strcmp(locked[i]->normalized, dep->normalized) == 0; i++) {
        const dependency *l = locked[i];
        if (!dep->has_version)
            return true;
        if (l->has_version && l->source_kind != NULL &&
            strcmp(l->source_kind, "registry") == 0 &&
            version_compare(&l->version, &dep->version) == 0)
            return true;
    }
    return false;
}

size_t project_drop_locked(dep_list *deps, const char *pyproject, const char *const *locks,
                           size_t n_locks, size_t *declared)
{
    /* The entries the locks pin, sorted: a lookup per declaration, so that
     * a large pyproject beside a large lock costs n log n, not n * m. */
    const dependency **locked = xmalloc((deps->len ? deps->len : 1) * sizeof *locked);
    size_t n_locked = 0;
    for (size_t i = 0; i < deps->len; i++) {
        const dependency *l = &deps->items[i];
        if (l->kind != DEP_LOCKED || l->source_file == NULL || l->normalized == NULL)
            continue;
        for (size_t k = 0; k < n_locks; k++) {
            if (strcmp(l->source_file, locks[k]) == 0) {
                locked[n_locked++] = l;
                break;
            }
        }
    }
    qsort(locked, n_locked, sizeof *locked, cmp_dep_name);
    *declared = 0;
    size_t kept = 0, dropped = 0;
    /* Decide first, then compact: `locked` points into deps->items. */
    bool *drop = xcalloc(deps->len ? deps->len : 1, sizeof *drop);
    for (size_t i = 0; i < deps->len; i++) {
        const dependency *dep = &deps->items[i];
        if (dep->kind == DEP_DECLARED && dep->source_file != NULL &&
            strcmp(dep->source_file, pyproject) == 0) {
            ++*declared;
            drop[i] = dep->normalized != NULL && lock_covers(dep, locked, n_locked);
        }
    }
    free(locked);
    for (size_t i = 0; i < deps->len; i++) {
        if (drop[i]) {
            dependency_clear(&deps->items[i]);
            dropped++;
        } else {
            deps->items[kept++] = deps->items[i];
        }
    }
    deps->len = kept;
    free(drop);
    return dropped;
}
