/* staff_int: what the staff console's screens share (staff_login.c, staff_enrol.c,
 * staff_inbox.c, staff_detail.c, staff_evidence.c, staff_reverify.c, staff_assign.c,
 * staff_act.c, staff_admin.c, staff_audit.c, staff_reauth.c, staff_alerts.c, the downloads
 * staff_download.c, staff_zip.c, staff_pdf.c, bulk decisions staff_bulk.c; the dashboard
 * staff_dashboard.c). They
 * run their slow work as the account screens' jobs (account_int.h). No resident session is
 * read or shown here: a staff page's context starts without it. */
#ifndef MADOGUCHI_PAGES_STAFF_INT_H
#define MADOGUCHI_PAGES_STAFF_INT_H

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"
#include "util/buf.h"

/* The base context of a staff page: city, site, title, the staff area's navigation (with the
 * logout of st when not NULL) and csrf, the form's token (the staff session's, or the
 * pre-session cookie's on the forms shown before login). Caller owns it. */
json_t *staff_ctx(const req *r, const char *title, const store_staff *st, const char *csrf);

/* The pre-session cookie's CSRF token for a form shown before login into out (TOKEN_LEN +
 * 1); -1 after answering 503 when none could be made. */
int staff_pre_token(req *r, char *out);

/* The form of a POST without a staff session (login, enrolment), its pre-session CSRF token
 * checked: 0 to go on, else answered (400 or 403) with f released. */
int staff_pre_post(req *r, form *f);

/* The staff member of the request's staff session into *st: 1, or 0 when there is none
 * (no cookie, expired, a resident's cookie only), -1 on a store error. */
int staff_current(req *r, req_session *ss, store_staff *st);

/* The staff login page (200), what every staff page shows a request without a staff
 * session. */
void staff_login_page(req *r);
/* The staff member of a staff page's request (GET) into *ss and *st: 1; else answered and 0
 * (the login page without a staff session, 503 on a store error). */
int staff_page_gate(req *r, req_session *ss, store_staff *st);
/* The same for a page of one application (/staff/applications/:receipt/...), and its job:
 * size zeroed bytes (free() them), or NULL when answered (also 404 when r->params[0] is not a
 * receipt number, 503 when out of memory). */
void *staff_app_job(req *r, size_t size, req_session *ss, store_staff *st);

/* The inbox's filters as a query gave them (staff_inbox.c), checked and copied, so that a
 * job on the pool may keep them: the detail's next/previous links use the same order. */
#define STAFF_NAME_QUERY_MAX 200 /* bytes of the typed name or furigana */
typedef struct inbox_filter {
	char proc[STORE_PROC_ID_MAX + 1];    /* "": every procedure of the roles */
	char status[STORE_STATUS_MAX + 1];   /* "": any */
	char receipt[STORE_RECEIPT_MAX + 1]; /* "": any */
	char from[11], to[11];               /* "YYYY-MM-DD" (Japan), inclusive; "": open */
	int differs;                         /* STORE_DIFFERS_* */
	char assignee[24];                   /* "", "me", "none" or a staff id */
	char name[STAFF_NAME_QUERY_MAX + 1]; /* as typed */
	char search[STORE_SEARCH_MAX + 1];   /* name folded (compare_fold), "" for none */
	long long after_at;
	char after[STORE_RECEIPT_MAX + 1]; /* "": the first page */
	long per;
} inbox_filter;
/* 1 when the query's filters are well formed (into *f), else 0; a NULL query: no filter. */
int staff_filter_read(const form *query, inbox_filter *f);
/* The store query of f for staff member me over the roles: its procedures into procs (room
 * for STORE_INBOX_PROCS_MAX); 0 when f names a procedure none of the roles has. */
int staff_filter_query(const inbox_filter *f, long long me, const store_staff_role *roles,
                       size_t nroles, const char **procs, store_inbox_query *q);
/* The filters of f that are set (not the page) as a query string "proc=...&..." into out
 * ("" for none; also when it would not fit outlen). */
void staff_filter_qs(const inbox_filter *f, char *out, size_t outlen);

/* What an application's staff page loads for the evidence panel, the attachments, the
 * assignee and the next/previous links (staff_evidence.c), beside staff_detail.c's job. */
