/* log: diagnostics to stderr and the access log (see log.h). The access log is buffered per
 * thread so that a busy event loop pays for one write() per batch, not per request; lines are
 * only ever written whole, so the lines of several threads never interleave mid-line. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s ", level);
	if (n < (int)sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (n >= (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(2, line, (size_t)n);
	(void)w;
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
}

int log_second_passed(long *last)
{
	long now = (long)time(NULL), prev = __atomic_load_n(last, __ATOMIC_RELAXED);
	return now != prev &&
	       __atomic_compare_exchange_n(last, &prev, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

size_t log_escape(char *dst, size_t cap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 0; i < len && cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch >= 0x20 && ch != 0x7f && ch != '\\' && ch != '"') {
			if (n + 1 >= cap)
				break;
			dst[n++] = (char)ch;
		} else {
			if (n + 4 >= cap)
				break;
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[ch >> 4];
			dst[n++] = hex[ch & 15];
		}
	}
	if (cap)
		dst[n] = '\0';
	return n;
}

static int access_fd = -1;
static _Thread_local char access_buf[16384];
static _Thread_local size_t access_len;

int log_access_open(const char *target)
{
	if (!target || !*target) {
		access_fd = -1;
		return 0;
	}
	if (strcmp(target, "-") == 0) {
		access_fd = 2;
		return 0;
	}
	access_fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	return access_fd < 0 ? -1 : 0;
}

void log_access_close(void)
{
	if (access_fd > 2)
		close(access_fd);
	access_fd = -1;
}

void log_access_flush(void)
{
	size_t off = 0;
	while (access_fd >= 0 && off < access_len) {
		ssize_t w = write(access_fd, access_buf + off, access_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	access_len = 0;
}

void log_access_line(const char *line, size_t len)
{
	if (access_fd < 0)
		return;
	if (len > sizeof(access_buf) - 1)
		len = sizeof(access_buf) - 1;
	if (access_len + len + 1 > sizeof(access_buf))
		log_access_flush();
	memcpy(access_buf + access_len, line, len);
	access_len += len;
	access_buf[access_len++] = '\n';
}
