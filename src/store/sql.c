/* sqlite: the SQLite back end of the store (the default: one file, nothing to start).
 * One connection per thread (SQLITE_OPEN_NOMUTEX), WAL, synchronous=FULL so a commit is on
 * disk before anyone is told it succeeded, foreign keys on, 5 s busy timeout. Statements are
 * prepared once per connection and kept; user input only ever reaches SQLite as a bound
 * parameter. Procedure search uses an FTS5 table with the trigram tokenizer. */
#include "store/store_impl.h"
#include "store/sqldrv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 5000

enum {
	ST_HAS_MIGRATIONS,
	ST_VERSION,
	ST_MIG_APPLIED,
	ST_MIG_RECORD,
	ST_PROC_CLEAR,
	ST_PROC_ADD,
	ST_PROC_MATCH,
	ST_PROC_SCAN,
	ST_ACCT_CREATE,
	ST_ACCT_BY_EMAIL,
	ST_ACCT_BY_ID,
	ST_ACCT_VERIFIED,
	ST_ACCT_PASSWORD,
	ST_ACCT_EMAIL,
	ST_ACCT_DELETE,
	ST_TOKEN_CREATE,
	ST_TOKEN_CONSUME,
	ST_TOKENS_DELETE,
	ST_SESS_CREATE,
	ST_SESS_GET,
	ST_SESS_TOUCH,
	ST_SESS_DELETE,
	ST_SESS_DELETE_ACCT,
	ST_SESS_EXPIRE,
	ST_THR_ADD,
	ST_THR_COUNT,
	ST_THR_CLEAR,
	ST_THR_PRUNE,
	ST_MAIL_ADD,
	ST_MAIL_CLAIM,
	ST_MAIL_SENT,
	ST_MAIL_FAILED,
	ST_MAIL_RECENT,
	ST_MAIL_BACKLOG,
	ST_HOUSEKEEP_LOCK,
	ST_PROCSET_GET,
	ST_PROCSET_PUT,
	ST_MIGRATE_LOCK,
	ST_HOUSEKEEP_UNLOCK,
	ST_DRAFT_CREATE,
	ST_DRAFT_OPEN,
	ST_DRAFT_GET,
	ST_DRAFT_SAVE,
	ST_DRAFT_DELETE,
	ST_DRAFTS_DELETE_OPEN,
	ST_DRAFT_LOCK,
	ST_DRAFT_SET_RECEIPT,
	ST_ATT_ADD,
	ST_ATT_LIST,
	ST_ATT_GET,
	ST_ATT_DELETE,
	ST_RECEIPT_NEXT,
	/* correction of a returned application (store_versions.c) */
	ST_DRAFT_RESUBMIT_OF,
	ST_DRAFT_SET_RESUBMIT,
	ST_DRAFTS_RESUBMIT_CANCEL,
	ST_ATT_COPY,
	ST_VERSION_LAST,
	ST_VERSION_KEEP,
	ST_APP_REPLACE,
	ST_VERSIONS,
	ST_APP_INSERT,
	ST_APP_GET,
	ST_APP_FOR_ACCOUNT,
	ST_APP_LOCK,
	ST_APP_SET_STATUS,
	ST_EVENT_ADD,
	ST_EVENTS,
	ST_EVENT_LAST,
	ST_NOTE_ADD,
	ST_NOTES,
	ST_APP_MAIL_ADD,
	ST_APP_MAILS,
	ST_SIGN_CREATE,
	ST_SIGN_GET,
	ST_SIGN_FINISH,
	ST_TS_QUEUE, /* time-stamps (store_stamps.c) */
	ST_TS_CLAIM,
	ST_TS_STAMPED,
	ST_TS_FAILED,
	ST_TS_GET,
	ST_SIGN_EXISTS,
	ST_SIGN_SIGNED,
	ST_SIGN_SIGNED_OTHER,
	ST_SIGN_PRUNE,
	ST_SIGN_CANCEL,
	ST_DRAFTS_PRUNE_ANON,
	ST_OWNER_ATT_BYTES,
	ST_ANON_UP_ADD,
	ST_ANON_UP_BYTES,
	ST_ANON_UP_PRUNE,
	ST_STAFF_CREATE,
	ST_STAFF_BY_EMAIL,
	ST_STAFF_BY_ID,
	ST_STAFF_CREDENTIALS,
	ST_STAFF_ENROLLED,
	ST_STAFF_ROLE_SET,
	ST_STAFF_ROLES,
	ST_STAFF_TOTP_USE,
	ST_STAFF_RECOVERY_CLEAR,
	ST_STAFF_RECOVERY_ADD,
	ST_STAFF_RECOVERY_USE,
	ST_STAFF_RECOVERY_LEFT,
	ST_STAFF_ENROL_CREATE,
	ST_STAFF_ENROL_GET,
	ST_STAFF_ENROL_CONSUME,
	ST_STAFF_SESS_CREATE,
	ST_STAFF_SESS_GET,
	ST_STAFF_SESS_TOUCH,
	ST_STAFF_SESS_DELETE,
	ST_STAFF_SESS_EXPIRE,
	ST_STAFF_LIST,
	ST_STAFF_ROLE_REMOVE,
	ST_STAFF_STEP_UP_SET,
	ST_STAFF_STEP_UP_GET,
	ST_STAFF_ALERT_SET,
	ST_STAFF_ALERT_DELETE,
	ST_STAFF_ALERTS,
	ST_STAFF_ALERT_RECIPIENTS,
	ST_STAFF_DIGEST_DUE,
	ST_STAFF_DIGEST_DONE,
	ST_EXPORT_MARK_GET, /* exports (store_export.c) */
	ST_EXPORT_MARK_SET,
	ST_API_KEY_ADD, /* API keys (store_api.c) */
	ST_API_KEY_PROC_ADD,
	ST_API_KEY_GET,
	ST_API_KEY_LIST,
	ST_API_KEY_PROCS,
	ST_API_KEY_REVOKE,
	ST_API_KEY_USED,
	ST_API_KEY_EVENT,
	ST_API_PAGE,
	ST_AUDIT_LOCK,
	ST_AUDIT_HEAD,
	ST_AUDIT_INSERT,
	ST_AUDIT_LIST_ALL,
	ST_AUDIT_LIST_ACTOR,
	ST_AUDIT_LIST_RECEIPT,
	ST_AUDIT_LIST_BOTH,
	ST_AUDIT_PAGE,
	ST_INBOX_LIST,
	ST_INBOX_COUNTS,
	ST_INBOX_NEWER,
	ST_DASH_ARRIVALS, /* the staff dashboard (store_dash.c) */
	ST_DASH_DECIDED,
	ST_DASH_OLDEST,
	ST_DASH_OVERDUE,
	ST_DASH_OVERDUE_COUNT,
	ST_APP_REVIEW_KEYS,
	ST_APP_REVIEW,
	ST_APP_ASSIGN,
	ST_REVERIFY_ADD,
	ST_REVERIFY_LIST,
	ST_COUNT
};

#define ACCOUNT_COLS "id, email, pw_hash, created_at, coalesce(verified_at, 0)"
#define MAIL_COLS                                                                                  \
	"id, to_addr, subject, body, created_at, next_at, coalesce(sent_at, 0), attempts, "        \
	"last_error"
/* draft_row reads these; raw (column 4) may be selected as NULL. */
#define DRAFT_COLS(raw)                                                                            \
	"key, owner, proc_id, proc_version, " raw ", created_at, updated_at, coalesce(receipt, "   \
	"'')"
#define ATT_COLS "id, field, filename, mime, size, sha256, created_at"
/* app_row reads these; the malloc'd parts follow in APP_BIG_COLS when wanted. */
#define APP_COLS                                                                                   \
	"receipt, draft_key, coalesce(account_id, 0), proc_id, proc_version, proc_title, status, " \
	"digest, submitted_at, updated_at"
#define APP_BIG_COLS "content, display, signature, verification, ocsp_response"
/* sign_row reads these; the malloc'd parts are columns 8 to 12. */
#define SIGN_COLS                                                                                  \
	"id_hash, draft_key, digest, proc_title, created_at, expires_at, coalesce(used_at, 0), "   \
	"status, content, display, signature, verification, ocsp_response"
/* ts_row reads these; the token is column 11 when selected. */
#define TS_COLS                                                                                    \
	"id, receipt, digest, created_at, next_at, attempts, coalesce(last_error, ''), "           \
	"coalesce(stamped_at, 0), coalesce(gen_time, 0), coalesce(imprint, '')"
/* staff_row reads these. */
#define STAFF_COLS                                                                                 \
	"id, email, name, pw_hash, totp_secret, is_admin, created_at, coalesce(enrolled_at, 0)"
/* audit_row_read reads these. */
#define AUDIT_COLS "id, at, actor, action, receipt, detail, peer, prev_hash, hash"
/* The console's list with one filter or both: ?1 actor, ?2 receipt, ?3 before, ?4 limit (a
 * statement per combination, so that each uses its index). */
#define AUDIT_LIST(where)                                                                          \
	"SELECT " AUDIT_COLS " FROM audit_log WHERE " where " id < ?3 ORDER BY id DESC LIMIT ?4"
/* The open draft that attachment changes require. */
#define DRAFT_IS_OPEN "EXISTS (SELECT 1 FROM drafts WHERE key = ?1 AND receipt IS NULL)"

/* The fallback for terms too short for trigrams: every bound term (NULL when unused) must be
 * a substring of the document. lower() folds ASCII only, like the case folding of the
 * trigram index for Latin letters. */
#define SCAN_DOC "lower(title || ' ' || summary || ' ' || body)"
#define SCAN_TERM(n) "(?" #n " IS NULL OR instr(" SCAN_DOC ", lower(?" #n ")) > 0)"

/* The statements whose SQL differs by dialect only in how a JSON array ?1 of procedure ids
 * becomes rows (SQLite json_each, PostgreSQL jsonb_array_elements_text) and in the name of
 * the substring test (instr, strpos): both tables below take them from here. */
#define IDS_LITE "SELECT value FROM json_each(?1)"
#define IDS_PG "SELECT jsonb_array_elements_text(?1::jsonb)"
#define IDS_FROM_LITE "json_each(?1) AS p"
#define IDS_FROM_PG "jsonb_array_elements_text(?1::jsonb) AS p(value)"
/* The inbox: ?1 the procedure ids, ?2 status or NULL, ?3 receipt or NULL, ?4 ?5 the key
 * of the previous page's last row (?5 NULL: the first page), ?6 the limit. Row values keep
 * the key one comparison, which the index (proc_id, submitted_at, receipt) serves per
 * procedure. ?7 ?8 the arrival range (0: open), ?9 a STORE_DIFFERS_*, ?10 the assignee (0
 * any, < 0 nobody), ?11 a folded search text or NULL (a substring, no pattern). */
#define INBOX_WHERE(ids, instr)                                                                    \
	" WHERE proc_id IN (" ids ")"                                                              \
	" AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR receipt = ?3)"                        \
	" AND (?7 = 0 OR submitted_at >= ?7) AND (?8 = 0 OR submitted_at < ?8)"                    \
	" AND (?9 = 0 OR (?9 = 1 AND differs = 1) OR (?9 = 2 AND differs = 0)"                     \
	" OR (?9 = 3 AND differs IS NULL))"                                                        \
	" AND (?10 = 0 OR (?10 < 0 AND assignee IS NULL) OR assignee = ?10)"                       \
	" AND (?11 IS NULL OR " instr "(search_key, ?11) > 0)"
#define INBOX_LIST(ids, instr)                                                                     \
	"SELECT " APP_COLS ", coalesce(differs, -1), coalesce(assignee, 0)"                        \
	" FROM applications" INBOX_WHERE(                                                          \
	    ids, instr) " AND (?5 IS NULL OR (submitted_at, receipt) < (?4, ?5))"                  \
	                " ORDER BY submitted_at DESC, receipt DESC LIMIT ?6"
#define INBOX_COUNTS(ids)                                                                          \
	"SELECT status, sum(n) FROM application_counts WHERE proc_id IN (" ids ")"                 \
	" GROUP BY status HAVING sum(n) > 0"
#define INBOX_NEWER(ids, instr)                                                                    \
	"SELECT receipt FROM applications" INBOX_WHERE(                                            \
	    ids,                                                                                   \
	    instr) " AND (submitted_at, receipt) > (?4, ?5) ORDER BY submitted_at, receipt LIMIT ?6"
/* The staff dashboard (store_dash.c, migration 0017). Arrivals: the rows its triggers keep
 * per procedure and day number in Japan, days ?2 <= day < ?3. */
#define DASH_ARRIVALS(ids)                                                                         \
	"SELECT proc_id, day, n FROM application_arrivals WHERE proc_id IN (" ids ")"              \
	" AND day >= ?2 AND day < ?3 AND n > 0 ORDER BY 1, 2 LIMIT ?4"
/* The decisions its trigger keeps per procedure, day and days taken, decided on days >= ?2,
 * the days clamped to ?3. */
#define DASH_DECIDED(ids)                                                                          \
	"SELECT proc_id, CASE WHEN days > ?3 THEN ?3 ELSE days END, sum(n)"                        \
	" FROM application_decision_days WHERE proc_id IN (" ids ") AND day >= ?2"                 \
	" GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2 LIMIT ?4"
/* The waiting applications (送信済, 受付, 審査中), named as the partial index
 * applications_waiting of migration 0017 names them, so that it serves: the first arrival
 * of each procedure is one seek, the oldest of those wins. */
#define DASH_WAITING "status IN ('sent', 'accepted', 'reviewing')"
#define DASH_OLDEST(ids_from)                                                                      \
	"SELECT " APP_COLS " FROM applications WHERE receipt IN"                                   \
	" (SELECT (SELECT b.receipt FROM applications b"                                           \
	" WHERE b.proc_id = p.value AND b." DASH_WAITING                                           \
	" ORDER BY b.submitted_at, b.receipt LIMIT 1) FROM " ids_from ")"                          \
	" ORDER BY submitted_at, receipt LIMIT 1"

