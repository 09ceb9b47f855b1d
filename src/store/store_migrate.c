/* store_migrate: the embedded migrations applied in order, each in its own write
 * transaction, with the dialect blocks of a migration split for the back end (see
 * store_impl.h). */
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/migrations.h"
#include "util/buf.h"

/* The bookkeeping table, in SQL that SQLite and PostgreSQL both accept (store_impl.h). */
const char store_schema_migrations_ddl[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                           " number INTEGER PRIMARY KEY,"
                                           " name TEXT NOT NULL,"
                                           " applied_at TEXT NOT NULL)";

/* A migration is trusted input, but still bounded. */
#define MIGRATION_MAX_BYTES ((size_t)4 << 20)

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

/* A step inside a migration's transaction failed with rc: err names what and gives the back
 * end's message (read before the rollback, which would replace it); returns rc. */
static int migrate_failed(store *s, const char *what, int rc, char *err, size_t errlen)
{
	errbuf_set(err, errlen, "migration %s: %s", what, store_errmsg(s));
	s->be->rollback(s->ctx);
	return rc;
}

/* The bookkeeping table, under the migration lock, so that two processes migrating at once
 * do not race. */
static int migrate_bookkeeping(store *s, char *err, size_t errlen)
{
	const struct store_backend *be = s->be;
	int rc;

	if ((rc = be->begin(s->ctx)) != STORE_OK) {
		errbuf_set(err, errlen, "migration %s: %s", "schema_migrations", store_errmsg(s));
		return rc;
	}
	if ((rc = be->migration_lock(s->ctx)) != STORE_OK ||
	    (rc = be->exec(s->ctx, store_schema_migrations_ddl)) != STORE_OK ||
	    (rc = be->commit(s->ctx)) != STORE_OK)
		return migrate_failed(s, "schema_migrations", rc, err, errlen);
	return STORE_OK;
}

/* Checks and applies m in one write transaction: another process that applied it meanwhile
 * is seen here, after it committed. *done is 1 when this call applied it. */
static int migrate_one(store *s, const struct migration *m, int *done, char *err, size_t errlen)
{
	const struct store_backend *be = s->be;
	char when[32], *sql = NULL;
	int rc, yes = 0;

	*done = 0;
	if ((rc = be->begin(s->ctx)) != STORE_OK) {
		errbuf_set(err, errlen, "migration %s: %s", m->name, store_errmsg(s));
		return rc;
	}
	if ((rc = be->migration_lock(s->ctx)) != STORE_OK ||
	    (rc = be->migration_applied(s->ctx, m->number, &yes)) != STORE_OK)
		return migrate_failed(s, m->name, rc, err, errlen);
	if (!yes) {
		if ((rc = store_migration_sql(m->sql, be->dialect, &sql)) != STORE_OK) {
			errbuf_set(err, errlen, "migration %s: out of memory", m->name);
			be->rollback(s->ctx);
			return rc;
		}
		rc = be->exec(s->ctx, sql);
		free(sql);
		utc_now(when, sizeof(when));
		if (rc != STORE_OK ||
		    (rc = be->record_migration(s->ctx, m->number, m->name, when)) != STORE_OK)
			return migrate_failed(s, m->name, rc, err, errlen);
	}
	if ((rc = be->commit(s->ctx)) != STORE_OK)
		return migrate_failed(s, m->name, rc, err, errlen);
	*done = !yes;
	return STORE_OK;
}

int store_migrate(store *s, unsigned *applied, char *err, size_t errlen)
{
	unsigned done = 0, prev = 0, i;
	int rc, one;

	errbuf_set(err, errlen, "%s", "");
	if (applied)
		*applied = 0;
	if (!s || !s->ctx) {
		errbuf_set(err, errlen, "no store");
		return STORE_EINPUT;
	}
	if (s->in_tx) {
		errbuf_set(err, errlen, "a transaction is open");
		return STORE_EINPUT;
	}
	if ((rc = migrate_bookkeeping(s, err, errlen)) != STORE_OK)
		return rc;
	for (i = 0; i < store_n_migrations; i++) {
		const struct migration *m = &store_migrations[i];
		if (m->number <= prev) {
			errbuf_set(err, errlen, "migration %s: numbers must increase (after %u)",
			           m->name, prev);
			rc = STORE_EINPUT;
			break;
		}
		prev = m->number;
		if ((rc = migrate_one(s, m, &one, err, errlen)) != STORE_OK)
			break;
		done += (unsigned)one;
	}
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
