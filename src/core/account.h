/* account: the rules of accounts (利用者登録) that do not depend on HTTP or storage: e-mail
 * address and password checks with the messages residents see, and argon2id hashing. */
#ifndef MADOGUCHI_ACCOUNT_H
#define MADOGUCHI_ACCOUNT_H

#include <stddef.h>

#define ACCOUNT_PW_MIN 8      /* characters */
#define ACCOUNT_PW_MAX 256    /* characters; long passphrases are welcome */
#define ACCOUNT_EMAIL_MAX 254 /* bytes (RFC 5321 path limit) */

/* Checks an e-mail address as typed (surrounding spaces are dropped) and writes the form
 * to store into out (the domain lower-cased). Returns 0, or -1 with *msg set to the message
 * for the person (Japanese, static). */
int account_check_email(const char *in, size_t len, char *out, size_t outlen, const char **msg);
/* Checks a new password of len bytes: valid UTF-8, 8..256 characters, no control characters. */
int account_check_password(const char *pw, size_t len, const char **msg);
/* 1 when s (len bytes) is valid UTF-8 without control characters (tab and newline allowed
 * when multiline), else 0. */
int text_is_clean(const char *s, size_t len, int multiline);

typedef struct pw_params {
	unsigned t_cost, m_cost_kib, parallelism;
} pw_params;
/* argon2id with a random 16-byte salt; out gets the encoded string (>= 128 bytes). */
int password_hash(const pw_params *p, const char *pw, size_t len, char *out, size_t outlen);
/* 1 when pw matches the encoded hash, 0 otherwise (also for a malformed hash). */
int password_verify(const char *encoded, const char *pw, size_t len);

#endif
