/* cades: CMS SignedData (CAdES-BES) with an external signer (the card). See cades.h.
 *
 * How the private key stays on the card while OpenSSL builds the structure:
 *  1. CMS_sign(NULL, ..., CMS_PARTIAL | CMS_DETACHED | CMS_BINARY) makes an empty SignedData
 *     without content;
 *  2. CMS_add1_signer() with the certificate's *public* key (it only compares it with the
 *     certificate) and CMS_PARTIAL (no signing), CMS_CADES (ESS signingCertificateV2 with
 *     SHA-256 over the certificate and its issuer/serial), CMS_NOSMIMECAP;
 *  3. contentType, signingTime and messageDigest are added as signed attributes (what
 *     CMS_final would add before signing with a private key);
 *  4. the attributes are DER-encoded as a SET OF (the PKCS7_ATTR_SIGN template, the same as
 *     OpenSSL's internal CMS_Attributes_Sign: sorted into DER order), hashed, wrapped in a
 *     DigestInfo, signed by the callback, and the signature is set into the SignerInfo's
 *     signature OCTET STRING;
 *  5. the ContentInfo is encoded, parsed back and checked with CMS_verify (signature and
 *     messageDigest) against the content. */
#include "signer/cades.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "jpki/jpki.h"

#define CONTENT_MAX ((size_t)1 << 20)

const char *cades_strerror(int err)
{
	switch (err) {
	case CADES_OK:
		return "ok";
	case CADES_EINPUT:
		return "bad input (certificate or content)";
	case CADES_EKEY:
		return "the certificate's key is not RSA-2048";
	case CADES_ENOMEM:
		return "out of memory";
	case CADES_ECRYPTO:
		return "an OpenSSL operation failed";
	case CADES_ESIGN:
		return "the card did not sign";
	case CADES_EVERIFY:
		return "the signature does not verify with the certificate";
	}
	return "unknown CMS error";
}

static X509 *cert_load(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (!der || len == 0 || len > CADES_CERT_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) { /* trailing bytes */
		X509_free(x);
		return NULL;
	}
	return x;
}

static int key_ok(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	return pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) == 2048 &&
	       EVP_PKEY_get_size(pk) == CADES_SIG_BYTES;
}

int cades_cert_key_ok(const uint8_t *cert, size_t len)
{
	X509 *x = cert_load(cert, len);
	int ok = x && key_ok(x);
	X509_free(x);
	return ok;
}

/* Verify der (the whole ContentInfo) against content: signature and messageDigest. */
static enum cades_err self_check(const uint8_t *der, size_t derlen, const uint8_t *content,
                                 size_t len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	enum cades_err e = CADES_EVERIFY;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)derlen);
	if (!cms || p != der + derlen)
		goto out;
	in = BIO_new_mem_buf(content, (int)len);
	if (!in) {
		e = CADES_ENOMEM;
		goto out;
	}
	/* no CMS_CADES here: with it OpenSSL 3.0 verifies the certificate path whatever the
	 * other flags say, and the trust anchors are the portal's business */
	if (CMS_verify(cms, NULL, NULL, in, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1)
		e = CADES_OK;
out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return e;
}

/* contentType, signingTime and messageDigest: the attributes CMS_final would add. */
static enum cades_err add_signed_attrs(CMS_SignerInfo *si, const uint8_t *content, size_t len,
                                       time_t signing_time)
{
	uint8_t md[32];
	unsigned int mdlen;
	ASN1_TIME *st;
	enum cades_err e = CADES_ECRYPTO;

	if (!EVP_Digest(content, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md))
		return CADES_ECRYPTO;
	st = ASN1_TIME_set(NULL, signing_time);
	if (!st)
		return CADES_ECRYPTO;
	if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
	                                OBJ_nid2obj(NID_pkcs7_data), -1) > 0 &&
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(st), st, -1) >
	        0 &&
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md,
	                                (int)sizeof(md)) > 0)
		e = CADES_OK;
	ASN1_TIME_free(st);
	return e;
}

