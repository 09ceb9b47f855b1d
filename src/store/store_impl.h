/* store_impl: what a storage back end provides to the front (store.c), and the helpers the
 * front shares with the back ends. Only src/store/ and the store's own tests include this.
 * A back end is a const struct of function pointers over an opaque context (like curl's TLS
 * back ends); adding PostgreSQL means writing pg.c with one such struct and one line in
 * store_open, and no caller changes. */
#ifndef MADOGUCHI_STORE_IMPL_H
#define MADOGUCHI_STORE_IMPL_H

#include "store/store.h"
#include "util/errbuf.h"

#include <stddef.h>

/* Bounds of a search query, applied by the front before a back end sees it. */
#define STORE_QUERY_MAX_BYTES 200
#define STORE_QUERY_MAX_TERMS 8
/* Terms of at least this many code points can use a trigram index. */
#define STORE_QUERY_MIN_INDEXED 3

/* A search query after trimming, truncation and splitting (store.c). The terms point into
 * text; each is non-empty, NUL-terminated and contains no separator. */
struct store_query {
	char text[STORE_QUERY_MAX_BYTES + 1];
	const char *terms[STORE_QUERY_MAX_TERMS];
	size_t nterms;
	int has_short_term; /* some term has fewer than STORE_QUERY_MIN_INDEXED code points */
};

/* The result list a back end fills: a NULL-terminated array that store_free_ids frees. */
struct store_ids {
	char **ids;
	size_t n;
	size_t cap;
};

/* Every function returns a STORE_* code; on failure the back end keeps a message that its
 * errmsg returns until the next call on the same context. */
struct store_backend {
	const char *name;    /* "sqlite" */
	const char *dialect; /* the marker name of its blocks in migrations: "sqlite", "postgres" */

	/* target: the path or connection string without the scheme. On failure writes a
	 * message into err and leaves *ctx NULL. */
	int (*open)(const char *target, void **ctx, char *err, size_t errlen);
	void (*close)(void *ctx);
	const char *(*errmsg)(void *ctx);

	/* A write transaction that serialises writers from the start (SQLite: BEGIN
	 * IMMEDIATE), so that check-then-write sequences such as migrations are safe across
	 * processes. */
	int (*begin)(void *ctx);
	int (*commit)(void *ctx);
	int (*rollback)(void *ctx); /* harmless when no transaction is open */
	/* 1 while a transaction is open on the connection (SQLite rolls one back by itself on
	 * some errors: a group transaction checks it is still there). */
	int (*tx_open)(void *ctx);

	/* Run a script of trusted statements (migrations, fixed DDL); never user input. */
	int (*exec)(void *ctx, const char *sql);

	/* In a transaction opened by begin: other migrators wait until it ends (SQLite: the
	 * writers' lock of begin does it already; PostgreSQL: an advisory lock). */
	int (*migration_lock)(void *ctx);
	/* schema_migrations(number, name, applied_at), created by the front. */
	int (*migration_applied)(void *ctx, unsigned number, int *applied);
	int (*record_migration)(void *ctx, unsigned number, const char *name,
	                        const char *applied_at);
	/* Highest recorded number, 0 when schema_migrations does not exist yet. */
	int (*schema_version)(void *ctx, unsigned *version);

	/* Inside a transaction opened by begin: empty the search index, then add documents
	 * (fields never NULL). */
	int (*clear_procedures)(void *ctx);
	int (*add_procedure)(void *ctx, const store_proc_doc *doc);
	/* q has at least one term; limit >= 1. Appends the matching ids to out. */
	int (*search_procedures)(void *ctx, const struct store_query *q, size_t limit,
	                         struct store_ids *out);

	/* The operations below get arguments the front has checked (store.h states the
	 * bounds): strings are non-NULL unless marked, within their maxima. Each runs in the
	 * caller's transaction when one is open and stands alone otherwise; the ones marked
	 * "in a transaction" are always called inside one (the front opens it if needed).
	 * A unique-key violation is STORE_ECONFLICT, a missing referenced account
	 * STORE_ENOTFOUND, a single-row update or delete that touched no row STORE_ENOTFOUND.
	 * 0 for account_id and for times means NULL in the table. A failure inside the
	 * caller's transaction must leave it usable (PostgreSQL aborts a transaction on any
	 * error: pg.c wraps such statements in a SAVEPOINT or uses ON CONFLICT DO NOTHING). */

