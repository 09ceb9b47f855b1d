/* drv_sqlite: the SQLite driver of the store (sqldrv.h; the default: one file, nothing to
 * start). One connection per thread (SQLITE_OPEN_NOMUTEX), WAL, synchronous=FULL so a commit
 * is on disk before anyone is told it succeeded, foreign keys on, 5 s busy timeout.
 * Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT) and kept; user
 * input only ever reaches SQLite as a bound parameter. */
#include "store/sqldrv.h"
#include "store/sqlite_backup.h"
#include "util/errbuf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 5000

struct lite_stmt {
	sqldrv_stmt base;
	sqlite3_stmt *st;
	struct lite_conn *conn;
	int bind_rc; /* the first failed bind, reported by step */
	struct lite_stmt *next;
};

struct lite_conn {
	sqlite3 *db;
	struct lite_stmt *stmts;
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
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return STORE_ENOTFOUND; /* the row referred to does not exist */
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
static int fail(struct lite_conn *c, int rc)
{
	int ret = map_rc(rc);
	snprintf(c->msg, sizeof(c->msg), "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	return ret != STORE_OK ? ret : STORE_ESQL;
}

int drv_sqlite_text(void *conn, const char *sql, char *out, size_t outlen)
{
	struct lite_conn *c = conn;
	int rc = sqlite_db_text(c->db, sql, out, outlen);
	return rc == SQLITE_OK ? STORE_OK : fail(c, rc);
}

static void lite_close(void *conn)
{
	struct lite_conn *c = conn;
	if (!c)
		return;
	while (c->stmts) {
		struct lite_stmt *s = c->stmts;
		c->stmts = s->next;
		sqlite3_finalize(s->st);
		free(s);
	}
	sqlite3_close(c->db);
	free(c);
}

static const char *lite_errmsg(void *conn)
{
	return ((struct lite_conn *)conn)->msg;
}

/* WAL (a file must have it), synchronous=FULL, foreign keys (this SQLite must have them). */
static int lite_settings(struct lite_conn *c)
{
	char value[32];
	const char *file;
	int rc, ret;

	if ((ret = drv_sqlite_text(c, "PRAGMA journal_mode = WAL", value, sizeof(value))) !=
	    STORE_OK)
		return ret;
	file = sqlite3_db_filename(c->db, "main");
	/* An in-memory or temporary database has no WAL; a file must have it. */
	if (strcmp(value, "wal") != 0 && file && file[0]) {
		snprintf(c->msg, sizeof(c->msg), "could not switch to WAL (journal_mode is %s)",
		         value);
		return STORE_EOPEN;
	}
	rc = sqlite3_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL,
	                  NULL);
	if (rc != SQLITE_OK)
		return fail(c, rc);
	if ((ret = drv_sqlite_text(c, "PRAGMA foreign_keys", value, sizeof(value))) != STORE_OK)
		return ret;
	if (strcmp(value, "1") != 0) {
		snprintf(c->msg, sizeof(c->msg), "this SQLite has no foreign key support");
		return STORE_EOPEN;
	}
	return STORE_OK;
}

static int lite_open(const char *target, void **out, char *err, size_t errlen)
{
	struct lite_conn *c = calloc(1, sizeof(*c));
	char *path = NULL;
	int rc, ret = STORE_OK;

	*out = NULL;
	if (!c) {
		errbuf_set(err, errlen, "out of memory");
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
	ret = lite_settings(c);
out:
	if (ret != STORE_OK) {
		/* Whatever went wrong, the database could not be opened as configured. */
		if (ret != STORE_ENOMEM && ret != STORE_EBUSY)
			ret = STORE_EOPEN;
		errbuf_set(err, errlen, "cannot open database %s: %s", target, c->msg);
		lite_close(c);
	} else {
		*out = c;
	}
	free(path);
	return ret;
}

static int lite_prepare(void *conn, const char *sql, sqldrv_stmt **out)
{
	struct lite_conn *c = conn;
	struct lite_stmt *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return STORE_ENOMEM;
	}
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return fail(c, rc);
	}
	s->base.drv = &sqldrv_sqlite;
	s->conn = c;
	s->next = c->stmts;
	c->stmts = s;
	*out = &s->base;
	return STORE_OK;
}

#define LITE(st) ((struct lite_stmt *)(st))

static void lite_bind_rc(sqldrv_stmt *st, int rc)
{
	if (rc != SQLITE_OK && LITE(st)->bind_rc == SQLITE_OK)
		LITE(st)->bind_rc = rc;
}

