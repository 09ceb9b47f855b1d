/* defer: the worker pool of slow work (see defer.h). A fixed set of threads takes jobs from
 * a bounded queue; each has its own store connection. A job's completion goes back to the
 * loop that owns the request with event_base_once, which libevent makes safe from another
 * thread (evthread_use_pthreads is on). The writer is one more thread with its own queue and
 * connection: it takes every write job queued (up to WRITER_BATCH), runs them in one group
 * transaction and commits once, then completes them all. */
#include "http/defer.h"

#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/conn.h"
#include "http/metrics.h"
#include "store/store.h"
#include "util/log.h"

#define QUEUE_MAX 1024
#define WRITER_BATCH 256

struct job {
	req *r; /* NULL for background jobs */
	struct event_base *base;
	defer_work_fn work;
	defer_lost_fn lost; /* write jobs */
	defer_done_fn done;
	void *arg;
	struct job *next;
};

static struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued;
	int stopping;
	pthread_t *threads;
	struct store **stores;
	long n;
	const app *a;
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, NULL, NULL, 0, NULL},
  W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, NULL, NULL, 0, NULL};

static void on_close(struct evhttp_connection *c, void *arg)
{
	req *r = arg;
	r->gone = 1;
}

static void complete(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	req *r = j->r;
	if (r->gone) {
		r->ev = NULL;
	} else {
		conn_on_close(r->ev, NULL, NULL);
	}
	j->done(r, j->arg);
	req_free(r);
	free(j);
}

/* The job is done: its completion to its loop (a background job is just freed). */
static void finish(struct job *j)
{
	struct timeval now = {0, 0};
	if (!j->r) {
		free(j);
		return;
	}
	if (event_base_once(j->base, -1, EV_TIMEOUT, complete, j, &now) < 0) {
		/* cannot happen short of malloc failure; answer nothing rather than crash */
		log_error("defer: event_base_once failed");
	}
}

static void *pool_main(void *arg)
{
	long idx = (long)(size_t)arg;
	struct store *s = P.stores[idx];
	for (;;) {
		pthread_mutex_lock(&P.mu);
		while (!P.head && !P.stopping)
			pthread_cond_wait(&P.cv, &P.mu);
		struct job *j = P.head;
		if (!j) { /* stopping and drained */
			pthread_mutex_unlock(&P.mu);
			break;
		}
		P.head = j->next;
		if (!P.head)
			P.tail = NULL;
		P.queued--;
		pthread_mutex_unlock(&P.mu);

		j->work(s, P.a, j->arg);
		finish(j);
	}
	return NULL;
}

/* ---- the writer ---- */

static void piece(struct store *s, void *arg)
{
	struct job *j = arg;
	j->work(s, W.a, j->arg);
}

static size_t lose(struct job *from, struct job *to)
{
	size_t n = 0;
	for (struct job *j = from; j != to; j = j->next, n++)
		if (j->lost)
			j->lost(j->arg);
	return n;
}

/* One group: every job of the list in one transaction, one commit. When the group cannot
 * start or the back end ends it under a job, the jobs run so far are lost and the rest run
 * each in its own transactions, as the pool would. */
static void write_group(struct store *s, struct job *list)
{
	struct job *j = list;
	size_t n = 0, lost = 0;
	if (store_group_begin(s) == STORE_OK) {
		for (; j; j = j->next, n++)
			if (store_group_run(s, piece, j) != STORE_OK)
				break;
		if (j) {
			store_group_abandon(s);
			j = j->next;
			lost = lose(list, j);
			n++;
		} else if (store_group_commit(s) != STORE_OK) {
			lost = lose(list, NULL);
		}
		metrics_writer_group(n, lost);
	}
	for (; j; j = j->next)
		j->work(s, W.a, j->arg);
}

/* Up to WRITER_BATCH jobs off the queue (NULL: stopping and drained). */
static struct job *take_batch(void)
{
	struct job *list, *last;
	size_t n = 1;
	pthread_mutex_lock(&W.mu);
	while (!W.head && !W.stopping)
		pthread_cond_wait(&W.cv, &W.mu);
	list = last = W.head;
	while (last && last->next && n < WRITER_BATCH) {
		last = last->next;
		n++;
	}
	if (last) {
		W.head = last->next;
		if (!W.head)
			W.tail = NULL;
		last->next = NULL;
		W.queued -= n;
	}
	pthread_mutex_unlock(&W.mu);
	return list;
}

static void *writer_main(void *arg)
{
	struct job *list;
	while ((list = take_batch())) {
		write_group(W.stores[0], list);
		while (list) {
			struct job *next = list->next;
			finish(list);
			list = next;
		}
	}
	return NULL;
}

