/* account: 利用者登録 (registration with a mailed confirmation link), login (seed step 4)
 * with throttling, logout, password reset, change of e-mail and password, deletion, and the
 * login prompt of seed step 3. Every action that hashes a password or writes runs on the
 * worker pool (defer.h); the loop only parses, checks the CSRF token and renders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/pages.h"
#include "store/store.h"
#include "util/jdate.h"
#include "util/log.h"

#define VERIFY_TTL (24 * 3600)
#define RESET_TTL 3600
#define EMAIL_TTL (24 * 3600)
#define MAIL_PER_HOUR 5
/* Per client address and hour: registrations (each costs an Argon2 hash) and reset links
 * that were not valid. */
#define REGISTER_PER_ADDR_HOUR 20
#define RESET_FAILURES_PER_ADDR_HOUR 20

static const char GENERIC_LOGIN_ERROR[] = "メールアドレスまたはパスワードが正しくありません。";
static const char LOGIN_UNAVAILABLE[] = "ただいまログインできません。しばらくしてから、もう一度お試しください。";
static const char THROTTLED[] = "throttled";

enum action { A_LOGIN, A_REGISTER, A_RESEND, A_FORGOT, A_RESET, A_CONFIRM, A_LOGOUT, A_ANON,
	      A_PASSWORD, A_EMAIL, A_EMAIL_CONFIRM, A_DELETE };

/* One job for every account action: inputs copied from the request, results filled on the
 * pool thread, rendered by the completion on the loop. */
typedef struct job {
	enum action act;
	char email[ACCOUNT_EMAIL_MAX + 1];
	char *pw;          /* secret: zeroed and freed with the job */
	size_t pw_len;
	char *pw2;         /* the current password for changes */
	size_t pw2_len;
	char token[TOKEN_LEN + 1];
	char ret[512];
	char peer[64];
	char tmpl[32];     /* template of the anonymous-session form to render */
	req_session sess;  /* the request's session (copy) */
	int had_session;
	/* results */
	int ok;
	const char *msg;   /* message for the person (static) */
	const char *field; /* field the message belongs to */
	char cookie[TOKEN_LEN + 1];
	req_session new_sess;
	int new_session, clear_session;
	long long wait_until;
	char account_email[ACCOUNT_EMAIL_MAX + 1];
} job;

static void job_free(job *j)
{
	if (!j)
		return;
	if (j->pw) {
		explicit_bzero(j->pw, j->pw_len);
		free(j->pw);
	}
	if (j->pw2) {
		explicit_bzero(j->pw2, j->pw2_len);
		free(j->pw2);
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static job *job_new(req *r, enum action act)
{
	job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->act = act;
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	j->had_session = r->has_session;
	if (r->has_session)
		j->sess = r->sess;
	return j;
}

static int copy_secret(char **dst, size_t *dlen, const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->pairs[i].name, name) == 0) {
			*dst = malloc(f->pairs[i].value_len + 1);
			if (!*dst)
				return -1;
			memcpy(*dst, f->pairs[i].value, f->pairs[i].value_len + 1);
			*dlen = f->pairs[i].value_len;
			return 0;
		}
	*dst = calloc(1, 1);
	*dlen = 0;
	return *dst ? 0 : -1;
}

static void url_encode(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < outlen; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.~/", *p)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

/* ---------- rendering ---------- */

static json_t *field(const char *name, const char *label, const char *type, const char *value,
		     const char *error, const char *autocomplete, const char *hint)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "label", label, "type", type,
			      "value", value ? value : "");
	if (!json_object_get(f, "value")) /* invalid UTF-8 typed back: show nothing */
		json_object_set_new(f, "value", json_string(""));
	if (error)
		json_object_set_new(f, "error", json_string(error));
	if (autocomplete)
		json_object_set_new(f, "autocomplete", json_string(autocomplete));
	if (hint)
		json_object_set_new(f, "hint", json_string(hint));
	if (strcmp(type, "email") == 0)
		json_object_set_new(f, "email", json_true());
	char desc[128] = "";
	if (hint)
		snprintf(desc, sizeof(desc), "%s-hint", name);
	if (error)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s-error", *desc ? " " : "", name);
	if (*desc)
		json_object_set_new(f, "described", json_string(desc));
	return f;
}

static void set_error(json_t *ctx, const char *fieldname, const char *msg)
{
	if (!msg)
		return;
	json_t *errs = json_object_get(ctx, "errors");
	if (!errs) {
		errs = json_array();
		json_object_set_new(ctx, "errors", errs);
		json_object_set_new(ctx, "has_errors", json_true());
	}
	json_array_append_new(errs, json_pack("{s:s, s:s}", "field", fieldname, "message", msg));
}

static void render_login(req *r, const char *email, const char *ret, const char *msg,
			 const char *notice, int status)
{
	json_t *ctx = page_base_ctx(r, "ログイン");
	json_object_set_new(ctx, "is_login", json_true());
	json_object_set_new(ctx, "return", json_string(ret ? ret : ""));
	json_t *fields = json_object();
	json_object_set_new(fields, "email", field("email", "メールアドレス", "email", email, NULL, "username", NULL));
	json_object_set_new(fields, "password", field("password", "パスワード", "password", "", NULL, "current-password", NULL));
	json_object_set_new(ctx, "fields", fields);
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	set_error(ctx, "email", msg);
	resp_page(r, status, "login", ctx);
}

