/* test_store_staff: staff accounts, their roles per procedure, the TOTP steps they used,
 * recovery codes, enrolment tokens and staff sessions, on a migrated SQLite database in a
 * fresh temporary directory (store_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define NOW 1775000000LL /* 2026-04-01 */

#include "store_fixture.h"

static long long new_staff(store *s, const char *email, int is_admin)
{
	long long id = 0;
	int rc = store_staff_create(s, email, "窓口 太郎", is_admin, NOW, &id);
	if (rc != STORE_OK)
		fail_msg("staff %s: %s: %s", email, store_strerror(rc), store_errmsg(s));
	assert_true(id > 0);
	return id;
}

static void test_staff_create_get(void **state)
{
	struct fixture *f = *state;
	store_staff st;
	long long id = new_staff(f->s, "Kakari@City.Example.JP", 1), id2 = 0;

	assert_int_equal(store_staff_by_email(f->s, "kakari@city.example.jp", &st), STORE_OK);
	assert_int_equal(st.id, id);
	assert_string_equal(st.email, "Kakari@City.Example.JP");
	assert_string_equal(st.name, "窓口 太郎");
	assert_int_equal(st.is_admin, 1);
	assert_string_equal(st.pw_hash, "");
	assert_string_equal(st.totp_secret, "");
	assert_int_equal(st.created_at, NOW);
	assert_int_equal(st.enrolled_at, 0);
	/* the folded address is taken, whatever its case */
	assert_int_equal(store_staff_create(f->s, "KAKARI@city.example.jp", "別人", 0, NOW, &id2),
	                 STORE_ECONFLICT);
	assert_int_equal(id2, 0);
	assert_int_equal(store_staff_by_id(f->s, id + 1, &st), STORE_ENOTFOUND);
	/* a resident with the same address is someone else: staff are not accounts */
	store_account a;
	assert_int_equal(store_account_by_email(f->s, "kakari@city.example.jp", &a),
	                 STORE_ENOTFOUND);
}

static void test_staff_enrol(void **state)
{
	struct fixture *f = *state;
	store_staff st;
	long long id = new_staff(f->s, "a@city.example.jp", 0);

	assert_int_equal(store_staff_set_credentials(f->s, id, FIXTURE_PW_HASH, "JBSWY3DPEHPK3PXP"),
	                 STORE_OK);
	assert_int_equal(store_staff_set_enrolled(f->s, id, NOW + 5), STORE_OK);
	assert_int_equal(store_staff_by_id(f->s, id, &st), STORE_OK);
	assert_string_equal(st.pw_hash, FIXTURE_PW_HASH);
	assert_string_equal(st.totp_secret, "JBSWY3DPEHPK3PXP");
	assert_int_equal(st.enrolled_at, NOW + 5);
	/* a secret outside base32's alphabet, an empty hash, an absent staff member */
	assert_int_equal(store_staff_set_credentials(f->s, id, FIXTURE_PW_HASH, "jbswy3dp"),
	                 STORE_EINPUT);
	assert_int_equal(store_staff_set_credentials(f->s, id, "", "JBSWY3DP"), STORE_EINPUT);
	assert_int_equal(store_staff_set_credentials(f->s, id + 9, FIXTURE_PW_HASH, "JBSWY3DP"),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_staff_set_enrolled(f->s, id + 9, NOW), STORE_ENOTFOUND);
}

