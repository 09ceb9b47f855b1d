/* test_store_audit: the audit log of the storage interface (store_audit_append, _list,
 * _walk) on a migrated SQLite database file in a fresh temporary directory: rows chained on
 * the head, appends inside the caller's transaction, the console's filters and keyset pages,
 * the walk in pages, the table refusing updates and deletes, rows that do not fit read as
 * damaged, and two processes appending at once without ever sharing a head. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/audit.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */

#include "store_fixture.h"

static audit_row entry(const char *actor, const char *action, const char *receipt, int k)
{
	audit_row r;
	memset(&r, 0, sizeof(r));
	r.at = NOW + k;
	snprintf(r.actor, sizeof(r.actor), "%s", actor);
	snprintf(r.action, sizeof(r.action), "%s", action);
	snprintf(r.receipt, sizeof(r.receipt), "%s", receipt);
	snprintf(r.detail, sizeof(r.detail), "閲覧 %d", k);
	snprintf(r.peer, sizeof(r.peer), "192.0.2.%d", k % 250 + 1);
	return r;
}

static void append(store *s, const char *actor, const char *action, const char *receipt, int k)
{
	audit_row r = entry(actor, action, receipt, k);
	int rc = store_audit_append(s, &r);
	if (rc != STORE_OK)
		fail_msg("append %d: %s: %s", k, store_strerror(rc), store_errmsg(s));
}

struct walked {
	audit_verifier v;
	long long rows;
	long long stop_after; /* 0: never stop */
	int damaged;
	long long per_actor[3];
	long long turns; /* rows whose actor differs from the row before */
	char last_actor[AUDIT_ACTOR_MAX + 1];
};

static int on_row(const audit_row *r, void *arg)
{
	struct walked *w = arg;
	w->rows++;
	w->damaged += r->damaged;
	w->turns += w->rows > 1 && strcmp(r->actor, w->last_actor) != 0;
	memcpy(w->last_actor, r->actor, sizeof(w->last_actor));
	if (strcmp(r->actor, "staff:1") == 0)
		w->per_actor[1]++;
	else if (strcmp(r->actor, "staff:2") == 0)
		w->per_actor[2]++;
	audit_verify_row(&w->v, r);
	return w->stop_after && w->rows >= w->stop_after;
}

static struct walked walk_all(store *s)
{
	struct walked w;
	memset(&w, 0, sizeof(w));
	audit_verify_init(&w.v);
	assert_int_equal(store_audit_walk(s, on_row, &w), STORE_OK);
	return w;
}

static void test_append_chains(void **state)
{
	struct fixture *f = *state;
	audit_row a = entry("staff:1", AUDIT_VIEW_APPLICATION, "2026-000001", 1);
	audit_row b = entry("system", AUDIT_EXPORT, "", 2);
	char h[AUDIT_HASH_LEN + 1];

	struct walked w = walk_all(f->s);
	assert_int_equal(w.rows, 0);
	assert_int_equal(store_audit_append(f->s, &a), STORE_OK);
	assert_int_equal(a.id, 1);
	assert_string_equal(a.prev_hash, AUDIT_GENESIS);
	assert_int_equal(audit_row_hash(AUDIT_GENESIS, &a, h), 0);
	assert_string_equal(a.hash, h);
	assert_int_equal(store_audit_append(f->s, &b), STORE_OK);
	assert_int_equal(b.id, 2);
	assert_string_equal(b.prev_hash, a.hash);

	/* Read back exactly as written, the receipt of b none. */
	audit_row out[4];
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, NULL, out, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].id, 2);
	assert_int_equal(out[1].id, 1);
	assert_memory_equal(&out[1], &a, sizeof(a));
	assert_memory_equal(&out[0], &b, sizeof(b));
	assert_false(out[0].damaged);

	w = walk_all(f->s);
	assert_int_equal(w.v.err, AUDIT_OK);
	assert_int_equal(w.v.count, 2);
	assert_string_equal(w.v.head, b.hash);
}

static void test_append_refused(void **state)
{
	struct fixture *f = *state;
	audit_row r = entry("staff:1", "delete_everything", "", 1), before;

	before = r;
	assert_int_equal(store_audit_append(f->s, &r), STORE_EINPUT);
	assert_memory_equal(&r, &before, sizeof(r));
	r = entry("root", AUDIT_NOTE, "", 1);
	assert_int_equal(store_audit_append(f->s, &r), STORE_EINPUT);
	r = entry("staff:1", AUDIT_NOTE, "2026-1", 1);
	assert_int_equal(store_audit_append(f->s, &r), STORE_EINPUT);
	r = entry("staff:1", AUDIT_NOTE, "", 1);
	snprintf(r.detail, sizeof(r.detail), "a\x1b[2Jb");
	assert_int_equal(store_audit_append(f->s, &r), STORE_EINPUT);
	assert_int_equal(store_audit_append(NULL, &r), STORE_EINPUT);
	assert_int_equal(store_audit_append(f->s, NULL), STORE_EINPUT);
	assert_int_equal(walk_all(f->s).rows, 0);
}

