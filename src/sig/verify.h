/* verify: the portal's check of a signature that the signing app posts (docs/architecture.md,
 * "Data and the signing hand-off", step 4).
 * The signature is CMS SignedData (DER) over the exact canonical content bytes, detached, made
 * with the signing certificate (署名用電子証明書) of a My Number Card. verify_signature() checks,
 * in this order and stopping at the first failure: the format (one signer, contentType id-data,
 * messageDigest), the signature over the signed attributes, the content digest, an ESS
 * signingCertificate(V2) attribute when there is one, the key usage of a signing certificate,
 * the path to the configured trust anchors, the validity at `now` and the revocation status
 * (OCSP and/or a CRL file, as configured). It extracts the basic four information (基本4情報)
 * and returns a report: a result code, a plain-Japanese message for the person, and a JSON
 * record that the portal keeps with the application. docs/verification.md describes it all.
 *
 * Threads: a verify_trust is loaded once at start and may then be used by any number of threads
 * at once (its CRL cache and its cache of verified certificates have their own locks). A report
 * belongs to one thread at a time. */
#ifndef MADOGUCHI_SIG_VERIFY_H
#define MADOGUCHI_SIG_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* Bounds of what is accepted. */
#define VERIFY_CMS_MAX ((size_t)256 << 10)         /* a signature is a few KB */
#define VERIFY_CONTENT_MAX ((size_t)64 << 20)      /* the canonical content */
#define VERIFY_ANCHORS_MAX 64                      /* certificates in the anchors directory */
#define VERIFY_ANCHOR_FILE_MAX ((size_t)1 << 20)   /* each file there */
#define VERIFY_CRL_MAX_DEFAULT ((size_t)256 << 20) /* the CRL file (JPKI's is large) */
#define VERIFY_CRLS_MAX 16                         /* CRLs in one PEM file (CA generations) */
#define VERIFY_OCSP_RESPONSE_MAX ((size_t)64 << 10)
#define VERIFY_URL_MAX 2048
#define VERIFY_TEXT_MAX 1024 /* bytes of UTF-8 in each basic four field */
#define VERIFY_CERT_CACHE_DEFAULT 4096
#define VERIFY_CERT_CACHE_MAX ((size_t)1 << 20)
#define VERIFY_RSA_BITS_MIN 2048 /* the signer's key: RSA of at least this many bits */

/* Errors of the calls themselves (configuration, memory, arguments). A signature that fails a
 * check is not an error: verify_signature() returns VERIFY_OK and a report that says why. */
enum verify_err {
	VERIFY_OK = 0,
	VERIFY_EINPUT,  /* bad argument: NULL, an input over its bound, a malformed URL */
	VERIFY_ENOMEM,  /* out of memory */
	VERIFY_EIO,     /* the anchors directory or the CRL file could not be read (errno kept) */
	VERIFY_EANCHOR, /* no anchor, too many, or a file there that is not a CA certificate */
	VERIFY_ECRL,    /* the CRL file does not parse, or no anchor signed it */
	VERIFY_ECRYPTO, /* an OpenSSL or libcurl call failed for want of resources */
};
/* A static English description; never NULL. */
const char *verify_strerror(int err);

/* The outcome of a verification. */
enum verify_result {
	VERIFY_RESULT_OK = 0,
	/* not the expected CMS: garbage, attached content, two signers, no signed attributes */
	VERIFY_RESULT_BAD_FORMAT,
	/* the signature does not verify with the signer's key */
	VERIFY_RESULT_BAD_SIGNATURE,
	/* a valid signature, but over other content */
	VERIFY_RESULT_DIGEST_MISMATCH,
	/* no path to a configured trust anchor */
	VERIFY_RESULT_UNTRUSTED,
	/* the certificate (or a CA of its path) had expired at `now` */
	VERIFY_RESULT_EXPIRED,
	/* the certificate (or a CA of its path) was not yet valid at `now` */
	VERIFY_RESULT_NOT_YET_VALID,
	/* OCSP or the CRL says revoked */
	VERIFY_RESULT_REVOKED,
	/* keyUsage lacks nonRepudiation (the authentication certificate) or digitalSignature, or
	 * the signer is a CA */
	VERIFY_RESULT_NOT_SIGNING_CERT,
	/* a configured revocation source gave no usable answer (unreachable, stale, not signed by
	 * the CA or its responder) or answered "unknown": try again later */
	VERIFY_RESULT_REVOCATION_UNAVAILABLE,
};
#define VERIFY_RESULT_COUNT (VERIFY_RESULT_REVOCATION_UNAVAILABLE + 1)
/* "ok", "bad_format", ... (the names in the JSON report); never NULL. */
const char *verify_result_name(enum verify_result r);
/* The verify_signature calls of the process that gave a report with result r, or for r ==
 * VERIFY_RESULT_COUNT those that gave none (an error); 0 for any other r. Thread-safe. */
unsigned long long verify_count(int r);

/* Which revocation check decided. */
enum verify_revocation {
	/* not checked: no source configured, or (soft fail) none answered */
	VERIFY_REVOCATION_NONE = 0,
	VERIFY_REVOCATION_OCSP,
	VERIFY_REVOCATION_CRL,
};

