/* net: libcurl GET/POST for madoguchi-sign (see net.h). */
#include "signer/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define USER_AGENT "madoguchi-sign/1"

struct sink {
	uint8_t *data;
	size_t len, cap;
	int too_big;
	int nomem;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (nmemb && n / nmemb != size)
		return 0;
	if (n > SIGNREQ_BODY_MAX - s->len) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *d;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > SIGNREQ_BODY_MAX + 1)
			cap = SIGNREQ_BODY_MAX + 1;
		d = realloc(s->data, cap);
		if (!d) {
			s->nomem = 1;
			return 0;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

/* Accept, and for a POST its Content-Type and no 100-continue round trip. NULL: no memory. */
/* Nonzero aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	const atomic_int *abort = ud;
	return abort && atomic_load(abort) ? 1 : 0;
}

static struct curl_slist *request_headers(const char *content_type, int post)
{
	struct curl_slist *headers = NULL, *h;
	char ctype[160];

	h = curl_slist_append(headers, "Accept: application/json");
	if (!h)
		return NULL;
	headers = h;
	if (post) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		h = curl_slist_append(headers, ctype);
		if (h)
			h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
		if (!h) {
			curl_slist_free_all(headers);
			return NULL;
		}
		headers = h;
	}
	return headers;
}

/* The transfer's options: only http(s), no redirect, TLS 1.2+ with the peer checked, time
 * and size limits. 0, or -1 with err set. */
static int set_options(CURL *c, const struct signer_net_cfg *cfg, const char *url,
                       struct curl_slist *headers, struct sink *s, char *errbuf, char *err,
                       size_t errcap)
{
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->total_timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SIGNREQ_BODY_MAX) !=
	        CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, s) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		snprintf(err, errcap, "curl_easy_setopt failed");
		return -1;
	}
	if (cfg->abort &&
	    (curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cfg->abort) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK)) {
		snprintf(err, errcap, "curl_easy_setopt failed");
		return -1;
	}
	if (cfg->cacert && curl_easy_setopt(c, CURLOPT_CAINFO, cfg->cacert) != CURLE_OK) {
		snprintf(err, errcap, "--cacert not usable");
		return -1;
	}
	return 0;
}

static int set_post_body(CURL *c, const uint8_t *body, size_t len, char *err, size_t errcap)
{
	if (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK) {
		snprintf(err, errcap, "curl_easy_setopt failed");
		return -1;
	}
	return 0;
}

/* The transfer, and its status, Content-Type and body into *r (the body taken from s). */
static int run_transfer(CURL *c, struct sink *s, const char *errbuf, struct signer_reply *r,
                        char *err, size_t errcap)
{
	CURLcode rc = curl_easy_perform(c);
	const char *ct = NULL;

	if (rc != CURLE_OK) {
		if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(err, errcap, "the answer is larger than %zu bytes",
			         SIGNREQ_BODY_MAX);
		else if (s->nomem)
			snprintf(err, errcap, "out of memory");
		else
			snprintf(err, errcap, "%s%s%s", curl_easy_strerror(rc),
			         errbuf[0] ? ": " : "", errbuf);
		return -1;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK) {
		snprintf(err, errcap, "no HTTP status");
		return -1;
	}
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
	r->body = s->data;
	r->len = s->len;
	s->data = NULL;
	return 0;
}

static int perform(void *vctx, const char *url, const char *content_type, const uint8_t *body,
                   size_t len, struct signer_reply *r, char *err, size_t errcap)
{
	const struct signer_net_cfg *cfg = vctx;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	struct sink s;
	CURL *c;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	if (err && errcap)
		err[0] = '\0';
	c = curl_easy_init();
	if (!c) {
		snprintf(err, errcap, "curl_easy_init failed");
		return -1;
	}
	headers = request_headers(content_type, body != NULL);
	if (!headers)
		snprintf(err, errcap, "out of memory");
	else if (set_options(c, cfg, url, headers, &s, errbuf, err, errcap) == 0 &&
	         (!body || set_post_body(c, body, len, err, errcap) == 0))
		ret = run_transfer(c, &s, errbuf, r, err, errcap);
	free(s.data);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return ret;
}

static int net_get(void *ctx, const char *url, struct signer_reply *r, char *err, size_t errcap)
{
	return perform(ctx, url, NULL, NULL, 0, r, err, errcap);
}

static int net_post(void *ctx, const char *url, const char *content_type, const uint8_t *body,
                    size_t len, struct signer_reply *r, char *err, size_t errcap)
{
	if (!body || !content_type) {
		snprintf(err, errcap, "nothing to send");
		return -1;
	}
	return perform(ctx, url, content_type, body, len, r, err, errcap);
}

const struct signer_net_ops signer_curl_net_ops = {
    .get = net_get,
    .post = net_post,
};
