/* submit: the submission transaction (see submit.h). */
#include "core/submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/application.h"
#include "core/compare.h"
#include "core/receipt.h"
#include "core/staff_alerts.h"
#include "util/log.h"
#include "util/token.h"
#include "util/utf8.h"

int submit_draft_expired(const store_draft *d, int anon_draft_hours, long long now)
{
	return !strncmp(d->owner, "s:", 2) && now - d->updated_at > anon_draft_hours * 3600LL;
}

json_t *submit_attachments_json(const store_attachment *att, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < n; i++) {
		json_t *arr = json_object_get(o, att[i].field);
		if (!arr) {
			arr = json_array();
			json_object_set_new(o, att[i].field, arr);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "filename", att[i].filename,
		                                     "sha256", att[i].sha256, "size",
		                                     (json_int_t)att[i].size));
	}
	return o;
}

int submit_record(store *s, const submit_site *site, store_application *ap, long long now,
                  char *receipt, int *mailed)
{
	store_account acct;
	char subject[300], body[4096];
	*mailed = 0;
	int rc = store_application_submit(s, ap, now, receipt);
	if (rc == STORE_OK) /* the staff's alerts of this arrival */
		rc = staff_alerts_queue(s, site, ap->proc_id, ap->proc_title, receipt, now);
	if (rc != STORE_OK || !ap->account_id)
		return rc;
	rc = store_account_by_id(s, ap->account_id, &acct);
	if (rc == STORE_ENOTFOUND) /* the account is gone: the application stands, unmailed */
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	receipt_mail(site->city_name, site->site_name, site->base_url, receipt, ap->proc_title, now,
	             subject, sizeof(subject), body, sizeof(body));
	rc = store_outbox_add(s, acct.email, subject, body, now, NULL);
	*mailed = rc == STORE_OK;
	return rc;
}

/* What a submission holds while it runs. */
typedef struct submit_state {
	store_draft d;
	store_attachment att[SUBMIT_MAX_ATTACHMENTS];
	size_t n_att;
	app_content content;
	store_sign_request sr;
	int have_sr;
	char *display;
} submit_state;

/* The person's open draft of the procedure: SUBMIT_NOTFOUND, SUBMIT_DONE (submitted
 * already: the first submission stands), SUBMIT_FAIL, or -1 when it may be submitted. */
static int load_draft(store *s, const submit_request *rq, submit_state *st, submit_result *res)
{
	int rc = store_draft_get(s, rq->key, &st->d);
	if (rc == STORE_ENOTFOUND || rc == STORE_EINPUT ||
	    (rc == STORE_OK &&
	     (strcmp(st->d.owner, rq->owner) || strcmp(st->d.proc_id, rq->p->id) ||
	      (!st->d.receipt[0] && submit_draft_expired(&st->d, rq->anon_draft_hours, rq->now)))))
		return SUBMIT_NOTFOUND;
	if (rc != STORE_OK)
		return SUBMIT_FAIL;
	if (st->d.receipt[0]) {
		snprintf(res->receipt, sizeof(res->receipt), "%s", st->d.receipt);
		return SUBMIT_DONE;
	}
	if (store_attachment_list(s, rq->key, st->att, SUBMIT_MAX_ATTACHMENTS, &st->n_att) !=
	    STORE_OK)
		return SUBMIT_FAIL;
	return -1;
}

/* The content of the draft, checked against what was confirmed and signed: an outcome, or
 * -1 when it may be recorded. */
static int check_content(store *s, const submit_request *rq, submit_state *st, submit_result *res)
{
	json_t *raw = app_raw_load(st->d.raw);
	json_t *atts = submit_attachments_json(st->att, st->n_att);
	enum app_content_result cr = atts
	                                 ? app_content_build(rq->p, raw, atts, rq->banks,
	                                                     rq->banks_ctx, res->errs, &st->content)
	                                 : APP_CONTENT_ENOMEM;
	json_decref(raw);
	json_decref(atts);
	if (cr != APP_CONTENT_OK)
		return cr == APP_CONTENT_ERRORS ? SUBMIT_FORM : SUBMIT_FAIL;
	if (!(st->display = json_dumps(st->content.lines, JSON_COMPACT)))
		return SUBMIT_FAIL;
	if (!token_equal(st->content.digest, rq->digest)) /* changed since it was confirmed */
		return SUBMIT_CHANGED;
	if (!rq->p->signature_required)
		return -1;
	int rc = store_sign_request_signed(s, rq->key, st->content.digest, &st->sr);
	if (rc == STORE_ENOTFOUND)
		return SUBMIT_UNSIGNED;
	if (rc != STORE_OK) {
		log_error("submit: %s", store_errmsg(s));
		return SUBMIT_FAIL;
	}
	st->have_sr = 1;
	return -1;
}

/* The answer of the procedure's field of a basic four role, NULL when none. */
static const char *basic4_answer(const submit_request *rq, const submit_state *st, proc_basic4 role)
{
	const proc_field *f = proc_basic4_field(rq->p, role);
	return f ? json_string_value(json_object_get(st->content.answers, f->name)) : NULL;
}

/* What the staff inbox filters by, stored with the application (migration 0011): the folded
 * name and furigana, and whether the certificate's basic four differ from the form's. */
