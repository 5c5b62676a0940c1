/*
 * cmd_show.c - `airlock show ID`: print one advisory of the installed
 * database, found by any of its IDs or aliases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/severity.h"
#include "scanner/commands.h"
#include "scanner/vulndb.h"
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

/* Advisory text is untrusted: never send control characters (terminal
 * escapes) to the output; keep newlines and tabs. */
static void put_text(FILE *out, const char *s, const char *indent)
{
    fputs(indent, out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') {
            fputc('\n', out);
            if (s[1] != '\0')
                fputs(indent, out);
        } else if (c == '\t' || c >= 0x20) {
            fputc(c == 0x7f ? '?' : c, out);
        } else if (c != '\r') {
            fputc('?', out);
        }
    }
    fputc('\n', out);
}

static void print_advisory(FILE *out, const vulndb_advisory *a)
{
    put_text(out, a->id, "");
    if (a->n_ids > 1) {
        fputs("  aliases:   ", out);
        for (size_t i = 0, k = 0; i < a->n_ids; i++)
            if (strcmp(a->ids[i], a->id) != 0)
                fprintf(out, "%s%s", k++ ? ", " : "", a->ids[i]);
        fputc('\n', out);
    }
    if (a->summary[0])
        put_text(out, a->summary, "  summary:   ");
    fprintf(out, "  severity:  %s", severity_name(a->level));
    if (a->score >= 0)
        fprintf(out, " (%s %.1f %s)", a->cvss_type, a->score, a->cvss_vector);
    else if (a->label[0])
        fputs(" (label from the advisory)", out);
    fputc('\n', out);
    if (a->published[0])
        fprintf(out, "  published: %s\n", a->published);
    fprintf(out, "  modified:  %s\n", a->modified);
    for (size_t i = 0; i < a->n_packages; i++) {
        const vulndb_package *p = &a->packages[i];
        fprintf(out, "  package:   %s\n", p->name);
        for (size_t k = 0; k < p->n_ranges; k++)
            fprintf(out, "    affected: %s\n", p->ranges[k]);
        if (p->n_fixed == 0)
            fputs("    fixed:    (no fixed version)\n", out);
        for (size_t k = 0; k < p->n_fixed; k++)
            fprintf(out, "    fixed:    %s\n", p->fixed[k]);
    }
    if (a->n_refs > 0)
        fputs("  references:\n", out);
    for (size_t i = 0; i < a->n_refs; i++) {
        fprintf(out, "    %-9s ", a->refs[i].type);
        put_text(out, a->refs[i].url, "");
    }
    fputs("  sources:\n", out);
    for (size_t i = 0; i < a->n_origins; i++)
        fprintf(out, "    %s (modified %s) from %s\n", a->origins[i].id, a->origins[i].modified,
                a->origins[i].origin);
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
    if (store_resolve_dir(g->db_dir, &dir, &err) != 0 || store_open(dir, 0, &st, &err) != 0 ||
        vulndb_open(store_data_path(st), &db, &err) != 0) {
        fprintf(stderr, "airlock: %s\n", err.msg);
        goto done;
    }
    vulndb_advisory a;
    int found = vulndb_find(db, argv[1], &a, &err);
    if (found < 0) {
        fprintf(stderr, "airlock: %s\n", err.msg);
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