/* clang-format off */
static const char *const statements[ST_COUNT] = {
	[ST_HAS_MIGRATIONS] =
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
	[ST_VERSION] = "SELECT coalesce(max(number), 0) FROM schema_migrations",
	[ST_MIG_APPLIED] = "SELECT count(*) FROM schema_migrations WHERE number = ?1",
	[ST_MIG_RECORD] =
		"INSERT INTO schema_migrations (number, name, applied_at) VALUES (?1, ?2, ?3)",
	[ST_PROC_CLEAR] = "DELETE FROM procedure_search",
	[ST_PROC_ADD] =
		"INSERT INTO procedure_search (id, title, summary, body) VALUES (?1, ?2, ?3, ?4)",
	/* bm25 with the title weighing most; ties in a stable order. */
	[ST_PROC_MATCH] = "SELECT id FROM procedure_search WHERE procedure_search MATCH ?1"
			  " ORDER BY bm25(procedure_search, 0.0, 10.0, 4.0, 1.0), title, id"
			  " LIMIT ?2",
	[ST_PROC_SCAN] = "SELECT id FROM procedure_search WHERE "
			 SCAN_TERM(1) " AND " SCAN_TERM(2) " AND " SCAN_TERM(3) " AND " SCAN_TERM(4)
			 " AND " SCAN_TERM(5) " AND " SCAN_TERM(6) " AND " SCAN_TERM(7) " AND " SCAN_TERM(8)
			 " ORDER BY title, id LIMIT ?9",

	[ST_ACCT_CREATE] = "INSERT INTO accounts (email, email_key, pw_hash, created_at)"
			   " VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[ST_ACCT_BY_EMAIL] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE email_key = ?1",
	[ST_ACCT_BY_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1",
	[ST_ACCT_VERIFIED] = "UPDATE accounts SET verified_at = ?2 WHERE id = ?1",
	[ST_ACCT_PASSWORD] = "UPDATE accounts SET pw_hash = ?2 WHERE id = ?1",
	[ST_ACCT_EMAIL] = "UPDATE accounts SET email = ?2, email_key = ?3 WHERE id = ?1",
	[ST_ACCT_DELETE] = "DELETE FROM accounts WHERE id = ?1",

	[ST_TOKEN_CREATE] = "INSERT INTO tokens (token_hash, kind, account_id, data, expires_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)",
	/* One statement: the row is found, checked and marked under the write lock, so of two
	 * connections using the same token only one sees it unused. */
	[ST_TOKEN_CONSUME] = "UPDATE tokens SET used_at = ?3"
			     " WHERE token_hash = ?1 AND kind = ?2 AND used_at IS NULL"
			     " AND expires_at > ?3"
			     " RETURNING account_id, coalesce(data, '')",
	[ST_TOKENS_DELETE] = "DELETE FROM tokens WHERE account_id = ?1"
			     " AND (?2 IS NULL OR kind = ?2) AND used_at IS NULL",

	[ST_SESS_CREATE] = "INSERT INTO sessions (id_hash, account_id, csrf, created_at, last_seen)"
			   " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SESS_GET] = "SELECT id_hash, coalesce(account_id, 0), csrf, created_at, last_seen"
			" FROM sessions WHERE id_hash = ?1",
	[ST_SESS_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
	[ST_SESS_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
	[ST_SESS_DELETE_ACCT] = "DELETE FROM sessions WHERE account_id = ?1"
				" AND (?2 IS NULL OR id_hash <> ?2)",
	[ST_SESS_EXPIRE] = "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2",

	[ST_THR_ADD] = "INSERT INTO throttle (key, at) VALUES (?1, ?2)",
	[ST_THR_COUNT] = "SELECT count(*), coalesce(min(at), 0) FROM throttle"
			 " WHERE key = ?1 AND at >= ?2",
	[ST_THR_CLEAR] = "DELETE FROM throttle WHERE key = ?1",
	[ST_THR_PRUNE] = "DELETE FROM throttle WHERE at < ?1",

	[ST_MAIL_ADD] = "INSERT INTO outbox (to_addr, subject, body, created_at, next_at)"
			" VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
	/* RETURNING gives no order: the rows are sorted by id afterwards. */
	[ST_MAIL_CLAIM] = "UPDATE outbox SET next_at = ?2 WHERE id IN"
			  " (SELECT id FROM outbox WHERE sent_at IS NULL AND next_at <= ?1"
			  " ORDER BY id LIMIT ?3)"
			  " RETURNING " MAIL_COLS,
	[ST_MAIL_SENT] = "UPDATE outbox SET sent_at = coalesce(sent_at, ?2),"
			 " attempts = attempts + 1 WHERE id = ?1",
	[ST_MAIL_FAILED] = "UPDATE outbox SET next_at = ?2, last_error = ?3,"
			   " attempts = attempts + 1 WHERE id = ?1 AND sent_at IS NULL",
	[ST_MAIL_RECENT] = "SELECT " MAIL_COLS " FROM outbox ORDER BY id DESC LIMIT ?1",
	[ST_MAIL_BACKLOG] = "SELECT count(*), coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0)"
			    " FROM outbox WHERE sent_at IS NULL",

	/* SQLite: nothing to take (store.h); PostgreSQL: statements_pg. */
	[ST_HOUSEKEEP_LOCK] = "SELECT 1",
	[ST_PROCSET_GET] = "SELECT digest FROM procedure_set WHERE id = 1",
	[ST_PROCSET_PUT] = "INSERT INTO procedure_set (id, digest, loaded_at) VALUES (1, ?1, ?2)"
			   " ON CONFLICT (id) DO UPDATE SET digest = excluded.digest,"
			   " loaded_at = excluded.loaded_at",
	[ST_MIGRATE_LOCK] = "SELECT 1",
	[ST_HOUSEKEEP_UNLOCK] = "SELECT 1",

	[ST_DRAFT_CREATE] = "INSERT INTO drafts (key, owner, proc_id, proc_version, raw,"
			    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	[ST_DRAFT_OPEN] = "SELECT " DRAFT_COLS("raw") " FROM drafts"
			  " WHERE owner = ?1 AND proc_id = ?2 AND receipt IS NULL",
	[ST_DRAFT_GET] = "SELECT " DRAFT_COLS("raw") " FROM drafts WHERE key = ?1",
	[ST_DRAFT_SAVE] = "UPDATE drafts SET proc_version = ?2, raw = ?3, updated_at = ?4"
			  " WHERE key = ?1 AND receipt IS NULL",
	[ST_DRAFT_DELETE] = "DELETE FROM drafts WHERE key = ?1 AND receipt IS NULL",
	[ST_DRAFTS_DELETE_OPEN] = "DELETE FROM drafts WHERE owner = ?1 AND receipt IS NULL",
	/* Inside BEGIN IMMEDIATE the writers' lock already holds the row. */
	[ST_DRAFT_LOCK] = "SELECT " DRAFT_COLS("NULL") " FROM drafts WHERE key = ?1",
	[ST_DRAFT_SET_RECEIPT] = "UPDATE drafts SET receipt = ?2"
				 " WHERE key = ?1 AND receipt IS NULL",

	/* The check that the draft is open and the insert are one statement. */
	[ST_ATT_ADD] = "INSERT INTO attachments (draft_key, field, filename, mime, size, sha256,"
		       " created_at, data) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8"
		       " WHERE " DRAFT_IS_OPEN " RETURNING id",
	[ST_ATT_LIST] = "SELECT " ATT_COLS " FROM attachments WHERE draft_key = ?1"
			" ORDER BY id LIMIT ?2",
	[ST_ATT_GET] = "SELECT " ATT_COLS ", data FROM attachments"
		       " WHERE draft_key = ?1 AND id = ?2",
	[ST_ATT_DELETE] = "DELETE FROM attachments WHERE draft_key = ?1 AND id = ?2"
			  " AND " DRAFT_IS_OPEN,

	/* One statement: of two writers, the second sees the first's number (the same SQL
	 * runs on PostgreSQL, where the row lock does what the writers' lock does here). */
	[ST_RECEIPT_NEXT] = "INSERT INTO receipt_counters (year, last) VALUES (?1, 1)"
			    " ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last + 1"
			    " RETURNING last",
	/* correction of a returned application (store_versions.c) */
	[ST_DRAFT_RESUBMIT_OF] = "SELECT coalesce(resubmit_of, '') FROM drafts WHERE key = ?1",
	[ST_DRAFT_SET_RESUBMIT] = "UPDATE drafts SET resubmit_of = ?2"
				  " WHERE key = ?1 AND receipt IS NULL",
	[ST_DRAFTS_RESUBMIT_CANCEL] = "DELETE FROM drafts WHERE resubmit_of = ?1"
				      " AND receipt IS NULL",
	[ST_ATT_COPY] = "INSERT INTO attachments (draft_key, field, filename, mime, size, sha256,"
			" created_at, data) SELECT ?2, field, filename, mime, size, sha256,"
			" created_at, data FROM attachments WHERE draft_key = ?1 ORDER BY id",
	[ST_VERSION_LAST] = "SELECT coalesce(max(version), 0) FROM application_versions"
			    " WHERE receipt = ?1",
	/* The row as it is now becomes version ?1 (the integer first: run_int_text2). */
	[ST_VERSION_KEEP] = "INSERT INTO application_versions (receipt, version, draft_key,"
			    " proc_version, proc_title, digest, submitted_at, content, display,"
			    " signature, verification, ocsp_response) SELECT receipt, ?1, draft_key,"
			    " proc_version, proc_title, digest, submitted_at, content, display,"
			    " signature, verification, ocsp_response FROM applications"
			    " WHERE receipt = ?2",
	[ST_APP_REPLACE] = "UPDATE applications SET draft_key = ?2, proc_version = ?3,"
			   " proc_title = ?4, status = 'sent', digest = ?5, content = ?6,"
			   " display = ?7, signature = ?8, verification = ?9, submitted_at = ?10,"
			   " updated_at = ?10, ocsp_response = ?11 WHERE receipt = ?1",
	[ST_VERSIONS] = "SELECT version, draft_key, proc_version, digest, submitted_at,"
			" coalesce(length(signature), 0), display, verification"
			" FROM application_versions WHERE receipt = ?1 ORDER BY version LIMIT ?2",
	[ST_APP_INSERT] = "INSERT INTO applications (receipt, draft_key, account_id, proc_id,"
			  " proc_version, proc_title, status, digest, content, display, signature,"
			  " verification, submitted_at, updated_at, ocsp_response) VALUES"
			  " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_APP_GET] = "SELECT " APP_COLS ", " APP_BIG_COLS " FROM applications WHERE receipt = ?1",
	/* Newest first; within one second the higher number first (a longer number is a
	 * higher one: "2026-1000000" follows "2026-999999"). */
	[ST_APP_FOR_ACCOUNT] = "SELECT " APP_COLS " FROM applications WHERE account_id = ?1"
			       " ORDER BY submitted_at DESC, length(receipt) DESC, receipt DESC"
			       " LIMIT ?2",
	[ST_APP_LOCK] = "SELECT status FROM applications WHERE receipt = ?1",
	[ST_APP_SET_STATUS] = "UPDATE applications SET status = ?2, updated_at = ?3"
			      " WHERE receipt = ?1",
	[ST_EVENT_ADD] = "INSERT INTO application_events (receipt, status, note, at)"
			 " VALUES (?1, ?2, ?3, ?4)",
	[ST_EVENTS] = "SELECT status, coalesce(note, ''), at FROM application_events"
		      " WHERE receipt = ?1 ORDER BY id LIMIT ?2",
	[ST_EVENT_LAST] = "SELECT max(id) FROM application_events WHERE receipt = ?1"
			  " HAVING count(*) > 0",
	[ST_NOTE_ADD] = "INSERT INTO application_notes (receipt, staff_id, body, at)"
			" VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[ST_NOTES] = "SELECT id, staff_id, body, at FROM application_notes"
		     " WHERE receipt = ?1 ORDER BY id LIMIT ?2",
	[ST_APP_MAIL_ADD] = "INSERT INTO application_mails (receipt, outbox_id, at)"
			    " VALUES (?1, ?2, ?3)",
	[ST_APP_MAILS] = "SELECT outbox_id, at FROM application_mails"
			 " WHERE receipt = ?1 ORDER BY id LIMIT ?2",

	/* The check that the draft is open and the insert are one statement. */
	[ST_SIGN_CREATE] = "INSERT INTO sign_requests (id_hash, draft_key, digest, proc_title,"
			   " created_at, expires_at, status, content, display)"
			   " SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8 WHERE EXISTS"
			   " (SELECT 1 FROM drafts WHERE key = ?2 AND receipt IS NULL)",
	[ST_SIGN_GET] = "SELECT " SIGN_COLS " FROM sign_requests WHERE id_hash = ?1",
	/* One statement: found, checked and changed under the write lock, so of two
	 * connections posting to the same request only one sees it pending. */
	[ST_SIGN_FINISH] = "UPDATE sign_requests SET status = ?2, signature = ?3,"
			   " verification = ?4, used_at = ?5, ocsp_response = ?6"
			   " WHERE id_hash = ?1 AND status = 'pending' AND used_at IS NULL"
			   " AND expires_at > ?5",
	[ST_TS_QUEUE] = "INSERT INTO signature_timestamps (receipt, digest, created_at, next_at)"
			" VALUES (?1, ?2, ?3, ?3) ON CONFLICT (receipt, digest) DO NOTHING",
	/* RETURNING gives no order: the rows are sorted by id afterwards. */
	[ST_TS_CLAIM] = "UPDATE signature_timestamps SET next_at = ?2 WHERE id IN"
			" (SELECT id FROM signature_timestamps WHERE stamped_at IS NULL"
			" AND next_at <= ?1 ORDER BY id LIMIT ?3) RETURNING " TS_COLS,
	[ST_TS_STAMPED] = "UPDATE signature_timestamps SET imprint = ?2, gen_time = ?3,"
			  " token = ?4, stamped_at = ?5, last_error = NULL, attempts = attempts + 1"
			  " WHERE id = ?1 AND stamped_at IS NULL",
	[ST_TS_FAILED] = "UPDATE signature_timestamps SET next_at = ?2, last_error = ?3,"
			 " attempts = attempts + 1 WHERE id = ?1 AND stamped_at IS NULL",
	[ST_TS_GET] = "SELECT " TS_COLS ", token FROM signature_timestamps"
		      " WHERE receipt = ?1 AND digest = ?2",
	[ST_SIGN_EXISTS] = "SELECT count(*) FROM sign_requests WHERE id_hash = ?1",
	[ST_SIGN_SIGNED] = "SELECT " SIGN_COLS " FROM sign_requests"
			   " WHERE draft_key = ?1 AND status = 'signed' AND digest = ?2"
			   " ORDER BY used_at DESC, created_at DESC, id_hash DESC LIMIT 1",
	[ST_SIGN_SIGNED_OTHER] = "SELECT count(*) FROM sign_requests"
				 " WHERE draft_key = ?1 AND status = 'signed' AND digest <> ?2",
	[ST_SIGN_PRUNE] = "DELETE FROM sign_requests WHERE used_at IS NULL AND expires_at < ?1",
	[ST_SIGN_CANCEL] = "DELETE FROM sign_requests WHERE draft_key = ?1 AND used_at IS NULL",
	[ST_DRAFTS_PRUNE_ANON] = "DELETE FROM drafts WHERE receipt IS NULL AND substr(owner, 1, 2) = 's:' AND updated_at < ?1",
	[ST_OWNER_ATT_BYTES] = "SELECT coalesce(sum(a.size), 0) FROM drafts d"
			       " JOIN attachments a ON a.draft_key = d.key"
			       " WHERE d.owner = ?1 AND d.receipt IS NULL",
	[ST_ANON_UP_ADD] = "INSERT INTO anon_uploads (peer, at, bytes) VALUES (?1, ?2, ?3)",
	[ST_ANON_UP_BYTES] = "SELECT coalesce(sum(bytes), 0) FROM anon_uploads WHERE peer = ?1 AND at >= ?2",
	[ST_ANON_UP_PRUNE] = "DELETE FROM anon_uploads WHERE at < ?1",
	[ST_STAFF_CREATE] = "INSERT INTO staff (email, email_key, name, is_admin, created_at)"
	                    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[ST_STAFF_BY_EMAIL] = "SELECT " STAFF_COLS " FROM staff WHERE email_key = ?1",
	[ST_STAFF_BY_ID] = "SELECT " STAFF_COLS " FROM staff WHERE id = ?1",
	[ST_STAFF_CREDENTIALS] = "UPDATE staff SET pw_hash = ?2, totp_secret = ?3 WHERE id = ?1",
	[ST_STAFF_ENROLLED] = "UPDATE staff SET enrolled_at = ?2 WHERE id = ?1",
	[ST_STAFF_ROLE_SET] = "INSERT INTO staff_procedure_roles (staff_id, proc_id, role) VALUES (?1, ?2, ?3)"
	                      " ON CONFLICT (staff_id, proc_id) DO UPDATE SET role = excluded.role",
	[ST_STAFF_ROLES] = "SELECT proc_id, role FROM staff_procedure_roles WHERE staff_id = ?1"
	                   " ORDER BY proc_id LIMIT ?2",
	/* no row changed: the step is not later than the last one used */
	[ST_STAFF_TOTP_USE] = "INSERT INTO staff_totp_used (staff_id, last_step) VALUES (?1, ?2)"
	                      " ON CONFLICT (staff_id) DO UPDATE SET last_step = excluded.last_step"
	                      " WHERE staff_totp_used.last_step < excluded.last_step",
	[ST_STAFF_RECOVERY_CLEAR] = "DELETE FROM staff_recovery_codes WHERE staff_id = ?1",
	[ST_STAFF_RECOVERY_ADD] = "INSERT INTO staff_recovery_codes (code_hash, staff_id, created_at) VALUES (?1, ?2, ?3)",
	[ST_STAFF_RECOVERY_USE] = "UPDATE staff_recovery_codes SET used_at = ?3"
	                          " WHERE code_hash = ?1 AND staff_id = ?2 AND used_at IS NULL",
	[ST_STAFF_RECOVERY_LEFT] = "SELECT count(*) FROM staff_recovery_codes WHERE staff_id = ?1 AND used_at IS NULL",
	[ST_STAFF_ENROL_CREATE] = "INSERT INTO staff_enrol_tokens (token_hash, staff_id, expires_at) VALUES (?1, ?2, ?3)",
	[ST_STAFF_ENROL_GET] = "SELECT staff_id FROM staff_enrol_tokens"
	                       " WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
	[ST_STAFF_ENROL_CONSUME] = "UPDATE staff_enrol_tokens SET used_at = ?2"
	                           " WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING staff_id",
	[ST_STAFF_SESS_CREATE] = "INSERT INTO staff_sessions (id_hash, staff_id, csrf, created_at, last_seen)"
	                         " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_STAFF_SESS_GET] = "SELECT id_hash, staff_id, csrf, created_at, last_seen FROM staff_sessions WHERE id_hash = ?1",
	[ST_STAFF_SESS_TOUCH] = "UPDATE staff_sessions SET last_seen = ?2 WHERE id_hash = ?1",
	[ST_STAFF_SESS_DELETE] = "DELETE FROM staff_sessions WHERE id_hash = ?1",
	[ST_STAFF_SESS_EXPIRE] = "DELETE FROM staff_sessions WHERE last_seen < ?1 OR created_at < ?2",
	[ST_STAFF_LIST] = "SELECT " STAFF_COLS " FROM staff ORDER BY id LIMIT ?1",
	[ST_STAFF_ROLE_REMOVE] = "DELETE FROM staff_procedure_roles WHERE staff_id = ?1 AND proc_id = ?2",
	[ST_STAFF_STEP_UP_SET] = "INSERT INTO staff_step_ups (id_hash, totp_at) VALUES (?1, ?2)"
	                         " ON CONFLICT (id_hash) DO UPDATE SET totp_at = excluded.totp_at",
	[ST_STAFF_STEP_UP_GET] = "SELECT totp_at FROM staff_step_ups WHERE id_hash = ?1",
	[ST_STAFF_ALERT_SET] = "INSERT INTO staff_alerts (staff_id, proc_id, mode, last_digest_at) VALUES (?1, ?2, ?3, ?4)"
	                       " ON CONFLICT (staff_id, proc_id) DO UPDATE SET mode = excluded.mode,"
	                       " last_digest_at = excluded.last_digest_at WHERE staff_alerts.mode <> excluded.mode",
	[ST_STAFF_ALERT_DELETE] = "DELETE FROM staff_alerts WHERE staff_id = ?1 AND proc_id = ?2",
	[ST_STAFF_ALERTS] = "SELECT a.staff_id, '', a.proc_id, a.mode, a.last_digest_at, 0 FROM staff_alerts a"
	                    " WHERE a.staff_id = ?1 ORDER BY a.proc_id LIMIT ?2",
	[ST_STAFF_ALERT_RECIPIENTS] = "SELECT a.staff_id, s.email, a.proc_id, a.mode, a.last_digest_at, 0"
	                              " FROM staff_alerts a JOIN staff s ON s.id = a.staff_id"
	                              " JOIN staff_procedure_roles r ON r.staff_id = a.staff_id AND r.proc_id = a.proc_id"
	                              " WHERE a.proc_id = ?1 AND a.mode = 'each' ORDER BY a.staff_id LIMIT ?2",
	[ST_STAFF_DIGEST_DUE] = "SELECT a.staff_id, s.email, a.proc_id, a.mode, a.last_digest_at, count(*)"
	                        " FROM staff_alerts a JOIN staff s ON s.id = a.staff_id"
	                        " JOIN staff_procedure_roles r ON r.staff_id = a.staff_id AND r.proc_id = a.proc_id"
	                        " JOIN applications ap ON ap.proc_id = a.proc_id"
	                        " AND ap.submitted_at > a.last_digest_at AND ap.submitted_at <= ?2"
	                        " WHERE a.mode = 'hourly' AND a.last_digest_at <= ?1"
	                        " GROUP BY a.staff_id, s.email, a.proc_id, a.mode, a.last_digest_at"
	                        " ORDER BY a.staff_id, a.proc_id LIMIT ?3",
	[ST_STAFF_DIGEST_DONE] = "UPDATE staff_alerts SET last_digest_at = ?3"
	                         " WHERE staff_id = ?1 AND proc_id = ?2 AND last_digest_at = ?4",
	/* exports (store_export.c) */
	[ST_EXPORT_MARK_GET] = "SELECT coalesce((SELECT until_at FROM staff_exports"
	                       " WHERE staff_id = ?1 AND proc_id = ?2), 0)",
	[ST_EXPORT_MARK_SET] = "INSERT INTO staff_exports (staff_id, proc_id, until_at) VALUES (?1, ?2, ?3)"
	                       " ON CONFLICT (staff_id, proc_id) DO UPDATE SET until_at = excluded.until_at",

	/* Inside BEGIN IMMEDIATE the writers' lock holds the head until the insert commits. */
#define API_KEY_COLS                                                                               \
	"id, name, secret_hash, scope, coalesce(created_by, 0), created_at,"                      \
	" coalesce(revoked_at, 0), coalesce(last_used_at, 0)"
	[ST_API_KEY_ADD] = "INSERT INTO api_keys (name, secret_hash, scope, created_by, created_at)"
	                   " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[ST_API_KEY_PROC_ADD] = "INSERT INTO api_key_procedures (key_id, proc_id) VALUES (?1, ?2)",
	[ST_API_KEY_GET] = "SELECT " API_KEY_COLS " FROM api_keys WHERE id = ?1",
	[ST_API_KEY_LIST] = "SELECT " API_KEY_COLS " FROM api_keys ORDER BY id DESC LIMIT ?1",
	[ST_API_KEY_PROCS] = "SELECT proc_id FROM api_key_procedures WHERE key_id = ?1"
	                     " ORDER BY proc_id LIMIT ?2",
	[ST_API_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
	[ST_API_KEY_USED] = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
	[ST_API_KEY_EVENT] = "INSERT INTO api_key_events (event_id, key_id) VALUES (?1, ?2)",
	[ST_API_PAGE] = "SELECT " APP_COLS " FROM applications WHERE proc_id = ?1"
	                " AND (?3 IS NULL OR (submitted_at, receipt) > (?2, ?3))"
	                " ORDER BY submitted_at, receipt LIMIT ?4",
	/* Inside BEGIN IMMEDIATE the writers' lock already holds the head until the insert
	 * commits; PostgreSQL takes a lock of its own (statements_pg). */
	[ST_AUDIT_LOCK] = "SELECT 1",
	[ST_AUDIT_HEAD] = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
	[ST_AUDIT_INSERT] = "INSERT INTO audit_log (" AUDIT_COLS ")"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_AUDIT_LIST_ALL] = AUDIT_LIST(""),
	[ST_AUDIT_LIST_ACTOR] = AUDIT_LIST("actor = ?1 AND"),
	[ST_AUDIT_LIST_RECEIPT] = AUDIT_LIST("receipt = ?2 AND"),
	[ST_AUDIT_LIST_BOTH] = AUDIT_LIST("actor = ?1 AND receipt = ?2 AND"),
	[ST_AUDIT_PAGE] = "SELECT " AUDIT_COLS " FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_INBOX_LIST] = INBOX_LIST(IDS_LITE, "instr"),
	[ST_INBOX_COUNTS] = INBOX_COUNTS(IDS_LITE),
	[ST_INBOX_NEWER] = INBOX_NEWER(IDS_LITE, "instr"),
	[ST_DASH_ARRIVALS] = DASH_ARRIVALS(IDS_LITE),
	[ST_DASH_DECIDED] = DASH_DECIDED(IDS_LITE),
	[ST_DASH_OLDEST] = DASH_OLDEST(IDS_FROM_LITE),
	/* Those of procedure ?1 that arrived before ?2: one range of the index, in order. */
#define DASH_OVERDUE_WHERE " FROM applications WHERE proc_id = ?1 AND " DASH_WAITING \
	" AND submitted_at < ?2"
	[ST_DASH_OVERDUE] = "SELECT " APP_COLS DASH_OVERDUE_WHERE
			    " ORDER BY submitted_at, receipt LIMIT ?3",
	/* Counted up to ?3: a long backlog is not walked to its end at each view. */
	[ST_DASH_OVERDUE_COUNT] = "SELECT count(*) FROM (SELECT 1" DASH_OVERDUE_WHERE " LIMIT ?3) AS x",
	[ST_APP_REVIEW_KEYS] = "UPDATE applications SET search_key = ?2, differs = ?3"
			       " WHERE receipt = ?1",
	[ST_APP_REVIEW] = "SELECT coalesce(differs, -1), coalesce(assignee, 0),"
			  " coalesce((SELECT name FROM staff WHERE staff.id = assignee), '')"
			  " FROM applications WHERE receipt = ?1",
	[ST_APP_ASSIGN] = "UPDATE applications SET assignee = ?2 WHERE receipt = ?1"
			  " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM staff WHERE id = ?2))",
	[ST_REVERIFY_ADD] = "INSERT INTO reverifications (receipt, staff_id, at, result, report)"
			    " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS"
			    " (SELECT 1 FROM applications WHERE receipt = ?1)",
	[ST_REVERIFY_LIST] = "SELECT id, staff_id, at, result,"
			     " coalesce((SELECT name FROM staff WHERE staff.id = staff_id), ''),"
			     " report FROM reverifications WHERE receipt = ?1 ORDER BY id LIMIT ?2",
};
/* clang-format on */

/* A term of a PostgreSQL search: ?N is NULL (unused) or a LIKE pattern '%term%' with the
 * term's own % _ \\ escaped; ILIKE folds case as the trigram index does. The GIN trigram
 * index of migration 0001 is on this very expression. The ranking puts a first term in the
 * title first (bm25's weight of the title on SQLite), then the title's trigram similarity
 * to the whole query. */
#define PG_DOC "(title || ' ' || summary || ' ' || body)"
#define PG_TERM(n) "(?" #n "::text IS NULL OR " PG_DOC " ILIKE ?" #n ")"
#define PG_SEARCH_TEXT_PARAM 10

/* PostgreSQL's statements where they differ from those above. Row locks stand in for the
 * writers' lock that BEGIN IMMEDIATE takes on SQLite: FOR UPDATE where a transaction reads
 * what it will change, SKIP LOCKED where two workers take jobs from one queue. */
/* clang-format off */
static const char *const statements_pg[ST_COUNT] = {
	[ST_HAS_MIGRATIONS] = "SELECT count(*) FROM information_schema.tables"
			      " WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
	[ST_PROC_SCAN] = "SELECT id FROM procedure_search WHERE "
			 PG_TERM(1) " AND " PG_TERM(2) " AND " PG_TERM(3) " AND " PG_TERM(4) " AND "
			 PG_TERM(5) " AND " PG_TERM(6) " AND " PG_TERM(7) " AND " PG_TERM(8)
			 " ORDER BY (title ILIKE ?1) DESC, similarity(title, ?10) DESC, title, id"
			 " LIMIT ?9",
	[ST_MAIL_CLAIM] = "UPDATE outbox SET next_at = ?2 WHERE id IN"
			  " (SELECT id FROM outbox WHERE sent_at IS NULL AND next_at <= ?1"
			  " ORDER BY id LIMIT ?3 FOR UPDATE SKIP LOCKED)"
			  " RETURNING " MAIL_COLS,
	[ST_TS_CLAIM] = "UPDATE signature_timestamps SET next_at = ?2 WHERE id IN"
			" (SELECT id FROM signature_timestamps WHERE stamped_at IS NULL"
			" AND next_at <= ?1 ORDER BY id LIMIT ?3 FOR UPDATE SKIP LOCKED)"
			" RETURNING " TS_COLS,
	[ST_DRAFT_LOCK] = "SELECT " DRAFT_COLS("NULL") " FROM drafts WHERE key = ?1 FOR UPDATE",
	[ST_APP_LOCK] = "SELECT status FROM applications WHERE receipt = ?1 FOR UPDATE",
	/* Held to the end of the transaction: the next writer reads the head after this
	 * one's row is committed (a row lock would not show it the new row). */
	[ST_AUDIT_LOCK] = "SELECT pg_advisory_xact_lock(7400001)",
	/* The session's, so that it outlasts the housekeeping's several transactions. */
	[ST_HOUSEKEEP_LOCK] = "SELECT pg_try_advisory_lock(7400002)",
	/* Two processes migrating one database: one after the other, each migration checked
	 * under the lock (the bookkeeping table's CREATE IF NOT EXISTS too). */
	[ST_MIGRATE_LOCK] = "SELECT pg_advisory_xact_lock(7400003)",
	[ST_HOUSEKEEP_UNLOCK] = "SELECT pg_advisory_unlock(7400002)",
	[ST_INBOX_LIST] = INBOX_LIST(IDS_PG, "strpos"),
	[ST_INBOX_COUNTS] = INBOX_COUNTS(IDS_PG),
	[ST_INBOX_NEWER] = INBOX_NEWER(IDS_PG, "strpos"),
	[ST_DASH_ARRIVALS] = DASH_ARRIVALS(IDS_PG),
	[ST_DASH_DECIDED] = DASH_DECIDED(IDS_PG),
	[ST_DASH_OLDEST] = DASH_OLDEST(IDS_FROM_PG),
};
/* clang-format on */
#define SCAN_LIMIT_PARAM 9

struct sql_ctx {
	const struct sqldrv *drv;
	void *conn;
	sqldrv_stmt *st[ST_COUNT];
	char msg[512];
};

/* Keep the driver's message for the failure rc and return the store code (never STORE_OK:
 * a step that gave a row or the end where it should not have is STORE_ESQL). */
static int fail(struct sql_ctx *c, int rc)
{
	snprintf(c->msg, sizeof(c->msg), "%s", c->drv->errmsg(c->conn));
	return rc != STORE_OK && rc != SQLDRV_ROW && rc != SQLDRV_DONE ? rc : STORE_ESQL;
}

/* The cached statement i, prepared on first use (tables may appear only after migrating). */
static int stmt(struct sql_ctx *c, int i, sqldrv_stmt **out)
{
	int rc;
	if (!c->st[i]) {
		const char *sql = c->drv->pg && statements_pg[i] ? statements_pg[i] : statements[i];
		rc = c->drv->prepare(c->conn, sql, &c->st[i]);
		if (rc != STORE_OK)
			return fail(c, rc);
	}
	*out = c->st[i];
	return STORE_OK;
}

/* Make st ready for its next use. */
static void done(sqldrv_stmt *st)
{
	db_reset(st);
}

/* Run a bound statement that returns no rows. */
static int run(struct sql_ctx *c, sqldrv_stmt *st)
{
	int rc = db_step(st);
	int ret = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return ret;
}

/* The single integer a cached statement returns. */
static int query_int(struct sql_ctx *c, sqldrv_stmt *st, long long *v)
{
	int rc = db_step(st), ret = STORE_OK;
	if (rc == SQLDRV_ROW)
		*v = db_col_int(st, 0);
	else
		ret = fail(c, rc);
	done(st);
	return ret;
}

static void sq_close(void *ctx)
{
	struct sql_ctx *c = ctx;
	if (!c)
		return;
	c->drv->close(c->conn); /* its statements with it */
	free(c);
}

static const char *sq_errmsg(void *ctx)
{
	return ((struct sql_ctx *)ctx)->msg;
}

static int sql_open(const struct sqldrv *drv, const char *target, void **out, char *err,
                    size_t errlen)
{
	struct sql_ctx *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c) {
		errbuf_set(err, errlen, "out of memory");
		return STORE_ENOMEM;
	}
	c->drv = drv;
	if ((rc = drv->open(target, &c->conn, err, errlen)) != STORE_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return STORE_OK;
}

static int sq_open(const char *target, void **out, char *err, size_t errlen)
{
	return sql_open(&sqldrv_sqlite, target, out, err, errlen);
}

static int pg_open(const char *target, void **out, char *err, size_t errlen)
{
	return sql_open(&sqldrv_pg, target, out, err, errlen);
}

/* The driver's result, its message kept. */
static int drv_rc(struct sql_ctx *c, int rc)
{
	return rc == STORE_OK ? rc : fail(c, rc);
}

static int sq_begin(void *ctx)
{
	struct sql_ctx *c = ctx;
	return drv_rc(c, c->drv->begin(c->conn));
}

static int sq_commit(void *ctx)
{
	struct sql_ctx *c = ctx;
	return drv_rc(c, c->drv->commit(c->conn));
}

static int sq_rollback(void *ctx)
{
	struct sql_ctx *c = ctx;
	return drv_rc(c, c->drv->rollback(c->conn));
}

static int sq_tx_open(void *ctx)
{
	struct sql_ctx *c = ctx;
	return c->drv->tx_open(c->conn);
}

static int sq_exec(void *ctx, const char *sql)
{
	struct sql_ctx *c = ctx;
	return drv_rc(c, c->drv->exec(c->conn, sql));
}

static int sq_migration_applied(void *ctx, unsigned number, int *applied)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v = 0;
	int rc = stmt(c, ST_MIG_APPLIED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, number);
	rc = query_int(c, st, &v);
	*applied = v > 0;
	return rc;
}

static int sq_record_migration(void *ctx, unsigned number, const char *name, const char *applied_at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_MIG_RECORD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, number);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, applied_at);
	return run(c, st);
}

