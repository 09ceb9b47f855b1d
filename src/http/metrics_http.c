/* metrics_http: the metrics endpoint's own listener (metrics_listen), on the first event loop.
 * It answers GET /metrics only; the figures the store holds are read on the worker pool, as
 * any slow work is, and the exposition text is written back on the loop. The portal's port
 * never routes to it. */
#include "http/metrics_http.h"

#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/defer.h"
#include "http/metrics.h"
#include "store/store.h"
#include "util/log.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void scrape_work(struct store *s, const app *a, void *arg)
{
	metrics_scrape *sc = arg;
	int rc = store_outbox_backlog(s, &sc->outbox_unsent, &sc->outbox_failing);
	sc->outbox_ok = rc == STORE_OK;
	if (!sc->outbox_ok)
		log_error("metrics: outbox backlog: %s: %s", store_strerror(rc), store_errmsg(s));
	sc->queue_depth = (long long)defer_queued();
}

static void scrape_done(req *r, void *arg)
{
	metrics_scrape *sc = arg;
	buf b;
	buf_init(&b, 0);
	if (metrics_render(&b, sc) == 0)
		resp_bytes(r, 200, CONTENT_TYPE, b.data ? b.data : "", b.len);
	else
		resp_bytes(r, 500, CONTENT_TYPE, "", 0);
	buf_release(&b);
	free(sc);
}

static int is_metrics_path(struct evhttp_request *ev)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(ev);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	return path && strcmp(path, "/metrics") == 0;
}

static void on_scrape(struct evhttp_request *ev, void *arg)
{
	worker *w = arg;
	if (!is_metrics_path(ev)) {
		evhttp_send_error(ev, 404, NULL);
		return;
	}
	req *r = calloc(1, sizeof(*r));
	metrics_scrape *sc = calloc(1, sizeof(*sc));
	if (!r || !sc) {
		free(r);
		free(sc);
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	r->ev = ev;
	r->w = w;
	r->a = w->a;
	r->method = evhttp_request_get_command(ev) == EVHTTP_REQ_HEAD ? M_HEAD : M_GET;
	r->metric_slot = METRICS_UNCOUNTED;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	if (req_defer(r, scrape_work, scrape_done, sc) < 0)
		req_free(r); /* answered 503; scrape_done freed sc */
}

struct evhttp *metrics_http_start(worker *w, char *err, size_t errlen)
{
	char ip[64];
	long port = 0;
	if (config_metrics_addr(&w->a->cfg, ip, &port) <= 0)
		return NULL;
	struct evhttp *http = evhttp_new(w->base);
	if (!http) {
		snprintf(err, errlen, "evhttp_new failed");
		return NULL;
	}
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(http, (ev_ssize_t)w->a->cfg.max_header_bytes);
	evhttp_set_max_body_size(http, 4096);
	evhttp_set_timeout(http, (int)w->a->cfg.request_timeout);
	evhttp_set_gencb(http, on_scrape, w);
	if (!evhttp_bind_socket_with_handle(http, ip, (ev_uint16_t)port)) {
		snprintf(err, errlen, "metrics_listen: cannot listen on %s:%ld", ip, port);
		evhttp_free(http);
		return NULL;
	}
	log_info("metrics at http://%s:%ld/metrics", ip, port);
	return http;
}
