/* staff: the rules of staff accounts over the store, without HTTP: inviting a staff member
 * (an enrolment link valid 24 hours), the recovery codes, and one login attempt with
 * password and second factor (a TOTP code, each step once, or a single-use recovery code),
 * throttled as residents' logins are (core/login.h). Every store error refuses. */
#ifndef MADOGUCHI_STAFF_H
#define MADOGUCHI_STAFF_H

#include <stddef.h>

#include "core/login.h"
#include "store/store.h"
#include "util/token.h"

#define STAFF_ENROL_SECONDS (24 * 3600)
#define STAFF_RECOVERY_CODES 10
#define STAFF_RECOVERY_LEN 11 /* "xxxxx-xxxxx": 10 base32 characters, 50 bits */

/* Creates the staff member (no password, no secret yet) and an enrolment token valid
 * STAFF_ENROL_SECONDS from now, in one transaction; token (TOKEN_LEN + 1 bytes) gets the
 * token for the link. STORE_ECONFLICT when the address is taken, another STORE_* code on
 * other failures. *id (may be NULL) gets the new staff id. */
int staff_invite(store *s, const char *email, const char *name, int is_admin, long long now,
                 char *token, long long *id);
/* More work inside staff_invite_with's transaction once the staff member id and its token
 * exist (the audit row and the mail of the console): a STORE_* code, non-OK rolls all back. */
typedef int (*staff_invite_more)(store *s, long long id, const char *token, void *arg);
/* staff_invite with more (may be NULL) run inside its transaction. */
int staff_invite_with(store *s, const char *email, const char *name, int is_admin, long long now,
                      char *token, long long *id, staff_invite_more more, void *arg);
/* A new enrolment token of staff member staff_id valid STAFF_ENROL_SECONDS from now, in the
 * caller's transaction or none; token (TOKEN_LEN + 1 bytes) gets it. STORE_* code. */
int staff_enrol_link(store *s, long long staff_id, long long now, char *token);

/* STAFF_RECOVERY_CODES new codes for the staff member, replacing the old ones; only their
 * hashes are stored. codes gets them for showing once. STORE_* code. */
int staff_recovery_new(store *s, long long staff_id, long long now,
                       char codes[STAFF_RECOVERY_CODES][STAFF_RECOVERY_LEN + 1]);

/* The stored form of a recovery code as typed: hyphens and spaces dropped, letters
 * lower-cased, then SHA-256 hex (out: 65 bytes). 0, or -1 when it is not 10 characters of
 * the codes' alphabet. */
int staff_recovery_hash(const char *code, char *out);

/* 1 when code is a TOTP code of the staff member's secret not used before (the step is
 * recorded) or one of their unused recovery codes (now used), 0 when not, -1 on a store
 * error. */
int staff_second_factor(store *s, const store_staff *st, const char *code, long long now);

/* One login attempt at now: e-mail (as account_check_email gave it), password (len bytes)
 * and code, from client address peer. LOGIN_OK with *st filled; LOGIN_BAD for an unknown
 * address, a staff member not yet enrolled, a wrong password or a wrong or used code (one
 * answer for all, each counted); LOGIN_LOCKED with *wait_until; LOGIN_UNAVAILABLE when the
 * store failed. */
enum login_result staff_login_attempt(store *s, const login_rules *rules, const char *email,
                                      const char *peer, const char *pw, size_t len,
                                      const char *code, long long now, store_staff *st,
                                      long long *wait_until);

/* The audit row (core/audit.h) of a staff login, a failed login or a logout: the actor is
 * staff:ID, or, for a failed login, the staff member the typed address names ("anonymous"
 * when it names none); action one of AUDIT_STAFF_LOGIN, AUDIT_STAFF_LOGIN_FAILED,
 * AUDIT_STAFF_LOGOUT; detail a short reason ("" for none), never what was typed. 0, or -1
 * when the row could not be written (the caller then refuses a login: no login without
 * its trace). */
int staff_audit(store *s, long long staff_id, const char *email, const char *action,
                const char *detail, const char *peer, long long now);
/* An audit row of actor (audit_actor_valid) on application receipt (NULL for none): 0, or -1
 * when it could not be written. */
int audit_record(store *s, const char *actor, const char *receipt, const char *action,
                 const char *detail, const char *peer, long long now);
/* The audit row of an act of staff member id (0: "anonymous", -1: "system") on application receipt
 * (NULL for none), e.g. AUDIT_VIEW_APPLICATION: 0, or -1 when it could not be written (the caller
 * then shows nothing: no look without its trace). */
int staff_audit_app(store *s, long long id, const char *receipt, const char *action,
                    const char *detail, const char *peer, long long now);

/* A staff member's role on one procedure: none, 閲覧 (may look) or 審査 (may also decide). */
enum staff_role { STAFF_NO_ROLE = 0, STAFF_VIEWER = 1, STAFF_REVIEWER = 2 };
/* The role on proc_id among the n roles given. */
enum staff_role staff_role_pick(const store_staff_role *roles, size_t n, const char *proc_id);
/* The role of staff member staff_id on proc_id into *role: 0, or -1 on a store error (then
 * *role is STAFF_NO_ROLE: nothing is allowed). */
int staff_role_of(store *s, long long staff_id, const char *proc_id, enum staff_role *role);

#endif
