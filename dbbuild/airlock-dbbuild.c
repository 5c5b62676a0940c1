/*
 * airlock-dbbuild - compile public OSV advisories into a signed database
 * snapshot for airlock(1). See airlock-dbbuild(1).
 */
#include <stdio.h>
#include <string.h>

#include "dbbuild/commands.h"

static const char usage[] =
    "usage: airlock-dbbuild COMMAND [ARGS...]\n"
    "\n"
    "Build signed vulnerability database snapshots for airlock.\n"
    "\n"
    "Commands:\n"
    "  keygen -p PUBFILE -s SECFILE [-W] [-f]\n"
    "          make an Ed25519 key pair (minisign format)\n"
    "  build -s SECFILE -o SNAPSHOT [--sequence N] SOURCE...\n"
    "          compile OSV sources into a signed snapshot\n"
    "  inspect SNAPSHOT\n"
    "          print a snapshot's metadata and counts\n"
    "\n"
    "Examples:\n"
    "  airlock-dbbuild keygen -p airlock.pub -s airlock.key\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot all.zip\n"
    "  airlock-dbbuild inspect pypi.snapshot\n"
    "\n"
    "Run 'airlock-dbbuild COMMAND --help' for a command's options.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("airlock-dbbuild %s\n", AIRLOCK_VERSION);
        return 0;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    if (strcmp(cmd, "build") == 0)
        return cmd_build(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0)
        return cmd_inspect(argc - 1, argv + 1);
    fprintf(stderr, "airlock-dbbuild: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
