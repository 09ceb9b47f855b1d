/* staff_login: the staff console's door: /staff/login (e-mail, password and a TOTP or
 * recovery code, checked on the worker pool by core/staff.c with the residents' throttles),
 * /staff/logout; the home page, /staff, is staff_inbox.c's. A request without a staff session
 * (a resident's session included) gets the login page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/staff.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"

json_t *staff_ctx(const req *r, const char *title, const store_staff *st, const char *csrf)
{
	const config *c = &r->a->cfg;
	json_t *ctx = json_pack("{s:s, s:s, s:s, s:b, s:s}", "city_name", c->city_name, "site_name",
	                        c->site_name, "title", title, "staff_area", 1, "csrf", csrf);
	if (st) {
		json_object_set_new(ctx, "staff_logged_in", json_true());
		json_object_set_new(ctx, "staff_name", json_string(st->name));
		json_object_set_new(ctx, "staff_is_admin", json_boolean(st->is_admin));
	}
	return ctx;
}

int staff_pre_token(req *r, char *out)
{
	if (session_pre_token(r, out) == 0)
		return 0;
	resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return -1;
}

int staff_pre_post(req *r, form *f)
{
	return post_start_with(r, f, session_pre_csrf_ok);
}

static void render_staff_login(req *r, const char *email, const char *msg, int status)
{
	char pre[TOKEN_LEN + 1];
	if (staff_pre_token(r, pre) < 0)
		return;
	json_t *ctx = staff_ctx(r, "職員ログイン", NULL, pre);
	json_t *fields = login_fields(email);
	json_object_set_new(fields, "code",
	                    acct_field("code", "確認コード", "text", "", NULL, "one-time-code",
	                               MSG_STAFF_CODE_HINT));
	json_object_set_new(ctx, "fields", fields);
	acct_set_error(ctx, "email", msg);
	resp_page(r, status, "staff_login", ctx);
}

int staff_current(req *r, req_session *ss, store_staff *st)
{
	if (!staff_session_load(r, ss))
		return 0;
	int e = store_staff_by_id(r->w->store, ss->account_id, st);
	if (e == STORE_OK)
		return 1;
	if (e != STORE_ENOTFOUND)
		log_error("staff: %s", store_errmsg(r->w->store));
	return e == STORE_ENOTFOUND ? 0 : -1;
}

int staff_post_check(req *r, const form *f, req_session *ss, store_staff *st)
{
	int k = staff_current(r, ss, st), ok = k > 0 && staff_csrf_ok(ss, f);
	if (k < 0)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (!ok)
		acct_forbidden(r);
	return ok;
}

void *staff_post_job(req *r, form *f, size_t size)
{
	staff_who *j = calloc(1, size);
	if (!j || req_body_form(r, f) < 0) {
		if (!j)
			resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		free(j);
		return NULL;
	}
	if (staff_post_check(r, f, &j->sess, &j->me))
		return j;
	form_release(f);
	free(j);
	return NULL;
}

void staff_login_page(req *r)
{
	render_staff_login(r, "", NULL, 200);
}

int staff_page_gate(req *r, req_session *ss, store_staff *st)
{
	int k = staff_current(r, ss, st);
	if (k == 0)
		staff_login_page(r);
	else if (k < 0)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return k > 0;
}

void *staff_app_job(req *r, size_t size, req_session *ss, store_staff *st)
{
	if (!staff_page_gate(r, ss, st))
		return NULL;
	if (!app_receipt_valid(r->params[0])) {
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
		return NULL;
	}
	void *j = calloc(1, size);
	if (!j)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return j;
}

void page_staff_login(req *r)
{
	req_session ss;
	if (staff_session_load(r, &ss)) {
		resp_redirect(r, "/staff");
		return;
	}
	render_staff_login(r, "", NULL, 200);
}

/* The audit row of this attempt; -1 when it could not be written. */
static int audit_login(store *s, const job *j, enum login_result res, const store_staff *st,
                       long long now)
{
	if (res == LOGIN_OK)
		return staff_audit(s, st->id, NULL, AUDIT_STAFF_LOGIN, "", j->peer, now);
	const char *why = res == LOGIN_LOCKED        ? "throttled"
	                  : res == LOGIN_UNAVAILABLE ? "store unavailable"
	                                             : "wrong password or code";
	return staff_audit(s, 0, j->email, AUDIT_STAFF_LOGIN_FAILED, why, j->peer, now);
}

