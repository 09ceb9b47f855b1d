/* verify: the portal's check of a CMS signature made with a My Number Card's signing certificate
 * (see verify.h for the API and docs/verification.md for the checks, their order and the JSON
 * record): the checks of one verification in their order. The trust anchors and the CRL cache
 * are in trust.c, the report in report.c, the revocation check in revocation.c, OCSP in
 * ocsp.c. Nothing here logs: the report says everything. */
#include "sig/verify_impl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "sig/ocsp.h"
#include "util/enc.h"
#include "util/token.h"

#define BAG_MAX 16   /* certificates in one signature */
#define ATTRS_MAX 32 /* signed attributes */

/* ---- one verification -------------------------------------------------------------------- */

/* The single value of a signed attribute that must be there once. NULL with *why set. */
static const ASN1_TYPE *single_attr(CMS_SignerInfo *si, int nid, int type, const char **why)
{
	X509_ATTRIBUTE *a;
	const ASN1_TYPE *v;
	int i = CMS_signed_get_attr_by_NID(si, nid, -1);

	if (i < 0) {
		*why = "missing";
		return NULL;
	}
	if (CMS_signed_get_attr_by_NID(si, nid, i) >= 0) {
		*why = "repeated";
		return NULL;
	}
	a = CMS_signed_get_attr(si, i);
	if (!a || X509_ATTRIBUTE_count(a) != 1) {
		*why = "not single-valued";
		return NULL;
	}
	v = X509_ATTRIBUTE_get0_type(a, 0);
	if (!v || v->type != type) {
		*why = "of the wrong type";
		return NULL;
	}
	return v;
}

/* An optional single-valued SEQUENCE attribute (ESS). 1 found, 0 absent, -1 malformed. */
static int optional_seq(CMS_SignerInfo *si, int nid, const unsigned char **p, long *len)
{
	const char *why;
	const ASN1_TYPE *v;

	if (CMS_signed_get_attr_by_NID(si, nid, -1) < 0)
		return 0;
	v = single_attr(si, nid, V_ASN1_SEQUENCE, &why);
	if (!v)
		return -1;
	*p = v->value.sequence->data;
	*len = v->value.sequence->length;
	return 1;
}

#define BAD_FORMAT(r, ...) vr_fail(r, CK_FORMAT, VERIFY_RESULT_BAD_FORMAT, __VA_ARGS__)

/* DER of a detached SignedData of id-data with exactly one signer: c->cms and c->si. */
static int check_envelope(struct vctx *c)
{
	verify_report *r = c->r;
	STACK_OF(CMS_SignerInfo) * sis;
	unsigned char *stripped = NULL;
	size_t slen = 0;
	const unsigned char *p, *end;
	int n, parsed;

	if (c->len == 0)
		return BAD_FORMAT(r, "empty signature");
	if (c->len > VERIFY_CMS_MAX)
		return BAD_FORMAT(r, "signature over %zu bytes", VERIFY_CMS_MAX);
	/* one certificate, cached: parse the rest (the certificate is the cached one, byte for
	 * byte) */
	c->ce = cert_cache_get_der(c->t->cache, c->der, c->len, &stripped, &slen);
	p = stripped ? stripped : c->der;
	end = stripped ? stripped + slen : c->der + c->len;
	/* in the null-provider context: the certificates' keys stay undecoded (signer_key) */
	c->cms = CMS_ContentInfo_new_ex(c->t->parse_ctx, NULL);
	if (!c->cms) {
		free(stripped);
		r->oom = 1;
		return -1;
	}
	parsed = d2i_CMS_ContentInfo(&c->cms, &p, (long)(end - p)) != NULL;
	free(stripped);
	if (!parsed) {
		c->cms = NULL; /* freed by the failed d2i */
		return BAD_FORMAT(r, "not a DER CMS ContentInfo");
	}
	if (p != end)
		return BAD_FORMAT(r, "%zu bytes after the CMS", (size_t)(end - p));
	if (OBJ_obj2nid(CMS_get0_type(c->cms)) != NID_pkcs7_signed)
		return BAD_FORMAT(r, "not SignedData");
	if (OBJ_obj2nid(CMS_get0_eContentType(c->cms)) != NID_pkcs7_data)
		return BAD_FORMAT(r, "the encapsulated content type is not id-data");
	if (CMS_is_detached(c->cms) != 1)
		return BAD_FORMAT(r, "the content is attached; a detached signature is expected");
	sis = CMS_get0_SignerInfos(c->cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n != 1)
		return BAD_FORMAT(r, "%d signers; exactly one expected", n);
	c->si = sk_CMS_SignerInfo_value(sis, 0);
	return 0;
}

/* The signer's RSA key of at least VERIFY_RSA_BITS_MIN bits, decoded from the certificate's
 * SubjectPublicKeyInfo in the default context (d2i_PublicKey: no OSSL_DECODER); NULL with *why
 * set when the key is not one. */
