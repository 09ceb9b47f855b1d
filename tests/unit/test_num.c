/* Unit tests of util/num: whole decimal integers within bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/num.h"

static void test_parse(void **state)
{
	long v = 7;
	assert_int_equal(num_parse_long("42", 1, 600, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(num_parse_long("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
	v = 7;
	assert_int_equal(num_parse_long("601", 1, 600, &v), -1); /* above */
	assert_int_equal(num_parse_long("0", 1, 600, &v), -1);   /* below */
	assert_int_equal(num_parse_long("4x", 1, 600, &v), -1);  /* something after */
	assert_int_equal(num_parse_long("", 1, 600, &v), -1);
	assert_int_equal(num_parse_long(NULL, 1, 600, &v), -1);
	assert_int_equal(num_parse_long("99999999999999999999", 0, 1L << 52, &v), -1);
	assert_int_equal(v, 7); /* unchanged on every refusal */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
