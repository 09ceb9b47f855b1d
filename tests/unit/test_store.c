/* test_store: the storage interface on its SQLite back end, on a database file in a fresh
 * temporary directory: opening and URLs, migrations (once, concurrently), connection pragmas,
 * and the procedure search (trigram index, short-term fallback, hostile queries). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_impl.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db_fixture.h"

#define VOLUNTEER_ID "kaigo-volunteer-point"

struct fixture {
	char dir[64];
	char path[128];
	char pg_name[32]; /* "" on SQLite */
	store *s;
};

static const store_proc_doc docs[] = {
    {VOLUNTEER_ID, "介護支援ボランティアポイント交付申請",
     "介護施設などでボランティア活動をした65歳以上の方に、活動に応じたポイントを交付します。",
     "ためたポイントは、年に一度、交付金に換えることができます。活動手帳を用意してください。"},
    {"chiiki-hoken", "地域ボランティア活動保険の加入申込",
     "地域で活動する団体の保険加入を申し込みます。",
     "活動中のけがや、他人にけがをさせたときの賠償を補償します。"},
    {"juminhyo", "住民票の写しの交付請求",
     "マイナンバーカード（My Number Card）で、住民票の写しをオンラインで請求できます。",
     "本人または同一世帯の方が請求できます。郵送で届きます。"},
};
#define N_DOCS (sizeof(docs) / sizeof(docs[0]))

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/madoguchi.db", f->dir);
	err[0] = '\0';
	if ((fixture_on_pg() && fixture_pg_db(f->path, sizeof(f->path), f->pg_name, 0) != 0) ||
	    store_open(f->path, &f->s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", err);
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

/* A migrated and indexed store. */
static int setup_indexed(void **state)
{
	struct fixture *f;
	char err[256];
	if (setup(state) != 0)
		return -1;
	f = *state;
	if (store_migrate(f->s, NULL, err, sizeof(err)) != STORE_OK ||
	    store_index_procedures(f->s, docs, N_DOCS) != STORE_OK) {
		fprintf(stderr, "migrate/index: %s %s\n", err, store_errmsg(f->s));
		teardown(state);
		return -1;
	}
	return 0;
}

static unsigned last_migration(void)
{
	return store_n_migrations ? store_migrations[store_n_migrations - 1].number : 0;
}

static void test_open_migrate_version(void **state)
{
	struct fixture *f = *state;
	unsigned v = 99, applied = 99;
	char err[256];

	assert_int_equal(store_schema_version(f->s, &v), STORE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(store_migrate(f->s, &applied, err, sizeof(err)), STORE_OK);
	assert_int_equal(applied, store_n_migrations);
	assert_true(store_n_migrations >= 1);
	assert_int_equal(store_schema_version(f->s, &v), STORE_OK);
	assert_int_equal(v, last_migration());
}

static void test_migrate_twice(void **state)
{
	struct fixture *f = *state;
	unsigned v = 0, applied = 99;
	char err[256];
	store *again = NULL;

	assert_int_equal(store_migrate(f->s, &applied, err, sizeof(err)), STORE_OK);
	assert_int_equal(applied, store_n_migrations);
	assert_int_equal(store_migrate(f->s, &applied, err, sizeof(err)), STORE_OK);
	assert_int_equal(applied, 0);
	/* Another connection (a second process at start-up) sees it done as well. */
	assert_int_equal(store_open(f->path, &again, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_migrate(again, &applied, err, sizeof(err)), STORE_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(again, &v), STORE_OK);
	assert_int_equal(v, last_migration());
	store_close(again);
}

/* Several processes migrating a fresh database at the same time: each succeeds, every
 * migration is applied exactly once in total. */
static void test_migrate_concurrent(void **state)
{
	struct fixture *f = *state;
	enum { NPROC = 4 };
	pid_t pids[NPROC];
	int pipes[NPROC][2];
	unsigned total = 0, v = 0;
	int i, status;

	for (i = 0; i < NPROC; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			store *s = NULL;
			unsigned applied = 0;
			char err[256];
			int rc;
			close(pipes[i][0]);
			rc = store_open(f->path, &s, err, sizeof(err));
			if (rc == STORE_OK)
				rc = store_migrate(s, &applied, err, sizeof(err));
			if (rc != STORE_OK)
				fprintf(stderr, "child: %s\n", err);
			if (write(pipes[i][1], &applied, sizeof(applied)) != sizeof(applied))
				rc = -1;
			store_close(s);
			_exit(rc == STORE_OK ? 0 : 1);
		}
		close(pipes[i][1]);
	}
	for (i = 0; i < NPROC; i++) {
		unsigned applied = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(read(pipes[i][0], &applied, sizeof(applied)), sizeof(applied));
		close(pipes[i][0]);
		total += applied;
	}
	assert_int_equal(total, store_n_migrations);
	assert_int_equal(store_schema_version(f->s, &v), STORE_OK);
	assert_int_equal(v, last_migration());
}

static void test_pragmas(void **state)
{
	struct fixture *f = *state;
	char v[32];

	assert_int_equal(store_sqlite_pragma(f->s, "journal_mode", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "wal");
	assert_int_equal(store_sqlite_pragma(f->s, "foreign_keys", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "1");
	assert_int_equal(store_sqlite_pragma(f->s, "synchronous", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "2"); /* FULL */
	assert_int_equal(store_sqlite_pragma(f->s, "busy_timeout", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "5000");
	assert_int_equal(store_sqlite_pragma(f->s, "cache_size; DROP TABLE x", v, sizeof(v)),
	                 STORE_EINPUT);
}

static void test_sqlite_prefix(void **state)
{
	struct fixture *f = *state;
	char url[160], err[256], v[32];
	store *s = NULL;

	snprintf(url, sizeof(url), "sqlite:%s", f->path);
	assert_int_equal(store_open(url, &s, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_sqlite_pragma(s, "journal_mode", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "wal");
	store_close(s);
}

static void test_bad_url(void **state)
{
	char err[256];
	store *s = (store *)&err; /* must be reset to NULL */

	(void)state;
	/* Nothing listens on port 1: the PostgreSQL back end cannot connect, and says so
	 * without the URL's password. */
	assert_int_equal(store_open("postgres://u:secret@127.0.0.1:1/madoguchi?connect_timeout=5",
	                            &s, err, sizeof(err)),
	                 STORE_EOPEN);
	assert_null(s);
	assert_non_null(strstr(err, "cannot open the PostgreSQL database"));
	assert_null(strstr(err, "secret"));
	assert_int_equal(store_open("postgresql://127.0.0.1:1/madoguchi", &s, err, sizeof(err)),
	                 STORE_EOPEN);
	assert_null(s);
	/* What messages show of a database URL: never its password. */
	char shown[128];
	store_url_redact("postgresql://u:secret@db.example/madoguchi", shown, sizeof(shown));
	assert_string_equal(shown, "postgresql://u:***@db.example/madoguchi");
	store_url_redact("postgresql:///madoguchi?host=/run/x&password=secret&port=5", shown,
	                 sizeof(shown));
	assert_string_equal(shown, "postgresql:///madoguchi?host=/run/x&password=***&port=5");
	store_url_redact("postgresql://u@db/m?password=secret", shown, sizeof(shown));
	assert_string_equal(shown, "postgresql://u@db/m?password=***");
	store_url_redact("sqlite:/var/lib/madoguchi/x.db", shown, sizeof(shown));
	assert_string_equal(shown, "sqlite:/var/lib/madoguchi/x.db");
	store_url_redact("postgresql://u:secret@db/m", shown, 12);
	assert_null(strstr(shown, "secret"));
	assert_int_equal(store_open("mysql://localhost/x", &s, err, sizeof(err)), STORE_EURL);
	assert_non_null(strstr(err, "mysql"));
	assert_null(s);
	assert_int_equal(store_open("sqlite:", &s, err, sizeof(err)), STORE_EINPUT);
	assert_int_equal(store_open(NULL, &s, err, sizeof(err)), STORE_EINPUT);
	assert_string_equal(store_strerror(STORE_EURL), "unsupported database URL");
	assert_non_null(store_strerror(12345));
}

static void test_unopenable(void **state)
{
	struct fixture *f = *state;
	char err[256];
	store *s = NULL;

	err[0] = '\0';
	assert_int_equal(store_open("/nonexistent-dir/madoguchi/x.db", &s, err, sizeof(err)),
	                 STORE_EOPEN);
	assert_null(s);
	assert_true(strlen(err) > 0);
	/* A directory is not a database. */
	assert_int_equal(store_open(f->dir, &s, err, sizeof(err)), STORE_EOPEN);
	assert_null(s);
	/* Not a database file. */
	{
		char junk[160];
		FILE *fp;
		snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
		fp = fopen(junk, "w");
		assert_non_null(fp);
		fputs("this is not an SQLite database, not even close; just some text\n", fp);
		for (int i = 0; i < 100; i++)
			fputs("................................................................\n",
			      fp);
		fclose(fp);
		assert_int_equal(store_open(junk, &s, err, sizeof(err)), STORE_EOPEN);
		assert_null(s);
		unlink(junk);
	}
}

static void test_migration_split(void **state)
{
	static const char sql[] = "-- 0009_x: a header note: not a marker\n"
	                          "CREATE TABLE a (x);\n"
	                          "-- sqlite:\n"
	                          "CREATE TABLE s (x);\n"
	                          "-- postgres: only there\n"
	                          "CREATE TABLE p (x);\n"
	                          "  -- common:\n"
	                          "CREATE TABLE c (x);";
	char *out = NULL;

	(void)state;
	assert_int_equal(store_migration_sql(sql, "sqlite", &out), STORE_OK);
	assert_string_equal(out, "-- 0009_x: a header note: not a marker\n"
	                         "CREATE TABLE a (x);\n"
	                         "\n"
	                         "CREATE TABLE s (x);\n"
	                         "\n"
	                         "\n"
	                         "\n"
	                         "CREATE TABLE c (x);");
	free(out);
	assert_int_equal(store_migration_sql(sql, "postgres", &out), STORE_OK);
	assert_null(strstr(out, "TABLE s"));
	assert_non_null(strstr(out, "TABLE p"));
	assert_non_null(strstr(out, "TABLE a"));
	assert_non_null(strstr(out, "TABLE c"));
	free(out);
	assert_int_equal(store_migration_sql("", "sqlite", &out), STORE_OK);
	assert_string_equal(out, "");
	free(out);
}

static void test_query_parse(void **state)
{
	struct store_query q;
	char big[600];

	(void)state;
	store_query_parse("　 介護\tボランティア　　ポイント  ", &q);
	assert_int_equal(q.nterms, 3);
	assert_string_equal(q.terms[0], "介護");
	assert_string_equal(q.terms[1], "ボランティア");
	assert_string_equal(q.terms[2], "ポイント");
	assert_true(q.has_short_term);
	store_query_parse("ボランティア", &q);
	assert_int_equal(q.nterms, 1);
	assert_false(q.has_short_term);
	store_query_parse(" 　 ", &q);
	assert_int_equal(q.nterms, 0);
	store_query_parse("a b c d e f g h i j k", &q);
	assert_int_equal(q.nterms, STORE_QUERY_MAX_TERMS);
	/* 3-byte characters: the cut at 200 bytes keeps whole characters. */
	big[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(big, "あ");
	store_query_parse(big, &q);
	assert_int_equal(q.nterms, 1);
	assert_int_equal(strlen(q.terms[0]), 198);
	assert_int_equal(utf8_count(q.terms[0]), 66);
}

/* Search query and return how many were found; *first gets the first id (or ""). */
static size_t search(store *s, const char *query, char *first, size_t firstlen)
{
	char **ids = NULL;
	size_t n = 99;
	int rc = store_search_procedures(s, query, 10, &ids, &n);
	if (rc != STORE_OK)
		fail_msg("search \"%s\": %s: %s", query, store_strerror(rc), store_errmsg(s));
	assert_non_null(ids);
	assert_null(ids[n]);
	if (first)
		snprintf(first, firstlen, "%s", n ? ids[0] : "");
	store_free_ids(ids);
	return n;
}

static int found(store *s, const char *query, const char *id)
{
	char **ids = NULL;
	size_t n = 0, i;
	int yes = 0;
	assert_int_equal(store_search_procedures(s, query, 10, &ids, &n), STORE_OK);
	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			yes = 1;
	store_free_ids(ids);
	return yes;
}

static void test_search_trigram(void **state)
{
	struct fixture *f = *state;
	char first[64];

	assert_true(found(f->s, "ボランティア", VOLUNTEER_ID));
	assert_int_equal(search(f->s, "ボランティア", first, sizeof(first)), 2);
	assert_int_equal(search(f->s, "ポイント", first, sizeof(first)), 1);
	assert_string_equal(first, VOLUNTEER_ID);
	assert_int_equal(search(f->s, "交付申請", first, sizeof(first)), 1);
	assert_string_equal(first, VOLUNTEER_ID);
	assert_int_equal(search(f->s, "住民票", first, sizeof(first)), 1);
	assert_string_equal(first, "juminhyo");
	/* The trigram index folds ASCII case. */
	assert_int_equal(search(f->s, "NUMBER", first, sizeof(first)), 1);
	assert_string_equal(first, "juminhyo");
}

/* A match in the title ranks above a match in the body only. */
static void test_search_rank(void **state)
{
	static const store_proc_doc catalog[] = {
	    {"body-only", "児童手当の認定請求", "子どもを養育している方に手当を支給します。",
	     "保育所に入所している場合も請求できます。"},
	    {"in-title", "保育所等の入所申込", "保育が必要な子どもの入所を申し込みます。",
	     "入所の審査があります。"},
	    {"f1", "住民票の写しの交付請求", "住民票を請求します。", "郵送で届きます。"},
	    {"f2", "印鑑登録証明書の交付申請", "印鑑登録証明書を請求します。", "窓口でも。"},
	    {"f3", "犬の登録申請", "犬を飼い始めたら登録します。", "狂犬病予防注射も。"},
	    {"f4", "粗大ごみの収集申込", "大きなごみの収集を申し込みます。", "有料です。"},
	};
	struct fixture *f = *state;
	char **ids = NULL;
	size_t n = 0;

	assert_int_equal(store_index_procedures(f->s, catalog, 6), STORE_OK);
	assert_int_equal(store_search_procedures(f->s, "保育所", 10, &ids, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "in-title");
	assert_string_equal(ids[1], "body-only");
	store_free_ids(ids);
}

static void test_search_short_fallback(void **state)
{
	struct fixture *f = *state;
	char first[64];

	assert_int_equal(search(f->s, "介護", first, sizeof(first)), 1);
	assert_string_equal(first, VOLUNTEER_ID);
	assert_int_equal(search(f->s, "介", first, sizeof(first)), 1);
	/* Short and long terms together: all through the fallback, still ANDed. */
	assert_int_equal(search(f->s, "介護　ボランティア", first, sizeof(first)), 1);
	assert_string_equal(first, VOLUNTEER_ID);
	assert_int_equal(search(f->s, "介護　保険", NULL, 0), 0);
	/* Case folded like the index: "my" finds "My Number Card". */
	assert_int_equal(search(f->s, "my", first, sizeof(first)), 1);
	assert_string_equal(first, "juminhyo");
	/* Fallback results come in title order. */
	assert_int_equal(search(f->s, "活動", NULL, 0), 2);
}

static void test_search_and(void **state)
{
	struct fixture *f = *state;
	char first[64];

	/* U+3000 IDEOGRAPHIC SPACE between terms: both must match. */
	assert_int_equal(search(f->s, "ボランティア　ポイント", first, sizeof(first)), 1);
	assert_string_equal(first, VOLUNTEER_ID);
	assert_int_equal(search(f->s, "ボランティア　保険加入", first, sizeof(first)), 1);
	assert_string_equal(first, "chiiki-hoken");
	assert_int_equal(search(f->s, "ボランティア 住民票", NULL, 0), 0);
	assert_int_equal(search(f->s, "  ボランティア\t", NULL, 0), 2);
}

static void test_search_nothing(void **state)
{
	struct fixture *f = *state;
	char **ids = NULL;
	size_t n = 99;

	assert_int_equal(search(f->s, "存在しない手続", NULL, 0), 0);
	assert_int_equal(search(f->s, "", NULL, 0), 0);
	assert_int_equal(search(f->s, " 　\t", NULL, 0), 0);
	/* limit 0 and limit 1 */
	assert_int_equal(store_search_procedures(f->s, "活動", 0, &ids, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_free_ids(ids);
	assert_int_equal(store_search_procedures(f->s, "ボランティア", 1, &ids, &n), STORE_OK);
	assert_int_equal(n, 1);
	store_free_ids(ids);
	assert_int_equal(store_search_procedures(f->s, NULL, 1, &ids, &n), STORE_EINPUT);
	assert_null(ids);
}

static void test_search_hostile(void **state)
{
	static const char *const queries[] = {
	    "\"",
	    "\"\"",
	    "\"\"\"",
	    "a OR b*",
	    "ボランティア OR *",
	    "\"ボランティア",
	    "ボラン\"ティア",
	    "NEAR(a b)",
	    "title:介護",
	    "title : ボランティア",
	    "{title summary}:ポイント",
	    "^ボランティア",
	    "(((",
	    ")))",
	    "* * *",
	    "AND OR NOT",
	    "- -- ---",
	    "'; DROP TABLE procedure_search; --",
	    "%_%",
	    "\\\\\\",
	    "a\"b c\"d \"e\"f\"",
	};
	struct fixture *f = *state;
	char big[1200];
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		(void)search(f->s, queries[i], NULL, 0);
	/* A quoted term is taken literally: the quote is part of what is searched for. */
	assert_int_equal(search(f->s, "\"ボランティア", NULL, 0), 0);
	assert_int_equal(search(f->s, "ボランティア OR 住民票", NULL, 0), 0);
	/* Over 200 bytes and over 8 terms. */
	big[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(big, "ボランティア ");
	assert_int_equal(search(f->s, big, NULL, 0), 2);
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(search(f->s, big, NULL, 0), 0);
	/* The table is still there. */
	assert_int_equal(search(f->s, "ボランティア", NULL, 0), 2);
}

static void test_reindex_replaces(void **state)
{
	static const store_proc_doc fresh[] = {
	    {"inkan", "印鑑登録証明書の交付申請", "印鑑登録証明書を請求します。", NULL},
	};
	struct fixture *f = *state;
	char first[64];

	assert_int_equal(store_index_procedures(f->s, fresh, 1), STORE_OK);
	assert_int_equal(search(f->s, "ボランティア", NULL, 0), 0);
	assert_int_equal(search(f->s, "介護", NULL, 0), 0);
	assert_int_equal(search(f->s, "交付申請", first, sizeof(first)), 1);
	assert_string_equal(first, "inkan");
	assert_int_equal(search(f->s, "印鑑", first, sizeof(first)), 1);
	assert_string_equal(first, "inkan");
	/* A refused document leaves the index as it was. */
	{
		store_proc_doc bad[] = {{"ok", "ボランティア", "", ""}, {NULL, "x", "", ""}};
		assert_int_equal(store_index_procedures(f->s, bad, 2), STORE_EINPUT);
		assert_int_equal(search(f->s, "印鑑", NULL, 0), 1);
	}
	/* Back to the three, then empty. */
	assert_int_equal(store_index_procedures(f->s, docs, N_DOCS), STORE_OK);
	assert_int_equal(search(f->s, "印鑑", NULL, 0), 0);
	assert_int_equal(search(f->s, "ボランティア", NULL, 0), 2);
	assert_int_equal(store_index_procedures(f->s, NULL, 0), STORE_OK);
	assert_int_equal(search(f->s, "ボランティア", NULL, 0), 0);
}

static void test_search_unmigrated(void **state)
{
	struct fixture *f = *state;
	char **ids = NULL;
	size_t n = 0;

	/* No table yet: an error, not a crash, and a message for the log. */
	assert_int_equal(store_search_procedures(f->s, "ボランティア", 10, &ids, &n), STORE_ESQL);
	assert_null(ids);
	assert_non_null(strstr(store_errmsg(f->s), "procedure_search"));
	assert_int_equal(store_index_procedures(f->s, docs, N_DOCS), STORE_ESQL);
}

int main(void)
{
	/* Opening, migrating and searching, on either back end. */
	const struct CMUnitTest both[] = {
	    cmocka_unit_test_setup_teardown(test_open_migrate_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_concurrent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_trigram, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_rank, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_short_fallback, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_and, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_nothing, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_hostile, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_reindex_replaces, setup_indexed, teardown),
	    cmocka_unit_test_setup_teardown(test_search_unmigrated, setup, teardown),
	};
	/* SQLite's own: its URLs and pragmas, files that are no database, and the parts that
	 * touch no database. */
	const struct CMUnitTest sqlite_only[] = {
	    cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sqlite_prefix, setup, teardown),
	    cmocka_unit_test(test_bad_url),
	    cmocka_unit_test_setup_teardown(test_unopenable, setup, teardown),
	    cmocka_unit_test(test_migration_split),
	    cmocka_unit_test(test_query_parse),
	};
	int failed = cmocka_run_group_tests(both, NULL, NULL);
	if (!fixture_on_pg())
		failed += cmocka_run_group_tests(sqlite_only, NULL, NULL);
	return failed;
}
