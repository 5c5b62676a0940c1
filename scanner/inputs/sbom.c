/*
 * sbom.c - the PyPI packages of a CycloneDX or SPDX JSON SBOM (sbom.h).
 *
 * CycloneDX: metadata.component (what the BOM describes) and its nested
 * components first, then `components`, each followed by its own nested
 * `components`, depth first in file order. SPDX: every `packages[]` entry,
 * each of its externalRefs of referenceType "purl".
 *
 * What counts: every component or package is one in info->components.
 * Each pkg:pypi purl is one dependency; a component that gives at least
 * one is counted in info->pypi, every other one (no purl, another type, a
 * purl too broken to name a package) in info->other.
 *
 * The version checked is the purl's, never the component's `version`
 * field: the purl is the identity an SBOM gives for matching, and a
 * component whose purl has no version is kept, skipped ("no version").
 *
 * CycloneDX `scope` is kept in the group: "scope:optional" or
 * "scope:excluded" (NULL when required or absent). Excluded components
 * ("not part of the runtime", such as test tools) are also `dev`, so that
 * --no-dev leaves them out; by default they are checked like the rest.
 */
#include "scanner/inputs/sbom.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/name.h"
#include "core/version.h"
#include "scanner/inputs/json_doc.h"
#include "scanner/inputs/purl.h"

typedef struct reader {
    const json_doc *doc;
    const char *path;
    dep_list *out;
    sbom_info *info;
    diag *d;
} reader;

const char *sbom_format_name(sbom_format f)
{
    return f == SBOM_SPDX ? "spdx" : "cyclonedx";
}

static dependency *add_dep(reader *r, unsigned line, const purl *p, const char *group, bool dev)
{
    dependency *dep = dep_list_add(r->out);
    dep->kind = DEP_SBOM;
    dep->name = xstrdup(p->name);
    dep->normalized = name_canonicalize(p->name, strlen(p->name));
    dep->source_file = xstrdup(r->path);
    dep->source_line = line;
    dep->source_kind = xstrdup("registry");
    dep->group = group ? xstrdup(group) : NULL;
    dep->dev = dev;
    if (p->version != NULL)
        dep->version_text = xstrdup(p->version);
    return dep;
}

/* One purl string; returns whether it gave a dependency. */
static bool read_purl(reader *r, const cJSON *item, const char *group, bool dev)
{
    const char *text = item->valuestring;
    unsigned line = json_doc_value_line(r->doc, item);
    purl p;
    airlock_error e;
    int rc = purl_parse(text, strlen(text), &p, &e);
    if (p.type == NULL || strcmp(p.type, "pypi") != 0) {
        purl_clear(&p); /* another ecosystem, or not a purl at all */
        return false;
    }
    if (rc == 0)
        rc = purl_check_pypi(&p, &e);
    if (rc != 0) {
        size_t n = strlen(text);
        airlock_error q;
        error_invalid(&q, "package URL", text, n, e.msg);
        if (p.name == NULL) {
            diag_warn(r->d, r->path, line, "%s: left out (no name)", q.msg);
            purl_clear(&p);
            return false;
        }
        diag_warn(r->d, r->path, line, "%s", q.msg);
        dependency *dep = add_dep(r, line, &p, group, dev);
        dep->skip_reason = xstrdup("invalid package URL");
        purl_clear(&p);
        return true;
    }
    dependency *dep = add_dep(r, line, &p, group, dev);
    if (p.version == NULL) {
        dep->skip_reason = xstrdup("no version");
    } else if (version_parse(&dep->version, p.version, strlen(p.version), &e) == 0) {
        dep->has_version = true;
    } else {
        diag_warn(r->d, r->path, line, "%s: %s", p.name, e.msg);
        dep->skip_reason = xstrdup("version is not a PEP 440 version");
    }
    purl_clear(&p);
    return true;
}

static void count(reader *r, bool pypi)
{
    r->info->components++;
    if (pypi)
        r->info->pypi++;
    else
        r->info->other++;
}

static void cdx_components(reader *r, const cJSON *list);

static void cdx_component(reader *r, const cJSON *c)
{
    if (!cJSON_IsObject(c)) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, c),
                  "a component that is not an object: left out");
        count(r, false);
        return;
    }
    const char *scope = json_doc_string(c, "scope");
    const char *group = NULL;
    bool dev = false;
    if (scope != NULL && strcmp(scope, "optional") == 0) {
        group = "scope:optional";
    } else if (scope != NULL && strcmp(scope, "excluded") == 0) {
        group = "scope:excluded";
        dev = true;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "purl");
    if (p != NULL && !cJSON_IsString(p))
        diag_warn(r->d, r->path, json_doc_line(r->doc, p), "\"purl\" is not a string");
    count(r, cJSON_IsString(p) && read_purl(r, p, group, dev));
    cdx_components(r, cJSON_GetObjectItemCaseSensitive(c, "components"));
}

