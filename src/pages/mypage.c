/* mypage: a resident's applications (マイページ) with their status, one application's
 * detail with its history, and the withdrawal (取下げ) with the page that asks first. The
 * withdrawal runs on the worker pool (defer.h). */
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
#include "util/enc.h"
#include "util/jdate.h"

/* At most this many applications on my page, and events on a detail page. */
#define MYPAGE_MAX_APPS 200
#define MYPAGE_MAX_EVENTS 50

/* Asks for login, coming back to this page after it; -1 when it did. */
static int need_login(req *r)
{
	if (r->has_session && r->sess.account_id)
		return 0;
	char enc[1001];
	/* a path too long to come back to: back to my page */
	if (url_encode(r->path, NULL, enc, sizeof(enc)) < 0)
		resp_redirect(r, "/login?return=/mypage");
	else
		resp_redirectf(r, "/login?return=%s", enc);
	return -1;
}

/* My page: the person's applications and their status. */
void page_mypage(req *r)
{
	if (need_login(r) < 0)
		return;
	store_application *list = calloc(MYPAGE_MAX_APPS, sizeof(*list));
	size_t n = 0;
	if (!list || store_applications_for_account(r->w->store, r->sess.account_id, list,
	                                            MYPAGE_MAX_APPS, &n) != STORE_OK) {
		free(list);
		apply_render_busy(r, NULL);
		return;
	}
	json_t *ctx = page_base_ctx(r, "マイページ"), *apps = json_array();
	for (size_t i = 0; i < n; i++) {
		char when[128];
		jdate_format_time(list[i].submitted_at, when, sizeof(when));
		json_array_append_new(
		    apps, json_pack("{s:s, s:s, s:s, s:s, s:s}", "receipt", list[i].receipt,
		                    "title", list[i].proc_title, "when", when, "status",
		                    app_status_label(list[i].status), "code", list[i].status));
		store_application_release(&list[i]);
	}
	free(list);
	json_object_set_new(ctx, "apps", apps);
	json_object_set_new(ctx, "has_apps", json_boolean(n > 0));
	resp_page(r, 200, "mypage", ctx);
}

/* The reason of a rejection or the message of a return, as its event's note: shown beside
 * the status, since the applicant must be told why (行政手続法 第8条). */
static void decision_text_ctx(json_t *ctx, const char *status, const store_app_event *ev,
                              size_t nev)
{
	int rejected = !strcmp(status, "rejected");
	if (!rejected && strcmp(status, "returned"))
		return;
	for (size_t i = nev; i-- > 0;)
		if (!strcmp(ev[i].status, status) && ev[i].note[0]) {
			json_object_set_new(
			    ctx, "reason_label",
			    json_string(rejected ? MSG_MYPAGE_REASON : MSG_MYPAGE_MESSAGE));
			json_object_set_new(ctx, "reason", json_string(ev[i].note));
			return;
		}
}

/* The history of an application, or NULL when the store fails; the text of its decision
 * into ctx. */
static json_t *events_of(req *r, const char *receipt, const char *status, json_t *ctx)
{
	store_app_event ev[MYPAGE_MAX_EVENTS];
	size_t nev = 0;
	char when[128];
	if (store_application_events(r->w->store, receipt, ev, MYPAGE_MAX_EVENTS, &nev) != STORE_OK)
		return NULL;
	json_t *events = json_array();
	for (size_t i = 0; i < nev; i++) {
		jdate_format_time(ev[i].at, when, sizeof(when));
		json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "when", when, "status",
		                                        app_status_label(ev[i].status), "note",
		                                        ev[i].note));
	}
	decision_text_ctx(ctx, status, ev, nev);
	return events;
}

