/* confirm: the confirmation page of an application (seed step 7) with a change link per
 * answer and the e-signature block, the poll of the signature's state, 「申請する」 with its
 * 「申請します。よろしいですか？」 step (seed steps 14-15), the submission (core/submit.c, on
 * the worker pool) and the completion page (seed step 16). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/refdata.h"
#include "core/submit.h"
#include "http/defer.h"
#include "http/hold.h"
#include "http/session.h"
#include "http/stamps.h"
#include "pages/apply_common.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/sign.h"
#include "store/store.h"
#include "util/jdate.h"
#include "util/log.h"

/* What the confirmation page shows: the person's open draft and its content. */
typedef struct confirm_view {
	store_draft d;
	app_content content;
} confirm_view;

/* Loads the open draft and builds its content; answers (a redirect to the form, or busy)
 * and returns -1 when there is nothing to confirm. */
static int confirm_load(req *r, const procedure *p, confirm_view *v)
{
	char owner[STORE_OWNER_MAX + 1];
	store_attachment att[APPLY_MAX_ATT];
	size_t natt = 0;
	memset(v, 0, sizeof(*v));
	int rc = apply_owner_of(r, owner, sizeof(owner)) < 0 ? STORE_ENOTFOUND
	                                                     : apply_draft_open(r, owner, p, &v->d);
	if (rc == STORE_ENOTFOUND) {
		resp_redirectf(r, "/procedures/%s/form", p->id);
		return -1;
	}
	int have_draft = rc == STORE_OK;
	if (have_draft)
		rc = store_attachment_list(r->w->store, v->d.key, att, APPLY_MAX_ATT, &natt);
	json_t *raw = rc == STORE_OK ? app_raw_load(v->d.raw) : NULL, *errs = json_array();
	json_t *atts = rc == STORE_OK ? submit_attachments_json(att, natt) : NULL;
	enum app_content_result cr = rc != STORE_OK || !atts || !errs
	                                 ? APP_CONTENT_ENOMEM
	                                 : app_content_build(p, raw, atts, refdata_bank_lookup,
	                                                     r->a->refdata, errs, &v->content);
	json_decref(raw);
	json_decref(atts);
	json_decref(errs);
	if (cr == APP_CONTENT_OK)
		return 0;
	if (cr == APP_CONTENT_ERRORS)
		resp_redirectf(r, "/procedures/%s/form?check=1", p->id);
	else
		apply_render_busy(r, NULL);
	if (have_draft)
		store_draft_release(&v->d);
	return -1;
}

/* A link back to the form at each answer typed in; computed ones are marked. */
static void add_change_links(const procedure *p, json_t *lines)
{
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		const proc_field *f =
		    proc_find_field(p, json_string_value(json_object_get(l, "name")));
		char anchor[200];
		if (!f || f->type == FT_COMPUTED) {
			json_object_set_new(l, "computed", json_true());
			continue;
		}
		snprintf(anchor, sizeof(anchor), "/procedures/%s/form#%s%s", p->id, f->name,
		         f->type == FT_DATE   ? ".year"
		         : f->type == FT_BANK ? ".bank"
		                              : "");
		json_object_set_new(l, "change", json_string(anchor));
	}
}

/* Whether a signature of this content arrived (*signed_ok), or only of another content of
 * the draft (*changed). -1 when the store fails. */
static int signature_state(req *r, const char *key, const char *digest, int *signed_ok,
                           int *changed)
{
	store_sign_request sr;
	*signed_ok = *changed = 0;
	int rc = store_sign_request_signed(r->w->store, key, digest, &sr);
	if (rc == STORE_OK) {
		*signed_ok = 1;
		store_sign_request_release(&sr);
		return 0;
	}
	if (rc != STORE_ENOTFOUND)
		return -1;
	return store_sign_request_signed_other(r->w->store, key, digest, changed) == STORE_OK ? 0
	                                                                                      : -1;
}

