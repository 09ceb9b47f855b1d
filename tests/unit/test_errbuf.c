/* Unit tests of util/errbuf: error text into a caller's buffer, cut to fit, nothing without
 * a buffer, and a message appended after a prefix (as the procedure and template loaders
 * write "FILE: PATH: message"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/errbuf.h"

static void append(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errbuf_vappend(err, errlen, fmt, ap);
	va_end(ap);
}

static void test_set(void **state)
{
	char err[8] = "xxxxxxx";
	errbuf_set(err, sizeof(err), "%s: %d", "ab", 12);
	assert_string_equal(err, "ab: 12");
	errbuf_set(err, sizeof(err), "%s", "0123456789");
	assert_string_equal(err, "0123456"); /* cut to 7 bytes and a NUL */
	errbuf_set(NULL, 8, "x");            /* no buffer: nothing, no crash */
	errbuf_set(err, 0, "changed");
	assert_string_equal(err, "0123456");
}

static void test_append(void **state)
{
	char err[16];
	errbuf_set(err, sizeof(err), "%s: ", "a.json");
	append(err, sizeof(err), "bad %s", "name");
	assert_string_equal(err, "a.json: bad nam"); /* 15 bytes kept */
	errbuf_set(err, 4, "%s", "prefix");          /* the prefix alone fills it */
	append(err, 4, "%s", "more");
	assert_string_equal(err, "pre");
	append(NULL, 4, "%s", "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_append),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