static EVP_PKEY *signer_key(X509 *x, const char **why)
{
	X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
	ASN1_OBJECT *alg = NULL;
	const unsigned char *pk = NULL, *q;
	int pklen = 0;
	EVP_PKEY *key;

	*why = "not an RSA key";
	if (!xpk || !X509_PUBKEY_get0_param(&alg, &pk, &pklen, NULL, xpk) || !pk ||
	    OBJ_obj2nid(alg) != NID_rsaEncryption)
		return NULL;
	q = pk;
	key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, pklen);
	if (!key || q != pk + pklen) {
		*why = "a malformed RSA key";
		EVP_PKEY_free(key);
		return NULL;
	}
	if (EVP_PKEY_get_bits(key) < VERIFY_RSA_BITS_MIN) {
		*why = "an RSA key of under 2048 bits";
		EVP_PKEY_free(key);
		return NULL;
	}
	*why = NULL;
	return key;
}

/* c->ce: the leaf's entry in the cache, or a new one with the leaf's key. 0, or -1 (memory). */
static int signer_entry(struct vctx *c)
{
	if (c->ce)
		return 0;
	if (vr_cert_sha256(c->leaf, c->leaf_sha256) != 0)
		return -1;
	c->ce = cert_cache_get(c->t->cache, c->leaf_sha256);
	if (c->ce)
		return 0;
	c->ce = calloc(1, sizeof(*c->ce));
	if (!c->ce)
		return -1;
	c->ce->refs = 1;
	c->ce_new = 1;
	if (X509_up_ref(c->leaf))
		c->ce->leaf = c->leaf;
	memcpy(c->ce->sha256, c->leaf_sha256, sizeof(c->leaf_sha256));
	c->ce->key = signer_key(c->leaf, &c->key_why);
	return 0;
}

/* The report's "certificate" object: made (and kept in the new entry), or the cached one. */
static int signer_cert_json(struct vctx *c)
{
	json_t *o;

	if (!c->ce_new) {
		/* shared, never changed (jansson's reference counts are atomic) */
		vr_set(c->r, c->r->root, "certificate", json_incref(c->ce->cert));
		return c->r->oom ? -1 : 0;
	}
	o = vr_cert_json(c->r, c->leaf, c->ce->key, c->leaf_sha256);
	c->ce->cert = json_incref(o); /* shared from now on: chain_report adds to a copy */
	vr_set(c->r, c->r->root, "certificate", o);
	if (!c->ce->cert)
		c->r->oom = 1;
	return c->r->oom ? -1 : 0;
}

/* The certificates of the signature (c->bag) and the signer's among them (c->leaf). */
static int check_signer_cert(struct vctx *c)
{
	verify_report *r = c->r;
	int i, n, found;

	if (c->ce) { /* the signature's one certificate, from the cache (check_envelope) */
		memcpy(c->leaf_sha256, c->ce->sha256, sizeof(c->leaf_sha256));
		c->bag = sk_X509_new_null();
		if (!c->bag || !X509_up_ref(c->ce->leaf) || !sk_X509_push(c->bag, c->ce->leaf)) {
			r->oom = 1;
			return -1;
		}
	} else {
		c->bag = CMS_get1_certs(c->cms);
	}
	n = c->bag ? sk_X509_num(c->bag) : 0;
	if (n == 0)
		return BAD_FORMAT(r, "no certificate in the signature");
	if (n > BAG_MAX)
		return BAD_FORMAT(r, "%d certificates; at most %d", n, BAG_MAX);
	for (i = 0, found = 0; i < n; i++) {
		X509 *x = sk_X509_value(c->bag, i);
		if (CMS_SignerInfo_cert_cmp(c->si, x) == 0) {
			if (found && X509_cmp(c->leaf, x) != 0)
				return BAD_FORMAT(r, "two certificates match the signer");
			c->leaf = x;
			found = 1;
		}
	}
	if (!c->leaf)
		return BAD_FORMAT(r, "the signer's certificate is not in the signature");
	if (signer_entry(c) != 0) {
		r->oom = 1;
		return -1;
	}
	if (signer_cert_json(c) != 0)
		return -1;
	/* (a cached certificate, the same bytes, passed this before) */
	if (c->ce_new && X509_get_extension_flags(c->leaf) & EXFLAG_INVALID)
		return BAD_FORMAT(r, "the signer's certificate has malformed extensions");
	return 0;
}

/* The digest algorithm (SHA-2 only) into c->md; both algorithms go into the report. */
static int check_algorithms(struct vctx *c)
{
	verify_report *r = c->r;
	X509_ALGOR *dig = NULL, *sigalg = NULL;
	char txt[80];
	int nid;

	CMS_SignerInfo_get0_algs(c->si, NULL, NULL, &dig, &sigalg);
	nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	if (dig)
		OBJ_obj2txt(txt, sizeof(txt), dig->algorithm, 0);
	else
		snprintf(txt, sizeof(txt), "none");
	vr_set(r, c->sig, "digest_algorithm", vr_str(r, txt));
	if (sigalg) {
		OBJ_obj2txt(txt, sizeof(txt), sigalg->algorithm, 0);
		vr_set(r, c->sig, "signature_algorithm", vr_str(r, txt));
	}
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512)
		return BAD_FORMAT(r, "digest algorithm %s not accepted (SHA-256, -384, -512)", txt);
	c->md = c->t->sha2[nid == NID_sha256 ? 0 : nid == NID_sha384 ? 1 : 2];
	return 0;
}

