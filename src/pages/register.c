/* register: 利用者登録 with an e-mail address and a password, confirmed through a mailed
 * single-use link (24 hours), and 「確認メールの再送」 of that link. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/throttle.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/log.h"

/* Registrations per client address and hour: each costs an Argon2 hash. */
#define REGISTER_PER_ADDR_HOUR 20

void render_register(req *r, const char *email, const char *email_err, const char *pw_err,
                     int status)
{
	json_t *ctx = page_base_ctx(r, "利用者登録");
	json_t *fields = json_object();
	json_object_set_new(fields, "email",
	                    acct_field("email", "メールアドレス", "email", email, email_err,
	                               "email", MSG_EMAIL_HINT));
	json_object_set_new(fields, "password",
	                    acct_field("password", "パスワード", "password", "", pw_err,
	                               "new-password", MSG_PASSWORD_HINT));
	json_object_set_new(ctx, "fields", fields);
	acct_set_error(ctx, "email", email_err);
	acct_set_error(ctx, "password", pw_err);
	resp_page(r, status, "register", ctx);
}

/* The per-client and per-mailbox limits come before the Argon2 hash, so that a flood of
 * registrations cannot occupy the pool. 1 when the registration goes on; 0 when it stops
 * (j->ok and j->msg say what to answer). */
static int register_allowed(store *s, job *j, long long now)
{
	char key[100];
	snprintf(key, sizeof(key), "register:%s", j->peer);
	int u = throttle_room(s, key, now - 3600, REGISTER_PER_ADDR_HOUR, NULL);
	if (u == 0)
		j->msg = ACCT_THROTTLED;
	if (u != 1 || store_throttle_add(s, key, now) != STORE_OK)
		return 0;
	int q = throttle_mail_quota(s, j->email, now);
	if (q != 1) {
		j->ok = q == 0; /* the mailbox's cap: the same answer, nothing sent or created */
		return 0;
	}
	return 1;
}

/* In an open transaction: the account and its confirmation link, or, for an address already
 * registered, the mail that says so (and nothing else). A store status. */
static int create_account(store *s, const app *a, job *j, const char *hash, long long now)
{
	char token[TOKEN_LEN + 1];
	long long id = 0;
	int e = store_account_create(s, j->email, hash, now, &id);
	if (e == STORE_OK)
		return new_token(s, "verify", id, NULL, VERIFY_TTL, token) < 0
		           ? STORE_ESQL
		           : queue_mail(s, a, j->email, "利用者登録の確認", MSG_MAIL_VERIFY,
		                        "/register/confirm", token);
	if (e != STORE_ECONFLICT)
		return e;
	store_rollback(s); /* the failed insert is undone with the rest */
	if ((e = store_begin(s)) != STORE_OK)
		return e;
	return queue_mail(s, a, j->email, "利用者登録について", MSG_MAIL_EXISTS, "/password/forgot",
	                  NULL);
}

static void work_register(store *s, const app *a, job *j)
{
	char hash[STORE_HASH_MAX + 1];
	long long now = (long long)time(NULL);
	pw_params pp = params_of(a);
	if (!register_allowed(s, j, now) ||
	    password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0)
		return;
	if (store_begin(s) != STORE_OK || create_account(s, a, j, hash, now) != STORE_OK) {
		log_error("register: %s", store_errmsg(s));
		store_rollback(s);
		return;
	}
	j->ok = store_commit(s) == STORE_OK;
}

static void done_register(req *r, job *j)
{
	if (j->msg == ACCT_THROTTLED)
		render_throttled(r);
	else if (!j->ok)
		render_unavailable(r, "ただいま登録できません");
	else
		render_message(r, 200, "確認のメールを送りました", MSG_SENT_TEXT, MSG_SENT_HINT,
		               "/register/resend", "確認メールをもう一度送る");
}

void page_register(req *r)
{
	form_page(r, "register", NULL, NULL);
}

void page_register_post(req *r)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	char email[ACCOUNT_EMAIL_MAX + 1];
	const char *em = form_get(&f, "email"), *pw = form_get(&f, "password");
	const char *em_err = NULL, *pw_err = NULL;
	account_check_email(em ? em : "", em ? acct_value_len(&f, "email") : 0, email,
	                    sizeof(email), &em_err);
	account_check_password(pw ? pw : "", pw ? acct_value_len(&f, "password") : 0, &pw_err);
	if (em_err || pw_err) {
		render_register(r, typed_email(&f), em_err, pw_err, 200);
		form_release(&f);
		return;
	}
	job *j = acct_job_new(r, work_register, done_register);
	if (j)
		snprintf(j->email, sizeof(j->email), "%s", email);
	defer_with_secret(r, &f, j, "password");
}

/* ---- 確認メールの再送: answered at once, mailed afterwards (email_form_post) ---- */

static const link_mail RESEND = {.form = "resend",
                                 .kind = "verify",
                                 .ttl = VERIFY_TTL,
                                 .subject = "利用者登録の確認",
                                 .body = MSG_MAIL_VERIFY,
                                 .path = "/register/confirm",
                                 .only_unverified = 1};

void page_resend(req *r)
{
	form_page(r, "resend", NULL, NULL);
}

void page_resend_post(req *r)
{
	email_form_post(r, &RESEND);
}

/* ---- the confirmation link ---- */

static void work_confirm(store *s, const app *a, job *j)
{
	long long id = 0, now = (long long)time(NULL);
	char th[65];
	token_sha256_hex(j->token, strlen(j->token), th);
	/* one transaction: a link is not used up by a confirmation that failed */
	if (store_begin(s) != STORE_OK)
		return;
	if (store_token_consume(s, "verify", th, now, &id, NULL, 0) == STORE_OK &&
	    store_account_set_verified(s, id, now) == STORE_OK)
		j->ok = store_commit(s) == STORE_OK;
	else
		store_rollback(s);
}

static void done_confirm(req *r, job *j)
{
	if (j->ok)
		render_message(r, 200, "利用者登録が完了しました", MSG_CONFIRMED_TEXT, NULL,
		               "/login", "ログインへ");
	else
		render_message(r, 410, "このリンクは使えません", MSG_LINK_EXPIRED,
		               MSG_NOT_CONFIRMED_HINT, "/register/resend",
		               "確認メールをもう一度送る");
}

void page_confirm(req *r)
{
	link_page(r, "confirm-register");
}

void page_confirm_post(req *r)
{
	token_post(r, work_confirm, done_confirm, 0);
}
