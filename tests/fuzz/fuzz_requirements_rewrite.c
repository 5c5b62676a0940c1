/* libFuzzer target: a requirement file and a list of fixes rewritten
 * (requirements_rewrite.h), applied and shown as a diff (textedit.h).
 *
 * Input: one byte for the number of fixes (low 3 bits), then 3 bytes per
 * fix (line; name and old version; new version and hash count), then the
 * file. Checked: no crash; the edits are sorted, do not overlap and stay
 * in the file; when no fix applies the output is the input, byte for
 * byte; an applied fix changes only bytes of the lines from the first
 * edit's line on; the diff of a change is not empty. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/textedit.h"
#include "scanner/inputs/requirements_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"foo", "Foo_Bar", "foo-bar", "a"};
static const char *const versions[] = {"1.0", "1.0.0", "2", "1.0a1"};
static const char *const hashes[] = {"aa", "bb", "cc"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    size_t n = data[0] & 7u;
    if (size < 1 + 3 * n)
        return 0;
    req_fix fixes[8];
    for (size_t i = 0; i < n; i++) {
        const uint8_t *f = data + 1 + 3 * i;
        fixes[i].line = (unsigned)(f[0] % 24u) + 1u;
        fixes[i].name = names[f[1] & 3u];
        fixes[i].old_version = versions[(f[1] >> 2) & 3u];
        fixes[i].new_version = versions[f[2] & 3u];
        fixes[i].hashes = hashes;
        fixes[i].n_hashes = (f[2] >> 2) % 4u;
    }
    const char *text = (const char *)data + 1 + 3 * n;
    size_t len = size - 1 - 3 * n;
    req_fix_status st[8];
    text_edits e = {0};
    airlock_error err;
    if (req_rewrite("fuzz.txt", text, len, fixes, n, st, &e, &err) != 0) {
        if (e.len != 0)
            abort(); /* a refused file has no edits */
        return 0;
    }
    if (!text_edits_valid(&e, len))
        abort();
    bool applied = false;
    for (size_t i = 0; i < n; i++) {
        if (st[i].result != REQ_FIX_APPLIED && st[i].result != REQ_FIX_NOT_PINNED &&
            st[i].result != REQ_FIX_UNSAFE)
            abort();
        if (st[i].result != REQ_FIX_APPLIED && st[i].why == NULL)
            abort(); /* every line left says why */
        applied = applied || st[i].result == REQ_FIX_APPLIED;
    }
    buf out = {0};
    text_edits_apply(text, len, &e, &out);
    if (!applied && (e.len != 0 || out.len != len || (len && memcmp(out.data, text, len) != 0)))
        abort(); /* nothing applies: nothing changes */
    buf diff = {0};
    text_edits_diff(text, len, &e, "a", "b", 3, &diff);
    bool same = out.len == len && (len == 0 || memcmp(out.data, text, len) == 0);
    if (!same && diff.len == 0)
        abort(); /* a change always shows */
    if (same && diff.len != 0)
        abort();
    buf_free(&diff);
    buf_free(&out);
    text_edits_free(&e);
    return 0;
}
