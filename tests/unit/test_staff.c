/* test_staff: the staff's second factor (core/totp.c over liboath, against the RFC 6238
 * test vectors) and the staff rules of core/staff.c over a temporary SQLite store:
 * invitation, a TOTP step used once, recovery codes used once, and login throttled as
 * residents' logins are. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/staff.h"
#include "core/totp.h"
#include "store/store.h"

#include <liboath/oath.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL /* 2026-04-01, a multiple of 30 plus 20 */

#include "store_fixture.h"

/* RFC 6238 appendix B's SHA-1 key "12345678901234567890" in base32. */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define PW "staff-password-1"

static void test_totp_rfc6238(void **state)
{
	long long step = -1;
	(void)state;
	/* the vectors' 8-digit codes cut to 6: 94287082 at 59 s, 07081804 at 1111111109 s */
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59, &step), 1);
	assert_int_equal(step, 1);
	assert_int_equal(totp_check(RFC_SECRET, "081804", 1111111109, &step), 1);
	assert_int_equal(step, 37037036);
	/* one step either side is accepted, two are not */
	assert_int_equal(totp_check(RFC_SECRET, "081804", 1111111109 + 30, &step), 1);
	assert_int_equal(step, 37037036);
	assert_int_equal(totp_check(RFC_SECRET, "081804", 1111111109 - 30, &step), 1);
	assert_int_equal(totp_check(RFC_SECRET, "081804", 1111111109 + 60, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "081805", 1111111109, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "81804", 1111111109, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "08180a", 1111111109, &step), 0);
}

static void test_totp_secret_uri(void **state)
{
	char a[TOTP_SECRET_B32_MAX + 1], b[TOTP_SECRET_B32_MAX + 1], uri[512];
	(void)state;
	assert_int_equal(totp_secret_new(a, sizeof(a)), 0);
	assert_int_equal(totp_secret_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 32); /* 20 bytes */
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	assert_string_not_equal(a, b);
	assert_int_equal(totp_uri("Madoguchi 市", "kakari@city.example.jp", a, uri, sizeof(uri)),
	                 0);
	assert_non_null(strstr(uri, "otpauth://totp/Madoguchi%20%E5%B8%82:kakari@city.example.jp?"
	                            "secret="));
	assert_non_null(strstr(uri, "&issuer=Madoguchi%20%E5%B8%82&algorithm=SHA1&digits=6"
	                            "&period=30"));
	assert_int_equal(totp_uri("M", "a@b.jp", a, uri, 20), -1);
}

/* An enrolled staff member with the RFC secret and password PW. */
static long long enrolled(store *s, const char *email)
{
	char token[TOKEN_LEN + 1], hash[STORE_HASH_MAX + 1];
	pw_params pp = {1, 1024, 1};
	long long id = 0;
	assert_int_equal(staff_invite(s, email, "窓口 太郎", 0, NOW, token, &id), STORE_OK);
	assert_int_equal(password_hash(&pp, PW, strlen(PW), hash, sizeof(hash)), 0);
	assert_int_equal(store_staff_set_credentials(s, id, hash, RFC_SECRET), STORE_OK);
	assert_int_equal(store_staff_set_enrolled(s, id, NOW), STORE_OK);
	return id;
}

static void test_invite(void **state)
{
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1], hash[65];
	long long id = 0, got = 0;
	assert_int_equal(staff_invite(f->s, "k@city.example.jp", "係長", 1, NOW, token, &id),
	                 STORE_OK);
	token_sha256_hex(token, TOKEN_LEN, hash);
	assert_int_equal(store_staff_enrol_token_get(f->s, hash, NOW + 86399, &got), STORE_OK);
	assert_int_equal(got, id);
	assert_int_equal(store_staff_enrol_token_get(f->s, hash, NOW + 86400, &got),
	                 STORE_ENOTFOUND);
	/* a second invitation of the address changes nothing */
	assert_int_equal(staff_invite(f->s, "K@city.example.jp", "別人", 0, NOW, token, &got),
	                 STORE_ECONFLICT);
	assert_int_equal(got, 0);
}

/* The 6-digit code of the RFC secret at time t, from liboath's generator (totp_check,
 * under test, is checked against the RFC's vectors above). */
static void code_at(long long t, char out[7])
{
	assert_int_equal(oath_totp_generate("12345678901234567890", 20, (time_t)t, TOTP_STEP, 0,
	                                    TOTP_DIGITS, out),
	                 OATH_OK);
}

