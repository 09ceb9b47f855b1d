/* test_csv: the cells of the CSV exports (RFC 4180 quoting, formula neutralising) and the
 * CP932 conversion with its report of the characters CP932 cannot hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/csv.h"

static const char *cells(const char *const *v, size_t n, buf *b)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(csv_cell(b, v[i], strlen(v[i]), i == 0), 0);
	assert_int_equal(csv_row_end(b), 0);
	return buf_cstr(b);
}

static void test_quoting(void **state)
{
	buf b;
	buf_init(&b, 0);
	const char *plain[] = {"2026-000001", "見取 花子", ""};
	assert_string_equal(cells(plain, 3, &b), "2026-000001,見取 花子,\r\n");
	const char *special[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rhere"};
	assert_string_equal(cells(special, 4, &b),
	                    "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
	buf_release(&b);
}

static void test_formulas_neutralised(void **state)
{
	buf b;
	buf_init(&b, 0);
	const char *f[] = {"=1+2", "+81-3", "-5", "@SUM(A1)", "\tx", "\rx"};
	assert_string_equal(cells(f, 6, &b),
	                    "\"'=1+2\",\"'+81-3\",\"'-5\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\"\r\n");
	const char *q[] = {"=\"x\""};
	assert_string_equal(cells(q, 1, &b), "\"'=\"\"x\"\"\"\r\n");
	const char *inner[] = {"1=1", "a-b", "048-000-1234"}; /* only the first character counts */
	assert_string_equal(cells(inner, 3, &b), "1=1,a-b,048-000-1234\r\n");
	buf_release(&b);
}

struct losses {
	uint32_t cp[8];
	size_t off[8];
	size_t n;
};

static void record(uint32_t cp, size_t off, void *arg)
{
	struct losses *l = arg;
	if (l->n < 8) {
		l->cp[l->n] = cp;
		l->off[l->n] = off;
	}
	l->n++;
}

static void test_cp932_reports_what_it_cannot_hold(void **state)
{
	buf b;
	struct losses l = {{0}, {0}, 0};
	buf_init(&b, 0);
	/* 𠮷野 剝がす 森鷗外: three characters beyond CP932 */
	const char *s = "\xF0\xA0\xAE\xB7野 剝がす 森鷗外";
	assert_int_equal(csv_cp932(s, strlen(s), &b, record, &l), 3);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.cp[0], 0x20BB7);
	assert_int_equal(l.off[0], 0);
	assert_int_equal(l.cp[1], 0x525D);
	assert_int_equal(l.off[1], strlen("\xF0\xA0\xAE\xB7野 "));
	assert_int_equal(l.cp[2], 0x9DD7);
	/* 〓 (0x81AC) stands in each place; 野 is 0x96EC, が 0x82AA */
	assert_memory_equal(b.data, "\x81\xAC\x96\xEC", 4);
	assert_non_null(memmem(b.data, b.len, "\x81\xAC\x82\xAA", 4));
	buf_release(&b);
}

