/* enc: the small encodings the portal writes in more than one place: lower-case hex and
 * percent-encoding for URLs. No allocation. */
#ifndef MADOGUCHI_ENC_H
#define MADOGUCHI_ENC_H

#include <stddef.h>

/* Writes the 2 * n lower-case hex digits of p[0..n) and a NUL into out (2 * n + 1 bytes). */
void hex_encode(const void *p, size_t n, char *out);

/* The value 0-15 of the hex digit c (either case), or -1. */
int hex_value(char c);

/* Percent-encodes in for a URL path or query value: the unreserved characters of RFC 3986
 * (A-Z a-z 0-9 - . _ ~) and those of keep (e.g. "/" for a path, NULL for none) stay, every
 * other byte becomes %XX (upper-case hex). Returns 0, or -1 when out (outlen bytes) is too
 * small, leaving "" in it: a cut URL would lead somewhere else. */
int url_encode(const char *in, const char *keep, char *out, size_t outlen);

#endif
