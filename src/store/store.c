/* store: the front of the storage interface. Picks the back end from the URL, applies the
 * embedded migrations (dialect blocks split here, so every back end reads them the same way),
 * bounds and splits search queries, checks arguments (lengths, UTF-8, no control characters
 * where they do not belong, so every back end gets the same input and refuses the same
 * things), folds e-mail keys and keeps track of the caller's transaction, opening one of its
 * own for the calls that need one; the back ends (sqlite.c, later pg.c) only run
 * statements. */
#include "store/store_impl.h"

#include "core/application.h"

#include "store/migrations.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The bookkeeping table, in SQL that SQLite and PostgreSQL both accept. */
static const char schema_migrations_ddl[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                            " number INTEGER PRIMARY KEY,"
                                            " name TEXT NOT NULL,"
                                            " applied_at TEXT NOT NULL)";

/* A migration is trusted input, but still bounded. */
#define MIGRATION_MAX_BYTES ((size_t)4 << 20)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *store_strerror(int err)
{
	switch (err) {
	case STORE_OK:
		return "success";
	case STORE_EOPEN:
		return "could not open the database";
	case STORE_EURL:
		return "unsupported database URL";
	case STORE_ESQL:
		return "the database refused a statement";
	case STORE_EBUSY:
		return "the database is busy";
	case STORE_ENOTFOUND:
		return "not found";
	case STORE_ECONFLICT:
		return "already exists";
	case STORE_ENOMEM:
		return "out of memory";
	case STORE_EINPUT:
		return "invalid argument";
	}
	return "unknown storage error";
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Length of the scheme when url starts with "scheme://" (RFC 3986 scheme characters), else
 * 0: "foo:bar.db" is a file name, "mysql://x" is a URL we do not know. */
static size_t url_scheme_len(const char *url)
{
	size_t i = 0;
	if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
		return 0;
	for (i = 1; url[i]; i++) {
		char c = url[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '-' || c == '.')
			continue;
		break;
	}
	return strncmp(url + i, "://", 3) == 0 ? i : 0;
}

int store_open(const char *url, store **out, char *err, size_t errlen)
{
	const struct store_backend *be = &store_sqlite_backend;
	const char *target = url;
	store *s = NULL;
	size_t scheme;
	int rc = STORE_OK;

	set_err(err, errlen, "%s", "");
	if (!out) {
		set_err(err, errlen, "no place for the store handle");
		return STORE_EINPUT;
	}
	*out = NULL;
	if (!url) {
		set_err(err, errlen, "no database URL");
		return STORE_EINPUT;
	}
	if (has_prefix(url, "sqlite:")) {
		target = url + strlen("sqlite:");
	} else if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://")) {
		/* The URL is not echoed: it may hold a password. */
		set_err(err, errlen, "PostgreSQL back end not built yet");
		return STORE_EURL;
	} else if ((scheme = url_scheme_len(url)) > 0) {
		set_err(err, errlen, "unknown database URL scheme \"%.*s\" (use sqlite:PATH)",
		        (int)(scheme > 32 ? 32 : scheme), url);
		return STORE_EURL;
	}
	if (!*target) {
		set_err(err, errlen, "empty database path");
		return STORE_EINPUT;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		set_err(err, errlen, "out of memory");
		rc = STORE_ENOMEM;
		goto out;
	}
	s->be = be;
	rc = be->open(target, &s->ctx, err, errlen);
	if (rc != STORE_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	free(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->ctx)
		s->be->close(s->ctx);
	free(s);
}

const char *store_errmsg(store *s)
{
	const char *m;
	if (!s || !s->ctx)
		return "no store";
	m = s->be->errmsg(s->ctx);
	return m ? m : "";
}

/* ---- migrations ---- */

/* If the line [p, p+len) is a dialect marker ("-- sqlite:", "-- postgres:", "-- common:",
 * with optional text after the colon), store its name and return 1. */
static int migration_marker(const char *p, size_t len, const char **name, size_t *name_len)
{
	static const char *const markers[] = {"sqlite", "postgres", "common"};
	size_t i = 0, k;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (len - i < 2 || p[i] != '-' || p[i + 1] != '-')
		return 0;
	i += 2;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
		size_t m = strlen(markers[k]);
		if (len - i > m && memcmp(p + i, markers[k], m) == 0 && p[i + m] == ':') {
			*name = markers[k];
			*name_len = m;
			return 1;
		}
	}
	return 0;
}

int store_migration_sql(const char *sql, const char *dialect, char **out)
{
	buf b;
	const char *p = sql;
	int keep = 1; /* SQL before any marker is common */
	int rc = STORE_OK;

	*out = NULL;
	buf_init(&b, MIGRATION_MAX_BYTES);
	if (buf_puts(&b, "") < 0) {
		rc = STORE_ENOMEM;
		goto out;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *name;
		size_t name_len;

		if (migration_marker(p, len, &name, &name_len)) {
			keep =
			    (name_len == strlen("common") &&
			     memcmp(name, "common", name_len) == 0) ||
			    (name_len == strlen(dialect) && memcmp(name, dialect, name_len) == 0);
		} else if (keep && buf_append(&b, p, len) < 0) {
			rc = STORE_ENOMEM;
			goto out;
		}
		/* Dropped lines leave their newline, so error line numbers stay right. */
		if (nl && buf_putc(&b, '\n') < 0) {
			rc = STORE_ENOMEM;
			goto out;
		}
		p += len + (nl ? 1 : 0);
	}
	*out = buf_steal(&b, NULL);
	if (!*out)
		rc = STORE_ENOMEM;
out:
	buf_release(&b);
	return rc;
}

/* ISO 8601 UTC time, e.g. 2026-04-01T09:30:00Z. */
static void utc_now(char *out, size_t outlen)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outlen, "%lld", (long long)t);
}

