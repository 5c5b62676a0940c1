/*
 * cmd_show.c - `airlock show ID`: print one advisory of the installed
 * database, found by any of its IDs or aliases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/severity.h"
#include "core/text.h"
#include "scanner/commands.h"
#include "db/vulndb.h"
#include "signatures/store.h"

static const char usage[] =
    "usage: airlock [--db-dir DIR] show ID\n"
    "\n"
    "Print the advisory with this ID or alias (PYSEC-..., GHSA-..., CVE-...)\n"
    "from the installed database: summary, severity, affected versions,\n"
    "fixed versions, references and details.\n"
    "\n"
    "Examples:\n"
    "  airlock show CVE-2023-30861\n"
    "  airlock show GHSA-m2qf-hxjv-5gpq\n";

/* Every string of an advisory is untrusted, even inside a signed snapshot:
 * each one goes through core/text.h's filter (no terminal escapes, C1 or
 * bidirectional controls). Multi-line text keeps its line breaks, each new
 * line indented. */
static void put_text(FILE *out, const char *s, const char *indent)
{
    char *t = text_safe_dup(s, TEXT_LINES);
    fputs(indent, out);
    for (const char *p = t; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1] != '\0')
            fputs(indent, out);
    }
    fputc('\n', out);
    free(t);
}

/* One field on a single line. */
static void put(FILE *out, const char *s)
{
    text_safe_fputs(s, out, 0);
}

static void put_line(FILE *out, const char *label, const char *s)
{
    fputs(label, out);
    put(out, s);
    fputc('\n', out);
}

static void print_advisory(FILE *out, const vulndb_advisory *a)
{
    put_line(out, "", a->id);
    if (a->n_ids > 1) {
        fputs("  aliases:   ", out);
        for (size_t i = 0, k = 0; i < a->n_ids; i++)
            if (strcmp(a->ids[i], a->id) != 0) {
                fputs(k++ ? ", " : "", out);
                put(out, a->ids[i]);
            }
        fputc('\n', out);
    }
    if (a->summary[0])
        put_text(out, a->summary, "  summary:   ");
    fprintf(out, "  severity:  %s", severity_name(a->level));
    if (a->score >= 0) {
        fputs(" (", out);
        put(out, a->cvss_type);
        fprintf(out, " %.1f ", a->score);
        put(out, a->cvss_vector);
        fputc(')', out);
    } else if (a->label[0]) {
        fputs(" (label from the advisory)", out);
    }
    fputc('\n', out);
    if (a->published[0])
        put_line(out, "  published: ", a->published);
    put_line(out, "  modified:  ", a->modified);
    for (size_t i = 0; i < a->n_packages; i++) {
        const vulndb_package *p = &a->packages[i];
        put_line(out, "  package:   ", p->name);
        for (size_t k = 0; k < p->n_ranges; k++)
            put_line(out, "    affected: ", p->ranges[k]);
        if (p->n_fixed == 0)
            fputs("    fixed:    (no fixed version)\n", out);
        for (size_t k = 0; k < p->n_fixed; k++)
            put_line(out, "    fixed:    ", p->fixed[k]);
    }
    if (a->n_refs > 0)
        fputs("  references:\n", out);
    for (size_t i = 0; i < a->n_refs; i++) {
        char *type = text_safe_dup(a->refs[i].type, 0);
        fprintf(out, "    %-9s ", type);
        free(type);
        put(out, a->refs[i].url);
        fputc('\n', out);
    }
    fputs("  sources:\n", out);
    for (size_t i = 0; i < a->n_origins; i++) {
        fputs("    ", out);
        put(out, a->origins[i].id);
        fputs(" (modified ", out);
        put(out, a->origins[i].modified);
        fputs(") from ", out);
        put(out, a->origins[i].origin);
        fputc('\n', out);
    }
    if (a->details[0]) {
        fputs("  details:\n", out);
        put_text(out, a->details, "    ");
    }
}

int cmd_show(int argc, char **argv, const airlock_globals *g)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(usage, stderr);
        return EXIT_ERROR;
    }
    airlock_error err;
    char *dir = NULL;
    store *st = NULL;
    vulndb *db = NULL;
    int rc = EXIT_ERROR;
    /* The digest is checked in store_open() (nothing to do meanwhile), so
     * store_wait_digest() returns at once and the path is not NULL; LMDB
     * must then open that very file. */
    if (store_resolve_dir(g->db_dir, &dir, &err) != 0 || store_open(dir, 0, &st, &err) != 0 ||
        store_wait_digest(st, &err) != 0 ||
        vulndb_open_expect(store_data_path(st), store_data_identity(st), &db, &err) != 0) {
        diag_error("airlock", err.msg);
        goto done;
    }
    vulndb_advisory a;
    int found = vulndb_find(db, argv[1], &a, &err);
    if (found < 0) {
        diag_error("airlock", err.msg);
    } else if (found == 0) {
        fprintf(stderr, "airlock: %s: no such vulnerability in the installed database\n", argv[1]);
    } else {
        print_advisory(stdout, &a);
        vulndb_advisory_clear(&a);
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
    }
done:
    vulndb_close(db);
    store_close(st);
    free(dir);
    return rc;
}
