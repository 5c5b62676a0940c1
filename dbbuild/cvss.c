/*
 * cvss.c - CVSS base scores.
 *
 * v2 and v3.x are closed-form equations (FIRST's v2 guide and v3.0/v3.1
 * specifications). v3.0 is scored with v3.1's Roundup, which only removes
 * floating-point artefacts of v3.0's ceil. v4.0 has no equation: a vector
 * falls into one of 270 MacroVectors whose scores FIRST's experts set
 * (table below, from the v4.0 specification's reference calculator), and is
 * placed inside it by the severity-distance interpolation of section 8.
 */
#include "dbbuild/cvss.h"

#include <math.h>
#include <string.h>

#define MAX_VECTOR 512

typedef struct mdef {
    const char *name;
    const char *values; /* '|'-separated */
    int mandatory;
} mdef;

/* ---- parsing, shared by every version ---- */

/* Is `v` one of the '|'-separated `values`? */
static int value_ok(const char *values, const char *v)
{
    size_t n = strlen(v);
    const char *p = values;
    while (*p != '\0') {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);
        if (k == n && n > 0 && memcmp(p, v, n) == 0)
            return 1;
        p += k;
        if (*p == '|')
            p++;
    }
    return 0;
}

/* Split "K:V/K:V..." (modified in place) into vals[] by the table `defs`.
 * Unknown or repeated metrics, bad values and missing mandatory metrics are
 * errors: a vector that does not say exactly one thing has no score. */
static int parse_metrics(char *s, const mdef *defs, size_t n, const char **vals,
                         airlock_error *err)
{
    for (size_t i = 0; i < n; i++)
        vals[i] = NULL;
    if (*s == '\0')
        return error_set(err, "no metrics");
    char *p = s;
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash != NULL)
            *slash = '\0';
        char *colon = strchr(p, ':');
        if (colon == NULL || colon == p || colon[1] == '\0')
            return error_set(err, "malformed component '%.32s'", p);
        *colon = '\0';
        const char *v = colon + 1;
        size_t i = 0;
        while (i < n && strcmp(defs[i].name, p) != 0)
            i++;
        if (i == n)
            return error_set(err, "unknown metric '%.32s'", p);
        if (vals[i] != NULL)
            return error_set(err, "metric '%s' given twice", defs[i].name);
        if (!value_ok(defs[i].values, v))
            return error_set(err, "invalid value '%.32s' for metric '%s'", v, defs[i].name);
        vals[i] = v;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    for (size_t i = 0; i < n; i++)
        if (defs[i].mandatory && vals[i] == NULL)
            return error_set(err, "missing metric '%s'", defs[i].name);
    return 0;
}

static double round1(double x)
{
    return floor(x * 10.0 + 0.5 + 1e-9) / 10.0;
}

/* ---- v2 ---- */

enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, V2_N = 14 };
static const mdef v2_defs[V2_N] = {
    {"AV", "L|A|N", 1}, {"AC", "H|M|L", 1}, {"Au", "M|S|N", 1},
    {"C", "N|P|C", 1},  {"I", "N|P|C", 1},  {"A", "N|P|C", 1},
    {"E", "U|POC|F|H|ND", 0}, {"RL", "OF|TF|W|U|ND", 0}, {"RC", "UC|UR|C|ND", 0},
    {"CDP", "N|L|LM|MH|H|ND", 0}, {"TD", "N|L|M|H|ND", 0},
    {"CR", "L|M|H|ND", 0}, {"IR", "L|M|H|ND", 0}, {"AR", "L|M|H|ND", 0},
};

static double v2_cia(const char *v)
{
    return v[0] == 'C' ? 0.660 : v[0] == 'P' ? 0.275 : 0.0;
}

