/* token: random tokens and SHA-256 digests (see token.h), with OpenSSL. */
#include "util/token.h"

#include "util/enc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

int token_new(char *out)
{
	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < sizeof(raw); i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		size_t left = sizeof(raw) - i;
		if (left > 1)
			v |= (unsigned)raw[i + 1] << 8;
		if (left > 2)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return o == TOKEN_LEN ? 0 : -1;
}

static EVP_MD *sha256_md; /* kept until the process ends */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int token_sha256(const void *data, size_t len, unsigned char *out)
{
	static const unsigned char empty[1];

	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256_md)
		return SHA256(data ? data : empty, len, out) ? 0 : -1;
	return EVP_Digest(data ? data : empty, len, out, NULL, sha256_md, NULL) ? 0 : -1;
}

void token_sha256_hex(const void *data, size_t len, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	if (token_sha256(data, len, md) != 0)
		memset(md, 0, sizeof(md));
	hex_encode(md, sizeof(md), out);
}

int token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb || la == 0)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
