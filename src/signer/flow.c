/* flow: the journey of the signing app, screen by screen, over the UI, card and network
 * interfaces of flow.h. No terminal, PC/SC or libcurl code here, so the tests can drive it. */
#include "signer/flow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signer/cades.h"
#include "util/file.h"
#include "util/jdate.h"

#define TEXT_MAX 4096
#define PW_INPUT_MAX 256   /* bytes read for one password entry */
#define PW_FORMAT_ROUNDS 5 /* malformed entries asked again (interactive) */
#define CARD_ROUNDS 3      /* "hold the card again" offered (interactive) */
/* A request is refused as expired once expires_at is this far behind the local clock: the
 * portal decides in the end, and a clock a little ahead must not stop a person from signing. */
#define CLOCK_SKEW_SECONDS 300

/* One message: to the front end's message callback with its id when it has one (MSG_COUNT
 * for text without an id), else to print. */
static void say_id(const struct signer_cfg *cfg, enum ui_kind kind, enum msg_id id,
                   const char *text)
{
	if (cfg->ui_message)
		cfg->ui_message(cfg->ui.ctx, kind, id, text);
	else if (cfg->ui.print)
		cfg->ui.print(cfg->ui.ctx, kind, text);
}

static void say(const struct signer_cfg *cfg, enum ui_kind kind, const char *text)
{
	say_id(cfg, kind, MSG_COUNT, text);
}

static void sayf(const struct signer_cfg *cfg, enum ui_kind kind, enum msg_id id, ...)
{
	char buf[TEXT_MAX];
	va_list ap;

	va_start(ap, id);
	vsnprintf(buf, sizeof(buf), msg_get(cfg->lang, id), ap);
	va_end(ap);
	say_id(cfg, kind, id, buf);
}

static void say_msg(const struct signer_cfg *cfg, enum ui_kind kind, enum msg_id id)
{
	say_id(cfg, kind, id, msg_get(cfg->lang, id));
}

static time_t now_of(const struct signer_cfg *cfg)
{
	return cfg->now ? cfg->now : time(NULL);
}

void signer_reply_release(struct signer_reply *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void signer_format_time(enum msg_lang lang, time_t t, char *out, size_t cap)
{
	struct tm tm;
	char ymd[40], jp[96];
	time_t jst = t + JDATE_JST_OFFSET;

	if (!gmtime_r(&jst, &tm)) {
		snprintf(out, cap, "?");
		return;
	}
	snprintf(ymd, sizeof(ymd), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (lang == LANG_JA && jdate_format(ymd, jp, sizeof(jp)) == 0)
		snprintf(out, cap, "%s %02d:%02d（日本時間）", jp, tm.tm_hour, tm.tm_min);
	else
		snprintf(out, cap, "%s %02d:%02d JST", ymd, tm.tm_hour, tm.tm_min);
}

/* ---- password ------------------------------------------------------------------------ */

enum jpki_err signer_password_normalise(const char *in, char out[JPKI_PW_MAX + 1])
{
	char ascii[JPKI_SIGN_PW_MAX + 2];
	size_t o = 0, i = 0, n;
	enum jpki_err e;

	if (!in || !out)
		return JPKI_EINPUT;
	memset(out, 0, JPKI_PW_MAX + 1);
	n = strnlen(in, PW_INPUT_MAX);
	while (i < n && o < sizeof(ascii) - 1) {
		const unsigned char *u = (const unsigned char *)in + i;
		/* full-width digits U+FF10-FF19 (EF BC 90-99), letters U+FF21-FF3A (EF BC A1-BA)
		 * and U+FF41-FF5A (EF BD 81-9A) */
		if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
			ascii[o++] = (char)('0' + (u[2] - 0x90));
			i += 3;
		} else if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0xA1 &&
		           u[2] <= 0xBA) {
			ascii[o++] = (char)('A' + (u[2] - 0xA1));
			i += 3;
		} else if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBD && u[2] >= 0x81 &&
		           u[2] <= 0x9A) {
			ascii[o++] = (char)('a' + (u[2] - 0x81));
			i += 3;
		} else if (u[0] >= 0x80) {
			explicit_bzero(ascii, sizeof(ascii));
			return JPKI_EPWCHARS;
		} else {
			ascii[o++] = (char)u[0];
			i++;
		}
	}
	if (i < n) { /* more than 17 characters: too long whatever they are */
		explicit_bzero(ascii, sizeof(ascii));
		return JPKI_EPWLEN;
	}
	ascii[o] = '\0';
	e = jpki_sign_password_normalise(ascii, out);
	explicit_bzero(ascii, sizeof(ascii));
	if (e != JPKI_OK)
		explicit_bzero(out, JPKI_PW_MAX + 1);
	return e;
}

