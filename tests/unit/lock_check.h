/*
 * lock_check.h - what the lockfile reader tests share: reading a fixture
 * from tests/data/lockfiles/, keeping the warnings, and comparing the
 * dependencies read with a table of what the fixture holds.
 * Include after cmocka.h.
 */
#ifndef AIRLOCK_TEST_LOCK_CHECK_H
#define AIRLOCK_TEST_LOCK_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/name.h"
#include "scanner/inputs/lockfile.h"

typedef int lock_parse_fn(const char *data, size_t len, const char *path, dep_list *out,
                          diag *d, airlock_error *err);

#define LOG_MAX 64

typedef struct warning_log {
    unsigned line[LOG_MAX];
    char msg[LOG_MAX][512];
    char file[LOG_MAX][512];
    size_t n;
} warning_log;

static void keep_warning(void *arg, const char *file, unsigned line, const char *msg)
{
    warning_log *w = arg;
    if (w->n < LOG_MAX) {
        w->line[w->n] = line;
        snprintf(w->msg[w->n], sizeof w->msg[w->n], "%s", msg);
        snprintf(w->file[w->n], sizeof w->file[w->n], "%s", file ? file : "");
    }
    w->n++;
}

/* One dependency a fixture holds. `skip` NULL: checked at `version`. */
typedef struct want {
    unsigned line;
    const char *name, *version, *kind, *group;
    bool dev;
    const char *location;
    const char *skip;
} want;

/* One warning: its line and a piece of its message. */
typedef struct want_warning {
    unsigned line;
    const char *says;
} want_warning;

static void fixture_path(char *out, size_t cap, const char *rel)
{
    const char *data = getenv("AIRLOCK_TEST_DATA");
    if (data == NULL)
        fail_msg("AIRLOCK_TEST_DATA is not set (ctest sets it)");
    snprintf(out, cap, "%s/lockfiles/%s", data, rel);
}

/* Read fixture `rel` with `parse`; returns the reader's status. */
static int read_fixture(lock_parse_fn *parse, const char *rel, char *path, size_t cap,
                        dep_list *out, warning_log *w, airlock_error *err)
{
    fixture_path(path, cap, rel);
    char *data;
    size_t len;
    airlock_error ferr;
    if (file_read_all(path, LOCKFILE_MAX_SIZE, &data, &len, &ferr) != 0)
        fail_msg("%s", ferr.msg);
    memset(w, 0, sizeof *w);
    diag d = {keep_warning, w, 0};
    error_clear(err);
    int rc = parse(data, len, path, out, &d, err);
    assert_int_equal(d.warnings, w->n);
    free(data);
    return rc;
}

static void check_str(const char *what, const char *name, const char *got, const char *expected)
{
    if (expected == NULL && got == NULL)
        return;
    if (expected == NULL || got == NULL || strcmp(got, expected) != 0)
        fail_msg("%s: %s is '%s', want '%s'", name, what, got ? got : "(null)",
                 expected ? expected : "(null)");
}

static void check_deps(const dep_list *l, const char *path, const want *w, size_t n)
{
    if (l->len != n)
        fail_msg("%s: %zu dependencies read, want %zu", path, l->len, n);
    for (size_t i = 0; i < n; i++) {
        const dependency *d = &l->items[i];
        assert_int_equal(d->kind, DEP_LOCKED);
        check_str("name", w[i].name, d->name, w[i].name);
        check_str("version", w[i].name, d->version_text, w[i].version);
        check_str("source kind", w[i].name, d->source_kind, w[i].kind);
        check_str("group", w[i].name, d->group, w[i].group);
        check_str("location", w[i].name, d->location, w[i].location);
        check_str("skip reason", w[i].name, d->skip_reason, w[i].skip);
        check_str("source file", w[i].name, d->source_file, path);
        if (d->source_line != w[i].line)
            fail_msg("%s: line %u, want %u", w[i].name, d->source_line, w[i].line);
        if (d->dev != w[i].dev)
            fail_msg("%s: dev %d, want %d", w[i].name, d->dev, w[i].dev);
        if (d->has_version != (w[i].skip == NULL))
            fail_msg("%s: has_version %d but skip reason %s", w[i].name, d->has_version,
                     w[i].skip ? w[i].skip : "(none)");
        assert_int_equal(d->editable, strcmp(w[i].kind, "editable") == 0);
        char *norm = name_canonicalize(w[i].name, strlen(w[i].name));
        check_str("normalized name", w[i].name, d->normalized, norm);
        free(norm);
    }
}

static void check_warnings(const warning_log *log, const char *path, const want_warning *w,
                           size_t n)
{
    for (size_t i = 0; i < log->n && i < LOG_MAX; i++)
        printf("  warning %s:%u: %s\n", log->file[i], log->line[i], log->msg[i]);
    if (log->n != n)
        fail_msg("%s: %zu warnings, want %zu", path, log->n, n);
    for (size_t i = 0; i < n; i++) {
        if (log->line[i] != w[i].line || strstr(log->msg[i], w[i].says) == NULL)
            fail_msg("warning %zu: line %u '%s', want line %u saying '%s'", i + 1, log->line[i],
                     log->msg[i], w[i].line, w[i].says);
        check_str("warning file", w[i].says, log->file[i], path);
    }
}

/* A fixture the reader must refuse: -1, nothing appended, and a message
 * that starts "PATH:LINE:" and says `says`. */
static void check_refused(lock_parse_fn *parse, const char *rel, unsigned line,
                          const char *says)
{
    char path[4096];
    dep_list l = {0};
    warning_log w;
    airlock_error err;
    assert_int_equal(read_fixture(parse, rel, path, sizeof path, &l, &w, &err), -1);
    assert_int_equal(l.len, 0);
    char where[4200];
    snprintf(where, sizeof where, "%s:%u:", path, line);
    printf("  refused: %s\n", err.msg);
    if (strncmp(err.msg, where, strlen(where)) != 0 || strstr(err.msg, says) == NULL)
        fail_msg("%s: message '%s', want '%s ... %s'", rel, err.msg, where, says);
    dep_list_free(&l);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