	/* Accounts. email_key is the address folded by the front (store_email_key); the
	 * unique key is on it. */
	int (*account_create)(void *ctx, const char *email, const char *email_key,
	                      const char *pw_hash, long long now, long long *id);
	int (*account_by_email)(void *ctx, const char *email_key, store_account *out);
	int (*account_by_id)(void *ctx, long long id, store_account *out);
	int (*account_set_verified)(void *ctx, long long id, long long now);
	int (*account_set_password)(void *ctx, long long id, const char *pw_hash);
	int (*account_set_email)(void *ctx, long long id, const char *email, const char *email_key);
	/* Sessions and tokens go with it (ON DELETE CASCADE). */
	int (*account_delete)(void *ctx, long long id);

	/* Tokens. data may be NULL. */
	int (*token_create)(void *ctx, const char *kind, const char *token_hash,
	                    long long account_id, const char *data, long long expires_at);
	/* In a transaction: marks the token used when it matches (kind, unused, expires_at >
	 * now) and returns its account and data ("" for NULL, data has datalen >=
	 * STORE_TOKEN_DATA_MAX bytes or is NULL); STORE_ENOTFOUND otherwise. Atomic against
	 * other connections consuming the same token. */
	int (*token_consume)(void *ctx, const char *kind, const char *token_hash, long long now,
	                     long long *account_id, char *data, size_t datalen);
	/* Unused tokens of the account, of kind (NULL: every kind). */
	int (*tokens_delete)(void *ctx, long long account_id, const char *kind);

	/* Sessions. */
	int (*session_create)(void *ctx, const store_session *sess);
	int (*session_get)(void *ctx, const char *id_hash, store_session *out);
	int (*session_touch)(void *ctx, const char *id_hash, long long now);
	int (*session_delete)(void *ctx, const char *id_hash);
	/* keep_hash may be NULL. */
	int (*sessions_delete_for_account)(void *ctx, long long account_id, const char *keep_hash);
	int (*sessions_expire)(void *ctx, long long idle_before, long long created_before);

	/* Throttling. *oldest is 0 when *count is 0. */
	int (*throttle_add)(void *ctx, const char *key, long long now);
	int (*throttle_count)(void *ctx, const char *key, long long since, long long *count,
	                      long long *oldest);
	int (*throttle_clear)(void *ctx, const char *key);
	int (*throttle_prune)(void *ctx, long long before);

	/* Outbox. id may be NULL. */
	int (*outbox_add)(void *ctx, const char *to, const char *subject, const char *body,
	                  long long now, long long *id);
	/* In a transaction: takes up to max (>= 1) unsent mails with next_at <= now, oldest
	 * first, sets their next_at to until and fills out[0..*n) with them (the new next_at;
	 * bodies malloc'ed). Two connections never get the same mail while until is ahead
	 * (SQLite: the writers' lock of BEGIN IMMEDIATE; PostgreSQL: FOR UPDATE SKIP LOCKED).
	 * On failure *n counts what was filled, for the front to release. */
	int (*outbox_claim)(void *ctx, long long now, long long until, store_mail *out, size_t max,
	                    size_t *n);
	int (*outbox_mark_sent)(void *ctx, long long id, long long now);
	/* error is non-NULL and fits last_error. */
	int (*outbox_mark_failed)(void *ctx, long long id, long long next_at, const char *error);
	/* max >= 1; newest first; same ownership as outbox_claim. */
	int (*outbox_recent)(void *ctx, store_mail *out, size_t max, size_t *n);
	int (*outbox_backlog)(void *ctx, long long *unsent, long long *failing);
	/* store_procedure_set_swap / _get (store.h): digest "" when none is recorded. */
	int (*procset_get)(void *ctx, char *digest);
	int (*procset_put)(void *ctx, const char *digest, long long now);
	/* store_housekeeping_lock / _unlock (store.h). */
	int (*housekeeping_lock)(void *ctx, int *got);
	int (*housekeeping_unlock)(void *ctx);

