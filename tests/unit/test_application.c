/* Unit tests of the application rules (core/application.h): statuses and labels, final and
 * withdrawable statuses, the transition table, receipt numbers and the Japan year, and the
 * content of an application built from raw input (app_content_build). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/application.h"
#include "proc_fixture.h"
#include "util/token.h"

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
 * statuses, nothing leaves a final status, nothing enters "sent" but a submission and the
 * applicant's resubmission of a returned application. */
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
			int resubmit =
			    !strcmp(all[i].name, "returned") && !strcmp(all[k].name, "sent");
			if (all[i].final || (strcmp(all[k].name, "sent") == 0 && !resubmit) ||
			    i == k)
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
	/* a returned application is corrected and sent again by the applicant, never by staff */
	assert_true(app_transition_allowed("returned", "sent", APP_BY_APPLICANT));
	assert_false(app_transition_allowed("returned", "sent", APP_BY_STAFF));
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, "returned"))
			assert_false(app_transition_allowed(all[i].name, "sent", APP_BY_APPLICANT));
	assert_int_equal(app_transition_sources("sent", APP_BY_APPLICANT, from, 8), 1);
	assert_string_equal(from[0], "returned");
}

/* The note of a resubmission's event: from the second version on. */
static void test_resubmit_note(void **state)
{
	char note[64], tiny[8];
	assert_int_equal(app_resubmit_note(2, note, sizeof(note)), 0);
	assert_string_equal(note, "再申請（第2版）");
	assert_int_equal(app_resubmit_note(12, note, sizeof(note)), 0);
	assert_string_equal(note, "再申請（第12版）");
	assert_int_equal(app_resubmit_note(1, note, sizeof(note)), -1);
	assert_int_equal(app_resubmit_note(0, note, sizeof(note)), -1);
	assert_int_equal(app_resubmit_note(2, tiny, sizeof(tiny)), -1);
	assert_int_equal(app_resubmit_note(2, NULL, 64), -1);
}

/* The staff's decisions, exactly: 送信済 -> 受付 -> 審査中 -> 処理完了 | 申請却下 | 差し戻し,
 * every pair of statuses checked against that list (so an added row fails here), the
 * rejection and the return needing a text, the others not. */
static void test_staff_decisions(void **state)
{
	static const char *const allowed[][3] = {
	    {"sent", "accepted", ""},          {"accepted", "reviewing", ""},
	    {"reviewing", "done", ""},         {"reviewing", "rejected", "note"},
	    {"reviewing", "returned", "note"},
	};
	size_t n = 0, na = sizeof(allowed) / sizeof(allowed[0]), count = 0;
	const app_status *all = app_statuses(&n);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++) {
			int want = 0, note = 0;
			for (size_t a = 0; a < na; a++)
				if (!strcmp(allowed[a][0], all[i].name) &&
				    !strcmp(allowed[a][1], all[k].name)) {
					want = 1;
					note = allowed[a][2][0] != '\0';
				}
			if (app_transition_allowed(all[i].name, all[k].name, APP_BY_STAFF) != want)
				fail_msg("staff %s -> %s: expected %s", all[i].name, all[k].name,
				         want ? "allowed" : "refused");
			assert_int_equal(
			    app_transition_needs_note(all[i].name, all[k].name, APP_BY_STAFF),
			    note);
			count += (size_t)want;
		}
	assert_int_equal(count, na);
	/* a selection of refusals, by name */
	assert_false(app_transition_allowed("sent", "done", APP_BY_STAFF));
	assert_false(app_transition_allowed("sent", "rejected", APP_BY_STAFF));
	assert_false(app_transition_allowed("accepted", "done", APP_BY_STAFF));
	assert_false(app_transition_allowed("done", "reviewing", APP_BY_STAFF));
	assert_false(app_transition_allowed("rejected", "accepted", APP_BY_STAFF));
	assert_false(app_transition_allowed("withdrawn", "accepted", APP_BY_STAFF));
	assert_false(app_transition_allowed("reviewing", "withdrawn", APP_BY_STAFF));
	assert_false(app_transition_allowed("reviewing", "rejected", APP_BY_APPLICANT));
	assert_false(app_transition_needs_note("sent", "rejected", APP_BY_STAFF));
	assert_false(app_transition_needs_note("reviewing", "withdrawn", APP_BY_APPLICANT));
	assert_false(app_transition_needs_note(NULL, NULL, APP_BY_STAFF));

	/* what the decision form offers */
	const char *to[8];
	assert_int_equal(app_transition_targets("reviewing", APP_BY_STAFF, to, 8), 3);
	assert_string_equal(to[0], "done");
	assert_string_equal(to[1], "rejected");
	assert_string_equal(to[2], "returned");
	assert_null(to[3]);
	assert_int_equal(app_transition_targets("sent", APP_BY_STAFF, to, 8), 1);
	assert_string_equal(to[0], "accepted");
	assert_int_equal(app_transition_targets("done", APP_BY_STAFF, to, 8), 0);
	assert_null(to[0]);
	assert_int_equal(app_transition_targets("reviewing", APP_BY_STAFF, to, 2), 1);
	assert_null(to[1]);
	assert_int_equal(app_transition_targets(NULL, APP_BY_STAFF, to, 8), 0);
	assert_int_equal(app_transition_sources("rejected", APP_BY_STAFF, to, 8), 1);
	assert_string_equal(to[0], "reviewing");
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

