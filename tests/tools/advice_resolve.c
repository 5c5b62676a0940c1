/*
 * advice-resolve - advice.h's pick for a specifier, for the differential
 * test against pip's vendored packaging. One case a line on stdin:
 *   SPECIFIER <TAB> VERSION[!] VERSION[!] ...   ("!" marks a yanked release)
 * and one line out: the releases advice_filter() admits, comma-joined, then
 * <TAB> and advice_resolve()'s pick ("-" for none, "!" appended when
 * yanked); "invalid" when the specifier or a version does not parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/advice.h"

static int by_version(const void *a, const void *b)
{
    return version_compare(&((const vulndb_release *)a)->v, &((const vulndb_release *)b)->v);
}

static void one(char *line)
{
    char *tab = strchr(line, '\t');
    if (tab == NULL) {
        puts("invalid");
        return;
    }
    *tab = '\0';
    specset *s;
    airlock_error e;
    if (specset_parse(line, strlen(line), &s, &e) != 0) {
        puts("invalid");
        return;
    }
    vulndb_releases rels = {0};
    bool ok = true;
    for (char *tok = strtok(tab + 1, " "); tok != NULL && ok; tok = strtok(NULL, " ")) {
        size_t n = strlen(tok);
        bool yanked = n > 0 && tok[n - 1] == '!';
        rels.items = xrealloc(rels.items, (rels.len + 1) * sizeof *rels.items);
        vulndb_release *x = &rels.items[rels.len];
        memset(x, 0, sizeof *x);
        if (version_parse(&x->v, tok, n - yanked, &e) != 0) {
            ok = false;
            break;
        }
        char canon[VERSION_MAX_TEXT + 64];
        version_format(&x->v, canon, sizeof canon);
        x->version = xstrdup(canon);
        x->yanked = yanked;
        rels.len++;
    }
    /* The database's order: ascending, no duplicates (the caller's lists
     * have none). */
    qsort(rels.items, rels.len, sizeof *rels.items, by_version);
    if (ok) {
        bool *adm = xcalloc(rels.len + 1, sizeof *adm);
        advice_filter(s, &rels, adm);
        buf b = {0};
        size_t n = 0;
        for (size_t i = 0; i < rels.len; i++)
            if (adm[i])
                buf_printf(&b, "%s%s", n++ ? "," : "", rels.items[i].version);
        ptrdiff_t pick = advice_resolve(s, &rels);
        printf("%s\t%s%s\n", b.data ? b.data : "", pick < 0 ? "-" : rels.items[pick].version,
               pick >= 0 && rels.items[pick].yanked ? "!" : "");
        buf_free(&b);
        free(adm);
    } else {
        puts("invalid");
    }
    for (size_t i = 0; i < rels.len; i++) {
        version_clear(&rels.items[i].v);
        free(rels.items[i].version);
    }
    free(rels.items);
    specset_free(s);
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        one(line);
    }
    free(line);
    return 0;
}
