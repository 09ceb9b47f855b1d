/* staff: staff accounts' rules (see staff.h). */
#include "core/staff.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/throttle.h"
#include "core/totp.h"
#include "util/log.h"

/* The recovery codes' alphabet: base32's lower-case letters and digits 2-7, so that no 0/O
 * or 1/l is ever confused. */
#define RC_ALPHABET "abcdefghijklmnopqrstuvwxyz234567"
#define RC_CHARS 10

int staff_enrol_link(store *s, long long staff_id, long long now, char *token)
{
	char hash[65];
	if (token_new(token) < 0)
		return STORE_ENOMEM;
	token_sha256_hex(token, TOKEN_LEN, hash);
	return store_staff_enrol_token_create(s, hash, staff_id, now + STAFF_ENROL_SECONDS);
}

int staff_invite_with(store *s, const char *email, const char *name, int is_admin, long long now,
                      char *token, long long *id, staff_invite_more more, void *arg)
{
	long long sid = 0;
	int rc;

	if (id)
		*id = 0;
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if ((rc = store_staff_create(s, email, name, is_admin, now, &sid)) == STORE_OK)
		rc = staff_enrol_link(s, sid, now, token);
	if (rc == STORE_OK && more)
		rc = more(s, sid, token, arg);
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc == STORE_OK && id)
		*id = sid;
	return rc;
}

int staff_invite(store *s, const char *email, const char *name, int is_admin, long long now,
                 char *token, long long *id)
{
	return staff_invite_with(s, email, name, is_admin, now, token, id, NULL, NULL);
}

int staff_recovery_hash(const char *code, char *out)
{
	char norm[RC_CHARS + 1];
	size_t n = 0;

	for (const char *p = code; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		char c = (char)tolower((unsigned char)*p);
		if (n == RC_CHARS || !strchr(RC_ALPHABET, c) || c == '\0')
			return -1;
		norm[n++] = c;
	}
	if (n != RC_CHARS)
		return -1;
	norm[n] = '\0';
	token_sha256_hex(norm, n, out);
	return 0;
}

