/* stamp: the round of the signature time-stamp queue (see stamp.h). */
#include "sig/stamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig/tsa.h"
#include "util/enc.h"
#include "util/log.h"

#define LEASE 120                   /* seconds a claimed request is this round's */
#define RETRY_MAX 3600              /* the retry delay doubles up to this */
#define GIVE_UP_AFTER (3 * 86400)   /* a request still failing this long after it was queued */
#define NEVER (100LL * 365 * 86400) /* next_at offset of a request not tried again */

int stamp_given_up(const store_timestamp *t)
{
	return !t->stamped_at && t->next_at - t->created_at > NEVER / 2;
}

long long stamp_retry_delay(long retry_seconds, int attempts)
{
	long long d = retry_seconds > 0 ? retry_seconds : 60;
	for (int i = 1; i < attempts && d < RETRY_MAX; i++)
		d *= 2;
	return d < RETRY_MAX ? d : RETRY_MAX;
}

/* Records the failure of t (err) with its next try at next (never when final, or when it
 * has been failing too long): 0, or -1 when the store failed. */
static int failed(store *s, const store_timestamp *t, long long now, long long next,
                  const char *err, int final)
{
	char msg[300];
	snprintf(msg, sizeof(msg), "%.250s", err);
	if (final || now - t->created_at > GIVE_UP_AFTER) {
		next = now + NEVER;
		snprintf(msg, sizeof(msg), "given up after %d attempts: %.200s", t->attempts + 1,
		         err);
	}
	log_error("time-stamp of %s: %s", t->receipt, msg);
	int rc = store_timestamp_failed(s, t->id, next, msg);
	if (rc != STORE_OK)
		log_error("time-stamp of %s: %s", t->receipt, store_errmsg(s));
	return rc == STORE_OK ? 0 : -1;
}

/* The imprint of the version t names into imprint: 0; 1 when it cannot be stamped (*why:
 * gone, corrected since, unsigned, a signature that does not parse); -1 on a store error. */
static int version_imprint(store *s, const store_timestamp *t, uint8_t imprint[32],
                           const char **why)
{
	store_application ap;
	int rc = store_application_get(s, t->receipt, &ap);
	if (rc == STORE_ENOTFOUND)
		*why = "the application is gone";
	if (rc != STORE_OK)
		return rc == STORE_ENOTFOUND ? 1 : -1;
	rc = 1;
	if (strcmp(ap.digest, t->digest) != 0)
		*why = "the application was corrected since";
	else if (!ap.signature_len)
		*why = "the application is not signed";
	else if (tsa_signature_imprint((const uint8_t *)ap.signature, ap.signature_len, imprint) !=
	         0)
		*why = "the signature does not parse";
	else
		rc = 0;
	store_application_release(&ap);
	return rc;
}

/* One claimed request: 1 stamped, 2 given up without asking, 0 the TSA failed (the round
 * stops), -1 a store error. */
static int stamp_one(store *s, const struct stamp_config *c, const store_timestamp *t,
                     long long now)
{
	uint8_t imprint[32];
	const char *why = "";
	int v = version_imprint(s, t, imprint, &why);
	if (v != 0)
		return v < 0 || failed(s, t, now, now, why, 1) < 0 ? -1 : 2;
	struct tsa_query q = {c->url, c->ca_file, c->timeout_ms, c->timeout_ms / 2};
	struct tsa_token tok;
	char err[256], hex[65];
	if (tsa_stamp(&q, imprint, &tok, err, sizeof(err)) != 0) {
		long long next = now + stamp_retry_delay(c->retry_seconds, t->attempts + 1);
		return failed(s, t, now, next, err, 0) < 0 ? -1 : 0;
	}
	hex_encode(imprint, 32, hex);
	int rc =
	    store_timestamp_stamped(s, t->id, hex, (long long)tok.gen_time, tok.der, tok.len, now);
	free(tok.der);
	if (rc != STORE_OK) {
		log_error("time-stamp of %s: not stored: %s", t->receipt, store_errmsg(s));
		return -1;
	}
	log_info("time-stamp of %s stored", t->receipt);
	return 1;
}

int stamp_round(store *s, const struct stamp_config *c, long long now)
{
	int stamped = 0;
	if (!c->url || !c->url[0])
		return 0;
	for (int i = 0; i < STAMP_ROUND_MAX; i++) {
		store_timestamp t;
		size_t n = 0;
		if (store_timestamps_claim(s, now, LEASE, &t, 1, &n) != STORE_OK) {
			log_error("time-stamps: cannot claim: %s", store_errmsg(s));
			return -1;
		}
		if (n == 0)
			break;
		int r = stamp_one(s, c, &t, now);
		store_timestamp_release(&t);
		if (r < 0)
			return -1;
		if (r == 0) /* the authority failed: the others wait for the next round */
			break;
		stamped += r == 1;
	}
	return stamped;
}
