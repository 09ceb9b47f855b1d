/* store_fixture: what the store's unit tests share (test_store_accounts.c, test_store_apps.c,
 * test_store_sign.c): a migrated database per test, a second connection to it, deterministic
 * hex digests and accounts. Include after cmocka.h and store/store.h; NOW is the test's clock.
 *
 * The database is a SQLite file in a temporary directory, or, when MADOGUCHI_TEST_PG is set
 * (the URL of a PostgreSQL server ending in '/', e.g. postgresql://postgres@127.0.0.1:5432/,
 * as tests/run.sh sets it for its PostgreSQL round), a PostgreSQL database of its own, made
 * from a template this process migrated once and dropped after the test. */
#ifndef MADOGUCHI_TEST_STORE_FIXTURE_H
#define MADOGUCHI_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db_fixture.h"

/* An argon2id string as stored (never checked by the store). */
#define FIXTURE_PW_HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

struct fixture {
	char dir[64];
	char path[128];
	char pg_name[32]; /* "" on SQLite */
	store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/madoguchi-store-test.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/madoguchi.db", f->dir);
	err[0] = '\0';
	if ((fixture_on_pg() && fixture_pg_db(f->path, sizeof(f->path), f->pg_name, 1) != 0) ||
	    store_open(f->path, &f->s, err, sizeof(err)) != STORE_OK ||
	    store_migrate(f->s, NULL, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "open/migrate: %s\n", err);
		store_close(f->s);
		fixture_db_drop(f->path, f->pg_name);
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
	fixture_db_drop(f->path, f->pg_name);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Another connection to the fixture's database (another thread or process). */
static __attribute__((unused)) store *second(const struct fixture *f)
{
	char err[256];
	store *s = NULL;
	if (store_open(f->path, &s, err, sizeof(err)) != STORE_OK)
		fail_msg("second connection: %s", err);
	return s;
}

/* Runs child(i, go_fd, arg) for i in 0..n-1 (n <= 8), each in a process of its own, and lets
 * them go at once: each child reads one byte of go_fd before its contended part. Fails the
 * test unless every child exited 0 (what child returned 0). Several portal processes on one
 * database file, as the store must serve them. */
static __attribute__((unused)) void fork_children(int n, int (*child)(int i, int go_fd, void *arg),
                                                  void *arg)
{
	pid_t pids[8];
	int go[2], i, status;

	assert_true(n >= 1 && n <= 8);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			_exit(child(i, go[0], arg) == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	for (i = 0; i < n; i++)
		assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	for (i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/* A deterministic SHA-256 hex (or token hash): 64 lower-case hex digits made from n. */
static __attribute__((unused)) void hash_of(unsigned n, char out[65])
{
	unsigned i;
	for (i = 0; i < 64; i++)
		out[i] = "0123456789abcdef"[(n * 7u + i * 13u + (i * n) / 3u) & 15u];
	snprintf(out + 56, 9, "%08x", n);
}

/* A new account with the fixture's password hash; fails the test when refused. */
static __attribute__((unused)) long long new_account(store *s, const char *email)
{
	long long id = 0;
	int rc = store_account_create(s, email, FIXTURE_PW_HASH, NOW, &id);
	if (rc != STORE_OK)
		fail_msg("account %s: %s: %s", email, store_strerror(rc), store_errmsg(s));
	assert_true(id > 0);
	return id;
}

#endif
