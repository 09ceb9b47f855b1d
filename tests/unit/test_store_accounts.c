/* test_store_accounts: accounts, single-use tokens, sessions, throttling, the mail outbox
 * and transactions of the storage interface, on a migrated SQLite database file in a fresh
 * temporary directory. Races (two senders, a token used twice at once) run on several
 * connections to the same file from several threads, as several portal processes would. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1775000000LL /* 2026-04-01 */
#define HASH_A FIXTURE_PW_HASH
#define HASH_B "$argon2id$v=19$m=65536,t=3,p=1$b3RoZXJzYWx0$b3RoZXJoYXNoaGFzaGhhc2g"

#include "store_fixture.h"

static void test_account_create_get(void **state)
{
	struct fixture *f = *state;
	store_account a;
	long long id = 0, id2 = 0;

	assert_int_equal(store_account_create(f->s, "Taro.Yamada@example.jp", HASH_A, NOW, &id),
	                 STORE_OK);
	assert_true(id > 0);
	memset(&a, 0x55, sizeof(a));
	assert_int_equal(store_account_by_id(f->s, id, &a), STORE_OK);
	assert_int_equal(a.id, id);
	assert_string_equal(a.email, "Taro.Yamada@example.jp"); /* kept as given */
	assert_string_equal(a.pw_hash, HASH_A);
	assert_int_equal(a.created_at, NOW);
	assert_int_equal(a.verified_at, 0);
	/* Found whatever the case of the address. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_account_by_email(f->s, "taro.yamada@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, id);
	assert_int_equal(store_account_by_email(f->s, "TARO.YAMADA@EXAMPLE.JP", &a), STORE_OK);
	assert_int_equal(a.id, id);
	assert_string_equal(a.email, "Taro.Yamada@example.jp");
	assert_int_equal(store_account_by_email(f->s, "hanako@example.jp", &a), STORE_ENOTFOUND);
	assert_int_equal(store_account_by_id(f->s, id + 1000, &a), STORE_ENOTFOUND);
	/* A second account gets another id; NULL id is allowed. */
	assert_int_equal(store_account_create(f->s, "hanako@example.jp", HASH_B, NOW + 1, &id2),
	                 STORE_OK);
	assert_true(id2 > id);
	assert_int_equal(store_account_create(f->s, "jiro@example.jp", HASH_B, NOW, NULL),
	                 STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "jiro@example.jp", &a), STORE_OK);
	/* A Japanese local part (SMTPUTF8) is kept byte for byte. */
	assert_int_equal(store_account_create(f->s, "山田@example.jp", HASH_B, NOW, &id2),
	                 STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "山田@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, id2);
}

/* The one folding rule that account lookups and the per-address throttles share: ASCII
 * letters lower-cased, every other byte kept; it may fold in place. */
static void test_email_key(void **state)
{
	struct fixture *f = *state;
	store_account a;
	char key[64], in_place[] = "LockMe2@Example.JP";
	long long id = 0;

	store_email_key("LOCKME2@example.jp", key);
	assert_string_equal(key, "lockme2@example.jp");
	store_email_key("A+\xc3\x89z@EX-1.jp", key);
	assert_string_equal(key, "a+\xc3\x89z@ex-1.jp");
	store_email_key(in_place, in_place);
	assert_string_equal(in_place, "lockme2@example.jp");
	assert_int_equal(store_account_create(f->s, "LockMe2@example.jp", HASH_A, NOW, &id),
	                 STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "lockme2@EXAMPLE.jp", &a), STORE_OK);
	assert_int_equal(a.id, id);
}

static void test_account_duplicate(void **state)
{
	struct fixture *f = *state;
	store_account a;
	long long id = new_account(f->s, "taro@example.jp"), other = 0;

	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_B, NOW, &other),
	                 STORE_ECONFLICT);
	assert_int_equal(other, 0);
	assert_int_equal(store_account_create(f->s, "TARO@Example.JP", HASH_B, NOW, &other),
	                 STORE_ECONFLICT);
	assert_int_equal(store_account_create(f->s, "Taro@example.jp", HASH_B, NOW, NULL),
	                 STORE_ECONFLICT);
	/* The first one is untouched. */
	assert_int_equal(store_account_by_email(f->s, "taro@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, id);
	assert_string_equal(a.pw_hash, HASH_A);
	/* A message for the log. */
	assert_true(strlen(store_errmsg(f->s)) > 0);
	assert_string_equal(store_strerror(STORE_ECONFLICT), "already exists");
}

static void test_account_verify_password(void **state)
{
	struct fixture *f = *state;
	store_account a;
	long long id = new_account(f->s, "taro@example.jp");

	assert_int_equal(store_account_set_verified(f->s, id, NOW + 60), STORE_OK);
	assert_int_equal(store_account_by_id(f->s, id, &a), STORE_OK);
	assert_int_equal(a.verified_at, NOW + 60);
	assert_int_equal(store_account_set_password(f->s, id, HASH_B), STORE_OK);
	assert_int_equal(store_account_by_id(f->s, id, &a), STORE_OK);
	assert_string_equal(a.pw_hash, HASH_B);
	assert_int_equal(a.verified_at, NOW + 60);
	assert_string_equal(a.email, "taro@example.jp");
	/* Absent accounts. */
	assert_int_equal(store_account_set_verified(f->s, id + 99, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_account_set_password(f->s, id + 99, HASH_B), STORE_ENOTFOUND);
}

static void test_account_set_email(void **state)
{
	struct fixture *f = *state;
	store_account a;
	long long taro = new_account(f->s, "taro@example.jp");
	long long hanako = new_account(f->s, "hanako@example.jp");

	assert_int_equal(store_account_set_email(f->s, taro, "taro.new@example.jp"), STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "taro@example.jp", &a), STORE_ENOTFOUND);
	assert_int_equal(store_account_by_email(f->s, "Taro.New@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, taro);
	assert_string_equal(a.email, "taro.new@example.jp");
	/* Another account's address, in any case: a conflict, nothing changes. */
	assert_int_equal(store_account_set_email(f->s, taro, "HANAKO@example.jp"), STORE_ECONFLICT);
	assert_int_equal(store_account_by_id(f->s, taro, &a), STORE_OK);
	assert_string_equal(a.email, "taro.new@example.jp");
	assert_int_equal(store_account_by_email(f->s, "hanako@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, hanako);
	/* Its own address in another case: allowed, stored as given now. */
	assert_int_equal(store_account_set_email(f->s, taro, "Taro.New@example.jp"), STORE_OK);
	assert_int_equal(store_account_by_id(f->s, taro, &a), STORE_OK);
	assert_string_equal(a.email, "Taro.New@example.jp");
	/* The old address is free again. */
	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_A, NOW, NULL),
	                 STORE_OK);
	assert_int_equal(store_account_set_email(f->s, taro + hanako + 99, "x@example.jp"),
	                 STORE_ENOTFOUND);
}

static void test_account_delete_cascades(void **state)
{
	struct fixture *f = *state;
	store_account a;
	store_session sess, got;
	char tok[65], tok2[65];
	long long taro = new_account(f->s, "taro@example.jp");
	long long hanako = new_account(f->s, "hanako@example.jp");
	long long acct = 0, again = 0;

	hash_of(1, tok);
	hash_of(2, tok2);
	assert_int_equal(store_token_create(f->s, "verify", tok, taro, NULL, NOW + 3600), STORE_OK);
	assert_int_equal(store_token_create(f->s, "verify", tok2, hanako, NULL, NOW + 3600),
	                 STORE_OK);
	memset(&sess, 0, sizeof(sess));
	hash_of(10, sess.id_hash);
	sess.account_id = taro;
	snprintf(sess.csrf, sizeof(sess.csrf), "csrf-taro");
	sess.created_at = sess.last_seen = NOW;
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	hash_of(11, sess.id_hash);
	sess.account_id = hanako;
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);

	assert_int_equal(store_account_delete(f->s, taro), STORE_OK);
	assert_int_equal(store_account_by_id(f->s, taro, &a), STORE_ENOTFOUND);
	assert_int_equal(store_account_by_email(f->s, "taro@example.jp", &a), STORE_ENOTFOUND);
	hash_of(10, sess.id_hash);
	assert_int_equal(store_session_get(f->s, sess.id_hash, &got), STORE_ENOTFOUND);
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	/* The other account keeps everything. */
	hash_of(11, sess.id_hash);
	assert_int_equal(store_session_get(f->s, sess.id_hash, &got), STORE_OK);
	assert_int_equal(got.account_id, hanako);
	assert_int_equal(store_token_consume(f->s, "verify", tok2, NOW, &acct, NULL, 0), STORE_OK);
	assert_int_equal(acct, hanako);
	assert_int_equal(store_account_delete(f->s, taro), STORE_ENOTFOUND);
	/* The id of a deleted account is never given out again. */
	assert_int_equal(store_account_delete(f->s, hanako), STORE_OK);
	assert_int_equal(store_account_create(f->s, "saburo@example.jp", HASH_A, NOW, &again),
	                 STORE_OK);
	assert_true(again > hanako);
}

/* ---- tokens ---- */

static void test_token_once(void **state)
{
	struct fixture *f = *state;
	char tok[65], data[STORE_TOKEN_DATA_MAX];
	long long id = new_account(f->s, "taro@example.jp"), acct = 0;

	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "verify", tok, id, NULL, NOW + 3600), STORE_OK);
	/* The same hash twice is a conflict. */
	assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW + 3600),
	                 STORE_ECONFLICT);
	memset(data, 'x', sizeof(data));
	assert_int_equal(
	    store_token_consume(f->s, "verify", tok, NOW + 10, &acct, data, sizeof(data)),
	    STORE_OK);
	assert_int_equal(acct, id);
	assert_string_equal(data, ""); /* no data */
	acct = 77;
	assert_int_equal(
	    store_token_consume(f->s, "verify", tok, NOW + 11, &acct, data, sizeof(data)),
	    STORE_ENOTFOUND);
	assert_int_equal(acct, 0);
	/* Unknown. */
	hash_of(2, tok);
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
}