static void render_register(req *r, const char *email, const char *email_err, const char *pw_err,
			    int status)
{
	json_t *ctx = page_base_ctx(r, "利用者登録");
	json_t *fields = json_object();
	json_object_set_new(fields, "email", field("email", "メールアドレス", "email", email, email_err, "email",
						   "確認のメールを、このアドレスに送ります。"));
	json_object_set_new(fields, "password", field("password", "パスワード", "password", "", pw_err, "new-password",
						      "8文字以上。長い文や、ほかの所で使っていないものがおすすめです。"));
	json_object_set_new(ctx, "fields", fields);
	set_error(ctx, "email", email_err);
	set_error(ctx, "password", pw_err);
	resp_page(r, status, "register", ctx);
}

static void render_email_form(req *r, const char *kind, const char *email, const char *err, int status)
{
	int forgot = strcmp(kind, "forgot") == 0;
	json_t *ctx = page_base_ctx(r, forgot ? "パスワードの再設定" : "確認メールの再送");
	json_object_set_new(ctx, "heading", json_string(forgot ? "パスワードの再設定" : "確認メールの再送"));
	json_object_set_new(ctx, "lead", json_string(forgot
		? "登録したメールアドレスを入力してください。パスワードを設定し直すためのリンクをメールで送ります。"
		: "登録したメールアドレスを入力してください。利用者登録を完了するためのリンクを、もう一度メールで送ります。"));
	json_object_set_new(ctx, "action", json_string(forgot ? "/password/forgot" : "/register/resend"));
	json_object_set_new(ctx, "button", json_string("メールを送る"));
	json_t *fields = json_object();
	json_object_set_new(fields, "email", field("email", "メールアドレス", "email", email, err, "email", NULL));
	json_object_set_new(ctx, "fields", fields);
	set_error(ctx, "email", err);
	resp_page(r, status, "email_form", ctx);
}

static void render_reset(req *r, const char *token, const char *err, int status)
{
	json_t *ctx = page_base_ctx(r, "新しいパスワードの設定");
	json_object_set_new(ctx, "token", json_string(token));
	json_t *fields = json_object();
	json_object_set_new(fields, "password", field("password", "新しいパスワード", "password", "", err, "new-password",
						      "8文字以上で入力してください。"));
	json_object_set_new(ctx, "fields", fields);
	set_error(ctx, "password", err);
	resp_page(r, status, "reset", ctx);
}

static void render_confirm(req *r, const char *kind, const char *token)
{
	int reg = strcmp(kind, "confirm-register") == 0;
	json_t *ctx = page_base_ctx(r, reg ? "利用者登録の完了" : "メールアドレスの変更");
	json_object_set_new(ctx, "heading", json_string(reg ? "利用者登録の完了" : "メールアドレスの変更"));
	json_object_set_new(ctx, "lead", json_string(reg ? "下のボタンを押すと、利用者登録が完了します。"
							 : "下のボタンを押すと、メールアドレスの変更が完了します。"));
	json_object_set_new(ctx, "action", json_string(reg ? "/register/confirm" : "/account/email/confirm"));
	json_object_set_new(ctx, "button", json_string(reg ? "登録を完了する" : "変更を完了する"));
	json_object_set_new(ctx, "token", json_string(token));
	resp_page(r, 200, "confirm", ctx);
}

static void render_message(req *r, int status, const char *heading, const char *p1, const char *p2,
			   const char *href, const char *link_text)
{
	json_t *ctx = page_base_ctx(r, heading);
	json_object_set_new(ctx, "heading", json_string(heading));
	json_t *ps = json_array();
	if (p1)
		json_array_append_new(ps, json_string(p1));
	if (p2)
		json_array_append_new(ps, json_string(p2));
	json_object_set_new(ctx, "paragraphs", ps);
	if (href)
		json_object_set_new(ctx, "links", json_pack("[{s:s, s:s, s:b}]", "href", href, "text", link_text, "button", 1));
	resp_page(r, status, "message", ctx);
}

static void render_account(req *r, const char *account_email, const char *notice, const char *fieldname,
			   const char *err, int status)
{
	json_t *ctx = page_base_ctx(r, "アカウント");
	json_object_set_new(ctx, "account_email", json_string(account_email));
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	json_t *fields = json_object();
	const char *e = err;
	json_object_set_new(fields, "current", field("current", "今のパスワード", "password", "",
						     fieldname && !strcmp(fieldname, "current") ? e : NULL, "current-password", NULL));
	json_object_set_new(fields, "password", field("password", "新しいパスワード", "password", "",
						      fieldname && !strcmp(fieldname, "password") ? e : NULL, "new-password", "8文字以上"));
	json_object_set_new(fields, "email", field("email", "新しいメールアドレス", "email", "",
						   fieldname && !strcmp(fieldname, "email") ? e : NULL, "email", NULL));
	json_object_set_new(fields, "current_e", field("current_e", "今のパスワード", "password", "",
						       fieldname && !strcmp(fieldname, "current_e") ? e : NULL, "current-password", NULL));
	json_object_set_new(fields, "current_d", field("current_d", "今のパスワード", "password", "",
						       fieldname && !strcmp(fieldname, "current_d") ? e : NULL, "current-password", NULL));
	json_object_set_new(ctx, "fields", fields);
	if (fieldname)
		set_error(ctx, fieldname, err);
	resp_page(r, status, "account", ctx);
}

