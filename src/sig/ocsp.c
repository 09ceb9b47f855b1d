/* ocsp: one OCSP exchange for the signature verification (see ocsp.h). The request carries a
 * SHA-1 CertID (what RFC 5019 responders and `openssl ocsp` expect) and a nonce; the answer is
 * read into a fixed buffer of VERIFY_OCSP_RESPONSE_MAX bytes with libcurl timeouts, then checked:
 * HTTP 200, responseStatus successful, a basic response signed by the issuing CA or a responder
 * it delegated (OCSP_basic_verify against the caller's store of anchors), the nonce when the
 * responder echoes it, a SingleResponse for our CertID, thisUpdate/nextUpdate around `now`. */
#include "sig/ocsp.h"
#include "sig/post.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "sig/verify.h"

static void set_detail(struct sig_ocsp_answer *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_detail(struct sig_ocsp_answer *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

int sig_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

const char *sig_ocsp_reason_name(int reason)
{
	switch (reason) {
	case OCSP_REVOKED_STATUS_KEYCOMPROMISE:
		return "keyCompromise";
	case OCSP_REVOKED_STATUS_CACOMPROMISE:
		return "CACompromise";
	case OCSP_REVOKED_STATUS_AFFILIATIONCHANGED:
		return "affiliationChanged";
	case OCSP_REVOKED_STATUS_SUPERSEDED:
		return "superseded";
	case OCSP_REVOKED_STATUS_CESSATIONOFOPERATION:
		return "cessationOfOperation";
	case OCSP_REVOKED_STATUS_CERTIFICATEHOLD:
		return "certificateHold";
	case OCSP_REVOKED_STATUS_REMOVEFROMCRL:
		return "removeFromCRL";
	default:
		return "unspecified";
	}
}

/* POSTs req (reqlen bytes) to the responder; fills body. 0, or -1 with a->detail set. */
static int post(const struct sig_ocsp_query *q, const unsigned char *req, long reqlen,
                struct sig_body *body, struct sig_ocsp_answer *a)
{
	struct sig_post p = {
	    .url = q->url,
	    .proxy = q->proxy,
	    .content_type = "Content-Type: application/ocsp-request",
	    .accept = "Accept: application/ocsp-response",
	    .user_agent = "madoguchi-ocsp/1",
	    .timeout_ms = q->timeout_ms,
	    .connect_timeout_ms = q->connect_timeout_ms,
	};
	return sig_post(&p, req, reqlen, body, &a->http_status, a->detail, sizeof(a->detail));
}

/* The DER of a request for q's certificate with a nonce, and its CertID kept in *id to find
 * the answer by. Returns the length, or -1 when out of memory. */
static int make_request(const struct sig_ocsp_query *q, OCSP_CERTID **id, OCSP_REQUEST **req,
                        unsigned char **der)
{
	OCSP_CERTID *id_req;
	int n;

	*id = OCSP_cert_to_id(EVP_sha1(), q->cert, q->issuer);
	if (!*id)
		return -1;
	id_req = OCSP_CERTID_dup(*id);
	*req = OCSP_REQUEST_new();
	if (!id_req || !*req || !OCSP_request_add0_id(*req, id_req)) {
		OCSP_CERTID_free(id_req);
		return -1;
	}
	/* id_req is owned by the request now */
	if (!OCSP_request_add1_nonce(*req, NULL, -1))
		return -1;
	n = i2d_OCSP_REQUEST(*req, der);
	return n > 0 ? n : -1;
}

/* The basic response in the body of a successful OCSP response, or NULL with a->detail set. */
static OCSP_BASICRESP *basic_response(const struct sig_body *body, OCSP_RESPONSE **resp,
                                      struct sig_ocsp_answer *a)
{
	const unsigned char *p = body->p;
	OCSP_BASICRESP *bs;
	int rs;

	*resp = d2i_OCSP_RESPONSE(NULL, &p, (long)body->len);
	if (!*resp || p != body->p + body->len) {
		set_detail(a, "the answer is not an OCSP response (%zu bytes)", body->len);
		return NULL;
	}
	rs = OCSP_response_status(*resp);
	if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		set_detail(a, "responder status: %s", OCSP_response_status_str(rs));
		return NULL;
	}
	bs = OCSP_response_get1_basic(*resp);
	if (!bs)
		set_detail(a, "not a basic OCSP response");
	return bs;
}

/* thisUpdate and nextUpdate read into a and checked against q->now. 0, or -1 with a->detail
 * set. */
static int check_times(const struct sig_ocsp_query *q, OCSP_BASICRESP *bs,
                       ASN1_GENERALIZEDTIME *thisupd, ASN1_GENERALIZEDTIME *nextupd,
                       struct sig_ocsp_answer *a)
{
	const ASN1_GENERALIZEDTIME *produced = OCSP_resp_get0_produced_at(bs);

	if (produced)
		sig_asn1_time(produced, &a->produced_at);
	if (sig_asn1_time(thisupd, &a->this_update) != 0) {
		set_detail(a, "the response has a malformed thisUpdate");
		return -1;
	}
	if (nextupd && sig_asn1_time(nextupd, &a->next_update) != 0) {
		set_detail(a, "the response has a malformed nextUpdate");
		return -1;
	}
	if (a->this_update > q->now + q->clock_skew) {
		set_detail(a, "the response's thisUpdate is in the future");
		return -1;
	}
	if (nextupd ? a->next_update + q->clock_skew < q->now
	            : a->this_update + q->max_age < q->now) {
		set_detail(a, "the response is stale");
		return -1;
	}
	return 0;
}

static void set_status(struct sig_ocsp_answer *a, int st, int reason, ASN1_GENERALIZEDTIME *rev)
{
	switch (st) {
	case V_OCSP_CERTSTATUS_GOOD:
		a->status = SIG_OCSP_GOOD;
		set_detail(a, "good");
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		a->status = SIG_OCSP_REVOKED;
		a->revocation_reason = reason;
		if (rev)
			sig_asn1_time(rev, &a->revocation_time);
		set_detail(a, "revoked (%s)", sig_ocsp_reason_name(reason));
		break;
	default:
		a->status = SIG_OCSP_UNKNOWN;
		set_detail(a, "the responder does not know the certificate");
		break;
	}
}

/* Checks the basic response bs to req (nonce, signature, our CertID id, times) and sets
 * a's status from it; leaves a->status SIG_OCSP_UNAVAILABLE with a->detail on a failure. */
static void check_answer(const struct sig_ocsp_query *q, OCSP_REQUEST *req, OCSP_BASICRESP *bs,
                         OCSP_CERTID *id, struct sig_ocsp_answer *a)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int st, reason = -1;

	/* 1: echoed, 2: neither sent one, -1: the responder does not do nonces (allowed: the
	 * freshness check still holds), 0: a different nonce (a replay) */
	if (OCSP_check_nonce(req, bs) == 0) {
		set_detail(a, "the response nonce does not match the request");
		return;
	}
	if (OCSP_basic_verify(bs, NULL, q->store, 0) <= 0) {
		unsigned long e = ERR_peek_last_error();
		set_detail(a, "the response is not signed by the issuer or its responder: %s",
		           e ? ERR_reason_error_string(e) : "verification failed");
		return;
	}
	if (!OCSP_resp_find_status(bs, id, &st, &reason, &rev, &thisupd, &nextupd)) {
		set_detail(a, "the response has no status for this certificate");
		return;
	}
	if (check_times(q, bs, thisupd, nextupd, a) == 0)
		set_status(a, st, reason, rev);
}

