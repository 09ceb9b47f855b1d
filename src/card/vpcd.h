/* vpcd: the client side of vsmartcard's vpcd protocol, which plugs the virtual card into
 * pcscd. pcscd's vpcd reader driver (Debian: vsmartcard-vpcd, /etc/reader.conf.d/vpcd,
 * DEVICENAME /dev/null:0x8C7B) listens on TCP port 35963; the card connects to it. Every
 * message in both directions is a 2-byte big-endian length and that many bytes. From the
 * reader, 1 byte is a control message (0x00 power off, 0x01 power on, 0x02 reset, 0x04 get
 * ATR: only the last one is answered, with the ATR); anything longer is a command APDU,
 * answered with the response APDU. Closing the connection is pulling the card out. */
#ifndef MADOGUCHI_CARD_VPCD_H
#define MADOGUCHI_CARD_VPCD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card/card.h"

#define VPCD_DEFAULT_HOST "127.0.0.1"
#define VPCD_DEFAULT_PORT 35963
#define VPCD_FRAME_MAX 0xFFFF
#define VPCD_HOST_MAX 255
#define VPCD_ATR_MAX 33

enum vpcd_ctrl {
	VPCD_CTRL_OFF = 0x00,
	VPCD_CTRL_ON = 0x01,
	VPCD_CTRL_RESET = 0x02,
	VPCD_CTRL_ATR = 0x04,
};

enum vpcd_err {
	VPCD_OK = 0,
	VPCD_EINPUT,   /* bad argument or address */
	VPCD_ECONNECT, /* could not connect (is pcscd with the vpcd reader running?) */
	VPCD_EIO,      /* read/write failed */
	VPCD_ECLOSED,  /* the reader closed the connection (pcscd stopped) */
	VPCD_ESTOPPED, /* the stop flag was raised */
	VPCD_ETIMEOUT, /* nothing arrived in time */
};
/* A static English description; never NULL. */
const char *vpcd_strerror(int err);

/* Parse "HOST:PORT", "HOST" (default port), ":PORT" (default host) or "[V6ADDR]:PORT". */
enum vpcd_err vpcd_parse_addr(const char *s, char host[VPCD_HOST_MAX + 1], uint16_t *port);

/* Connect to the reader; *fd gets a blocking TCP socket with TCP_NODELAY. */
enum vpcd_err vpcd_connect(const char *host, uint16_t port, int *fd);

/* Send one message (length prefix and data in one write). len <= VPCD_FRAME_MAX. */
enum vpcd_err vpcd_send(int fd, const uint8_t *data, size_t len);

/* Receive one message into buf (cap >= VPCD_FRAME_MAX). Waits at most timeout_ms for its first
 * byte (-1: no limit; VPCD_ETIMEOUT); once it has begun, reads it whole. Returns VPCD_ESTOPPED
 * when *stop becomes non-zero while waiting (stop may be NULL). */
enum vpcd_err vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int timeout_ms,
                        volatile sig_atomic_t *stop);

struct vpcd_serve_opts {
	const char *host;
	uint16_t port;
	const uint8_t *atr; /* answered to 0x04 */
	size_t atr_len;
	long remove_after;           /* >= 0: answer this many APDUs, then pull the card out as the
	                                next one arrives (it gets no answer); -1: never */
	long reinsert_after_ms;      /* >= 0: put the card back this long after a pull; -1: stop */
	int verbose;                 /* log every APDU (secrets hidden) to log */
	FILE *log;                   /* may be NULL */
	volatile sig_atomic_t *stop; /* raised by SIGTERM/SIGINT: end serving */
	volatile sig_atomic_t *pull; /* raised by SIGUSR1: pull the card out now */
	volatile sig_atomic_t *insert; /* raised by SIGUSR2: put it back */
};

/* Serve the card until stopped: connect (retrying while pcscd is not there), answer control
 * messages and APDUs, reconnect when pcscd goes away. Returns VPCD_OK when stopped, or when the
 * card was pulled out and is not to be reinserted. */
enum vpcd_err vpcd_serve(card *c, const struct vpcd_serve_opts *o);

#endif
