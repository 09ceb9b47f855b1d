/* staff_enrol: the enrolment of a staff member from the link `madoguchi staff add` printed
 * (/staff/enrol?token=…, 24 hours, single use): a password under the residents' rules, then
 * the TOTP secret as a QR code and as text for an authenticator app, a first code that
 * confirms it, and 10 recovery codes shown once (stored hashed). The token is only read until
 * the first code is confirmed, then used up in the same transaction as the enrolment. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/staff.h"
#include "core/totp.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"
#include "util/qr.h"

static void render_enrol_bad(req *r)
{
	json_t *ctx = staff_ctx(r, MSG_STAFF_BAD_LINK_TITLE, NULL, "");
	json_object_set_new(ctx, "heading", json_string(MSG_STAFF_BAD_LINK_TITLE));
	json_object_set_new(ctx, "paragraphs", json_pack("[s]", MSG_STAFF_ENROL_BAD_LINK));
	resp_page(r, 400, "message", ctx);
}

/* The staff member a valid, unused enrolment token names, into *st, read on the loop (two
 * indexed lookups). 1, 0 after answering the bad-link page, -1 after answering 503. */
static int enrol_staff(req *r, const char *token, store_staff *st)
{
	char hash[65];
	long long id = 0;
	if (!token_param(token)) {
		render_enrol_bad(r);
		return 0;
	}
	token_sha256_hex(token, TOKEN_LEN, hash);
	int e = store_staff_enrol_token_get(r->w->store, hash, (long long)time(NULL), &id);
	if (e == STORE_OK)
		e = store_staff_by_id(r->w->store, id, st);
	if (e == STORE_OK && !st->enrolled_at)
		return 1;
	if (e != STORE_OK && e != STORE_ENOTFOUND) {
		log_error("staff enrolment: %s", store_errmsg(r->w->store));
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return -1;
	}
	render_enrol_bad(r);
	return 0;
}

static void render_enrol_password(req *r, const char *token, const store_staff *st,
                                  const char *field, const char *err)
{
	char pre[TOKEN_LEN + 1];
	if (staff_pre_token(r, pre) < 0)
		return;
	json_t *ctx = staff_ctx(r, "職員の登録", NULL, pre);
	json_object_set_new(ctx, "token", json_string(token));
	json_object_set_new(ctx, "name", json_string(st->name));
	json_object_set_new(ctx, "email", json_string(st->email));
	json_t *fields = json_object();
	json_object_set_new(fields, "password",
	                    acct_field("password", "パスワード", "password", "", NULL,
	                               "new-password", MSG_PASSWORD_HINT));
	json_object_set_new(fields, "password2",
	                    acct_field("password2", "パスワード（確認のため、もう一度）",
	                               "password", "", NULL, "new-password", NULL));
	json_object_set_new(ctx, "fields", fields);
	acct_set_error(ctx, field, err);
	resp_page(r, err ? 400 : 200, "staff_enrol", ctx);
}

/* The page that shows the secret (QR code and text) and asks for the first code. */
static void render_enrol_totp(req *r, const char *token, const char *email, const char *secret,
                              const char *err, int status)
{
	char pre[TOKEN_LEN + 1], uri[600], issuer[300];
	if (staff_pre_token(r, pre) < 0)
		return;
	snprintf(issuer, sizeof(issuer), "%s %s", r->a->cfg.city_name, r->a->cfg.site_name);
	if (totp_uri(issuer, email, secret, uri, sizeof(uri)) < 0) {
		resp_error(r, 500, "ただいま表示できません", MSG_TRY_LATER);
		return;
	}
	json_t *ctx = staff_ctx(r, "認証アプリの登録", NULL, pre);
	json_object_set_new(ctx, "token", json_string(token));
	json_object_set_new(ctx, "uri", json_string(uri));
	json_object_set_new(ctx, "secret", json_string(secret));
	buf svg;
	buf_init(&svg, 256 << 10);
	if (qr_svg(uri, MSG_STAFF_QR_LABEL, 240, &svg) == QR_OK)
		json_object_set_new(ctx, "qr_svg", json_stringn(svg.data, svg.len));
	buf_release(&svg);
	json_object_set_new(ctx, "fields",
	                    json_pack("{s:o}", "code",
	                              acct_field("code", "確認コード", "text", "", NULL,
	                                         "one-time-code", MSG_STAFF_ENROL_CODE_HINT)));
	acct_set_error(ctx, "code", err);
	resp_page(r, status, "staff_enrol_totp", ctx);
}

