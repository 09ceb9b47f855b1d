/* stamps: the background round of the time-stamp queue (see stamps.h). */
#include "http/stamps.h"

#include <stdatomic.h>
#include <time.h>

#include <event2/event.h>

#include "http/defer.h"
#include "sig/stamp.h"

#define TIMEOUT_MS 10000 /* one exchange with the authority */

static atomic_int running; /* a round is queued or running in this process */

static void stamps_work(store *s, const app *a, void *arg)
{
	(void)arg;
	struct stamp_config c = {a->cfg.tsa_url, a->cfg.tsa_ca_file, a->cfg.tsa_retry_seconds,
	                         TIMEOUT_MS};
	stamp_round(s, &c, (long long)time(NULL)); /* logs what it could not do */
	atomic_store(&running, 0);
}

void stamps_kick(const app *a)
{
	int idle = 0;
	if (!a->cfg.tsa_url[0] || !atomic_compare_exchange_strong(&running, &idle, 1))
		return;
	if (defer_background(stamps_work, NULL) < 0) /* the pool is full: the timer tries again */
		atomic_store(&running, 0);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	stamps_kick(arg);
}

struct event *stamps_start(struct event_base *base, const app *a, int *oom)
{
	*oom = 0;
	if (!a->cfg.tsa_url[0])
		return NULL;
	long poll = a->cfg.tsa_retry_seconds < STAMPS_POLL_SECONDS ? a->cfg.tsa_retry_seconds
	                                                           : STAMPS_POLL_SECONDS;
	struct timeval tv = {poll > 0 ? poll : 1, 0};
	struct event *ev = event_new(base, -1, EV_PERSIST, on_timer, (void *)a);
	if (!ev || event_add(ev, &tv) != 0) {
		if (ev)
			event_free(ev);
		*oom = 1;
		return NULL;
	}
	return ev;
}