int store_migrate(store *s, unsigned *applied, char *err, size_t errlen)
{
	const struct store_backend *be;
	unsigned done = 0, prev = 0, i;
	char *sql = NULL;
	char when[32];
	int rc = STORE_OK, in_tx = 0, yes = 0;
	const char *what = "schema_migrations";

	set_err(err, errlen, "%s", "");
	if (applied)
		*applied = 0;
	if (!s || !s->ctx) {
		set_err(err, errlen, "no store");
		return STORE_EINPUT;
	}
	if (s->in_tx) {
		set_err(err, errlen, "a transaction is open");
		return STORE_EINPUT;
	}
	be = s->be;

	/* Under the writers' lock, so that two processes migrating at once do not race. */
	if ((rc = be->begin(s->ctx)) != STORE_OK)
		goto fail;
	in_tx = 1;
	if ((rc = be->exec(s->ctx, schema_migrations_ddl)) != STORE_OK)
		goto fail;
	if ((rc = be->commit(s->ctx)) != STORE_OK)
		goto fail;
	in_tx = 0;

	for (i = 0; i < store_n_migrations; i++) {
		const struct migration *m = &store_migrations[i];

		what = m->name;
		if (m->number <= prev) {
			set_err(err, errlen, "migration %s: numbers must increase (after %u)",
			        m->name, prev);
			rc = STORE_EINPUT;
			goto out;
		}
		prev = m->number;

		/* Check and apply in one write transaction: another process that applied it
		 * meanwhile is seen here, after it committed. */
		if ((rc = be->begin(s->ctx)) != STORE_OK)
			goto fail;
		in_tx = 1;
		if ((rc = be->migration_applied(s->ctx, m->number, &yes)) != STORE_OK)
			goto fail;
		if (!yes) {
			rc = store_migration_sql(m->sql, be->dialect, &sql);
			if (rc != STORE_OK) {
				set_err(err, errlen, "migration %s: out of memory", m->name);
				goto out;
			}
			if ((rc = be->exec(s->ctx, sql)) != STORE_OK)
				goto fail;
			free(sql);
			sql = NULL;
			utc_now(when, sizeof(when));
			rc = be->record_migration(s->ctx, m->number, m->name, when);
			if (rc != STORE_OK)
				goto fail;
		}
		if ((rc = be->commit(s->ctx)) != STORE_OK)
			goto fail;
		in_tx = 0;
		if (!yes)
			done++;
	}
	goto out;
fail:
	set_err(err, errlen, "migration %s: %s", what, store_errmsg(s));
out:
	if (in_tx)
		be->rollback(s->ctx);
	free(sql);
	if (applied)
		*applied = done;
	return rc;
}

int store_schema_version(store *s, unsigned *version)
{
	if (!s || !s->ctx || !version)
		return STORE_EINPUT;
	*version = 0;
	return s->be->schema_version(s->ctx, version);
}

/* ---- procedure search ---- */

/* ---- transactions ---- */

/* Start the transaction a call needs, unless the caller has one open: *own says whether
 * tx_end has to end it. */
static int tx_start(store *s, int *own)
{
	int rc;
	*own = 0;
	if (s->in_tx)
		return STORE_OK;
	if ((rc = s->be->begin(s->ctx)) == STORE_OK)
		*own = 1;
	return rc;
}

/* End what tx_start began: commit when rc is STORE_OK, else roll back. Returns rc or the
 * commit's failure. The caller's transaction is left alone. */
static int tx_end(store *s, int own, int rc)
{
	if (!own)
		return rc;
	if (rc == STORE_OK && (rc = s->be->commit(s->ctx)) == STORE_OK)
		return STORE_OK;
	s->be->rollback(s->ctx);
	return rc;
}

int store_begin(store *s)
{
	int rc;
	if (!s || !s->ctx || s->in_tx)
		return STORE_EINPUT;
	if ((rc = s->be->begin(s->ctx)) == STORE_OK)
		s->in_tx = 1;
	return rc;
}

int store_commit(store *s)
{
	int rc;
	if (!s || !s->ctx || !s->in_tx)
		return STORE_EINPUT;
	s->in_tx = 0;
	if ((rc = s->be->commit(s->ctx)) != STORE_OK)
		s->be->rollback(s->ctx); /* whatever the back end left open */
	return rc;
}

int store_rollback(store *s)
{
	if (!s || !s->ctx)
		return STORE_EINPUT;
	s->in_tx = 0;
	return s->be->rollback(s->ctx);
}

int store_index_procedures(store *s, const store_proc_doc *docs, size_t n)
{
	int rc = STORE_OK, own = 0;
	size_t i;

	if (!s || !s->ctx || (n > 0 && !docs))
		return STORE_EINPUT;
	for (i = 0; i < n; i++)
		if (!docs[i].id || !docs[i].id[0])
			return STORE_EINPUT;

	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->clear_procedures(s->ctx)) != STORE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		store_proc_doc d = {
		    .id = docs[i].id,
		    .title = docs[i].title ? docs[i].title : "",
		    .summary = docs[i].summary ? docs[i].summary : "",
		    .body = docs[i].body ? docs[i].body : "",
		};
		if ((rc = s->be->add_procedure(s->ctx, &d)) != STORE_OK)
			goto out;
	}
