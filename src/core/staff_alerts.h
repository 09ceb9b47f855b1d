/* staff_alerts: the mails that tell staff of new applications, without HTTP: one per arrival
 * (queued by submit_record inside the submission's transaction) or one digest an hour (sent
 * by the hourly housekeeping and by `madoguchi staff digest`), as each staff member chose per
 * procedure (/staff/settings/alerts; no choice: no mail). A mail names the receipt number
 * and the procedure's title, never what the applicant wrote. */
#ifndef MADOGUCHI_STAFF_ALERTS_H
#define MADOGUCHI_STAFF_ALERTS_H

#include "core/submit.h"

/* At most this many staff members get a mail per arrival of one procedure. */
#define STAFF_ALERTS_MAX 64
/* A digest is due an hour after the last one; the timer may fire a little early. */
#define STAFF_DIGEST_SECONDS 3300

/* In the caller's transaction: an alert mail of application receipt of proc_id (title) to
 * every staff member with the "each" alert and a role on it. STORE_* code. */
int staff_alerts_queue(store *s, const submit_site *site, const char *proc_id, const char *title,
                       const char *receipt, long long now);

/* A procedure's title for the digest (borrowed; NULL: the procedure's id is shown). */
typedef const char *(*staff_title_fn)(const char *proc_id, void *arg);
/* The staff_title_fn of a proc_catalog (arg; NULL: none). */
const char *staff_alerts_title(const char *proc_id, void *catalog);

/* The digests due at now (all == 0: the hourly ones whose last digest is STAFF_DIGEST_SECONDS
 * old; all == 1: every hourly alert with arrivals, for the command): one mail per staff
 * member counting the arrivals per procedure since its last digest, each mail and the
 * times it covered in one transaction. The number of mails queued, or -1 on a store error
 * (the mails queued before it stay). */
int staff_alerts_digest(store *s, const submit_site *site, staff_title_fn title, void *arg,
                        long long now, int all);

#endif
