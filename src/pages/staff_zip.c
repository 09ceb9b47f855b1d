/* staff_zip: the evidence package of one application as a ZIP download
 * (GET /staff/applications/:receipt/evidence.zip): a staff session (else the login page), a
 * role on the application's procedure (viewer or reviewer; 403 otherwise) and a fresh TOTP
 * code (staff_step_up, back to this address). The bytes are core/evidence_zip.c's; each
 * download writes one AUDIT_EXPORT row naming the receipt, enc=zip and the SHA-256 of the
 * ZIP: without it nothing is sent (503). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/evidence_zip.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"
#include "util/token.h"

#define ZIP_BYTES_MAX ((size_t)256 << 20)

enum zip_out { ZIP_FAIL, ZIP_OK, ZIP_NOTFOUND, ZIP_FORBIDDEN, ZIP_TOO_BIG };

typedef struct zip_job {
	long long staff_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char peer[64];
	enum zip_out out;
	store_attachment meta[STAFF_ATT_MAX];
	evidence_att att[STAFF_ATT_MAX];
	size_t natt;
	buf body;
} zip_job;

/* The attachments of draft key with their bytes into j: 0, or -1 on a store error. */
static int attachments_load(store *s, zip_job *j, const char *key)
{
	size_t n = 0;
	if (store_attachment_list(s, key, j->meta, STAFF_ATT_MAX, &n) != STORE_OK)
		return -1;
	for (; j->natt < n; j->natt++) {
		void *data = NULL;
		size_t len = 0;
		if (store_attachment_get(s, key, j->meta[j->natt].id, NULL, &data, &len) !=
		    STORE_OK)
			return -1;
		j->att[j->natt] = (evidence_att){&j->meta[j->natt], data, len};
	}
	return 0;
}

/* The audit row of the download: 0, or -1 when it could not be written. */
static int zip_record(store *s, const zip_job *j)
{
	char sha[65], detail[AUDIT_DETAIL_MAX + 1];
	token_sha256_hex(j->body.data ? j->body.data : "", j->body.len, sha);
	snprintf(detail, sizeof(detail), "receipt=%s enc=zip files=%zu sha256=%s", j->receipt,
	         j->natt, sha);
	return staff_audit_app(s, j->staff_id, j->receipt, AUDIT_EXPORT, detail, j->peer,
	                       (long long)time(NULL));
}

static void zip_work(store *s, const app *a, void *arg)
{
	zip_job *j = arg;
	store_application ap;
	enum staff_role role = STAFF_NO_ROLE;
	(void)a;
	int rc = store_application_get(s, j->receipt, &ap);
	j->out = rc == STORE_ENOTFOUND ? ZIP_NOTFOUND : ZIP_FAIL;
	if (rc != STORE_OK) {
		if (rc != STORE_ENOTFOUND)
			log_error("staff zip: %s", store_errmsg(s));
		return;
	}
	if (staff_role_of(s, j->staff_id, ap.proc_id, &role) < 0)
		log_error("staff zip: %s", store_errmsg(s));
	else if (role == STAFF_NO_ROLE)
		j->out = ZIP_FORBIDDEN;
	else if (attachments_load(s, j, ap.draft_key) < 0)
		log_error("staff zip: %s", store_errmsg(s));
	else if (evidence_zip_build(&ap, j->att, j->natt, &j->body) < 0)
		j->out = j->body.failed ? ZIP_TOO_BIG : ZIP_FAIL;
	else /* nothing is sent without its audit row */
		j->out = zip_record(s, j) == 0 ? ZIP_OK : ZIP_FAIL;
	store_application_release(&ap);
}

static void zip_done(req *r, void *arg)
{
	zip_job *j = arg;
	char disp[2 * STORE_RECEIPT_MAX + 96];
	if (r->ev && j->out == ZIP_OK) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"evidence-%s.zip\"",
		         j->receipt);
		resp_header(r, "Content-Disposition", disp);
		resp_header(r, "Cache-Control", "no-store");
		resp_bytes(r, 200, "application/zip", j->body.data ? j->body.data : "",
		           j->body.len);
	} else if (r->ev && j->out == ZIP_NOTFOUND)
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
	else if (r->ev && j->out == ZIP_FORBIDDEN)
		resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
	else if (r->ev && j->out == ZIP_TOO_BIG)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_ZIP_TOO_BIG);
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	for (size_t i = 0; i < j->natt; i++)
		free((void *)j->att[i].data);
	buf_release(&j->body);
	free(j);
}

void page_staff_evidence_zip(req *r)
{
	req_session ss;
	store_staff st;
	char next[STORE_RECEIPT_MAX + 64];
	zip_job *j = staff_app_job(r, sizeof(*j), &ss, &st);
	if (!j)
		return;
	snprintf(next, sizeof(next), "/staff/applications/%s/evidence.zip", r->params[0]);
	if (!staff_step_up(r, &ss, next)) {
		free(j);
		return;
	}
	j->staff_id = st.id;
	snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	buf_init(&j->body, ZIP_BYTES_MAX);
	req_defer(r, zip_work, zip_done, j);
}
