/* sqldrv: what a SQL driver gives the store's one body of statements (sql.c): a connection,
 * prepared statements with positional parameters, rows read a column at a time, and the
 * connection's transactions. Two drivers: drv_sqlite.c (SQLite) and drv_pg.c (PostgreSQL,
 * libpq). The SQL of sql.c is written once with ?N placeholders (drv_pg.c numbers them $N);
 * the few statements whose SQL must differ are given per dialect there.
 *
 * Errors: a function that can fail returns a STORE_* code (STORE_OK on success) and leaves a
 * message that errmsg returns until the next call on the connection. A unique-key violation
 * is STORE_ECONFLICT, a foreign-key violation STORE_ENOTFOUND, a lock not had in time
 * STORE_EBUSY. Only src/store/ includes this. */
#ifndef MADOGUCHI_SQLDRV_H
#define MADOGUCHI_SQLDRV_H

#include "store/store.h"

#include <stddef.h>

/* What step gives besides an error code. */
enum { SQLDRV_ROW = 100, SQLDRV_DONE = 101 };

/* A column's type in the current row. */
enum { SQLDRV_NULL, SQLDRV_INT, SQLDRV_TEXT, SQLDRV_BLOB, SQLDRV_OTHER };

struct sqldrv;

/* A prepared statement; each driver's own statement begins with this. */
typedef struct sqldrv_stmt {
	const struct sqldrv *drv;
} sqldrv_stmt;

struct sqldrv {
	const char *name;    /* "sqlite", "postgres" */
	const char *dialect; /* the marker of its blocks in migrations */
	int pg;              /* 1 for PostgreSQL: sql.c picks that dialect's statements */

	/* target: a path, or a connection URL. On failure a message in err, *conn NULL. */
	int (*open)(const char *target, void **conn, char *err, size_t errlen);
	void (*close)(void *conn);
	const char *(*errmsg)(void *conn);

	/* sql stays valid as long as the connection (sql.c's statements are constants).
	 * The statement is the connection's, freed by close. */
	int (*prepare)(void *conn, const char *sql, sqldrv_stmt **out);
	/* Parameters count from 1; text and blobs must stay valid until reset. */
	void (*bind_int)(sqldrv_stmt *st, int i, long long v);
	void (*bind_text)(sqldrv_stmt *st, int i, const char *v);
	void (*bind_blob)(sqldrv_stmt *st, int i, const void *v, size_t len);
	/* type: SQLDRV_INT, SQLDRV_TEXT or SQLDRV_BLOB, what the column holds when not NULL
	 * (PostgreSQL types every parameter). */
	void (*bind_null)(sqldrv_stmt *st, int i, int type);
	int (*param_count)(sqldrv_stmt *st);
	/* SQLDRV_ROW with a row to read, SQLDRV_DONE at the end, or a STORE_* error. */
	int (*step)(sqldrv_stmt *st);
	int (*col_type)(sqldrv_stmt *st, int col);
	long long (*col_int)(sqldrv_stmt *st, int col);
	/* NULL for SQL NULL; valid until the next step or reset. */
	const char *(*col_text)(sqldrv_stmt *st, int col);
	const void *(*col_blob)(sqldrv_stmt *st, int col);
	size_t (*col_bytes)(sqldrv_stmt *st, int col); /* of col_text or col_blob, as read */
	/* Ready for the next use, parameters cleared. */
	void (*reset)(sqldrv_stmt *st);
	/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
	long long (*changes)(void *conn);

	int (*begin)(void *conn); /* serialises writers from the start where the engine can */
	int (*commit)(void *conn);
	int (*rollback)(void *conn); /* harmless when none is open */
	int (*tx_open)(void *conn);
	int (*exec)(void *conn, const char *script); /* trusted statements only */
	/* store_backup into the new file dest; NULL where the engine has its own tools. */
	int (*backup)(void *conn, const char *dest, store_backup_info *info);
};

extern const struct sqldrv sqldrv_sqlite;
extern const struct sqldrv sqldrv_pg;

/* The first column of the one row of the uncached sql on a SQLite connection, as text. */
int drv_sqlite_text(void *conn, const char *sql, char *out, size_t outlen);

/* The statement calls of sql.c, through the statement's driver. */
static inline void db_bind_int(sqldrv_stmt *st, int i, long long v)
{
	st->drv->bind_int(st, i, v);
}
static inline void db_bind_text(sqldrv_stmt *st, int i, const char *v)
{
	st->drv->bind_text(st, i, v);
}
static inline void db_bind_blob(sqldrv_stmt *st, int i, const void *v, size_t len)
{
	st->drv->bind_blob(st, i, v, len);
}
static inline void db_bind_null(sqldrv_stmt *st, int i, int type)
{
	st->drv->bind_null(st, i, type);
}
static inline int db_param_count(sqldrv_stmt *st)
{
	return st->drv->param_count(st);
}
static inline int db_step(sqldrv_stmt *st)
{
	return st->drv->step(st);
}
static inline int db_col_type(sqldrv_stmt *st, int col)
{
	return st->drv->col_type(st, col);
}
static inline long long db_col_int(sqldrv_stmt *st, int col)
{
	return st->drv->col_int(st, col);
}
static inline const char *db_col_text(sqldrv_stmt *st, int col)
{
	return st->drv->col_text(st, col);
}
static inline const void *db_col_blob(sqldrv_stmt *st, int col)
{
	return st->drv->col_blob(st, col);
}
static inline size_t db_col_bytes(sqldrv_stmt *st, int col)
{
	return st->drv->col_bytes(st, col);
}
static inline void db_reset(sqldrv_stmt *st)
{
	st->drv->reset(st);
}

#endif