static void render_throttled(req *r)
{
	resp_error(r, 429, "申込みが多すぎます",
		   "この端末からの申込みが続いたため、しばらく受け付けられません。1時間ほどしてから、もう一度お試しください。");
}

static void render_mail_sent(req *r, enum action act)
{
	render_message(r, 200, "メールを送りました",
		       "入力したメールアドレスが登録されていれば、メールを送りました。メールに書かれたリンクを開いてください。",
		       act == A_FORGOT ? "リンクの有効期限は1時間です。" : "リンクの有効期限は24時間です。", "/login", "ログインへ");
}

static void render_forbidden(req *r)
{
	resp_error(r, 403, "この操作を受け付けられませんでした",
		   "ページの有効期限が切れた可能性があります。前のページを開き直して、もう一度お試しください。");
}

/* An empty form page by its name (the forms that need a session's CSRF token). */
static void render_form(req *r, const char *tmpl, const char *token, const char *ret)
{
	if (!strcmp(tmpl, "login"))
		render_login(r, "", ret, NULL, NULL, 200);
	else if (!strcmp(tmpl, "register"))
		render_register(r, "", NULL, NULL, 200);
	else if (!strcmp(tmpl, "forgot") || !strcmp(tmpl, "resend"))
		render_email_form(r, tmpl, "", NULL, 200);
	else if (!strcmp(tmpl, "reset"))
		render_reset(r, token, NULL, 200);
	else
		render_confirm(r, tmpl, token);
}

/* ---------- work on the pool ---------- */

static void apply_session(req *r, job *j)
{
	if (j->new_session) {
		r->has_session = 1;
		r->sess = j->new_sess;
		session_set_cookie(r, j->cookie);
	} else if (j->clear_session) {
		r->has_session = 0;
		memset(&r->sess, 0, sizeof(r->sess));
		session_set_cookie(r, NULL);
	}
}

static int queue_mail(store *s, const app *a, const char *to, const char *subject_tail,
		      const char *body_fmt, const char *path, const char *token)
{
	char subject[300], body[4096], link[1024];
	snprintf(subject, sizeof(subject), "【%s】%s", a->cfg.city_name, subject_tail);
	if (token)
		snprintf(link, sizeof(link), "%s%s?token=%s", a->cfg.base_url, path, token);
	else
		snprintf(link, sizeof(link), "%s%s", a->cfg.base_url, path);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(body, sizeof(body), body_fmt, a->cfg.city_name, a->cfg.site_name, link);
#pragma GCC diagnostic pop
	return store_outbox_add(s, to, subject, body, (long long)time(NULL), NULL);
}

static const char MAIL_VERIFY[] =
	"%s %s の利用者登録を受け付けました。\n\n"
	"次のリンクを開いて、登録を完了してください（24時間有効です）。\n%s\n\n"
	"お心当たりのない場合は、このメールを破棄してください。登録は完了しません。\n";
static const char MAIL_EXISTS[] =
	"%s %s で、このメールアドレスの利用者登録の申込みがありました。\n"
	"このメールアドレスは、すでに登録されています。\n\n"
	"パスワードを忘れた場合は、次のページから設定し直せます。\n%s\n\n"
	"お心当たりのない場合は、このメールを破棄してください。\n";
static const char MAIL_RESET[] =
	"%s %s のパスワードの再設定を受け付けました。\n\n"
	"次のリンクを開いて、新しいパスワードを設定してください（1時間有効です）。\n%s\n\n"
	"お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。\n";
static const char MAIL_EMAIL[] =
	"%s %s のメールアドレスの変更を受け付けました。\n\n"
	"次のリンクを開くと、このメールアドレスへの変更が完了します（24時間有効です）。\n%s\n\n"
	"お心当たりのない場合は、このメールを破棄してください。\n";

/* "kind:address" with the address folded as account lookups fold it (store_email_key), so
 * that the case variants of one address share one count. */
static void email_throttle_key(char *out, size_t outlen, const char *kind, const char *email)
{
	char k[ACCOUNT_EMAIL_MAX + 1];
	snprintf(k, sizeof(k), "%s", email);
	store_email_key(k, k);
	snprintf(out, outlen, "%s:%s", kind, k);
}

/* 1 when key has fewer than max entries since since, 0 when it has max, -1 when the store
 * cannot tell: callers refuse then, a throttle that cannot count must not let through. */
static int under_limit(store *s, const char *key, long long since, long long max, long long *oldest)
{
	long long n = 0;
	if (store_throttle_count(s, key, since, &n, oldest) != STORE_OK)
		return -1;
	return n < max;
}

/* Mail-sending requests are limited per address, so the portal cannot be used to flood a
 * mailbox. Returns 1 when one more may be sent (and counts it), 0 when the cap is reached,
 * -1 on a store error. */
