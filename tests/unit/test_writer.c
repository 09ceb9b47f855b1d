/* test_writer: the group-committing writer of core/writer.c on a real SQLite store in a
 * temporary directory. Jobs queued while the writer is busy form one group (one commit); a
 * job that rolls back fails alone, its neighbours are kept; a group whose one commit fails
 * (a deferred foreign key, checked at COMMIT) calls lost for every job of it and keeps none;
 * each job is answered only after its group's commit, when another connection sees its
 * writes; writer_stop runs and answers what is still queued. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/writer.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL
#include "store_fixture.h"

#define JOBS 5

struct tjob {
	const char *email; /* the account the job creates */
	int roll_back;     /* the job's transaction rolls back */
	int break_commit;  /* a row that breaks a deferred foreign key */
	int lost, done;
	int seen_at_done; /* 1: another connection saw the account when done ran */
	store *other;     /* that connection */
};

static size_t groups, group_jobs[8], group_lost[8];

static void on_group(size_t jobs, size_t lost)
{
	if (groups < 8) {
		group_jobs[groups] = jobs;
		group_lost[groups] = lost;
	}
	groups++;
}

static int has_account(store *s, const char *email)
{
	store_account a;
	int rc = store_account_by_email(s, email, &a);
	assert_true(rc == STORE_OK || rc == STORE_ENOTFOUND);
	return rc == STORE_OK;
}

static void work(store *s, void *arg)
{
	struct tjob *j = arg;
	long long id = 0;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_account_create(s, j->email, FIXTURE_PW_HASH, NOW, &id), STORE_OK);
	if (j->break_commit)
		assert_int_equal(s->be->exec(s->ctx, "INSERT INTO writer_test_child VALUES (99)"),
		                 STORE_OK);
	if (j->roll_back)
		assert_int_equal(store_rollback(s), STORE_OK);
	else
		assert_int_equal(store_commit(s), STORE_OK);
}

static void lost(void *arg)
{
	struct tjob *j = arg;
	assert_int_equal(j->done, 0); /* lost comes before the answer */
	j->lost++;
}

static void done(void *arg)
{
	struct tjob *j = arg;
	j->done++;
	j->seen_at_done = has_account(j->other, j->email);
}

/* The first job holds the writer until the others are queued, so that they form one group. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, held_in;

static void held(store *s, void *arg)
{
	pthread_mutex_lock(&gate_mu);
	held_in = 1;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void nothing(void *arg)
{
}

/* Starts a writer, holds it with one job, queues jobs[0..n-1], lets it go, stops it. */
static void run_group(struct fixture *f, struct tjob *jobs, int n)
{
	writer_config wc = {0, 0, on_group};
	writer *w = NULL;
	char err[256];
	groups = 0;
	gate_open = held_in = 0;
	assert_int_equal(writer_start(f->path, &wc, &w, err, sizeof(err)), 0);
	assert_int_equal(writer_submit(w, held, NULL, nothing, NULL), 0);
	pthread_mutex_lock(&gate_mu); /* the writer runs the held job: the others queue */
	while (!held_in)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	for (int i = 0; i < n; i++)
		assert_int_equal(writer_submit(w, work, lost, done, &jobs[i]), 0);
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	writer_stop(w);              /* runs what is queued, then ends */
	assert_int_equal(groups, 2); /* the held job's group, then one group of the n */
	assert_int_equal(group_jobs[1], (size_t)n);
}

static void fill(struct fixture *f, struct tjob *jobs, store *other)
{
	static const char *const emails[JOBS] = {"a@example.jp", "b@example.jp", "c@example.jp",
	                                         "d@example.jp", "e@example.jp"};
	memset(jobs, 0, sizeof(*jobs) * JOBS);
	for (int i = 0; i < JOBS; i++) {
		jobs[i].email = emails[i];
		jobs[i].other = other;
	}
}

static void test_failed_job_alone(void **state)
{
	struct fixture *f = *state;
	store *other = second(f);
	struct tjob jobs[JOBS];
	fill(f, jobs, other);
	jobs[2].roll_back = 1;
	run_group(f, jobs, JOBS);
	assert_int_equal(group_lost[1], 0);
	for (int i = 0; i < JOBS; i++) {
		assert_int_equal(jobs[i].done, 1);
		assert_int_equal(jobs[i].lost, 0);
		/* answered after the commit: another connection saw the writes then */
		assert_int_equal(jobs[i].seen_at_done, i != 2);
		assert_int_equal(has_account(other, jobs[i].email), i != 2);
	}
	store_close(other);
}

static void test_failed_commit_loses_all(void **state)
{
	struct fixture *f = *state;
	store *other = second(f);
	struct tjob jobs[JOBS];
	assert_int_equal(f->s->be->exec(f->s->ctx,
	                                "CREATE TABLE writer_test_parent (id INTEGER PRIMARY KEY);"
	                                "CREATE TABLE writer_test_child (p INTEGER REFERENCES "
	                                "writer_test_parent (id) DEFERRABLE INITIALLY DEFERRED)"),
	                 STORE_OK);
	fill(f, jobs, other);
	jobs[3].break_commit = 1;
	run_group(f, jobs, JOBS);
	assert_int_equal(group_lost[1], JOBS);
	for (int i = 0; i < JOBS; i++) {
		assert_int_equal(jobs[i].lost, 1);
		assert_int_equal(jobs[i].done, 1);
		assert_int_equal(jobs[i].seen_at_done, 0);
		assert_false(has_account(other, jobs[i].email));
	}
	/* the writer's next group works (a new writer on the same file) */
	struct tjob after[JOBS];
	fill(f, after, other);
	run_group(f, after, 1);
	assert_int_equal(after[0].lost, 0);
	assert_true(has_account(other, after[0].email));
	store_close(other);
}

static void test_queue_limits(void **state)
{
	struct fixture *f = *state;
	writer_config wc = {2, 3, on_group};
	writer *w = NULL;
	char err[256];
	groups = 0;
	gate_open = 0;
	assert_int_equal(writer_start(f->path, &wc, &w, err, sizeof(err)), 0);
	assert_int_equal(writer_submit(w, held, NULL, nothing, NULL), 0);
	/* the held job may still be queued: fill up to the limit, one more is refused */
	while (writer_queued(w) < 3)
		assert_int_equal(writer_submit(w, held, NULL, nothing, NULL), 0);
	assert_int_equal(writer_submit(w, held, NULL, nothing, NULL), -1);
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	writer_stop(w);
	for (size_t i = 0; i < groups && i < 8; i++)
		assert_true(group_jobs[i] <= 2); /* batch_max */
	assert_int_equal(writer_start("/nonexistent/dir/x.db", NULL, &w, err, sizeof(err)), -1);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_failed_job_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_commit_loses_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
