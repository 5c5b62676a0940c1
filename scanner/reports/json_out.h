/*
 * json_out.h - a streaming JSON writer for the reports.
 *
 * Writes JSON text as it is produced, through a buffer of its own, to a
 * FILE*: no tree of the document is ever built. The bytes are exactly what
 * cJSON 1.7.15's cJSON_Print() (formatted) gives for the same values in the
 * same order, which is what the JSON, SARIF and CycloneDX reports printed
 * before they streamed:
 *   - an object is "{", then each member on its own line indented with one
 *     tab per level, as "key":<TAB>value, members separated by ",", then a
 *     newline and "}" at the parent's indentation; an empty object is "{",
 *     a newline, the parent's indentation and "}";
 *   - an array is "[" with its values separated by ", " on the same line,
 *     then "]"; an empty array is "[]";
 *   - a string is escaped once, as it is written: '"' and '\\' get a
 *     backslash, \b \f \n \r \t their short escapes, the other bytes below
 *     0x20 "\u00XX" (lower-case hex); every byte that does not start a valid
 *     UTF-8 sequence becomes U+FFFD (report strings come from untrusted
 *     files, and the output must be valid JSON);
 *   - a number prints as cJSON prints a double: "%1.15g" when that reads
 *     back to the same double (within cJSON's epsilon), else "%1.17g"; NaN
 *     and infinities print as null.
 *
 * Usage: jo_init(), then one value (usually jo_object_begin() ... ), then
 * jo_finish(), which writes the final newline, hands the buffer to the
 * FILE* and reports any write error. Inside an object every value is
 * preceded by jo_key(); the jo_key_*() calls do both. Errors (a failed
 * write, nesting deeper than JO_MAX_DEPTH, a misuse) are remembered and
 * reported once, by jo_finish(); after one, nothing more is written.
 *
 * The writer thread: a document that outgrows the buffer (JO_BUFFER) hands
 * each later full buffer to a thread of its own (out_pipe.h) that writes
 * it to the FILE* or sink (and in twin mode hashes the twin's), while the
 * caller renders the next: the FILE* and each sink get the same bytes in
 * the same order (in pieces of other sizes), only on another thread, from a
 * bounded pool (OUT_PIPE_BUFFERS buffers of JO_BUFFER bytes, 512 KiB,
 * allocated when the thread starts). The first failed write stops the
 * writing as before (every later buffer is dropped) and jo_finish(),
 * which waits for the thread, reports it the same way. When no thread can
 * be created, or the process may run on one CPU only (out_pipe_worth()),
 * the writing stays in the caller's thread. So: a FILE* or
 * sink given here must not be used by anyone else until jo_finish(), and
 * jo_finish() must be called (it ends the thread). A document within one
 * buffer never starts a thread.
 *
 * Keys are the reports' own literals: the jo_key*() calls below are inline
 * wrappers that take the key's length at compile time, and a key of plain
 * ASCII (bytes 0x20-0x7f other than '"' and '\\') is copied as it
 * is. Any other key is still escaped as a string is. Keys and values up to
 * 64 bytes are checked on the bytes loaded for the copy, never by reading
 * back what was just stored (which stalled on every key).
 *
 * Twin mode (jo_init_twin(), for the CycloneDX serial number): one
 * traversal writes the document twice, formatted to the FILE* and
 * unformatted (as cJSON_PrintUnformatted()) to a sink of its own, without
 * a second pass: each string is escaped once and its escaped bytes copied
 * to the twin, each structural token is written in both forms. A value
 * that must differ between the two (the serial number and the timestamp
 * the hash leaves out) is written with jo_string_twin(); jo_tell() says
 * at which byte of the output it landed, so that it can be rewritten in
 * place once it is known.
 */
#ifndef AIRLOCK_JSON_OUT_H
#define AIRLOCK_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define JO_MAX_DEPTH 32
#define JO_BUFFER 65536
#define JO_TWIN_BUFFER 16384

/* Where the text goes instead of a FILE* (jo_init_sink): returns false on
 * failure. */
typedef bool (*jo_sink)(void *ctx, const void *data, size_t len);

typedef struct json_out {
    FILE *out;
    jo_sink sink;                   /* used when out is NULL */
    void *sink_ctx;
    bool pretty;                    /* cJSON_Print(); false: cJSON_PrintUnformatted() */
    size_t len;                     /* bytes in buffer */
    unsigned depth;                 /* open containers */
    bool failed;                    /* a write failed or the calls were misused:
                                       nothing more is written */
    bool misused;                   /* unbalanced or misplaced calls */
    bool keyed;                     /* jo_key() was called, its value not yet written */
    bool is_array[JO_MAX_DEPTH];    /* per open container */
    bool has_items[JO_MAX_DEPTH];
    uint64_t written;               /* bytes handed to out or sink */
    bool twin;                      /* twin mode: also write to twin_sink */
    jo_sink twin_sink;
    void *twin_ctx;
    size_t twin_len;                /* bytes in twin_buffer */
    size_t twin_cap;                /* its size */
    char *buffer;                   /* being filled: own_buffer or the pipe's */
    char *twin_buffer;              /* being filled: own_twin or the pipe's */
    struct out_pipe *pipe;          /* the writer thread, once started */
    bool no_pipe;                   /* write in this thread only */
    char own_buffer[JO_BUFFER];
    char own_twin[JO_TWIN_BUFFER];
} json_out;

/* Start writing one JSON value to `out`, formatted. `j` holds no
 * resources. */
