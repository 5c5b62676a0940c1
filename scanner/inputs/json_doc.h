/*
 * json_doc.h - a JSON file read into a cJSON tree that knows the line of
 * every value: what the Pipfile.lock and SBOM readers share.
 *
 * cJSON gives no positions, and a report must name the line a package came
 * from. json_doc_parse() parses with cJSON, bounded by the length given (no
 * NUL terminator needed), then walks the text once beside the tree and
 * records where each item's key and value start. The walk is also the
 * strictness cJSON lacks: it accepts what RFC 8259 (and Python's json)
 * accepts, so a raw control character in a string, invalid UTF-8, a
 * number such as "01" or "+1", whitespace other than space, tab, CR and LF,
 * and anything after the top-level value are errors. So is a key given
 * twice in one object: cJSON would find the first, Python the last, and
 * which version of a package is meant must not depend on the reader. A
 * leading UTF-8 BOM is allowed, as Python's json.loads() of bytes allows.
 *
 * Nesting is bounded by cJSON's own limit (CJSON_NESTING_LIMIT, 1000), so
 * neither the parse nor the walk recurses without bound. Time and memory
 * are linear in the input.
 *
 * Ownership: the json_doc owns its tree; json_doc_free() releases it. Items
 * reached through `root` live until then.
 */
#ifndef AIRLOCK_JSON_DOC_H
#define AIRLOCK_JSON_DOC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"

typedef struct json_pos json_pos;

typedef struct json_doc {
    cJSON *root;
    json_pos *pos; /* one per item, sorted by address: see json_doc.c */
    size_t n_pos;
} json_doc;

/* Parse the `len` bytes at `data`. `path` names the file in messages.
 * Returns 0, or -1 with "PATH:LINE: invalid JSON (why)" in `err` and
 * nothing to free. */
int json_doc_parse(json_doc *doc, const char *data, size_t len, const char *path,
                   airlock_error *err);

/* The 1-based line on which `item` starts: its key when it is an object
 * member, else its value. 0 for an item not in the tree. */
unsigned json_doc_line(const json_doc *doc, const cJSON *item);

/* The 1-based line on which `item`'s value starts (for a member whose key
 * and value are on different lines, the value's). 0 when not in the tree. */
unsigned json_doc_value_line(const json_doc *doc, const cJSON *item);

/* The 1-based line of byte `offset` (at most `len`) of `data`: what both
 * readers use for positions outside the tree (the error of a parse). */
unsigned json_line_at(const char *data, size_t len, size_t offset);

/* The string value of `obj`'s member `key` (case-sensitive), or NULL when
 * there is none or it is not a string. */
const char *json_doc_string(const cJSON *obj, const char *key);

void json_doc_free(json_doc *doc);

#endif
