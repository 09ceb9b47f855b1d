/* Unit tests of the login decision (core/login.h) and the throttle counts (core/throttle.h)
 * over a real temporary SQLite store: a good and a bad password, the wait after too many
 * failures (per address, case-folded, and per client), and the store failing under a login
 * attempt (the throttle table renamed away, the account table gone, a failure that cannot be
 * written): each refuses the login (LOGIN_UNAVAILABLE), never lets it through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/login.h"
#include "core/throttle.h"
#include "store/store.h"

#define NOW 1900000000LL
#include "store_fixture.h"

#define PW "correct horse battery staple"
#define EMAIL "taro@example.jp"

static const login_rules RULES = {5, 15 * 60, {1, 1024, 1}};

/* A confirmed account with the password PW (a real argon2id hash). */
static long long account_with_pw(store *s, const char *email)
{
	char hash[STORE_HASH_MAX + 1];
	long long id = 0;
	assert_int_equal(password_hash(&RULES.pw, PW, strlen(PW), hash, sizeof(hash)), 0);
	assert_int_equal(store_account_create(s, email, hash, NOW, &id), STORE_OK);
	assert_int_equal(store_account_set_verified(s, id, NOW), STORE_OK);
	return id;
}

static enum login_result attempt(store *s, const char *email, const char *peer, const char *pw,
                                 long long now, store_account *acct, long long *wait)
{
	return login_attempt(s, &RULES, email, peer, pw, strlen(pw), now, acct, wait);
}

static long long count(store *s, const char *key)
{
	long long n = -1;
	assert_int_equal(store_throttle_count(s, key, 0, &n, NULL), STORE_OK);
	return n;
}

/* SQL on the fixture's database through a connection of its own, as an operator (or a
 * broken disk) would change it under the portal. */
static void sql(const struct fixture *f, const char *q)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

static void test_good_and_bad(void **state)
{
	struct fixture *f = *state;
	store_account acct;
	long long wait = 0, id = account_with_pw(f->s, EMAIL);
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", "wrong password", NOW, &acct, &wait),
	                 LOGIN_BAD);
	assert_int_equal(count(f->s, "login:" EMAIL), 1);
	assert_int_equal(count(f->s, "ip:192.0.2.1"), 1);
	assert_int_equal(attempt(f->s, "nobody@example.jp", "192.0.2.1", PW, NOW, &acct, &wait),
	                 LOGIN_BAD);
	memset(&acct, 0, sizeof(acct));
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait), LOGIN_OK);
	assert_int_equal(acct.id, id);
	assert_int_equal(count(f->s, "login:" EMAIL), 0); /* cleared by the success */
	assert_int_equal(count(f->s, "ip:192.0.2.1"), 2); /* the client's count stays */
}

static void test_unverified(void **state)
{
	struct fixture *f = *state;
	char hash[STORE_HASH_MAX + 1];
	long long id = 0, wait = 0;
	store_account acct;
	assert_int_equal(password_hash(&RULES.pw, PW, strlen(PW), hash, sizeof(hash)), 0);
	assert_int_equal(store_account_create(f->s, EMAIL, hash, NOW, &id), STORE_OK);
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait),
	                 LOGIN_UNVERIFIED);
}

static void test_locked(void **state)
{
	struct fixture *f = *state;
	store_account acct;
	long long wait = 0;
	account_with_pw(f->s, EMAIL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(attempt(f->s, i % 2 ? "Taro@Example.JP" : EMAIL, "192.0.2.1",
		                         "nope", NOW + i, &acct, &wait),
		                 LOGIN_BAD);
	/* five failures of the address, in any case: even the right password waits */
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.9", PW, NOW + 10, &acct, &wait),
	                 LOGIN_LOCKED);
	assert_int_equal(wait, NOW + 15 * 60);
	/* after the window, the password counts again */
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.9", PW, NOW + 15 * 60 + 5, &acct, &wait),
	                 LOGIN_OK);
}

static void test_locked_client(void **state)
{
	struct fixture *f = *state;
	char other[64];
	store_account acct;
	long long wait = 0;
	account_with_pw(f->s, EMAIL);
	for (int i = 0; i < 20; i++) { /* 4 x 5 failures of one client over other addresses */
		snprintf(other, sizeof(other), "u%d@example.jp", i);
		assert_int_equal(attempt(f->s, other, "192.0.2.7", "nope", NOW + i, &acct, &wait),
		                 LOGIN_BAD);
	}
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.7", PW, NOW + 30, &acct, &wait),
	                 LOGIN_LOCKED);
	assert_int_equal(wait, NOW + 15 * 60);
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.8", PW, NOW + 30, &acct, &wait), LOGIN_OK);
}

/* Attempts made at once: each is counted before its password is hashed, so of 8 wrong
 * guesses started together at most max_failures (5) are checked, the others wait; before,
 * all 8 passed the count while they hashed. A slower hash (16 MiB) widens the window. */