/* Step 10: the password screen; pw gets the normalised password. */
static enum signer_status ask_password(const struct signer_cfg *cfg, char pw[JPKI_PW_MAX + 1])
{
	char input[PW_INPUT_MAX + 1];
	char prompt[512];
	enum signer_status st = SIGNER_EPWFORMAT;

	snprintf(prompt, sizeof(prompt), "%s", msg_get(cfg->lang, MSG_PW_PROMPT));
	for (int round = 0; round < (cfg->ui.interactive ? PW_FORMAT_ROUNDS : 1); round++) {
		enum jpki_err e;
		sayf(cfg, UI_HEADING, MSG_PW_TITLE);
		say_msg(cfg, UI_TEXT, MSG_PW_LENGTH);
		say_msg(cfg, UI_NOTE, MSG_PW_NOTE_UPPER);
		say_msg(cfg, UI_NOTE, MSG_PW_NOTE_LOCK);
		say_msg(cfg, UI_NOTE, MSG_PW_NOTE_COUNTER);
		memset(input, 0, sizeof(input));
		if (!cfg->ui.password ||
		    cfg->ui.password(cfg->ui.ctx, prompt, input, sizeof(input)) != 0) {
			say_msg(cfg, UI_ERROR,
			        cfg->ui.interactive ? MSG_E_CANCELLED : MSG_E_PW_INPUT);
			st = cfg->ui.interactive ? SIGNER_ECANCEL : SIGNER_EPWFORMAT;
			goto out;
		}
		e = signer_password_normalise(input, pw);
		explicit_bzero(input, sizeof(input));
		if (e == JPKI_OK) {
			st = SIGNER_OK;
			goto out;
		}
		say_msg(cfg, UI_ERROR, e == JPKI_EPWLEN ? MSG_PW_BAD_LENGTH : MSG_PW_BAD_CHARS);
		say_msg(cfg, UI_ERROR, MSG_PW_NOT_SENT);
		st = SIGNER_EPWFORMAT;
	}
out:
	explicit_bzero(input, sizeof(input));
	return st;
}

/* ---- the card ------------------------------------------------------------------------- */

struct card_sign_ctx {
	struct jpki_transport *t;
	const char *pw;
	enum jpki_err err;
};

/* The cades signing callback: COMPUTE DIGITAL SIGNATURE on the signing key. A card that wants
 * the password again (69 82: some cards drop the verification when another EF is selected)
 * gets the password that was just accepted once more. */
static int card_sign_cb(void *vctx, const uint8_t *di, size_t len, uint8_t sig[CADES_SIG_BYTES])
{
	struct card_sign_ctx *c = vctx;
	enum jpki_err e;
	int left;

	e = jpki_sign(c->t, JPKI_EF_SIGN_KEY, di, len, sig);
	if (e == JPKI_ESECURITY) {
		e = jpki_verify(c->t, JPKI_EF_SIGN_PIN, c->pw, &left);
		if (e == JPKI_OK)
			e = jpki_sign(c->t, JPKI_EF_SIGN_KEY, di, len, sig);
	}
	c->err = e;
	return e == JPKI_OK ? 0 : (int)e;
}

static void notify_cb(void *nctx, enum msg_id m)
{
	const struct signer_cfg *cfg = nctx;
	say_msg(cfg, UI_WARNING, m);
}

