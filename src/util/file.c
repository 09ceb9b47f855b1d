/* file: bounded reads and atomic writes of whole files (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads up to max + 1 bytes of fd: one more than allowed tells that the file is too large
 * even when it grew after fstat. */
static int read_fd(int fd, size_t max, size_t hint, char **out, size_t *len)
{
	size_t cap = (hint < max ? hint : max) + 1, n = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return errno = ENOMEM, -1;
	for (;;) {
		if (n == cap) {
			size_t want = cap > max / 2 ? max + 1 : cap * 2;
			char *nb = want > cap ? realloc(b, want + 1) : NULL;
			if (!nb) {
				free(b);
				return errno = n > max ? EFBIG : ENOMEM, -1;
			}
			b = nb, cap = want;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			return errno = e, -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(b);
			return errno = EFBIG, -1;
		}
	}
	b[n] = '\0';
	*out = b, *len = n;
	return 0;
}

int file_read_all(const char *path, size_t max, char **out, size_t *len, struct stat *st)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1, e;
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((uintmax_t)sb.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	if ((rc = read_fd(fd, max, (size_t)sb.st_size, out, len)) == 0 && st)
		*st = sb;
out:
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, len -= (size_t)w;
	}
	return 0;
}

/* fsync of what path names, opened with flags. */
static int sync_opened(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -1;
	int r = fsync(fd), e = errno;
	close(fd);
	errno = e;
	return r;
}

int file_sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) + 2 > sizeof(dir))
		return errno = ENAMETOOLONG, -1;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + (slash == path)), path);
	return sync_opened(dir, O_DIRECTORY);
}

int file_sync(const char *path)
{
	return sync_opened(path, O_NOFOLLOW);
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, e, rc = -1;
	if (!path || !*path || (!data && len))
		return errno = EINVAL, -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) /* O_EXCL, mode 0600 */
		return -1;
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		goto out;
	}
	tmp[0] = '\0';
	rc = file_sync_dir_of(path);
	e = errno;
out:
	if (tmp[0])
		unlink(tmp);
	errno = e;
	return rc;
}
