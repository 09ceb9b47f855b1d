/* test_tsa: the RFC 3161 exchange's request and reply checks (sig/tsa.c) against replies
 * made here by OpenSSL's own time-stamp responder (TS_RESP_CTX) with a TSA certificate whose
 * extendedKeyUsage is critical timeStamping: the request's fields, a granted reply accepted
 * (with and without the TSA's CA), a reply over another imprint or to another nonce refused,
 * a rejection, garbage and trailing bytes refused, a CA that did not issue the TSA refused,
 * and the signature value's imprint of a CMS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "sig/tsa.h"

static const uint8_t IMPRINT[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t NONCE[8] = {0x81, 2, 3, 4, 5, 6, 7, 8};

struct tsa {
	EVP_PKEY *key;
	X509 *cert;
	char ca_file[64];
};

/* A self-signed certificate named cn, with extendedKeyUsage critical timeStamping when tsa. */
static X509 *make_cert(EVP_PKEY *k, const char *cn, int tsa)
{
	X509 *x = X509_new();
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	if (tsa) {
		X509_EXTENSION *e =
		    X509V3_EXT_conf_nid(NULL, NULL, NID_ext_key_usage, "critical,timeStamping");
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	return x;
}

static int setup(void **state)
{
	struct tsa *t = calloc(1, sizeof(*t));
	t->key = EVP_EC_gen("P-256");
	t->cert = make_cert(t->key, "test TSA", 1);
	snprintf(t->ca_file, sizeof(t->ca_file), "/tmp/test_tsa_ca.XXXXXX");
	int fd = mkstemp(t->ca_file);
	FILE *f = fdopen(fd, "w");
	PEM_write_X509(f, t->cert);
	fclose(f);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tsa *t = *state;
	unlink(t->ca_file);
	X509_free(t->cert);
	EVP_PKEY_free(t->key);
	free(t);
	return 0;
}

/* The reply of OpenSSL's responder to the request for imprint and nonce (mds: the digests it
 * accepts) into *der: its length. */
static int reply(const struct tsa *t, const uint8_t imprint[32], const uint8_t nonce[8],
                 const EVP_MD *md, unsigned char **der)
{
	unsigned char *req = NULL;
	int n = tsa_request(imprint, nonce, &req);
	assert_true(n > 0);
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, t->cert), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, t->key), 1);
	ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
	TS_RESP_CTX_set_def_policy(ctx, policy);
	TS_RESP_CTX_add_md(ctx, md);
	TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
	BIO *in = BIO_new_mem_buf(req, n);
	TS_RESP *resp = TS_RESP_create_response(ctx, in);
	assert_non_null(resp);
	*der = NULL;
	int len = i2d_TS_RESP(resp, der);
	assert_true(len > 0);
	TS_RESP_free(resp);
	BIO_free(in);
	ASN1_OBJECT_free(policy);
	TS_RESP_CTX_free(ctx);
	OPENSSL_free(req);
	return len;
}

static void test_request(void **state)
{
	unsigned char *der = NULL;
	int n = tsa_request(IMPRINT, NONCE, &der);
	assert_true(n > 0);
	const unsigned char *p = der;
	TS_REQ *req = d2i_TS_REQ(NULL, &p, n);
	assert_non_null(req);
	assert_int_equal(TS_REQ_get_version(req), 1);
	assert_int_equal(TS_REQ_get_cert_req(req), 1);
	TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(req);
	ASN1_OCTET_STRING *h = TS_MSG_IMPRINT_get_msg(mi);
	assert_int_equal(ASN1_STRING_length(h), 32);
	assert_memory_equal(ASN1_STRING_get0_data(h), IMPRINT, 32);
	assert_int_equal(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm), NID_sha256);
	const ASN1_INTEGER *nonce = TS_REQ_get_nonce(req);
	assert_non_null(nonce);
	assert_int_equal(ASN1_STRING_length(nonce), 8);
	assert_memory_equal(ASN1_STRING_get0_data(nonce), NONCE, 8);
	TS_REQ_free(req);
	OPENSSL_free(der);
}

static void test_granted(void **state)
{
	struct tsa *t = *state;
	unsigned char *der;
	int n = reply(t, IMPRINT, NONCE, EVP_sha256(), &der);
	struct tsa_token tok;
	char detail[256];
	time_t now = time(NULL);
	assert_int_equal(
	    tsa_reply_check(der, (size_t)n, IMPRINT, NONCE, NULL, &tok, detail, sizeof(detail)), 0);
	assert_int_equal(tok.len, (size_t)n);
	assert_memory_equal(tok.der, der, (size_t)n);
	assert_true(tok.gen_time >= now - 5 && tok.gen_time <= now + 5);
	free(tok.der);
	/* the TSA's certificate as its CA: the signature verifies too */
	assert_int_equal(tsa_reply_check(der, (size_t)n, IMPRINT, NONCE, t->ca_file, &tok, detail,
	                                 sizeof(detail)),
	                 0);
	free(tok.der);
	OPENSSL_free(der);
}

