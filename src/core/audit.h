/* audit: the rules of the audit log (監査ログ), without SQL or HTTP. Each row of the log
 * carries the SHA-256 of the previous row's hash followed by its own canonical bytes, so the
 * rows form one chain, like a Certificate Transparency log: editing, deleting or reordering a
 * row breaks it at that row. This file owns the row's bounds, the fixed list of actions,
 * the canonical serialisation, the chaining and the verification walk; docs/audit.md states
 * the format byte for byte. A change of the canonical form changes every hash: it is a
 * format (version "madoguchi-audit-1"), changed only on purpose. */
#ifndef MADOGUCHI_AUDIT_H
#define MADOGUCHI_AUDIT_H

#include <stddef.h>

#include "core/application.h"

#define AUDIT_ACTOR_MAX 64
#define AUDIT_ACTION_MAX 32
#define AUDIT_DETAIL_MAX 1000
#define AUDIT_PEER_MAX 64
#define AUDIT_HASH_LEN 64 /* lower-case hex SHA-256 */

/* The first row's prev_hash: 64 zeros. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The actions; audit_append_ok takes no other. A name is 1..AUDIT_ACTION_MAX bytes of
 * [a-z_]. */
#define AUDIT_STAFF_LOGIN "staff_login"
#define AUDIT_STAFF_LOGIN_FAILED "staff_login_failed"
#define AUDIT_STAFF_LOGOUT "staff_logout"
#define AUDIT_STAFF_CHANGE "staff_change" /* an account or role added, changed, removed */
#define AUDIT_VIEW_APPLICATION "view_application"
#define AUDIT_VIEW_ATTACHMENT "view_attachment"
#define AUDIT_DECISION "decision"
#define AUDIT_NOTE "note"
#define AUDIT_EXPORT "export"
#define AUDIT_REVERIFY "reverify"
#define AUDIT_VIEW_AUDIT "view_audit"     /* an administrator opened the audit log's page */
#define AUDIT_ASSIGN "assign"             /* an application taken (担当) or released */
#define AUDIT_BULK_PREVIEW "bulk_preview" /* the dry run of a bulk decision was shown */
#define AUDIT_API_READ "api_read"         /* a back-office system read through the API */
#define AUDIT_API_REFUSED "api_refused"   /* an API call refused (401, 403, 400, 404, 409) */

/* One row. Texts are NUL-terminated; receipt "" stands for none (a receipt is never empty).
 * damaged is set by whoever read the row from storage when a stored value did not fit
 * these fields exactly (longer than its bound, a NUL byte inside, a value of another type,
 * an empty receipt instead of none): such a row can never verify, since what was hashed
 * cannot be known from the cut copy. */
typedef struct audit_row {
	long long id; /* 1, 2, 3 ... without gaps */
	long long at; /* Unix seconds, > 0 */
	char actor[AUDIT_ACTOR_MAX + 1];
	char action[AUDIT_ACTION_MAX + 1];
	char receipt[APP_RECEIPT_MAX + 1];
	char detail[AUDIT_DETAIL_MAX + 1];
	char peer[AUDIT_PEER_MAX + 1];
	char prev_hash[AUDIT_HASH_LEN + 1];
	char hash[AUDIT_HASH_LEN + 1];
	int damaged;
} audit_row;

/* 1 when action is one of the actions above. */
int audit_action_known(const char *action);
/* "staff:ID" for a staff account (id >= 1) into out (at least AUDIT_ACTOR_MAX + 1 bytes). */
void audit_actor_staff(long long id, char *out, size_t outlen);
/* 1 for "system", "anonymous" (a failed login of no known account) or "staff:ID" (ID a
 * decimal >= 1 without leading zeros). */
int audit_actor_valid(const char *actor);

/* 1 when the fields the canonical row holds are within their bounds: id >= 1, at >= 1,
 * actor 1..AUDIT_ACTOR_MAX and peer 0..AUDIT_PEER_MAX bytes of printable ASCII, action a
 * name of [a-z_], receipt "" or app_receipt_valid, detail 0..AUDIT_DETAIL_MAX bytes of UTF-8
 * without a character utf8_is_forbidden refuses in a text of several lines (controls but
 * tab and newline, bidirectional overrides, line separators, the byte-order mark), and not
 * damaged. The rule of the
 * verification walk, which also reads rows that a later version may have written with
 * actions this one does not know. */
int audit_fields_ok(const audit_row *r);
/* audit_fields_ok without the id (which the store gives) and with an action of the list and
 * an actor audit_actor_valid accepts: the rule of a new row. */
int audit_append_ok(const audit_row *r);

/* Upper bound of the canonical row's length. */
#define AUDIT_CANON_MAX                                                                            \
	(32 + 7 * 24 + AUDIT_ACTOR_MAX + AUDIT_ACTION_MAX + APP_RECEIPT_MAX + AUDIT_DETAIL_MAX +   \
	 AUDIT_PEER_MAX)
/* The canonical row of r into out (outlen >= AUDIT_CANON_MAX is always enough): the line
 * "madoguchi-audit-1\n" and then id, at, actor, action, receipt, detail and peer, each as a
 * netstring LEN ":" BYTES "," where LEN is the byte count in decimal without leading zeros
 * and id and at are decimals without sign or leading zeros. Not NUL-terminated. The length,
 * or 0 when r's fields are not audit_fields_ok or outlen is too small. */
size_t audit_canonical(const audit_row *r, char *out, size_t outlen);
/* out (AUDIT_HASH_LEN + 1 bytes): the lower-case hex SHA-256 of the 64 ASCII hex digits of
 * prev_hash followed by r's canonical row. -1 when prev_hash is not 64 lower-case hex digits
 * or r's fields are not audit_fields_ok. */
int audit_row_hash(const char *prev_hash, const audit_row *r, char *out);
/* Chains r after a row whose hash is prev_hash (AUDIT_GENESIS for the first): sets
 * r->prev_hash and r->hash. 0, or -1 as audit_row_hash. */
int audit_seal(audit_row *r, const char *prev_hash);

/* The verification walk: feed every row in id order to audit_verify_row; the first broken
 * link stops it (later rows are not looked at, as every later hash depends on it). */
enum audit_err {
	AUDIT_OK = 0,
	AUDIT_EFIELD, /* a field out of its bounds, or damaged when read */
	AUDIT_EGAP,   /* the id is not the previous row's + 1 (1 for the first): rows missing */
	AUDIT_EORDER, /* the id is not above the previous row's */
	AUDIT_EPREV,  /* prev_hash is not the previous row's hash */
	AUDIT_EHASH,  /* hash is not what the row's fields and prev_hash give */
};
typedef struct audit_verifier {
	long long count;                   /* rows that verified */
	long long last_id;                 /* id of the last of them, 0 before the first */
	char head[AUDIT_HASH_LEN + 1];     /* its hash, AUDIT_GENESIS before the first */
	int err;                           /* AUDIT_OK until a row failed, then the reason */
	long long bad_id;                  /* the id of the row that failed */
	char bad_hash[AUDIT_HASH_LEN + 1]; /* for AUDIT_EHASH: the hash its fields give */
} audit_verifier;
void audit_verify_init(audit_verifier *v);
/* Checks r after the rows fed before; returns v->err (once set, every later call returns it
 * and changes nothing). */
int audit_verify_row(audit_verifier *v, const audit_row *r);
/* What a failed walk found, in one line naming the row ("row 5: hash mismatch ..."), or
 * "intact" when none failed. */
void audit_verify_message(const audit_verifier *v, char *out, size_t outlen);
const char *audit_strerror(int err);

#endif
