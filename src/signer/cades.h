/* cades: the CMS signature of the signing app (RFC 5652 SignedData, detached content,
 * CAdES-BES signed attributes contentType, messageDigest, signingTime and ESS
 * signingCertificateV2; SHA-256; the signer's certificate included), built with OpenSSL 3 while
 * the private key stays on the card: OpenSSL lays out the SignerInfo around the certificate's
 * public key, this module DER-encodes the signed attributes, hands their SHA-256 DigestInfo to
 * a signing callback (the card's COMPUTE DIGITAL SIGNATURE) and puts the answer into the
 * SignerInfo. The result is parsed back and verified against the content and the certificate
 * before it is returned. Also: the checks of the signing certificate done before signing. */
#ifndef MADOGUCHI_SIGNER_CADES_H
#define MADOGUCHI_SIGNER_CADES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CADES_SIG_BYTES 256 /* RSA-2048 */
#define CADES_CERT_MAX 0x8000

enum cades_err {
	CADES_OK = 0,
	CADES_EINPUT, /* not a DER certificate, empty content, ... */
	CADES_EKEY,   /* the certificate's key is not RSA-2048 */
	CADES_ENOMEM,
	CADES_ECRYPTO, /* an OpenSSL step failed */
	CADES_ESIGN,   /* the signing callback failed (its code in *sign_rc) */
	CADES_EVERIFY, /* the result does not verify (the card signed with another key?) */
};
/* A static English description; never NULL. */
const char *cades_strerror(int err);

/* The signing callback: sign the DER DigestInfo (PKCS #1 v1.5, as the card does) and write
 * CADES_SIG_BYTES bytes to sig. Returns 0, or a non-zero code of the caller's that comes back
 * in *sign_rc. */
typedef int (*cades_sign_fn)(void *ctx, const uint8_t *digestinfo, size_t len,
                             uint8_t sig[CADES_SIG_BYTES]);

/* Sign content (len bytes, 1 byte to 1 MiB) with the certificate cert (DER) and the callback;
 * signing_time goes into the signingTime attribute. *out (malloc'd, the caller frees) gets the
 * DER ContentInfo, *outlen its length. */
enum cades_err cades_sign_detached(const uint8_t *cert, size_t cert_len, const uint8_t *content,
                                   size_t len, time_t signing_time, cades_sign_fn fn, void *ctx,
                                   int *sign_rc, uint8_t **out, size_t *outlen);

enum cert_validity {
	CERT_VALID = 0,
	CERT_EXPIRED, /* now is after notAfter */
	CERT_NOT_YET, /* now is before notBefore */
	CERT_BAD,     /* not a DER certificate, or its dates cannot be read */
};
/* Check the validity period of a DER certificate at now; *not_before / *not_after (may be
 * NULL) get the period. */
enum cert_validity cades_cert_validity(const uint8_t *cert, size_t len, time_t now,
                                       time_t *not_before, time_t *not_after);
/* 1 when the DER certificate has an RSA-2048 key (what the card signs with), else 0. */
int cades_cert_key_ok(const uint8_t *cert, size_t len);

#endif
