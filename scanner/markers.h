/*
 * markers.h - PEP 508 environment markers and the target environment.
 */
#ifndef AIRLOCK_MARKERS_H
#define AIRLOCK_MARKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

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
 * ("3.11" or "3.11.4"; NULL for this build's default) and `platform`
 * ("linux", "darwin", "win32"; NULL for "linux"). Unknown fields get the
 * values pip would see on a CPython of that version on that platform. */
int marker_env_for_target(marker_env *env, const char *python_version,
                          const char *platform, airlock_error *err);

/* A parsed marker expression (opaque, immutable). */
typedef struct marker marker;

int marker_parse(const char *text, size_t len, marker **out, airlock_error *err);
void marker_free(marker *m);

/* Evaluate as packaging.markers.Marker.evaluate() does. Returns 1 (true),
 * 0 (false) or -1 with a message (e.g. an unknown variable value). */
int marker_evaluate(const marker *m, const marker_env *env, airlock_error *err);

#endif
