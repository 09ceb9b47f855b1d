/* card: the JPKI-AP state machine of the virtual My Number Card (see card.h). Every input, even
 * a malformed one, gets an ISO 7816-4 status word; the order of the checks (class, instruction,
 * length, P1-P2, current EF, security, data) follows ISO 7816-4 and is listed in docs/card.md. */
#include "card/card.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

enum ef_kind { EF_DATA, EF_KEY, EF_PIN };

struct ef {
	uint16_t fid;
	enum ef_kind kind;
	const uint8_t *data; /* EF_DATA: contents (into the state or the card) */
	size_t len;
	bool needs_sign_pin; /* EF_DATA readable only after the signing password */
};

#define NEF 9

struct card {
	struct card_state *st;
	card_persist_fn persist;
	void *persist_ctx;
	uint8_t token[JPKI_TOKEN_LABEL_LEN];
	struct ef efs[NEF];
	/* volatile state, dropped by power off and reset */
	bool ap_selected;
	const struct ef *cur;
	bool sign_verified; /* the signing password was verified: EF 0001 readable */
	bool sign_armed;    /* ... and no signature was made since (one signature per verify) */
	bool auth_verified;
	size_t read_max; /* test switch: READ BINARY answers at most this many bytes (0: Le) */
};

const char *card_strerror(int err)
{
	switch (err) {
	case CARD_OK:
		return "success";
	case CARD_EINPUT:
		return "invalid argument";
	case CARD_ENOMEM:
		return "out of memory";
	case CARD_EPERSIST:
		return "the card state could not be saved";
	case CARD_ECRYPTO:
		return "the private-key operation failed";
	}
	return "unknown card error";
}

static void drop_volatile(card *c)
{
	c->ap_selected = false;
	c->cur = NULL;
	c->sign_verified = c->sign_armed = c->auth_verified = false;
}

card *card_new(struct card_state *st, card_persist_fn persist, void *ctx)
{
	card *c;
	size_t n;

	if (!st || !st->sign_key || !st->auth_key || !st->sign_cert.der || !st->sign_ca.der ||
	    !st->auth_cert.der || !st->auth_ca.der)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->st = st;
	c->persist = persist;
	c->persist_ctx = ctx;
	memset(c->token, ' ', sizeof(c->token));
	n = strnlen(st->token_label, JPKI_TOKEN_LABEL_LEN);
	memcpy(c->token, st->token_label, n);
	c->efs[0] =
	    (struct ef){JPKI_EF_SIGN_CERT, EF_DATA, st->sign_cert.der, st->sign_cert.len, true};
	c->efs[1] = (struct ef){JPKI_EF_SIGN_CA, EF_DATA, st->sign_ca.der, st->sign_ca.len, false};
	c->efs[2] = (struct ef){JPKI_EF_TOKEN_INFO, EF_DATA, c->token, sizeof(c->token), false};
	c->efs[3] =
	    (struct ef){JPKI_EF_AUTH_CERT, EF_DATA, st->auth_cert.der, st->auth_cert.len, false};
	c->efs[4] = (struct ef){JPKI_EF_AUTH_CA, EF_DATA, st->auth_ca.der, st->auth_ca.len, false};
	c->efs[5] = (struct ef){JPKI_EF_AUTH_KEY, EF_KEY, NULL, 0, false};
	c->efs[6] = (struct ef){JPKI_EF_AUTH_PIN, EF_PIN, NULL, 0, false};
	c->efs[7] = (struct ef){JPKI_EF_SIGN_KEY, EF_KEY, NULL, 0, false};
	c->efs[8] = (struct ef){JPKI_EF_SIGN_PIN, EF_PIN, NULL, 0, false};
	drop_volatile(c);
	return c;
}

void card_free(card *c)
{
	free(c);
}

void card_power_on(card *c)
{
	if (c)
		drop_volatile(c);
}

void card_power_off(card *c)
{
	if (c)
		drop_volatile(c);
}

void card_reset(card *c)
{
	if (c)
		drop_volatile(c);
}

int card_ap_selected(const card *c)
{
	return c && c->ap_selected;
}

uint16_t card_current_ef(const card *c)
{
	return c && c->cur ? c->cur->fid : 0;
}

