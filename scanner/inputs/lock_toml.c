/*
 * lock_toml.c - what the TOML lockfile readers share: the document and its
 * package array, the lock version, and typed fields with warnings.
 */
#include "scanner/inputs/lock_toml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "scanner/inputs/lockfile.h"

const char *lock_a_type(const toml_value *v)
{
    switch (toml_type_of(v)) {
    case TOML_TABLE: return "a table";
    case TOML_ARRAY: return "an array";
    case TOML_STRING: return "a string";
    case TOML_INTEGER: return "an integer";
    case TOML_FLOAT: return "a float";
    case TOML_BOOL: return "a boolean";
    default: return "a date or time";
    }
}

void lock_doc_free(lock_doc *doc)
{
    toml_free(doc->root);
    memset(doc, 0, sizeof *doc);
}

int lock_doc_open(lock_doc *doc, const char *data, size_t len, const char *path,
                  const char *array_key, const char *meta_key, const char *format_file,
                  airlock_error *err)
{
    memset(doc, 0, sizeof *doc);
    if (toml_parse(data, len, path, &doc->root, err) != 0)
        return -1;
    const toml_value *arr = toml_get(doc->root, array_key);
    const toml_value *meta = toml_get(doc->root, meta_key);
    int rc = 0;
    if (arr == NULL && meta == NULL)
        rc = error_set(err, "%s:1: not a %s: no [[%s]] array and no [%s] table", path,
                       format_file, array_key, meta_key);
    else if (arr != NULL && toml_type_of(arr) != TOML_ARRAY)
        rc = error_set(err, "%s:%u: not a %s: '%s' is %s, not an array of tables", path,
                       toml_line(arr), format_file, array_key,
                       lock_a_type(arr));
    else if (meta != NULL && toml_type_of(meta) != TOML_TABLE)
        rc = error_set(err, "%s:%u: not a %s: '%s' is %s, not a table", path,
                       toml_line(meta), format_file, meta_key,
                       lock_a_type(meta));
    if (rc != 0) {
        lock_doc_free(doc);
        return rc;
    }
    doc->packages = arr;
    doc->meta = meta;
    return 0;
}

size_t lock_doc_count(const lock_doc *doc)
{
    return doc->packages != NULL ? toml_len(doc->packages) : 0;
}

const toml_value *lock_doc_package(const lock_doc *doc, size_t i, const char *path, diag *d)
{
    const toml_value *pkg = toml_at(doc->packages, i);
    if (pkg == NULL)
        return NULL;
    if (toml_type_of(pkg) != TOML_TABLE) {
        diag_warn(d, path, toml_line(pkg), "package entry %zu is %s, not a table: left out",
                  i + 1, lock_a_type(pkg));
        return NULL;
    }
    return pkg;
}

/* "N", "N.N" or "N.N.N", each part at most 9 digits (no overflow). */
static bool parse_lock_version(const char *s, unsigned *major, unsigned *minor)
{
    unsigned parts[3] = {0, 0, 0};
    size_t n = 0;
    for (;;) {
        size_t digits = 0;
        unsigned v = 0;
        while (s[digits] >= '0' && s[digits] <= '9' && digits < 9)
            v = v * 10 + (unsigned)(s[digits++] - '0');
        if (digits == 0 || n == 3)
            return false;
        parts[n++] = v;
        s += digits;
        if (*s == '\0')
            break;
        if (*s != '.')
            return false;
        s++;
    }
    *major = parts[0];
    *minor = parts[1];
    return true;
}

int lock_version_check(const toml_value *v, const char *key, const char *path,
                       const char *format_file, const lock_known *known, size_t n_known,
                       diag *d, airlock_error *err)
{
    if (v == NULL)
        return 0;
    unsigned line = toml_line(v);
    size_t len;
    const char *s = toml_string(v, &len);
    if (s == NULL)
        return error_set(err, "%s:%u: %s is %s, not a string: %s format not known", path,
                         line, key, lock_a_type(v), format_file);
    unsigned major, minor;
    const lock_known *k = NULL;
    if (strlen(s) == len && parse_lock_version(s, &major, &minor)) {
        for (size_t i = 0; i < n_known; i++)
            if (known[i].major == major)
                k = &known[i];
    }
    if (k == NULL) {
        buf why = {0};
        buf_printf(&why, "%s format not known (this reader knows", format_file);
        for (size_t i = 0; i < n_known; i++) {
            buf_printf(&why, "%s %u.0", i ? "," : "", known[i].major);
            if (known[i].newest_minor > 0)
                buf_printf(&why, " to %u.%u", known[i].major, known[i].newest_minor);
        }
        buf_puts(&why, ")");
        error_invalid(err, key, s, len, why.data);
        buf_free(&why);
        return error_prefix(err, "%s:%u", path, line);
    }
    if (minor > k->newest_minor)
        diag_warn(d, path, line,
                  "%s %s is newer than this reader knows (%u.%u): read as %u.%u; check the "
                  "report against the file",
                  key, s, k->major, k->newest_minor, k->major, k->newest_minor);
    return 0;
}

