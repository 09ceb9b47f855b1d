/* jpki: APDU encoding, builders, response parsing, DigestInfo, password rules and the card
 * operations of the JPKI-AP over a transport (see jpki.h). No I/O, no OpenSSL. */
#include "jpki/jpki.h"

#include <string.h>

const uint8_t JPKI_AID[JPKI_AID_LEN] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const uint8_t JPKI_ATR_CONTACT[JPKI_ATR_LEN] = {0x3B, 0xE0, 0x00, 0xFF, 0x81,
                                                0x31, 0xFE, 0x45, 0x14};

const char *jpki_strerror(int err)
{
	switch (err) {
	case JPKI_OK:
		return "success";
	case JPKI_EINPUT:
		return "invalid argument";
	case JPKI_ESPACE:
		return "buffer too small";
	case JPKI_EMALFORMED:
		return "malformed data";
	case JPKI_EEXTENDED:
		return "extended-length APDU not supported";
	case JPKI_EPWLEN:
		return "password has the wrong length";
	case JPKI_EPWCHARS:
		return "password has characters outside the rule";
	case JPKI_ETRANSPORT:
		return "the card could not be reached (removed?)";
	case JPKI_ENOTJPKI:
		return "the card has no JPKI application";
	case JPKI_EWRONGPW:
		return "wrong password";
	case JPKI_ELOCKED:
		return "the password is locked";
	case JPKI_ESECURITY:
		return "the password must be verified first";
	case JPKI_ECARD:
		return "unexpected status word from the card";
	}
	return "unknown jpki error";
}

/* ---- command APDUs ------------------------------------------------------------------ */

enum jpki_err jpki_apdu_encode(const struct jpki_apdu *a, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = 4;

	if (!a || !out || !outlen || a->lc > JPKI_APDU_MAX_DATA || a->ne > 256)
		return JPKI_EINPUT;
	if (a->lc)
		n += 1 + a->lc;
	if (a->ne)
		n += 1;
	if (n > cap)
		return JPKI_ESPACE;
	out[0] = a->cla;
	out[1] = a->ins;
	out[2] = a->p1;
	out[3] = a->p2;
	n = 4;
	if (a->lc) {
		out[n++] = (uint8_t)a->lc;
		memcpy(out + n, a->data, a->lc);
		n += a->lc;
	}
	if (a->ne)
		out[n++] = (uint8_t)(a->ne == 256 ? 0 : a->ne);
	*outlen = n;
	return JPKI_OK;
}

enum jpki_err jpki_apdu_decode(const uint8_t *in, size_t len, struct jpki_apdu *a)
{
	size_t lc;

	if (!a || (!in && len))
		return JPKI_EINPUT;
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return JPKI_EMALFORMED;
	a->cla = in[0];
	a->ins = in[1];
	a->p1 = in[2];
	a->p2 = in[3];
	if (len == 4)
		return JPKI_OK; /* case 1 */
	if (len == 5) {         /* case 2: Le only */
		a->ne = in[4] ? in[4] : 256;
		return JPKI_OK;
	}
	if (in[4] == 0) /* 00 then two length bytes: extended length */
		return len >= 7 ? JPKI_EEXTENDED : JPKI_EMALFORMED;
	lc = in[4];
	if (len == 5 + lc) { /* case 3 */
		a->lc = lc;
		memcpy(a->data, in + 5, lc);
		return JPKI_OK;
	}
	if (len == 6 + lc) { /* case 4 */
		a->lc = lc;
		memcpy(a->data, in + 5, lc);
		a->ne = in[5 + lc] ? in[5 + lc] : 256;
		return JPKI_OK;
	}
	memset(a, 0, sizeof(*a));
	return JPKI_EMALFORMED;
}

static void header(struct jpki_apdu *a, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2)
{
	memset(a, 0, sizeof(*a));
	a->cla = cla;
	a->ins = ins;
	a->p1 = p1;
	a->p2 = p2;
}

void jpki_build_select_ap(struct jpki_apdu *a)
{
	header(a, 0x00, 0xA4, 0x04, 0x0C);
	a->lc = JPKI_AID_LEN;
	memcpy(a->data, JPKI_AID, JPKI_AID_LEN);
}

void jpki_build_select_ef(struct jpki_apdu *a, uint16_t ef)
{
	header(a, 0x00, 0xA4, 0x02, 0x0C);
	a->lc = 2;
	a->data[0] = (uint8_t)(ef >> 8);
	a->data[1] = (uint8_t)ef;
}

