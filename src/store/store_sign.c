/* store_sign: the requests for a signature by the signing app. */
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sign requests ---- */

/* The statuses a sign request can be finished with (it is created "pending"). */
static int sign_finish_status_ok(const char *status)
{
	return status && (strcmp(status, "signed") == 0 || strcmp(status, "refused") == 0);
}

/* The fields of r that create stores, as store.h states them. The fixed-size strings must
 * end inside their arrays before they are read as strings. */
static int sign_request_ok(const store_sign_request *r)
{
	if (!memchr(r->id_hash, '\0', sizeof(r->id_hash)) ||
	    !memchr(r->draft_key, '\0', sizeof(r->draft_key)) ||
	    !memchr(r->digest, '\0', sizeof(r->digest)) ||
	    !memchr(r->proc_title, '\0', sizeof(r->proc_title)))
		return 0;
	return store_hash_ok(r->id_hash) && store_draft_key_ok(r->draft_key) &&
	       store_hash_ok(r->digest) &&
	       store_text_ok(r->proc_title, 1, STORE_TITLE_MAX, STORE_TEXT_LINE) &&
	       store_text_ok(r->content, 1, STORE_CONTENT_MAX, STORE_TEXT_ANY) &&
	       store_text_ok(r->display, 1, STORE_CONTENT_MAX, STORE_TEXT_ANY) &&
	       r->created_at > 0 && r->expires_at > r->created_at;
}

int store_sign_request_create(store *s, const store_sign_request *r)
{
	if (!STORE_READY(s) || !r || !sign_request_ok(r))
		return STORE_EINPUT;
	return s->be->sign_request_create(s->ctx, r);
}

int store_sign_request_get(store *s, const char *id_hash, store_sign_request *out)
{
	int rc = store_get_check(s, store_hash_ok(id_hash), out, sizeof(*out));

	return rc != STORE_OK ? rc : s->be->sign_request_get(s->ctx, id_hash, out);
}

int store_sign_request_finish(store *s, const char *id_hash, const char *status, const void *sig,
                              size_t sig_len, const char *verification, const void *ocsp,
                              size_t ocsp_len, long long now)
{
	int rc, own = 0;

	if (!STORE_READY(s) || !store_hash_ok(id_hash) || !sign_finish_status_ok(status) ||
	    now <= 0 || !store_text_ok(verification, 1, STORE_VERIFICATION_MAX, STORE_TEXT_ANY))
		return STORE_EINPUT;
	if (sig_len == 0 ? sig != NULL : !sig || sig_len > STORE_SIGNATURE_MAX)
		return STORE_EINPUT;
	if (strcmp(status, "signed") == 0 && sig_len == 0)
		return STORE_EINPUT;
	if (ocsp_len == 0 ? ocsp != NULL
	                  : !ocsp || ocsp_len > STORE_OCSP_RESPONSE_MAX || strcmp(status, "signed"))
		return STORE_EINPUT;
	/* The update and, when it changed nothing, the look-up that tells "absent" from
	 * "used or expired" see the same state. */
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->sign_request_finish(s->ctx, id_hash, status, sig, sig_len, verification, ocsp,
	                                ocsp_len, now);
	return store_tx_end(s, own, rc);
}

int store_sign_request_signed(store *s, const char *draft_key, const char *digest,
                              store_sign_request *out)
{
	int rc = store_get_check(s, store_draft_key_ok(draft_key) && store_hash_ok(digest), out,
	                         sizeof(*out));

	return rc != STORE_OK ? rc : s->be->sign_request_signed(s->ctx, draft_key, digest, out);
}

int store_sign_request_signed_other(store *s, const char *draft_key, const char *digest, int *any)
{
	int v = 0, rc;

	if (any)
		*any = 0;
	if (!STORE_READY(s) || !store_draft_key_ok(draft_key) || !store_hash_ok(digest) || !any)
		return STORE_EINPUT;
	if ((rc = s->be->sign_request_signed_other(s->ctx, draft_key, digest, &v)) != STORE_OK)
		return rc;
	*any = v != 0;
	return STORE_OK;
}

int store_sign_requests_prune(store *s, long long before, long long *n)
{
	STORE_COUNT_BY(s, 1, n, sign_requests_prune, before);
}

int store_sign_requests_cancel(store *s, const char *draft_key, long long *n)
{
	STORE_COUNT_BY(s, store_draft_key_ok(draft_key), n, sign_requests_cancel, draft_key);
}

void store_sign_request_release(store_sign_request *r)
{
	if (!r)
		return;
	store_free_record(&r->content, &r->display, &r->signature, &r->verification,
	                  &r->signature_len);
	free(r->ocsp_response);
	r->ocsp_response = NULL;
	r->ocsp_response_len = 0;
}
