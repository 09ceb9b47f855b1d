/* Unit tests of the staff's decisions and notes (core/decision.h) on a migrated database: the
 * text of a reason as typed, the mail to the applicant, and decision_apply / decision_note
 * with their refusals (role, table, missing text, a stale form), each leaving nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/decision.h"
#include "store/store.h"

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
#include "store_fixture.h"

static const submit_site SITE = {"みどり市", "オンライン手続", "https://portal.example.jp"};

static void test_text_clean(void **state)
{
	char out[STORE_NOTE_MAX + 1], big[STORE_NOTE_MAX + 2];
	static const char typed[] = "\r\n 　理由の一行目\r\n二行目　 \n";
	assert_int_equal(decision_text_clean(typed, strlen(typed), out, sizeof(out)), 0);
	assert_string_equal(out, "理由の一行目\n二行目");
	assert_int_equal(decision_text_clean("   ", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(decision_text_clean("a\0b", 3, out, sizeof(out)), -1);
	assert_int_equal(decision_text_clean("\xe2\x80\xae"
	                                     "abc",
	                                     6, out, sizeof(out)),
	                 -1);
	assert_int_equal(decision_text_clean("\xc3\x28", 2, out, sizeof(out)), -1);
	memset(big, 'a', sizeof(big));
	assert_int_equal(decision_text_clean(big, STORE_NOTE_MAX, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), STORE_NOTE_MAX);
	assert_int_equal(decision_text_clean(big, STORE_NOTE_MAX + 1, out, sizeof(out)), -1);
}

static void test_mail(void **state)
{
	char subject[400], body[4096];
	decision_mail(&SITE, "2026-000007", "粗大ごみ収集の申込", "rejected", "対象外の品物です",
	              subject, sizeof(subject), body, sizeof(body));
	assert_string_equal(
	    subject, "【みどり市】申請の状況が「申請却下」になりました（受付番号 2026-000007）");
	assert_non_null(strstr(body, "手続：粗大ごみ収集の申込\n"));
	assert_non_null(strstr(body, "新しい状況：申請却下\n"));
	assert_non_null(strstr(body, "申請を却下した理由：\n対象外の品物です\n"));
	assert_non_null(strstr(body, "https://portal.example.jp/mypage/2026-000007\n"));
	decision_mail(&SITE, "2026-000007", "粗大ごみ収集の申込", "accepted", "", subject,
	              sizeof(subject), body, sizeof(body));
	assert_non_null(strstr(body, "新しい状況：受付\n"));
	assert_null(strstr(body, "理由"));
	decision_mail(&SITE, "2026-000007", "t", "returned", "写真を添えてください", subject,
	              sizeof(subject), body, sizeof(body));
	assert_non_null(strstr(body, "市からのメッセージ：\n写真を添えてください\n"));
}

struct world {
	char receipt[STORE_RECEIPT_MAX + 1];
	long long reviewer, viewer, other;
};

/* An application of an account of proc "gomi", a reviewer and a viewer of it, a reviewer of
 * another procedure. */
static void world_of(store *s, struct world *w)
{
	long long acct = new_account(s, "taro@example.jp");
	store_application a;
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_draft_create(s, "dk1", "a:1", "gomi", 1, "{}", NOW), STORE_OK);
	snprintf(a.draft_key, sizeof(a.draft_key), "dk1");
	a.account_id = acct;
	snprintf(a.proc_id, sizeof(a.proc_id), "gomi");
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "粗大ごみ収集の申込");
	hash_of(1, a.digest);
	a.content = "{}";
	a.display = "[]";
	assert_int_equal(store_application_submit(s, &a, NOW, w->receipt), STORE_OK);
	assert_int_equal(store_staff_create(s, "r@city.jp", "審査 一", 0, NOW, &w->reviewer),
	                 STORE_OK);
	assert_int_equal(store_staff_create(s, "v@city.jp", "閲覧 二", 0, NOW, &w->viewer),
	                 STORE_OK);
	assert_int_equal(store_staff_create(s, "o@city.jp", "別 三", 0, NOW, &w->other), STORE_OK);
	assert_int_equal(store_staff_role_set(s, w->reviewer, "gomi", "reviewer"), STORE_OK);
	assert_int_equal(store_staff_role_set(s, w->viewer, "gomi", "viewer"), STORE_OK);
	assert_int_equal(store_staff_role_set(s, w->other, "other", "reviewer"), STORE_OK);
}

/* "status events audit-rows mails" of the world's application. */
static void state_of(store *s, const struct world *w, char *out, size_t outlen)
{
	store_application a;
	store_app_event ev[16];
	audit_row rows[16];
	store_app_mail mails[16];
	size_t ne = 0, na = 0, nm = 0;
	store_audit_filter f = {NULL, w->receipt, 0};
	assert_int_equal(store_application_get(s, w->receipt, &a), STORE_OK);
	assert_int_equal(store_application_events(s, w->receipt, ev, 16, &ne), STORE_OK);
	assert_int_equal(store_audit_list(s, &f, rows, 16, &na), STORE_OK);
	assert_int_equal(store_application_mails(s, w->receipt, mails, 16, &nm), STORE_OK);
	snprintf(out, outlen, "%s %zu %zu %zu", a.status, ne, na, nm);
	store_application_release(&a);
}

