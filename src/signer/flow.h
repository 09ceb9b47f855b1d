/* flow: the signing app's journey (docs/seed-journey.md steps 8-13) apart from its terminal, card
 * reader and network, which come in as const structs of function pointers: the terminal UI
 * (main.c), the PC/SC card (pcsc.c) and the libcurl client (net.c) in the program; an
 * in-process virtual card, a scripted UI and no network in tests/unit/test_signer.c.
 *
 * Order of events, each failure with its own message and status (= the exit code):
 *   allow-list (before anything is shown) -> fetch the request (or read the file) -> check it
 *   (fields, SHA-256(content) == digest, id, expiry) -> show the portal's host, the procedure
 *   and the lines -> 「電子署名を開始します」 -> the password (checked by the rules before any card
 *   access) -> 「マイナンバーカードをかざしてください」 (wait with a time limit) -> tries left
 * first (none: locked, nothing sent; two or fewer: warning) -> VERIFY -> read the signing
 *   certificate, refuse it out of its validity period -> the CMS, signed by the card -> write
 *   --out / --content-out -> POST to the portal -> 「電子署名が完了しました。」 */
#ifndef MADOGUCHI_SIGNER_FLOW_H
#define MADOGUCHI_SIGNER_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jpki/jpki.h"
#include "signer/msg.h"
#include "signer/signreq.h"

/* The outcome of the app; each is also its exit code (documented in --help). */
enum signer_status {
	SIGNER_OK = 0,
	SIGNER_EINTERNAL = 1,  /* out of memory, OpenSSL, cannot write a file */
	SIGNER_EUSAGE = 2,     /* options, no terminal, broken allow-list file */
	SIGNER_ELINK = 3,      /* malformed link, http to a remote host, portal not allowed */
	SIGNER_EREQUEST = 4,   /* the request is malformed or its digest does not match */
	SIGNER_EGONE = 5,      /* request not found, expired or already used */
	SIGNER_ENETWORK = 6,   /* no connection, TLS, timeout, unexpected answer */
	SIGNER_EREFUSED = 7,   /* the portal refused the signature (422) */
	SIGNER_ENOREADER = 8,  /* no card reader, or the PC/SC service is not running */
	SIGNER_ENOCARD = 9,    /* no card within the time limit */
	SIGNER_EREMOVED = 10,  /* the card went away mid-way */
	SIGNER_EPWFORMAT = 11, /* malformed password, refused before any card access */
	SIGNER_EWRONGPW = 12,  /* wrong password, tries left */
	SIGNER_ELOCKED = 13,   /* password locked: nothing sent */
	SIGNER_ECERTTIME = 14, /* signing certificate expired or not yet valid */
	SIGNER_ECARD = 15,     /* not a My Number Card, unexpected status word, bad certificate */
	SIGNER_ECANCEL = 16,   /* the person stopped */
};

/* ---- the user interface -------------------------------------------------------------- */

enum ui_kind {
	UI_HEADING,  /* a screen's title */
	UI_SITE,     /* the portal that asks: shown prominently */
	UI_TEXT,     /* ordinary text */
	UI_FIELD,    /* one line to be signed: "label: value" (value may hold newlines) */
	UI_NOTE,     /* ※ notes */
	UI_PROGRESS, /* what is being done right now */
	UI_WARNING,
	UI_ERROR,
	UI_SUCCESS,
};

struct signer_ui {
	void *ctx;
	/* 1: a person at a terminal: questions are asked, and a malformed or wrong password can be
	 * typed again; 0: automation (--password-fd): no question, one password. */
	int interactive;
	void (*print)(void *ctx, enum ui_kind kind, const char *text);
	/* Read one password into buf (cap bytes, NUL-terminated): 0, or -1 (end of input or
	 * cancelled). The flow wipes buf after use. */
	int (*password)(void *ctx, const char *prompt, char *buf, size_t cap);
	/* A yes/no question (interactive only): 1 yes, 0 no. */
	int (*confirm)(void *ctx, const char *question);
	/* The last screen's button (「閉じる」): waits for the person (interactive only). */
	void (*close)(void *ctx, const char *label);
};

/* ---- the card ------------------------------------------------------------------------ */

typedef void (*signer_notify_fn)(void *nctx, enum msg_id m);