int card_sign_verified(const card *c)
{
	return c && c->sign_verified;
}

int card_auth_verified(const card *c)
{
	return c && c->auth_verified;
}

int card_apdu_is_secret(const uint8_t *cmd, size_t len)
{
	if (!cmd || len <= 5)
		return 0;
	return (cmd[1] == 0x20 || cmd[1] == 0x24) && cmd[0] == 0x00;
}

/* ---- helpers ------------------------------------------------------------------------- */

struct out {
	uint8_t *buf;
	size_t len;
};

static enum card_err sw(struct out *o, uint16_t w)
{
	jpki_put_sw(o->buf + o->len, w);
	o->len += 2;
	return CARD_OK;
}

static const struct ef *find_ef(const card *c, uint16_t fid)
{
	for (size_t i = 0; i < NEF; i++)
		if (c->efs[i].fid == fid)
			return &c->efs[i];
	return NULL;
}

static struct card_pin *pin_of(card *c, const struct ef *e)
{
	return e->fid == JPKI_EF_SIGN_PIN ? &c->st->sign_pin : &c->st->auth_pin;
}

static int save(card *c)
{
	return c->persist ? c->persist(c->persist_ctx, c->st) : 0;
}

/* Constant-time comparison of the len bytes entered with the stored secret. */
static bool secret_matches(const struct card_pin *p, const uint8_t *in, size_t len)
{
	uint8_t a[JPKI_PW_MAX], b[JPKI_PW_MAX];
	size_t slen = strnlen(p->secret, JPKI_PW_MAX);
	bool same_len = len == slen;
	bool eq;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memcpy(a, p->secret, slen);
	memcpy(b, in, len < JPKI_PW_MAX ? len : JPKI_PW_MAX);
	eq = CRYPTO_memcmp(a, b, JPKI_PW_MAX) == 0;
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return eq && same_len;
}

/* ---- commands ------------------------------------------------------------------------ */

static enum card_err do_select(card *c, const struct jpki_apdu *a, struct out *o)
{
	const struct ef *e;

	if (a->lc == 0)
		return sw(o, JPKI_SW_WRONG_LENGTH);
	if (a->p1 == 0x04) { /* by DF name (AID) */
		if (a->lc != JPKI_AID_LEN || memcmp(a->data, JPKI_AID, JPKI_AID_LEN) != 0)
			return sw(o, JPKI_SW_NOT_FOUND); /* other applications: not on this card */
		if (a->p2 != 0x0C && a->p2 != 0x00)
			return sw(o, JPKI_SW_WRONG_P1P2);
		/* Selecting the AP starts it afresh: nothing selected, nothing verified. */
		drop_volatile(c);
		c->ap_selected = true;
		return sw(o, JPKI_SW_OK);
	}
	if (a->p1 == 0x02) { /* EF under the current DF */
		if (a->p2 != 0x0C && a->p2 != 0x00)
			return sw(o, JPKI_SW_WRONG_P1P2);
		if (a->lc != 2)
			return sw(o, JPKI_SW_WRONG_LENGTH);
		e = c->ap_selected ? find_ef(c, (uint16_t)(a->data[0] << 8 | a->data[1])) : NULL;
		if (!e)
			return sw(o, JPKI_SW_NOT_FOUND);
		c->cur = e;
		return sw(o, JPKI_SW_OK);
	}
	return sw(o, JPKI_SW_WRONG_P1P2);
}

static enum card_err do_read(card *c, const struct jpki_apdu *a, struct out *o)
{
	size_t off, n;

