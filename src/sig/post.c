/* post: one HTTP POST of a DER request with libcurl (see post.h). */
#include "sig/post.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sig_body *b = ud;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->over = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	return n;
}

static int set_options(CURL *c, const struct sig_post *q, struct curl_slist *hdr,
                       const unsigned char *req, long reqlen, struct sig_body *body)
{
	return curl_easy_setopt(c, CURLOPT_URL, q->url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	       curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	       curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) !=
	           CURLE_OK ||
#endif
	       curl_easy_setopt(c, CURLOPT_PROXY, q->proxy ? q->proxy : "") != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q->timeout_ms) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, q->connect_timeout_ms) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body->max) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)req) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, reqlen) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_USERAGENT, q->user_agent) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	       curl_easy_setopt(c, CURLOPT_WRITEDATA, body) != CURLE_OK;
}

int sig_post(const struct sig_post *q, const unsigned char *req, long reqlen, struct sig_body *body,
             long *http_status, char *detail, size_t dlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, q->content_type), *h = NULL;
	int ret = -1;

	*http_status = 0;
	if (hdr && (h = curl_slist_append(hdr, q->accept)))
		hdr = h;
	if (!c || !h) {
		snprintf(detail, dlen, "libcurl: cannot make a handle");
		goto out;
	}
	if (set_options(c, q, hdr, req, reqlen, body)) {
		snprintf(detail, dlen, "libcurl: cannot set the options");
		goto out;
	}
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http_status);
	if (rc != CURLE_OK) {
		if (body->over || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(detail, dlen, "the answer is over %zu bytes", body->max);
		else
			snprintf(detail, dlen, "responder unreachable: %s", curl_easy_strerror(rc));
		goto out;
	}
	if (*http_status != 200) {
		snprintf(detail, dlen, "responder answered HTTP %ld", *http_status);
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	return ret;
}
