/* test_store_inbox: the staff inbox's store calls (applications of a set of procedures in
 * pages by key, counts per status) on a migrated SQLite database in a fresh temporary
 * directory: the order, paging across a boundary inside one second, the filters, the
 * refusals; migration 0011's arrival range, differs, assignee and search filters, the
 * neighbours of the detail's links, the review keys and the re-verifications; the export's
 * whole rows in pages and its mark (migration 0014). */
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

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
#define PROC "road-park-report"
#define PROC2 "kaigo-volunteer-point"
#define PROC3 "juminhyo"
#define TITLE "道路・公園の不具合の通報"
#define CONTENT "{\"place\":\"中央公園\"}"
#define DISPLAY "[{\"label\":\"場所\",\"value\":\"中央公園\"}]"

#include "store_fixture.h"

/* Makes draft key of proc and submits it at now; its receipt goes to out. */
static void submit(store *s, const char *key, const char *proc, long long now,
                   char out[STORE_RECEIPT_MAX + 1])
{
	store_application a;
	int rc = store_draft_create(s, key, "s:inbox", proc, 1, CONTENT, now);

	if (rc != STORE_OK)
		fail_msg("draft %s: %s: %s", key, store_strerror(rc), store_errmsg(s));
	memset(&a, 0, sizeof(a));
	snprintf(a.draft_key, sizeof(a.draft_key), "%s", key);
	snprintf(a.proc_id, sizeof(a.proc_id), "%s", proc);
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "%s", TITLE);
	hash_of(7, a.digest);
	a.content = CONTENT;
	a.display = DISPLAY;
	rc = store_application_submit(s, &a, now, out);
	if (rc != STORE_OK)
		fail_msg("submit %s: %s: %s", key, store_strerror(rc), store_errmsg(s));
}

static const char *const one_proc[] = {PROC};
static const char *const two_procs[] = {PROC, PROC2};

/* 8 applications: PROC at NOW (3 in one second), NOW+10 (2), NOW+20; PROC2 at NOW+5; PROC3
 * at NOW+30. recs[i] is the i-th submitted. */
static void fill(store *s, char recs[8][STORE_RECEIPT_MAX + 1])
{
	static const long long at[] = {NOW,      NOW,      NOW,     NOW + 10,
	                               NOW + 10, NOW + 20, NOW + 5, NOW + 30};
	static const char *const proc[] = {PROC, PROC, PROC, PROC, PROC, PROC, PROC2, PROC3};
	char key[16];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "d%d", i);
		submit(s, key, proc[i], at[i], recs[i]);
	}
}

/* Walks every page of q with pages of size, collecting receipts into got (at most 16). */
static size_t walk(store *s, store_inbox_query q, size_t size, char got[16][STORE_RECEIPT_MAX + 1],
                   int *pages)
{
	store_application page[STORE_INBOX_PAGE_MAX];
	char last[STORE_RECEIPT_MAX + 1];
	size_t n, i, total = 0;

	*pages = 0;
	do {
		assert_int_equal(store_inbox_list(s, &q, page, size, &n), STORE_OK);
		for (i = 0; i < n && total < 16; i++)
			memcpy(got[total++], page[i].receipt, sizeof(got[0]));
		(*pages)++;
		if (n) {
			memcpy(last, page[n - 1].receipt, sizeof(last));
			q.after_receipt = last;
			q.after_at = page[n - 1].submitted_at;
		}
	} while (n == size && *pages < 20);
	return total;
}

static void test_order_and_paging(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1], got[16][STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = one_proc, .nprocs = 1};
	/* Newest first; within a second the higher receipt first. */
	static const int want[] = {5, 4, 3, 2, 1, 0};
	size_t n, i;
	int pages;

	fill(f->s, recs);
	/* Pages of 2 cut inside the second NOW (3 rows) and inside NOW+10 (2 rows). */
	n = walk(f->s, q, 2, got, &pages);
	assert_int_equal(n, 6);
	assert_int_equal(pages, 4); /* 2 + 2 + 2 + an empty last page */
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], recs[want[i]]);
	/* Pages of 4: a boundary between rows of the same second (NOW). */
	n = walk(f->s, q, 4, got, &pages);
	assert_int_equal(n, 6);
	assert_int_equal(pages, 2);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], recs[want[i]]);
}

