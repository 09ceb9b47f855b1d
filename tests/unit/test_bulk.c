/* test_bulk: a bulk decision's upload read into its items: header optional, statuses by name
 * or label, UTF-8 with or without BOM or CP932, and the first bad line reported by number
 * with nothing kept; the dry run of an item (status and event now, the masked address, what
 * the transition table says) and the address mask. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/bulk.h"
#include "core/decision.h"

#define NOW 1775000000LL
#include "store_fixture.h"

static bulk_item items[BULK_MAX];

static enum bulk_csv_err read_text(const char *s, size_t *n, size_t *line, int *cp932)
{
	return bulk_csv_items(s, strlen(s), items, BULK_MAX, n, line, cp932);
}

static void test_header_labels_and_names(void **state)
{
	size_t n = 0, line = 9;
	int cp932 = 1;
	assert_int_equal(
	    read_text("受付番号,状態\r\n2026-000001,受付\r\n 2026-000002 , accepted \r\n"
	              "\"2026-000003\",審査中\n",
	              &n, &line, &cp932),
	    BULK_CSV_OK);
	assert_int_equal(n, 3);
	assert_int_equal(cp932, 0);
	assert_string_equal(items[0].receipt, "2026-000001");
	assert_string_equal(items[0].to, "accepted");
	assert_string_equal(items[1].receipt, "2026-000002");
	assert_string_equal(items[1].to, "accepted");
	assert_string_equal(items[2].to, "reviewing");
	assert_int_equal(read_text("\xEF\xBB\xBF"
	                           "2026-000001,done\n",
	                           &n, &line, &cp932),
	                 BULK_CSV_OK);
	assert_int_equal(n, 1);
}

static void test_cp932(void **state)
{
	/* 2026-000001,受付 in CP932 */
	const char s[] = "2026-000001,\x8E\xF3\x95\x74\r\n";
	size_t n = 0, line = 0;
	int cp932 = 0;
	assert_int_equal(bulk_csv_items(s, sizeof(s) - 1, items, BULK_MAX, &n, &line, &cp932),
	                 BULK_CSV_OK);
	assert_int_equal(cp932, 1);
	assert_string_equal(items[0].to, "accepted");
}

static void test_bad_lines(void **state)
{
	size_t n = 0, line = 0;
	int cp932;
	assert_int_equal(read_text("2026-000001,受付\n2026-000002,受理\n", &n, &line, &cp932),
	                 BULK_CSV_STATUS);
	assert_int_equal(line, 2);
	assert_int_equal(n, 0);
	assert_int_equal(read_text("2026-000001,受付\n\n2026-0002,受付\n", &n, &line, &cp932),
	                 BULK_CSV_RECEIPT);
	assert_int_equal(line, 3);
	assert_int_equal(read_text("2026-000001,受付,余分\n", &n, &line, &cp932), BULK_CSV_CELLS);
	assert_int_equal(line, 1);
	assert_int_equal(read_text("2026-000001,受付\n2026-000001,審査中\n", &n, &line, &cp932),
	                 BULK_CSV_TWICE);
	assert_int_equal(line, 2);
	assert_int_equal(read_text("2026-000001,\"受付\n", &n, &line, &cp932), BULK_CSV_SYNTAX);
	assert_int_equal(line, 1);
	assert_int_equal(read_text("受付番号,状態\n", &n, &line, &cp932), BULK_CSV_EMPTY);
	assert_int_equal(read_text("\xFF\xFE,\n", &n, &line, &cp932), BULK_CSV_ENCODING);
	assert_int_equal(line, 0);
}

static void test_bound(void **state)
{
	static char big[(BULK_MAX + 2) * 24];
	size_t k = 0, n = 0, line = 0;
	int cp932;
	for (int i = 1; i <= BULK_MAX + 1; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k, "2026-%06d,受付\n", i);
	assert_int_equal(read_text(big, &n, &line, &cp932), BULK_CSV_TOO_MANY);
	assert_int_equal(line, BULK_MAX + 1);
	assert_int_equal(n, 0);
	big[k - 19] = '\0'; /* the last line off: BULK_MAX lines */
	assert_int_equal(read_text(big, &n, &line, &cp932), BULK_CSV_OK);
	assert_int_equal(n, BULK_MAX);
}

static void test_mask(void **state)
{
	char out[64];
	bulk_mask_email("taro@example.jp", out, sizeof(out));
	assert_string_equal(out, "t***@example.jp");
	bulk_mask_email("太郎@example.jp", out, sizeof(out));
	assert_string_equal(out, "***@example.jp");
	bulk_mask_email("nobody", out, sizeof(out));
	assert_string_equal(out, "***");
}