#define STAFF_RV_MAX 16
#define STAFF_ATT_MAX 64
typedef struct staff_evidence_job {
	inbox_filter f;
	int keep_filter; /* the query's filters were well formed: the links keep them */
	store_app_review rev;
	store_reverification rv[STAFF_RV_MAX];
	size_t nrv;
	store_attachment att[STAFF_ATT_MAX];
	size_t natt;
	store_timestamp ts; /* the signature time-stamp of the version shown */
	int has_ts;         /* one was asked for */
	char newer[STORE_RECEIPT_MAX + 1], older[STORE_RECEIPT_MAX + 1];
} staff_evidence_job;
/* On the loop: the inbox's filters of the query (ignored when malformed). */
void staff_evidence_begin(req *r, staff_evidence_job *e);
/* On the pool: everything of ap that the panel shows (me: the staff member); -1 on a store
 * error. */
int staff_evidence_load(store *s, staff_evidence_job *e, const store_application *ap, long long me);
/* The panel, the attachments, the assignee and the links into ctx. */
void staff_evidence_page(req *r, json_t *ctx, const staff_evidence_job *e,
                         const store_application *ap, long long me, int reviewer);
void staff_evidence_release(staff_evidence_job *e);

/* The applications ticked in the inbox (the query's r=RECEIPT fields) into receipts (room
 * for max), each once, in order: their number, or 0 for none, one that is not a receipt
 * number, or more than max. qs gets them as "r=A&r=B" for a way back ("" when it does not
 * fit qslen). */
size_t staff_selection_read(const form *q, char (*receipts)[STORE_RECEIPT_MAX + 1], size_t max,
                            char *qs, size_t qslen);

/* The title of procedure proc_id, or the id itself when the catalogue has none
 * (staff_inbox.c). */
const char *staff_proc_title(const req *r, const char *proc_id);

/* The differs flag (-1 未判定, 0, 1) in words (staff_inbox.c). */
const char *staff_differs_label(int differs);

/* The signature evidence panel of one application's page into ctx (staff_evidence.c): the
 * certificate beside the form's name, birth date and address of procedure p (NULL when it
 * is gone), each difference in words, the re-verifications after the one at arrival, and the
 * signature time-stamp ts (NULL when none was asked for). */
void staff_evidence_ctx(json_t *ctx, const store_application *ap, const procedure *p,
                        const store_reverification *rv, size_t nrv, const store_timestamp *ts);

/* A staff POST on one application (staff_act.c): 再検証 and 担当. */
enum staff_act_out {
	STAFF_ACT_FAIL,
	STAFF_ACT_OK,
	STAFF_ACT_NOTFOUND,
	STAFF_ACT_FORBIDDEN,    /* no role on the procedure */
	STAFF_ACT_NOT_REVIEWER, /* a viewer where a reviewer is needed */
	STAFF_ACT_BAD,          /* a value of the form that is none of the allowed */
};
typedef struct staff_act {
	long long staff_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char peer[64];
	char arg[16]; /* the form's field named at the start */
	enum staff_act_out out;
	const char *fail_msg; /* the 400 or 503 page's text (NULL: the usual) */
} staff_act;
/* The job of a POST to /staff/applications/:receipt/...: the staff session with its CSRF
 * token (else 403), the receipt, the form's field (NULL for none; else required, shorter
 * than arg). NULL when it has answered. */
staff_act *staff_act_begin(req *r, const char *field);
/* On the pool: the application into *ap and the staff member's role on its procedure (a
 * reviewer's when need_reviewer): 0 to go on (release ap), else -1 with j->out set. */
int staff_act_load(store *s, staff_act *j, store_application *ap, int need_reviewer);
/* The answer by j->out (303 to the application's page on STAFF_ACT_OK; nothing when the
 * client has gone). staff_act_done answers so and frees j. */
void staff_act_answer(req *r, const staff_act *j);
void staff_act_done(req *r, void *arg);

/* The assignment's part of an application's page into ctx (staff_assign.c): who handles it
 * and, for a reviewer, the form to take or release it. */
void staff_assign_ctx(json_t *ctx, const store_app_review *rev, long long me, int reviewer);

