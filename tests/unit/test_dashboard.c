/* test_dashboard: the staff dashboard's figures (core/dashboard.c): days in Japan time around
 * midnight, the days between arrival and now, the median of a histogram (odd, even, empty),
 * the waiting statuses, the chart's bars and labels; and its store calls (store_dash.c,
 * migration 0017) on a migrated SQLite database: arrivals per procedure and day, the days to
 * the first decision, the oldest waiting application, those past a standard, the refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/dashboard.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
#define D0 1774969200LL  /* 2026-04-01 00:00:00 JST */
#define DAY0 20544LL     /* its day number */
#define DAY (86400LL)
#define PROC "road-park-report"
#define PROC2 "kaigo-volunteer-point"

#include "store_fixture.h"

static void test_days(void **state)
{
	char ymd[11];
	(void)state;
	assert_int_equal(dash_day_of(D0), DAY0);
	assert_int_equal(dash_day_of(D0 - 1), DAY0 - 1); /* 23:59:59 of 31 March, JST */
	assert_int_equal(dash_day_of(D0 + DAY - 1), DAY0);
	assert_int_equal(dash_day_start(DAY0), D0);
	dash_day_ymd(DAY0, ymd, sizeof(ymd));
	assert_string_equal(ymd, "2026-04-01");
	dash_day_ymd(DAY0 - 1, ymd, sizeof(ymd));
	assert_string_equal(ymd, "2026-03-31");
	/* the day of arrival is not counted: one minute across midnight is one day */
	assert_int_equal(dash_days_between(D0 - 60, D0 + 60), 1);
	assert_int_equal(dash_days_between(D0, D0 + DAY - 1), 0);
	assert_int_equal(dash_days_between(D0, D0 + 14 * DAY), 14);
	assert_int_equal(dash_days_between(D0 + DAY, D0), 0); /* never below 0 */
}

static void test_median(void **state)
{
	long long x2 = -7;
	char text[32];
	(void)state;
	long long empty[4] = {0};
	assert_int_equal(dash_median_x2(empty, 4, &x2), -1);
	long long one[4] = {0, 0, 1, 0};
	assert_int_equal(dash_median_x2(one, 4, &x2), 0);
	assert_int_equal(x2, 4);
	long long odd[6] = {1, 0, 1, 0, 0, 1}; /* 0, 2, 5 */
	assert_int_equal(dash_median_x2(odd, 6, &x2), 0);
	assert_int_equal(x2, 4);
	long long even[4] = {1, 1, 0, 0}; /* 0, 1: the mean of the middle two */
	assert_int_equal(dash_median_x2(even, 4, &x2), 0);
	assert_int_equal(x2, 1);
	dash_median_text(x2, text, sizeof(text));
	assert_string_equal(text, "0.5日");
	long long many[4] = {3, 0, 0, 2}; /* 0, 0, 0, 3, 3 */
	assert_int_equal(dash_median_x2(many, 4, &x2), 0);
	assert_int_equal(x2, 0);
	long long four[5] = {0, 2, 0, 0, 2}; /* 1, 1, 4, 4 */
	assert_int_equal(dash_median_x2(four, 5, &x2), 0);
	dash_median_text(x2, text, sizeof(text));
	assert_string_equal(text, "2.5日");
	dash_median_text(6, text, sizeof(text));
	assert_string_equal(text, "3日");
}

static void test_waiting(void **state)
{
	const char *st[8];
	(void)state;
	size_t n = dash_statuses(dash_status_waiting, st, 8);
	assert_int_equal(n, 3); /* what migration 0017's partial index names */
	assert_string_equal(st[0], "sent");
	assert_string_equal(st[1], "accepted");
	assert_string_equal(st[2], "reviewing");
	assert_false(dash_status_waiting("returned"));
	assert_false(dash_status_waiting("done"));
	assert_false(dash_status_waiting("nonsense"));
	assert_int_equal(dash_statuses(dash_status_waiting, st, 2), 2);
}

