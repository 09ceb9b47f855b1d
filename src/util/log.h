/* log: one-line diagnostics to stderr with time and level; the access log (one line per
 * request, buffered per thread and flushed at least once a second). */
#ifndef MADOGUCHI_LOG_H
#define MADOGUCHI_LOG_H

#include <stddef.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Access log target: path, or "-" for stderr, or "" to turn it off. Call once at start. */
int log_access_open(const char *target);
void log_access_close(void);
/* Append a complete line (without the newline) to this thread's buffer. */
void log_access_line(const char *line, size_t len);
/* Write this thread's buffered lines out. */
void log_access_flush(void);

#endif
