/* hold: requests held open on their event loop until something they wait for happens (the
 * long poll of the signature's state, seed step 14), without a thread per waiter. The page
 * gives a check; it runs on the request's loop every HOLD_RECHECK_MS (so that a change made
 * by another process is seen), at once when hold_wake() names the request's topic (a change
 * made in this process), and a last time when the hold time (sign_poll_hold_seconds) has
 * passed or the server stops. Capped per process and per session (holdcap.h). */
#ifndef MADOGUCHI_HOLD_H
#define MADOGUCHI_HOLD_H

#include "http/http.h"

#define HOLD_RECHECK_MS 100
#define HOLD_TOPIC_MAX 64

/* Runs on the loop thread. Answers and returns 1 when what the request waits for is there;
 * returns 0 to keep holding. With final set (the hold time passed, the server stops) it
 * must answer (the state as it is) and return 1. */
typedef int (*hold_check_fn)(req *r, void *arg, int final);
/* Frees arg once the request was answered or its client went away. */
typedef void (*hold_free_fn)(void *arg);

/* Once, before the loops start (sizes the caps from the configuration). */
int hold_setup(const app *a, char *err, size_t errlen);
void hold_teardown(void);

/* Holds r (which has a session) under topic (1..HOLD_TOPIC_MAX bytes). After 0 the handler
 * returns without answering; check answers later and free_arg frees arg. -1 when the
 * request cannot be held (holding off, a cap reached, the server stopping, no memory):
 * nothing was answered and arg is still the caller's, who answers at once. */
int req_hold(req *r, const char *topic, hold_check_fn check, hold_free_fn free_arg, void *arg);
/* Runs the check of every request held under topic now. Any thread. */
void hold_wake(const char *topic);
/* The server stops: every held request gets its final check now, and new ones are not
 * held. Any thread; the loops must run a little longer to send the answers. */
void hold_stop(void);
/* Drops what w still holds without answering (its loop has ended; evhttp_free frees the
 * requests). On w's thread, or after it ended. */
void hold_release_worker(const worker *w);

#endif
