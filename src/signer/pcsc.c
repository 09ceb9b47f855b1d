/* pcsc: PC/SC card access of madoguchi-sign (see pcsc.h). Only pcsc-lite's public API:
 * SCardEstablishContext, SCardListReaders, SCardGetStatusChange (with the PnP notification
 * pseudo-reader, so a reader plugged in while waiting is seen), SCardConnect,
 * SCardBeginTransaction, SCardTransmit, SCardEndTransaction, SCardDisconnect. */
#include "signer/pcsc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#define READERS_MAX 16
#define READERS_BUF 4096 /* the multi-string of reader names */
#define WAIT_SLICE_MS 1000
#define RETRY_SLICE_MS 200 /* a busy or not yet ready card is tried again this often */
#define GET_RESPONSE_ROUNDS 8
#define PNP_READER "\\\\?PnP?\\Notification"

struct signer_pcsc {
	SCARDCONTEXT ctx;
	int have_ctx;
	SCARDHANDLE card;
	int have_card;
	int in_transaction;
	DWORD proto;
	LONG last_rv;
	int broken; /* an exchange failed since the card was connected */
	char reader[256];
	char detail[160];
	atomic_int cancelled; /* set by signer_pcsc_cancel from another thread */
	atomic_int ctx_ready; /* ctx may be passed to SCardCancel */
};

struct signer_pcsc *signer_pcsc_new(void)
{
	/* libpcsclite's client otherwise waits without a limit in SCardConnect and
	 * SCardBeginTransaction while another program holds the card (it polls on
	 * SCARD_E_SHARING_VIOLATION); the wait below has a limit, and says why it waits.
	 * Read by the first SCardEstablishContext of the process; set here, on the thread that
	 * makes the holder, before any worker thread runs (setenv is not thread-safe). */
	setenv("PCSCLITE_NO_BLOCKING", "1", 1);
	return calloc(1, sizeof(struct signer_pcsc));
}

void signer_pcsc_cancel(struct signer_pcsc *p)
{
	if (!p)
		return;
	atomic_store(&p->cancelled, 1);
	if (atomic_load(&p->ctx_ready))
		(void)SCardCancel(p->ctx);
}

void signer_pcsc_uncancel(struct signer_pcsc *p)
{
	if (p)
		atomic_store(&p->cancelled, 0);
}

static void disconnect(struct signer_pcsc *p, DWORD disposition)
{
	if (p->in_transaction)
		(void)SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
	p->in_transaction = 0;
	if (p->have_card)
		(void)SCardDisconnect(p->card, disposition);
	p->have_card = 0;
}

/* End a session: a reset, so no verified password is left behind for another program; not
 * after the card went away mid-exchange: there is nothing to reset then, and with pcsc-lite
 * 1.9.9 and vpcd a reset of a vanished card leaves the reader blind to the next card. */
static void release_card(struct signer_pcsc *p)
{
	disconnect(p, p->broken ? SCARD_LEAVE_CARD : SCARD_RESET_CARD);
}

void signer_pcsc_free(struct signer_pcsc *p)
{
	if (!p)
		return;
	release_card(p);
	if (p->have_ctx)
		(void)SCardReleaseContext(p->ctx);
	free(p);
}