static void work_staff_login(store *s, const app *a, job *j)
{
	long long now = (long long)time(NULL);
	login_rules rules = login_rules_of(a);
	store_staff st;
	enum login_result res = staff_login_attempt(s, &rules, j->email, j->peer, j->pw, j->pw_len,
	                                            j->pw2, now, &st, &j->wait_until);
	if (audit_login(s, j, res, &st, now) < 0 && res == LOGIN_OK)
		res = LOGIN_UNAVAILABLE; /* no login without its trace */
	switch (res) {
	case LOGIN_OK:
		break;
	case LOGIN_LOCKED:
		j->msg = ACCT_THROTTLED;
		return;
	case LOGIN_UNAVAILABLE:
		j->msg = MSG_LOGIN_UNAVAILABLE_TEXT;
		return;
	default:
		j->msg = MSG_STAFF_LOGIN_ERROR;
		return;
	}
	/* the staff session before this login ends: a new id at every login */
	if (j->sess.account_id) {
		int e = store_staff_session_delete(s, j->sess.id_hash);
		if (e != STORE_OK && e != STORE_ENOTFOUND)
			log_error("staff login: the old session stays: %s", store_errmsg(s));
	}
	if (staff_session_create(s, st.id, now, j->cookie, &j->new_sess) == 0)
		j->ok = 1;
	else
		j->msg = MSG_LOGIN_UNAVAILABLE_TEXT;
	/* the login's code counts as entered for the re-entry (staff_step_up) */
	if (j->ok && store_staff_step_up_set(s, j->new_sess.id_hash, now) != STORE_OK)
		log_error("staff login: the code's time not recorded: %s", store_errmsg(s));
}

static void done_staff_login(req *r, job *j)
{
	char msg[400];
	if (j->ok) {
		staff_session_set_cookie(r, j->cookie);
		resp_redirect(r, "/staff");
	} else if (j->msg == ACCT_THROTTLED) {
		locked_message(r->a, j->wait_until, msg, sizeof(msg));
		render_staff_login(r, j->email, msg, 429);
	} else {
		render_staff_login(r, j->email, j->msg,
		                   j->msg == MSG_STAFF_LOGIN_ERROR ? 200 : 503);
	}
}

void page_staff_login_post(req *r)
{
	form f;
	if (staff_pre_post(r, &f) < 0)
		return;
	char email[ACCOUNT_EMAIL_MAX + 1];
	const char *msg = NULL, *em = form_get(&f, "email"), *pw = form_get(&f, "password");
	const char *code = form_get(&f, "code");
	if (!em ||
	    account_check_email(em, acct_value_len(&f, "email"), email, sizeof(email), &msg) < 0 ||
	    !pw || !*pw || !code || !*code) {
		/* one message for every mistake: nothing tells which part was wrong */
		render_staff_login(r, typed_email(&f), MSG_STAFF_LOGIN_ERROR, 200);
		form_release(&f);
		return;
	}
	job *j = acct_job_new(r, work_staff_login, done_staff_login);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		/* never the resident's session: only a staff session is ended by this login
		 * (none leaves j->sess zeroed) */
		staff_session_load(r, &j->sess);
	}
	if (j && copy_secret(&j->pw2, &j->pw2_len, &f, "code") < 0) {
		acct_job_free(j);
		j = NULL;
	}
	defer_with_secret(r, &f, j, "password");
}

static void work_staff_logout(store *s, const app *a, job *j)
{
	int e = store_staff_session_delete(s, j->sess.id_hash);
	if (logout_status(s, j, e, "staff logout") == STORE_OK) /* logged, not refused */
		(void)staff_audit(s, j->sess.account_id, NULL, AUDIT_STAFF_LOGOUT, "", j->peer,
		                  (long long)time(NULL));
}

static void done_staff_logout(req *r, job *j)
{
	staff_session_set_cookie(r, NULL); /* the cookie goes either way */
	logout_answer(r, j, "/staff/login");
}

void page_staff_logout(req *r)
{
	form f;
	req_session ss;
	if (req_body_form(r, &f) < 0)
		return;
	int ok = staff_session_load(r, &ss) && staff_csrf_ok(&ss, &f);
	form_release(&f);
	if (!ok) {
		acct_forbidden(r);
		return;
	}
	job *j = acct_job_new(r, work_staff_logout, done_staff_logout);
	if (j)
		j->sess = ss;
	defer_job(r, j);
}