static int mail_quota(store *s, const char *email)
{
	char key[300];
	long long now = (long long)time(NULL);
	email_throttle_key(key, sizeof(key), "mail", email);
	int u = under_limit(s, key, now - 3600, MAIL_PER_HOUR, NULL);
	if (u <= 0)
		return u;
	return store_throttle_add(s, key, now) == STORE_OK ? 1 : -1;
}

static int new_token(store *s, const char *kind, long long account, const char *data, long long ttl,
		     char *token)
{
	char hash[65];
	if (token_new(token) < 0)
		return -1;
	token_sha256_hex(token, TOKEN_LEN, hash);
	return store_token_create(s, kind, hash, account, data, (long long)time(NULL) + ttl) == STORE_OK ? 0 : -1;
}

static pw_params params_of(const app *a)
{
	pw_params p = {(unsigned)a->cfg.argon2_t_cost, (unsigned)a->cfg.argon2_m_cost_kib,
		       (unsigned)a->cfg.argon2_parallelism};
	return p;
}

/* Registration: the per-client and per-mailbox limits come before the Argon2 hash, so that
 * a flood of registrations cannot occupy the pool. */
static void work_register(store *s, const app *a, job *j, long long now)
{
	char key[100], hash[STORE_HASH_MAX + 1], token[TOKEN_LEN + 1];
	pw_params pp = params_of(a);
	long long id = 0;
	snprintf(key, sizeof(key), "register:%s", j->peer);
	int u = under_limit(s, key, now - 3600, REGISTER_PER_ADDR_HOUR, NULL);
	if (u == 0)
		j->msg = THROTTLED;
	if (u != 1 || store_throttle_add(s, key, now) != STORE_OK)
		return;
	int q = mail_quota(s, j->email);
	if (q != 1) {
		j->ok = q == 0; /* the mailbox's cap: the same answer, nothing sent or created */
		return;
	}
	if (password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0)
		return;
	store_begin(s);
	int e = store_account_create(s, j->email, hash, now, &id);
	if (e == STORE_OK) {
		if (new_token(s, "verify", id, NULL, VERIFY_TTL, token) < 0 ||
		    queue_mail(s, a, j->email, "利用者登録の確認", MAIL_VERIFY, "/register/confirm", token) != STORE_OK) {
			store_rollback(s);
			return;
		}
	} else if (e == STORE_ECONFLICT) {
		store_rollback(s);
		store_begin(s);
		queue_mail(s, a, j->email, "利用者登録について", MAIL_EXISTS, "/password/forgot", NULL);
	} else {
		store_rollback(s);
		return;
	}
	j->ok = store_commit(s) == STORE_OK;
}

/* Password reset: the link is checked (and used up) before the new password is hashed, so
 * a made-up link costs a lookup, not an Argon2 hash; made-up links are counted per client.
 * The new password ends every session and every other link of the account. */
static void work_reset(store *s, const app *a, job *j, long long now)
{
	char key[300], hash[STORE_HASH_MAX + 1], th[65], data[STORE_TOKEN_DATA_MAX];
	pw_params pp = params_of(a);
	store_account acct;
	long long id = 0;
	snprintf(key, sizeof(key), "reset:%s", j->peer);
	int u = under_limit(s, key, now - 3600, RESET_FAILURES_PER_ADDR_HOUR, NULL);
	if (u == 0)
		j->msg = THROTTLED;
	if (u != 1)
		return;
	token_sha256_hex(j->token, strlen(j->token), th);
	int rc = store_token_consume(s, "reset", th, now, &id, data, sizeof(data));
	if (rc == STORE_ENOTFOUND)
		store_throttle_add(s, key, now);
	if (rc != STORE_OK || password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0)
		return;
	store_begin(s);
	if (store_account_set_password(s, id, hash) == STORE_OK &&
	    store_sessions_delete_for_account(s, id, NULL) == STORE_OK &&
	    store_tokens_delete(s, id, NULL) == STORE_OK && store_account_by_id(s, id, &acct) == STORE_OK &&
	    /* a reset link proves the mailbox: the address is confirmed too */
	    (acct.verified_at || store_account_set_verified(s, id, now) == STORE_OK)) {
		j->ok = store_commit(s) == STORE_OK;
	} else {
		store_rollback(s);
	}
	if (j->ok) {
		email_throttle_key(key, sizeof(key), "login", acct.email);
		store_throttle_clear(s, key);
	}
}