static int writer_start(const app *a, char *err, size_t errlen)
{
	char serr[256];
	W.a = a;
	W.stopping = 0;
	W.threads = calloc(1, sizeof(*W.threads));
	W.stores = calloc(1, sizeof(*W.stores));
	if (!W.threads || !W.stores) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_open(a->cfg.database, &W.stores[0], serr, sizeof(serr)) != STORE_OK) {
		snprintf(err, errlen, "writer database: %.400s", serr);
		return -1;
	}
	if (pthread_create(&W.threads[0], NULL, writer_main, NULL) != 0) {
		store_close(W.stores[0]);
		snprintf(err, errlen, "cannot start the writer thread");
		return -1;
	}
	W.n = 1;
	return 0;
}

/* Stopped after the pool; it commits and completes what is queued before it ends. */
static void writer_stop(void)
{
	pthread_mutex_lock(&W.mu);
	W.stopping = 1;
	pthread_cond_broadcast(&W.cv);
	pthread_mutex_unlock(&W.mu);
	if (W.n) {
		pthread_join(W.threads[0], NULL);
		store_close(W.stores[0]);
	}
	free(W.threads);
	free(W.stores);
	W.threads = NULL;
	W.stores = NULL;
	W.n = 0;
}

int defer_pool_start(const app *a, long n, char *err, size_t errlen)
{
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	P.a = a;
	P.stopping = 0;
	P.threads = calloc((size_t)n, sizeof(*P.threads));
	P.stores = calloc((size_t)n, sizeof(*P.stores));
	if (!P.threads || !P.stores) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (long i = 0; i < n; i++) {
		char serr[256];
		if (store_open(a->cfg.database, &P.stores[i], serr, sizeof(serr)) != STORE_OK) {
			snprintf(err, errlen, "worker database: %.400s", serr);
			P.n = i;
			defer_pool_stop();
			return -1;
		}
		if (pthread_create(&P.threads[i], NULL, pool_main, (void *)(size_t)i) != 0) {
			store_close(P.stores[i]);
			snprintf(err, errlen, "cannot start worker thread");
			P.n = i;
			defer_pool_stop();
			return -1;
		}
		P.n = i + 1;
	}
	if (a->cfg.group_commit && writer_start(a, err, errlen) < 0) {
		defer_pool_stop();
		return -1;
	}
	return 0;
}

void defer_pool_stop(void)
{
	pthread_mutex_lock(&P.mu);
	P.stopping = 1;
	pthread_cond_broadcast(&P.cv);
	pthread_mutex_unlock(&P.mu);
	for (long i = 0; i < P.n; i++) {
		pthread_join(P.threads[i], NULL);
		store_close(P.stores[i]);
	}
	free(P.threads);
	free(P.stores);
	P.threads = NULL;
	P.stores = NULL;
	P.n = 0;
	writer_stop();
}

static int enqueue(struct pool *q, struct job *j)
{
	pthread_mutex_lock(&q->mu);
	if (q->stopping || q->queued >= QUEUE_MAX || q->n == 0) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->queued++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

static int defer_to(struct pool *q, req *r, defer_work_fn work, defer_lost_fn lost,
                    defer_done_fn done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	if (j) {
		j->r = r;
		j->base = r->w->base;
		j->work = work;
		j->lost = lost;
		j->done = done;
		j->arg = arg;
	}
	if (!j || enqueue(q, j) < 0) {
		free(j);
		resp_error(r, 503, "ただいま混み合っています",
		           "しばらくしてから、もう一度お試しください。");
		struct evhttp_request *ev = r->ev;
		r->ev = NULL;
		done(r, arg);
		r->ev = ev;
		return -1;
	}
	r->deferred = 1;
	conn_on_close(r->ev, on_close, r);
	return 0;
}

int req_defer(req *r, defer_work_fn work, defer_done_fn done, void *arg)
{
	return defer_to(&P, r, work, NULL, done, arg);
}

int req_defer_write(req *r, defer_work_fn work, defer_lost_fn lost, defer_done_fn done, void *arg)
{
	return defer_to(W.n ? &W : &P, r, work, lost, done, arg);
}

size_t defer_queued(void)
{
	pthread_mutex_lock(&P.mu);
	size_t n = P.queued;
	pthread_mutex_unlock(&P.mu);
	return n;
}

int defer_background(defer_work_fn work, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->work = work;
	j->arg = arg;
	if (enqueue(&P, j) < 0) {
		free(j);
		return -1;
	}
	return 0;
}
