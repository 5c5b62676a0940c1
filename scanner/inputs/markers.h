/*
 * markers.h - PEP 508 environment markers and the target environment.
 */
#ifndef AIRLOCK_MARKERS_H
#define AIRLOCK_MARKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Longest marker text accepted, and deepest parenthesis nesting (packaging
 * has neither bound; real markers are a few dozen bytes). */
#define MARKER_MAX_TEXT 65536
#define MARKER_MAX_DEPTH 64

/* The Python version marker_env_for_target() assumes when given none. */
#define MARKER_DEFAULT_PYTHON "3.11"

/* The values of PEP 508's marker variables for the environment being
 * scanned. Each is an owned string (NULL = unknown). `extra` is set while
 * evaluating a requirement's markers for a given extra, else NULL. */
typedef struct marker_env {
    char *os_name;
    char *sys_platform;
    char *platform_machine;
    char *platform_python_implementation;
    char *platform_release;
    char *platform_system;
    char *platform_version;
    char *python_version;
    char *python_full_version;
    char *implementation_name;
    char *implementation_version;
    char *extra;
} marker_env;

void marker_env_clear(marker_env *env);

/* Fill `env` for a target given without running Python: `python_version`
 * ("3.11" or "3.11.4"; NULL for MARKER_DEFAULT_PYTHON) and `platform`
 * ("linux", "darwin"/"macos", "win32"/"windows"; NULL for "linux"). Values
 * are those of CPython on that platform: "3.11" gives python_full_version
 * and implementation_version "3.11.0"; platform_machine is x86_64 (linux),
 * arm64 (darwin) or AMD64 (win32); platform_release and platform_version
 * stay NULL (unknowable), so markers using them fail to evaluate. Release
 * with marker_env_clear(). */
int marker_env_for_target(marker_env *env, const char *python_version,
                          const char *platform, airlock_error *err);

/* A parsed marker expression (opaque, immutable). */
typedef struct marker marker;

/* Parse `text` as pip reads a marker: a text that pip <= 24.0 (packaging
 * 21.3's pyparsing grammar) or pip >= 24.1 (packaging's tokenizer) reads
 * as a whole marker. Keywords need no blanks around them
 * ("'a'inos_name"); text after a complete marker is an error. Quoted
 * strings are read as pyparsing reads them: `\t`, `\n`, `\f`, `\r` become
 * blanks, any other backslash stays; a string Python's literal_eval would
 * read differently makes marker_evaluate() fail. Returns 0 and an owned
 * *out, or -1 with a message. */
int marker_parse(const char *text, size_t len, marker **out, airlock_error *err);

/* The longest marker at the start of `text`: set *used to the bytes
 * consumed (trailing blanks included), for parsers that embed a marker
 * (PEP 508 requirements) and check what follows. `used` may be NULL. */
int marker_parse_prefix(const char *text, size_t len, size_t *used, marker **out,
                        airlock_error *err);

void marker_free(marker *m);

/* Append str(Marker) as packaging 23.0 prints it (normalised spacing and
 * double quotes; its parenthesis quirks included) to `out`. */
void marker_format(const marker *m, buf *out);

/* Evaluate as packaging.markers.Marker.evaluate() does. Returns 1 (true),
 * 0 (false) or -1 with a message (e.g. an unknown variable value, a NULL
 * field of `env` that the marker needs, a version comparison with a
 * non-version, `~=` on strings, a string pip releases read differently).
 * A NULL `extra` means "" as in packaging. */
int marker_evaluate(const marker *m, const marker_env *env, airlock_error *err);

#endif