static void test_staff_roles(void **state)
{
	struct fixture *f = *state;
	store_staff_role roles[4];
	size_t n = 9;
	long long id = new_staff(f->s, "r@city.example.jp", 0);

	assert_int_equal(store_staff_roles(f->s, id, roles, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_staff_role_set(f->s, id, "kaigo-volunteer-point", "viewer"),
	                 STORE_OK);
	assert_int_equal(store_staff_role_set(f->s, id, "juminhyo", "reviewer"), STORE_OK);
	/* a second role for the same procedure replaces the first */
	assert_int_equal(store_staff_role_set(f->s, id, "kaigo-volunteer-point", "reviewer"),
	                 STORE_OK);
	assert_int_equal(store_staff_roles(f->s, id, roles, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(roles[0].proc_id, "juminhyo");
	assert_string_equal(roles[0].role, "reviewer");
	assert_string_equal(roles[1].proc_id, "kaigo-volunteer-point");
	assert_string_equal(roles[1].role, "reviewer");
	assert_int_equal(store_staff_roles(f->s, id, roles, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_staff_role_set(f->s, id, "juminhyo", "admin"), STORE_EINPUT);
	assert_int_equal(store_staff_role_set(f->s, id, "bad id", "viewer"), STORE_EINPUT);
	assert_int_equal(store_staff_role_set(f->s, id + 1, "juminhyo", "viewer"), STORE_ENOTFOUND);
}

static void test_staff_totp_steps(void **state)
{
	struct fixture *f = *state;
	long long id = new_staff(f->s, "t@city.example.jp", 0);
	long long other = new_staff(f->s, "u@city.example.jp", 0);
	long long step = NOW / 30;

	assert_int_equal(store_staff_totp_use(f->s, id, step), STORE_OK);
	/* the same step again, and an earlier one, are refused */
	assert_int_equal(store_staff_totp_use(f->s, id, step), STORE_ECONFLICT);
	assert_int_equal(store_staff_totp_use(f->s, id, step - 1), STORE_ECONFLICT);
	/* another staff member's steps are their own */
	assert_int_equal(store_staff_totp_use(f->s, other, step), STORE_OK);
	assert_int_equal(store_staff_totp_use(f->s, id, step + 1), STORE_OK);
	assert_int_equal(store_staff_totp_use(f->s, id, step + 1), STORE_ECONFLICT);
	assert_int_equal(store_staff_totp_use(f->s, id + other, step), STORE_ENOTFOUND);
	assert_int_equal(store_staff_totp_use(f->s, id, -1), STORE_EINPUT);
}

static void test_staff_recovery(void **state)
{
	struct fixture *f = *state;
	long long id = new_staff(f->s, "c@city.example.jp", 0), left = -1;
	char h[3][65];
	const char *hashes[3];

	for (unsigned i = 0; i < 3; i++) {
		hash_of(100 + i, h[i]);
		hashes[i] = h[i];
	}
	assert_int_equal(store_staff_recovery_set(f->s, id, hashes, 2, NOW), STORE_OK);
	assert_int_equal(store_staff_recovery_left(f->s, id, &left), STORE_OK);
	assert_int_equal(left, 2);
	assert_int_equal(store_staff_recovery_use(f->s, id, h[0], NOW + 1), STORE_OK);
	/* single use; a code not given; another staff member's code */
	assert_int_equal(store_staff_recovery_use(f->s, id, h[0], NOW + 2), STORE_ENOTFOUND);
	assert_int_equal(store_staff_recovery_use(f->s, id, h[2], NOW + 2), STORE_ENOTFOUND);
	long long other = new_staff(f->s, "d@city.example.jp", 0);
	assert_int_equal(store_staff_recovery_use(f->s, other, h[1], NOW + 2), STORE_ENOTFOUND);
	assert_int_equal(store_staff_recovery_left(f->s, id, &left), STORE_OK);
	assert_int_equal(left, 1);
	/* a new set replaces the old one: the unused old code no longer works */
	assert_int_equal(store_staff_recovery_set(f->s, id, hashes + 2, 1, NOW + 3), STORE_OK);
	assert_int_equal(store_staff_recovery_use(f->s, id, h[1], NOW + 4), STORE_ENOTFOUND);
	assert_int_equal(store_staff_recovery_use(f->s, id, h[2], NOW + 4), STORE_OK);
	assert_int_equal(store_staff_recovery_set(f->s, id, hashes, 0, NOW), STORE_EINPUT);
	hashes[0] = "not-a-hash";
	assert_int_equal(store_staff_recovery_set(f->s, id, hashes, 1, NOW), STORE_EINPUT);
}

static void test_staff_enrol_token(void **state)
{
	struct fixture *f = *state;
	long long id = new_staff(f->s, "e@city.example.jp", 1), got = -1;
	char t[65], u[65];

	hash_of(7, t);
	hash_of(8, u);
	assert_int_equal(store_staff_enrol_token_create(f->s, t, id, NOW + 86400), STORE_OK);
	assert_int_equal(store_staff_enrol_token_create(f->s, t, id, NOW + 86400), STORE_ECONFLICT);
	assert_int_equal(store_staff_enrol_token_create(f->s, u, id + 1, NOW + 60),
	                 STORE_ENOTFOUND);
	/* get does not use it up */
	assert_int_equal(store_staff_enrol_token_get(f->s, t, NOW, &got), STORE_OK);
	assert_int_equal(got, id);
	assert_int_equal(store_staff_enrol_token_get(f->s, t, NOW + 1, &got), STORE_OK);
	/* expired at expires_at */
	assert_int_equal(store_staff_enrol_token_get(f->s, t, NOW + 86400, &got), STORE_ENOTFOUND);
	assert_int_equal(got, 0);
	assert_int_equal(store_staff_enrol_token_consume(f->s, t, NOW + 86400, &got),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_staff_enrol_token_consume(f->s, t, NOW + 2, &got), STORE_OK);
	assert_int_equal(got, id);
	/* single use */
	assert_int_equal(store_staff_enrol_token_consume(f->s, t, NOW + 3, &got), STORE_ENOTFOUND);
	assert_int_equal(store_staff_enrol_token_get(f->s, t, NOW + 3, &got), STORE_ENOTFOUND);
	assert_int_equal(store_staff_enrol_token_get(f->s, u, NOW, &got), STORE_ENOTFOUND);
}

static void test_staff_sessions(void **state)
{
	struct fixture *f = *state;
	long long id = new_staff(f->s, "s@city.example.jp", 0);
	long long resident = new_account(f->s, "s@city.example.jp");
	store_session sess, out;

	memset(&sess, 0, sizeof(sess));
	hash_of(1, sess.id_hash);
	sess.account_id = id;
	snprintf(sess.csrf, sizeof(sess.csrf), "csrf-token");
	sess.created_at = sess.last_seen = NOW;
	assert_int_equal(store_staff_session_create(f->s, &sess), STORE_OK);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_OK);
	assert_int_equal(out.account_id, id);
	assert_string_equal(out.csrf, "csrf-token");
	/* a staff session is not a resident's session, nor the other way round */
	assert_int_equal(store_session_get(f->s, sess.id_hash, &out), STORE_ENOTFOUND);
	hash_of(2, sess.id_hash);
	sess.account_id = resident;
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_ENOTFOUND);
	hash_of(1, sess.id_hash);
	assert_int_equal(store_staff_session_touch(f->s, sess.id_hash, NOW + 60), STORE_OK);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_OK);
	assert_int_equal(out.last_seen, NOW + 60);
	assert_int_equal(store_staff_session_delete(f->s, sess.id_hash), STORE_OK);
	assert_int_equal(store_staff_session_delete(f->s, sess.id_hash), STORE_ENOTFOUND);
	/* expiry: idle since before NOW + 100, or created before NOW - 1 */
	hash_of(3, sess.id_hash);
	sess.account_id = id;
	sess.created_at = NOW;
	sess.last_seen = NOW + 200;
	assert_int_equal(store_staff_session_create(f->s, &sess), STORE_OK);
	hash_of(4, sess.id_hash);
	sess.last_seen = NOW + 50;
	assert_int_equal(store_staff_session_create(f->s, &sess), STORE_OK);
	assert_int_equal(store_staff_sessions_expire(f->s, NOW + 100, NOW - 1), STORE_OK);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_ENOTFOUND);
	hash_of(3, sess.id_hash);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_OK);
	assert_int_equal(store_staff_sessions_expire(f->s, 0, NOW + 1), STORE_OK);
	assert_int_equal(store_staff_session_get(f->s, sess.id_hash, &out), STORE_ENOTFOUND);
	/* the residents' expiry leaves staff sessions alone, and the other way round */
	hash_of(2, sess.id_hash);
	assert_int_equal(store_staff_sessions_expire(f->s, NOW + 1000, NOW + 1000), STORE_OK);
	assert_int_equal(store_session_get(f->s, sess.id_hash, &out), STORE_OK);
	/* every staff session has a staff member */
	sess.account_id = 0;
	assert_int_equal(store_staff_session_create(f->s, &sess), STORE_EINPUT);
}

static void test_staff_input(void **state)
{
	struct fixture *f = *state;
	store_staff st;
	long long id = 0;
	char longname[STORE_STAFF_NAME_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(store_staff_create(f->s, "x@city.example.jp", "", 0, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_staff_create(f->s, "x@city.example.jp", longname, 0, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_staff_create(f->s, "x@city.example.jp", "名\n前", 0, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_staff_create(f->s, "x@city.example.jp", "名前", 2, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_staff_create(f->s, "", "名前", 0, NOW, &id), STORE_EINPUT);
	assert_int_equal(store_staff_by_email(f->s, "x@city.example.jp", &st), STORE_ENOTFOUND);
	assert_int_equal(store_staff_by_id(f->s, 0, &st), STORE_EINPUT);
	assert_int_equal(store_staff_by_id(NULL, 1, &st), STORE_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_staff_create_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_enrol, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_totp_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_recovery, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_enrol_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staff_input, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