const char *signer_pcsc_reader(const struct signer_pcsc *p)
{
	return p ? p->reader : "";
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_detail(struct signer_pcsc *p, const char *what, LONG rv)
{
	p->last_rv = rv;
	snprintf(p->detail, sizeof(p->detail), "%s: %s (0x%08lX)", what, pcsc_stringify_error(rv),
	         (unsigned long)rv);
}

/* ---- transport --------------------------------------------------------------------------- */

static LONG raw_transmit(struct signer_pcsc *p, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
                         size_t cap, size_t *rlen)
{
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD n = (DWORD)cap;
	LONG rv = SCardTransmit(p->card, pci, cmd, (DWORD)cmdlen, NULL, resp, &n);
	*rlen = rv == SCARD_S_SUCCESS ? (size_t)n : 0;
	if (*rlen > cap) /* never trust a length that does not fit */
		return SCARD_E_INSUFFICIENT_BUFFER;
	return rv;
}

/* SCARD_S_SUCCESS while the card is in the reader, else why not (removed, reader gone). */
static LONG card_status(struct signer_pcsc *p)
{
	char name[256];
	DWORD namelen = sizeof(name), state = 0, proto = 0, atrlen = MAX_ATR_SIZE;
	BYTE atr[MAX_ATR_SIZE];
	LONG rv = SCardStatus(p->card, name, &namelen, &state, &proto, atr, &atrlen);

	if (rv != SCARD_S_SUCCESS)
		return rv;
	return (state & SCARD_PRESENT) ? SCARD_S_SUCCESS : SCARD_W_REMOVED_CARD;
}

/* One exchange as jpki_transmit wants it: the whole answer. Under T=0 a card may answer
 * 61 xx (more data: GET RESPONSE) or 6C xx (wrong Le: send again with Le = xx). */
static int pcsc_transmit(void *vctx, const uint8_t *cmd, size_t cmdlen, uint8_t *resp, size_t cap,
                         size_t *resplen)
{
	struct signer_pcsc *p = vctx;
	uint8_t again[JPKI_APDU_MAX_CMD];
	uint8_t part[JPKI_APDU_MAX_RESP];
	size_t n = 0, have;
	LONG rv;

	*resplen = 0;
	if (!p->have_card || cap < 2) {
		p->last_rv = SCARD_E_INVALID_HANDLE;
		return -1;
	}
	rv = raw_transmit(p, cmd, cmdlen, resp, cap, &n);
	if (rv != SCARD_S_SUCCESS)
		goto fail;
	if (n < 2)
		goto short_answer;
	if (n == 2 && resp[0] == 0x6C && cmdlen >= 5 && cmdlen <= sizeof(again)) {
		/* case 2 (CLA INS P1 P2 Le) or case 4 (... Lc data Le): Le is the last byte */
		if (cmdlen == 5 || cmdlen == (size_t)5 + cmd[4] + 1) {
			memcpy(again, cmd, cmdlen);
			again[cmdlen - 1] = resp[1];
			rv = raw_transmit(p, again, cmdlen, resp, cap, &n);
			explicit_bzero(again, sizeof(again));
			if (rv != SCARD_S_SUCCESS)
				goto fail;
		}
	}
	have = n >= 2 ? n - 2 : n;
	for (int round = 0; round < GET_RESPONSE_ROUNDS && n >= 2 && resp[have] == 0x61; round++) {
		const uint8_t get_response[5] = {0x00, 0xC0, 0x00, 0x00, resp[have + 1]};
		size_t m = 0;
		rv = raw_transmit(p, get_response, sizeof(get_response), part, sizeof(part), &m);
		if (rv != SCARD_S_SUCCESS)
			goto fail;
		if (m < 2 || have + m > cap) {
			p->last_rv = SCARD_E_INSUFFICIENT_BUFFER;
			p->broken = 1;
			snprintf(p->detail, sizeof(p->detail), "GET RESPONSE: answer too long");
			return -1;
		}
		memcpy(resp + have, part, m);
		have += m - 2;
		n = have + 2;
	}
	*resplen = n;
	return 0;
fail:
	set_detail(p, "SCardTransmit", rv);
	p->broken = 1;
	return -1;
short_answer:
	/* no status word: vpcd (and some contactless readers) answer so when the card went away
	 * in the middle of the exchange; ask the reader whether it is still there */
	rv = card_status(p);
	set_detail(p, "SCardTransmit: no status word",
	           rv == SCARD_S_SUCCESS ? SCARD_F_COMM_ERROR : rv);
	p->broken = 1;
	return -1;
}

static const struct jpki_transport_ops PCSC_TRANSPORT = {pcsc_transmit};

/* ---- finding the card --------------------------------------------------------------------- */

enum try_result { TRY_OK, TRY_NOT_JPKI, TRY_BUSY, TRY_GONE, TRY_FAILED };

/* Connect to the card in reader, open a transaction and select the JPKI-AP. */
static enum try_result try_card(struct signer_pcsc *p, const char *reader, struct jpki_transport *t)
{
	enum jpki_err e;
	LONG rv;

	rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                  &p->card, &p->proto);
	if (rv != SCARD_S_SUCCESS) {
		set_detail(p, "SCardConnect", rv);
		if (rv == SCARD_E_SHARING_VIOLATION)
			return TRY_BUSY;
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD)
			return TRY_GONE;
		return TRY_FAILED;
	}
	p->have_card = 1;
	p->broken = 0;
	rv = SCardBeginTransaction(p->card);
	if (rv != SCARD_S_SUCCESS) {
		set_detail(p, "SCardBeginTransaction", rv);
		disconnect(p, SCARD_LEAVE_CARD);
		return rv == SCARD_E_SHARING_VIOLATION ? TRY_BUSY : TRY_GONE;
	}
	p->in_transaction = 1;
	t->ops = &PCSC_TRANSPORT;
	t->ctx = p;
	t->last_sw = 0;
	e = jpki_select_ap(t);
	if (e == JPKI_OK) {
		snprintf(p->reader, sizeof(p->reader), "%s", reader);
		return TRY_OK;
	}
	if (e == JPKI_ENOTJPKI) {
		snprintf(p->detail, sizeof(p->detail), "SELECT JPKI-AP: %s",
		         jpki_sw_describe(t->last_sw));
		disconnect(p, SCARD_LEAVE_CARD);
		return TRY_NOT_JPKI;
	}
	disconnect(p, SCARD_LEAVE_CARD);
	return TRY_GONE;
}

