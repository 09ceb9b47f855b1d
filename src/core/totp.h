/* totp: the staff's second factor, RFC 6238 (30 s step, 6 digits, HMAC-SHA-1) through
 * liboath, a maintained implementation, rather than an HMAC loop of our own. */
#ifndef MADOGUCHI_TOTP_H
#define MADOGUCHI_TOTP_H

#include <stddef.h>

#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20   /* 160 bits, the size RFC 4226 recommends */
#define TOTP_SECRET_B32_MAX 40 /* base32 of 20 bytes: 32 characters, no padding */

/* A new random secret as base32 without padding (out: TOTP_SECRET_B32_MAX + 1 bytes); 0 or
 * -1 (no random bytes, liboath failed). */
int totp_secret_new(char *out, size_t outlen);

/* The otpauth:// URI of Google Authenticator's key URI format, which every authenticator app
 * reads: issuer and account percent-encoded. 0, or -1 when it does not fit. */
int totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
             size_t outlen);

/* 1 when code (six ASCII digits) is the code of secret_b32 for the step of now, or the step
 * before or after (clock drift); *step gets the time step it matched (now / TOTP_STEP for
 * the current one), which the caller records so that it works once. 0 when it does not
 * match (or is not six digits), -1 when the secret cannot be decoded. */
int totp_check(const char *secret_b32, const char *code, long long now, long long *step);

#endif
