/* session: database-backed sessions and CSRF tokens (see session.h). */
#include "http/session.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/defer.h"
#include "store/store.h"
#include "util/log.h"
#include "util/netaddr.h"

#define COOKIE_PLAIN "madoguchi_sid"
#define COOKIE_SECURE "__Host-madoguchi_sid"
#define COOKIE_PRE_PLAIN "madoguchi_pre"
#define COOKIE_PRE_SECURE "__Host-madoguchi_pre"
#define COOKIE_STAFF_PLAIN "madoguchi_staff"
#define COOKIE_STAFF_SECURE "__Host-staff"
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static const char *cookie_name(const app *a)
{
	return a->cfg.https ? COOKIE_SECURE : COOKIE_PLAIN;
}

/* Finds name=value in a Cookie header; copies value into out. */
static int find_cookie(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t vlen = len - nlen - 1;
			if (vlen >= outlen)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

static void touch_work(struct store *s, const app *a, void *arg)
{
	/* a session deleted meanwhile (a logout) has nothing to touch */
	int e = store_session_touch(s, arg, (long long)time(NULL));
	if (e != STORE_OK && e != STORE_ENOTFOUND)
		log_error("session: last use not recorded: %s", store_errmsg(s));
	free(arg);
}

void session_load(req *r)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Cookie");
	char value[TOKEN_LEN + 8];
	if (!h || find_cookie(h, cookie_name(r->a), value, sizeof(value)) < 0 ||
	    strlen(value) != TOKEN_LEN)
		return;
	char hash[65];
	token_sha256_hex(value, TOKEN_LEN, hash);
	store_session row;
	/* a store error serves the request without a session: never one that is not there */
	int e = store_session_get(r->w->store, hash, &row);
	if (e != STORE_OK) {
		if (e != STORE_ENOTFOUND)
			log_error("session: %s", store_errmsg(r->w->store));
		return;
	}
	long long now = (long long)time(NULL);
	const config *c = &r->a->cfg;
	if (now - row.last_seen > c->session_idle_minutes * 60 ||
	    now - row.created_at > c->session_absolute_hours * 3600)
		return;
	r->has_session = 1;
	memcpy(r->sess.id_hash, row.id_hash, sizeof(r->sess.id_hash));
	r->sess.account_id = row.account_id;
	snprintf(r->sess.csrf, sizeof(r->sess.csrf), "%s", row.csrf);
	r->sess.created_at = row.created_at;
	r->sess.last_seen = row.last_seen;
	if (now - row.last_seen > 60) {
		char *id = strdup(hash);
		if (id && defer_background(touch_work, id) < 0)
			free(id);
	}
}

/* A new row for id by create (the residents' or the staff's table), the cookie's value and
 * the request's copy. */
static int new_session(struct store *s, long long id, long long now, char *cookie, req_session *o,
                       int (*create)(struct store *, const store_session *))
{
	store_session row;
	memset(&row, 0, sizeof(row));
	char csrf[TOKEN_LEN + 1];
	if (token_new(cookie) < 0 || token_new(csrf) < 0)
		return -1;
	token_sha256_hex(cookie, TOKEN_LEN, row.id_hash);
	row.account_id = id;
	snprintf(row.csrf, sizeof(row.csrf), "%s", csrf);
	row.created_at = row.last_seen = now;
	if (create(s, &row) != STORE_OK)
		return -1;
	memcpy(o->id_hash, row.id_hash, sizeof(o->id_hash));
	o->account_id = id;
	snprintf(o->csrf, sizeof(o->csrf), "%s", row.csrf);
	o->created_at = o->last_seen = now;
	return 0;
}

int session_create(struct store *s, long long account_id, long long now, char *cookie,
                   req_session *o)
{
	return new_session(s, account_id, now, cookie, o, store_session_create);
}

static void set_cookie_as(req *r, const char *name, const char *value, const char *samesite)
{
	char c[256];
	const char *secure = r->a->cfg.https ? "; Secure" : "";
	if (value)
		snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=%s%s", name, value,
		         samesite, secure);
	else
		snprintf(c, sizeof(c), "%s=; Path=/; HttpOnly; SameSite=%s; Max-Age=0%s", name,
		         samesite, secure);
	free(r->set_cookie);
	r->set_cookie = strdup(c);
}

static void set_named_cookie(req *r, const char *name, const char *value)
{
	set_cookie_as(r, name, value, "Lax");
}

void session_set_cookie(req *r, const char *value)
{
	set_named_cookie(r, cookie_name(r->a), value);
}

/* The CSRF token of a form shown to someone without a session (a procedure without login)
 * lives in a cookie of its own instead of a session row, so that showing the form writes
 * nothing (a client without cookies used to cost a row per GET): the form carries the
 * cookie's value in its hidden csrf field, and the POST is accepted when both are sent and
 * equal ("double submit"). A forging site can neither read the cookie (HttpOnly, another
 * origin) nor make the browser send it with a cross-site POST (SameSite=Lax), and under
 * HTTPS the __Host- prefix keeps other hosts of the domain from planting one; the token is
 * random (TOKEN_LEN characters, like a session's) and compared in constant time. Nothing
 * is signed, so no key has to be shared by several portal processes. Works without
 * JavaScript: it is a plain hidden field and a cookie. */
static const char *pre_cookie_name(const app *a)
{
	return a->cfg.https ? COOKIE_PRE_SECURE : COOKIE_PRE_PLAIN;
}