out:
	return tx_end(s, own, rc);
}

size_t store_utf8_count(const char *s)
{
	return utf8_count(s);
}

/* Bytes of the separator at p (ASCII white space or U+3000 IDEOGRAPHIC SPACE), else 0. */
static size_t separator_len(const char *p, size_t left)
{
	unsigned char c = (unsigned char)p[0];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return 1;
	if (left >= 3 && c == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80)
		return 3;
	return 0;
}

void store_query_parse(const char *query, struct store_query *q)
{
	size_t len, i, sep, start;

	memset(q, 0, sizeof(*q));
	if (!query)
		return;
	len = strlen(query);
	while (len > 0 && (sep = separator_len(query, len)) > 0) {
		query += sep;
		len -= sep;
	}
	/* Cut before the character that would straddle the limit. */
	len = utf8_cut(query, len, STORE_QUERY_MAX_BYTES);
	memcpy(q->text, query, len);
	q->text[len] = '\0';

	/* Split in place: separators become NULs, terms point at what is left. */
	start = 0;
	for (i = 0; i <= len;) {
		sep = i < len ? separator_len(q->text + i, len - i) : 1;
		if (sep == 0) {
			i++;
			continue;
		}
		memset(q->text + i, 0, i < len ? sep : 0);
		if (i > start && q->nterms < STORE_QUERY_MAX_TERMS) {
			const char *t = q->text + start;
			q->terms[q->nterms++] = t;
			if (store_utf8_count(t) < STORE_QUERY_MIN_INDEXED)
				q->has_short_term = 1;
		}
		i += sep;
		start = i;
	}
}

int store_ids_push(struct store_ids *l, const char *id, size_t len)
{
	char *copy;
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p;
		if (cap > SIZE_MAX / sizeof(*p))
			return STORE_ENOMEM;
		p = realloc(l->ids, cap * sizeof(*p));
		if (!p)
			return STORE_ENOMEM;
		l->ids = p;
		l->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return STORE_ENOMEM;
	memcpy(copy, id, len);
	copy[len] = '\0';
	l->ids[l->n++] = copy;
	l->ids[l->n] = NULL;
	return STORE_OK;
}

void store_ids_release(struct store_ids *l)
{
	store_free_ids(l->ids);
	memset(l, 0, sizeof(*l));
}

void store_free_ids(char **ids)
{
	size_t i;
	if (!ids)
		return;
	for (i = 0; ids[i]; i++)
		free(ids[i]);
	free(ids);
}

int store_search_procedures(store *s, const char *query, size_t limit, char ***ids, size_t *n)
{
	struct store_query q;
	struct store_ids list = {0};
	int rc = STORE_OK;

	if (ids)
		*ids = NULL;
	if (n)
		*n = 0;
	if (!s || !s->ctx || !query || !ids || !n)
		return STORE_EINPUT;

	store_query_parse(query, &q);
	if (q.nterms > 0 && limit > 0) {
		rc = s->be->search_procedures(s->ctx, &q, limit, &list);
		if (rc != STORE_OK)
			goto out;
	}
	if (!list.ids) {
		/* No match still gives an array the caller can free. */
		list.ids = calloc(1, sizeof(*list.ids));
		if (!list.ids) {
			rc = STORE_ENOMEM;
			goto out;
		}
		list.cap = 1;
	}
	*ids = list.ids;
	*n = list.n;
	memset(&list, 0, sizeof(list));
out:
	store_ids_release(&list);
	return rc;
}

/* ---- argument checks ---- */

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

enum { TEXT_ANY = 0, TEXT_LINE = 1 /* no control characters */ };

/* t is UTF-8 of min..max bytes (and, for TEXT_LINE, without control characters). */
static int text_ok(const char *t, size_t min, size_t max, int line)
{
	size_t len;

	if (!t)
		return 0;
	len = strnlen(t, max + 1);
	if (len < min || len > max)
		return 0;
	return line ? utf8_line_ok(t, len) : utf8_valid(t, len);
}

/* A SHA-256 in hex as stored for tokens and sessions: 64 lower-case hex digits. */
static int hash_ok(const char *h)
{
	size_t i;
	if (!h)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[64] == '\0';
}

static int email_ok(const char *email)
{
	return text_ok(email, 1, STORE_EMAIL_MAX, TEXT_LINE);
}

void store_email_key(const char *email, char *out)
{
	for (; *email; email++, out++)
		*out = (*email >= 'A' && *email <= 'Z') ? (char)(*email - 'A' + 'a') : *email;
	*out = '\0';
}

#define READY(s) ((s) && (s)->ctx)

/* ---- accounts ---- */

int store_account_create(store *s, const char *email, const char *pw_hash, long long now,
                         long long *id)
{
	char key[STORE_EMAIL_MAX + 1];

	if (id)
		*id = 0;
	if (!READY(s) || !email_ok(email) || !text_ok(pw_hash, 0, STORE_HASH_MAX, TEXT_LINE))
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_create(s->ctx, email, key, pw_hash, now, id);
}

int store_account_by_email(store *s, const char *email, store_account *out)
{
	char key[STORE_EMAIL_MAX + 1];

	if (!READY(s) || !email_ok(email) || !out)
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_by_email(s->ctx, key, out);
}