static double v2_score(const char **m)
{
    double av = m[V2_AV][0] == 'N' ? 1.0 : m[V2_AV][0] == 'A' ? 0.646 : 0.395;
    double ac = m[V2_AC][0] == 'L' ? 0.71 : m[V2_AC][0] == 'M' ? 0.61 : 0.35;
    double au = m[V2_AU][0] == 'N' ? 0.704 : m[V2_AU][0] == 'S' ? 0.56 : 0.45;
    double impact = 10.41 * (1 - (1 - v2_cia(m[V2_C])) * (1 - v2_cia(m[V2_I])) *
                                     (1 - v2_cia(m[V2_A])));
    double expl = 20 * av * ac * au;
    double f = impact == 0.0 ? 0.0 : 1.176;
    double s = round1((0.6 * impact + 0.4 * expl - 1.5) * f);
    return s < 0 ? 0.0 : s;
}

/* ---- v3.0 / v3.1 ---- */

enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A, V3_N = 22 };
static const mdef v3_defs[V3_N] = {
    {"AV", "N|A|L|P", 1}, {"AC", "L|H", 1}, {"PR", "N|L|H", 1}, {"UI", "N|R", 1},
    {"S", "U|C", 1},      {"C", "H|L|N", 1}, {"I", "H|L|N", 1}, {"A", "H|L|N", 1},
    {"E", "X|U|P|F|H", 0}, {"RL", "X|O|T|W|U", 0}, {"RC", "X|U|R|C", 0},
    {"CR", "X|L|M|H", 0}, {"IR", "X|L|M|H", 0}, {"AR", "X|L|M|H", 0},
    {"MAV", "X|N|A|L|P", 0}, {"MAC", "X|L|H", 0}, {"MPR", "X|N|L|H", 0},
    {"MUI", "X|N|R", 0}, {"MS", "X|U|C", 0},
    {"MC", "X|H|L|N", 0}, {"MI", "X|H|L|N", 0}, {"MA", "X|H|L|N", 0},
};

