/* netaddr: the client's address behind trusted reverse proxies. A list of trusted proxies
 * is IPv4 addresses or CIDR blocks ("10.0.0.1, 192.168.0.0/16"), separated by commas or
 * spaces. Only the connection from a listed proxy may tell the client's address in
 * X-Forwarded-For; its entries are read from the right, skipping listed proxies, as
 * nginx's real_ip_recursive does, so a client cannot choose the address it is counted as. */
#ifndef MADOGUCHI_NETADDR_H
#define MADOGUCHI_NETADDR_H

#include <stddef.h>

/* 0 when every entry of list parses (an empty list too), -1 otherwise. */
int netaddr_list_valid(const char *list);
/* 1 when the IPv4 address addr is in one of the list's entries, else 0. */
int netaddr_list_has(const char *list, const char *addr);
/* Writes into out the address to count the request as: peer, unless peer is a trusted
 * proxy and xff (may be NULL) names another hop; then the right-most entry of xff that is
 * not a trusted proxy (the left-most when all are trusted). A malformed entry ends the
 * walk at the last trusted hop. */
void netaddr_client(const char *trusted, const char *peer, const char *xff, char *out,
                    size_t outlen);

#endif
