/* conn: per-connection guards (see conn.h). We make each connection's bufferevent
 * (evhttp_set_bevcb) and watch its input buffer: that callback runs on every read before
 * evhttp parses the new bytes, so the request line is seen, and the route's body limit set
 * with evhttp_connection_set_max_body_size, before evhttp reaches the body (it checks the
 * limit when the body starts and as it arrives). One small struct per connection, found
 * from a request through its descriptor; nothing is allocated per request. */
#include "http/conn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "http/http.h"
#include "util/log.h"

enum phase {
	P_NEW,  /* accepted, not yet admitted */
	P_HEAD, /* reading a request head: the head deadline runs */
	P_BODY, /* reading a body: the minimum rate applies */
	P_BUSY, /* with its handler or being answered */
	P_IDLE  /* kept open between requests: evhttp's idle timeout applies */
};

struct conn {
	struct bufferevent *bev;
	struct evhttp_connection *evcon;
	struct event timer; /* admission, then the head and body deadlines */
	int fd;
	enum phase phase;
	int limit_set; /* this request's body limit is set */
	int refused;   /* its Content-Length is past the limit (see refuse_length) */
	size_t limit;
	int counted; /* in n_open (and in the address table when addr_counted) */
	int addr_counted;
	uint32_t addr;         /* IPv4, network order */
	size_t body_bytes;     /* arrived since the head ended */
	struct timespec since; /* when the phase began */
	/* someone else's interest in the close (defer.c), as evhttp allows only one callback */
	void (*hook)(struct evhttp_connection *, void *);
	void *hook_arg;
};

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

static const app *g_app;
static struct conn **by_fd; /* the connection of each descriptor (owned by one loop at a time) */
static size_t by_fd_n;
static atomic_long n_open;
static atomic_long reject_log_sec;

/* Open connections per client address, for all loops: linear probing with backward-shift
 * deletion under a lock taken when a connection opens and when it closes. */
static pthread_mutex_t addr_mu = PTHREAD_MUTEX_INITIALIZER;
static struct addr_slot {
	uint32_t addr;
	uint32_t n; /* 0: free */
} * addrs;
static size_t addrs_mask;

static size_t addr_home(uint32_t a)
{
	return (size_t)(a * 2654435761u) & addrs_mask;
}

