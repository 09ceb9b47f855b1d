/* store: the one storage interface of the portal. Callers see only these functions; the
 * back end (SQLite by default, PostgreSQL later) sits behind a const struct of function
 * pointers (store_impl.h) chosen by the URL given to store_open. Each event-loop thread opens
 * its own store. */
#ifndef MADOGUCHI_STORE_H
#define MADOGUCHI_STORE_H

#include <stddef.h>

#include "core/application.h"
#include "core/audit.h"

enum store_err {
	STORE_OK = 0,
	STORE_EOPEN, /* could not open or connect */
	STORE_EURL,  /* unknown scheme in the URL */
	STORE_ESQL,  /* the back end refused a statement */
	STORE_EBUSY, /* locked for longer than the busy timeout */
	STORE_ENOTFOUND,
	STORE_ECONFLICT, /* a unique key already exists */
	STORE_ENOMEM,
	STORE_EINPUT, /* bad argument */
};
const char *store_strerror(int err);

/* Every call of the API below that returns a status carries this: a result left unread is a
 * compiler error (-Werror), so a store error is never taken for success. GCC does not accept
 * a (void) cast as reading it: a caller that really has nothing to decide says so in code. */
#define STORE_MUST_USE __attribute__((warn_unused_result))

typedef struct store store;

/* url: "sqlite:PATH" or a plain PATH (SQLite; WAL, foreign keys on, synchronous=FULL,
 * busy timeout 5 s); "postgres://..." is reserved for the PostgreSQL back end.
 * On failure returns non-zero and writes a message into err. */
STORE_MUST_USE int store_open(const char *url, store **out, char *err, size_t errlen);
void store_close(store *s);
/* The back end's message for the last failed call on s (never NULL). Owned by s; valid until
 * the next call on s. For logs, never for pages. */
const char *store_errmsg(store *s);

/* Apply every embedded migration not yet applied, each in its own transaction, recording
 * it in schema_migrations. *applied (may be NULL) receives how many were applied now. */
STORE_MUST_USE int store_migrate(store *s, unsigned *applied, char *err, size_t errlen);
/* Highest applied migration number (0 when none). */
STORE_MUST_USE int store_schema_version(store *s, unsigned *version);

/* An online copy of the database into the new file dest (madoguchi backup): SQLite's
 * backup API in steps of a few hundred pages with a short sleep between, into dest.tmp
 * (a leftover one is replaced), the copy switched to a single file (journal_mode DELETE),
 * fsync'ed, checked with PRAGMA integrity_check, then renamed to dest and the directory
 * fsync'ed: dest appears only as a complete, checked copy. STORE_ECONFLICT when dest exists,
 * STORE_EURL for a back end without it (PostgreSQL: pg_dump). Writers of other connections
 * are not blocked: in WAL mode a read never blocks them. */
typedef struct store_backup_info {
	long long pages;        /* pages copied */
	long long bytes;        /* size of dest */
	long long applications; /* rows of applications in the copy */
	int restarts;           /* times a write by another connection restarted the copy */
	char integrity[64];     /* the first row of integrity_check: "ok" */
} store_backup_info;
STORE_MUST_USE int store_backup(store *s, const char *dest, store_backup_info *info, char *err,
                                size_t errlen);

/* Procedure search. The index is replaced as a whole (one transaction) at start-up. */
typedef struct store_proc_doc {
	const char *id;
	const char *title;
	const char *summary;
	const char *body; /* description as plain text */
} store_proc_doc;
STORE_MUST_USE int store_index_procedures(store *s, const store_proc_doc *docs, size_t n);

/* Ids of the procedures matching query, best first, at most limit. Queries of three or
 * more characters use the FTS5 trigram index (partial Japanese words match); shorter ones
 * fall back to a substring scan. Every whitespace-separated term must match (AND).
 * *ids is a NULL-terminated array the caller frees with store_free_ids. */
STORE_MUST_USE int store_search_procedures(store *s, const char *query, size_t limit, char ***ids,
                                           size_t *n);
void store_free_ids(char **ids);

/* ---- Transactions. Callers group several calls into one atomic write (an account and
 * its confirmation mail, say). Not nestable: store_begin with one open is STORE_EINPUT.
 * store_commit without one open is STORE_EINPUT; when the commit fails the transaction is
 * rolled back, so after store_commit returns none is open either way. A call that fails
 * inside an open transaction leaves it open: the caller decides (usually store_rollback).
 * The calls that need a transaction of their own (store_token_consume, store_outbox_claim,
 * store_account_delete, store_application_submit, store_application_set_status,
 * store_sign_request_finish) join the caller's when one is open. */
STORE_MUST_USE int store_begin(store *s);
STORE_MUST_USE int store_commit(store *s);
/* Harmless when none is open. The one status call without STORE_MUST_USE: it is called on a
 * path that has failed already, where its result changes nothing the caller does, and a
 * transaction it failed to end makes the next store_begin on s fail. */
int store_rollback(store *s);

/* ---- Group transactions (group commit: one writer commits several pieces of work with one
 * durable commit). store_group_begin opens a write transaction; store_group_run runs one
 * piece inside a savepoint: the transactions it opens (store_begin, and the calls that need
 * one of their own) are savepoints too, so a piece that fails rolls back alone and its
 * neighbours stay; store_group_commit makes them all durable at once (a failure: none of
 * them is). store_group_run gives STORE_ESQL when the back end ended the group's
 * transaction (every piece run so far is lost: call store_group_abandon). */
STORE_MUST_USE int store_group_begin(store *s);
STORE_MUST_USE int store_group_run(store *s, void (*work)(store *s, void *arg), void *arg);
STORE_MUST_USE int store_group_commit(store *s);
void store_group_abandon(store *s);

/* ---- Accounts (利用者). Times are Unix seconds; 0 means "not set". E-mail addresses are
 * stored as given but compared case-insensitively (the caller lower-cases the domain).
 * Case folding is ASCII only, the same on every back end. An address is 1..STORE_EMAIL_MAX
 * bytes without control characters, a hash at most STORE_HASH_MAX bytes; otherwise
 * STORE_EINPUT. The calls on one account by id give STORE_ENOTFOUND when it is absent. */
#define STORE_EMAIL_MAX 254
#define STORE_HASH_MAX 160
typedef struct store_account {
	long long id;
	char email[STORE_EMAIL_MAX + 1];
	char pw_hash[STORE_HASH_MAX + 1]; /* argon2id encoded string */
	long long created_at;
	long long verified_at; /* 0 until the address is confirmed */
} store_account;

/* STORE_ECONFLICT when the address (case-insensitively) is already registered. */
STORE_MUST_USE int store_account_create(store *s, const char *email, const char *pw_hash,
                                        long long now, long long *id);
/* STORE_ENOTFOUND when absent. */
STORE_MUST_USE int store_account_by_email(store *s, const char *email, store_account *out);
/* The comparison key of an e-mail address: ASCII letters lower-cased, other bytes kept.
 * out has room for strlen(email) + 1 bytes. The one rule of when two addresses are the
 * same: account lookups use it, and so must anything counted per address (throttles). */
void store_email_key(const char *email, char *out);
STORE_MUST_USE int store_account_by_id(store *s, long long id, store_account *out);
STORE_MUST_USE int store_account_set_verified(store *s, long long id, long long now);
STORE_MUST_USE int store_account_set_password(store *s, long long id, const char *pw_hash);
/* STORE_ECONFLICT when another account has the address. */
STORE_MUST_USE int store_account_set_email(store *s, long long id, const char *email);
/* Deletes the account and, by foreign keys, its sessions and tokens; also its open drafts
 * (owner "a:ID") with their attachments and sign requests, in one transaction (the caller's
 * when open). Its applications stay, with account_id 0. */
STORE_MUST_USE int store_account_delete(store *s, long long id);