static int sq_schema_version(void *ctx, unsigned *version)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v = 0;
	int rc;

	*version = 0;
	if ((rc = stmt(c, ST_HAS_MIGRATIONS, &st)) != STORE_OK)
		return rc;
	if ((rc = query_int(c, st, &v)) != STORE_OK || v == 0)
		return rc;
	if ((rc = stmt(c, ST_VERSION, &st)) != STORE_OK)
		return rc;
	if ((rc = query_int(c, st, &v)) != STORE_OK)
		return rc;
	*version = v > 0 && v <= (long long)~0u ? (unsigned)v : 0;
	return STORE_OK;
}

static int sq_clear_procedures(void *ctx)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(ctx, ST_PROC_CLEAR, &st);
	return rc != STORE_OK ? rc : run(ctx, st);
}

static int sq_add_procedure(void *ctx, const store_proc_doc *d)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_PROC_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, d->id);
	db_bind_text(st, 2, d->title);
	db_bind_text(st, 3, d->summary);
	db_bind_text(st, 4, d->body);
	return run(c, st);
}

/* The FTS5 expression for q: every term as a phrase ("..." with quotes doubled, so no term
 * is read as FTS5 syntax), ANDed. Bound as a parameter like any other value. */
static int match_expression(const struct store_query *q, char *out, size_t outlen)
{
	size_t i, o = 0;
	const char *p;

	for (i = 0; i < q->nterms; i++) {
		if (i > 0) {
			if (outlen - o <= 5)
				return STORE_EINPUT;
			memcpy(out + o, " AND ", 5);
			o += 5;
		}
		if (outlen - o <= 1)
			return STORE_EINPUT;
		out[o++] = '"';
		for (p = q->terms[i]; *p; p++) {
			if (outlen - o <= 2)
				return STORE_EINPUT;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		if (outlen - o <= 1)
			return STORE_EINPUT;
		out[o++] = '"';
	}
	out[o] = '\0';
	return STORE_OK;
}

/* A term as the LIKE pattern '%term%' that matches it anywhere and nothing else (PG_TERM). */
#define LIKE_PATTERN_MAX (2 * STORE_QUERY_MAX_BYTES + 3)
static void like_pattern(const char *term, char out[LIKE_PATTERN_MAX])
{
	size_t o = 0;
	out[o++] = '%';
	for (; *term && o < LIKE_PATTERN_MAX - 3; term++) {
		if (*term == '%' || *term == '_' || *term == '\\')
			out[o++] = '\\';
		out[o++] = *term;
	}
	out[o++] = '%';
	out[o] = '\0';
}

static int sq_search_procedures(void *ctx, const struct store_query *q, size_t limit,
                                struct store_ids *out)
{
	/* Each byte at most doubled, plus quotes and " AND " between terms. */
	char expr[2 * STORE_QUERY_MAX_BYTES + 7 * STORE_QUERY_MAX_TERMS + 1];
	char pat[STORE_QUERY_MAX_TERMS][LIKE_PATTERN_MAX];
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long lim = limit > (size_t)INT32_MAX ? INT32_MAX : (long long)limit;
	size_t i;
	int rc, ret;

	if (c->drv->pg) {
		if ((ret = stmt(c, ST_PROC_SCAN, &st)) != STORE_OK)
			goto out;
		for (i = 0; i < q->nterms && i < STORE_QUERY_MAX_TERMS; i++) {
			like_pattern(q->terms[i], pat[i]);
			db_bind_text(st, (int)i + 1, pat[i]);
		}
		db_bind_int(st, SCAN_LIMIT_PARAM, lim);
		db_bind_text(st, PG_SEARCH_TEXT_PARAM, q->text);
	} else if (!q->has_short_term) {
		if ((ret = match_expression(q, expr, sizeof(expr))) != STORE_OK)
			goto out;
		if ((ret = stmt(c, ST_PROC_MATCH, &st)) != STORE_OK)
			goto out;
		db_bind_text(st, 1, expr);
		db_bind_int(st, 2, lim);
	} else {
		if ((ret = stmt(c, ST_PROC_SCAN, &st)) != STORE_OK)
			goto out;
		for (i = 0; i < q->nterms && i < STORE_QUERY_MAX_TERMS; i++)
			db_bind_text(st, (int)i + 1, q->terms[i]);
		db_bind_int(st, SCAN_LIMIT_PARAM, lim);
	}
	while ((rc = db_step(st)) == SQLDRV_ROW) {
		const char *id = (const char *)db_col_text(st, 0);
		int len = db_col_bytes(st, 0);
		if (!id)
			continue;
		if ((ret = store_ids_push(out, id, (size_t)len)) != STORE_OK) {
			snprintf(c->msg, sizeof(c->msg), "out of memory");
			goto out;
		}
	}
	ret = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
out:
	if (st)
		done(st);
	return ret;
}

/* ---- accounts, tokens, sessions, throttling, outbox, drafts, applications ---- */

/* Run a bound statement that returns no rows and must change one: STORE_ENOTFOUND when it
 * changed none. */
static int run_one(struct sql_ctx *c, sqldrv_stmt *st)
{
	int rc = run(c, st);
	if (rc == STORE_OK && c->drv->changes(c->conn) == 0) {
		snprintf(c->msg, sizeof(c->msg), "no such row");
		rc = STORE_ENOTFOUND;
	}
	return rc;
}

/* Text column col of the current row into out (cut to fit; "" for NULL). */
static void column_copy(sqldrv_stmt *st, int col, char *out, size_t outlen)
{
	const char *t = db_col_text(st, col);
	size_t len = t ? (size_t)db_col_bytes(st, col) : 0;
	if (len >= outlen)
		len = outlen - 1;
	if (len)
		memcpy(out, t, len);
	out[len] = '\0';
}

/* Bind a long long that stands for NULL when 0. */
static void bind_opt_int(sqldrv_stmt *st, int i, long long v)
{
	if (v)
		db_bind_int(st, i, v);
	else
		db_bind_null(st, i, SQLDRV_INT);
}

/* Step a statement that returns at most one row; STORE_ENOTFOUND when it returns none.
 * On STORE_OK the row is current and the caller calls done(st) after reading it. */
static int step_row(struct sql_ctx *c, sqldrv_stmt *st)
{
	int rc = db_step(st);
	if (rc == SQLDRV_ROW)
		return STORE_OK;
	if (rc == SQLDRV_DONE) {
		snprintf(c->msg, sizeof(c->msg), "no such row");
		rc = STORE_ENOTFOUND;
	} else {
		rc = fail(c, rc);
	}
	done(st);
	return rc;
}

/* Step to the end of a statement whose one row was read: completes a write with RETURNING. */
static int finish(struct sql_ctx *c, sqldrv_stmt *st)
{
	int rc;
	while ((rc = db_step(st)) == SQLDRV_ROW)
		;
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

/* Runs an INSERT ... RETURNING id statement with three text values and a time: the
 * shape of both account creation and outbox mail. */
static int insert3_returning_id(struct sql_ctx *c, int which, const char *a, const char *b,
                                const char *d, long long now, long long *id)
{
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, b);
	db_bind_text(st, 3, d);
	db_bind_int(st, 4, now);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK && id)
		*id = v;
	return rc;
}

