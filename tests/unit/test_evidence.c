/* Tests for what an evidence bundle holds of the inputs (issues 13, 14):
 * every file the scan read (requirement files with their includes,
 * lockfiles), recorded from the very read that was parsed, listed with its
 * kind, and refused if it changed since; and of the snapshot: the signature
 * and key bytes the scan verified, as given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/fileio.h"
#include "scanner/reports/evidence.h"
#include "scanner/inputs/markers.h"
#include "scanner/inputs/requirements.h"
#include "scanner/results.h"
#include "scanner/inputs/scan_inputs.h"

static char *join(const char *dir, const char *name)
{
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    return buf_detach(&b, NULL);
}

static void put(const char *path, const char *text)
{
    airlock_error err;
    assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

static void hex_of(const char *text, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void test_every_file_read_is_recorded_and_checked(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char tmpl[] = "/tmp/airlock-evidence-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *top = join(dir, "requirements.txt"), *inc = join(dir, "inc.txt");
    char *cons = join(dir, "cons.txt"), *bundle = join(dir, "bundle");
    const char *top_text = "six==1.16.0\n-r inc.txt\n-c cons.txt\n";
    const char *inc_text = "requests==2.19.0\n", *cons_text = "urllib3==1.24.1\n";
    put(top, top_text);
    put(inc, inc_text);
    put(cons, cons_text);

    scan_report r;
    memset(&r, 0, sizeof r);
    airlock_error err;
    marker_env env;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    diag d = {NULL, NULL, 0};
    assert_int_equal(requirements_read_observed(top, &env, &r.deps, &d, scan_record_file, &r,
                                                &err), 0);
    marker_env_clear(&env);

    /* Every file read, in the order read, with the digest of what was read. */
    assert_int_equal(r.n_files_read, 3);
    const char *paths[] = {top, inc, cons}, *texts[] = {top_text, inc_text, cons_text};
    for (size_t i = 0; i < 3; i++) {
        char hex[65];
        hex_of(texts[i], hex);
        assert_string_equal(r.files_read[i].path, paths[i]);
        assert_string_equal(r.files_read[i].sha256, hex);
    }
    /* The report's digest of the top-level file is the parsed read's, not
     * a second read's. */
    put(top, "six==1.16.0\n# edited after the read\n");
    assert_int_equal(scan_add_input(&r, INPUT_REQUIREMENTS, top, &err), 0);
    assert_string_equal(r.inputs[0].sha256, r.files_read[0].sha256);
    put(top, top_text);

    /* An included file changed after the read is refused by name. */
    r.airlock_version = strdup("test");
    put(inc, "requests==2.31.0\n");
    evidence_options opt = {0};
    assert_int_equal(evidence_write(&r, bundle, &opt, &err), -1);
    assert_non_null(strstr(err.msg, "inc.txt"));
    assert_non_null(strstr(err.msg, "changed since the scan"));
    assert_int_equal(access(bundle, F_OK), -1);

    /* Unchanged: all three are copied. */
    put(inc, inc_text);
    assert_int_equal(evidence_write(&r, bundle, &opt, &err), 0);
    char *copy = join(bundle, "inputs/2-inc.txt"), *data;
    size_t len;
    assert_int_equal(file_read_all(copy, 1000, &data, &len, &err), 0);
    assert_string_equal(data, inc_text);
    free(data);
    free(copy);
    copy = join(bundle, "inputs/3-cons.txt");
    assert_int_equal(file_read_all(copy, 1000, &data, &len, &err), 0);
    assert_string_equal(data, cons_text);
    free(data);
    free(copy);

    scan_report_free(&r);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    free(top);
    free(inc);
    free(cons);
    free(bundle);
}

/* snapshot/status.txt quotes the snapshot's provenance (source names are
 * whatever the builder typed) and paths: through core/text.h's filter, so
 * that a name can neither add a line of its own nor drive a terminal. */
