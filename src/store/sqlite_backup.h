/* sqlite_backup: the SQLite back end's online backup (sqlite_backup.c), kept out of sqlite.c. */
#ifndef MADOGUCHI_SQLITE_BACKUP_H
#define MADOGUCHI_SQLITE_BACKUP_H

#include "store/store.h"

#include <sqlite3.h>
#include <stddef.h>

/* The first column of the one row of sql on db as text into out (outlen > 0); a SQLite
 * result code (SQLITE_ERROR when no row came). */
int sqlite_db_text(sqlite3 *db, const char *sql, char *out, size_t outlen);

/* store_backup for the database src into the new file dest: a SQLite result code, with a
 * message in msg on failure. */
int sqlite_backup(sqlite3 *src, const char *dest, store_backup_info *info, char *msg,
                  size_t msglen);

#endif
