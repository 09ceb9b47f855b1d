/* writer: the group-committing writer (see writer.h). */
#include "core/writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/errbuf.h"

struct wjob {
	writer_work_fn work;
	writer_lost_fn lost;
	writer_done_fn done;
	void *arg;
	struct wjob *next;
};

struct writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wjob *head, *tail;
	size_t queued;
	int stopping;
	writer_config cfg;
	store *s;
	pthread_t th;
};

static void piece(store *s, void *arg)
{
	struct wjob *j = arg;
	j->work(s, j->arg);
}

/* lost for each job from from up to (not including) to; their count. */
static size_t lose(struct wjob *from, struct wjob *to)
{
	size_t n = 0;
	for (struct wjob *j = from; j != to; j = j->next, n++)
		if (j->lost)
			j->lost(j->arg);
	return n;
}

/* One group: every job of the list in one transaction, one commit. When the group cannot
 * start or the back end ends it under a job, the jobs run so far are lost and the rest run
 * each in its own transactions, as without a writer. */
static void write_group(writer *w, struct wjob *list)
{
	struct wjob *j = list;
	size_t n = 0, lost = 0;
	if (store_group_begin(w->s) == STORE_OK) {
		for (; j; j = j->next, n++)
			if (store_group_run(w->s, piece, j) != STORE_OK)
				break;
		if (j) {
			store_group_abandon(w->s);
			j = j->next;
			lost = lose(list, j);
			n++;
		} else if (store_group_commit(w->s) != STORE_OK) {
			lost = lose(list, NULL);
		}
		if (w->cfg.on_group)
			w->cfg.on_group(n, lost);
	}
	for (; j; j = j->next)
		j->work(w->s, j->arg);
}

/* Up to batch_max jobs off the queue (NULL: stopping and drained). */
static struct wjob *take_batch(writer *w)
{
	struct wjob *list, *last;
	size_t n = 1;
	pthread_mutex_lock(&w->mu);
	while (!w->head && !w->stopping)
		pthread_cond_wait(&w->cv, &w->mu);
	list = last = w->head;
	while (last && last->next && n < w->cfg.batch_max) {
		last = last->next;
		n++;
	}
	if (last) {
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
	}
	pthread_mutex_unlock(&w->mu);
	return list;
}

static void *writer_main(void *arg)
{
	writer *w = arg;
	struct wjob *list;
	while ((list = take_batch(w))) {
		write_group(w, list);
		while (list) {
			struct wjob *next = list->next;
			list->done(list->arg);
			free(list);
			list = next;
		}
	}
	return NULL;
}

int writer_start(const char *database, const writer_config *cfg, writer **out, char *err,
                 size_t errlen)
{
	char serr[256];
	writer *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w) {
		errbuf_set(err, errlen, "out of memory");
		return -1;
	}
	if (cfg)
		w->cfg = *cfg;
	if (!w->cfg.batch_max)
		w->cfg.batch_max = WRITER_BATCH;
	if (!w->cfg.queue_max)
		w->cfg.queue_max = WRITER_QUEUE;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (store_open(database, &w->s, serr, sizeof(serr)) != STORE_OK) {
		errbuf_set(err, errlen, "writer database: %.400s", serr);
		goto fail;
	}
	if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
		errbuf_set(err, errlen, "cannot start the writer thread");
		store_close(w->s);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return -1;
}

int writer_submit(writer *w, writer_work_fn work, writer_lost_fn lost, writer_done_fn done,
                  void *arg)
{
	struct wjob *j = w ? malloc(sizeof(*j)) : NULL;
	if (!j)
		return -1;
	*j = (struct wjob){work, lost, done, arg, NULL};
	pthread_mutex_lock(&w->mu);
	if (w->stopping || w->queued >= w->cfg.queue_max) {
		pthread_mutex_unlock(&w->mu);
		free(j);
		return -1;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

size_t writer_queued(writer *w)
{
	pthread_mutex_lock(&w->mu);
	size_t n = w->queued;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void writer_stop(writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	store_close(w->s);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