/* ---- Single-use tokens (e-mail confirmation, password reset, change of e-mail). Only the
 * SHA-256 hex of a token is stored, never the token: token_hash is 64 lower-case hex
 * digits. kind is 1..STORE_TOKEN_KIND_MAX bytes. data is shorter than STORE_TOKEN_DATA_MAX
 * bytes, so that a char[STORE_TOKEN_DATA_MAX] holds it with its NUL; store_token_consume
 * takes data NULL (not wanted) or a buffer of at least STORE_TOKEN_DATA_MAX bytes.
 * store_token_create gives STORE_ECONFLICT for a hash already stored and STORE_ENOTFOUND
 * for an absent account. */
#define STORE_TOKEN_DATA_MAX 512
#define STORE_TOKEN_KIND_MAX 32
STORE_MUST_USE int
store_token_create(store *s, const char *kind, const char *token_hash, long long account_id,
                   const char *data /* may be NULL, e.g. the new e-mail address */,
                   long long expires_at);
/* Atomically uses the token: STORE_OK with the account (and data, "" when none) when it
 * exists, is of this kind, unused and not expired at now, and marks it used; otherwise
 * STORE_ENOTFOUND (used twice, expired and unknown all look the same). Expired at now
 * means expires_at <= now. account_id may be NULL. */
STORE_MUST_USE int store_token_consume(store *s, const char *kind, const char *token_hash,
                                       long long now, long long *account_id, char *data,
                                       size_t datalen);
/* Deletes the account's unused tokens of kind (kind NULL: all kinds). */
STORE_MUST_USE int store_tokens_delete(store *s, long long account_id, const char *kind);

/* ---- Sessions, kept in the database so that several portal processes behave as one.
 * The id is stored as the SHA-256 hex of the cookie value (64 lower-case hex digits).
 * account_id 0: not logged in. store_session_create gives STORE_ECONFLICT for an id
 * already stored and STORE_ENOTFOUND for an absent account; touch and delete give
 * STORE_ENOTFOUND when the session is absent. */
#define STORE_CSRF_MAX 64
typedef struct store_session {
	char id_hash[65];
	long long account_id;
	char csrf[STORE_CSRF_MAX + 1];
	long long created_at;
	long long last_seen;
} store_session;
STORE_MUST_USE int store_session_create(store *s, const store_session *sess);
/* STORE_ENOTFOUND when absent. Expiry is the caller's decision (it knows the timeouts). */
STORE_MUST_USE int store_session_get(store *s, const char *id_hash, store_session *out);
STORE_MUST_USE int store_session_touch(store *s, const char *id_hash, long long now);
STORE_MUST_USE int store_session_delete(store *s, const char *id_hash);
/* Deletes the account's sessions except keep_hash (NULL: all). */
STORE_MUST_USE int store_sessions_delete_for_account(store *s, long long account_id,
                                                     const char *keep_hash);
/* Deletes sessions whose last_seen < idle_before or created_at < created_before. */
STORE_MUST_USE int store_sessions_expire(store *s, long long idle_before, long long created_before);

/* ---- Throttling of failures (logins, mail requests) by key ("acct:ID", "ip:1.2.3.4").
 * Each failure is a row; counting looks at a sliding window. A key is
 * 1..STORE_THROTTLE_KEY_MAX bytes. */
#define STORE_THROTTLE_KEY_MAX 320
STORE_MUST_USE int store_throttle_add(store *s, const char *key, long long now);
/* Failures of key at or after since; *oldest (may be NULL) gets the earliest of them (0
 * when there is none). */
STORE_MUST_USE int store_throttle_count(store *s, const char *key, long long since,
                                        long long *count, long long *oldest);
STORE_MUST_USE int store_throttle_clear(store *s, const char *key);
/* Deletes rows older than before (housekeeping). */
STORE_MUST_USE int store_throttle_prune(store *s, long long before);

/* ---- Outgoing mail: written in the same transaction as what caused it, sent later by
 * the mail sender, kept with its state so that nothing is lost when the SMTP server is
 * down or the portal crashes between commit and send. "Oldest" and "newest" are the order
 * in which mails were added. The address (1..STORE_MAIL_ADDR_MAX bytes) and the subject
 * (at most STORE_MAIL_SUBJECT_MAX bytes) take no control characters (no header
 * injection); the body is at most STORE_MAIL_BODY_MAX bytes. */
#define STORE_MAIL_ADDR_MAX 254
#define STORE_MAIL_SUBJECT_MAX 400
#define STORE_MAIL_BODY_MAX 65536
typedef struct store_mail {
	long long id;
	char to[STORE_MAIL_ADDR_MAX + 1];
	char subject[STORE_MAIL_SUBJECT_MAX + 1];
	char *body; /* malloc'd, freed by store_mail_release */
	long long created_at;
	long long next_at; /* not tried before this time */
	long long sent_at; /* 0 until sent */
	int attempts;
	char last_error[256];
} store_mail;
/* A new mail due at now (created_at = next_at = now, 0 attempts); *id (may be NULL). */
STORE_MUST_USE int store_outbox_add(store *s, const char *to, const char *subject, const char *body,
                                    long long now, long long *id);
/* Claims up to max unsent mails with next_at <= now, oldest first, into out (*n gets the
 * count): in one transaction it also sets their next_at to now + lease, so that two senders
 * (two portal processes) never take the same mail, and a sender that dies leaves them to
 * be taken again after the lease. The caller releases each with store_mail_release. */
STORE_MUST_USE int store_outbox_claim(store *s, long long now, long long lease, store_mail *out,
                                      size_t max, size_t *n);
/* Both count one more attempt. mark_sent keeps the first sent_at if the mail was sent
 * twice (a lease that ran out); mark_failed (error may be NULL, cut to fit last_error)
 * applies only to an unsent mail. STORE_ENOTFOUND otherwise. */
STORE_MUST_USE int store_outbox_mark_sent(store *s, long long id, long long now);
STORE_MUST_USE int store_outbox_mark_failed(store *s, long long id, long long next_at,
                                            const char *error);
/* The newest max mails, sent or not, newest first (the development mailbox page). */
STORE_MUST_USE int store_outbox_recent(store *s, store_mail *out, size_t max, size_t *n);
/* The outbox's backlog (the metrics): *unsent the mails not sent yet, *failing those of them
 * whose last attempt failed (at least one attempt). No transaction. */
STORE_MUST_USE int store_outbox_backlog(store *s, long long *unsent, long long *failing);

/* The hourly housekeeping runs in one process at a time: store_housekeeping_lock sets *got
 * to 1 when this connection now holds the lock (until store_housekeeping_unlock or the
 * connection closes), 0 when another holds it. PostgreSQL: a session advisory lock; SQLite:
 * always got (its writers' lock orders each statement, and each step is one). */
STORE_MUST_USE int store_housekeeping_lock(store *s, int *got);

/* The procedure files a portal process serves, as the SHA-256 (hex) of their ids and
 * versions: every process on one database must serve the same. store_procedure_set_swap
 * records digest (at now) and gives the one recorded before it into previous ("" for none);
 * store_procedure_set_get gives the recorded one ("" for none). */
#define STORE_PROCSET_DIGEST_LEN 64
STORE_MUST_USE int store_procedure_set_swap(store *s, const char *digest, long long now,
                                            char previous[STORE_PROCSET_DIGEST_LEN + 1]);
STORE_MUST_USE int store_procedure_set_get(store *s, char digest[STORE_PROCSET_DIGEST_LEN + 1]);

/* url as it may be shown in a message: a password in it (postgresql://user:PASSWORD@... or
 * password=...) replaced by ***. Cut to fit out (outlen > 0). */
