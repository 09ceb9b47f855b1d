/* test_store_versions: the correction of a returned application (差し戻し) in the storage
 * interface: the correction draft (the returned raw input and a copy of the files, tied to
 * the receipt), its submission as the application's next version under the same receipt
 * (version 1 kept from the row, the row replaced, the event, no version for a second
 * submission), and the refusals, on a migrated SQLite database in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
#define PROC "kaigo-volunteer-point"
#define TITLE "介護支援ボランティアポイント交付申請"
#define RAW "{\"stamps\":\"23\"}"

#include "store_fixture.h"

/* An application of draft key with content n (digest, content and display differ by n) and a
 * signature of sig_len bytes of n (0: unsigned). The texts live in bufs. */
struct app_bufs {
	char content[64], display[96], sig[64], report[64];
};
static void app_of(store_application *a, struct app_bufs *b, const char *key, long long account,
                   unsigned n, size_t sig_len)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->draft_key, sizeof(a->draft_key), "%s", key);
	a->account_id = account;
	snprintf(a->proc_id, sizeof(a->proc_id), "%s", PROC);
	a->proc_version = 1;
	snprintf(a->proc_title, sizeof(a->proc_title), "%s", TITLE);
	hash_of(n, a->digest);
	snprintf(b->content, sizeof(b->content), "{\"stamps\":\"%u\"}", n);
	snprintf(b->display, sizeof(b->display), "[{\"label\":\"スタンプ\",\"value\":\"%u\"}]", n);
	snprintf(b->report, sizeof(b->report), "{\"result\":\"ok\",\"n\":%u}", n);
	memset(b->sig, (int)n, sizeof(b->sig));
	a->content = b->content;
	a->display = b->display;
	if (sig_len) {
		a->signature = b->sig;
		a->signature_len = sig_len;
		a->verification = b->report;
	}
}

/* The first application of the account (draft "k1" with one attachment), returned. */
static void returned_app(store *s, long long account, char receipt[STORE_RECEIPT_MAX + 1])
{
	store_application a;
	struct app_bufs b;
	char owner[32], sha[65];
	snprintf(owner, sizeof(owner), "a:%lld", account);
	hash_of(7, sha);
	assert_int_equal(store_draft_create(s, "k1", owner, PROC, 1, RAW, NOW), STORE_OK);
	assert_int_equal(store_attachment_add(s, "k1", "stamp_pages", "stamps.png", "image/png",
	                                      "PNGDATA", 7, sha, NOW, NULL),
	                 STORE_OK);
	app_of(&a, &b, "k1", account, 1, 40);
	assert_int_equal(store_application_submit(s, &a, NOW, receipt), STORE_OK);
	assert_int_equal(
	    store_application_set_status(s, receipt, NULL, "returned", "直してください", NOW + 10),
	    STORE_OK);
}

static int count_versions(store *s, const char *receipt)
{
	store_app_version v[8];
	size_t n = 99;
	assert_int_equal(store_application_versions(s, receipt, v, 8, &n), STORE_OK);
	for (size_t i = 0; i < n; i++)
		store_app_version_release(&v[i]);
	return (int)n;
}

