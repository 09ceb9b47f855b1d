/* account: what the account screens share (account_int.h): the jobs that carry an action to
 * the worker pool and back, the forms that need a CSRF token, the mailed links and their
 * pages, the messages; and, for now, the login prompt of seed step 3. The screens are in
 * login.c (login, logout), register.c (利用者登録, its confirmation, the resent link),
 * password.c (forgotten password, reset) and settings.c (account settings). Every action that
 * hashes a password or writes runs on the worker pool (defer.h); the loop only parses,
 * checks the CSRF token and renders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/throttle.h"
#include "http/defer.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/enc.h"
#include "util/jdate.h"
#include "util/log.h"

const char ACCT_THROTTLED[] = "throttled"; /* compared by address, never shown */

/* ---------- jobs ---------- */

void acct_job_free(job *j)
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

job *acct_job_new(req *r, job_work_fn *work, job_done_fn *done)
{
	job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->work = work;
	j->done = done;
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	j->had_session = r->has_session;
	if (r->has_session)
		j->sess = r->sess;
	return j;
}

int copy_secret(char **dst, size_t *dlen, const form *f, const char *name)
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

static void job_run(store *s, const app *a, void *arg)
{
	job *j = arg;
	j->ok = 0;
	j->work(s, a, j);
	if (a->mail_kick)
		a->mail_kick(a->mail_ctx);
}

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

static void job_finish(req *r, void *arg)
{
	job *j = arg;
	if (r->ev) { /* NULL: the client went away */
		apply_session(r, j);
		j->done(r, j);
	}
	acct_job_free(j);
}

void defer_job(req *r, job *j)
{
	if (!j) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	req_defer(r, job_run, job_finish, j);
}

void defer_with_secret(req *r, form *f, job *j, const char *name)
{
	if (j && name && copy_secret(&j->pw, &j->pw_len, f, name) < 0) {
		acct_job_free(j);
		j = NULL;
	}
	form_release(f);
	defer_job(r, j);
}

static void background_run(store *s, const app *a, void *arg)
{
	job_run(s, a, arg);
	acct_job_free(arg);
}

void defer_job_background(job *j)
{
	if (defer_background(background_run, j) < 0) {
		log_error("account: mail request dropped, the pool is full");
		acct_job_free(j);
	}
}

/* ---------- rendering ---------- */

json_t *acct_field(const char *name, const char *label, const char *type, const char *value,
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
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s-error",
		         *desc ? " " : "", name);
	if (*desc)
		json_object_set_new(f, "described", json_string(desc));
	return f;
}

void acct_set_error(json_t *ctx, const char *fieldname, const char *msg)
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

void render_message(req *r, int status, const char *heading, const char *p1, const char *p2,
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
		json_object_set_new(
		    ctx, "links",
		    json_pack("[{s:s, s:s, s:b}]", "href", href, "text", link_text, "button", 1));
	resp_page(r, status, "message", ctx);
}

void render_unavailable(req *r, const char *heading)
{
	resp_error(r, 503, heading, MSG_TRY_LATER);
}

void render_throttled(req *r)
{
	resp_error(r, 429, "申込みが多すぎます", MSG_THROTTLED_TEXT);
}

void acct_forbidden(req *r)
{
	resp_error(r, 403, "この操作を受け付けられませんでした", MSG_FORBIDDEN_TEXT);
}

void render_bad_link(req *r)
{
	render_message(r, 400, "このリンクは使えません", MSG_BAD_LINK_TEXT, NULL, "/", "ホームへ");
}

void render_email_form(req *r, const char *kind, const char *email, const char *err, int status)
{
	int forgot = strcmp(kind, "forgot") == 0;
	const char *heading = forgot ? "パスワードの再設定" : "確認メールの再送";
	json_t *ctx = page_base_ctx(r, heading);
	json_object_set_new(ctx, "heading", json_string(heading));
	json_object_set_new(ctx, "lead", json_string(forgot ? MSG_FORGOT_LEAD : MSG_RESEND_LEAD));
	json_object_set_new(ctx, "action",
	                    json_string(forgot ? "/password/forgot" : "/register/resend"));
	json_object_set_new(ctx, "button", json_string("メールを送る"));
	json_t *fields = json_object();
	json_object_set_new(
	    fields, "email",
	    acct_field("email", "メールアドレス", "email", email, err, "email", NULL));
	json_object_set_new(ctx, "fields", fields);
	acct_set_error(ctx, "email", err);
	resp_page(r, status, "email_form", ctx);
}

