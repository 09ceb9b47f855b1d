/* resubmit: the resident's side of the return for correction (差し戻し): on my page the
 * latest message of the return stands out at the top, with 「修正して再申請する」, which opens
 * the application as a new draft (the returned answers and files) tied to its receipt. The
 * resident then goes through the usual form, confirmation, signature and 「申請する」
 * (form.c, confirm.c, sign.c); the submission (core/submit.c) gives the application its next
 * version under the same receipt (store.h, store_application_submit). The draft is made on
 * the worker pool (defer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/apply_common.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/resubmit.h"
#include "store/store.h"
#include "util/log.h"
#include "util/token.h"

/* 1 when the applicant may correct and send again an application in status. */
static int resubmittable(const char *status)
{
	return app_transition_allowed(status, "sent", APP_BY_APPLICANT);
}

void resubmit_detail_ctx(const store_application *ap, json_t *ctx)
{
	if (!resubmittable(ap->status))
		return;
	const char *label = app_status_label("returned"), *message = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(ctx, "events"), i, e) { /* the latest return's note */
		const char *st = json_string_value(json_object_get(e, "status"));
		if (st && !strcmp(st, label))
			message = json_string_value(json_object_get(e, "note"));
	}
	json_object_set_new(ctx, "returned",
	                    json_pack("{s:s, s:s, s:b}", "lead", MSG_RESUBMIT_NOTICE, "message",
	                              message ? message : "", "has_message", message && *message));
}

/* The form's notice of a correction, with the receipt. */
#define MSG_RESUBMIT_FORM                                                                          \
	"差し戻された申請（受付番号 %s）を修正しています。直すところを直してから「次へ進む」を押し、もう一度申請してください。"

int resubmit_form_notice(req *r, const char *key, char *out, size_t len)
{
	char receipt[STORE_RECEIPT_MAX + 1];
	if (store_draft_resubmit_of(r->w->store, key, receipt) != STORE_OK || !receipt[0])
		return 0;
	snprintf(out, len, MSG_RESUBMIT_FORM, receipt);
	return 1;
}

int resubmit_withdraw(store *s, const char *receipt, const char *const *from, const char *note,
                      long long now)
{
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return rc;
	rc = store_application_set_status(s, receipt, from, "withdrawn", note, now);
	if (rc == STORE_OK)
		rc = store_drafts_resubmit_cancel(s, receipt, NULL);
	if (rc == STORE_OK)
		return store_commit(s);
	if (store_rollback(s) != STORE_OK) /* logged; nothing was committed */
		log_error("withdraw: rollback: %s", store_errmsg(s));
	return rc;
}

/* The correction draft on the pool. */
enum resubmit_outcome { R_FAIL, R_FORM, R_NOTFOUND, R_NOT_RETURNED, R_OTHER_DRAFT };
typedef struct resubmit_job {
	char owner[STORE_OWNER_MAX + 1];
	char receipt[STORE_RECEIPT_MAX + 1];
	char proc_id[STORE_PROC_ID_MAX + 1];
	int proc_version;
	enum resubmit_outcome out;
} resubmit_job;

/* Inside the transaction: the owner's open draft of the procedure, when it is already the
 * correction of this application (a second click), or a new one. */
static enum resubmit_outcome open_correction(store *s, resubmit_job *j)
{
	store_draft d;
	char of[STORE_RECEIPT_MAX + 1], key[TOKEN_LEN + 1];
	int rc = store_draft_open(s, j->owner, j->proc_id, &d);
	if (rc == STORE_OK) {
		rc = store_draft_resubmit_of(s, d.key, of);
		store_draft_release(&d);
		if (rc != STORE_OK)
			return R_FAIL;
		return strcmp(of, j->receipt) ? R_OTHER_DRAFT : R_FORM;
	}
	if (rc != STORE_ENOTFOUND || token_new(key) < 0)
		return R_FAIL;
	rc = store_draft_resubmit_create(s, key, j->owner, j->receipt, j->proc_version,
	                                 (long long)time(NULL));
	return rc == STORE_OK          ? R_FORM
	       : rc == STORE_ENOTFOUND ? R_NOTFOUND
	       : rc == STORE_ECONFLICT ? R_NOT_RETURNED
	                               : R_FAIL;
}

static void resubmit_work(store *s, const app *a, void *arg)
{
	(void)a;
	resubmit_job *j = arg;
	j->out = R_FAIL;
	if (store_begin(s) != STORE_OK) {
		log_error("resubmit: %s", store_errmsg(s));
		return;
	}
	j->out = open_correction(s, j);
	if (j->out == R_FORM && store_commit(s) == STORE_OK)
		return;
	if (j->out == R_FORM || j->out == R_FAIL) {
		log_error("resubmit: %s", store_errmsg(s));
		j->out = R_FAIL;
	}
	if (store_rollback(s) != STORE_OK) /* logged; nothing was committed */
		log_error("resubmit: rollback: %s", store_errmsg(s));
}

/* The refusals of the pool's work, by outcome: nothing was written. */
static const struct refusal {
	int status;
	const char *title, *text;
} refusals[] = {
    [R_NOTFOUND] = {404, "申請が見つかりません", MSG_NOT_OWN},
    [R_NOT_RETURNED] = {409, MSG_RESUBMIT_NOT_RETURNED_TITLE, MSG_RESUBMIT_NOT_RETURNED},
    [R_OTHER_DRAFT] = {409, MSG_RESUBMIT_NOT_RETURNED_TITLE, MSG_RESUBMIT_OTHER_DRAFT},
};

static void answer(req *r, const resubmit_job *j)
{
	const struct refusal *no = &refusals[j->out < R_NOTFOUND ? R_NOTFOUND : j->out];
	if (j->out == R_FAIL)
		apply_render_busy(r, MSG_RESUBMIT_BUSY);
	else if (j->out == R_FORM)
		resp_redirectf(r, "/procedures/%s/form", j->proc_id);
	else
		resp_error(r, no->status, no->title, no->text);
}

static void resubmit_done(req *r, void *arg)
{
	if (r->ev) /* else the client has gone */
		answer(r, arg);
	free(arg);
}

/* 「修正して再申請する」: only the application's own account, only while it is returned. */
void page_mypage_resubmit_post(req *r)
{
	store_application ap;
	if (!apply_post_token(r))
		return;
	if (!(r->has_session && r->sess.account_id)) { /* no account: nothing of its own */
		resp_error(r, 404, "申請が見つかりません", MSG_NOT_OWN);
		return;
	}
	if (apply_load_own(r, &ap) < 0)
		return;
	const procedure *p = proc_catalog_find(r->a->procs, ap.proc_id);
	resubmit_job *j = p && resubmittable(ap.status) ? calloc(1, sizeof(*j)) : NULL;
	if (j) {
		apply_owner_of(r, j->owner, sizeof(j->owner)); /* "a:ID": logged in */
		snprintf(j->receipt, sizeof(j->receipt), "%s", ap.receipt);
		snprintf(j->proc_id, sizeof(j->proc_id), "%s", p->id);
		j->proc_version = p->version;
	}
	int returned = resubmittable(ap.status);
	store_application_release(&ap);
	if (!p)
		resp_error(r, 404, "手続が見つかりません", NULL);
	else if (!returned)
		resp_error(r, 409, MSG_RESUBMIT_NOT_RETURNED_TITLE, MSG_RESUBMIT_NOT_RETURNED);
	else if (!j)
		apply_render_busy(r, NULL);
	else
		req_defer(r, resubmit_work, resubmit_done, j);
}