static json_t *confirm_ctx(req *r, const procedure *p, const confirm_view *v)
{
	char title[500]; /* its own page title, not the form's (WCAG 2.4.2) */
	snprintf(title, sizeof(title), "申請内容の確認：%s", p->title);
	json_t *ctx = page_base_ctx(r, title);
	json_object_set_new(ctx, "proc", json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
	json_object_set_new(ctx, "steps", apply_steps(1));
	json_object_set_new(ctx, "lines", json_incref(v->content.lines));
	json_object_set_new(ctx, "key", json_string(v->d.key));
	json_object_set_new(ctx, "digest", json_string(v->content.digest));
	json_object_set_new(ctx, "apply_js", json_true());
	return ctx;
}

/* The confirmation page (seed step 7). */
void page_apply_confirm(req *r)
{
	const procedure *p = apply_gate(r);
	confirm_view v;
	int signed_ok = 0, changed = 0;
	if (!p || confirm_load(r, p, &v) < 0)
		return;
	add_change_links(p, v.content.lines);
	if (p->signature_required &&
	    signature_state(r, v.d.key, v.content.digest, &signed_ok, &changed) < 0) {
		apply_render_busy(r, NULL);
		goto out;
	}
	json_t *ctx = confirm_ctx(r, p, &v);
	if (p->signature_required)
		json_object_set_new(ctx, "signature",
		                    json_pack("{s:b, s:b, s:b, s:b}", "signed", signed_ok,
		                              "unsigned", !signed_ok, "changed", changed,
		                              "available", r->a->trust != NULL));
	json_object_set_new(ctx, "can_submit", json_boolean(!p->signature_required || signed_ok));
	const char *notice = form_get(&r->query, "changed")    ? MSG_CHANGED
	                     : changed                         ? MSG_SIGNATURE_STALE
	                     : form_get(&r->query, "unsigned") ? MSG_SIGN_FIRST
	                                                       : NULL;
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	if (p->signature_required && !signed_ok && r->a->trust)
		sign_confirm_page(r, ctx, v.d.key, v.content.digest, p->title, v.content.canonical,
		                  v.content.lines);
	else
		resp_page(r, 200, "apply_confirm", ctx);
out:
	store_draft_release(&v.d);
	app_content_release(&v.content);
}

/* Whether a signature of digest arrived for the draft key (*signed_ok): STORE_OK or
 * STORE_ENOTFOUND, else the store's failure. One indexed lookup on the loop's store. */
static int signed_now(req *r, const char *key, const char *digest, int *signed_ok)
{
	store_sign_request sr;
	int rc = store_sign_request_signed(r->w->store, key, digest, &sr);
	*signed_ok = rc == STORE_OK;
	if (rc == STORE_OK)
		store_sign_request_release(&sr);
	return rc;
}

/* {"signed": …, "held": …}; a store failure is not "not signed": the page asks again */
static void sign_state_answer(req *r, int rc, int signed_ok, int held)
{
	if (rc != STORE_OK && rc != STORE_ENOTFOUND && rc != STORE_EINPUT)
		resp_json(r, 503, json_pack("{s:s}", "error", "unavailable"));
	else
		resp_json(r, 200, json_pack("{s:b, s:b}", "signed", signed_ok, "held", held));
}

/* The long poll (wait=1) while it is held (http/hold.h): the draft and digest it waits for.
 * sign.c wakes it (the topic is the draft key) when a signature of the draft is accepted. */
typedef struct sign_wait {
	char key[STORE_DRAFT_KEY_MAX + 1];
	char digest[65];
} sign_wait;

static int sign_wait_check(req *r, void *arg, int final)
{
	sign_wait *w = arg;
	int signed_ok = 0, rc = signed_now(r, w->key, w->digest, &signed_ok);
	if (rc == STORE_ENOTFOUND && !final)
		return 0;
	sign_state_answer(r, rc, signed_ok, 1);
	return 1;
}

/* Holds the request until the signature arrives or the hold time passes; 0 when held, -1
 * when not (holding off, a cap reached: the caller answers at once, the page polls). */
static int sign_wait_hold(req *r, const char *key, const char *digest)
{
	sign_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	snprintf(w->key, sizeof(w->key), "%s", key);
	snprintf(w->digest, sizeof(w->digest), "%s", digest);
	if (req_hold(r, w->key, sign_wait_check, free, w) == 0)
		return 0;
	free(w);
	return -1;
}

/* What the confirmation page polls while the person signs in the app: {"signed": true} once
 * a signature of the content with this digest arrived for the person's open draft. With
 * wait=1 an unsigned state is not answered at once but held (sign_wait_hold); "held" says
 * whether it was, so that the page asks again at once or after its pause. */
void page_sign_state(req *r)
{
	const procedure *p = proc_catalog_find(r->a->procs, r->params[0]);
	const char *digest = form_get(&r->query, "digest");
	char owner[STORE_OWNER_MAX + 1];
	store_draft d;
	if (!p || !digest || strlen(digest) != 64 || apply_owner_of(r, owner, sizeof(owner)) < 0) {
		resp_json(r, 404, json_pack("{s:s}", "error", "not_found"));
		return;
	}
	int rc = apply_draft_open(r, owner, p, &d), signed_ok = 0, held = -1;
	if (rc == STORE_OK) {
		rc = signed_now(r, d.key, digest, &signed_ok);
		if (rc == STORE_ENOTFOUND && form_get(&r->query, "wait"))
			held = sign_wait_hold(r, d.key, digest);
		store_draft_release(&d);
	}
	if (held != 0)
		sign_state_answer(r, rc, signed_ok, 0);
}

/* ---------- the submission ---------- */

/* A submission on the pool: what the page asked for, and what core/submit.c answered. */
typedef struct submit_job {
	const procedure *p;
	char owner[STORE_OWNER_MAX + 1];
	long long account_id;
	char key[STORE_DRAFT_KEY_MAX + 1];
	char digest[65];
	submit_result res;
} submit_job;

static void submit_work(store *s, const app *a, void *arg)
{
	submit_job *j = arg;
	submit_site site = {a->cfg.city_name, a->cfg.site_name, a->cfg.base_url};
	submit_request rq = {
	    .p = j->p,
	    .owner = j->owner,
	    .account_id = j->account_id,
	    .key = j->key,
	    .digest = j->digest,
	    .anon_draft_hours = a->cfg.anon_draft_hours,
	    .banks = refdata_bank_lookup,
	    .banks_ctx = a->refdata,
	    .site = &site,
	    .timestamp = a->cfg.tsa_url[0] != '\0',
	    .now = (long long)time(NULL),
	};
	submit_application(s, &rq, &j->res);
}

static void submit_lost_job(void *arg)
{
	submit_lost(&((submit_job *)arg)->res);
}

static void submit_done(req *r, void *arg)
{
	submit_job *j = arg;
	/* the mail is committed whether or not the client is still there */
	if (j->res.mailed && r->a->mail_kick)
		r->a->mail_kick(r->a->mail_ctx);
	if (j->res.stamp_queued) /* the time-stamp is asked off the request's path */
		stamps_kick(r->a);
	if (!r->ev) /* the client has gone */
		goto out;
	switch (j->res.out) {
	case SUBMIT_FAIL:
		apply_render_busy(r, MSG_SUBMIT_BUSY);
		break;
	case SUBMIT_FORM:
		resp_redirectf(r, "/procedures/%s/form?check=1", j->p->id);
		break;
	case SUBMIT_CHANGED:
		resp_redirectf(r, "/procedures/%s/confirm?changed=1", j->p->id);
		break;
	case SUBMIT_UNSIGNED:
		resp_redirectf(r, "/procedures/%s/confirm?unsigned=1", j->p->id);
		break;
	case SUBMIT_DONE:
		resp_redirectf(r, "/applications/%s/complete", j->res.receipt);
		break;
	case SUBMIT_NOTFOUND:
		resp_error(r, 404, "申請が見つかりません", MSG_REOPEN);
		break;
	case SUBMIT_CLOSED: /* a correction of an application no longer returned */
		resp_error(r, 409, MSG_RESUBMIT_NOT_RETURNED_TITLE, MSG_RESUBMIT_NOT_RETURNED);
		break;
	}
out:
	json_decref(j->res.errs);
	free(j);
}

/* A draft key as store.h defines it: 1..STORE_DRAFT_KEY_MAX bytes of [A-Za-z0-9_-]. */
static int key_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	return n > 0 && n <= STORE_DRAFT_KEY_MAX && s[n] == '\0';
}

