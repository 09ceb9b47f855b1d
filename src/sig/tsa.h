/* tsa: one RFC 3161 time-stamp of a signature (CAdES-T's signature time-stamp): the message
 * imprint is the SHA-256 of the SignerInfo's signature value (the content of its OCTET
 * STRING), the request (TimeStampReq, version 1, a 64-bit random nonce, certReq true) is
 * POSTed with libcurl as application/timestamp-query, and the reply (TimeStampResp, at most
 * TSA_REPLY_MAX bytes) is accepted only when its status is granted and its token carries the
 * same imprint and nonce (OpenSSL's TS_RESP_verify_response); with a CA file, the token's
 * signature must also verify to it (a TSA certificate with extendedKeyUsage timeStamping).
 * What is kept is the whole TimeStampResp as received, which `openssl ts -verify -in` reads. */
#ifndef MADOGUCHI_SIG_TSA_H
#define MADOGUCHI_SIG_TSA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TSA_REPLY_MAX ((size_t)64 << 10)

struct tsa_query {
	const char *url;     /* http:// or https:// */
	const char *ca_file; /* PEM of the TSA's CA; NULL or "": the signature is not checked */
	long timeout_ms;
	long connect_timeout_ms;
};

/* A granted token. */
struct tsa_token {
	unsigned char *der; /* the TimeStampResp (malloc'd, the caller's: free) */
	size_t len;
	time_t gen_time; /* the TSTInfo's genTime */
};

/* The SHA-256 of the signature value of the one SignerInfo of the DER CMS cms (len bytes)
 * into imprint: 0, or -1 when it does not parse or has not exactly one signer. */
int tsa_signature_imprint(const uint8_t *cms, size_t len, uint8_t imprint[32]);

/* A DER TimeStampReq for imprint with the nonce (8 bytes) into *der (OPENSSL_free): its
 * length, or -1 when out of memory. */
int tsa_request(const uint8_t imprint[32], const uint8_t nonce[8], unsigned char **der);

/* Checks reply (len bytes, untrusted) as the answer to the request of imprint and nonce:
 * 0 and *tok filled (tok->der a copy of reply), or -1 with detail (English) saying why it is
 * refused: not a TimeStampResp, trailing bytes, status not granted, another imprint or nonce,
 * a signature that does not verify to ca_file (when not NULL). */
int tsa_reply_check(const uint8_t *reply, size_t len, const uint8_t imprint[32],
                    const uint8_t nonce[8], const char *ca_file, struct tsa_token *tok,
                    char *detail, size_t dlen);

/* One exchange: a fresh nonce, the request posted, the reply checked. 0 and *tok, or -1
 * with detail (unreachable, HTTP error, refused reply). May block up to q->timeout_ms. */
int tsa_stamp(const struct tsa_query *q, const uint8_t imprint[32], struct tsa_token *tok,
              char *detail, size_t dlen);

#endif
