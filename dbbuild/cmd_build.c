/* Placeholder until the build command lands: it fails closed. */
#include <stdio.h>

#include "dbbuild/commands.h"

int cmd_build(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("airlock-dbbuild: 'build' is not available in this build yet\n", stderr);
    return 2;
}
