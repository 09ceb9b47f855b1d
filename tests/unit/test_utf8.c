/* Unit tests of util/utf8: the strict UTF-8 rules the hand-written validators it replaced
 * had (no overlong forms, no surrogates, nothing above U+10FFFF, no cut sequence). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/utf8.h"

#define V(s) utf8_valid(s, sizeof(s) - 1)

static void test_valid(void **state)
{
	assert_true(V(""));
	assert_true(V("abc"));
	assert_true(V("窓口\xE3\x80\x80"));
	assert_true(V("\xC2\x80"));          /* U+0080 */
	assert_true(V("\xEF\xBF\xBD"));      /* U+FFFD */
	assert_true(V("\xF0\x9F\x98\x80"));  /* U+1F600 */
	assert_true(V("\xF4\x8F\xBF\xBF"));  /* U+10FFFF */
	assert_false(V("\xC0\x80"));         /* overlong NUL */
	assert_false(V("\xC1\xBF"));         /* overlong */
	assert_false(V("\xE0\x80\x80"));     /* overlong */
	assert_false(V("\xE0\x9F\xBF"));     /* overlong U+07FF */
	assert_false(V("\xF0\x8F\xBF\xBF")); /* overlong U+FFFF */
	assert_false(V("\xED\xA0\x80"));     /* surrogate U+D800 */
	assert_false(V("\xED\xBF\xBF"));     /* surrogate U+DFFF */
	assert_false(V("\xF4\x90\x80\x80")); /* U+110000 */
	assert_false(V("\xF5\x80\x80\x80"));
	assert_false(V("\x80"));     /* stray continuation */
	assert_false(V("\xE7\xAA")); /* cut */
	assert_false(V("a\xE7\xAA\x93\xFF"));
}

static void test_prefix_and_char_len(void **state)
{
	assert_int_equal(utf8_valid_prefix("ab\xE7\xAA\x93\xE7\xAA", 7), 5);
	assert_int_equal(utf8_valid_prefix("\xED\xA0\x80", 3), 0);
	assert_int_equal(utf8_valid_prefix("abc", 3), 3);
	assert_int_equal(utf8_char_len("a", 1), 1);
	assert_int_equal(utf8_char_len("\0", 1), 1);
	assert_int_equal(utf8_char_len("\xE7\xAA\x93", 3), 3);
	assert_int_equal(utf8_char_len("\xE7\xAA\x93", 2), 0); /* not all there */
	assert_int_equal(utf8_char_len("\xC0\x80", 2), 0);
	assert_int_equal(utf8_char_len("\xED\xA0\x80", 3), 0);
	assert_int_equal(utf8_char_len("\x80", 1), 0);
	assert_int_equal(utf8_char_len("a", 0), 0);
}

static void test_next_and_count(void **state)
{
	const char *s = "a窓\xFF"
	                "b";
	size_t i = 0, n = strlen(s);
	assert_int_equal(utf8_next(s, n, &i), 'a');
	assert_int_equal(i, 1);
	assert_int_equal(utf8_next(s, n, &i), 0x7A93);
	assert_int_equal(i, 4);
	assert_int_equal(utf8_next(s, n, &i), 0xFFFD);
	assert_int_equal(i, 5);
	assert_int_equal(utf8_next(s, n, &i), 'b');
	assert_int_equal(utf8_count(""), 0);
	assert_int_equal(utf8_count("窓口abc"), 5);
	assert_int_equal(utf8_count("\xF0\x9F\x98\x80"), 1);
}

static void test_cut(void **state)
{
	const char *s = "a窓口"; /* 7 bytes */
	assert_int_equal(utf8_cut(s, 7, 10), 7);
	assert_int_equal(utf8_cut(s, 7, 7), 7);
	assert_int_equal(utf8_cut(s, 7, 6), 4);
	assert_int_equal(utf8_cut(s, 7, 5), 4);
	assert_int_equal(utf8_cut(s, 7, 4), 4);
	assert_int_equal(utf8_cut(s, 7, 3), 1);
	assert_int_equal(utf8_cut(s, 7, 0), 0);
}

static void test_line_and_forbidden(void **state)
{
	assert_true(utf8_line_ok("a@example.jp", 12));
	assert_true(utf8_line_ok("窓口", 6));
	assert_false(utf8_line_ok("a\tb", 3));
	assert_false(utf8_line_ok("a\nb", 3));
	assert_false(utf8_line_ok("a\x7F", 2));
	assert_false(utf8_line_ok("a\xC0\x80", 3));
	assert_true(utf8_is_forbidden(0x00, 0));
	assert_true(utf8_is_forbidden('\n', 0));
	assert_false(utf8_is_forbidden('\n', 1));
	assert_false(utf8_is_forbidden('\t', 1));
	assert_true(utf8_is_forbidden('\r', 1));
	assert_true(utf8_is_forbidden(0x7F, 1));
	assert_true(utf8_is_forbidden(0x85, 1));
	assert_false(utf8_is_forbidden(0xA0, 0));
	assert_true(utf8_is_forbidden(0x2028, 1));
	assert_true(utf8_is_forbidden(0x202E, 0));
	assert_true(utf8_is_forbidden(0x2066, 0));
	assert_true(utf8_is_forbidden(0xFEFF, 0));
	assert_false(utf8_is_forbidden(0x3000, 0));
	assert_false(utf8_is_forbidden('a', 0));
}

static void test_text_ok(void **state)
{
	assert_true(utf8_text_ok("みどり市 1-2", strlen("みどり市 1-2"), ""));
	assert_true(utf8_text_ok("a\nb\tc\r", 6, "\n\r\t"));
	assert_false(utf8_text_ok("a\nb", 3, ""));
	assert_false(utf8_text_ok("a\tb", 3, "\n"));
	assert_false(utf8_text_ok("a\0b", 3, "\n\r\t")); /* NUL is never allowed */
	assert_false(utf8_text_ok("a\x7f", 2, ""));
	assert_false(utf8_text_ok("\xc2\x85", 2, "\n")); /* U+0085, a C1 control */
	assert_true(utf8_text_ok("\xc2\xa0", 2, ""));    /* U+00A0 is not */
	assert_false(utf8_text_ok("\xc0\xaf", 2, ""));   /* overlong */
	assert_true(utf8_text_ok("", 0, ""));
}

/* A typed text kept and shown again: no control but tab and newline (multiline), no
 * bidirectional override, line separator or byte-order mark, well-formed. */
static void test_typed_ok(void **state)
{
	assert_true(utf8_typed_ok("理由\n二行目\tです", strlen("理由\n二行目\tです"), 1));
	assert_false(utf8_typed_ok("理由\n二行目", strlen("理由\n二行目"), 0));
	assert_false(utf8_typed_ok("a\rb", 3, 1));
	assert_false(utf8_typed_ok("a\0b", 3, 1));
	assert_false(utf8_typed_ok("\xe2\x80\xae"
	                           "abc",
	                           6, 1));                 /* U+202E */
	assert_false(utf8_typed_ok("\xe2\x80\xa8", 3, 1)); /* U+2028 */
	assert_false(utf8_typed_ok("\xef\xbb\xbf"
	                           "a",
	                           4, 1)); /* U+FEFF */
	assert_false(utf8_typed_ok("\xc3\x28", 2, 1));
	assert_true(utf8_typed_ok("", 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),          cmocka_unit_test(test_prefix_and_char_len),
	    cmocka_unit_test(test_next_and_count), cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_typed_ok),       cmocka_unit_test(test_line_and_forbidden),
	    cmocka_unit_test(test_text_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