static void work(store *s, const app *a, void *arg)
{
	job *j = arg;
	long long now = (long long)time(NULL);
	store_account acct;
	char hash[STORE_HASH_MAX + 1], token[TOKEN_LEN + 1], th[65];
	pw_params pp = params_of(a);
	j->ok = 0;
	switch (j->act) {
	case A_ANON:
		if (session_create(s, 0, now, j->cookie, &j->new_sess) == 0)
			j->ok = j->new_session = 1;
		break;
	case A_LOGIN: {
		char key_a[300], key_ip[100];
		long long oldest_a = 0, oldest_i = 0;
		long long window = a->cfg.login_lock_minutes * 60;
		email_throttle_key(key_a, sizeof(key_a), "login", j->email);
		snprintf(key_ip, sizeof(key_ip), "ip:%s", j->peer);
		int ua = under_limit(s, key_a, now - window, a->cfg.login_max_failures, &oldest_a);
		int ui = under_limit(s, key_ip, now - window, a->cfg.login_max_failures * 4, &oldest_i);
		if (ua < 0 || ui < 0) {
			j->msg = LOGIN_UNAVAILABLE;
			break;
		}
		if (!ua || !ui) {
			j->wait_until = (!ua ? oldest_a : oldest_i) + window;
			j->msg = THROTTLED;
			break;
		}
		int found = store_account_by_email(s, j->email, &acct) == STORE_OK;
		/* The same work whether the address is registered or not. */
		int good = found ? password_verify(acct.pw_hash, j->pw, j->pw_len)
				 : (password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)), 0);
		if (!good) {
			store_throttle_add(s, key_a, now);
			store_throttle_add(s, key_ip, now);
			j->msg = GENERIC_LOGIN_ERROR;
			break;
		}
		if (!acct.verified_at) {
			j->msg = "メールアドレスの確認が済んでいません。届いたメールのリンクを開いて、利用者登録を完了してください。";
			break;
		}
		store_throttle_clear(s, key_a);
		if (j->had_session)
			store_session_delete(s, j->sess.id_hash);
		if (session_create(s, acct.id, now, j->cookie, &j->new_sess) == 0)
			j->ok = j->new_session = 1;
		else
			j->msg = LOGIN_UNAVAILABLE;
		break;
	}
	case A_LOGOUT:
		store_session_delete(s, j->sess.id_hash);
		j->ok = j->clear_session = 1;
		break;
	case A_REGISTER:
		work_register(s, a, j, now);
		break;
	case A_RESEND:
	case A_FORGOT:
		j->ok = 1; /* the same answer whatever happens */
		if (store_account_by_email(s, j->email, &acct) != STORE_OK)
			break;
		if (j->act == A_RESEND && acct.verified_at)
			break;
		if (mail_quota(s, j->email) != 1)
			break;
		store_begin(s);
		store_tokens_delete(s, acct.id, j->act == A_RESEND ? "verify" : "reset");
		if (j->act == A_RESEND) {
			if (new_token(s, "verify", acct.id, NULL, VERIFY_TTL, token) == 0)
				queue_mail(s, a, acct.email, "利用者登録の確認", MAIL_VERIFY, "/register/confirm", token);
		} else if (new_token(s, "reset", acct.id, NULL, RESET_TTL, token) == 0) {
			queue_mail(s, a, acct.email, "パスワードの再設定", MAIL_RESET, "/password/reset", token);
		}
		store_commit(s);
		break;
	case A_CONFIRM: {
		long long id = 0;
		char data[STORE_TOKEN_DATA_MAX];
		token_sha256_hex(j->token, strlen(j->token), th);
		if (store_token_consume(s, "verify", th, now, &id, data, sizeof(data)) == STORE_OK &&
		    store_account_set_verified(s, id, now) == STORE_OK)
			j->ok = 1;
		break;
	}
	case A_RESET:
		work_reset(s, a, j, now);
		break;
	case A_PASSWORD:
	case A_EMAIL:
	case A_DELETE: {
		if (store_account_by_id(s, j->sess.account_id, &acct) != STORE_OK)
			break;
		snprintf(j->account_email, sizeof(j->account_email), "%s", acct.email);
		if (!password_verify(acct.pw_hash, j->pw2, j->pw2_len)) {
			j->msg = "今のパスワードが正しくありません。";
			j->field = j->act == A_PASSWORD ? "current" : j->act == A_EMAIL ? "current_e" : "current_d";
			break;
		}
		if (j->act == A_PASSWORD) {
			if (password_hash(&pp, j->pw, j->pw_len, hash, sizeof(hash)) < 0)
				break;
			store_begin(s);
			/* the password changed: every session ends, this one gets a new id */
			if (store_account_set_password(s, acct.id, hash) == STORE_OK &&
			    store_sessions_delete_for_account(s, acct.id, NULL) == STORE_OK &&
			    store_tokens_delete(s, acct.id, NULL) == STORE_OK &&
			    session_create(s, acct.id, now, j->cookie, &j->new_sess) == 0) {
				j->ok = store_commit(s) == STORE_OK;
				j->new_session = j->ok;
			} else {
				store_rollback(s);
			}
		} else if (j->act == A_EMAIL) {
			int q = mail_quota(s, j->email);
			if (q != 1) {
				j->ok = q == 0; /* the cap: the same answer, no mail */
				break;
			}
			store_begin(s);
			store_tokens_delete(s, acct.id, "email");
			if (new_token(s, "email", acct.id, j->email, EMAIL_TTL, token) == 0 &&
			    queue_mail(s, a, j->email, "メールアドレス変更の確認", MAIL_EMAIL, "/account/email/confirm", token) == STORE_OK)
				j->ok = store_commit(s) == STORE_OK;
			else
				store_rollback(s);
		} else {
			j->ok = store_account_delete(s, acct.id) == STORE_OK;
			j->clear_session = j->ok;
		}
		break;
	}
	case A_EMAIL_CONFIRM: {
		long long id = 0;
		char data[STORE_TOKEN_DATA_MAX];
		token_sha256_hex(j->token, strlen(j->token), th);
		store_begin(s);
		if (store_token_consume(s, "email", th, now, &id, data, sizeof(data)) != STORE_OK) {
			store_rollback(s);
			break;
		}
		int e = store_account_set_email(s, id, data);
		if (e == STORE_ECONFLICT) {
			store_rollback(s);
			j->msg = "このメールアドレスは、ほかのアカウントで使われています。";
			break;
		}
		/* links sent before the change (a reset, another change) must not outlive it */
		if (e == STORE_OK && store_sessions_delete_for_account(s, id, j->had_session ? j->sess.id_hash : NULL) == STORE_OK &&
		    store_tokens_delete(s, id, NULL) == STORE_OK)
			j->ok = store_commit(s) == STORE_OK;
		else
			store_rollback(s);
		break;
	}
	}
	if (a->mail_kick)
		a->mail_kick(a->mail_ctx);
}

