/* fuzz_csv: arbitrary bytes as one cell of a CSV export (what a resident typed reaches it).
 * The cell must come back from the CSV exactly: reading the quoted or bare field back as RFC
 * 4180 says gives the bytes, with one apostrophe in front when the cell starts like a formula,
 * and a cell starting like a formula is always quoted. For well-formed UTF-8, the CP932
 * conversion must succeed, report as many characters as it replaced, and give bytes that
 * iconv reads back as CP932 without an error; malformed input is refused, never converted. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "util/utf8.h"

static void count(uint32_t cp, size_t off, void *arg)
{
	(void)cp;
	(void)off;
	(*(long *)arg)++;
}

/* Reads back the one field of out (without its CRLF) into back; 0, or -1 when malformed. */
static int read_back(const buf *out, buf *back)
{
	size_t n = out->len - 2, i = 0;
	const char *s = out->data;
	if (n == 0 || s[0] != '"')
		return buf_append(back, s, n);
	for (i = 1; i < n - 1; i++) {
		if (s[i] == '"' && s[++i] != '"')
			return -1; /* a lone quote inside */
		if (buf_putc(back, s[i]) < 0)
			return -1;
	}
	return i == n - 1 && s[i] == '"' ? 0 : -1;
}

static void check_cell(const char *s, size_t n)
{
	buf out, back;
	buf_init(&out, 0);
	buf_init(&back, 0);
	int formula = n > 0 && strchr("=+-@\t\r", s[0]);
	if (csv_cell(&out, s, n, 1) < 0 || csv_row_end(&out) < 0 || read_back(&out, &back) < 0)
		abort();
	if (formula && (out.data[0] != '"' || back.len != n + 1 || back.data[0] != '\''))
		abort();
	if (back.len != n + (size_t)formula || memcmp(back.data + formula, s, n) != 0)
		abort();
	buf_release(&out);
	buf_release(&back);
}

static void check_cp932(const char *s, size_t n)
{
	buf out;
	long reported = 0;
	buf_init(&out, 0);
	long lost = csv_cp932(s, n, &out, count, &reported);
	if (!utf8_valid(s, n)) {
		if (lost != -1)
			abort();
	} else {
		if (lost < 0 || lost != reported)
			abort();
		iconv_t cd = iconv_open("UTF-8", "CP932");
		char *in = out.data, tmp[256];
		size_t left = out.len;
		while (left > 0) {
			char *o = tmp;
			size_t room = sizeof(tmp);
			if (iconv(cd, &in, &left, &o, &room) == (size_t)-1 && errno != E2BIG)
				abort();
		}
		iconv_close(cd);
	}
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_cell((const char *)data, size);
	check_cp932((const char *)data, size);
	return 0;
}
