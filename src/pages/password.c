/* password: 「パスワードを忘れた」 (a reset link mailed, valid one hour) and the reset itself,
 * which ends the account's sessions and every other link mailed for it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/throttle.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/log.h"

/* Reset links that were not valid, per client address and hour. */
#define RESET_FAILURES_PER_ADDR_HOUR 20

void render_reset(req *r, const char *token, const char *err, int status)
{
	json_t *ctx = page_base_ctx(r, "新しいパスワードの設定");
	json_object_set_new(ctx, "token", json_string(token));
	json_t *fields = json_object();
	json_object_set_new(fields, "password",
	                    acct_field("password", "新しいパスワード", "password", "", err,
	                               "new-password", "8文字以上で入力してください。"));
	json_object_set_new(ctx, "fields", fields);
	acct_set_error(ctx, "password", err);
	resp_page(r, status, "reset", ctx);
}

static const link_mail FORGOT = {.form = "forgot",
                                 .kind = "reset",
                                 .ttl = RESET_TTL,
                                 .subject = "パスワードの再設定",
                                 .body = MSG_MAIL_RESET,
                                 .path = "/password/reset"};

void page_forgot(req *r)
{
	form_page(r, "forgot", NULL, NULL);
}

void page_forgot_post(req *r)
{
	email_form_post(r, &FORGOT);
}

/* Uses up the link: 1 with its account in *id, 0 when it is not valid (or over the client's
 * limit of invalid links: j->msg), -1 on a store error. A made-up link is counted per client
 * and costs a lookup, not an Argon2 hash. */
static int use_reset_link(store *s, job *j, long long now, long long *id)
{
	char key[100], th[65];
	snprintf(key, sizeof(key), "reset:%s", j->peer);
	int u = throttle_room(s, key, now - 3600, RESET_FAILURES_PER_ADDR_HOUR, NULL);
	if (u == 0)
		j->msg = ACCT_THROTTLED;
	if (u != 1)
		return u;
	token_sha256_hex(j->token, strlen(j->token), th);
	int rc = store_token_consume(s, "reset", th, now, id, NULL, 0);
	if (rc == STORE_OK)
		return 1;
	if (rc == STORE_ENOTFOUND && store_throttle_add(s, key, now) == STORE_OK)
		return 0;
	return -1;
}

/* In one transaction: the new password, every session and other link of the account ended;
 * a reset link proves the mailbox, so the address is confirmed too. acct gets the account. */
static int set_password(store *s, long long id, const char *hash, long long now,
                        store_account *acct)
{
	if (store_begin(s) != STORE_OK)
		return -1;
	if (store_account_set_password(s, id, hash) == STORE_OK &&
	    store_sessions_delete_for_account(s, id, NULL) == STORE_OK &&
	    store_tokens_delete(s, id, NULL) == STORE_OK &&
	    store_account_by_id(s, id, acct) == STORE_OK &&
	    (acct->verified_at || store_account_set_verified(s, id, now) == STORE_OK))
		return store_commit(s) == STORE_OK ? 0 : -1;
	store_rollback(s);
	return -1;
}

/* The link is checked (and used up) before the new password is hashed. */
static void work_reset(store *s, const app *a, job *j)
{
	char key[STORE_THROTTLE_KEY_MAX + 1], hash[STORE_HASH_MAX + 1];
	long long id = 0, now = (long long)time(NULL);
	pw_params pp = params_of(a);
	store_account acct;
	int u = use_reset_link(s, j, now, &id);
	if (u < 0)
		log_error("password reset: %s", store_errmsg(s));
	if (u != 1 || password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0)
		return;
	if (set_password(s, id, hash, now, &acct) < 0) {
		log_error("password reset: %s", store_errmsg(s));
		return;
	}
	j->ok = 1;
	/* the failed logins of the account count no more; left, they only make it wait sooner */
	throttle_email_key(key, sizeof(key), "login", acct.email);
	if (store_throttle_clear(s, key) != STORE_OK)
		log_error("password reset: login failures not cleared: %s", store_errmsg(s));
}

static void done_reset(req *r, job *j)
{
	if (j->msg == ACCT_THROTTLED)
		render_throttled(r);
	else if (j->ok)
		render_message(r, 200, "パスワードを変更しました",
		               "新しいパスワードでログインしてください。", MSG_SESSIONS_ENDED_TEXT,
		               "/login", "ログインへ");
	else
		render_message(r, 410, "このリンクは使えません", MSG_RESET_EXPIRED_TEXT, NULL,
		               "/password/forgot", "もう一度やり直す");
}

void page_reset(req *r)
{
	link_page(r, "reset");
}

void page_reset_post(req *r)
{
	token_post(r, work_reset, done_reset, 1);
}
