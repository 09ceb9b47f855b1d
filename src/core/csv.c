/* csv: RFC 4180 cells with formula neutralising, and CP932 through iconv with a report of what
 * it cannot hold (csv.h says the rules). */
#include "core/csv.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "util/utf8.h"

/* A cell a spreadsheet would take for a formula or a control (OWASP CSV injection). */
static int looks_like_formula(const char *s, size_t n)
{
	return n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
}

static int needs_quotes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	return 0;
}

int csv_cell(buf *out, const char *s, size_t n, int first)
{
	int formula = looks_like_formula(s, n), quote = formula || needs_quotes(s, n);
	if (!first && buf_putc(out, ',') < 0)
		return -1;
	if (quote && buf_putc(out, '"') < 0)
		return -1;
	if (formula && buf_putc(out, '\'') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' && quote && buf_putc(out, '"') < 0)
			return -1;
		if (buf_putc(out, s[i]) < 0)
			return -1;
	}
	return quote ? buf_putc(out, '"') : 0;
}

int csv_row_end(buf *out)
{
	return buf_puts(out, "\r\n");
}

/* Converts as much of *in as iconv can into out, in pieces of a local buffer. 0 when all of
 * it went, 1 when it stopped at a character CP932 cannot hold, -1 on another failure. */
static int convert_run(iconv_t cd, char **in, size_t *left, buf *out)
{
	char piece[1024];
	while (*left > 0) {
		char *o = piece;
		size_t room = sizeof(piece);
		size_t r = iconv(cd, in, left, &o, &room);
		int e = errno;
		if (buf_append(out, piece, sizeof(piece) - room) < 0)
			return -1;
		if (r != (size_t)-1)
			continue;
		if (e == E2BIG)
			continue;
		return e == EILSEQ ? 1 : -1;
	}
	return 0;
}

long csv_cp932(const char *s, size_t n, buf *out, csv_loss_fn *loss, void *arg)
{
	static const char geta[] = "\x81\xAC"; /* 〓 in CP932 */
	if (!utf8_valid(s, n))
		return -1;
	iconv_t cd = iconv_open("CP932", "UTF-8");
	if (cd == (iconv_t)-1)
		return -1;
	char *in = (char *)s;
	size_t left = n;
	long lost = 0;
	int r;
	while ((r = convert_run(cd, &in, &left, out)) == 1) {
		size_t off = (size_t)(in - s), i = off;
		uint32_t cp = utf8_next(s, n, &i);
		if (loss)
			loss(cp, off, arg);
		if (buf_append(out, geta, 2) < 0) {
			r = -1;
			break;
		}
		lost++;
		left -= i - off;
		in = (char *)s + i;
	}
	iconv_close(cd);
	return r < 0 ? -1 : lost;
}
