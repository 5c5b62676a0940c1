#include "scanner/inputs/pyenv.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "core/buf.h"
#include "scanner/inputs/sitepackages.h"

/* Runs on any CPython or PyPy from 2.7 on. Marker values follow
 * packaging.markers.default_environment(). */
static const char PY_CODE[] =
    "import sys, os, json, platform, binascii\n"
    "def h(p):\n"
    "    if not isinstance(p, bytes):\n"
    "        p = os.fsencode(p)\n"
    "    return binascii.hexlify(p).decode('ascii')\n"
    "def fv(i):\n"
    "    v = '%d.%d.%d' % (i[0], i[1], i[2])\n"
    "    if i[3] != 'final':\n"
    "        v += i[3][0] + str(i[4])\n"
    "    return v\n"
    "impl = getattr(sys, 'implementation', None)\n"
    "p = [x for x in sys.path if x]\n"
    "json.dump({'path': [h(x) for x in p],\n"
    " 'executable': h(sys.executable or ''), 'prefix': h(sys.prefix),\n"
    " 'base_prefix': h(getattr(sys, 'base_prefix', sys.prefix)),\n"
    " 'env': {'os_name': os.name, 'sys_platform': sys.platform,\n"
    "  'platform_machine': platform.machine(),\n"
    "  'platform_python_implementation': platform.python_implementation(),\n"
    "  'platform_release': platform.release(), 'platform_system': platform.system(),\n"
    "  'platform_version': platform.version(),\n"
    "  'python_version': '.'.join(platform.python_version_tuple()[:2]),\n"
    "  'python_full_version': platform.python_version(),\n"
    "  'implementation_name': impl.name if impl else '',\n"
    "  'implementation_version': fv(impl.version) if impl else '0'}}, sys.stdout)\n";

void pyenv_info_clear(pyenv_info *info)
{
    path_list_free(&info->sys_path);
    free(info->executable);
    free(info->prefix);
    free(info->base_prefix);
    marker_env_clear(&info->env);
    memset(info, 0, sizeof *info);
}

static bool is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int pyenv_resolve(const char *exe, const char *path_env, char **out, airlock_error *err)
{
    *out = NULL;
    if (exe == NULL)
        exe = "python3";
    if (exe[0] == '\0')
        return error_set(err, "empty interpreter name");
    if (strchr(exe, '/') != NULL) {
        if (!is_exec_file(exe))
            return error_set(err, "%s: not an executable file", exe);
        *out = xstrdup(exe);
        return 0;
    }
    if (path_env == NULL || path_env[0] == '\0')
        path_env = "/usr/local/bin:/usr/bin:/bin";
    buf p = {0};
    for (const char *s = path_env;;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        buf_reset(&p);
        /* An empty PATH element means the current directory: never used,
         * so that a planted ./python3 cannot be picked. */
        if (n > 0 && s[0] == '/') {
            buf_append(&p, s, n);
            buf_printf(&p, "/%s", exe);
            if (is_exec_file(p.data)) {
                *out = buf_detach(&p, NULL);
                return 0;
            }
        }
        if (e == NULL)
            break;
        s = e + 1;
    }
    buf_free(&p);
    return error_set(err, "%s: not found in PATH", exe);
}

static char *unhex(const cJSON *item)
{
    if (!cJSON_IsString(item))
        return NULL;
    const char *s = item->valuestring;
    size_t n = strlen(s);
    if (n % 2 != 0)
        return NULL;
    char *out = xmalloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                free(out);
                return NULL;
            }
            v = v * 16 + d;
        }
        if (v == 0) { /* a NUL cannot be in a path */
            free(out);
            return NULL;
        }
        out[i] = (char)v;
    }
    out[n / 2] = '\0';
    return out;
}

static int env_field(const cJSON *env, const char *key, char **dst, airlock_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, key);
    if (!cJSON_IsString(v))
        return error_set(err, "interpreter output: '%s' missing", key);
    *dst = xstrdup(v->valuestring);
    return 0;
}

/* A NUL, raw or escaped as \u0000, would cut a string short: cJSON's
 * strings end at the first one. The interpreter's honest answer has none. */
static bool has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0')
            return true;
        if (s[i] == '\\' && i + 1 < n) {
            if (n - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)
                return true;
            i++; /* the escaped character */
        }
    }
    return false;
}

