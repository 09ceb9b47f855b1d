/* store_api: the API keys of the back-office systems (store.h). */
#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

#include "core/application.h"

/* 64 lower-case hex digits. */
static int hex64(const char *h)
{
	return h && strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64;
}

static int scope_ok(const char *scope)
{
	return scope && (!strcmp(scope, "read") || !strcmp(scope, "read_status"));
}

int store_api_key_add(store *s, const char *name, const char *secret_hash, const char *scope,
                      long long created_by, const char *const *procs, size_t nprocs, long long now,
                      long long *id)
{
	store_api_key k;
	int own = 0, rc;
	size_t n = name ? strlen(name) : 0;
	if (!STORE_READY(s) || n < 1 || n > STORE_API_NAME_MAX || !hex64(secret_hash) ||
	    !scope_ok(scope) || created_by < 1 || nprocs < 1 || nprocs > STORE_API_PROCS_MAX ||
	    now <= 0 || !id)
		return STORE_EINPUT;
	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < nprocs; i++) {
		if (!store_token_ok(procs[i], STORE_PROC_ID_MAX))
			return STORE_EINPUT;
		snprintf(k.procs[i], sizeof(k.procs[i]), "%s", procs[i]);
	}
	k.nprocs = nprocs;
	snprintf(k.name, sizeof(k.name), "%s", name);
	snprintf(k.secret_hash, sizeof(k.secret_hash), "%s", secret_hash);
	snprintf(k.scope, sizeof(k.scope), "%s", scope);
	k.created_by = created_by;
	k.created_at = now;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	return store_tx_end(s, own, s->be->api_key_add(s->ctx, &k, id));
}

int store_api_key_get(store *s, long long id, store_api_key *out)
{
	int rc = store_get_check(s, id > 0, out, sizeof(*out));
	if (rc == STORE_OK)
		rc = s->be->api_key_get(s->ctx, id, out);
	if (rc == STORE_OK)
		rc = s->be->api_key_procs(s->ctx, id, out);
	return rc;
}

int store_api_key_list(store *s, store_api_key *out, size_t max, size_t *n)
{
	size_t got = 0;
	int rc = store_list_check(s, 1, out, max, n);
	if (rc != STORE_OK || max == 0)
		return rc;
	rc = s->be->api_key_list(s->ctx, out, max, &got);
	for (size_t i = 0; rc == STORE_OK && i < got; i++)
		rc = s->be->api_key_procs(s->ctx, out[i].id, &out[i]);
	return store_listed(rc, got, n);
}

int store_api_key_revoke(store *s, long long id, long long now)
{
	if (!STORE_READY(s) || id < 1 || now <= 0)
		return STORE_EINPUT;
	return s->be->api_key_revoke(s->ctx, id, now);
}

int store_api_key_used(store *s, long long id, long long now)
{
	if (!STORE_READY(s) || id < 1 || now <= 0)
		return STORE_EINPUT;
	return s->be->api_key_used(s->ctx, id, now);
}

int store_api_key_event(store *s, long long event_id, long long key_id)
{
	if (!STORE_READY(s) || event_id < 1 || key_id < 1)
		return STORE_EINPUT;
	return s->be->api_key_event(s->ctx, event_id, key_id);
}

int store_api_page(store *s, const char *proc_id, long long after_at, const char *after_receipt,
                   store_application *out, size_t max, size_t *n)
{
	int ok = store_token_ok(proc_id, STORE_PROC_ID_MAX) &&
	         (!after_receipt || (after_at > 0 && app_receipt_valid(after_receipt)));
	STORE_LIST_BY(s, ok, out, max, n, api_page, proc_id, after_at, after_receipt);
}
