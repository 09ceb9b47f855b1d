/* store: the one storage interface of the portal. Callers see only these functions; the
 * back end (SQLite by default, PostgreSQL later) sits behind a const struct of function
 * pointers (store_impl.h) chosen by the URL given to store_open. Each event-loop thread opens
 * its own store. */
#ifndef MADOGUCHI_STORE_H
#define MADOGUCHI_STORE_H

#include <stddef.h>

enum store_err {
	STORE_OK = 0,
	STORE_EOPEN,     /* could not open or connect */
	STORE_EURL,      /* unknown scheme in the URL */
	STORE_ESQL,      /* the back end refused a statement */
	STORE_EBUSY,     /* locked for longer than the busy timeout */
	STORE_ENOTFOUND,
	STORE_ECONFLICT, /* a unique key already exists */
	STORE_ENOMEM,
	STORE_EINPUT,    /* bad argument */
};
const char *store_strerror(int err);

typedef struct store store;

/* url: "sqlite:PATH" or a plain PATH (SQLite; WAL, foreign keys on, synchronous=FULL,
 * busy timeout 5 s); "postgres://..." is reserved for the PostgreSQL back end.
 * On failure returns non-zero and writes a message into err. */
int store_open(const char *url, store **out, char *err, size_t errlen);
void store_close(store *s);
/* The back end's message for the last failed call on s (never NULL). Owned by s; valid until
 * the next call on s. For logs, never for pages. */
const char *store_errmsg(store *s);

/* Apply every embedded migration not yet applied, each in its own transaction, recording
 * it in schema_migrations. *applied (may be NULL) receives how many were applied now. */
int store_migrate(store *s, unsigned *applied, char *err, size_t errlen);
/* Highest applied migration number (0 when none). */
int store_schema_version(store *s, unsigned *version);

/* Procedure search. The index is replaced as a whole (one transaction) at start-up. */
typedef struct store_proc_doc {
	const char *id;
	const char *title;
	const char *summary;
	const char *body; /* description as plain text */
} store_proc_doc;
int store_index_procedures(store *s, const store_proc_doc *docs, size_t n);

/* Ids of the procedures matching query, best first, at most limit. Queries of three or
 * more characters use the FTS5 trigram index (partial Japanese words match); shorter ones
 * fall back to a substring scan. Every whitespace-separated term must match (AND).
 * *ids is a NULL-terminated array the caller frees with store_free_ids. */
int store_search_procedures(store *s, const char *query, size_t limit, char ***ids, size_t *n);
void store_free_ids(char **ids);

#endif