/* The DigestInfo of the DER SET OF the signed attributes: what the signature covers. */
static enum cades_err signed_attrs_digestinfo(CMS_SignerInfo *si, uint8_t *di, size_t cap,
                                              size_t *dilen)
{
	STACK_OF(X509_ATTRIBUTE) *attrs = sk_X509_ATTRIBUTE_new_null();
	unsigned char *abuf = NULL;
	uint8_t amd[32];
	unsigned int mdlen;
	int alen, n;
	enum cades_err e = CADES_ENOMEM;

	if (!attrs)
		return CADES_ENOMEM;
	n = CMS_signed_get_attr_count(si);
	for (int i = 0; i < n; i++)
		if (!sk_X509_ATTRIBUTE_push(attrs, CMS_signed_get_attr(si, i)))
			goto out;
	e = CADES_ECRYPTO;
	alen = ASN1_item_i2d((ASN1_VALUE *)attrs, &abuf, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
	if (alen <= 0 || !abuf)
		goto out;
	if (!EVP_Digest(abuf, (size_t)alen, amd, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != sizeof(amd))
		goto out;
	if (jpki_digestinfo_build(JPKI_HASH_SHA256, amd, sizeof(amd), di, cap, dilen) == JPKI_OK)
		e = CADES_OK;
out:
	OPENSSL_free(abuf);
	sk_X509_ATTRIBUTE_free(attrs); /* the attributes belong to the SignerInfo */
	return e;
}

/* The ContentInfo encoded, checked against the content and copied into *out (malloc'd). */
static enum cades_err encode_checked(CMS_ContentInfo *cms, const uint8_t *content, size_t len,
                                     uint8_t **out, size_t *outlen)
{
	unsigned char *der = NULL;
	int derlen = i2d_CMS_ContentInfo(cms, &der);
	enum cades_err e = CADES_ECRYPTO;

	if (derlen <= 0 || !der)
		goto out;
	e = self_check(der, (size_t)derlen, content, len);
	if (e != CADES_OK)
		goto out;
	*out = malloc((size_t)derlen);
	if (!*out) {
		e = CADES_ENOMEM;
		goto out;
	}
	memcpy(*out, der, (size_t)derlen);
	*outlen = (size_t)derlen;
out:
	OPENSSL_free(der);
	return e;
}

/* Steps 1-5 of the comment at the top on a loaded certificate. */
static enum cades_err sign_with(X509 *cert, const uint8_t *content, size_t len, time_t signing_time,
                                cades_sign_fn fn, void *ctx, int *sign_rc, uint8_t **out,
                                size_t *outlen)
{
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	uint8_t di[JPKI_DIGESTINFO_MAX], sig[CADES_SIG_BYTES];
	size_t dilen;
	enum cades_err e = CADES_ECRYPTO;
	int rc;

	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	if (!cms)
		return CADES_ECRYPTO;
	si = CMS_add1_signer(cms, cert, X509_get0_pubkey(cert), EVP_sha256(),
	                     CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES);
	if (!si)
		goto out;
	e = add_signed_attrs(si, content, len, signing_time);
	if (e == CADES_OK)
		e = signed_attrs_digestinfo(si, di, sizeof(di), &dilen);
	if (e != CADES_OK)
		goto out;
	rc = fn(ctx, di, dilen, sig);
	if (rc != 0) {
		if (sign_rc)
			*sign_rc = rc;
		e = CADES_ESIGN;
		goto out;
	}
	e = CADES_ECRYPTO;
	if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)sizeof(sig)))
		e = encode_checked(cms, content, len, out, outlen);
out:
	CMS_ContentInfo_free(cms);
	return e;
}

enum cades_err cades_sign_detached(const uint8_t *cert_der, size_t cert_len, const uint8_t *content,
                                   size_t len, time_t signing_time, cades_sign_fn fn, void *ctx,
                                   int *sign_rc, uint8_t **out, size_t *outlen)
{
	X509 *cert;
	enum cades_err e;

	if (sign_rc)
		*sign_rc = 0;
	if (!out || !outlen || !fn || !content || len == 0 || len > CONTENT_MAX)
		return CADES_EINPUT;
	*out = NULL;
	*outlen = 0;
	cert = cert_load(cert_der, cert_len);
	if (!cert)
		e = CADES_EINPUT;
	else if (!key_ok(cert))
		e = CADES_EKEY;
	else
		e = sign_with(cert, content, len, signing_time, fn, ctx, sign_rc, out, outlen);
	if (e == CADES_ECRYPTO || e == CADES_EVERIFY)
		ERR_clear_error();
	X509_free(cert);
	return e;
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

enum cert_validity cades_cert_validity(const uint8_t *cert, size_t len, time_t now,
                                       time_t *not_before, time_t *not_after)
{
	X509 *x = cert_load(cert, len);
	time_t nb, na;
	enum cert_validity v = CERT_BAD;

	if (!x)
		return CERT_BAD;
	if (asn1_time_to_time_t(X509_get0_notBefore(x), &nb) != 0 ||
	    asn1_time_to_time_t(X509_get0_notAfter(x), &na) != 0)
		goto out;
	if (not_before)
		*not_before = nb;
	if (not_after)
		*not_after = na;
	if (now < nb)
		v = CERT_NOT_YET;
	else if (now > na)
		v = CERT_EXPIRED;
	else
		v = CERT_VALID;
out:
	X509_free(x);
	return v;
}