	if (a->lc != 0 || a->ne == 0)
		return sw(o, JPKI_SW_WRONG_LENGTH);
	if (a->p1 & 0x80) /* short EF identifier: not supported by this AP */
		return sw(o, JPKI_SW_WRONG_P1P2);
	if (!c->cur)
		return sw(o, JPKI_SW_NO_EF);
	if (c->cur->kind == EF_KEY)
		return sw(o, JPKI_SW_SECURITY); /* private keys are never readable */
	if (c->cur->kind != EF_DATA)
		return sw(o, JPKI_SW_INCOMPATIBLE);
	if (c->cur->needs_sign_pin && !c->sign_verified)
		return sw(o, JPKI_SW_SECURITY);
	off = (size_t)a->p1 << 8 | a->p2;
	if (off >= c->cur->len)
		return sw(o, JPKI_SW_WRONG_OFFSET);
	n = c->cur->len - off;
	if (n > a->ne)
		n = a->ne;
	/* ISO 7816-4 lets a card send fewer bytes than Le with 90 00 before the end of the EF
	 * (some cards and readers cap an answer); 62 82 stays for the end of the EF itself */
	if (c->read_max && n > c->read_max) {
		memcpy(o->buf, c->cur->data + off, c->read_max);
		o->len = c->read_max;
		return sw(o, JPKI_SW_OK);
	}
	memcpy(o->buf, c->cur->data + off, n);
	o->len = n;
	return sw(o, n < a->ne ? JPKI_SW_EOF : JPKI_SW_OK);
}

void card_set_read_max(card *c, size_t max)
{
	c->read_max = max;
}

static bool *verified_flag(card *c, const struct ef *e)
{
	return e->fid == JPKI_EF_SIGN_PIN ? &c->sign_verified : &c->auth_verified;
}

/* The checks VERIFY, CHANGE REFERENCE DATA and PSO start with, in this order: the lengths
 * (len_ok), P1-P2 (p1, 0x80), a selected EF of the kind. JPKI_SW_OK to go on, else the
 * status word to answer. */
static uint16_t ef_check(const card *c, const struct jpki_apdu *a, bool len_ok, uint8_t p1,
                         enum ef_kind kind)
{
	if (!len_ok)
		return JPKI_SW_WRONG_LENGTH;
	if (a->p1 != p1 || a->p2 != 0x80)
		return JPKI_SW_WRONG_P1P2;
	if (!c->cur)
		return JPKI_SW_NO_EF;
	return c->cur->kind == kind ? JPKI_SW_OK : JPKI_SW_INCOMPATIBLE;
}

static enum card_err do_verify(card *c, const struct jpki_apdu *a, struct out *o)
{
	struct card_pin *p;
	bool ok;
	uint16_t w = ef_check(c, a, a->ne == 0, 0x00, EF_PIN);

	if (w != JPKI_SW_OK)
		return sw(o, w);
	p = pin_of(c, c->cur);
	if (a->lc == 0) /* the retries query: 63 Cx even when verified or locked */
		return sw(o, (uint16_t)JPKI_SW_TRIES(p->tries_left));
	if (p->tries_left == 0)
		return sw(o, JPKI_SW_BLOCKED);
	/* Count the try first and make it durable, then compare: pulling the card out in
	 * between costs the try, as on a real card. */
	p->tries_left--;
	if (save(c) != 0) {
		p->tries_left++;
		sw(o, JPKI_SW_MEMORY);
		return CARD_EPERSIST;
	}
	ok = secret_matches(p, a->data, a->lc);
	*verified_flag(c, c->cur) = false;
	if (c->cur->fid == JPKI_EF_SIGN_PIN)
		c->sign_armed = false;
	if (!ok)
		return sw(o, (uint16_t)JPKI_SW_TRIES(p->tries_left));
	p->tries_left = p->max_tries;
	if (save(c) != 0) {
		p->tries_left--; /* what the stored state still says */
		sw(o, JPKI_SW_MEMORY);
		return CARD_EPERSIST;
	}
	*verified_flag(c, c->cur) = true;
	if (c->cur->fid == JPKI_EF_SIGN_PIN)
		c->sign_armed = true;
	return sw(o, JPKI_SW_OK);
}

static enum card_err do_change(card *c, const struct jpki_apdu *a, struct out *o)
{
	struct card_pin *p, old;
	bool valid;
	uint16_t w = ef_check(c, a, a->lc != 0 && a->ne == 0, 0x01, EF_PIN);