/* administration, re-entry and alerts (staff_admin.c, staff_reauth.c, staff_alerts.c) */
/* The administrator (staff.is_admin) of the request into *ss and *st: 1; else answered and
 * 0 (the login page without a staff session, 403 for staff who are not administrators, 503
 * on a store error). Every /staff/admin page and POST starts with it. */
int staff_admin_gate(req *r, req_session *ss, store_staff *st);
/* The staff member a job works for (an administrator for an admin page): the job's first
 * member. */
typedef struct staff_who {
	req_session sess;
	store_staff me;
} staff_who;
/* A zeroed job of size bytes that starts with a staff_who, filled by staff_admin_gate:
 * the job, or NULL when answered (503 when none could be made, else as the gate answers). */
void *staff_admin_job(req *r, size_t size);
/* An administrator's POST with its form f already read: staff_admin_job, the CSRF token
 * (else 403) and a fresh TOTP code (else 303 to /staff/reauth?next=back): the job, or NULL
 * when answered, f released then. */
void *staff_admin_post_job(req *r, form *f, size_t size, const char *back);
/* The start of a staff POST with a urlencoded form: the form into *f, then a zeroed job of
 * size bytes that starts with a staff_who, filled with the staff session whose CSRF token the
 * form carries: the job (release f, free the job), or NULL when answered (403 without the
 * session or the token, 503) with f released. */
void *staff_post_job(req *r, form *f, size_t size);
/* The same check of a form already read (a multipart one): 1, or 0 when answered. */
int staff_post_check(req *r, const form *f, req_session *ss, store_staff *st);
/* The TOTP re-entry (step-up): 1 when the staff session had its code entered within
 * staff_step_up_minutes (core/staff_admin.h staff_step_up_fresh); else answered and 0: a 303
 * to /staff/reauth?next=next (a local /staff path), or 503. The administrator's changes and
 * the exports and downloads (staff_export.c, staff_download.c) and bulk decisions
 * (staff_bulk.c) call it. */
int staff_step_up(req *r, const req_session *ss, const char *next);
/* The staff id that s (digits only) names, or 0 when it names none. */
long long staff_id_of(const char *s);

/* The versions of an application sent again after a return for correction into ctx's
 * "versions" (staff_versions.c): nothing for one never returned; one indexed read. */
void staff_versions_ctx(req *r, json_t *ctx, const char *receipt);

/* A staff download of one application (staff_download.c; staff_zip.c, staff_pdf.c): the
 * job's first member. */
enum staff_dl_out { STAFF_DL_FAIL, STAFF_DL_OK, STAFF_DL_NOTFOUND, STAFF_DL_FORBIDDEN };
typedef struct staff_download {
	long long staff_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char peer[64];
	int out; /* an enum staff_dl_out, or a value of the download's own above them */
	buf body;
} staff_download;
/* GET /staff/applications/:receipt/NAME: staff_app_job and staff_step_up (back to that
 * address), then the staff member, receipt and peer filled and body empty with maximum max:
 * a zeroed job of size bytes that starts with a staff_download, or NULL when answered. */
void *staff_download_job(req *r, size_t size, const char *name, size_t max);
/* On the pool: the application into *ap (release it) and a role on its procedure: 0 to go
 * on, else -1 with d->out set (a store error logged under what). */
int staff_download_load(store *s, staff_download *d, store_application *ap, const char *what);
/* On the pool, once d->body holds the bytes: the AUDIT_EXPORT row "receipt=R enc=ENC
 * [EXTRA ]sha256=HEX" (extra "" for none); d->out STAFF_DL_OK, or STAFF_DL_FAIL when the row
 * could not be written (then nothing may be sent). */
void staff_download_record(store *s, staff_download *d, const char *enc, const char *extra);
/* On the loop: d->body as the attachment "PREFIX" RECEIPT "SUFFIX" of type, or the page of
 * d->out (404, 403, 503); nothing when the client has gone. */
void staff_download_answer(req *r, const staff_download *d, const char *type, const char *prefix,
                           const char *suffix);

/* The statuses a bulk decision may set as a select's options {value, label} (staff_bulk.c),
 * for the inbox's form and the upload page. */
json_t *staff_bulk_targets_json(void);

#endif