/* The signed attributes: contentType id-data, a messageDigest of the digest's size (into
 * c->message_digest), and signingTime when there is one. */
static int check_signed_attrs(struct vctx *c)
{
	verify_report *r = c->r;
	const ASN1_TYPE *v;
	const char *why = "";
	int n = CMS_signed_get_attr_count(c->si);

	if (n <= 0)
		return BAD_FORMAT(r, "no signed attributes");
	if (n > ATTRS_MAX)
		return BAD_FORMAT(r, "%d signed attributes; at most %d", n, ATTRS_MAX);
	v = single_attr(c->si, NID_pkcs9_contentType, V_ASN1_OBJECT, &why);
	if (!v)
		return BAD_FORMAT(r, "contentType attribute %s", why);
	if (OBJ_obj2nid(v->value.object) != NID_pkcs7_data)
		return BAD_FORMAT(r, "the contentType attribute is not id-data");
	v = single_attr(c->si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, &why);
	if (!v)
		return BAD_FORMAT(r, "messageDigest attribute %s", why);
	c->message_digest = v->value.octet_string;
	if (c->message_digest->length != EVP_MD_get_size(c->md))
		return BAD_FORMAT(r, "the messageDigest attribute has %d bytes, not %d",
		                  c->message_digest->length, EVP_MD_get_size(c->md));
	if (CMS_signed_get_attr_by_NID(c->si, NID_pkcs9_signingTime, -1) >= 0) {
		time_t st;
		v = single_attr(c->si, NID_pkcs9_signingTime, V_ASN1_UTCTIME, &why);
		if (!v)
			v = single_attr(c->si, NID_pkcs9_signingTime, V_ASN1_GENERALIZEDTIME, &why);
		if (!v || sig_asn1_time(v->value.utctime, &st) != 0)
			return BAD_FORMAT(r, "malformed signingTime attribute");
		vr_set(r, c->sig, "signing_time", vr_time(st));
	}
	return 0;
}

/* The ESS signingCertificate (v1) and signingCertificateV2 attributes, each optional but
 * well-formed when present, into c->ess1 and c->ess2. */
/* The optional ESS attribute nid (v2: signingCertificateV2) into c->ess1 or c->ess2: 0 when
 * absent or parsed whole, -1 when malformed. */
static int ess_attr(struct vctx *c, int nid, int v2)
{
	const unsigned char *p = NULL, *q;
	long slen = 0;
	int i = optional_seq(c->si, nid, &p, &slen), parsed;

	if (i <= 0)
		return i;
	q = p;
	if (v2)
		parsed = (c->ess2 = d2i_ESS_SIGNING_CERT_V2(NULL, &q, slen)) != NULL;
	else
		parsed = (c->ess1 = d2i_ESS_SIGNING_CERT(NULL, &q, slen)) != NULL;
	return parsed && q == p + slen ? 0 : -1;
}

/* A signingCertificateV2 (and no v1) that is, byte for byte, the one that named this cached
 * certificate before, in a signature that carries that certificate alone: the check would give
 * the same answer (it depends only on the attribute and the certificates). 1 when so. */
static int ess_memo(struct vctx *c)
{
	const unsigned char *p = NULL;
	long len = 0;

	if (c->ce_new || !c->ce->ess2_der || sk_X509_num(c->bag) != 1 ||
	    CMS_signed_get_attr_by_NID(c->si, NID_id_smime_aa_signingCertificate, -1) >= 0 ||
	    optional_seq(c->si, NID_id_smime_aa_signingCertificateV2, &p, &len) != 1)
		return 0;
	return (size_t)len == c->ce->ess2_len && memcmp(p, c->ce->ess2_der, c->ce->ess2_len) == 0;
}

/* Keeps the signingCertificateV2 that passed for a new entry (see ess_memo). */
static void ess_remember(struct vctx *c)
{
	const unsigned char *p = NULL;
	long len = 0;

	if (!c->ce_new || !c->ess2 || c->ess1 || sk_X509_num(c->bag) != 1 ||
	    optional_seq(c->si, NID_id_smime_aa_signingCertificateV2, &p, &len) != 1 || len <= 0)
		return;
	c->ce->ess2_der = malloc((size_t)len);
	if (c->ce->ess2_der) {
		memcpy(c->ce->ess2_der, p, (size_t)len);
		c->ce->ess2_len = (size_t)len;
	}
}

static int check_ess_attrs(struct vctx *c)
{
	c->ess_memo = ess_memo(c);
	if (c->ess_memo)
		return 0;
	if (ess_attr(c, NID_id_smime_aa_signingCertificate, 0) != 0)
		return BAD_FORMAT(c->r, "malformed signingCertificate attribute");
	if (ess_attr(c, NID_id_smime_aa_signingCertificateV2, 1) != 0)
		return BAD_FORMAT(c->r, "malformed signingCertificateV2 attribute");
	return 0;
}

