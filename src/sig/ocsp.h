/* ocsp: one OCSP exchange for the signature verification (verify.c; internal to src/sig): the
 * request for a certificate and its issuer built with OpenSSL (SHA-1 CertID, nonce), posted with
 * libcurl as application/ocsp-request, the answer bounded in size and time, its signature checked
 * against a caller's X509_STORE (the trust anchors: the CA itself or its delegated responder),
 * the status found and its freshness checked at the caller's `now`. */
#ifndef MADOGUCHI_SIG_OCSP_H
#define MADOGUCHI_SIG_OCSP_H

#include <time.h>

#include <openssl/x509.h>

enum sig_ocsp_status {
	SIG_OCSP_GOOD = 0,
	SIG_OCSP_REVOKED,
	SIG_OCSP_UNKNOWN,     /* the responder answered "unknown" for the certificate */
	SIG_OCSP_UNAVAILABLE, /* no usable answer: unreachable, HTTP error, bad signature, stale */
};

struct sig_ocsp_query {
	const char *url;
	const char *proxy; /* NULL: direct, environment proxies ignored */
	long timeout_ms;
	long connect_timeout_ms;
	long clock_skew; /* seconds */
	long max_age;    /* seconds, for an answer without nextUpdate */
	time_t now;
	X509 *cert;        /* the certificate asked about */
	X509 *issuer;      /* its issuer */
	X509_STORE *store; /* anchors; its parameters' time should be `now` */
};

struct sig_ocsp_answer {
	enum sig_ocsp_status status;
	char detail[256]; /* English: why unavailable, or what was found */
	long http_status; /* 0 when no HTTP answer */
	long elapsed_ms;
	time_t this_update; /* 0 when unknown */
	time_t next_update; /* 0 when absent */
	time_t produced_at;
	time_t revocation_time;
	int revocation_reason; /* OCSP_REVOKED_STATUS_* or -1 */
	/* the DER OCSPResponse as received, when it gave a status (good, revoked, unknown):
	 * malloc'd, the caller's (free); NULL otherwise. The evidence kept at arrival. */
	unsigned char *der;
	size_t der_len;
};

/* Asks the responder. Always fills *a (free a->der); returns 0, or -1 when out of memory (a->status
 * is then SIG_OCSP_UNAVAILABLE as well). */
int sig_ocsp_check(const struct sig_ocsp_query *q, struct sig_ocsp_answer *a);

/* An ASN1_TIME (UTCTime or GeneralizedTime) as seconds since the epoch; 0 or -1. */
int sig_asn1_time(const ASN1_TIME *t, time_t *out);

/* An RFC 5280 reason code as a name ("keyCompromise", ...); "unspecified" for unknown codes. */
const char *sig_ocsp_reason_name(int reason);

#endif
