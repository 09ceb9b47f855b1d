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

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* An argon2id string as stored (never checked by the store). */
#define FIXTURE_PW_HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

struct fixture {
	char dir[64];
	char path[128];
	char pg_name[32]; /* "" on SQLite */
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

/* sql on the PostgreSQL server of MADOGUCHI_TEST_PG (its database "postgres"); 0 on success. */
static int fixture_pg_command(const char *sql)
{
	char url[160];
	PGconn *pg;
	PGresult *res;
	int ok;

	snprintf(url, sizeof(url), "%spostgres", getenv("MADOGUCHI_TEST_PG"));
	pg = PQconnectdb(url);
	res = PQexec(pg, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "fixture: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return ok ? 0 : -1;
}

/* A new migrated PostgreSQL database of its own into path (its URL), named into name. */
static int fixture_pg_db(char *path, size_t pathlen, char name[32])
{
	static int template_made, n;
	char tpl[32], sql[128], err[256];
	store *s = NULL;

	snprintf(tpl, sizeof(tpl), "mt_%d_tpl", (int)getpid());
	if (!template_made) {
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", tpl);
		snprintf(path, pathlen, "%s%s", getenv("MADOGUCHI_TEST_PG"), tpl);
		if (fixture_pg_command(sql) != 0 ||
		    store_open(path, &s, err, sizeof(err)) != STORE_OK ||
		    store_migrate(s, NULL, err, sizeof(err)) != STORE_OK) {
			fprintf(stderr, "template: %s\n", err);
			store_close(s);
			return -1;
		}
		store_close(s);
		template_made = 1;
	}
	snprintf(name, 32, "mt_%d_%d", (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", name, tpl);
	snprintf(path, pathlen, "%s%s", getenv("MADOGUCHI_TEST_PG"), name);
	return fixture_pg_command(sql);
}

/* Drop the test's database: the SQLite files, or the PostgreSQL database. */
static void fixture_db_drop(const char *path, const char *pg_name)
{
	char sql[96];
	if (pg_name[0]) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_name);
		fixture_pg_command(sql);
	} else {
		remove_db_files(path);
	}
}

/* 1 when the tests run on PostgreSQL (a test of SQLite's own behaviour skips then). */
static __attribute__((unused)) int fixture_on_pg(void)
{
	return getenv("MADOGUCHI_TEST_PG") != NULL;
}

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
	if ((fixture_on_pg() && fixture_pg_db(f->path, sizeof(f->path), f->pg_name) != 0) ||
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
