#include "signatures/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"

/* Cut at the first newline; refuse empty. */
static int first_line(char *s, const char *from, airlock_error *err)
{
    s[strcspn(s, "\r\n")] = '\0';
    if (s[0] == '\0')
        return error_set(err, "%s: empty passphrase (use -W for an unencrypted key)", from);
    return 0;
}

static int read_tty_line(int fd, const char *prompt, char *out, size_t cap, airlock_error *err)
{
    if (write(fd, prompt, strlen(prompt)) < 0)
        return error_errno(err, errno, "/dev/tty");
    struct termios old, quiet;
    int have_term = tcgetattr(fd, &old) == 0;
    if (have_term) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    size_t n = 0;
    int rc = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || ch == '\n')
            break;
        if (n + 1 >= cap) {
            rc = error_set(err, "passphrase too long");
            break;
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    if (have_term)
        tcsetattr(fd, TCSAFLUSH, &old);
    return rc;
}

int passphrase_get(const char *prompt, int confirm, char **out, airlock_error *err)
{
    *out = NULL;
    const char *file = getenv("AIRLOCK_PASSPHRASE_FILE");
    if (file != NULL && file[0] != '\0') {
        char *text;
        size_t len;
        if (file_read_all(file, PASSPHRASE_MAX, &text, &len, err) != 0)
            return error_prefix(err, "AIRLOCK_PASSPHRASE_FILE");
        if (first_line(text, file, err) != 0) {
            sodium_memzero(text, len);
            free(text);
            return -1;
        }
        *out = text;
        return 0;
    }
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, "no terminal to ask for the passphrase: set "
                              "AIRLOCK_PASSPHRASE_FILE, or use -W for an unencrypted key");
    char *a = xmalloc(PASSPHRASE_MAX), *b = xmalloc(PASSPHRASE_MAX);
    int rc = read_tty_line(fd, prompt, a, PASSPHRASE_MAX, err);
    if (rc == 0)
        rc = first_line(a, "terminal", err);
    if (rc == 0 && confirm) {
        rc = read_tty_line(fd, "Passphrase (again): ", b, PASSPHRASE_MAX, err);
        if (rc == 0 && strcmp(a, b) != 0)
            rc = error_set(err, "the passphrases do not match");
    }
    close(fd);
    sodium_memzero(b, PASSPHRASE_MAX);
    free(b);
    if (rc != 0) {
        sodium_memzero(a, PASSPHRASE_MAX);
        free(a);
        return -1;
    }
    *out = a;
    return 0;
}