static int sq_account_create(void *ctx, const char *email, const char *email_key,
                             const char *pw_hash, long long now, long long *id)
{
	return insert3_returning_id(ctx, ST_ACCT_CREATE, email, email_key, pw_hash, now, id);
}

/* Read the account that the bound statement st selects. */
static int account_row(struct sql_ctx *c, sqldrv_stmt *st, store_account *out)
{
	int rc = step_row(c, st);
	if (rc != STORE_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = db_col_int(st, 0);
	column_copy(st, 1, out->email, sizeof(out->email));
	column_copy(st, 2, out->pw_hash, sizeof(out->pw_hash));
	out->created_at = db_col_int(st, 3);
	out->verified_at = db_col_int(st, 4);
	done(st);
	return STORE_OK;
}

static int sq_account_by_email(void *ctx, const char *email_key, store_account *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_BY_EMAIL, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, email_key);
	return account_row(c, st, out);
}

static int sq_account_by_id(void *ctx, long long id, store_account *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_BY_ID, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	return account_row(c, st, out);
}

static int sq_account_set_verified(void *ctx, long long id, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_VERIFIED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	bind_opt_int(st, 2, now);
	return run_one(c, st);
}

static int sq_account_set_password(void *ctx, long long id, const char *pw_hash)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_PASSWORD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, pw_hash);
	return run_one(c, st);
}

static int sq_account_set_email(void *ctx, long long id, const char *email, const char *email_key)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_EMAIL, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, email);
	db_bind_text(st, 3, email_key);
	return run_one(c, st);
}

static int sq_account_delete(void *ctx, long long id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ACCT_DELETE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	return run_one(c, st);
}

static int sq_token_create(void *ctx, const char *kind, const char *token_hash,
                           long long account_id, const char *data, long long expires_at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TOKEN_CREATE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, token_hash);
	db_bind_text(st, 2, kind);
	db_bind_int(st, 3, account_id);
	if (data)
		db_bind_text(st, 4, data);
	else
		db_bind_null(st, 4, SQLDRV_TEXT);
	db_bind_int(st, 5, expires_at);
	return run(c, st);
}

static int sq_token_consume(void *ctx, const char *kind, const char *token_hash, long long now,
                            long long *account_id, char *data, size_t datalen)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long acct;
	int rc = stmt(c, ST_TOKEN_CONSUME, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, token_hash);
	db_bind_text(st, 2, kind);
	db_bind_int(st, 3, now);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	acct = db_col_int(st, 0);
	if (data && datalen)
		column_copy(st, 1, data, datalen);
	if ((rc = finish(c, st)) == STORE_OK && account_id)
		*account_id = acct;
	return rc;
}

static int sq_tokens_delete(void *ctx, long long account_id, const char *kind)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TOKENS_DELETE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, account_id);
	if (kind)
		db_bind_text(st, 2, kind);
	else
		db_bind_null(st, 2, SQLDRV_TEXT);
	return run(c, st);
}

/* Residents' and staff sessions have the same shape in two tables: which names the
 * statement of the one meant. */
static int session_insert(struct sql_ctx *c, int which, const store_session *sess)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, sess->id_hash);
	bind_opt_int(st, 2, sess->account_id);
	db_bind_text(st, 3, sess->csrf);
	db_bind_int(st, 4, sess->created_at);
	db_bind_int(st, 5, sess->last_seen);
	return run(c, st);
}

static int sq_session_create(void *ctx, const store_session *sess)
{
	return session_insert(ctx, ST_SESS_CREATE, sess);
}

static int session_read(struct sql_ctx *c, int which, const char *id_hash, store_session *out)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	column_copy(st, 0, out->id_hash, sizeof(out->id_hash));
	out->account_id = db_col_int(st, 1);
	column_copy(st, 2, out->csrf, sizeof(out->csrf));
	out->created_at = db_col_int(st, 3);
	out->last_seen = db_col_int(st, 4);
	done(st);
	return STORE_OK;
}

static int sq_session_get(void *ctx, const char *id_hash, store_session *out)
{
	return session_read(ctx, ST_SESS_GET, id_hash, out);
}

static int session_touch(struct sql_ctx *c, int which, const char *id_hash, long long now)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	db_bind_int(st, 2, now);
	return run_one(c, st);
}

static int sq_session_touch(void *ctx, const char *id_hash, long long now)
{
	return session_touch(ctx, ST_SESS_TOUCH, id_hash, now);
}

static int run_text1(struct sql_ctx *c, int which, const char *v, int one_row);

static int sq_session_delete(void *ctx, const char *id_hash)
{
	return run_text1(ctx, ST_SESS_DELETE, id_hash, 1);
}

static int sq_sessions_delete_for_account(void *ctx, long long account_id, const char *keep_hash)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_SESS_DELETE_ACCT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, account_id);
	if (keep_hash)
		db_bind_text(st, 2, keep_hash);
	else
		db_bind_null(st, 2, SQLDRV_TEXT);
	return run(c, st);
}

static int run_int2(struct sql_ctx *c, int which, long long a, long long b, int one_row);

static int sq_sessions_expire(void *ctx, long long idle_before, long long created_before)
{
	return run_int2(ctx, ST_SESS_EXPIRE, idle_before, created_before, 0);
}

static int sq_throttle_add(void *ctx, const char *key, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_THR_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, now);
	return run(c, st);
}

static int sq_throttle_count(void *ctx, const char *key, long long since, long long *count,
                             long long *oldest)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_THR_COUNT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, since);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	*count = db_col_int(st, 0);
	*oldest = db_col_int(st, 1);
	done(st);
	return STORE_OK;
}

static int sq_throttle_clear(void *ctx, const char *key)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_THR_CLEAR, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	return run(c, st);
}

static int sq_throttle_prune(void *ctx, long long before)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_THR_PRUNE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, before);
	return run(c, st);
}

static int sq_outbox_add(void *ctx, const char *to, const char *subject, const char *body,
                         long long now, long long *id)
{
	return insert3_returning_id(ctx, ST_MAIL_ADD, to, subject, body, now, id);
}

/* The mail in the current row of st (MAIL_COLS) into m; STORE_ENOMEM when the body cannot
 * be copied (m is then left without a body). */
