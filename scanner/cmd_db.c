/* Placeholder until the db command lands: it fails closed. */
#include <stdio.h>

#include "scanner/commands.h"

int cmd_db(int argc, char **argv, const airlock_globals *g)
{
    (void)argc;
    (void)argv;
    (void)g;
    fputs("airlock: 'db' is not available in this build yet\n", stderr);
    return EXIT_ERROR;
}
