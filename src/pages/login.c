/* login: ログイン (seed step 4) with the throttles of core/login.h, and logout. A login gives
 * a new session id (the one before it ends), so that an id known before cannot be used. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/login.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/jdate.h"
#include "util/log.h"

void render_login(req *r, const char *email, const char *ret, const char *msg, const char *notice,
                  int status)
{
	json_t *ctx = page_base_ctx(r, "ログイン");
	json_object_set_new(ctx, "is_login", json_true());
	json_object_set_new(ctx, "return", json_string(ret ? ret : ""));
	json_object_set_new(ctx, "fields", login_fields(email));
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	acct_set_error(ctx, "email", msg);
	resp_page(r, status, "login", ctx);
}

login_rules login_rules_of(const app *a)
{
	login_rules lr = {a->cfg.login_max_failures, a->cfg.login_lock_minutes * 60, params_of(a)};
	return lr;
}

static void work_login(store *s, const app *a, job *j)
{
	long long now = (long long)time(NULL);
	login_rules rules = login_rules_of(a);
	store_account acct;
	int res = login_attempt(s, &rules, j->email, j->peer, j->pw, j->pw_len, now, &acct,
	                        &j->wait_until);
	if (res != LOGIN_OK) {
		j->msg = res == LOGIN_BAD          ? MSG_GENERIC_LOGIN_ERROR
		         : res == LOGIN_UNVERIFIED ? MSG_UNVERIFIED_TEXT
		         : res == LOGIN_LOCKED     ? ACCT_THROTTLED
		                                   : MSG_LOGIN_UNAVAILABLE_TEXT;
		return;
	}
	/* the session before the login ends (a new id); left behind it is an anonymous one */
	if (j->had_session) {
		int e = store_session_delete(s, j->sess.id_hash);
		if (e != STORE_OK && e != STORE_ENOTFOUND)
			log_error("login: the old session stays: %s", store_errmsg(s));
	}
	if (session_create(s, acct.id, now, j->cookie, &j->new_sess) == 0)
		j->ok = j->new_session = 1;
	else
		j->msg = MSG_LOGIN_UNAVAILABLE_TEXT;
}

/* The message of a login that waits: the time (Japan) from which to try again, and the wait
 * in minutes. */
void locked_message(const app *a, long long wait_until, char *msg, size_t len)
{
	char hm[16];
	time_t t = (time_t)wait_until + JDATE_JST_OFFSET + 59; /* round up to the minute */
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(hm, sizeof(hm), "%H時%M分", &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(msg, len, MSG_LOCKED_FMT, hm, a->cfg.login_lock_minutes);
#pragma GCC diagnostic pop
}

static void render_locked(req *r, job *j)
{
	char msg[400];
	locked_message(r->a, j->wait_until, msg, sizeof(msg));
	render_login(r, j->email, j->ret, msg, NULL, 429);
}

static void done_login(req *r, job *j)
{
	if (j->ok)
		resp_redirect(r, j->ret[0] ? j->ret : "/account");
	else if (j->msg == ACCT_THROTTLED)
		render_locked(r, j);
	else
		render_login(r, j->email, j->ret, j->msg ? j->msg : MSG_GENERIC_LOGIN_ERROR, NULL,
		             j->msg == MSG_LOGIN_UNAVAILABLE_TEXT ? 503 : 200);
}

void page_login(req *r)
{
	char ret[512];
	return_path(form_get(&r->query, "return"), ret, sizeof(ret));
	if (r->has_session && r->sess.account_id) {
		resp_redirect(r, ret[0] ? ret : "/account");
		return;
	}
	form_page(r, "login", NULL, ret);
}

void page_login_post(req *r)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	char ret[512], email[ACCOUNT_EMAIL_MAX + 1];
	const char *msg = NULL;
	return_path(form_get(&f, "return"), ret, sizeof(ret));
	const char *em = form_get(&f, "email");
	const char *pw = form_get(&f, "password");
	if (!em ||
	    account_check_email(em, acct_value_len(&f, "email"), email, sizeof(email), &msg) < 0 ||
	    !pw || !*pw) {
		/* the same generic message: nothing tells what was wrong */
		render_login(r, typed_email(&f), ret, MSG_GENERIC_LOGIN_ERROR, NULL, 200);
		form_release(&f);
		return;
	}
	job *j = acct_job_new(r, work_login, done_login);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		snprintf(j->ret, sizeof(j->ret), "%s", ret);
	}
	defer_with_secret(r, &f, j, "password");
}

static void work_logout(store *s, const app *a, job *j)
{
	(void)logout_status(s, j, store_session_delete(s, j->sess.id_hash), "logout");
	j->clear_session = 1;
}

static void done_logout(req *r, job *j)
{
	logout_answer(r, j, "/");
}

void page_logout(req *r)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	form_release(&f);
	defer_job(r, acct_job_new(r, work_logout, done_logout));
}
