/* Tests for what an evidence bundle holds of the inputs (issue 13): every
 * requirement file the scan read, includes too, recorded from the very
 * read that was parsed, and refused if it changed since. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_read_is_recorded_and_checked),
        cmocka_unit_test(test_status_text_filtered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