void page_mypage_detail(req *r)
{
	store_application ap;
	if (need_login(r) < 0 || apply_load_own(r, &ap) < 0)
		return;
	json_t *ctx = page_base_ctx(r, ap.proc_title);
	json_t *events = events_of(r, ap.receipt, ap.status, ctx);
	if (!events) {
		json_decref(ctx);
		store_application_release(&ap);
		apply_render_busy(r, NULL);
		return;
	}
	char when[128];
	jdate_format_time(ap.submitted_at, when, sizeof(when));
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "when", json_string(when));
	json_object_set_new(ctx, "status", json_string(app_status_label(ap.status)));
	json_object_set_new(ctx, "can_withdraw", json_boolean(app_status_withdrawable(ap.status)));
	json_t *lines = ap.display ? json_loads(ap.display, 0, NULL) : NULL;
	json_object_set_new(ctx, "lines", lines ? lines : json_array());
	json_object_set_new(ctx, "events", events);
	resubmit_detail_ctx(&ap, ctx); /* a returned one: its message and the correction */
	if (form_get(&r->query, "withdrawn"))
		json_object_set_new(ctx, "notice", json_string("申請を取り下げました。"));
	store_application_release(&ap);
	resp_page(r, 200, "mypage_detail", ctx);
}

/* 取下げ: a page that asks first, then the POST. */
void page_mypage_withdraw(req *r)
{
	store_application ap;
	if (need_login(r) < 0 || apply_load_own(r, &ap) < 0)
		return;
	json_t *ctx = page_base_ctx(r, "申請の取下げ");
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "can_withdraw", json_boolean(app_status_withdrawable(ap.status)));
	store_application_release(&ap);
	resp_page(r, 200, "mypage_withdraw", ctx);
}

/* A withdrawal on the pool. */
enum withdraw_outcome { W_FAIL, W_DONE, W_NOTFOUND, W_CONFLICT };
typedef struct withdraw_job {
	long long account_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	enum withdraw_outcome out;
} withdraw_job;

static void withdraw_work(store *s, const app *a, void *arg)
{
	withdraw_job *j = arg;
	store_application ap;
	int rc = store_application_get(s, j->receipt, &ap);
	if (rc != STORE_OK || ap.account_id != j->account_id) {
		if (rc == STORE_OK)
			store_application_release(&ap);
		j->out = rc == STORE_OK || rc == STORE_ENOTFOUND || rc == STORE_EINPUT ? W_NOTFOUND
		                                                                       : W_FAIL;
		return;
	}
	store_application_release(&ap);
	const char *from[16];
	app_transition_sources("withdrawn", APP_BY_APPLICANT, from, 16);
	/* with the open correction of a returned one (resubmit.c) */
	rc = resubmit_withdraw(s, j->receipt, from, "申請者による取下げ", (long long)time(NULL));
	j->out = rc == STORE_OK ? W_DONE : rc == STORE_ECONFLICT ? W_CONFLICT : W_FAIL;
}

static void withdraw_done(req *r, void *arg)
{
	withdraw_job *j = arg;
	if (r->ev) { /* else the client has gone */
		switch (j->out) {
		case W_FAIL:
			apply_render_busy(r, MSG_WITHDRAW_BUSY);
			break;
		case W_DONE:
			resp_redirectf(r, "/mypage/%s?withdrawn=1", j->receipt);
			break;
		case W_NOTFOUND:
			resp_error(r, 404, "申請が見つかりません",
			           "ページを開き直して、もう一度お試しください。");
			break;
		case W_CONFLICT:
			resp_error(r, 409, "取り下げられませんでした", MSG_NOT_WITHDRAWABLE);
			break;
		}
	}
	free(j);
}

void page_mypage_withdraw_post(req *r)
{
	if (need_login(r) < 0 || !apply_post_token(r))
		return;
	if (!app_receipt_valid(r->params[0])) {
		resp_error(r, 404, "申請が見つかりません", "受付番号をお確かめください。");
		return;
	}
	withdraw_job *j = calloc(1, sizeof(*j));
	if (!j) {
		apply_render_busy(r, NULL);
		return;
	}
	j->account_id = r->sess.account_id;
	snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
	req_defer(r, withdraw_work, withdraw_done, j);
}