int pyenv_parse_output(const char *json, size_t len, pyenv_info *info, airlock_error *err)
{
    pyenv_info_clear(info);
    if (has_nul(json, len))
        return error_set(err, "interpreter output holds a NUL character");
    cJSON *j = cJSON_ParseWithLength(json, len);
    if (j == NULL || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return error_set(err, "interpreter output is not a JSON object");
    }
    int rc = -1;
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(j, "env");
    if (!cJSON_IsArray(path) || !cJSON_IsObject(env)) {
        error_set(err, "interpreter output: 'path' or 'env' missing");
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, path) {
        char *p = unhex(it);
        if (p == NULL || p[0] == '\0') { /* '' (the current directory) is left out */
            free(p);
            error_set(err, "interpreter output: bad sys.path entry");
            goto out;
        }
        path_list_add(&info->sys_path, p);
        free(p);
    }
    info->executable = unhex(cJSON_GetObjectItemCaseSensitive(j, "executable"));
    info->prefix = unhex(cJSON_GetObjectItemCaseSensitive(j, "prefix"));
    info->base_prefix = unhex(cJSON_GetObjectItemCaseSensitive(j, "base_prefix"));
    if (info->prefix == NULL || info->base_prefix == NULL) {
        error_set(err, "interpreter output: bad prefix");
        goto out;
    }
    if (info->executable == NULL)
        info->executable = xstrdup("");
    marker_env *m = &info->env;
    if (env_field(env, "os_name", &m->os_name, err) != 0 ||
        env_field(env, "sys_platform", &m->sys_platform, err) != 0 ||
        env_field(env, "platform_machine", &m->platform_machine, err) != 0 ||
        env_field(env, "platform_python_implementation", &m->platform_python_implementation,
                  err) != 0 ||
        env_field(env, "platform_release", &m->platform_release, err) != 0 ||
        env_field(env, "platform_system", &m->platform_system, err) != 0 ||
        env_field(env, "platform_version", &m->platform_version, err) != 0 ||
        env_field(env, "python_version", &m->python_version, err) != 0 ||
        env_field(env, "python_full_version", &m->python_full_version, err) != 0 ||
        env_field(env, "implementation_name", &m->implementation_name, err) != 0 ||
        env_field(env, "implementation_version", &m->implementation_version, err) != 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(j);
    if (rc != 0)
        pyenv_info_clear(info);
    return rc;
}

/* pipe2() is not POSIX; set close-on-exec by hand (no threads here). */
static int cloexec_pipe(int p[2])
{
    if (pipe(p) != 0)
        return -1;
    if (fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        return -1;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collect the child's stdout (bounded) and the start of its stderr until
 * both close or the deadline passes. 0, or -1 with a message. */
static int collect(int outfd, int errfd, int timeout_ms, buf *out, buf *errtext,
                   airlock_error *err)
{
    long long deadline = now_ms() + timeout_ms;
    struct pollfd fds[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
    char chunk[16384];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return error_set(err, "no answer within %d ms", timeout_ms);
        int r = poll(fds, 2, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return error_errno(err, errno, "poll");
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                fds[i].fd = -1;
                continue;
            }
            if (i == 0) {
                if (out->len + (size_t)n > PYENV_MAX_OUTPUT)
                    return error_set(err, "output larger than %zu bytes", PYENV_MAX_OUTPUT);
                buf_append(out, chunk, (size_t)n);
            } else if (errtext->len < 4096) {
                buf_append(errtext, chunk, (size_t)n);
            }
        }
    }
    return 0;
}

/* A file starting with "#!": a pyenv or asdf shim, a wrapper script. */
static int is_script(const char *exe_path, bool *script, airlock_error *err)
{
    int fd = open(exe_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return error_errno(err, errno, "%s", exe_path);
    char head[2] = {0};
    ssize_t hn = read(fd, head, 2);
    close(fd);
    *script = hn == 2 && head[0] == '#' && head[1] == '!';
    return 0;
}

/* The environment of a launcher: the user's, so that it picks what it
 * picks for them (PYENV_VERSION, .python-version, ASDF_*, PATH), without
 * the PYTHON* variables that -E makes the interpreter ignore anyway. The
 * strings are borrowed from environ. */
static char **launcher_env(void)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **envp = xcalloc(n + 1, sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PYTHON", 6) != 0)
            envp[k++] = environ[i];
    envp[k] = NULL;
    return envp;
}

int pyenv_query(const char *exe_path, int timeout_ms, pyenv_info *info, airlock_error *err)
{
    pyenv_info_clear(info);
    bool script = false;
    if (is_script(exe_path, &script, err) != 0)
        return -1;

    int outp[2], errp[2];
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0)
        return error_errno(err, errno, "/dev/null");
    if (cloexec_pipe(outp) != 0) {
        close(devnull);
        return error_errno(err, errno, "pipe");
    }
    if (cloexec_pipe(errp) != 0) {
        int e = errno;
        close(devnull);
        close(outp[0]);
        close(outp[1]);
        return error_errno(err, e, "pipe");
    }
    /* Everything the child needs is prepared before fork(). */
    const char *home = getenv("HOME");
    buf homevar = {0};
    char *home_env[2] = {NULL, NULL};
    if (home != NULL) {
        buf_printf(&homevar, "HOME=%s", home);
        home_env[0] = homevar.data;
    }
    char **envp = script ? launcher_env() : home_env;
    char *argv[] = {(char *)exe_path, (char *)"-E", (char *)"-c", (char *)PY_CODE, NULL};
    long open_max = sysconf(_SC_OPEN_MAX);
    int maxfd = open_max < 0 || open_max > 65536 ? 65536 : (int)open_max;

    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls until execve. dup2 clears CLOEXEC. */
        if (dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(127);
        for (int other = 3; other < maxfd; other++)
            close(other); /* e.g. the database, opened without O_CLOEXEC */
        execve(exe_path, argv, envp);
        _exit(127);
    }
    int fork_errno = errno;
    close(devnull);
    close(outp[1]);
    close(errp[1]);
    buf_free(&homevar);
    if (envp != home_env)
        free(envp);
    if (pid < 0) {
        close(outp[0]);
        close(errp[0]);
        return error_errno(err, fork_errno, "fork");
    }

    buf out = {0}, errtext = {0};
    int rc = collect(outp[0], errp[0], timeout_ms > 0 ? timeout_ms : PYENV_TIMEOUT_MS, &out,
                     &errtext, err);
    close(outp[0]);
    close(errp[0]);
    if (rc != 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        /* Keep the first line of stderr: enough to say what went wrong. */
        size_t n = errtext.len ? strcspn(errtext.data, "\n") : 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && n == 0)
            error_set(err, "cannot run it");
        else if (WIFEXITED(status))
            error_set(err, "exited with status %d%s%.*s", WEXITSTATUS(status),
                      n ? ": " : "", (int)(n > 300 ? 300 : n), n ? errtext.data : "");
        else
            error_set(err, "killed by signal %d", WTERMSIG(status));
        rc = -1;
    }
    if (rc == 0)
        rc = pyenv_parse_output(out.data ? out.data : "", out.len, info, err);
    if (rc == 0)
        info->launcher = script;
    buf_free(&out);
    buf_free(&errtext);
    if (rc != 0)
        error_prefix(err, "%s", exe_path);
    return rc;
}

/* What kind of launcher `path` is, by where such launchers live. */
static const char *launcher_kind(const char *path)
{
    if (strstr(path, "/pyenv/shims/") != NULL || strstr(path, "/.pyenv/shims/") != NULL)
        return "pyenv shim";
    if (strstr(path, "/asdf/shims/") != NULL || strstr(path, "/.asdf/shims/") != NULL)
        return "asdf shim";
    if (strstr(path, "/mise/shims/") != NULL)
        return "mise shim";
    return "launcher script";
}

void pyenv_run_clear(pyenv_run *run)
{
    free(run->path);
    free(run->executable);
    memset(run, 0, sizeof *run);
}

int pyenv_scan(const char *exe, dep_list *out, marker_env *env, pyenv_run *run, diag *d,
               airlock_error *err)
{
    char *path = NULL;
    if (pyenv_resolve(exe, getenv("PATH"), &path, err) != 0)
        return -1;
    pyenv_info info = {0};
    if (pyenv_query(path, PYENV_TIMEOUT_MS, &info, err) != 0) {
        free(path);
        return -1;
    }
    site_scanner *s = site_scanner_new(out, d);
    site_scanner_scan_list(s, (const char *const *)info.sys_path.items, info.sys_path.len);
    site_scanner_free(s);
    if (env != NULL) {
        *env = info.env;
        memset(&info.env, 0, sizeof info.env);
    }
    if (run != NULL) {
        run->launcher = info.launcher ? launcher_kind(path) : NULL;
        run->executable = info.executable;
        info.executable = NULL;
        run->path = path;
        path = NULL;
    }
    free(path);
    pyenv_info_clear(&info);
    return 0;
}
