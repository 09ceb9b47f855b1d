/* drv_pg: the PostgreSQL driver of the store (sqldrv.h), over libpq. One connection per
 * thread, like the SQLite driver: the portal's worker pool and its writer each open their
 * own store, so the pool of connections is the pool of threads (workers in the config).
 *
 * Statements are server-side prepared statements, prepared on a connection at their first
 * execution with the types of the values bound then: integers as int8, text as text, blobs
 * as bytea (binary), a NULL as what the caller says the column holds, a parameter left
 * unbound as the server infers it (a later call that binds other types prepares it again).
 * sql.c's ?N placeholders become $N. Results come as text; integers are parsed, bytea decoded when
 * read.
 *
 * PostgreSQL aborts a transaction on any error, where SQLite fails the one statement: an
 * INSERT or UPDATE inside a transaction runs in a savepoint, so that a unique-key conflict
 * (STORE_ECONFLICT) leaves the caller's transaction usable, as the store's callers expect.
 *
 * The connection must be to a UTF8 database with the C.UTF-8 locale (ORDER BY on text is
 * then the bytes' order, as on SQLite, and pg_trgm sees Japanese letters); open refuses any
 * other. lock_timeout is 5 s, SQLite's
 * busy timeout. A connection lost between transactions is reset once and its statements
 * prepared again. */
#include "store/sqldrv.h"
#include "util/errbuf.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_MAX_PARAMS 32
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_VARCHAR 1043
#define OID_NUMERIC 1700

struct pg_stmt {
	sqldrv_stmt base;
	struct pg_conn *conn;
	char *sql; /* with $N */
	char name[16];
	int nparams;
	int write;  /* INSERT or UPDATE: run in a savepoint inside a transaction */
	int counts; /* INSERT, UPDATE or DELETE: sets the connection's changes */
	int prepared;
	Oid types[PG_MAX_PARAMS];  /* as prepared */
	Oid btypes[PG_MAX_PARAMS]; /* as bound now */
	const char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
	char ints[PG_MAX_PARAMS][24];
	PGresult *res;
	int row, nrows;
	unsigned char **blobs; /* decoded bytea of the current row, per column */
	size_t *blob_lens;
	struct pg_stmt *next;
};

struct pg_conn {
	PGconn *pg;
	struct pg_stmt *stmts;
	int nstmts;
	long long changes;
	char msg[512];
};

#define PGS(st) ((struct pg_stmt *)(st))

static void set_msg(struct pg_conn *c, const char *m)
{
	size_t n;
	snprintf(c->msg, sizeof(c->msg), "%s", m && *m ? m : "PostgreSQL error");
	n = strlen(c->msg);
	while (n > 0 && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
		c->msg[--n] = '\0';
}

/* The store code of a failed result (res may be NULL: the connection failed). */
static int map_state(struct pg_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	set_msg(c, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
	if (!state)
		return PQstatus(c->pg) == CONNECTION_BAD ? STORE_EOPEN : STORE_ESQL;
	if (strcmp(state, "23505") == 0)
		return STORE_ECONFLICT;
	if (strcmp(state, "23503") == 0)
		return STORE_ENOTFOUND; /* the row referred to does not exist */
	if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "57014") == 0)
		return STORE_EBUSY;
	if (strncmp(state, "53", 2) == 0)
		return STORE_ENOMEM; /* insufficient resources */
	if (strncmp(state, "08", 2) == 0)
		return STORE_EOPEN;
	return STORE_ESQL;
}

/* Run a command without parameters; STORE_OK or the mapped error. */
static int command(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType t = PQresultStatus(res);
	int rc = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? STORE_OK : map_state(c, res);
	PQclear(res);
	return rc;
}

