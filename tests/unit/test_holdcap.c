/* Unit tests of http/holdcap: the caps on held requests (the long poll of the signature's
 * state), in all and per session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/holdcap.h"

static void test_per_key(void **state)
{
	holdcap c;
	assert_int_equal(holdcap_init(&c, 10, 2), 0);
	assert_int_equal(holdcap_take(&c, "a"), HOLDCAP_OK);
	assert_int_equal(holdcap_take(&c, "a"), HOLDCAP_OK);
	assert_int_equal(holdcap_take(&c, "a"), HOLDCAP_KEY_FULL); /* the session's third */
	assert_int_equal(holdcap_count(&c, "a"), 2);
	assert_int_equal(holdcap_take(&c, "b"), HOLDCAP_OK); /* another session is not */
	assert_int_equal(c.total, 3);
	holdcap_put(&c, "a");
	assert_int_equal(holdcap_count(&c, "a"), 1);
	assert_int_equal(holdcap_take(&c, "a"), HOLDCAP_OK); /* a freed place is free again */
	holdcap_put(&c, "a");
	holdcap_put(&c, "a");
	assert_int_equal(holdcap_count(&c, "a"), 0);
	assert_int_equal(c.n_keys, 1); /* a key without holds is forgotten */
	holdcap_put(&c, "a");          /* not held: ignored, the counts stay */
	holdcap_put(&c, "zz");
	assert_int_equal(c.total, 1);
	assert_int_equal(holdcap_count(&c, "b"), 1);
	holdcap_release(&c);
}

static void test_total(void **state)
{
	holdcap c;
	char key[16];
	assert_int_equal(holdcap_init(&c, 3, 2), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(holdcap_take(&c, key), HOLDCAP_OK);
	}
	assert_int_equal(holdcap_take(&c, "k3"), HOLDCAP_FULL);
	assert_int_equal(holdcap_take(&c, "k0"), HOLDCAP_FULL); /* the process cap comes first */
	holdcap_put(&c, "k1"); /* the middle key goes: the last one is moved into its place */
	assert_int_equal(holdcap_count(&c, "k2"), 1);
	assert_int_equal(holdcap_take(&c, "k0"), HOLDCAP_OK);
	assert_int_equal(holdcap_count(&c, "k0"), 2);
	assert_int_equal(c.n_keys, 2);
	holdcap_release(&c);
}

static void test_input(void **state)
{
	holdcap c;
	char longkey[HOLDCAP_KEY_MAX + 2];
	memset(longkey, 'x', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(holdcap_init(&c, 4, 1), 0);
	assert_int_equal(holdcap_take(&c, ""), HOLDCAP_EINPUT);
	assert_int_equal(holdcap_take(&c, NULL), HOLDCAP_EINPUT);
	assert_int_equal(holdcap_take(&c, longkey), HOLDCAP_EINPUT);
	longkey[HOLDCAP_KEY_MAX] = '\0'; /* the longest key allowed */
	assert_int_equal(holdcap_take(&c, longkey), HOLDCAP_OK);
	assert_int_equal(c.total, 1);
	holdcap_release(&c);
	/* a cap of 0 holds nothing */
	assert_int_equal(holdcap_init(&c, 0, 2), 0);
	assert_int_equal(holdcap_take(&c, "a"), HOLDCAP_FULL);
	holdcap_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_key),
	    cmocka_unit_test(test_total),
	    cmocka_unit_test(test_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