void store_url_redact(const char *url, char *out, size_t outlen);
STORE_MUST_USE int store_housekeeping_unlock(store *s);
/* Frees m->body and sets it NULL; m may be NULL. */
void store_mail_release(store_mail *m);

/* ---- Drafts (下書き): what a person has typed into a procedure's form, saved as they go,
 * one open draft per owner and procedure. owner is "a:ACCOUNT_ID" for a logged-in person or
 * "s:SESSION_HASH" for a procedure without login (1..STORE_OWNER_MAX bytes of UTF-8 without
 * control characters). key is a random token (1..STORE_DRAFT_KEY_MAX bytes of
 * [A-Za-z0-9_-]) that names the draft in URLs and is the idempotency key of its submission:
 * a draft is submitted at most once. proc_id is 1..STORE_PROC_ID_MAX bytes of [A-Za-z0-9_-]
 * and proc_version >= 1. raw is the JSON text of the form input as last entered (kept even
 * when invalid, so values survive), UTF-8 of at most STORE_DRAFT_RAW_MAX bytes. A submitted
 * draft keeps its row (and attachments) and its receipt; it is no longer "open". Anything
 * else is STORE_EINPUT. */
#define STORE_OWNER_MAX 80
#define STORE_DRAFT_KEY_MAX 64
#define STORE_PROC_ID_MAX 64
#define STORE_DRAFT_RAW_MAX ((size_t)256 * 1024)
#define STORE_RECEIPT_MAX APP_RECEIPT_MAX
typedef struct store_draft {
	char key[STORE_DRAFT_KEY_MAX + 1];
	char owner[STORE_OWNER_MAX + 1];
	char proc_id[STORE_PROC_ID_MAX + 1];
	int proc_version;
	char *raw; /* malloc'd JSON text; store_draft_release frees */
	long long created_at;
	long long updated_at;
	char receipt[STORE_RECEIPT_MAX + 1]; /* "" while open */
} store_draft;
/* STORE_ECONFLICT when the key exists or the owner already has an open draft of proc_id
 * (created_at = updated_at = now). */
STORE_MUST_USE int store_draft_create(store *s, const char *key, const char *owner,
                                      const char *proc_id, int proc_version, const char *raw,
                                      long long now);
/* The owner's open draft of proc_id; STORE_ENOTFOUND when none. Both calls overwrite *out
 * (release an earlier one first); out->raw is malloc'd on success and NULL otherwise. */
STORE_MUST_USE int store_draft_open(store *s, const char *owner, const char *proc_id,
                                    store_draft *out);
/* Any draft by key, open or submitted; STORE_ENOTFOUND when absent. */
STORE_MUST_USE int store_draft_get(store *s, const char *key, store_draft *out);
/* Replaces raw (and proc_version, updated_at) of an open draft; STORE_ENOTFOUND when absent
 * or already submitted. */
STORE_MUST_USE int store_draft_save(store *s, const char *key, int proc_version, const char *raw,
                                    long long now);
/* Deletes an open draft with its attachments and sign requests; STORE_ENOTFOUND when absent
 * or submitted. */
STORE_MUST_USE int store_draft_delete(store *s, const char *key);
/* Frees d->raw and sets it NULL; d may be NULL. */
void store_draft_release(store_draft *d);
/* Housekeeping: deletes the open drafts of procedures without login ("s:" owners, whose
 * session is gone or idle) not changed since before, with their attachments and sign
 * requests. *n (may be NULL) gets how many. Drafts of accounts and submitted drafts stay. */
STORE_MUST_USE int store_drafts_prune_anonymous(store *s, long long before, long long *n);

/* ---- Bounds of the uploads of people without login ---- */
#define STORE_PEER_MAX 64 /* a client address as text */
/* *bytes: the size of every attachment of the owner's open drafts together. */
STORE_MUST_USE int store_owner_attachment_bytes(store *s, const char *owner, long long *bytes);
/* Records that peer (a client address, 1..STORE_PEER_MAX bytes) sent bytes (> 0) at now. */
STORE_MUST_USE int store_anon_upload_add(store *s, const char *peer, long long now,
                                         long long bytes);
/* *bytes: what peer sent since (inclusive), recorded by store_anon_upload_add. */
STORE_MUST_USE int store_anon_upload_bytes(store *s, const char *peer, long long since,
                                           long long *bytes);
/* Housekeeping: deletes the records older than before; *n (may be NULL) gets how many. */
STORE_MUST_USE int store_anon_uploads_prune(store *s, long long before, long long *n);

/* ---- Attachments of a draft (添付ファイル), kept in the database with their SHA-256 (64
 * lower-case hex, computed by the caller; the store does not hash). field: 1..64 bytes of
 * UTF-8 without control characters; filename: 1..STORE_FILENAME_MAX bytes of UTF-8 without
 * control characters or '/' '\\', and not "." or ".."; mime: 1..127 bytes of printable
 * ASCII (it goes into a Content-Type header); data 1..STORE_FILE_MAX bytes. Anything else is
 * STORE_EINPUT. Adding to a submitted or absent draft is STORE_ENOTFOUND. Listed in the
 * order added. Ids are never reused, even after a deletion. How many files a draft may have
 * is the caller's rule. */
#define STORE_FILENAME_MAX 255
#define STORE_FILE_MAX ((size_t)16 << 20)
typedef struct store_attachment {
	long long id;
	char field[65];
	char filename[STORE_FILENAME_MAX + 1];
	char mime[128];
	long long size;
	char sha256[65];
	long long created_at;
} store_attachment;
/* *id (may be NULL) gets the new attachment's id. */
STORE_MUST_USE int store_attachment_add(store *s, const char *draft_key, const char *field,
                                        const char *filename, const char *mime, const void *data,
                                        size_t len, const char *sha256, long long now,
                                        long long *id);
/* Up to max attachments of the draft (any field) into out; *n gets the count (0 for an
 * absent draft). */
STORE_MUST_USE int store_attachment_list(store *s, const char *draft_key, store_attachment *out,
                                         size_t max, size_t *n);
/* One attachment of the draft (open or submitted) with its bytes (*data malloc'd, the caller
 * frees; NULL on failure). meta may be NULL. STORE_ENOTFOUND when absent. */
STORE_MUST_USE int store_attachment_get(store *s, const char *draft_key, long long id,
                                        store_attachment *meta, void **data, size_t *len);
/* Removes one attachment of an open draft; STORE_ENOTFOUND when absent or submitted. */
STORE_MUST_USE int store_attachment_delete(store *s, const char *draft_key, long long id);

/* ---- Applications (申請): a submitted draft. The receipt number (受付番号) is
 * of the form core/application.h defines (app_receipt_valid), with a counter per year kept
 * in the database and bumped in the submitting transaction, so it is unique across
 * processes and has no gaps. The statuses are those of core/application.h.
 * Every status change (the first being "sent") is also recorded in an event list. An
 * application outlives its account: deleting the account sets account_id to 0. */