/* In the caller's transaction: a rollback takes the row away, and the next append chains on
 * the head that is really there. */
static void test_append_in_transaction(void **state)
{
	struct fixture *f = *state;
	audit_row r = entry("staff:1", AUDIT_DECISION, "2026-000007", 1);

	append(f->s, "staff:1", AUDIT_STAFF_LOGIN, "", 0);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_audit_append(f->s, &r), STORE_OK);
	assert_int_equal(r.id, 2);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(walk_all(f->s).rows, 1);

	r = entry("staff:1", AUDIT_DECISION, "2026-000007", 2);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_audit_append(f->s, &r), STORE_OK);
	append(f->s, "staff:1", AUDIT_NOTE, "2026-000007", 3);
	assert_int_equal(store_commit(f->s), STORE_OK);
	struct walked w = walk_all(f->s);
	assert_int_equal(w.v.err, AUDIT_OK);
	assert_int_equal(w.v.count, 3);
	assert_int_equal(r.id, 2);
}

static void test_list_filters_and_pages(void **state)
{
	struct fixture *f = *state;
	static audit_row out[40];
	store_audit_filter flt = {"staff:1", NULL, 0};
	size_t n = 0, total = 0;
	int k;

	for (k = 0; k < 30; k++)
		append(f->s, k % 3 ? "staff:1" : "staff:2",
		       k % 2 ? AUDIT_VIEW_APPLICATION : AUDIT_VIEW_ATTACHMENT,
		       k % 5 ? "2026-000001" : "2026-000002", k);
	assert_int_equal(store_audit_list(f->s, &flt, out, 40, &n), STORE_OK);
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].actor, "staff:1");
		assert_true(i == 0 || out[i].id < out[i - 1].id);
	}

	flt = (store_audit_filter){NULL, "2026-000002", 0};
	assert_int_equal(store_audit_list(f->s, &flt, out, 40, &n), STORE_OK);
	assert_int_equal(n, 6); /* k = 0, 5, ..., 25 */
	assert_int_equal(out[0].id, 26);
	assert_int_equal(out[5].id, 1);

	flt = (store_audit_filter){"staff:2", "2026-000002", 0};
	assert_int_equal(store_audit_list(f->s, &flt, out, 40, &n), STORE_OK);
	assert_int_equal(n, 2); /* k = 0 and 15 */
	assert_int_equal(out[0].id, 16);
	assert_int_equal(out[1].id, 1);

	/* Pages of 7 of one staff member's rows, each before the last id of the one before. */
	flt = (store_audit_filter){"staff:1", NULL, 0};
	long long last = 0;
	do {
		assert_int_equal(store_audit_list(f->s, &flt, out, 7, &n), STORE_OK);
		for (size_t i = 0; i < n; i++) {
			assert_true(last == 0 || out[i].id < last);
			last = out[i].id;
		}
		total += n;
		flt.before_id = last;
	} while (n == 7);
	assert_int_equal(total, 20);

	flt = (store_audit_filter){NULL, "2026-1", 0};
	assert_int_equal(store_audit_list(f->s, &flt, out, 40, &n), STORE_EINPUT);
	flt = (store_audit_filter){NULL, NULL, -1};
	assert_int_equal(store_audit_list(f->s, &flt, out, 40, &n), STORE_EINPUT);
	assert_int_equal(n, 0);
}

/* More rows than a page: every row once, in order; the callback can stop it. */
static void test_walk_pages(void **state)
{
	struct fixture *f = *state;
	int k, total = 3 * STORE_AUDIT_PAGE + 5;

	assert_int_equal(store_begin(f->s), STORE_OK);
	for (k = 0; k < total; k++)
		append(f->s, "system", AUDIT_REVERIFY, "", k);
	assert_int_equal(store_commit(f->s), STORE_OK);
	struct walked w = walk_all(f->s);
	assert_int_equal(w.rows, total);
	assert_int_equal(w.v.err, AUDIT_OK);
	assert_int_equal(w.v.last_id, total);

	memset(&w, 0, sizeof(w));
	audit_verify_init(&w.v);
	w.stop_after = STORE_AUDIT_PAGE + 1;
	assert_int_equal(store_audit_walk(f->s, on_row, &w), STORE_OK);
	assert_int_equal(w.rows, STORE_AUDIT_PAGE + 1);
	assert_int_equal(store_audit_walk(f->s, NULL, &w), STORE_EINPUT);
}

/* The triggers refuse changes; past them (what sqlite3 on the file can do), a value that
 * does not fit the row is read as damaged rather than cut to something that verifies. */
