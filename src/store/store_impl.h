/* store_impl: what a storage back end provides to the front (store.c), and the helpers the
 * front shares with the back ends. Only src/store/ and the store's own tests include this.
 * A back end is a const struct of function pointers over an opaque context (like curl's TLS
 * back ends); adding PostgreSQL means writing pg.c with one such struct and one line in
 * store_open, and no caller changes. */
#ifndef MADOGUCHI_STORE_IMPL_H
#define MADOGUCHI_STORE_IMPL_H

#include "store/store.h"

#include <stddef.h>

/* Bounds of a search query, applied by the front before a back end sees it. */
#define STORE_QUERY_MAX_BYTES 200
#define STORE_QUERY_MAX_TERMS 8
/* Terms of at least this many code points can use a trigram index. */
#define STORE_QUERY_MIN_INDEXED 3

/* A search query after trimming, truncation and splitting (store.c). The terms point into
 * text; each is non-empty, NUL-terminated and contains no separator. */
struct store_query {
	char text[STORE_QUERY_MAX_BYTES + 1];
	const char *terms[STORE_QUERY_MAX_TERMS];
	size_t nterms;
	int has_short_term; /* some term has fewer than STORE_QUERY_MIN_INDEXED code points */
};

/* The result list a back end fills: a NULL-terminated array that store_free_ids frees. */
struct store_ids {
	char **ids;
	size_t n;
	size_t cap;
};

/* Every function returns a STORE_* code; on failure the back end keeps a message that its
 * errmsg returns until the next call on the same context. */
struct store_backend {
	const char *name;    /* "sqlite" */
	const char *dialect; /* the marker name of its blocks in migrations: "sqlite", "postgres" */

	/* target: the path or connection string without the scheme. On failure writes a
	 * message into err and leaves *ctx NULL. */
	int (*open)(const char *target, void **ctx, char *err, size_t errlen);
	void (*close)(void *ctx);
	const char *(*errmsg)(void *ctx);

	/* A write transaction that serialises writers from the start (SQLite: BEGIN
	 * IMMEDIATE), so that check-then-write sequences such as migrations are safe across
	 * processes. */
	int (*begin)(void *ctx);
	int (*commit)(void *ctx);
	int (*rollback)(void *ctx); /* harmless when no transaction is open */

	/* Run a script of trusted statements (migrations, fixed DDL); never user input. */
	int (*exec)(void *ctx, const char *sql);

	/* schema_migrations(number, name, applied_at), created by the front. */
	int (*migration_applied)(void *ctx, unsigned number, int *applied);
	int (*record_migration)(void *ctx, unsigned number, const char *name,
	                        const char *applied_at);
	/* Highest recorded number, 0 when schema_migrations does not exist yet. */
	int (*schema_version)(void *ctx, unsigned *version);

	/* Inside a transaction opened by begin: empty the search index, then add documents
	 * (fields never NULL). */
	int (*clear_procedures)(void *ctx);
	int (*add_procedure)(void *ctx, const store_proc_doc *doc);
	/* q has at least one term; limit >= 1. Appends the matching ids to out. */
	int (*search_procedures)(void *ctx, const struct store_query *q, size_t limit,
	                         struct store_ids *out);
};

struct store {
	const struct store_backend *be;
	void *ctx;
};

extern const struct store_backend store_sqlite_backend;

/* Shared helpers (store.c). */

/* Append a copy of id (len bytes) to l; STORE_OK or STORE_ENOMEM. */
int store_ids_push(struct store_ids *l, const char *id, size_t len);
/* Free what l holds and empty it. */
void store_ids_release(struct store_ids *l);

/* Trim, bound (STORE_QUERY_MAX_BYTES, cut on a code-point boundary) and split (ASCII
 * whitespace and U+3000) query into at most STORE_QUERY_MAX_TERMS terms; a query with no
 * term gives nterms 0. */
void store_query_parse(const char *query, struct store_query *q);
/* Number of UTF-8 code points of s (continuation bytes are not counted). */
size_t store_utf8_count(const char *s);

/* The statements of a migration for dialect: lines after a "-- D:" marker line for another
 * dialect D are dropped (replaced by empty lines, so line numbers stay), up to the next
 * marker; "-- common:" starts SQL for every back end. *out is malloc'ed (caller frees).
 * Returns STORE_OK or STORE_ENOMEM. */
int store_migration_sql(const char *sql, const char *dialect, char **out);

/* Test-only: the value of one of the connection's pragmas (journal_mode, foreign_keys,
 * synchronous, busy_timeout) as text. STORE_EINPUT for another name or another back end. */
int store_sqlite_pragma(store *s, const char *name, char *out, size_t outlen);

#endif
