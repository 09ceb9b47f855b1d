/* verify_impl: what the parts of the signature verification share (only src/sig includes
 * it). trust.c holds the trust anchors, the CRL cache and the X509_STORE of one
 * verification; report.c the report (its JSON, the checks with their outcomes, the
 * certificate details and the basic four); verify.c the checks of one verification in
 * their order; revocation.c the revocation check (OCSP, then the CRL); certcache.c the
 * certificates already verified. */
#ifndef MADOGUCHI_VERIFY_IMPL_H
#define MADOGUCHI_VERIFY_IMPL_H

#include "sig/verify.h"

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

/* The checks in the order they run; a report lists each with its outcome. */
enum check {
	CK_FORMAT,
	CK_SIGNATURE,
	CK_DIGEST,
	CK_ESS,
	CK_KEY_USAGE,
	CK_CHAIN,
	CK_VALIDITY,
	CK_REVOCATION,
	CK_COUNT
};

/* ---- the trust configuration (trust.c) ---- */

struct crl_entry {
	X509_CRL *crl;
	X509 *signer; /* the anchor whose key signed it */
	time_t this_update;
	time_t next_update; /* 0: absent */
	char sha256[65];    /* of the CRL's DER: which CRL decided (kept in the report) */
	char number[100];   /* its cRLNumber in decimal, "" when it has none */
};

struct crl_set {
	int refs; /* under verify_trust.lock */
	size_t n;
	struct crl_entry e[VERIFY_CRLS_MAX];
};

struct verify_trust {
	STACK_OF(X509) * anchors; /* never changed after verify_trust_new */
	/* per anchor: 1 when a certificate it issues can be checked directly (one signature);
	 * 0 when it has name constraints or an unhandled critical extension, whose rules only
	 * X509_verify_cert applies */
	unsigned char anchor_direct[VERIFY_ANCHORS_MAX];
	json_t *anchor_json[VERIFY_ANCHORS_MAX]; /* vr_anchor_json of each */
	/* where signatures are parsed: only the "null" provider, so that parsing a certificate
	 * does not decode its key through OSSL_DECODER (verify.c decodes the signer's key once) */
	OSSL_LIB_CTX *parse_ctx;
	OSSL_PROVIDER *null_provider;
	struct cert_cache *cache; /* NULL: no cache (cert_cache_max 0) */
	EVP_MD *sha2[3];          /* SHA-256, -384, -512, fetched once */
	char *ocsp_url;
	char *ocsp_proxy;
	char *crl_file;
	int soft_fail;
	long ocsp_timeout_ms;
	long ocsp_connect_timeout_ms;
	long clock_skew;
	long max_age;
	size_t crl_max;
	int curl_inited;
	pthread_mutex_t lock; /* guards the CRL cache below */
	struct crl_set *crl;  /* the last good CRL file */
	struct stat crl_st;   /* identity of the file last tried */
	int crl_loading;      /* a thread is reading a changed file */
	char crl_note[256];   /* why the file last tried was not taken; "" when it was */
};

/* The CRL set to use now (a reference: trust_crl_put), re-reading the file when it changed.
 * *note says why a changed file was not taken ("" when all is well). */
struct crl_set *trust_crl_get(verify_trust *t, char *note, size_t notelen);
/* Gives back the reference trust_crl_get gave. */
void trust_crl_put(verify_trust *t, struct crl_set *s);

/* 1 when x is valid at now (notBefore <= now <= notAfter), else 0. */
int sig_cert_valid_at(const X509 *x, time_t now);

/* What the issuer lookup of one verification's store sees. */
struct store_info {
	const STACK_OF(X509) * anchors;
	time_t now;
};

/* A store of t's anchors alone (never the system's) whose issuer lookup picks among CA
 * generations sharing a name; info must outlive it. NULL when out of memory. */
X509_STORE *trust_store_new(const verify_trust *t, struct store_info *info);

/* ---- the certificates already verified (certcache.c) ---- */

/* What one verification found about a signer's certificate that holds for the next signature
 * of the same certificate. Immutable once made; shared by reference. */
struct cert_entry {
	int refs; /* under the cache's lock once in the cache */
	unsigned char sha256[32];
	X509 *leaf;    /* the certificate (parsed in the null-provider context, a reference) */
	EVP_PKEY *key; /* the signer's RSA key, decoded in the default library context */
	/* key's PKCS #1 v1.5 SHA-256 verification, set up once (EVP_PKEY_verify_init fetches
	 * under the method store's lock); each verification uses a copy (EVP_PKEY_CTX_dup) */
	EVP_PKEY_CTX *verify_ctx;
	X509 *anchor; /* the anchor that issued it (a reference) */
	/* the report's parts, shared by the reports (json_incref) and never changed: */
	json_t *cert;          /* the "certificate" object, before the path is checked */
	json_t *cert_anchored; /* the same with the "anchor" the path check adds */
	json_t *basic4;
	struct verify_basic4 b4;
	unsigned char
	    *ess2_der; /* the signingCertificateV2 value that passed (malloc'd), or NULL */
	size_t ess2_len;
};

/* A table of n entries; NULL when n is 0 or out of memory. */
struct cert_cache *cert_cache_new(size_t n);
void cert_cache_free(struct cert_cache *c);
/* The entry of the certificate whose DER hashes to sha (a reference), or NULL. */
struct cert_entry *cert_cache_get(struct cert_cache *c, const unsigned char sha[32]);
/* Hands one reference of e to the table (replacing what was in its slot); nothing when c is
 * NULL. */