	/* Drafts. A unique-key violation (the key, or a second open draft of the owner and
	 * procedure) is STORE_ECONFLICT. draft_open and draft_get fill all of *out (raw
	 * malloc'd) on success and leave out->raw NULL on failure. */
	int (*draft_create)(void *ctx, const char *key, const char *owner, const char *proc_id,
	                    int proc_version, const char *raw, long long now);
	int (*draft_open)(void *ctx, const char *owner, const char *proc_id, store_draft *out);
	int (*draft_get)(void *ctx, const char *key, store_draft *out);
	/* Only an open draft (receipt NULL); STORE_ENOTFOUND otherwise. */
	int (*draft_save)(void *ctx, const char *key, int proc_version, const char *raw,
	                  long long now);
	int (*draft_delete)(void *ctx, const char *key);
	/* Every open draft of owner (any number, none is fine), attachments and sign
	 * requests by cascade. */
	int (*drafts_delete_open_of)(void *ctx, const char *owner);
	/* In a transaction: the draft's key, owner, proc_id, proc_version, times and receipt
	 * ("" while open) into *out, raw left NULL; STORE_ENOTFOUND when absent. Holds the
	 * draft against a concurrent submission until the transaction ends (SQLite: the
	 * writers' lock; PostgreSQL: SELECT ... FOR UPDATE). */
	int (*draft_lock)(void *ctx, const char *key, store_draft *out);
	/* In a transaction, after draft_lock: sets the receipt of the open draft. */
	int (*draft_set_receipt)(void *ctx, const char *key, const char *receipt);

	/* Attachments. attachment_add inserts only while the draft is open, checked in the
	 * same statement (PostgreSQL: the draft row read FOR SHARE, so that a submission
	 * holding it FOR UPDATE is waited for and then seen); STORE_ENOTFOUND otherwise.
	 * attachment_delete likewise. id may be NULL. */
	int (*attachment_add)(void *ctx, const char *draft_key, const char *field,
	                      const char *filename, const char *mime, const void *data, size_t len,
	                      const char *sha256, long long now, long long *id);
	/* max >= 1; in the order added. */
	int (*attachment_list)(void *ctx, const char *draft_key, store_attachment *out, size_t max,
	                       size_t *n);
	/* meta is non-NULL; *data malloc'd (at least one byte) on success, NULL otherwise. */
	int (*attachment_get)(void *ctx, const char *draft_key, long long id,
	                      store_attachment *meta, void **data, size_t *len);
	int (*attachment_delete)(void *ctx, const char *draft_key, long long id);