/* The v3.1 specification's Roundup (appendix A): exact in integers. */
static double roundup(double x)
{
    long long i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

static double v3_cia(const char *v)
{
    return v[0] == 'H' ? 0.56 : v[0] == 'L' ? 0.22 : 0.0;
}

static double v3_score(const char **m)
{
    int changed = m[V3_S][0] == 'C';
    char av = m[V3_AV][0], pr = m[V3_PR][0];
    double wav = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : 0.2;
    double wac = m[V3_AC][0] == 'L' ? 0.77 : 0.44;
    double wpr = pr == 'N' ? 0.85 : pr == 'L' ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
    double wui = m[V3_UI][0] == 'N' ? 0.85 : 0.62;
    double iss = 1 - (1 - v3_cia(m[V3_C])) * (1 - v3_cia(m[V3_I])) * (1 - v3_cia(m[V3_A]));
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    double expl = 8.22 * wav * wac * wpr * wui;
    if (impact <= 0)
        return 0.0;
    double sum = changed ? 1.08 * (impact + expl) : impact + expl;
    return roundup(sum < 10 ? sum : 10);
}

/* ---- v4.0 ---- */

enum {
    AV, AC, AT, PR, UI, VC, VI, VA, SC, SI, SA, /* base, mandatory */
    E, CR, IR, AR, MAV, MAC, MAT, MPR, MUI, MVC, MVI, MVA, MSC, MSI, MSA,
    S_, AU, R_, V_, RE, U_, V4_N
};
static const mdef v4_defs[V4_N] = {
    {"AV", "N|A|L|P", 1}, {"AC", "L|H", 1}, {"AT", "N|P", 1}, {"PR", "N|L|H", 1},
    {"UI", "N|P|A", 1},   {"VC", "H|L|N", 1}, {"VI", "H|L|N", 1}, {"VA", "H|L|N", 1},
    {"SC", "H|L|N", 1},   {"SI", "H|L|N", 1}, {"SA", "H|L|N", 1},
    {"E", "X|A|P|U", 0},  {"CR", "X|H|M|L", 0}, {"IR", "X|H|M|L", 0}, {"AR", "X|H|M|L", 0},
    {"MAV", "X|N|A|L|P", 0}, {"MAC", "X|L|H", 0}, {"MAT", "X|N|P", 0},
    {"MPR", "X|N|L|H", 0}, {"MUI", "X|N|P|A", 0},
    {"MVC", "X|H|L|N", 0}, {"MVI", "X|H|L|N", 0}, {"MVA", "X|H|L|N", 0},
    {"MSC", "X|H|L|N", 0}, {"MSI", "X|S|H|L|N", 0}, {"MSA", "X|S|H|L|N", 0},
    {"S", "X|N|P", 0}, {"AU", "X|N|Y", 0}, {"R", "X|A|U|I", 0}, {"V", "X|D|C", 0},
    {"RE", "X|L|M|H", 0}, {"U", "X|Clear|Green|Amber|Red", 0},
};

/* MacroVector scores in tenths, indexed by EQ1..EQ6; -1 where EQ3=2 with
 * EQ6=0, which cannot occur. 270 entries. */
static const signed char v4_lookup[3][2][3][3][3][2] = {
    {
     {
      {{{100,  99}, { 98,  95}, { 95,  92}},
       {{100,  96}, { 93,  87}, { 91,  81}},
       {{ 93,  90}, { 89,  80}, { 81,  68}}},
      {{{ 98,  95}, { 95,  92}, { 90,  84}},
       {{ 93,  92}, { 89,  81}, { 81,  65}},
       {{ 88,  80}, { 78,  70}, { 69,  48}}},
      {{{ -1,  92}, { -1,  82}, { -1,  72}},
       {{ -1,  79}, { -1,  69}, { -1,  50}},
       {{ -1,  69}, { -1,  55}, { -1,  27}}},
     },
     {
      {{{ 99,  97}, { 95,  92}, { 92,  85}},
       {{ 95,  91}, { 90,  83}, { 84,  71}},
       {{ 92,  81}, { 82,  71}, { 72,  53}}},
      {{{ 95,  93}, { 92,  85}, { 85,  73}},
       {{ 92,  82}, { 80,  72}, { 70,  59}},
       {{ 84,  70}, { 71,  52}, { 50,  30}}},
      {{{ -1,  86}, { -1,  75}, { -1,  52}},
       {{ -1,  71}, { -1,  52}, { -1,  29}},
       {{ -1,  63}, { -1,  29}, { -1,  17}}},
     },
    },
    {
     {
      {{{ 98,  95}, { 94,  87}, { 91,  81}},
       {{ 94,  89}, { 86,  74}, { 77,  64}},
       {{ 87,  75}, { 74,  63}, { 63,  49}}},
      {{{ 94,  89}, { 88,  77}, { 76,  67}},
       {{ 86,  76}, { 74,  58}, { 59,  50}},
       {{ 72,  57}, { 57,  52}, { 52,  25}}},
      {{{ -1,  83}, { -1,  70}, { -1,  54}},
       {{ -1,  65}, { -1,  58}, { -1,  26}},
       {{ -1,  53}, { -1,  21}, { -1,  13}}},
     },
     {
      {{{ 95,  90}, { 88,  76}, { 76,  70}},
       {{ 90,  77}, { 75,  62}, { 61,  53}},
       {{ 77,  66}, { 68,  59}, { 52,  30}}},
      {{{ 89,  78}, { 76,  67}, { 62,  58}},
       {{ 74,  59}, { 57,  57}, { 47,  23}},
       {{ 61,  52}, { 57,  29}, { 24,  16}}},
      {{{ -1,  71}, { -1,  59}, { -1,  30}},
       {{ -1,  58}, { -1,  26}, { -1,  15}},
       {{ -1,  23}, { -1,  13}, { -1,   6}}},
     },
    },
    {
     {
      {{{ 93,  87}, { 86,  72}, { 75,  58}},
       {{ 86,  74}, { 74,  61}, { 56,  34}},
       {{ 70,  54}, { 52,  40}, { 40,  22}}},
      {{{ 85,  75}, { 74,  55}, { 62,  51}},
       {{ 72,  57}, { 55,  41}, { 46,  19}},
       {{ 53,  36}, { 34,  19}, { 19,   8}}},
      {{{ -1,  64}, { -1,  51}, { -1,  20}},
       {{ -1,  47}, { -1,  21}, { -1,  11}},
       {{ -1,  24}, { -1,   9}, { -1,   4}}},
     },
     {
      {{{ 88,  75}, { 73,  53}, { 60,  50}},
       {{ 73,  55}, { 59,  40}, { 41,  20}},
       {{ 54,  43}, { 45,  22}, { 20,  11}}},
      {{{ 75,  55}, { 58,  45}, { 40,  21}},
       {{ 61,  51}, { 48,  18}, { 20,   9}},
       {{ 46,  18}, { 17,   7}, {  8,   2}}},
      {{{ -1,  53}, { -1,  24}, { -1,  14}},
       {{ -1,  24}, { -1,  12}, { -1,   5}},
       {{ -1,  10}, { -1,   3}, { -1,   1}}},
     },
    },
};

static int v4_macro(int e1, int e2, int e3, int e4, int e5, int e6)
{
    if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1)
        return -1;
    return v4_lookup[e1][e2][e3][e4][e5][e6];
}

