/* store_stamps: the signature time-stamps and the queue of their requests (store.h). */
#include "store/store_impl.h"

#include <limits.h>
#include <stdlib.h>

#include "core/application.h"

static int version_ok(const char *receipt, const char *digest)
{
	return app_receipt_valid(receipt) && store_hash_ok(digest);
}

int store_timestamp_queue(store *s, const char *receipt, const char *digest, long long now)
{
	if (!STORE_READY(s) || !version_ok(receipt, digest) || now <= 0)
		return STORE_EINPUT;
	return s->be->timestamp_queue(s->ctx, receipt, digest, now);
}

int store_timestamps_claim(store *s, long long now, long long lease, store_timestamp *out,
                           size_t max, size_t *n)
{
	size_t got = 0;
	int own,
	    rc = store_list_check(s, lease > 0 && now > 0 && lease <= LLONG_MAX - now, out, max, n);

	if (rc != STORE_OK || max == 0)
		return rc;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->timestamps_claim(s->ctx, now, now + lease, out, max, &got);
	return store_listed(store_tx_end(s, own, rc), got, n);
}

int store_timestamp_stamped(store *s, long long id, const char *imprint, long long gen_time,
                            const void *token, size_t len, long long now)
{
	if (!STORE_READY(s) || id <= 0 || !store_hash_ok(imprint) || !token || len == 0 ||
	    len > STORE_TIMESTAMP_MAX || now <= 0)
		return STORE_EINPUT;
	return s->be->timestamp_stamped(s->ctx, id, imprint, gen_time, token, len, now);
}

int store_timestamp_failed(store *s, long long id, long long next_at, const char *error)
{
	char clean[sizeof(((store_timestamp *)0)->last_error)];

	if (!STORE_READY(s) || id <= 0)
		return STORE_EINPUT;
	store_clean_error(error ? error : "", clean, sizeof(clean));
	return s->be->timestamp_failed(s->ctx, id, next_at, clean);
}

int store_timestamp_get(store *s, const char *receipt, const char *digest, store_timestamp *out)
{
	int rc = store_get_check(s, version_ok(receipt, digest), out, sizeof(*out));

	return rc != STORE_OK ? rc : s->be->timestamp_get(s->ctx, receipt, digest, out);
}

void store_timestamp_release(store_timestamp *t)
{
	if (!t)
		return;
	free(t->token);
	t->token = NULL;
	t->token_len = 0;
}