static void lite_bind_int(sqldrv_stmt *st, int i, long long v)
{
	lite_bind_rc(st, sqlite3_bind_int64(LITE(st)->st, i, v));
}

static void lite_bind_text(sqldrv_stmt *st, int i, const char *v)
{
	lite_bind_rc(st, sqlite3_bind_text(LITE(st)->st, i, v, -1, SQLITE_STATIC));
}

static void lite_bind_blob(sqldrv_stmt *st, int i, const void *v, size_t len)
{
	lite_bind_rc(st, sqlite3_bind_blob64(LITE(st)->st, i, v, len, SQLITE_STATIC));
}

static void lite_bind_null(sqldrv_stmt *st, int i, int type)
{
	lite_bind_rc(st, sqlite3_bind_null(LITE(st)->st, i));
}

static int lite_param_count(sqldrv_stmt *st)
{
	return sqlite3_bind_parameter_count(LITE(st)->st);
}

static int lite_step(sqldrv_stmt *st)
{
	struct lite_stmt *s = LITE(st);
	int rc = s->bind_rc != SQLITE_OK ? s->bind_rc : sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return SQLDRV_ROW;
	if (rc == SQLITE_DONE)
		return SQLDRV_DONE;
	return fail(s->conn, rc);
}

static int lite_col_type(sqldrv_stmt *st, int col)
{
	switch (sqlite3_column_type(LITE(st)->st, col)) {
	case SQLITE_NULL:
		return SQLDRV_NULL;
	case SQLITE_INTEGER:
		return SQLDRV_INT;
	case SQLITE_TEXT:
		return SQLDRV_TEXT;
	case SQLITE_BLOB:
		return SQLDRV_BLOB;
	}
	return SQLDRV_OTHER;
}

static long long lite_col_int(sqldrv_stmt *st, int col)
{
	return sqlite3_column_int64(LITE(st)->st, col);
}

static const char *lite_col_text(sqldrv_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(LITE(st)->st, col);
}

static const void *lite_col_blob(sqldrv_stmt *st, int col)
{
	return sqlite3_column_blob(LITE(st)->st, col);
}

static size_t lite_col_bytes(sqldrv_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(LITE(st)->st, col);
}

static void lite_reset(sqldrv_stmt *st)
{
	sqlite3_reset(LITE(st)->st);
	sqlite3_clear_bindings(LITE(st)->st);
	LITE(st)->bind_rc = SQLITE_OK;
}

static long long lite_changes(void *conn)
{
	return (long long)sqlite3_changes64(((struct lite_conn *)conn)->db);
}

static int lite_exec(void *conn, const char *sql)
{
	struct lite_conn *c = conn;
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return STORE_OK;
	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	rc = map_rc(rc);
	return rc != STORE_OK ? rc : STORE_ESQL;
}

/* BEGIN IMMEDIATE takes the writers' lock at once: a check-then-write sequence in the
 * transaction (a migration, a draft locked for its submission) is safe across processes. */
static int lite_begin(void *conn)
{
	return lite_exec(conn, "BEGIN IMMEDIATE");
}

static int lite_commit(void *conn)
{
	return lite_exec(conn, "COMMIT");
}

static int lite_tx_open(void *conn)
{
	return !sqlite3_get_autocommit(((struct lite_conn *)conn)->db);
}

static int lite_rollback(void *conn)
{
	if (!lite_tx_open(conn))
		return STORE_OK; /* nothing open, or SQLite already rolled back */
	return lite_exec(conn, "ROLLBACK");
}

static int lite_backup(void *conn, const char *dest, store_backup_info *info)
{
	struct lite_conn *c = conn;
	int rc = sqlite_backup(c->db, dest, info, c->msg, sizeof(c->msg));
	if (rc == SQLITE_OK)
		return STORE_OK;
	rc = map_rc(rc);
	return rc != STORE_OK ? rc : STORE_ESQL;
}

const struct sqldrv sqldrv_sqlite = {
    .name = "sqlite",
    .dialect = "sqlite",
    .pg = 0,
    .open = lite_open,
    .close = lite_close,
    .errmsg = lite_errmsg,
    .prepare = lite_prepare,
    .bind_int = lite_bind_int,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .param_count = lite_param_count,
    .step = lite_step,
    .col_type = lite_col_type,
    .col_int = lite_col_int,
    .col_text = lite_col_text,
    .col_blob = lite_col_blob,
    .col_bytes = lite_col_bytes,
    .reset = lite_reset,
    .changes = lite_changes,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .tx_open = lite_tx_open,
    .exec = lite_exec,
    .backup = lite_backup,
};