/* The value that counts for a metric: its environmental override when set,
 * and the worst case for unset E (A) and CR/IR/AR (H). */
static char v4_m(const char **m, int i)
{
    if (i == E)
        return m[E] == NULL || m[E][0] == 'X' ? 'A' : m[E][0];
    if (i == CR || i == IR || i == AR)
        return m[i] == NULL || m[i][0] == 'X' ? 'H' : m[i][0];
    if (i <= SA) {
        const char *mod = m[MAV + i];
        if (mod != NULL && mod[0] != 'X')
            return mod[0];
    }
    return m[i][0];
}

/* Severity levels in tenths, lowest = most severe (section 8.2). */
static int level(int metric, char v)
{
    switch (metric) {
    case AV: return v == 'N' ? 0 : v == 'A' ? 1 : v == 'L' ? 2 : 3;
    case PR: return v == 'N' ? 0 : v == 'L' ? 1 : 2;
    case UI: return v == 'N' ? 0 : v == 'P' ? 1 : 2;
    case AC: return v == 'L' ? 0 : 1;
    case AT: return v == 'N' ? 0 : 1;
    case VC: case VI: case VA: return v == 'H' ? 0 : v == 'L' ? 1 : 2;
    case SC: case SI: case SA: return v == 'S' ? 0 : v == 'H' ? 1 : v == 'L' ? 2 : 3;
    case CR: case IR: case AR: return v == 'H' ? 0 : v == 'M' ? 1 : 2;
    }
    return 0;
}

/* Highest-severity vectors of each EQ level (the reference calculator's
 * max_composed), as metric values. */