enum jpki_err jpki_build_read_binary(struct jpki_apdu *a, size_t offset, size_t ne)
{
	if (!a || offset >= JPKI_EF_MAX_SIZE || ne < 1 || ne > 256)
		return JPKI_EINPUT;
	header(a, 0x00, 0xB0, (uint8_t)(offset >> 8), (uint8_t)offset);
	a->ne = ne;
	return JPKI_OK;
}

void jpki_build_retries(struct jpki_apdu *a)
{
	header(a, 0x00, 0x20, 0x00, 0x80);
}

static enum jpki_err with_data(struct jpki_apdu *a, const void *data, size_t len)
{
	if (!data || len < 1 || len > JPKI_APDU_MAX_DATA)
		return JPKI_EINPUT;
	a->lc = len;
	memcpy(a->data, data, len);
	return JPKI_OK;
}

enum jpki_err jpki_build_verify(struct jpki_apdu *a, const char *secret, size_t len)
{
	if (!a)
		return JPKI_EINPUT;
	header(a, 0x00, 0x20, 0x00, 0x80);
	return with_data(a, secret, len);
}

enum jpki_err jpki_build_sign(struct jpki_apdu *a, const uint8_t *digestinfo, size_t len)
{
	enum jpki_err e;

	if (!a)
		return JPKI_EINPUT;
	header(a, 0x80, 0x2A, 0x00, 0x80);
	e = with_data(a, digestinfo, len);
	if (e == JPKI_OK)
		a->ne = 256;
	return e;
}

enum jpki_err jpki_build_change_pin(struct jpki_apdu *a, const char *secret, size_t len)
{
	if (!a)
		return JPKI_EINPUT;
	header(a, 0x00, 0x24, 0x01, 0x80);
	return with_data(a, secret, len);
}

/* ---- responses ---------------------------------------------------------------------- */

enum jpki_err jpki_resp_parse(const uint8_t *in, size_t len, struct jpki_resp *r)
{
	if (!r || (!in && len))
		return JPKI_EINPUT;
	memset(r, 0, sizeof(*r));
	if (len < 2)
		return JPKI_EMALFORMED;
	r->data = in;
	r->len = len - 2;
	r->sw = (uint16_t)(in[len - 2] << 8 | in[len - 1]);
	return JPKI_OK;
}

void jpki_put_sw(uint8_t *out, uint16_t sw)
{
	out[0] = (uint8_t)(sw >> 8);
	out[1] = (uint8_t)sw;
}

int jpki_sw_tries(uint16_t sw)
{
	return (sw & 0xFFF0) == 0x63C0 ? (int)(sw & 0x0F) : -1;
}

int jpki_sw_locked(uint16_t sw)
{
	return sw == JPKI_SW_BLOCKED || sw == JPKI_SW_BLOCKED_6983;
}

const char *jpki_sw_describe(uint16_t sw)
{
	if ((sw & 0xFFF0) == 0x63C0)
		return "verification failed or retries query: tries left in the low nibble";
	if ((sw & 0xFF00) == 0x6100)
		return "more response bytes available";
	if ((sw & 0xFF00) == 0x6C00)
		return "wrong Le: the card says how many bytes it has";
	switch (sw) {
	case JPKI_SW_OK:
		return "success";
	case JPKI_SW_EOF:
		return "end of file reached before Le bytes";
	case JPKI_SW_MEMORY:
		return "memory failure";
	case JPKI_SW_WRONG_LENGTH:
		return "wrong length";
	case JPKI_SW_INCOMPATIBLE:
		return "command incompatible with the current EF";
	case JPKI_SW_SECURITY:
		return "security status not satisfied";
	case JPKI_SW_BLOCKED_6983:
		return "authentication method blocked";
	case JPKI_SW_BLOCKED:
		return "reference data not usable (locked)";
	case JPKI_SW_CONDITIONS:
		return "conditions of use not satisfied";
	case JPKI_SW_NO_EF:
		return "command not allowed: no current EF";
	case JPKI_SW_WRONG_DATA:
		return "incorrect data";
	case JPKI_SW_NOT_FOUND:
		return "file or application not found";
	case JPKI_SW_WRONG_P1P2:
		return "incorrect P1 or P2";
	case JPKI_SW_WRONG_OFFSET:
		return "offset outside the file";
	case JPKI_SW_INS:
		return "instruction not supported";
	case JPKI_SW_CLA:
		return "class not supported";
	case JPKI_SW_UNKNOWN:
		return "no precise diagnosis";
	}
	return "unknown status word";
}

enum jpki_err jpki_der_tlv_len(const uint8_t *hdr, size_t len, size_t *total)
{
	size_t n, i, content = 0;