static void test_mismatch_refused(void **state)
{
	struct tsa *t = *state;
	unsigned char *der;
	int n = reply(t, IMPRINT, NONCE, EVP_sha256(), &der);
	struct tsa_token tok;
	char detail[256];
	uint8_t other[32], nonce2[8];
	memcpy(other, IMPRINT, 32);
	other[31] ^= 1;
	memcpy(nonce2, NONCE, 8);
	nonce2[7] ^= 1;
	assert_int_equal(
	    tsa_reply_check(der, (size_t)n, other, NONCE, NULL, &tok, detail, sizeof(detail)), -1);
	assert_non_null(strstr(detail, "imprint"));
	assert_null(tok.der);
	assert_int_equal(
	    tsa_reply_check(der, (size_t)n, IMPRINT, nonce2, NULL, &tok, detail, sizeof(detail)),
	    -1);
	assert_non_null(strstr(detail, "nonce"));
	assert_null(tok.der);
	OPENSSL_free(der);
}

static void test_rejection_and_garbage_refused(void **state)
{
	struct tsa *t = *state;
	unsigned char *der;
	/* the responder takes only SHA-384: it rejects the SHA-256 request */
	int n = reply(t, IMPRINT, NONCE, EVP_sha384(), &der);
	struct tsa_token tok;
	char detail[256];
	assert_int_equal(
	    tsa_reply_check(der, (size_t)n, IMPRINT, NONCE, NULL, &tok, detail, sizeof(detail)),
	    -1);
	assert_null(tok.der);
	OPENSSL_free(der);
	n = reply(t, IMPRINT, NONCE, EVP_sha256(), &der);
	unsigned char *longer = malloc((size_t)n + 1);
	memcpy(longer, der, (size_t)n);
	longer[n] = 0;
	assert_int_equal(tsa_reply_check(longer, (size_t)n + 1, IMPRINT, NONCE, NULL, &tok, detail,
	                                 sizeof(detail)),
	                 -1);
	assert_non_null(strstr(detail, "not a TimeStampResp"));
	assert_int_equal(
	    tsa_reply_check(der, (size_t)n / 2, IMPRINT, NONCE, NULL, &tok, detail, sizeof(detail)),
	    -1);
	assert_int_equal(tsa_reply_check((const uint8_t *)"", 0, IMPRINT, NONCE, NULL, &tok, detail,
	                                 sizeof(detail)),
	                 -1);
	free(longer);
	OPENSSL_free(der);
}

static void test_other_ca_refused(void **state)
{
	struct tsa *t = *state;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	struct tsa other = {.key = k, .cert = make_cert(k, "another TSA", 1)};
	unsigned char *der;
	int n = reply(&other, IMPRINT, NONCE, EVP_sha256(), &der);
	struct tsa_token tok;
	char detail[256];
	assert_int_equal(tsa_reply_check(der, (size_t)n, IMPRINT, NONCE, t->ca_file, &tok, detail,
	                                 sizeof(detail)),
	                 -1);
	assert_null(tok.der);
	assert_int_equal(tsa_reply_check(der, (size_t)n, IMPRINT, NONCE, "/nonexistent/ca.pem",
	                                 &tok, detail, sizeof(detail)),
	                 -1);
	assert_non_null(strstr(detail, "does not load"));
	OPENSSL_free(der);
	X509_free(other.cert);
	EVP_PKEY_free(k);
}

static void test_signature_imprint(void **state)
{
	struct tsa *t = *state;
	BIO *in = BIO_new_mem_buf("content", 7);
	CMS_ContentInfo *cms = CMS_sign(t->cert, t->key, NULL, in, CMS_BINARY | CMS_DETACHED);
	assert_non_null(cms);
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	ASN1_OCTET_STRING *sig =
	    CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
	uint8_t want[32], got[32];
	EVP_Digest(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), want, NULL,
	           EVP_sha256(), NULL);
	assert_int_equal(tsa_signature_imprint(der, (size_t)n, got), 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(tsa_signature_imprint((const uint8_t *)"not a CMS", 9, got), -1);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request),
	    cmocka_unit_test(test_granted),
	    cmocka_unit_test(test_mismatch_refused),
	    cmocka_unit_test(test_rejection_and_garbage_refused),
	    cmocka_unit_test(test_other_ca_refused),
	    cmocka_unit_test(test_signature_imprint),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
