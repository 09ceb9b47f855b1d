/* store_decide: the front of what goes beside the staff's decisions: the newest event of an
 * application (a decision form's token), the internal notes and the mails a decision
 * queued. The decision itself is store_application_set_status_after (store_apps.c). */
#include "store/store_impl.h"

#include <string.h>

#include "util/utf8.h"

int store_application_last_event(store *s, const char *receipt, long long *id)
{
	if (!id)
		return STORE_EINPUT;
	*id = 0;
	if (!STORE_READY(s) || !app_receipt_valid(receipt))
		return STORE_EINPUT;
	return s->be->application_last_event(s->ctx, receipt, id);
}

int store_note_add(store *s, const char *receipt, long long staff_id, const char *body,
                   long long now, long long *id)
{
	size_t len = body ? strnlen(body, STORE_NOTE_MAX + 1) : 0;
	if (!STORE_READY(s) || !app_receipt_valid(receipt) || staff_id < 1 || now <= 0 || len < 1 ||
	    len > STORE_NOTE_MAX || !utf8_typed_ok(body, len, 1))
		return STORE_EINPUT;
	return s->be->note_add(s->ctx, receipt, staff_id, body, now, id);
}

int store_notes(store *s, const char *receipt, store_note *out, size_t max, size_t *n)
{
	STORE_LIST_BY(s, app_receipt_valid(receipt), out, max, n, notes, receipt);
}

int store_application_mail_add(store *s, const char *receipt, long long outbox_id, long long now)
{
	if (!STORE_READY(s) || !app_receipt_valid(receipt) || outbox_id < 1 || now <= 0)
		return STORE_EINPUT;
	return s->be->application_mail_add(s->ctx, receipt, outbox_id, now);
}

int store_application_mails(store *s, const char *receipt, store_app_mail *out, size_t max,
                            size_t *n)
{
	STORE_LIST_BY(s, app_receipt_valid(receipt), out, max, n, application_mails, receipt);
}
