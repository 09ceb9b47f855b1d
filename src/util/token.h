/* token: random tokens (session ids, CSRF tokens, mailed links) and SHA-256 hex digests.
 * Only the digest of a token is ever stored, so a copy of the database opens no session. */
#ifndef MADOGUCHI_TOKEN_H
#define MADOGUCHI_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN 43 /* 32 random bytes in base64url without padding */

/* Fills out (TOKEN_LEN + 1 bytes) with a new token from the kernel's CSPRNG; 0 or -1. */
int token_new(char *out);
/* The SHA-256 of data into out (32 bytes), with the digest fetched once per process (OpenSSL 3.0's
 * SHA256() fetches it on every call, under the method store's lock); 0, or -1. */
int token_sha256(const void *data, size_t len, unsigned char *out);
/* out: 65 bytes, the lower-case hex SHA-256 of data. */
void token_sha256_hex(const void *data, size_t len, char *out);
/* Constant-time comparison of two NUL-terminated strings of the same length; 1 if equal. */
int token_equal(const char *a, const char *b);

#endif
