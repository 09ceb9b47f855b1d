/* store_staff: the front of the staff calls (store.h): staff accounts, their roles per
 * procedure, TOTP steps used, recovery codes, enrolment tokens and staff sessions. */
#include "store/store_impl.h"

#include <string.h>

static int name_ok(const char *name)
{
	return store_text_ok(name, 1, STORE_STAFF_NAME_MAX, STORE_TEXT_LINE);
}

/* base32 of RFC 4648 (the alphabet of otpauth:// secrets), no padding. */
static int secret_ok(const char *secret)
{
	size_t len = secret ? strlen(secret) : 0;
	return secret && len <= STORE_TOTP_SECRET_MAX &&
	       strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == len;
}

static int role_ok(const char *role)
{
	return role && (strcmp(role, "viewer") == 0 || strcmp(role, "reviewer") == 0);
}

int store_staff_create(store *s, const char *email, const char *name, int is_admin, long long now,
                       long long *id)
{
	char key[STORE_EMAIL_MAX + 1];

	if (id)
		*id = 0;
	if (!STORE_READY(s) || !store_email_ok(email) || !name_ok(name) ||
	    (is_admin != 0 && is_admin != 1) || now <= 0)
		return STORE_EINPUT;
	store_email_key(email, key);
	return s->be->staff_create(s->ctx, email, key, name, is_admin, now, id);
}

int store_staff_by_email(store *s, const char *email, store_staff *out)
{
	char key[STORE_EMAIL_MAX + 1];
	int rc = store_get_check(s, store_email_ok(email), out, sizeof(*out));

	if (rc != STORE_OK)
		return rc;
	store_email_key(email, key);
	return s->be->staff_by_email(s->ctx, key, out);
}

int store_staff_by_id(store *s, long long id, store_staff *out)
{
	int rc = store_get_check(s, id > 0, out, sizeof(*out));
	return rc != STORE_OK ? rc : s->be->staff_by_id(s->ctx, id, out);
}

int store_staff_set_credentials(store *s, long long id, const char *pw_hash,
                                const char *totp_secret)
{
	if (!STORE_READY(s) || id <= 0 ||
	    !store_text_ok(pw_hash, 1, STORE_HASH_MAX, STORE_TEXT_LINE) || !secret_ok(totp_secret))
		return STORE_EINPUT;
	return s->be->staff_set_credentials(s->ctx, id, pw_hash, totp_secret);
}

int store_staff_set_enrolled(store *s, long long id, long long now)
{
	if (!STORE_READY(s) || id <= 0 || now <= 0)
		return STORE_EINPUT;
	return s->be->staff_set_enrolled(s->ctx, id, now);
}

int store_staff_role_set(store *s, long long staff_id, const char *proc_id, const char *role)
{
	if (!STORE_READY(s) || staff_id <= 0 || !store_proc_ok(proc_id, 1) || !role_ok(role))
		return STORE_EINPUT;
	return s->be->staff_role_set(s->ctx, staff_id, proc_id, role);
}

int store_staff_roles(store *s, long long staff_id, store_staff_role *out, size_t max, size_t *n)
{
	STORE_LIST_BY(s, staff_id > 0, out, max, n, staff_roles, staff_id);
}

int store_staff_totp_use(store *s, long long staff_id, long long step)
{
	if (!STORE_READY(s) || staff_id <= 0 || step < 0)
		return STORE_EINPUT;
	return s->be->staff_totp_use(s->ctx, staff_id, step);
}

int store_staff_recovery_set(store *s, long long staff_id, const char *const *code_hashes, size_t n,
                             long long now)
{
	int rc, own;

	if (!STORE_READY(s) || staff_id <= 0 || !code_hashes || n == 0 ||
	    n > STORE_RECOVERY_CODES_MAX || now <= 0)
		return STORE_EINPUT;
	for (size_t i = 0; i < n; i++)
		if (!store_hash_ok(code_hashes[i]))
			return STORE_EINPUT;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->staff_recovery_set(s->ctx, staff_id, code_hashes, n, now);
	return store_tx_end(s, own, rc);
}

int store_staff_recovery_use(store *s, long long staff_id, const char *code_hash, long long now)
{
	if (!STORE_READY(s) || staff_id <= 0 || !store_hash_ok(code_hash) || now <= 0)
		return STORE_EINPUT;
	return s->be->staff_recovery_use(s->ctx, staff_id, code_hash, now);
}

int store_staff_recovery_left(store *s, long long staff_id, long long *left)
{
	if (left)
		*left = 0;
	if (!STORE_READY(s) || staff_id <= 0 || !left)
		return STORE_EINPUT;
	return s->be->staff_recovery_left(s->ctx, staff_id, left);
}

int store_staff_enrol_token_create(store *s, const char *token_hash, long long staff_id,
                                   long long expires_at)
{
	if (!STORE_READY(s) || !store_hash_ok(token_hash) || staff_id <= 0 || expires_at <= 0)
		return STORE_EINPUT;
	return s->be->staff_enrol_token_create(s->ctx, token_hash, staff_id, expires_at);
}

/* get and consume share their checks and the rule that *staff_id is 0 unless found. */
static int enrol_token_call(store *s, const char *token_hash, long long now, long long *staff_id,
                            int consume)
{
	long long id = 0;
	int rc;

	if (staff_id)
		*staff_id = 0;
	if (!STORE_READY(s) || !store_hash_ok(token_hash) || !staff_id)
		return STORE_EINPUT;
	rc = consume ? s->be->staff_enrol_token_consume(s->ctx, token_hash, now, &id)
	             : s->be->staff_enrol_token_get(s->ctx, token_hash, now, &id);
	if (rc == STORE_OK)
		*staff_id = id;
	return rc;
}

int store_staff_enrol_token_get(store *s, const char *token_hash, long long now,
                                long long *staff_id)
{
	return enrol_token_call(s, token_hash, now, staff_id, 0);
}

int store_staff_enrol_token_consume(store *s, const char *token_hash, long long now,
                                    long long *staff_id)
{
	return enrol_token_call(s, token_hash, now, staff_id, 1);
}

int store_staff_session_create(store *s, const store_session *sess)
{
	if (!STORE_READY(s) || !sess || !memchr(sess->id_hash, '\0', sizeof(sess->id_hash)) ||
	    !store_hash_ok(sess->id_hash) || sess->account_id <= 0 ||
	    !memchr(sess->csrf, '\0', sizeof(sess->csrf)) ||
	    !store_text_ok(sess->csrf, 1, STORE_CSRF_MAX, STORE_TEXT_LINE))
		return STORE_EINPUT;
	return s->be->staff_session_create(s->ctx, sess);
}

int store_staff_session_get(store *s, const char *id_hash, store_session *out)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash) || !out)
		return STORE_EINPUT;
	return s->be->staff_session_get(s->ctx, id_hash, out);
}

int store_staff_session_touch(store *s, const char *id_hash, long long now)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->staff_session_touch(s->ctx, id_hash, now);
}

int store_staff_sessions_expire(store *s, long long idle_before, long long created_before)
{
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->staff_sessions_expire(s->ctx, idle_before, created_before);
}

int store_staff_session_delete(store *s, const char *id_hash)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash))
		return STORE_EINPUT;
	return s->be->staff_session_delete(s->ctx, id_hash);
}
