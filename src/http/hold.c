/* hold: requests held open on their loop (see hold.h). Each held request has one timer
 * event on its loop: it fires every HOLD_RECHECK_MS to run the page's check, and
 * hold_wake() and hold_stop() make it active at once from any thread (event_active is
 * safe across threads with evthread_use_pthreads). The list of held requests and the caps
 * are shared by the loops under one lock; a request leaves the list (under the lock)
 * before its event is freed, so a waker never touches a freed event. evhttp reads nothing
 * from a connection whose request is with its handler, so it would not see the client go:
 * a read event on the socket does (a peek that finds the end or an error frees the
 * connection). The connection's close callback then marks the hold gone and the next run of
 * its event frees it; a request evhttp let go of (it drops an unanswered request from a
 * connection that failed) is then ours to free. */
#include "http/hold.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/conn.h"
#include "http/holdcap.h"
#include "util/log.h"

struct hold {
	req *r;
	struct evhttp_request *orphan; /* let go of by evhttp: ours to free */
	struct event *ev;
	struct event *watch; /* the socket readable: the client may have gone */
	struct timespec until;
	char topic[HOLD_TOPIC_MAX + 1];
	char key[HOLDCAP_KEY_MAX + 1];
	hold_check_fn check;
	hold_free_fn free_arg;
	void *arg;
	atomic_int final; /* answer now: the server stops */
	int gone;         /* the client went away */
	struct hold *prev, *next;
};

static struct {
	pthread_mutex_t mu;
	struct hold *head;
	holdcap caps;
	long hold_ms;
	int stopping;
} H = {.mu = PTHREAD_MUTEX_INITIALIZER};

int hold_setup(const app *a, char *err, size_t errlen)
{
	const config *c = &a->cfg;
	/* evhttp closes a connection silent for request_timeout: answer before it does */
	long secs = c->sign_poll_hold_seconds;
	if (secs >= c->request_timeout)
		secs = c->request_timeout - 1;
	H.hold_ms = secs > 0 ? secs * 1000 : 0;
	H.stopping = 0;
	H.head = NULL;
	if (holdcap_init(&H.caps, H.hold_ms ? (size_t)c->sign_poll_max_held : 0,
	                 (size_t)c->sign_poll_max_held_per_session) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void hold_teardown(void)
{
	holdcap_release(&H.caps);
}

/* Out of the list and the counts; H.mu held. */
static void list_remove(struct hold *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		H.head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	holdcap_put(&H.caps, h->key);
}

static void unlink_hold(struct hold *h)
{
	pthread_mutex_lock(&H.mu);
	list_remove(h);
	pthread_mutex_unlock(&H.mu);
}

/* Frees a hold already out of the list, with its request (answered, or gone). */
static void free_hold(struct hold *h)
{
	event_free(h->ev);
	if (h->watch)
		event_free(h->watch);
	if (h->r->ev)
		conn_on_close(h->r->ev, NULL, NULL);
	if (h->orphan)
		evhttp_request_free(h->orphan);
	h->free_arg(h->arg);
	req_free(h->r);
	free(h);
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct hold *h = arg;
	struct evhttp_request *ev = h->r->ev;
	/* still on the connection, evhttp frees it with the connection; else it is ours */
	h->orphan = ev && !evhttp_request_get_connection(ev) ? ev : NULL;
	h->r->ev = NULL;
	h->gone = 1;
	event_active(h->ev, EV_TIMEOUT, 0);
}

/* The held request's socket is readable: the end of the stream (or an error) means the
 * client went away; bytes are a next request, left for evhttp, and the watch ends. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct hold *h = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0 || h->gone || !h->r->ev)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(h->watch, NULL);
		return;
	}
	/* on_close runs from here (through conn.c), then evhttp frees the request */
	evhttp_connection_free(evhttp_request_get_connection(h->r->ev));
}

/* Watches the socket of r's connection for the client going away (none when unknown). */
static void watch_socket(struct hold *h)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(h->r->ev);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd >= 0 && (h->watch = event_new(h->r->w->base, fd, EV_READ, on_readable, h)))
		event_add(h->watch, NULL);
}

static int passed(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hold *h = arg;
	static const struct timeval recheck = {0, HOLD_RECHECK_MS * 1000};
	if (!h->gone) {
		int final = atomic_load(&h->final) || passed(&h->until);
		if (!h->check(h->r, h->arg, final)) {
			evtimer_add(h->ev, &recheck);
			return;
		}
	}
	unlink_hold(h);
	free_hold(h);
}

static struct hold *hold_new(req *r, const char *topic, hold_check_fn check, hold_free_fn free_arg,
                             void *arg)
{
	struct hold *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (!(h->ev = evtimer_new(r->w->base, on_tick, h))) {
		free(h);
		return NULL;
	}
	h->r = r;
	snprintf(h->topic, sizeof(h->topic), "%s", topic);
	snprintf(h->key, sizeof(h->key), "%s", r->sess.id_hash);
	h->check = check;
	h->free_arg = free_arg;
	h->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &h->until);
	h->until.tv_sec += H.hold_ms / 1000;
	return h;
}

int req_hold(req *r, const char *topic, hold_check_fn check, hold_free_fn free_arg, void *arg)
{
	static const struct timeval recheck = {0, HOLD_RECHECK_MS * 1000};
	if (!r->has_session || !topic || !*topic || strlen(topic) > HOLD_TOPIC_MAX || !r->ev)
		return -1;
	struct hold *h = hold_new(r, topic, check, free_arg, arg);
	if (!h)
		return -1;
	pthread_mutex_lock(&H.mu);
	enum holdcap_result cap =
	    H.stopping || !H.hold_ms ? HOLDCAP_FULL : holdcap_take(&H.caps, h->key);
	if (cap == HOLDCAP_OK) {
		h->next = H.head;
		if (H.head)
			H.head->prev = h;
		H.head = h;
	}
	pthread_mutex_unlock(&H.mu);
	if (cap != HOLDCAP_OK) {
		event_free(h->ev);
		free(h);
		return -1;
	}
	r->deferred = 1;
	conn_on_close(r->ev, on_close, h);
	watch_socket(h);
	evtimer_add(h->ev, &recheck);
	return 0;
}

void hold_wake(const char *topic)
{
	pthread_mutex_lock(&H.mu);
	for (struct hold *h = H.head; h; h = h->next)
		if (strcmp(h->topic, topic) == 0)
			event_active(h->ev, EV_TIMEOUT, 0);
	pthread_mutex_unlock(&H.mu);
}

void hold_stop(void)
{
	pthread_mutex_lock(&H.mu);
	H.stopping = 1;
	for (struct hold *h = H.head; h; h = h->next) {
		atomic_store(&h->final, 1);
		event_active(h->ev, EV_TIMEOUT, 0);
	}
	pthread_mutex_unlock(&H.mu);
}

void hold_release_worker(const worker *w)
{
	struct hold *mine = NULL;
	pthread_mutex_lock(&H.mu);
	for (struct hold *h = H.head, *next; h; h = next) {
		next = h->next;
		if (h->r->w != w)
			continue;
		list_remove(h);
		h->next = mine;
		mine = h;
	}
	pthread_mutex_unlock(&H.mu);
	for (struct hold *h = mine, *next; h; h = next) {
		next = h->next;
		log_info("hold: a request still held at the end was dropped");
		free_hold(h);
	}
}
