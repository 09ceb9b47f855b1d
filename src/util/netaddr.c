/* netaddr: trusted proxies and X-Forwarded-For (see netaddr.h). */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEPS ", \t"

/* Parses a dotted IPv4 address of len bytes into host order. */
static int parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	char tmp[INET_ADDRSTRLEN];
	struct in_addr a;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* One list entry "a.b.c.d" or "a.b.c.d/n" of len bytes: network and mask. */
static int parse_entry(const char *s, size_t len, uint32_t *net, uint32_t *mask)
{
	const char *slash = memchr(s, '/', len);
	long bits = 32;
	if (slash) {
		size_t blen = len - (size_t)(slash - s) - 1;
		char tmp[4];
		char *end;
		if (blen == 0 || blen > 2)
			return -1;
		memcpy(tmp, slash + 1, blen);
		tmp[blen] = '\0';
		bits = strtol(tmp, &end, 10);
		if (*end || bits < 0 || bits > 32)
			return -1;
		len = (size_t)(slash - s);
	}
	if (parse_ipv4(s, len, net) < 0)
		return -1;
	*mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
	*net &= *mask;
	return 0;
}

/* Calls fn for each entry of list; stops at the first nonzero return and gives it. */
static int each_entry(const char *list, int (*fn)(const char *, size_t, void *), void *arg)
{
	for (const char *p = list; p && *p;) {
		p += strspn(p, SEPS);
		size_t len = strcspn(p, SEPS);
		if (len == 0)
			break;
		int r = fn(p, len, arg);
		if (r)
			return r;
		p += len;
	}
	return 0;
}

static int entry_bad(const char *s, size_t len, void *arg)
{
	uint32_t net, mask;
	return parse_entry(s, len, &net, &mask) < 0 ? -1 : 0;
}

int netaddr_list_valid(const char *list)
{
	return each_entry(list, entry_bad, NULL) ? -1 : 0;
}

static int entry_has(const char *s, size_t len, void *arg)
{
	uint32_t net, mask;
	return parse_entry(s, len, &net, &mask) == 0 && (*(uint32_t *)arg & mask) == net;
}

static int has_addr(const char *list, uint32_t a)
{
	return each_entry(list, entry_has, &a) == 1;
}

int netaddr_list_has(const char *list, const char *addr)
{
	uint32_t a;
	return parse_ipv4(addr, strlen(addr), &a) == 0 && has_addr(list, a);
}

void netaddr_client(const char *trusted, const char *peer, const char *xff, char *out,
                    size_t outlen)
{
	snprintf(out, outlen, "%s", peer);
	if (!xff || !trusted || !*trusted || !netaddr_list_has(trusted, peer))
		return;
	/* out holds the nearest hop known to be a trusted proxy or the client; walk leftwards */
	size_t end = strlen(xff);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		const char *e = xff + start;
		size_t len = end - start;
		while (len && (*e == ' ' || *e == '\t')) {
			e++;
			len--;
		}
		while (len && (e[len - 1] == ' ' || e[len - 1] == '\t'))
			len--;
		uint32_t a;
		if (parse_ipv4(e, len, &a) < 0)
			return;
		snprintf(out, outlen, "%.*s", (int)len, e);
		if (!has_addr(trusted, a))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}
