/* buf: a growable byte buffer with a hard maximum, used wherever output or input grows. */
#ifndef MADOGUCHI_BUF_H
#define MADOGUCHI_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data; /* always NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;
	size_t cap;
	size_t max; /* 0: default maximum (BUF_DEFAULT_MAX) */
	int failed; /* set once an append hit the maximum or malloc failed */
} buf;

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

/* Initialise an empty buffer; max 0 means BUF_DEFAULT_MAX. */
void buf_init(buf *b, size_t max);
/* Free the storage; the struct may be reused after buf_init(). */
void buf_release(buf *b);
void buf_reset(buf *b);
/* Appends return 0, or -1 (and set b->failed) when the maximum would be exceeded. */
int buf_append(buf *b, const void *p, size_t n);
/* Makes room for n more bytes without appending any; 0, or -1 as an append. */
int buf_reserve(buf *b, size_t n);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Append s with & < > " ' replaced by HTML entities. */
int buf_html_escape(buf *b, const char *s, size_t n);
/* A NUL-terminated view of the contents (never NULL); owned by the buffer. */
const char *buf_cstr(buf *b);
/* Hand the storage to the caller (free() it); the buffer becomes empty. */
char *buf_steal(buf *b, size_t *len);

#endif
