/* sqlite: the SQLite back end of the store (the default: one file, nothing to start).
 * One connection per thread (SQLITE_OPEN_NOMUTEX), WAL, synchronous=FULL so a commit is on
 * disk before anyone is told it succeeded, foreign keys on, 5 s busy timeout. Statements are
 * prepared once per connection and kept; user input only ever reaches SQLite as a bound
 * parameter. Procedure search uses an FTS5 table with the trigram tokenizer. */
#include "store/store_impl.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 5000

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_HAS_MIGRATIONS,
	ST_VERSION,
	ST_MIG_APPLIED,
	ST_MIG_RECORD,
	ST_PROC_CLEAR,
	ST_PROC_ADD,
	ST_PROC_MATCH,
	ST_PROC_SCAN,
	ST_COUNT
};

/* The fallback for terms too short for trigrams: every bound term (NULL when unused) must be
 * a substring of the document. lower() folds ASCII only, like the case folding of the
 * trigram index for Latin letters. */
#define SCAN_DOC "lower(title || ' ' || summary || ' ' || body)"
#define SCAN_TERM(n) "(?" #n " IS NULL OR instr(" SCAN_DOC ", lower(?" #n ")) > 0)"

/* clang-format off */
static const char *const statements[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_HAS_MIGRATIONS] =
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
	[ST_VERSION] = "SELECT coalesce(max(number), 0) FROM schema_migrations",
	[ST_MIG_APPLIED] = "SELECT count(*) FROM schema_migrations WHERE number = ?1",
	[ST_MIG_RECORD] =
		"INSERT INTO schema_migrations (number, name, applied_at) VALUES (?1, ?2, ?3)",
	[ST_PROC_CLEAR] = "DELETE FROM procedure_search",
	[ST_PROC_ADD] =
		"INSERT INTO procedure_search (id, title, summary, body) VALUES (?1, ?2, ?3, ?4)",
	/* bm25 with the title weighing most; ties in a stable order. */
	[ST_PROC_MATCH] = "SELECT id FROM procedure_search WHERE procedure_search MATCH ?1"
			  " ORDER BY bm25(procedure_search, 0.0, 10.0, 4.0, 1.0), title, id"
			  " LIMIT ?2",
	[ST_PROC_SCAN] = "SELECT id FROM procedure_search WHERE "
			 SCAN_TERM(1) " AND " SCAN_TERM(2) " AND " SCAN_TERM(3) " AND " SCAN_TERM(4)
			 " AND " SCAN_TERM(5) " AND " SCAN_TERM(6) " AND " SCAN_TERM(7) " AND " SCAN_TERM(8)
			 " ORDER BY title, id LIMIT ?9",
};
/* clang-format on */
#define SCAN_LIMIT_PARAM 9

struct sqlite_ctx {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char msg[512];
};

static int map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return STORE_ECONFLICT;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_EBUSY;
	case SQLITE_NOMEM:
		return STORE_ENOMEM;
	case SQLITE_CANTOPEN:
		return STORE_EOPEN;
	}
	return STORE_ESQL;
}

