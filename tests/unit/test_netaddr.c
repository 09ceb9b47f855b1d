/* Unit tests of the client address behind trusted proxies (util/netaddr.h) and of the
 * trusted_proxies setting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/config.h"
#include "util/netaddr.h"

static void test_list(void **state)
{
	(void)state;
	assert_int_equal(netaddr_list_valid(""), 0);
	assert_int_equal(netaddr_list_valid("10.0.0.1"), 0);
	assert_int_equal(netaddr_list_valid("10.0.0.1, 192.168.0.0/16,172.16.0.0/12 0.0.0.0/0"), 0);
	const char *bad[] = {"10.0.0",     "10.0.0.256",   "10.0.0.1/33",
	                     "10.0.0.1/",  "10.0.0.1/x",   "::1",
	                     "example.jp", "10.0.0.1/8/8", "10.0.0.1;10.0.0.2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(netaddr_list_valid(bad[i]), -1);

	const char *l = "10.0.0.1, 192.168.0.0/16";
	assert_true(netaddr_list_has(l, "10.0.0.1"));
	assert_false(netaddr_list_has(l, "10.0.0.2"));
	assert_true(netaddr_list_has(l, "192.168.255.1"));
	assert_false(netaddr_list_has(l, "192.169.0.1"));
	assert_false(netaddr_list_has(l, "not an address"));
	assert_false(netaddr_list_has("", "10.0.0.1"));
	assert_true(netaddr_list_has("0.0.0.0/0", "203.0.113.9"));
}

static void expect_client(const char *trusted, const char *peer, const char *xff, const char *want)
{
	char out[64];
	netaddr_client(trusted, peer, xff, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_client(void **state)
{
	(void)state;
	const char *t = "127.0.0.1, 10.0.0.0/8";
	/* no list, or a peer that is not listed: the header is not believed */
	expect_client("", "127.0.0.1", "203.0.113.7", "127.0.0.1");
	expect_client(t, "198.51.100.1", "203.0.113.7", "198.51.100.1");
	expect_client(t, "127.0.0.1", NULL, "127.0.0.1");
	/* the right-most entry that is not a trusted proxy */
	expect_client(t, "127.0.0.1", "203.0.113.7", "203.0.113.7");
	expect_client(t, "127.0.0.1", "198.51.100.9, 203.0.113.7", "203.0.113.7");
	expect_client(t, "127.0.0.1", "198.51.100.9,203.0.113.7 , 10.1.2.3", "203.0.113.7");
	/* all trusted: the left-most */
	expect_client(t, "127.0.0.1", "10.0.0.5, 10.0.0.6", "10.0.0.5");
	/* a malformed entry ends the walk at the last trusted hop */
	expect_client(t, "127.0.0.1", "203.0.113.7, garbage", "127.0.0.1");
	expect_client(t, "127.0.0.1", "203.0.113.7, garbage, 10.0.0.6", "10.0.0.6");
	expect_client(t, "127.0.0.1", "", "127.0.0.1");
	expect_client(t, "127.0.0.1", "203.0.113.7,,", "127.0.0.1");
}

static void test_config_key(void **state)
{
	(void)state;
	config c;
	char err[512];
	char *good[] = {"MADOGUCHI_TRUSTED_PROXIES=127.0.0.1, 10.0.0.0/8", NULL};
	config_defaults(&c);
	assert_string_equal(c.trusted_proxies, "");
	assert_int_equal(config_load(&c, NULL, good, err, sizeof(err)), CONFIG_OK);
	assert_string_equal(c.trusted_proxies, "127.0.0.1, 10.0.0.0/8");
	char *bad[] = {"MADOGUCHI_TRUSTED_PROXIES=127.0.0.1, nginx", NULL};
	config_defaults(&c);
	assert_int_equal(config_load(&c, NULL, bad, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "trusted_proxies"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_client),
	    cmocka_unit_test(test_config_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
