/* file: whole files, read with a bound and written atomically, the one home of both for the
 * portal, the signing app and the virtual card. */
#ifndef MADOGUCHI_FILE_H
#define MADOGUCHI_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Reads the regular file path (a link is followed) of at most max bytes into *out (malloc'd,
 * with a NUL after the *len bytes read, so text can be used as a string; the caller frees)
 * and, when st is not NULL, its stat. Returns 0, or -1 with errno set: EINVAL when it is not
 * a regular file, EFBIG when it is larger than max (or grows past it while read), ENOMEM, or
 * what open/read said. Nothing is allocated on failure. */
int file_read_all(const char *path, size_t max, char **out, size_t *len, struct stat *st);

/* Replaces path with len bytes of data, atomically: a temporary file beside it created with
 * O_EXCL (mode, not widened by the umask's absence), written in full, fsync'ed, renamed over
 * path (so a link at path is replaced, never followed), then the directory fsync'ed. After a
 * crash path holds the old content or the new, never a part. Returns 0, or -1 with errno set;
 * the temporary file is gone either way. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* fsync of the file path (a link is not followed), and of the directory that holds path (the
 * part before its last '/', else "."), so that a rename into it survives a crash. 0, or -1
 * with errno set. */
int file_sync(const char *path);
int file_sync_dir_of(const char *path);

#endif