static void render_confirm(req *r, const char *kind, const char *token)
{
	int reg = strcmp(kind, "confirm-register") == 0;
	const char *heading = reg ? "利用者登録の完了" : "メールアドレスの変更";
	json_t *ctx = page_base_ctx(r, heading);
	json_object_set_new(ctx, "heading", json_string(heading));
	json_object_set_new(
	    ctx, "lead",
	    json_string(reg ? "下のボタンを押すと、利用者登録が完了します。"
	                    : "下のボタンを押すと、メールアドレスの変更が完了します。"));
	json_object_set_new(ctx, "action",
	                    json_string(reg ? "/register/confirm" : "/account/email/confirm"));
	json_object_set_new(ctx, "button", json_string(reg ? "登録を完了する" : "変更を完了する"));
	json_object_set_new(ctx, "token", json_string(token));
	resp_page(r, 200, "confirm", ctx);
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

/* ---------- forms and links ---------- */

static void work_anon(store *s, const app *a, job *j)
{
	if (session_create(s, 0, (long long)time(NULL), j->cookie, &j->new_sess) == 0)
		j->ok = j->new_session = 1;
}

static void done_anon(req *r, job *j)
{
	if (!j->ok)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else
		render_form(r, j->tmpl, j->token, j->ret);
}

void form_page(req *r, const char *tmpl, const char *token, const char *ret)
{
	if (r->has_session) {
		render_form(r, tmpl, token, ret);
		return;
	}
	job *j = acct_job_new(r, work_anon, done_anon);
	if (j) {
		snprintf(j->tmpl, sizeof(j->tmpl), "%s", tmpl);
		snprintf(j->token, sizeof(j->token), "%s", token ? token : "");
		snprintf(j->ret, sizeof(j->ret), "%s", ret ? ret : "");
	}
	defer_job(r, j);
}

int token_param(const char *t)
{
	if (!t || strlen(t) != TOKEN_LEN)
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

size_t acct_value_len(const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->pairs[i].name, name))
			return f->pairs[i].value_len;
	return 0;
}

const char *typed_email(const form *f)
{
	const char *em = form_get(f, "email");
	size_t el = em ? acct_value_len(f, "email") : 0;
	return em && el < 300 && text_is_clean(em, el, 0) ? em : "";
}

json_t *login_fields(const char *email)
{
	json_t *fields = json_object();
	json_object_set_new(
	    fields, "email",
	    acct_field("email", "メールアドレス", "email", email, NULL, "username", NULL));
	json_object_set_new(
	    fields, "password",
	    acct_field("password", "パスワード", "password", "", NULL, "current-password", NULL));
	return fields;
}

int post_start_with(req *r, form *f, csrf_check_fn *check)
{
	if (req_body_form(r, f) < 0)
		return -1;
	if (!check(r, f)) {
		form_release(f);
		acct_forbidden(r);
		return -1;
	}
	return 0;
}

int post_start(req *r, form *f)
{
	return post_start_with(r, f, csrf_ok);
}

int logout_status(store *s, job *j, int e, const char *what)
{
	j->ok = e == STORE_OK || e == STORE_ENOTFOUND;
	if (!j->ok)
		log_error("%s: %s", what, store_errmsg(s));
	return e;
}

void logout_answer(req *r, const job *j, const char *where)
{
	if (j->ok)
		resp_redirect(r, where);
	else
		render_unavailable(r, "ただいま処理できません");
}

void link_page(req *r, const char *tmpl)
{
	const char *t = form_get(&r->query, "token");
	if (!token_param(t)) {
		render_bad_link(r);
		return;
	}
	form_page(r, tmpl, t, NULL);
}