static enum decision_outcome decide(store *s, const struct world *w, long long staff,
                                    const char *seen, const char *to, const char *text, int *mailed)
{
	long long last = 0;
	assert_int_equal(store_application_last_event(s, w->receipt, &last), STORE_OK);
	decision_request rq = {w->receipt, staff,       seen,  last,    to,
	                       text,       "192.0.2.1", &SITE, NOW + 5, 0};
	return decision_apply(s, &rq, mailed);
}

static void test_apply(void **state)
{
	struct fixture *f = *state;
	struct world w;
	char st[64];
	int mailed = 9;
	world_of(f->s, &w);

	/* who (0 reviewer, 1 viewer, 2 other), seen, to, text, outcome, mailed, state after */
	static const struct step {
		int who;
		const char *seen, *to, *text;
		enum decision_outcome want;
		int mailed;
		const char *state;
	} steps[] = {
	    {1, "sent", "accepted", "", DECISION_FORBIDDEN, 0, "sent 1 0 0"},
	    {2, "sent", "accepted", "", DECISION_FORBIDDEN, 0, "sent 1 0 0"},
	    {0, "sent", "done", "", DECISION_REFUSED, 0, "sent 1 0 0"},
	    {0, "sent", "accepted", "", DECISION_DONE, 1, "accepted 2 1 1"},
	    /* a form that still shows 送信済 */
	    {0, "sent", "accepted", "", DECISION_CONFLICT, 0, "accepted 2 1 1"},
	    {0, "accepted", "reviewing", "", DECISION_DONE, 1, "reviewing 3 2 2"},
	    {0, "reviewing", "rejected", "", DECISION_NEEDS_TEXT, 0, "reviewing 3 2 2"},
	    {0, "reviewing", "returned", "", DECISION_NEEDS_TEXT, 0, "reviewing 3 2 2"},
	    {0, "reviewing", "rejected", "対象外", DECISION_DONE, 1, "rejected 4 3 3"},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *t = &steps[i];
		long long who[] = {w.reviewer, w.viewer, w.other};
		if (i == 5) { /* the right status with a token from before the last event */
			decision_request stale = {w.receipt,   w.reviewer, "accepted", 1,
			                          "reviewing", "",         "",         &SITE,
			                          NOW,         0};
			assert_int_equal(decision_apply(f->s, &stale, &mailed), DECISION_CONFLICT);
		}
		assert_int_equal(decide(f->s, &w, who[t->who], t->seen, t->to, t->text, &mailed),
		                 t->want);
		assert_int_equal(mailed, t->mailed);
		state_of(f->s, &w, st, sizeof(st));
		assert_string_equal(st, t->state);
	}

	audit_row rows[4];
	size_t n = 0;
	store_audit_filter af = {NULL, w.receipt, 0};
	assert_int_equal(store_audit_list(f->s, &af, rows, 4, &n), STORE_OK);
	assert_string_equal(rows[0].action, AUDIT_DECISION);
	assert_string_equal(rows[0].detail, "reviewing->rejected");
	assert_string_equal(rows[0].peer, "192.0.2.1");

	decision_request absent = {"2026-999999", w.reviewer, "sent", 1, "accepted", "", "",
	                           &SITE,         NOW,        0};
	assert_int_equal(decision_apply(f->s, &absent, &mailed), DECISION_NOTFOUND);
}

static void test_note(void **state)
{
	struct fixture *f = *state;
	struct world w;
	store_note notes[4];
	audit_row rows[4];
	size_t n = 0;
	store_audit_filter af = {NULL, NULL, 0};
	world_of(f->s, &w);
	assert_int_equal(decision_note(f->s, w.receipt, w.viewer, "電話で確認", "", NOW),
	                 DECISION_DONE);
	assert_int_equal(decision_note(f->s, w.receipt, w.other, "x", "", NOW), DECISION_FORBIDDEN);
	assert_int_equal(decision_note(f->s, "2026-999999", w.viewer, "x", "", NOW),
	                 DECISION_NOTFOUND);
	assert_int_equal(decision_note(f->s, w.receipt, w.viewer, "", "", NOW), DECISION_FAIL);
	assert_int_equal(store_notes(f->s, w.receipt, notes, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(notes[0].staff_id, w.viewer);
	assert_int_equal(store_audit_list(f->s, &af, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].action, AUDIT_NOTE);
	char want[32];
	snprintf(want, sizeof(want), "note %lld", notes[0].id);
	assert_string_equal(rows[0].detail, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_clean),
	    cmocka_unit_test(test_mail),
	    cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_note, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