	/* Applications. In a transaction: the next receipt counter of year (1 for the first),
	 * in one statement that cannot give two transactions the same number (an upsert
	 * returning the new value; the row stays locked until the transaction ends). */
	int (*receipt_next)(void *ctx, int year, long long *n);
	/* Every field of a checked; signature NULL when signature_len is 0. */
	int (*application_insert)(void *ctx, const store_application *a);
	/* correction of a returned application (store_versions.c): draft_resubmit_of gives ""
	 * for a draft that corrects none (receipt has STORE_RECEIPT_MAX + 1 bytes),
	 * STORE_ENOTFOUND for an absent one; draft_set_resubmit ties an open draft to receipt;
	 * attachments_copy adds every attachment of draft from (in order, new ids) to draft to;
	 * version_last: the highest kept version of receipt (0: none); version_keep: the
	 * application row as it is now kept as its version (STORE_ENOTFOUND when absent); in a
	 * transaction, application_replace: the row takes a's draft_key, proc_version,
	 * proc_title, digest, content, display, signature and verification, status "sent" and
	 * submitted_at = updated_at = a->submitted_at; application_versions: max >= 1, oldest
	 * first, filled as store.h says (on failure *n counts what was filled). */
	int (*draft_resubmit_of)(void *ctx, const char *key, char *receipt);
	int (*draft_set_resubmit)(void *ctx, const char *key, const char *receipt);
	/* drafts_resubmit_cancel: the open drafts tied to receipt, *n how many. */
	int (*drafts_resubmit_cancel)(void *ctx, const char *receipt, long long *n);
	int (*attachments_copy)(void *ctx, const char *from, const char *to);
	int (*version_last)(void *ctx, const char *receipt, int *version);
	int (*version_keep)(void *ctx, const char *receipt, int version);
	int (*application_replace)(void *ctx, const store_application *a);
	int (*application_versions)(void *ctx, const char *receipt, store_app_version *out,
	                            size_t max, size_t *n);
	/* Fills all of *out (malloc'd parts included) on success; leaves them NULL on
	 * failure. */
	int (*application_get)(void *ctx, const char *receipt, store_application *out);
	/* max >= 1; newest first (submitted_at, then receipt number); malloc'd parts NULL. */
	int (*applications_for_account)(void *ctx, long long account_id, store_application *out,
	                                size_t max, size_t *n);
	/* In a transaction: the current status (out has STORE_STATUS_MAX + 1 bytes), the row
	 * held until the transaction ends (PostgreSQL: FOR UPDATE); STORE_ENOTFOUND when
	 * absent. */
	int (*application_lock)(void *ctx, const char *receipt, char *status);
	int (*application_set_status)(void *ctx, const char *receipt, const char *status,
	                              long long now);
	/* note may be NULL. */
	int (*application_event_add)(void *ctx, const char *receipt, const char *status,
	                             const char *note, long long at);
	/* max >= 1; oldest first. */
	int (*application_events)(void *ctx, const char *receipt, store_app_event *out, size_t max,
	                          size_t *n);
	/* Beside the staff's decisions (store.h). application_last_event: the highest event id
	 * of the application, STORE_ENOTFOUND when it has none. note_add and
	 * application_mail_add: an absent application or staff member is STORE_ENOTFOUND (the
	 * foreign keys); id may be NULL. notes, application_mails: max >= 1, oldest first. */
	int (*application_last_event)(void *ctx, const char *receipt, long long *id);
	int (*note_add)(void *ctx, const char *receipt, long long staff_id, const char *body,
	                long long now, long long *id);
	int (*notes)(void *ctx, const char *receipt, store_note *out, size_t max, size_t *n);
	int (*application_mail_add)(void *ctx, const char *receipt, long long outbox_id,
	                            long long now);
	int (*application_mails)(void *ctx, const char *receipt, store_app_mail *out, size_t max,
	                         size_t *n);

	/* Sign requests. sign_request_create inserts (status pending, used_at, signature and
	 * verification NULL, whatever r holds there) only while the draft is open, checked in
	 * the same statement (PostgreSQL: the draft row read FOR SHARE, as for attachments);
	 * STORE_ENOTFOUND otherwise. */
	int (*sign_request_create)(void *ctx, const store_sign_request *r);
	/* Fills all of *out (malloc'd parts included) on success; leaves them NULL on
	 * failure. */
	int (*sign_request_get)(void *ctx, const char *id_hash, store_sign_request *out);
	/* In a transaction: sets status, signature (NULL when sig_len is 0), verification and
	 * used_at = now of the request when it is pending and expires_at > now, in one
	 * conditional UPDATE, so that of two connections only one changes it (PostgreSQL
	 * re-checks the WHERE after waiting for the row lock); when it changed no row,
	 * STORE_ECONFLICT if the request exists, STORE_ENOTFOUND if not. */
	/* Time-stamps (store_stamps.c). timestamp_queue: INSERT that leaves an existing row;
	 * timestamps_claim in a transaction, as outbox_claim (until = now + lease), oldest
	 * first, tokens NULL; stamped/failed: STORE_ENOTFOUND when no unstamped row id. */
	int (*timestamp_queue)(void *ctx, const char *receipt, const char *digest, long long now);
	int (*timestamps_claim)(void *ctx, long long now, long long until, store_timestamp *out,
	                        size_t max, size_t *n);
	int (*timestamp_stamped)(void *ctx, long long id, const char *imprint, long long gen_time,
	                         const void *token, size_t len, long long now);
	int (*timestamp_failed)(void *ctx, long long id, long long next_at, const char *error);
	int (*timestamp_get)(void *ctx, const char *receipt, const char *digest,
	                     store_timestamp *out);
	int (*sign_request_finish)(void *ctx, const char *id_hash, const char *status,
	                           const void *sig, size_t sig_len, const char *verification,
	                           const void *ocsp, size_t ocsp_len, long long now);
	/* The newest signed request of the draft with digest (used_at, then created_at,
	 * descending), as sign_request_get fills it; STORE_ENOTFOUND when none. */
	int (*sign_request_signed)(void *ctx, const char *draft_key, const char *digest,
	                           store_sign_request *out);
	/* *any: 1 when the draft has a signed request with another digest, else 0. */
	int (*sign_request_signed_other)(void *ctx, const char *draft_key, const char *digest,
	                                 int *any);
	/* Deletes the requests with used_at NULL and expires_at < before; *n gets how many. */
	int (*sign_requests_prune)(void *ctx, long long before, long long *n);
	int (*sign_requests_cancel)(void *ctx, const char *draft_key, long long *n);
	int (*drafts_prune_anonymous)(void *ctx, long long before, long long *n);