static void test_procedure_set(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1], got[16][STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = two_procs, .nprocs = 2};
	store_application page[4];
	size_t n, i;
	int pages;

	fill(f->s, recs);
	n = walk(f->s, q, 3, got, &pages);
	assert_int_equal(n, 7); /* PROC3's never */
	for (i = 0; i < n; i++)
		assert_string_not_equal(got[i], recs[7]);
	assert_string_equal(got[3], recs[6]); /* NOW+5 between NOW+10 and NOW */
	/* No procedures: nothing, not everything. */
	q.nprocs = 0;
	assert_int_equal(store_inbox_list(f->s, &q, page, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static void test_filters(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = one_proc, .nprocs = 1, .status = "accepted"};
	store_application page[8];
	static const char *const from[] = {"sent", NULL};
	size_t n;

	fill(f->s, recs);
	assert_int_equal(store_inbox_list(f->s, &q, page, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    store_application_set_status(f->s, recs[1], from, "accepted", NULL, NOW + 40),
	    STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, recs[4], from, "accepted", NULL, NOW + 40),
	    STORE_OK);
	assert_int_equal(store_inbox_list(f->s, &q, page, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].receipt, recs[4]);
	assert_string_equal(page[1].receipt, recs[1]);
	assert_string_equal(page[0].status, "accepted");
	assert_null(page[0].content);
	/* The receipt exactly, with and without the status. */
	q.status = NULL;
	q.receipt = recs[2];
	assert_int_equal(store_inbox_list(f->s, &q, page, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].receipt, recs[2]);
	q.status = "accepted";
	assert_int_equal(store_inbox_list(f->s, &q, page, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Another procedure's receipt is not found through this set. */
	q.status = NULL;
	q.receipt = recs[7];
	assert_int_equal(store_inbox_list(f->s, &q, page, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static long long count_of(const store_status_count *c, size_t n, const char *status)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(c[i].status, status) == 0)
			return c[i].count;
	return 0;
}

static void test_counts(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = two_procs, .nprocs = 2};
	store_status_count c[8];
	static const char *const from[] = {"sent", NULL};
	size_t n;

	fill(f->s, recs);
	assert_int_equal(
	    store_application_set_status(f->s, recs[0], from, "accepted", NULL, NOW + 40),
	    STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, recs[7], from, "accepted", NULL, NOW + 40),
	    STORE_OK);
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count_of(c, n, "sent"), 6);
	assert_int_equal(count_of(c, n, "accepted"), 1); /* recs[7] is PROC3's */
	q.nprocs = 0;
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
}

/* The counts are kept as applications change (migration 0013): they follow each change,
 * a status left with none is not listed, and a rolled back change leaves them as they were. */
static void test_counts_follow_changes(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = one_proc, .nprocs = 1};
	store_status_count c[8];
	static const char *const any[] = {"sent", "accepted", "reviewing", NULL};
	static const char *const next[] = {"accepted", "reviewing", "done"};
	size_t n;

	fill(f->s, recs); /* PROC: recs[0..5], all sent */
	for (size_t i = 0; i < 6; i++)
		for (size_t k = 0; k <= i % 3; k++)
			assert_int_equal(store_application_set_status(f->s, recs[i], any, next[k],
			                                              NULL, NOW + 40),
			                 STORE_OK);
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_OK);
	assert_int_equal(n, 3); /* none is left sent: not listed */
	assert_int_equal(count_of(c, n, "sent"), 0);
	assert_int_equal(count_of(c, n, "accepted"), 2);
	assert_int_equal(count_of(c, n, "reviewing"), 2);
	assert_int_equal(count_of(c, n, "done"), 2);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, recs[0], any, "rejected", "x", NOW + 50), STORE_OK);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(count_of(c, n, "accepted"), 2);
	assert_int_equal(count_of(c, n, "rejected"), 0);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	static const char *const bad_proc[] = {"road\"park"};
	store_inbox_query q = {.procs = one_proc, .nprocs = 1};
	store_application page[STORE_INBOX_PAGE_MAX + 1];
	store_status_count c[8];
	size_t n = 99;

	assert_int_equal(store_inbox_list(f->s, &q, page, STORE_INBOX_PAGE_MAX + 1, &n),
	                 STORE_EINPUT);
	assert_int_equal(n, 0);
	q.status = "nonsense";
	assert_int_equal(store_inbox_list(f->s, &q, page, 4, &n), STORE_EINPUT);
	q.status = NULL;
	q.receipt = "2026-12";
	assert_int_equal(store_inbox_list(f->s, &q, page, 4, &n), STORE_EINPUT);
	q.receipt = NULL;
	q.after_receipt = "2026-000001"; /* without a time */
	assert_int_equal(store_inbox_list(f->s, &q, page, 4, &n), STORE_EINPUT);
	q.after_receipt = NULL;
	q.procs = bad_proc;
	assert_int_equal(store_inbox_list(f->s, &q, page, 4, &n), STORE_EINPUT);
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_EINPUT);
	q.procs = one_proc;
	q.nprocs = STORE_INBOX_PROCS_MAX + 1;
	assert_int_equal(store_inbox_counts(f->s, &q, c, 8, &n), STORE_EINPUT);
	assert_int_equal(store_inbox_list(f->s, NULL, page, 4, &n), STORE_EINPUT);
}