static void test_concurrent_guesses(void **state)
{
	struct fixture *f = *state;
	enum { N = 8 };
	static const login_rules SLOW = {5, 15 * 60, {1, 16384, 1}};
	pid_t pids[N];
	int go[2], status, bad = 0, locked = 0;
	account_with_pw(f->s, EMAIL);
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < N; i++) {
		assert_true((pids[i] = fork()) >= 0);
		if (pids[i] == 0) {
			char c, peer[32];
			store_account acct;
			long long wait = 0;
			close(go[1]);
			store *s = second(f);
			if (read(go[0], &c, 1) != 1)
				_exit(99);
			snprintf(peer, sizeof(peer), "192.0.2.%d", 10 + i);
			_exit(login_attempt(s, &SLOW, EMAIL, peer, "nope", 4, NOW, &acct, &wait));
		}
	}
	close(go[0]);
	for (int i = 0; i < N; i++)
		assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	for (int i = 0; i < N; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		bad += WEXITSTATUS(status) == LOGIN_BAD;
		locked += WEXITSTATUS(status) == LOGIN_LOCKED;
	}
	print_message("# %d of %d concurrent wrong guesses checked, %d told to wait\n", bad, N,
	              locked);
	assert_true(bad <= 5);
	assert_int_equal(bad + locked, N);
}

/* The Done-when of issue 11: a store error while the throttle counts are read refuses the
 * login, with the right password, instead of counting 0 failures and letting it through. */
static void test_throttle_unreadable_refuses(void **state)
{
	struct fixture *f = *state;
	store_account acct;
	long long wait = 0;
	account_with_pw(f->s, EMAIL);
	sql(f, "alter table throttle rename to throttle_gone");
	memset(&acct, 0, sizeof(acct));
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait),
	                 LOGIN_UNAVAILABLE);
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", "nope", NOW, &acct, &wait),
	                 LOGIN_UNAVAILABLE);
	/* and the throttle helpers say "cannot tell", not "room" */
	assert_int_equal(throttle_room(f->s, "login:" EMAIL, 0, 5, NULL), -1);
	assert_int_equal(throttle_mail_quota(f->s, EMAIL, NOW), -1);
	sql(f, "alter table throttle_gone rename to throttle");
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait), LOGIN_OK);
}

/* A failed account lookup is neither "found" nor "not found" (a wrong password). */
static void test_lookup_error_refuses(void **state)
{
	struct fixture *f = *state;
	store_account acct;
	long long wait = 0;
	account_with_pw(f->s, EMAIL);
	sql(f, "pragma foreign_keys = off; alter table accounts rename to accounts_gone");
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait),
	                 LOGIN_UNAVAILABLE);
	assert_int_equal(attempt(f->s, "nobody@example.jp", "192.0.2.1", PW, NOW, &acct, &wait),
	                 LOGIN_UNAVAILABLE);
	assert_int_equal(count(f->s, "ip:192.0.2.1"), 0); /* not counted as wrong passwords */
}

/* A failure that cannot be counted refuses too: else a client could try passwords for ever
 * while the throttle rows cannot be written. */
static void test_uncounted_failure_refuses(void **state)
{
	struct fixture *f = *state;
	store_account acct;
	long long wait = 0;
	account_with_pw(f->s, EMAIL);
	sql(f, "create trigger no_throttle before insert on throttle begin "
	       "select raise(abort, 'disk full'); end");
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", "nope", NOW, &acct, &wait),
	                 LOGIN_UNAVAILABLE);
	assert_int_equal(throttle_mail_quota(f->s, EMAIL, NOW), -1);
	/* the right password still logs in: nothing needs writing to the throttle */
	assert_int_equal(attempt(f->s, EMAIL, "192.0.2.1", PW, NOW, &acct, &wait), LOGIN_OK);
}

static void test_mail_quota(void **state)
{
	struct fixture *f = *state;
	char key[STORE_THROTTLE_KEY_MAX + 1];
	throttle_email_key(key, sizeof(key), "mail", "Hanako@Example.JP");
	assert_string_equal(key, "mail:hanako@example.jp");
	for (int i = 0; i < THROTTLE_MAIL_PER_HOUR; i++)
		assert_int_equal(
		    throttle_mail_quota(f->s, i % 2 ? "hanako@example.jp" : "HANAKO@example.jp",
		                        NOW + i),
		    1);
	assert_int_equal(throttle_mail_quota(f->s, "hanako@example.jp", NOW + 10), 0);
	assert_int_equal(count(f->s, key),
	                 THROTTLE_MAIL_PER_HOUR); /* the refused one not counted */
	assert_int_equal(throttle_mail_quota(f->s, "hanako@example.jp", NOW + 3600 + 10), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_and_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unverified, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_locked_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_guesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_throttle_unreadable_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_error_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uncounted_failure_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mail_quota, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
