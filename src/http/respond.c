/* respond: sending responses. Every response goes through resp_bytes, which adds the
 * security headers of the site and writes the access-log line, so no page can forget them. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http.h"
#include "http/metrics.h"
#include "util/log.h"

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	}
	return "Unknown";
}

static void access_log(req *r)
{
	char line[2400], peer[64] = "-", target[512 * 4 + 1];
	char *addr = NULL;
	ev_uint16_t port = 0;
	struct evhttp_connection *c = evhttp_request_get_connection(r->ev);
	if (c) {
		evhttp_connection_get_peer(c, &addr, &port);
		if (addr)
			snprintf(peer, sizeof(peer), "%s", addr);
	}
	struct timespec now, wall;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_REALTIME, &wall);
	double ms = (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	            (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
	static _Thread_local time_t ts_sec = -1;
	static _Thread_local char ts[32];
	if (wall.tv_sec != ts_sec) {
		struct tm tm;
		gmtime_r(&wall.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ts_sec = wall.tv_sec;
	}
	const char *uri = evhttp_request_get_uri(r->ev);
	/* The query is left out: it may hold tokens. */
	const char *q = uri ? strchr(uri, '?') : NULL;
	int ulen = uri ? (q ? (int)(q - uri) : (int)strlen(uri)) : 1;
	if (ulen > 512)
		ulen = 512;
	const char *m = r->method == M_POST   ? "POST"
	                : r->method == M_HEAD ? "HEAD"
	                : r->method == M_GET  ? "GET"
	                                      : "OTHER";
	/* escaped, so that whatever bytes the request had, one request is one line */
	log_escape(target, sizeof(target), uri ? uri : "-", uri ? (size_t)ulen : 1);
	int n = snprintf(line, sizeof(line), "%s %s %s %s %d %zu %.3fms", ts, peer, m, target,
	                 r->status, r->bytes, ms);
	if (n > 0)
		log_access_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

page_ref *page_ref_new(const char *data, size_t len)
{
	page_ref *p = malloc(sizeof(*p) + len + 1);
	if (!p)
		return NULL;
	p->refs = 1;
	p->len = len;
	memcpy(p->data, data, len);
	p->data[len] = '\0';
	return p;
}

void page_ref_put(page_ref *p)
{
	if (p && --p->refs == 0)
		free(p);
}

static void page_ref_cleanup(const void *data, size_t len, void *arg)
{
	page_ref_put(arg);
}

