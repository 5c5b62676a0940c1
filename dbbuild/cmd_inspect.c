/* Placeholder until the inspect command lands: it fails closed. */
#include <stdio.h>

#include "dbbuild/commands.h"

int cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("airlock-dbbuild: 'inspect' is not available in this build yet\n", stderr);
    return 2;
}
