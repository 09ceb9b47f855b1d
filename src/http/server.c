/* server: the HTTP server. One libevent loop per core, each with its own evhttp, its own
 * listening socket on the shared port (SO_REUSEPORT, so the kernel spreads connections) and
 * its own store connection. The main thread waits for SIGINT/SIGTERM and then stops the
 * loops, which finish the requests in progress. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/conn.h"
#include "http/defer.h"
#include "http/hold.h"
#include "http/housekeep.h"
#include "http/metrics.h"
#include "http/metrics_http.h"
#include "http/stamps.h"
#include "http/http.h"
#include "http/session.h"
#include "store/store.h"
#include "util/log.h"

struct loop {
	worker w;
	pthread_t thread;
	struct evhttp *http;
	struct evconnlistener *lis;
	struct event *backoff_ev; /* accept() failed: accepting again when it fires */
	long backoff_ms;
	struct timespec backoff_end;
	struct event *flush_ev;
	struct event *housekeep_ev; /* the first loop only */
	struct event *stamps_ev;    /* the first loop only, when tsa_url is set */
	struct evhttp *metrics;     /* the first loop only, when metrics_listen is set */
	int started;
};

static int req_method(struct evhttp_request *ev)
{
	switch (evhttp_request_get_command(ev)) {
	case EVHTTP_REQ_GET:
		return M_GET;
	case EVHTTP_REQ_POST:
		return M_POST;
	case EVHTTP_REQ_HEAD:
		return M_HEAD;
	default:
		return 0;
	}
}

/* A target with spaces or control bytes; libevent takes them (the request line ends at the
 * last space) but no client we serve sends them. */
static int target_ok(const char *uri)
{
	for (const unsigned char *p = (const unsigned char *)uri; p && *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return uri != NULL;
}

/* Counts the header fields and finds Content-Length headers that disagree: libevent reads the
 * body by the first one, a proxy in front might use another. */
static size_t count_headers(struct evhttp_request *ev, int *cl_conflict)
{
	size_t nh = 0;
	const char *cl = NULL;
	struct evkeyval *kv;
	*cl_conflict = 0;
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(ev), next) {
		nh++;
		if (evutil_ascii_strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		if (cl && strcmp(cl, kv->value) != 0)
			*cl_conflict = 1;
		cl = kv->value;
	}
	return nh;
}

/* The site's error page, and the connection closed: what follows on it cannot be trusted to
 * be the next request (or is a body left unread). */
static void error_and_close(req *r, int status, const char *title, const char *message)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Connection", "close");
	resp_error(r, status, title, message);
}

static void bad_framing(req *r, const char *message)
{
	error_and_close(r, 400, "リクエストが正しくありません", message);
}

static void too_large(req *r, size_t limit, int close)
{
	char msg[200];
	if (limit)
		snprintf(
		    msg, sizeof(msg),
		    "送信できる大きさは %zu KB までです。内容を減らして、もう一度お試しください。",
		    limit / 1024);
	else
		snprintf(msg, sizeof(msg), "このページには内容を送信できません。");
	if (close)
		error_and_close(r, 413, "送信された内容が大きすぎます", msg);
	else
		resp_error(r, 413, "送信された内容が大きすぎます", msg);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	worker *w = arg;
	size_t conn_limit = 0;
	int refused = conn_request_begin(ev, &conn_limit);
	const app *a = w->a;
	req *rp = calloc(1, sizeof(*rp));
	if (!rp) {
		evhttp_send_error(ev, 503, NULL);
		return;
	}
#define r (*rp)
	r.ev = ev;
	r.w = w;
	r.a = a;
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	r.method = req_method(ev);

	int cl_conflict = 0;
	size_t nh = count_headers(ev, &cl_conflict);
	if (!target_ok(evhttp_request_get_uri(ev))) {
		bad_framing(&r, "アドレスに使えない文字が含まれています。");
		goto out;
	}
	if (cl_conflict) {
		bad_framing(&r, "送信された内容の長さが食い違っています。");
		goto out;
	}
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(ev);
	const char *raw = u ? evhttp_uri_get_path(u) : NULL;
	if (!raw || !*raw)
		raw = "/";
	size_t plen = 0;
	r.path = evhttp_uridecode(raw, 0, &plen);
	if (!r.path || plen != strlen(r.path) || r.path[0] != '/') {
		resp_error(&r, 400, "リクエストが正しくありません",
		           "アドレスに使えない文字が含まれています。");
		goto out;
	}
	if (!r.method) {
		resp_error(&r, 405, "この操作はできません", NULL);
		goto out;
	}
	if (nh > (size_t)a->cfg.max_header_fields) {
		resp_error(&r, 431, "リクエストが大きすぎます", "ヘッダーの数が多すぎます。");
		goto out;
	}
	const char *q = u ? evhttp_uri_get_query(u) : NULL;
	if (q && form_parse(&r.query, q, strlen(q), (size_t)a->cfg.max_form_fields) != FORM_OK) {
		resp_error(&r, 400, "リクエストが正しくありません",
		           "アドレスの形式が正しくありません。");
		goto out;
	}
	session_load(&r);
	int known = 0;
	const route *rt = router_match(a->routes, a->n_routes, &r, &known);
	r.metric_slot = rt ? metrics_slot(rt - a->routes) : METRICS_OTHER;
	/* The body is checked first, so an over-large body gets 413 on any path. conn.c keeps
	 * a body past the route's limit from being read: announced by Content-Length, it is left
	 * unread and gets this page; chunked, libevent stops it as it passes the limit and sends
	 * its own bare 413 (no handler runs for it then). */
	size_t body = evbuffer_get_length(evhttp_request_get_input_buffer(ev));
	size_t limit = rt && rt->max_body ? rt->max_body : (size_t)a->cfg.max_form_bytes;
	if (refused || body > limit) {
		too_large(&r, refused ? conn_limit : limit, refused);
		goto out;
	}
	if (!rt) {
		if (known)
			resp_error(&r, 405, "この操作はできません", NULL);
		else
			resp_error(&r, 404, "ページが見つかりません",
			           "お探しのページは、移動または削除された可能性があります。");
		goto out;
	}
	rt->fn(&r);
out:
	if (!r.deferred)
		req_free(rp);
#undef r
}