/* The trust configuration. Strings are only read during verify_trust_new (copied). */
struct verify_config {
	const char *anchors_dir;  /* required: CA certificates (PEM, several per file allowed, or
	                             DER), one trust anchor each; hidden files are skipped */
	const char *ocsp_url;     /* http:// or https:// responder; NULL or "": no OCSP */
	const char *ocsp_proxy;   /* NULL: connect directly (environment proxies are ignored) */
	const char *crl_file;     /* CRL (DER, or PEM with one or more CRLs); NULL or "": none.
	                             Re-read when the file changes (daily CRL); the last good one is
	                             kept while a new one does not load */
	int revocation_soft_fail; /* 0 (default): a configured source that gives no usable answer
	                             refuses (revocation_unavailable). 1: accept, and the report
	                             says "not checked" */
	long ocsp_timeout_ms;     /* whole OCSP exchange; default 5000 (100 .. 60000) */
	long ocsp_connect_timeout_ms; /* default 2000, at most ocsp_timeout_ms */
	long clock_skew;              /* seconds tolerated on thisUpdate/nextUpdate; default 300 */
	long revocation_max_age;      /* seconds an OCSP answer or CRL without nextUpdate stays
	                                 usable after its thisUpdate; default 86400 */
	size_t crl_max_bytes;         /* default VERIFY_CRL_MAX_DEFAULT */
	size_t cert_cache_max;        /* signers' certificates kept verified (anchor, key usage,
	                                 key, report part; validity, revocation and the signature
	                                 are checked every time); default VERIFY_CERT_CACHE_DEFAULT,
	                                 0: none */
};
/* Fills cfg with the defaults (all strings NULL). */
void verify_config_init(struct verify_config *cfg);

typedef struct verify_trust verify_trust;
typedef struct verify_report verify_report;

/* Loads the anchors and the CRL (when configured) and checks the URL. On success *out is the
 * caller's (verify_trust_free). On failure *out is NULL and, when errbuf is not NULL, errbuf
 * (errlen bytes) says in English which file or setting is wrong. Calls curl_global_init. */
enum verify_err verify_trust_new(const struct verify_config *cfg, verify_trust **out, char *errbuf,
                                 size_t errlen);
void verify_trust_free(verify_trust *t);
/* The number of trust anchors loaded. */
size_t verify_trust_anchor_count(const verify_trust *t);

/* Verifies the CMS signature der (len bytes) over content (content_len bytes; NULL only when
 * content_len is 0) at time now. VERIFY_OK: *out is a report (the caller's, verify_report_free)
 * whatever the result. Otherwise *out is NULL: VERIFY_EINPUT (NULL arguments, content over
 * VERIFY_CONTENT_MAX), VERIFY_ENOMEM. A der over VERIFY_CMS_MAX gives a bad_format report.
 * May block on the OCSP responder up to the configured timeout: not for an event loop. */
enum verify_err verify_signature(verify_trust *t, const uint8_t *der, size_t len,
                                 const uint8_t *content, size_t content_len, time_t now,
                                 verify_report **out);

/* The basic four information as in the certificate (UTF-8, kept exactly; "" when absent). */
struct verify_basic4 {
	char name[VERIFY_TEXT_MAX + 1];        /* 氏名 */
	char name_alt[VERIFY_TEXT_MAX + 1];    /* substitute characters for the name */
	char gender[VERIFY_TEXT_MAX + 1];      /* "1", "2", "3" */
	char birth[VERIFY_TEXT_MAX + 1];       /* era digit + YYYYMMDD, e.g. "419900102" */
	char address[VERIFY_TEXT_MAX + 1];     /* 住所 */
	char address_alt[VERIFY_TEXT_MAX + 1]; /* substitute characters for the address */
	int complete;                          /* name, gender, birth and address all present */
};

enum verify_result verify_report_result(const verify_report *r);
/* Plain Japanese for the person: what happened and what to do. Owned by the report. */
const char *verify_report_message(const verify_report *r);
/* One line of English for logs and staff. Owned by the report. */
const char *verify_report_reason(const verify_report *r);
enum verify_revocation verify_report_revocation(const verify_report *r);
/* The basic four, only when the result is ok (else NULL). Owned by the report. */
const struct verify_basic4 *verify_report_basic4(const verify_report *r);
/* The lower-case hex SHA-256 of the content that was verified (65 bytes). Owned by the report. */
const char *verify_report_content_sha256(const verify_report *r);
/* The DER OCSPResponse that decided the revocation check (method ocsp), as the responder
 * sent it, kept as evidence with the application; NULL (and *len 0) when OCSP did not
 * decide (a CRL did, or nothing answered). Owned by the report. */
const unsigned char *verify_report_ocsp_der(const verify_report *r, size_t *len);
/* The JSON record (format in docs/verification.md). Borrowed: owned by the report; json_incref
 * it to keep it longer. */
json_t *verify_report_json(const verify_report *r);
/* The JSON record as compact text with sorted keys: malloc'ed, the caller's (free); NULL when
 * out of memory. */
char *verify_report_json_dump(const verify_report *r);
void verify_report_free(verify_report *r);

#endif