/* A jpki error in the middle of a session: the card went away, or it answered wrongly. */
static enum signer_status card_failure(const struct signer_cfg *cfg, enum jpki_err e)
{
	enum signer_status st;

	if (e == JPKI_ETRANSPORT) {
		st = cfg->card->lost(cfg->card_ctx);
		if (st == SIGNER_EREMOVED) {
			say_msg(cfg, UI_ERROR, MSG_E_REMOVED);
			return st;
		}
		sayf(cfg, UI_ERROR, MSG_E_CARD, cfg->card->detail(cfg->card_ctx));
		return SIGNER_ECARD;
	}
	if (e == JPKI_ELOCKED) {
		say_msg(cfg, UI_ERROR, MSG_E_LOCKED);
		return SIGNER_ELOCKED;
	}
	sayf(cfg, UI_ERROR, MSG_E_CARD, jpki_strerror(e));
	return SIGNER_ECARD;
}

/* Wait for the card (step 11); the messages of a failure said. */
static enum signer_status open_card(const struct signer_cfg *cfg, struct jpki_transport *t)
{
	enum msg_id why = MSG_E_NO_CARD;
	enum signer_status st;

	say_msg(cfg, UI_HEADING, MSG_HOLD_CARD);
	sayf(cfg, UI_TEXT, MSG_HOLD_CARD_HINT, (cfg->card_timeout_ms + 999) / 1000);
	memset(t, 0, sizeof(*t));
	st = cfg->card->open(cfg->card_ctx, cfg->reader, cfg->card_timeout_ms, notify_cb,
	                     (void *)cfg, t, &why);
	if (st == SIGNER_ECANCEL)
		say_msg(cfg, UI_ERROR, MSG_E_CANCELLED);
	else if (st != SIGNER_OK) {
		if (why == MSG_E_CARD)
			sayf(cfg, UI_ERROR, MSG_E_CARD, cfg->card->detail(cfg->card_ctx));
		else
			say_msg(cfg, UI_ERROR, why);
	}
	return st;
}

/* The tries left, before any password is sent: SIGNER_OK to go on. */
static enum signer_status check_tries(const struct signer_cfg *cfg, struct jpki_transport *t)
{
	enum jpki_err e;
	int tries;

	say_msg(cfg, UI_PROGRESS, MSG_PROG_TRIES);
	e = jpki_tries_left(t, JPKI_EF_SIGN_PIN, &tries);
	if (e != JPKI_OK)
		return card_failure(cfg, e);
	if (tries == 0) {
		say_msg(cfg, UI_ERROR, MSG_E_LOCKED);
		return SIGNER_ELOCKED;
	}
	if (tries <= 2) {
		sayf(cfg, UI_WARNING, MSG_FEW_TRIES, tries);
		if (cfg->ui.interactive &&
		    !cfg->ui.confirm(cfg->ui.ctx, msg_get(cfg->lang, MSG_CONFIRM_CONTINUE))) {
			say_msg(cfg, UI_ERROR, MSG_E_CANCELLED);
			return SIGNER_ECANCEL;
		}
	}
	return SIGNER_OK;
}

/* VERIFY, after the tries left; a wrong password may be typed again when interactive. */
static enum signer_status verify_password(const struct signer_cfg *cfg, struct jpki_transport *t,
                                          char pw[JPKI_PW_MAX + 1])
{
	enum signer_status st;
	enum jpki_err e;
	int left;

	for (;;) {
		if ((st = check_tries(cfg, t)) != SIGNER_OK)
			return st;
		say_msg(cfg, UI_PROGRESS, MSG_PROG_VERIFY);
		e = jpki_verify(t, JPKI_EF_SIGN_PIN, pw, &left);
		if (e == JPKI_OK)
			return SIGNER_OK;
		if (e == JPKI_EWRONGPW && left > 0) {
			sayf(cfg, UI_ERROR, MSG_E_WRONG_PW, left);
			if (!cfg->ui.interactive)
				return SIGNER_EWRONGPW;
			explicit_bzero(pw, JPKI_PW_MAX + 1);
			if ((st = ask_password(cfg, pw)) != SIGNER_OK)
				return st;
			continue;
		}
		if (e == JPKI_ELOCKED || (e == JPKI_EWRONGPW && left == 0)) {
			say_msg(cfg, UI_ERROR, MSG_E_LOCKED_NOW);
			return SIGNER_ELOCKED;
		}
		return card_failure(cfg, e);
	}
}