int store_account_by_id(store *s, long long id, store_account *out)
{
	if (!READY(s) || id <= 0 || !out)
		return STORE_EINPUT;
	return s->be->account_by_id(s->ctx, id, out);
}

int store_account_set_verified(store *s, long long id, long long now)
{
	if (!READY(s) || id <= 0)
		return STORE_EINPUT;
	return s->be->account_set_verified(s->ctx, id, now);
}

int store_account_set_password(store *s, long long id, const char *pw_hash)
{
	if (!READY(s) || id <= 0 || !text_ok(pw_hash, 0, STORE_HASH_MAX, TEXT_LINE))
		return STORE_EINPUT;
	return s->be->account_set_password(s->ctx, id, pw_hash);
}

int store_account_set_email(store *s, long long id, const char *email)
{
	char key[STORE_EMAIL_MAX + 1];

	if (!READY(s) || id <= 0 || !email_ok(email))
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_set_email(s->ctx, id, email, key);
}

/* The draft owner of an account: "a:ID". */
static void account_owner(long long id, char *out, size_t outlen)
{
	snprintf(out, outlen, "a:%lld", id);
}

int store_account_delete(store *s, long long id)
{
	char owner[32];
	int rc, own;

	if (!READY(s) || id <= 0)
		return STORE_EINPUT;
	/* Unsent drafts are personal data with no purpose left; applications stay (their
	 * account_id becomes NULL by the foreign key). */
	account_owner(id, owner, sizeof(owner));
	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->drafts_delete_open_of(s->ctx, owner)) == STORE_OK)
		rc = s->be->account_delete(s->ctx, id);
	return tx_end(s, own, rc);
}

/* ---- tokens ---- */

static int kind_ok(const char *kind)
{
	return text_ok(kind, 1, STORE_TOKEN_KIND_MAX, TEXT_LINE);
}

int store_token_create(store *s, const char *kind, const char *token_hash, long long account_id,
                       const char *data, long long expires_at)
{
	if (!READY(s) || !kind_ok(kind) || !hash_ok(token_hash) || account_id <= 0 ||
	    (data && !text_ok(data, 0, STORE_TOKEN_DATA_MAX - 1, TEXT_ANY)))
		return STORE_EINPUT;
	return s->be->token_create(s->ctx, kind, token_hash, account_id, data, expires_at);
}

int store_token_consume(store *s, const char *kind, const char *token_hash, long long now,
                        long long *account_id, char *data, size_t datalen)
{
	long long acct = 0;
	int rc, own;

	if (account_id)
		*account_id = 0;
	if (data && datalen)
		data[0] = '\0';
	if (!READY(s) || !kind_ok(kind) || !hash_ok(token_hash) ||
	    (data && datalen < STORE_TOKEN_DATA_MAX))
		return STORE_EINPUT;
	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->token_consume(s->ctx, kind, token_hash, now, &acct, data, datalen);
	rc = tx_end(s, own, rc);
	if (rc != STORE_OK) {
		if (data)
			data[0] = '\0';
		return rc;
	}
	if (account_id)
		*account_id = acct;
	return STORE_OK;
}

int store_tokens_delete(store *s, long long account_id, const char *kind)
{
	if (!READY(s) || account_id <= 0 || (kind && !kind_ok(kind)))
		return STORE_EINPUT;
	return s->be->tokens_delete(s->ctx, account_id, kind);
}

/* ---- sessions ---- */

int store_session_create(store *s, const store_session *sess)
{
	if (!READY(s) || !sess || !memchr(sess->id_hash, '\0', sizeof(sess->id_hash)) ||
	    !hash_ok(sess->id_hash) || sess->account_id < 0 ||
	    !memchr(sess->csrf, '\0', sizeof(sess->csrf)) ||
	    !text_ok(sess->csrf, 1, STORE_CSRF_MAX, TEXT_LINE))
		return STORE_EINPUT;
	return s->be->session_create(s->ctx, sess);
}

int store_session_get(store *s, const char *id_hash, store_session *out)
{
	if (!READY(s) || !hash_ok(id_hash) || !out)
		return STORE_EINPUT;
	return s->be->session_get(s->ctx, id_hash, out);
}

