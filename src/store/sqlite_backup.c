/* sqlite_backup: `madoguchi backup FILE` for the SQLite back end (store.h: store_backup).
 * SQLite's online backup API copies the pages in steps of BACKUP_STEP_PAGES with a short
 * sleep between; each step is a read of the source, which in WAL mode blocks no writer of
 * the running portal. A write by another connection between two steps makes SQLite start
 * the copy again; after BACKUP_MAX_RESTARTS such restarts the rest is copied in one step
 * (still one read transaction, so still no writer waits). The copy is made single-file
 * (journal_mode DELETE), fsync'ed, opened again read-only and checked with integrity_check,
 * and only then given its name. */
#include "store/sqlite_backup.h"

#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_STEP_PAGES 256
#define BACKUP_SLEEP_MS 5
#define BACKUP_MAX_RESTARTS 8
/* steps that found the database locked before giving up: some 10 s */
#define BACKUP_MAX_BUSY 2000

/* The first column of the first row of sql on db, as text: a SQLite result code. */
int sqlite_db_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			snprintf(out, outlen, "%s", t ? (const char *)t : "");
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_ERROR;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* Copies the main database of src into dst. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, store_backup_info *info, char *msg, size_t msglen)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(msg, msglen, "backup: %s", sqlite3_errmsg(dst));
		return SQLITE_ERROR;
	}
	int rc, step = BACKUP_STEP_PAGES, last = -1, busy = 0;
	do {
		rc = sqlite3_backup_step(b, step);
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++busy > BACKUP_MAX_BUSY)
			break;
		int left = sqlite3_backup_remaining(b);
		if (last >= 0 && left > last && ++info->restarts >= BACKUP_MAX_RESTARTS)
			step = -1;
		last = left;
		if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_SLEEP_MS);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	info->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(msg, msglen, "backup: %s", sqlite3_errstr(rc));
		return rc;
	}
	return SQLITE_OK;
}

/* Writes the copy into tmp, a new file of mode 0600 (it holds personal data), then fsyncs it. */
static int write_copy(sqlite3 *src, const char *tmp, store_backup_info *info, char *msg,
                      size_t msglen)
{
	char mode[32];
	sqlite3 *dst = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || close(fd) != 0) {
		snprintf(msg, msglen, "%s: %s", tmp, strerror(errno));
		return SQLITE_CANTOPEN;
	}
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = copy_pages(src, dst, info, msg, msglen);
	else
		snprintf(msg, msglen, "%s: %s", tmp, sqlite3_errmsg(dst));
	if (rc == SQLITE_OK && (rc = sqlite_db_text(dst, "PRAGMA journal_mode = DELETE", mode,
	                                            sizeof(mode))) != SQLITE_OK)
		snprintf(msg, msglen, "journal_mode of the copy: %s", sqlite3_errmsg(dst));
	if (sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK) {
		snprintf(msg, msglen, "closing the copy failed");
		rc = SQLITE_ERROR;
	}
	if (rc == SQLITE_OK && file_sync(tmp) != 0) {
		snprintf(msg, msglen, "fsync %s: %s", tmp, strerror(errno));
		rc = SQLITE_IOERR;
	}
	return rc;
}

/* Opens the copy read-only: integrity_check, the applications, the size. */
static int check_copy(const char *tmp, store_backup_info *info, char *msg, size_t msglen)
{
	char n[32];
	struct stat st;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite_db_text(db, "PRAGMA integrity_check", info->integrity,
		                    sizeof(info->integrity));
	if (rc == SQLITE_OK && strcmp(info->integrity, "ok") != 0) {
		snprintf(msg, msglen, "the copy %s failed integrity_check: %s", tmp,
		         info->integrity);
		rc = SQLITE_CORRUPT;
	} else if (rc != SQLITE_OK) {
		snprintf(msg, msglen, "checking the copy %s: %s", tmp, sqlite3_errmsg(db));
	}
	info->applications = -1;
	if (rc == SQLITE_OK &&
	    sqlite_db_text(db, "SELECT count(*) FROM applications", n, sizeof(n)) == SQLITE_OK)
		info->applications = strtoll(n, NULL, 10);
	sqlite3_close(db);
	if (rc == SQLITE_OK && stat(tmp, &st) == 0)
		info->bytes = (long long)st.st_size;
	return rc;
}

int sqlite_backup(sqlite3 *src, const char *dest, store_backup_info *info, char *msg, size_t msglen)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", dest) >= sizeof(tmp)) {
		snprintf(msg, msglen, "file name too long");
		return SQLITE_MISUSE;
	}
	unlink(tmp); /* left by a backup that did not finish */
	int rc = write_copy(src, tmp, info, msg, msglen);
	if (rc == SQLITE_OK)
		rc = check_copy(tmp, info, msg, msglen);
	if (rc != SQLITE_OK) {
		if (rc != SQLITE_CORRUPT) /* a corrupt copy stays for inspection */
			unlink(tmp);
		return rc;
	}
	/* link + unlink: a rename that never replaces a FILE made meanwhile */
	if (link(tmp, dest) != 0 || unlink(tmp) != 0 || file_sync_dir_of(dest) != 0) {
		snprintf(msg, msglen, "%s: %s", dest, strerror(errno));
		unlink(tmp);
		return SQLITE_CANTOPEN;
	}
	return SQLITE_OK;
}