static size_t count_of_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_chart(void **state)
{
	long long counts[3] = {0, 3, 12};
	buf b;
	(void)state;
	buf_init(&b, 0);
	assert_int_equal(dash_chart_svg(&b, PROC, "通報<&>", "説明", counts, 3, DAY0), 0);
	const char *s = buf_cstr(&b);
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "aria-labelledby=\"chart-" PROC
	                          "-title\" aria-describedby=\"chart-" PROC "-desc\""));
	assert_non_null(strstr(s, "<title id=\"chart-" PROC "-title\">通報&lt;&amp;&gt;</title>"));
	assert_non_null(strstr(s, "<desc id=\"chart-" PROC "-desc\">説明</desc>"));
	assert_int_equal(count_of_str(s, "<rect class=\"bar\""), 3);
	assert_non_null(strstr(s, "data-day=\"2026-04-01\" data-count=\"0\""));
	assert_non_null(
	    strstr(s, "data-day=\"2026-04-02\" data-count=\"3\"><title>2026-04-02: 3件"));
	assert_non_null(strstr(s, "data-day=\"2026-04-03\" data-count=\"12\""));
	assert_non_null(strstr(s, ">件数</text>"));
	assert_non_null(strstr(s, "到達日（日本時間）</text>"));
	assert_non_null(strstr(s, ">15</text>"));  /* the y axis reaches a round 15 for 12 */
	assert_non_null(strstr(s, ">4/3</text>")); /* the last day is labelled */
	assert_null(strstr(s, "<script"));
	buf_reset(&b);
	assert_int_equal(dash_chart_svg(&b, PROC, "t", "d", counts, 0, DAY0), -1);
	long long many[DASH_DAYS_MAX + 1] = {0};
	assert_int_equal(dash_chart_svg(&b, PROC, "t", "d", many, DASH_DAYS_MAX + 1, DAY0), -1);
	assert_int_equal(dash_chart_svg(&b, PROC, "t", "d", many, DASH_DAYS_MAX, DAY0), 0);
	buf_release(&b);
}

/* ---- the store calls ---- */

static void submit(store *s, const char *key, const char *proc, long long at,
                   char out[STORE_RECEIPT_MAX + 1])
{
	store_application a;
	int rc = store_draft_create(s, key, "s:dash", proc, 1, "{}", at);
	if (rc != STORE_OK)
		fail_msg("draft %s: %s", key, store_errmsg(s));
	memset(&a, 0, sizeof(a));
	snprintf(a.draft_key, sizeof(a.draft_key), "%s", key);
	snprintf(a.proc_id, sizeof(a.proc_id), "%s", proc);
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "%s", "手続");
	hash_of(3, a.digest);
	a.content = "{}";
	a.display = "[]";
	if ((rc = store_application_submit(s, &a, at, out)) != STORE_OK)
		fail_msg("submit %s: %s", key, store_errmsg(s));
}

static void move(store *s, const char *receipt, const char *from, const char *to, long long at)
{
	const char *const f[] = {from, NULL};
	assert_int_equal(store_application_set_status(s, receipt, f, to, NULL, at), STORE_OK);
}

static const char *const both[] = {PROC, PROC2};

/* One row of a dashboard count. */
static void row_is(const store_dash_count *c, const char *proc, long long key, long long count)
{
	assert_string_equal(c->proc_id, proc);
	assert_int_equal(c->key, key);
	assert_int_equal(c->count, count);
}