	/* Attachment bytes of the owner's open drafts; anonymous uploads per client address. */
	int (*owner_attachment_bytes)(void *ctx, const char *owner, long long *bytes);
	int (*anon_upload_add)(void *ctx, const char *peer, long long now, long long bytes);
	int (*anon_upload_bytes)(void *ctx, const char *peer, long long since, long long *bytes);
	int (*anon_uploads_prune)(void *ctx, long long before, long long *n);

	/* The staff inbox (store.h): procs a JSON array of checked procedure ids; status,
	 * receipt NULL for any; after_receipt NULL for the first page; max >= 1. */
	int (*inbox_list)(void *ctx, const char *procs, const store_inbox_query *q,
	                  store_application *out, size_t max, size_t *n);
	int (*inbox_counts)(void *ctx, const char *procs, store_status_count *out, size_t max,
	                    size_t *n);
	/* The inbox's filters and the evidence panel (store.h, migration 0011). inbox_newer:
	 * the receipt of the row just newer than (at, receipt) into out ("" for none). */
	int (*inbox_newer)(void *ctx, const char *procs, const store_inbox_query *q, long long at,
	                   const char *receipt, char *out);
	/* The staff dashboard (store.h, migration 0017): procs a JSON array of checked
	 * procedure ids, everything else checked. */
	int (*dash_arrivals)(void *ctx, const char *procs, long long from_day, long long to_day,
	                     store_dash_count *out, size_t max, size_t *n);
	int (*dash_decided)(void *ctx, const char *procs, long long from_day, long long cap,
	                    store_dash_count *out, size_t max, size_t *n);
	int (*dash_oldest)(void *ctx, const char *procs, store_application *out);
	int (*dash_overdue)(void *ctx, const char *proc_id, long long before_at,
	                    store_application *out, size_t max, size_t *n);
	int (*dash_overdue_count)(void *ctx, const char *proc_id, long long before_at,
	                          long long limit, long long *n);
	int (*application_review_keys)(void *ctx, const char *receipt, const char *search_key,
	                               int differs);
	int (*application_review)(void *ctx, const char *receipt, store_app_review *out);
	int (*application_assign)(void *ctx, const char *receipt, long long staff_id);
	int (*reverification_add)(void *ctx, const char *receipt, long long staff_id, long long at,
	                          const char *result, const char *report);
	int (*reverifications)(void *ctx, const char *receipt, store_reverification *out,
	                       size_t max, size_t *n);