static void test_correction_draft(void **state)
{
	struct fixture *f = *state;
	long long acct = new_account(f->s, "hanako@example.jp");
	long long other = new_account(f->s, "other@example.jp");
	char r[STORE_RECEIPT_MAX + 1], of[STORE_RECEIPT_MAX + 1], owner[32], o2[32];
	store_attachment att[4];
	store_draft d;
	size_t n = 0;
	snprintf(owner, sizeof(owner), "a:%lld", acct);
	snprintf(o2, sizeof(o2), "a:%lld", other);
	returned_app(f->s, acct, r);
	assert_int_equal(count_versions(f->s, r), 0); /* never resubmitted: the row alone */

	assert_int_equal(store_draft_resubmit_create(f->s, "k2", o2, r, 1, NOW + 20),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_draft_resubmit_create(f->s, "k2", owner, "2026-999999", 1, NOW + 20),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_draft_resubmit_create(f->s, "k2", owner, r, 2, NOW + 20), STORE_OK);
	assert_int_equal(store_draft_get(f->s, "k2", &d), STORE_OK);
	assert_string_equal(d.raw, RAW);
	assert_string_equal(d.owner, owner);
	assert_int_equal(d.proc_version, 2);
	assert_string_equal(d.receipt, "");
	store_draft_release(&d);
	assert_int_equal(store_attachment_list(f->s, "k2", att, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(att[0].filename, "stamps.png");
	assert_string_equal(att[0].field, "stamp_pages");
	assert_int_equal(store_attachment_list(f->s, "k1", att + 1, 3, &n), STORE_OK);
	assert_true(att[0].id != att[1].id);
	assert_string_equal(att[0].sha256, att[1].sha256);
	assert_int_equal(store_draft_resubmit_of(f->s, "k2", of), STORE_OK);
	assert_string_equal(of, r);
	assert_int_equal(store_draft_resubmit_of(f->s, "k1", of), STORE_OK);
	assert_string_equal(of, "");
	assert_int_equal(store_draft_resubmit_of(f->s, "nope", of), STORE_ENOTFOUND);
	/* one open draft per owner and procedure: no second correction beside it */
	assert_int_equal(store_draft_resubmit_create(f->s, "k3", owner, r, 1, NOW + 30),
	                 STORE_ECONFLICT);
	/* bad arguments */
	assert_int_equal(store_draft_resubmit_create(f->s, "k 3", owner, r, 1, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_resubmit_create(f->s, "k3", "s:abc", r, 1, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_resubmit_create(f->s, "k3", owner, "2026-1", 1, NOW),
	                 STORE_EINPUT);
	assert_int_equal(store_draft_resubmit_create(f->s, "k3", owner, r, 0, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_resubmit_of(f->s, "k2", NULL), STORE_EINPUT);
	assert_int_equal(store_application_versions(f->s, "x", NULL, 0, &n), STORE_EINPUT);
}

static void test_not_returned(void **state)
{
	struct fixture *f = *state;
	long long acct = new_account(f->s, "hanako@example.jp");
	char r[STORE_RECEIPT_MAX + 1], out[STORE_RECEIPT_MAX + 1], owner[32];
	const char *const sent[] = {"sent", NULL};
	store_application a, got;
	struct app_bufs b;
	snprintf(owner, sizeof(owner), "a:%lld", acct);
	assert_int_equal(store_draft_create(f->s, "k1", owner, PROC, 1, RAW, NOW), STORE_OK);
	app_of(&a, &b, "k1", acct, 1, 0);
	assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_OK);
	/* sent: nothing to correct */
	assert_int_equal(store_draft_resubmit_create(f->s, "k2", owner, r, 1, NOW),
	                 STORE_ECONFLICT);
	assert_int_equal(store_application_set_status(f->s, r, sent, "returned", "直して", NOW + 1),
	                 STORE_OK);
	assert_int_equal(store_draft_resubmit_create(f->s, "k2", owner, r, 1, NOW + 2), STORE_OK);
	/* withdrawn while the correction was open: its submission changes nothing */
	assert_int_equal(store_application_set_status(f->s, r, NULL, "withdrawn", NULL, NOW + 3),
	                 STORE_OK);
	app_of(&a, &b, "k2", acct, 2, 0);
	memset(out, 'x', sizeof(out));
	assert_int_equal(store_application_submit(f->s, &a, NOW + 4, out), STORE_ECONFLICT);
	assert_string_equal(out, "");
	assert_int_equal(count_versions(f->s, r), 0);
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_string_equal(got.status, "withdrawn");
	assert_string_equal(got.draft_key, "k1");
	store_application_release(&got);
	assert_int_equal(store_draft_resubmit_of(f->s, "k2", out), STORE_OK);
	assert_string_equal(out, r); /* still open, still tied */
	/* what the withdrawal does with it: deleted, the submitted draft kept */
	long long gone = 0;
	store_draft d;
	assert_int_equal(store_drafts_resubmit_cancel(f->s, r, &gone), STORE_OK);
	assert_int_equal(gone, 1);
	assert_int_equal(store_draft_get(f->s, "k2", &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_get(f->s, "k1", &d), STORE_OK);
	store_draft_release(&d);
	assert_int_equal(store_drafts_resubmit_cancel(f->s, r, &gone), STORE_OK);
	assert_int_equal(gone, 0);
	assert_int_equal(store_drafts_resubmit_cancel(f->s, "2026-1", &gone), STORE_EINPUT);
}

/* Submits correction draft key (content n, signed) of receipt r; checks the receipt. */
static void resubmit(store *s, const char *key, long long acct, unsigned n, const char *r)
{
	store_application a;
	struct app_bufs b;
	char out[STORE_RECEIPT_MAX + 1];
	app_of(&a, &b, key, acct, n, 30 + n);
	assert_int_equal(store_application_submit(s, &a, NOW + 100 * n, out), STORE_OK);
	assert_string_equal(out, r);
	assert_string_equal(a.receipt, r);
	assert_string_equal(a.status, "sent");
}

static void test_versions(void **state)
{
	struct fixture *f = *state;
	long long acct = new_account(f->s, "hanako@example.jp");
	char r[STORE_RECEIPT_MAX + 1], owner[32], d1[65], d2[65], again[STORE_RECEIPT_MAX + 1];
	store_app_version v[4];
	store_app_event ev[8];
	store_application a, got;
	struct app_bufs b;
	size_t n = 0;
	snprintf(owner, sizeof(owner), "a:%lld", acct);
	returned_app(f->s, acct, r);
	assert_int_equal(store_draft_resubmit_create(f->s, "k2", owner, r, 1, NOW + 20), STORE_OK);
	resubmit(f->s, "k2", acct, 2, r);

	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK); /* the row: version 2 */
	hash_of(2, d2);
	assert_string_equal(got.digest, d2);
	assert_string_equal(got.draft_key, "k2");
	assert_string_equal(got.status, "sent");
	assert_string_equal(got.content, "{\"stamps\":\"2\"}");
	assert_int_equal(got.signature_len, 32);
	assert_int_equal(got.submitted_at, NOW + 200);
	store_application_release(&got);
	assert_int_equal(store_application_versions(f->s, r, v, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	hash_of(1, d1);
	assert_int_equal(v[0].version, 1);
	assert_string_equal(v[0].digest, d1);
	assert_string_equal(v[0].draft_key, "k1");
	assert_int_equal(v[0].signature_len, 40);
	assert_int_equal(v[0].submitted_at, NOW);
	assert_string_equal(v[0].verification, "{\"result\":\"ok\",\"n\":1}");
	assert_int_equal(v[1].version, 2);
	assert_string_equal(v[1].digest, d2);
	assert_string_equal(v[1].display, "[{\"label\":\"スタンプ\",\"value\":\"2\"}]");
	assert_string_equal(v[1].verification, "{\"result\":\"ok\",\"n\":2}");
	for (size_t i = 0; i < n; i++)
		store_app_version_release(&v[i]);
	assert_int_equal(store_application_events(f->s, r, ev, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ev[2].status, "sent");
	assert_string_equal(ev[2].note, "再申請（第2版）");

	/* the same draft again (a double click): the first submission stands, no version 3 */
	app_of(&a, &b, "k2", acct, 2, 32);
	assert_int_equal(store_application_submit(f->s, &a, NOW + 999, again), STORE_ECONFLICT);
	assert_string_equal(again, r);
	assert_int_equal(count_versions(f->s, r), 2);

	/* returned once more: version 3 */
	assert_int_equal(
	    store_application_set_status(f->s, r, NULL, "returned", "もう一度", NOW + 300),
	    STORE_OK);
	assert_int_equal(store_draft_resubmit_create(f->s, "k3", owner, r, 1, NOW + 310), STORE_OK);
	resubmit(f->s, "k3", acct, 3, r);
	assert_int_equal(count_versions(f->s, r), 3);
	assert_int_equal(store_application_events(f->s, r, ev, 8, &n), STORE_OK);
	assert_string_equal(ev[n - 1].note, "再申請（第3版）");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_correction_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_returned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
