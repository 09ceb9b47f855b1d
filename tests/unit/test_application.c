/* Unit tests of the application rules (core/application.h): statuses and labels, final and
 * withdrawable statuses, the transition table, receipt numbers and the Japan year. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/application.h"

static void test_statuses(void **state)
{
	size_t n = 0;
	const app_status *all = app_statuses(&n);
	assert_int_equal(n, 7);
	static const char *const want[][2] = {
	    {"sent", "送信済"},      {"accepted", "受付"},     {"reviewing", "審査中"},
	    {"done", "処理完了"},    {"rejected", "申請却下"}, {"returned", "差し戻し"},
	    {"withdrawn", "取下げ"},
	};
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(all[i].name, want[i][0]);
		assert_string_equal(app_status_label(want[i][0]), want[i][1]);
		assert_true(app_status_valid(want[i][0]));
	}
	assert_false(app_status_valid("Sent"));
	assert_false(app_status_valid(""));
	assert_false(app_status_valid(NULL));
	assert_string_equal(app_status_label("legacy"), "legacy"); /* shown as itself */
	assert_true(app_status_final("done") && app_status_final("rejected") &&
	            app_status_final("withdrawn"));
	assert_false(app_status_final("returned"));
	assert_true(app_status_withdrawable("returned"));
	assert_false(app_status_withdrawable("done"));
	assert_false(app_status_withdrawable("withdrawn"));
	assert_false(app_status_withdrawable("nonsense"));
}

/* The table and the flags agree: the applicant may withdraw from exactly the withdrawable
 * statuses, nothing leaves a final status, nothing enters "sent" but a submission. */
static void test_transitions(void **state)
{
	size_t n = 0;
	const app_status *all = app_statuses(&n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(app_transition_allowed(all[i].name, "withdrawn", APP_BY_APPLICANT),
		                 all[i].withdrawable);
		for (size_t k = 0; k < n; k++) {
			int any =
			    app_transition_allowed(all[i].name, all[k].name, APP_BY_APPLICANT) ||
			    app_transition_allowed(all[i].name, all[k].name, APP_BY_STAFF);
			if (all[i].final || strcmp(all[k].name, "sent") == 0 || i == k)
				assert_false(any);
		}
	}
	assert_true(app_transition_allowed("reviewing", "done", APP_BY_STAFF));
	assert_false(app_transition_allowed("reviewing", "done", APP_BY_APPLICANT));
	assert_false(app_transition_allowed("sent", "withdrawn", APP_BY_STAFF));
	assert_false(app_transition_allowed(NULL, "done", APP_BY_STAFF));

	const char *from[8];
	assert_int_equal(app_transition_sources("withdrawn", APP_BY_APPLICANT, from, 8), 4);
	assert_string_equal(from[0], "sent");
	assert_string_equal(from[3], "returned");
	assert_null(from[4]);
	/* a list too short is cut, still NULL-terminated */
	assert_int_equal(app_transition_sources("withdrawn", APP_BY_APPLICANT, from, 2), 1);
	assert_null(from[1]);
	assert_int_equal(app_transition_sources("sent", APP_BY_STAFF, from, 8), 0);
	assert_null(from[0]);
}

static void test_receipts(void **state)
{
	char r[APP_RECEIPT_MAX + 1];
	assert_int_equal(app_receipt_format(2026, 1, r, sizeof(r)), 0);
	assert_string_equal(r, "2026-000001");
	assert_true(app_receipt_valid(r));
	assert_int_equal(app_receipt_format(2026, 1234567, r, sizeof(r)), 0);
	assert_string_equal(r, "2026-1234567");
	assert_true(app_receipt_valid(r));
	assert_int_equal(app_receipt_format(2026, 0, r, sizeof(r)), -1);
	assert_int_equal(app_receipt_format(0, 1, r, sizeof(r)), -1);
	assert_int_equal(app_receipt_format(2026, 1, r, 5), -1); /* does not fit */
	static const char *const bad[] = {"",
	                                  "2026-00001",
	                                  "2026000001",
	                                  "26-0000001",
	                                  "2026-00000a",
	                                  "2026-000001 ",
	                                  "2026--00001",
	                                  "2026-00000000000000000001" /* 25 bytes */,
	                                  "../etc"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (app_receipt_valid(bad[i]))
			fail_msg("accepted receipt \"%s\"", bad[i]);
	assert_false(app_receipt_valid(NULL));
}

static void test_year(void **state)
{
	/* 2025-12-31 15:30 UTC is 2026-01-01 00:30 in Japan */
	assert_int_equal(app_receipt_year(1767195000LL), 2026);
	assert_int_equal(app_receipt_year(1767195000LL - 3600), 2025);
	assert_int_equal(app_receipt_year(0), 0);
	assert_int_equal(app_receipt_year(-5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_statuses),
	    cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_receipts),
	    cmocka_unit_test(test_year),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
