/* totp: RFC 6238 codes through liboath (see totp.h). */
#include "core/totp.h"

#include <liboath/oath.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/enc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

static void init(void)
{
	init_rc = oath_init() == OATH_OK ? 0 : -1;
}

static int ready(void)
{
	pthread_once(&once, init);
	return init_rc;
}

int totp_secret_new(char *out, size_t outlen)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char *b32 = NULL;
	size_t len = 0, n = 0;
	int rc = -1;

	if (outlen)
		out[0] = '\0';
	if (ready() < 0 || RAND_bytes(raw, sizeof(raw)) != 1 ||
	    oath_base32_encode((const char *)raw, sizeof(raw), &b32, &len) != OATH_OK)
		goto out;
	/* 20 bytes are 32 characters exactly: no '=' padding to strip, but stay safe */
	n = strcspn(b32, "=");
	if (n < outlen) {
		memcpy(out, b32, n);
		out[n] = '\0';
		rc = 0;
	}
out:
	free(b32);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
             size_t outlen)
{
	char is[256], ac[512];
	int n;

	if (url_encode(issuer, "", is, sizeof(is)) < 0 ||
	    url_encode(account, "@", ac, sizeof(ac)) < 0)
		return -1;
	n = snprintf(out, outlen,
	             "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
	             is, ac, secret_b32, is, TOTP_DIGITS, TOTP_STEP);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int totp_check(const char *secret_b32, const char *code, long long now, long long *step)
{
	char *raw = NULL;
	size_t rawlen = 0;
	uint64_t counter = 0;
	int pos = 0, rc;

	*step = 0;
	if (!code || strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
		return 0;
	if (ready() < 0 ||
	    oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &rawlen) != OATH_OK)
		return -1;
	/* window 1: the steps now - 1, now and now + 1 */
	rc = oath_totp_validate3(raw, rawlen, (time_t)now, TOTP_STEP, 0, 1, &pos, &counter, code);
	OPENSSL_cleanse(raw, rawlen);
	free(raw);
	if (rc < 0)
		return 0;
	*step = (long long)counter;
	return 1;
}