static void test_status_text_filtered(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char tmpl[] = "/tmp/airlock-evidence-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *bundle = join(dir, "bundle");
    scan_report r;
    memset(&r, 0, sizeof r);
    r.airlock_version = strdup("test");
    r.db.n_sources = 1;
    r.db.sources = calloc(1, sizeof *r.db.sources);
    assert_non_null(r.db.sources);
    r.db.sources[0].name = strdup("pypa\nsigner key id: FORGED\x1b[2J\xc2\x9b\xe2\x80\xae");
    r.db.signer_key_id = strdup("0123\r4567");
    evidence_options opt = {.snapshot_status = "line one\x1b]0;t\x07\nline two\n"};
    airlock_error err;
    assert_int_equal(evidence_write(&r, bundle, &opt, &err), 0);
    char *path = join(bundle, "snapshot/status.txt"), *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
    assert_null(strstr(data, "\nsigner key id: FORGED"));
    assert_non_null(strstr(data, "source: pypa?signer key id: FORGED?[2J?? sha256 ?"));
    assert_non_null(strstr(data, "\nsigner key id: 0123?4567\n"));
    assert_non_null(strstr(data, "\nline one?]0;t?\nline two\n")); /* lines kept */
    assert_null(strchr(data, '\x1b'));
    assert_null(strchr(data, '\r'));
    free(data);
    free(path);
    scan_report_free(&r);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    free(bundle);
}

/* A lockfile (and any file that is not a requirement file) is copied,
 * hashed in MANIFEST and listed in inputs.txt with its kind, which comes
 * from the input of the same path: scan_record_file(), which the lockfile
 * readers call with the bytes they parse, records every file alike. */
static void test_lockfile_input_copied_with_kind(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char tmpl[] = "/tmp/airlock-evidence-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *lock = join(dir, "uv.lock"), *req = join(dir, "requirements.txt");
    char *inc = join(dir, "inc.txt"), *bundle = join(dir, "bundle");
    const char *lock_text = "version = 1\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n"
                            "source = { registry = \"https://pypi.org/simple\" }\n";
    const char *req_text = "-r inc.txt\n", *inc_text = "requests==2.19.0\n";
    put(lock, lock_text);
    put(req, req_text);
    put(inc, inc_text);

    scan_report r;
    memset(&r, 0, sizeof r);
    r.airlock_version = strdup("test");
    airlock_error err;
    /* What --lockfile does: the reader reports the bytes it parsed, then
     * the input is added with that digest and its format. */
    scan_record_file(&r, lock, lock_text, strlen(lock_text));
    dependency *dep = dep_list_add(&r.deps);
    dep->kind = DEP_LOCKED;
    dep->name = strdup("six");
    dep->version_text = strdup("1.16.0");
    dep->source_file = strdup(lock);
    dep->source_line = 4;
    dep->source_kind = strdup("registry");
    assert_int_equal(scan_add_input(&r, INPUT_LOCKFILE, lock, &err), 0);
    r.inputs[0].format = strdup("uv");
    marker_env env;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    diag d = {NULL, NULL, 0};
    assert_int_equal(requirements_read_observed(req, &env, &r.deps, &d, scan_record_file, &r,
                                                &err), 0);
    marker_env_clear(&env);
    assert_int_equal(scan_add_input(&r, INPUT_REQUIREMENTS, req, &err), 0);
    assert_int_equal(r.n_files_read, 3);
    r.findings = calloc(r.deps.len, sizeof *r.findings);
    assert_non_null(r.findings);

    /* A lockfile changed since the scan is refused by name, as a
     * requirement file is. */
    put(lock, "version = 1\n");
    assert_int_equal(evidence_write(&r, bundle, &(evidence_options){0}, &err), -1);
    assert_non_null(strstr(err.msg, "uv.lock"));
    assert_non_null(strstr(err.msg, "changed since the scan"));
    put(lock, lock_text);
    assert_int_equal(evidence_write(&r, bundle, &(evidence_options){0}, &err), 0);

    char *path = join(bundle, "inputs/1-uv.lock"), *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
    assert_string_equal(data, lock_text);
    free(data);
    free(path);

    char hex[65];
    hex_of(lock_text, hex);
    buf want = {0};
    path = join(bundle, "MANIFEST");
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
    buf_printf(&want, "\n%s  inputs/1-uv.lock\n", hex);
    assert_non_null(strstr(data, want.data));
    free(data);
    free(path);

    path = join(bundle, "inputs.txt");
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
    want.len = 0;
    buf_printf(&want, "\ninputs/1-uv.lock  sha256 %s  lockfile  read as %s\n", hex, lock);
    assert_non_null(strstr(data, want.data));
    hex_of(req_text, hex);
    want.len = 0;
    buf_printf(&want, "\ninputs/2-requirements.txt  sha256 %s  requirements  read as %s\n", hex,
               req);
    assert_non_null(strstr(data, want.data));
    hex_of(inc_text, hex);
    want.len = 0; /* an include is no input of its own: a requirement file */
    buf_printf(&want, "\ninputs/3-inc.txt  sha256 %s  requirements  read as %s\n", hex, inc);
    assert_non_null(strstr(data, want.data));
    free(data);
    free(path);

    /* The reports in the bundle name the lockfile input and its format. */
    path = join(bundle, "report.json");
    assert_int_equal(file_read_all(path, 1000000, &data, &len, &err), 0);
    assert_non_null(strstr(data, "\"kind\":\t\"lockfile\""));
    assert_non_null(strstr(data, "\"format\":\t\"uv\""));
    assert_non_null(strstr(data, "\"kind\":\t\"locked\""));
    free(data);
    free(path);
    buf_free(&want);

    scan_report_free(&r);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    free(lock);
    free(req);
    free(inc);
    free(bundle);
}