int store_session_touch(store *s, const char *id_hash, long long now)
{
	if (!READY(s) || !hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->session_touch(s->ctx, id_hash, now);
}

int store_session_delete(store *s, const char *id_hash)
{
	if (!READY(s) || !hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->session_delete(s->ctx, id_hash);
}

int store_sessions_delete_for_account(store *s, long long account_id, const char *keep_hash)
{
	if (!READY(s) || account_id <= 0 || (keep_hash && !hash_ok(keep_hash)))
		return STORE_EINPUT;
	return s->be->sessions_delete_for_account(s->ctx, account_id, keep_hash);
}

int store_sessions_expire(store *s, long long idle_before, long long created_before)
{
	if (!READY(s))
		return STORE_EINPUT;
	return s->be->sessions_expire(s->ctx, idle_before, created_before);
}

/* ---- throttling ---- */

static int key_ok(const char *key)
{
	return text_ok(key, 1, STORE_THROTTLE_KEY_MAX, TEXT_LINE);
}

int store_throttle_add(store *s, const char *key, long long now)
{
	if (!READY(s) || !key_ok(key))
		return STORE_EINPUT;
	return s->be->throttle_add(s->ctx, key, now);
}

int store_throttle_count(store *s, const char *key, long long since, long long *count,
                         long long *oldest)
{
	long long c = 0, o = 0;
	int rc;

	if (count)
		*count = 0;
	if (oldest)
		*oldest = 0;
	if (!READY(s) || !key_ok(key) || !count)
		return STORE_EINPUT;
	if ((rc = s->be->throttle_count(s->ctx, key, since, &c, &o)) != STORE_OK)
		return rc;
	*count = c;
	if (oldest)
		*oldest = c > 0 ? o : 0;
	return STORE_OK;
}

int store_throttle_clear(store *s, const char *key)
{
	if (!READY(s) || !key_ok(key))
		return STORE_EINPUT;
	return s->be->throttle_clear(s->ctx, key);
}

int store_throttle_prune(store *s, long long before)
{
	if (!READY(s))
		return STORE_EINPUT;
	return s->be->throttle_prune(s->ctx, before);
}

/* ---- outbox ---- */

int store_outbox_add(store *s, const char *to, const char *subject, const char *body, long long now,
                     long long *id)
{
	if (id)
		*id = 0;
	if (!READY(s) || !text_ok(to, 1, STORE_MAIL_ADDR_MAX, TEXT_LINE) ||
	    !text_ok(subject, 0, STORE_MAIL_SUBJECT_MAX, TEXT_LINE) ||
	    !text_ok(body, 0, STORE_MAIL_BODY_MAX, TEXT_ANY))
		return STORE_EINPUT;
	return s->be->outbox_add(s->ctx, to, subject, body, now, id);
}

static void release_mails(store_mail *out, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		store_mail_release(&out[i]);
}

int store_outbox_claim(store *s, long long now, long long lease, store_mail *out, size_t max,
                       size_t *n)
{
	size_t got = 0;
	int rc, own;

	if (n)
		*n = 0;
	if (!READY(s) || !n || (max > 0 && !out) || lease <= 0 ||
	    (now > 0 && lease > LLONG_MAX - now))
		return STORE_EINPUT;
	if (max == 0)
		return STORE_OK;
	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->outbox_claim(s->ctx, now, now + lease, out, max, &got);
	if ((rc = tx_end(s, own, rc)) != STORE_OK) {
		release_mails(out, got);
		return rc;
	}
	*n = got;
	return STORE_OK;
}

int store_outbox_mark_sent(store *s, long long id, long long now)
{
	if (!READY(s) || id <= 0)
		return STORE_EINPUT;
	return s->be->outbox_mark_sent(s->ctx, id, now);
}

/* error as it fits last_error: cut on a character boundary, control characters and bytes
 * that are not UTF-8 replaced by '?'. */
static void clean_error(const char *error, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)error;
	size_t len = strlen(error), i = 0, o = 0, n;

	while (i < len) {
		n = utf8_char_len(error + i, len - i);
		if (n == 0 || (n == 1 && is_control(p[i]))) {
			n = 1;
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
		} else {
			if (o + n >= outlen)
				break;
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
}

int store_outbox_mark_failed(store *s, long long id, long long next_at, const char *error)
{
	char clean[sizeof(((store_mail *)0)->last_error)];

	if (!READY(s) || id <= 0)
		return STORE_EINPUT;
	clean_error(error ? error : "", clean, sizeof(clean));
	return s->be->outbox_mark_failed(s->ctx, id, next_at, clean);
}

int store_outbox_recent(store *s, store_mail *out, size_t max, size_t *n)
{
	size_t got = 0;
	int rc;

	if (n)
		*n = 0;
	if (!READY(s) || !n || (max > 0 && !out))
		return STORE_EINPUT;
	if (max == 0)
		return STORE_OK;
	if ((rc = s->be->outbox_recent(s->ctx, out, max, &got)) != STORE_OK) {
		release_mails(out, got);
		return rc;
	}
	*n = got;
	return STORE_OK;
}

void store_mail_release(store_mail *m)
{
	if (!m)
		return;
	free(m->body);
	m->body = NULL;
}

/* ---- drafts ---- */

/* A token of 1..max bytes of [A-Za-z0-9_-] (draft keys, procedure ids). */
static int token_ok(const char *t, size_t max)
{
	size_t i;
	if (!t)
		return 0;
	for (i = 0; t[i]; i++) {
		char c = t[i];
		if (i >= max || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return i > 0;
}

static int draft_key_ok(const char *key)
{
	return token_ok(key, STORE_DRAFT_KEY_MAX);
}

static int proc_ok(const char *proc_id, int proc_version)
{
	return token_ok(proc_id, STORE_PROC_ID_MAX) && proc_version >= 1;
}

static int owner_ok(const char *owner)
{
	return text_ok(owner, 1, STORE_OWNER_MAX, TEXT_LINE);
}

static int raw_ok(const char *raw)
{
	return text_ok(raw, 0, STORE_DRAFT_RAW_MAX, TEXT_ANY);
}

int store_draft_create(store *s, const char *key, const char *owner, const char *proc_id,
                       int proc_version, const char *raw, long long now)
{
	if (!READY(s) || !draft_key_ok(key) || !owner_ok(owner) ||
	    !proc_ok(proc_id, proc_version) || !raw_ok(raw))
		return STORE_EINPUT;
	return s->be->draft_create(s->ctx, key, owner, proc_id, proc_version, raw, now);
}

int store_draft_open(store *s, const char *owner, const char *proc_id, store_draft *out)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, sizeof(*out));
	if (!READY(s) || !owner_ok(owner) || !token_ok(proc_id, STORE_PROC_ID_MAX))
		return STORE_EINPUT;
	return s->be->draft_open(s->ctx, owner, proc_id, out);
}

int store_draft_get(store *s, const char *key, store_draft *out)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, sizeof(*out));
	if (!READY(s) || !draft_key_ok(key))
		return STORE_EINPUT;
	return s->be->draft_get(s->ctx, key, out);
}

int store_draft_save(store *s, const char *key, int proc_version, const char *raw, long long now)
{
	if (!READY(s) || !draft_key_ok(key) || proc_version < 1 || !raw_ok(raw))
		return STORE_EINPUT;
	return s->be->draft_save(s->ctx, key, proc_version, raw, now);
}

int store_draft_delete(store *s, const char *key)
{
	if (!READY(s) || !draft_key_ok(key))
		return STORE_EINPUT;
	return s->be->draft_delete(s->ctx, key);
}

void store_draft_release(store_draft *d)
{
	if (!d)
		return;
	free(d->raw);
	d->raw = NULL;
}

/* ---- attachments ---- */

#define FIELD_MAX (sizeof(((store_attachment *)0)->field) - 1)
#define MIME_MAX (sizeof(((store_attachment *)0)->mime) - 1)

/* A file name as shown and offered for download: one path component. */
static int filename_ok(const char *name)
{
	if (!text_ok(name, 1, STORE_FILENAME_MAX, TEXT_LINE) || strpbrk(name, "/\\"))
		return 0;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A media type goes into a Content-Type header: printable ASCII only. */
static int mime_ok(const char *mime)
{
	size_t i;
	if (!mime)
		return 0;
	for (i = 0; mime[i]; i++)
		if (i >= MIME_MAX || (unsigned char)mime[i] < 0x20 || (unsigned char)mime[i] > 0x7E)
			return 0;
	return i > 0;
}

int store_attachment_add(store *s, const char *draft_key, const char *field, const char *filename,
                         const char *mime, const void *data, size_t len, const char *sha256,
                         long long now, long long *id)
{
	if (id)
		*id = 0;
	if (!READY(s) || !draft_key_ok(draft_key) || !text_ok(field, 1, FIELD_MAX, TEXT_LINE) ||
	    !filename_ok(filename) || !mime_ok(mime) || !data || len == 0 || len > STORE_FILE_MAX ||
	    !hash_ok(sha256))
		return STORE_EINPUT;
	return s->be->attachment_add(s->ctx, draft_key, field, filename, mime, data, len, sha256,
	                             now, id);
}

int store_attachment_list(store *s, const char *draft_key, store_attachment *out, size_t max,
                          size_t *n)
{
	size_t got = 0;
	int rc;

	if (n)
		*n = 0;
	if (!READY(s) || !draft_key_ok(draft_key) || !n || (max > 0 && !out))
		return STORE_EINPUT;
	if (max == 0)
		return STORE_OK;
	if ((rc = s->be->attachment_list(s->ctx, draft_key, out, max, &got)) != STORE_OK)
		return rc;
	*n = got;
	return STORE_OK;
}

int store_attachment_get(store *s, const char *draft_key, long long id, store_attachment *meta,
                         void **data, size_t *len)
{
	store_attachment m;
	int rc;

	if (data)
		*data = NULL;
	if (len)
		*len = 0;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	if (!READY(s) || !draft_key_ok(draft_key) || id <= 0 || !data || !len)
		return STORE_EINPUT;
	memset(&m, 0, sizeof(m));
	if ((rc = s->be->attachment_get(s->ctx, draft_key, id, &m, data, len)) != STORE_OK)
		return rc;
	if (meta)
		*meta = m;
	return STORE_OK;
}

int store_attachment_delete(store *s, const char *draft_key, long long id)
{
	if (!READY(s) || !draft_key_ok(draft_key) || id <= 0)
		return STORE_EINPUT;
	return s->be->attachment_delete(s->ctx, draft_key, id);
}

/* ---- applications ---- */

/* A from list longer than this is a mistake, not a need (there are seven statuses). */
#define FROM_MAX 16

/* The application fields the caller fills, as store.h states them. */
static int application_ok(const store_application *a)
{
	if (!draft_key_ok(a->draft_key) || a->account_id < 0 ||
	    !proc_ok(a->proc_id, a->proc_version) ||
	    !text_ok(a->proc_title, 1, STORE_TITLE_MAX, TEXT_LINE) || !hash_ok(a->digest) ||
	    !text_ok(a->content, 1, STORE_CONTENT_MAX, TEXT_ANY) ||
	    !text_ok(a->display, 1, STORE_CONTENT_MAX, TEXT_ANY))
		return 0;
	if (a->signature_len == 0 ? a->signature != NULL
	                          : !a->signature || a->signature_len > STORE_SIGNATURE_MAX)
		return 0;
	return !a->verification || text_ok(a->verification, 1, STORE_VERIFICATION_MAX, TEXT_ANY);
}

/* The draft as submit needs it: open, of a->proc_id and, with an account, owned by it.
 * Fills receipt_out with an earlier receipt. Inside the submit transaction. */
static int submit_check_draft(store *s, const store_application *a, char *receipt_out)
{
	store_draft d;
	char owner[32];
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = s->be->draft_lock(s->ctx, a->draft_key, &d)) != STORE_OK)
		goto out;
	if (d.receipt[0]) {
		if (receipt_out)
			snprintf(receipt_out, STORE_RECEIPT_MAX + 1, "%s", d.receipt);
		rc = STORE_ECONFLICT;
		goto out;
	}
	account_owner(a->account_id, owner, sizeof(owner));
	if (strcmp(d.proc_id, a->proc_id) != 0 ||
	    (a->account_id > 0 && strcmp(d.owner, owner) != 0))
		rc = STORE_EINPUT;
out:
	store_draft_release(&d);
	return rc;
}