#define STORE_STATUS_MAX 16
#define STORE_TITLE_MAX 400
#define STORE_CONTENT_MAX ((size_t)1 << 20)
#define STORE_SIGNATURE_MAX ((size_t)64 * 1024)
#define STORE_VERIFICATION_MAX ((size_t)64 * 1024)
#define STORE_OCSP_RESPONSE_MAX ((size_t)64 * 1024)
#define STORE_NOTE_MAX 1000
typedef struct store_application {
	char receipt[STORE_RECEIPT_MAX + 1];
	char draft_key[STORE_DRAFT_KEY_MAX + 1];
	long long account_id; /* 0: applied without login (or the account was deleted) */
	char proc_id[STORE_PROC_ID_MAX + 1];
	int proc_version;
	char proc_title[STORE_TITLE_MAX + 1];
	char status[STORE_STATUS_MAX + 1];
	char digest[65];      /* SHA-256 hex of content */
	char *content;        /* canonical JSON (malloc'd) */
	char *display;        /* JSON array of {label, value} as confirmed (malloc'd) */
	char *signature;      /* DER CMS or NULL (malloc'd) */
	size_t signature_len; /* its length, 0 when none */
	char *verification;   /* JSON verification report or NULL (malloc'd) */
	char *ocsp_response;  /* DER OCSPResponse kept at arrival or NULL (malloc'd; 0015) */
	size_t ocsp_response_len;
	long long submitted_at;
	long long updated_at;
	/* Filled by store_inbox_list only (migration 0011), else 0. */
	int differs;        /* -1 未判定, 0, 1 */
	long long assignee; /* 0: nobody */
} store_application;
/* In the caller's transaction (or one of its own): allocates the receipt number, inserts
 * the application (status "sent", one event) and marks the draft submitted. The caller
 * fills draft_key, account_id, proc_id, proc_version, proc_title, digest, content, display,
 * signature(_len) and verification; a->receipt, a->status and the times (now) are filled
 * here on success (receipt also copied to receipt_out, NULL or at least
 * STORE_RECEIPT_MAX + 1 bytes). When the draft was already submitted: STORE_ECONFLICT and
 * receipt_out gets that earlier receipt (a double submission finds the first). A draft
 * absent, or an account_id that names no account: STORE_ENOTFOUND. STORE_EINPUT for: now
 * <= 0; a proc_id other than the draft's; an account_id other than 0 when the draft's owner
 * is not "a:ACCOUNT_ID"; proc_title not 1..STORE_TITLE_MAX bytes of UTF-8 without control
 * characters; digest not 64 lower-case hex; content or display not 1..STORE_CONTENT_MAX
 * bytes of UTF-8; signature neither NULL with signature_len 0 nor 1..STORE_SIGNATURE_MAX
 * bytes; verification neither NULL nor 1..STORE_VERIFICATION_MAX bytes of UTF-8;
 * ocsp_response neither NULL with ocsp_response_len 0 nor 1..STORE_OCSP_RESPONSE_MAX bytes,
 * and only with a signature. Failing
 * inside the caller's transaction may leave part of the work done: roll it back. */
STORE_MUST_USE int store_application_submit(store *s, store_application *a, long long now,
                                            char *receipt_out);
/* correction of a returned application (差し戻し → 再申請): a correction draft is a draft
 * (as above) of the application's account ("a:ID") tied to its receipt. Submitting it with
 * store_application_submit gives the application its next version instead of a new receipt,
 * in the same transaction: the application must be in a status from which the applicant may
 * move it to "sent" (core/application.h: returned) and be a->account_id's (a->account_id
 * >= 1) and of a->proc_id; the first time, version 1 (what the row held) is kept among its
 * versions; the row takes the new content (draft_key, proc_version, proc_title, digest,
 * content, display, signature, verification; submitted_at = updated_at = now), its status
 * becomes "sent" with an event noted app_resubmit_note, the new version is kept as well,
 * and the draft is marked submitted with the application's receipt (a->receipt and
 * receipt_out get it). The application in another status: STORE_ECONFLICT with receipt_out
 * "" (a draft submitted already gives STORE_ECONFLICT with its receipt, as above); another
 * account or procedure: STORE_EINPUT. */
/* Creates the correction draft key (as store_draft_create; owner "a:ACCOUNT_ID") of the
 * application receipt, in the caller's transaction or one of its own: the raw input of the
 * application's latest draft, its attachments copied (new ids, same files), proc_version
 * the procedure's version now. STORE_ENOTFOUND when the application is absent or not the
 * owner's account's; STORE_ECONFLICT when it is in a status the applicant cannot resubmit
 * from, when the owner already has an open draft of its procedure, or for a key that
 * exists. */
STORE_MUST_USE int store_draft_resubmit_create(store *s, const char *key, const char *owner,
                                               const char *receipt, int proc_version,
                                               long long now);
/* Deletes the open correction drafts of the application receipt (with their attachments and
 * sign requests): called when it is withdrawn, so that no draft is left that can never be
 * submitted. *n (may be NULL) gets how many. */
STORE_MUST_USE int store_drafts_resubmit_cancel(store *s, const char *receipt, long long *n);
/* The receipt of the application the draft key corrects into receipt (STORE_RECEIPT_MAX +
 * 1 bytes), "" for a draft that corrects none; STORE_ENOTFOUND when the draft is absent. */
STORE_MUST_USE int store_draft_resubmit_of(store *s, const char *key, char *receipt);
/* One kept version of an application. The signature itself is not read (signature_len
 * says whether there is one); display and verification are malloc'd (verification NULL
 * when none), freed by store_app_version_release. */
typedef struct store_app_version {
	int version; /* 1, 2, ... */
	char draft_key[STORE_DRAFT_KEY_MAX + 1];
	int proc_version;
	char digest[65];
	long long submitted_at;
	size_t signature_len; /* 0: unsigned */
	char *display;        /* JSON array of {label, value} as confirmed */
	char *verification;   /* JSON verification report or NULL */
} store_app_version;
/* The application's kept versions, oldest first, at most max (*n is 0 for an application
 * never resubmitted: its one version is the row itself). The caller releases each. */
STORE_MUST_USE int store_application_versions(store *s, const char *receipt, store_app_version *out,
                                              size_t max, size_t *n);
/* Frees the malloc'd parts and sets them NULL; v may be NULL. */
void store_app_version_release(store_app_version *v);
/* STORE_ENOTFOUND when absent; STORE_EINPUT when receipt is not of the form above. *out is
 * overwritten (release an earlier one first). The caller releases. */
STORE_MUST_USE int store_application_get(store *s, const char *receipt, store_application *out);
/* Frees the malloc'd parts and sets them NULL (signature_len 0); a may be NULL. */
void store_application_release(store_application *a);
/* The account's (account_id >= 1) applications, newest first, at most max, without the
 * malloc'd parts (content, display, signature, verification stay NULL). */
STORE_MUST_USE int store_applications_for_account(store *s, long long account_id,
                                                  store_application *out, size_t max, size_t *n);
/* Changes the status when the current one is among from (a NULL-terminated list of at most
 * 16 statuses; NULL: any) and records an event with note (may be NULL, at most
 * STORE_NOTE_MAX bytes of UTF-8) at now, in the caller's transaction or one of its own.
 * STORE_ENOTFOUND when absent, STORE_ECONFLICT when the current status is not in from,
 * STORE_EINPUT when to or an entry of from is not one of the seven statuses. Withdrawal by
 * the applicant, for example, passes from = {"sent", "accepted", "reviewing", "returned",
 * NULL}. */
STORE_MUST_USE int store_application_set_status(store *s, const char *receipt,
                                                const char *const *from, const char *to,
                                                const char *note, long long now);
typedef struct store_app_event {
	char status[STORE_STATUS_MAX + 1];
	char note[STORE_NOTE_MAX + 1]; /* "" when none */
	long long at;
} store_app_event;
/* The application's events, oldest first, at most max (*n is 0 for an absent one). */
STORE_MUST_USE int store_application_events(store *s, const char *receipt, store_app_event *out,
                                            size_t max, size_t *n);

/* ---- The staff's decisions on an application (core/decision.h) and what goes with them:
 * the optimistic token of a decision form (the newest event's id), the internal notes
 * (内部メモ, never shown to the applicant) and the mails a decision queued. receipt as
 * above (else STORE_EINPUT). */
/* *id: the id of the application's newest event (ids grow with every event); 0 and
 * STORE_ENOTFOUND when it has none (an absent application). */
STORE_MUST_USE int store_application_last_event(store *s, const char *receipt, long long *id);
/* store_application_set_status, but only while the application's newest event is still
 * last_event (>= 1), the one the deciding person saw: STORE_ECONFLICT when another event
 * came since or the status is not in from (nothing changed), in the caller's transaction or
 * one of its own. *event_id (may be NULL) gets the new event's id. */
