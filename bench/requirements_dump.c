/*
 * requirements_dump - print Airlock's reading of requirement files and
 * markers, for the differential tests against pip and packaging.
 *
 *   requirements_dump lines FILE       one JSON object per requirement line
 *   requirements_dump batch FILE...    the same for each FILE, with warnings as
 *                                      {"warning": ...} and a closing
 *                                      {"end": FILE, "rc": N, "error": ...}
 *   requirements_dump deps FILE [PY [PLATFORM]]
 *                                      one JSON object per dependency
 *   requirements_dump markers          stdin: 12 tab-separated environment
 *                                      values (marker_env order, "\x01" =
 *                                      unset) then the marker; stdout: one
 *                                      line per input, "true|false<TAB>str",
 *                                      "parse-error" or "eval-error"
 * Warnings go to stderr; exit 1 on a fatal error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/requirements.h"

static void json_str(const char *s)
{
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void warn_json(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg;
    buf b = {0};
    buf_printf(&b, "%s:%u: %s", file ? file : "", line, msg);
    printf("{\"warning\": ");
    json_str(b.data);
    printf("}\n");
    buf_free(&b);
}

static int dump_lines(const char *path, bool batch)
{
    req_lines lines = {0};
    airlock_error err;
    diag d = {0};
    if (batch)
        d.fn = warn_json;
    int rc = requirements_parse(path, false, &lines, &d, &err);
    for (size_t i = 0; i < lines.len; i++) {
        const req_line *r = &lines.items[i];
        if (r->invalid)
            continue; /* its warning stands for it, as pip rejects it */
        printf("{\"file\": ");
        json_str(r->file);
        printf(", \"line\": %u, \"name\": ", r->line);
        json_str(r->has_req ? r->req.name : NULL);
        printf(", \"specifier\": ");
        if (r->has_req) {
            size_t n = specset_format(r->req.spec, NULL, 0);
            char *s = malloc(n + 1);
            specset_format(r->req.spec, s, n + 1);
            json_str(s);
            free(s);
        } else {
            json_str("");
        }
        printf(", \"url\": %s, \"markers\": ",
               (r->link || (r->has_req && r->req.url)) ? "true" : "false");
        if (r->marker) {
            buf b = {0};
            marker_format(r->marker, &b);
            json_str(b.data);
            buf_free(&b);
        } else {
            json_str(NULL);
        }
        printf(", \"editable\": %s, \"constraint\": %s}\n",
               r->form == REQ_EDITABLE ? "true" : "false", r->constraint ? "true" : "false");
    }
    req_lines_free(&lines);
    if (batch) {
        printf("{\"end\": ");
        json_str(path);
        printf(", \"rc\": %d, \"error\": ", rc);
        json_str(rc < 0 ? err.msg : NULL);
        printf("}\n");
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "requirements_dump: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int dump_deps(const char *path, const char *py, const char *platform)
{
    marker_env env;
    airlock_error err;
    if (marker_env_for_target(&env, py, platform, &err) < 0) {
        fprintf(stderr, "requirements_dump: %s\n", err.msg);
        return 1;
    }
    dep_list deps = {0};
    diag d = {0};
    int rc = requirements_read(path, &env, &deps, &d, &err);
    for (size_t i = 0; i < deps.len; i++) {
        const dependency *x = &deps.items[i];
        printf("{\"name\": ");
        json_str(x->name);
        printf(", \"normalized\": ");
        json_str(x->normalized);
        printf(", \"version\": ");
        json_str(x->has_version ? x->version_text : NULL);
        printf(", \"skip\": ");
        json_str(x->skip_reason);
        printf(", \"file\": ");
        json_str(x->source_file);
        printf(", \"line\": %u, \"editable\": %s}\n", x->source_line,
               x->editable ? "true" : "false");
    }
    dep_list_free(&deps);
    marker_env_clear(&env);
    if (rc < 0) {
        fprintf(stderr, "requirements_dump: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int dump_markers(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *fields[12];
        char *p = line;
        int k;
        for (k = 0; k < 12 && p; k++) {
            fields[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (k < 12 || !p) {
            puts("bad-input");
            continue;
        }
        marker_env env;
        char **slots[12] = {&env.os_name, &env.sys_platform, &env.platform_machine,
                            &env.platform_python_implementation, &env.platform_release,
                            &env.platform_system, &env.platform_version, &env.python_version,
                            &env.python_full_version, &env.implementation_name,
                            &env.implementation_version, &env.extra};
        memset(&env, 0, sizeof env);
        for (int i = 0; i < 12; i++)
            *slots[i] = strcmp(fields[i], "\x01") == 0 ? NULL : strdup(fields[i]);
        marker *m;
        airlock_error err;
        if (marker_parse(p, strlen(p), &m, &err) < 0) {
            puts("parse-error");
        } else {
            int v = marker_evaluate(m, &env, &err);
            if (v < 0) {
                puts("eval-error");
            } else {
                buf b = {0};
                marker_format(m, &b);
                printf("%s\t%s\n", v ? "true" : "false", b.data);
                buf_free(&b);
            }
            marker_free(m);
        }
        marker_env_clear(&env);
        fflush(stdout);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "lines") == 0)
        return dump_lines(argv[2], false);
    if (argc >= 2 && strcmp(argv[1], "batch") == 0) {
        for (int i = 2; i < argc; i++)
            dump_lines(argv[i], true);
        return 0;
    }
    if (argc >= 3 && argc <= 5 && strcmp(argv[1], "deps") == 0)
        return dump_deps(argv[2], argc > 3 ? argv[3] : NULL, argc > 4 ? argv[4] : NULL);
    if (argc == 2 && strcmp(argv[1], "markers") == 0)
        return dump_markers();
    fprintf(stderr, "usage: requirements_dump lines FILE | batch FILE... | deps FILE [PY [PLATFORM]] | markers\n");
    return 2;
}