/* The reader names (a multi-string in buf) that match filter, into names[]. */
static int list_readers(struct signer_pcsc *p, const char *filter, char *buf, size_t cap,
                        const char *names[READERS_MAX], size_t *n)
{
	DWORD len = (DWORD)cap;
	LONG rv;

	*n = 0;
	rv = SCardListReaders(p->ctx, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS) {
		set_detail(p, "SCardListReaders", rv);
		return -1;
	}
	if (len == 0 || len > cap)
		return 0;
	buf[len - 1] = '\0';
	for (char *r = buf; r < buf + len && *r && *n < READERS_MAX; r += strlen(r) + 1)
		if (!filter || strstr(r, filter))
			names[(*n)++] = r;
	return 0;
}

/* The wait for a card in pcsc_open: the readers watched and what the person was told. */
struct card_wait {
	struct signer_pcsc *p;
	const char *filter;
	signer_notify_fn notify;
	void *nctx;
	char names_buf[READERS_BUF];
	const char *names[READERS_MAX];
	SCARD_READERSTATE st[READERS_MAX + 1];
	DWORD last_ev[READERS_MAX];
	long tried[READERS_MAX];
	size_t n;
	DWORD pnp_state;
	int relist, retry_soon, told_no_reader, told_not_jpki, told_busy, saw_reader;
};

static enum signer_status establish_context(struct signer_pcsc *p, enum msg_id *why)
{
	LONG rv;

	if (p->have_ctx)
		return SIGNER_OK;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		set_detail(p, "SCardEstablishContext", rv);
		*why = MSG_E_NO_SERVICE;
		return SIGNER_ENOREADER;
	}
	p->have_ctx = 1;
	atomic_store(&p->ctx_ready, 1);
	return SIGNER_OK;
}

/* The readers again (at the start, and when PnP or a reader's state says they changed). */
static enum signer_status wait_relist(struct card_wait *w, enum msg_id *why)
{
	if (list_readers(w->p, w->filter, w->names_buf, sizeof(w->names_buf), w->names, &w->n) !=
	    0) {
		int gone =
		    w->p->last_rv == SCARD_E_NO_SERVICE || w->p->last_rv == SCARD_E_SERVICE_STOPPED;
		*why = gone ? MSG_E_NO_SERVICE : MSG_E_CARD;
		return gone ? SIGNER_ENOREADER : SIGNER_EINTERNAL;
	}
	memset(w->st, 0, sizeof(w->st));
	for (size_t i = 0; i < w->n; i++) {
		w->st[i].szReader = w->names[i];
		w->st[i].dwCurrentState = SCARD_STATE_UNAWARE;
		w->last_ev[i] = 0;
		w->tried[i] = -1;
	}
	w->st[w->n].szReader = PNP_READER;
	w->st[w->n].dwCurrentState = w->pnp_state; /* its high word counts the readers */
	w->relist = 0;
	if (w->n > 0)
		w->saw_reader = 1;
	else if (!w->told_no_reader) {
		w->notify(w->nctx, MSG_WAIT_READER);
		w->told_no_reader = 1;
	}
	return SIGNER_OK;
}

/* Every reader with a card not tried yet (or busy, or not ready): SIGNER_OK once one is the
 * JPKI-AP, else SIGNER_ENOCARD (go on waiting). */
static enum signer_status wait_try_readers(struct card_wait *w, int changed,
                                           struct jpki_transport *t)
{
	w->retry_soon = 0;
	for (size_t i = 0; i < w->n; i++) {
		DWORD ev = changed ? w->st[i].dwEventState : w->last_ev[i];
		long counter = (long)((ev >> 16) & 0xFFFF);
		w->last_ev[i] = ev;
		w->st[i].dwCurrentState = ev & ~(DWORD)SCARD_STATE_CHANGED;
		if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
			w->relist = 1;
		if (!(ev & SCARD_STATE_PRESENT) || (ev & SCARD_STATE_MUTE) ||
		    w->tried[i] == counter)
			continue;
		switch (try_card(w->p, w->names[i], t)) {
		case TRY_OK:
			return SIGNER_OK;
		case TRY_NOT_JPKI: /* not again until another card is inserted */
			w->tried[i] = counter;
			if (!w->told_not_jpki)
				w->notify(w->nctx, MSG_NOT_JPKI_CARD);
			w->told_not_jpki = 1;
			break;
		case TRY_BUSY:
			if (!w->told_busy)
				w->notify(w->nctx, MSG_CARD_BUSY);
			w->told_busy = 1;
			w->retry_soon = 1;
			break;
		case TRY_GONE: /* removed meanwhile, or not ready yet: look again soon */
			w->retry_soon = 1;
			break;
		case TRY_FAILED:
			w->tried[i] = counter;
			break;
		}
	}
	if (changed) {
		if (w->st[w->n].dwEventState & SCARD_STATE_CHANGED)
			w->relist = 1;
		w->pnp_state = w->st[w->n].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		w->st[w->n].dwCurrentState = w->pnp_state;
	}
	return SIGNER_ENOCARD;
}