static int check_format(struct vctx *c)
{
	if (check_envelope(c) != 0 || check_signer_cert(c) != 0 || check_algorithms(c) != 0 ||
	    check_signed_attrs(c) != 0 || check_ess_attrs(c) != 0)
		return -1;
	vr_set(c->r, c->sig, "cades", json_boolean(c->ess2 != NULL || c->ess_memo));
	vr_pass(c->r, CK_FORMAT,
	        "SignedData, detached id-data, one signer, contentType and messageDigest");
	return 0;
}

/* The rules CMS_SignerInfo_verify applies to the attributes before the signature (OpenSSL's
 * cms_att.c): no countersignature among the signed attributes, a receiptRequest there once and
 * single-valued, and none of the attributes that belong to the signed ones among the unsigned
 * ones. (contentType, messageDigest, signingTime and the ESS attributes: check_signed_attrs.) */
static int attrs_allowed(CMS_SignerInfo *si)
{
	static const int signed_only[] = {NID_pkcs9_contentType,
	                                  NID_pkcs9_messageDigest,
	                                  NID_pkcs9_signingTime,
	                                  NID_id_smime_aa_signingCertificate,
	                                  NID_id_smime_aa_signingCertificateV2,
	                                  NID_id_smime_aa_receiptRequest};
	int i, n;
	size_t k;

	if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_countersignature, -1) >= 0)
		return 0;
	i = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_receiptRequest, -1);
	if (i >= 0 && (CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_receiptRequest, i) >= 0 ||
	               X509_ATTRIBUTE_count(CMS_signed_get_attr(si, i)) != 1))
		return 0;
	n = CMS_unsigned_get_attr_count(si);
	for (k = 0; n > 0 && k < sizeof(signed_only) / sizeof(signed_only[0]); k++)
		if (CMS_unsigned_get_attr_by_NID(si, signed_only[k], -1) >= 0)
			return 0;
	return 1;
}

int sig_signed_attrs_der(CMS_SignerInfo *si, unsigned char **out, size_t *outlen)
{
	int i, n = CMS_signed_get_attr_count(si), len, total = 0, hdr;
	unsigned char *buf, *p;

	*out = NULL;
	if (n <= 0 || n > ATTRS_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), NULL);
		if (len <= 0 || (size_t)len > VERIFY_CMS_MAX)
			return -1;
		total += len;
	}
	hdr = ASN1_object_size(1, total, V_ASN1_SET);
	if (hdr <= 0 || !(buf = OPENSSL_malloc((size_t)hdr)))
		return -1;
	p = buf;
	ASN1_put_object(&p, 1, total, V_ASN1_SET, V_ASN1_UNIVERSAL);
	for (i = 0; i < n; i++) /* in the order received, as OpenSSL verifies (SET_ORDER) */
		if (i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &p) <= 0) {
			OPENSSL_free(buf);
			return -1;
		}
	*out = buf;
	*outlen = (size_t)(p - buf);
	return *outlen == (size_t)hdr ? 0 : -1;
}

/* A context verifying PKCS #1 v1.5 signatures of digests md with key; NULL when out of memory. */
static EVP_PKEY_CTX *pkcs1_ctx_new(EVP_PKEY *key, const EVP_MD *md)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	if (!pc || EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, md) != 1) {
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	return pc;
}

/* The context for c's signature: SHA-256 with a cached signer, a copy of the entry's; SHA-256
 * with a new one, the entry's own, made now (*owned 0); otherwise a new one (*owned 1). */
static EVP_PKEY_CTX *pkcs1_ctx(struct vctx *c, int *owned)
{
	*owned = 1;
	if (EVP_MD_get_type(c->md) != NID_sha256)
		return pkcs1_ctx_new(c->ce->key, c->md);
	if (!c->ce_new)
		return c->ce->verify_ctx ? EVP_PKEY_CTX_dup(c->ce->verify_ctx)
		                         : pkcs1_ctx_new(c->ce->key, c->md);
	if (!c->ce->verify_ctx) /* the entry is this verification's alone until cached */
		c->ce->verify_ctx = pkcs1_ctx_new(c->ce->key, c->md);
	*owned = 0;
	return c->ce->verify_ctx;
}

/* PKCS #1 v1.5 (signatureAlgorithm rsaEncryption, or sha*WithRSAEncryption as some signers
 * write it) over the DER SET OF the signed attributes: 1 verifies, 0 does not, -1 memory. */
