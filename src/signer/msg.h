/* msg: the words of the signing app in Japanese (the default, verbatim from the city's guide
 * where it has them: docs/seed-journey.md steps 9-13) and English (--lang en). Every
 * message has both; the printf conversions of the two are the same (tests/unit/test_signer.c
 * checks it). */
#ifndef MADOGUCHI_SIGNER_MSG_H
#define MADOGUCHI_SIGNER_MSG_H

#include <stddef.h>

enum msg_lang { LANG_JA = 0, LANG_EN = 1 };

enum msg_id {
	/* what is asked, by whom */
	MSG_REQUEST_TITLE,  /* heading of the request screen */
	MSG_REQUEST_SITE,   /* %s: the portal's origin (scheme://host[:port]) */
	MSG_REQUEST_FILE,   /* %s: the request file (offline signing) */
	MSG_REQUEST_PORTAL, /* %s: portal_name as the portal states it */
	MSG_REQUEST_PROC,   /* %s: procedure title */
	MSG_REQUEST_LINES,  /* heading of the lines */
	MSG_REQUEST_EXPIRY, /* %s: date and time */
	/* step 9 */
	MSG_START_TITLE,
	MSG_START_1,
	MSG_START_2,
	MSG_START_3,
	/* step 10 */
	MSG_PW_TITLE,
	MSG_PW_LENGTH,
	MSG_PW_NOTE_UPPER,
	MSG_PW_NOTE_LOCK,
	MSG_PW_NOTE_COUNTER,
	MSG_PW_PROMPT,
	MSG_PW_BAD_LENGTH,
	MSG_PW_BAD_CHARS,
	MSG_PW_NOT_SENT,
	/* step 11 */
	MSG_HOLD_CARD,
	MSG_HOLD_CARD_HINT, /* %d: seconds */
	MSG_WAIT_READER,
	MSG_NOT_JPKI_CARD,
	MSG_CARD_BUSY,
	/* progress */
	MSG_PROG_FETCH,
	MSG_PROG_TRIES,
	MSG_PROG_VERIFY,
	MSG_PROG_CERT,
	MSG_PROG_SIGN,
	MSG_PROG_SAVED,         /* %s: file */
	MSG_PROG_CONTENT_SAVED, /* %s: file */
	MSG_PROG_POST,
	MSG_FEW_TRIES, /* %d: tries left */
	MSG_CONFIRM_CONTINUE,
	MSG_CONFIRM_RETRY,
	/* steps 12-13 */
	MSG_DONE_TITLE,
	MSG_DONE_SIGNED,
	MSG_DONE_BACK,
	MSG_DONE_OFFLINE,
	MSG_CLOSE,
	MSG_CLOSE_PROMPT,
	/* failures */
	MSG_E_NO_SERVICE,
	MSG_E_NO_READER,
	MSG_E_NO_CARD,
	MSG_E_REMOVED,
	MSG_E_NOT_JPKI,
	MSG_E_CARD,     /* %s: detail */
	MSG_E_WRONG_PW, /* %d: tries left */
	MSG_E_LOCKED,
	MSG_E_LOCKED_NOW,
	MSG_E_CERT_EXPIRED, /* %s: end of validity */
	MSG_E_CERT_NOT_YET, /* %s: start of validity */
	MSG_E_CERT_BAD,
	MSG_E_LINK, /* %s: detail */
	MSG_E_LINK_INSECURE,
	MSG_E_NOT_ALLOWED, /* %s: origin */
	MSG_E_REQUEST,     /* %s: detail */
	MSG_E_DIGEST,
	MSG_E_NOT_FOUND,
	MSG_E_EXPIRED,
	MSG_E_USED,
	MSG_E_NETWORK,       /* %s: detail */
	MSG_E_PORTAL_ANSWER, /* %ld: HTTP status */
	MSG_E_REFUSED,
	MSG_E_REFUSED_EXPIRED,
	MSG_E_REFUSED_REVOKED,
	MSG_E_REFUSED_UNTRUSTED,
	MSG_E_REFUSED_BAD_SIGNATURE,
	MSG_E_REFUSED_DIGEST,
	MSG_E_REFUSED_NOT_SIGNING,
	MSG_E_PORTAL_SAYS, /* %s: the portal's message */
	MSG_E_INTERNAL,    /* %s: detail */
	MSG_E_CANCELLED,
	MSG_E_WRITE, /* %s: file */
	MSG_E_NEED_TTY,
	MSG_E_PW_INPUT,
	MSG_E_USAGE,      /* %s: detail */
	MSG_E_ALLOW_FILE, /* %s: file, %zu: line */
	MSG_FAILED_TITLE,
	/* the window (src/signer/gtk) */
	MSG_W_TITLE,
	MSG_W_STEP, /* %d: step, %d: of */
	MSG_W_LOADING,
	MSG_W_NEED,
	MSG_W_LINE_LABEL,
	MSG_W_LINE_VALUE,
	MSG_W_PW_LABEL,
	MSG_W_PW_SHOW,
	MSG_W_NEXT,
	MSG_W_CANCEL,
	MSG_W_YES,
	MSG_W_NO,
	MSG_W_Q_CONTINUE,
	MSG_W_Q_RETRY,
	MSG_W_PLACE_CARD,
	MSG_W_PLACE_HINT,
	MSG_W_LARGE,
	MSG_W_CONTRAST,
	MSG_W_BUSY,
	MSG_W_WHAT_HAPPENED,
	MSG_W_WHAT_TO_DO,
	MSG_W_DO_COUNTER,
	MSG_W_DO_READER,
	MSG_W_DO_CARD,
	MSG_W_DO_BROWSER,
	MSG_W_DO_PASSWORD,
	MSG_W_DO_CANCELLED,
	MSG_W_DO_OTHER,
	MSG_HELP,
	MSG_COUNT
};

/* The text of id in lang (a printf format where the comment above says so); never NULL. An
 * unknown id or language gives "". */
const char *msg_get(enum msg_lang lang, enum msg_id id);
/* The name of id ("MSG_E_WRONG_PW"), for tests; never NULL. */
const char *msg_name(enum msg_id id);

/* snprintf of msg_get(lang, id) into out (cap bytes); returns out. */
char *msg_fmt(char *out, size_t cap, enum msg_lang lang, enum msg_id id, ...);

#endif
