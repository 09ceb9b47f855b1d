/* vpcd: vpcd protocol client and the serving loop of madoguchi-card (see vpcd.h). The protocol
 * was checked against vsmartcard's vpcd.c/vpcd.h (sendToVICC/recvFromVICC: 2-byte network-order
 * length, VPCD_CTRL_OFF 0, ON 1, RESET 2, ATR 4; only the ATR request expects an answer). */
#include "card/vpcd.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RETRY_MS 200
#define POLL_MS 100

const char *vpcd_strerror(int err)
{
	switch (err) {
	case VPCD_OK:
		return "success";
	case VPCD_EINPUT:
		return "invalid argument or address";
	case VPCD_ECONNECT:
		return "could not connect to the vpcd reader (is pcscd running with it?)";
	case VPCD_EIO:
		return "input/output error on the vpcd connection";
	case VPCD_ECLOSED:
		return "the vpcd reader closed the connection";
	case VPCD_ESTOPPED:
		return "stopped";
	case VPCD_ETIMEOUT:
		return "timed out";
	}
	return "unknown vpcd error";
}

enum vpcd_err vpcd_parse_addr(const char *s, char host[VPCD_HOST_MAX + 1], uint16_t *port)
{
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	long p = VPCD_DEFAULT_PORT;

	if (!s || !host || !port || strnlen(s, VPCD_HOST_MAX + 8) > VPCD_HOST_MAX + 7)
		return VPCD_EINPUT;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return VPCD_EINPUT;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			return VPCD_EINPUT; /* an IPv6 address needs brackets */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (colon) {
		errno = 0;
		p = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
			return VPCD_EINPUT;
	}
	if (hlen > VPCD_HOST_MAX)
		return VPCD_EINPUT;
	if (hlen == 0) {
		snprintf(host, VPCD_HOST_MAX + 1, "%s", VPCD_DEFAULT_HOST);
	} else {
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	*port = (uint16_t)p;
	return VPCD_OK;
}

enum vpcd_err vpcd_connect(const char *host, uint16_t port, int *fd)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	int s = -1, one = 1;
	enum vpcd_err e = VPCD_ECONNECT;

	if (!host || !fd)
		return VPCD_EINPUT;
	*fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return VPCD_EINPUT;
	for (ai = res; ai; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0)
			continue;
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(s);
		s = -1;
	}
	if (s >= 0) {
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		*fd = s;
		e = VPCD_OK;
	}
	freeaddrinfo(res);
	return e;
}

enum vpcd_err vpcd_send(int fd, const uint8_t *data, size_t len)
{
	uint8_t *frame;
	size_t off = 0;
	enum vpcd_err e = VPCD_OK;

	if (fd < 0 || len > VPCD_FRAME_MAX || (!data && len))
		return VPCD_EINPUT;
	frame = malloc(len + 2);
	if (!frame)
		return VPCD_EIO;
	frame[0] = (uint8_t)(len >> 8);
	frame[1] = (uint8_t)len;
	if (len)
		memcpy(frame + 2, data, len);
	while (off < len + 2) {
		ssize_t w = send(fd, frame + off, len + 2 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = errno == EPIPE || errno == ECONNRESET ? VPCD_ECLOSED : VPCD_EIO;
			break;
		}
		off += (size_t)w;
	}
	explicit_bzero(frame, len + 2);
	free(frame);
	return e;
}

/* pcscd's vpcd driver (vsmartcard 3.3) writes the 2-byte length and the message with two
 * send() calls. With Nagle on its side and delayed ACKs on ours, each message would wait
 * ~40 ms for our ACK of the length; so ACK at once. The kernel clears TCP_QUICKACK by
 * itself, so it is set again before every read. */
static void quickack(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* Read exactly n bytes (the message has begun: interruptions are retried). */
static enum vpcd_err read_exact(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r;
		quickack(fd);
		r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return VPCD_ECLOSED;
		if (r < 0)
			return errno == ECONNRESET ? VPCD_ECLOSED : VPCD_EIO;
		p += r;
		n -= (size_t)r;
	}
	return VPCD_OK;
}

enum vpcd_err vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                        volatile sig_atomic_t *stop)
{
	uint8_t hdr[2];
	size_t n;
	int waited = 0;
	enum vpcd_err e;

	if (fd < 0 || !buf || !len || cap < VPCD_FRAME_MAX)
		return VPCD_EINPUT;
	*len = 0;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int slice = timeout_ms < 0
		                ? POLL_MS
		                : (timeout_ms - waited < POLL_MS ? timeout_ms - waited : POLL_MS);
		int r;
		if (stop && *stop)
			return VPCD_ESTOPPED;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return VPCD_ETIMEOUT;
		quickack(fd);
		r = poll(&pfd, 1, slice);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return VPCD_EIO;
		if (r > 0)
			break;
		waited += slice;
	}
	e = read_exact(fd, hdr, 2);
	if (e != VPCD_OK)
		return e;
	n = (size_t)hdr[0] << 8 | hdr[1];
	e = read_exact(fd, buf, n);
	if (e != VPCD_OK)
		return e;
	*len = n;
	return VPCD_OK;
}

/* ---- serving ------------------------------------------------------------------------- */