int store_application_submit(store *s, store_application *a, long long now, char *receipt_out)
{
	store_application app;
	long long n = 0;
	int rc, own = 0, year = app_receipt_year(now);

	if (receipt_out)
		receipt_out[0] = '\0';
	if (!READY(s) || !a || year == 0 || !application_ok(a))
		return STORE_EINPUT;

	/* Work on a copy, so that *a changes only on success. */
	app = *a;
	snprintf(app.status, sizeof(app.status), "%s", "sent");
	app.submitted_at = app.updated_at = now;

	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = submit_check_draft(s, &app, receipt_out)) != STORE_OK)
		goto out;
	if ((rc = s->be->receipt_next(s->ctx, year, &n)) != STORE_OK)
		goto out;
	if (n <= 0) {
		rc = STORE_ESQL;
		goto out;
	}
	if (app_receipt_format(year, n, app.receipt, sizeof(app.receipt)) != 0) {
		rc = STORE_ESQL;
		goto out;
	}
	if ((rc = s->be->application_insert(s->ctx, &app)) != STORE_OK)
		goto out;
	if ((rc = s->be->application_event_add(s->ctx, app.receipt, app.status, NULL, now)) !=
	    STORE_OK)
		goto out;
	rc = s->be->draft_set_receipt(s->ctx, app.draft_key, app.receipt);
