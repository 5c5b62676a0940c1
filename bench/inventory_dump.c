/*
 * inventory_dump - print the inventory of installed distributions as TSV,
 * for the differential test (tests/scripts/test_inventory_differential.py)
 * and for looking at an environment by hand.
 *
 *   inventory_dump DIR...          each DIR as with `airlock scan --path`
 *   inventory_dump --venv DIR      a virtualenv, as with `--venv`
 *   inventory_dump --python EXE    the environment of an interpreter
 *
 * One line per dependency: name, normalized, version text, parsed (1/0),
 * editable (1/0), location, source file, skip reason; \N for NULL.
 * Tabs, newlines and backslashes inside fields are written as \t \n \\.
 * Warnings go to stderr; the exit status is 2 on an error, else 0.
 */
#include <stdio.h>
#include <string.h>

#include "core/diag.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/pyenv.h"
#include "scanner/inputs/sitepackages.h"
#include "scanner/inputs/venv.h"

static void field(const char *s)
{
    if (s == NULL) {
        fputs("\\N", stdout);
        return;
    }
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\r')
            fputs("\\r", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

int main(int argc, char **argv)
{
    dep_list deps = {0};
    diag d = {0};
    airlock_error err = {{0}};
    int rc = 0;
    if (argc == 3 && strcmp(argv[1], "--venv") == 0) {
        rc = venv_scan(argv[2], &deps, &d, &err);
    } else if (argc == 3 && strcmp(argv[1], "--python") == 0) {
        rc = pyenv_scan(argv[2], &deps, NULL, NULL, &d, &err);
    } else if (argc >= 2 && argv[1][0] != '-') {
        site_scanner *s = site_scanner_new(&deps, &d);
        for (int i = 1; i < argc && rc == 0; i++)
            if (site_scanner_scan(s, argv[i], &err) < 0)
                rc = -1;
        site_scanner_free(s);
    } else {
        fputs("usage: inventory_dump DIR... | --venv DIR | --python EXE\n", stderr);
        return 2;
    }
    if (rc < 0) {
        fprintf(stderr, "inventory_dump: %s\n", err.msg);
        dep_list_free(&deps);
        return 2;
    }
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *p = &deps.items[i];
        field(p->name);
        putchar('\t');
        field(p->normalized);
        putchar('\t');
        field(p->version_text);
        printf("\t%d\t%d\t", p->has_version ? 1 : 0, p->editable ? 1 : 0);
        field(p->location);
        putchar('\t');
        field(p->source_file);
        putchar('\t');
        field(p->skip_reason);
        putchar('\n');
    }
    dep_list_free(&deps);
    return 0;
}