static int mail_row(struct sql_ctx *c, sqldrv_stmt *st, store_mail *m)
{
	const char *body;
	size_t len;
	long long attempts;

	memset(m, 0, sizeof(*m));
	m->id = db_col_int(st, 0);
	column_copy(st, 1, m->to, sizeof(m->to));
	column_copy(st, 2, m->subject, sizeof(m->subject));
	m->created_at = db_col_int(st, 4);
	m->next_at = db_col_int(st, 5);
	m->sent_at = db_col_int(st, 6);
	attempts = db_col_int(st, 7);
	m->attempts = attempts < 0 ? 0 : attempts > INT32_MAX ? INT32_MAX : (int)attempts;
	column_copy(st, 8, m->last_error, sizeof(m->last_error));
	body = db_col_text(st, 3);
	len = body ? (size_t)db_col_bytes(st, 3) : 0;
	m->body = malloc(len + 1);
	if (!m->body) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return STORE_ENOMEM;
	}
	if (len)
		memcpy(m->body, body, len);
	m->body[len] = '\0';
	return STORE_OK;
}

/* Fill out[0..*n) with the rows of the bound statement st (at most max), then finish it. */
static int mail_rows(struct sql_ctx *c, sqldrv_stmt *st, store_mail *out, size_t max, size_t *n)
{
	int rc, ret = STORE_OK;

	*n = 0;
	while ((rc = db_step(st)) == SQLDRV_ROW) {
		if (*n >= max)
			continue; /* cannot happen with LIMIT; still step to the end */
		if (ret == STORE_OK && (ret = mail_row(c, st, &out[*n])) == STORE_OK)
			(*n)++;
	}
	if (rc != SQLDRV_DONE && ret == STORE_OK)
		ret = fail(c, rc);
	done(st);
	return ret;
}

static int mail_by_id(const void *a, const void *b)
{
	long long x = ((const store_mail *)a)->id, y = ((const store_mail *)b)->id;
	return (x > y) - (x < y);
}

static int sq_outbox_claim(void *ctx, long long now, long long until, store_mail *out, size_t max,
                           size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_MAIL_CLAIM, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, until);
	db_bind_int(st, 3, max > (size_t)INT32_MAX ? INT32_MAX : (long long)max);
	rc = mail_rows(c, st, out, max, n);
	if (rc == STORE_OK)
		qsort(out, *n, sizeof(*out), mail_by_id);
	return rc;
}

static int sq_outbox_mark_sent(void *ctx, long long id, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_MAIL_SENT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	return run_one(c, st);
}

static int sq_outbox_mark_failed(void *ctx, long long id, long long next_at, const char *error)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_MAIL_FAILED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, next_at);
	db_bind_text(st, 3, error);
	return run_one(c, st);
}

static int sq_outbox_recent(void *ctx, store_mail *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_MAIL_RECENT, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, max > (size_t)INT32_MAX ? INT32_MAX : (long long)max);
	return mail_rows(c, st, out, max, n);
}

static int sq_outbox_backlog(void *ctx, long long *unsent, long long *failing)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_MAIL_BACKLOG, &st);
	if (rc != STORE_OK)
		return rc;
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	*unsent = db_col_int(st, 0);
	*failing = db_col_int(st, 1);
	done(st);
	return STORE_OK;
}

/* The one boolean (or integer) of statement which into *v. */
static int query_cached_int(struct sql_ctx *c, int which, long long *v)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	return rc != STORE_OK ? rc : query_int(c, st, v);
}

static int sq_housekeeping_lock(void *ctx, int *got)
{
	long long v = 0;
	int rc = query_cached_int(ctx, ST_HOUSEKEEP_LOCK, &v);
	*got = rc == STORE_OK && v == 1;
	return rc;
}

static int sq_procset_get(void *ctx, char *digest)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_PROCSET_GET, &st);
	digest[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc; /* none recorded yet */
	column_copy(st, 0, digest, STORE_PROCSET_DIGEST_LEN + 1);
	done(st);
	return STORE_OK;
}

static int sq_procset_put(void *ctx, const char *digest, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_PROCSET_PUT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, digest);
	db_bind_int(st, 2, now);
	return run(c, st);
}

static int sq_migration_lock(void *ctx)
{
	long long v = 0;
	return query_cached_int(ctx, ST_MIGRATE_LOCK, &v);
}

static int sq_housekeeping_unlock(void *ctx)
{
	long long v = 0;
	return query_cached_int(ctx, ST_HOUSEKEEP_UNLOCK, &v);
}

/* ---- drafts, attachments, applications ---- */

/* A malloc'd copy of column col of the current row (text, or blob when blob is set), with a
 * NUL after it; *out NULL for an SQL NULL. STORE_ENOMEM when it cannot be copied. */
static int column_alloc(struct sql_ctx *c, sqldrv_stmt *st, int col, int blob, char **out,
                        size_t *len)
{
	const void *v;
	size_t n;

	*out = NULL;
	if (len)
		*len = 0;
	if (db_col_type(st, col) == SQLDRV_NULL)
		return STORE_OK;
	v = blob ? db_col_blob(st, col) : (const void *)db_col_text(st, col);
	n = (size_t)db_col_bytes(st, col);
	*out = malloc(n + 1);
	if (!*out) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		return STORE_ENOMEM;
	}
	if (n)
		memcpy(*out, v, n);
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return STORE_OK;
}

/* Read the draft (DRAFT_COLS) that the bound statement st selects; raw is NULL when the
 * statement selects NULL for it. */
static int draft_row(struct sql_ctx *c, sqldrv_stmt *st, store_draft *out)
{
	int rc = step_row(c, st);
	if (rc != STORE_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	column_copy(st, 0, out->key, sizeof(out->key));
	column_copy(st, 1, out->owner, sizeof(out->owner));
	column_copy(st, 2, out->proc_id, sizeof(out->proc_id));
	out->proc_version = db_col_int(st, 3);
	out->created_at = db_col_int(st, 5);
	out->updated_at = db_col_int(st, 6);
	column_copy(st, 7, out->receipt, sizeof(out->receipt));
	rc = column_alloc(c, st, 4, 0, &out->raw, NULL);
	done(st);
	return rc;
}

static int sq_draft_create(void *ctx, const char *key, const char *owner, const char *proc_id,
                           int proc_version, const char *raw, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_DRAFT_CREATE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, owner);
	db_bind_text(st, 3, proc_id);
	db_bind_int(st, 4, proc_version);
	db_bind_text(st, 5, raw);
	db_bind_int(st, 6, now);
	return run(c, st);
}

static int sq_draft_open(void *ctx, const char *owner, const char *proc_id, store_draft *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_DRAFT_OPEN, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, owner);
	db_bind_text(st, 2, proc_id);
	return draft_row(c, st, out);
}

/* The draft by key through statement which (with raw or without). */
static int draft_by_key(struct sql_ctx *c, int which, const char *key, store_draft *out)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	return draft_row(c, st, out);
}

static int sq_draft_get(void *ctx, const char *key, store_draft *out)
{
	return draft_by_key(ctx, ST_DRAFT_GET, key, out);
}

static int sq_draft_lock(void *ctx, const char *key, store_draft *out)
{
	return draft_by_key(ctx, ST_DRAFT_LOCK, key, out);
}

static int sq_draft_save(void *ctx, const char *key, int proc_version, const char *raw,
                         long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_DRAFT_SAVE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, proc_version);
	db_bind_text(st, 3, raw);
	db_bind_int(st, 4, now);
	return run_one(c, st);
}

/* Run the cached statement which with one text parameter; one_row: it must change a row. */
static int run_text1(struct sql_ctx *c, int which, const char *v, int one_row)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, v);
	return one_row ? run_one(c, st) : run(c, st);
}

static int sq_draft_delete(void *ctx, const char *key)
{
	return run_text1(ctx, ST_DRAFT_DELETE, key, 1);
}

static int sq_drafts_delete_open_of(void *ctx, const char *owner)
{
	return run_text1(ctx, ST_DRAFTS_DELETE_OPEN, owner, 0);
}

/* Run the cached statement which with two text parameters; one_row: it must change a row. */
static int run_text2(struct sql_ctx *c, int which, const char *a, const char *b, int one_row)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, b);
	return one_row ? run_one(c, st) : run(c, st);
}

static int sq_draft_set_receipt(void *ctx, const char *key, const char *receipt)
{
	return run_text2(ctx, ST_DRAFT_SET_RECEIPT, key, receipt, 1);
}

static int sq_attachment_add(void *ctx, const char *draft_key, const char *field,
                             const char *filename, const char *mime, const void *data, size_t len,
                             const char *sha256, long long now, long long *id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, ST_ATT_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_text(st, 2, field);
	db_bind_text(st, 3, filename);
	db_bind_text(st, 4, mime);
	db_bind_int(st, 5, (long long)len);
	db_bind_text(st, 6, sha256);
	db_bind_int(st, 7, now);
	db_bind_blob(st, 8, data, len);
	/* No row: the draft is absent or submitted. */
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK && id)
		*id = v;
	return rc;
}

/* The attachment (ATT_COLS) in the current row of st. */
static void attachment_row(sqldrv_stmt *st, store_attachment *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_col_int(st, 0);
	column_copy(st, 1, a->field, sizeof(a->field));
	column_copy(st, 2, a->filename, sizeof(a->filename));
	column_copy(st, 3, a->mime, sizeof(a->mime));
	a->size = db_col_int(st, 4);
	column_copy(st, 5, a->sha256, sizeof(a->sha256));
	a->created_at = db_col_int(st, 6);
}

/* LIMIT for max rows. */
static long long limit_of(size_t max)
{
	return max > (size_t)INT32_MAX ? INT32_MAX : (long long)max;
}

static int sq_attachment_list(void *ctx, const char *draft_key, store_attachment *out, size_t max,
                              size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_ATT_LIST, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max)
			attachment_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_attachment_get(void *ctx, const char *draft_key, long long id, store_attachment *meta,
                             void **data, size_t *len)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	char *bytes = NULL;
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = stmt(c, ST_ATT_GET, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_int(st, 2, id);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	attachment_row(st, meta);
	rc = column_alloc(c, st, 7, 1, &bytes, len);
	done(st);
	if (rc == STORE_OK && !bytes) {
		snprintf(c->msg, sizeof(c->msg), "attachment without data");
		rc = STORE_ESQL; /* NOT NULL in the schema */
	}
	if (rc == STORE_OK)
		*data = bytes;
	else
		*len = 0;
	return rc;
}

static int sq_attachment_delete(void *ctx, const char *draft_key, long long id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ATT_DELETE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_int(st, 2, id);
	return run_one(c, st);
}

static int sq_receipt_next(void *ctx, int year, long long *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, ST_RECEIPT_NEXT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, year);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK)
		*n = v;
	return rc;
}

/* ---- correction of a returned application (store_versions.c) ---- */

static int run_int_text2(struct sql_ctx *c, int which, long long id, const char *a, const char *b,
                         int one_row);
static int delete_rows(struct sql_ctx *c, int which, const char *key, long long num, long long *n);

static int sq_draft_resubmit_of(void *ctx, const char *key, char *receipt)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_DRAFT_RESUBMIT_OF, &st);
	receipt[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, key);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	column_copy(st, 0, receipt, STORE_RECEIPT_MAX + 1);
	done(st);
	return STORE_OK;
}

static int sq_draft_set_resubmit(void *ctx, const char *key, const char *receipt)
{
	return run_text2(ctx, ST_DRAFT_SET_RESUBMIT, key, receipt, 1);
}

static int sq_drafts_resubmit_cancel(void *ctx, const char *receipt, long long *n)
{
	return delete_rows(ctx, ST_DRAFTS_RESUBMIT_CANCEL, receipt, 0, n);
}

static int sq_attachments_copy(void *ctx, const char *from, const char *to)
{
	return run_text2(ctx, ST_ATT_COPY, from, to, 0);
}

static int sq_version_last(void *ctx, const char *receipt, int *version)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v = 0;
	int rc = stmt(c, ST_VERSION_LAST, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if ((rc = query_int(c, st, &v)) == STORE_OK)
		*version = (int)v;
	return rc;
}

static int sq_version_keep(void *ctx, const char *receipt, int version)
{
	return run_int_text2(ctx, ST_VERSION_KEEP, version, receipt, NULL, 1);
}

static int sq_application_replace(void *ctx, const store_application *a)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_REPLACE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, a->receipt);
	db_bind_text(st, 2, a->draft_key);
	db_bind_int(st, 3, a->proc_version);
	db_bind_text(st, 4, a->proc_title);
	db_bind_text(st, 5, a->digest);
	db_bind_text(st, 6, a->content);
	db_bind_text(st, 7, a->display);
	if (a->signature_len)
		db_bind_blob(st, 8, a->signature, a->signature_len);
	if (a->verification)
		db_bind_text(st, 9, a->verification);
	db_bind_int(st, 10, a->submitted_at);
	if (a->ocsp_response_len)
		db_bind_blob(st, 11, a->ocsp_response, a->ocsp_response_len);
	return run_one(c, st);
}

/* The version (ST_VERSIONS) in the current row of st. */
static int version_row(struct sql_ctx *c, sqldrv_stmt *st, store_app_version *v)
{
	memset(v, 0, sizeof(*v));
	v->version = db_col_int(st, 0);
	column_copy(st, 1, v->draft_key, sizeof(v->draft_key));
	v->proc_version = db_col_int(st, 2);
	column_copy(st, 3, v->digest, sizeof(v->digest));
	v->submitted_at = db_col_int(st, 4);
	v->signature_len = (size_t)db_col_int(st, 5);
	int rc = column_alloc(c, st, 6, 0, &v->display, NULL);
	if (rc == STORE_OK)
		rc = column_alloc(c, st, 7, 0, &v->verification, NULL);
	if (rc != STORE_OK)
		store_app_version_release(v);
	return rc;
}

static int sq_application_versions(void *ctx, const char *receipt, store_app_version *out,
                                   size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_VERSIONS, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max) {
		int e = version_row(c, st, &out[*n]);
		if (e != STORE_OK) {
			done(st);
			return e;
		}
		(*n)++;
	}
	rc = rc == SQLDRV_ROW || rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_application_insert(void *ctx, const store_application *a)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_INSERT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, a->receipt);
	db_bind_text(st, 2, a->draft_key);
	bind_opt_int(st, 3, a->account_id);
	db_bind_text(st, 4, a->proc_id);
	db_bind_int(st, 5, a->proc_version);
	db_bind_text(st, 6, a->proc_title);
	db_bind_text(st, 7, a->status);
	db_bind_text(st, 8, a->digest);
	db_bind_text(st, 9, a->content);
	db_bind_text(st, 10, a->display);
	if (a->signature_len)
		db_bind_blob(st, 11, a->signature, a->signature_len);
	else
		db_bind_null(st, 11, SQLDRV_BLOB);
	if (a->verification)
		db_bind_text(st, 12, a->verification);
	else
		db_bind_null(st, 12, SQLDRV_TEXT);
	db_bind_int(st, 13, a->submitted_at);
	db_bind_int(st, 14, a->updated_at);
	if (a->ocsp_response_len)
		db_bind_blob(st, 15, a->ocsp_response, a->ocsp_response_len);
	else
		db_bind_null(st, 15, SQLDRV_BLOB);
	return run(c, st);
}