static int attrs_signature_ok(struct vctx *c)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t len = 0;
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(c->si);
	EVP_PKEY_CTX *pc = NULL;
	int ok = 0, owned = 1;

	if (!sig)
		return 0;
	if (sig_signed_attrs_der(c->si, &der, &len) != 0)
		return -1;
	if (!EVP_Digest(der, len, md, &mdlen, c->md, NULL) || !(pc = pkcs1_ctx(c, &owned)))
		ok = -1;
	else
		ok = EVP_PKEY_verify(pc, sig->data, (size_t)sig->length, md, mdlen) == 1;
	if (owned)
		EVP_PKEY_CTX_free(pc);
	OPENSSL_free(der);
	return ok;
}

/* A copy of x parsed in the default context (its key decoded), for what only OpenSSL's own
 * verification code does; NULL when out of memory. */
static X509 *default_ctx_copy(const X509 *x)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int n = i2d_X509(x, &der);
	X509 *y = NULL;

	p = der;
	if (n > 0)
		y = d2i_X509(NULL, &p, n);
	OPENSSL_free(der);
	return y;
}

/* Signature algorithms other than PKCS #1 v1.5 (RSASSA-PSS): OpenSSL's CMS_SignerInfo_verify
 * on the signature parsed again in the default context. 1, 0, or -1 (memory). */
static int attrs_signature_other(struct vctx *c)
{
	const unsigned char *p = c->der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)c->len);
	X509 *leaf = default_ctx_copy(c->leaf);
	CMS_SignerInfo *si;
	int ok = -1;

	if (cms && leaf) {
		si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		CMS_SignerInfo_set1_signer_cert(si, leaf);
		ok = CMS_SignerInfo_verify(si) == 1;
	}
	X509_free(leaf);
	CMS_ContentInfo_free(cms);
	return ok;
}

static int pkcs1_algorithm(CMS_SignerInfo *si)
{
	X509_ALGOR *alg = NULL;
	int nid, pknid = NID_undef;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
	nid = alg ? OBJ_obj2nid(alg->algorithm) : NID_undef;
	return nid == NID_rsaEncryption ||
	       (OBJ_find_sigid_algs(nid, NULL, &pknid) && pknid == NID_rsaEncryption);
}

static int check_signature(struct vctx *c)
{
	int ok;

	if (!c->ce->key)
		return vr_fail(c->r, CK_SIGNATURE, VERIFY_RESULT_BAD_SIGNATURE,
		               "the signer's key is %s; an RSA key of at least %d bits is required",
		               c->key_why ? c->key_why : "unusable", VERIFY_RSA_BITS_MIN);
	if (!attrs_allowed(c->si))
		ok = 0;
	else if (pkcs1_algorithm(c->si))
		ok = attrs_signature_ok(c);
	else
		ok = attrs_signature_other(c);
	if (ok < 0) {
		c->r->oom = 1;
		return -1;
	}
	if (!ok) {
		vr_fail(
		    c->r, CK_SIGNATURE, VERIFY_RESULT_BAD_SIGNATURE,
		    "the signature over the signed attributes does not verify with the signer's "
		    "key");
		return -1;
	}
	vr_pass(c->r, CK_SIGNATURE, NULL);
	return 0;
}

static int check_digest(struct vctx *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const uint8_t empty[1];

	if (EVP_MD_get_type(c->md) == NID_sha256) { /* hashed already for the report */
		memcpy(md, c->content_sha256, 32);
		n = 32;
	} else if (!EVP_Digest(c->content ? c->content : empty, c->content_len, md, &n, c->md,
	                       NULL)) {
		c->r->oom = 1;
		return -1;
	}
	if ((int)n != c->message_digest->length ||
	    CRYPTO_memcmp(md, c->message_digest->data, n) != 0) {
		vr_fail(c->r, CK_DIGEST, VERIFY_RESULT_DIGEST_MISMATCH,
		        "the signed messageDigest is not the digest of the content");
		return -1;
	}
	vr_pass(c->r, CK_DIGEST, NULL);
	return 0;
}

static int check_ess(struct vctx *c)
{
	STACK_OF(X509) *certs = NULL;
	int i, ok, ret = -1;

	if (c->ess_memo) {
		vr_pass(c->r, CK_ESS, "signingCertificateV2 names the signer's certificate");
		return 0;
	}
	if (!c->ess1 && !c->ess2) {
		vr_check(c->r, CK_ESS, "absent", "no signingCertificate(V2) attribute");
		return 0;
	}
	certs = sk_X509_new_null();
	if (!certs || !sk_X509_push(certs, c->leaf)) {
		c->r->oom = 1;
		goto out;
	}
	for (i = 0; i < sk_X509_num(c->bag); i++) {
		X509 *x = sk_X509_value(c->bag, i);
		if (x != c->leaf && !sk_X509_push(certs, x)) {
			c->r->oom = 1;
			goto out;
		}
	}
	ok = OSSL_ESS_check_signing_certs(c->ess1, c->ess2, certs, 0);
	if (ok != 1) {
		vr_fail(c->r, CK_ESS, VERIFY_RESULT_BAD_SIGNATURE,
		        "the signing certificate attribute names another certificate");
		goto out;
	}
	vr_pass(c->r, CK_ESS,
	        c->ess2 ? "signingCertificateV2 names the signer's certificate"
	                : "signingCertificate names the signer's certificate");
	ess_remember(c);
	ret = 0;
out:
	sk_X509_free(certs); /* the certificates belong to the bag */
	return ret;
}

