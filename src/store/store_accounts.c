/* store_accounts: accounts, one-time tokens, sessions and login throttling. */
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accounts ---- */

int store_account_create(store *s, const char *email, const char *pw_hash, long long now,
                         long long *id)
{
	char key[STORE_EMAIL_MAX + 1];

	if (id)
		*id = 0;
	if (!STORE_READY(s) || !store_email_ok(email) ||
	    !store_text_ok(pw_hash, 0, STORE_HASH_MAX, STORE_TEXT_LINE))
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_create(s->ctx, email, key, pw_hash, now, id);
}

int store_account_by_email(store *s, const char *email, store_account *out)
{
	char key[STORE_EMAIL_MAX + 1];

	if (!STORE_READY(s) || !store_email_ok(email) || !out)
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_by_email(s->ctx, key, out);
}

int store_account_by_id(store *s, long long id, store_account *out)
{
	if (!STORE_READY(s) || id <= 0 || !out)
		return STORE_EINPUT;
	return s->be->account_by_id(s->ctx, id, out);
}

int store_account_set_verified(store *s, long long id, long long now)
{
	if (!STORE_READY(s) || id <= 0)
		return STORE_EINPUT;
	return s->be->account_set_verified(s->ctx, id, now);
}

int store_account_set_password(store *s, long long id, const char *pw_hash)
{
	if (!STORE_READY(s) || id <= 0 ||
	    !store_text_ok(pw_hash, 0, STORE_HASH_MAX, STORE_TEXT_LINE))
		return STORE_EINPUT;
	return s->be->account_set_password(s->ctx, id, pw_hash);
}

int store_account_set_email(store *s, long long id, const char *email)
{
	char key[STORE_EMAIL_MAX + 1];

	if (!STORE_READY(s) || id <= 0 || !store_email_ok(email))
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->account_set_email(s->ctx, id, email, key);
}

int store_account_delete(store *s, long long id)
{
	char owner[32];
	int rc, own;

	if (!STORE_READY(s) || id <= 0)
		return STORE_EINPUT;
	/* Unsent drafts are personal data with no purpose left; applications stay (their
	 * account_id becomes NULL by the foreign key). */
	store_account_owner(id, owner, sizeof(owner));
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->drafts_delete_open_of(s->ctx, owner)) == STORE_OK)
		rc = s->be->account_delete(s->ctx, id);
	return store_tx_end(s, own, rc);
}

/* ---- tokens ---- */

static int kind_ok(const char *kind)
{
	return store_text_ok(kind, 1, STORE_TOKEN_KIND_MAX, STORE_TEXT_LINE);
}

int store_token_create(store *s, const char *kind, const char *token_hash, long long account_id,
                       const char *data, long long expires_at)
{
	if (!STORE_READY(s) || !kind_ok(kind) || !store_hash_ok(token_hash) || account_id <= 0 ||
	    (data && !store_text_ok(data, 0, STORE_TOKEN_DATA_MAX - 1, STORE_TEXT_ANY)))
		return STORE_EINPUT;
	return s->be->token_create(s->ctx, kind, token_hash, account_id, data, expires_at);
}

int store_token_consume(store *s, const char *kind, const char *token_hash, long long now,
                        long long *account_id, char *data, size_t datalen)
{
	long long acct = 0;
	int rc, own;

	if (account_id)
		*account_id = 0;
	if (data && datalen)
		data[0] = '\0';
	if (!STORE_READY(s) || !kind_ok(kind) || !store_hash_ok(token_hash) ||
	    (data && datalen < STORE_TOKEN_DATA_MAX))
		return STORE_EINPUT;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->token_consume(s->ctx, kind, token_hash, now, &acct, data, datalen);
	rc = store_tx_end(s, own, rc);
	if (rc != STORE_OK) {
		if (data)
			data[0] = '\0';
		return rc;
	}
	if (account_id)
		*account_id = acct;
	return STORE_OK;
}

int store_tokens_delete(store *s, long long account_id, const char *kind)
{
	if (!STORE_READY(s) || account_id <= 0 || (kind && !kind_ok(kind)))
		return STORE_EINPUT;
	return s->be->tokens_delete(s->ctx, account_id, kind);
}

/* ---- sessions ---- */

int store_session_create(store *s, const store_session *sess)
{
	if (!STORE_READY(s) || !sess || !memchr(sess->id_hash, '\0', sizeof(sess->id_hash)) ||
	    !store_hash_ok(sess->id_hash) || sess->account_id < 0 ||
	    !memchr(sess->csrf, '\0', sizeof(sess->csrf)) ||
	    !store_text_ok(sess->csrf, 1, STORE_CSRF_MAX, STORE_TEXT_LINE))
		return STORE_EINPUT;
	return s->be->session_create(s->ctx, sess);
}

int store_session_get(store *s, const char *id_hash, store_session *out)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash) || !out)
		return STORE_EINPUT;
	return s->be->session_get(s->ctx, id_hash, out);
}

int store_session_touch(store *s, const char *id_hash, long long now)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->session_touch(s->ctx, id_hash, now);
}

int store_session_delete(store *s, const char *id_hash)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->session_delete(s->ctx, id_hash);
}

int store_sessions_delete_for_account(store *s, long long account_id, const char *keep_hash)
{
	if (!STORE_READY(s) || account_id <= 0 || (keep_hash && !store_hash_ok(keep_hash)))
		return STORE_EINPUT;
	return s->be->sessions_delete_for_account(s->ctx, account_id, keep_hash);
}

int store_sessions_expire(store *s, long long idle_before, long long created_before)
{
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->sessions_expire(s->ctx, idle_before, created_before);
}

/* ---- throttling ---- */

static int key_ok(const char *key)
{
	return store_text_ok(key, 1, STORE_THROTTLE_KEY_MAX, STORE_TEXT_LINE);
}

int store_throttle_add(store *s, const char *key, long long now)
{
	if (!STORE_READY(s) || !key_ok(key))
		return STORE_EINPUT;
	return s->be->throttle_add(s->ctx, key, now);
}

int store_throttle_count(store *s, const char *key, long long since, long long *count,
                         long long *oldest)
{
	long long c = 0, o = 0;
	int rc;

	if (count)
		*count = 0;
	if (oldest)
		*oldest = 0;
	if (!STORE_READY(s) || !key_ok(key) || !count)
		return STORE_EINPUT;
	if ((rc = s->be->throttle_count(s->ctx, key, since, &c, &o)) != STORE_OK)
		return rc;
	*count = c;
	if (oldest)
		*oldest = c > 0 ? o : 0;
	return STORE_OK;
}

int store_throttle_clear(store *s, const char *key)
{
	if (!STORE_READY(s) || !key_ok(key))
		return STORE_EINPUT;
	return s->be->throttle_clear(s->ctx, key);
}

int store_throttle_prune(store *s, long long before)
{
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->throttle_prune(s->ctx, before);
}