STORE_MUST_USE int store_application_set_status_after(store *s, const char *receipt,
                                                      long long last_event, const char *const *from,
                                                      const char *to, const char *note,
                                                      long long now, long long *event_id);
/* An internal note: body 1..STORE_NOTE_MAX bytes of UTF-8 (newlines allowed, no other
 * control characters), by staff member staff_id (>= 1) at now (> 0). STORE_ENOTFOUND when
 * the application or the staff member is absent. *id (may be NULL). */
typedef struct store_note {
	long long id;
	long long staff_id;
	char body[STORE_NOTE_MAX + 1];
	long long at;
} store_note;
STORE_MUST_USE int store_note_add(store *s, const char *receipt, long long staff_id,
                                  const char *body, long long now, long long *id);
/* The application's notes, oldest first, at most max (the author by id: store_staff_by_id). */
STORE_MUST_USE int store_notes(store *s, const char *receipt, store_note *out, size_t max,
                               size_t *n);
/* Records that the outbox mail outbox_id (>= 1) was queued for the applicant at now (> 0),
 * in the caller's transaction (the decision's). STORE_ENOTFOUND for an absent application. */
typedef struct store_app_mail {
	long long outbox_id;
	long long at;
} store_app_mail;
STORE_MUST_USE int store_application_mail_add(store *s, const char *receipt, long long outbox_id,
                                              long long now);
/* The mails queued for the application's applicant, oldest first, at most max. */
STORE_MUST_USE int store_application_mails(store *s, const char *receipt, store_app_mail *out,
                                           size_t max, size_t *n);

/* ---- The staff inbox (受付一覧): applications of a set of procedures (those a staff member
 * has a role on), newest first by (submitted_at, receipt), in pages by key (the
 * (submitted_at, receipt) of the previous page's last row; no offset). procs: nprocs
 * (0..STORE_INBOX_PROCS_MAX) procedure ids (as for drafts); none gives nothing. status NULL or
 * one of the seven statuses; receipt NULL or a receipt (exact match); after_receipt NULL for
 * the first page, else a receipt with after_at > 0. Anything else is STORE_EINPUT. Within
 * one second the receipts are ordered as text (equal lengths in practice: six digits a
 * year until the millionth). max is at most STORE_INBOX_PAGE_MAX; the rows have no malloc'd
 * parts (content, display, signature, verification stay NULL). */
#define STORE_INBOX_PROCS_MAX 64
#define STORE_INBOX_PAGE_MAX 100
typedef struct store_inbox_query {
	const char *const *procs;
	size_t nprocs;
	const char *status;
	const char *receipt;
	long long after_at;
	const char *after_receipt;
	/* The filters of migration 0011 (0 / NULL: any): arrival from_at <= submitted_at <
	 * to_at (Unix seconds; either 0 for no bound); differs one of STORE_DIFFERS_*;
	 * assignee a staff id, STORE_ASSIGNEE_NOBODY, or 0; search a folded key
	 * (compare_fold, 1..STORE_SEARCH_MAX bytes of UTF-8 without control characters) that
	 * the applicant's folded name or furigana contains. */
	long long from_at, to_at;
	int differs;
	long long assignee;
	const char *search;
} store_inbox_query;
enum { STORE_DIFFERS_ANY = 0, STORE_DIFFERS_YES, STORE_DIFFERS_NO, STORE_DIFFERS_UNKNOWN };
#define STORE_ASSIGNEE_NOBODY (-1)
#define STORE_SEARCH_MAX 200
STORE_MUST_USE int store_inbox_list(store *s, const store_inbox_query *q, store_application *out,
                                    size_t max, size_t *n);
typedef struct store_status_count {
	char status[STORE_STATUS_MAX + 1];
	long long count;
} store_status_count;
/* The number of applications per status of the procedures (as above; status and receipt of
 * q ignored): one entry per status that has any, in no particular order, at most max. */
STORE_MUST_USE int store_inbox_counts(store *s, const store_inbox_query *q, store_status_count *out,
                                      size_t max, size_t *n);
/* The inbox's filters and the evidence panel (migration 0011). */
/* The receipt of the application just before (newer, in the inbox's newest-first order) and
 * just after (older) the one at (at, receipt) among those q selects (its after_* ignored),
 * each "" when there is none; newer and older have STORE_RECEIPT_MAX + 1 bytes. */
STORE_MUST_USE int store_inbox_neighbours(store *s, const store_inbox_query *q, long long at,
                                          const char *receipt, char *newer, char *older);
/* In the caller's transaction (the submit's): the application's folded search key (NULL:
 * none; else 1..STORE_SEARCH_KEY_MAX bytes of UTF-8) and differs flag (-1 未判定, 0, 1).
 * STORE_ENOTFOUND for no such application. */
#define STORE_SEARCH_KEY_MAX 1024
STORE_MUST_USE int store_application_review_keys(store *s, const char *receipt,
                                                 const char *search_key, int differs);
typedef struct store_app_review {
	int differs;             /* -1 未判定 (NULL), 0, 1 */
	long long assignee;      /* 0: nobody */
	char assignee_name[201]; /* STORE_STAFF_NAME_MAX + 1 */
} store_app_review;
/* The application's flags into *out; STORE_ENOTFOUND when there is no such application. */
STORE_MUST_USE int store_application_review(store *s, const char *receipt, store_app_review *out);
/* The assignee (担当) of the application: staff_id (>= 1), or 0 for nobody. STORE_ENOTFOUND
 * for no such application (or no such staff member). */
STORE_MUST_USE int store_application_assign(store *s, const char *receipt, long long staff_id);
/* A re-verification (再検証) of the application's signature: appended, never changed. result
 * a verify_result_name (1..31 bytes of [a-z_]); report 1..STORE_VERIFICATION_MAX bytes of
 * UTF-8; at > 0; staff_id >= 1. STORE_ENOTFOUND for no such application. */
typedef struct store_reverification {
	long long id, staff_id, at;
	char result[32];
	char staff_name[201]; /* STORE_STAFF_NAME_MAX + 1 */ /* "" when the account is gone */
	char *report;                                        /* malloc'd */
} store_reverification;
STORE_MUST_USE int store_reverification_add(store *s, const char *receipt, long long staff_id,
                                            long long at, const char *result, const char *report);
/* Up to max re-verifications of the application, oldest first (the reports malloc'd: free
 * them with store_reverifications_release(out, max), also after a failure). */
STORE_MUST_USE int store_reverifications(store *s, const char *receipt, store_reverification *out,
                                         size_t max, size_t *n);
void store_reverifications_release(store_reverification *r, size_t n);

/* ---- Exports (CSV of the staff console): one procedure's applications that arrived in
 * [from_at, to_at) (Unix seconds, 0 < from_at < to_at), newest first by (submitted_at,
 * receipt) as the inbox, in pages by key (after_receipt NULL for the first page, else the
 * previous page's last row with after_at > 0; no offset), each row whole (content, display,
 * verification and signature malloc'd: store_application_release each). max is at most
 * STORE_EXPORT_PAGE_MAX. */
#define STORE_EXPORT_PAGE_MAX 50
STORE_MUST_USE int store_export_page(store *s, const char *proc_id, long long from_at,
                                     long long to_at, long long after_at, const char *after_receipt,
                                     store_application *out, size_t max, size_t *n);
/* "Since my last export" (migration 0014): the arrival time up to which staff member staff_id's
 * last such export of proc_id went into *at (0 when there was none), and, in the caller's
 * transaction (the export's audit row's), the new one (at > 0). STORE_ENOTFOUND from the set
 * for no such staff member. */
