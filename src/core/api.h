/* api: the keys of the API for the city's back-office systems (基幹連携): their text, their
 * check, what each may do, and their creation and revocation by an administrator, each with
 * its audit row in one transaction. A key reads as "mdg_ID_SECRET": ID the row's id in
 * decimal, SECRET 43 characters of base64url (32 random bytes); only the SHA-256 of SECRET
 * is stored, and it is shown once, when made. No HTTP, no SQL. */
#ifndef MADOGUCHI_CORE_API_H
#define MADOGUCHI_CORE_API_H

#include <stddef.h>

#include <jansson.h>

#include "store/store.h"

#define API_KEY_TEXT_MAX 80 /* "mdg_" + id + "_" + secret, with room */

/* The key id's text with secret into out: 0, or -1 when it does not fit. */
int api_key_text(long long id, const char *secret, char *out, size_t outlen);
/* The id and secret of a key's text (untrusted: from an Authorization header): 0, or -1 when
 * it is not a key's shape. secret gets TOKEN_LEN + 1 bytes. */
int api_key_parse(const char *text, long long *id, char *secret);
/* 1 when secret is k's (its SHA-256 matches, compared in constant time) and k is not
 * revoked; else 0. */
int api_key_valid(const store_api_key *k, const char *secret);
/* 1 when k may read (status 0) or change the status of (status 1) the applications of
 * proc_id. */
int api_key_allows(const store_api_key *k, const char *proc_id, int status);

/* ---- what the API answers (JSON) ---- */
/* An application as a list shows it: receipt, procedure, status (name and label),
 * submitted_at (ISO 8601, Japan time) and its address under /api/v1. */
json_t *api_list_item(const store_application *ap);
/* The list's cursor after ap: "SUBMITTED_AT.RECEIPT" into out (64 bytes are enough). */
void api_cursor(const store_application *ap, char *out, size_t outlen);
/* A cursor back into its arrival time and receipt: 0, or -1 when it is not one. */
int api_cursor_parse(const char *c, long long *at, char *receipt);
/* One application whole: the list's fields, the title, the newest event's id (the
 * optimistic token of a status change), the answers as confirmed, the signed content (the
 * exact bytes, a string), the signature (DER CMS in base64, and the report at arrival) and
 * the status history ev[0..nev). NULL when out of memory. */
json_t *api_application(const store_application *ap, long long last_event,
                        const store_app_event *ev, size_t nev);

/* A status change's body (untrusted JSON): {"status": NAME, "seen_event": ID, "text": TEXT}
 * with text optional (the reason or message, cleaned as decision_text_clean does) and no
 * other member, into to (STORE_STATUS_MAX + 1), text (STORE_NOTE_MAX + 1) and *seen: 0, or
 * -1 when it is not such a body. */
int api_status_parse(const char *body, size_t len, char *to, char *text, long long *seen);

/* The audit row of a call of key key_id (actor "apikey:ID"): 0, or -1. */
int api_audit(store *s, long long key_id, const char *receipt, const char *action,
              const char *detail, const char *peer, long long now);

/* A new key of administrator staff_id named name with scope ("read" or "read_status") for
 * procs[0..n): the key, its procedures and the staff_change audit row in one transaction;
 * its text (shown once) into text (API_KEY_TEXT_MAX + 1 bytes), its id into *id. 0, or -1
 * (nothing kept). */
int api_key_create(store *s, long long staff_id, const char *name, const char *scope,
                   const char *const *procs, size_t n, const char *peer, long long now, char *text,
                   long long *id);
/* Revokes key id with its staff_change audit row in one transaction: 0, 1 when there is no
 * such key or it is revoked already, -1 on a store error. */
int api_key_revoke(store *s, long long staff_id, long long id, const char *peer, long long now);

#endif