static int check_key_usage(struct vctx *c)
{
	uint32_t ku;

	if (!c->ce_new) { /* a certificate verified before: it passed */
		vr_pass(c->r, CK_KEY_USAGE, "digitalSignature and nonRepudiation");
		return 0;
	}
	if (X509_check_ca(c->leaf) == 1) {
		vr_fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		        "the signer's certificate is a CA certificate");
		return -1;
	}
	if (!(X509_get_extension_flags(c->leaf) & EXFLAG_KUSAGE)) {
		vr_fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		        "the certificate has no keyUsage extension");
		return -1;
	}
	ku = X509_get_key_usage(c->leaf);
	if (!(ku & KU_NON_REPUDIATION)) {
		vr_fail(
		    c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		    "keyUsage lacks nonRepudiation: not a signing certificate (an authentication "
		    "certificate?)");
		return -1;
	}
	if (!(ku & KU_DIGITAL_SIGNATURE)) {
		vr_fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		        "keyUsage lacks digitalSignature");
		return -1;
	}
	vr_pass(c->r, CK_KEY_USAGE, "digitalSignature and nonRepudiation");
	return 0;
}

/* What a path to an anchor adds to the report: the anchor, and the basic four of a certificate
 * whose path is trusted (kept even if a later check fails, for staff; verify_report_basic4
 * gives them only for an ok result). From the cache, or made and kept in the new entry. */
static int chain_report(struct vctx *c, X509 *anchor)
{
	verify_report *r = c->r;
	json_t *a, *b4, *b4_malformed, *cert;
	int i;

	if (!c->ce_new) {
		/* the "certificate" object with its "anchor" (shared, never changed) */
		vr_set(r, r->root, "certificate", json_incref(c->ce->cert_anchored));
		r->b4 = c->ce->b4;
		r->basic4_found = 1;
		vr_set(r, r->root, "basic_four", json_incref(c->ce->basic4));
		return r->oom ? -1 : 0;
	}
	for (i = 0; i < sk_X509_num(c->t->anchors); i++) /* described once, at load */
		if (sk_X509_value(c->t->anchors, i) == anchor)
			break;
	a = i < sk_X509_num(c->t->anchors) ? json_deep_copy(c->t->anchor_json[i])
	                                   : vr_anchor_json(anchor);
	b4_malformed = json_array();
	if (!a || !b4_malformed) {
		json_decref(a);
		json_decref(b4_malformed);
		r->oom = 1;
		return -1;
	}
	vr_set(r, a, "chain_length", json_integer(sk_X509_num(c->chain)));
	/* a shallow copy of the shared "certificate" object, with the anchor */
	cert = json_copy(c->ce->cert);
	vr_set(r, cert, "anchor", a);
	c->ce->cert_anchored = json_incref(cert);
	vr_set(r, r->root, "certificate", cert);
	vr_basic4_extract(r, c->leaf, b4_malformed);
	b4 = vr_basic4_json(r);
	if (b4 && json_array_size(b4_malformed) > 0)
		vr_set(r, b4, "malformed", json_incref(b4_malformed));
	json_decref(b4_malformed);
	c->ce->basic4 = json_incref(b4); /* shared, not changed after this */
	c->ce->b4 = r->b4;
	vr_set(r, r->root, "basic_four", b4);
	if (!c->ce->cert_anchored || !c->ce->basic4)
		r->oom = 1;
	return r->oom ? -1 : 0;
}

/* Whether anchor's key made x's signature, on the DER of x's TBSCertificate: 1, 0, or -1 when
 * this cannot tell (an algorithm without a digest of its own, such as RSASSA-PSS). */
static int cert_signed_by(const X509 *x, X509 *anchor)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	EVP_PKEY *ak = X509_get0_pubkey(anchor);
	unsigned char *der = NULL;
	const unsigned char *p, *tbs;
	long len, tlen;
	int n = i2d_X509(x, &der), tag, cls, mdnid, pknid, ok = -1;
	EVP_MD_CTX *m = NULL;

	X509_get0_signature(&sig, &alg, x);
	if (n <= 0 || !ak || !OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &mdnid, &pknid) ||
	    mdnid == NID_undef)
		goto out;
	ok = 0;
	if ((sig->flags & 7) || EVP_PKEY_get_base_id(ak) != EVP_PKEY_type(pknid))
		goto out;
	p = der; /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature } */
	if (ASN1_get_object(&p, &len, &tag, &cls, n) != V_ASN1_CONSTRUCTED ||
	    tag != V_ASN1_SEQUENCE)
		goto out;
	tbs = p;
	if (ASN1_get_object(&p, &tlen, &tag, &cls, len) != V_ASN1_CONSTRUCTED)
		goto out;
	m = EVP_MD_CTX_new();
	if (!m || EVP_DigestVerifyInit_ex(m, NULL, OBJ_nid2sn(mdnid), NULL, NULL, ak, NULL) != 1) {
		ok = -1;
		goto out;
	}
	ok =
	    EVP_DigestVerify(m, sig->data, (size_t)sig->length, tbs, (size_t)(p - tbs) + tlen) == 1;
