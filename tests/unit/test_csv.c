/* test_csv: the cells of the CSV exports (RFC 4180 quoting, formula neutralising) and the
 * CP932 conversion with its report of the characters CP932 cannot hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_formulas_neutralised),
	    cmocka_unit_test(test_cp932_reports_what_it_cannot_hold),
	    cmocka_unit_test(test_cp932_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