/* The signing certificate (*cert malloc'd), refused out of its validity period or with
 * another key than RSA-2048. */
static enum signer_status read_certificate(const struct signer_cfg *cfg, struct jpki_transport *t,
                                           uint8_t **cert, size_t *certlen)
{
	enum cert_validity cv;
	enum jpki_err e;
	time_t nb = 0, na = 0;
	char when[128];

	say_msg(cfg, UI_PROGRESS, MSG_PROG_CERT);
	*cert = malloc(CADES_CERT_MAX);
	if (!*cert) {
		sayf(cfg, UI_ERROR, MSG_E_INTERNAL, "out of memory");
		return SIGNER_EINTERNAL;
	}
	e = jpki_read_ef(t, JPKI_EF_SIGN_CERT, *cert, CADES_CERT_MAX, certlen);
	if (e != JPKI_OK)
		return card_failure(cfg, e);
	cv = cades_cert_validity(*cert, *certlen, now_of(cfg), &nb, &na);
	if (cv == CERT_EXPIRED || cv == CERT_NOT_YET) {
		signer_format_time(cfg->lang, cv == CERT_EXPIRED ? na : nb, when, sizeof(when));
		sayf(cfg, UI_ERROR, cv == CERT_EXPIRED ? MSG_E_CERT_EXPIRED : MSG_E_CERT_NOT_YET,
		     when);
		return SIGNER_ECERTTIME;
	}
	if (cv != CERT_VALID || !cades_cert_key_ok(*cert, *certlen)) {
		say_msg(cfg, UI_ERROR, MSG_E_CERT_BAD);
		return SIGNER_ECARD;
	}
	return SIGNER_OK;
}

/* The CMS over the request's content, signed by the card. */
static enum signer_status sign_content(const struct signer_cfg *cfg, struct jpki_transport *t,
                                       const char *pw, const uint8_t *cert, size_t certlen,
                                       const struct signreq *req, uint8_t **cms, size_t *cmslen)
{
	struct card_sign_ctx sc = {t, pw, JPKI_OK};
	enum cades_err ce;
	int sign_rc = 0;

	say_msg(cfg, UI_PROGRESS, MSG_PROG_SIGN);
	ce = cades_sign_detached(cert, certlen, req->content, req->content_len, now_of(cfg),
	                         card_sign_cb, &sc, &sign_rc, cms, cmslen);
	if (ce == CADES_OK)
		return SIGNER_OK;
	if (ce == CADES_ESIGN)
		return card_failure(cfg, sc.err);
	if (ce == CADES_EVERIFY || ce == CADES_EKEY || ce == CADES_EINPUT) {
		sayf(cfg, UI_ERROR, MSG_E_CARD, cades_strerror(ce));
		return SIGNER_ECARD;
	}
	sayf(cfg, UI_ERROR, MSG_E_INTERNAL, cades_strerror(ce));
	return SIGNER_EINTERNAL;
}

/* One session with the card: tries, verify (the password may be typed again after a wrong
 * one when interactive), certificate, signature. */
static enum signer_status card_session(const struct signer_cfg *cfg, const struct signreq *req,
                                       char pw[JPKI_PW_MAX + 1], uint8_t **cms, size_t *cmslen)
{
	struct jpki_transport t;
	uint8_t *cert = NULL;
	size_t certlen = 0;
	enum signer_status st;

	st = open_card(cfg, &t);
	if (st != SIGNER_OK)
		return st;
	st = verify_password(cfg, &t, pw);
	if (st == SIGNER_OK)
		st = read_certificate(cfg, &t, &cert, &certlen);
	if (st == SIGNER_OK)
		st = sign_content(cfg, &t, pw, cert, certlen, req, cms, cmslen);
	cfg->card->close(cfg->card_ctx);
	free(cert);
	return st;
}