out:
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

/* The anchor that issued the leaf directly, picked as trust.c's issuer lookup picks (name and
 * key identifier, then the one whose key verifies the signature, then one valid at `now`),
 * with its signature checked: one X509_verify where the store would make two. NULL when the
 * store must decide: no such anchor, an anchor with constraints only X509_verify_cert
 * applies, a leaf with an unhandled critical extension, or no signature that verifies (the
 * store then says why). */
static X509 *direct_anchor(struct vctx *c)
{
	X509 *best = NULL;
	int i, v, score, best_score = -1;

	if (X509_get_extension_flags(c->leaf) & (EXFLAG_CRITICAL | EXFLAG_PROXY))
		return NULL;
	for (i = 0; i < sk_X509_num(c->t->anchors); i++) {
		X509 *a = sk_X509_value(c->t->anchors, i);
		if (X509_check_issued(a, c->leaf) != X509_V_OK)
			continue;
		if (!c->t->anchor_direct[i])
			return NULL;
		v = cert_signed_by(c->leaf, a);
		if (v < 0)
			return NULL;
		score = 2 * v + sig_cert_valid_at(a, c->now);
		if (score > best_score) {
			best = a;
			best_score = score;
		}
	}
	ERR_clear_error();
	return best_score >= 2 ? best : NULL;
}

/* The path by OpenSSL's X509_verify_cert, on copies of the certificates parsed in the default
 * context: paths through intermediate CAs of the signature, and every refusal. */
static int chain_by_store(struct vctx *c)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *bag = sk_X509_new_null();
	X509 *leaf = default_ctx_copy(c->leaf), *x;
	int i, ret = -1, err;

	for (i = 0; bag && leaf && i < sk_X509_num(c->bag); i++) {
		x = default_ctx_copy(sk_X509_value(c->bag, i));
		if (!x || !sk_X509_push(bag, x)) {
			X509_free(x);
			goto oom;
		}
	}
	c->info.anchors = c->t->anchors;
	c->info.now = c->now;
	c->store = trust_store_new(c->t, &c->info);
	ctx = X509_STORE_CTX_new();
	if (!bag || !leaf || !c->store || !ctx || !X509_STORE_CTX_init(ctx, c->store, leaf, bag))
		goto oom;
	/* time is checked by check_validity, to tell expired from not yet valid from untrusted */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		vr_fail(c->r, CK_CHAIN, VERIFY_RESULT_UNTRUSTED,
		        "no path to a configured trust anchor: %s (depth %d)",
		        X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	c->chain = X509_STORE_CTX_get1_chain(ctx);
	if (!c->chain || sk_X509_num(c->chain) < 1)
		goto oom;
	ret = 0;
	goto out;
oom:
	c->r->oom = 1;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(bag, X509_free);
	X509_free(leaf);
	return ret;
}

static int check_chain(struct vctx *c)
{
	X509 *anchor = c->ce_new ? direct_anchor(c) : c->ce->anchor;

	if (anchor) {
		c->chain = sk_X509_new_null();
		if (!c->chain || !sk_X509_push(c->chain, c->leaf) || !X509_up_ref(c->leaf)) {
			c->r->oom = 1;
			return -1;
		}
		if (!sk_X509_push(c->chain, anchor) || !X509_up_ref(anchor)) {
			c->r->oom = 1;
			return -1;
		}
		if (c->ce_new && X509_up_ref(anchor))
			c->ce->anchor = anchor;
	} else {
		c->ce_new = 2; /* made, but the store decides: not cached */
		if (chain_by_store(c) != 0)
			return -1;
		anchor = sk_X509_value(c->chain, sk_X509_num(c->chain) - 1);
	}
	if (chain_report(c, anchor) != 0)
		return -1;
	c->ce_done = c->ce_new == 1 && c->ce->anchor != NULL;
	vr_pass(c->r, CK_CHAIN, NULL);
	return 0;
}

static int check_validity(struct vctx *c)
{
	int i, n = sk_X509_num(c->chain);
	char a[32] = "", b[32] = "";

	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(c->chain, i);
		const char *who = i == 0 ? "the certificate" : "a CA certificate of its path";
		time_t nb, na;

		if (sig_asn1_time(X509_get0_notBefore(x), &nb) != 0 ||
		    sig_asn1_time(X509_get0_notAfter(x), &na) != 0) {
			vr_fail(c->r, CK_VALIDITY, VERIFY_RESULT_BAD_FORMAT,
			        "%s has a malformed date", who);
			return -1;
		}
		if (c->now < nb) {
			vr_iso_time(nb, a);
			vr_fail(c->r, CK_VALIDITY, VERIFY_RESULT_NOT_YET_VALID,
			        "%s is valid from %s", who, a);
			return -1;
		}
		if (c->now > na) {
			vr_iso_time(na, a);
			vr_fail(c->r, CK_VALIDITY, VERIFY_RESULT_EXPIRED, "%s expired at %s", who,
			        a);
			return -1;
		}
		if (i == 0) {
			vr_iso_time(nb, a);
			vr_iso_time(na, b);
		}
	}
	{
		char d[80];
		snprintf(d, sizeof(d), "%s .. %s", a, b);
		vr_pass(c->r, CK_VALIDITY, d);
	}
	return 0;
}