/* NUL bytes typed in a field survive loading (to be refused again, not cut); NULL text is
 * an empty input; text that is not JSON is NULL. */
static void test_raw_load(void **state)
{
	json_t *raw = app_raw_load("{\"name\": \"a\\u0000b\"}");
	assert_non_null(raw);
	assert_int_equal(json_string_length(json_object_get(raw, "name")), 3);
	json_decref(raw);
	raw = app_raw_load(NULL);
	assert_true(json_is_object(raw) && json_object_size(raw) == 0);
	json_decref(raw);
	assert_null(app_raw_load("{"));
}

static json_t *photo_atts(void)
{
	return json_pack("{s:[{s:s, s:s, s:i}]}", "photo", "filename", "写真.jpg", "sha256",
	                 "17ccd230753fbe794a3da079112e68bfca24232886c97545b57b546774eebb8f", "size",
	                 812);
}

/* Errors of the answers first, then the required file field without a file; nothing built. */
static void test_content_errors(void **state)
{
	procedure *p = proc_fixture(0);
	json_t *raw = json_pack("{s:s}", "count", "abc"), *errs = json_array();
	app_content c;
	assert_int_equal(app_content_build(p, raw, NULL, NULL, NULL, errs, &c), APP_CONTENT_ERRORS);
	assert_null(c.answers);
	assert_null(c.canonical);
	assert_null(c.lines);
	assert_int_equal(json_array_size(errs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "field")),
	                    "name");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 1), "field")),
	                    "count");
	json_t *last = json_array_get(errs, 2);
	assert_string_equal(json_string_value(json_object_get(last, "field")), "photo");
	assert_string_equal(json_string_value(json_object_get(last, "message")),
	                    "写真を添付してください。");
	app_content_release(&c);
	/* the same with app_answers_check: the same errors, answers of the valid fields */
	json_t *errs2 = json_array();
	json_t *ans = app_answers_check(p, raw, NULL, NULL, NULL, errs2);
	assert_true(json_equal(errs, errs2));
	assert_non_null(ans);
	json_decref(ans);
	json_decref(errs2);
	/* raw that is not an object: errors, nothing built */
	json_decref(errs);
	errs = json_array();
	json_t *notobj = json_string("x"), *atts = photo_atts();
	assert_int_equal(app_content_build(p, notobj, atts, NULL, NULL, errs, &c),
	                 APP_CONTENT_ERRORS);
	assert_null(c.canonical);
	json_decref(notobj);
	json_decref(atts);
	json_decref(errs);
	json_decref(raw);
	proc_free(p);
}

/* Good input: the computed amount is filled, the canonical JSON is what answers_canonical
 * makes of the same answers (the format signatures bind to), its digest its SHA-256, and
 * the lines are answers_display's. */
static void test_content_ok(void **state)
{
	procedure *p = proc_fixture(1);
	json_t *raw = json_pack("{s:s, s:s}", "name", "山田　太郎", "count", "１２");
	json_t *atts = photo_atts(), *errs = json_array();
	app_content c;
	assert_int_equal(app_content_build(p, raw, atts, NULL, NULL, errs, &c), APP_CONTENT_OK);
	assert_int_equal(json_array_size(errs), 0);
	assert_string_equal(json_string_value(json_object_get(c.answers, "total")), "1000");
	assert_string_equal(json_string_value(json_object_get(c.answers, "count")), "12");
	char want_digest[65], sha[65];
	char *want = answers_canonical(p, c.answers, atts, want_digest);
	assert_string_equal(c.canonical, want);
	assert_string_equal(c.digest, want_digest);
	token_sha256_hex(c.canonical, strlen(c.canonical), sha);
	assert_string_equal(c.digest, sha);
	assert_non_null(strstr(c.canonical, "\"procedure\":\"t-proc\""));
	assert_non_null(strstr(c.canonical, "写真.jpg"));
	json_t *lines = answers_display(p, c.answers, atts);
	assert_true(json_equal(c.lines, lines));
	assert_int_equal(json_array_size(c.lines), 4);
	json_decref(lines);
	free(want);
	app_content_release(&c);
	assert_null(c.canonical);
	json_decref(errs);
	json_decref(atts);
	json_decref(raw);
	proc_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_statuses),        cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_staff_decisions), cmocka_unit_test(test_resubmit_note),
	    cmocka_unit_test(test_receipts),        cmocka_unit_test(test_year),
	    cmocka_unit_test(test_raw_load),        cmocka_unit_test(test_content_errors),
	    cmocka_unit_test(test_content_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