static void test_second_factor_once(void **state)
{
	struct fixture *f = *state;
	long long id = enrolled(f->s, "t@city.example.jp");
	store_staff st;
	char code[7];
	assert_int_equal(store_staff_by_id(f->s, id, &st), STORE_OK);
	code_at(NOW, code);
	assert_int_equal(staff_second_factor(f->s, &st, code, NOW), 1);
	/* the same code again, even within its step, is refused */
	assert_int_equal(staff_second_factor(f->s, &st, code, NOW + 1), 0);
	/* the previous step's code, still inside the window, is older: refused too */
	code_at(NOW - 30, code);
	assert_int_equal(staff_second_factor(f->s, &st, code, NOW), 0);
	code_at(NOW + 30, code);
	assert_int_equal(staff_second_factor(f->s, &st, code, NOW + 30), 1);
}

static void test_recovery_codes(void **state)
{
	struct fixture *f = *state;
	long long id = enrolled(f->s, "r@city.example.jp"), left = 0;
	char codes[STAFF_RECOVERY_CODES][STAFF_RECOVERY_LEN + 1], typed[32];
	store_staff st;
	assert_int_equal(staff_recovery_new(f->s, id, NOW, codes), STORE_OK);
	assert_int_equal(store_staff_recovery_left(f->s, id, &left), STORE_OK);
	assert_int_equal(left, STAFF_RECOVERY_CODES);
	assert_int_equal(strlen(codes[0]), STAFF_RECOVERY_LEN);
	assert_int_equal(codes[0][5], '-');
	assert_string_not_equal(codes[0], codes[1]);
	assert_int_equal(store_staff_by_id(f->s, id, &st), STORE_OK);
	/* typed in capitals and without the hyphen, it is the same code */
	size_t k = 0;
	for (const char *p = codes[3]; *p; p++)
		if (*p != '-')
			typed[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	typed[k] = '\0';
	assert_int_equal(staff_second_factor(f->s, &st, typed, NOW), 1);
	assert_int_equal(staff_second_factor(f->s, &st, codes[3], NOW), 0);
	assert_int_equal(staff_second_factor(f->s, &st, "aaaaa-aaaaa", NOW), 0);
	assert_int_equal(staff_second_factor(f->s, &st, "01", NOW), 0);
	assert_int_equal(store_staff_recovery_left(f->s, id, &left), STORE_OK);
	assert_int_equal(left, STAFF_RECOVERY_CODES - 1);
}

static void test_login_throttled(void **state)
{
	struct fixture *f = *state;
	login_rules rules = {5, 900, {1, 1024, 1}};
	long long id = enrolled(f->s, "l@city.example.jp"), wait = 0;
	store_staff st;
	char code[7], wrong[16];
	code_at(NOW, code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	/* a wrong password with the right code neither logs in nor uses the step */
	assert_int_equal(staff_login_attempt(f->s, &rules, "l@city.example.jp", "1.2.3.4", "nope",
	                                     4, code, NOW, &st, &wait),
	                 LOGIN_BAD);
	assert_int_equal(staff_login_attempt(f->s, &rules, "L@city.example.jp", "1.2.3.4", PW,
	                                     strlen(PW), code, NOW, &st, &wait),
	                 LOGIN_OK);
	assert_int_equal(st.id, id);
	/* five wrong codes, then the sixth attempt waits, even with a right code */
	for (int i = 0; i < 5; i++)
		assert_int_equal(staff_login_attempt(f->s, &rules, "l@city.example.jp", "1.2.3.4",
		                                     PW, strlen(PW), wrong, NOW + 1, &st, &wait),
		                 LOGIN_BAD);
	code_at(NOW + 30, code);
	assert_int_equal(staff_login_attempt(f->s, &rules, "l@city.example.jp", "1.2.3.4", PW,
	                                     strlen(PW), code, NOW + 30, &st, &wait),
	                 LOGIN_LOCKED);
	assert_int_equal(wait, NOW + 1 + 900);
	/* an unknown address and a staff member not enrolled get the same answer */
	assert_int_equal(staff_login_attempt(f->s, &rules, "x@city.example.jp", "5.6.7.8", PW,
	                                     strlen(PW), code, NOW, &st, &wait),
	                 LOGIN_BAD);
	char token[TOKEN_LEN + 1];
	assert_int_equal(staff_invite(f->s, "n@city.example.jp", "新人", 0, NOW, token, NULL),
	                 STORE_OK);
	assert_int_equal(staff_login_attempt(f->s, &rules, "n@city.example.jp", "5.6.7.8", "", 0,
	                                     code, NOW, &st, &wait),
	                 LOGIN_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_totp_rfc6238),
	    cmocka_unit_test(test_totp_secret_uri),
	    cmocka_unit_test_setup_teardown(test_invite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_second_factor_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recovery_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_throttled, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