static void test_token_expired_kind_data(void **state)
{
	struct fixture *f = *state;
	char tok[65], data[STORE_TOKEN_DATA_MAX], big[STORE_TOKEN_DATA_MAX];
	long long id = new_account(f->s, "taro@example.jp"), acct = 0;

	/* Expired: at expires_at it is no longer valid. */
	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW + 1, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW - 1, &acct, NULL, 0),
	                 STORE_OK);
	assert_int_equal(acct, id);

	/* Wrong kind: not found, and not used up by the attempt. */
	hash_of(2, tok);
	assert_int_equal(
	    store_token_create(f->s, "email", tok, id, "taro.new@example.jp", NOW + 600), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, data, sizeof(data)),
	                 STORE_ENOTFOUND);
	assert_string_equal(data, "");
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW, &acct, data, sizeof(data)),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_token_consume(f->s, "email", tok, NOW, &acct, data, sizeof(data)),
	                 STORE_OK);
	assert_int_equal(acct, id);
	assert_string_equal(data, "taro.new@example.jp");

	/* The longest data that fits the caller's buffer comes back whole. */
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hash_of(3, tok);
	assert_int_equal(store_token_create(f->s, "email", tok, id, big, NOW + 600), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "email", tok, NOW, &acct, data, sizeof(data)),
	                 STORE_OK);
	assert_string_equal(data, big);
	/* Data without the caller's account pointer. */
	hash_of(4, tok);
	assert_int_equal(store_token_create(f->s, "email", tok, id, "日本語のデータ", NOW + 600),
	                 STORE_OK);
	assert_int_equal(store_token_consume(f->s, "email", tok, NOW, NULL, data, sizeof(data)),
	                 STORE_OK);
	assert_string_equal(data, "日本語のデータ");
}