STORE_MUST_USE int store_export_mark_get(store *s, long long staff_id, const char *proc_id,
                                         long long *at);
STORE_MUST_USE int store_export_mark_set(store *s, long long staff_id, const char *proc_id,
                                         long long at);

/* ---- API keys of the back-office systems (基幹連携, migration 0016): each reads the
 * applications of its procedures and, with scope "read_status", changes their status. Only
 * the SHA-256 (lower-case hex) of a key's secret is stored; a revoked key stays with its
 * revocation time. ---- */
#define STORE_API_NAME_MAX 100
#define STORE_API_SCOPE_MAX 16
#define STORE_API_PROCS_MAX 16
typedef struct store_api_key {
	long long id;
	char name[STORE_API_NAME_MAX + 1];
	char secret_hash[65];
	char scope[STORE_API_SCOPE_MAX + 1];            /* "read" or "read_status" */
	long long created_by;                           /* staff id, 0 when gone */
	long long created_at, revoked_at, last_used_at; /* 0: not revoked, never used */
	char procs[STORE_API_PROCS_MAX][STORE_PROC_ID_MAX + 1];
	size_t nprocs;
} store_api_key;
/* A new key (name 1..STORE_API_NAME_MAX bytes, secret_hash 64 hex, scope as above) of staff
 * member created_by with its procedures procs[0..nprocs) (1..STORE_API_PROCS_MAX), in the
 * caller's transaction or one of its own: its id into *id. */
STORE_MUST_USE int store_api_key_add(store *s, const char *name, const char *secret_hash,
                                     const char *scope, long long created_by,
                                     const char *const *procs, size_t nprocs, long long now,
                                     long long *id);
/* Key id with its procedures into *out: STORE_ENOTFOUND when there is none. */
STORE_MUST_USE int store_api_key_get(store *s, long long id, store_api_key *out);
/* Every key, newest first, with its procedures (at most max). */
STORE_MUST_USE int store_api_key_list(store *s, store_api_key *out, size_t max, size_t *n);
/* Revokes key id at now: STORE_ENOTFOUND when there is none or it is revoked already. */
STORE_MUST_USE int store_api_key_revoke(store *s, long long id, long long now);
/* Key id was used at now (its last_used_at). */
STORE_MUST_USE int store_api_key_used(store *s, long long id, long long now);
/* The applications of proc_id that arrived after (after_at, after_receipt), oldest first, by
 * arrival then receipt (after_receipt NULL: from the first), at most max, without their
 * malloc'd parts (content, display, signature, verification stay NULL): the API's list. */
STORE_MUST_USE int store_api_page(store *s, const char *proc_id, long long after_at,
                                  const char *after_receipt, store_application *out, size_t max,
                                  size_t *n);
/* Status event event_id was made by key key_id (in the decision's transaction). */
STORE_MUST_USE int store_api_key_event(store *s, long long event_id, long long key_id);

/* ---- The staff dashboard (集計, migration 0017): figures of the applications of a set of
 * procedures (procs and nprocs of q as for the inbox; the rest of q ignored), counted by SQL
 * from rows that triggers keep in the transaction that changes an application. A day number
 * counts days in Japan: (t + 32400) / 86400 for Unix time t (UTC+9, JDATE_JST_OFFSET; the
 * triggers of migration 0017 count so). Rows have no malloc'd parts. Anything out of bounds is
 * STORE_EINPUT. */
typedef struct store_dash_count {
	char proc_id[STORE_PROC_ID_MAX + 1];
	long long key; /* a day number, or a number of days */
	long long count;
} store_dash_count;
/* Arrivals per procedure and day: the applications whose submitted_at falls on day numbers
 * from_day <= day < to_day (0 < from_day < to_day), one row per procedure and day that has
 * any, ordered by procedure and day, at most max. */
STORE_MUST_USE int store_dash_arrivals(store *s, const store_inbox_query *q, long long from_day,
                                       long long to_day, store_dash_count *out, size_t max,
                                       size_t *n);
/* Days from arrival to decision: a decision is an application's first event into 処理完了
 * (done) or 申請却下 (rejected), its days the day number of that event less that of the
 * application's submitted_at then (the latest version's, for one sent again after a return
 * for correction), as the trigger of migration 0017 records them. For the decisions on day
 * numbers >= from_day (> 0): how many took each number of days (above cap, 0..10000,
 * counted as cap), per procedure, ordered by procedure and days, at most max. */
STORE_MUST_USE int store_dash_decided(store *s, const store_inbox_query *q, long long from_day,
                                      long long cap, store_dash_count *out, size_t max, size_t *n);
/* The waiting applications are those in 送信済, 受付 or 審査中 (sent, accepted, reviewing: not
 * final, not returned to the applicant; core/dashboard.h dash_status_waiting). The one of
 * them that arrived first (by submitted_at, receipt) into *out (no malloc'd parts);
 * STORE_ENOTFOUND when none waits. One index seek per procedure. */
STORE_MUST_USE int store_dash_oldest(store *s, const store_inbox_query *q, store_application *out);
/* The waiting applications of procedure proc_id that arrived before before_at (> 0), oldest
 * first, at most max (<= STORE_INBOX_PAGE_MAX), no malloc'd parts; and how many there are,
 * counted up to limit (> 0; the count stops there). */
STORE_MUST_USE int store_dash_overdue(store *s, const char *proc_id, long long before_at,
                                      store_application *out, size_t max, size_t *n);
STORE_MUST_USE int store_dash_overdue_count(store *s, const char *proc_id, long long before_at,
                                            long long limit, long long *n);

/* ---- Sign requests (署名要求): the confirmation page of a procedure that needs an
 * e-signature makes one; the signing app fetches it by the id in its link and posts the
 * signature. Only the SHA-256 hex of the id is stored (id_hash). Bound to one draft and to
 * the digest of the draft's canonical content at the time; single use; short-lived
 * (expires_at). The requests go with their draft: store_draft_delete and the deletion of an
 * account's open drafts (store_account_delete) delete them too. id_hash and digest are 64
 * lower-case hex digits; draft_key as for drafts; proc_title 1..STORE_TITLE_MAX bytes of
 * UTF-8 without control characters; content and display 1..STORE_CONTENT_MAX bytes of
 * UTF-8; 0 < created_at < expires_at; a signature 1..STORE_SIGNATURE_MAX bytes; a
 * verification report 1..STORE_VERIFICATION_MAX bytes of UTF-8. Anything else (and a NULL
 * store, request or out) is STORE_EINPUT. The store does not hash: the caller computes
 * id_hash and digest. */
typedef struct store_sign_request {
	char id_hash[65];
	char draft_key[STORE_DRAFT_KEY_MAX + 1];
	char digest[65]; /* SHA-256 hex of content */
	char proc_title[STORE_TITLE_MAX + 1];
	char *content; /* canonical JSON (malloc'd), <= STORE_CONTENT_MAX */
	char *display; /* JSON array of {label, value} (malloc'd) */
	long long created_at, expires_at;
	long long used_at;    /* 0 until a signature was posted */
	char status[16];      /* "pending", "signed", "refused" */
	char *signature;      /* DER CMS (malloc'd) when signed (a refused one may keep what
	                       * was posted), else NULL */
	size_t signature_len; /* its length, 0 when none */
	char *verification;   /* JSON report (malloc'd) once used, else NULL */
	char *ocsp_response;  /* DER OCSPResponse that decided at arrival (malloc'd) or NULL */
	size_t ocsp_response_len;
} store_sign_request;
/* STORE_ECONFLICT for an id_hash already stored, STORE_ENOTFOUND for an absent or already
 * submitted draft (checked in the same statement as the insert). status, used_at, signature
 * and verification of r are ignored (pending). r is only read: the caller keeps what it
 * owns. */
