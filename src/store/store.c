/* store: the front of the storage interface. Picks the back end from the URL and keeps
 * track of the caller's transaction, opening one of its own for the calls that need one.
 * The rest of the front is split by concern, sharing store_impl.h: store_migrate.c (the
 * embedded migrations, dialect blocks split there so every back end reads them the same
 * way), store_search.c (bounded, split search queries), store_check.c (argument checks, so
 * every back end gets the same input and refuses the same things), store_accounts.c,
 * store_outbox.c, store_drafts.c, store_apps.c and store_sign.c. The back ends (sqlite.c,
 * later pg.c) only run statements. */
#include "store/store_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void store_url_redact(const char *url, char *out, size_t outlen)
{
	const char *at, *colon, *scheme_end, *pw;
	size_t o = 0;
	if (!out || outlen == 0)
		return;
	out[0] = '\0';
	if (!url)
		return;
	scheme_end = strstr(url, "://");
	at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
	colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3)) : NULL;
	if (colon) /* user:PASSWORD@host */
		o = (size_t)snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
	else
		snprintf(out, outlen, "%s", url);
	if (o >= outlen)
		o = outlen - 1;
	pw = strstr(out, "password=");
	if (pw) { /* a password parameter: up to the next & */
		char *v = (char *)pw + strlen("password="), *end = strchr(v, '&');
		char rest[256];
		snprintf(rest, sizeof(rest), "%s", end ? end : "");
		snprintf(v, outlen - (size_t)(v - out), "***%s", rest);
	}
}

