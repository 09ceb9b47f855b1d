/* throttle: counting requests per key in a sliding window of the store, for the limits of
 * accounts (login failures, mails a mailbox gets, registrations and made-up reset links per
 * client address). A throttle that cannot count refuses: every function here tells a store
 * error apart from "under the limit", and the callers refuse on it. */
#ifndef MADOGUCHI_THROTTLE_H
#define MADOGUCHI_THROTTLE_H

#include <stddef.h>

#include "store/store.h"

#define THROTTLE_MAIL_PER_HOUR 5 /* mails one mailbox gets in an hour */

/* "kind:address" into out with the address folded as account lookups fold it
 * (store_email_key), so that the case variants of one address share one count. */
void throttle_email_key(char *out, size_t outlen, const char *kind, const char *email);

/* 1 when key has fewer than max entries at or after since, 0 when it has max or more, -1
 * when the store cannot tell. *oldest (may be NULL) gets the earliest entry of the window. */
int throttle_room(store *s, const char *key, long long since, long long max, long long *oldest);

/* Mail-sending requests are limited per address, so that the portal cannot be used to
 * flood a mailbox: 1 when one more may be sent at now (and counts it), 0 when the cap is
 * reached, -1 on a store error. */
int throttle_mail_quota(store *s, const char *email, long long now);

#endif