int sig_ocsp_check(const struct sig_ocsp_query *q, struct sig_ocsp_answer *a)
{
	OCSP_CERTID *id = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	unsigned char *reqder = NULL;
	struct sig_body body = {0};
	struct timespec t0;
	int reqlen, ret = -1;

	memset(a, 0, sizeof(*a));
	a->status = SIG_OCSP_UNAVAILABLE;
	a->revocation_reason = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	reqlen = make_request(q, &id, &req, &reqder);
	body.max = VERIFY_OCSP_RESPONSE_MAX;
	body.p = reqlen > 0 ? malloc(body.max) : NULL;
	if (!body.p) {
		set_detail(a, "out of memory");
		goto out;
	}
	ret = 0; /* from here every failure is an answer: the responder is unavailable */
	if (post(q, reqder, reqlen, &body, a) == 0 && (bs = basic_response(&body, &resp, a)))
		check_answer(q, req, bs, id, a);
	if (a->status != SIG_OCSP_UNAVAILABLE) { /* the response that decided: kept as evidence */
		unsigned char *der = realloc(body.p, body.len ? body.len : 1);
		if (der) {
			a->der = der;
			a->der_len = body.len;
			body.p = NULL;
		} else {
			ret = -1;
		}
	}
out:
	a->elapsed_ms = elapsed_ms(&t0);
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	free(body.p);
	OPENSSL_free(reqder);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	return ret;
}
