/* Placeholder until the show command lands: it fails closed. */
#include <stdio.h>

#include "scanner/commands.h"

int cmd_show(int argc, char **argv, const airlock_globals *g)
{
    (void)argc;
    (void)argv;
    (void)g;
    fputs("airlock: 'show' is not available in this build yet\n", stderr);
    return EXIT_ERROR;
}
