/* fuzz_apdu: libFuzzer target for the virtual card (src/card/card.c) and the shared APDU code
 * (src/jpki). The input is a stream of messages framed as on the vpcd wire: a 2-byte big-endian
 * length, then that many bytes. In card mode (first byte even) each message of 2 or more bytes
 * is a command APDU for the card, and each 1-byte message a control event (0 power off, 1 power
 * on, 2 reset, 3 toggles a failing persist callback); every answer is checked (length, status
 * word, try counters). In client mode (first byte odd) the messages are the card's answers to
 * the signing app's operations (select, read a certificate, retries, verify, sign), so the
 * response parsing of src/jpki meets arbitrary cards. The card is issued once, from a test PKI
 * made in a temporary directory at start-up. Seeds: fuzz/corpus/apdu/. */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "card/card.h"
#include "card/pki.h"
#include "card/state.h"
#include "jpki/jpki.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGES 64

static struct card_state *g_st;
static card *g_card;
static int g_fail_persist;
static char g_dir[64];

static int persist(void *ctx, const struct card_state *st)
{
	(void)ctx;
	if (st->sign_pin.tries_left > st->sign_pin.max_tries ||
	    st->auth_pin.tries_left > st->auth_pin.max_tries)
		abort();
	return g_fail_persist ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	card_free(g_card);
	card_state_free(g_st);
	if (g_dir[0])
		nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pki_issue_req req;
	char pki[128];

	(void)argc;
	(void)argv;
	snprintf(g_dir, sizeof(g_dir), "/tmp/fuzz_apdu.XXXXXX");
	if (!mkdtemp(g_dir))
		abort();
	snprintf(pki, sizeof(pki), "%s/pki", g_dir);
	memset(&req, 0, sizeof(req));
	snprintf(req.person.name, sizeof(req.person.name), "試験 太郎");
	snprintf(req.person.address, sizeof(req.person.address), "東京都千代田区");
	snprintf(req.person.gender, sizeof(req.person.gender), "1");
	snprintf(req.person.birth, sizeof(req.person.birth), "419900102");
	req.password = "ABC123";
	req.pin = "1234";
	if (pki_init(pki, time(NULL)) != PKI_OK ||
	    pki_issue(pki, &req, time(NULL), &g_st) != PKI_OK)
		abort();
	g_card = card_new(g_st, persist, NULL);
	if (!g_card)
		abort();
	/* the card lives in memory from here on: the PKI files can go */
	nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	g_dir[0] = '\0';
	atexit(cleanup);
	return 0;
}

/* The next message of the stream, or 0 at its end. */
static int next_message(const uint8_t **p, const uint8_t *end, const uint8_t **msg, size_t *len)
{
	size_t n;

	if (end - *p < 2)
		return 0;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	*msg = *p;
	*len = n;
	*p += n;
	return 1;
}

static int known_sw(uint16_t sw)
{
	static const uint16_t sws[] = {0x9000, 0x6282, 0x6581, 0x6700, 0x6981, 0x6982, 0x6984,
	                               0x6986, 0x6A80, 0x6A82, 0x6A86, 0x6B00, 0x6D00, 0x6E00};
	if ((sw & 0xFFF0) == 0x63C0)
		return (sw & 0x0F) <= 5;
	for (size_t i = 0; i < sizeof(sws) / sizeof(sws[0]); i++)
		if (sw == sws[i])
			return 1;
	return 0;
}