/* Work whose answer was already given (forgot, resend). */
static void background_work(store *s, const app *a, void *arg)
{
	work(s, a, arg);
	job_free(arg);
}

/* ---------- completions on the loop ---------- */

static void done(req *r, void *arg)
{
	job *j = arg;
	if (!r->ev)
		goto out;
	apply_session(r, j);
	switch (j->act) {
	case A_ANON:
		if (!j->ok) {
			resp_error(r, 503, "ただいま混み合っています", "しばらくしてから、もう一度お試しください。");
			break;
		}
		render_form(r, j->tmpl, j->token, j->ret);
		break;
	case A_LOGIN:
		if (j->ok) {
			resp_redirect(r, j->ret[0] ? j->ret : "/account");
		} else if (j->msg == THROTTLED) {
			char msg[400], hm[16];
			time_t t = (time_t)j->wait_until + 9 * 3600 + 59; /* Japan; round up to the minute */
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(hm, sizeof(hm), "%H時%M分", &tm);
			snprintf(msg, sizeof(msg),
				 "ログインに続けて失敗したため、しばらくログインできません。%sごろから、もう一度お試しください（%ld分間お待ちいただきます）。",
				 hm, r->a->cfg.login_lock_minutes);
			render_login(r, j->email, j->ret, msg, NULL, 429);
		} else {
			render_login(r, j->email, j->ret, j->msg ? j->msg : GENERIC_LOGIN_ERROR, NULL,
				     j->msg == LOGIN_UNAVAILABLE ? 503 : 200);
		}
		break;
	case A_LOGOUT:
		resp_redirect(r, "/");
		break;
	case A_REGISTER:
		if (j->msg == THROTTLED)
			render_throttled(r);
		else if (!j->ok)
			resp_error(r, 503, "ただいま登録できません", "しばらくしてから、もう一度お試しください。");
		else
			render_message(r, 200, "確認のメールを送りました",
				       "入力したメールアドレスに、利用者登録を完了するためのメールを送りました。メールに書かれたリンクを24時間以内に開いてください。",
				       "メールが届かない場合は、迷惑メールのフォルダーもご確認ください。", "/register/resend", "確認メールをもう一度送る");
		break;
	case A_RESEND:
	case A_FORGOT: /* answered before the work (email_form_post) */
		break;
	case A_CONFIRM:
		if (j->ok)
			render_message(r, 200, "利用者登録が完了しました", "登録したメールアドレスとパスワードで、ログインできます。",
				       NULL, "/login", "ログインへ");
		else
			render_message(r, 410, "このリンクは使えません", "リンクの有効期限が切れたか、すでに使われています。",
				       "登録がまだ済んでいない場合は、確認メールをもう一度送ってください。", "/register/resend", "確認メールをもう一度送る");
		break;
	case A_RESET:
		if (j->msg == THROTTLED)
			render_throttled(r);
		else if (j->ok)
			render_message(r, 200, "パスワードを変更しました", "新しいパスワードでログインしてください。",
				       "ほかの端末でのログインは、すべて終了しました。", "/login", "ログインへ");
		else
			render_message(r, 410, "このリンクは使えません", "リンクの有効期限（1時間）が切れたか、すでに使われています。",
				       NULL, "/password/forgot", "もう一度やり直す");
		break;
	case A_PASSWORD:
	case A_EMAIL:
	case A_DELETE:
		if (!j->ok && j->msg) {
			render_account(r, j->account_email, NULL, j->field, j->msg, 200);
		} else if (!j->ok) {
			resp_error(r, 503, "ただいま処理できません", "しばらくしてから、もう一度お試しください。");
		} else if (j->act == A_PASSWORD) {
			render_account(r, j->account_email, "パスワードを変更しました。ほかの端末でのログインは、すべて終了しました。", NULL, NULL, 200);
		} else if (j->act == A_EMAIL) {
			render_account(r, j->account_email, "新しいメールアドレスに確認のメールを送りました。メールのリンクを開くと変更が完了します。", NULL, NULL, 200);
		} else {
			render_message(r, 200, "アカウントを削除しました", "ご利用ありがとうございました。", NULL, "/", "ホームへ");
		}
		break;
	case A_EMAIL_CONFIRM:
		if (j->ok)
			render_message(r, 200, "メールアドレスを変更しました", "次回から、新しいメールアドレスでログインしてください。", NULL, "/account", "アカウントへ");
		else
			render_message(r, j->msg ? 409 : 410, "メールアドレスを変更できませんでした",
				       j->msg ? j->msg : "リンクの有効期限が切れたか、すでに使われています。", NULL, "/account", "アカウントへ");
		break;
	}
out:
	job_free(j);
}