/* The one value of a one-row query without parameters into out. */
static int query_text(struct pg_conn *c, const char *sql, char *out, size_t outlen)
{
	PGresult *res = PQexec(c->pg, sql);
	int rc = STORE_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = map_state(c, res);
	else if (PQntuples(res) != 1 || PQnfields(res) < 1)
		rc = STORE_ESQL;
	else
		snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static void free_blobs(struct pg_stmt *s)
{
	int i, n = s->res ? PQnfields(s->res) : 0;
	if (!s->blobs)
		return;
	for (i = 0; i < n; i++)
		PQfreemem(s->blobs[i]);
	free(s->blobs);
	free(s->blob_lens);
	s->blobs = NULL;
	s->blob_lens = NULL;
}

static void pg_reset(sqldrv_stmt *st)
{
	struct pg_stmt *s = PGS(st);
	free_blobs(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	memset(s->btypes, 0, sizeof(s->btypes));
	memset(s->values, 0, sizeof(s->values));
	memset(s->lengths, 0, sizeof(s->lengths));
	memset(s->formats, 0, sizeof(s->formats));
}

static void pg_close(void *conn)
{
	struct pg_conn *c = conn;
	if (!c)
		return;
	while (c->stmts) {
		struct pg_stmt *s = c->stmts;
		c->stmts = s->next;
		pg_reset(&s->base);
		free(s->sql);
		free(s);
	}
	PQfinish(c->pg);
	free(c);
}

static const char *pg_errmsg(void *conn)
{
	return ((struct pg_conn *)conn)->msg;
}

/* The collation must be C (text ordered by its bytes, as on SQLite) and the character
 * classes UTF-8's (pg_trgm takes only letters and digits into trigrams: in the plain C
 * locale no Japanese character is one): C.UTF-8 is both. */
static int locale_check(struct pg_conn *c)
{
	char v[64];
	int rc = query_text(c,
	                    "SELECT datcollate || '/' || datctype FROM pg_database"
	                    " WHERE datname = current_database()",
	                    v, sizeof(v));
	if (rc != STORE_OK)
		return rc;
	if (strcmp(v, "C.UTF-8/C.UTF-8") == 0 || strcmp(v, "C.utf8/C.utf8") == 0 ||
	    strcmp(v, "C/C.UTF-8") == 0 || strcmp(v, "C/C.utf8") == 0)
		return STORE_OK;
	snprintf(c->msg, sizeof(c->msg),
	         "the database's collation/character classes are %s; create it with "
	         "createdb -E UTF8 --locale=C.UTF-8 -T template0",
	         v);
	return STORE_EOPEN;
}

/* UTF8, the locale, and the session settings. */
static int pg_settings(struct pg_conn *c)
{
	char v[64];
	int rc;
	if (PQsetClientEncoding(c->pg, "UTF8") != 0) {
		set_msg(c, PQerrorMessage(c->pg));
		return STORE_EOPEN;
	}
	if ((rc = query_text(c, "SHOW server_encoding", v, sizeof(v))) != STORE_OK)
		return rc;
	if (strcmp(v, "UTF8") != 0) {
		snprintf(c->msg, sizeof(c->msg), "the database's encoding is %s, not UTF8", v);
		return STORE_EOPEN;
	}
	if ((rc = locale_check(c)) != STORE_OK)
		return rc;
	return command(c, "SET lock_timeout = '5s'");
}

/* The server's notices ("relation ... already exists, skipping") are not errors: not
 * printed. */
static void no_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_open(const char *target, void **out, char *err, size_t errlen)
{
	struct pg_conn *c = calloc(1, sizeof(*c));
	int ret;

	*out = NULL;
	if (!c) {
		errbuf_set(err, errlen, "out of memory");
		return STORE_ENOMEM;
	}
	c->pg = PQconnectdb(target);
	if (c->pg)
		PQsetNoticeProcessor(c->pg, no_notice, NULL);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		set_msg(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		ret = STORE_EOPEN;
	} else {
		ret = pg_settings(c);
	}
	if (ret != STORE_OK) {
		/* The URL is not echoed: it may hold a password. */
		errbuf_set(err, errlen, "cannot open the PostgreSQL database: %s", c->msg);
		pg_close(c);
		return ret == STORE_ENOMEM ? ret : STORE_EOPEN;
	}
	*out = c;
	return STORE_OK;
}

/* sql with each ?N outside quotes as $N; the highest N into *nparams. */
static char *dollar_sql(const char *sql, int *nparams)
{
	char *out = strdup(sql), *p;
	int quoted = 0;
	*nparams = 0;
	if (!out)
		return NULL;
	for (p = out; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9') {
			*p = '$';
			int n = atoi(p + 1);
			if (n > *nparams)
				*nparams = n;
		}
	}
	return out;
}

static int starts_with_word(const char *sql, const char *word)
{
	size_t n = strlen(word);
	return strncmp(sql, word, n) == 0 && (sql[n] == ' ' || sql[n] == '\0');
}

static int pg_prepare(void *conn, const char *sql, sqldrv_stmt **out)
{
	struct pg_conn *c = conn;
	struct pg_stmt *s = calloc(1, sizeof(*s));

	if (s)
		s->sql = dollar_sql(sql, &s->nparams);
	if (!s || !s->sql) {
		free(s);
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return STORE_ENOMEM;
	}
	if (s->nparams > PG_MAX_PARAMS) {
		free(s->sql);
		free(s);
		snprintf(c->msg, sizeof(c->msg), "more than %d parameters", PG_MAX_PARAMS);
		return STORE_ESQL;
	}
	s->base.drv = &sqldrv_pg;
	s->conn = c;
	snprintf(s->name, sizeof(s->name), "m%d", ++c->nstmts);
	s->write = starts_with_word(sql, "INSERT") || starts_with_word(sql, "UPDATE");
	s->counts = s->write || starts_with_word(sql, "DELETE");
	s->row = -1;
	s->next = c->stmts;
	c->stmts = s;
	*out = &s->base;
	return STORE_OK;
}

static void bind(sqldrv_stmt *st, int i, Oid type, const char *v, int len, int format)
{
	struct pg_stmt *s = PGS(st);
	if (i < 1 || i > s->nparams)
		return;
	s->btypes[i - 1] = type;
	s->values[i - 1] = v;
	s->lengths[i - 1] = len;
	s->formats[i - 1] = format;
}

static void pg_bind_int(sqldrv_stmt *st, int i, long long v)
{
	struct pg_stmt *s = PGS(st);
	if (i < 1 || i > s->nparams)
		return;
	snprintf(s->ints[i - 1], sizeof(s->ints[i - 1]), "%lld", v);
	bind(st, i, OID_INT8, s->ints[i - 1], 0, 0);
}

static void pg_bind_text(sqldrv_stmt *st, int i, const char *v)
{
	bind(st, i, OID_TEXT, v, 0, 0);
}

static void pg_bind_blob(sqldrv_stmt *st, int i, const void *v, size_t len)
{
	/* libpq's lengths are int: a longer blob is refused by the server as too short. */
	bind(st, i, OID_BYTEA, len ? v : "", len > 0x7fffffff ? 0x7fffffff : (int)len, 1);
}

static void pg_bind_null(sqldrv_stmt *st, int i, int type)
{
	bind(st, i,
	     type == SQLDRV_INT    ? OID_INT8
	     : type == SQLDRV_BLOB ? OID_BYTEA
	                           : OID_TEXT,
	     NULL, 0, 0);
}

static int pg_param_count(sqldrv_stmt *st)
{
	return PGS(st)->nparams;
}

static int in_tx(struct pg_conn *c)
{
	PGTransactionStatusType t = PQtransactionStatus(c->pg);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* PQprepare with types (0: for the server to infer); inside a transaction in a savepoint,
 * so that a refusal does not end the caller's transaction. */
static int prepare_as(struct pg_stmt *s, const Oid *types)
{
	struct pg_conn *c = s->conn;
	int sp = in_tx(c), rc;
	PGresult *res;
	if (sp && (rc = command(c, "SAVEPOINT sqldrv_prepare")) != STORE_OK)
		return rc;
	res = PQprepare(c->pg, s->name, s->sql, s->nparams, types);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : map_state(c, res);
	PQclear(res);
	if (sp && rc != STORE_OK && command(c, "ROLLBACK TO SAVEPOINT sqldrv_prepare") != STORE_OK)
		return rc;
	if (sp && command(c, "RELEASE SAVEPOINT sqldrv_prepare") != STORE_OK && rc == STORE_OK)
		rc = STORE_ESQL;
	return rc;
}

/* Prepared with the types bound now: a parameter left unbound (NULL) keeps the type it was
 * prepared with, or is left to the server, or, where the server cannot tell (a parameter
 * the statement does not use, or only tests for NULL), is text. Prepared again when a bound
 * type differs from the one it was prepared with. */
static int ensure_prepared(struct pg_stmt *s)
{
	Oid want[PG_MAX_PARAMS];
	int i, again = !s->prepared, rc;
	for (i = 0; i < s->nparams; i++) {
		want[i] = s->btypes[i] ? s->btypes[i] : s->prepared ? s->types[i] : 0;
		if (want[i] != s->types[i])
			again = 1;
	}
	if (!again)
		return STORE_OK;
	if (s->prepared) {
		char sql[40];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		if ((rc = command(s->conn, sql)) != STORE_OK)
			return rc;
		s->prepared = 0;
	}
	rc = prepare_as(s, want);
	if (rc == STORE_ESQL &&
	    strstr(s->conn->msg, "could not determine data type of parameter") != NULL) {
		for (i = 0; i < s->nparams; i++)
			if (!want[i])
				want[i] = OID_TEXT;
		rc = prepare_as(s, want);
	}
	if (rc == STORE_OK)
		memcpy(s->types, want, sizeof(s->types));
	s->prepared = rc == STORE_OK;
	return rc;
}

/* A connection lost outside a transaction is made again once; every statement of it is
 * then prepared again at its next use. */
static int ensure_connected(struct pg_conn *c)
{
	struct pg_stmt *s;
	if (PQstatus(c->pg) == CONNECTION_OK)
		return STORE_OK;
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		set_msg(c, PQerrorMessage(c->pg));
		return STORE_EOPEN;
	}
	for (s = c->stmts; s; s = s->next)
		s->prepared = 0;
	return pg_settings(c);
}

/* The statement's result into s->res; the savepoint around a write in a transaction. */
static int execute(struct pg_stmt *s)
{
	struct pg_conn *c = s->conn;
	int sp = s->write && in_tx(c), rc;
	ExecStatusType t;

	if (!in_tx(c) && (rc = ensure_connected(c)) != STORE_OK)
		return rc;
	if ((rc = ensure_prepared(s)) != STORE_OK)
		return rc;
	if (sp && (rc = command(c, "SAVEPOINT sqldrv")) != STORE_OK)
		return rc;
	s->res = PQexecPrepared(c->pg, s->name, s->nparams, s->values, s->lengths, s->formats, 0);
	t = PQresultStatus(s->res);
	if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
		rc = map_state(c, s->res);
		PQclear(s->res);
		s->res = NULL;
		if (sp && command(c, "ROLLBACK TO SAVEPOINT sqldrv") == STORE_OK)
			command(c, "RELEASE SAVEPOINT sqldrv");
		return rc;
	}
	if (sp && (rc = command(c, "RELEASE SAVEPOINT sqldrv")) != STORE_OK)
		return rc;
	if (s->counts)
		c->changes = atoll(PQcmdTuples(s->res));
	s->nrows = PQntuples(s->res);
	return STORE_OK;
}

