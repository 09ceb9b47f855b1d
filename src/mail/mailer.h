/* mailer: the portal's outgoing mail. Mails are written to the outbox (store.h) in the same
 * transaction as what caused them; one sender thread per portal process claims the due ones
 * with a lease, sends them over SMTP with libcurl, and marks them sent, or failed with a
 * retry time that doubles from mail_retry_seconds up to an hour. Several portal processes
 * may each run a sender: the lease keeps them from taking the same mail.
 * With mail_mode "dev" no sender runs: mails stay in the outbox for the /dev/mail page.
 * mail_build_message() is the pure RFC 5322 / MIME builder, kept apart so tests can use it. */
#ifndef MADOGUCHI_MAILER_H
#define MADOGUCHI_MAILER_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/config.h"

enum mail_err {
	MAIL_OK = 0,
	MAIL_EINPUT,  /* a header value with CR, LF or another control, or an unusable address */
	MAIL_ENOMEM,  /* malloc failed or the output buffer reached its maximum */
	MAIL_ESTORE,  /* the sender could not open its database connection */
	MAIL_ETHREAD, /* the sender thread (or libcurl) could not be started */
};
const char *mail_strerror(int err);

/* Appends to out a complete message in CRLF line ends: Date (date, Japan time), From, To,
 * Subject (RFC 2047 UTF-8 "B" encoded words of at most 68 characters, folded, never splitting
 * a UTF-8 character; plain when short printable ASCII), Message-ID (random @ msgid_domain),
 * MIME-Version, Content-Type text/plain UTF-8, Content-Transfer-Encoding base64,
 * Auto-Submitted: auto-generated (RFC 3834: no auto-replies to it), then the
 * body with its line ends made CRLF (the canonical form of text, RFC 2045) in base64 lines of
 * 76 characters. Every line is at most 78 characters except a To or From line longer than
 * that because of a long address (at most 998, RFC 5322).
 * Returns MAIL_EINPUT, appending nothing, when from or to is not a plain address
 * (empty, longer than 254, without '@', or with spaces, controls, '<', '>', ',', ';', '"'
 * or '\\'), when subject has a control character (CR or LF: header injection) or is not
 * valid UTF-8, or when msgid_domain is unusable; MAIL_ENOMEM when out is full. */
int mail_build_message(buf *out, const char *from, const char *to, const char *subject,
                       const char *body, time_t date, const char *msgid_domain);

/* As mail_build_message for the outbox mail mail_id (> 0), with a Message-ID made of date,
 * mail_id and msgid_domain instead of a random one, so every try of one mail carries the
 * same Message-ID (a receiver can drop a copy sent again after a lost reply). */
int mail_build_outbox_message(buf *out, const char *from, const char *to, const char *subject,
                              const char *body, time_t date, const char *msgid_domain,
                              long long mail_id);

/* 1 when addr is a plain address mail_build_message accepts, else 0. */
int mail_address_ok(const char *addr);

typedef struct mailer mailer;

/* Starts the sender for cfg (copied): opens its own store connection (cfg->database) and its
 * thread. With cfg->mail_mode "dev" it starts nothing and returns a mailer whose kick and
 * stop do nothing else. On failure returns non-zero, writes a message into err and *out is
 * NULL. The caller owns *out and ends it with mailer_stop. */
int mailer_start(mailer **out, const config *cfg, char *err, size_t errlen);
/* Wakes the sender now (a request just committed a mail). Thread-safe; m may be NULL. */
void mailer_kick(mailer *m);
/* The same for app.mail_kick (void *ctx: the mailer). */
void mailer_kick_cb(void *m);
/* Stops the sender, joins its thread and frees m (NULL: nothing). A send in progress gets a
 * few seconds to finish, then is aborted (and retried at the next start); it never waits
 * longer than the SMTP timeouts. Mails claimed but not yet tried are taken again after
 * their lease. */
void mailer_stop(mailer *m);

#endif