static void test_store_arrivals(void **state)
{
	struct fixture *f = *state;
	char r[4][STORE_RECEIPT_MAX + 1];
	store_dash_count c[8];
	store_inbox_query q = {.procs = both, .nprocs = 2};
	size_t n = 9;
	submit(f->s, "a0", PROC, D0, r[0]);
	submit(f->s, "a1", PROC, D0 + DAY - 1, r[1]);
	submit(f->s, "a2", PROC, D0 + DAY, r[2]);
	submit(f->s, "a3", PROC2, D0 - 1, r[3]); /* 31 March */
	assert_int_equal(store_dash_arrivals(f->s, &q, DAY0 - 1, DAY0 + 2, c, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	row_is(&c[0], PROC2, DAY0 - 1, 1);
	row_is(&c[1], PROC, DAY0, 2);
	row_is(&c[2], PROC, DAY0 + 1, 1);
	/* to_day is not included, and only the procedures asked for */
	q.nprocs = 1;
	assert_int_equal(store_dash_arrivals(f->s, &q, DAY0 - 1, DAY0 + 1, c, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].count, 2);
	assert_int_equal(store_dash_arrivals(f->s, &q, DAY0, DAY0 + 2, c, 1, &n), STORE_OK);
	assert_int_equal(n, 1); /* at most max */
	assert_int_equal(store_dash_arrivals(f->s, &q, 0, DAY0, c, 8, &n), STORE_EINPUT);
	assert_int_equal(store_dash_arrivals(f->s, &q, DAY0, DAY0, c, 8, &n), STORE_EINPUT);
}

static void test_store_decided(void **state)
{
	struct fixture *f = *state;
	char r[4][STORE_RECEIPT_MAX + 1];
	store_dash_count c[8];
	store_inbox_query q = {.procs = both, .nprocs = 2};
	size_t n = 0;
	submit(f->s, "d0", PROC, NOW, r[0]);
	submit(f->s, "d1", PROC, NOW, r[1]);
	submit(f->s, "d2", PROC2, NOW, r[2]);
	submit(f->s, "d3", PROC, NOW, r[3]);
	move(f->s, r[0], "sent", "accepted", NOW + DAY);
	move(f->s, r[0], "accepted", "done", NOW + 3 * DAY);      /* 3 days */
	move(f->s, r[1], "sent", "rejected", NOW + 60);           /* the same day: 0 */
	move(f->s, r[1], "rejected", "done", NOW + 9 * DAY);      /* not a first decision */
	move(f->s, r[2], "sent", "done", NOW + 2 * DAY);          /* PROC2: 2 */
	move(f->s, r[3], "sent", "returned", NOW + 5 * DAY);      /* no decision */
	move(f->s, r[3], "returned", "withdrawn", NOW + 6 * DAY); /* neither */
	assert_int_equal(store_dash_decided(f->s, &q, DAY0, 365, c, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	row_is(&c[0], PROC2, 2, 1);
	row_is(&c[1], PROC, 0, 1);
	row_is(&c[2], PROC, 3, 1);
	/* decided on or after day 3: only r[0]; days above the cap are counted at it */
	assert_int_equal(store_dash_decided(f->s, &q, DAY0 + 3, 2, c, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	row_is(&c[0], PROC, 2, 1);
	assert_int_equal(store_dash_decided(f->s, &q, DAY0 + 4, 365, c, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_dash_decided(f->s, &q, 0, 365, c, 8, &n), STORE_EINPUT);
	assert_int_equal(store_dash_decided(f->s, &q, DAY0, -1, c, 8, &n), STORE_EINPUT);
}

static void test_store_waiting(void **state)
{
	struct fixture *f = *state;
	char r[5][STORE_RECEIPT_MAX + 1];
	store_application a, list[4];
	store_inbox_query q = {.procs = both, .nprocs = 2};
	size_t n = 0;
	long long total = 0;
	submit(f->s, "w0", PROC, NOW, r[0]);
	submit(f->s, "w1", PROC, NOW + 10, r[1]);
	submit(f->s, "w2", PROC, NOW + 20, r[2]);
	submit(f->s, "w3", PROC2, NOW + 30, r[3]);
	submit(f->s, "w4", PROC, NOW + 40, r[4]);
	move(f->s, r[0], "sent", "done", NOW + 50);
	move(f->s, r[1], "sent", "returned", NOW + 50);
	move(f->s, r[3], "sent", "reviewing", NOW + 50);
	assert_int_equal(store_dash_oldest(f->s, &q, &a), STORE_OK);
	assert_string_equal(a.receipt, r[2]); /* done and returned do not wait */
	assert_int_equal(a.submitted_at, NOW + 20);
	assert_string_equal(a.status, "sent");
	q.procs = both + 1;
	q.nprocs = 1;
	assert_int_equal(store_dash_oldest(f->s, &q, &a), STORE_OK);
	assert_string_equal(a.receipt, r[3]);
	move(f->s, r[3], "reviewing", "rejected", NOW + 60);
	assert_int_equal(store_dash_oldest(f->s, &q, &a), STORE_ENOTFOUND);

	assert_int_equal(store_dash_overdue(f->s, PROC, NOW + 41, list, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].receipt, r[2]);
	assert_string_equal(list[1].receipt, r[4]);
	assert_int_equal(store_dash_overdue(f->s, PROC, NOW + 40, list, 4, &n), STORE_OK);
	assert_int_equal(n, 1); /* before, not at */
	assert_int_equal(store_dash_overdue_count(f->s, PROC, NOW + 41, 100, &total), STORE_OK);
	assert_int_equal(total, 2);
	assert_int_equal(store_dash_overdue_count(f->s, PROC, NOW + 41, 1, &total), STORE_OK);
	assert_int_equal(total, 1); /* counted up to the limit */
	assert_int_equal(store_dash_overdue(f->s, "a b", NOW, list, 4, &n), STORE_EINPUT);
	assert_int_equal(store_dash_overdue(f->s, PROC, 0, list, 4, &n), STORE_EINPUT);
	assert_int_equal(store_dash_overdue(f->s, PROC, NOW, list, STORE_INBOX_PAGE_MAX + 1, &n),
	                 STORE_EINPUT);
	assert_int_equal(store_dash_overdue_count(f->s, PROC, NOW, 0, &total), STORE_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_days),
	    cmocka_unit_test(test_median),
	    cmocka_unit_test(test_waiting),
	    cmocka_unit_test(test_chart),
	    cmocka_unit_test_setup_teardown(test_store_arrivals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_decided, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_waiting, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
