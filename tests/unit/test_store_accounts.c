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
#define HASH_A "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
#define HASH_B "$argon2id$v=19$m=65536,t=3,p=1$b3RoZXJzYWx0$b3RoZXJoYXNoaGFzaGhhc2g"

struct fixture {
	char dir[64];
	char path[128];
	store *s;
};

static void remove_db_files(const char *path)
{
	static const char *const suffixes[] = {"-wal", "-shm", "-journal", ""};
	char p[160];
	size_t i;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store_accounts.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/madoguchi.db", f->dir);
	if (store_open(f->path, &f->s, err, sizeof(err)) != STORE_OK ||
	    store_migrate(f->s, NULL, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "open/migrate: %s\n", err);
		store_close(f->s);
		remove_db_files(f->path);
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	remove_db_files(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A second connection to the fixture's database (another thread or process). */
static store *second(struct fixture *f)
{
	char err[256];
	store *s = NULL;
	if (store_open(f->path, &s, err, sizeof(err)) != STORE_OK)
		fail_msg("second connection: %s", err);
	return s;
}

/* A deterministic token hash: 64 lower-case hex digits made from n. */
static void hash_of(unsigned n, char out[65])
{
	unsigned i;
	for (i = 0; i < 64; i++)
		out[i] = "0123456789abcdef"[(n * 7u + i * 13u + (i * n) / 3u) & 15u];
	snprintf(out + 56, 9, "%08x", n);
}

static long long new_account(store *s, const char *email)
{
	long long id = 0;
	int rc = store_account_create(s, email, HASH_A, NOW, &id);
	if (rc != STORE_OK)
		fail_msg("account %s: %s: %s", email, store_strerror(rc), store_errmsg(s));
	assert_true(id > 0);
	return id;
}

/* ---- accounts ---- */

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
	assert_int_equal(store_account_create(f->s, "山田@example.jp", HASH_B, NOW, &id2), STORE_OK);
	assert_int_equal(store_account_by_email(f->s, "山田@example.jp", &a), STORE_OK);
	assert_int_equal(a.id, id2);
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
	assert_int_equal(store_account_create(f->s, "taro@example.jp", HASH_A, NOW, NULL), STORE_OK);
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
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW + 10, &acct, data,
	                                     sizeof(data)),
	                 STORE_OK);
	assert_int_equal(acct, id);
	assert_string_equal(data, ""); /* no data */
	acct = 77;
	assert_int_equal(store_token_consume(f->s, "verify", tok, NOW + 11, &acct, data,
	                                     sizeof(data)),
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
	assert_int_equal(store_token_create(f->s, "email", tok, id, "taro.new@example.jp",
	                                    NOW + 600),
	                 STORE_OK);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_account_create_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_duplicate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_verify_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_set_email, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_delete_cascades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_expired_kind_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_race, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