/* A SHA-256 in lower-case hex. */
static int digest_ok(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* 「申請します。よろしいですか？」 on a page of its own (no JavaScript). */
static void render_ask(req *r, const procedure *p, const char *key, const char *digest)
{
	json_t *ctx = page_base_ctx(r, "申請の確認");
	json_object_set_new(ctx, "proc", json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
	json_object_set_new(ctx, "key", json_string(key));
	json_object_set_new(ctx, "digest", json_string(digest));
	json_object_set_new(ctx, "steps", apply_steps(1));
	resp_page(r, 200, "apply_submit", ctx);
}

/* 「申請する」 (seed steps 14-15): without the confirmed flag (no JavaScript) it asks
 * 「申請します。よろしいですか？」 on a page of its own; with it, it submits. */
void page_apply_submit(req *r)
{
	const procedure *p = apply_gate(r);
	form f;
	if (!p || req_body_form(r, &f) < 0)
		return;
	submit_job *j = NULL;
	const char *key = form_get(&f, "key"), *digest = form_get(&f, "digest");
	if (!csrf_ok(r, &f))
		apply_render_forbidden(r);
	else if (!key || !digest || !key_ok(key) || !digest_ok(digest))
		resp_error(r, 400, "送信された内容を読み取れませんでした", MSG_REOPEN_CONFIRM);
	else if (!form_get(&f, "confirmed"))
		render_ask(r, p, key, digest);
	else if (!(j = calloc(1, sizeof(*j))))
		apply_render_busy(r, NULL);
	else {
		j->p = p;
		apply_owner_of(r, j->owner, sizeof(j->owner));
		j->account_id = r->sess.account_id;
		snprintf(j->key, sizeof(j->key), "%s", key);
		snprintf(j->digest, sizeof(j->digest), "%s", digest);
		req_defer_write(r, submit_work, submit_lost_job, submit_done, j);
	}
	form_release(&f);
}

/* The completion page (seed step 16). */
void page_apply_complete(req *r)
{
	store_application ap;
	if (apply_load_own(r, &ap) < 0)
		return;
	const procedure *p = proc_catalog_find(r->a->procs, ap.proc_id);
	char when[128];
	jdate_format_time(ap.submitted_at, when, sizeof(when));
	json_t *ctx = page_base_ctx(r, "申請の完了");
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "when", json_string(when));
	json_object_set_new(ctx, "steps", apply_steps(2));
	json_object_set_new(ctx, "has_account", json_boolean(ap.account_id != 0));
	if (p) {
		json_object_set_new(ctx, "department", json_string(p->department));
		if (p->contact_phone)
			json_object_set_new(ctx, "phone", json_string(p->contact_phone));
		json_object_set_new(ctx, "duration", apply_str_or_empty(p->duration));
	}
	store_application_release(&ap);
	resp_page(r, 200, "apply_done", ctx);
}
