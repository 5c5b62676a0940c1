/* Placeholder until the keygen command lands: it fails closed. */
#include <stdio.h>

#include "dbbuild/commands.h"

int cmd_keygen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("airlock-dbbuild: 'keygen' is not available in this build yet\n", stderr);
    return 2;
}
