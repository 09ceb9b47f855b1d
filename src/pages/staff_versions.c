/* staff_versions: the versions of an application that was returned for correction (差し戻し)
 * and sent again, on its staff page: each version with its number, time of arrival, the
 * answers as confirmed, whether it was signed, the verification's result and the signer's
 * basic four from its stored report (as the evidence panel reads them). The page's main
 * content stays the latest version (the application row). One indexed read, on the loop. */
#include <stdio.h>
#include <string.h>

#include "pages/messages.h"
#include "pages/staff_int.h"
#include "util/jdate.h"

/* At most this many versions are listed, the oldest first (an application returned this
 * often is not expected; past it the newest are not listed, and none is marked latest). */
#define VERSIONS_MAX 20

/* The verification's result of a stored report, in words. */
static const char *result_text(const char *report)
{
	json_t *root = report ? json_loads(report, 0, NULL) : NULL;
	const char *res = json_string_value(json_object_get(root, "result"));
	const char *text = !res                 ? MSG_STAFF_VERSION_NO_REPORT
	                   : !strcmp(res, "ok") ? MSG_STAFF_VERSION_VALID
	                                        : MSG_STAFF_VERSION_INVALID;
	json_decref(root);
	return text;
}

/* One version as the template shows it; every name the partial reads is set, so that none
 * is looked up in the page's own context. */
static json_t *version_json(const store_app_version *v, int latest)
{
	char when[128];
	store_application as_app; /* what the evidence panel reads: signature and report */
	memset(&as_app, 0, sizeof(as_app));
	as_app.signature_len = v->signature_len;
	as_app.verification = v->verification;
	jdate_format_time(v->submitted_at, when, sizeof(when));
	json_t *lines = v->display ? json_loads(v->display, 0, NULL) : NULL;
	if (!json_is_array(lines)) {
		json_decref(lines);
		lines = json_array();
	}
	json_t *o =
	    json_pack("{s:i, s:s, s:b, s:o, s:s, s:b}", "version", v->version, "when", when,
	              "latest", latest, "lines", lines, "result",
	              v->signature_len ? result_text(v->verification) : MSG_STAFF_VERSION_UNSIGNED,
	              "has_basic4", 0);
	if (o)
		staff_evidence_ctx(o, &as_app, NULL, NULL, 0, NULL);
	return o;
}

void staff_versions_ctx(req *r, json_t *ctx, const char *receipt)
{
	store_app_version v[VERSIONS_MAX];
	size_t n = 0;
	if (store_application_versions(r->w->store, receipt, v, VERSIONS_MAX, &n) != STORE_OK) {
		json_object_set_new(
		    ctx, "versions",
		    json_pack("{s:b, s:s}", "failed", 1, "text", MSG_STAFF_VERSIONS_FAILED));
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(list, version_json(&v[i], i + 1 == n && n < VERSIONS_MAX));
		store_app_version_release(&v[i]);
	}
	if (n > 1)
		json_object_set_new(
		    ctx, "versions",
		    json_pack("{s:b, s:i, s:o}", "failed", 0, "count", (int)n, "list", list));
	else
		json_decref(list);
}