	/* Audit log. In a transaction: the row of the highest id (*id 0 and hash "" when the
	 * log is empty), held until the transaction ends against another appender (SQLite:
	 * the writers' lock of BEGIN IMMEDIATE; PostgreSQL: LOCK TABLE audit_log IN SHARE ROW
	 * EXCLUSIVE MODE first, since "ORDER BY id DESC LIMIT 1 FOR UPDATE" would, after
	 * waiting for another appender, lock and return the old head again under READ
	 * COMMITTED; the primary key on id and the UNIQUE prev_hash refuse a second row on the
	 * same head in any case). hash has AUDIT_HASH_LEN + 1 bytes. */
	int (*audit_head)(void *ctx, long long *id, char *hash);
	/* Every field of r set and checked. */
	int (*audit_insert)(void *ctx, const audit_row *r);
	/* actor, receipt NULL for any; before_id >= 1; max >= 1; newest first. */
	int (*audit_list)(void *ctx, const char *actor, const char *receipt, long long before_id,
	                  audit_row *out, size_t max, size_t *n);
	/* Up to max (>= 1) rows with id > after_id, in id order. */
	int (*audit_page)(void *ctx, long long after_id, audit_row *out, size_t max, size_t *n);

	/* Staff (store.h). email_key folded by the front. staff_totp_use changes no row for a
	 * step <= the last used: STORE_ECONFLICT. staff_recovery_set runs in a transaction:
	 * deletes the staff member's codes, then inserts the n given. enrol_token_get reads,
	 * enrol_token_consume marks used (one conditional UPDATE ... RETURNING). */
	int (*staff_create)(void *ctx, const char *email, const char *email_key, const char *name,
	                    int is_admin, long long now, long long *id);
	int (*staff_by_email)(void *ctx, const char *email_key, store_staff *out);
	int (*staff_by_id)(void *ctx, long long id, store_staff *out);
	int (*staff_set_credentials)(void *ctx, long long id, const char *pw_hash,
	                             const char *totp_secret);
	int (*staff_set_enrolled)(void *ctx, long long id, long long now);
	int (*staff_role_set)(void *ctx, long long staff_id, const char *proc_id, const char *role);
	/* max >= 1. */
	int (*staff_roles)(void *ctx, long long staff_id, store_staff_role *out, size_t max,
	                   size_t *n);
	int (*staff_totp_use)(void *ctx, long long staff_id, long long step);
	int (*staff_recovery_set)(void *ctx, long long staff_id, const char *const *code_hashes,
	                          size_t n, long long now);
	int (*staff_recovery_use)(void *ctx, long long staff_id, const char *code_hash,
	                          long long now);
	int (*staff_recovery_left)(void *ctx, long long staff_id, long long *left);
	int (*staff_enrol_token_create)(void *ctx, const char *token_hash, long long staff_id,
	                                long long expires_at);
	int (*staff_enrol_token_get)(void *ctx, const char *token_hash, long long now,
	                             long long *staff_id);
	int (*staff_enrol_token_consume)(void *ctx, const char *token_hash, long long now,
	                                 long long *staff_id);
	int (*staff_session_create)(void *ctx, const store_session *sess);
	int (*staff_session_get)(void *ctx, const char *id_hash, store_session *out);
	int (*staff_session_touch)(void *ctx, const char *id_hash, long long now);
	int (*staff_session_delete)(void *ctx, const char *id_hash);
	int (*staff_sessions_expire)(void *ctx, long long idle_before, long long created_before);
	int (*staff_list)(void *ctx, store_staff *out, size_t max, size_t *n);
	int (*staff_role_remove)(void *ctx, long long staff_id, const char *proc_id);
	int (*staff_step_up_set)(void *ctx, const char *id_hash, long long at);
	int (*staff_step_up_get)(void *ctx, const char *id_hash, long long *at);
	int (*staff_alert_set)(void *ctx, long long staff_id, const char *proc_id, const char *mode,
	                       long long now);
	int (*staff_alerts)(void *ctx, long long staff_id, store_staff_alert *out, size_t max,
	                    size_t *n);
	int (*staff_alert_recipients)(void *ctx, const char *proc_id, store_staff_alert *out,
	                              size_t max, size_t *n);
	int (*staff_digest_due)(void *ctx, long long due_before, long long now,
	                        store_staff_alert *out, size_t max, size_t *n);
	int (*staff_digest_done)(void *ctx, long long staff_id, const char *proc_id,
	                         long long since, long long at);
	/* exports (store_export.c) */
	/* API keys (store_api.c). api_key_add inserts the key and its procedures in a
	 * transaction; api_key_get and api_key_list read the keys without procedures,
	 * api_key_procs those of one key (max >= 1). */
	int (*api_key_add)(void *ctx, const store_api_key *k, long long *id);
	int (*api_key_get)(void *ctx, long long id, store_api_key *out);
	int (*api_key_list)(void *ctx, store_api_key *out, size_t max, size_t *n);
	int (*api_key_procs)(void *ctx, long long id, store_api_key *k);
	int (*api_key_revoke)(void *ctx, long long id, long long now);
	int (*api_key_used)(void *ctx, long long id, long long now);
	int (*api_key_event)(void *ctx, long long event_id, long long key_id);
	int (*api_page)(void *ctx, const char *proc_id, long long after_at,
	                const char *after_receipt, store_application *out, size_t max, size_t *n);
	int (*export_mark_get)(void *ctx, long long staff_id, const char *proc_id, long long *at);
	int (*export_mark_set)(void *ctx, long long staff_id, const char *proc_id, long long at);
	/* madoguchi backup (store.h: store_backup); dest does not exist. NULL when the back end
	 * has its own tools (PostgreSQL: pg_dump). */
	int (*backup)(void *ctx, const char *dest, store_backup_info *info);
};