static void addr_remove_at(size_t i)
{
	for (size_t j = (i + 1) & addrs_mask; addrs[j].n; j = (j + 1) & addrs_mask) {
		size_t k = addr_home(addrs[j].addr);
		/* j stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		addrs[i] = addrs[j];
		i = j;
	}
	addrs[i].n = 0;
}

/* Adds delta (+1 or -1) to a's count; returns the new count. */
static long addr_count(uint32_t a, int delta)
{
	pthread_mutex_lock(&addr_mu);
	size_t i = addr_home(a);
	while (addrs[i].n && addrs[i].addr != a)
		i = (i + 1) & addrs_mask;
	long n = 0;
	if (delta > 0) {
		addrs[i].addr = a;
		n = ++addrs[i].n;
	} else if (addrs[i].n && (n = --addrs[i].n) == 0) {
		addr_remove_at(i);
	}
	pthread_mutex_unlock(&addr_mu);
	return n;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_error("cannot raise the descriptor limit from %llu to %llu",
		          (unsigned long long)old, (unsigned long long)rl.rlim_max);
}

int conn_setup(const app *a, char *err, size_t errlen)
{
	g_app = a;
	raise_nofile();
	struct rlimit rl;
	by_fd_n = 1u << 20; /* a table bound for an unlimited or huge limit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < by_fd_n)
		by_fd_n = (size_t)rl.rlim_cur;
	if ((long)by_fd_n < a->cfg.max_connections + 64)
		log_info("max_connections %ld is close to the descriptor limit %zu; connections "
		         "past the limit wait until others close",
		         a->cfg.max_connections, by_fd_n);
	by_fd = calloc(by_fd_n, sizeof(*by_fd));
	size_t slots = 2;
	while (slots < 2 * (size_t)a->cfg.max_connections)
		slots *= 2;
	addrs_mask = slots - 1;
	addrs = a->cfg.max_connections_per_address ? calloc(slots, sizeof(*addrs)) : NULL;
	if (!by_fd || (a->cfg.max_connections_per_address && !addrs)) {
		snprintf(err, errlen, "out of memory");
		conn_teardown();
		return -1;
	}
	return 0;
}

void conn_teardown(void)
{
	free(by_fd);
	free(addrs);
	by_fd = NULL;
	addrs = NULL;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	if (c->hook)
		c->hook(evcon, c->hook_arg);
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	event_del(&c->timer);
	evbuffer_remove_cb(bufferevent_get_input(c->bev), on_input, c);
	if (c->fd >= 0 && (size_t)c->fd < by_fd_n && by_fd[c->fd] == c)
		by_fd[c->fd] = NULL;
	if (c->counted)
		atomic_fetch_sub(&n_open, 1);
	if (c->addr_counted)
		addr_count(c->addr, -1);
	free(c);
}

static double since_seconds(const struct conn *c)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (double)(now.tv_sec - c->since.tv_sec) +
	       (double)(now.tv_nsec - c->since.tv_nsec) / 1e9;
}

static void arm(struct conn *c, double seconds)
{
	struct timeval tv = {(time_t)seconds,
	                     (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
	evtimer_add(&c->timer, &tv);
}

static void phase(struct conn *c, enum phase p)
{
	c->phase = p;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &c->since);
}

/* Every head gets the same deadline: a common timeout of the loop (a queue, not the heap). */
static void head_start(struct conn *c)
{
	static _Thread_local struct event_base *base;
	static _Thread_local const struct timeval *common;
	struct timeval tv = {(time_t)g_app->cfg.header_timeout, 0};
	if (base != event_get_base(&c->timer)) {
		base = event_get_base(&c->timer);
		common = event_base_init_common_timeout(base, &tv);
	}
	phase(c, P_HEAD);
	c->limit_set = 0;
	c->refused = 0;
	evtimer_add(&c->timer, common ? common : &tv);
}

/* Apache mod_reqtimeout's body=…,MinRate=…: body_timeout seconds, and one more for each
 * body_min_rate bytes that arrived. */
static double body_seconds_left(const struct conn *c)
{
	const config *k = &g_app->cfg;
	double allowed = (double)k->body_timeout;
	if (k->body_min_rate)
		allowed += (double)c->body_bytes / (double)k->body_min_rate;
	return allowed - since_seconds(c);
}

static void head_end(struct conn *c, size_t body_already)
{
	phase(c, P_BODY);
	c->body_bytes = body_already;
	/* The head's timer stands in for the body's unless it would fire later. */
	if (g_app->cfg.body_timeout < g_app->cfg.header_timeout)
		arm(c, (double)g_app->cfg.body_timeout);
}

/* The body limit of a request line "METHOD TARGET VERSION": the POST route's own (the form
 * limit when it has none, or when no POST route matches), 0 for every other method. The
 * raw path is matched (not percent-decoded): the portal's links never encode it. */
static size_t line_body_limit(char *line)
{
	const config *k = &g_app->cfg;
	if (strncmp(line, "POST /", 6) != 0)
		return 0;
	char *path = line + 5;
	path[strcspn(path, " ?")] = '\0';
	req tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.method = M_POST;
	tmp.path = path;
	int known = 0;
	const route *rt = router_match(g_app->routes, g_app->n_routes, &tmp, &known);
	size_t limit = rt && rt->max_body ? rt->max_body : (size_t)k->max_form_bytes;
	return limit < (size_t)k->max_body_bytes ? limit : (size_t)k->max_body_bytes;
}

static void set_limit(struct conn *c, struct evbuffer *buf, size_t len)
{
	char line[2048];
	size_t limit = 0; /* a longer request line: no body (evhttp refuses it anyway) */
	c->limit_set = 1;
	if (len < sizeof(line) && evbuffer_copyout(buf, line, len) == (ev_ssize_t)len) {
		line[len] = '\0';
		limit = line_body_limit(line);
	}
	c->limit = limit;
	evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)limit);
}

/* A header line "Content-Length: N" (at offset off, len bytes) with N past the limit gets its
 * name overwritten, in place and before evhttp parses it, with one of the same length that
 * means nothing to evhttp: it then reads no body, and the handler answers with the site's
 * 413 page and closes the connection (server.c). Otherwise evhttp would refuse the body
 * itself, with its bare 413. Chunked bodies cannot be judged here; evhttp stops them. */
static void refuse_length(struct conn *c, struct evbuffer *buf, size_t off, size_t len)
{
	static const char name[] = "content-length:", renamed[] = "X-Body-Refused";
	char line[64];
	if (c->refused || len < sizeof(name) || len >= sizeof(line))
		return;
	struct evbuffer_ptr at;
	evbuffer_ptr_set(buf, &at, off, EVBUFFER_PTR_SET);
	if (evbuffer_copyout_from(buf, &at, line, len) != (ev_ssize_t)len)
		return;
	line[len] = '\0';
	if (evutil_ascii_strncasecmp(line, name, sizeof(name) - 1) != 0)
		return;
	char *end;
	unsigned long long n = strtoull(line + sizeof(name) - 1, &end, 10);
	if (end == line + sizeof(name) - 1 || n <= c->limit)
		return;
	unsigned char *head = evbuffer_pullup(buf, (ev_ssize_t)(off + len));
	if (!head)
		return;
	memcpy(head + off, renamed, sizeof(renamed) - 1);
	c->refused = 1;
}

/* Looks through the unparsed head at the start of buf (evhttp drains each line it parsed,
 * so the buffer starts with the request line or a header line) for the request line and the
 * empty line that ends the head. */
static void scan_head(struct conn *c, struct evbuffer *buf)
{
	struct evbuffer_ptr p;
	evbuffer_ptr_set(buf, &p, 0, EVBUFFER_PTR_SET);
	for (;;) {
		size_t eol = 0;
		struct evbuffer_ptr e = evbuffer_search_eol(buf, &p, &eol, EVBUFFER_EOL_CRLF);
		if (e.pos < 0)
			return;
		if (!c->limit_set) {
			set_limit(c, buf, (size_t)e.pos);
		} else if (e.pos == p.pos) {
			head_end(c, evbuffer_get_length(buf) - (size_t)e.pos - eol);
			return;
		} else {
			refuse_length(c, buf, (size_t)p.pos, (size_t)(e.pos - p.pos));
		}
		if (evbuffer_ptr_set(buf, &p, (size_t)e.pos + eol, EVBUFFER_PTR_SET) < 0)
			return;
	}
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	if (!info->n_added)
		return; /* evhttp draining what it parsed */
	switch (c->phase) {
	case P_IDLE:
		head_start(c);
		/* fall through */
	case P_HEAD:
		scan_head(c, buf);
		break;
	case P_BODY:
		c->body_bytes += info->n_added;
		break;
	default:
		break;
	}
}

static void reject(struct conn *c, const char *why)
{
	long sec = (long)time(NULL), last = atomic_load(&reject_log_sec);
	if (sec != last && atomic_compare_exchange_strong(&reject_log_sec, &last, sec))
		log_error("connection refused: %s (logged at most once a second)", why);
	evhttp_connection_free(c->evcon); /* on_close frees c */
}

/* Runs in the loop pass that accepted the connection, after evhttp has set it up and before
 * any of its I/O can be seen: libevent runs the events activated meanwhile in that pass. */
static void admit(struct conn *c)
{
	void *evcon = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	c->evcon = evcon;
	c->fd = (int)bufferevent_getfd(c->bev);
	if (!c->evcon || c->fd < 0) {
		/* evhttp could not set it up and has freed it (bufferevent_free clears the
		 * callbacks): our reference kept the memory; let it go now */
		evbuffer_remove_cb(bufferevent_get_input(c->bev), on_input, c);
		bufferevent_decref(c->bev);
		free(c);
		return;
	}
	/* from here evhttp's close callback tells us when it goes */
	bufferevent_decref(c->bev);
	evhttp_connection_set_closecb(c->evcon, on_close, c);
	const config *k = &g_app->cfg;
	c->counted = 1;
	if (atomic_fetch_add(&n_open, 1) >= k->max_connections) {
		reject(c, "max_connections reached");
		return;
	}
	if ((size_t)c->fd >= by_fd_n) {
		reject(c, "descriptor above the limit seen at start");
		return;
	}
	by_fd[c->fd] = c;
	/* An answer is written whole (evhttp has it in one buffer): Nagle's algorithm would only
	 * hold its last partial segment back until the client's delayed ACK, 40 ms on every
	 * answer of more than a few segments after the first on a kept-alive connection (the
	 * staff dashboard's 43 KB took 45 ms instead of 4). */
	int one = 1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (addrs && getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family == AF_INET) {
		c->addr = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
		c->addr_counted = 1;
		if (addr_count(c->addr, +1) > k->max_connections_per_address) {
			reject(c, "max_connections_per_address reached");
			return;
		}
	}
	evhttp_connection_set_max_body_size(c->evcon, 0);
	head_start(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	if (c->phase == P_NEW) {
		admit(c);
		return;
	}
	if (c->phase == P_BODY) {
		double left = body_seconds_left(c);
		if (left > 0) {
			arm(c, left);
			return;
		}
	} else if (c->phase != P_HEAD) {
		return;
	}
	/* Too slow: dropped without an answer, as nginx does on client_header_timeout. */
	evhttp_connection_free(c->evcon);
}

static struct bufferevent *on_bev(struct event_base *base, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	/* the options evhttp uses for the bufferevents it makes itself */
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
	if (!c || !bev || !evbuffer_add_cb(bufferevent_get_input(bev), on_input, c)) {
		free(c);
		if (bev)
			bufferevent_free(bev);
		return NULL; /* evhttp makes its own, unguarded: better than refusing */
	}
	c->bev = bev;
	c->fd = -1;
	/* Until admit() has seen evhttp take it, a reference of ours keeps the bufferevent
	 * alive: should evhttp fail to set the connection up, it frees it at once. */
	bufferevent_incref(bev);
	event_assign(&c->timer, base, -1, 0, on_timer, c);
	event_active(&c->timer, EV_TIMEOUT, 1);
	return bev;
}

void conn_attach(struct evhttp *http)
{
	evhttp_set_bevcb(http, on_bev, NULL);
	/* until a request line names its route, no body is taken */
	evhttp_set_max_body_size(http, 0);
}

static struct conn *conn_of(struct evhttp_request *ev)
{
	struct evhttp_connection *evcon = ev ? evhttp_request_get_connection(ev) : NULL;
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	int fd = bev ? (int)bufferevent_getfd(bev) : -1;
	struct conn *c = fd >= 0 && (size_t)fd < by_fd_n ? by_fd[fd] : NULL;
	return c && c->evcon == evcon ? c : NULL;
}

static void on_complete(struct evhttp_request *ev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	phase(c, P_IDLE);
	evhttp_connection_set_max_body_size(c->evcon, 0);
	/* A pipelined request already read: evhttp parses it on the next loop pass. */
	if (evbuffer_get_length(in)) {
		head_start(c);
		scan_head(c, in);
	}
}

int conn_request_begin(struct evhttp_request *ev, size_t *limit)
{
	struct conn *c = conn_of(ev);
	if (!c)
		return 0;
	phase(c, P_BUSY);
	event_del(&c->timer);
	evhttp_request_set_on_complete_cb(ev, on_complete, c);
	*limit = c->limit;
	return c->refused;
}

void conn_on_close(struct evhttp_request *ev, void (*fn)(struct evhttp_connection *, void *),
                   void *arg)
{
	struct conn *c = conn_of(ev);
	if (c) {
		c->hook = fn;
		c->hook_arg = arg;
	} else if (ev && evhttp_request_get_connection(ev)) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(ev), fn, arg);
	}
}
