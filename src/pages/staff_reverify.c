/* staff_reverify: 再検証 of an application's stored signature, and its attachments as the
 * staff open them.
 *
 * POST /staff/applications/:receipt/reverify verifies the stored CMS over the stored content
 * now, with the portal's current trust settings (the same verify_signature the signing
 * hand-off used), and appends the report to the application's re-verifications; the report
 * at arrival is never overwritten. Viewers may re-verify as reviewers may: it decides
 * nothing and changes no application, it only adds a fact to look at (and an audit row).
 *
 * GET /staff/applications/:receipt/attachments/:id sends one attachment of the application's
 * draft, as the resident's own download does (its sniffed type, nosniff and the site's CSP;
 * PDF as a download), plus "Content-Security-Policy: sandbox", so that a file opened by
 * itself runs nothing. Each download writes one view_attachment audit row first: no row,
 * no file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "sig/verify.h"
#include "util/log.h"

/* The verification now of ap's signature, appended with its audit row (one transaction). */
static void reverify_record(store *s, staff_act *j, verify_report *rep)
{
	char *report = verify_report_json_dump(rep);
	const char *result = verify_result_name(verify_report_result(rep));
	long long now = (long long)time(NULL);
	if (!report || store_begin(s) != STORE_OK) {
		free(report);
		return;
	}
	if (store_reverification_add(s, j->receipt, j->staff_id, now, result, report) != STORE_OK ||
	    staff_audit_app(s, j->staff_id, j->receipt, AUDIT_REVERIFY, result, j->peer, now) < 0) {
		log_error("staff reverify: %s", store_errmsg(s));
		if (store_rollback(s) != STORE_OK)
			log_error("staff reverify: rollback: %s", store_errmsg(s));
	} else if (store_commit(s) == STORE_OK)
		j->out = STAFF_ACT_OK;
	else
		log_error("staff reverify: commit: %s", store_errmsg(s));
	free(report);
}

static void reverify_work(store *s, const app *a, void *arg)
{
	staff_act *j = arg;
	store_application ap;
	verify_report *rep = NULL;
	if (staff_act_load(s, j, &ap, 0) < 0)
		return;
	j->out = STAFF_ACT_FAIL;
	j->fail_msg = MSG_STAFF_REVERIFY_FAILED;
	if (!ap.signature_len) { /* nothing to verify: not a signed application */
		j->out = STAFF_ACT_BAD;
		j->fail_msg = MSG_STAFF_NOT_SIGNED;
	} else if (!a->trust)
		log_error("staff reverify: no trust anchors configured");
	else if (verify_signature(a->trust, (const uint8_t *)ap.signature, ap.signature_len,
	                          (const uint8_t *)ap.content, strlen(ap.content), time(NULL),
	                          &rep) != VERIFY_OK)
		log_error("staff reverify: verification could not run");
	else
		reverify_record(s, j, rep);
	verify_report_free(rep);
	store_application_release(&ap);
}

void page_staff_reverify_post(req *r)
{
	staff_act *j = staff_act_begin(r, NULL);
	if (j)
		req_defer(r, reverify_work, staff_act_done, j);
}

typedef struct file_job {
	staff_act act; /* the staff member, the receipt, the outcome */
	long long id;
	store_attachment meta;
	void *data;
	size_t len;
} file_job;

/* On the pool: the role (any), the attachment of the application's draft, the audit row. */
static void file_work(store *s, const app *a, void *arg)
{
	file_job *j = arg;
	store_application ap;
	char detail[64];
	if (staff_act_load(s, &j->act, &ap, 0) < 0)
		return;
	int rc = store_attachment_get(s, ap.draft_key, j->id, &j->meta, &j->data, &j->len);
	store_application_release(&ap);
	j->act.out = rc == STORE_ENOTFOUND ? STAFF_ACT_NOTFOUND : STAFF_ACT_FAIL;
	snprintf(detail, sizeof(detail), "attachment %lld", j->id);
	if (rc == STORE_OK &&
	    staff_audit_app(s, j->act.staff_id, j->act.receipt, AUDIT_VIEW_ATTACHMENT, detail,
	                    j->act.peer, (long long)time(NULL)) == 0)
		j->act.out = STAFF_ACT_OK;
}

static void file_done(req *r, void *arg)
{
	file_job *j = arg;
	if (r->ev && j->act.out == STAFF_ACT_OK) {
		resp_header(r, "Content-Security-Policy", "sandbox");
		resp_header(r, "Content-Disposition",
		            strcmp(j->meta.mime, "application/pdf") ? "inline" : "attachment");
		resp_bytes(r, 200, j->meta.mime, j->data, j->len);
	} else if (r->ev && j->act.out == STAFF_ACT_NOTFOUND)
		resp_error(r, 404, MSG_STAFF_FILE_NOT_FOUND, NULL);
	else
		staff_act_answer(r, &j->act);
	free(j->data);
	free(j);
}

void page_staff_attachment(req *r)
{
	req_session ss;
	char *end = NULL;
	if (!staff_session_load(r, &ss)) {
		staff_login_page(r);
		return;
	}
	long long id = strtoll(r->params[1], &end, 10);
	file_job *j = NULL;
	if (!app_receipt_valid(r->params[0]) || id <= 0 || !end || *end) {
		resp_error(r, 404, MSG_STAFF_FILE_NOT_FOUND, NULL);
		return;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	j->act.staff_id = ss.account_id;
	j->id = id;
	snprintf(j->act.receipt, sizeof(j->act.receipt), "%s", r->params[0]);
	snprintf(j->act.peer, sizeof(j->act.peer), "%s", req_peer(r));
	req_defer(r, file_work, file_done, j);
}
