/*
 * lockfile.c - what the lockfile readers share: the formats' names, which
 * file name says which format, reading the file, and adding one package.
 */
#include "scanner/inputs/lockfile.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/name.h"
#include "core/version.h"

static const char *const format_names[] = {
    [LOCK_POETRY] = "poetry",
    [LOCK_UV] = "uv",
    [LOCK_PIPFILE] = "pipfile",
    [LOCK_PDM] = "pdm",
    [LOCK_PYLOCK] = "pylock",
};

#define N_FORMATS (sizeof format_names / sizeof format_names[0])

const char *lock_format_name(lock_format f)
{
    return (size_t)f < N_FORMATS ? format_names[f] : "unknown";
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* PEP 751: "pylock.toml", or "pylock.NAME.toml" where NAME is not empty
 * and holds no dot (a name with dots would be ambiguous to tools that list
 * a directory's lockfiles). */
static bool is_pylock_name(const char *base)
{
    size_t len = strlen(base);
    if (strcmp(base, "pylock.toml") == 0)
        return true;
    if (len <= strlen("pylock..toml") || strncmp(base, "pylock.", 7) != 0 ||
        strcmp(base + len - 5, ".toml") != 0)
        return false;
    const char *name = base + 7;
    size_t name_len = len - 7 - 5;
    return memchr(name, '.', name_len) == NULL;
}

int lock_format_from_name(const char *path, lock_format *out)
{
    const char *base = base_name(path);
    static const struct { const char *name; lock_format format; } names[] = {
        {"poetry.lock", LOCK_POETRY},
        {"uv.lock", LOCK_UV},
        {"Pipfile.lock", LOCK_PIPFILE},
        {"pdm.lock", LOCK_PDM},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(base, names[i].name) == 0) {
            *out = names[i].format;
            return 0;
        }
    }
    if (is_pylock_name(base)) {
        *out = LOCK_PYLOCK;
        return 0;
    }
    return -1;
}

int lockfile_parse_arg(const char *arg, lock_format *format, const char **path,
                       airlock_error *err)
{
    const char *colon = strchr(arg, ':');
    if (colon != NULL) {
        size_t n = (size_t)(colon - arg);
        for (size_t f = 0; f < N_FORMATS; f++) {
            if (strlen(format_names[f]) == n && strncmp(arg, format_names[f], n) == 0) {
                if (colon[1] == '\0')
                    return error_set(err, "--lockfile %s: no file after the format", arg);
                *format = (lock_format)f;
                *path = colon + 1;
                return 0;
            }
        }
    }
    if (lock_format_from_name(arg, format) == 0) {
        *path = arg;
        return 0;
    }
    if (colon != NULL && colon != arg && strchr(arg, '/') > colon)
        return error_invalid(err, "lockfile format", arg, (size_t)(colon - arg),
                             "not one of poetry, uv, pipfile, pdm, pylock");
    error_invalid(err, "lockfile name", base_name(arg), strlen(base_name(arg)), NULL);
    return error_prefix(err, "--lockfile: the name says no format (poetry.lock, uv.lock, "
                             "Pipfile.lock, pdm.lock, pylock[.NAME].toml); force one with "
                             "FORMAT:FILE");
}

int lockfile_read(const char *path, lock_format format, dep_list *out, diag *d,
                  lock_file_fn *on_file, void *arg, airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, LOCKFILE_MAX_SIZE, &data, &len, err) != 0)
        return -1;
    if (on_file != NULL)
        on_file(arg, path, data, len);
    int rc;
    switch (format) {
    case LOCK_POETRY:
        rc = lock_poetry_parse(data, len, path, out, d, err);
        break;
    case LOCK_PDM:
        rc = lock_pdm_parse(data, len, path, out, d, err);
        break;
    case LOCK_PIPFILE:
        rc = lock_pipfile_parse(data, len, path, out, d, err);
        break;
    case LOCK_UV:
        rc = lock_uv_parse(data, len, path, out, d, err);
        break;
    case LOCK_PYLOCK:
        rc = lock_pylock_parse(data, len, path, out, d, err);
        break;
    default:
        rc = error_set(err, "%s: the %s lockfile format is not read yet", path,
                       lock_format_name(format));
        break;
    }
    free(data);
    return rc;
}

dependency *lock_add(dep_list *out, const char *path, unsigned line, const char *name,
                     const char *version_text, const char *source_kind, const char *location,
                     const char *group, bool dev, diag *d)
{
    dependency *dep = dep_list_add(out);
    dep->kind = DEP_LOCKED;
    dep->name = xstrdup(name);
    dep->normalized = name_canonicalize(name, strlen(name));
    dep->source_file = xstrdup(path);
    dep->source_line = line;
    dep->source_kind = xstrdup(source_kind);
    dep->location = location ? xstrdup(location) : NULL;
    dep->group = group ? xstrdup(group) : NULL;
    dep->dev = dev;
    dep->editable = strcmp(source_kind, "editable") == 0;
    if (version_text != NULL)
        dep->version_text = xstrdup(version_text);
    buf why = {0};
    if (strcmp(source_kind, "registry") != 0) {
        buf_printf(&why, "%s source", source_kind);
    } else if (version_text == NULL) {
        buf_puts(&why, "no version");
    } else {
        airlock_error e;
        if (version_parse(&dep->version, version_text, strlen(version_text), &e) == 0) {
            dep->has_version = true;
        } else {
            diag_warn(d, path, line, "%s: %s", name, e.msg);
            buf_printf(&why, "locked version is not a PEP 440 version");
        }
    }
    if (why.len > 0)
        dep->skip_reason = buf_detach(&why, NULL);
    else
        buf_free(&why);
    return dep;
}
