/* metrics: the counters of the portal in the Prometheus text format (version 0.0.4), served
 * on their own address (metrics_listen) by metrics_http.c. Requests are counted by route (the
 * pattern of the route table, so the label set is bounded; a path no route matches is
 * "other") and status code, with a latency histogram per route; the gauges that need a look
 * at the store or the pool are read at scrape time and passed to metrics_render. Counting is
 * lock-free (relaxed C11 atomics): any thread may count at any time after metrics_init. */
#ifndef MADOGUCHI_METRICS_H
#define MADOGUCHI_METRICS_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"

struct route;

/* The upper bounds of the latency histogram's buckets, in milliseconds (+Inf follows). */
#define METRICS_BUCKETS 10
extern const int metrics_bucket_ms[METRICS_BUCKETS];

/* The slot of a request that is not counted (the scrape itself). */
#define METRICS_UNCOUNTED (-1)
/* The slot of a path no route matches. */
#define METRICS_OTHER 0

/* Once, before any thread counts: one set of counters per distinct pattern of routes[0..n)
 * (routes are read, not copied: they must outlive the registry). -1 when out of memory. */
int metrics_init(const struct route *routes, size_t n);
/* Frees the registry; counting afterwards counts nothing. */
void metrics_free(void);
/* The slot of route index i of the table given to metrics_init (routes sharing a pattern share
 * it), METRICS_OTHER for i < 0 or out of range. */
int metrics_slot(long i);
/* One answered request of slot with status, started at start (CLOCK_MONOTONIC). */
void metrics_request(int slot, int status, const struct timespec *start);
/* As metrics_request with the latency given in microseconds (for the tests). */
void metrics_request_us(int slot, int status, long long us);
/* One group of the writer (http/defer.c): jobs run in it, lost of them by a failed commit. */
void metrics_writer_group(size_t jobs, size_t lost);
/* A mail the sender could not send (one failed attempt). */
void metrics_mail_failed(void);

/* What is read at scrape time. */
typedef struct metrics_scrape {
	long long queue_depth; /* jobs waiting for a pool thread */
	int outbox_ok;         /* the outbox figures could be read */
	long long outbox_unsent;
	long long outbox_failing; /* unsent mails with at least one failed attempt */
} metrics_scrape;

/* Appends the exposition text to out; -1 when out hit its maximum. */
int metrics_render(buf *out, const metrics_scrape *sc);

#endif