static void test_cp932_pairs(void **state)
{
	buf b;
	struct losses l = {{0}, {0}, 0};
	buf_init(&b, 0);
	/* WAVE DASH and FULLWIDTH TILDE both 0x8160; MINUS SIGN and FULLWIDTH HYPHEN-MINUS 0x817C
	 */
	const char *s = "〜～−－①髙";
	assert_int_equal(csv_cp932(s, strlen(s), &b, record, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.data, "\x81\x60\x81\x60\x81\x7C\x81\x7C\x87\x40\xFB\xFC", 12);
	buf_reset(&b);
	assert_int_equal(csv_cp932("\xFF", 1, &b, record, &l), -1); /* not UTF-8 */
	buf_release(&b);
}

/* ---- reading ---- */

typedef struct rows {
	char text[1024];
	size_t n;
	int stop_at;
} rows;

/* Each row as "line:cell|cell;" into the text. */
static int collect(const csv_read_row *row, void *arg)
{
	rows *r = arg;
	size_t k = strlen(r->text);
	k += (size_t)snprintf(r->text + k, sizeof(r->text) - k, "%zu:", row->line);
	for (size_t i = 0; i < row->n; i++)
		k += (size_t)snprintf(r->text + k, sizeof(r->text) - k, "%s%s", i ? "|" : "",
		                      row->cell[i]);
	snprintf(r->text + k, sizeof(r->text) - k, ";");
	return ++r->n == (size_t)r->stop_at;
}

static int read_all(const char *s, size_t max, rows *r, size_t *line)
{
	memset(r, 0, sizeof(*r));
	return csv_read(s, strlen(s), max, collect, r, line);
}

static void test_read_rows(void **state)
{
	rows r;
	size_t line = 0;
	assert_int_equal(read_all("受付番号,状態\r\n2026-000001,受付\r\n\r\n2026-000002,accepted",
	                          10, &r, &line),
	                 CSV_READ_OK);
	assert_string_equal(r.text, "1:受付番号|状態;2:2026-000001|受付;4:2026-000002|accepted;");
	assert_int_equal(
	    read_all("\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\ny,\n", 10, &r, &line),
	    CSV_READ_OK);
	assert_string_equal(r.text, "1:a,b|say \"hi\";2:two\nlines|x;4:y|;");
	assert_int_equal(read_all("a\rb\r", 10, &r, &line), CSV_READ_OK);
	assert_string_equal(r.text, "1:a;2:b;");
	assert_int_equal(read_all("", 10, &r, &line), CSV_READ_OK);
	assert_int_equal(r.n, 0);
}

static void test_read_errors_name_their_line(void **state)
{
	rows r;
	size_t line = 0;
	assert_int_equal(read_all("a,b\nc,d\"e\nf,g\n", 10, &r, &line), CSV_READ_QUOTE);
	assert_int_equal(line, 2);
	assert_int_equal(r.n, 1); /* the rows before it were read, the caller discards them */
	assert_int_equal(read_all("a\n\n\"open,b\nc\n", 10, &r, &line), CSV_READ_QUOTE);
	assert_int_equal(line, 3);
	assert_int_equal(read_all("\"x\"y,1\n", 10, &r, &line), CSV_READ_QUOTE);
	assert_int_equal(line, 1);
	assert_int_equal(read_all("1\n2\n3\n", 2, &r, &line), CSV_READ_ROWS);
	assert_int_equal(line, 3);
	assert_int_equal(read_all("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", 10, &r, &line),
	                 CSV_READ_CELLS);
	char big[CSV_READ_CELL_MAX + 8];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(read_all(big, 10, &r, &line), CSV_READ_LONG);
	memset(&r, 0, sizeof(r));
	r.stop_at = 1;
	assert_int_equal(csv_read("a\nb\n", 4, 10, collect, &r, &line), CSV_READ_STOP);
	assert_int_equal(line, 1);
}

static void test_utf8_bom_and_cp932(void **state)
{
	buf b;
	buf_init(&b, 0);
	assert_int_equal(csv_utf8("\xEF\xBB\xBF受付", 9, &b), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "受付", 6);
	buf_reset(&b);
	/* 受付 in CP932 is 8E F3 95 74 */
	assert_int_equal(csv_utf8("2026-000001,\x8E\xF3\x95\x74\r\n", 18, &b), 1);
	assert_string_equal(buf_cstr(&b), "2026-000001,受付\r\n");
	buf_reset(&b);
	assert_int_equal(csv_utf8("\x8E", 1, &b), -1); /* a CP932 character cut off */
	buf_reset(&b);
	assert_int_equal(csv_utf8("\xFF\xFF", 2, &b), -1); /* neither */
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_formulas_neutralised),
	    cmocka_unit_test(test_cp932_reports_what_it_cannot_hold),
	    cmocka_unit_test(test_cp932_pairs),
	    cmocka_unit_test(test_read_rows),
	    cmocka_unit_test(test_read_errors_name_their_line),
	    cmocka_unit_test(test_utf8_bom_and_cp932),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
