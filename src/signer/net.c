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

static int perform(void *vctx, const char *url, const char *content_type, const uint8_t *body,
                   size_t len, struct signer_reply *r, char *err, size_t errcap)
{
	const struct signer_net_cfg *cfg = vctx;
	char errbuf[CURL_ERROR_SIZE] = "";
	char ctype[160];
	struct curl_slist *headers = NULL, *h;
	struct sink s;
	CURL *c = NULL;
	CURLcode rc;
	const char *ct = NULL;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	if (err && errcap)
		err[0] = '\0';
	c = curl_easy_init();
	if (!c) {
		snprintf(err, errcap, "curl_easy_init failed");
		goto out;
	}
	h = curl_slist_append(headers, "Accept: application/json");
	if (!h)
		goto nomem;
	headers = h;
	if (body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		h = curl_slist_append(headers, ctype);
		if (!h)
			goto nomem;
		headers = h;
		h = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
		if (!h)
			goto nomem;
		headers = h;
	}
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
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		snprintf(err, errcap, "curl_easy_setopt failed");
		goto out;
	}
	if (cfg->cacert && curl_easy_setopt(c, CURLOPT_CAINFO, cfg->cacert) != CURLE_OK) {
		snprintf(err, errcap, "--cacert not usable");
		goto out;
	}
	if (body &&
	    (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK)) {
		snprintf(err, errcap, "curl_easy_setopt failed");
		goto out;
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(err, errcap, "the answer is larger than %zu bytes",
			         SIGNREQ_BODY_MAX);
		else if (s.nomem)
			snprintf(err, errcap, "out of memory");
		else
			snprintf(err, errcap, "%s%s%s", curl_easy_strerror(rc),
			         errbuf[0] ? ": " : "", errbuf);
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK) {
		snprintf(err, errcap, "no HTTP status");
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
	r->body = s.data;
	r->len = s.len;
	s.data = NULL;
	ret = 0;
	goto out;
nomem:
	snprintf(err, errcap, "out of memory");
out:
	free(s.data);
	curl_slist_free_all(headers);
	if (c)
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