void req_free(req *r)
{
	form_release(&r->query);
	free(r->path);
	free(r->set_cookie);
	free(r);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	log_access_flush();
}

static struct loop *g_loops;
static long g_n_loops;
static long accept_log_sec;

static void on_backoff_end(evutil_socket_t fd, short what, void *arg)
{
	struct loop *l = arg;
	clock_gettime(CLOCK_MONOTONIC, &l->backoff_end);
	evconnlistener_enable(l->lis);
}

/* accept() failed (out of descriptors, most often): stop accepting for a moment rather than
 * retry at once in a loop, doubling the pause from 50 ms to 1 s while failures follow each
 * other, and log it at most once a second. Clients wait in the listen backlog meanwhile. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
	int e = EVUTIL_SOCKET_ERROR();
	struct loop *l = NULL;
	for (long i = 0; i < g_n_loops && !l; i++)
		if (g_loops[i].lis == lis)
			l = &g_loops[i];
	if (!l)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long since_ms = (now.tv_sec - l->backoff_end.tv_sec) * 1000 +
	                (now.tv_nsec - l->backoff_end.tv_nsec) / 1000000;
	l->backoff_ms = since_ms < 2 * l->backoff_ms ? l->backoff_ms * 2 : 50;
	if (l->backoff_ms > 1000)
		l->backoff_ms = 1000;
	if (log_second_passed(&accept_log_sec))
		log_error("accept: %s; not accepting for %ld ms (logged at most once a second)",
		          evutil_socket_error_to_string(e), l->backoff_ms);
	evconnlistener_disable(lis);
	struct timeval tv = {l->backoff_ms / 1000, (l->backoff_ms % 1000) * 1000};
	event_add(l->backoff_ev, &tv);
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	event_base_dispatch(l->w.base);
	log_access_flush();
	return NULL;
}

/* Fails when another process (ours with SO_REUSEPORT, or any other) listens on the port. */
static int probe_port(const struct sockaddr_in *sa, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	if (r == 0)
		r = listen(fd, 1), e = errno;
	close(fd);
	if (r < 0) {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
		snprintf(err, errlen, "cannot listen on %s:%d: %s%s", ip, ntohs(sa->sin_port),
		         strerror(e),
		         e == EADDRINUSE ? " (another program uses this port: stop it or set "
		                           "MADOGUCHI_PORT to another port)"
		                         : "");
		return -1;
	}
	return 0;
}

