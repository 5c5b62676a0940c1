/*
 * markers.c - PEP 508 environment markers, parsed as pip reads them and
 * evaluated as packaging 23.0 does (packaging/markers.py).
 *
 * pip has read markers with two grammars: up to 24.0 its vendored
 * packaging 21.3 (a pyparsing grammar of literals), since 24.1 packaging's
 * hand-written tokenizer (packaging/_tokenizer.py, _parser.py). A marker
 * either reads is read here, so that no release's pins are lost: a marker
 * is a flat list of atoms joined by `and`/`or` (evaluated as any-of-all-of,
 * i.e. `and` binds tighter), an atom is a parenthesised marker or
 * `var op var`, where a var is a known variable name or a quoted string.
 * Keywords and variables are literals, as in pyparsing: nothing needs to
 * separate them (`'posix'andpython_version>'3'`, `'posix'inos_name`), which
 * the newer tokenizer's `\b` rules refused. Quoted strings are read as
 * pyparsing reads them (`\t`, `\n`, `\f`, `\r` become blanks, any other
 * backslash stays); where Python's literal_eval (packaging >= 22) would read
 * one differently, the marker cannot be evaluated (fail closed).
 */
#include "scanner/inputs/markers.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/specifier.h"
#include "core/version.h"

typedef struct mvar {
    bool is_var;   /* a Variable (environment name) rather than a Value */
    bool ambiguous; /* a Value that pip releases read differently */
    char *text;    /* variable name (canonical spelling) or string value */
} mvar;

typedef struct mlist mlist;

typedef struct matom {
    mlist *list;   /* a parenthesised marker, or NULL for an item */
    mvar lhs;
    char *op;      /* "in", "not in", "==", ... */
    mvar rhs;
} matom;

struct mlist {
    matom *atoms;
    bool *is_or;   /* is_or[i]: the operator before atoms[i] is `or` (i >= 1) */
    size_t len;
    size_t cap;
};

struct marker {
    mlist top;
};

/* ---- tokenizer helpers (packaging's DEFAULT_RULES) ---- */

typedef struct tok {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    airlock_error *err;
} tok;