STORE_MUST_USE int store_sign_request_create(store *s, const store_sign_request *r);
/* Any request by id_hash, whatever its status or expiry (the caller decides what to show);
 * STORE_ENOTFOUND when absent. *out is overwritten (release an earlier one first); its
 * malloc'd parts are set on success and NULL otherwise. The caller releases. */
STORE_MUST_USE int store_sign_request_get(store *s, const char *id_hash, store_sign_request *out);
/* Uses a pending request whose expires_at > now: status "signed" (signature required) or
 * "refused" (signature may be NULL), the verification report (JSON text, required), used_at
 * = now (> 0). sig is NULL with sig_len 0, or sig_len bytes; ocsp (the OCSP response that
 * decided the revocation check, kept as evidence) NULL with ocsp_len 0, or 1..
 * STORE_OCSP_RESPONSE_MAX bytes, only with "signed". Exactly one of two concurrent
 * callers wins (one conditional update, in the caller's transaction or one of its own).
 * STORE_ENOTFOUND when absent, STORE_ECONFLICT when already used or expired (the request is
 * then left as it was). */
STORE_MUST_USE int store_sign_request_finish(store *s, const char *id_hash, const char *status,
                                             const void *sig, size_t sig_len,
                                             const char *verification, const void *ocsp,
                                             size_t ocsp_len, long long now);
/* The draft's newest request with status "signed" and this digest (the signature that
 * counts for the draft as it is now): the latest used_at, then the latest created_at.
 * STORE_ENOTFOUND when none. Same ownership of *out as store_sign_request_get. */
STORE_MUST_USE int store_sign_request_signed(store *s, const char *draft_key, const char *digest,
                                             store_sign_request *out);
/* 1 in *any when the draft has a signed request with another digest (the content changed
 * after signing: the page asks for a new signature), else 0 (also for an absent draft). */
STORE_MUST_USE int store_sign_request_signed_other(store *s, const char *draft_key,
                                                   const char *digest, int *any);
/* Deletes requests never used that expired before `before` (expires_at < before;
 * housekeeping); used ones stay with their draft. *n (may be NULL) gets how many. */
STORE_MUST_USE int store_sign_requests_prune(store *s, long long before, long long *n);
/* Deletes the draft's requests never used (pending), whether expired or not: called when
 * the draft changes, so that no signature of the old content can still be posted. *n (may be
 * NULL) gets how many. */
STORE_MUST_USE int store_sign_requests_cancel(store *s, const char *draft_key, long long *n);
/* Frees the malloc'd parts and sets them NULL (signature_len 0); r may be NULL. */
void store_sign_request_release(store_sign_request *r);

/* ---- Signature time-stamps (CAdES-T, migration 0015): an RFC 3161 token over the signature
 * value of one version of an application (receipt, digest: the version's content SHA-256),
 * and the queue of their requests, claimed with a lease like the outbox (src/sig/stamp.c).
 * receipt as for applications, digest 64 lower-case hex (else STORE_EINPUT). */
#define STORE_TIMESTAMP_MAX ((size_t)64 * 1024)
typedef struct store_timestamp {
	long long id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char digest[65];
	long long created_at;
	long long next_at; /* not asked before this time (pushed ahead while claimed) */
	int attempts;
	char last_error[256];
	long long stamped_at; /* 0 until a token was stored */
	long long gen_time;   /* the token's genTime */
	char imprint[65];     /* SHA-256 hex of the signature value stamped; "" until then */
	char *token;          /* DER TimeStampResp (malloc'd) or NULL */
	size_t token_len;
} store_timestamp;
/* Queues a request for the version (receipt, digest), due at now (> 0), in the caller's
 * transaction (the submission's) or one of its own; one that exists already is left as it is
 * (STORE_OK). STORE_ENOTFOUND for an absent application. */
STORE_MUST_USE int store_timestamp_queue(store *s, const char *receipt, const char *digest,
                                         long long now);
/* Claims up to max requests not yet stamped with next_at <= now, oldest first, into out
 * (tokens NULL), setting their next_at to now + lease (> 0) in one transaction, as
 * store_outbox_claim does. */
STORE_MUST_USE int store_timestamps_claim(store *s, long long now, long long lease,
                                          store_timestamp *out, size_t max, size_t *n);
/* Stores the granted token (1..STORE_TIMESTAMP_MAX bytes) of request id (>= 1) with the
 * imprint it is over (64 lower-case hex) and its genTime, stamped_at = now (> 0), attempts
 * counted. STORE_ENOTFOUND when absent or stamped already. */
STORE_MUST_USE int store_timestamp_stamped(store *s, long long id, const char *imprint,
                                           long long gen_time, const void *token, size_t len,
                                           long long now);
/* A failed attempt of request id: next_at and the error (cut to fit, controls replaced),
 * attempts counted. STORE_ENOTFOUND when absent or stamped already. */
STORE_MUST_USE int store_timestamp_failed(store *s, long long id, long long next_at,
                                          const char *error);
/* The request of the version (receipt, digest) with its token when stamped. STORE_ENOTFOUND
 * when none was queued. The caller releases. */
STORE_MUST_USE int store_timestamp_get(store *s, const char *receipt, const char *digest,
                                       store_timestamp *out);
/* Frees the token and sets it NULL; t may be NULL. */
void store_timestamp_release(store_timestamp *t);

/* ---- Audit log (監査ログ): append-only rows chained by their hashes (core/audit.h, the
 * rules; docs/audit.md, the format). Nothing but store_audit_append writes it, and nothing
 * changes or deletes a row. */
/* Appends row: the caller fills at, actor, action, receipt ("" for none), detail and peer
 * as audit_append_ok requires (else STORE_EINPUT, nothing written); the store reads the
 * head (the row of the highest id) and inserts id = head + 1 (1 for the first row) with
 * prev_hash = the head's hash (AUDIT_GENESIS for the first) and hash as audit_seal makes it,
 * in the caller's transaction or one of its own, under the writers' lock, so that two
 * appends (from any connection or process) never take the same head. On success row->id,
 * prev_hash and hash are set; otherwise they are left as they were. An append made inside
 * the caller's transaction goes with it: a rollback removes it (and the chain stays whole,
 * as the next append reads the head again). */
STORE_MUST_USE int store_audit_append(store *s, audit_row *row);
/* The console's filters: actor and receipt (NULL: any), the rows with id < before_id
 * (0: from the newest). */
typedef struct store_audit_filter {
	const char *actor;
	const char *receipt;
	long long before_id;
} store_audit_filter;
/* Up to max rows matching f (NULL: every row), newest first; the next page is the rows
 * before the last one's id (keyset paging, no OFFSET). STORE_EINPUT for an actor longer than
 * AUDIT_ACTOR_MAX, a receipt not app_receipt_valid or a negative before_id. */
STORE_MUST_USE int store_audit_list(store *s, const store_audit_filter *f, audit_row *out,
                                    size_t max, size_t *n);
/* Called with each row; non-zero stops the walk. */
typedef int (*store_audit_cb)(const audit_row *row, void *arg);
/* Every row in id order (a page of STORE_AUDIT_PAGE rows in memory at a time, read one
 * statement per page outside any transaction, so that appends are not held up by a long
 * walk; rows appended meanwhile are walked too). STORE_OK when every row was given to cb or
 * cb stopped the walk. Rows whose stored values do not fit audit_row come with damaged set. */
#define STORE_AUDIT_PAGE 64
STORE_MUST_USE int store_audit_walk(store *s, store_audit_cb cb, void *arg);

/* ---- Staff (職員): the city's people who review applications, apart from residents (own
 * table, sessions and tokens). The address is folded as residents' are (store_email_key);
 * name 1..STORE_STAFF_NAME_MAX bytes of UTF-8 without control characters; a hash at most
 * STORE_HASH_MAX bytes; the TOTP secret is base32 text of at most STORE_TOTP_SECRET_MAX
 * bytes ("" until enrolment set it). Every hash of a token, session or recovery code is 64
 * lower-case hex digits. Anything else is STORE_EINPUT; calls naming a staff id give
 * STORE_ENOTFOUND when that staff member is absent. */
