/* settings: アカウント (/account) for a logged-in person: change of password (every other
 * session and mailed link ends), change of e-mail address (confirmed through a link mailed to
 * the new address), deletion of the account. Each asks for the current password. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/throttle.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/enc.h"
#include "util/log.h"

static json_t *password_field(const char *name, const char *label, const char *fieldname,
                              const char *err, const char *autocomplete, const char *hint)
{
	const char *e = fieldname && !strcmp(fieldname, name) ? err : NULL;
	return acct_field(name, label, "password", "", e, autocomplete, hint);
}

static void render_account(req *r, const char *account_email, const char *notice,
                           const char *fieldname, const char *err, int status)
{
	json_t *ctx = page_base_ctx(r, "アカウント");
	json_object_set_new(ctx, "account_email", json_string(account_email));
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	json_t *fields = json_object();
	json_object_set_new(
	    fields, "current",
	    password_field("current", "今のパスワード", fieldname, err, "current-password", NULL));
	json_object_set_new(fields, "password",
	                    password_field("password", "新しいパスワード", fieldname, err,
	                                   "new-password", "8文字以上"));
	json_object_set_new(fields, "email",
	                    acct_field("email", "新しいメールアドレス", "email", "",
	                               fieldname && !strcmp(fieldname, "email") ? err : NULL,
	                               "email", NULL));
	json_object_set_new(fields, "current_e",
	                    password_field("current_e", "今のパスワード", fieldname, err,
	                                   "current-password", NULL));
	json_object_set_new(fields, "current_d",
	                    password_field("current_d", "今のパスワード", fieldname, err,
	                                   "current-password", NULL));
	json_object_set_new(ctx, "fields", fields);
	if (fieldname)
		acct_set_error(ctx, fieldname, err);
	resp_page(r, status, "account", ctx);
}

/* The account page of the session's account with an error (or none): an account gone sends
 * to the login, a store error gets the 503 page. */
static void render_own_account(req *r, const char *fieldname, const char *err)
{
	store_account acct;
	int e = store_account_by_id(r->w->store, r->sess.account_id, &acct);
	if (e == STORE_OK) {
		render_account(r, acct.email, NULL, fieldname, err, 200);
	} else if (e == STORE_ENOTFOUND) {
		resp_redirect(r, "/login");
	} else {
		log_error("account page: %s", store_errmsg(r->w->store));
		render_unavailable(r, MSG_CANNOT_PROCESS);
	}
}

/* 0 with a session of an account; otherwise -1 after sending to the login, with this page to
 * return to (none when its path does not fit). */
static int need_login(req *r)
{
	if (r->has_session && r->sess.account_id)
		return 0;
	char loc[600], enc[560];
	if (url_encode(r->path, "/", enc, sizeof(enc)) < 0)
		enc[0] = '\0';
	snprintf(loc, sizeof(loc), "/login?return=%s", enc);
	resp_redirect(r, loc);
	return -1;
}

void page_account(req *r)
{
	if (need_login(r) == 0)
		render_own_account(r, NULL, NULL);
}

/* ---- the three changes: the current password first ---- */

/* On the pool: the session's account into *acct when cur (the current password) is its own;
 * otherwise 0 with j->msg and j->field set (or neither, on a store error). */
static int current_ok(store *s, job *j, const char *cur, store_account *acct)
{
	int e = store_account_by_id(s, j->sess.account_id, acct);
	if (e != STORE_OK) {
		if (e != STORE_ENOTFOUND)
			log_error("account: %s", store_errmsg(s));
		return 0;
	}
	snprintf(j->account_email, sizeof(j->account_email), "%s", acct->email);
	if (!password_verify(acct->pw_hash, j->pw2, j->pw2_len)) {
		j->msg = MSG_WRONG_CURRENT;
		j->field = cur;
		return 0;
	}
	return 1;
}

static void work_password(store *s, const app *a, job *j)
{
	char hash[STORE_HASH_MAX + 1];
	pw_params pp = params_of(a);
	store_account acct;
	if (!current_ok(s, j, "current", &acct) ||
	    password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0 ||
	    store_begin(s) != STORE_OK)
		return;
	/* the password changed: every session ends, this one gets a new id */
	if (store_account_set_password(s, acct.id, hash) == STORE_OK &&
	    store_sessions_delete_for_account(s, acct.id, NULL) == STORE_OK &&
	    store_tokens_delete(s, acct.id, NULL) == STORE_OK &&
	    session_create(s, acct.id, (long long)time(NULL), j->cookie, &j->new_sess) == 0) {
		j->ok = store_commit(s) == STORE_OK;
		j->new_session = j->ok;
	} else {
		log_error("password change: %s", store_errmsg(s));
		store_rollback(s);
	}
}

static void work_email(store *s, const app *a, job *j)
{
	char token[TOKEN_LEN + 1];
	store_account acct;
	if (!current_ok(s, j, "current_e", &acct))
		return;
	int q = throttle_mail_quota(s, j->email, (long long)time(NULL));
	if (q != 1) {
		j->ok = q == 0; /* the cap: the same answer, no mail */
		return;
	}
	if (store_begin(s) != STORE_OK)
		return;
	if (store_tokens_delete(s, acct.id, "email") == STORE_OK &&
	    new_token(s, "email", acct.id, j->email, EMAIL_TTL, token) == 0 &&
	    queue_mail(s, a, j->email, "メールアドレス変更の確認", MSG_MAIL_EMAIL,
	               "/account/email/confirm", token) == STORE_OK) {
		j->ok = store_commit(s) == STORE_OK;
	} else {
		log_error("e-mail change: %s", store_errmsg(s));
		store_rollback(s);
	}
}