	if (!hdr || !total)
		return JPKI_EINPUT;
	if (len < 2 || (hdr[0] & 0x1F) == 0x1F) /* multi-byte tags are not used here */
		return JPKI_EMALFORMED;
	if (hdr[1] < 0x80) {
		*total = 2 + (size_t)hdr[1];
		return JPKI_OK;
	}
	n = hdr[1] & 0x7F;
	if (n == 0 || n > 3 || len < 2 + n) /* indefinite, over 16 MB, or cut */
		return JPKI_EMALFORMED;
	for (i = 0; i < n; i++)
		content = content << 8 | hdr[2 + i];
	if (content < 0x80 || (n > 1 && hdr[2] == 0)) /* not the shortest form: not DER */
		return JPKI_EMALFORMED;
	*total = 2 + n + content;
	return JPKI_OK;
}

/* ---- DigestInfo ---------------------------------------------------------------------- */

struct di_prefix {
	enum jpki_hash hash;
	size_t dlen;
	size_t plen;
	uint8_t p[19];
};

static const struct di_prefix di_prefixes[] = {
    {JPKI_HASH_SHA1,
     20,
     15,
     {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}},
    {JPKI_HASH_SHA224,
     28,
     19,
     {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04,
      0x05, 0x00, 0x04, 0x1c}},
    {JPKI_HASH_SHA256,
     32,
     19,
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x05, 0x00, 0x04, 0x20}},
    {JPKI_HASH_SHA384,
     48,
     19,
     {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
      0x05, 0x00, 0x04, 0x30}},
    {JPKI_HASH_SHA512,
     64,
     19,
     {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
      0x05, 0x00, 0x04, 0x40}},
};

static const struct di_prefix *di_find(enum jpki_hash h)
{
	for (size_t i = 0; i < sizeof(di_prefixes) / sizeof(di_prefixes[0]); i++)
		if (di_prefixes[i].hash == h)
			return &di_prefixes[i];
	return NULL;
}

size_t jpki_hash_len(enum jpki_hash h)
{
	const struct di_prefix *p = di_find(h);
	return p ? p->dlen : 0;
}

enum jpki_err jpki_digestinfo_build(enum jpki_hash h, const uint8_t *digest, size_t dlen,
                                    uint8_t *out, size_t cap, size_t *outlen)
{
	const struct di_prefix *p = di_find(h);

	if (!p || !digest || !out || !outlen || dlen != p->dlen)
		return JPKI_EINPUT;
	if (cap < p->plen + p->dlen)
		return JPKI_ESPACE;
	memcpy(out, p->p, p->plen);
	memcpy(out + p->plen, digest, dlen);
	*outlen = p->plen + dlen;
	return JPKI_OK;
}

enum jpki_err jpki_digestinfo_parse(const uint8_t *in, size_t len, enum jpki_hash *h,
                                    const uint8_t **digest, size_t *dlen)
{
	if (!in && len)
		return JPKI_EINPUT;
	for (size_t i = 0; i < sizeof(di_prefixes) / sizeof(di_prefixes[0]); i++) {
		const struct di_prefix *p = &di_prefixes[i];
		if (len != p->plen + p->dlen || memcmp(in, p->p, p->plen) != 0)
			continue;
		if (h)
			*h = p->hash;
		if (digest)
			*digest = in + p->plen;
		if (dlen)
			*dlen = p->dlen;
		return JPKI_OK;
	}
	return JPKI_EMALFORMED;
}

/* ---- password rules ------------------------------------------------------------------ */

int jpki_sign_password_valid(const uint8_t *pw, size_t len)
{
	if (!pw || len < JPKI_SIGN_PW_MIN || len > JPKI_SIGN_PW_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((pw[i] >= 'A' && pw[i] <= 'Z') || (pw[i] >= '0' && pw[i] <= '9')))
			return 0;
	return 1;
}

int jpki_auth_pin_valid(const uint8_t *pw, size_t len)
{
	if (!pw || len != JPKI_AUTH_PIN_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (pw[i] < '0' || pw[i] > '9')
			return 0;
	return 1;
}

enum jpki_err jpki_sign_password_normalise(const char *in, char out[JPKI_PW_MAX + 1])
{
	size_t len;

	if (!in || !out)
		return JPKI_EINPUT;
	len = strnlen(in, JPKI_SIGN_PW_MAX + 1);
	if (len < JPKI_SIGN_PW_MIN || len > JPKI_SIGN_PW_MAX)
		return JPKI_EPWLEN;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
			memset(out, 0, JPKI_PW_MAX + 1);
			return JPKI_EPWCHARS;
		}
		out[i] = c;
	}
	out[len] = '\0';
	return JPKI_OK;
}

