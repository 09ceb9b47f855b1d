/* cms_fixture: a detached DER CMS for the unit tests that need a signature (the evidence ZIP,
 * the time-stamp queue), signed by a new self-signed P-256 certificate named cn. Include after
 * cmocka.h. */
#ifndef MADOGUCHI_TEST_CMS_FIXTURE_H
#define MADOGUCHI_TEST_CMS_FIXTURE_H

#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* The CMS of content into *der (OPENSSL_free it); its length. */
static int make_cms_of(const char *content, const char *cn, unsigned char **der)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(k);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	CMS_ContentInfo *cms = CMS_sign(x, k, NULL, in, CMS_BINARY | CMS_DETACHED);
	assert_non_null(cms);
	*der = NULL;
	int n = i2d_CMS_ContentInfo(cms, der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(x);
	EVP_PKEY_free(k);
	return n;
}

#endif