#define STORE_STAFF_NAME_MAX 200
#define STORE_TOTP_SECRET_MAX 64
typedef struct store_staff {
	long long id;
	char email[STORE_EMAIL_MAX + 1];
	char name[STORE_STAFF_NAME_MAX + 1];
	char pw_hash[STORE_HASH_MAX + 1];            /* "" until enrolled */
	char totp_secret[STORE_TOTP_SECRET_MAX + 1]; /* base32; "" until enrolment set it */
	int is_admin;
	long long created_at;
	long long enrolled_at; /* 0 until the first TOTP code was confirmed */
} store_staff;
/* A staff member without password or secret yet; STORE_ECONFLICT when the address
 * (folded) is taken. *id (may be NULL). */
STORE_MUST_USE int store_staff_create(store *s, const char *email, const char *name, int is_admin,
                                      long long now, long long *id);
STORE_MUST_USE int store_staff_by_email(store *s, const char *email, store_staff *out);
STORE_MUST_USE int store_staff_by_id(store *s, long long id, store_staff *out);
/* Sets the password hash and TOTP secret (enrolment, before the first code confirms them). */
STORE_MUST_USE int store_staff_set_credentials(store *s, long long id, const char *pw_hash,
                                               const char *totp_secret);
STORE_MUST_USE int store_staff_set_enrolled(store *s, long long id, long long now);

/* Roles per procedure: "viewer" (閲覧) or "reviewer" (審査). set replaces the role the staff
 * member had for proc_id. list: up to max, ordered by proc_id. */
#define STORE_STAFF_ROLE_MAX 16
typedef struct store_staff_role {
	char proc_id[STORE_PROC_ID_MAX + 1];
	char role[STORE_STAFF_ROLE_MAX + 1];
} store_staff_role;
STORE_MUST_USE int store_staff_role_set(store *s, long long staff_id, const char *proc_id,
                                        const char *role);
STORE_MUST_USE int store_staff_roles(store *s, long long staff_id, store_staff_role *out,
                                     size_t max, size_t *n);

/* Records that the TOTP time step (>= 0) was used: STORE_OK when it is later than every step
 * used before by this staff member, STORE_ECONFLICT otherwise (a replayed or older code),
 * in one conditional statement so that of two concurrent logins with one code one wins. */
STORE_MUST_USE int store_staff_totp_use(store *s, long long staff_id, long long step);

/* Replaces the staff member's recovery codes with the n (1..STORE_RECOVERY_CODES_MAX) given
 * hashes, in the caller's transaction or one of its own. */
#define STORE_RECOVERY_CODES_MAX 16
STORE_MUST_USE int store_staff_recovery_set(store *s, long long staff_id,
                                            const char *const *code_hashes, size_t n,
                                            long long now);
/* Uses one unused recovery code of the staff member: STORE_OK once, STORE_ENOTFOUND for an
 * unknown or used one. */
STORE_MUST_USE int store_staff_recovery_use(store *s, long long staff_id, const char *code_hash,
                                            long long now);
/* *left: the staff member's unused recovery codes. */
STORE_MUST_USE int store_staff_recovery_left(store *s, long long staff_id, long long *left);

/* Enrolment tokens: single use, expires_at in the future. get finds an unused, unexpired one
 * (expires_at > now) without using it (the enrolment's steps before the last); consume uses
 * it (atomic: of two callers one wins). STORE_ENOTFOUND for unknown, used and expired alike.
 * STORE_ECONFLICT for a hash already stored. */
STORE_MUST_USE int store_staff_enrol_token_create(store *s, const char *token_hash,
                                                  long long staff_id, long long expires_at);
STORE_MUST_USE int store_staff_enrol_token_get(store *s, const char *token_hash, long long now,
                                               long long *staff_id);
STORE_MUST_USE int store_staff_enrol_token_consume(store *s, const char *token_hash, long long now,
                                                   long long *staff_id);

/* Staff sessions, as residents' sessions (store_session; account_id is the staff id, never
 * 0) but in their own table: a resident's session id is never a staff session. */
STORE_MUST_USE int store_staff_session_create(store *s, const store_session *sess);
STORE_MUST_USE int store_staff_session_get(store *s, const char *id_hash, store_session *out);
STORE_MUST_USE int store_staff_session_touch(store *s, const char *id_hash, long long now);
STORE_MUST_USE int store_staff_session_delete(store *s, const char *id_hash);
/* Deletes staff sessions whose last_seen < idle_before or created_at < created_before. */
STORE_MUST_USE int store_staff_sessions_expire(store *s, long long idle_before,
                                               long long created_before);

/* ---- The staff console's administration, re-entry and alerts (migration 0012). */
/* Every staff member, by id, up to max (*n the count). */
STORE_MUST_USE int store_staff_list(store *s, store_staff *out, size_t max, size_t *n);
/* Removes the staff member's role on proc_id: STORE_ENOTFOUND when there was none. */
STORE_MUST_USE int store_staff_role_remove(store *s, long long staff_id, const char *proc_id);
/* Re-entry (step-up) of the TOTP code in a staff session (its id_hash): set records at
 * (> 0) as the time of the last code entered; get gives it, STORE_ENOTFOUND when none was
 * recorded (or the session is gone). */
STORE_MUST_USE int store_staff_step_up_set(store *s, const char *id_hash, long long at);
STORE_MUST_USE int store_staff_step_up_get(store *s, const char *id_hash, long long *at);

/* Mail alerts of new arrivals, per staff member and procedure: mode "each" (a mail per
 * arrival), "hourly" (a digest) or "none" (no row: the default). */
typedef struct store_staff_alert {
	long long staff_id;
	char email[STORE_EMAIL_MAX + 1];
	char proc_id[STORE_PROC_ID_MAX + 1];
	char mode[8];
	long long last_digest_at;
	long long count; /* store_staff_digest_due: the arrivals since last_digest_at */
} store_staff_alert;
/* Sets the mode of staff_id on proc_id; a new mode ("each" or "hourly") also sets
 * last_digest_at = now - 1 (a digest then counts what arrives from this second on), the same
 * mode again changes nothing, "none" removes the row. */
STORE_MUST_USE int store_staff_alert_set(store *s, long long staff_id, const char *proc_id,
                                         const char *mode, long long now);
/* The staff member's alerts (staff_id, proc_id, mode, last_digest_at), by proc_id. */
STORE_MUST_USE int store_staff_alerts(store *s, long long staff_id, store_staff_alert *out,
                                      size_t max, size_t *n);
/* Who gets a mail per arrival on proc_id: the "each" alerts of staff members who have a role
 * on it (staff_id, email), by staff id. */
STORE_MUST_USE int store_staff_alert_recipients(store *s, const char *proc_id,
                                                store_staff_alert *out, size_t max, size_t *n);
/* The digests due: "hourly" alerts with last_digest_at <= due_before of staff members who
 * have a role on the procedure and with count >= 1 applications of it submitted after
 * last_digest_at and at or before now; by staff id, then proc_id. */
STORE_MUST_USE int store_staff_digest_due(store *s, long long due_before, long long now,
                                          store_staff_alert *out, size_t max, size_t *n);
/* Records that staff_id's digest of proc_id covered the arrivals up to at, when its
 * last_digest_at is still since: STORE_ENOTFOUND otherwise (another sender, say another
 * portal process, covered them first; the caller rolls its mail back). */
STORE_MUST_USE int store_staff_digest_done(store *s, long long staff_id, const char *proc_id,
                                           long long since, long long at);

#endif