enum jpki_err jpki_auth_pin_check(const char *in)
{
	size_t len;

	if (!in)
		return JPKI_EINPUT;
	len = strnlen(in, JPKI_AUTH_PIN_LEN + 1);
	if (len != JPKI_AUTH_PIN_LEN)
		return JPKI_EPWLEN;
	return jpki_auth_pin_valid((const uint8_t *)in, len) ? JPKI_OK : JPKI_EPWCHARS;
}

/* ---- card operations ----------------------------------------------------------------- */

enum jpki_err jpki_transmit(struct jpki_transport *t, const struct jpki_apdu *a, uint8_t *resp,
                            size_t cap, struct jpki_resp *r)
{
	uint8_t cmd[JPKI_APDU_MAX_CMD];
	size_t cmdlen = 0, rlen = 0;
	enum jpki_err e;

	if (!t || !t->ops || !t->ops->transmit || !a || !resp || !r)
		return JPKI_EINPUT;
	e = jpki_apdu_encode(a, cmd, sizeof(cmd), &cmdlen);
	if (e != JPKI_OK)
		return e;
	t->last_sw = 0;
	if (t->ops->transmit(t->ctx, cmd, cmdlen, resp, cap, &rlen) != 0) {
		e = JPKI_ETRANSPORT;
		goto out;
	}
	if (rlen > cap) {
		e = JPKI_ETRANSPORT;
		goto out;
	}
	e = jpki_resp_parse(resp, rlen, r);
	if (e == JPKI_OK)
		t->last_sw = r->sw;
out:
	/* commands may carry a password: do not leave it on the stack */
	explicit_bzero(cmd, sizeof(cmd));
	return e;
}

static enum jpki_err sw_error(uint16_t sw)
{
	if (sw == JPKI_SW_OK)
		return JPKI_OK;
	if (sw == JPKI_SW_SECURITY)
		return JPKI_ESECURITY;
	if (jpki_sw_locked(sw))
		return JPKI_ELOCKED;
	return JPKI_ECARD;
}

enum jpki_err jpki_select_ap(struct jpki_transport *t)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;

	jpki_build_select_ap(&a);
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		return e;
	return r.sw == JPKI_SW_OK ? JPKI_OK : JPKI_ENOTJPKI;
}

enum jpki_err jpki_select_ef(struct jpki_transport *t, uint16_t ef)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;

	jpki_build_select_ef(&a, ef);
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		return e;
	return sw_error(r.sw);
}

/* READ BINARY at offset for up to want bytes; *got = bytes copied to out. The end of the EF
 * (6282, 6B00 past its end, or 9000 with no byte) sets *eof. 9000 with fewer bytes than
 * asked is not the end: ISO 7816-4 allows a card to answer so, and the caller reads on from
 * the new offset (as OpenSC's sc_read_binary does). */
static enum jpki_err read_chunk(struct jpki_transport *t, size_t offset, size_t want, uint8_t *out,
                                size_t *got, int *eof)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;

	*got = 0;
	*eof = 0;
	e = jpki_build_read_binary(&a, offset, want);
	if (e != JPKI_OK)
		return e;
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		return e;
	if (r.sw == JPKI_SW_WRONG_OFFSET && offset > 0) {
		*eof = 1;
		return JPKI_OK;
	}
	if (r.sw != JPKI_SW_OK && r.sw != JPKI_SW_EOF)
		return sw_error(r.sw);
	if (r.len > want)
		return JPKI_EMALFORMED;
	memcpy(out, r.data, r.len);
	*got = r.len;
	*eof = r.sw == JPKI_SW_EOF || r.len == 0;
	return JPKI_OK;
}

/* want bytes at offset into out, in as many READ BINARY as the card needs (each at most 256
 * bytes); *got is less than want only when the EF ended. */
static enum jpki_err read_span(struct jpki_transport *t, size_t offset, size_t want, uint8_t *out,
                               size_t *got)
{
	size_t have = 0, n;
	int eof = 0;
	enum jpki_err e;

	while (have < want && !eof) {
		size_t ask = want - have > 256 ? 256 : want - have;
		e = read_chunk(t, offset + have, ask, out + have, &n, &eof);
		if (e != JPKI_OK)
			return e;
		have += n;
	}
	*got = have;
	return JPKI_OK;
}

static int is_cert_ef(uint16_t ef)
{
	return ef == JPKI_EF_SIGN_CERT || ef == JPKI_EF_SIGN_CA || ef == JPKI_EF_AUTH_CERT ||
	       ef == JPKI_EF_AUTH_CA;
}