enum signer_status signer_sign(const struct signer_cfg *cfg, const struct signreq *req,
                               uint8_t **cms, size_t *cmslen)
{
	char pw[JPKI_PW_MAX + 1];
	enum signer_status st;

	*cms = NULL;
	*cmslen = 0;
	memset(pw, 0, sizeof(pw));
	/* step 9 */
	say_msg(cfg, UI_HEADING, MSG_START_TITLE);
	say_msg(cfg, UI_TEXT, MSG_START_1);
	say_msg(cfg, UI_TEXT, MSG_START_2);
	say_msg(cfg, UI_TEXT, MSG_START_3);
	/* step 10: checked by the rules before the card is touched */
	st = ask_password(cfg, pw);
	if (st != SIGNER_OK)
		goto out;
	/* steps 11-12 */
	for (int round = 0;; round++) {
		st = card_session(cfg, req, pw, cms, cmslen);
		if (st != SIGNER_ENOCARD && st != SIGNER_EREMOVED)
			break;
		if (!cfg->ui.interactive || round + 1 >= CARD_ROUNDS ||
		    !cfg->ui.confirm(cfg->ui.ctx, msg_get(cfg->lang, MSG_CONFIRM_RETRY)))
			break;
	}
out:
	explicit_bzero(pw, sizeof(pw));
	return st;
}

/* ---- files ----------------------------------------------------------------------------- */

int signer_write_file(const char *path, const void *data, size_t len)
{
	return file_write_atomic(path, data, len, 0644);
}

/* ---- the whole journey ------------------------------------------------------------------ */

static void show_request(const struct signer_cfg *cfg, const struct signer_source *src,
                         const struct signreq *req)
{
	char buf[TEXT_MAX], when[128];

	if (cfg->ui_request)
		cfg->ui_request(cfg->ui.ctx, src->link ? src->link->origin : src->file_name, req);
	say_msg(cfg, UI_HEADING, MSG_REQUEST_TITLE);
	if (src->link)
		sayf(cfg, UI_SITE, MSG_REQUEST_SITE, src->link->origin);
	else
		sayf(cfg, UI_SITE, MSG_REQUEST_FILE, src->file_name ? src->file_name : "-");
	sayf(cfg, UI_TEXT, MSG_REQUEST_PORTAL, req->portal_name);
	sayf(cfg, UI_TEXT, MSG_REQUEST_PROC, req->procedure_title);
	say_msg(cfg, UI_TEXT, MSG_REQUEST_LINES);
	for (size_t i = 0; i < req->nlines; i++) {
		snprintf(buf, sizeof(buf), "%s: %s", req->lines[i].label, req->lines[i].value);
		say(cfg, UI_FIELD, buf);
	}
	signer_format_time(cfg->lang, (time_t)req->expires_at, when, sizeof(when));
	sayf(cfg, UI_TEXT, MSG_REQUEST_EXPIRY, when);
}