/* Seconds since the first call, for the verbose log. */
static double elapsed(void)
{
	static struct timespec t0;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (t0.tv_sec == 0 && t0.tv_nsec == 0)
		t0 = now;
	return (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
}

static void logf_hex(FILE *log, const char *dir, const uint8_t *p, size_t n, int hide)
{
	if (!log)
		return;
	fprintf(log, "madoguchi-card: %9.3f %s", elapsed(), dir);
	if (hide && n > 5) {
		for (size_t i = 0; i < 5; i++)
			fprintf(log, " %02X", p[i]);
		fprintf(log, " (%zu secret bytes hidden)\n", n - 5);
		return;
	}
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(log, " %02X", p[i]);
	fprintf(log, n > 64 ? " ... (%zu bytes)\n" : "\n", n);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		break; /* a signal: let the caller look at its flags */
}

static int flag(volatile sig_atomic_t *f)
{
	return f && *f;
}

enum serve_end { END_STOP, END_PULLED_SIGNAL, END_PULLED_AUTO, END_CLOSED, END_ERROR };

/* One insertion: serve the connection until it ends. */
static enum serve_end serve_conn(card *c, int fd, const struct vpcd_serve_opts *o, uint8_t *buf,
                                 long remove_after)
{
	long answered = 0;
	uint8_t resp[CARD_RESP_MAX];
	size_t len, rlen;
	enum vpcd_err e;

	card_power_off(c);
	for (;;) {
		if (flag(o->pull))
			return END_PULLED_SIGNAL;
		e = vpcd_recv(fd, buf, VPCD_FRAME_MAX, &len, POLL_MS, o->stop);
		if (e == VPCD_ETIMEOUT)
			continue;
		if (e == VPCD_ESTOPPED)
			return END_STOP;
		if (e == VPCD_ECLOSED)
			return END_CLOSED;
		if (e != VPCD_OK)
			return END_ERROR;
		if (len == 0)
			continue;
		if (len == 1) {
			switch (buf[0]) {
			case VPCD_CTRL_OFF:
				card_power_off(c);
				break;
			case VPCD_CTRL_ON:
				card_power_on(c);
				break;
			case VPCD_CTRL_RESET:
				card_reset(c);
				break;
			case VPCD_CTRL_ATR:
				if (vpcd_send(fd, o->atr, o->atr_len) != VPCD_OK)
					return END_CLOSED;
				break;
			default:
				if (o->log)
					fprintf(o->log, "madoguchi-card: unknown control 0x%02X\n",
					        buf[0]);
				break;
			}
			continue;
		}
		if (remove_after >= 0 && answered >= remove_after) {
			if (o->log)
				fprintf(o->log,
				        "madoguchi-card: pulling the card out after %ld APDUs\n",
				        answered);
			return END_PULLED_AUTO;
		}
		if (o->verbose)
			logf_hex(o->log, ">", buf, len, card_apdu_is_secret(buf, len));
		enum card_err ce = card_process(c, buf, len, resp, sizeof(resp), &rlen);
		if (ce != CARD_OK && o->log)
			fprintf(o->log, "madoguchi-card: %s\n", card_strerror(ce));
		explicit_bzero(buf, len);
		if (rlen < 2)
			return END_ERROR;
		if (o->verbose)
			logf_hex(o->log, "<", resp, rlen, 0);
		answered++;
		if (vpcd_send(fd, resp, rlen) != VPCD_OK)
			return END_CLOSED;
	}
}

enum vpcd_err vpcd_serve(card *c, const struct vpcd_serve_opts *o)
{
	uint8_t *buf = NULL;
	int fd = -1, said_waiting = 0, auto_pulled = 0;
	enum vpcd_err e = VPCD_OK;

	if (!c || !o || !o->host || !o->atr || o->atr_len == 0 || o->atr_len > VPCD_ATR_MAX)
		return VPCD_EINPUT;
	buf = malloc(VPCD_FRAME_MAX);
	if (!buf)
		return VPCD_EIO;
	while (!flag(o->stop)) {
		enum serve_end end;
		e = vpcd_connect(o->host, o->port, &fd);
		if (e == VPCD_EINPUT)
			goto out;
		if (e != VPCD_OK) {
			if (!said_waiting && o->log)
				fprintf(o->log,
				        "madoguchi-card: waiting for the vpcd reader at %s:%u\n",
				        o->host, (unsigned)o->port);
			said_waiting = 1;
			sleep_ms(RETRY_MS);
			continue;
		}
		said_waiting = 0;
		if (o->log)
			fprintf(o->log, "madoguchi-card: card inserted (vpcd %s:%u)\n", o->host,
			        (unsigned)o->port);
		/* --remove-after applies to the first insertion only */
		end = serve_conn(c, fd, o, buf, auto_pulled ? -1 : o->remove_after);
		/* A pull is done with: forget it and any insert asked before it, and do so before
		 * the reader can see the card gone (the close), so that an insert asked as soon as
		 * it is seen gone is not lost. */
		if (end == END_PULLED_SIGNAL || end == END_PULLED_AUTO) {
			if (o->pull)
				*o->pull = 0;
			if (o->insert)
				*o->insert = 0;
		}
		close(fd);
		fd = -1;
		card_power_off(c);
		if (end == END_STOP)
			break;
		if (end == END_CLOSED || end == END_ERROR) {
			if (o->log)
				fprintf(o->log,
				        "madoguchi-card: the reader went away; reconnecting\n");
			sleep_ms(RETRY_MS);
			continue;
		}
		if (o->log)
			fprintf(o->log, "madoguchi-card: card removed\n");
		if (end == END_PULLED_AUTO) {
			auto_pulled = 1;
			if (o->reinsert_after_ms < 0)
				break; /* --remove-after without --reinsert-after: done */
		}
		/* out of the reader until SIGUSR2, the reinsert delay, or the stop flag */
		for (long waited = 0; !flag(o->stop) && !flag(o->insert);) {
			if (o->reinsert_after_ms >= 0 && waited >= o->reinsert_after_ms)
				break;
			sleep_ms(POLL_MS);
			waited += POLL_MS;
		}
		if (o->insert)
			*o->insert = 0;
	}
	e = VPCD_OK;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return e;
}