static void test_append_only_and_damaged(void **state)
{
	struct fixture *f = *state;
	int k;

	for (k = 0; k < 4; k++)
		append(f->s, "staff:1", AUDIT_VIEW_APPLICATION, "2026-000001", k);
	assert_int_not_equal(f->s->be->exec(f->s->ctx, "UPDATE audit_log SET detail = 'x'"),
	                     STORE_OK);
	assert_non_null(strstr(store_errmsg(f->s), "append-only"));
	assert_int_not_equal(f->s->be->exec(f->s->ctx, "DELETE FROM audit_log WHERE id = 2"),
	                     STORE_OK);
	assert_int_equal(walk_all(f->s).v.count, 4);

	if (fixture_on_pg()) {
		/* PostgreSQL's types refuse a NUL byte in text and text in a bigint column, so
		 * of SQLite's damage below only the receipt of "" can be made there. */
		assert_int_equal(f->s->be->exec(f->s->ctx,
		                                "DROP TRIGGER audit_log_no_change ON audit_log;"
		                                "UPDATE audit_log SET receipt = '' WHERE id = 3"),
		                 STORE_OK);
		struct walked pw = walk_all(f->s);
		assert_int_equal(pw.damaged, 1);
		assert_int_equal(pw.v.bad_id, 3);
		assert_int_equal(pw.v.count, 2);
		return;
	}
	assert_int_equal(f->s->be->exec(f->s->ctx, "DROP TRIGGER audit_log_no_update"), STORE_OK);
	/* A NUL byte in the detail: the cut copy would hash as the original. */
	assert_int_equal(f->s->be->exec(f->s->ctx, "UPDATE audit_log SET detail ="
	                                           " detail || CAST(X'0078' AS TEXT) WHERE id = 2"),
	                 STORE_OK);
	struct walked w = walk_all(f->s);
	assert_int_equal(w.damaged, 1);
	assert_int_equal(w.v.err, AUDIT_EFIELD);
	assert_int_equal(w.v.bad_id, 2);

	/* A receipt of "" instead of none, and a time that is text (read as a number, it would
	 * still be 1775000003). */
	assert_int_equal(f->s->be->exec(f->s->ctx,
	                                "UPDATE audit_log SET detail = '閲覧 1' WHERE id = 2;"
	                                "UPDATE audit_log SET receipt = '' WHERE id = 3;"
	                                "UPDATE audit_log SET at = '1775000003x' WHERE id = 4"),
	                 STORE_OK);
	w = walk_all(f->s);
	assert_int_equal(w.damaged, 2);
	assert_int_equal(w.v.bad_id, 3);
	assert_int_equal(w.v.count, 2);
}

/* Rows each child appends. */
#define PER_CHILD 150

/* One child (arg: the database path) appends PER_CHILD rows as staff:(i + 1) after the
 * parent's signal, pausing a little between appends so that the two writers take turns on
 * the lock. */
static int child_appends(int i, int go_fd, void *arg)
{
	char err[256], actor[AUDIT_ACTOR_MAX + 1], c;
	store *s = NULL;
	audit_row r;
	int rc, k;

	if ((rc = store_open(arg, &s, err, sizeof(err))) != STORE_OK) {
		fprintf(stderr, "child %d: %s\n", i, err);
		return rc;
	}
	audit_actor_staff(i + 1, actor, sizeof(actor));
	if (read(go_fd, &c, 1) != 1)
		rc = -1;
	for (k = 0; k < PER_CHILD && rc == STORE_OK; k++) {
		r = entry(actor, AUDIT_VIEW_APPLICATION, "2026-000001", k);
		rc = store_audit_append(s, &r);
		usleep(200);
	}
	if (rc != STORE_OK)
		fprintf(stderr, "child %d at %d: %d: %s\n", i, k, rc, store_errmsg(s));
	store_close(s);
	return rc;
}

/* Two processes append 150 rows each to one file at the same time: one chain of 300 rows,
 * ids 1..300, each prev_hash its predecessor's hash (the walk checks it), 150 of each. */
static void test_two_processes(void **state)
{
	struct fixture *f = *state;

	fork_children(2, child_appends, f->path);
	struct walked w = walk_all(f->s);
	assert_int_equal(w.v.err, AUDIT_OK);
	assert_int_equal(w.v.count, 2 * PER_CHILD);
	assert_int_equal(w.v.last_id, 2 * PER_CHILD);
	assert_int_equal(w.per_actor[1], PER_CHILD);
	assert_int_equal(w.per_actor[2], PER_CHILD);
	/* Timing decides how often they took turns; say so when they did not overlap. */
	if (w.turns < 2)
		fprintf(stderr, "note: the two processes hardly overlapped (%lld turns)\n",
		        w.turns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_append_chains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_in_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters_and_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_only_and_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
