/* staff_reauth: the TOTP re-entry (step-up) of the staff console. /staff/reauth?next=PATH asks
 * for the current TOTP code (or a recovery code), checked as at login (core/staff.c
 * staff_second_factor: each step once per staff member, so the login's code does not serve
 * again) under the login's throttles, records the time in the staff session and returns to
 * next, a local /staff path only. staff_step_up is the one check handlers call before a
 * change that needs a fresh code: the administrator's changes now; exports and bulk
 * decisions later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/staff_admin.h"
#include "core/throttle.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/enc.h"
#include "util/log.h"

#define NEXT_MAX 1024 /* a bulk decision's selection of an inbox page fits (staff_bulk.c) */

/* next as given when it is a local path under /staff, else "/staff" (no open redirect). */
static void next_path(const char *in, char *out, size_t outlen)
{
	return_path(in ? in : "", out, outlen);
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p > 0x7e || *p == ' ')
			out[0] = '\0'; /* printable ASCII only: it goes into a Location header */
	if (strcmp(out, "/staff") != 0 && strncmp(out, "/staff/", 7) != 0 &&
	    strncmp(out, "/staff?", 7) != 0)
		snprintf(out, outlen, "/staff");
}

int staff_step_up(req *r, const req_session *ss, const char *next)
{
	char loc[NEXT_MAX * 3 + 32], enc[NEXT_MAX * 3 + 1];
	int k = staff_step_up_fresh(r->w->store, ss->id_hash, (long long)time(NULL),
	                            r->a->cfg.staff_step_up_minutes * 60);
	if (k > 0)
		return 1;
	if (k < 0) {
		log_error("staff step-up: %s", store_errmsg(r->w->store));
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return 0;
	}
	if (url_encode(next, "/", enc, sizeof(enc)) < 0)
		snprintf(enc, sizeof(enc), "/staff");
	snprintf(loc, sizeof(loc), "/staff/reauth?next=%s", enc);
	resp_redirect(r, loc);
	return 0;
}

static void render_reauth(req *r, const store_staff *st, const req_session *ss, const char *next,
                          const char *msg, int status)
{
	json_t *ctx = staff_ctx(r, "確認コードの再入力", st, ss->csrf);
	json_t *fields = json_object();
	json_object_set_new(fields, "code",
	                    acct_field("code", "確認コード", "text", "", NULL, "one-time-code",
	                               MSG_STAFF_CODE_HINT));
	json_object_set_new(ctx, "fields", fields);
	json_object_set_new(ctx, "next", json_string(next));
	json_object_set_new(ctx, "lead", json_string(MSG_STAFF_REAUTH_LEAD));
	acct_set_error(ctx, "code", msg);
	resp_page(r, status, "staff_reauth", ctx);
}

void page_staff_reauth(req *r)
{
	req_session ss;
	store_staff st;
	char next[NEXT_MAX];
	if (!staff_page_gate(r, &ss, &st))
		return;
	next_path(form_get(&r->query, "next"), next, sizeof(next));
	render_reauth(r, &st, &ss, next, NULL, 200);
}

typedef struct reauth_job {
	req_session sess;
	store_staff st;
	char code[64];
	char next[NEXT_MAX];
	char peer[64];
	enum login_result res;
	long long wait_until;
} reauth_job;

static int check_code(store *s, void *arg)
{
	reauth_job *j = arg;
	return staff_second_factor(s, &j->st, j->code, (long long)time(NULL));
}

/* On the pool: the code under the staff login's throttles, then its time in the session. */
static void reauth_work(store *s, const app *a, void *arg)
{
	reauth_job *j = arg;
	char key[STORE_THROTTLE_KEY_MAX + 1];
	long long now = (long long)time(NULL);
	login_rules rules = login_rules_of(a);
	throttle_email_key(key, sizeof(key), "staff-login", j->st.email);
	j->res = login_guarded(s, &rules, key, j->peer, now, &j->wait_until, check_code, j);
	if (j->res == LOGIN_OK && store_staff_step_up_set(s, j->sess.id_hash, now) != STORE_OK) {
		log_error("staff reauth: %s", store_errmsg(s));
		j->res = LOGIN_UNAVAILABLE;
	}
	if (j->res == LOGIN_BAD || j->res == LOGIN_LOCKED) /* logged, not refused */
		(void)staff_audit(s, j->st.id, NULL, AUDIT_STAFF_LOGIN_FAILED,
		                  j->res == LOGIN_BAD ? "reauth: wrong or used code"
		                                      : "reauth: throttled",
		                  j->peer, now);
}

/* The answer to a re-entry: back to next, or the form again with why. */
static void reauth_answer(req *r, reauth_job *j)
{
	char msg[400];
	if (j->res == LOGIN_OK) {
		resp_redirect(r, j->next);
	} else if (j->res == LOGIN_LOCKED) {
		locked_message(r->a, j->wait_until, msg, sizeof(msg));
		render_reauth(r, &j->st, &j->sess, j->next, msg, 429);
	} else if (j->res == LOGIN_BAD) {
		render_reauth(r, &j->st, &j->sess, j->next, MSG_STAFF_REAUTH_WRONG, 200);
	} else {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	}
}

static void reauth_done(req *r, void *arg)
{
	reauth_job *j = arg;
	if (r->ev)
		reauth_answer(r, j);
	explicit_bzero(j->code, sizeof(j->code));
	free(j);
}

void page_staff_reauth_post(req *r)
{
	form f;
	reauth_job *j = NULL;
	if (req_body_form(r, &f) < 0)
		return;
	req_session ss;
	store_staff st;
	int k = staff_current(r, &ss, &st);
	const char *code = form_get(&f, "code");
	if (k == 0 || (k > 0 && !staff_csrf_ok(&ss, &f)))
		acct_forbidden(r);
	else if (k < 0 || !(j = calloc(1, sizeof(*j))))
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	if (j) {
		j->sess = ss;
		j->st = st;
		next_path(form_get(&f, "next"), j->next, sizeof(j->next));
		snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
		if (!code || !*code || strlen(code) >= sizeof(j->code)) {
			render_reauth(r, &st, &ss, j->next, MSG_STAFF_REAUTH_WRONG, 200);
			free(j);
		} else {
			snprintf(j->code, sizeof(j->code), "%s", code);
			req_defer(r, reauth_work, reauth_done, j);
		}
	}
	form_release(&f);
}