static int loop_init(struct loop *l, const app *a, int index, const struct sockaddr_in *sa,
                     char *err, size_t errlen)
{
	l->w.a = a;
	l->w.index = index;
	/* The changelist folds the add/delete pairs of epoll_ctl that every keep-alive
	 * response would otherwise make into at most one call per loop turn. */
	struct event_config *ec = event_config_new();
	if (ec)
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	l->w.base = ec ? event_base_new_with_config(ec) : NULL;
	if (ec)
		event_config_free(ec);
	if (!l->w.base) {
		snprintf(err, errlen, "event_base_new failed");
		return -1;
	}
	l->w.proc_cache = calloc(a->procs->n ? a->procs->n : 1, sizeof(*l->w.proc_cache));
	if (!l->w.proc_cache) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char serr[256];
	if (store_open(a->cfg.database, &l->w.store, serr, sizeof(serr)) != STORE_OK) {
		snprintf(err, errlen, "database: %s", serr);
		return -1;
	}
	l->http = evhttp_new(l->w.base);
	if (!l->http) {
		snprintf(err, errlen, "evhttp_new failed");
		return -1;
	}
	evhttp_set_max_headers_size(l->http, (ev_ssize_t)a->cfg.max_header_bytes);
	conn_attach(l->http);
	evhttp_set_timeout(l->http, (int)a->cfg.request_timeout);
	/* Every method reaches on_request, so the ones we do not serve get the site's 405 page
	 * rather than libevent's bare 501. */
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                        EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                        EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(l->http, on_request, &l->w);
	struct evconnlistener *lis =
	    evconnlistener_new_bind(l->w.base, NULL, NULL,
	                            LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
	                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	                            1024, (const struct sockaddr *)sa, sizeof(*sa));
	if (!lis || !evhttp_bind_listener(l->http, lis)) {
		if (lis)
			evconnlistener_free(lis);
		snprintf(err, errlen, "cannot listen on port %d: %s", ntohs(sa->sin_port),
		         strerror(errno));
		return -1;
	}
	l->lis = lis;
	evconnlistener_set_error_cb(lis, on_accept_error);
	if (!(l->backoff_ev = evtimer_new(l->w.base, on_backoff_end, l))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct timeval sec = {1, 0};
	l->flush_ev = event_new(l->w.base, -1, EV_PERSIST, on_flush, NULL);
	if (l->flush_ev)
		event_add(l->flush_ev, &sec);
	if (l->w.index == 0 && !(l->housekeep_ev = housekeep_start(l->w.base))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int oom = 0;
	if (l->w.index == 0 && !(l->stamps_ev = stamps_start(l->w.base, l->w.a, &oom)) && oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	err[0] = '\0';
	if (l->w.index == 0 && !(l->metrics = metrics_http_start(&l->w, err, errlen)) && err[0])
		return -1;
	return 0;
}

static void loop_release(struct loop *l)
{
	if (l->flush_ev)
		event_free(l->flush_ev);
	if (l->backoff_ev)
		event_free(l->backoff_ev);
	if (l->housekeep_ev)
		event_free(l->housekeep_ev);
	if (l->stamps_ev)
		event_free(l->stamps_ev);
	hold_release_worker(&l->w); /* before evhttp_free frees the requests */
	if (l->metrics)
		evhttp_free(l->metrics);
	if (l->http)
		evhttp_free(l->http);
	if (l->w.base)
		event_base_free(l->w.base);
	if (l->w.store)
		store_close(l->w.store);
	if (l->w.proc_cache) {
		for (size_t i = 0; i < l->w.a->procs->n; i++)
			page_ref_put(l->w.proc_cache[i].page);
		free(l->w.proc_cache);
	}
}

int server_run(app *a, char *err, size_t errlen)
{
	int rc = -1, pool = 0;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)a->cfg.port);
	if (inet_pton(AF_INET, a->cfg.listen, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "listen: \"%s\" is not an IPv4 address", a->cfg.listen);
		return -1;
	}
	if (probe_port(&sa, err, errlen) < 0)
		return -1;
	long n = a->cfg.threads;
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	if (evthread_use_pthreads() < 0) {
		snprintf(err, errlen, "libevent without thread support");
		return -1;
	}
	if (conn_setup(a, err, errlen) < 0)
		return -1;
	struct loop *loops = calloc((size_t)n, sizeof(*loops));
	int no_metrics = a->cfg.metrics_listen[0] && metrics_init(a->routes, a->n_routes) < 0;
	if (!loops || no_metrics || hold_setup(a, err, errlen) < 0) {
		if (!loops || no_metrics)
			snprintf(err, errlen, "out of memory");
		metrics_free();
		free(loops);
		hold_teardown();
		conn_teardown();
		return -1;
	}
	g_loops = loops;
	g_n_loops = n;
	/* The loops must not take the signals: the main thread waits for them. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	for (long i = 0; i < n; i++)
		if (loop_init(&loops[i], a, (int)i, &sa, err, errlen) < 0)
			goto out;
	if (defer_pool_start(a, a->cfg.workers, err, errlen) < 0)
		goto out;
	pool = 1;
	for (long i = 0; i < n; i++) {
		if (pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]) != 0) {
			snprintf(err, errlen, "cannot start thread %ld", i);
			goto stop;
		}
		loops[i].started = 1;
	}
	log_info("madoguchi listening on http://%s:%ld/ with %ld event loops", a->cfg.listen,
	         a->cfg.port, n);
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: shutting down", sig);
	rc = 0;
stop:
	/* Answer the held requests and finish the queued slow work first; their answers reach
	 * the loops, which run a little longer to send them. */
	hold_stop();
	if (pool)
		defer_pool_stop();
	pool = 0;
	struct timeval grace = {0, 300000};
	for (long i = 0; i < n; i++)
		if (loops[i].started)
			event_base_loopexit(loops[i].w.base, &grace);
	for (long i = 0; i < n; i++)
		if (loops[i].started)
			pthread_join(loops[i].thread, NULL);
out:
	if (pool)
		defer_pool_stop();
	for (long i = 0; i < n; i++)
		loop_release(&loops[i]);
	g_n_loops = 0;
	free(loops);
	metrics_free();
	hold_teardown();
	conn_teardown();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_access_flush();
	return rc;
}
