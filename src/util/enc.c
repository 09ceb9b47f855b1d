/* enc: hex and URL percent-encoding (see enc.h). */
#include "util/enc.h"

#include <string.h>

void hex_encode(const void *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int url_encode(const char *in, const char *keep, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (!out || outlen == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)in; p && *p; p++) {
		if (unreserved(*p) || (keep && strchr(keep, *p))) {
			if (o + 1 >= outlen)
				goto full;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outlen)
				goto full;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
full:
	out[0] = '\0';
	return -1;
}
