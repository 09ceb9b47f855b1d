/* errbuf: the error text a function leaves in its caller's buffer (err, errlen bytes), the
 * one home of "format it there when there is a buffer" for the modules that report so (the
 * store, the trust configuration, the procedure and template loaders, the reference data). */
#ifndef MADOGUCHI_ERRBUF_H
#define MADOGUCHI_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into err, cut to errlen - 1 bytes; nothing when err is NULL or errlen 0. */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to the string err holds, cut the same way: a message after a prefix. */
void errbuf_vappend(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