/* The snapshot's signature and signer key are written from the bytes given
 * (those the scan verified, store_signature_text()), exactly, never read
 * from a path: the origin is only named in status.txt, and here names no
 * file at all. */
static void test_snapshot_bytes_written_as_given(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char tmpl[] = "/tmp/airlock-evidence-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *bundle = join(dir, "bundle"), *origin = join(dir, "gone/snapshot.minisig");
    scan_report r;
    memset(&r, 0, sizeof r);
    r.airlock_version = strdup("test");
    /* A NUL inside and no final newline: bytes, not a string. */
    static const char sig[] = "untrusted comment: x\nRW\0sig\ntrusted comment: y\nzz";
    static const char pub[] = "untrusted comment: minisign public key\nRWkey";
    evidence_options opt = {
        .snapshot_sig = sig,
        .snapshot_sig_len = sizeof sig - 1,
        .snapshot_sig_origin = origin,
        .snapshot_pubkey = pub,
        .snapshot_pubkey_len = sizeof pub - 1,
    };
    airlock_error err;
    assert_int_equal(evidence_write(&r, bundle, &opt, &err), 0);

    const struct {
        const char *name, *bytes;
        size_t len;
    } want[] = {{"snapshot/snapshot.minisig", sig, sizeof sig - 1},
                {"snapshot/signer.pub", pub, sizeof pub - 1}};
    char *path = join(bundle, "MANIFEST"), *manifest, *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100000, &manifest, &len, &err), 0);
    free(path);
    for (size_t i = 0; i < 2; i++) {
        path = join(bundle, want[i].name);
        assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
        assert_int_equal(len, want[i].len);
        assert_memory_equal(data, want[i].bytes, len);
        free(data);
        free(path);
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256(h, (const unsigned char *)want[i].bytes, want[i].len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        buf line = {0};
        buf_printf(&line, "\n%s  %s\n", hex, want[i].name);
        assert_non_null(strstr(manifest, line.data));
        buf_free(&line);
    }
    free(manifest);
    path = join(bundle, "snapshot/status.txt");
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), 0);
    buf line = {0};
    buf_printf(&line, "snapshot signature: snapshot/snapshot.minisig (copied from %s)\n", origin);
    assert_non_null(strstr(data, line.data));
    buf_free(&line);
    free(data);
    free(path);

    scan_report_free(&r);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    free(bundle);
    free(origin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_read_is_recorded_and_checked),
        cmocka_unit_test(test_status_text_filtered),
        cmocka_unit_test(test_lockfile_input_copied_with_kind),
        cmocka_unit_test(test_snapshot_bytes_written_as_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
