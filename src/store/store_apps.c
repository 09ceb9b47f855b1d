/* store_apps: submitted applications, their statuses and events. */
#include "store/store_impl.h"
#include "store/store_versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/application.h"

/* ---- applications ---- */

/* A from list longer than this is a mistake, not a need (there are seven statuses). */
#define FROM_MAX 16

/* The application fields the caller fills, as store.h states them. */
static int application_ok(const store_application *a)
{
	if (!store_draft_key_ok(a->draft_key) || a->account_id < 0 ||
	    !store_proc_ok(a->proc_id, a->proc_version) ||
	    !store_text_ok(a->proc_title, 1, STORE_TITLE_MAX, STORE_TEXT_LINE) ||
	    !store_hash_ok(a->digest) ||
	    !store_text_ok(a->content, 1, STORE_CONTENT_MAX, STORE_TEXT_ANY) ||
	    !store_text_ok(a->display, 1, STORE_CONTENT_MAX, STORE_TEXT_ANY))
		return 0;
	if (a->signature_len == 0 ? a->signature != NULL
	                          : !a->signature || a->signature_len > STORE_SIGNATURE_MAX)
		return 0;
	if (a->ocsp_response_len == 0 ? a->ocsp_response != NULL
	                              : !a->ocsp_response || !a->signature_len ||
	                                    a->ocsp_response_len > STORE_OCSP_RESPONSE_MAX)
		return 0;
	return !a->verification ||
	       store_text_ok(a->verification, 1, STORE_VERIFICATION_MAX, STORE_TEXT_ANY);
}

/* The draft as submit needs it: open, of a->proc_id and, with an account, owned by it.
 * Fills receipt_out with an earlier receipt. Inside the submit transaction. */
static int submit_check_draft(store *s, const store_application *a, char *receipt_out)
{
	store_draft d;
	char owner[32];
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = s->be->draft_lock(s->ctx, a->draft_key, &d)) != STORE_OK)
		goto out;
	if (d.receipt[0]) {
		if (receipt_out)
			snprintf(receipt_out, STORE_RECEIPT_MAX + 1, "%s", d.receipt);
		rc = STORE_ECONFLICT;
		goto out;
	}
	store_account_owner(a->account_id, owner, sizeof(owner));
	if (strcmp(d.proc_id, a->proc_id) != 0 ||
	    (a->account_id > 0 && strcmp(d.owner, owner) != 0))
		rc = STORE_EINPUT;
out:
	store_draft_release(&d);
	return rc;
}

int store_application_submit(store *s, store_application *a, long long now, char *receipt_out)
{
	store_application app;
	long long n = 0;
	int rc, own = 0, versioned = 0, year = app_receipt_year(now);

	if (receipt_out)
		receipt_out[0] = '\0';
	if (!STORE_READY(s) || !a || year == 0 || !application_ok(a))
		return STORE_EINPUT;

	/* Work on a copy, so that *a changes only on success. */
	app = *a;
	snprintf(app.status, sizeof(app.status), "%s", "sent");
	app.submitted_at = app.updated_at = now;

	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = submit_check_draft(s, &app, receipt_out)) != STORE_OK)
		goto out;
	/* a correction of a returned application: its next version, no new receipt */
	if ((rc = store_resubmit_record(s, &app, now, &versioned)) != STORE_OK || versioned)
		goto out;
	if ((rc = s->be->receipt_next(s->ctx, year, &n)) != STORE_OK)
		goto out;
	if (n <= 0) {
		rc = STORE_ESQL;
		goto out;
	}
	if (app_receipt_format(year, n, app.receipt, sizeof(app.receipt)) != 0) {
		rc = STORE_ESQL;
		goto out;
	}
	if ((rc = s->be->application_insert(s->ctx, &app)) != STORE_OK)
		goto out;
	if ((rc = s->be->application_event_add(s->ctx, app.receipt, app.status, NULL, now)) !=
	    STORE_OK)
		goto out;
	rc = s->be->draft_set_receipt(s->ctx, app.draft_key, app.receipt);
out:
	if ((rc = store_tx_end(s, own, rc)) != STORE_OK)
		return rc;
	memcpy(a->receipt, app.receipt, sizeof(a->receipt));
	memcpy(a->status, app.status, sizeof(a->status));
	a->submitted_at = app.submitted_at;
	a->updated_at = app.updated_at;
	if (receipt_out)
		memcpy(receipt_out, app.receipt, STORE_RECEIPT_MAX + 1);
	return STORE_OK;
}

int store_application_get(store *s, const char *receipt, store_application *out)
{
	int rc = store_get_check(s, app_receipt_valid(receipt), out, sizeof(*out));

	return rc != STORE_OK ? rc : s->be->application_get(s->ctx, receipt, out);
}

void store_application_release(store_application *a)
{
	if (!a)
		return;
	store_free_record(&a->content, &a->display, &a->signature, &a->verification,
	                  &a->signature_len);
	free(a->ocsp_response);
	a->ocsp_response = NULL;
	a->ocsp_response_len = 0;
}

int store_applications_for_account(store *s, long long account_id, store_application *out,
                                   size_t max, size_t *n)
{
	STORE_LIST_BY(s, account_id > 0, out, max, n, applications_for_account, account_id);
}

/* The change of both set_status calls: last_event 0 checks no event, event_id may be NULL. */
static int set_status_checked(store *s, const char *receipt, long long last_event,
                              const char *const *from, const char *to, const char *note,
                              long long now, long long *event_id)
{
	char cur[STORE_STATUS_MAX + 1];
	long long last = 0;
	size_t i;
	int rc, own = 0, allowed;

	if (!STORE_READY(s) || !app_receipt_valid(receipt) || !app_status_valid(to) ||
	    last_event < 0 || (note && !store_text_ok(note, 0, STORE_NOTE_MAX, STORE_TEXT_ANY)))
		return STORE_EINPUT;
	for (i = 0; from && from[i]; i++)
		if (i >= FROM_MAX || !app_status_valid(from[i]))
			return STORE_EINPUT;

	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->application_lock(s->ctx, receipt, cur)) != STORE_OK)
		goto out;
	if (last_event && (rc = s->be->application_last_event(s->ctx, receipt, &last)) != STORE_OK)
		goto out;
	allowed = !from && last == last_event;
	for (i = 0; from && from[i] && !allowed; i++)
		allowed = strcmp(cur, from[i]) == 0 && last == last_event;
	if (!allowed) {
		rc = STORE_ECONFLICT;
		goto out;
	}
	if ((rc = s->be->application_set_status(s->ctx, receipt, to, now)) == STORE_OK)
		rc = s->be->application_event_add(s->ctx, receipt, to, note, now);
	if (rc == STORE_OK && event_id)
		rc = s->be->application_last_event(s->ctx, receipt, event_id);
out:
	return store_tx_end(s, own, rc);
}

int store_application_set_status(store *s, const char *receipt, const char *const *from,
                                 const char *to, const char *note, long long now)
{
	return set_status_checked(s, receipt, 0, from, to, note, now, NULL);
}

int store_application_set_status_after(store *s, const char *receipt, long long last_event,
                                       const char *const *from, const char *to, const char *note,
                                       long long now, long long *event_id)
{
	if (last_event < 1)
		return STORE_EINPUT;
	return set_status_checked(s, receipt, last_event, from, to, note, now, event_id);
}

int store_application_events(store *s, const char *receipt, store_app_event *out, size_t max,
                             size_t *n)
{
	STORE_LIST_BY(s, app_receipt_valid(receipt), out, max, n, application_events, receipt);
}
