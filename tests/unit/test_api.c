/* test_api: the back-office API's keys (text, parse, check against the stored SHA-256, what
 * a scope allows), its cursor and the status change's body. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/api.h"
#include "util/token.h"

static const char SECRET[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_";

static void test_key_text(void **state)
{
	char text[API_KEY_TEXT_MAX + 1], secret[TOKEN_LEN + 1];
	long long id = 0;
	(void)state;
	assert_int_equal(strlen(SECRET), TOKEN_LEN);
	assert_int_equal(api_key_text(42, SECRET, text, sizeof(text)), 0);
	assert_string_equal(text, "mdg_42_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_");
	assert_int_equal(api_key_parse(text, &id, secret), 0);
	assert_int_equal(id, 42);
	assert_string_equal(secret, SECRET);
	static const char *const bad[] = {
	    "",
	    "mdg_",
	    "mdg_42",
	    "mdg__abc",
	    "MDG_42_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_",
	    "mdg_042_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_",
	    "mdg_0_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_",
	    "mdg_42_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-",
	    "mdg_42_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_x",
	    "mdg_42_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO+/",
	    "mdg_99999999999_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(api_key_parse(bad[i], &id, secret), -1);
}

static void test_valid_and_allows(void **state)
{
	store_api_key k;
	(void)state;
	memset(&k, 0, sizeof(k));
	token_sha256_hex(SECRET, strlen(SECRET), k.secret_hash);
	snprintf(k.scope, sizeof(k.scope), "read");
	snprintf(k.procs[0], sizeof(k.procs[0]), "road-park-report");
	k.nprocs = 1;
	assert_int_equal(api_key_valid(&k, SECRET), 1);
	assert_int_equal(api_key_valid(&k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-A"), 0);
	assert_int_equal(api_key_allows(&k, "road-park-report", 0), 1);
	assert_int_equal(api_key_allows(&k, "road-park-report", 1), 0); /* read only */
	assert_int_equal(api_key_allows(&k, "sodaigomi-collection", 0), 0);
	snprintf(k.scope, sizeof(k.scope), "read_status");
	assert_int_equal(api_key_allows(&k, "road-park-report", 1), 1);
	k.revoked_at = 1;
	assert_int_equal(api_key_valid(&k, SECRET), 0);
}

static void test_cursor(void **state)
{
	store_application ap;
	char c[64], receipt[STORE_RECEIPT_MAX + 1];
	long long at = 0;
	(void)state;
	memset(&ap, 0, sizeof(ap));
	snprintf(ap.receipt, sizeof(ap.receipt), "2026-000012");
	ap.submitted_at = 1796291325;
	api_cursor(&ap, c, sizeof(c));
	assert_string_equal(c, "1796291325.2026-000012");
	assert_int_equal(api_cursor_parse(c, &at, receipt), 0);
	assert_int_equal(at, 1796291325);
	assert_string_equal(receipt, "2026-000012");
	assert_int_equal(api_cursor_parse("x.2026-000012", &at, receipt), -1);
	assert_int_equal(api_cursor_parse("0.2026-000012", &at, receipt), -1);
	assert_int_equal(api_cursor_parse("12.2026-12", &at, receipt), -1);
	assert_int_equal(api_cursor_parse("12", &at, receipt), -1);
}

static void test_status_body(void **state)
{
	char to[STORE_STATUS_MAX + 1], text[STORE_NOTE_MAX + 1];
	long long seen = 0;
	(void)state;
	const char *ok =
	    "{\"status\":\"rejected\",\"seen_event\":7,\"text\":\"  理由です\\r\\n \"}";
	assert_int_equal(api_status_parse(ok, strlen(ok), to, text, &seen), 0);
	assert_string_equal(to, "rejected");
	assert_int_equal(seen, 7);
	assert_string_equal(text, "理由です");
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"status\":\"accepted\"}",
	    "{\"status\":\"accepted\",\"seen_event\":0}",
	    "{\"status\":\"granted\",\"seen_event\":3}",
	    "{\"status\":\"accepted\",\"seen_event\":3,\"x\":1}",
	    "{\"status\":\"accepted\",\"seen_event\":3,\"status\":\"done\"}",
	    "{\"status\":\"accepted\",\"seen_event\":\"3\"}",
	    "{\"status\":\"accepted\",\"seen_event\":3,\"text\":\"a\\u0000b\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(api_status_parse(bad[i], strlen(bad[i]), to, text, &seen), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_text),
	    cmocka_unit_test(test_valid_and_allows),
	    cmocka_unit_test(test_cursor),
	    cmocka_unit_test(test_status_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