static void skip_ws(tok *t)
{
    while (t->pos < t->len && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t'))
        t->pos++;
}

static bool peek_char(const tok *t, char c)
{
    return t->pos < t->len && t->s[t->pos] == c;
}

/* The literal `word` at the current position (pyparsing's Literal: no
 * word boundary needed on either side). */
static bool match_word(const tok *t, const char *word)
{
    size_t n = strlen(word);
    return t->len - t->pos >= n && memcmp(t->s + t->pos, word, n) == 0;
}

static int syntax(tok *t, const char *what)
{
    return error_set(t->err, "invalid marker: %s at column %zu", what, t->pos + 1);
}

/* The variable names, as literals. No name is a prefix of another, so the
 * first match is the only one. The spelling `.` becomes `_`, and
 * python_implementation becomes platform_python_implementation
 * (process_env_var). */
static const char *const var_spellings[] = {
    "python_version", "python_full_version", "os.name", "os_name",
    "sys.platform", "sys_platform", "platform_release", "platform_system",
    "platform.version", "platform_version", "platform.machine",
    "platform_machine", "platform.python_implementation",
    "platform_python_implementation", "python_implementation",
    "implementation_name", "implementation_version", "extra",
};

static char *match_variable(tok *t)
{
    for (size_t i = 0; i < sizeof var_spellings / sizeof *var_spellings; i++) {
        const char *v = var_spellings[i];
        if (!match_word(t, v))
            continue;
        t->pos += strlen(v);
        if (strcmp(v, "python_implementation") == 0)
            return xstrdup("platform_python_implementation");
        char *name = xstrdup(v);
        for (char *p = name; *p; p++)
            if (*p == '.')
                *p = '_';
        return name;
    }
    return NULL;
}

/* A quoted string as pyparsing's QuotedString reads it: up to the next
 * quote of its kind, no newline, CR (or NUL) inside; then `\t`, `\n`,
 * `\f`, `\r` become the blanks they name. `*ambiguous` is set when
 * Python's literal_eval would read the text differently: a backslash before
 * a backslash, a quote, a, b, v, x, an octal digit, N, u or U, or at the
 * end. (Before any other character both keep the backslash.) */
static int parse_quoted(tok *t, char **out, bool *ambiguous)
{
    char q = t->s[t->pos];
    size_t start = t->pos + 1, end = start;
    while (end < t->len && t->s[end] != q)
        end++;
    if (end >= t->len)
        return syntax(t, "unterminated quoted string");
    buf b = {0};
    *ambiguous = false;
    for (size_t i = start; i < end; i++) {
        char c = t->s[i];
        if (c == '\n' || c == '\r' || c == '\0') {
            buf_free(&b);
            return syntax(t, "newline or NUL in a quoted string");
        }
        if (c != '\\') {
            buf_putc(&b, c);
            continue;
        }
        char next = i + 1 < end ? t->s[i + 1] : '\0';
        const char *blank = next ? strchr("tnfr", next) : NULL;
        if (blank) {
            buf_putc(&b, "\t\n\f\r"[blank - "tnfr"]);
            i++;
            continue;
        }
        if (!next || strchr("\\'\"abvx01234567NuU", next))
            *ambiguous = true;
        buf_putc(&b, c);
    }
    *out = buf_detach(&b, NULL);
    t->pos = end + 1;
    return 0;
}

static int parse_var(tok *t, mvar *v)
{
    char *name = match_variable(t);
    if (name) {
        v->is_var = true;
        v->text = name;
        return 0;
    }
    if (peek_char(t, '\'') || peek_char(t, '"')) {
        v->is_var = false;
        return parse_quoted(t, &v->text, &v->ambiguous);
    }
    return syntax(t, "expected a marker variable or quoted string");
}

static int parse_op(tok *t, char **op)
{
    if (match_word(t, "in")) {
        t->pos += 2;
        *op = xstrdup("in");
        return 0;
    }
    if (match_word(t, "not")) {
        /* pyparsing's literal "not in" has one space; packaging's tokenizer
         * takes any run of blanks */
        t->pos += 3;
        if (!(peek_char(t, ' ') || peek_char(t, '\t')))
            return syntax(t, "expected whitespace after 'not'");
        skip_ws(t);
        if (!match_word(t, "in"))
            return syntax(t, "expected 'in' after 'not'");
        t->pos += 2;
        *op = xstrdup("not in");
        return 0;
    }
    static const char *const ops[] = {"===", "==", "~=", "!=", "<=", ">=", "<", ">"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i]);
        if (t->len - t->pos >= n && memcmp(t->s + t->pos, ops[i], n) == 0) {
            t->pos += n;
            *op = xstrdup(ops[i]);
            return 0;
        }
    }
    return syntax(t, "expected a marker operator (<=, <, !=, ==, >=, >, ~=, ===, in, not in)");
}

static void list_free(mlist *l);

static void atom_clear(matom *a)
{
    if (a->list) {
        list_free(a->list);
        free(a->list);
    }
    free(a->lhs.text);
    free(a->op);
    free(a->rhs.text);
}

static void list_free(mlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        atom_clear(&l->atoms[i]);
    free(l->atoms);
    free(l->is_or);
    memset(l, 0, sizeof *l);
}

static int parse_list(tok *t, mlist *l);

static int parse_atom(tok *t, matom *a)
{
    skip_ws(t);
    if (peek_char(t, '(')) {
        size_t open = t->pos;
        if (t->depth >= MARKER_MAX_DEPTH)
            return syntax(t, "parentheses nested too deeply");
        t->pos++;
        t->depth++;
        skip_ws(t);
        a->list = xcalloc(1, sizeof *a->list);
        if (parse_list(t, a->list) < 0)
            return -1;
        skip_ws(t);
        t->depth--;
        if (!peek_char(t, ')')) {
            t->pos = open;
            return syntax(t, "expected closing parenthesis");
        }
        t->pos++;
    } else {
        if (parse_var(t, &a->lhs) < 0)
            return -1;
        skip_ws(t);
        if (parse_op(t, &a->op) < 0)
            return -1;
        skip_ws(t);
        if (parse_var(t, &a->rhs) < 0)
            return -1;
        skip_ws(t);
    }
    skip_ws(t);
    return 0;
}