void token_post(req *r, job_work_fn *work, job_done_fn *done, int with_password)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	const char *t = form_get(&f, "token");
	if (!token_param(t)) {
		form_release(&f);
		render_bad_link(r);
		return;
	}
	if (with_password) {
		const char *pw = form_get(&f, "password"), *err = NULL;
		if (account_check_password(pw ? pw : "", pw ? acct_value_len(&f, "password") : 0,
		                           &err) < 0) {
			render_reset(r, t, err, 200);
			form_release(&f);
			return;
		}
	}
	job *j = acct_job_new(r, work, done);
	if (j)
		snprintf(j->token, sizeof(j->token), "%s", t);
	defer_with_secret(r, &f, j, with_password ? "password" : NULL);
}

static void render_mail_sent(req *r, const link_mail *m)
{
	render_message(r, 200, "メールを送りました", MSG_MAIL_SENT_TEXT,
	               strcmp(m->form, "forgot") == 0 ? "リンクの有効期限は1時間です。"
	                                              : "リンクの有効期限は24時間です。",
	               "/login", "ログインへ");
}

/* The work of email_form_post; nothing is answered from here, store errors are logged. */
static void mail_link(store *s, const app *a, job *j)
{
	const link_mail *m = j->link;
	store_account acct;
	char token[TOKEN_LEN + 1];
	int e = store_account_by_email(s, j->email, &acct);
	j->ok = 1; /* the same answer whatever happens */
	if (e == STORE_ENOTFOUND || (e == STORE_OK && m->only_unverified && acct.verified_at))
		return;
	if (e != STORE_OK)
		goto fail;
	int q = throttle_mail_quota(s, j->email, (long long)time(NULL));
	if (q == 0)
		return;
	if (q < 0 || store_begin(s) != STORE_OK)
		goto fail;
	if (store_tokens_delete(s, acct.id, m->kind) != STORE_OK ||
	    new_token(s, m->kind, acct.id, NULL, m->ttl, token) < 0 ||
	    queue_mail(s, a, acct.email, m->subject, m->body, m->path, token) != STORE_OK) {
		store_rollback(s);
		goto fail;
	}
	if (store_commit(s) == STORE_OK)
		return;
fail:
	log_error("account: no %s link mailed: %s", m->kind, store_errmsg(s));
}

void email_form_post(req *r, const link_mail *m)
{
	form f;
	if (post_start(r, &f) < 0)
		return;
	char email[ACCOUNT_EMAIL_MAX + 1];
	const char *em = form_get(&f, "email"), *err = NULL;
	size_t el = em ? acct_value_len(&f, "email") : 0;
	if (account_check_email(em ? em : "", el, email, sizeof(email), &err) < 0) {
		render_email_form(r, m->form, typed_email(&f), err, 200);
		form_release(&f);
		return;
	}
	form_release(&f);
	render_mail_sent(r, m);
	job *j = acct_job_new(r, mail_link, NULL);
	if (!j)
		return;
	j->link = m;
	snprintf(j->email, sizeof(j->email), "%s", email);
	defer_job_background(j);
}

/* ---------- work helpers ---------- */

pw_params params_of(const app *a)
{
	pw_params p = {(unsigned)a->cfg.argon2_t_cost, (unsigned)a->cfg.argon2_m_cost_kib,
	               (unsigned)a->cfg.argon2_parallelism};
	return p;
}

int queue_mail(store *s, const app *a, const char *to, const char *subject_tail,
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

int new_token(store *s, const char *kind, long long account, const char *data, long long ttl,
              char *token)
{
	char hash[65];
	if (token_new(token) < 0)
		return -1;
	token_sha256_hex(token, TOKEN_LEN, hash);
	return store_token_create(s, kind, hash, account, data, (long long)time(NULL) + ttl) ==
	               STORE_OK
	           ? 0
	           : -1;
}

/* Seed steps 3 and 5: 「ログインが必要です。」 for a procedure that needs login, then for
 * one that needs a signature
 * 「電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。」. It belongs to the
 * procedure pages (catalog.c, where pages.h lists it) and lives here for now, beside the
 * account pages whose login redirect (need_login() in settings.c) it mirrors. */
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
		/* a procedure id is [A-Za-z0-9_-]: it always fits */
		if (url_encode(ret, "/", enc, sizeof(enc)) < 0)
			enc[0] = '\0';
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