static int is_json_type(const char *ct)
{
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static enum signer_status fetch(const struct signer_cfg *cfg, const struct signer_source *src,
                                struct signer_reply *r)
{
	char err[256] = "";

	say_msg(cfg, UI_PROGRESS, MSG_PROG_FETCH);
	if (!cfg->net || cfg->net->get(cfg->net_ctx, src->link->url, r, err, sizeof(err)) != 0) {
		sayf(cfg, UI_ERROR, MSG_E_NETWORK, err[0] ? err : "-");
		return SIGNER_ENETWORK;
	}
	if (r->status == 200) {
		if (!is_json_type(r->content_type)) {
			sayf(cfg, UI_ERROR, MSG_E_REQUEST, "Content-Type");
			return SIGNER_EREQUEST;
		}
		return SIGNER_OK;
	}
	switch (signer_get_error_parse(r->status, r->body, r->len)) {
	case PORTAL_NOT_FOUND:
		say_msg(cfg, UI_ERROR, MSG_E_NOT_FOUND);
		return SIGNER_EGONE;
	case PORTAL_EXPIRED:
		say_msg(cfg, UI_ERROR, MSG_E_EXPIRED);
		return SIGNER_EGONE;
	case PORTAL_USED:
		say_msg(cfg, UI_ERROR, MSG_E_USED);
		return SIGNER_EGONE;
	default:
		sayf(cfg, UI_ERROR, MSG_E_PORTAL_ANSWER, r->status);
		return SIGNER_ENETWORK;
	}
}

static enum signer_status post(const struct signer_cfg *cfg, const struct signer_source *src,
                               const uint8_t *cms, size_t cmslen)
{
	static const enum msg_id hints[] = {
	    [REASON_UNKNOWN] = MSG_COUNT,
	    [REASON_EXPIRED] = MSG_E_REFUSED_EXPIRED,
	    [REASON_REVOKED] = MSG_E_REFUSED_REVOKED,
	    [REASON_UNTRUSTED] = MSG_E_REFUSED_UNTRUSTED,
	    [REASON_BAD_SIGNATURE] = MSG_E_REFUSED_BAD_SIGNATURE,
	    [REASON_DIGEST_MISMATCH] = MSG_E_REFUSED_DIGEST,
	    [REASON_NOT_SIGNING_CERT] = MSG_E_REFUSED_NOT_SIGNING,
	};
	struct signer_reply r;
	struct portal_reply pr;
	char err[256] = "";
	enum signer_status st;

	memset(&r, 0, sizeof(r));
	say_msg(cfg, UI_PROGRESS, MSG_PROG_POST);
	if (cfg->net->post(cfg->net_ctx, src->link->url, "application/pkcs7-signature", cms, cmslen,
	                   &r, err, sizeof(err)) != 0) {
		sayf(cfg, UI_ERROR, MSG_E_NETWORK, err[0] ? err : "-");
		return SIGNER_ENETWORK;
	}
	signer_post_reply_parse(r.status, r.body, r.len, &pr);
	switch (pr.answer) {
	case PORTAL_SIGNED:
		st = SIGNER_OK;
		break;
	case PORTAL_REFUSED:
		say_msg(cfg, UI_ERROR, MSG_E_REFUSED);
		if (hints[pr.reason] != MSG_COUNT)
			say_msg(cfg, UI_ERROR, hints[pr.reason]);
		if (pr.message[0])
			sayf(cfg, UI_ERROR, MSG_E_PORTAL_SAYS, pr.message);
		st = SIGNER_EREFUSED;
		break;
	case PORTAL_EXPIRED:
		say_msg(cfg, UI_ERROR, MSG_E_EXPIRED);
		st = SIGNER_EGONE;
		break;
	case PORTAL_USED:
		say_msg(cfg, UI_ERROR, MSG_E_USED);
		st = SIGNER_EGONE;
		break;
	case PORTAL_NOT_FOUND:
		say_msg(cfg, UI_ERROR, MSG_E_NOT_FOUND);
		st = SIGNER_EGONE;
		break;
	default:
		sayf(cfg, UI_ERROR, MSG_E_PORTAL_ANSWER, r.status);
		if (pr.message[0]) /* a 503's: the signature was not recorded, sign again */
			sayf(cfg, UI_ERROR, MSG_E_PORTAL_SAYS, pr.message);
		st = SIGNER_ENETWORK;
		break;
	}
	signer_reply_release(&r);
	return st;
}

/* The request from the portal (after the allow-list) or the file, checked: *req. r keeps the
 * portal's answer. */
static enum signer_status load_request(const struct signer_cfg *cfg,
                                       const struct signer_source *src, struct signer_reply *r,
                                       struct signreq *req)
{
	const uint8_t *body = src->file_body;
	size_t len = src->file_len;
	enum signreq_err re;
	enum signer_status st;
	char why[64];

	if (src->link) {
		/* an allow-list refuses other portals before anything is shown or fetched */
		if (!signer_allow_match(src->allow, src->link)) {
			sayf(cfg, UI_ERROR, MSG_E_NOT_ALLOWED, src->link->origin);
			return SIGNER_ELINK;
		}
		st = fetch(cfg, src, r);
		if (st != SIGNER_OK)
			return st;
		body = r->body;
		len = r->len;
	}
	re = signreq_parse(body, len, src->link ? src->link->id : NULL, req, why, sizeof(why));
	if (re == SIGNREQ_EDIGEST) {
		say_msg(cfg, UI_ERROR, MSG_E_DIGEST);
		return SIGNER_EREQUEST;
	}
	if (re == SIGNREQ_ENOMEM) {
		sayf(cfg, UI_ERROR, MSG_E_INTERNAL, signreq_strerror(re));
		return SIGNER_EINTERNAL;
	}
	if (re != SIGNREQ_OK) {
		sayf(cfg, UI_ERROR, MSG_E_REQUEST, why[0] ? why : signreq_strerror(re));
		return SIGNER_EREQUEST;
	}
	if ((int64_t)now_of(cfg) > req->expires_at + CLOCK_SKEW_SECONDS) {
		say_msg(cfg, UI_ERROR, MSG_E_EXPIRED);
		return SIGNER_EGONE;
	}
	return SIGNER_OK;
}

/* --out and --content-out, when asked for. */
static enum signer_status write_outputs(const struct signer_cfg *cfg, const struct signreq *req,
                                        const uint8_t *cms, size_t cmslen)
{
	if (cfg->out_path) {
		if (signer_write_file(cfg->out_path, cms, cmslen) != 0) {
			sayf(cfg, UI_ERROR, MSG_E_WRITE, cfg->out_path);
			return SIGNER_EINTERNAL;
		}
		sayf(cfg, UI_PROGRESS, MSG_PROG_SAVED, cfg->out_path);
	}
	if (cfg->content_out_path) {
		if (signer_write_file(cfg->content_out_path, req->content, req->content_len) != 0) {
			sayf(cfg, UI_ERROR, MSG_E_WRITE, cfg->content_out_path);
			return SIGNER_EINTERNAL;
		}
		sayf(cfg, UI_PROGRESS, MSG_PROG_CONTENT_SAVED, cfg->content_out_path);
	}
	return SIGNER_OK;
}

enum signer_status signer_run(const struct signer_cfg *cfg, const struct signer_source *src)
{
	struct signer_reply r;
	struct signreq req;
	enum signer_status st;
	uint8_t *cms = NULL;
	size_t cmslen = 0;

	memset(&r, 0, sizeof(r));
	memset(&req, 0, sizeof(req));
	st = load_request(cfg, src, &r, &req);
	if (st == SIGNER_OK) {
		show_request(cfg, src, &req);
		st = signer_sign(cfg, &req, &cms, &cmslen);
	}
	if (st == SIGNER_OK)
		st = write_outputs(cfg, &req, cms, cmslen);
	if (st == SIGNER_OK && src->link)
		st = post(cfg, src, cms, cmslen);
	if (st == SIGNER_OK) { /* steps 12-13 */
		say_msg(cfg, UI_SUCCESS, MSG_DONE_TITLE);
		say_msg(cfg, UI_HEADING, MSG_DONE_SIGNED);
		say_msg(cfg, UI_TEXT, src->link ? MSG_DONE_BACK : MSG_DONE_OFFLINE);
	} else {
		say_msg(cfg, UI_HEADING, MSG_FAILED_TITLE);
	}
	if (cfg->ui.interactive && cfg->ui.close)
		cfg->ui.close(cfg->ui.ctx, msg_get(cfg->lang, MSG_CLOSE_PROMPT));
	free(cms);
	signreq_release(&req);
	signer_reply_release(&r);
	return st;
}