static int parse_list(tok *t, mlist *l)
{
    bool is_or = false;
    for (;;) {
        if (l->len == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 4;
            l->atoms = xrealloc(l->atoms, l->cap * sizeof *l->atoms);
            l->is_or = xrealloc(l->is_or, l->cap * sizeof *l->is_or);
        }
        matom *a = &l->atoms[l->len];
        memset(a, 0, sizeof *a);
        l->is_or[l->len] = is_or;
        l->len++;
        if (parse_atom(t, a) < 0)
            return -1;
        if (match_word(t, "or")) {
            is_or = true;
            t->pos += 2;
        } else if (match_word(t, "and")) {
            is_or = false;
            t->pos += 3;
        } else {
            return 0;
        }
    }
}

/* _normalize_extra_values(): only the first element, only if it is an item. */
static void normalize_extra(mlist *l)
{
    if (l->len == 0 || l->atoms[0].list)
        return;
    matom *a = &l->atoms[0];
    mvar *other = NULL;
    if (a->lhs.is_var && strcmp(a->lhs.text, "extra") == 0)
        other = &a->rhs;
    else if (a->rhs.is_var && strcmp(a->rhs.text, "extra") == 0)
        other = &a->lhs;
    if (!other)
        return;
    char *c = name_canonicalize(other->text, strlen(other->text));
    free(other->text);
    other->text = c;
    other->is_var = false;
}

int marker_parse_prefix(const char *text, size_t len, size_t *used, marker **out,
                        airlock_error *err)
{
    *out = NULL;
    if (len > MARKER_MAX_TEXT)
        return error_set(err, "invalid marker: longer than %d bytes", MARKER_MAX_TEXT);
    tok t = {text, len, 0, 0, err};
    marker *m = xcalloc(1, sizeof *m);
    if (parse_list(&t, &m->top) < 0) {
        marker_free(m);
        return -1;
    }
    normalize_extra(&m->top);
    if (used)
        *used = t.pos;
    *out = m;
    return 0;
}

int marker_parse(const char *text, size_t len, marker **out, airlock_error *err)
{
    size_t used;
    if (marker_parse_prefix(text, len, &used, out, err) < 0)
        return -1;
    if (used != len) {
        marker_free(*out);
        *out = NULL;
        return error_set(err, "invalid marker: unexpected text at column %zu", used + 1);
    }
    return 0;
}

void marker_free(marker *m)
{
    if (!m)
        return;
    list_free(&m->top);
    free(m);
}

/* ---- formatting (str(Marker), packaging's _format_marker) ---- */

static void format_list(const mlist *l, bool first, buf *out);

static void format_var(const mvar *v, buf *out)
{
    if (v->is_var) {
        buf_puts(out, v->text);
    } else {
        buf_putc(out, '"');
        buf_puts(out, v->text);
        buf_putc(out, '"');
    }
}

static void format_atom(const matom *a, buf *out)
{
    if (a->list) {
        format_list(a->list, false, out);
        return;
    }
    format_var(&a->lhs, out);
    buf_printf(out, " %s ", a->op);
    format_var(&a->rhs, out);
}

static void format_list(const mlist *l, bool first, buf *out)
{
    /* A one-element list is printed as its element, and a nested list so
     * reached counts as `first` again (packaging drops its parentheses). */
    if (l->len == 1) {
        if (l->atoms[0].list)
            format_list(l->atoms[0].list, true, out);
        else
            format_atom(&l->atoms[0], out);
        return;
    }
    if (!first)
        buf_putc(out, '(');
    for (size_t i = 0; i < l->len; i++) {
        if (i > 0)
            buf_puts(out, l->is_or[i] ? " or " : " and ");
        format_atom(&l->atoms[i], out);
    }
    if (!first)
        buf_putc(out, ')');
}

void marker_format(const marker *m, buf *out)
{
    format_list(&m->top, true, out);
}

/* ---- evaluation ---- */

