/* csv: RFC 4180 cells with formula neutralising, CP932 through iconv with a report of what
 * it cannot hold, and the reader of uploads (csv.h says the rules). */
#include "core/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
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

int csv_utf8(const char *s, size_t n, buf *out)
{
	if (n >= 3 && memcmp(s, CSV_UTF8_BOM, 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (utf8_valid(s, n))
		return buf_append(out, s, n) < 0 ? -1 : 0;
	iconv_t cd = iconv_open("UTF-8", "CP932");
	if (cd == (iconv_t)-1)
		return -1;
	char *in = (char *)s;
	size_t left = n;
	int r = convert_run(cd, &in, &left, out);
	if (r == 0) { /* a truncated last character is left unconverted: flush says so */
		char tail[16], *o = tail;
		size_t room = sizeof(tail);
		r = iconv(cd, NULL, NULL, &o, &room) == (size_t)-1 ? -1 : 0;
	}
	iconv_close(cd);
	return r == 0 && utf8_valid(out->data ? out->data : "", out->len) ? 1 : -1;
}

/* The reading's state: where it is, the line it is on, the row being read. */
typedef struct reader {
	const char *s;
	size_t n, i, line;
	csv_read_row row;
	char cells[CSV_READ_CELLS_MAX][CSV_READ_CELL_MAX + 1];
} reader;

static int row_end_at(const reader *rd)
{
	return rd->i >= rd->n || rd->s[rd->i] == '\r' || rd->s[rd->i] == '\n';
}

/* Past one line end (CRLF, LF or CR) when there is one. */
static void skip_line_end(reader *rd)
{
	if (rd->i < rd->n && rd->s[rd->i] == '\r')
		rd->i++;
	else if (rd->i >= rd->n || rd->s[rd->i] != '\n')
		return;
	if (rd->i < rd->n && rd->s[rd->i] == '\n')
		rd->i++;
	rd->line++;
}

/* The quoted cell at rd->i (its opening quote) into out, *len bytes. */
static int read_quoted(reader *rd, char *out, size_t *len)
{
	for (rd->i++;; rd->i++) {
		if (rd->i >= rd->n)
			return CSV_READ_QUOTE;
		char c = rd->s[rd->i];
		if (c == '"' && (rd->i + 1 >= rd->n || rd->s[rd->i + 1] != '"'))
			break;
		if (c == '"')
			rd->i++; /* a doubled quote: one */
		else if (c == '\n' ||
		         (c == '\r' && (rd->i + 1 >= rd->n || rd->s[rd->i + 1] != '\n')))
			rd->line++;
		if (*len >= CSV_READ_CELL_MAX)
			return CSV_READ_LONG;
		out[(*len)++] = c;
	}
	rd->i++;
	return row_end_at(rd) || rd->s[rd->i] == ',' ? CSV_READ_OK : CSV_READ_QUOTE;
}

/* One cell, quoted or bare, into the row. */
static int read_cell(reader *rd)
{
	char *out = rd->cells[rd->row.n];
	size_t len = 0;
	int e = CSV_READ_OK;
	if (rd->i < rd->n && rd->s[rd->i] == '"')
		e = read_quoted(rd, out, &len);
	else
		for (; !row_end_at(rd) && rd->s[rd->i] != ','; rd->i++) {
			if (rd->s[rd->i] == '"')
				return CSV_READ_QUOTE;
			if (len >= CSV_READ_CELL_MAX)
				return CSV_READ_LONG;
			out[len++] = rd->s[rd->i];
		}
	out[len] = '\0';
	rd->row.cell[rd->row.n] = out;
	rd->row.len[rd->row.n++] = len;
	return e;
}

static int read_row(reader *rd)
{
	rd->row.n = 0;
	rd->row.line = rd->line;
	for (;;) {
		if (rd->row.n >= CSV_READ_CELLS_MAX)
			return CSV_READ_CELLS;
		int e = read_cell(rd);
		if (e != CSV_READ_OK)
			return e;
		if (row_end_at(rd))
			break;
		rd->i++; /* the comma */
	}
	skip_line_end(rd);
	return CSV_READ_OK;
}

int csv_read(const char *s, size_t n, size_t max_rows, csv_row_fn *fn, void *arg, size_t *err_line)
{
	reader *rd = calloc(1, sizeof(*rd));
	size_t rows = 0;
	int e = CSV_READ_OK;
	if (!rd)
		return CSV_READ_ENOMEM;
	rd->s = s;
	rd->n = n;
	rd->line = 1;
	while (e == CSV_READ_OK && rd->i < rd->n) {
		if (row_end_at(rd)) { /* an empty line */
			skip_line_end(rd);
			continue;
		}
		rd->row.line = rd->line;
		if (rows++ >= max_rows)
			e = CSV_READ_ROWS;
		else if ((e = read_row(rd)) == CSV_READ_OK && fn(&rd->row, arg) != 0)
			e = CSV_READ_STOP;
	}
	if (e != CSV_READ_OK && err_line)
		*err_line = rd->row.line;
	free(rd);
	return e;
}
