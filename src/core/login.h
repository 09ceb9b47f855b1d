/* login: the decision of one login attempt (seed step 4) over the store, without HTTP: the
 * throttles of the account's address and of the client address, the account lookup, the
 * password check and the counting of failures. Sessions are the caller's (http/session.h).
 * Every store error refuses the login (LOGIN_UNAVAILABLE): a throttle that cannot count, an
 * account that cannot be looked up or a failure that cannot be counted never lets one in. */
#ifndef MADOGUCHI_LOGIN_H
#define MADOGUCHI_LOGIN_H

#include <stddef.h>

#include "core/account.h"
#include "store/store.h"

typedef struct login_rules {
	long long max_failures; /* of one address within lock_seconds; a client gets 4 times it */
	long long lock_seconds; /* the window, and how long the wait lasts */
	pw_params pw;           /* to hash the password of an unknown address all the same */
} login_rules;

enum login_result {
	LOGIN_OK,          /* *acct is the account; its failure count was cleared */
	LOGIN_BAD,         /* unknown address or wrong password (counted; one answer for both) */
	LOGIN_UNVERIFIED,  /* the right password, the address not yet confirmed */
	LOGIN_LOCKED,      /* too many failures: *wait_until is when the next try is counted */
	LOGIN_UNAVAILABLE, /* the store failed: refused */
};

/* One attempt at now of email (as account_check_email gave it) with pw (len bytes) from the
 * client address peer. acct receives the account on LOGIN_OK and LOGIN_UNVERIFIED;
 * wait_until is set on LOGIN_LOCKED. */
enum login_result login_attempt(store *s, const login_rules *rules, const char *email,
                                const char *peer, const char *pw, size_t len, long long now,
                                store_account *acct, long long *wait_until);

/* What an attempt checks once its throttles let it through: 1 when the credentials are
 * right, 0 when not, -1 when the store cannot say. */
typedef int (*login_check)(store *s, void *arg);

/* The one throttle protocol of every login-like attempt (residents' login, staff login, a
 * staff member's first TOTP code): the failures of key_a (the address's or the account's
 * key) and of the client address peer (allowed 4 times as many) since now - lock_seconds are
 * read first; when both have room the attempt is counted under key_a before check runs (a
 * password hash) and counted again, so that attempts made together cannot all pass; a wrong
 * answer is counted under both keys, a right one clears key_a. LOGIN_OK, LOGIN_BAD,
 * LOGIN_LOCKED with *wait_until, or LOGIN_UNAVAILABLE when the store fails (never in). */
enum login_result login_guarded(store *s, const login_rules *rules, const char *key_a,
                                const char *peer, long long now, long long *wait_until,
                                login_check check, void *arg);

#endif