static const char *env_lookup(const marker_env *env, const char *key, bool *known)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        {"os_name", offsetof(marker_env, os_name)},
        {"sys_platform", offsetof(marker_env, sys_platform)},
        {"platform_machine", offsetof(marker_env, platform_machine)},
        {"platform_python_implementation",
         offsetof(marker_env, platform_python_implementation)},
        {"platform_release", offsetof(marker_env, platform_release)},
        {"platform_system", offsetof(marker_env, platform_system)},
        {"platform_version", offsetof(marker_env, platform_version)},
        {"python_version", offsetof(marker_env, python_version)},
        {"python_full_version", offsetof(marker_env, python_full_version)},
        {"implementation_name", offsetof(marker_env, implementation_name)},
        {"implementation_version", offsetof(marker_env, implementation_version)},
        {"extra", offsetof(marker_env, extra)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (strcmp(fields[i].name, key) != 0)
            continue;
        *known = true;
        const char *v = *(char *const *)((const char *)env + fields[i].off);
        /* packaging's evaluate() sets extra to "" unless given. */
        if (!v && strcmp(key, "extra") == 0)
            v = "";
        return v;
    }
    *known = false;
    return NULL;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int str_cmp(const char *a, const char *b)
{
    return strcmp(a, b); /* UTF-8 byte order is code point order */
}

/* _eval_op(): a specifier if `op rhs` is one, else Python string ops. */
static int eval_op(const char *lhs, const char *op, const char *rhs, airlock_error *err)
{
    bool spec_ops = strcmp(op, "in") != 0 && strcmp(op, "not in") != 0;
    if (strcmp(op, "===") == 0) {
        /* Specifier("===" + rhs) takes any text without blanks, ';' or ')'
         * (commas included) and compares str(Version(lhs)) case-blind. */
        size_t a = 0, b = strlen(rhs);
        while (a < b && is_blank((unsigned char)rhs[a]))
            a++;
        while (b > a && is_blank((unsigned char)rhs[b - 1]))
            b--;
        bool valid = true;
        for (size_t i = a; i < b; i++)
            if (is_blank((unsigned char)rhs[i]) || rhs[i] == ';' || rhs[i] == ')')
                valid = false;
        if (valid) {
            version v;
            if (version_parse(&v, lhs, strlen(lhs), err) < 0)
                return error_prefix(err, "marker compares a non-version with ===%s", rhs);
            char canon[VERSION_MAX_TEXT + 64];
            size_t n = version_format(&v, canon, sizeof canon);
            version_clear(&v);
            return n == b - a && strncasecmp(canon, rhs + a, n) == 0;
        }
    }
    if (spec_ops && strcmp(op, "===") != 0 && !strchr(rhs, ',')) {
        buf b = {0};
        buf_puts(&b, op);
        buf_puts(&b, rhs);
        specset *s = NULL;
        airlock_error ignored;
        int rc = specset_parse(b.data, b.len, &s, &ignored);
        buf_free(&b);
        if (rc == 0 && specset_count(s) == 1) {
            version v;
            if (version_parse(&v, lhs, strlen(lhs), err) < 0) {
                specset_free(s);
                return error_prefix(err, "marker compares a non-version with %s%s", op, rhs);
            }
            bool in = specset_contains(s, &v, SPEC_PRERELEASES_INCLUDE);
            version_clear(&v);
            specset_free(s);
            return in ? 1 : 0;
        }
        specset_free(s);
    }
    if (strcmp(op, "in") == 0)
        return strstr(rhs, lhs) != NULL;
    if (strcmp(op, "not in") == 0)
        return strstr(rhs, lhs) == NULL;
    int c = str_cmp(lhs, rhs);
    if (strcmp(op, "==") == 0)
        return c == 0;
    if (strcmp(op, "!=") == 0)
        return c != 0;
    if (strcmp(op, "<") == 0)
        return c < 0;
    if (strcmp(op, "<=") == 0)
        return c <= 0;
    if (strcmp(op, ">") == 0)
        return c > 0;
    if (strcmp(op, ">=") == 0)
        return c >= 0;
    return error_set(err, "undefined comparison '%s' on '%s' and '%s'", op, lhs, rhs);
}

static int eval_item(const matom *a, const marker_env *env, airlock_error *err)
{
    const char *key, *lhs, *rhs;
    bool known;
    if (a->lhs.is_var) {
        key = a->lhs.text;
        lhs = env_lookup(env, key, &known);
        rhs = a->rhs.text;
    } else {
        key = a->rhs.text;
        lhs = a->lhs.text;
        rhs = env_lookup(env, key, &known);
    }
    if (!known)
        return error_set(err, "marker names an undefined environment value '%s'", key);
    if (!(a->lhs.is_var ? lhs : rhs))
        return error_set(err, "marker variable '%s' is unknown for this environment", key);
    if (a->lhs.ambiguous || a->rhs.ambiguous)
        return error_set(err, "the marker string '%s' has a backslash escape that pip "
                         "releases read differently", a->lhs.is_var ? rhs : lhs);
    if (strcmp(key, "extra") == 0) {
        char *cl = name_canonicalize(lhs, strlen(lhs));
        char *cr = name_canonicalize(rhs, strlen(rhs));
        int rc = eval_op(cl, a->op, cr, err);
        free(cl);
        free(cr);
        return rc;
    }
    return eval_op(lhs, a->op, rhs, err);
}

