/* errbuf: error text into the caller's buffer (see errbuf.h). */
#include "util/errbuf.h"

#include <stdio.h>
#include <string.h>

void errbuf_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void errbuf_vappend(char *err, size_t errlen, const char *fmt, va_list ap)
{
	size_t n;
	if (!err || errlen == 0)
		return;
	n = strnlen(err, errlen - 1);
	vsnprintf(err + n, errlen - n, fmt, ap);
}
