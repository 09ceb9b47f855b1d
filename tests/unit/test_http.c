/* Unit tests of the HTTP layer's pure parts: the form/query parser, the router and the
 * configuration loader, and the era dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/form.h"
#include "http/http.h"
#include "util/config.h"
#include "util/jdate.h"
#include "util/log.h"

static void test_form_basic(void **state)
{
	form f;
	const char s[] = "q=%E3%83%9C%E3%83%A9&a=1+2&&b&c=&a=3";
	assert_int_equal(form_parse(&f, s, strlen(s), 10), FORM_OK);
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "q"), "ボラ");
	assert_string_equal(form_get(&f, "a"), "1 2");
	assert_string_equal(form_get_nth(&f, "a", 1), "3");
	assert_null(form_get_nth(&f, "a", 2));
	assert_string_equal(form_get(&f, "b"), "");
	assert_string_equal(form_get(&f, "c"), "");
	assert_null(form_get(&f, "zz"));
	form_release(&f);
}

static void test_form_errors(void **state)
{
	form f;
	const char *bad_escapes[] = {"a=%", "a=%4", "a=%zz", "%=1", "a=1&b=%G0"};
	for (size_t i = 0; i < sizeof(bad_escapes) / sizeof(bad_escapes[0]); i++) {
		assert_int_equal(form_parse(&f, bad_escapes[i], strlen(bad_escapes[i]), 10),
		                 FORM_EESCAPE);
		form_release(&f);
	}
	const char *bad_names[] = {"=1", "%00=1", "a=1&=2"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(form_parse(&f, bad_names[i], strlen(bad_names[i]), 10),
		                 FORM_ENAME);
		form_release(&f);
	}
	char longname[300];
	memset(longname, 'n', 200);
	strcpy(longname + 200, "=1");
	assert_int_equal(form_parse(&f, longname, strlen(longname), 10), FORM_ENAME);
	form_release(&f);
	const char many[] = "a=1&b=2&c=3&d=4";
	assert_int_equal(form_parse(&f, many, strlen(many), 3), FORM_ETOOMANY);
	form_release(&f);
	/* empty pieces do not count against the limit */
	const char sparse[] = "a=1&&&&&&b=2";
	assert_int_equal(form_parse(&f, sparse, strlen(sparse), 2), FORM_OK);
	assert_int_equal(f.n, 2);
	form_release(&f);
}

static void test_form_nul_in_value(void **state)
{
	form f;
	const char s[] = "a=x%00y";
	assert_int_equal(form_parse(&f, s, strlen(s), 10), FORM_OK);
	assert_int_equal(f.pairs[0].value_len, 3);
	assert_memory_equal(f.pairs[0].value, "x\0y", 3);
	form_release(&f);
}

static void h_a(req *r)
{
	(void)r;
}
static void h_b(req *r)
{
	(void)r;
}
static void h_c(req *r)
{
	(void)r;
}

static void test_router(void **state)
{
	static const route routes[] = {
	    {M_GET, "/", h_a, 0},
	    {M_GET | M_POST, "/procedures/:id", h_b, 0},
	    {M_GET, "/procedures/:id/start", h_c, 0},
	    {M_GET, "/static/*", h_a, 0},
	};
	size_t n = sizeof(routes) / sizeof(routes[0]);
	req r;
	int known;
	char path[64];
#define MATCH(m, p)                                                                                \
	(memset(&r, 0, sizeof(r)), r.method = (m), strcpy(path, (p)), r.path = path,               \
	 router_match(routes, n, &r, &known))
	assert_ptr_equal(MATCH(M_GET, "/")->fn, h_a);
	assert_ptr_equal(MATCH(M_GET, "/procedures/kaigo")->fn, h_b);
	assert_string_equal(r.params[0], "kaigo");
	assert_ptr_equal(MATCH(M_GET, "/procedures/kaigo/start")->fn, h_c);
	assert_string_equal(r.params[0], "kaigo");
	assert_int_equal(r.n_params, 1);
	assert_null(MATCH(M_GET, "/procedures/"));
	assert_int_equal(known, 0);
	assert_null(MATCH(M_GET, "/procedures//start"));
	assert_null(MATCH(M_GET, "/procedures/a/start/x"));
	assert_null(MATCH(M_POST, "/"));
	assert_int_equal(known, 1);
	assert_ptr_equal(MATCH(M_POST, "/procedures/x")->fn, h_b);
	assert_ptr_equal(MATCH(M_GET, "/static/css/site.css")->fn, h_a);
	assert_null(MATCH(M_GET, "/static/"));
	assert_null(MATCH(M_GET, "/nothing"));
#undef MATCH
}

