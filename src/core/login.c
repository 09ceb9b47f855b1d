/* login: one login attempt (see login.h). */
#include "core/login.h"

#include <stdio.h>

#include "core/throttle.h"
#include "util/log.h"

/* The counts before anything is written: an address or client already over its limit waits. */
static enum login_result check_counts(store *s, const login_rules *rules, const char *key_a,
                                      const char *key_ip, long long now, long long *wait_until)
{
	long long oldest_a = 0, oldest_i = 0, since = now - rules->lock_seconds;
	int ua = throttle_room(s, key_a, since, rules->max_failures, &oldest_a);
	int ui = throttle_room(s, key_ip, since, rules->max_failures * 4, &oldest_i);
	if (ua < 0 || ui < 0) {
		log_error("login: the throttle cannot count: %s", store_errmsg(s));
		return LOGIN_UNAVAILABLE;
	}
	if (!ua || !ui) {
		*wait_until = (!ua ? oldest_a : oldest_i) + rules->lock_seconds;
		return LOGIN_LOCKED;
	}
	return LOGIN_OK;
}

/* The attempt counts against the address before the password is hashed, so that attempts
 * made at once cannot all pass the count together (each one's row is in before its
 * recount): of any attempts in one window, at most max_failures get past here. A right
 * password clears the count again. When the row cannot be written, *reserved stays 0 and
 * the attempt goes on unreserved: a wrong password is then refused because its failure
 * cannot be counted (login_attempt), a right one still logs in. */
static enum login_result reserve(store *s, const login_rules *rules, const char *key_a,
                                 long long now, long long *wait_until, int *reserved)
{
	long long n = 0, oldest = 0;
	*reserved = 0;
	if (store_throttle_add(s, key_a, now) != STORE_OK)
		return LOGIN_OK;
	*reserved = 1;
	if (store_throttle_count(s, key_a, now - rules->lock_seconds, &n, &oldest) != STORE_OK) {
		log_error("login: the attempt cannot be counted: %s", store_errmsg(s));
		return LOGIN_UNAVAILABLE;
	}
	if (n > rules->max_failures) {
		*wait_until = oldest + rules->lock_seconds;
		return LOGIN_LOCKED;
	}
	return LOGIN_OK;
}

static enum login_result throttles(store *s, const login_rules *rules, const char *key_a,
                                   const char *key_ip, long long now, long long *wait_until,
                                   int *reserved)
{
	*reserved = 0;
	enum login_result t = check_counts(s, rules, key_a, key_ip, now, wait_until);
	return t == LOGIN_OK ? reserve(s, rules, key_a, now, wait_until, reserved) : t;
}

/* 1 when the password is the account's, 0 when not (or the address is unknown), -1 when the
 * store cannot say. The same work whether the address is registered or not. */
static int password_matches(store *s, const login_rules *rules, const char *email, const char *pw,
                            size_t len, store_account *acct)
{
	char hash[STORE_HASH_MAX + 1];
	int e = store_account_by_email(s, email, acct);
	if (e == STORE_OK)
		return password_verify(acct->pw_hash, pw, len);
	if (e != STORE_ENOTFOUND) {
		log_error("login: account lookup: %s", store_errmsg(s));
		return -1;
	}
	/* an unknown address is a wrong password, whatever the hash gives */
	if (password_hash(&rules->pw, pw, len, hash, sizeof(hash)) < 0)
		log_error("login: password hashing failed");
	return 0;
}

static enum login_result count_failure(store *s, const char *key_a, const char *key_ip,
                                       long long now, int reserved)
{
	/* the address's row is in already when the attempt was reserved */
	if ((!reserved && store_throttle_add(s, key_a, now) != STORE_OK) ||
	    store_throttle_add(s, key_ip, now) != STORE_OK) {
		log_error("login: a failure not counted: %s", store_errmsg(s));
		return LOGIN_UNAVAILABLE;
	}
	return LOGIN_BAD;
}

enum login_result login_guarded(store *s, const login_rules *rules, const char *key_a,
                                const char *peer, long long now, long long *wait_until,
                                login_check check, void *arg)
{
	char key_ip[STORE_THROTTLE_KEY_MAX + 1];
	int reserved = 0;
	snprintf(key_ip, sizeof(key_ip), "ip:%s", peer);
	enum login_result t = throttles(s, rules, key_a, key_ip, now, wait_until, &reserved);
	if (t != LOGIN_OK)
		return t;
	int good = check(s, arg);
	if (good < 0)
		return LOGIN_UNAVAILABLE;
	if (!good)
		return count_failure(s, key_a, key_ip, now, reserved);
	/* the right answer: its reserved row and the earlier failures go; if that fails the
	 * count stays and may wait sooner, which only errs on the safe side */
	if (store_throttle_clear(s, key_a) != STORE_OK)
		log_error("login: failures not cleared: %s", store_errmsg(s));
	return LOGIN_OK;
}

struct password_check {
	const login_rules *rules;
	const char *email, *pw;
	size_t len;
	store_account *acct;
};

static int check_password(store *s, void *arg)
{
	struct password_check *c = arg;
	return password_matches(s, c->rules, c->email, c->pw, c->len, c->acct);
}

enum login_result login_attempt(store *s, const login_rules *rules, const char *email,
                                const char *peer, const char *pw, size_t len, long long now,
                                store_account *acct, long long *wait_until)
{
	char key_a[STORE_THROTTLE_KEY_MAX + 1];
	struct password_check c = {rules, email, pw, len, acct};
	throttle_email_key(key_a, sizeof(key_a), "login", email);
	enum login_result t =
	    login_guarded(s, rules, key_a, peer, now, wait_until, check_password, &c);
	return t == LOGIN_OK && !acct->verified_at ? LOGIN_UNVERIFIED : t;
}
