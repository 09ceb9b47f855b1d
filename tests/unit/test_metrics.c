/* Unit tests of the metrics registry (http/metrics.h): route slots, counting, and the
 * exposition text in the Prometheus text format; and the metrics_listen setting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/metrics.h"
#include "sig/verify.h"
#include "util/config.h"

static void dummy(req *r)
{
}

static const route ROUTES[] = {
    {M_GET | M_HEAD, "/", dummy, 0},
    {M_GET | M_HEAD, "/procedures/:id", dummy, 0},
    {M_POST, "/procedures/:id", dummy, 0},
    {M_GET, "/a\"b", dummy, 0},
};
#define NR (sizeof(ROUTES) / sizeof(ROUTES[0]))

static char *render(const metrics_scrape *sc)
{
	buf b;
	buf_init(&b, 0);
	assert_int_equal(metrics_render(&b, sc), 0);
	return buf_steal(&b, NULL);
}

static void test_slots(void **state)
{
	assert_int_equal(metrics_init(ROUTES, NR), 0);
	assert_int_equal(metrics_slot(0), 1);
	assert_int_equal(metrics_slot(1), 2);
	assert_int_equal(metrics_slot(2), 2); /* same pattern, same counters */
	assert_int_equal(metrics_slot(3), 3);
	assert_int_equal(metrics_slot(-1), METRICS_OTHER);
	assert_int_equal(metrics_slot((long)NR), METRICS_OTHER);
	metrics_free();
	assert_int_equal(metrics_slot(0), METRICS_OTHER);
	metrics_request_us(1, 200, 1); /* after free: counts nothing, no crash */
}

static void test_counters(void **state)
{
	metrics_scrape sc = {
	    .queue_depth = 3, .outbox_ok = 1, .outbox_unsent = 7, .outbox_failing = 2};
	assert_int_equal(metrics_init(ROUTES, NR), 0);
	metrics_request_us(metrics_slot(1), 200, 3000);  /* 3 ms: le 0.005 */
	metrics_request_us(metrics_slot(2), 303, 5000);  /* exactly 5 ms: le 0.005 */
	metrics_request_us(metrics_slot(1), 200, 70000); /* le 0.1 */
	metrics_request_us(METRICS_OTHER, 404, 9000000); /* +Inf only */
	metrics_request_us(METRICS_UNCOUNTED, 200, 1);   /* not counted */
	metrics_request_us(metrics_slot(3), 42, 1);      /* an odd code: as 599 */
	metrics_mail_failed();
	char *t = render(&sc);
	assert_non_null(strstr(t, "# HELP madoguchi_http_requests_total "));
	assert_non_null(strstr(t, "# TYPE madoguchi_http_requests_total counter\n"));
	assert_non_null(strstr(t, "\nmadoguchi_http_requests_total{route=\"/procedures/:id\","
	                          "code=\"200\"} 2\n"));
	assert_non_null(strstr(t, "\nmadoguchi_http_requests_total{route=\"/procedures/:id\","
	                          "code=\"303\"} 1\n"));
	assert_non_null(
	    strstr(t, "\nmadoguchi_http_requests_total{route=\"other\",code=\"404\"} 1\n"));
	assert_non_null(
	    strstr(t, "\nmadoguchi_http_requests_total{route=\"/a\\\"b\",code=\"599\"} 1\n"));
	assert_null(strstr(t, "route=\"/\""));
	assert_non_null(strstr(t, "# TYPE madoguchi_http_request_duration_seconds histogram\n"));
	const char *h = "madoguchi_http_request_duration_seconds_bucket{route=\"/procedures/:id\",";
	char want[200];
	static const char *const le[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	                                 "0.5",   "1",    "2.5",   "5",    "+Inf"};
	static const int cum[] = {2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3};
	for (int i = 0; i <= METRICS_BUCKETS; i++) {
		snprintf(want, sizeof(want), "\n%sle=\"%s\"} %d\n", h, le[i], cum[i]);
		assert_non_null(strstr(t, want));
	}
	assert_non_null(strstr(t, "\nmadoguchi_http_request_duration_seconds_sum{route=\""
	                          "/procedures/:id\"} 0.078000\n"));
	assert_non_null(strstr(t, "\nmadoguchi_http_request_duration_seconds_count{route=\""
	                          "/procedures/:id\"} 3\n"));
	assert_non_null(strstr(t, "\nmadoguchi_http_request_duration_seconds_bucket{route=\""
	                          "other\",le=\"5\"} 0\n"));
	assert_non_null(strstr(t, "\nmadoguchi_pool_queue_depth 3\n"));
	assert_non_null(strstr(t, "\nmadoguchi_outbox_unsent 7\n"));
	assert_non_null(strstr(t, "\nmadoguchi_outbox_failing 2\n"));
	assert_non_null(strstr(t, "\nmadoguchi_outbox_scrape_ok 1\n"));
	assert_non_null(strstr(t, "\nmadoguchi_mail_send_failures_total 1\n"));
	for (int r = 0; r < VERIFY_RESULT_COUNT; r++) {
		snprintf(want, sizeof(want),
		         "\nmadoguchi_signature_verifications_total{result=\"%s\"} 0\n",
		         verify_result_name((enum verify_result)r));
		assert_non_null(strstr(t, want));
	}
	assert_non_null(strstr(t, "{result=\"error\"} 0\n"));
	free(t);
	metrics_free();
}