static void defer_job(req *r, job *j)
{
	if (!j) {
		resp_error(r, 503, "ただいま混み合っています", "しばらくしてから、もう一度お試しください。");
		return;
	}
	req_defer(r, work, done, j);
}

/* GET of a form that needs a CSRF token: with a session it renders at once, without one it
 * first creates an anonymous session on the pool. */
static void form_page(req *r, const char *tmpl, const char *token, const char *ret)
{
	if (r->has_session) {
		render_form(r, tmpl, token, ret);
		return;
	}
	job *j = job_new(r, A_ANON);
	if (j) {
		snprintf(j->tmpl, sizeof(j->tmpl), "%s", tmpl);
		snprintf(j->token, sizeof(j->token), "%s", token ? token : "");
		snprintf(j->ret, sizeof(j->ret), "%s", ret ? ret : "");
	}
	defer_job(r, j);
}

static int token_param(const char *t)
{
	if (!t || strlen(t) != TOKEN_LEN)
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return 0;
	return 1;
}

static size_t value_len(const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->pairs[i].name, name))
			return f->pairs[i].value_len;
	return 0;
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

/* Common start of every POST: the form and the CSRF check. Returns 0 when the handler goes on. */
static int post_start(req *r, form *f)
{
	if (req_body_form(r, f) < 0)
		return -1;
	if (!csrf_ok(r, f)) {
		form_release(f);
		render_forbidden(r);
		return -1;
	}
	return 0;
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
	size_t emlen = value_len(&f, "email");
	const char *pw = form_get(&f, "password");
	if (!em || account_check_email(em, emlen, email, sizeof(email), &msg) < 0 || !pw || !*pw) {
		/* the same generic message: nothing tells what was wrong */
		render_login(r, em && text_is_clean(em, emlen, 0) ? em : "", ret, GENERIC_LOGIN_ERROR, NULL, 200);
		form_release(&f);
		return;
	}
	job *j = job_new(r, A_LOGIN);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		snprintf(j->ret, sizeof(j->ret), "%s", ret);
		if (copy_secret(&j->pw, &j->pw_len, &f, "password") < 0) {
			job_free(j);
			j = NULL;
		}
	}
	form_release(&f);
	defer_job(r, j);
}

void page_logout(req *r)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	form_release(&f);
	defer_job(r, job_new(r, A_LOGOUT));
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
	account_check_email(em ? em : "", em ? value_len(&f, "email") : 0, email, sizeof(email), &em_err);
	account_check_password(pw ? pw : "", pw ? value_len(&f, "password") : 0, &pw_err);
	if (em_err || pw_err) {
		size_t el = em ? value_len(&f, "email") : 0;
		render_register(r, em && el < 300 && text_is_clean(em, el, 0) ? em : "", em_err, pw_err, 200);
		form_release(&f);
		return;
	}
	job *j = job_new(r, A_REGISTER);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		if (copy_secret(&j->pw, &j->pw_len, &f, "password") < 0) {
			job_free(j);
			j = NULL;
		}
	}
	form_release(&f);
	defer_job(r, j);
}

static void email_form_post(req *r, enum action act, const char *kind)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	char email[ACCOUNT_EMAIL_MAX + 1];
	const char *em = form_get(&f, "email"), *err = NULL;
	size_t el = em ? value_len(&f, "email") : 0;
	if (account_check_email(em ? em : "", el, email, sizeof(email), &err) < 0) {
		render_email_form(r, kind, em && el < 300 && text_is_clean(em, el, 0) ? em : "", err, 200);
		form_release(&f);
		return;
	}
	form_release(&f);
	/* The answer comes first and the mailing work runs on the pool afterwards, the same
	 * way for every address: how long the answer takes cannot tell a registered one. */
	render_mail_sent(r, act);
	job *j = job_new(r, act);
	if (!j)
		return;
	snprintf(j->email, sizeof(j->email), "%s", email);
	if (defer_background(background_work, j) < 0) {
		log_error("account: mail request dropped, the pool is full");
		job_free(j);
	}
}

void page_resend(req *r) { form_page(r, "resend", NULL, NULL); }
void page_resend_post(req *r) { email_form_post(r, A_RESEND, "resend"); }
void page_forgot(req *r) { form_page(r, "forgot", NULL, NULL); }
void page_forgot_post(req *r) { email_form_post(r, A_FORGOT, "forgot"); }

static void link_page(req *r, const char *kind)
{
	const char *t = form_get(&r->query, "token");
	if (!token_param(t)) {
		render_message(r, 400, "このリンクは使えません", "メールに書かれたリンクを、そのまま開いてください。", NULL, "/", "ホームへ");
		return;
	}
	form_page(r, kind, t, NULL);
}

void page_confirm(req *r) { link_page(r, "confirm-register"); }
void page_reset(req *r) { link_page(r, "reset"); }
void page_email_confirm(req *r) { link_page(r, "confirm-email"); }

