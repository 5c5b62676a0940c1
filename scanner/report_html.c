/* Placeholder until the html renderer lands: it fails closed. */
#include "scanner/report.h"

int report_write_html(const scan_report *r, FILE *out, airlock_error *err)
{
    (void)r;
    (void)out;
    return error_set(err, "the html format is not available in this build yet");
}