static int pre_cookie(const req *r, char *out)
{
	const char *h =
	    r->ev ? evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Cookie") : NULL;
	char value[TOKEN_LEN + 8];
	if (!h || find_cookie(h, pre_cookie_name(r->a), value, sizeof(value)) < 0 ||
	    strlen(value) != TOKEN_LEN || strspn(value, B64URL) != TOKEN_LEN)
		return -1;
	memcpy(out, value, TOKEN_LEN + 1);
	return 0;
}

int session_pre_token(req *r, char *out)
{
	if (pre_cookie(r, out) == 0)
		return 0; /* the same token for every tab of that browser */
	if (token_new(out) < 0)
		return -1;
	set_named_cookie(r, pre_cookie_name(r->a), out);
	return 0;
}

int session_pre_csrf_ok(const req *r, const form *f)
{
	char cookie[TOKEN_LEN + 1];
	const char *t = form_get(f, "csrf");
	return t && pre_cookie(r, cookie) == 0 && token_equal(t, cookie);
}

int csrf_ok(const req *r, const form *f)
{
	const char *t = form_get(f, "csrf");
	return r->has_session && t && token_equal(t, r->sess.csrf);
}

int req_body_form(req *r, form *f)
{
	memset(f, 0, sizeof(*f));
	struct evbuffer *b = evhttp_request_get_input_buffer(r->ev);
	size_t len = evbuffer_get_length(b);
	const char *ct =
	    evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Content-Type");
	if (len && (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
		resp_error(r, 400, "送信された内容を読み取れませんでした",
		           "ページを開き直して、もう一度お試しください。");
		return -1;
	}
	const char *data = len ? (const char *)evbuffer_pullup(b, -1) : "";
	int e = form_parse(f, data, len, (size_t)r->a->cfg.max_form_fields);
	if (e != FORM_OK) {
		form_release(f);
		resp_error(r, 400, "送信された内容を読み取れませんでした",
		           e == FORM_ETOOMANY ? "項目の数が多すぎます。"
		                              : "ページを開き直して、もう一度お試しください。");
		return -1;
	}
	return 0;
}

void return_path(const char *in, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!in || in[0] != '/' || in[1] == '/' || in[1] == '\\' || strlen(in) >= outlen)
		return;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return;
	snprintf(out, outlen, "%s", in);
}

const char *req_peer(const req *r)
{
	/* per loop thread: callers copy it before the next request's call */
	static _Thread_local char client[64];
	char *addr = NULL;
	ev_uint16_t port = 0;
	struct evhttp_connection *c = r->ev ? evhttp_request_get_connection(r->ev) : NULL;
	if (c)
		evhttp_connection_get_peer(c, &addr, &port);
	if (!addr)
		return "-";
	const char *xff =
	    evhttp_find_header(evhttp_request_get_input_headers(r->ev), "X-Forwarded-For");
	netaddr_client(r->a->cfg.trusted_proxies, addr, xff, client, sizeof(client));
	return client;
}

/* ---- staff sessions: their own cookie and table, so that a resident's session never opens
 * /staff and a staff session is never read by a resident page. SameSite=Strict: the console
 * is never entered from a link of another site with its session. */

static const char *staff_cookie_name(const app *a)
{
	return a->cfg.https ? COOKIE_STAFF_SECURE : COOKIE_STAFF_PLAIN;
}

static void staff_touch_work(struct store *s, const app *a, void *arg)
{
	int e = store_staff_session_touch(s, arg, (long long)time(NULL));
	if (e != STORE_OK && e != STORE_ENOTFOUND)
		log_error("staff session: last use not recorded: %s", store_errmsg(s));
	free(arg);
}

int staff_session_load(const req *r, req_session *out)
{
	const char *h = req_header(r, "Cookie");
	char value[TOKEN_LEN + 8], hash[65];
	store_session row;
	memset(out, 0, sizeof(*out));
	if (!h || find_cookie(h, staff_cookie_name(r->a), value, sizeof(value)) < 0 ||
	    strlen(value) != TOKEN_LEN)
		return 0;
	token_sha256_hex(value, TOKEN_LEN, hash);
	/* a store error is no session: the login page, never a session that is not there */
	int e = store_staff_session_get(r->w->store, hash, &row);
	if (e != STORE_OK) {
		if (e != STORE_ENOTFOUND)
			log_error("staff session: %s", store_errmsg(r->w->store));
		return 0;
	}
	long long now = (long long)time(NULL);
	const config *c = &r->a->cfg;
	if (now - row.last_seen > c->staff_session_idle_minutes * 60 ||
	    now - row.created_at > c->staff_session_absolute_hours * 3600)
		return 0;
	memcpy(out->id_hash, row.id_hash, sizeof(out->id_hash));
	out->account_id = row.account_id;
	snprintf(out->csrf, sizeof(out->csrf), "%s", row.csrf);
	out->created_at = row.created_at;
	out->last_seen = row.last_seen;
	if (now - row.last_seen > 60) {
		char *id = strdup(hash);
		if (id && defer_background(staff_touch_work, id) < 0)
			free(id);
	}
	return 1;
}

int staff_session_create(struct store *s, long long staff_id, long long now, char *cookie,
                         req_session *o)
{
	return new_session(s, staff_id, now, cookie, o, store_staff_session_create);
}

void staff_session_set_cookie(req *r, const char *value)
{
	set_cookie_as(r, staff_cookie_name(r->a), value, "Strict");
}

int staff_csrf_ok(const req_session *ss, const form *f)
{
	const char *t = form_get(f, "csrf");
	return ss->account_id > 0 && t && token_equal(t, ss->csrf);
}
