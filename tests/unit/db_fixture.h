/* db_fixture: the database of a store unit test, on either back end (store_fixture.h and
 * test_store.c): SQLite files in a temporary directory, or, when MADOGUCHI_TEST_PG is set
 * (the URL of a PostgreSQL server ending in '/', e.g. postgresql://postgres@127.0.0.1:5432/,
 * as tests/pg_unit.sh sets it), a PostgreSQL database of its own, dropped after the test.
 * Include after cmocka.h and store/store.h. */
#ifndef MADOGUCHI_TEST_DB_FIXTURE_H
#define MADOGUCHI_TEST_DB_FIXTURE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __attribute__((unused)) void remove_db_files(const char *path)
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

/* A new PostgreSQL database of its own into path (its URL), named into name: migrated (a
 * copy of a template this process migrated once) or empty. */
static __attribute__((unused)) int fixture_pg_db(char *path, size_t pathlen, char name[32],
                                                 int migrated)
{
	static int template_made, n;
	char tpl[32], sql[128], err[256];
	store *s = NULL;

	snprintf(tpl, sizeof(tpl), "mt_%d_tpl", (int)getpid());
	if (!migrated)
		snprintf(tpl, sizeof(tpl), "template0");
	if (migrated && !template_made) {
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
static __attribute__((unused)) void fixture_db_drop(const char *path, const char *pg_name)
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

#endif