/* Every line is a comment (# HELP / # TYPE of a family named once) or a sample; the text ends
 * with a newline; without the outbox figures their gauges are left out. */
static void test_format(void **state)
{
	metrics_scrape sc = {0};
	assert_int_equal(metrics_init(ROUTES, NR), 0);
	metrics_request_us(metrics_slot(0), 200, 1);
	char *t = render(&sc);
	size_t len = strlen(t);
	assert_true(len > 0 && t[len - 1] == '\n');
	assert_null(strstr(t, "madoguchi_outbox_unsent"));
	assert_non_null(strstr(t, "\nmadoguchi_outbox_scrape_ok 0\n"));
	int types = 0;
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# TYPE ", 7) == 0)
			types++;
		else if (line[0] == '#')
			assert_int_equal(strncmp(line, "# HELP madoguchi_", 17), 0);
		else
			assert_int_equal(strncmp(line, "madoguchi_", 10), 0);
		assert_non_null(strchr(line, ' '));
	}
	assert_int_equal(types, 9);
	free(t);
	metrics_free();
}

/* The writer's groups: groups, jobs and lost ones add up. */
static void test_writer(void **state)
{
	metrics_scrape sc = {0};
	assert_int_equal(metrics_init(ROUTES, NR), 0);
	metrics_writer_group(5, 0);
	metrics_writer_group(3, 3);
	char *t = render(&sc);
	assert_non_null(strstr(t, "\nmadoguchi_writer_groups_total 2\n"));
	assert_non_null(strstr(t, "\nmadoguchi_writer_jobs_total 8\n"));
	assert_non_null(strstr(t, "\nmadoguchi_writer_lost_total 3\n"));
	free(t);
	metrics_free();
}

static void test_listen_setting(void **state)
{
	config c;
	char ip[64], err[256];
	long port = 0;
	config_defaults(&c);
	assert_int_equal(config_metrics_addr(&c, ip, &port), 0);
	snprintf(c.metrics_listen, sizeof(c.metrics_listen), "127.0.0.1:9464");
	assert_int_equal(config_metrics_addr(&c, ip, &port), 1);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 9464);
	static const char *const bad[] = {"127.0.0.1",   "127.0.0.1:",      ":9464",
	                                  "127.0.0.1:0", "127.0.0.1:65536", "localhost:9464",
	                                  "::1:9464",    "127.0.0.1:94x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(c.metrics_listen, sizeof(c.metrics_listen), "%s", bad[i]);
		assert_int_equal(config_metrics_addr(&c, ip, &port), -1);
	}
	char *env[] = {"MADOGUCHI_METRICS_LISTEN=10.0.0.1", NULL};
	assert_int_equal(config_load(&c, NULL, env, err, sizeof(err)), CONFIG_EVALUE);
	assert_non_null(strstr(err, "metrics_listen"));
	char *env2[] = {"MADOGUCHI_METRICS_LISTEN=0.0.0.0:9464", NULL};
	assert_int_equal(config_load(&c, NULL, env2, err, sizeof(err)), CONFIG_OK);
	assert_string_equal(c.metrics_listen, "0.0.0.0:9464");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slots),          cmocka_unit_test(test_counters),
	    cmocka_unit_test(test_format),         cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_listen_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