static const char *const eq1_max[3][3] = {{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}};
static const char *const eq2_max[2][2] = {{"LN"}, {"HN", "LP"}};
static const char *const eq36_max[3][2][5] = {
    {{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
    {{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
    {{NULL}, {"LLLHHH"}},
};
static const char *const eq4_max[3] = {"HSS", "HHH", "LLL"};
/* Depth of each EQ level in severity steps (max_severity). */
static const int eq1_depth[3] = {1, 4, 5}, eq2_depth[2] = {1, 2}, eq4_depth[3] = {6, 5, 4};
static const int eq36_depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};

static double v4_score(const char **m)
{
    char v[SA + 1];
    for (int i = 0; i <= SA; i++)
        v[i] = v4_m(m, i);
    char e = v4_m(m, E), cr = v4_m(m, CR), ir = v4_m(m, IR), ar = v4_m(m, AR);
    if (v[VC] == 'N' && v[VI] == 'N' && v[VA] == 'N' && v[SC] == 'N' && v[SI] == 'N' &&
        v[SA] == 'N')
        return 0.0;

    int eq1 = v[AV] == 'N' && v[PR] == 'N' && v[UI] == 'N' ? 0
              : (v[AV] == 'N' || v[PR] == 'N' || v[UI] == 'N') && v[AV] != 'P' ? 1 : 2;
    int eq2 = v[AC] == 'L' && v[AT] == 'N' ? 0 : 1;
    int eq3 = v[VC] == 'H' && v[VI] == 'H' ? 0
              : v[VC] == 'H' || v[VI] == 'H' || v[VA] == 'H' ? 1 : 2;
    int eq4 = v[SI] == 'S' || v[SA] == 'S' ? 0
              : v[SC] == 'H' || v[SI] == 'H' || v[SA] == 'H' ? 1 : 2;
    int eq5 = e == 'A' ? 0 : e == 'P' ? 1 : 2;
    int eq6 = (cr == 'H' && v[VC] == 'H') || (ir == 'H' && v[VI] == 'H') ||
              (ar == 'H' && v[VA] == 'H') ? 0 : 1;

    double value = v4_macro(eq1, eq2, eq3, eq4, eq5, eq6) / 10.0;

    /* Scores of the next lower MacroVector along each EQ (-1: none). */
    int low1 = v4_macro(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    int low2 = v4_macro(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    int low36;
    if (eq3 == 0 && eq6 == 0) {
        int left = v4_macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
        int right = v4_macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
        low36 = left > right ? left : right;
    } else if (eq3 == 1 && eq6 == 0) {
        low36 = v4_macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    } else if (eq3 == 2) {
        low36 = -1;
    } else {
        low36 = v4_macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    }
    int low4 = v4_macro(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    int low5 = v4_macro(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    /* Severity distance from the first highest vector of the MacroVector
     * that the vector does not exceed in any metric. */
    int d[AR + 1] = {0};
    const char *const *m1 = eq1_max[eq1];
    const char *const *m2 = eq2_max[eq2];
    const char *const *m36 = eq36_max[eq3][eq6];
    int found = 0;
    for (int a = 0; a < 3 && m1[a] && !found; a++)
        for (int b = 0; b < 2 && m2[b] && !found; b++)
            for (int c = 0; c < 5 && m36[c] && !found; c++) {
                const char *x = m1[a], *y = m2[b], *z = m36[c], *w = eq4_max[eq4];
                d[AV] = level(AV, v[AV]) - level(AV, x[0]);
                d[PR] = level(PR, v[PR]) - level(PR, x[1]);
                d[UI] = level(UI, v[UI]) - level(UI, x[2]);
                d[AC] = level(AC, v[AC]) - level(AC, y[0]);
                d[AT] = level(AT, v[AT]) - level(AT, y[1]);
                d[VC] = level(VC, v[VC]) - level(VC, z[0]);
                d[VI] = level(VI, v[VI]) - level(VI, z[1]);
                d[VA] = level(VA, v[VA]) - level(VA, z[2]);
                d[CR] = level(CR, cr) - level(CR, z[3]);
                d[IR] = level(IR, ir) - level(IR, z[4]);
                d[AR] = level(AR, ar) - level(AR, z[5]);
                d[SC] = level(SC, v[SC]) - level(SC, w[0]);
                d[SI] = level(SI, v[SI]) - level(SI, w[1]);
                d[SA] = level(SA, v[SA]) - level(SA, w[2]);
                found = 1;
                for (int i = 0; i <= AR; i++)
                    if (i <= SA || i == CR || i == IR || i == AR)
                        if (d[i] < 0)
                            found = 0;
            }
    int dist1 = d[AV] + d[PR] + d[UI];
    int dist2 = d[AC] + d[AT];
    int dist36 = d[VC] + d[VI] + d[VA] + d[CR] + d[IR] + d[AR];
    int dist4 = d[SC] + d[SI] + d[SA];

    /* Mean of the proportional distances over the EQs that have a lower
     * MacroVector; EQ5 always contributes 0 but counts. */
    int n = 0;
    double sum = 0;
    if (low1 >= 0) {
        n++;
        sum += (value - low1 / 10.0) * dist1 / eq1_depth[eq1];
    }
    if (low2 >= 0) {
        n++;
        sum += (value - low2 / 10.0) * dist2 / eq2_depth[eq2];
    }
    if (low36 >= 0) {
        n++;
        sum += (value - low36 / 10.0) * dist36 / eq36_depth[eq3][eq6];
    }
    if (low4 >= 0) {
        n++;
        sum += (value - low4 / 10.0) * dist4 / eq4_depth[eq4];
    }
    if (low5 >= 0)
        n++;
    if (n > 0)
        value -= sum / n;
    if (value < 0)
        value = 0;
    if (value > 10)
        value = 10;
    return floor((value + 1e-6) * 10.0 + 0.5) / 10.0;
}

/* ---- entry point ---- */

int cvss_score(const char *vector, size_t len, cvss_result *out, airlock_error *err)
{
    if (vector == NULL || len == 0)
        return error_set(err, "empty CVSS vector");
    if (len > MAX_VECTOR)
        return error_set(err, "CVSS vector longer than %d bytes", MAX_VECTOR);
    char s[MAX_VECTOR + 1];
    memcpy(s, vector, len);
    s[len] = '\0';
    if (strlen(s) != len)
        return error_set(err, "CVSS vector contains a NUL byte");

    const char *body = s;
    cvss_version ver;
    if (strncmp(s, "CVSS:3.0/", 9) == 0) {
        ver = CVSS_V3_0, body = s + 9;
    } else if (strncmp(s, "CVSS:3.1/", 9) == 0) {
        ver = CVSS_V3_1, body = s + 9;
    } else if (strncmp(s, "CVSS:4.0/", 9) == 0) {
        ver = CVSS_V4_0, body = s + 9;
    } else if (strncmp(s, "CVSS:", 5) == 0) {
        return error_set(err, "unsupported CVSS version in '%.40s'", s);
    } else {
        ver = CVSS_V2;
        if (s[0] == '(') { /* NVD's old "(AV:N/...)" form */
            if (len < 2 || s[len - 1] != ')')
                return error_set(err, "unbalanced parenthesis in CVSS v2 vector");
            s[len - 1] = '\0';
            body = s + 1;
        }
    }
    char *b = s + (body - s);
    const char *vals[V4_N];
    double score;
    airlock_error perr;
    error_clear(&perr);
    switch (ver) {
    case CVSS_V2:
        if (parse_metrics(b, v2_defs, V2_N, vals, &perr) != 0)
            return error_set(err, "CVSS v2 vector: %s", perr.msg);
        score = v2_score(vals);
        break;
    case CVSS_V3_0:
    case CVSS_V3_1:
        if (parse_metrics(b, v3_defs, V3_N, vals, &perr) != 0)
            return error_set(err, "CVSS v3 vector: %s", perr.msg);
        score = v3_score(vals);
        break;
    default:
        if (parse_metrics(b, v4_defs, V4_N, vals, &perr) != 0)
            return error_set(err, "CVSS v4.0 vector: %s", perr.msg);
        score = v4_score(vals);
        break;
    }
    out->version = ver;
    out->score = score;
    if (ver == CVSS_V2) /* NVD's v2 bands have no NONE and no CRITICAL */
        out->rating = score >= 7.0 ? SEVERITY_HIGH : score >= 4.0 ? SEVERITY_MEDIUM
                                                                  : SEVERITY_LOW;
    else
        out->rating = severity_from_score(score);
    return 0;
}
