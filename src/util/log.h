/* log: one-line diagnostics to stderr with time and level; the access log (one line per
 * request, buffered per thread and flushed at least once a second). */
#ifndef MADOGUCHI_LOG_H
#define MADOGUCHI_LOG_H

#include <stddef.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when a line kept to one a second may be written now; *last is that line's own second,
 * shared by the threads that write it. */
int log_second_passed(long *last);
/* Copies len bytes of src to dst (cap bytes, NUL-terminated) with control bytes, DEL,
 * backslash and double quote as \xNN, so a request's bytes cannot break the log's lines.
 * Returns the length written; stops before an escape that would not fit. */
size_t log_escape(char *dst, size_t cap, const char *src, size_t len);

/* Access log target: path, or "-" for stderr, or "" to turn it off. Call once at start. */
int log_access_open(const char *target);
void log_access_close(void);
/* Append a complete line (without the newline) to this thread's buffer. */
void log_access_line(const char *line, size_t len);
/* Write this thread's buffered lines out. */
void log_access_flush(void);

#endif