/* The receipts of the first page of q (up to 8) joined by spaces, into out. */
static const char *listed(store *s, const store_inbox_query *q, char recs[8][STORE_RECEIPT_MAX + 1],
                          char *out, size_t outlen)
{
	store_application page[8];
	size_t n = 0, len = 0;
	assert_int_equal(store_inbox_list(s, q, page, 8, &n), STORE_OK);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			if (!strcmp(page[i].receipt, recs[k]))
				len += (size_t)snprintf(out + len, outlen - len, "%s%d",
				                        i ? " " : "", k);
	return out;
}

static void test_new_filters(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1], got[64];
	store_inbox_query q = {.procs = two_procs, .nprocs = 2};
	long long sid = 0;

	fill(f->s, recs);
	assert_int_equal(
	    store_application_review_keys(f->s, recs[0], "ミドリハナコ\nミドリハナコ", 1),
	    STORE_OK);
	assert_int_equal(store_application_review_keys(f->s, recs[3], "高橋一郎\n", 0), STORE_OK);
	assert_int_equal(store_application_review_keys(f->s, recs[4], "髙橋二郎\n", -1), STORE_OK);
	assert_int_equal(store_application_review_keys(f->s, "2026-999999", NULL, 1),
	                 STORE_ENOTFOUND);
	/* arrival: from_at inclusive, to_at exclusive */
	q.from_at = NOW + 5;
	q.to_at = NOW + 20;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "4 3 6");
	q.from_at = q.to_at = 0;
	q.differs = STORE_DIFFERS_YES;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "0");
	q.differs = STORE_DIFFERS_NO;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "3");
	q.differs = STORE_DIFFERS_UNKNOWN;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "5 4 6 2 1");
	q.differs = STORE_DIFFERS_ANY;
	q.search = "ミドリ";
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "0");
	q.search = "高橋"; /* not 髙橋 */
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "3");
	q.search = NULL;
	/* the assignee */
	assert_int_equal(store_staff_create(f->s, "kakari@example.jp", "係 一郎", 0, NOW, &sid),
	                 STORE_OK);
	assert_int_equal(store_application_assign(f->s, recs[1], sid), STORE_OK);
	assert_int_equal(store_application_assign(f->s, recs[2], sid + 1), STORE_ENOTFOUND);
	assert_int_equal(store_application_assign(f->s, "2026-999999", sid), STORE_ENOTFOUND);
	q.assignee = sid;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "1");
	q.assignee = STORE_ASSIGNEE_NOBODY;
	assert_string_equal(listed(f->s, &q, recs, got, sizeof(got)), "5 4 3 6 2 0");
	store_app_review rev;
	assert_int_equal(store_application_review(f->s, recs[1], &rev), STORE_OK);
	assert_int_equal(rev.assignee, sid);
	assert_string_equal(rev.assignee_name, "係 一郎");
	assert_int_equal(rev.differs, -1);
	assert_int_equal(store_application_assign(f->s, recs[1], 0), STORE_OK);
	assert_int_equal(store_application_review(f->s, recs[1], &rev), STORE_OK);
	assert_int_equal(rev.assignee, 0);
	assert_int_equal(store_application_review(f->s, recs[0], &rev), STORE_OK);
	assert_int_equal(rev.differs, 1);
	q.assignee = -2;
	assert_int_equal(store_inbox_list(f->s, &q, NULL, 0, &(size_t){0}), STORE_EINPUT);
}

static void test_neighbours(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1], newer[STORE_RECEIPT_MAX + 1],
	    older[STORE_RECEIPT_MAX + 1];
	store_inbox_query q = {.procs = two_procs, .nprocs = 2};

	fill(f->s, recs); /* order: 5 4 3 6 2 1 0 */
	assert_int_equal(store_inbox_neighbours(f->s, &q, NOW + 10, recs[3], newer, older),
	                 STORE_OK);
	assert_string_equal(newer, recs[4]);
	assert_string_equal(older, recs[6]);
	assert_int_equal(store_inbox_neighbours(f->s, &q, NOW, recs[1], newer, older), STORE_OK);
	assert_string_equal(newer, recs[2]); /* inside one second, by receipt */
	assert_string_equal(older, recs[0]);
	assert_int_equal(store_inbox_neighbours(f->s, &q, NOW + 20, recs[5], newer, older),
	                 STORE_OK);
	assert_string_equal(newer, "");
	q.nprocs = 1; /* PROC only: 6 drops out */
	assert_int_equal(store_inbox_neighbours(f->s, &q, NOW + 10, recs[3], newer, older),
	                 STORE_OK);
	assert_string_equal(older, recs[2]);
	assert_int_equal(store_inbox_neighbours(f->s, &q, 0, recs[3], newer, older), STORE_EINPUT);
}

