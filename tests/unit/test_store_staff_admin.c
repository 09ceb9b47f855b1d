/* test_store_staff_admin: the staff console's store calls of migration 0012: the list of
 * staff, a role removed, the TOTP re-entry's time per staff session (gone with the session),
 * and the mail alerts: the recipients per arrival, the digests due and their covering, on a
 * migrated SQLite database in a fresh temporary directory (store_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define NOW 1775000000LL /* 2026-04-01 */
#define PROC "road-park-report"
#define PROC2 "kaigo-volunteer-point"

#include "store_fixture.h"

static long long new_staff(store *s, const char *email)
{
	long long id = 0;
	int rc = store_staff_create(s, email, "窓口 太郎", 0, NOW, &id);
	if (rc != STORE_OK)
		fail_msg("staff %s: %s: %s", email, store_strerror(rc), store_errmsg(s));
	return id;
}

static void arrive(store *s, const char *key, const char *proc, long long at)
{
	store_application a;
	char receipt[STORE_RECEIPT_MAX + 1];
	assert_int_equal(store_draft_create(s, key, "s:alerts", proc, 1, "{}", at), STORE_OK);
	memset(&a, 0, sizeof(a));
	snprintf(a.draft_key, sizeof(a.draft_key), "%s", key);
	snprintf(a.proc_id, sizeof(a.proc_id), "%s", proc);
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "手続");
	hash_of(7, a.digest);
	a.content = "{}";
	a.display = "[]";
	assert_int_equal(store_application_submit(s, &a, at, receipt), STORE_OK);
}

static void test_list_and_role_remove(void **state)
{
	struct fixture *f = *state;
	store_staff list[4];
	store_staff_role roles[4];
	size_t n = 9;
	long long a = new_staff(f->s, "a@city.example.jp"),
	          b = new_staff(f->s, "b@city.example.jp");

	assert_int_equal(store_staff_list(f->s, list, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, a);
	assert_int_equal(list[1].id, b);
	assert_string_equal(list[1].email, "b@city.example.jp");
	assert_int_equal(store_staff_list(f->s, list, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_staff_role_set(f->s, a, PROC, "reviewer"), STORE_OK);
	assert_int_equal(store_staff_role_remove(f->s, a, PROC), STORE_OK);
	assert_int_equal(store_staff_roles(f->s, a, roles, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_staff_role_remove(f->s, a, PROC), STORE_ENOTFOUND);
	assert_int_equal(store_staff_role_remove(f->s, a, "Bad Id"), STORE_EINPUT);
}

static void test_step_up(void **state)
{
	struct fixture *f = *state;
	store_session sess;
	char other[65];
	long long at = 9, id = new_staff(f->s, "a@city.example.jp");

	memset(&sess, 0, sizeof(sess));
	hash_of(1, sess.id_hash);
	hash_of(2, other);
	sess.account_id = id;
	snprintf(sess.csrf, sizeof(sess.csrf), "csrf-token");
	sess.created_at = sess.last_seen = NOW;
	assert_int_equal(store_staff_session_create(f->s, &sess), STORE_OK);
	assert_int_equal(store_staff_step_up_get(f->s, sess.id_hash, &at), STORE_ENOTFOUND);
	assert_int_equal(at, 0);
	assert_int_equal(store_staff_step_up_set(f->s, sess.id_hash, NOW), STORE_OK);
	assert_int_equal(store_staff_step_up_set(f->s, sess.id_hash, NOW + 60), STORE_OK);
	assert_int_equal(store_staff_step_up_get(f->s, sess.id_hash, &at), STORE_OK);
	assert_int_equal(at, NOW + 60);
	/* no session, no time; the session gone takes it along */
	assert_int_equal(store_staff_step_up_set(f->s, other, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_staff_session_delete(f->s, sess.id_hash), STORE_OK);
	assert_int_equal(store_staff_step_up_get(f->s, sess.id_hash, &at), STORE_ENOTFOUND);
	assert_int_equal(store_staff_step_up_set(f->s, "xyz", NOW), STORE_EINPUT);
}

static void test_alerts(void **state)
{
	struct fixture *f = *state;
	store_staff_alert out[4];
	size_t n = 9;
	long long a = new_staff(f->s, "a@city.example.jp"),
	          b = new_staff(f->s, "b@city.example.jp");

	assert_int_equal(store_staff_role_set(f->s, a, PROC, "viewer"), STORE_OK);
	assert_int_equal(store_staff_alert_set(f->s, a, PROC, "each", NOW), STORE_OK);
	assert_int_equal(store_staff_alert_set(f->s, b, PROC, "each", NOW), STORE_OK); /* no role */
	assert_int_equal(store_staff_alert_set(f->s, a, PROC2, "hourly", NOW), STORE_OK);
	assert_int_equal(store_staff_alerts(f->s, a, out, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].proc_id, PROC2); /* by proc_id */
	assert_string_equal(out[0].mode, "hourly");
	assert_int_equal(out[0].last_digest_at, NOW - 1);
	/* only those with a role on the procedure get a mail per arrival */
	assert_int_equal(store_staff_alert_recipients(f->s, PROC, out, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].staff_id, a);
	assert_string_equal(out[0].email, "a@city.example.jp");
	assert_int_equal(store_staff_alert_set(f->s, a, PROC, "none", NOW), STORE_OK);
	assert_int_equal(store_staff_alert_recipients(f->s, PROC, out, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_staff_alert_set(f->s, a, PROC, "often", NOW), STORE_EINPUT);
	assert_int_equal(store_staff_alert_set(f->s, a, PROC, "none", NOW), STORE_OK); /* again */
}

static void test_digest(void **state)
{
	struct fixture *f = *state;
	store_staff_alert out[4];
	size_t n = 9;
	long long a = new_staff(f->s, "a@city.example.jp");

	assert_int_equal(store_staff_role_set(f->s, a, PROC, "reviewer"), STORE_OK);
	arrive(f->s, "k1", PROC, NOW - 5); /* before the choice: not counted */
	assert_int_equal(store_staff_alert_set(f->s, a, PROC, "hourly", NOW), STORE_OK);
	assert_int_equal(store_staff_digest_due(f->s, NOW + 10, NOW + 10, out, 4, &n), STORE_OK);
	assert_int_equal(n, 0); /* nothing arrived since */
	arrive(f->s, "k2", PROC, NOW);
	arrive(f->s, "k3", PROC, NOW + 5);
	arrive(f->s, "k4", PROC2, NOW + 5); /* no alert on it */
	/* not due an hour before the last digest, due after; the arrivals up to now */
	assert_int_equal(store_staff_digest_due(f->s, NOW - 2, NOW + 10, out, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_staff_digest_due(f->s, NOW + 10, NOW + 4, out, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].count, 1);
	assert_int_equal(store_staff_digest_due(f->s, NOW + 10, NOW + 10, out, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].count, 2);
	assert_string_equal(out[0].proc_id, PROC);
	/* covered once: a second sender with the old time is refused */
	assert_int_equal(store_staff_digest_done(f->s, a, PROC, out[0].last_digest_at, NOW + 10),
	                 STORE_OK);
	assert_int_equal(store_staff_digest_done(f->s, a, PROC, out[0].last_digest_at, NOW + 10),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_staff_digest_due(f->s, NOW + 10, NOW + 10, out, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* without the role, no digest */
	arrive(f->s, "k5", PROC, NOW + 20);
	assert_int_equal(store_staff_role_remove(f->s, a, PROC), STORE_OK);
	assert_int_equal(store_staff_digest_due(f->s, NOW + 30, NOW + 30, out, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_list_and_role_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_step_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
