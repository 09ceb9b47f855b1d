/* stamp: the round of the signature time-stamp queue (CAdES-T). An application's signed
 * version is queued in its submission's transaction (store_timestamp_queue, when tsa_url is
 * set); a round, run off the request path by the portal's background work (http/housekeep.c:
 * a timer every few seconds and a kick after each submission), claims the due requests one
 * at a time with a lease, reads the application's signature, asks the time-stamp authority
 * for a token over its signature value (tsa.c) and stores the checked TimeStampResp, or
 * records the failure with a retry delay that doubles from retry_seconds up to an hour; a
 * request still failing three days after it was queued is given up (logged). A round stops
 * at the first failure of the authority, so a TSA that does not answer costs one timeout per
 * round. Only store.h calls reach the database. */
#ifndef MADOGUCHI_SIG_STAMP_H
#define MADOGUCHI_SIG_STAMP_H

#include "store/store.h"

struct stamp_config {
	const char *url;     /* the TSA; NULL or "": nothing runs */
	const char *ca_file; /* its CA (PEM), or NULL/"": the token's signature is not checked */
	long retry_seconds;  /* first retry delay */
	long timeout_ms;     /* one exchange */
};

/* 1 when the request t was given up (it will not be asked again), else 0. */
int stamp_given_up(const store_timestamp *t);

/* The retry delay after attempts failed attempts (>= 1). */
long long stamp_retry_delay(long retry_seconds, int attempts);

/* One round at now: at most STAMP_ROUND_MAX requests. Returns how many were stamped, or -1
 * when the store failed (logged; the claimed request is taken again after its lease). */
#define STAMP_ROUND_MAX 20
int stamp_round(store *s, const struct stamp_config *c, long long now);

#endif