/* The application (APP_COLS) in the current row of st, malloc'd parts NULL. */
static void app_row(sqldrv_stmt *st, store_application *a)
{
	memset(a, 0, sizeof(*a));
	column_copy(st, 0, a->receipt, sizeof(a->receipt));
	column_copy(st, 1, a->draft_key, sizeof(a->draft_key));
	a->account_id = db_col_int(st, 2);
	column_copy(st, 3, a->proc_id, sizeof(a->proc_id));
	a->proc_version = db_col_int(st, 4);
	column_copy(st, 5, a->proc_title, sizeof(a->proc_title));
	column_copy(st, 6, a->status, sizeof(a->status));
	column_copy(st, 7, a->digest, sizeof(a->digest));
	a->submitted_at = db_col_int(st, 8);
	a->updated_at = db_col_int(st, 9);
}

static int sq_application_get(void *ctx, const char *receipt, store_application *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	app_row(st, out);
	if ((rc = column_alloc(c, st, 10, 0, &out->content, NULL)) == STORE_OK &&
	    (rc = column_alloc(c, st, 11, 0, &out->display, NULL)) == STORE_OK &&
	    (rc = column_alloc(c, st, 12, 1, &out->signature, &out->signature_len)) == STORE_OK &&
	    (rc = column_alloc(c, st, 13, 0, &out->verification, NULL)) == STORE_OK)
		rc = column_alloc(c, st, 14, 1, &out->ocsp_response, &out->ocsp_response_len);
	done(st);
	if (rc != STORE_OK)
		store_application_release(out);
	return rc;
}

static int sq_applications_for_account(void *ctx, long long account_id, store_application *out,
                                       size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_APP_FOR_ACCOUNT, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, account_id);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max)
			app_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_application_lock(void *ctx, const char *receipt, char *status)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_LOCK, &st);

	status[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	column_copy(st, 0, status, STORE_STATUS_MAX + 1);
	done(st);
	return STORE_OK;
}

static int sq_application_set_status(void *ctx, const char *receipt, const char *status,
                                     long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_SET_STATUS, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, now);
	return run_one(c, st);
}

static int sq_application_event_add(void *ctx, const char *receipt, const char *status,
                                    const char *note, long long at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_EVENT_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_text(st, 2, status);
	if (note)
		db_bind_text(st, 3, note);
	else
		db_bind_null(st, 3, SQLDRV_TEXT);
	db_bind_int(st, 4, at);
	return run(c, st);
}

static int sq_application_events(void *ctx, const char *receipt, store_app_event *out, size_t max,
                                 size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_EVENTS, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW) {
		store_app_event *e;
		if (*n >= max)
			continue;
		e = &out[(*n)++];
		memset(e, 0, sizeof(*e));
		column_copy(st, 0, e->status, sizeof(e->status));
		column_copy(st, 1, e->note, sizeof(e->note));
		e->at = db_col_int(st, 2);
	}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

/* ---- beside the staff's decisions: the newest event, notes, the mails queued ---- */

static int sq_application_last_event(void *ctx, const char *receipt, long long *id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_EVENT_LAST, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	*id = db_col_int(st, 0);
	done(st);
	return STORE_OK;
}

static int sq_note_add(void *ctx, const char *receipt, long long staff_id, const char *body,
                       long long now, long long *id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, ST_NOTE_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, staff_id);
	db_bind_text(st, 3, body);
	db_bind_int(st, 4, now);
	if ((rc = step_row(c, st)) != STORE_OK) /* an absent application or staff member */
		return rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK && id)
		*id = v;
	return rc;
}

static int sq_notes(void *ctx, const char *receipt, store_note *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_NOTES, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW) {
		store_note *e;
		if (*n >= max)
			continue;
		e = &out[(*n)++];
		memset(e, 0, sizeof(*e));
		e->id = db_col_int(st, 0);
		e->staff_id = db_col_int(st, 1);
		column_copy(st, 2, e->body, sizeof(e->body));
		e->at = db_col_int(st, 3);
	}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_application_mail_add(void *ctx, const char *receipt, long long outbox_id,
                                   long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_MAIL_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, outbox_id);
	db_bind_int(st, 3, now);
	return run(c, st);
}

static int sq_application_mails(void *ctx, const char *receipt, store_app_mail *out, size_t max,
                                size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_APP_MAILS, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW) {
		if (*n >= max)
			continue;
		out[*n].outbox_id = db_col_int(st, 0);
		out[(*n)++].at = db_col_int(st, 1);
	}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_sign_request_create(void *ctx, const store_sign_request *r)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_SIGN_CREATE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, r->id_hash);
	db_bind_text(st, 2, r->draft_key);
	db_bind_text(st, 3, r->digest);
	db_bind_text(st, 4, r->proc_title);
	db_bind_int(st, 5, r->created_at);
	db_bind_int(st, 6, r->expires_at);
	db_bind_text(st, 7, r->content);
	db_bind_text(st, 8, r->display);
	/* No row inserted: the draft is absent or submitted. */
	return run_one(c, st);
}

/* Read the request (SIGN_COLS) that the bound statement st selects, malloc'd parts
 * included; they are NULL when it fails. */
static int sign_row(struct sql_ctx *c, sqldrv_stmt *st, store_sign_request *out)
{
	int rc = step_row(c, st);
	if (rc != STORE_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	column_copy(st, 0, out->id_hash, sizeof(out->id_hash));
	column_copy(st, 1, out->draft_key, sizeof(out->draft_key));
	column_copy(st, 2, out->digest, sizeof(out->digest));
	column_copy(st, 3, out->proc_title, sizeof(out->proc_title));
	out->created_at = db_col_int(st, 4);
	out->expires_at = db_col_int(st, 5);
	out->used_at = db_col_int(st, 6);
	column_copy(st, 7, out->status, sizeof(out->status));
	if ((rc = column_alloc(c, st, 8, 0, &out->content, NULL)) == STORE_OK &&
	    (rc = column_alloc(c, st, 9, 0, &out->display, NULL)) == STORE_OK &&
	    (rc = column_alloc(c, st, 10, 1, &out->signature, &out->signature_len)) == STORE_OK &&
	    (rc = column_alloc(c, st, 11, 0, &out->verification, NULL)) == STORE_OK)
		rc = column_alloc(c, st, 12, 1, &out->ocsp_response, &out->ocsp_response_len);
	done(st);
	if (rc == STORE_OK && (!out->content || !out->display)) {
		snprintf(c->msg, sizeof(c->msg), "sign request without content");
		rc = STORE_ESQL; /* NOT NULL in the schema */
	}
	if (rc != STORE_OK)
		store_sign_request_release(out);
	return rc;
}

static int sq_sign_request_get(void *ctx, const char *id_hash, store_sign_request *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_SIGN_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	return sign_row(c, st, out);
}

/* ---- time-stamps ---- */

static int sq_timestamp_queue(void *ctx, const char *receipt, const char *digest, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TS_QUEUE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_text(st, 2, digest);
	db_bind_int(st, 3, now);
	return run(c, st);
}

/* The request (TS_COLS) in the current row of st, the token NULL. */
static void ts_row(sqldrv_stmt *st, store_timestamp *t)
{
	memset(t, 0, sizeof(*t));
	t->id = db_col_int(st, 0);
	column_copy(st, 1, t->receipt, sizeof(t->receipt));
	column_copy(st, 2, t->digest, sizeof(t->digest));
	t->created_at = db_col_int(st, 3);
	t->next_at = db_col_int(st, 4);
	t->attempts = db_col_int(st, 5);
	column_copy(st, 6, t->last_error, sizeof(t->last_error));
	t->stamped_at = db_col_int(st, 7);
	t->gen_time = db_col_int(st, 8);
	column_copy(st, 9, t->imprint, sizeof(t->imprint));
}

static int ts_by_id(const void *a, const void *b)
{
	long long x = ((const store_timestamp *)a)->id, y = ((const store_timestamp *)b)->id;
	return (x > y) - (x < y);
}

static int sq_timestamps_claim(void *ctx, long long now, long long until, store_timestamp *out,
                               size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_TS_CLAIM, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, until);
	db_bind_int(st, 3, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max)
			ts_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	if (rc == STORE_OK)
		qsort(out, *n, sizeof(*out), ts_by_id);
	return rc;
}

static int sq_timestamp_stamped(void *ctx, long long id, const char *imprint, long long gen_time,
                                const void *token, size_t len, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TS_STAMPED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, imprint);
	db_bind_int(st, 3, gen_time);
	db_bind_blob(st, 4, token, len);
	db_bind_int(st, 5, now);
	return run_one(c, st);
}

static int sq_timestamp_failed(void *ctx, long long id, long long next_at, const char *error)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TS_FAILED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, next_at);
	db_bind_text(st, 3, error);
	return run_one(c, st);
}

static int sq_timestamp_get(void *ctx, const char *receipt, const char *digest,
                            store_timestamp *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_TS_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_text(st, 2, digest);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	ts_row(st, out);
	rc = column_alloc(c, st, 10, 1, &out->token, &out->token_len);
	done(st);
	return rc;
}

static int sq_sign_request_finish(void *ctx, const char *id_hash, const char *status,
                                  const void *sig, size_t sig_len, const char *verification,
                                  const void *ocsp, size_t ocsp_len, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long n = 0;
	int rc = stmt(c, ST_SIGN_FINISH, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	db_bind_text(st, 2, status);
	if (sig_len) {
		db_bind_blob(st, 3, sig, sig_len);
	} else {
		db_bind_null(st, 3, SQLDRV_BLOB);
	}
	db_bind_text(st, 4, verification);
	db_bind_int(st, 5, now);
	if (ocsp_len)
		db_bind_blob(st, 6, ocsp, ocsp_len);
	else
		db_bind_null(st, 6, SQLDRV_BLOB);
	if ((rc = run(c, st)) != STORE_OK)
		return rc;
	if (c->drv->changes(c->conn) == 1)
		return STORE_OK;
	/* Nothing changed: used, expired or absent. In the caller's transaction, so the row
	 * seen here is the one the update saw. */
	if ((rc = stmt(c, ST_SIGN_EXISTS, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	if ((rc = query_int(c, st, &n)) != STORE_OK)
		return rc;
	snprintf(c->msg, sizeof(c->msg), "%s",
	         n > 0 ? "sign request already used or expired" : "no such row");
	return n > 0 ? STORE_ECONFLICT : STORE_ENOTFOUND;
}

static int sq_sign_request_signed(void *ctx, const char *draft_key, const char *digest,
                                  store_sign_request *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_SIGN_SIGNED, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_text(st, 2, digest);
	return sign_row(c, st, out);
}

static int sq_sign_request_signed_other(void *ctx, const char *draft_key, const char *digest,
                                        int *any)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long n = 0;
	int rc = stmt(c, ST_SIGN_SIGNED_OTHER, &st);

	*any = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, draft_key);
	db_bind_text(st, 2, digest);
	if ((rc = query_int(c, st, &n)) == STORE_OK)
		*any = n > 0;
	return rc;
}

/* One DELETE (statement which) of one parameter: key as text when not NULL, else num; *n
 * gets the number of rows deleted. */
static int delete_rows(struct sql_ctx *c, int which, const char *key, long long num, long long *n)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);

	*n = 0;
	if (rc != STORE_OK)
		return rc;
	if (key)
		db_bind_text(st, 1, key);
	else
		db_bind_int(st, 1, num);
	if ((rc = run(c, st)) == STORE_OK)
		*n = (long long)c->drv->changes(c->conn);
	return rc;
}

static int sq_sign_requests_prune(void *ctx, long long before, long long *n)
{
	return delete_rows(ctx, ST_SIGN_PRUNE, NULL, before, n);
}

static int sq_sign_requests_cancel(void *ctx, const char *draft_key, long long *n)
{
	return delete_rows(ctx, ST_SIGN_CANCEL, draft_key, 0, n);
}

static int sq_drafts_prune_anonymous(void *ctx, long long before, long long *n)
{
	return delete_rows(ctx, ST_DRAFTS_PRUNE_ANON, NULL, before, n);
}

/* One integer of a statement with a text (?1) and optionally an integer (?2) parameter. */
static int int_of(void *ctx, int which, const char *text, long long num, long long *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, text);
	if (db_param_count(st) >= 2)
		db_bind_int(st, 2, num);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	*out = db_col_int(st, 0);
	done(st);
	return STORE_OK;
}

static int sq_owner_attachment_bytes(void *ctx, const char *owner, long long *bytes)
{
	return int_of(ctx, ST_OWNER_ATT_BYTES, owner, 0, bytes);
}

static int sq_anon_upload_add(void *ctx, const char *peer, long long now, long long bytes)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_ANON_UP_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, peer);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, bytes);
	return run(c, st);
}

static int sq_anon_upload_bytes(void *ctx, const char *peer, long long since, long long *bytes)
{
	return int_of(ctx, ST_ANON_UP_BYTES, peer, since, bytes);
}

static int sq_anon_uploads_prune(void *ctx, long long before, long long *n)
{
	return delete_rows(ctx, ST_ANON_UP_PRUNE, NULL, before, n);
}

/* ---- the staff inbox ---- */

/* The inbox's parameters of q (INBOX_WHERE) with (?4, ?5) = (at, receipt) and limit ?6. */
static void bind_inbox(sqldrv_stmt *st, const char *procs, const store_inbox_query *q, long long at,
                       const char *receipt, size_t max)
{
	db_bind_text(st, 1, procs);
	if (q->status)
		db_bind_text(st, 2, q->status);
	if (q->receipt)
		db_bind_text(st, 3, q->receipt);
	db_bind_int(st, 4, at);
	if (receipt)
		db_bind_text(st, 5, receipt);
	db_bind_int(st, 6, limit_of(max));
	db_bind_int(st, 7, q->from_at);
	db_bind_int(st, 8, q->to_at);
	db_bind_int(st, 9, q->differs);
	db_bind_int(st, 10, q->assignee);
	if (q->search)
		db_bind_text(st, 11, q->search);
}

static int sq_inbox_list(void *ctx, const char *procs, const store_inbox_query *q,
                         store_application *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_INBOX_LIST, &st)) != STORE_OK)
		return rc;
	bind_inbox(st, procs, q, q->after_at, q->after_receipt, max);
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max) {
			app_row(st, &out[*n]);
			out[*n].differs = db_col_int(st, 10);
			out[(*n)++].assignee = db_col_int(st, 11);
		}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_inbox_counts(void *ctx, const char *procs, store_status_count *out, size_t max,
                           size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_INBOX_COUNTS, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, procs);
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max) {
			column_copy(st, 0, out[*n].status, sizeof(out[*n].status));
			out[(*n)++].count = db_col_int(st, 1);
		}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

/* ---- the staff dashboard (store_dash.c) ---- */

/* The rows (procedure, number, count) of dashboard statement i, bound to the procedures, two
 * numbers and the limit, into out. */
static int dash_rows(struct sql_ctx *c, int i, const char *procs, long long a, long long b,
                     store_dash_count *out, size_t max, size_t *n)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, i, &st);
	*n = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, procs);
	db_bind_int(st, 2, a);
	db_bind_int(st, 3, b);
	db_bind_int(st, 4, (long long)max);
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max) {
			column_copy(st, 0, out[*n].proc_id, sizeof(out[*n].proc_id));
			out[*n].key = db_col_int(st, 1);
			out[(*n)++].count = db_col_int(st, 2);
		}
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_dash_arrivals(void *ctx, const char *procs, long long from_day, long long to_day,
                            store_dash_count *out, size_t max, size_t *n)
{
	return dash_rows(ctx, ST_DASH_ARRIVALS, procs, from_day, to_day, out, max, n);
}

static int sq_dash_decided(void *ctx, const char *procs, long long from_day, long long cap,
                           store_dash_count *out, size_t max, size_t *n)
{
	return dash_rows(ctx, ST_DASH_DECIDED, procs, from_day, cap, out, max, n);
}

