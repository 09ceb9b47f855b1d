/* store_versions: the correction of a returned application (差し戻し → 再申請): the
 * correction draft with the returned answers and files, the submission of it as the
 * application's next version, and the list of kept versions (store.h). */
#include "store/store_versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/application.h"

/* The application receipt as a correction needs it, inside a transaction: the row held
 * (application_lock), its account_id and proc_id into *ap (malloc'd parts released), and
 * whether its status lets the applicant send it again (*returned). */
static int app_of(store *s, const char *receipt, store_application *ap, int *returned)
{
	char cur[STORE_STATUS_MAX + 1];
	int rc = s->be->application_lock(s->ctx, receipt, cur);
	*returned = 0;
	if (rc != STORE_OK)
		return rc;
	if ((rc = s->be->application_get(s->ctx, receipt, ap)) != STORE_OK)
		return rc;
	store_application_release(ap);
	*returned = app_transition_allowed(cur, "sent", APP_BY_APPLICANT);
	return STORE_OK;
}

int store_resubmit_record(store *s, store_application *a, long long now, int *versioned)
{
	char target[STORE_RECEIPT_MAX + 1], note[64];
	store_application cur;
	int returned = 0, last = 0, rc = s->be->draft_resubmit_of(s->ctx, a->draft_key, target);

	*versioned = 0;
	if (rc != STORE_OK || !target[0])
		return rc;
	*versioned = 1;
	memset(&cur, 0, sizeof(cur));
	if ((rc = app_of(s, target, &cur, &returned)) != STORE_OK)
		return rc;
	if (!returned)
		return STORE_ECONFLICT;
	if (a->account_id < 1 || cur.account_id != a->account_id || strcmp(cur.proc_id, a->proc_id))
		return STORE_EINPUT;
	if ((rc = s->be->version_last(s->ctx, target, &last)) != STORE_OK)
		return rc;
	if (last == 0) { /* the first correction: version 1 is what the row holds */
		if ((rc = s->be->version_keep(s->ctx, target, 1)) != STORE_OK)
			return rc;
		last = 1;
	}
	if (app_resubmit_note(last + 1, note, sizeof(note)) != 0)
		return STORE_EINPUT;
	snprintf(a->receipt, sizeof(a->receipt), "%s", target);
	if ((rc = s->be->application_replace(s->ctx, a)) != STORE_OK ||
	    (rc = s->be->version_keep(s->ctx, target, last + 1)) != STORE_OK ||
	    (rc = s->be->application_event_add(s->ctx, target, "sent", note, now)) != STORE_OK)
		return rc;
	return s->be->draft_set_receipt(s->ctx, a->draft_key, target);
}

/* Inside a transaction: the correction draft (see store_draft_resubmit_create). */
static int resubmit_create(store *s, const char *key, const char *owner, const char *receipt,
                           int proc_version, long long now)
{
	store_application ap;
	store_draft d;
	char own[32];
	int returned = 0;
	memset(&ap, 0, sizeof(ap));
	int rc = app_of(s, receipt, &ap, &returned);
	if (rc != STORE_OK)
		return rc;
	store_account_owner(ap.account_id, own, sizeof(own));
	if (ap.account_id < 1 || strcmp(own, owner))
		return STORE_ENOTFOUND; /* another's: as absent */
	if (!returned)
		return STORE_ECONFLICT;
	memset(&d, 0, sizeof(d));
	if ((rc = s->be->draft_get(s->ctx, ap.draft_key, &d)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc; /* RESTRICT keeps it */
	rc = s->be->draft_create(s->ctx, key, owner, ap.proc_id, proc_version, d.raw, now);
	store_draft_release(&d);
	if (rc == STORE_OK)
		rc = s->be->draft_set_resubmit(s->ctx, key, receipt);
	if (rc == STORE_OK)
		rc = s->be->attachments_copy(s->ctx, ap.draft_key, key);
	return rc;
}

int store_draft_resubmit_create(store *s, const char *key, const char *owner, const char *receipt,
                                int proc_version, long long now)
{
	int rc, own = 0;
	if (!STORE_READY(s) || !store_draft_key_ok(key) || !store_owner_ok(owner) ||
	    strncmp(owner, "a:", 2) || !app_receipt_valid(receipt) || proc_version < 1 || now <= 0)
		return STORE_EINPUT;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = resubmit_create(s, key, owner, receipt, proc_version, now);
	return store_tx_end(s, own, rc);
}

int store_drafts_resubmit_cancel(store *s, const char *receipt, long long *n)
{
	STORE_COUNT_BY(s, app_receipt_valid(receipt), n, drafts_resubmit_cancel, receipt);
}

int store_draft_resubmit_of(store *s, const char *key, char *receipt)
{
	if (receipt)
		receipt[0] = '\0';
	if (!STORE_READY(s) || !store_draft_key_ok(key) || !receipt)
		return STORE_EINPUT;
	return s->be->draft_resubmit_of(s->ctx, key, receipt);
}

int store_application_versions(store *s, const char *receipt, store_app_version *out, size_t max,
                               size_t *n)
{
	size_t got = 0;
	int rc = store_list_check(s, app_receipt_valid(receipt), out, max, n);

	if (rc != STORE_OK || max == 0)
		return rc;
	rc = s->be->application_versions(s->ctx, receipt, out, max, &got);
	if (rc != STORE_OK)
		for (size_t i = 0; i < got; i++)
			store_app_version_release(&out[i]);
	return store_listed(rc, got, n);
}

void store_app_version_release(store_app_version *v)
{
	if (!v)
		return;
	free(v->display);
	free(v->verification);
	v->display = v->verification = NULL;
}