static void test_tokens_delete(void **state)
{
	struct fixture *f = *state;
	char t1[65], t2[65], t3[65], t4[65];
	long long id = new_account(f->s, "taro@example.jp");
	long long other = new_account(f->s, "hanako@example.jp"), acct = 0;

	hash_of(1, t1);
	hash_of(2, t2);
	hash_of(3, t3);
	hash_of(4, t4);
	assert_int_equal(store_token_create(f->s, "verify", t1, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_token_create(f->s, "reset", t2, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_token_create(f->s, "reset", t3, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_token_create(f->s, "reset", t4, other, NULL, NOW + 600), STORE_OK);

	assert_int_equal(store_tokens_delete(f->s, id, "reset"), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", t2, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_token_consume(f->s, "reset", t3, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	/* Other kinds and other accounts stay. */
	assert_int_equal(store_token_consume(f->s, "reset", t4, NOW, &acct, NULL, 0), STORE_OK);
	assert_int_equal(acct, other);
	/* Deleted, not merely used up: the hash can be stored again. */
	assert_int_equal(store_token_create(f->s, "reset", t2, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_tokens_delete(f->s, id, "reset"), STORE_OK);

	/* NULL: every kind. Nothing to delete is fine. */
	assert_int_equal(store_tokens_delete(f->s, id, NULL), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "verify", t1, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_tokens_delete(f->s, id, NULL), STORE_OK);
	assert_int_equal(store_tokens_delete(f->s, id, "verify"), STORE_OK);
	/* A token for an account that does not exist. */
	hash_of(5, t1);
	assert_int_equal(store_token_create(f->s, "verify", t1, id + other + 99, NULL, NOW + 600),
	                 STORE_ENOTFOUND);
}

/* Several connections in several threads use one token at the same instant. */
#define RACERS 6
struct racer {
	const char *path;
	const char *tok;
	pthread_barrier_t *go;
	int rc;
	long long acct;
};

static void *consume_racer(void *arg)
{
	struct racer *r = arg;
	char err[256];
	store *s = NULL;

	r->rc = -1;
	if (store_open(r->path, &s, err, sizeof(err)) != STORE_OK) {
		pthread_barrier_wait(r->go);
		return NULL;
	}
	pthread_barrier_wait(r->go);
	r->rc = store_token_consume(s, "reset", r->tok, NOW, &r->acct, NULL, 0);
	store_close(s);
	return NULL;
}

static void test_token_race(void **state)
{
	struct fixture *f = *state;
	char tok[65];
	long long id = new_account(f->s, "taro@example.jp"), acct = 0;
	pthread_t th[RACERS];
	struct racer r[RACERS];
	pthread_barrier_t go;
	store *s2 = second(f);
	int i, ok = 0, notfound = 0, round;

	/* Two connections one after the other: the second sees it used. */
	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_token_consume(s2, "reset", tok, NOW, &acct, NULL, 0), STORE_OK);
	assert_int_equal(acct, id);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	store_close(s2);

	/* At the same time, several rounds: exactly one wins each. */
	for (round = 0; round < 5; round++) {
		hash_of(100 + (unsigned)round, tok);
		assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW + 600),
		                 STORE_OK);
		assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
		for (i = 0; i < RACERS; i++) {
			r[i] = (struct racer){.path = f->path, .tok = tok, .go = &go};
			assert_int_equal(pthread_create(&th[i], NULL, consume_racer, &r[i]), 0);
		}
		ok = notfound = 0;
		for (i = 0; i < RACERS; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			if (r[i].rc == STORE_OK) {
				ok++;
				assert_int_equal(r[i].acct, id);
			} else if (r[i].rc == STORE_ENOTFOUND) {
				notfound++;
				assert_int_equal(r[i].acct, 0);
			}
		}
		pthread_barrier_destroy(&go);
		assert_int_equal(ok, 1);
		assert_int_equal(notfound, RACERS - 1);
	}
}

/* ---- sessions ---- */

static store_session session(unsigned n, long long account_id, long long created, long long seen)
{
	store_session sess;
	memset(&sess, 0, sizeof(sess));
	hash_of(n, sess.id_hash);
	sess.account_id = account_id;
	snprintf(sess.csrf, sizeof(sess.csrf), "csrf-%u-0123456789abcdef", n);
	sess.created_at = created;
	sess.last_seen = seen;
	return sess;
}

static int session_exists(store *s, unsigned n)
{
	char h[65];
	store_session got;
	int rc;
	hash_of(n, h);
	rc = store_session_get(s, h, &got);
	assert_true(rc == STORE_OK || rc == STORE_ENOTFOUND);
	return rc == STORE_OK;
}

static void test_session_lifecycle(void **state)
{
	struct fixture *f = *state;
	long long id = new_account(f->s, "taro@example.jp");
	store_session anon = session(1, 0, NOW, NOW), user = session(2, id, NOW, NOW + 5), got;

	assert_int_equal(store_session_create(f->s, &anon), STORE_OK);
	assert_int_equal(store_session_create(f->s, &user), STORE_OK);
	assert_int_equal(store_session_create(f->s, &user), STORE_ECONFLICT);

	memset(&got, 0x55, sizeof(got));
	assert_int_equal(store_session_get(f->s, anon.id_hash, &got), STORE_OK);
	assert_string_equal(got.id_hash, anon.id_hash);
	assert_int_equal(got.account_id, 0); /* NULL in the table */
	assert_string_equal(got.csrf, anon.csrf);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.last_seen, NOW);
	assert_int_equal(store_session_get(f->s, user.id_hash, &got), STORE_OK);
	assert_int_equal(got.account_id, id);
	assert_int_equal(got.last_seen, NOW + 5);

	assert_int_equal(store_session_touch(f->s, user.id_hash, NOW + 300), STORE_OK);
	assert_int_equal(store_session_get(f->s, user.id_hash, &got), STORE_OK);
	assert_int_equal(got.last_seen, NOW + 300);
	assert_int_equal(got.created_at, NOW);

	assert_int_equal(store_session_delete(f->s, anon.id_hash), STORE_OK);
	assert_int_equal(store_session_get(f->s, anon.id_hash, &got), STORE_ENOTFOUND);
	assert_int_equal(store_session_delete(f->s, anon.id_hash), STORE_ENOTFOUND);
	assert_int_equal(store_session_touch(f->s, anon.id_hash, NOW), STORE_ENOTFOUND);
	assert_true(session_exists(f->s, 2));

	/* A session of an account that does not exist. */
	anon = session(3, id + 99, NOW, NOW);
	assert_int_equal(store_session_create(f->s, &anon), STORE_ENOTFOUND);
	assert_false(session_exists(f->s, 3));
}

static void test_sessions_delete_for_account(void **state)
{
	struct fixture *f = *state;
	long long taro = new_account(f->s, "taro@example.jp");
	long long hanako = new_account(f->s, "hanako@example.jp");
	store_session sess;
	unsigned n;
	char keep[65];

	for (n = 1; n <= 3; n++) {
		sess = session(n, taro, NOW, NOW);
		assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	}
	sess = session(4, hanako, NOW, NOW);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	sess = session(5, 0, NOW, NOW);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);

	/* Keep the one in use (a password change from this browser). */
	hash_of(2, keep);
	assert_int_equal(store_sessions_delete_for_account(f->s, taro, keep), STORE_OK);
	assert_false(session_exists(f->s, 1));
	assert_true(session_exists(f->s, 2));
	assert_false(session_exists(f->s, 3));
	assert_true(session_exists(f->s, 4));
	assert_true(session_exists(f->s, 5));
	/* NULL: all of them; another account's hash as keep_hash keeps nothing of this one. */
	hash_of(4, keep);
	assert_int_equal(store_sessions_delete_for_account(f->s, taro, keep), STORE_OK);
	assert_false(session_exists(f->s, 2));
	assert_true(session_exists(f->s, 4));
	assert_int_equal(store_sessions_delete_for_account(f->s, hanako, NULL), STORE_OK);
	assert_false(session_exists(f->s, 4));
	assert_true(session_exists(f->s, 5));
	assert_int_equal(store_sessions_delete_for_account(f->s, hanako, NULL), STORE_OK);
}

static void test_sessions_expire(void **state)
{
	struct fixture *f = *state;
	long long id = new_account(f->s, "taro@example.jp");
	store_session sess;

	/* 1: idle too long; 2: too old although active; 3: fresh; 4: exactly at the limits. */
	sess = session(1, id, NOW - 100, NOW - 50);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	sess = session(2, 0, NOW - 5000, NOW - 1);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	sess = session(3, id, NOW - 10, NOW - 1);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	sess = session(4, 0, NOW - 1000, NOW - 30);
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);

	assert_int_equal(store_sessions_expire(f->s, NOW - 30, NOW - 1000), STORE_OK);
	assert_false(session_exists(f->s, 1));
	assert_false(session_exists(f->s, 2));
	assert_true(session_exists(f->s, 3));
	assert_true(session_exists(f->s, 4)); /* strictly before */
	assert_int_equal(store_sessions_expire(f->s, NOW, NOW), STORE_OK);
	assert_false(session_exists(f->s, 3));
	assert_false(session_exists(f->s, 4));
}

/* ---- throttling ---- */