void page_staff_enrol(req *r)
{
	const char *token = form_get(&r->query, "token");
	store_staff st;
	if (enrol_staff(r, token, &st) == 1)
		render_enrol_password(r, token, &st, NULL, NULL);
}

/* The staff member of the job's token, read again on the pool: 0, or -1 with j->msg. */
static int job_staff(store *s, job *j, store_staff *st)
{
	char hash[65];
	long long id = 0;
	token_sha256_hex(j->token, TOKEN_LEN, hash);
	int e = store_staff_enrol_token_get(s, hash, (long long)time(NULL), &id);
	if (e == STORE_OK)
		e = store_staff_by_id(s, id, st);
	if (e == STORE_OK && !st->enrolled_at)
		return 0;
	if (e != STORE_OK && e != STORE_ENOTFOUND)
		log_error("staff enrolment: %s", store_errmsg(s));
	j->msg = e == STORE_OK || e == STORE_ENOTFOUND ? MSG_STAFF_ENROL_BAD_LINK : MSG_TRY_LATER;
	return -1;
}

static void work_enrol_password(store *s, const app *a, job *j)
{
	store_staff st;
	char hash[STORE_HASH_MAX + 1];
	pw_params pp = params_of(a);
	if (job_staff(s, j, &st) < 0)
		return;
	if (password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0 ||
	    totp_secret_new(j->totp_secret, sizeof(j->totp_secret)) < 0 ||
	    store_staff_set_credentials(s, st.id, hash, j->totp_secret) != STORE_OK) {
		log_error("staff enrolment: credentials not stored: %s", store_errmsg(s));
		j->msg = MSG_TRY_LATER;
		return;
	}
	snprintf(j->account_email, sizeof(j->account_email), "%s", st.email);
	j->ok = 1;
}

static void done_enrol_step(req *r, job *j)
{
	char msg[400];
	if (j->msg == MSG_STAFF_ENROL_BAD_LINK)
		render_enrol_bad(r);
	else if (j->msg == ACCT_THROTTLED) {
		locked_message(r->a, j->wait_until, msg, sizeof(msg));
		render_enrol_totp(r, j->token, j->account_email, j->totp_secret, msg, 429);
	} else if (!j->ok && j->msg != MSG_STAFF_CODE_WRONG)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (!j->ok)
		render_enrol_totp(r, j->token, j->account_email, j->totp_secret, j->msg, 400);
	else if (j->recovery[0][0]) {
		json_t *ctx = staff_ctx(r, "職員の登録が完了しました", NULL, "");
		json_t *codes = json_array();
		for (size_t i = 0; i < STAFF_RECOVERY_CODES; i++)
			json_array_append_new(codes, json_string(j->recovery[i]));
		json_object_set_new(ctx, "codes", codes);
		json_object_set_new(ctx, "lead", json_string(MSG_STAFF_RECOVERY_LEAD));
		resp_page(r, 200, "staff_enrol_done", ctx);
	} else
		render_enrol_totp(r, j->token, j->account_email, j->totp_secret, NULL, 200);
}