static void work_delete(store *s, const app *a, job *j)
{
	store_account acct;
	if (!current_ok(s, j, "current_d", &acct))
		return;
	j->ok = store_account_delete(s, acct.id) == STORE_OK;
	j->clear_session = j->ok;
}

/* 1 when j failed and the answer was given. */
static int done_failed(req *r, job *j)
{
	if (j->ok)
		return 0;
	if (j->msg)
		render_account(r, j->account_email, NULL, j->field, j->msg, 200);
	else
		render_unavailable(r, MSG_CANNOT_PROCESS);
	return 1;
}

static void done_password(req *r, job *j)
{
	if (!done_failed(r, j))
		render_account(r, j->account_email, MSG_PASSWORD_CHANGED, NULL, NULL, 200);
}

static void done_email(req *r, job *j)
{
	if (!done_failed(r, j))
		render_account(r, j->account_email, MSG_EMAIL_SENT, NULL, NULL, 200);
}

static void done_delete(req *r, job *j)
{
	if (!done_failed(r, j))
		render_message(r, 200, "アカウントを削除しました", "ご利用ありがとうございました。",
		               NULL, "/", "ホームへ");
}

/* The check on the loop of what was typed: the field and message of an error, or NULL. email
 * gets the new address of a change of e-mail. */
static const char *check_change(const form *f, job_work_fn *work, const char *cur, char *email,
                                size_t emlen, const char **err)
{
	if (work == work_password) {
		const char *pw = form_get(f, "password");
		if (account_check_password(pw ? pw : "", pw ? acct_value_len(f, "password") : 0,
		                           err) < 0)
			return "password";
	} else if (work == work_email) {
		const char *em = form_get(f, "email");
		if (account_check_email(em ? em : "", em ? acct_value_len(f, "email") : 0, email,
		                        emlen, err) < 0)
			return "email";
	}
	const char *cv = form_get(f, cur);
	if (!cv || !*cv) {
		*err = MSG_NO_CURRENT;
		return cur;
	}
	return NULL;
}

static void account_post(req *r, job_work_fn *work, job_done_fn *done, const char *cur)
{
	form f;
	if (!(r->has_session && r->sess.account_id)) {
		acct_forbidden(r);
		return;
	}
	if (post_start(r, &f) < 0)
		return;
	const char *err = NULL;
	char email[ACCOUNT_EMAIL_MAX + 1] = "";
	const char *fieldname = check_change(&f, work, cur, email, sizeof(email), &err);
	if (fieldname) {
		render_own_account(r, fieldname, err);
		form_release(&f);
		return;
	}
	job *j = acct_job_new(r, work, done);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		if (copy_secret(&j->pw2, &j->pw2_len, &f, cur) < 0 ||
		    (work == work_password &&
		     copy_secret(&j->pw, &j->pw_len, &f, "password") < 0)) {
			acct_job_free(j);
			j = NULL;
		}
	}
	form_release(&f);
	defer_job(r, j);
}

void page_account_password(req *r)
{
	account_post(r, work_password, done_password, "current");
}

void page_account_email(req *r)
{
	account_post(r, work_email, done_email, "current_e");
}

void page_account_delete(req *r)
{
	account_post(r, work_delete, done_delete, "current_d");
}

/* ---- the link mailed to the new address ---- */

/* In one transaction: the new address, the other sessions ended and the links sent before
 * the change (a reset, another change), which must not outlive it. */
static void work_email_confirm(store *s, const app *a, job *j)
{
	long long id = 0, now = (long long)time(NULL);
	char th[65], data[STORE_TOKEN_DATA_MAX];
	token_sha256_hex(j->token, strlen(j->token), th);
	if (store_begin(s) != STORE_OK)
		return;
	if (store_token_consume(s, "email", th, now, &id, data, sizeof(data)) != STORE_OK) {
		store_rollback(s);
		return;
	}
	int e = store_account_set_email(s, id, data);
	if (e == STORE_ECONFLICT)
		j->msg = MSG_EMAIL_TAKEN;
	if (e == STORE_OK &&
	    store_sessions_delete_for_account(s, id, j->had_session ? j->sess.id_hash : NULL) ==
	        STORE_OK &&
	    store_tokens_delete(s, id, NULL) == STORE_OK)
		j->ok = store_commit(s) == STORE_OK;
	else
		store_rollback(s);
}

static void done_email_confirm(req *r, job *j)
{
	if (j->ok)
		render_message(r, 200, "メールアドレスを変更しました",
		               "次回から、新しいメールアドレスでログインしてください。", NULL,
		               "/account", "アカウントへ");
	else
		render_message(r, j->msg ? 409 : 410, "メールアドレスを変更できませんでした",
		               j->msg ? j->msg : MSG_LINK_EXPIRED, NULL, "/account",
		               "アカウントへ");
}

void page_email_confirm(req *r)
{
	link_page(r, "confirm-email");
}

void page_email_confirm_post(req *r)
{
	token_post(r, work_email_confirm, done_email_confirm, 0);
}