static void test_reverifications(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1];
	store_reverification rv[4];
	size_t n = 9;
	long long sid = 0;

	fill(f->s, recs);
	assert_int_equal(store_staff_create(f->s, "kakari@example.jp", "係 一郎", 0, NOW, &sid),
	                 STORE_OK);
	assert_int_equal(store_reverifications(f->s, recs[0], rv, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_reverification_add(f->s, recs[0], sid, NOW + 1, "ok", "{\"a\":1}"),
	                 STORE_OK);
	assert_int_equal(store_reverification_add(f->s, recs[0], sid, NOW + 2,
	                                          "revocation_unavailable", "{\"a\":2}"),
	                 STORE_OK);
	assert_int_equal(store_reverification_add(f->s, "2026-999999", sid, NOW, "ok", "{}"),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_reverification_add(f->s, recs[0], sid, NOW, "OK!", "{}"),
	                 STORE_EINPUT);
	assert_int_equal(store_reverification_add(f->s, recs[0], 0, NOW, "ok", "{}"), STORE_EINPUT);
	assert_int_equal(store_reverification_add(f->s, recs[0], sid, NOW, "ok", ""), STORE_EINPUT);
	assert_int_equal(store_reverifications(f->s, recs[0], rv, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rv[0].result, "ok");
	assert_string_equal(rv[0].report, "{\"a\":1}");
	assert_string_equal(rv[0].staff_name, "係 一郎");
	assert_int_equal(rv[1].at, NOW + 2);
	assert_string_equal(rv[1].result, "revocation_unavailable");
	store_reverifications_release(rv, 4);
	assert_int_equal(store_reverifications(f->s, recs[0], rv, 1, &n), STORE_OK);
	assert_int_equal(n, 1); /* at most max */
	store_reverifications_release(rv, 1);
}

/* exports (store_export.c): the whole rows of one procedure's range in pages by key, and the
 * mark of "since my last export". */
static void test_export_pages(void **state)
{
	struct fixture *f = *state;
	char recs[8][STORE_RECEIPT_MAX + 1], last[STORE_RECEIPT_MAX + 1] = "";
	store_application page[STORE_EXPORT_PAGE_MAX];
	size_t n = 9, total = 0;
	long long after_at = 0;
	fill(f->s, recs);
	/* PROC in [NOW, NOW+20): the five of NOW and NOW+10, two at a time, each row whole */
	do {
		assert_int_equal(store_export_page(f->s, PROC, NOW, NOW + 20, after_at,
		                                   last[0] ? last : NULL, page, 2, &n),
		                 STORE_OK);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(page[i].display, DISPLAY);
			assert_string_equal(page[i].content, CONTENT);
			assert_true(page[i].submitted_at >= NOW && page[i].submitted_at < NOW + 20);
			after_at = page[i].submitted_at;
			memcpy(last, page[i].receipt, sizeof(last));
			store_application_release(&page[i]);
			total++;
		}
	} while (n == 2);
	assert_int_equal(total, 5);
	assert_int_equal(store_export_page(f->s, PROC, NOW + 20, NOW, 0, NULL, page, 2, &n),
	                 STORE_EINPUT);
	assert_int_equal(store_export_page(f->s, PROC, 0, NOW, 0, NULL, page, 2, &n), STORE_EINPUT);
	assert_int_equal(store_export_page(f->s, PROC, NOW, NOW + 1, 0, NULL, page,
	                                   STORE_EXPORT_PAGE_MAX + 1, &n),
	                 STORE_EINPUT);
}

static void test_export_mark(void **state)
{
	struct fixture *f = *state;
	long long sid = 0, at = -1;
	assert_int_equal(store_staff_create(f->s, "kakari@example.jp", "係 一郎", 0, NOW, &sid),
	                 STORE_OK);
	assert_int_equal(store_export_mark_get(f->s, sid, PROC, &at), STORE_OK);
	assert_int_equal(at, 0);
	assert_int_equal(store_export_mark_set(f->s, sid, PROC, NOW), STORE_OK);
	assert_int_equal(store_export_mark_set(f->s, sid, PROC, NOW + 5), STORE_OK);
	assert_int_equal(store_export_mark_get(f->s, sid, PROC, &at), STORE_OK);
	assert_int_equal(at, NOW + 5);
	assert_int_equal(store_export_mark_get(f->s, sid, PROC2, &at), STORE_OK);
	assert_int_equal(at, 0);
	assert_int_equal(store_export_mark_set(f->s, sid + 100, PROC, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_export_mark_set(f->s, sid, PROC, 0), STORE_EINPUT);
	assert_int_equal(store_export_mark_set(f->s, sid, "road\"park", NOW), STORE_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_and_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_procedure_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts_follow_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_neighbours, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reverifications, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_mark, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
