/* Placeholder until the table renderer lands: it fails closed. */
#include "scanner/report.h"

int report_write_table(const scan_report *r, const report_style *style, FILE *out,
                       airlock_error *err)
{
    (void)r;
    (void)style;
    (void)out;
    return error_set(err, "the table format is not available in this build yet");
}