static void test_throttle(void **state)
{
	struct fixture *f = *state;
	long long count = -1, oldest = -1;
	int i;

	assert_int_equal(
	    store_throttle_count(f->s, "login:taro@example.jp", NOW - 900, &count, &oldest),
	    STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(oldest, 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(
		    store_throttle_add(f->s, "login:taro@example.jp", NOW - 1000 + i * 300),
		    STORE_OK);
	/* at NOW-1000, -700, -400, -100, +200 */
	assert_int_equal(store_throttle_add(f->s, "ip:192.0.2.1", NOW), STORE_OK);

	assert_int_equal(
	    store_throttle_count(f->s, "login:taro@example.jp", NOW - 900, &count, &oldest),
	    STORE_OK);
	assert_int_equal(count, 4);
	assert_int_equal(oldest, NOW - 700);
	/* "at or after since" */
	assert_int_equal(
	    store_throttle_count(f->s, "login:taro@example.jp", NOW - 700, &count, NULL), STORE_OK);
	assert_int_equal(count, 4);
	assert_int_equal(
	    store_throttle_count(f->s, "login:taro@example.jp", NOW - 699, &count, &oldest),
	    STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(oldest, NOW - 400);
	assert_int_equal(store_throttle_count(f->s, "ip:192.0.2.1", 0, &count, &oldest), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(oldest, NOW);
	/* Keys are exact: no prefix or case matching. */
	assert_int_equal(store_throttle_count(f->s, "login:TARO@example.jp", 0, &count, &oldest),
	                 STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_throttle_count(f->s, "login:", 0, &count, NULL), STORE_OK);
	assert_int_equal(count, 0);

	/* Prune drops rows strictly older than before, whatever the key. */
	assert_int_equal(store_throttle_prune(f->s, NOW - 400), STORE_OK);
	assert_int_equal(store_throttle_count(f->s, "login:taro@example.jp", 0, &count, &oldest),
	                 STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(oldest, NOW - 400);
	assert_int_equal(store_throttle_count(f->s, "ip:192.0.2.1", 0, &count, NULL), STORE_OK);
	assert_int_equal(count, 1);

	/* Clear one key (a successful login). */
	assert_int_equal(store_throttle_clear(f->s, "login:taro@example.jp"), STORE_OK);
	assert_int_equal(store_throttle_count(f->s, "login:taro@example.jp", 0, &count, &oldest),
	                 STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(oldest, 0);
	assert_int_equal(store_throttle_count(f->s, "ip:192.0.2.1", 0, &count, NULL), STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_throttle_clear(f->s, "nothing-here"), STORE_OK);
	assert_int_equal(store_throttle_prune(f->s, NOW + 1), STORE_OK);
	assert_int_equal(store_throttle_count(f->s, "ip:192.0.2.1", 0, &count, NULL), STORE_OK);
	assert_int_equal(count, 0);
}

/* ---- outbox ---- */

static long long add_mail(store *s, const char *to, const char *subject, const char *body,
                          long long now)
{
	long long id = 0;
	int rc = store_outbox_add(s, to, subject, body, now, &id);
	if (rc != STORE_OK)
		fail_msg("outbox_add: %s: %s", store_strerror(rc), store_errmsg(s));
	assert_true(id > 0);
	return id;
}

static void release_all(store_mail *m, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		store_mail_release(&m[i]);
		assert_null(m[i].body);
	}
}

static void test_outbox_claim(void **state)
{
	struct fixture *f = *state;
	store_mail m[8];
	size_t n = 99;
	long long a, b, c, later;

	a = add_mail(f->s, "taro@example.jp", "利用者登録の確認", "本文A\nリンク\n", NOW - 30);
	b = add_mail(f->s, "hanako@example.jp", "パスワードの再設定", "本文B", NOW - 20);
	c = add_mail(f->s, "jiro@example.jp", "申請を受け付けました", "", NOW - 10);
	later = add_mail(f->s, "saburo@example.jp", "未来", "まだ", NOW + 100); /* not due yet */
	assert_true(a < b && b < c && c < later);

	/* max limits the batch; oldest first. */
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 2, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].id, a);
	assert_string_equal(m[0].to, "taro@example.jp");
	assert_string_equal(m[0].subject, "利用者登録の確認");
	assert_string_equal(m[0].body, "本文A\nリンク\n");
	assert_int_equal(m[0].created_at, NOW - 30);
	assert_int_equal(m[0].next_at, NOW + 60); /* the lease */
	assert_int_equal(m[0].sent_at, 0);
	assert_int_equal(m[0].attempts, 0);
	assert_string_equal(m[0].last_error, "");
	assert_int_equal(m[1].id, b);
	assert_string_equal(m[1].body, "本文B");
	release_all(m, n);

	/* The next claim gets the rest that is due, not the leased ones. */
	assert_int_equal(store_outbox_claim(f->s, NOW + 1, 60, m, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, c);
	assert_string_equal(m[0].body, "");
	release_all(m, n);
	assert_int_equal(store_outbox_claim(f->s, NOW + 59, 60, m, 8, &n), STORE_OK);
	assert_int_equal(n, 0);

	/* a and b's lease ends (the sender died) while c's runs: they come back. */
	assert_int_equal(store_outbox_claim(f->s, NOW + 60, 60, m, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].id, a);
	assert_int_equal(m[1].id, b);
	release_all(m, n);
	/* Later, every lease is over and the last mail due: all four, oldest first. */
	assert_int_equal(store_outbox_claim(f->s, NOW + 200, 60, m, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_int_equal(m[0].id, a);
	assert_int_equal(m[1].id, b);
	assert_int_equal(m[2].id, c);
	assert_int_equal(m[3].id, later);
	assert_int_equal(m[3].next_at, NOW + 260);
	release_all(m, n);

	/* max 0: nothing taken. */
	n = 99;
	assert_int_equal(store_outbox_claim(f->s, NOW + 1000, 60, m, 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_claim(f->s, NOW + 1000, 60, m, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	release_all(m, n);
}

static void test_outbox_two_senders(void **state)
{
	struct fixture *f = *state;
	store *s2 = second(f);
	store_mail m[8], m2[8];
	size_t n = 0, n2 = 0;
	long long a = add_mail(f->s, "a@example.jp", "件名", "本文", NOW);

	assert_int_equal(store_outbox_claim(f->s, NOW, 300, m, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, a);
	/* The other process sees it claimed. */
	assert_int_equal(store_outbox_claim(s2, NOW + 10, 300, m2, 8, &n2), STORE_OK);
	assert_int_equal(n2, 0);
	/* A new mail goes to whoever asks first. */
	add_mail(f->s, "b@example.jp", "件名", "本文", NOW + 10);
	assert_int_equal(store_outbox_claim(s2, NOW + 10, 300, m2, 8, &n2), STORE_OK);
	assert_int_equal(n2, 1);
	assert_true(m2[0].id != a);
	assert_string_equal(m2[0].to, "b@example.jp");
	release_all(m2, n2);
	assert_int_equal(store_outbox_claim(f->s, NOW + 10, 300, m2, 8, &n2), STORE_OK);
	assert_int_equal(n2, 0);
	release_all(m, n);
	store_close(s2);
}

/* Senders in several threads claim from one outbox at once: every mail is taken by exactly
 * one of them. */
#define SENDERS 4
#define RACE_MAILS 40
struct sender {
	const char *path;
	pthread_barrier_t *go;
	int rc;
	long long ids[RACE_MAILS];
	size_t n;
};

static void *claim_racer(void *arg)
{
	struct sender *r = arg;
	store_mail m[3];
	char err[256];
	store *s = NULL;
	size_t n, i;

	r->rc = -1;
	if (store_open(r->path, &s, err, sizeof(err)) != STORE_OK) {
		pthread_barrier_wait(r->go);
		return NULL;
	}
	pthread_barrier_wait(r->go);
	r->rc = STORE_OK;
	do {
		n = 0;
		if ((r->rc = store_outbox_claim(s, NOW, 600, m, 3, &n)) != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			if (r->n < RACE_MAILS)
				r->ids[r->n++] = m[i].id;
			store_mail_release(&m[i]);
		}
	} while (n > 0);
	store_close(s);
	return NULL;
}

static void test_outbox_claim_race(void **state)
{
	struct fixture *f = *state;
	pthread_t th[SENDERS];
	struct sender r[SENDERS];
	pthread_barrier_t go;
	int taken[RACE_MAILS + 1] = {0};
	long long first = 0, id;
	size_t total = 0, k;
	int i;

	for (i = 0; i < RACE_MAILS; i++) {
		id = add_mail(f->s, "many@example.jp", "一斉", "本文", NOW - RACE_MAILS + i);
		if (i == 0)
			first = id;
		assert_int_equal(id, first + i);
	}
	assert_int_equal(pthread_barrier_init(&go, NULL, SENDERS), 0);
	for (i = 0; i < SENDERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].path = f->path;
		r[i].go = &go;
		assert_int_equal(pthread_create(&th[i], NULL, claim_racer, &r[i]), 0);
	}
	for (i = 0; i < SENDERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(r[i].rc, STORE_OK);
		for (k = 0; k < r[i].n; k++) {
			long long j = r[i].ids[k] - first;
			assert_true(j >= 0 && j < RACE_MAILS);
			taken[j]++;
			/* Each sender gets its mails oldest first. */
			if (k > 0)
				assert_true(r[i].ids[k] > r[i].ids[k - 1]);
		}
		total += r[i].n;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(total, RACE_MAILS);
	for (i = 0; i < RACE_MAILS; i++)
		assert_int_equal(taken[i], 1);
}

/* The mail with id in the recent list (0 when found). */
static int recent_mail(store *s, long long id, store_mail *out)
{
	store_mail m[16];
	size_t n = 0, i;
	int found = -1;
	assert_int_equal(store_outbox_recent(s, m, 16, &n), STORE_OK);
	for (i = 0; i < n; i++) {
		if (m[i].id == id && found < 0) {
			*out = m[i];
			out->body = NULL;
			found = 0;
		}
	}
	release_all(m, n);
	return found;
}

static void test_outbox_failed_sent(void **state)
{
	struct fixture *f = *state;
	store_mail m[4], got;
	size_t n = 0;
	long long a = add_mail(f->s, "taro@example.jp", "件名", "本文", NOW);
	char longerr[600];

	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	release_all(m, n);
	/* The server was down: try again at NOW + 300, not before, even after the lease. */
	assert_int_equal(store_outbox_mark_failed(f->s, a, NOW + 300, "connect: refused"),
	                 STORE_OK);
	assert_int_equal(recent_mail(f->s, a, &got), 0);
	assert_int_equal(got.attempts, 1);
	assert_int_equal(got.next_at, NOW + 300);
	assert_string_equal(got.last_error, "connect: refused");
	assert_int_equal(got.sent_at, 0);
	assert_int_equal(store_outbox_claim(f->s, NOW + 61, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_claim(f->s, NOW + 299, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_claim(f->s, NOW + 300, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].attempts, 1);
	assert_string_equal(m[0].last_error, "connect: refused");
	release_all(m, n);

	/* A long error with control characters and broken UTF-8 is cut and cleaned. */
	memset(longerr, 'e', sizeof(longerr) - 1);
	longerr[sizeof(longerr) - 1] = '\0';
	memcpy(longerr, "550 \r\n\xff\xe3\x81\x82", 10);
	assert_int_equal(store_outbox_mark_failed(f->s, a, NOW + 300, longerr), STORE_OK);
	assert_int_equal(recent_mail(f->s, a, &got), 0);
	assert_int_equal(got.attempts, 2);
	assert_int_equal(strlen(got.last_error), sizeof(got.last_error) - 1);
	assert_memory_equal(got.last_error, "550 ??\?あeee", 12);
	assert_int_equal(store_outbox_mark_failed(f->s, a, NOW + 300, NULL), STORE_OK);
	assert_int_equal(recent_mail(f->s, a, &got), 0);
	assert_string_equal(got.last_error, "");

	/* Sent: never claimed again, whatever the time. */
	assert_int_equal(store_outbox_mark_sent(f->s, a, NOW + 301), STORE_OK);
	assert_int_equal(recent_mail(f->s, a, &got), 0);
	assert_int_equal(got.sent_at, NOW + 301);
	assert_int_equal(got.attempts, 4);
	assert_int_equal(store_outbox_claim(f->s, NOW + 100000, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Sent twice (a lease ran out): the first time stays; failing a sent mail is refused. */
	assert_int_equal(store_outbox_mark_sent(f->s, a, NOW + 900), STORE_OK);
	assert_int_equal(recent_mail(f->s, a, &got), 0);
	assert_int_equal(got.sent_at, NOW + 301);
	assert_int_equal(store_outbox_mark_failed(f->s, a, NOW + 900, "x"), STORE_ENOTFOUND);
	assert_int_equal(store_outbox_claim(f->s, NOW + 100000, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Unknown ids. */
	assert_int_equal(store_outbox_mark_sent(f->s, a + 100, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_outbox_mark_failed(f->s, a + 100, NOW, "x"), STORE_ENOTFOUND);
}

static void test_outbox_recent(void **state)
{
	struct fixture *f = *state;
	store_mail m[8];
	size_t n = 99;
	long long ids[5];
	char subject[32];
	int i;

	assert_int_equal(store_outbox_recent(f->s, m, 8, &n), STORE_OK);
	assert_int_equal(n, 0);
	for (i = 0; i < 5; i++) {
		snprintf(subject, sizeof(subject), "件名%d", i);
		ids[i] = add_mail(f->s, "taro@example.jp", subject, subject, NOW + i);
	}
	assert_int_equal(store_outbox_mark_sent(f->s, ids[1], NOW + 10), STORE_OK);
	assert_int_equal(store_outbox_recent(f->s, m, 3, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		snprintf(subject, sizeof(subject), "件名%d", 4 - i);
		assert_int_equal(m[i].id, ids[4 - i]);
		assert_string_equal(m[i].subject, subject);
		assert_non_null(m[i].body);
		assert_string_equal(m[i].body, subject);
	}
	release_all(m, n);
	/* Sent or not, all of them. */
	assert_int_equal(store_outbox_recent(f->s, m, 8, &n), STORE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(m[3].id, ids[1]);
	assert_int_equal(m[3].sent_at, NOW + 10);
	assert_int_equal(m[4].id, ids[0]);
	assert_int_equal(m[4].sent_at, 0);
	release_all(m, n);
	assert_int_equal(store_outbox_recent(f->s, m, 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Releasing twice and NULL are harmless. */
	store_mail_release(&m[0]);
	store_mail_release(NULL);
}

/* The metrics' backlog: unsent mails, and of them those whose last attempt failed. */
static void test_outbox_backlog(void **state)
{
	struct fixture *f = *state;
	long long unsent = -1, failing = -1, ids[3];

	assert_int_equal(store_outbox_backlog(f->s, &unsent, &failing), STORE_OK);
	assert_int_equal(unsent, 0);
	assert_int_equal(failing, 0);
	for (int i = 0; i < 3; i++)
		ids[i] = add_mail(f->s, "taro@example.jp", "件名", "本文", NOW + i);
	assert_int_equal(store_outbox_mark_failed(f->s, ids[0], NOW + 300, "refused"), STORE_OK);
	assert_int_equal(store_outbox_mark_failed(f->s, ids[1], NOW + 300, "refused"), STORE_OK);
	assert_int_equal(store_outbox_mark_sent(f->s, ids[1], NOW + 400), STORE_OK);
	assert_int_equal(store_outbox_backlog(f->s, &unsent, &failing), STORE_OK);
	assert_int_equal(unsent, 2);
	assert_int_equal(failing, 1);
	assert_int_equal(store_outbox_backlog(f->s, NULL, &failing), STORE_EINPUT);
	assert_int_equal(store_outbox_backlog(NULL, &unsent, &failing), STORE_EINPUT);
	assert_int_equal(unsent, 0);
}

static void test_outbox_big_body(void **state)
{
	struct fixture *f = *state;
	char *body = malloc(STORE_MAIL_BODY_MAX + 2);
	store_mail m[2];
	size_t n = 0;
	long long id;

	assert_non_null(body);
	memset(body, 'a', STORE_MAIL_BODY_MAX);
	body[STORE_MAIL_BODY_MAX] = '\0';
	id = add_mail(f->s, "taro@example.jp", "大きな本文", body, NOW);
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, id);
	assert_int_equal(strlen(m[0].body), STORE_MAIL_BODY_MAX);
	assert_string_equal(m[0].body, body);
	release_all(m, n);
	body[STORE_MAIL_BODY_MAX] = 'a';
	body[STORE_MAIL_BODY_MAX + 1] = '\0';
	assert_int_equal(store_outbox_add(f->s, "taro@example.jp", "大きすぎ", body, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(id, 0);
	free(body);
}

/* ---- transactions ---- */

static int count_recent(store *s)
{
	store_mail m[16];
	size_t n = 0;
	assert_int_equal(store_outbox_recent(s, m, 16, &n), STORE_OK);
	release_all(m, n);
	return (int)n;
}

static void test_transaction_rollback(void **state)
{
	struct fixture *f = *state;
	store_account a;
	long long id = 0, mail = 0;

	/* An account and its confirmation mail, rolled back: neither is there. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_begin(f->s), STORE_EINPUT); /* not nestable */
	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_A, NOW, &id), STORE_OK);
	assert_int_equal(store_outbox_add(f->s, "taro@example.jp", "確認", "本文", NOW, &mail),
	                 STORE_OK);
	/* Visible inside the transaction. */
	assert_int_equal(store_account_by_id(f->s, id, &a), STORE_OK);
	assert_int_equal(count_recent(f->s), 1);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "taro@example.jp", &a), STORE_ENOTFOUND);
	assert_int_equal(count_recent(f->s), 0);
	assert_int_equal(store_rollback(f->s), STORE_OK); /* harmless when none is open */
	assert_int_equal(store_commit(f->s), STORE_EINPUT);

	/* The same committed: both are there, also for another connection. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_A, NOW, &id), STORE_OK);
	assert_int_equal(store_outbox_add(f->s, "taro@example.jp", "確認", "本文", NOW, &mail),
	                 STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	{
		store *s2 = second(f);
		assert_int_equal(store_account_by_email(s2, "taro@example.jp", &a), STORE_OK);
		assert_int_equal(a.id, id);
		assert_int_equal(count_recent(s2), 1);
		store_close(s2);
	}
}

/* The calls with a transaction of their own join the caller's: rolled back with it. */
static void test_transaction_joined(void **state)
{
	struct fixture *f = *state;
	store_mail m[4];
	size_t n = 0;
	char tok[65];
	long long id = new_account(f->s, "taro@example.jp"), acct = 0;

	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW + 600), STORE_OK);
	add_mail(f->s, "taro@example.jp", "件名", "本文", NOW);

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0), STORE_OK);
	assert_int_equal(acct, id);
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	release_all(m, n);
	/* Still the caller's transaction: a failure inside does not end it. */
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_account_create(f->s, "TARO@example.jp", HASH_A, NOW, NULL),
	                 STORE_ECONFLICT);
	assert_int_equal(store_rollback(f->s), STORE_OK);

	/* Both undone: the token is usable and the mail claimable again. */
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	release_all(m, n);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0), STORE_OK);

	/* Committed with the caller's transaction. */
	hash_of(2, tok);
	assert_int_equal(store_token_create(f->s, "reset", tok, id, NULL, NOW + 600), STORE_OK);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(store_token_consume(f->s, "reset", tok, NOW, &acct, NULL, 0),
	                 STORE_ENOTFOUND);
	/* Migrating inside a transaction is refused. */
	{
		char err[128];
		assert_int_equal(store_begin(f->s), STORE_OK);
		assert_int_equal(store_migrate(f->s, NULL, err, sizeof(err)), STORE_EINPUT);
		assert_int_equal(store_rollback(f->s), STORE_OK);
	}
}

/* A second connection waits for the first one's transaction and then sees its result. */
static void test_transaction_isolation(void **state)
{
	struct fixture *f = *state;
	store *s2 = second(f);
	store_account a;
	long long id = 0;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_A, NOW, &id), STORE_OK);
	/* Not visible before the commit. */
	assert_int_equal(store_account_by_email(s2, "taro@example.jp", &a), STORE_ENOTFOUND);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(store_account_by_email(s2, "taro@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, id);
	store_close(s2);
}

/* ---- bad arguments ---- */

static void test_input_limits(void **state)
{
	struct fixture *f = *state;
	char email[STORE_EMAIL_MAX + 2], hash[STORE_HASH_MAX + 2], data[STORE_TOKEN_DATA_MAX + 1];
	char tok[65], small[16], key[STORE_THROTTLE_KEY_MAX + 2], to[STORE_MAIL_ADDR_MAX + 2];
	char subject[STORE_MAIL_SUBJECT_MAX + 2], kind[STORE_TOKEN_KIND_MAX + 2];
	store_account a;
	store_session sess, got;
	store_mail m[2];
	size_t n = 0;
	long long id, acct = 0, count = 0;

	/* E-mail: at most STORE_EMAIL_MAX bytes. */
	memset(email, 'a', sizeof(email));
	memcpy(email + STORE_EMAIL_MAX - 11, "@example.jp", 11);
	email[STORE_EMAIL_MAX] = '\0';
	assert_int_equal(store_account_create(f->s, email, HASH_A, NOW, &id), STORE_OK);
	assert_int_equal(store_account_by_email(f->s, email, &a), STORE_OK);
	assert_string_equal(a.email, email);
	memset(email, 'b', sizeof(email));
	memcpy(email + STORE_EMAIL_MAX + 1 - 11, "@example.jp", 11);
	email[STORE_EMAIL_MAX + 1] = '\0';
	assert_int_equal(store_account_create(f->s, email, HASH_A, NOW, &id), STORE_EINPUT);
	assert_int_equal(id, 0);
	assert_int_equal(store_account_by_email(f->s, email, &a), STORE_EINPUT);
	id = new_account(f->s, "taro@example.jp");
	assert_int_equal(store_account_set_email(f->s, id, email), STORE_EINPUT);
	assert_int_equal(store_account_create(f->s, "", HASH_A, NOW, NULL), STORE_EINPUT);
	assert_int_equal(store_account_create(f->s, NULL, HASH_A, NOW, NULL), STORE_EINPUT);
	assert_int_equal(
	    store_account_create(f->s, "a@example.jp\r\nBcc: x@example.com", HASH_A, NOW, NULL),
	    STORE_EINPUT);
	assert_int_equal(store_account_create(f->s, "\xff\xfe@example.jp", HASH_A, NOW, NULL),
	                 STORE_EINPUT);
	assert_int_equal(store_account_create(f->s, "x@example.jp", NULL, NOW, NULL), STORE_EINPUT);
	memset(hash, 'h', sizeof(hash));
	hash[STORE_HASH_MAX + 1] = '\0';
	assert_int_equal(store_account_create(f->s, "x@example.jp", hash, NOW, NULL), STORE_EINPUT);
	assert_int_equal(store_account_set_password(f->s, id, hash), STORE_EINPUT);
	hash[STORE_HASH_MAX] = '\0';
	assert_int_equal(store_account_set_password(f->s, id, hash), STORE_OK);
	assert_int_equal(store_account_by_id(f->s, id, &a), STORE_OK);
	assert_string_equal(a.pw_hash, hash);
	assert_int_equal(store_account_by_id(f->s, 0, &a), STORE_EINPUT);
	assert_int_equal(store_account_by_id(f->s, id, NULL), STORE_EINPUT);
	assert_int_equal(store_account_by_id(NULL, id, &a), STORE_EINPUT);
	assert_int_equal(store_account_delete(f->s, -1), STORE_EINPUT);
	assert_int_equal(store_account_set_verified(f->s, 0, NOW), STORE_EINPUT);

	/* Tokens: the hash is 64 lower-case hex digits, kind and data bounded. */
	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "verify", "abc", id, NULL, NOW + 60),
	                 STORE_EINPUT);
	tok[0] = 'A';
	assert_int_equal(store_token_create(f->s, "verify", tok, id, NULL, NOW + 60), STORE_EINPUT);
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW, &acct, NULL, 0),
	                 STORE_EINPUT);
	hash_of(1, tok);
	assert_int_equal(store_token_create(f->s, "", tok, id, NULL, NOW + 60), STORE_EINPUT);
	assert_int_equal(store_token_create(f->s, NULL, tok, id, NULL, NOW + 60), STORE_EINPUT);
	memset(kind, 'k', sizeof(kind));
	kind[STORE_TOKEN_KIND_MAX + 1] = '\0';
	assert_int_equal(store_token_create(f->s, kind, tok, id, NULL, NOW + 60), STORE_EINPUT);
	assert_int_equal(store_token_create(f->s, "verify", tok, 0, NULL, NOW + 60), STORE_EINPUT);
	memset(data, 'd', sizeof(data));
	data[STORE_TOKEN_DATA_MAX] = '\0'; /* one byte too many for a char[STORE_TOKEN_DATA_MAX] */
	assert_int_equal(store_token_create(f->s, "email", tok, id, data, NOW + 60), STORE_EINPUT);
	assert_int_equal(store_token_create(f->s, "email", tok, id, "a@example.jp", NOW + 60),
	                 STORE_OK);
	/* A buffer too small is refused before the token is used. */
	assert_int_equal(store_token_consume(f->s, "email", tok, NOW, &acct, small, sizeof(small)),
	                 STORE_EINPUT);
	assert_string_equal(small, "");
	assert_int_equal(store_token_consume(f->s, "email", tok, NOW, &acct, data, sizeof(data)),
	                 STORE_OK);
	assert_string_equal(data, "a@example.jp");
	assert_int_equal(store_tokens_delete(f->s, 0, NULL), STORE_EINPUT);
	assert_int_equal(store_tokens_delete(f->s, id, ""), STORE_EINPUT);

	/* Sessions. */
	sess = session(1, id, NOW, NOW);
	sess.id_hash[10] = 'G';
	assert_int_equal(store_session_create(f->s, &sess), STORE_EINPUT);
	sess = session(1, -5, NOW, NOW);
	assert_int_equal(store_session_create(f->s, &sess), STORE_EINPUT);
	sess = session(1, id, NOW, NOW);
	memset(sess.csrf, 'c', sizeof(sess.csrf)); /* no NUL */
	assert_int_equal(store_session_create(f->s, &sess), STORE_EINPUT);
	sess.csrf[0] = '\0';
	assert_int_equal(store_session_create(f->s, &sess), STORE_EINPUT);
	sess.csrf[STORE_CSRF_MAX] = '\0';
	sess.csrf[0] = 'c';
	assert_int_equal(store_session_create(f->s, &sess), STORE_OK);
	assert_int_equal(store_session_get(f->s, sess.id_hash, &got), STORE_OK);
	assert_int_equal(strlen(got.csrf), STORE_CSRF_MAX);
	assert_int_equal(store_session_create(f->s, NULL), STORE_EINPUT);
	assert_int_equal(store_session_get(f->s, "", &got), STORE_EINPUT);
	assert_int_equal(store_session_get(f->s, NULL, &got), STORE_EINPUT);
	assert_int_equal(store_session_touch(f->s, "short", NOW), STORE_EINPUT);
	assert_int_equal(store_session_delete(f->s, ""), STORE_EINPUT);
	assert_int_equal(store_sessions_delete_for_account(f->s, id, "nothex"), STORE_EINPUT);
	assert_int_equal(store_sessions_delete_for_account(f->s, 0, NULL), STORE_EINPUT);

	/* Throttle keys. */
	memset(key, 'k', sizeof(key));
	key[STORE_THROTTLE_KEY_MAX] = '\0';
	assert_int_equal(store_throttle_add(f->s, key, NOW), STORE_OK);
	assert_int_equal(store_throttle_count(f->s, key, 0, &count, NULL), STORE_OK);
	assert_int_equal(count, 1);
	key[STORE_THROTTLE_KEY_MAX] = 'k';
	key[STORE_THROTTLE_KEY_MAX + 1] = '\0';
	assert_int_equal(store_throttle_add(f->s, key, NOW), STORE_EINPUT);
	assert_int_equal(store_throttle_count(f->s, key, 0, &count, NULL), STORE_EINPUT);
	assert_int_equal(store_throttle_add(f->s, "", NOW), STORE_EINPUT);
	assert_int_equal(store_throttle_count(f->s, "ip:x", 0, NULL, NULL), STORE_EINPUT);
	assert_int_equal(store_throttle_clear(f->s, NULL), STORE_EINPUT);

	/* Outbox: bounded, and no header injection through the address or the subject. */
	memset(to, 't', sizeof(to));
	to[STORE_MAIL_ADDR_MAX + 1] = '\0';
	assert_int_equal(store_outbox_add(f->s, to, "件名", "本文", NOW, &id), STORE_EINPUT);
	memset(subject, 's', sizeof(subject));
	subject[STORE_MAIL_SUBJECT_MAX + 1] = '\0';
	assert_int_equal(store_outbox_add(f->s, "a@example.jp", subject, "本文", NOW, &id),
	                 STORE_EINPUT);
	subject[STORE_MAIL_SUBJECT_MAX] = '\0';
	assert_int_equal(store_outbox_add(f->s, "a@example.jp", subject, "本文", NOW, &id),
	                 STORE_OK);
	assert_int_equal(store_outbox_add(f->s, "evil@example.jp\r\nBcc: victim@example.com",
	                                  "件名", "本文", NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_outbox_add(f->s, "a@example.jp", "件名\r\nBcc: v@example.com", "本文", NOW, &id),
	    STORE_EINPUT);
	assert_int_equal(store_outbox_add(f->s, "", "件名", "本文", NOW, &id), STORE_EINPUT);
	assert_int_equal(store_outbox_add(f->s, "a@example.jp", "件名", NULL, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_outbox_add(f->s, "a@example.jp", "件名", "\xc3\x28", NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_outbox_claim(f->s, NOW, 0, m, 2, &n), STORE_EINPUT);
	assert_int_equal(store_outbox_claim(f->s, NOW, -5, m, 2, &n), STORE_EINPUT);
	assert_int_equal(store_outbox_claim(f->s, NOW, 0x7fffffffffffffffLL, m, 2, &n),
	                 STORE_EINPUT);
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, NULL, 2, &n), STORE_EINPUT);
	assert_int_equal(store_outbox_claim(f->s, NOW, 60, m, 2, NULL), STORE_EINPUT);
	assert_int_equal(store_outbox_recent(f->s, NULL, 2, &n), STORE_EINPUT);
	assert_int_equal(store_outbox_mark_sent(f->s, 0, NOW), STORE_EINPUT);
	assert_int_equal(store_outbox_mark_failed(f->s, -1, NOW, "x"), STORE_EINPUT);
	/* Only the one good mail went in. */
	assert_int_equal(count_recent(f->s), 1);
	assert_int_equal(store_begin(NULL), STORE_EINPUT);
	assert_int_equal(store_commit(NULL), STORE_EINPUT);
	assert_int_equal(store_rollback(NULL), STORE_EINPUT);
}

/* Before migrating: errors, not crashes, with a message for the log. */
static void test_unmigrated(void **state)
{
	char dir[64], path[128], err[256], tok[65];
	store *s = NULL;
	store_account a;
	store_mail m[2];
	size_t n = 9;
	long long id = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store_accounts.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.db", dir);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_account_create(s, "taro@example.jp", HASH_A, NOW, &id), STORE_ESQL);
	assert_non_null(strstr(store_errmsg(s), "accounts"));
	assert_int_equal(store_account_by_id(s, 1, &a), STORE_ESQL);
	hash_of(1, tok);
	assert_int_equal(store_token_consume(s, "verify", tok, NOW, &id, NULL, 0), STORE_ESQL);
	assert_int_equal(store_outbox_claim(s, NOW, 60, m, 2, &n), STORE_ESQL);
	assert_int_equal(n, 0);
	/* No transaction left open by the failures. */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_rollback(s), STORE_OK);
	store_close(s);
	remove_db_files(path);
	rmdir(dir);
}

/* The housekeeping lock: on PostgreSQL one connection holds it and another is told so
 * until it is released (or the holder goes); SQLite gives it to every connection. */
static void test_housekeeping_lock(void **state)
{
	struct fixture *f = *state;
	store *b = second(f);
	int got = -1;

	assert_int_equal(store_housekeeping_lock(f->s, &got), STORE_OK);
	assert_int_equal(got, 1);
	assert_int_equal(store_housekeeping_lock(b, &got), STORE_OK);
	assert_int_equal(got, fixture_on_pg() ? 0 : 1);
	assert_int_equal(store_housekeeping_unlock(f->s), STORE_OK);
	assert_int_equal(store_housekeeping_lock(b, &got), STORE_OK);
	assert_int_equal(got, 1);
	store_close(b); /* the holder goes: the lock with it */
	b = second(f);
	assert_int_equal(store_housekeeping_lock(f->s, &got), STORE_OK);
	assert_int_equal(got, 1);
	assert_int_equal(store_housekeeping_unlock(f->s), STORE_OK);
	assert_int_equal(store_housekeeping_lock(NULL, &got), STORE_EINPUT);
	store_close(b);
}

/* The procedure set: none at first, then each swap gives the one before it. */
static void test_procedure_set(void **state)
{
	struct fixture *f = *state;
	char d1[65], d2[65], got[STORE_PROCSET_DIGEST_LEN + 1];
	hash_of(1, d1);
	hash_of(2, d2);
	assert_int_equal(store_procedure_set_get(f->s, got), STORE_OK);
	assert_string_equal(got, "");
	assert_int_equal(store_procedure_set_swap(f->s, d1, NOW, got), STORE_OK);
	assert_string_equal(got, "");
	assert_int_equal(store_procedure_set_swap(f->s, d2, NOW + 1, got), STORE_OK);
	assert_string_equal(got, d1);
	store *b = second(f); /* another process sees it */
	assert_int_equal(store_procedure_set_get(b, got), STORE_OK);
	assert_string_equal(got, d2);
	store_close(b);
	assert_int_equal(store_procedure_set_swap(f->s, "abc", NOW, got), STORE_EINPUT);
	assert_int_equal(store_procedure_set_get(f->s, got), STORE_OK);
	assert_string_equal(got, d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_account_create_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_email_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_duplicate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_verify_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_set_email, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_delete_cascades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_expired_kind_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions_delete_for_account, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_claim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_two_senders, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_claim_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_failed_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_backlog, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_recent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_big_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transaction_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transaction_joined, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transaction_isolation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_housekeeping_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_procedure_set, setup, teardown),
	    cmocka_unit_test(test_unmigrated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
