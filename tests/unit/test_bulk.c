/* test_bulk: a bulk decision's upload read into its items: header optional, statuses by name
 * or label, UTF-8 with or without BOM or CP932, and the first bad line reported by number
 * with nothing kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/bulk.h"

static bulk_item items[BULK_MAX];

static enum bulk_csv_err read_text(const char *s, size_t *n, size_t *line, int *cp932)
{
	return bulk_csv_items(s, strlen(s), items, BULK_MAX, n, line, cp932);
}

static void test_header_labels_and_names(void **state)
{
	size_t n = 0, line = 9;
	int cp932 = 1;
	assert_int_equal(
	    read_text("受付番号,状態\r\n2026-000001,受付\r\n 2026-000002 , accepted \r\n"
	              "\"2026-000003\",審査中\n",
	              &n, &line, &cp932),
	    BULK_CSV_OK);
	assert_int_equal(n, 3);
	assert_int_equal(cp932, 0);
	assert_string_equal(items[0].receipt, "2026-000001");
	assert_string_equal(items[0].to, "accepted");
	assert_string_equal(items[1].receipt, "2026-000002");
	assert_string_equal(items[1].to, "accepted");
	assert_string_equal(items[2].to, "reviewing");
	assert_int_equal(read_text("\xEF\xBB\xBF"
	                           "2026-000001,done\n",
	                           &n, &line, &cp932),
	                 BULK_CSV_OK);
	assert_int_equal(n, 1);
}

static void test_cp932(void **state)
{
	/* 2026-000001,受付 in CP932 */
	const char s[] = "2026-000001,\x8E\xF3\x95\x74\r\n";
	size_t n = 0, line = 0;
	int cp932 = 0;
	assert_int_equal(bulk_csv_items(s, sizeof(s) - 1, items, BULK_MAX, &n, &line, &cp932),
	                 BULK_CSV_OK);
	assert_int_equal(cp932, 1);
	assert_string_equal(items[0].to, "accepted");
}

static void test_bad_lines(void **state)
{
	size_t n = 0, line = 0;
	int cp932;
	assert_int_equal(read_text("2026-000001,受付\n2026-000002,受理\n", &n, &line, &cp932),
	                 BULK_CSV_STATUS);
	assert_int_equal(line, 2);
	assert_int_equal(n, 0);
	assert_int_equal(read_text("2026-000001,受付\n\n2026-0002,受付\n", &n, &line, &cp932),
	                 BULK_CSV_RECEIPT);
	assert_int_equal(line, 3);
	assert_int_equal(read_text("2026-000001,受付,余分\n", &n, &line, &cp932), BULK_CSV_CELLS);
	assert_int_equal(line, 1);
	assert_int_equal(read_text("2026-000001,受付\n2026-000001,審査中\n", &n, &line, &cp932),
	                 BULK_CSV_TWICE);
	assert_int_equal(line, 2);
	assert_int_equal(read_text("2026-000001,\"受付\n", &n, &line, &cp932), BULK_CSV_SYNTAX);
	assert_int_equal(line, 1);
	assert_int_equal(read_text("受付番号,状態\n", &n, &line, &cp932), BULK_CSV_EMPTY);
	assert_int_equal(read_text("\xFF\xFE,\n", &n, &line, &cp932), BULK_CSV_ENCODING);
	assert_int_equal(line, 0);
}

static void test_bound(void **state)
{
	static char big[(BULK_MAX + 2) * 24];
	size_t k = 0, n = 0, line = 0;
	int cp932;
	for (int i = 1; i <= BULK_MAX + 1; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k, "2026-%06d,受付\n", i);
	assert_int_equal(read_text(big, &n, &line, &cp932), BULK_CSV_TOO_MANY);
	assert_int_equal(line, BULK_MAX + 1);
	assert_int_equal(n, 0);
	big[k - 19] = '\0'; /* the last line off: BULK_MAX lines */
	assert_int_equal(read_text(big, &n, &line, &cp932), BULK_CSV_OK);
	assert_int_equal(n, BULK_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_labels_and_names),
	    cmocka_unit_test(test_cp932),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