/* Keep SQLite's message for the failure rc and return the store code (never STORE_OK). */
static int fail(struct sqlite_ctx *c, int rc)
{
	int ret = map_rc(rc);
	snprintf(c->msg, sizeof(c->msg), "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	return ret != STORE_OK ? ret : STORE_ESQL;
}

/* The cached statement i, prepared on first use (tables may appear only after migrating). */
static int stmt(struct sqlite_ctx *c, int i, sqlite3_stmt **out)
{
	int rc;
	if (!c->st[i]) {
		rc = sqlite3_prepare_v3(c->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
		                        &c->st[i], NULL);
		if (rc != SQLITE_OK)
			return fail(c, rc);
	}
	*out = c->st[i];
	return STORE_OK;
}

/* Make st ready for its next use. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a bound statement that returns no rows. */
static int run(struct sqlite_ctx *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return ret;
}

/* Run a statement without parameters that returns no rows. */
static int run_cached(struct sqlite_ctx *c, int i)
{
	sqlite3_stmt *st = NULL;
	int rc = stmt(c, i, &st);
	return rc != STORE_OK ? rc : run(c, st);
}

/* The single integer a cached statement returns. */
static int query_int(struct sqlite_ctx *c, sqlite3_stmt *st, sqlite3_int64 *v)
{
	int rc = sqlite3_step(st), ret = STORE_OK;
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else
		ret = fail(c, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	done(st);
	return ret;
}

/* The first column of the one-row, uncached statement sql, as text. */
static int query_text(struct sqlite_ctx *c, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc, ret = STORE_OK;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = fail(c, rc);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = fail(c, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
		goto out;
	}
	t = sqlite3_column_text(st, 0);
	snprintf(out, outlen, "%s", t ? (const char *)t : "");
out:
	sqlite3_finalize(st);
	return ret;
}

static void sq_close(void *ctx)
{
	struct sqlite_ctx *c = ctx;
	int i;
	if (!c)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

static const char *sq_errmsg(void *ctx)
{
	return ((struct sqlite_ctx *)ctx)->msg;
}

static int sq_open(const char *target, void **out, char *err, size_t errlen)
{
	struct sqlite_ctx *c = NULL;
	char *path = NULL;
	char value[32];
	const char *file;
	int rc, ret = STORE_OK;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return STORE_ENOMEM;
	}
	/* This SQLite reads "file:..." as a URI; a configured path is always a plain file. */
	if (strncmp(target, "file:", 5) == 0) {
		path = malloc(strlen(target) + 3);
		if (!path) {
			snprintf(c->msg, sizeof(c->msg), "out of memory");
			ret = STORE_ENOMEM;
			goto out;
		}
		strcpy(path, "./");
		strcat(path, target);
	}
	rc =
	    sqlite3_open_v2(path ? path : target, &c->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = fail(c, rc);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);

	if ((ret = query_text(c, "PRAGMA journal_mode = WAL", value, sizeof(value))) != STORE_OK)
		goto out;
	file = sqlite3_db_filename(c->db, "main");
	/* An in-memory or temporary database has no WAL; a file must have it. */
	if (strcmp(value, "wal") != 0 && file && file[0]) {
		snprintf(c->msg, sizeof(c->msg), "could not switch to WAL (journal_mode is %s)",
		         value);
		ret = STORE_EOPEN;
		goto out;
	}
	rc = sqlite3_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL,
	                  NULL);
	if (rc != SQLITE_OK) {
		ret = fail(c, rc);
		goto out;
	}
	if ((ret = query_text(c, "PRAGMA foreign_keys", value, sizeof(value))) != STORE_OK)
		goto out;
	if (strcmp(value, "1") != 0) {
		snprintf(c->msg, sizeof(c->msg), "this SQLite has no foreign key support");
		ret = STORE_EOPEN;
		goto out;
	}
out:
	if (ret != STORE_OK) {
		/* Whatever went wrong, the database could not be opened as configured. */
		if (ret != STORE_ENOMEM && ret != STORE_EBUSY)
			ret = STORE_EOPEN;
		if (err && errlen)
			snprintf(err, errlen, "cannot open database %s: %s", target, c->msg);
		sq_close(c);
	} else {
		*out = c;
	}
	free(path);
	return ret;
}

static int sq_begin(void *ctx)
{
	return run_cached(ctx, ST_BEGIN);
}

static int sq_commit(void *ctx)
{
	return run_cached(ctx, ST_COMMIT);
}

static int sq_rollback(void *ctx)
{
	struct sqlite_ctx *c = ctx;
	if (sqlite3_get_autocommit(c->db))
		return STORE_OK; /* nothing open, or SQLite already rolled back */
	return run_cached(c, ST_ROLLBACK);
}

static int sq_exec(void *ctx, const char *sql)
{
	struct sqlite_ctx *c = ctx;
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return STORE_OK;
	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return map_rc(rc);
}

static int sq_migration_applied(void *ctx, unsigned number, int *applied)
{
	struct sqlite_ctx *c = ctx;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = 0;
	int rc = stmt(c, ST_MIG_APPLIED, &st);
	if (rc != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	rc = query_int(c, st, &v);
	*applied = v > 0;
	return rc;
}

static int sq_record_migration(void *ctx, unsigned number, const char *name, const char *applied_at)
{
	struct sqlite_ctx *c = ctx;
	sqlite3_stmt *st = NULL;
	int rc = stmt(c, ST_MIG_RECORD, &st);
	if (rc != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, applied_at, -1, SQLITE_STATIC);
	return run(c, st);
}

static int sq_schema_version(void *ctx, unsigned *version)
{
	struct sqlite_ctx *c = ctx;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = 0;
	int rc;

	*version = 0;
	if ((rc = stmt(c, ST_HAS_MIGRATIONS, &st)) != STORE_OK)
		return rc;
	if ((rc = query_int(c, st, &v)) != STORE_OK || v == 0)
		return rc;
	if ((rc = stmt(c, ST_VERSION, &st)) != STORE_OK)
		return rc;
	if ((rc = query_int(c, st, &v)) != STORE_OK)
		return rc;
	*version = v > 0 && v <= (sqlite3_int64)~0u ? (unsigned)v : 0;
	return STORE_OK;
}

static int sq_clear_procedures(void *ctx)
{
	return run_cached(ctx, ST_PROC_CLEAR);
}

static int sq_add_procedure(void *ctx, const store_proc_doc *d)
{
	struct sqlite_ctx *c = ctx;
	sqlite3_stmt *st = NULL;
	int rc = stmt(c, ST_PROC_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->body, -1, SQLITE_STATIC);
	return run(c, st);
}

/* The FTS5 expression for q: every term as a phrase ("..." with quotes doubled, so no term
 * is read as FTS5 syntax), ANDed. Bound as a parameter like any other value. */
static int match_expression(const struct store_query *q, char *out, size_t outlen)
{
	size_t i, o = 0;
	const char *p;

	for (i = 0; i < q->nterms; i++) {
		if (i > 0) {
			if (outlen - o <= 5)
				return STORE_EINPUT;
			memcpy(out + o, " AND ", 5);
			o += 5;
		}
		if (outlen - o <= 1)
			return STORE_EINPUT;
		out[o++] = '"';
		for (p = q->terms[i]; *p; p++) {
			if (outlen - o <= 2)
				return STORE_EINPUT;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		if (outlen - o <= 1)
			return STORE_EINPUT;
		out[o++] = '"';
	}
	out[o] = '\0';
	return STORE_OK;
}

static int sq_search_procedures(void *ctx, const struct store_query *q, size_t limit,
                                struct store_ids *out)
{
	/* Each byte at most doubled, plus quotes and " AND " between terms. */
	char expr[2 * STORE_QUERY_MAX_BYTES + 7 * STORE_QUERY_MAX_TERMS + 1];
	struct sqlite_ctx *c = ctx;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 lim = limit > (size_t)INT32_MAX ? INT32_MAX : (sqlite3_int64)limit;
	size_t i;
	int rc, ret;

	if (!q->has_short_term) {
		if ((ret = match_expression(q, expr, sizeof(expr))) != STORE_OK)
			goto out;
		if ((ret = stmt(c, ST_PROC_MATCH, &st)) != STORE_OK)
			goto out;
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, lim);
	} else {
		if ((ret = stmt(c, ST_PROC_SCAN, &st)) != STORE_OK)
			goto out;
		for (i = 0; i < q->nterms && i < STORE_QUERY_MAX_TERMS; i++)
			sqlite3_bind_text(st, (int)i + 1, q->terms[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, SCAN_LIMIT_PARAM, lim);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		if (!id)
			continue;
		if ((ret = store_ids_push(out, id, (size_t)len)) != STORE_OK) {
			snprintf(c->msg, sizeof(c->msg), "out of memory");
			goto out;
		}
	}
	ret = rc == SQLITE_DONE ? STORE_OK : fail(c, rc);
out:
	if (st)
		done(st);
	return ret;
}

int store_sqlite_pragma(store *s, const char *name, char *out, size_t outlen)
{
	static const char *const pragmas[][2] = {
	    {"journal_mode", "PRAGMA journal_mode"},
	    {"foreign_keys", "PRAGMA foreign_keys"},
	    {"synchronous", "PRAGMA synchronous"},
	    {"busy_timeout", "PRAGMA busy_timeout"},
	};
	size_t i;

	if (!s || !s->ctx || s->be != &store_sqlite_backend || !name || !out || outlen == 0)
		return STORE_EINPUT;
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (strcmp(name, pragmas[i][0]) == 0)
			return query_text(s->ctx, pragmas[i][1], out, outlen);
	return STORE_EINPUT;
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .dialect = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .migration_applied = sq_migration_applied,
    .record_migration = sq_record_migration,
    .schema_version = sq_schema_version,
    .clear_procedures = sq_clear_procedures,
    .add_procedure = sq_add_procedure,
    .search_procedures = sq_search_procedures,
};
