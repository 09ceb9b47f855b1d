/* test_store_group: the group transaction of the group-committing writer (store.h:
 * store_group_begin/run/commit, http/defer.h: req_defer_write). Pieces of work that commit,
 * roll back or leave their transaction open in one group: only the committed ones stay, the
 * others roll back alone; the calls that open a transaction of their own join as savepoints;
 * nothing is seen by another connection before the group's one commit; an abandoned group
 * and a group whose commit fails (a deferred foreign key) keep nothing; a group cannot start inside
 * one, nor a store_begin of its own outside a piece change its rules. The writer under load and a
 * SIGKILL: tests/integration/crash.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL
#include "store_fixture.h"

static int has_account(store *s, const char *email)
{
	store_account a;
	int rc = store_account_by_email(s, email, &a);
	assert_true(rc == STORE_OK || rc == STORE_ENOTFOUND);
	return rc == STORE_OK;
}

/* a piece: its own transaction with one account, committed */
static void commits(store *s, void *arg)
{
	long long id = 0;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_account_create(s, arg, "$argon2id$x", NOW, &id), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
}

/* a piece: one account, then rolled back (a submission that found the draft changed) */
static void rolls_back(store *s, void *arg)
{
	long long id = 0;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_account_create(s, arg, "$argon2id$x", NOW, &id), STORE_OK);
	assert_int_equal(store_rollback(s), STORE_OK);
}

/* a piece: one account in a transaction it never ends */
static void leaves_open(store *s, void *arg)
{
	long long id = 0;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_account_create(s, arg, "$argon2id$x", NOW, &id), STORE_OK);
}

/* a piece: a call without store_begin (it would autocommit alone) */
static void plain(store *s, void *arg)
{
	long long id = 0;
	assert_int_equal(store_account_create(s, arg, "$argon2id$x", NOW, &id), STORE_OK);
}

static void test_pieces_fail_alone(void **state)
{
	struct fixture *f = *state;
	store *other = second(f);

	assert_int_equal(store_group_begin(f->s), STORE_OK);
	assert_int_equal(store_group_run(f->s, commits, "a@example.jp"), STORE_OK);
	assert_int_equal(store_group_run(f->s, rolls_back, "b@example.jp"), STORE_OK);
	assert_int_equal(store_group_run(f->s, leaves_open, "c@example.jp"), STORE_OK);
	assert_int_equal(store_group_run(f->s, plain, "d@example.jp"), STORE_OK);
	assert_int_equal(store_group_run(f->s, commits, "e@example.jp"), STORE_OK);
	/* inside the group, its own writes are there; another connection sees none yet */
	assert_true(has_account(f->s, "a@example.jp"));
	assert_false(has_account(other, "a@example.jp"));
	assert_false(has_account(other, "d@example.jp"));
	assert_int_equal(store_group_commit(f->s), STORE_OK);

	assert_true(has_account(other, "a@example.jp"));
	assert_false(has_account(other, "b@example.jp"));
	assert_false(has_account(other, "c@example.jp"));
	assert_true(has_account(other, "d@example.jp"));
	assert_true(has_account(other, "e@example.jp"));
	store_close(other);
}

static void test_abandoned_group_keeps_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_group_begin(f->s), STORE_OK);
	assert_int_equal(store_group_run(f->s, commits, "gone@example.jp"), STORE_OK);
	store_group_abandon(f->s);
	assert_false(has_account(f->s, "gone@example.jp"));
	/* the connection works as before: a transaction of its own */
	commits(f->s, "after@example.jp");
	assert_true(has_account(f->s, "after@example.jp"));
}

/* a piece: a row that breaks a deferred foreign key, which only the commit checks */
static void breaks_at_commit(store *s, void *arg)
{
	assert_int_equal(s->be->exec(s->ctx, "INSERT INTO group_test_child VALUES (99)"), STORE_OK);
}

/* The group's one commit fails: none of its pieces is kept, the connection works on. */
static void test_failed_commit_keeps_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(f->s->be->exec(f->s->ctx,
	                                "CREATE TABLE group_test_parent (id INTEGER PRIMARY KEY);"
	                                "CREATE TABLE group_test_child (p INTEGER REFERENCES "
	                                "group_test_parent (id) DEFERRABLE INITIALLY DEFERRED)"),
	                 STORE_OK);

	assert_int_equal(store_group_begin(f->s), STORE_OK);
	assert_int_equal(store_group_run(f->s, commits, "first@example.jp"), STORE_OK);
	assert_int_equal(store_group_run(f->s, breaks_at_commit, NULL), STORE_OK);
	assert_int_equal(store_group_run(f->s, commits, "third@example.jp"), STORE_OK);
	assert_int_not_equal(store_group_commit(f->s), STORE_OK);

	assert_false(has_account(f->s, "first@example.jp"));
	assert_false(has_account(f->s, "third@example.jp"));
	commits(f->s, "later@example.jp");
	assert_true(has_account(f->s, "later@example.jp"));
}

static void test_rules(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_group_run(f->s, commits, "x@example.jp"), STORE_EINPUT);
	assert_int_equal(store_group_commit(f->s), STORE_EINPUT);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_group_begin(f->s), STORE_EINPUT); /* not inside a transaction */
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_group_begin(f->s), STORE_OK);
	assert_int_equal(store_group_begin(f->s), STORE_EINPUT); /* nor inside a group */
	assert_int_equal(store_group_commit(f->s), STORE_OK);
	assert_false(has_account(f->s, "x@example.jp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pieces_fail_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abandoned_group_keeps_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_commit_keeps_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
