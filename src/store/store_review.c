/* store_review: the front of what the staff's evidence panel and the inbox's filters keep
 * per application (migration 0011): the folded search key and the differs flag written at
 * arrival, the assignee (担当), and the re-verifications (再検証), which are only appended. */
#include "store/store_impl.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(((store_app_review *)0)->assignee_name) == STORE_STAFF_NAME_MAX + 1,
               "assignee_name holds a staff name");

int store_application_review_keys(store *s, const char *receipt, const char *search_key,
                                  int differs)
{
	if (!STORE_READY(s) || !app_receipt_valid(receipt) || differs < -1 || differs > 1 ||
	    (search_key && !store_text_ok(search_key, 1, STORE_SEARCH_KEY_MAX, STORE_TEXT_ANY)))
		return STORE_EINPUT;
	return s->be->application_review_keys(s->ctx, receipt, search_key, differs);
}

int store_application_review(store *s, const char *receipt, store_app_review *out)
{
	int rc = store_get_check(s, app_receipt_valid(receipt), out, sizeof(*out));
	return rc != STORE_OK ? rc : s->be->application_review(s->ctx, receipt, out);
}

int store_application_assign(store *s, const char *receipt, long long staff_id)
{
	if (!STORE_READY(s) || !app_receipt_valid(receipt) || staff_id < 0)
		return STORE_EINPUT;
	return s->be->application_assign(s->ctx, receipt, staff_id);
}

static int result_name_ok(const char *r)
{
	return r && r[0] && strlen(r) < 32 && strspn(r, "abcdefghijklmnopqrstuvwxyz_") == strlen(r);
}

int store_reverification_add(store *s, const char *receipt, long long staff_id, long long at,
                             const char *result, const char *report)
{
	if (!STORE_READY(s) || !app_receipt_valid(receipt) || staff_id < 1 || at <= 0 ||
	    !result_name_ok(result) ||
	    !store_text_ok(report, 1, STORE_VERIFICATION_MAX, STORE_TEXT_ANY))
		return STORE_EINPUT;
	return s->be->reverification_add(s->ctx, receipt, staff_id, at, result, report);
}

int store_reverifications(store *s, const char *receipt, store_reverification *out, size_t max,
                          size_t *n)
{
	size_t got = 0;
	int rc = store_list_check(s, app_receipt_valid(receipt), out, max, n);
	if (rc != STORE_OK || max == 0)
		return rc;
	memset(out, 0, max * sizeof(*out));
	rc = s->be->reverifications(s->ctx, receipt, out, max, &got);
	return store_listed(rc, got, n);
}

void store_reverifications_release(store_reverification *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].report);
		r[i].report = NULL;
	}
}