enum jpki_err jpki_read_ef(struct jpki_transport *t, uint16_t ef, uint8_t *out, size_t cap,
                           size_t *len)
{
	size_t total = JPKI_EF_MAX_SIZE, have = 0, got;
	enum jpki_err e;

	if (!out || !len)
		return JPKI_EINPUT;
	*len = 0;
	e = jpki_select_ef(t, ef);
	if (e != JPKI_OK)
		return e;
	if (is_cert_ef(ef)) {
		if (cap < 4)
			return JPKI_ESPACE;
		e = read_span(t, 0, 4, out, &got);
		if (e != JPKI_OK)
			return e;
		if (got != 4 || out[0] != 0x30)
			return JPKI_EMALFORMED;
		e = jpki_der_tlv_len(out, 4, &total);
		if (e != JPKI_OK)
			return e;
		if (total > JPKI_EF_MAX_SIZE)
			return JPKI_EMALFORMED;
		if (total > cap)
			return JPKI_ESPACE;
		have = 4;
	} else if (ef == JPKI_EF_TOKEN_INFO) {
		total = JPKI_TOKEN_LABEL_LEN;
	}
	if (total > cap)
		total = cap;
	e = read_span(t, have, total - have, out + have, &got);
	if (e != JPKI_OK)
		return e;
	have += got;
	if (is_cert_ef(ef) && have != total)
		return JPKI_EMALFORMED; /* the EF ended inside the certificate */
	*len = have;
	return JPKI_OK;
}

enum jpki_err jpki_tries_left(struct jpki_transport *t, uint16_t pin_ef, int *tries)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;
	int n;

	if (!tries)
		return JPKI_EINPUT;
	*tries = -1;
	e = jpki_select_ef(t, pin_ef);
	if (e != JPKI_OK)
		return e;
	jpki_build_retries(&a);
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		return e;
	n = jpki_sw_tries(r.sw);
	if (n >= 0) {
		*tries = n;
		return JPKI_OK;
	}
	if (jpki_sw_locked(r.sw)) {
		*tries = 0;
		return JPKI_OK;
	}
	return JPKI_ECARD;
}

enum jpki_err jpki_verify(struct jpki_transport *t, uint16_t pin_ef, const char *secret, int *tries)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;
	int n;

	if (!secret || !tries)
		return JPKI_EINPUT;
	*tries = -1;
	e = jpki_select_ef(t, pin_ef);
	if (e != JPKI_OK)
		return e;
	e = jpki_build_verify(&a, secret, strnlen(secret, JPKI_APDU_MAX_DATA + 1));
	if (e != JPKI_OK)
		goto out;
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		goto out;
	n = jpki_sw_tries(r.sw);
	if (r.sw == JPKI_SW_OK) {
		e = JPKI_OK;
	} else if (n > 0) {
		*tries = n;
		e = JPKI_EWRONGPW;
	} else if (n == 0 || jpki_sw_locked(r.sw)) {
		*tries = 0;
		e = JPKI_ELOCKED;
	} else {
		e = sw_error(r.sw);
	}
out:
	explicit_bzero(&a, sizeof(a));
	return e;
}

enum jpki_err jpki_sign(struct jpki_transport *t, uint16_t key_ef, const uint8_t *digestinfo,
                        size_t dilen, uint8_t sig[JPKI_RSA_BYTES])
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;

	if (!sig)
		return JPKI_EINPUT;
	e = jpki_select_ef(t, key_ef);
	if (e != JPKI_OK)
		return e;
	e = jpki_build_sign(&a, digestinfo, dilen);
	if (e != JPKI_OK)
		return e;
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		return e;
	e = sw_error(r.sw);
	if (e != JPKI_OK)
		return e;
	if (r.len != JPKI_RSA_BYTES)
		return JPKI_EMALFORMED;
	memcpy(sig, r.data, JPKI_RSA_BYTES);
	return JPKI_OK;
}

enum jpki_err jpki_change_pin(struct jpki_transport *t, uint16_t pin_ef, const char *secret)
{
	struct jpki_apdu a;
	uint8_t resp[JPKI_APDU_MAX_RESP];
	struct jpki_resp r;
	enum jpki_err e;

	if (!secret)
		return JPKI_EINPUT;
	e = jpki_select_ef(t, pin_ef);
	if (e != JPKI_OK)
		return e;
	e = jpki_build_change_pin(&a, secret, strnlen(secret, JPKI_APDU_MAX_DATA + 1));
	if (e != JPKI_OK)
		goto out;
	e = jpki_transmit(t, &a, resp, sizeof(resp), &r);
	if (e != JPKI_OK)
		goto out;
	e = sw_error(r.sw);
out:
	explicit_bzero(&a, sizeof(a));
	return e;
}
