/*
 * advice_db.c - advice_compute(): the advice with the database's own
 * release data (advice.h).
 */
#include "scanner/advice.h"

static int get_releases(void *ctx, const char *name, vulndb_releases *out, airlock_error *err)
{
    return vulndb_get_releases(ctx, name, out, err);
}

static void free_releases(void *ctx, vulndb_releases *rels)
{
    (void)ctx;
    vulndb_releases_free(rels);
}

int advice_compute(scan_report *r, vulndb *db, fix_target to, airlock_error *err)
{
    advice_source src = {get_releases, free_releases, db};
    return advice_compute_from(r, db, vulndb_has_releases(db) == 1 ? &src : NULL, to, err);
}