void cert_cache_put(struct cert_cache *c, struct cert_entry *e);
/* When der is a ContentInfo of SignedData whose certificates field holds exactly one
 * certificate and that certificate's bytes are cached: its entry (a reference), and in *out
 * (malloc'd, *outlen bytes) the same DER without the certificates field, so that the parse
 * skips the certificate. NULL otherwise (*out NULL). */
struct cert_entry *cert_cache_get_der(struct cert_cache *cache, const unsigned char *der,
                                      size_t len, unsigned char **out, size_t *outlen);
/* Gives back a reference (c NULL: e was never in a cache, and is freed). */
void cert_entry_release(struct cert_cache *c, struct cert_entry *e);

/* ---- the report (report.c) ---- */

struct verify_report {
	enum verify_result result;
	enum verify_revocation revocation;
	json_t *root;
	json_t *checks; /* borrowed from root */
	int next_check;
	int oom;
	int basic4_found;
	char reason[512];
	char sha256[65];
	struct verify_basic4 b4;
	unsigned char *ocsp_der; /* the OCSP response that decided (malloc'd), or NULL */
	size_t ocsp_der_len;
};

/* obj[key] = v, stealing v (also on failure); a failure marks the report out of memory. */
void vr_set(verify_report *r, json_t *obj, const char *key, json_t *v);
/* A JSON string of the n bytes at s; invalid UTF-8 bytes become U+FFFD. */
json_t *vr_strn(verify_report *r, const char *s, size_t n);
json_t *vr_str(verify_report *r, const char *s);
/* t as ISO 8601 UTC ("@seconds" when it cannot be printed). */
void vr_iso_time(time_t t, char out[32]);
json_t *vr_time(time_t t);
/* Adds check ck with its outcome ("pass", "fail", "skipped", ...) and detail. */
void vr_check(verify_report *r, enum check ck, const char *outcome, const char *detail);
void vr_pass(verify_report *r, enum check ck, const char *detail);
/* Records the failing check and the result; returns -1 (for `return vr_fail(...)`). */
int vr_fail(verify_report *r, enum check ck, enum verify_result res, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vr_free(verify_report *r);
json_t *vr_name_json(verify_report *r, const X509_NAME *name);
/* The SHA-256 of x's DER (computed in the default library context, whatever context x was
 * parsed in). 0, or -1. */
int vr_cert_sha256(const X509 *x, unsigned char out[32]);
json_t *vr_fingerprint_json(const X509 *x);
/* x's details; key is x's public key (NULL: x's own, when it has one), sha256 the SHA-256 of
 * its DER (NULL: computed here). */
json_t *vr_cert_json(verify_report *r, X509 *x, EVP_PKEY *key, const unsigned char *sha256);
/* The report's description of anchor a (subject, sha256), made once per anchor at load; NULL
 * when out of memory. */
json_t *vr_anchor_json(const X509 *a);
/* The basic four (name, address, birth date, sex) of the signer's certificate x into r;
 * what is malformed is listed in malformed. */
void vr_basic4_extract(verify_report *r, X509 *x, json_t *malformed);
json_t *vr_basic4_json(verify_report *r);

/* ---- one verification (verify.c) ---- */

struct vctx {
	verify_trust *t;
	verify_report *r;
	time_t now;
	const uint8_t *der;
	size_t len;
	const uint8_t *content;
	size_t content_len;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;     /* borrowed from cms */
	STACK_OF(X509) * bag;   /* the certificates in the signature */
	X509 *leaf;             /* borrowed from bag */
	STACK_OF(X509) * chain; /* leaf .. anchor, once the path is built */
	unsigned char leaf_sha256[32];
	struct cert_entry *ce; /* the leaf's entry: from the cache, or being made */
	int ce_new;            /* ce made by this verification */
	int ce_done;           /* ce complete: to be cached (a direct path to an anchor passed) */
	int ess_memo;          /* the ESS attribute is the one that passed for ce (ess_memo) */
	const char *key_why;   /* why the signer's key is not usable (ce->key NULL) */
	unsigned char content_sha256[32];
	X509_STORE *store;
	struct store_info info;
	const EVP_MD *md;
	const ASN1_OCTET_STRING *message_digest; /* borrowed from si */
	ESS_SIGNING_CERT *ess1;
	ESS_SIGNING_CERT_V2 *ess2;
	json_t *sig;      /* "signature" object, borrowed from the report */
	json_t *rev;      /* "revocation" object, borrowed */
	json_t *attempts; /* borrowed */
};

/* The DER SET OF si's signed attributes, in their order, as their signature covers them
 * (OpenSSL's CMS_Attributes_Verify): *out is OPENSSL_malloc'd. 0, or -1. */
int sig_signed_attrs_der(CMS_SignerInfo *si, unsigned char **out, size_t *outlen);

/* ---- revocation (revocation.c) ---- */

/* The "revocation" object of the report before the check runs: method none, status skipped,
 * the configuration; *attempts gets its list of attempts (borrowed). */
json_t *revocation_skeleton(verify_report *r, const verify_trust *t, json_t **attempts);
/* The revocation check of c's leaf: OCSP, then the CRL (as the trust says). */
int revocation_check(struct vctx *c);

#endif