static void token_post(req *r, enum action act)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	const char *t = form_get(&f, "token");
	if (!token_param(t)) {
		form_release(&f);
		render_message(r, 400, "このリンクは使えません", "メールに書かれたリンクを、そのまま開いてください。", NULL, "/", "ホームへ");
		return;
	}
	if (act == A_RESET) {
		const char *pw = form_get(&f, "password"), *err = NULL;
		if (account_check_password(pw ? pw : "", pw ? value_len(&f, "password") : 0, &err) < 0) {
			render_reset(r, t, err, 200);
			form_release(&f);
			return;
		}
	}
	job *j = job_new(r, act);
	if (j) {
		snprintf(j->token, sizeof(j->token), "%s", t);
		if (act == A_RESET && copy_secret(&j->pw, &j->pw_len, &f, "password") < 0) {
			job_free(j);
			j = NULL;
		}
	}
	form_release(&f);
	defer_job(r, j);
}

void page_confirm_post(req *r) { token_post(r, A_CONFIRM); }
void page_reset_post(req *r) { token_post(r, A_RESET); }
void page_email_confirm_post(req *r) { token_post(r, A_EMAIL_CONFIRM); }

static int need_login(req *r)
{
	if (r->has_session && r->sess.account_id)
		return 0;
	char loc[600], enc[560];
	url_encode(r->path, enc, sizeof(enc));
	snprintf(loc, sizeof(loc), "/login?return=%s", enc);
	resp_redirect(r, loc);
	return -1;
}

void page_account(req *r)
{
	if (need_login(r) < 0)
		return;
	store_account acct;
	if (store_account_by_id(r->w->store, r->sess.account_id, &acct) != STORE_OK) {
		resp_redirect(r, "/login");
		return;
	}
	render_account(r, acct.email, NULL, NULL, NULL, 200);
}

static void account_post(req *r, enum action act)
{
	form f;
	if (!(r->has_session && r->sess.account_id)) {
		render_forbidden(r);
		return;
	}
	if (post_start(r, &f) < 0)
		return;
	const char *cur = act == A_PASSWORD ? "current" : act == A_EMAIL ? "current_e" : "current_d";
	const char *err = NULL, *fieldname = NULL;
	char email[ACCOUNT_EMAIL_MAX + 1] = "";
	if (act == A_PASSWORD) {
		const char *pw = form_get(&f, "password");
		if (account_check_password(pw ? pw : "", pw ? value_len(&f, "password") : 0, &err) < 0)
			fieldname = "password";
	} else if (act == A_EMAIL) {
		const char *em = form_get(&f, "email");
		if (account_check_email(em ? em : "", em ? value_len(&f, "email") : 0, email, sizeof(email), &err) < 0)
			fieldname = "email";
	}
	const char *cv = form_get(&f, cur);
	if (!fieldname && (!cv || !*cv)) {
		err = "今のパスワードを入力してください。";
		fieldname = cur;
	}
	if (fieldname) {
		store_account acct;
		if (store_account_by_id(r->w->store, r->sess.account_id, &acct) == STORE_OK)
			render_account(r, acct.email, NULL, fieldname, err, 200);
		else
			resp_redirect(r, "/login");
		form_release(&f);
		return;
	}
	job *j = job_new(r, act);
	if (j) {
		snprintf(j->email, sizeof(j->email), "%s", email);
		if (copy_secret(&j->pw2, &j->pw2_len, &f, cur) < 0 ||
		    (act == A_PASSWORD && copy_secret(&j->pw, &j->pw_len, &f, "password") < 0)) {
			job_free(j);
			j = NULL;
		}
	}
	form_release(&f);
	defer_job(r, j);
}

void page_account_password(req *r) { account_post(r, A_PASSWORD); }
void page_account_email(req *r) { account_post(r, A_EMAIL); }
void page_account_delete(req *r) { account_post(r, A_DELETE); }

/* Seed steps 3 and 5: 「ログインが必要です。」 for a procedure that needs login, then for
 * one that needs a signature
 * 「電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。」. It belongs to the
 * procedure pages (catalog.c, where pages.h lists it) and lives here for now because it shares this
 * file's url_encode() with need_login(), the login redirect. */
void page_procedure_start(req *r)
{
	const procedure *p = proc_catalog_find(r->a->procs, r->params[0]);
	if (!p) {
		resp_error(r, 404, "手続が見つかりません", NULL);
		return;
	}
	char today[11], loc[200];
	jdate_today(today, time(NULL));
	if (proc_window_state(p, today) != 0) {
		snprintf(loc, sizeof(loc), "/procedures/%s", p->id);
		resp_redirect(r, loc);
		return;
	}
	json_t *ctx = page_base_ctx(r, p->title);
	json_object_set_new(ctx, "proc", json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
	if (p->login_required && !(r->has_session && r->sess.account_id)) {
		char ret[200], enc[300];
		snprintf(ret, sizeof(ret), "/procedures/%s/start", p->id);
		url_encode(ret, enc, sizeof(enc));
		json_object_set_new(ctx, "return_enc", json_string(enc));
		resp_page(r, 200, "login_required", ctx);
		return;
	}
	if (p->signature_required) {
		resp_page(r, 200, "sign_notice", ctx);
		return;
	}
	json_decref(ctx);
	snprintf(loc, sizeof(loc), "/procedures/%s/form", p->id);
	resp_redirect(r, loc);
}