static void cdx_components(reader *r, const cJSON *list)
{
    if (list == NULL)
        return;
    if (!cJSON_IsArray(list)) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, list),
                  "\"components\" is not an array: left out");
        return;
    }
    for (const cJSON *c = list->child; c != NULL; c = c->next)
        cdx_component(r, c);
}

static void read_cyclonedx(reader *r, const cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "specVersion");
    const char *spec = cJSON_IsString(v) ? v->valuestring : NULL;
    if (spec == NULL) {
        diag_warn(r->d, r->path, v ? json_doc_line(r->doc, v) : 1,
                  "no \"specVersion\": read as CycloneDX 1.6");
    } else if (strcmp(spec, "1.4") != 0 && strcmp(spec, "1.5") != 0 &&
               strcmp(spec, "1.6") != 0) {
        airlock_error e;
        error_invalid(&e, "CycloneDX specVersion", spec, strlen(spec),
                      "1.4 to 1.6 are read; read as they are");
        diag_warn(r->d, r->path, json_doc_line(r->doc, v), "%s", e.msg);
    }
    if (spec != NULL && strlen(spec) < sizeof r->info->spec_version)
        memcpy(r->info->spec_version, spec, strlen(spec) + 1);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *top = cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, "component")
                                            : NULL;
    if (top != NULL)
        cdx_component(r, top);
    cdx_components(r, cJSON_GetObjectItemCaseSensitive(root, "components"));
}

static void spdx_package(reader *r, const cJSON *pkg)
{
    if (!cJSON_IsObject(pkg)) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, pkg),
                  "a package that is not an object: left out");
        count(r, false);
        return;
    }
    bool pypi = false;
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(pkg, "externalRefs");
    if (refs != NULL && !cJSON_IsArray(refs))
        diag_warn(r->d, r->path, json_doc_line(r->doc, refs), "\"externalRefs\" is not an array");
    for (const cJSON *ref = cJSON_IsArray(refs) ? refs->child : NULL; ref != NULL;
         ref = ref->next) {
        const char *type = json_doc_string(ref, "referenceType");
        if (type == NULL || strcmp(type, "purl") != 0)
            continue;
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(ref, "referenceLocator");
        if (!cJSON_IsString(loc)) {
            diag_warn(r->d, r->path, json_doc_line(r->doc, ref),
                      "a purl reference without a referenceLocator string");
            continue;
        }
        pypi = read_purl(r, loc, NULL, false) || pypi;
    }
    count(r, pypi);
}

static void read_spdx(reader *r, const cJSON *root, const cJSON *spdx_version)
{
    const char *v = spdx_version->valuestring;
    /* 2.2 and 2.3 write packages and purl references alike. */
    if (strcmp(v, "SPDX-2.3") != 0 && strcmp(v, "SPDX-2.2") != 0) {
        airlock_error e;
        error_invalid(&e, "spdxVersion", v, strlen(v), "SPDX-2.2 and SPDX-2.3 are read; read "
                                                       "as SPDX-2.3");
        diag_warn(r->d, r->path, json_doc_line(r->doc, spdx_version), "%s", e.msg);
    }
    if (strlen(v) < sizeof r->info->spec_version)
        memcpy(r->info->spec_version, v, strlen(v) + 1);
    const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
    if (pkgs != NULL && !cJSON_IsArray(pkgs)) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, pkgs),
                  "\"packages\" is not an array: left out");
        return;
    }
    for (const cJSON *p = pkgs ? pkgs->child : NULL; p != NULL; p = p->next)
        spdx_package(r, p);
}

int sbom_parse(const char *data, size_t len, const char *path, dep_list *out, sbom_info *info,
               diag *d, airlock_error *err)
{
    memset(info, 0, sizeof *info);
    json_doc doc;
    if (json_doc_parse(&doc, data, len, path, err) != 0)
        return -1;
    reader r = {&doc, path, out, info, d};
    const cJSON *root = doc.root;
    const char *bom_format = cJSON_IsObject(root) ? json_doc_string(root, "bomFormat") : NULL;
    const cJSON *spdx =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "spdxVersion") : NULL;
    int rc = 0;
    if (bom_format != NULL && strcmp(bom_format, "CycloneDX") == 0) {
        info->format = SBOM_CYCLONEDX;
        read_cyclonedx(&r, root);
    } else if (cJSON_IsString(spdx)) {
        info->format = SBOM_SPDX;
        read_spdx(&r, root, spdx);
    } else {
        rc = error_set(err, "%s:1: not an SBOM: neither CycloneDX JSON (\"bomFormat\": "
                            "\"CycloneDX\") nor SPDX JSON (\"spdxVersion\")",
                       path);
    }
    json_doc_free(&doc);
    return rc;
}

int sbom_read(const char *path, dep_list *out, sbom_info *info, diag *d, lock_file_fn *on_file,
              void *arg, airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, SBOM_MAX_SIZE, &data, &len, err) != 0)
        return -1;
    if (on_file != NULL)
        on_file(arg, path, data, len);
    int rc = sbom_parse(data, len, path, out, info, d, err);
    free(data);
    return rc;
}