out:
	if ((rc = tx_end(s, own, rc)) != STORE_OK)
		return rc;
	memcpy(a->receipt, app.receipt, sizeof(a->receipt));
	memcpy(a->status, app.status, sizeof(a->status));
	a->submitted_at = app.submitted_at;
	a->updated_at = app.updated_at;
	if (receipt_out)
		memcpy(receipt_out, app.receipt, STORE_RECEIPT_MAX + 1);
	return STORE_OK;
}

int store_application_get(store *s, const char *receipt, store_application *out)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, sizeof(*out));
	if (!READY(s) || !app_receipt_valid(receipt))
		return STORE_EINPUT;
	return s->be->application_get(s->ctx, receipt, out);
}

void store_application_release(store_application *a)
{
	if (!a)
		return;
	free(a->content);
	free(a->display);
	free(a->signature);
	free(a->verification);
	a->content = a->display = a->signature = a->verification = NULL;
	a->signature_len = 0;
}

int store_applications_for_account(store *s, long long account_id, store_application *out,
                                   size_t max, size_t *n)
{
	size_t got = 0;
	int rc;

	if (n)
		*n = 0;
	if (!READY(s) || account_id <= 0 || !n || (max > 0 && !out))
		return STORE_EINPUT;
	if (max == 0)
		return STORE_OK;
	rc = s->be->applications_for_account(s->ctx, account_id, out, max, &got);
	if (rc != STORE_OK)
		return rc;
	*n = got;
	return STORE_OK;
}

int store_application_set_status(store *s, const char *receipt, const char *const *from,
                                 const char *to, const char *note, long long now)
{
	char cur[STORE_STATUS_MAX + 1];
	size_t i;
	int rc, own = 0, allowed;

	if (!READY(s) || !app_receipt_valid(receipt) || !app_status_valid(to) ||
	    (note && !text_ok(note, 0, STORE_NOTE_MAX, TEXT_ANY)))
		return STORE_EINPUT;
	for (i = 0; from && from[i]; i++)
		if (i >= FROM_MAX || !app_status_valid(from[i]))
			return STORE_EINPUT;

	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->application_lock(s->ctx, receipt, cur)) != STORE_OK)
		goto out;
	allowed = !from;
	for (i = 0; from && from[i] && !allowed; i++)
		allowed = strcmp(cur, from[i]) == 0;
	if (!allowed) {
		rc = STORE_ECONFLICT;
		goto out;
	}
	if ((rc = s->be->application_set_status(s->ctx, receipt, to, now)) == STORE_OK)
		rc = s->be->application_event_add(s->ctx, receipt, to, note, now);
out:
	return tx_end(s, own, rc);
}

int store_application_events(store *s, const char *receipt, store_app_event *out, size_t max,
                             size_t *n)
{
	size_t got = 0;
	int rc;

	if (n)
		*n = 0;
	if (!READY(s) || !app_receipt_valid(receipt) || !n || (max > 0 && !out))
		return STORE_EINPUT;
	if (max == 0)
		return STORE_OK;
	if ((rc = s->be->application_events(s->ctx, receipt, out, max, &got)) != STORE_OK)
		return rc;
	*n = got;
	return STORE_OK;
}

/* ---- sign requests ---- */

/* The statuses a sign request can be finished with (it is created "pending"). */
static int sign_finish_status_ok(const char *status)
{
	return status && (strcmp(status, "signed") == 0 || strcmp(status, "refused") == 0);
}

/* The fields of r that create stores, as store.h states them. The fixed-size strings must
 * end inside their arrays before they are read as strings. */
