/* defer: slow work off the event loops. A handler hands a job to the worker pool (password
 * hashing, fsync-bound commits); the job runs on a pool thread with that thread's own store
 * connection, then its completion runs back on the request's loop thread and answers. */
#ifndef MADOGUCHI_DEFER_H
#define MADOGUCHI_DEFER_H

#include "http/http.h"

struct store;

/* Runs on a pool thread; may block. */
typedef void (*defer_work_fn)(struct store *s, const app *a, void *arg);
/* Runs on the loop thread afterwards. r->ev is NULL when the client went away: the
 * response functions then do nothing, but arg must still be freed here. With r->ev set,
 * done may instead hand r and arg to a next step (req_defer or req_defer_write again,
 * e.g. a verification on the pool, then its durable write on the writer); r then stays. */
typedef void (*defer_done_fn)(req *r, void *arg);

/* Start the pool: n threads (0: one per core), each with its own store connection. */
int defer_pool_start(const app *a, long n, char *err, size_t errlen);
void defer_pool_stop(void);

/* Queue the job. After this the handler must return without answering; done answers.
 * When the queue is full the request gets 503 at once and done runs with r->ev NULL
 * (so arg is freed); returns -1 then. */
int req_defer(req *r, defer_work_fn work, defer_done_fn done, void *arg);

/* Called on the writer thread for a job whose group's commit failed: what it wrote is not
 * durable (none of it is kept); arg must then say so to done. */
typedef void (*defer_lost_fn)(void *arg);

/* A job whose writes wait for an fsync (a submission): it runs on the one writer thread,
 * with the writer's store connection, inside the group transaction of whatever is queued
 * with it (store_group_run: its own transactions are savepoints, so it fails alone); done
 * runs on the loop only after the group's commit is durable, or after lost when it failed.
 * With group_commit off it is req_defer (lost never called). Returns as req_defer. */
int req_defer_write(req *r, defer_work_fn work, defer_lost_fn lost, defer_done_fn done, void *arg);

/* The jobs waiting for a pool thread now (the metrics' queue depth). */
size_t defer_queued(void);

/* Fire-and-forget work with no request (housekeeping writes such as session touches). */
int defer_background(defer_work_fn work, void *arg);

#endif