static void card_mode(const uint8_t *p, const uint8_t *end)
{
	uint8_t resp[CARD_RESP_MAX];
	const uint8_t *msg;
	size_t len, rlen;
	int count = 0;

	/* every run starts from a fresh card: passwords and counters as issued */
	snprintf(g_st->sign_pin.secret, sizeof(g_st->sign_pin.secret), "ABC123");
	snprintf(g_st->auth_pin.secret, sizeof(g_st->auth_pin.secret), "1234");
	g_st->sign_pin.tries_left = g_st->sign_pin.max_tries;
	g_st->auth_pin.tries_left = g_st->auth_pin.max_tries;
	g_fail_persist = 0;
	card_power_on(g_card);
	while (count++ < MAX_MESSAGES && next_message(&p, end, &msg, &len)) {
		if (len == 1) {
			switch (msg[0]) {
			case 0:
				card_power_off(g_card);
				break;
			case 1:
				card_power_on(g_card);
				break;
			case 2:
				card_reset(g_card);
				break;
			case 3:
				g_fail_persist = !g_fail_persist;
				break;
			}
			continue;
		}
		enum card_err e = card_process(g_card, msg, len, resp, sizeof(resp), &rlen);
		if (e == CARD_EINPUT || rlen < 2 || rlen > CARD_RESP_MAX)
			abort();
		struct jpki_resp r;
		if (jpki_resp_parse(resp, rlen, &r) != JPKI_OK || !known_sw(r.sw))
			abort();
		if (r.sw != 0x9000 && r.sw != 0x6282 && r.len != 0)
			abort(); /* errors carry no data */
		if (g_st->sign_pin.tries_left > 5 || g_st->auth_pin.tries_left > 3 ||
		    !jpki_sign_password_valid((const uint8_t *)g_st->sign_pin.secret,
		                              strlen(g_st->sign_pin.secret)) ||
		    !jpki_auth_pin_valid((const uint8_t *)g_st->auth_pin.secret,
		                         strlen(g_st->auth_pin.secret)))
			abort();
		if (r.len >= 4) {
			size_t total;
			(void)jpki_der_tlv_len(r.data, r.len, &total);
		}
	}
}

/* ---- client mode: the input plays the card ---------------------------------------------- */

struct script {
	const uint8_t *p, *end;
	int count;
};

static int script_transmit(void *ctx, const uint8_t *cmd, size_t cmdlen, uint8_t *resp, size_t cap,
                           size_t *resplen)
{
	struct script *s = ctx;
	const uint8_t *msg;
	size_t len;

	if (!cmd || cmdlen < 4 || cmdlen > JPKI_APDU_MAX_CMD)
		abort(); /* the client never builds such a command */
	if (s->count++ >= MAX_MESSAGES || !next_message(&s->p, s->end, &msg, &len))
		return -1;
	if (len > cap)
		len = cap;
	memcpy(resp, msg, len);
	*resplen = len;
	return 0;
}

static const struct jpki_transport_ops script_ops = {script_transmit};

static void client_mode(const uint8_t *p, const uint8_t *end)
{
	struct script s = {p, end, 0};
	struct jpki_transport t = {&script_ops, &s, 0};
	static uint8_t buf[JPKI_EF_MAX_SIZE];
	uint8_t sig[JPKI_RSA_BYTES], di[JPKI_SHA256_DIGESTINFO_LEN], d[32];
	size_t n;
	int tries;
	enum jpki_err e;

	memset(d, 0x42, sizeof(d));
	if (jpki_digestinfo_build(JPKI_HASH_SHA256, d, sizeof(d), di, sizeof(di), &n) != JPKI_OK)
		abort();
	(void)jpki_select_ap(&t);
	e = jpki_read_ef(&t, JPKI_EF_AUTH_CERT, buf, sizeof(buf), &n);
	if (e == JPKI_OK && (n > sizeof(buf) || (n >= 4 && buf[0] != 0x30)))
		abort();
	e = jpki_read_ef(&t, JPKI_EF_TOKEN_INFO, buf, 64, &n);
	if (e == JPKI_OK && n > JPKI_TOKEN_LABEL_LEN)
		abort();
	e = jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &tries);
	if (e == JPKI_OK && (tries < 0 || tries > 15))
		abort();
	e = jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries);
	if (e == JPKI_EWRONGPW && (tries < 1 || tries > 15))
		abort();
	(void)jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig);
	(void)jpki_change_pin(&t, JPKI_EF_SIGN_PIN, "NEWPW1");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		client_mode(data + 1, data + size);
	else
		card_mode(data + 1, data + size);
	return 0;
}