static int sq_dash_oldest(void *ctx, const char *procs, store_application *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_DASH_OLDEST, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, procs);
	if ((rc = step_row(c, st)) == STORE_OK) {
		app_row(st, out);
		done(st);
	}
	return rc;
}

/* The statement i of the waiting applications of proc_id before before_at, bound. */
static int dash_overdue_stmt(struct sql_ctx *c, int i, const char *proc_id, long long before_at,
                             sqldrv_stmt **st)
{
	int rc = stmt(c, i, st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(*st, 1, proc_id);
	db_bind_int(*st, 2, before_at);
	return STORE_OK;
}

static int sq_dash_overdue(void *ctx, const char *proc_id, long long before_at,
                           store_application *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = dash_overdue_stmt(c, ST_DASH_OVERDUE, proc_id, before_at, &st);
	*n = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 3, (long long)max);
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max)
			app_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_dash_overdue_count(void *ctx, const char *proc_id, long long before_at,
                                 long long limit, long long *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v = 0;
	int rc = dash_overdue_stmt(c, ST_DASH_OVERDUE_COUNT, proc_id, before_at, &st);
	if (rc == STORE_OK)
		db_bind_int(st, 3, limit);
	if (rc == STORE_OK && (rc = query_int(c, st, &v)) == STORE_OK)
		*n = v;
	return rc;
}

/* ---- the inbox's filters and the evidence panel ---- */

static int sq_inbox_newer(void *ctx, const char *procs, const store_inbox_query *q, long long at,
                          const char *receipt, char *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_INBOX_NEWER, &st);
	out[0] = '\0';
	if (rc != STORE_OK)
		return rc;
	bind_inbox(st, procs, q, at, receipt, 1);
	rc = step_row(c, st);
	if (rc == STORE_ENOTFOUND)
		return STORE_OK;
	if (rc == STORE_OK) {
		column_copy(st, 0, out, STORE_RECEIPT_MAX + 1);
		done(st);
	}
	return rc;
}

static int sq_application_review_keys(void *ctx, const char *receipt, const char *search_key,
                                      int differs)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_REVIEW_KEYS, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if (search_key)
		db_bind_text(st, 2, search_key);
	if (differs >= 0)
		db_bind_int(st, 3, differs);
	return run_one(c, st);
}

static int sq_application_review(void *ctx, const char *receipt, store_app_review *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_REVIEW, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	out->differs = db_col_int(st, 0);
	out->assignee = db_col_int(st, 1);
	column_copy(st, 2, out->assignee_name, sizeof(out->assignee_name));
	done(st);
	return STORE_OK;
}

static int sq_application_assign(void *ctx, const char *receipt, long long staff_id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_APP_ASSIGN, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	bind_opt_int(st, 2, staff_id);
	return run_one(c, st);
}

static int sq_reverification_add(void *ctx, const char *receipt, long long staff_id, long long at,
                                 const char *result, const char *report)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_REVERIFY_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, staff_id);
	db_bind_int(st, 3, at);
	db_bind_text(st, 4, result);
	db_bind_text(st, 5, report);
	return run_one(c, st);
}

static int sq_reverifications(void *ctx, const char *receipt, store_reverification *out, size_t max,
                              size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_REVERIFY_LIST, &st)) != STORE_OK)
		return rc;
	db_bind_text(st, 1, receipt);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max) {
		store_reverification *r = &out[*n];
		r->id = db_col_int(st, 0);
		r->staff_id = db_col_int(st, 1);
		r->at = db_col_int(st, 2);
		column_copy(st, 3, r->result, sizeof(r->result));
		column_copy(st, 4, r->staff_name, sizeof(r->staff_name));
		(*n)++;
		if (column_alloc(c, st, 5, 0, &r->report, NULL) != STORE_OK) {
			done(st);
			return STORE_ENOMEM;
		}
	}
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

/* ---- audit log ---- */

static int sq_audit_head(void *ctx, long long *id, char *hash)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *lock = NULL, *st = NULL;
	int rc = stmt(c, ST_AUDIT_LOCK, &lock);

	*id = 0;
	hash[0] = '\0';
	if (rc != STORE_OK || (rc = finish(c, lock)) != STORE_OK ||
	    (rc = stmt(c, ST_AUDIT_HEAD, &st)) != STORE_OK)
		return rc;
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc; /* an empty log */
	*id = db_col_int(st, 0);
	column_copy(st, 1, hash, AUDIT_HASH_LEN + 1);
	done(st);
	return STORE_OK;
}

static int sq_audit_insert(void *ctx, const audit_row *r)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_AUDIT_INSERT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, r->id);
	db_bind_int(st, 2, r->at);
	db_bind_text(st, 3, r->actor);
	db_bind_text(st, 4, r->action);
	if (r->receipt[0])
		db_bind_text(st, 5, r->receipt);
	else
		db_bind_null(st, 5, SQLDRV_TEXT);
	db_bind_text(st, 6, r->detail);
	db_bind_text(st, 7, r->peer);
	db_bind_text(st, 8, r->prev_hash);
	db_bind_text(st, 9, r->hash);
	return run(c, st);
}

/* Text column col into out (outlen bytes) exactly: 0 when it is not text, does not fit, or
 * holds a NUL byte (out then holds a cut copy). NULL is "" when null_ok. */
static int audit_text(sqldrv_stmt *st, int col, char *out, size_t outlen, int null_ok)
{
	int type = db_col_type(st, col);
	size_t len;

	column_copy(st, col, out, outlen);
	if (type == SQLDRV_NULL)
		return null_ok;
	len = (size_t)db_col_bytes(st, col);
	return type == SQLDRV_TEXT && len < outlen && strlen(out) == len;
}

/* The row of AUDIT_COLS at st's current row; damaged when a value does not fit. */
static void audit_row_read(sqldrv_stmt *st, audit_row *r)
{
	int ok;

	memset(r, 0, sizeof(*r));
	r->id = db_col_int(st, 0);
	r->at = db_col_int(st, 1);
	ok = db_col_type(st, 1) == SQLDRV_INT;
	ok &= audit_text(st, 2, r->actor, sizeof(r->actor), 0);
	ok &= audit_text(st, 3, r->action, sizeof(r->action), 0);
	/* An empty receipt is not none: it would hash as none. */
	ok &= audit_text(st, 4, r->receipt, sizeof(r->receipt), 1) &&
	      (r->receipt[0] || db_col_type(st, 4) == SQLDRV_NULL);
	ok &= audit_text(st, 5, r->detail, sizeof(r->detail), 0);
	ok &= audit_text(st, 6, r->peer, sizeof(r->peer), 0);
	ok &= audit_text(st, 7, r->prev_hash, sizeof(r->prev_hash), 0);
	ok &= audit_text(st, 8, r->hash, sizeof(r->hash), 0);
	r->damaged = !ok;
}

/* Fill out[0..*n) with the rows of the bound statement st (at most max), then reset it. */
static int audit_rows(struct sql_ctx *c, sqldrv_stmt *st, audit_row *out, size_t max, size_t *n)
{
	int rc;

	*n = 0;
	while ((rc = db_step(st)) == SQLDRV_ROW)
		if (*n < max)
			audit_row_read(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_audit_list(void *ctx, const char *actor, const char *receipt, long long before_id,
                         audit_row *out, size_t max, size_t *n)
{
	static const int which[2][2] = {{ST_AUDIT_LIST_ALL, ST_AUDIT_LIST_RECEIPT},
	                                {ST_AUDIT_LIST_ACTOR, ST_AUDIT_LIST_BOTH}};
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which[actor != NULL][receipt != NULL], &st);

	*n = 0;
	if (rc != STORE_OK)
		return rc;
	if (actor)
		db_bind_text(st, 1, actor);
	if (receipt)
		db_bind_text(st, 2, receipt);
	db_bind_int(st, 3, before_id);
	db_bind_int(st, 4, limit_of(max));
	return audit_rows(c, st, out, max, n);
}

static int sq_audit_page(void *ctx, long long after_id, audit_row *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_AUDIT_PAGE, &st);

	*n = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, after_id);
	db_bind_int(st, 2, limit_of(max));
	return audit_rows(c, st, out, max, n);
}

/* ---- staff ---- */

static int sq_staff_create(void *ctx, const char *email, const char *email_key, const char *name,
                           int is_admin, long long now, long long *id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, ST_STAFF_CREATE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, email_key);
	db_bind_text(st, 3, name);
	db_bind_int(st, 4, is_admin);
	db_bind_int(st, 5, now);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK && id)
		*id = v;
	return rc;
}

/* The staff member of the row st is on (STAFF_COLS). */
static void staff_cols(sqldrv_stmt *st, store_staff *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int(st, 0);
	column_copy(st, 1, out->email, sizeof(out->email));
	column_copy(st, 2, out->name, sizeof(out->name));
	column_copy(st, 3, out->pw_hash, sizeof(out->pw_hash));
	column_copy(st, 4, out->totp_secret, sizeof(out->totp_secret));
	out->is_admin = db_col_int(st, 5);
	out->created_at = db_col_int(st, 6);
	out->enrolled_at = db_col_int(st, 7);
}

/* Read the staff member that the bound statement st selects. */
static int staff_row(struct sql_ctx *c, sqldrv_stmt *st, store_staff *out)
{
	int rc = step_row(c, st);
	if (rc != STORE_OK)
		return rc;
	staff_cols(st, out);
	done(st);
	return STORE_OK;
}

static int sq_staff_by_email(void *ctx, const char *email_key, store_staff *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_BY_EMAIL, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, email_key);
	return staff_row(c, st, out);
}

static int sq_staff_by_id(void *ctx, long long id, store_staff *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_BY_ID, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	return staff_row(c, st, out);
}

/* Run the cached statement which with an integer and two texts (b may be NULL: not bound);
 * one_row: it must change a row. */
static int run_int_text2(struct sql_ctx *c, int which, long long id, const char *a, const char *b,
                         int one_row)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, a);
	if (b)
		db_bind_text(st, 3, b);
	return one_row ? run_one(c, st) : run(c, st);
}

static int sq_staff_set_credentials(void *ctx, long long id, const char *pw_hash,
                                    const char *totp_secret)
{
	return run_int_text2(ctx, ST_STAFF_CREDENTIALS, id, pw_hash, totp_secret, 1);
}

/* Run the cached statement which with two integers; one_row: it must change a row. */
static int run_int2(struct sql_ctx *c, int which, long long a, long long b, int one_row)
{
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, a);
	db_bind_int(st, 2, b);
	return one_row ? run_one(c, st) : run(c, st);
}

static int sq_staff_set_enrolled(void *ctx, long long id, long long now)
{
	return run_int2(ctx, ST_STAFF_ENROLLED, id, now, 1);
}

static int sq_staff_role_set(void *ctx, long long staff_id, const char *proc_id, const char *role)
{
	return run_int_text2(ctx, ST_STAFF_ROLE_SET, staff_id, proc_id, role, 0);
}

static int sq_staff_roles(void *ctx, long long staff_id, store_staff_role *out, size_t max,
                          size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_STAFF_ROLES, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	db_bind_int(st, 2, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max) {
		column_copy(st, 0, out[*n].proc_id, sizeof(out[*n].proc_id));
		column_copy(st, 1, out[*n].role, sizeof(out[*n].role));
		(*n)++;
	}
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_staff_totp_use(void *ctx, long long staff_id, long long step)
{
	struct sql_ctx *c = ctx;
	/* an absent staff member fails the foreign key (STORE_ENOTFOUND); no row changed
	 * means the step was used already */
	int rc = run_int2(c, ST_STAFF_TOTP_USE, staff_id, step, 0);
	if (rc == STORE_OK && c->drv->changes(c->conn) == 0) {
		snprintf(c->msg, sizeof(c->msg), "TOTP step used already");
		rc = STORE_ECONFLICT;
	}
	return rc;
}

static int sq_staff_recovery_set(void *ctx, long long staff_id, const char *const *code_hashes,
                                 size_t n, long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long gone;
	int rc = delete_rows(c, ST_STAFF_RECOVERY_CLEAR, NULL, staff_id, &gone);

	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		if ((rc = stmt(c, ST_STAFF_RECOVERY_ADD, &st)) != STORE_OK)
			break;
		db_bind_text(st, 1, code_hashes[i]);
		db_bind_int(st, 2, staff_id);
		db_bind_int(st, 3, now);
		rc = run(c, st);
	}
	return rc;
}

static int sq_staff_recovery_use(void *ctx, long long staff_id, const char *code_hash,
                                 long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_RECOVERY_USE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, code_hash);
	db_bind_int(st, 2, staff_id);
	db_bind_int(st, 3, now);
	return run_one(c, st);
}

static int sq_staff_recovery_left(void *ctx, long long staff_id, long long *left)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	long long v = 0;
	int rc = stmt(c, ST_STAFF_RECOVERY_LEFT, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	if ((rc = query_int(c, st, &v)) == STORE_OK)
		*left = v;
	return rc;
}

static int sq_staff_enrol_token_create(void *ctx, const char *token_hash, long long staff_id,
                                       long long expires_at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_ENROL_CREATE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, token_hash);
	db_bind_int(st, 2, staff_id);
	db_bind_int(st, 3, expires_at);
	return run(c, st);
}

/* The staff id that statement which (token hash, now) returns in its one row. */
static int enrol_token_row(struct sql_ctx *c, int which, const char *token_hash, long long now,
                           long long *staff_id)
{
	sqldrv_stmt *st = NULL;
	long long v;
	int rc = stmt(c, which, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, token_hash);
	db_bind_int(st, 2, now);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK)
		*staff_id = v;
	return rc;
}

static int sq_staff_enrol_token_get(void *ctx, const char *token_hash, long long now,
                                    long long *staff_id)
{
	return enrol_token_row(ctx, ST_STAFF_ENROL_GET, token_hash, now, staff_id);
}

static int sq_staff_enrol_token_consume(void *ctx, const char *token_hash, long long now,
                                        long long *staff_id)
{
	return enrol_token_row(ctx, ST_STAFF_ENROL_CONSUME, token_hash, now, staff_id);
}

static int sq_staff_session_create(void *ctx, const store_session *sess)
{
	return session_insert(ctx, ST_STAFF_SESS_CREATE, sess);
}

static int sq_staff_session_get(void *ctx, const char *id_hash, store_session *out)
{
	return session_read(ctx, ST_STAFF_SESS_GET, id_hash, out);
}

static int sq_staff_session_touch(void *ctx, const char *id_hash, long long now)
{
	return session_touch(ctx, ST_STAFF_SESS_TOUCH, id_hash, now);
}

static int sq_staff_session_delete(void *ctx, const char *id_hash)
{
	return run_text1(ctx, ST_STAFF_SESS_DELETE, id_hash, 1);
}

static int sq_staff_sessions_expire(void *ctx, long long idle_before, long long created_before)
{
	return run_int2(ctx, ST_STAFF_SESS_EXPIRE, idle_before, created_before, 0);
}

/* ---- the staff console's administration, re-entry and alerts ---- */

