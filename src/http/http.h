/* http: the types every page handler sees: the application (shared, read-only after start),
 * the worker (one per event-loop thread) and the request being answered, plus the response
 * helpers (respond.c), the router (router.c) and the static files (static.c). */
#ifndef MADOGUCHI_HTTP_H
#define MADOGUCHI_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "core/procedure.h"
#include "http/form.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/tmpl.h"

struct evhttp_request;
struct event_base;
struct store;
struct static_files;
struct refdata;
struct verify_trust;

enum http_method { M_GET = 1, M_POST = 2, M_HEAD = 4 };

typedef struct req req;
typedef void (*handler_fn)(req *r);

typedef struct route {
	int methods;         /* M_GET | M_POST ... */
	const char *pattern; /* "/procedures/:id" : a ":name" segment captures one segment */
	handler_fn fn;
	size_t max_body; /* 0: the form limit of the config */
} route;

/* Shared by all workers, read-only once the server runs. */
typedef struct app {
	config cfg;
	tmpl_set *tmpl;
	proc_catalog *procs;
	char procs_digest[65]; /* proc_catalog_digest of procs */
	struct static_files *statics;
	/* bank and postal codes; NULL when the tables could not be loaded (lookups then say
	 * "unavailable" and codes are checked by form only) */
	struct refdata *refdata;
	/* e-signature verification; NULL when sign_anchors_dir is not set (signing off) */
	struct verify_trust *trust;
	const route *routes;
	size_t n_routes;
	/* wakes the mail sender after a job queued a mail (NULL: none runs) */
	void (*mail_kick)(void *ctx);
	void *mail_ctx;
} app;

/* One per event-loop thread. */
typedef struct worker {
	const app *a;
	int index;
	struct event_base *base;
	struct store *store;
	/* rendered procedure pages, per procedure, valid for one day (the window state) */
	struct page_cache {
		char day[11];
		struct page_ref *page;
	} * proc_cache;
} worker;

#define REQ_MAX_PARAMS 4

/* The session of a request (session.c). */
typedef struct req_session {
	char id_hash[65];
	long long account_id; /* 0: not logged in */
	char csrf[65];
	long long created_at;
	long long last_seen;
} req_session;

struct req {
	struct evhttp_request *ev;
	worker *w;
	const app *a;
	int method;
	char *path; /* decoded path, owned */
	form query; /* decoded query string */
	const char *params[REQ_MAX_PARAMS];
	size_t n_params;
	struct timespec start;
	int status;
	size_t bytes;
	int deferred; /* answered later by a defer completion (defer.h) */
	int gone;     /* the client closed the connection meanwhile */
	/* the session (session.c); account_id 0 when not logged in */
	int has_session;
	req_session sess;
	char *set_cookie; /* a Set-Cookie value to send with the response (owned) */
	int metric_slot;  /* the route's counters (metrics.h); METRICS_UNCOUNTED: none */
};

/* Frees a request made by the server (its path, query and the struct). */
void req_free(req *r);

/* router.c: first route matching method and path; fills r->params. NULL with *path_known set
 * when the path exists for another method (405). */
const route *router_match(const route *routes, size_t n, req *r, int *path_known);

/* A rendered page shared by the responses that send it (without copying) and by the
 * cache that keeps it. Only used on the loop thread that made it, so the count is plain. */
typedef struct page_ref {
	unsigned refs;
	size_t len;
	char data[];
} page_ref;
/* A page holding a copy of data, with one reference (the caller's). */
page_ref *page_ref_new(const char *data, size_t len);
void page_ref_put(page_ref *p);

/* respond.c. Every response carries the security headers. */
void resp_bytes(req *r, int status, const char *content_type, const char *body, size_t len);
/* A download: 200 with body (NULL: none) as the attachment filename (printable ASCII without
 * '"' or '\\', the caller's), not to be cached (no-store). */
void resp_attachment(req *r, const char *content_type, const char *filename, const char *body,
                     size_t len);
/* As resp_bytes, sending p's bytes by reference (the response holds a reference). */
void resp_page_ref(req *r, int status, const char *content_type, page_ref *p);
/* Render template name in the layout with ctx (consumed: decref'd) plus the site values. */
void resp_page(req *r, int status, const char *name, json_t *ctx);
/* A page in the site's style for an error; message may be NULL. */
void resp_error(req *r, int status, const char *title, const char *message);
void resp_redirect(req *r, const char *location);
/* 303 to the location printf would make of fmt; a location that does not fit (2 KB) gets
 * the 500 page instead of a cut one. */
void resp_redirectf(req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A header of the answer to come (before resp_*); ignored once the client has gone. */
void resp_header(req *r, const char *name, const char *value);
/* The request's header name (the first of that name), or NULL. */
const char *req_header(const req *r, const char *name);
/* The request's body, contiguous (NUL-free bytes are not promised), its length in *len;
 * "" with *len 0 when there is none or the client has gone. Valid until the answer. */
const char *req_body(req *r, size_t *len);
void resp_json(req *r, int status, json_t *v); /* v consumed */
/* The base context every page gets (city, site name, today ...). Caller owns it. */
json_t *page_base_ctx(const req *r, const char *title);

/* static.c: every file under dir loaded into memory at start (bounded), served by exact
 * name only, so no path can reach outside dir. */
int static_load(struct static_files **out, const char *dir, char *err, size_t errlen);
void static_free(struct static_files *s);
/* Answers the request when name is a known file; returns 0, or -1 when unknown. */
int static_serve(req *r, const char *name);

/* server.c */
int server_run(app *a, char *err, size_t errlen);

#endif