static int pg_step(sqldrv_stmt *st)
{
	struct pg_stmt *s = PGS(st);
	int rc;
	if (!s->res && (rc = execute(s)) != STORE_OK)
		return rc;
	free_blobs(s);
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return SQLDRV_DONE;
	}
	s->row++;
	return SQLDRV_ROW;
}

static int has_value(struct pg_stmt *s, int col)
{
	return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res) &&
	       !PQgetisnull(s->res, s->row, col);
}

static int pg_col_type(sqldrv_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	if (!has_value(s, col))
		return SQLDRV_NULL;
	switch (PQftype(s->res, col)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_BOOL:
		return SQLDRV_INT;
	case OID_TEXT:
	case OID_VARCHAR:
		return SQLDRV_TEXT;
	case OID_BYTEA:
		return SQLDRV_BLOB;
	}
	return SQLDRV_OTHER;
}

static long long pg_col_int(sqldrv_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	const char *v;
	if (!has_value(s, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10); /* numeric (a sum) as its integer part */
}

static const char *pg_col_text(sqldrv_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	return has_value(s, col) ? PQgetvalue(s->res, s->row, col) : NULL;
}

/* The bytea column col of the current row, decoded once per row. */
static const unsigned char *blob_of(struct pg_stmt *s, int col, size_t *len)
{
	int n = PQnfields(s->res);
	if (!s->blobs) {
		s->blobs = calloc((size_t)n, sizeof(*s->blobs));
		s->blob_lens = calloc((size_t)n, sizeof(*s->blob_lens));
		if (!s->blobs || !s->blob_lens) {
			free_blobs(s);
			return NULL;
		}
	}
	if (!s->blobs[col])
		s->blobs[col] = PQunescapeBytea(
		    (const unsigned char *)PQgetvalue(s->res, s->row, col), &s->blob_lens[col]);
	*len = s->blobs[col] ? s->blob_lens[col] : 0;
	return s->blobs[col];
}

static const void *pg_col_blob(sqldrv_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	size_t len;
	if (!has_value(s, col))
		return NULL;
	if (PQftype(s->res, col) != OID_BYTEA)
		return PQgetvalue(s->res, s->row, col);
	return blob_of(s, col, &len);
}

static size_t pg_col_bytes(sqldrv_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	size_t len = 0;
	if (!has_value(s, col))
		return 0;
	if (PQftype(s->res, col) != OID_BYTEA)
		return (size_t)PQgetlength(s->res, s->row, col);
	blob_of(s, col, &len);
	return len;
}

static long long pg_changes(void *conn)
{
	return ((struct pg_conn *)conn)->changes;
}

static int pg_exec(void *conn, const char *script)
{
	struct pg_conn *c = conn;
	int rc;
	if (!in_tx(c) && (rc = ensure_connected(c)) != STORE_OK)
		return rc;
	return command(c, script);
}

/* READ COMMITTED; what SQLite's BEGIN IMMEDIATE serialises is held here by row locks
 * (FOR UPDATE, upserts) and advisory locks in the statements that need them. */
static int pg_begin(void *conn)
{
	return pg_exec(conn, "BEGIN");
}

/* A COMMIT of a transaction that an error aborted succeeds as a ROLLBACK: that is a
 * failure here. */
static int pg_commit(void *conn)
{
	struct pg_conn *c = conn;
	PGresult *res = PQexec(c->pg, "COMMIT");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : map_state(c, res);
	if (rc == STORE_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(c->msg, sizeof(c->msg),
		         "the transaction was rolled back by an error in it");
		rc = STORE_ESQL;
	}
	PQclear(res);
	return rc;
}

static int pg_tx_open(void *conn)
{
	return in_tx(conn);
}

static int pg_rollback(void *conn)
{
	if (!in_tx(conn))
		return STORE_OK;
	return command(conn, "ROLLBACK");
}

const struct sqldrv sqldrv_pg = {
    .name = "postgres",
    .dialect = "postgres",
    .pg = 1,
    .open = pg_open,
    .close = pg_close,
    .errmsg = pg_errmsg,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .param_count = pg_param_count,
    .step = pg_step,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_bytes = pg_col_bytes,
    .reset = pg_reset,
    .changes = pg_changes,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .tx_open = pg_tx_open,
    .exec = pg_exec,
    .backup = NULL, /* pg_dump, pg_basebackup (docs/operations.md) */
};