/* Why no card was found when the time is up. */
static enum signer_status wait_timed_out(const struct card_wait *w, enum msg_id *why)
{
	if (!w->saw_reader) {
		*why = MSG_E_NO_READER;
		return SIGNER_ENOREADER;
	}
	if (w->told_not_jpki) {
		*why = MSG_E_NOT_JPKI;
		return SIGNER_ECARD;
	}
	if (w->told_busy) {
		*why = MSG_CARD_BUSY;
		return SIGNER_ECARD;
	}
	*why = MSG_E_NO_CARD;
	return SIGNER_ENOCARD;
}

static enum signer_status pcsc_open(void *vctx, const char *filter, int timeout_ms,
                                    signer_notify_fn notify, void *nctx, struct jpki_transport *t,
                                    enum msg_id *why)
{
	struct signer_pcsc *p = vctx;
	struct card_wait wait, *w = &wait;
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	enum signer_status st;
	LONG rv;

	*why = MSG_E_NO_CARD;
	p->detail[0] = '\0';
	p->reader[0] = '\0';
	release_card(p);
	if ((st = establish_context(p, why)) != SIGNER_OK)
		return st;
	memset(w, 0, sizeof(*w));
	w->p = p, w->filter = filter, w->notify = notify, w->nctx = nctx;
	w->pnp_state = SCARD_STATE_UNAWARE;
	w->relist = 1;
	for (;;) {
		long long left, slice;
		int changed = 1;

		if (atomic_load(&p->cancelled))
			return SIGNER_ECANCEL;
		if (w->relist && (st = wait_relist(w, why)) != SIGNER_OK)
			return st;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		/* a card that was busy or not ready is tried again soon, changed or not */
		slice = w->retry_soon ? RETRY_SLICE_MS : WAIT_SLICE_MS;
		rv = SCardGetStatusChange(p->ctx, (DWORD)(left < slice ? left : slice), w->st,
		                          (DWORD)(w->n + 1));
		if (rv == SCARD_E_TIMEOUT) {
			changed = 0;
			if (w->n == 0)
				w->relist = 1; /* poll for readers too, should PnP not be told */
			if (!w->retry_soon)
				continue;
		} else if (rv == SCARD_E_CANCELLED) {
			continue; /* the flag above says whether it was ours */
		} else if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_NO_READERS_AVAILABLE) {
			w->relist = 1;
			continue;
		} else if (rv != SCARD_S_SUCCESS) {
			set_detail(p, "SCardGetStatusChange", rv);
			int gone = rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED;
			*why = gone ? MSG_E_NO_SERVICE : MSG_E_CARD;
			return gone ? SIGNER_ENOREADER : SIGNER_EINTERNAL;
		}
		if ((st = wait_try_readers(w, changed, t)) == SIGNER_OK)
			return st;
	}
	return wait_timed_out(w, why);
}

static enum signer_status pcsc_lost(void *vctx)
{
	struct signer_pcsc *p = vctx;

	switch (p->last_rv) {
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_RESET_CARD: /* another program reset it: our session is gone all the same */
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_NOT_TRANSACTED: /* the exchange broke off: a contactless card moved away */
	case SCARD_F_COMM_ERROR:
	case SCARD_E_PROTO_MISMATCH:
		return SIGNER_EREMOVED;
	default:
		return SIGNER_ECARD;
	}
}

static const char *pcsc_detail(void *vctx)
{
	struct signer_pcsc *p = vctx;
	return p->detail[0] ? p->detail : "-";
}

static void pcsc_close(void *vctx)
{
	release_card(vctx);
}

const struct signer_card_ops signer_pcsc_card_ops = {
    .open = pcsc_open,
    .lost = pcsc_lost,
    .detail = pcsc_detail,
    .close = pcsc_close,
};