int store_open(const char *url, store **out, char *err, size_t errlen)
{
	const struct store_backend *be = &store_sqlite_backend;
	const char *target = url;
	store *s = NULL;
	size_t scheme;
	int rc = STORE_OK;

	errbuf_set(err, errlen, "%s", "");
	if (!out) {
		errbuf_set(err, errlen, "no place for the store handle");
		return STORE_EINPUT;
	}
	*out = NULL;
	if (!url) {
		errbuf_set(err, errlen, "no database URL");
		return STORE_EINPUT;
	}
	if (has_prefix(url, "sqlite:")) {
		target = url + strlen("sqlite:");
	} else if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://")) {
		be = &store_pg_backend; /* libpq takes the whole URL */
	} else if ((scheme = url_scheme_len(url)) > 0) {
		errbuf_set(err, errlen, "unknown database URL scheme \"%.*s\" (use sqlite:PATH)",
		           (int)(scheme > 32 ? 32 : scheme), url);
		return STORE_EURL;
	}
	if (!*target) {
		errbuf_set(err, errlen, "empty database path");
		return STORE_EINPUT;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		errbuf_set(err, errlen, "out of memory");
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

int store_backup(store *s, const char *dest, store_backup_info *info, char *err, size_t errlen)
{
	struct stat st;
	errbuf_set(err, errlen, "%s", "");
	if (!STORE_READY(s) || !dest || !*dest || !info) {
		errbuf_set(err, errlen, "no store or no file to write");
		return STORE_EINPUT;
	}
	memset(info, 0, sizeof(*info));
	if (!s->be->backup) {
		errbuf_set(err, errlen, "the %s back end has no backup command", s->be->name);
		return STORE_EURL;
	}
	if (lstat(dest, &st) == 0 || errno != ENOENT) {
		errbuf_set(err, errlen, "%s already exists: give the name of a new file", dest);
		return STORE_ECONFLICT;
	}
	int rc = s->be->backup(s->ctx, dest, info);
	if (rc != STORE_OK)
		errbuf_set(err, errlen, "%s", s->be->errmsg(s->ctx));
	return rc;
}

/* ---- transactions ---- */

/* The three transaction steps. Inside a group transaction (store_group_begin) they are a
 * savepoint, its release and a roll back to it, so that one piece of work rolls back alone
 * and the group's one commit makes all of it durable. */
static int tx_begin(store *s)
{
	return s->group ? s->be->exec(s->ctx, "SAVEPOINT tx") : s->be->begin(s->ctx);
}

static int tx_commit(store *s)
{
	return s->group ? s->be->exec(s->ctx, "RELEASE tx") : s->be->commit(s->ctx);
}

static int tx_rollback(store *s)
{
	if (!s->group)
		return s->be->rollback(s->ctx);
	if (!s->be->tx_open(s->ctx))
		return STORE_ESQL; /* the back end ended the group's transaction */
	int rc = s->be->exec(s->ctx, "ROLLBACK TO tx");
	int rc2 = s->be->exec(s->ctx, "RELEASE tx");
	return rc != STORE_OK ? rc : rc2;
}

/* Start the transaction a call needs, unless the caller has one open: *own says whether
 * tx_end has to end it. */
int store_tx_start(store *s, int *own)
{
	int rc;
	*own = 0;
	if (s->in_tx)
		return STORE_OK;
	if ((rc = tx_begin(s)) == STORE_OK)
		*own = 1;
	return rc;
}

/* End what store_tx_start began: commit when rc is STORE_OK, else roll back. Returns rc or the
 * commit's failure. The caller's transaction is left alone. */
int store_tx_end(store *s, int own, int rc)
{
	if (!own)
		return rc;
	if (rc == STORE_OK && (rc = tx_commit(s)) == STORE_OK)
		return STORE_OK;
	tx_rollback(s);
	return rc;
}

int store_begin(store *s)
{
	int rc;
	if (!s || !s->ctx || s->in_tx)
		return STORE_EINPUT;
	if ((rc = tx_begin(s)) == STORE_OK)
		s->in_tx = 1;
	return rc;
}

int store_commit(store *s)
{
	int rc;
	if (!s || !s->ctx || !s->in_tx)
		return STORE_EINPUT;
	s->in_tx = 0;
	if ((rc = tx_commit(s)) != STORE_OK)
		tx_rollback(s); /* whatever the back end left open */
	return rc;
}

int store_rollback(store *s)
{
	if (!s || !s->ctx)
		return STORE_EINPUT;
	s->in_tx = 0;
	return tx_rollback(s);
}

int store_group_begin(store *s)
{
	int rc;
	if (!s || !s->ctx || s->in_tx || s->group)
		return STORE_EINPUT;
	if ((rc = s->be->begin(s->ctx)) == STORE_OK)
		s->group = 1;
	return rc;
}

int store_group_run(store *s, void (*work)(store *s, void *arg), void *arg)
{
	if (!s || !s->group)
		return STORE_EINPUT;
	if (s->be->exec(s->ctx, "SAVEPOINT piece") != STORE_OK)
		return STORE_ESQL;
	work(s, arg);
	if (s->in_tx) { /* left open: what it began does not count */
		s->in_tx = 0;
		tx_rollback(s);
	}
	if (!s->be->tx_open(s->ctx))
		return STORE_ESQL; /* the group's transaction is gone, and this piece with it */
	return s->be->exec(s->ctx, "RELEASE piece") == STORE_OK ? STORE_OK : STORE_ESQL;
}

int store_group_commit(store *s)
{
	int rc;
	if (!s || !s->group)
		return STORE_EINPUT;
	s->group = 0;
	if (!s->be->tx_open(s->ctx))
		return STORE_ESQL;
	if ((rc = s->be->commit(s->ctx)) != STORE_OK)
		s->be->rollback(s->ctx);
	return rc;
}

void store_group_abandon(store *s)
{
	if (!s || !s->group)
		return;
	s->group = 0;
	s->in_tx = 0;
	s->be->rollback(s->ctx);
}

/* ---- shared by the parts of the front ---- */

/* The draft owner of an account: "a:ID". */
void store_account_owner(long long id, char *out, size_t outlen)
{
	snprintf(out, outlen, "a:%lld", id);
}

/* *n (may be NULL) gets v when rc is STORE_OK, else 0; returns rc. For the calls that count
 * the rows they delete. */
int store_counted(int rc, long long v, long long *n)
{
	if (n)
		*n = rc == STORE_OK ? v : 0;
	return rc;
}

int store_list_check(store *s, int ok, const void *out, size_t max, size_t *n)
{
	if (n)
		*n = 0;
	return STORE_READY(s) && ok && n && (max == 0 || out) ? STORE_OK : STORE_EINPUT;
}

int store_listed(int rc, size_t got, size_t *n)
{
	if (n)
		*n = rc == STORE_OK ? got : 0;
	return rc;
}

int store_get_check(store *s, int ok, void *out, size_t size)
{
	if (!out)
		return STORE_EINPUT;
	memset(out, 0, size);
	return STORE_READY(s) && ok ? STORE_OK : STORE_EINPUT;
}

void store_free_record(char **content, char **display, char **signature, char **verification,
                       size_t *signature_len)
{
	free(*content);
	free(*display);
	free(*signature);
	free(*verification);
	*content = *display = *signature = *verification = NULL;
	*signature_len = 0;
}
