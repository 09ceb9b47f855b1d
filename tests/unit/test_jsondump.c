/* Unit tests of util/jsondump: the same bytes as json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)
 * for fixed values and for many random trees (escapes, UTF-8, sorted keys, nesting), so that a
 * jansson upgrade that changes its output fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsondump.h"

static void same(const json_t *v)
{
	char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	char *got = jsondump_sorted(v);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static void test_fixed(void **state)
{
	json_t *v = json_pack("{s:s, s:i, s:b, s:b, s:n, s:[], s:{}, s:[s, i, {s:s}], s:f}", "b",
	                      "x\"y\\z\n\r\t\b\f\x01\x1f/ 山田 \xF0\x9F\x98\x80", "a", -42, "t", 1,
	                      "f", 0, "n", "e", "o", "arr", "1", 7, "z", "", "real", 0.1);
	assert_non_null(v);
	same(v);
	assert_int_equal(json_object_set_new(v, "aa", json_integer(LLONG_MAX)), 0);
	assert_int_equal(json_object_set_new(v, "A", json_integer(LLONG_MIN)), 0);
	same(v);
	json_decref(v);
	v = json_array();
	same(v);
	assert_null(jsondump_sorted(NULL));
	json_decref(v);
	v = json_string("not a container");
	assert_null(jsondump_sorted(v));
	json_decref(v);
}

static const char *const PIECES[] = {"a",  "b",  "ab",       "",  "\"", "\\", "\n", "\x02", "\x7f",
                                     "み", "市", "\xC2\xA9", "/", "z",  "Z",  "0",  "_",    "\t"};
#define NPIECES (sizeof(PIECES) / sizeof(PIECES[0]))

static void rand_text(unsigned *seed, char *out, size_t max)
{
	size_t n = (size_t)(rand_r(seed) % 6), len = 0, i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *p = PIECES[rand_r(seed) % NPIECES];
		if (len + strlen(p) + 1 > max)
			break;
		memcpy(out + len, p, strlen(p) + 1);
		len += strlen(p);
	}
}

static json_t *rand_tree(unsigned *seed, int depth)
{
	char text[64];
	int kind = depth > 4 ? 2 + rand_r(seed) % 5 : rand_r(seed) % 7, i, n;
	json_t *v;

	switch (kind) {
	case 0:
		v = json_object();
		for (i = 0, n = rand_r(seed) % 40; i < n; i++) {
			rand_text(seed, text, sizeof(text));
			json_object_set_new(v, text, rand_tree(seed, depth + 1));
		}
		return v;
	case 1:
		v = json_array();
		for (i = 0, n = rand_r(seed) % 5; i < n; i++)
			json_array_append_new(v, rand_tree(seed, depth + 1));
		return v;
	case 2:
		rand_text(seed, text, sizeof(text));
		return json_string(text);
	case 3:
		return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
	case 4:
		return json_boolean(rand_r(seed) % 2);
	case 5:
		return json_null();
	default:
		return json_string("verified");
	}
}

static void test_random(void **state)
{
	unsigned seed = 16;
	int i;

	for (i = 0; i < 2000; i++) {
		json_t *v = json_object();
		json_object_set_new(v, "root", rand_tree(&seed, 0));
		same(v);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed),
	    cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
