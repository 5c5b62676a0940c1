/*
 * commands.h - the subcommands of `airlock-dbbuild`, each in its own file.
 * Each takes its own argv (argv[0] is the command name) and returns the exit
 * status: 0 success, 2 error.
 */
#ifndef AIRLOCK_DBBUILD_COMMANDS_H
#define AIRLOCK_DBBUILD_COMMANDS_H

int cmd_keygen(int argc, char **argv);   /* cmd_keygen.c */
int cmd_build(int argc, char **argv);    /* cmd_build.c */
int cmd_inspect(int argc, char **argv);  /* cmd_inspect.c */

#endif
