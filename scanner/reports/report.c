#include "scanner/reports/report.h"

#include <string.h>

static const struct {
    const char *name;
    const char *extension;
} formats[] = {
    [REPORT_TABLE] = {"table", "txt"},
    [REPORT_JSON] = {"json", "json"},
    [REPORT_SARIF] = {"sarif", "sarif"},
    [REPORT_CYCLONEDX] = {"cyclonedx", "cdx.json"},
    [REPORT_MARKDOWN] = {"markdown", "md"},
    [REPORT_HTML] = {"html", "html"},
    [REPORT_PLAN] = {"plan", "plan.md"},
};

int report_format_parse(const char *name, report_format *out, airlock_error *err)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            *out = (report_format)i;
            return 0;
        }
    }
    return error_set(err, "unknown format '%s' (expected table, json, sarif, cyclonedx, "
                          "markdown, html or plan)", name);
}

const char *report_format_name(report_format f)
{
    return formats[f].name;
}

const char *report_format_extension(report_format f)
{
    return formats[f].extension;
}

int report_write(report_format f, const scan_report *r, const report_style *style,
                 FILE *out, airlock_error *err)
{
    switch (f) {
    case REPORT_TABLE: return report_write_table(r, style, out, err);
    case REPORT_JSON: return report_write_json(r, out, err);
    case REPORT_SARIF: return report_write_sarif(r, out, err);
    case REPORT_CYCLONEDX: return report_write_cyclonedx(r, out, err);
    case REPORT_MARKDOWN: return report_write_markdown(r, out, err);
    case REPORT_HTML: return report_write_html(r, out, err);
    case REPORT_PLAN: return report_write_plan(r, out, err);
    }
    return error_set(err, "unknown report format");
}
