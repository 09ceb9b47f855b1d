/* defer: the worker pool of slow work (see defer.h). A fixed set of threads takes jobs from
 * a bounded queue; each has its own store connection. A job's completion goes back to the
 * loop that owns the request with event_base_once, which libevent makes safe from another
 * thread (evthread_use_pthreads is on). Write jobs go to the writer of core/writer.c (one
 * more thread with its own queue and connection: it takes every write job queued, up to
 * WRITER_BATCH, runs them in one group transaction and commits once, then completes them
 * all); here only their completion on the loop. */
#include "http/defer.h"

#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/writer.h"
#include "http/conn.h"
#include "http/metrics.h"
#include "store/store.h"
#include "util/log.h"

#define QUEUE_MAX 1024

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
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, NULL, NULL, 0, NULL};

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
	r->deferred = 0;
	j->done(r, j->arg);
	if (!r->deferred) /* else done handed r to a next step (req_defer_write, say) */
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

/* ---- the writer (core/writer.c: the group loop) ---- */

/* Wr is NULL before the start and once the stop began (a write job then gets 503). */
static pthread_mutex_t Wr_mu = PTHREAD_MUTEX_INITIALIZER;
static writer *Wr;

static void write_work(store *s, void *arg)
{
	struct job *j = arg;
	j->work(s, P.a, j->arg);
}

static void write_lost(void *arg)
{
	struct job *j = arg;
	if (j->lost)
		j->lost(j->arg);
}

static void write_done(void *arg)
{
	finish(arg);
}

static int writer_enqueue(struct job *j)
{
	pthread_mutex_lock(&Wr_mu);
	int rc = Wr ? writer_submit(Wr, write_work, write_lost, write_done, j) : -1;
	pthread_mutex_unlock(&Wr_mu);
	return rc;
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
	static const writer_config wc = {WRITER_BATCH, WRITER_QUEUE, metrics_writer_group};
	writer *w = NULL;
	if (a->cfg.group_commit && writer_start(a->cfg.database, &wc, &w, err, errlen) < 0) {
		defer_pool_stop();
		return -1;
	}
	pthread_mutex_lock(&Wr_mu);
	Wr = w;
	pthread_mutex_unlock(&Wr_mu);
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
	pthread_mutex_lock(&Wr_mu);
	writer *w = Wr;
	Wr = NULL;
	pthread_mutex_unlock(&Wr_mu);
	writer_stop(w); /* after the pool: it commits and answers what is queued first */
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

static int pool_enqueue(struct job *j)
{
	return enqueue(&P, j);
}

static int defer_to(int (*q)(struct job *j), req *r, defer_work_fn work, defer_lost_fn lost,
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
	if (!j || q(j) < 0) {
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
	return defer_to(pool_enqueue, r, work, NULL, done, arg);
}

int req_defer_write(req *r, defer_work_fn work, defer_lost_fn lost, defer_done_fn done, void *arg)
{
	return defer_to(r->a->cfg.group_commit ? writer_enqueue : pool_enqueue, r, work, lost, done,
	                arg);
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