	if (w != JPKI_SW_OK)
		return sw(o, w);
	p = pin_of(c, c->cur);
	if (p->tries_left == 0)
		return sw(o, JPKI_SW_BLOCKED);
	if (!*verified_flag(c, c->cur))
		return sw(o, JPKI_SW_SECURITY);
	valid = c->cur->fid == JPKI_EF_SIGN_PIN ? jpki_sign_password_valid(a->data, a->lc)
	                                        : jpki_auth_pin_valid(a->data, a->lc);
	if (!valid)
		return sw(o, JPKI_SW_WRONG_DATA);
	old = *p;
	memset(p->secret, 0, sizeof(p->secret));
	memcpy(p->secret, a->data, a->lc);
	p->tries_left = p->max_tries;
	if (save(c) != 0) {
		*p = old;
		OPENSSL_cleanse(&old, sizeof(old));
		sw(o, JPKI_SW_MEMORY);
		return CARD_EPERSIST;
	}
	OPENSSL_cleanse(&old, sizeof(old));
	return sw(o, JPKI_SW_OK);
}

/* PKCS #1 v1.5 signature (block type 1) over the DigestInfo as given. */
static int rsa_sign(EVP_PKEY *key, const uint8_t *in, size_t inlen, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	int ok = 0;

	if (!ctx)
		goto out;
	if (EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if (EVP_PKEY_sign(ctx, sig, siglen, in, inlen) <= 0)
		goto out;
	ok = 1;
out:
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static enum card_err do_sign(card *c, const struct jpki_apdu *a, struct out *o)
{
	EVP_PKEY *key;
	size_t siglen = JPKI_RSA_BYTES;
	bool allowed;
	uint16_t w = ef_check(c, a, a->lc != 0 && a->ne == 256, 0x00, EF_KEY);

	if (w != JPKI_SW_OK)
		return sw(o, w);
	if (c->cur->fid == JPKI_EF_SIGN_KEY) {
		key = c->st->sign_key;
		allowed = c->sign_verified && c->sign_armed;
	} else {
		key = c->st->auth_key;
		allowed = c->auth_verified;
	}
	if (!allowed)
		return sw(o, JPKI_SW_SECURITY);
	if (jpki_digestinfo_parse(a->data, a->lc, NULL, NULL, NULL) != JPKI_OK)
		return sw(o, JPKI_SW_WRONG_DATA);
	if (EVP_PKEY_get_size(key) != JPKI_RSA_BYTES ||
	    !rsa_sign(key, a->data, a->lc, o->buf, &siglen) || siglen != JPKI_RSA_BYTES) {
		o->len = 0;
		sw(o, JPKI_SW_UNKNOWN);
		return CARD_ECRYPTO;
	}
	if (c->cur->fid == JPKI_EF_SIGN_KEY)
		c->sign_armed = false; /* the next signature needs the password again */
	o->len = JPKI_RSA_BYTES;
	return sw(o, JPKI_SW_OK);
}

/* The commands of the AP by class and instruction. */
static const struct command {
	uint8_t cla, ins;
	enum card_err (*run)(card *c, const struct jpki_apdu *a, struct out *o);
} commands[] = {
    {0x80, 0x2A, do_sign}, /* proprietary class: only COMPUTE DIGITAL SIGNATURE */
    {0x00, 0xA4, do_select}, {0x00, 0xB0, do_read},
    {0x00, 0x20, do_verify}, {0x00, 0x24, do_change},
};

static enum card_err dispatch(card *c, const struct jpki_apdu *a, struct out *o)
{
	if (a->cla != 0x00 && a->cla != 0x80)
		return sw(o, JPKI_SW_CLA);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cla == a->cla && commands[i].ins == a->ins)
			return commands[i].run(c, a, o);
	return sw(o, JPKI_SW_INS);
}

enum card_err card_process(card *c, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                           size_t *resplen)
{
	struct jpki_apdu a;
	struct out o;
	enum card_err e;
	enum jpki_err je;

	if (!c || !resp || !resplen || cap < CARD_RESP_MAX || (!cmd && len))
		return CARD_EINPUT;
	o.buf = resp;
	o.len = 0;
	je = jpki_apdu_decode(cmd, len, &a);
	e = je == JPKI_OK ? dispatch(c, &a, &o) : sw(&o, JPKI_SW_WRONG_LENGTH);
	OPENSSL_cleanse(&a, sizeof(a));
	*resplen = o.len;
	return e;
}
