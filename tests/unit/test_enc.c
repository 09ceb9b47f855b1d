/* Unit tests of util/enc: hex and URL percent-encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/enc.h"

static void test_hex(void **state)
{
	char out[9];
	hex_encode("\x00\x9f\xff\x10", 4, out);
	assert_string_equal(out, "009fff10");
	hex_encode("", 0, out);
	assert_string_equal(out, "");
	assert_int_equal(hex_value('0'), 0);
	assert_int_equal(hex_value('9'), 9);
	assert_int_equal(hex_value('a'), 10);
	assert_int_equal(hex_value('F'), 15);
	assert_int_equal(hex_value('g'), -1);
	assert_int_equal(hex_value('/'), -1);
	assert_int_equal(hex_value('\0'), -1);
}

static void test_url(void **state)
{
	char out[64];
	assert_int_equal(url_encode("/procedures/a b?x=1&y=み", "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/procedures/a%20b%3Fx%3D1%26y%3D%E3%81%BF");
	assert_int_equal(url_encode("/a/b", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "%2Fa%2Fb");
	assert_int_equal(url_encode("AZaz09-._~", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "AZaz09-._~");
	/* exactly full, then one byte short: never a cut URL */
	assert_int_equal(url_encode("abc", NULL, out, 4), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(url_encode("abcd", NULL, out, 4), -1);
	assert_string_equal(out, "");
	assert_int_equal(url_encode("a b", NULL, out, 5), -1); /* "a%20b" needs 6 */
	assert_string_equal(out, "");
	assert_int_equal(url_encode("a b", NULL, out, 6), 0);
	assert_string_equal(out, "a%20b");
	assert_int_equal(url_encode("x", NULL, out, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