void lock_entry_warn(const lock_entry *e, unsigned line, const char *fmt, ...)
{
    buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    const char *text = msg.data != NULL ? msg.data : "";
    if (e->name != NULL)
        diag_warn(e->d, e->path, line, "package '%.100s': %s", e->name, text);
    else
        diag_warn(e->d, e->path, line, "package entry: %s", text);
    buf_free(&msg);
}

const char *lock_entry_string(const lock_entry *e, const toml_value *t, const char *key,
                              bool *bad)
{
    const toml_value *v = toml_get(t, key);
    if (v == NULL)
        return NULL;
    size_t len;
    const char *s = toml_string(v, &len);
    if (s == NULL)
        lock_entry_warn(e, toml_line(v), "'%s' is %s, not a string", key,
                        lock_a_type(v));
    else if (strlen(s) != len)
        lock_entry_warn(e, toml_line(v), "'%s' holds a NUL byte", key);
    else
        return s;
    if (bad != NULL)
        *bad = true;
    return NULL;
}

bool lock_entry_bool(const lock_entry *e, const toml_value *t, const char *key)
{
    const toml_value *v = toml_get(t, key);
    bool b = false;
    if (v != NULL && !toml_bool(v, &b))
        lock_entry_warn(e, toml_line(v), "'%s' is %s, not a boolean: read as false", key,
                        lock_a_type(v));
    return b;
}

char *lock_entry_groups(const lock_entry *e, const char *key, const char *main_group,
                        bool *dev)
{
    const toml_value *v = toml_get(e->table, key);
    if (v == NULL)
        return NULL;
    if (toml_type_of(v) != TOML_ARRAY) {
        lock_entry_warn(e, toml_line(v), "'%s' is %s, not an array of group names", key,
                        lock_a_type(v));
        return NULL;
    }
    buf joined = {0};
    bool has_main = false;
    size_t count = 0;
    for (size_t i = 0; i < toml_len(v); i++) {
        const toml_value *g = toml_at(v, i);
        size_t len;
        const char *s = toml_string(g, &len);
        if (s == NULL || strlen(s) != len) {
            lock_entry_warn(e, toml_line(g), "'%s' element %zu is not a group name", key, i + 1);
            continue;
        }
        if (count++ > 0)
            buf_puts(&joined, ", ");
        buf_append(&joined, s, len);
        if (strcmp(s, main_group) == 0)
            has_main = true;
    }
    if (count == 0) {
        buf_free(&joined);
        return NULL;
    }
    *dev = !has_main;
    return buf_detach(&joined, NULL);
}

const char *lock_entry_name(lock_entry *e, bool *valid)
{
    const toml_value *v = toml_get(e->table, "name");
    unsigned line = toml_line(e->table);
    e->name = NULL;
    *valid = false;
    if (v == NULL) {
        lock_entry_warn(e, line, "no name: left out");
        return NULL;
    }
    size_t len;
    const char *s = toml_string(v, &len);
    if (s == NULL) {
        lock_entry_warn(e, toml_line(v), "'name' is %s, not a string: left out",
                        lock_a_type(v));
        return NULL;
    }
    if (len == 0 || strlen(s) != len) {
        lock_entry_warn(e, toml_line(v), "'name' is empty or holds a NUL byte: left out");
        return NULL;
    }
    e->name = s;
    *valid = name_is_valid(s, len);
    if (!*valid)
        lock_entry_warn(e, toml_line(v), "not a valid project name: listed as skipped");
    return s;
}

static void skip_for(dependency *dep, const char *why)
{
    if (dep->has_version) {
        version_clear(&dep->version);
        dep->has_version = false;
    }
    free(dep->skip_reason);
    dep->skip_reason = xstrdup(why);
}

dependency *lock_entry_add(const lock_entry *e, dep_list *out, bool valid,
                           const char *version_text, bool bad_version, const char *source_kind,
                           const char *location, const char *group, bool dev)
{
    dependency *dep = lock_add(out, e->path, toml_line(e->table), e->name, version_text,
                               source_kind, location, group, dev, e->d);
    if (!valid)
        skip_for(dep, "not a valid project name");
    else if (bad_version && strcmp(source_kind, "registry") == 0)
        skip_for(dep, "locked version is not a string");
    return dep;
}
