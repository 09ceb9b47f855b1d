/* writer: the group-committing writer, one home for the portal (http/defer.c: req_defer_write)
 * and the benchmark (bench/signed_submit.c). One thread with its own store connection takes
 * whatever jobs are queued (up to batch_max), runs each as a piece of one group transaction
 * (store_group_run: a piece's own transactions are savepoints, so a failed piece rolls back
 * alone), commits once, and only then answers each job (done). When the group's commit fails
 * (or the back end ends the group under a piece) none of the group's writes is durable: lost
 * runs for each of its jobs before done. It knows nothing of HTTP. */
#ifndef MADOGUCHI_WRITER_H
#define MADOGUCHI_WRITER_H

#include <stddef.h>

#include "store/store.h"

/* The job's writes, on the writer thread with the writer's connection, inside the group. */
typedef void (*writer_work_fn)(store *s, void *arg);
/* On the writer thread: what work wrote is not durable (its group's commit failed). */
typedef void (*writer_lost_fn)(void *arg);
/* On the writer thread after the group's commit (durable) or after lost: the answer. */
typedef void (*writer_done_fn)(void *arg);
/* After each group: how many jobs it ran and how many of them were lost (metrics). */
typedef void (*writer_group_fn)(size_t jobs, size_t lost);

typedef struct writer_config {
	size_t batch_max;         /* jobs per group (0: WRITER_BATCH) */
	size_t queue_max;         /* jobs waiting at most (0: WRITER_QUEUE) */
	writer_group_fn on_group; /* may be NULL */
} writer_config;

#define WRITER_BATCH 256
#define WRITER_QUEUE 1024

typedef struct writer writer;

/* Opens the connection to database (a store URL or path) and starts the thread; 0 or -1 with
 * err set. cfg may be NULL (the defaults). */
int writer_start(const char *database, const writer_config *cfg, writer **out, char *err,
                 size_t errlen);

/* Queues a job (lost may be NULL); -1 when the queue is full, the writer stopping or out of
 * memory (then nothing of it runs). */
int writer_submit(writer *w, writer_work_fn work, writer_lost_fn lost, writer_done_fn done,
                  void *arg);

/* The jobs waiting now. */
size_t writer_queued(writer *w);

/* Runs and answers what is queued, then ends the thread and closes the connection. */
void writer_stop(writer *w);

#endif