static void test_config(void **state)
{
	config c;
	char err[512], path[] = "/tmp/madoguchi-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char json[] = "{\"port\": 9000, \"city_name\": \"あおば市\", \"dev_mode\": true}";
	assert_int_equal(write(fd, json, sizeof(json) - 1), (ssize_t)sizeof(json) - 1);
	close(fd);

	config_defaults(&c);
	char *env0[] = {NULL};
	assert_int_equal(config_load(&c, path, env0, err, sizeof(err)), CONFIG_OK);
	assert_int_equal(c.port, 9000);
	assert_string_equal(c.city_name, "あおば市");
	assert_true(c.dev_mode);
	assert_string_equal(c.listen, "127.0.0.1"); /* default kept */

	char *env1[] = {"MADOGUCHI_PORT=9100", "MADOGUCHI_DEV_MODE=false", "MADOGUCHI_UNRELATED=x",
	                "PATH=/bin", NULL};
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, env1, err, sizeof(err)), CONFIG_OK);
	assert_int_equal(c.port, 9100);
	assert_false(c.dev_mode);

	char *env2[] = {"MADOGUCHI_PORT=70000", NULL};
	config_defaults(&c);
	assert_int_equal(config_load(&c, NULL, env2, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "MADOGUCHI_PORT"));
	char *env3[] = {"MADOGUCHI_PORT=80x", NULL};
	assert_int_equal(config_load(&c, NULL, env3, err, sizeof(err)), CONFIG_EVALUE);

	const char *bad[][2] = {
	    {"{\"port\": \"x\"}", "port: must be an integer"},
	    {"{\"prot\": 1}", "prot: unknown key"},
	    {"{\"dev_mode\": 1}", "dev_mode: must be true or false"},
	    {"{\"port\": 1,}", "line 1"},
	    {"[1]", "top level"},
	    {"{\"port\": 1, \"port\": 2}", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "w");
		fputs(bad[i][0], f);
		fclose(f);
		config_defaults(&c);
		assert_int_not_equal(config_load(&c, path, env0, err, sizeof(err)), CONFIG_OK);
		if (!strstr(err, bad[i][1]))
			fail_msg("config %s: message \"%s\" lacks \"%s\"", bad[i][0], err,
			         bad[i][1]);
	}
	assert_int_equal(config_load(&c, "/nonexistent/x.json", env0, err, sizeof(err)),
	                 CONFIG_EIO);
	unlink(path);
}

static void test_log_escape(void **state)
{
	char out[64];
	const char in[] = "/a\x1b[31m\r\n\"\\\x7f\xe3\x81\x82";
	size_t n = log_escape(out, sizeof(out), in, sizeof(in) - 1);
	assert_string_equal(out, "/a\\x1b[31m\\x0d\\x0a\\x22\\x5c\\x7f\xe3\x81\x82");
	assert_int_equal(n, strlen(out));
	/* a cut never splits an escape */
	n = log_escape(out, 6, "ab\ncd", 5);
	assert_string_equal(out, "ab");
	assert_int_equal(n, 2);
	assert_int_equal(log_escape(out, 7, "ab\ncd", 5), 6);
	assert_string_equal(out, "ab\\x0a");
}

static void test_jdate(void **state)
{
	char out[96];
	assert_int_equal(jdate_format("2026-04-01", out, sizeof(out)), 0);
	assert_string_equal(out, "2026年(令和8年)4月1日");
	assert_int_equal(jdate_format("2019-05-01", out, sizeof(out)), 0);
	assert_string_equal(out, "2019年(令和元年)5月1日");
	assert_int_equal(jdate_format("2019-04-30", out, sizeof(out)), 0);
	assert_string_equal(out, "2019年(平成31年)4月30日");
	assert_true(jdate_valid("2024-02-29"));
	assert_false(jdate_valid("2026-02-29"));
	assert_false(jdate_valid("2026-02-30"));
	assert_false(jdate_valid("2026-13-01"));
	assert_false(jdate_valid("2026-1-01"));
	assert_false(jdate_valid("abcd-ef-gh"));
	assert_int_equal(jdate_format("2026-02-30", out, sizeof(out)), -1);
	jdate_today(out, 1767193200); /* 2025-12-31T15:00:00Z is 2026-01-01 in Japan */
	assert_string_equal(out, "2026-01-01");
	jdate_format_time(1767193200, out, sizeof(out)); /* the same instant with its time */
	assert_string_equal(out, "2026年(令和8年)1月1日 00:00");
	jdate_format_time(1775000000, out, sizeof(out));
	assert_string_equal(out, "2026年(令和8年)4月1日 08:33");
	assert_int_equal(jdate_day_start("2026-01-01"), 1767193200); /* 00:00 in Japan */
	assert_int_equal(jdate_day_start("2026-02-30"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form_basic),
	    cmocka_unit_test(test_form_errors),
	    cmocka_unit_test(test_form_nul_in_value),
	    cmocka_unit_test(test_router),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_jdate),
	    cmocka_unit_test(test_log_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