static int sign_request_ok(const store_sign_request *r)
{
	if (!memchr(r->id_hash, '\0', sizeof(r->id_hash)) ||
	    !memchr(r->draft_key, '\0', sizeof(r->draft_key)) ||
	    !memchr(r->digest, '\0', sizeof(r->digest)) ||
	    !memchr(r->proc_title, '\0', sizeof(r->proc_title)))
		return 0;
	return hash_ok(r->id_hash) && draft_key_ok(r->draft_key) && hash_ok(r->digest) &&
	       text_ok(r->proc_title, 1, STORE_TITLE_MAX, TEXT_LINE) &&
	       text_ok(r->content, 1, STORE_CONTENT_MAX, TEXT_ANY) &&
	       text_ok(r->display, 1, STORE_CONTENT_MAX, TEXT_ANY) && r->created_at > 0 &&
	       r->expires_at > r->created_at;
}

int store_sign_request_create(store *s, const store_sign_request *r)
{
	if (!READY(s) || !r || !sign_request_ok(r))
		return STORE_EINPUT;
	return s->be->sign_request_create(s->ctx, r);
}

int store_sign_request_get(store *s, const char *id_hash, store_sign_request *out)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, sizeof(*out));
	if (!READY(s) || !hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->sign_request_get(s->ctx, id_hash, out);
}

int store_sign_request_finish(store *s, const char *id_hash, const char *status, const void *sig,
                              size_t sig_len, const char *verification, long long now)
{
	int rc, own = 0;

	if (!READY(s) || !hash_ok(id_hash) || !sign_finish_status_ok(status) || now <= 0 ||
	    !text_ok(verification, 1, STORE_VERIFICATION_MAX, TEXT_ANY))
		return STORE_EINPUT;
	if (sig_len == 0 ? sig != NULL : !sig || sig_len > STORE_SIGNATURE_MAX)
		return STORE_EINPUT;
	if (strcmp(status, "signed") == 0 && sig_len == 0)
		return STORE_EINPUT;
	/* The update and, when it changed nothing, the look-up that tells "absent" from
	 * "used or expired" see the same state. */
	if ((rc = tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->sign_request_finish(s->ctx, id_hash, status, sig, sig_len, verification, now);
	return tx_end(s, own, rc);
}

int store_sign_request_signed(store *s, const char *draft_key, const char *digest,
                              store_sign_request *out)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, sizeof(*out));
	if (!READY(s) || !draft_key_ok(draft_key) || !hash_ok(digest))
		return STORE_EINPUT;
	return s->be->sign_request_signed(s->ctx, draft_key, digest, out);
}

int store_sign_request_signed_other(store *s, const char *draft_key, const char *digest, int *any)
{
	int v = 0, rc;

	if (any)
		*any = 0;
	if (!READY(s) || !draft_key_ok(draft_key) || !hash_ok(digest) || !any)
		return STORE_EINPUT;
	if ((rc = s->be->sign_request_signed_other(s->ctx, draft_key, digest, &v)) != STORE_OK)
		return rc;
	*any = v != 0;
	return STORE_OK;
}

/* *n (may be NULL) gets v when rc is STORE_OK, else 0; returns rc. For the calls that count
 * the rows they delete. */
static int counted(int rc, long long v, long long *n)
{
	if (n)
		*n = rc == STORE_OK ? v : 0;
	return rc;
}

int store_sign_requests_prune(store *s, long long before, long long *n)
{
	long long v = 0;
	int rc = READY(s) ? s->be->sign_requests_prune(s->ctx, before, &v) : STORE_EINPUT;
	return counted(rc, v, n);
}

int store_drafts_prune_anonymous(store *s, long long before, long long *n)
{
	long long v = 0;
	int rc = READY(s) ? s->be->drafts_prune_anonymous(s->ctx, before, &v) : STORE_EINPUT;
	return counted(rc, v, n);
}

static int peer_ok(const char *peer)
{
	return text_ok(peer, 1, STORE_PEER_MAX, TEXT_LINE);
}

int store_owner_attachment_bytes(store *s, const char *owner, long long *bytes)
{
	if (bytes)
		*bytes = 0;
	if (!READY(s) || !owner_ok(owner) || !bytes)
		return STORE_EINPUT;
	return s->be->owner_attachment_bytes(s->ctx, owner, bytes);
}

int store_anon_upload_add(store *s, const char *peer, long long now, long long bytes)
{
	if (!READY(s) || !peer_ok(peer) || bytes <= 0)
		return STORE_EINPUT;
	return s->be->anon_upload_add(s->ctx, peer, now, bytes);
}

int store_anon_upload_bytes(store *s, const char *peer, long long since, long long *bytes)
{
	if (bytes)
		*bytes = 0;
	if (!READY(s) || !peer_ok(peer) || !bytes)
		return STORE_EINPUT;
	return s->be->anon_upload_bytes(s->ctx, peer, since, bytes);
}

int store_anon_uploads_prune(store *s, long long before, long long *n)
{
	long long v = 0;
	int rc = READY(s) ? s->be->anon_uploads_prune(s->ctx, before, &v) : STORE_EINPUT;
	return counted(rc, v, n);
}

int store_sign_requests_cancel(store *s, const char *draft_key, long long *n)
{
	long long v = 0;
	int rc = READY(s) && draft_key_ok(draft_key)
	             ? s->be->sign_requests_cancel(s->ctx, draft_key, &v)
	             : STORE_EINPUT;
	return counted(rc, v, n);
}

void store_sign_request_release(store_sign_request *r)
{
	if (!r)
		return;
	free(r->content);
	free(r->display);
	free(r->signature);
	free(r->verification);
	r->content = r->display = r->signature = r->verification = NULL;
	r->signature_len = 0;
}