struct store {
	const struct store_backend *be;
	void *ctx;
	int in_tx; /* a transaction opened by store_begin is open */
	int group; /* store_group_begin: the transactions of the calls are savepoints in it */
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

/* Shared helpers (store.c). */

/* Append a copy of id (len bytes) to l; STORE_OK or STORE_ENOMEM. */
int store_ids_push(struct store_ids *l, const char *id, size_t len);
/* Free what l holds and empty it. */
void store_ids_release(struct store_ids *l);

/* Trim, bound (STORE_QUERY_MAX_BYTES, cut on a code-point boundary) and split (ASCII
 * whitespace and U+3000) query into at most STORE_QUERY_MAX_TERMS terms; a query with no
 * term gives nterms 0. */
void store_query_parse(const char *query, struct store_query *q);

/* The statements of a migration for dialect: lines after a "-- D:" marker line for another
 * dialect D are dropped (replaced by empty lines, so line numbers stay), up to the next
 * marker; "-- common:" starts SQL for every back end. *out is malloc'ed (caller frees).
 * Returns STORE_OK or STORE_ENOMEM. */
int store_migration_sql(const char *sql, const char *dialect, char **out);
/* The DDL of the bookkeeping table schema_migrations, the same for every back end. */
extern const char store_schema_migrations_ddl[];

/* ---- the parts of the front share these ---- */

/* Start the transaction a call needs, unless the caller has one open: *own says whether
 * store_tx_end has to end it. (store.c) */
int store_tx_start(store *s, int *own);
/* End what store_tx_start began: commit when rc is STORE_OK, else roll back. Returns rc or
 * the commit's failure. The caller's transaction is left alone. (store.c) */
int store_tx_end(store *s, int own, int rc);

/* The draft owner of an account: "a:ID". (store.c) */
void store_account_owner(long long id, char *out, size_t outlen);
/* *n (may be NULL) gets v when rc is STORE_OK, else 0; returns rc. For the calls that count
 * the rows they delete. (store.c) */
int store_counted(int rc, long long v, long long *n);
/* The whole body of a front call that deletes rows by keys and counts them: STORE_EINPUT
 * unless s is ready and ok holds (the keys are valid), else the back end's
 * op(ctx, keys..., &count); returns its code with *n set by store_counted. */
#define STORE_COUNT_BY(s, ok, n, op, ...)                                                          \
	do {                                                                                       \
		long long v_ = 0;                                                                  \
		int rc_ = STORE_READY(s) && (ok) ? (s)->be->op((s)->ctx, __VA_ARGS__, &v_)         \
		                                 : STORE_EINPUT;                                   \
		return store_counted(rc_, v_, (n));                                                \
	} while (0)

/* The arguments of a call that fills a list out of at most max entries: sets *n (may be
 * NULL) to 0, then STORE_OK when s is ready, ok holds, n is given and out too when max > 0,
 * else STORE_EINPUT. (store.c) */
int store_list_check(store *s, int ok, const void *out, size_t max, size_t *n);
/* *n (may be NULL) gets got when rc is STORE_OK, else 0; returns rc. (store.c) */
int store_listed(int rc, size_t got, size_t *n);
/* The whole body of a front call that lists entries by keys: checks the arguments with
 * store_list_check (ok: the keys are valid), then, when max > 0, fills out through the back
 * end's op(ctx, keys..., out, max, &got) and returns its code with *n set by store_listed. */
#define STORE_LIST_BY(s, ok, out, max, n, op, ...)                                                 \
	do {                                                                                       \
		size_t got_ = 0;                                                                   \
		int rc_ = store_list_check((s), (ok), (out), (max), (n));                          \
		if (rc_ != STORE_OK || (max) == 0)                                                 \
			return rc_;                                                                \
		rc_ = (s)->be->op((s)->ctx, __VA_ARGS__, (out), (max), &got_);                     \
		return store_listed(rc_, got_, (n));                                               \
	} while (0)

/* The arguments of a call that fills one record out (size bytes): STORE_EINPUT without out;
 * else out zeroed, then STORE_OK when s is ready and ok holds, else STORE_EINPUT. (store.c) */
int store_get_check(store *s, int ok, void *out, size_t size);
/* Frees the malloc'd texts of an application or a sign request and empties them. (store.c) */
void store_free_record(char **content, char **display, char **signature, char **verification,
                       size_t *signature_len);

/* error as it fits a last_error of outlen bytes: cut on a character boundary, control
 * characters and bytes that are not UTF-8 replaced by '?'. (store_outbox.c) */
void store_clean_error(const char *error, char *out, size_t outlen);

/* A store with a back end context, ready for a call. */
#define STORE_READY(s) ((s) && (s)->ctx)

/* Argument checks (store_check.c). Each returns 1 when the argument is acceptable. */
enum { STORE_TEXT_ANY = 0, STORE_TEXT_LINE = 1 /* no control characters */ };
/* t is UTF-8 of min..max bytes (and, for STORE_TEXT_LINE, without control characters). */
int store_text_ok(const char *t, size_t min, size_t max, int line);
/* A SHA-256 in hex as stored for tokens and sessions: 64 lower-case hex digits. */
int store_hash_ok(const char *h);
int store_email_ok(const char *email);
/* A token of 1..max bytes of [A-Za-z0-9_-] (draft keys, procedure ids). */
int store_token_ok(const char *t, size_t max);
int store_draft_key_ok(const char *key);
int store_proc_ok(const char *proc_id, int proc_version);
int store_owner_ok(const char *owner);
/* The n ids (each a token of 1..idmax bytes, as store_token_ok, so nothing needs escaping)
 * as a JSON array of strings into out (outlen bytes): 1, or 0 when an id is not such a token
 * (or ids is NULL with n > 0) or the array does not fit. */
int store_ids_json(const char *const *ids, size_t n, size_t idmax, char *out, size_t outlen);
/* The procedures of q as such an array into out (STORE_PROCS_JSON_MAX bytes): 1, or 0 when q
 * is NULL, names more than STORE_INBOX_PROCS_MAX or one that is not a procedure id.
 * (store_inbox.c) */
#define STORE_PROCS_JSON_MAX (STORE_INBOX_PROCS_MAX * (STORE_PROC_ID_MAX + 3) + 3)
int store_procs_json(const store_inbox_query *q, char *out);

/* Test-only: the value of one of the connection's pragmas (journal_mode, foreign_keys,
 * synchronous, busy_timeout) as text. STORE_EINPUT for another name or another back end. */
int store_sqlite_pragma(store *s, const char *name, char *out, size_t outlen);

#endif
