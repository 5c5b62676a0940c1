/*
 * osv_yaml.h - converting one YAML document into a cJSON tree.
 *
 * The conversion is the one OSV records need, not a general YAML loader:
 * every scalar becomes a JSON string except plain (unquoted, untagged) null,
 * ~, empty, true and false, so versions like 1.10 and unquoted timestamps
 * keep their exact text. Nesting is bounded, aliases are expanded within a
 * node budget (no billion laughs), and a stream with more than one document
 * is refused. As for JSON (osv_json.h), a NUL or an escaped lone surrogate
 * becomes U+FFFD, an escaped surrogate pair its code point, and the values
 * of database_specific and ecosystem_specific are skipped at any depth.
 * Used by osv_source.c; see docs/inputs.md for the rules.
 */
#ifndef AIRLOCK_OSV_YAML_H
#define AIRLOCK_OSV_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"

/* Deepest nesting of mappings and sequences accepted (the root is 1). */
#define OSV_YAML_MAX_DEPTH 64
/* Most nodes that alias expansion may add to one document. */
#define OSV_YAML_MAX_ALIAS_NODES 65536
/* Most anchors in one document. */
#define OSV_YAML_MAX_ANCHORS 1024
/* Most escapes of surrogates (or past U+10FFFF) repaired in one document:
 * libyaml refuses them, so each costs one more parse. */
#define OSV_YAML_MAX_REPAIRS 64

/* Convert the YAML text `data` (`len` bytes of UTF-8, no NUL needed) into a
 * new cJSON tree owned by the caller. Returns NULL with a message on error;
 * `*line` (1-based, 0 when unknown) then says where. An empty document gives
 * a JSON null. */
cJSON *osv_yaml_to_json(const char *data, size_t len, unsigned *line, airlock_error *err);

#endif