static int record_review_keys(store *s, const submit_request *rq, submit_state *st,
                              const char *receipt)
{
	compare_basic4 cmp = {COMPARE_MISSING, COMPARE_MISSING, COMPARE_MISSING};
	json_t *report =
	    st->have_sr && st->sr.verification ? json_loads(st->sr.verification, 0, NULL) : NULL;
	json_t *b4 = json_object_get(report, "basic_four");
	if (b4)
		compare_with_card(basic4_answer(rq, st, PB_NAME),
		                  basic4_answer(rq, st, PB_BIRTH_DATE),
		                  basic4_answer(rq, st, PB_ADDRESS), b4, &cmp);
	json_decref(report);
	char *key =
	    compare_search_key(basic4_answer(rq, st, PB_NAME), basic4_answer(rq, st, PB_KANA));
	if (key && strlen(key) > STORE_SEARCH_KEY_MAX)
		key[utf8_cut(key, strlen(key), STORE_SEARCH_KEY_MAX)] = '\0';
	int rc = store_application_review_keys(s, receipt, key, compare_differs(&cmp));
	free(key);
	return rc;
}

/* Records the application of the checked content: an outcome (-1: commit). */
static int record(store *s, const submit_request *rq, submit_state *st, submit_result *res)
{
	store_application ap;
	memset(&ap, 0, sizeof(ap));
	if (st->have_sr) { /* a signature of exactly this content */
		ap.signature = st->sr.signature;
		ap.signature_len = st->sr.signature_len;
		ap.verification = st->sr.verification;
		ap.ocsp_response = st->sr.ocsp_response; /* the revocation evidence at arrival */
		ap.ocsp_response_len = st->sr.ocsp_response_len;
	}
	snprintf(ap.draft_key, sizeof(ap.draft_key), "%s", rq->key);
	ap.account_id = rq->account_id;
	snprintf(ap.proc_id, sizeof(ap.proc_id), "%s", rq->p->id);
	ap.proc_version = rq->p->version;
	snprintf(ap.proc_title, sizeof(ap.proc_title), "%s", rq->p->title);
	snprintf(ap.digest, sizeof(ap.digest), "%s", st->content.digest);
	ap.content = st->content.canonical;
	ap.display = st->display;
	int rc = submit_record(s, rq->site, &ap, rq->now, res->receipt, &res->mailed);
	if (rc == STORE_ECONFLICT && !res->receipt[0]) /* corrects one no longer returned */
		return SUBMIT_CLOSED;
	if (rc == STORE_ECONFLICT) /* submitted meanwhile: the first submission stands */
		return SUBMIT_DONE;
	if (rc == STORE_OK)
		rc = record_review_keys(s, rq, st, res->receipt);
	if (rc == STORE_OK && rq->timestamp && ap.signature_len) { /* CAdES-T, asked later */
		rc = store_timestamp_queue(s, res->receipt, ap.digest, rq->now);
		res->stamp_queued = rc == STORE_OK;
	}
	if (rc != STORE_OK) {
		log_error("submit: %s", store_errmsg(s));
		return SUBMIT_FAIL;
	}
	return -1;
}

static enum submit_outcome run(store *s, const submit_request *rq, submit_state *st,
                               submit_result *res)
{
	int o = load_draft(s, rq, st, res);
	if (o == SUBMIT_FAIL)
		log_error("submit: %s", store_errmsg(s));
	if (o < 0)
		o = check_content(s, rq, st, res);
	if (o < 0)
		o = record(s, rq, st, res);
	if (o >= 0) { /* o says what to answer; nothing was written */
		res->mailed = res->stamp_queued = 0;
		if (store_rollback(s) != STORE_OK) /* logged; nothing was committed */
			log_error("submit: rollback: %s", store_errmsg(s));
		return (enum submit_outcome)o;
	}
	if (store_commit(s) != STORE_OK) {
		log_error("submit: commit: %s", store_errmsg(s));
		res->mailed = res->stamp_queued = 0;
		return SUBMIT_FAIL;
	}
	log_info("application %s submitted (%s)", res->receipt, rq->p->id);
	return SUBMIT_DONE;
}

enum submit_outcome submit_application(store *s, const submit_request *rq, submit_result *res)
{
	submit_state *st = calloc(1, sizeof(*st));
	memset(res, 0, sizeof(*res));
	res->out = SUBMIT_FAIL;
	/* Everything is read inside the (BEGIN IMMEDIATE) transaction: a save or a file removal
	 * from another tab cannot slip in between the checks and the commit, and leave an
	 * application whose attachment is gone. */
	if (!st || !(res->errs = json_array()) || store_begin(s) != STORE_OK) {
		free(st);
		return res->out;
	}
	res->out = run(s, rq, st, res);
	if (st->have_sr)
		store_sign_request_release(&st->sr);
	store_draft_release(&st->d);
	app_content_release(&st->content);
	free(st->display);
	free(st);
	return res->out;
}

void submit_lost(submit_result *res)
{
	res->out = SUBMIT_FAIL;
	res->receipt[0] = '\0';
	res->mailed = res->stamp_queued = 0;
	json_decref(res->errs);
	res->errs = NULL;
}