static int sq_staff_list(void *ctx, store_staff *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc;

	*n = 0;
	if ((rc = stmt(c, ST_STAFF_LIST, &st)) != STORE_OK)
		return rc;
	db_bind_int(st, 1, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max)
		staff_cols(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_staff_role_remove(void *ctx, long long staff_id, const char *proc_id)
{
	return run_int_text2(ctx, ST_STAFF_ROLE_REMOVE, staff_id, proc_id, NULL, 1);
}

static int sq_staff_step_up_set(void *ctx, const char *id_hash, long long at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_STEP_UP_SET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	db_bind_int(st, 2, at);
	return run(c, st); /* a session gone fails the foreign key: STORE_ENOTFOUND */
}

static int sq_staff_step_up_get(void *ctx, const char *id_hash, long long *at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_STEP_UP_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, id_hash);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	long long v = db_col_int(st, 0);
	if ((rc = finish(c, st)) == STORE_OK)
		*at = v;
	return rc;
}

static int sq_staff_alert_set(void *ctx, long long staff_id, const char *proc_id, const char *mode,
                              long long now)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	if (strcmp(mode, "none") == 0)
		return run_int_text2(c, ST_STAFF_ALERT_DELETE, staff_id, proc_id, NULL, 0);
	int rc = stmt(c, ST_STAFF_ALERT_SET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	db_bind_text(st, 2, proc_id);
	db_bind_text(st, 3, mode);
	db_bind_int(st, 4, now - 1); /* the arrivals of this second on */
	return run(c, st);
}

/* exports (store_export.c): the mark of "since my last export" */
/* ---- API keys ---- */

static int sq_api_key_add(void *ctx, const store_api_key *k, long long *id)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_API_KEY_ADD, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, k->name);
	db_bind_text(st, 2, k->secret_hash);
	db_bind_text(st, 3, k->scope);
	db_bind_int(st, 4, k->created_by);
	db_bind_int(st, 5, k->created_at);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_ESQL : rc;
	*id = db_col_int(st, 0);
	rc = finish(c, st);
	for (size_t i = 0; rc == STORE_OK && i < k->nprocs; i++)
		rc = run_int_text2(c, ST_API_KEY_PROC_ADD, *id, k->procs[i], NULL, 0);
	return rc;
}

/* The key in the current row of st (API_KEY_COLS) into k, without its procedures. */
static void api_key_row(sqldrv_stmt *st, store_api_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id = db_col_int(st, 0);
	column_copy(st, 1, k->name, sizeof(k->name));
	column_copy(st, 2, k->secret_hash, sizeof(k->secret_hash));
	column_copy(st, 3, k->scope, sizeof(k->scope));
	k->created_by = db_col_int(st, 4);
	k->created_at = db_col_int(st, 5);
	k->revoked_at = db_col_int(st, 6);
	k->last_used_at = db_col_int(st, 7);
}

static int sq_api_key_get(void *ctx, long long id, store_api_key *out)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_API_KEY_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	if ((rc = step_row(c, st)) != STORE_OK)
		return rc;
	api_key_row(st, out);
	return finish(c, st);
}

static int sq_api_key_list(void *ctx, store_api_key *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_API_KEY_LIST, &st);
	*n = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max)
		api_key_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_api_key_procs(void *ctx, long long id, store_api_key *k)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_API_KEY_PROCS, &st);
	k->nprocs = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, STORE_API_PROCS_MAX);
	while ((rc = db_step(st)) == SQLDRV_ROW && k->nprocs < STORE_API_PROCS_MAX)
		column_copy(st, 0, k->procs[k->nprocs++], sizeof(k->procs[0]));
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_api_key_revoke(void *ctx, long long id, long long now)
{
	return run_int2(ctx, ST_API_KEY_REVOKE, id, now, 1);
}

static int sq_api_key_used(void *ctx, long long id, long long now)
{
	return run_int2(ctx, ST_API_KEY_USED, id, now, 1);
}

static int sq_api_key_event(void *ctx, long long event_id, long long key_id)
{
	return run_int2(ctx, ST_API_KEY_EVENT, event_id, key_id, 0);
}

static int sq_api_page(void *ctx, const char *proc_id, long long after_at,
                       const char *after_receipt, store_application *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_API_PAGE, &st);
	*n = 0;
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, proc_id);
	db_bind_int(st, 2, after_at);
	if (after_receipt)
		db_bind_text(st, 3, after_receipt);
	db_bind_int(st, 4, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max)
		app_row(st, &out[(*n)++]);
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_export_mark_get(void *ctx, long long staff_id, const char *proc_id, long long *at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_EXPORT_MARK_GET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	db_bind_text(st, 2, proc_id);
	long long v = 0;
	if ((rc = query_int(c, st, &v)) == STORE_OK)
		*at = v;
	return rc;
}

static int sq_export_mark_set(void *ctx, long long staff_id, const char *proc_id, long long at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_EXPORT_MARK_SET, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	db_bind_text(st, 2, proc_id);
	db_bind_int(st, 3, at);
	return run(c, st); /* a staff member gone fails the foreign key: STORE_ENOTFOUND */
}

/* The alerts the bound statement st selects (staff_id, email, proc_id, mode,
 * last_digest_at, count), with its limit as parameter limit_param. */
static int alert_rows(struct sql_ctx *c, sqldrv_stmt *st, int limit_param, store_staff_alert *out,
                      size_t max, size_t *n)
{
	int rc;
	*n = 0;
	db_bind_int(st, limit_param, limit_of(max));
	while ((rc = db_step(st)) == SQLDRV_ROW && *n < max) {
		store_staff_alert *a = &out[(*n)++];
		memset(a, 0, sizeof(*a));
		a->staff_id = db_col_int(st, 0);
		column_copy(st, 1, a->email, sizeof(a->email));
		column_copy(st, 2, a->proc_id, sizeof(a->proc_id));
		column_copy(st, 3, a->mode, sizeof(a->mode));
		a->last_digest_at = db_col_int(st, 4);
		a->count = db_col_int(st, 5);
	}
	rc = rc == SQLDRV_DONE || rc == SQLDRV_ROW ? STORE_OK : fail(c, rc);
	done(st);
	return rc;
}

static int sq_staff_alerts(void *ctx, long long staff_id, store_staff_alert *out, size_t max,
                           size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_ALERTS, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	return alert_rows(c, st, 2, out, max, n);
}

static int sq_staff_alert_recipients(void *ctx, const char *proc_id, store_staff_alert *out,
                                     size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_ALERT_RECIPIENTS, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_text(st, 1, proc_id);
	return alert_rows(c, st, 2, out, max, n);
}

static int sq_staff_digest_due(void *ctx, long long due_before, long long now,
                               store_staff_alert *out, size_t max, size_t *n)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_DIGEST_DUE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, due_before);
	db_bind_int(st, 2, now);
	return alert_rows(c, st, 3, out, max, n);
}

static int sq_staff_digest_done(void *ctx, long long staff_id, const char *proc_id, long long since,
                                long long at)
{
	struct sql_ctx *c = ctx;
	sqldrv_stmt *st = NULL;
	int rc = stmt(c, ST_STAFF_DIGEST_DONE, &st);
	if (rc != STORE_OK)
		return rc;
	db_bind_int(st, 1, staff_id);
	db_bind_text(st, 2, proc_id);
	db_bind_int(st, 3, at);
	db_bind_int(st, 4, since);
	return run_one(c, st);
}

static int sq_backup(void *ctx, const char *dest, store_backup_info *info)
{
	struct sql_ctx *c = ctx;
	if (!c->drv->backup) {
		snprintf(c->msg, sizeof(c->msg), "no backup command for %s (use its own tools)",
		         c->drv->name);
		return STORE_EURL;
	}
	return drv_rc(c, c->drv->backup(c->conn, dest, info));
}

int store_sqlite_pragma(store *s, const char *name, char *out, size_t outlen)
{
	static const char *const pragmas[][2] = {
	    {"journal_mode", "PRAGMA journal_mode"},
	    {"foreign_keys", "PRAGMA foreign_keys"},
	    {"synchronous", "PRAGMA synchronous"},
	    {"busy_timeout", "PRAGMA busy_timeout"},
	};
	size_t i;

	if (!s || !s->ctx || s->be != &store_sqlite_backend || !name || !out || outlen == 0)
		return STORE_EINPUT;
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (strcmp(name, pragmas[i][0]) == 0)
			return drv_sqlite_text(((struct sql_ctx *)s->ctx)->conn, pragmas[i][1], out,
			                       outlen);
	return STORE_EINPUT;
}

/* The store calls, the same for both back ends: only the driver differs. */
#define SQL_OPS                                                                                    \
	.close = sq_close, .errmsg = sq_errmsg, .begin = sq_begin, .commit = sq_commit,            \
	.rollback = sq_rollback, .tx_open = sq_tx_open, .exec = sq_exec,                           \
	.migration_applied = sq_migration_applied, .record_migration = sq_record_migration,        \
	.schema_version = sq_schema_version, .clear_procedures = sq_clear_procedures,              \
	.add_procedure = sq_add_procedure, .search_procedures = sq_search_procedures,              \
	.account_create = sq_account_create, .account_by_email = sq_account_by_email,              \
	.account_by_id = sq_account_by_id, .account_set_verified = sq_account_set_verified,        \
	.account_set_password = sq_account_set_password,                                           \
	.account_set_email = sq_account_set_email, .account_delete = sq_account_delete,            \
	.token_create = sq_token_create, .token_consume = sq_token_consume,                        \
	.tokens_delete = sq_tokens_delete, .session_create = sq_session_create,                    \
	.session_get = sq_session_get, .session_touch = sq_session_touch,                          \
	.session_delete = sq_session_delete,                                                       \
	.sessions_delete_for_account = sq_sessions_delete_for_account,                             \
	.sessions_expire = sq_sessions_expire, .throttle_add = sq_throttle_add,                    \
	.throttle_count = sq_throttle_count, .throttle_clear = sq_throttle_clear,                  \
	.throttle_prune = sq_throttle_prune, .outbox_add = sq_outbox_add,                          \
	.outbox_claim = sq_outbox_claim, .outbox_mark_sent = sq_outbox_mark_sent,                  \
	.outbox_mark_failed = sq_outbox_mark_failed, .outbox_recent = sq_outbox_recent,            \
	.outbox_backlog = sq_outbox_backlog, .housekeeping_lock = sq_housekeeping_lock,            \
	.housekeeping_unlock = sq_housekeeping_unlock, .migration_lock = sq_migration_lock,        \
	.procset_get = sq_procset_get, .procset_put = sq_procset_put,                              \
	.draft_create = sq_draft_create, .draft_open = sq_draft_open, .draft_get = sq_draft_get,   \
	.draft_save = sq_draft_save, .draft_delete = sq_draft_delete,                              \
	.drafts_delete_open_of = sq_drafts_delete_open_of, .draft_lock = sq_draft_lock,            \
	.draft_set_receipt = sq_draft_set_receipt, .attachment_add = sq_attachment_add,            \
	.attachment_list = sq_attachment_list, .attachment_get = sq_attachment_get,                \
	.attachment_delete = sq_attachment_delete, .receipt_next = sq_receipt_next,                \
	.application_insert = sq_application_insert, .draft_resubmit_of = sq_draft_resubmit_of,    \
	.draft_set_resubmit = sq_draft_set_resubmit,                                               \
	.drafts_resubmit_cancel = sq_drafts_resubmit_cancel,                                       \
	.attachments_copy = sq_attachments_copy, .version_last = sq_version_last,                  \
	.version_keep = sq_version_keep, .application_replace = sq_application_replace,            \
	.application_versions = sq_application_versions, .application_get = sq_application_get,    \
	.applications_for_account = sq_applications_for_account,                                   \
	.application_lock = sq_application_lock,                                                   \
	.application_set_status = sq_application_set_status,                                       \
	.application_event_add = sq_application_event_add,                                         \
	.application_events = sq_application_events,                                               \
	.application_last_event = sq_application_last_event, .note_add = sq_note_add,              \
	.notes = sq_notes, .application_mail_add = sq_application_mail_add,                        \
	.application_mails = sq_application_mails, .sign_request_create = sq_sign_request_create,  \
	.sign_request_get = sq_sign_request_get, .sign_request_finish = sq_sign_request_finish,    \
	.timestamp_queue = sq_timestamp_queue, /* time-stamps (store_stamps.c) */                  \
	    .timestamps_claim = sq_timestamps_claim, .timestamp_stamped = sq_timestamp_stamped,    \
	.timestamp_failed = sq_timestamp_failed, .timestamp_get = sq_timestamp_get,                \
	.sign_request_signed = sq_sign_request_signed,                                             \
	.sign_request_signed_other = sq_sign_request_signed_other,                                 \
	.sign_requests_prune = sq_sign_requests_prune,                                             \
	.sign_requests_cancel = sq_sign_requests_cancel,                                           \
	.drafts_prune_anonymous = sq_drafts_prune_anonymous,                                       \
	.owner_attachment_bytes = sq_owner_attachment_bytes,                                       \
	.anon_upload_add = sq_anon_upload_add, .anon_upload_bytes = sq_anon_upload_bytes,          \
	.anon_uploads_prune = sq_anon_uploads_prune, .staff_create = sq_staff_create,              \
	.staff_by_email = sq_staff_by_email, .staff_by_id = sq_staff_by_id,                        \
	.staff_set_credentials = sq_staff_set_credentials,                                         \
	.staff_set_enrolled = sq_staff_set_enrolled, .staff_role_set = sq_staff_role_set,          \
	.staff_roles = sq_staff_roles, .staff_totp_use = sq_staff_totp_use,                        \
	.staff_recovery_set = sq_staff_recovery_set, .staff_recovery_use = sq_staff_recovery_use,  \
	.staff_recovery_left = sq_staff_recovery_left,                                             \
	.staff_enrol_token_create = sq_staff_enrol_token_create,                                   \
	.staff_enrol_token_get = sq_staff_enrol_token_get,                                         \
	.staff_enrol_token_consume = sq_staff_enrol_token_consume,                                 \
	.staff_session_create = sq_staff_session_create,                                           \
	.staff_session_get = sq_staff_session_get, .staff_session_touch = sq_staff_session_touch,  \
	.staff_session_delete = sq_staff_session_delete,                                           \
	.staff_sessions_expire = sq_staff_sessions_expire, .staff_list = sq_staff_list,            \
	.staff_role_remove = sq_staff_role_remove, .staff_step_up_set = sq_staff_step_up_set,      \
	.staff_step_up_get = sq_staff_step_up_get, .staff_alert_set = sq_staff_alert_set,          \
	.staff_alerts = sq_staff_alerts, .staff_alert_recipients = sq_staff_alert_recipients,      \
	.staff_digest_due = sq_staff_digest_due, .staff_digest_done = sq_staff_digest_done,        \
	.export_mark_get = sq_export_mark_get, /* exports (store_export.c) */                      \
	    .export_mark_set = sq_export_mark_set,                                                 \
	.api_key_add = sq_api_key_add, /* API keys (store_api.c) */                                \
	    .api_key_get = sq_api_key_get, .api_key_list = sq_api_key_list,                        \
	.api_key_procs = sq_api_key_procs, .api_key_revoke = sq_api_key_revoke,                    \
	.api_key_used = sq_api_key_used, .api_key_event = sq_api_key_event,                        \
	.api_page = sq_api_page, .audit_head = sq_audit_head, .audit_insert = sq_audit_insert,     \
	.audit_list = sq_audit_list, .audit_page = sq_audit_page, .inbox_list = sq_inbox_list,     \
	.inbox_counts = sq_inbox_counts, .inbox_newer = sq_inbox_newer,                            \
	.dash_arrivals = sq_dash_arrivals, /* the staff dashboard (store_dash.c) */                \
	    .dash_decided = sq_dash_decided, .dash_oldest = sq_dash_oldest,                        \
	.dash_overdue = sq_dash_overdue, .dash_overdue_count = sq_dash_overdue_count,              \
	.application_review_keys = sq_application_review_keys,                                     \
	.application_review = sq_application_review, .application_assign = sq_application_assign,  \
	.reverification_add = sq_reverification_add, .reverifications = sq_reverifications,        \
	.backup = sq_backup,

const struct store_backend store_sqlite_backend = {
    .name = "sqlite", .dialect = "sqlite", .open = sq_open, SQL_OPS};

const struct store_backend store_pg_backend = {
    .name = "postgres", .dialect = "postgres", .open = pg_open, SQL_OPS};
