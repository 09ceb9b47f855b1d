/* post: one HTTP POST of a DER request to a responder of src/sig (the OCSP responder of
 * ocsp.c, the time-stamp authority of tsa.c) with libcurl: http or https only, no redirects,
 * a proxy only when configured (the environment's are ignored), bounded in time, and the
 * answer read into a buffer of a fixed maximum. Internal to src/sig. */
#ifndef MADOGUCHI_SIG_POST_H
#define MADOGUCHI_SIG_POST_H

#include <stddef.h>

struct sig_post {
	const char *url;
	const char *proxy;        /* NULL: direct */
	const char *content_type; /* "Content-Type: application/ocsp-request" */
	const char *accept;       /* "Accept: application/ocsp-response" */
	const char *user_agent;
	long timeout_ms;
	long connect_timeout_ms;
};

/* The answer's body: p holds max bytes (the caller's), len of them filled. */
struct sig_body {
	unsigned char *p;
	size_t len;
	size_t max;
	int over;
};

/* POSTs req (reqlen bytes) as q says; fills body and *http_status (0 when no HTTP answer).
 * 0 for an HTTP 200, else -1 with detail (English) saying why: unreachable, over body->max,
 * another HTTP status. */
int sig_post(const struct sig_post *q, const unsigned char *req, long reqlen, struct sig_body *body,
             long *http_status, char *detail, size_t dlen);

#endif
