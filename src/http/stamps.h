/* stamps: the portal's background round of the signature time-stamp queue (sig/stamp.h),
 * run on the worker pool, one round at a time per process: after each submission that
 * queued a request (stamps_kick, from the page's completion, so the resident never waits for
 * the time-stamp authority) and every few seconds from a timer of the first event loop, which
 * takes the retries when they fall due. Nothing runs while tsa_url is empty. */
#ifndef MADOGUCHI_HTTP_STAMPS_H
#define MADOGUCHI_HTTP_STAMPS_H

#include "http/http.h"

struct event;

/* A timer on base that kicks a round every STAMPS_POLL_SECONDS (tsa_retry_seconds when that
 * is shorter); the caller event_free()s it. NULL when tsa_url is empty or out of memory
 * (*oom tells which). */
#define STAMPS_POLL_SECONDS 5
struct event *stamps_start(struct event_base *base, const app *a, int *oom);

/* Queues a round on the pool unless one is running or tsa_url is empty. Thread-safe. */
void stamps_kick(const app *a);

#endif
