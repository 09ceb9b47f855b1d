/* metrics: the registry and its exposition text (see metrics.h). */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "sig/verify.h"

#define CODE_MIN 100
#define CODES 500 /* 100 .. 599; a code outside is counted as 599 */

const int metrics_bucket_ms[METRICS_BUCKETS] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

struct slot {
	const char *name;
	atomic_ullong codes[CODES];
	atomic_ullong bucket[METRICS_BUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
	atomic_ullong count;
	atomic_ullong sum_us;
};

static struct registry {
	struct slot *slots; /* [0]: other */
	size_t n_slots;
	int *slot_of; /* route index -> slot */
	size_t n_routes;
} R;

static atomic_ullong mail_failed;
static atomic_ullong writer_groups, writer_jobs, writer_lost;

int metrics_init(const struct route *routes, size_t n)
{
	metrics_free();
	R.slots = calloc(n + 1, sizeof(*R.slots));
	R.slot_of = calloc(n ? n : 1, sizeof(*R.slot_of));
	if (!R.slots || !R.slot_of) {
		metrics_free();
		return -1;
	}
	R.slots[0].name = "other";
	R.n_slots = 1;
	for (size_t i = 0; i < n; i++) {
		size_t s = 1;
		while (s < R.n_slots && strcmp(R.slots[s].name, routes[i].pattern) != 0)
			s++;
		if (s == R.n_slots)
			R.slots[R.n_slots++].name = routes[i].pattern;
		R.slot_of[i] = (int)s;
	}
	R.n_routes = n;
	atomic_store(&mail_failed, 0);
	atomic_store(&writer_groups, 0);
	atomic_store(&writer_jobs, 0);
	atomic_store(&writer_lost, 0);
	return 0;
}

void metrics_free(void)
{
	free(R.slots);
	free(R.slot_of);
	memset(&R, 0, sizeof(R));
}

int metrics_slot(long i)
{
	if (i < 0 || (size_t)i >= R.n_routes)
		return METRICS_OTHER;
	return R.slot_of[i];
}

void metrics_request_us(int slot, int status, long long us)
{
	if (slot < 0 || (size_t)slot >= R.n_slots)
		return;
	struct slot *s = &R.slots[slot];
	if (status < CODE_MIN || status >= CODE_MIN + CODES)
		status = CODE_MIN + CODES - 1;
	if (us < 0)
		us = 0;
	int b = 0;
	while (b < METRICS_BUCKETS && us > (long long)metrics_bucket_ms[b] * 1000)
		b++;
	atomic_fetch_add_explicit(&s->codes[status - CODE_MIN], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)us, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void metrics_request(int slot, int status, const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (long long)(now.tv_sec - start->tv_sec) * 1000000 +
	               (now.tv_nsec - start->tv_nsec) / 1000;
	metrics_request_us(slot, status, us);
}

void metrics_writer_group(size_t jobs, size_t lost)
{
	atomic_fetch_add_explicit(&writer_groups, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&writer_jobs, jobs, memory_order_relaxed);
	atomic_fetch_add_explicit(&writer_lost, lost, memory_order_relaxed);
}

void metrics_mail_failed(void)
{
	atomic_fetch_add_explicit(&mail_failed, 1, memory_order_relaxed);
}

/* ---- the exposition text ---- */

static unsigned long long get(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void head(buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one counter without labels. */
static void counter(buf *out, const char *name, const char *help, atomic_ullong *v)
{
	head(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, get(v));
}

/* A label value: backslash, quote and newline escaped. */
static void label(buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_putc(out, '\\');
		if (*v == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *v);
	}
}

static void render_requests(buf *out)
{
	head(out, "madoguchi_http_requests_total", "counter",
	     "Answered HTTP requests by route pattern and status code.");
	for (size_t i = 0; i < R.n_slots; i++)
		for (int c = 0; c < CODES; c++) {
			unsigned long long v = get(&R.slots[i].codes[c]);
			if (!v)
				continue;
			buf_puts(out, "madoguchi_http_requests_total{route=\"");
			label(out, R.slots[i].name);
			buf_printf(out, "\",code=\"%d\"} %llu\n", c + CODE_MIN, v);
		}
}

static void render_slot_histogram(buf *out, struct slot *s)
{
	unsigned long long cum = 0;
	for (int b = 0; b <= METRICS_BUCKETS; b++) {
		cum += get(&s->bucket[b]);
		buf_puts(out, "madoguchi_http_request_duration_seconds_bucket{route=\"");
		label(out, s->name);
		if (b < METRICS_BUCKETS)
			buf_printf(out, "\",le=\"%g\"} %llu\n", metrics_bucket_ms[b] / 1000.0, cum);
		else /* the buckets are read one by one: +Inf and _count are their sum */
			buf_printf(out, "\",le=\"+Inf\"} %llu\n", cum);
	}
	buf_puts(out, "madoguchi_http_request_duration_seconds_sum{route=\"");
	label(out, s->name);
	buf_printf(out, "\"} %.6f\n", (double)get(&s->sum_us) / 1e6);
	buf_puts(out, "madoguchi_http_request_duration_seconds_count{route=\"");
	label(out, s->name);
	buf_printf(out, "\"} %llu\n", cum);
}

static void render_latency(buf *out)
{
	head(out, "madoguchi_http_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its answer, by route pattern.");
	for (size_t i = 0; i < R.n_slots; i++)
		if (get(&R.slots[i].count))
			render_slot_histogram(out, &R.slots[i]);
}

static void render_signatures(buf *out)
{
	head(out, "madoguchi_signature_verifications_total", "counter",
	     "Signature verifications by result (error: no result, out of resources).");
	for (int r = 0; r <= VERIFY_RESULT_COUNT; r++)
		buf_printf(out, "madoguchi_signature_verifications_total{result=\"%s\"} %llu\n",
		           r < VERIFY_RESULT_COUNT ? verify_result_name((enum verify_result)r)
		                                   : "error",
		           verify_count(r));
}

static void render_gauges(buf *out, const metrics_scrape *sc)
{
	head(out, "madoguchi_pool_queue_depth", "gauge",
	     "Slow-work jobs waiting for a worker-pool thread.");
	buf_printf(out, "madoguchi_pool_queue_depth %lld\n", sc->queue_depth);
	counter(out, "madoguchi_mail_send_failures_total",
	        "Failed attempts to send a mail, by this process.", &mail_failed);
	counter(out, "madoguchi_writer_groups_total",
	        "Groups the writer committed (or tried to): one durable commit each.",
	        &writer_groups);
	counter(out, "madoguchi_writer_jobs_total",
	        "Writes (submissions, draft saves, signature marks) the writer ran in its groups.",
	        &writer_jobs);
	counter(out, "madoguchi_writer_lost_total",
	        "Writes of groups whose commit failed (the person was asked to try again).",
	        &writer_lost);
	head(out, "madoguchi_outbox_scrape_ok", "gauge",
	     "1 when the outbox figures could be read from the database.");
	buf_printf(out, "madoguchi_outbox_scrape_ok %d\n", sc->outbox_ok ? 1 : 0);
	if (!sc->outbox_ok)
		return;
	head(out, "madoguchi_outbox_unsent", "gauge", "Mails in the outbox not sent yet.");
	buf_printf(out, "madoguchi_outbox_unsent %lld\n", sc->outbox_unsent);
	head(out, "madoguchi_outbox_failing", "gauge",
	     "Unsent mails of the outbox whose last attempt failed.");
	buf_printf(out, "madoguchi_outbox_failing %lld\n", sc->outbox_failing);
}

int metrics_render(buf *out, const metrics_scrape *sc)
{
	render_requests(out);
	render_latency(out);
	render_signatures(out);
	render_gauges(out, sc);
	return out->failed ? -1 : 0;
}