struct signer_card_ops {
	/* Wait up to timeout_ms for a card with the JPKI-AP (in a reader whose name contains
	 * reader, when not NULL), select the AP and hand out its transport. Events worth telling
	 * the person (no reader yet, a card that is not a My Number Card) go to notify. On failure
	 * returns SIGNER_ENOREADER, SIGNER_ENOCARD, SIGNER_ECARD or SIGNER_EINTERNAL and sets
	 * *why to the message to show, or SIGNER_ECANCEL when the front end cancelled the wait
	 * (signer_pcsc_cancel). */
	enum signer_status (*open)(void *ctx, const char *reader, int timeout_ms,
	                           signer_notify_fn notify, void *nctx, struct jpki_transport *t,
	                           enum msg_id *why);
	/* After JPKI_ETRANSPORT: SIGNER_EREMOVED when the card went away (removed, lost contact,
	 * reader unplugged), else SIGNER_ECARD. */
	enum signer_status (*lost)(void *ctx);
	/* A short description of the last card-level failure; never NULL. */
	const char *(*detail)(void *ctx);
	/* End the session: the card is reset (no verified state left behind). */
	void (*close)(void *ctx);
};

/* ---- the network --------------------------------------------------------------------- */

struct signer_reply {
	long status;   /* HTTP status */
	uint8_t *body; /* malloc'd, at most SIGNREQ_BODY_MAX bytes (NUL-terminated) */
	size_t len;
	char content_type[128];
};
void signer_reply_release(struct signer_reply *r);

struct signer_net_ops {
	/* GET / POST url. 0 with *r filled (the caller releases it), or -1 with a short reason in
	 * err (no connection, TLS, timeout, answer over SIGNREQ_BODY_MAX). */
	int (*get)(void *ctx, const char *url, struct signer_reply *r, char *err, size_t errcap);
	int (*post)(void *ctx, const char *url, const char *content_type, const uint8_t *body,
	            size_t len, struct signer_reply *r, char *err, size_t errcap);
};

/* ---- running it ----------------------------------------------------------------------- */

struct signer_cfg {
	enum msg_lang lang;
	struct signer_ui ui;
	const struct signer_card_ops *card;
	void *card_ctx;
	const struct signer_net_ops *net; /* may be NULL without a link */
	void *net_ctx;
	const char *reader;   /* NULL: any reader */
	int card_timeout_ms;  /* > 0 */
	const char *out_path; /* NULL: no file */
	const char *content_out_path;
	time_t now; /* 0: the clock; tests set it */
	/* Optional, for a front end that draws its own screens (src/signer/gtk), both called with
	 * ui.ctx: every message with its id (MSG_COUNT for a line to be signed) instead of
	 * ui.print, and the request about to be shown with the portal's origin (or the file). */
	void (*ui_message)(void *ctx, enum ui_kind kind, enum msg_id id, const char *text);
	void (*ui_request)(void *ctx, const char *origin, const struct signreq *req);
};

/* Where the request comes from: a link (fetched, and the signature posted back), or the
 * bytes of a request file (offline: the signature only goes to --out). */
struct signer_source {
	const struct signer_link *link;
	const struct signer_allow *allow; /* may be NULL (no allow-list) */
	const char *file_name;            /* for the screen */
	const uint8_t *file_body;
	size_t file_len;
};

/* The whole journey. */
enum signer_status signer_run(const struct signer_cfg *cfg, const struct signer_source *src);

/* Steps 9-12 alone: the start screen, the password, the card, the CMS over req->content.
 * *cms (malloc'd) and *cmslen on success. */
enum signer_status signer_sign(const struct signer_cfg *cfg, const struct signreq *req,
                               uint8_t **cms, size_t *cmslen);

/* The rules on what the person typed: full-width letters and digits (as a Japanese input
 * method may give them) become ASCII, letters become upper case, then 6 to 16 of A-Z 0-9.
 * JPKI_OK, JPKI_EPWLEN or JPKI_EPWCHARS (out is then wiped). */
enum jpki_err signer_password_normalise(const char *in, char out[JPKI_PW_MAX + 1]);

/* Write len bytes to path atomically (a temporary file in the same directory, fsync, rename).
 * 0, or -1 with errno. */
int signer_write_file(const char *path, const void *data, size_t len);

/* "2026年(令和8年)4月1日 23:59（日本時間）" / "2026-04-01 23:59 JST" of t. */
void signer_format_time(enum msg_lang lang, time_t t, char *out, size_t cap);

#endif
