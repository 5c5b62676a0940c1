/*
 * commands.h - the subcommands of `airlock`, each in its own file.
 *
 * Every command takes its own argv (argv[0] is the command name) and returns
 * the process exit status: 0 success (for scan: no unignored
 * vulnerabilities), 1 vulnerabilities found, 2 error.
 */
#ifndef AIRLOCK_COMMANDS_H
#define AIRLOCK_COMMANDS_H

/* Options that come before the command name. */
typedef struct airlock_globals {
    const char *db_dir; /* --db-dir, or NULL for the default (see store.h) */
} airlock_globals;

#define EXIT_OK 0
#define EXIT_FOUND 1
#define EXIT_ERROR 2

int cmd_scan(int argc, char **argv, const airlock_globals *g);  /* cmd_scan.c */
int cmd_db(int argc, char **argv, const airlock_globals *g);    /* cmd_db.c */
int cmd_show(int argc, char **argv, const airlock_globals *g);  /* cmd_show.c */
int cmd_fix(int argc, char **argv, const airlock_globals *g);   /* cmd_fix.c */

#endif
