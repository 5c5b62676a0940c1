#include "core/severity.h"

#include <strings.h>

const char *severity_name(severity s)
{
    switch (s) {
    case SEVERITY_NONE: return "NONE";
    case SEVERITY_LOW: return "LOW";
    case SEVERITY_MEDIUM: return "MEDIUM";
    case SEVERITY_HIGH: return "HIGH";
    case SEVERITY_CRITICAL: return "CRITICAL";
    case SEVERITY_UNKNOWN: break;
    }
    return "UNKNOWN";
}

severity severity_from_score(double score)
{
    if (score >= 9.0)
        return SEVERITY_CRITICAL;
    if (score >= 7.0)
        return SEVERITY_HIGH;
    if (score >= 4.0)
        return SEVERITY_MEDIUM;
    if (score > 0.0)
        return SEVERITY_LOW;
    return SEVERITY_NONE;
}

severity severity_parse(const char *label, size_t len)
{
    static const struct {
        const char *name;
        severity level;
    } names[] = {
        {"NONE", SEVERITY_NONE},         {"LOW", SEVERITY_LOW},
        {"MEDIUM", SEVERITY_MEDIUM},     {"MODERATE", SEVERITY_MEDIUM},
        {"HIGH", SEVERITY_HIGH},         {"CRITICAL", SEVERITY_CRITICAL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *n = names[i].name;
        size_t j = 0;
        while (n[j] != '\0' && j < len)
            j++;
        if (n[j] == '\0' && j == len && strncasecmp(n, label, len) == 0)
            return names[i].level;
    }
    return SEVERITY_UNKNOWN;
}
