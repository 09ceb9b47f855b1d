/* net: the signing app's HTTP client (libcurl): GET of the sign request and POST of the
 * signature, TLS verification on (the system's CAs, or --cacert), http and https only, no
 * redirects, connect and total timeouts, answers bounded to SIGNREQ_BODY_MAX bytes. */
#ifndef MADOGUCHI_SIGNER_NET_H
#define MADOGUCHI_SIGNER_NET_H

#include <stdatomic.h>

#include "signer/flow.h"

struct signer_net_cfg {
	const char *cacert;   /* NULL: the system's CA certificates */
	long connect_timeout; /* seconds */
	long total_timeout;   /* seconds */
	/* NULL, or a flag another thread sets to abort the transfer under way (libcurl's
	 * progress callback looks at it; the call then fails with "aborted") */
	const atomic_int *abort;
};

/* The network interface of flow.h over libcurl; ctx is a struct signer_net_cfg. The caller
 * runs curl_global_init() once before. */
extern const struct signer_net_ops signer_curl_net_ops;

#endif