int staff_recovery_new(store *s, long long staff_id, long long now,
                       char codes[STAFF_RECOVERY_CODES][STAFF_RECOVERY_LEN + 1])
{
	unsigned char raw[STAFF_RECOVERY_CODES * RC_CHARS];
	char hashes[STAFF_RECOVERY_CODES][65];
	const char *ptrs[STAFF_RECOVERY_CODES];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return STORE_ENOMEM;
	for (size_t i = 0; i < STAFF_RECOVERY_CODES; i++) {
		char *c = codes[i];
		for (size_t j = 0, k = 0; j < RC_CHARS; j++) {
			if (j == RC_CHARS / 2)
				c[k++] = '-';
			/* 256 is a multiple of 32: every character equally likely */
			c[k++] = RC_ALPHABET[raw[i * RC_CHARS + j] % 32];
		}
		c[STAFF_RECOVERY_LEN] = '\0';
		if (staff_recovery_hash(c, hashes[i]) < 0)
			return STORE_EINPUT;
		ptrs[i] = hashes[i];
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return store_staff_recovery_set(s, staff_id, ptrs, STAFF_RECOVERY_CODES, now);
}

int staff_second_factor(store *s, const store_staff *st, const char *code, long long now)
{
	char hash[65];
	long long step = 0;
	int rc, m;

	if (strlen(code) == TOTP_DIGITS) {
		m = totp_check(st->totp_secret, code, now, &step);
		if (m <= 0)
			return m;
		rc = store_staff_totp_use(s, st->id, step);
		return rc == STORE_OK ? 1 : rc == STORE_ECONFLICT ? 0 : -1;
	}
	if (staff_recovery_hash(code, hash) < 0)
		return 0;
	rc = store_staff_recovery_use(s, st->id, hash, now);
	return rc == STORE_OK ? 1 : rc == STORE_ENOTFOUND ? 0 : -1;
}

/* 1 when the password and the code are the enrolled staff member's, 0 when not (or the
 * address is unknown: the same hashing work then), -1 when the store cannot say. */
static int credentials_match(store *s, const login_rules *rules, const char *email, const char *pw,
                             size_t len, const char *code, long long now, store_staff *st)
{
	char hash[STORE_HASH_MAX + 1];
	int e = store_staff_by_email(s, email, st);

	if (e == STORE_OK && st->enrolled_at && st->pw_hash[0])
		return password_verify(st->pw_hash, pw, len) == 1
		           ? staff_second_factor(s, st, code, now)
		           : 0;
	if (e != STORE_OK && e != STORE_ENOTFOUND) {
		log_error("staff login: lookup: %s", store_errmsg(s));
		return -1;
	}
	if (password_hash(&rules->pw, pw, len, hash, sizeof(hash)) < 0)
		log_error("staff login: password hashing failed");
	return 0;
}

struct credentials_check {
	const login_rules *rules;
	const char *email, *pw, *code;
	size_t len;
	long long now;
	store_staff *st;
};

static int check_credentials(store *s, void *arg)
{
	struct credentials_check *c = arg;
	return credentials_match(s, c->rules, c->email, c->pw, c->len, c->code, c->now, c->st);
}

enum login_result staff_login_attempt(store *s, const login_rules *rules, const char *email,
                                      const char *peer, const char *pw, size_t len,
                                      const char *code, long long now, store_staff *st,
                                      long long *wait_until)
{
	char key_a[STORE_THROTTLE_KEY_MAX + 1];
	struct credentials_check c = {rules, email, pw, code, len, now, st};
	throttle_email_key(key_a, sizeof(key_a), "staff-login", email);
	return login_guarded(s, rules, key_a, peer, now, wait_until, check_credentials, &c);
}

/* The staff member the typed address names: its id, 0 for none, -1 when the store cannot
 * say. */
static long long staff_named(store *s, const char *email)
{
	store_staff st;
	int e = email && *email ? store_staff_by_email(s, email, &st) : STORE_ENOTFOUND;
	if (e == STORE_OK)
		return st.id;
	return e == STORE_ENOTFOUND || e == STORE_EINPUT ? 0 : -1;
}

int staff_audit(store *s, long long staff_id, const char *email, const char *action,
                const char *detail, const char *peer, long long now)
{
	long long id = staff_id > 0 ? staff_id : staff_named(s, email);
	return staff_audit_app(s, id, NULL, action, detail, peer, now);
}

int audit_record(store *s, const char *actor, const char *receipt, const char *action,
                 const char *detail, const char *peer, long long now)
{
	audit_row row;
	memset(&row, 0, sizeof(row));
	snprintf(row.actor, sizeof(row.actor), "%s", actor);
	row.at = now;
	snprintf(row.action, sizeof(row.action), "%s", action);
	if (receipt)
		snprintf(row.receipt, sizeof(row.receipt), "%s", receipt);
	snprintf(row.detail, sizeof(row.detail), "%s", detail ? detail : "");
	snprintf(row.peer, sizeof(row.peer), "%s", peer ? peer : "");
	int e = store_audit_append(s, &row);
	if (e != STORE_OK)
		log_error("audit: %s not written: %s", action, store_errmsg(s));
	return e == STORE_OK ? 0 : -1;
}

int staff_audit_app(store *s, long long id, const char *receipt, const char *action,
                    const char *detail, const char *peer, long long now)
{
	char actor[AUDIT_ACTOR_MAX + 1];
	if (id > 0)
		audit_actor_staff(id, actor, sizeof(actor));
	else
		snprintf(actor, sizeof(actor), "%s", id < 0 ? "system" : "anonymous");
	return audit_record(s, actor, receipt, action, detail, peer, now);
}

enum staff_role staff_role_pick(const store_staff_role *roles, size_t n, const char *proc_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(roles[i].proc_id, proc_id) == 0)
			return strcmp(roles[i].role, "reviewer") == 0 ? STAFF_REVIEWER
			                                              : STAFF_VIEWER;
	return STAFF_NO_ROLE;
}

int staff_role_of(store *s, long long staff_id, const char *proc_id, enum staff_role *role)
{
	store_staff_role roles[STORE_INBOX_PROCS_MAX];
	size_t n = 0;
	*role = STAFF_NO_ROLE;
	if (store_staff_roles(s, staff_id, roles, STORE_INBOX_PROCS_MAX, &n) != STORE_OK)
		return -1;
	*role = staff_role_pick(roles, n, proc_id);
	return 0;
}
