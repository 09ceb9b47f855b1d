/* tsa: one RFC 3161 time-stamp of a signature value (see tsa.h). The request and the checks
 * of the reply are OpenSSL's TS_* objects: the reply is verified against a TS_VERIFY_CTX made
 * from the same request (TS_REQ_to_TS_VERIFY_CTX: version, imprint, nonce), so that a token
 * over other bytes or for another request is refused, whatever the TSA says. */
#include "sig/tsa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "sig/ocsp.h"
#include "sig/post.h"

int tsa_signature_imprint(const uint8_t *cms, size_t len, uint8_t imprint[32])
{
	const unsigned char *p = cms;
	CMS_ContentInfo *ci = len <= 0x7fffffff ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
	STACK_OF(CMS_SignerInfo) *sis = ci ? CMS_get0_SignerInfos(ci) : NULL;
	ASN1_OCTET_STRING *sig = NULL;
	int rc = -1;

	if (sis && sk_CMS_SignerInfo_num(sis) == 1)
		sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(sis, 0));
	if (sig && ASN1_STRING_length(sig) > 0 &&
	    EVP_Digest(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), imprint, NULL,
	               EVP_sha256(), NULL) == 1)
		rc = 0;
	CMS_ContentInfo_free(ci);
	ERR_clear_error();
	return rc;
}

/* The TS_REQ for imprint and nonce (version 1, SHA-256, certReq), or NULL. */
static TS_REQ *make_req(const uint8_t imprint[32], const uint8_t nonce[8])
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = BN_bin2bn(nonce, 8, NULL);
	ASN1_INTEGER *n = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	int ok = req && mi && alg && n &&
	         X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
	         TS_MSG_IMPRINT_set_algo(mi, alg) &&
	         TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)imprint, 32) &&
	         TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
	         TS_REQ_set_nonce(req, n) && TS_REQ_set_cert_req(req, 1);
	/* the setters copy what they are given */
	ASN1_INTEGER_free(n);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

int tsa_request(const uint8_t imprint[32], const uint8_t nonce[8], unsigned char **der)
{
	TS_REQ *req = make_req(imprint, nonce);
	int n = req ? i2d_TS_REQ(req, der) : -1;
	TS_REQ_free(req);
	ERR_clear_error();
	return n > 0 ? n : -1;
}

/* The verification context of the request for imprint and nonce, with the TSA's CA when
 * ca_file is set (the signature then checked too), or NULL with detail. */
static TS_VERIFY_CTX *verify_ctx(const uint8_t imprint[32], const uint8_t nonce[8],
                                 const char *ca_file, char *detail, size_t dlen)
{
	TS_REQ *req = make_req(imprint, nonce);
	TS_VERIFY_CTX *ctx = req ? TS_REQ_to_TS_VERIFY_CTX(req, NULL) : NULL;
	int flags = TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE;
	TS_REQ_free(req);
	if (!ctx) {
		snprintf(detail, dlen, "out of memory");
		return NULL;
	}
	if (ca_file && ca_file[0]) {
		X509_STORE *st = X509_STORE_new();
		if (!st || X509_STORE_load_file(st, ca_file) != 1) {
			X509_STORE_free(st);
			TS_VERIFY_CTX_free(ctx);
			snprintf(detail, dlen, "the TSA's CA file %.200s does not load", ca_file);
			return NULL;
		}
		TS_VERIFY_CTX_set_store(ctx, st); /* the context's now */
		flags |= TS_VFY_SIGNATURE | TS_VFY_SIGNER;
	}
	TS_VERIFY_CTX_set_flags(ctx, flags);
	return ctx;
}

/* The reason OpenSSL gave last, for a detail. */
static const char *last_error(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "verification failed";
}

int tsa_reply_check(const uint8_t *reply, size_t len, const uint8_t imprint[32],
                    const uint8_t nonce[8], const char *ca_file, struct tsa_token *tok,
                    char *detail, size_t dlen)
{
	const unsigned char *p = reply;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	int rc = -1;

	memset(tok, 0, sizeof(*tok));
	if (len > TSA_REPLY_MAX || !(resp = d2i_TS_RESP(NULL, &p, (long)len)) || p != reply + len) {
		snprintf(detail, dlen, "the reply is not a TimeStampResp (%zu bytes)", len);
		goto out;
	}
	if (!(ctx = verify_ctx(imprint, nonce, ca_file, detail, dlen)))
		goto out;
	/* status granted (or with modifications), then the token against the request */
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		snprintf(detail, dlen, "the reply is refused: %s", last_error());
		goto out;
	}
	TS_TST_INFO *ti = TS_RESP_get_tst_info(resp);
	if (!ti || sig_asn1_time(TS_TST_INFO_get_time(ti), &tok->gen_time) != 0) {
		snprintf(detail, dlen, "the token has no usable genTime");
		goto out;
	}
	if (!(tok->der = malloc(len))) {
		snprintf(detail, dlen, "out of memory");
		goto out;
	}
	memcpy(tok->der, reply, len);
	tok->len = len;
	rc = 0;
out:
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}

int tsa_stamp(const struct tsa_query *q, const uint8_t imprint[32], struct tsa_token *tok,
              char *detail, size_t dlen)
{
	uint8_t nonce[8];
	unsigned char *req = NULL;
	struct sig_body body = {.max = TSA_REPLY_MAX};
	long status = 0;
	int n, rc = -1;

	memset(tok, 0, sizeof(*tok));
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 || (n = tsa_request(imprint, nonce, &req)) < 0 ||
	    !(body.p = malloc(body.max))) {
		snprintf(detail, dlen, "out of memory");
		goto out;
	}
	struct sig_post p = {
	    .url = q->url,
	    .content_type = "Content-Type: application/timestamp-query",
	    .accept = "Accept: application/timestamp-reply",
	    .user_agent = "madoguchi-tsa/1",
	    .timeout_ms = q->timeout_ms,
	    .connect_timeout_ms = q->connect_timeout_ms,
	};
	if (sig_post(&p, req, n, &body, &status, detail, dlen) == 0)
		rc = tsa_reply_check(body.p, body.len, imprint, nonce, q->ca_file, tok, detail,
		                     dlen);
out:
	OPENSSL_free(req);
	free(body.p);
	ERR_clear_error();
	return rc;
}