void jo_init(json_out *j, FILE *out);

/* Start writing one JSON value to `sink`, formatted when `pretty`, else as
 * cJSON_PrintUnformatted() does (no whitespace at all; what the CycloneDX
 * serial number hashes). */
void jo_init_sink(json_out *j, jo_sink sink, void *ctx, bool pretty);

/* Start writing one JSON value formatted to `out` and, in the same calls,
 * unformatted to `sink` (its twin: see the top of this file). Errors of
 * either are reported by jo_finish(). */
void jo_init_twin(json_out *j, FILE *out, jo_sink sink, void *ctx);

/* How many bytes of formatted output the calls so far have produced
 * (written or still buffered): after jo_key(), the offset from the start
 * of this document at which the member's value starts. */
static inline uint64_t jo_tell(const json_out *j)
{
    return j->written + j->len;
}

void jo_object_begin(json_out *j);
void jo_object_end(json_out *j);
void jo_array_begin(json_out *j);
void jo_array_end(json_out *j);

/* Values. jo_string(NULL) writes null. */
void jo_string(json_out *j, const char *s);
void jo_number(json_out *j, double v);
void jo_bool(json_out *j, bool v);
void jo_null(json_out *j);

/* A string that is `shown` in the output and `twinned` in the twin (twin
 * mode; otherwise just `shown`). `twinned` must be plain ASCII (see above)
 * of at most 256 bytes; anything else is a misuse. */
void jo_string_twin(json_out *j, const char *shown, const char *twinned);

/* The key-length-aware calls the inline wrappers below make: `key` holds
 * `key_len` bytes (no NUL needed). */
void jo_key_len(json_out *j, const char *key, size_t key_len);
void jo_key_string_len(json_out *j, const char *key, size_t key_len, const char *s);
void jo_key_number_len(json_out *j, const char *key, size_t key_len, double v);
void jo_key_bool_len(json_out *j, const char *key, size_t key_len, bool v);
void jo_key_null_len(json_out *j, const char *key, size_t key_len);
void jo_key_object_begin_len(json_out *j, const char *key, size_t key_len);
void jo_key_array_begin_len(json_out *j, const char *key, size_t key_len);
void jo_key_strings_len(json_out *j, const char *key, size_t key_len, char *const *v,
                        size_t n);

/* The name of the next member of the current object. */
static inline void jo_key(json_out *j, const char *key)
{
    jo_key_len(j, key, strlen(key));
}

/* A member: jo_key() and the value. */
static inline void jo_key_string(json_out *j, const char *key, const char *s)
{
    jo_key_string_len(j, key, strlen(key), s);
}

/* The member only when `s` is not NULL (SARIF and CycloneDX leave absent
 * values out). */
static inline void jo_key_string_opt(json_out *j, const char *key, const char *s)
{
    if (s != NULL)
        jo_key_string_len(j, key, strlen(key), s);
}

static inline void jo_key_number(json_out *j, const char *key, double v)
{
    jo_key_number_len(j, key, strlen(key), v);
}

static inline void jo_key_bool(json_out *j, const char *key, bool v)
{
    jo_key_bool_len(j, key, strlen(key), v);
}

static inline void jo_key_null(json_out *j, const char *key)
{
    jo_key_null_len(j, key, strlen(key));
}

static inline void jo_key_object_begin(json_out *j, const char *key)
{
    jo_key_object_begin_len(j, key, strlen(key));
}

static inline void jo_key_array_begin(json_out *j, const char *key)
{
    jo_key_array_begin_len(j, key, strlen(key));
}

/* An array of strings (NULL entries write null). */
static inline void jo_key_strings(json_out *j, const char *key, char *const *v, size_t n)
{
    jo_key_strings_len(j, key, strlen(key), v, n);
}

/* Parts: one stretch of the document rendered on a thread of its own
 * while the caller renders what comes before it (issue 17: the report's
 * render was serial, and the second core idle).
 *
 * jo_part_start() takes the writer's position as it will be when
 * jo_part_join() is called: the same container, with at least one member
 * or element written before (so the part starts with its separator), no
 * key pending. `fn` then renders its members or elements into a writer of
 * its own with that position (its own buffers, no writer thread), which
 * it must leave at the same depth; between the two calls the caller goes
 * on writing into `j` (and only the caller). jo_part_join() appends the
 * part's text, and in twin mode its twin's, where the caller now is, as if
 * fn(j, arg) had been called there: same bytes. What the part has rendered
 * and not yet appended is held in memory up to JO_PART_HOLD bytes; past
 * that its thread waits for the join. Without a thread (pthread_create
 * failed, or one CPU: out_pipe_worth()), jo_part_join() calls fn(j, arg)
 * itself. `fn` must only read
 * what the caller also reads. A part that was started must be joined.
 * A position that does not match at the join is a misuse (jo_finish()). */
#define JO_PART_HOLD (8u << 20)

typedef struct jo_part jo_part;
typedef void (*jo_part_fn)(json_out *j, void *arg);

jo_part *jo_part_start(json_out *j, jo_part_fn fn, void *arg);
void jo_part_join(json_out *j, jo_part *part);

/* End the document: every container must be closed. Writes a newline
 * (formatted output only) and the buffered text to the FILE* (without
 * fflush) or the sink, and in twin mode the twin's to its sink. Returns 0, or -1 with "cannot write the WHAT report"
 * (or "... misused" for unbalanced calls). */
int jo_finish(json_out *j, const char *what, airlock_error *err);

#endif
