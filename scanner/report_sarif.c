/* Placeholder until the sarif renderer lands: it fails closed. */
#include "scanner/report.h"

int report_write_sarif(const scan_report *r, FILE *out, airlock_error *err)
{
    (void)r;
    (void)out;
    return error_set(err, "the sarif format is not available in this build yet");
}