static enum verify_err verify_run(verify_trust *t, const uint8_t *der, size_t len,
                                  const uint8_t *content, size_t content_len, time_t now,
                                  verify_report **out)
{
	struct vctx c;
	verify_report *r = NULL;
	enum verify_err e = VERIFY_ENOMEM;
	int i;

	if (out)
		*out = NULL;
	if (!t || !out || (!der && len) || (!content && content_len) ||
	    content_len > VERIFY_CONTENT_MAX)
		return VERIFY_EINPUT;
	ERR_clear_error();
	memset(&c, 0, sizeof(c));
	r = calloc(1, sizeof(*r));
	if (!r)
		return VERIFY_ENOMEM;
	r->result = VERIFY_RESULT_OK;
	r->root = json_object();
	r->checks = json_array();
	c.sig = json_object();
	if (!r->root || !r->checks || !c.sig) {
		json_decref(r->checks);
		json_decref(c.sig);
		goto out;
	}
	vr_set(r, r->root, "checks", r->checks); /* root holds the only reference now */
	vr_set(r, r->root, "signature", c.sig);
	c.rev = revocation_skeleton(r, t, &c.attempts);
	vr_set(r, r->root, "revocation", c.rev);
	if (r->oom)
		goto out;
	c.t = t;
	c.r = r;
	c.now = now;
	c.der = der;
	c.len = len;
	c.content = content;
	c.content_len = content_len;

	vr_set(r, r->root, "format", json_string("madoguchi-signature-verification"));
	vr_set(r, r->root, "version", json_integer(1));
	vr_set(r, r->root, "verified_at", vr_time(now));
	if (token_sha256(content, content_len, c.content_sha256) != 0)
		goto out;
	hex_encode(c.content_sha256, sizeof(c.content_sha256), r->sha256);
	{
		json_t *co = json_object();
		vr_set(r, co, "length", json_integer((json_int_t)content_len));
		vr_set(r, co, "sha256", json_string(r->sha256));
		vr_set(r, r->root, "content", co);
	}
	vr_set(r, c.sig, "length", json_integer((json_int_t)len));

	if (check_format(&c) == 0 && check_signature(&c) == 0 && check_digest(&c) == 0 &&
	    check_ess(&c) == 0 && check_key_usage(&c) == 0 && check_chain(&c) == 0 &&
	    check_validity(&c) == 0 && revocation_check(&c) == 0)
		snprintf(r->reason, sizeof(r->reason), "verified");
	if (r->oom)
		goto out;
	for (i = r->next_check; i < CK_COUNT; i++)
		vr_check(r, (enum check)i, "skipped", NULL);
	vr_set(r, r->root, "result", json_string(verify_result_name(r->result)));
	vr_set(r, r->root, "reason", vr_str(r, r->reason));
	vr_set(r, r->root, "message", json_string(verify_report_message(r)));
	if (r->oom)
		goto out;
	*out = r;
	r = NULL;
	e = VERIFY_OK;
out:
	if (c.ce_new && c.ce_done && t->cache) { /* the table takes a reference */
		c.ce->refs++;
		cert_cache_put(t->cache, c.ce);
		c.ce_new = 0;
	}
	cert_entry_release(c.ce_new ? NULL : t->cache, c.ce);
	ERR_clear_error();
	ESS_SIGNING_CERT_free(c.ess1);
	ESS_SIGNING_CERT_V2_free(c.ess2);
	sk_X509_pop_free(c.chain, X509_free);
	X509_STORE_free(c.store);
	sk_X509_pop_free(c.bag, X509_free);
	CMS_ContentInfo_free(c.cms);
	vr_free(r);
	return e;
}

static atomic_ullong counts[VERIFY_RESULT_COUNT + 1];

unsigned long long verify_count(int r)
{
	if (r < 0 || r > VERIFY_RESULT_COUNT)
		return 0;
	return atomic_load_explicit(&counts[r], memory_order_relaxed);
}

enum verify_err verify_signature(verify_trust *t, const uint8_t *der, size_t len,
                                 const uint8_t *content, size_t content_len, time_t now,
                                 verify_report **out)
{
	enum verify_err e = verify_run(t, der, len, content, content_len, now, out);
	unsigned r = e == VERIFY_OK ? (unsigned)verify_report_result(*out) : VERIFY_RESULT_COUNT;
	atomic_fetch_add_explicit(&counts[r < VERIFY_RESULT_COUNT ? r : VERIFY_RESULT_COUNT], 1,
	                          memory_order_relaxed);
	return e;
}