static void add_headers(req *r, const char *content_type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	if (r->set_cookie)
		evhttp_add_header(h, "Set-Cookie", r->set_cookie);
	if (content_type)
		evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(
	    h, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	if (r->a->cfg.https)
		evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	if (!evhttp_find_header(h, "Cache-Control"))
		evhttp_add_header(h, "Cache-Control", "no-store");
}

/* A HEAD answer carries GET's headers, Content-Length included, and no body: libevent adds
 * neither for HEAD, and sends whatever body it is given. */
static struct evbuffer *head_only(req *r, struct evbuffer *b, size_t len)
{
	char n[24];
	snprintf(n, sizeof(n), "%zu", len);
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Length", n);
	if (b)
		evbuffer_free(b);
	r->bytes = 0;
	return NULL;
}

static void send_reply(req *r, int status, struct evbuffer *b, size_t len)
{
	r->status = status;
	r->bytes = len;
	if (r->method == M_HEAD && status != 304)
		b = head_only(r, b, len);
	evhttp_send_reply(r->ev, status, reason(status), b);
	if (b)
		evbuffer_free(b);
	metrics_request(r->metric_slot, status, &r->start);
	access_log(r);
}

void resp_page_ref(req *r, int status, const char *content_type, page_ref *p)
{
	if (!r->ev)
		return;
	add_headers(r, content_type);
	struct evbuffer *b = evbuffer_new();
	p->refs++;
	if (!b || evbuffer_add_reference(b, p->data, p->len, page_ref_cleanup, p) < 0)
		page_ref_put(p);
	send_reply(r, status, b, p->len);
}

void resp_bytes(req *r, int status, const char *content_type, const char *body, size_t len)
{
	if (!r->ev) /* the client went away while a deferred job ran */
		return;
	add_headers(r, content_type);
	struct evbuffer *b = evbuffer_new();
	if (b && len)
		evbuffer_add(b, body, len);
	send_reply(r, status, b, len);
}

void resp_attachment(req *r, const char *content_type, const char *filename, const char *body,
                     size_t len)
{
	char disp[320];
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	resp_header(r, "Content-Disposition", disp);
	resp_header(r, "Cache-Control", "no-store");
	resp_bytes(r, 200, content_type, body ? body : "", len);
}

json_t *page_base_ctx(const req *r, const char *title)
{
	const config *c = &r->a->cfg;
	json_t *ctx = json_pack("{s:s, s:s, s:s}", "city_name", c->city_name, "site_name",
	                        c->site_name, "title", title ? title : c->site_name);
	if (r->has_session) {
		json_object_set_new(ctx, "csrf", json_string(r->sess.csrf));
		if (r->sess.account_id)
			json_object_set_new(ctx, "logged_in", json_true());
	}
	return ctx;
}

void resp_page(req *r, int status, const char *name, json_t *ctx)
{
	if (!r->ev) {
		json_decref(ctx);
		return;
	}
	buf out;
	buf_init(&out, 4 << 20);
	const config *c = &r->a->cfg;
	if (!json_object_get(ctx, "city_name"))
		json_object_set_new(ctx, "city_name", json_string(c->city_name));
	if (!json_object_get(ctx, "site_name"))
		json_object_set_new(ctx, "site_name", json_string(c->site_name));
	if (!json_object_get(ctx, "title"))
		json_object_set_new(ctx, "title", json_string(c->site_name));
	int e = tmpl_render_page(r->a->tmpl, "layout", name, ctx, &out);
	json_decref(ctx);
	if (e) {
		log_error("template %s: %s", name, tmpl_strerror(e));
		static const char fallback[] =
		    "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>エラー</title>"
		    "<h1>ただいま表示できません</h1><p>しばらくしてから、もう一度お試しください。</p></html>";
		resp_bytes(r, 500, "text/html; charset=utf-8", fallback, sizeof(fallback) - 1);
	} else {
		resp_bytes(r, status, "text/html; charset=utf-8", out.data, out.len);
	}
	buf_release(&out);
}

void resp_error(req *r, int status, const char *title, const char *message)
{
	json_t *ctx = page_base_ctx(r, title);
	json_object_set_new(ctx, "status", json_integer(status));
	json_object_set_new(ctx, "heading", json_string(title));
	if (message)
		json_object_set_new(ctx, "message", json_string(message));
	resp_page(r, status, "error", ctx);
}

void resp_redirect(req *r, const char *location)
{
	if (!r->ev)
		return;
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Location", location);
	resp_bytes(r, 303, NULL, NULL, 0);
}

void resp_redirectf(req *r, const char *fmt, ...)
{
	char loc[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(loc, sizeof(loc), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(loc)) {
		resp_error(r, 500, "ただいま表示できません",
		           "しばらくしてから、もう一度お試しください。");
		return;
	}
	resp_redirect(r, loc);
}

void resp_header(req *r, const char *name, const char *value)
{
	if (r->ev)
		evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

const char *req_header(const req *r, const char *name)
{
	return r->ev ? evhttp_find_header(evhttp_request_get_input_headers(r->ev), name) : NULL;
}

const char *req_body(req *r, size_t *len)
{
	struct evbuffer *b = r->ev ? evhttp_request_get_input_buffer(r->ev) : NULL;
	size_t n = b ? evbuffer_get_length(b) : 0;
	const char *p = n ? (const char *)evbuffer_pullup(b, -1) : NULL;
	*len = p ? n : 0;
	return p ? p : "";
}

void resp_json(req *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	resp_bytes(r, status, "application/json; charset=utf-8", s ? s : "{}", s ? strlen(s) : 2);
	free(s);
}
