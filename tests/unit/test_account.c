/* Unit tests of the account rules: e-mail and password checks, argon2id hashing, tokens,
 * CSRF checks and return addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/account.h"
#include "http/session.h"
#include "util/token.h"

static void test_email(void **state)
{
	char out[300];
	const char *msg;
	assert_int_equal(
	    account_check_email("  Taro.Yamada+x@Example.JP ", 27, out, sizeof(out), &msg), 0);
	assert_string_equal(out,
	                    "Taro.Yamada+x@example.jp"); /* local part kept, domain lower-cased */
	const char *bad[] = {"",           "plain",         "@example.jp",    "a@",
	                     "a@b",        "a@@b.jp",       "a@b..jp",        "a@.b.jp",
	                     "a@b.jp.",    "あ@example.jp", "a b@example.jp", "a@exa mple.jp",
	                     "a\x01@b.jp", "a@b_c.jp",      "\xff\xfe@b.jp"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = NULL;
		if (account_check_email(bad[i], strlen(bad[i]), out, sizeof(out), &msg) != -1)
			fail_msg("accepted bad address \"%s\"", bad[i]);
		assert_non_null(msg);
	}
	char longaddr[300];
	memset(longaddr, 'a', 250);
	strcpy(longaddr + 250, "@example.jp");
	assert_int_equal(account_check_email(longaddr, strlen(longaddr), out, sizeof(out), &msg),
	                 -1);
	assert_non_null(strstr(msg, "長すぎ"));
}

static void test_password_rules(void **state)
{
	const char *msg;
	assert_int_equal(account_check_password("1234567", 7, &msg), -1);
	assert_non_null(strstr(msg, "8文字以上"));
	assert_int_equal(account_check_password("12345678", 8, &msg), 0);
	/* eight Japanese characters are eight characters, not 24 bytes */
	assert_int_equal(
	    account_check_password("ひらがなカタカナ", strlen("ひらがなカタカナ"), &msg), 0);
	assert_int_equal(account_check_password("ひらがな", strlen("ひらがな"), &msg), -1);
	char pass[600];
	memset(pass, 'x', 257);
	assert_int_equal(account_check_password(pass, 257, &msg), -1);
	assert_int_equal(account_check_password(pass, 256, &msg), 0);
	assert_int_equal(account_check_password("abc\0defghij", 11, &msg), -1);
	assert_int_equal(account_check_password("abcdefgh\n", 9, &msg), -1);
	assert_int_equal(account_check_password("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 8, &msg), -1);
	assert_int_equal(account_check_password("", 0, &msg), -1);
	/* C1 control U+0085 */
	assert_int_equal(account_check_password("abcdefgh\xc2\x85", 10, &msg), -1);
}

static void test_hashing(void **state)
{
	pw_params p = {1, 1024, 1};
	char h1[200], h2[200];
	const char *pw = "correct horse battery staple";
	assert_int_equal(password_hash(&p, pw, strlen(pw), h1, sizeof(h1)), 0);
	assert_int_equal(password_hash(&p, pw, strlen(pw), h2, sizeof(h2)), 0);
	assert_true(strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0);
	assert_string_not_equal(h1, h2); /* a new salt each time */
	assert_true(password_verify(h1, pw, strlen(pw)));
	assert_true(password_verify(h2, pw, strlen(pw)));
	assert_false(password_verify(h1, "correct horse battery stapl", 27));
	assert_false(password_verify(h1, "", 0));
	assert_false(password_verify("$argon2id$garbage", pw, strlen(pw)));
	assert_false(password_verify("", pw, strlen(pw)));
	assert_false(password_verify(NULL, pw, strlen(pw)));
	/* an argon2i hash is not accepted as argon2id */
	assert_false(password_verify("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", pw,
	                             strlen(pw)));
}

static void test_tokens(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], h[65];
	assert_int_equal(token_new(a), 0);
	assert_int_equal(token_new(b), 0);
	assert_int_equal(strlen(a), TOKEN_LEN);
	assert_string_not_equal(a, b);
	for (const char *p = a; *p; p++)
		assert_true(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		           *p) != NULL);
	token_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(token_equal(a, a));
	assert_false(token_equal(a, b));
	assert_false(token_equal("", ""));
	assert_false(token_equal("abc", "abcd"));
}

static void test_csrf(void **state)
{
	req r;
	form f;
	memset(&r, 0, sizeof(r));
	strcpy(r.sess.csrf, "TOKENtokenTOKENtokenTOKENtokenTOKENtoken123");
	const char good[] = "csrf=TOKENtokenTOKENtokenTOKENtokenTOKENtoken123&x=1";
	assert_int_equal(form_parse(&f, good, strlen(good), 10), FORM_OK);
	assert_false(csrf_ok(&r, &f)); /* no session: never */
	r.has_session = 1;
	assert_true(csrf_ok(&r, &f));
	form_release(&f);
	const char *bad[] = {"x=1", "csrf=", "csrf=TOKENtokenTOKENtokenTOKENtokenTOKENtoken124",
	                     "csrf=TOKENtokenTOKENtokenTOKENtokenTOKENtoken12"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(form_parse(&f, bad[i], strlen(bad[i]), 10), FORM_OK);
		assert_false(csrf_ok(&r, &f));
		form_release(&f);
	}
	/* a session whose token is empty accepts nothing */
	r.sess.csrf[0] = '\0';
	assert_int_equal(form_parse(&f, "csrf=", 5, 10), FORM_OK);
	assert_false(csrf_ok(&r, &f));
	form_release(&f);
}

static void test_return_path(void **state)
{
	char out[64];
	return_path("/procedures/x/start", out, sizeof(out));
	assert_string_equal(out, "/procedures/x/start");
	const char *bad[] = {"https://evil.example/",
	                     "//evil.example/",
	                     "/\\evil.example",
	                     "evil",
	                     "https:evil",
	                     "/a\r\nLocation: x",
	                     "",
	                     NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		return_path(bad[i], out, sizeof(out));
		assert_string_equal(out, "");
	}
	char longp[100];
	memset(longp, 'a', 99);
	longp[0] = '/';
	longp[99] = '\0';
	return_path(longp, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_email),   cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_hashing), cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_csrf),    cmocka_unit_test(test_return_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
