/*
 * airlock - scan Python environments for known vulnerabilities, offline,
 * against a signed database snapshot. See airlock(1).
 */
#include <stdio.h>
#include <string.h>

#include "scanner/commands.h"

static const char usage[] =
    "usage: airlock [--db-dir DIR] COMMAND [ARGS...]\n"
    "\n"
    "Find known vulnerabilities in Python environments, offline, against a\n"
    "signed vulnerability database.\n"
    "\n"
    "Commands:\n"
    "  scan      scan environments, requirement files, lockfiles, pyproject.toml,\n"
    "            SBOMs and project directories\n"
    "  fix       rewrite vulnerable pins in requirement files to their fixes\n"
    "  db        import, inspect and verify the installed database\n"
    "  show ID   print one advisory from the installed database\n"
    "\n"
    "Options:\n"
    "  --db-dir DIR  database directory (default: $AIRLOCK_DB_DIR, else\n"
    "                /var/lib/airlock for root, else $XDG_DATA_HOME/airlock)\n"
    "  --version     print the version and exit\n"
    "  -h, --help    print this help and exit\n"
    "\n"
    "Examples:\n"
    "  airlock db import /media/usb --trusted-key /etc/airlock/trusted-keys/ci.pub\n"
    "  airlock scan .\n"
    "  airlock scan -r requirements.txt\n"
    "  airlock scan --venv ~/venvs/app --format json -o report.json\n"
    "  airlock fix -r requirements.txt --dry-run\n"
    "  airlock show CVE-2023-30861\n"
    "\n"
    "Run 'airlock COMMAND --help' for a command's options. Exit status: 0 no\n"
    "vulnerabilities, 1 vulnerabilities found, 2 error.\n";

int main(int argc, char **argv)
{
    airlock_globals g = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0) {
            printf("airlock %s\n", AIRLOCK_VERSION);
            return EXIT_OK;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--db-dir") == 0 && i + 1 < argc) {
            g.db_dir = argv[++i];
        } else if (strncmp(a, "--db-dir=", 9) == 0) {
            g.db_dir = a + 9;
        } else {
            fprintf(stderr, "airlock: unknown option '%s'\n\n%s", a, usage);
            return EXIT_ERROR;
        }
    }
    if (i == argc) {
        fputs(usage, stderr);
        return EXIT_ERROR;
    }
    const char *cmd = argv[i];
    int cargc = argc - i;
    char **cargv = argv + i;
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(cargc, cargv, &g);
    if (strcmp(cmd, "fix") == 0)
        return cmd_fix(cargc, cargv, &g);
    if (strcmp(cmd, "db") == 0)
        return cmd_db(cargc, cargv, &g);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(cargc, cargv, &g);
    if (strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "airlock: unknown command '%s'\n\n%s", cmd, usage);
    return EXIT_ERROR;
}