/* any(all(group) for group in groups); every atom is evaluated, as packaging
 * does, so an error anywhere is an error. */
static int eval_list(const mlist *l, const marker_env *env, airlock_error *err)
{
    bool any = false, all = true;
    for (size_t i = 0; i < l->len; i++) {
        if (i > 0 && l->is_or[i]) {
            any = any || all;
            all = true;
        }
        const matom *a = &l->atoms[i];
        int v = a->list ? eval_list(a->list, env, err) : eval_item(a, env, err);
        if (v < 0)
            return -1;
        all = all && v;
    }
    return (any || all) ? 1 : 0;
}

int marker_evaluate(const marker *m, const marker_env *env, airlock_error *err)
{
    return eval_list(&m->top, env, err);
}

/* ---- environments ---- */

void marker_env_clear(marker_env *env)
{
    free(env->os_name);
    free(env->sys_platform);
    free(env->platform_machine);
    free(env->platform_python_implementation);
    free(env->platform_release);
    free(env->platform_system);
    free(env->platform_version);
    free(env->python_version);
    free(env->python_full_version);
    free(env->implementation_name);
    free(env->implementation_version);
    free(env->extra);
    memset(env, 0, sizeof *env);
}

/* "N.N" or "N.N.N" with short decimal numbers. */
static bool valid_python_version(const char *v, int *parts)
{
    int n = 0;
    const char *p = v;
    for (;;) {
        size_t digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            p++;
            digits++;
        }
        if (digits == 0 || (*p >= '0' && *p <= '9'))
            return false;
        n++;
        if (*p == '\0')
            break;
        if (*p != '.' || n == 3)
            return false;
        p++;
    }
    *parts = n;
    return n >= 2;
}

int marker_env_for_target(marker_env *env, const char *python_version,
                          const char *platform, airlock_error *err)
{
    memset(env, 0, sizeof *env);
    if (!python_version)
        python_version = MARKER_DEFAULT_PYTHON;
    if (!platform)
        platform = "linux";
    int parts;
    if (!valid_python_version(python_version, &parts))
        return error_set(err, "invalid Python version '%s' (expected e.g. 3.11 or 3.11.4)",
                         python_version);
    const char *os, *sys, *system, *machine;
    if (strcmp(platform, "linux") == 0) {
        os = "posix", sys = "linux", system = "Linux", machine = "x86_64";
    } else if (strcmp(platform, "darwin") == 0 || strcmp(platform, "macos") == 0) {
        os = "posix", sys = "darwin", system = "Darwin", machine = "arm64";
    } else if (strcmp(platform, "win32") == 0 || strcmp(platform, "windows") == 0) {
        os = "nt", sys = "win32", system = "Windows", machine = "AMD64";
    } else {
        return error_set(err, "unknown platform '%s' (expected linux, darwin or win32)",
                         platform);
    }
    buf full = {0};
    buf_puts(&full, python_version);
    if (parts == 2)
        buf_puts(&full, ".0");
    const char *dot2 = strchr(strchr(python_version, '.') + 1, '.');
    env->python_version = dot2 ? xstrndup(python_version, (size_t)(dot2 - python_version))
                               : xstrdup(python_version);
    env->python_full_version = buf_detach(&full, NULL);
    env->implementation_version = xstrdup(env->python_full_version);
    env->implementation_name = xstrdup("cpython");
    env->platform_python_implementation = xstrdup("CPython");
    env->os_name = xstrdup(os);
    env->sys_platform = xstrdup(sys);
    env->platform_system = xstrdup(system);
    env->platform_machine = xstrdup(machine);
    /* platform_release and platform_version (kernel release and build
     * strings) cannot be known for a target: left NULL, so a marker that
     * uses them fails to evaluate and the caller decides (fail closed). */
    return 0;
}