void page_staff_enrol_post(req *r)
{
	form f;
	store_staff st;
	const char *msg = NULL;
	if (staff_pre_post(r, &f) < 0)
		return;
	const char *token = form_get(&f, "token"), *pw = form_get(&f, "password");
	const char *pw2 = form_get(&f, "password2");
	int k = enrol_staff(r, token, &st);
	if (k == 1 &&
	    account_check_password(pw ? pw : "", acct_value_len(&f, "password"), &msg) < 0)
		render_enrol_password(r, token, &st, "password", msg);
	else if (k == 1 && (!pw2 || strcmp(pw, pw2) != 0))
		render_enrol_password(r, token, &st, "password2", MSG_STAFF_PW_MISMATCH);
	else if (k == 1) {
		job *j = acct_job_new(r, work_enrol_password, done_enrol_step);
		if (j)
			snprintf(j->token, sizeof(j->token), "%s", token);
		defer_with_secret(r, &f, j, "password");
		return;
	}
	form_release(&f);
}

struct first_code {
	const store_staff *st;
	const char *code;
	long long now;
};

static int check_first_code(store *s, void *arg)
{
	struct first_code *c = arg;
	return strlen(c->code) == TOTP_DIGITS && c->st->totp_secret[0]
	           ? staff_second_factor(s, c->st, c->code, c->now)
	           : 0;
}

/* 1 when the first code is right (its step recorded), else 0 with j->msg: wrong codes are
 * counted and throttled as logins are, per staff member and per client address. */
static int first_code_ok(store *s, const app *a, job *j, const store_staff *st, long long now)
{
	char key[64];
	login_rules rules = login_rules_of(a);
	struct first_code c = {st, j->pw, now};
	snprintf(key, sizeof(key), "staff-enrol:%lld", st->id);
	enum login_result t =
	    login_guarded(s, &rules, key, j->peer, now, &j->wait_until, check_first_code, &c);
	if (t == LOGIN_OK)
		return 1;
	j->msg = t == LOGIN_LOCKED ? ACCT_THROTTLED
	         : t == LOGIN_BAD  ? MSG_STAFF_CODE_WRONG
	                           : MSG_TRY_LATER;
	return 0;
}

/* The first code confirms the secret; then the token is used up, the staff member enrolled
 * and the recovery codes made, in one transaction. */
static void work_enrol_confirm(store *s, const app *a, job *j)
{
	store_staff st;
	char hash[65];
	long long id = 0, now = (long long)time(NULL);
	if (job_staff(s, j, &st) < 0)
		return;
	snprintf(j->account_email, sizeof(j->account_email), "%s", st.email);
	snprintf(j->totp_secret, sizeof(j->totp_secret), "%s", st.totp_secret);
	if (!first_code_ok(s, a, j, &st, now))
		return;
	token_sha256_hex(j->token, TOKEN_LEN, hash);
	int e = store_begin(s);
	if (e == STORE_OK)
		e = store_staff_enrol_token_consume(s, hash, now, &id);
	if (e == STORE_OK)
		e = store_staff_set_enrolled(s, st.id, now);
	if (e == STORE_OK)
		e = staff_recovery_new(s, st.id, now, j->recovery);
	if (e == STORE_OK)
		e = store_commit(s);
	if (e != STORE_OK) {
		store_rollback(s);
		memset(j->recovery, 0, sizeof(j->recovery));
		log_error("staff enrolment: not completed: %s", store_errmsg(s));
		j->msg = e == STORE_ENOTFOUND ? MSG_STAFF_ENROL_BAD_LINK : MSG_TRY_LATER;
		return;
	}
	j->ok = 1;
}

void page_staff_enrol_confirm(req *r)
{
	form f;
	if (staff_pre_post(r, &f) < 0)
		return;
	const char *token = form_get(&f, "token");
	if (!token_param(token)) {
		form_release(&f);
		render_enrol_bad(r);
		return;
	}
	job *j = acct_job_new(r, work_enrol_confirm, done_enrol_step);
	if (j)
		snprintf(j->token, sizeof(j->token), "%s", token);
	defer_with_secret(r, &f, j, "code");
}