static void test_preview(void **state)
{
	struct fixture *f = *state;
	store *s = f->s;
	long long acct = new_account(s, "taro@example.jp"), rev = 0, view = 0;
	char receipt[STORE_RECEIPT_MAX + 1];
	store_application a;
	bulk_plan p;
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
	assert_int_equal(store_application_submit(s, &a, NOW, receipt), STORE_OK);
	assert_int_equal(store_staff_create(s, "r@city.jp", "審査 一", 0, NOW, &rev), STORE_OK);
	assert_int_equal(store_staff_create(s, "v@city.jp", "閲覧 二", 0, NOW, &view), STORE_OK);
	assert_int_equal(store_staff_role_set(s, rev, "gomi", "reviewer"), STORE_OK);
	assert_int_equal(store_staff_role_set(s, view, "gomi", "viewer"), STORE_OK);

	bulk_item it = {"", "accepted"};
	snprintf(it.receipt, sizeof(it.receipt), "%s", receipt);
	assert_int_equal(bulk_preview(s, rev, &it, &p), 0);
	assert_int_equal(p.verdict, BULK_WOULD);
	assert_string_equal(p.status, "sent");
	assert_string_equal(p.mail, "t***@example.jp");
	long long last = 0;
	assert_int_equal(store_application_last_event(s, receipt, &last), STORE_OK);
	assert_int_equal(p.event, last);
	/* what the dry run saw is what decision_apply takes */
	static const submit_site site = {"みどり市", "オンライン手続", "https://portal.example.jp"};
	decision_request rq = {receipt, rev,         p.status, p.event, it.to,
	                       "",      "192.0.2.1", &site,    NOW,     0};
	int mailed = 0;
	assert_int_equal(decision_apply(s, &rq, &mailed), DECISION_DONE);
	assert_int_equal(mailed, 1);
	/* the same plan applied again: changed since, a conflict */
	assert_int_equal(decision_apply(s, &rq, &mailed), DECISION_CONFLICT);

	assert_int_equal(bulk_preview(s, view, &it, &p), 0);
	assert_int_equal(p.verdict, BULK_NO_ROLE);
	assert_int_equal(bulk_preview(s, rev, &it, &p), 0); /* accepted -> accepted */
	assert_int_equal(p.verdict, BULK_NOT_ALLOWED);
	snprintf(it.to, sizeof(it.to), "reviewing");
	assert_int_equal(bulk_preview(s, rev, &it, &p), 0);
	assert_int_equal(p.verdict, BULK_WOULD);
	assert_string_equal(p.status, "accepted");
	snprintf(it.receipt, sizeof(it.receipt), "2026-999999");
	assert_int_equal(bulk_preview(s, rev, &it, &p), 0);
	assert_int_equal(p.verdict, BULK_NOT_FOUND);
}

/* The apply form's field: written steps read back the same; an edited field that is not
 * steps keeps nothing. */
static void test_steps(void **state)
{
	static bulk_step st[3], back[BULK_MAX];
	buf b;
	size_t n = 7;
	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(st[i].it.receipt, sizeof(st[i].it.receipt), "2026-00000%d", i + 1);
		snprintf(st[i].it.to, sizeof(st[i].it.to), "accepted");
		snprintf(st[i].seen, sizeof(st[i].seen), "sent");
		st[i].seen_event = 40 + i;
	}
	buf_init(&b, 1 << 16);
	assert_int_equal(bulk_steps_write(st, 3, &b), 0);
	assert_int_equal(bulk_steps_read(b.data, b.len, back, BULK_MAX, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(back, st, sizeof(st));
	assert_int_equal(bulk_steps_read(b.data, b.len, back, 2, &n), -1); /* over max */
	assert_int_equal(n, 0);
	buf_release(&b);
	static const char *const bad[] = {
	    "",
	    "2026-000001,accepted,submitted\r\n",
	    "2026-000001,accepted,sent,0\r\n",
	    "2026-000001,accepted,sent,x1\r\n",
	    "2026-000001,granted,sent,4\r\n",
	    "2026-00001,accepted,sent,4\r\n",
	    "2026-000001,accepted,sent,4\r\n2026-000001,reviewing,accepted,5\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 7;
		assert_int_equal(bulk_steps_read(bad[i], strlen(bad[i]), back, BULK_MAX, &n), -1);
		assert_int_equal(n, 0);
	}
	const char *to[8];
	assert_int_equal(bulk_targets(to, 8), 3); /* reasons and messages go one at a time */
	assert_string_equal(to[0], "accepted");
	assert_string_equal(to[1], "reviewing");
	assert_string_equal(to[2], "done");
	static const char nul[] = "2026-000001,accepted\0x,sent,4\r\n";
	assert_int_equal(bulk_steps_read(nul, sizeof(nul) - 1, back, BULK_MAX, &n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_labels_and_names),
	    cmocka_unit_test(test_cp932),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_steps),
	    cmocka_unit_test_setup_teardown(test_preview, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
