/* decision: a staff member's decision on an application (受付, 審査中, 処理完了, 申請却下,
 * 差し戻し, as the transition table of core/application.c allows them) and an internal note
 * (内部メモ), each as one store transaction: for a decision the new status with its event
 * (the reason or message as the event's note, which the applicant's my page shows), the
 * audit row and, when the application has an account, the mail to the applicant and its
 * record; for a note the note and its audit row. Any part failing applies nothing. A
 * decision is made against what its form showed (the status and the newest event): when
 * another has changed the application since, nothing is applied. No HTTP, no SQL. */
#ifndef MADOGUCHI_DECISION_H
#define MADOGUCHI_DECISION_H

#include <stddef.h>

#include "core/submit.h"
#include "store/store.h"

/* One decision as the form sent it. */
typedef struct decision_request {
	const char *receipt;
	long long staff_id;
	const char *seen_status; /* the status the form was shown with */
	long long seen_event;    /* the application's newest event then */
	const char *to;          /* the new status */
	const char *text;        /* reason or message as decision_text_clean left it ("" none) */
	const char *peer;        /* client address, for the audit row */
	const submit_site *site; /* the portal as the mail names it */
	long long now;
	long long api_key_id; /* > 0: a back-office system's key decides, not staff_id */
} decision_request;

enum decision_outcome {
	DECISION_FAIL,       /* a store failure: nothing applied */
	DECISION_DONE,       /* applied */
	DECISION_NOTFOUND,   /* no such application */
	DECISION_FORBIDDEN,  /* not a reviewer (審査) of its procedure (for a note: no role); for
	                        a key: not one of its procedures, or a key that only reads */
	DECISION_REFUSED,    /* not a change staff may make from the status shown */
	DECISION_NEEDS_TEXT, /* a rejection without its reason, a return without its message */
	DECISION_CONFLICT,   /* changed by another since the form was shown: nothing applied */
};

/* Applies rq in one transaction of its own (s has none open). *mailed: 1 when a mail to
 * the applicant was queued with it. */
enum decision_outcome decision_apply(store *s, const decision_request *rq, int *mailed);

/* Adds the internal note body (as decision_text_clean left it, not empty) of staff member
 * staff_id, who needs a role (閲覧 or 審査) on the application's procedure, with its audit
 * row, in one transaction of its own. DECISION_DONE, _NOTFOUND, _FORBIDDEN or _FAIL. */
enum decision_outcome decision_note(store *s, const char *receipt, long long staff_id,
                                    const char *body, const char *peer, long long now);

/* A text typed into a reason, message or note field (len bytes): carriage returns dropped,
 * white space around it trimmed, into out (outlen bytes). 0, or -1 when it is not UTF-8,
 * holds a character utf8_typed_ok refuses in a text of several lines, or is longer than
 * STORE_NOTE_MAX bytes then. */
int decision_text_clean(const char *in, size_t len, char *out, size_t outlen);

/* The mail telling the applicant of application receipt (procedure title) that its status is
 * now to, with text (the reason or message, "" for none) and the link to my page. Texts
 * longer than the buffers are cut. */
void decision_mail(const submit_site *site, const char *receipt, const char *title, const char *to,
                   const char *text, char *subject, size_t subject_len, char *body,
                   size_t body_len);

#endif
