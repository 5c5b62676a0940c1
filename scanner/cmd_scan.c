/* Placeholder until the scan command lands: it fails closed. */
#include <stdio.h>

#include "scanner/commands.h"

int cmd_scan(int argc, char **argv, const airlock_globals *g)
{
    (void)argc;
    (void)argv;
    (void)g;
    fputs("airlock: 'scan' is not available in this build yet\n", stderr);
    return EXIT_ERROR;
}
