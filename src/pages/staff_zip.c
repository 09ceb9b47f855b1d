/* staff_zip: the evidence package of one application as a ZIP download
 * (GET /staff/applications/:receipt/evidence.zip): a staff session (else the login page), a
 * role on the application's procedure (viewer or reviewer; 403 otherwise) and a fresh TOTP
 * code (staff_step_up, back to this address). The bytes are core/evidence_zip.c's; each
 * download writes one AUDIT_EXPORT row naming the receipt, enc=zip and the SHA-256 of the
 * ZIP: without it nothing is sent (503). The gate, the row and the answer are those of every
 * staff download (staff_download.c).
 * The applications ticked in the inbox download as one ZIP too (GET
 * /staff/evidence.zip?r=RECEIPT...; at most ZIP_MANY_MAX, a folder each), when the staff
 * member has a role on every one of them (else 403 and nothing sent), with one AUDIT_EXPORT
 * row naming them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/evidence_zip.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/log.h"
#include "util/token.h"

#define ZIP_BYTES_MAX ((size_t)256 << 20)
#define ZIP_MANY_MAX 50 /* a page of the inbox */

enum { ZIP_TOO_BIG = STAFF_DL_FORBIDDEN + 1 };

/* One application's attachments with their bytes. */
typedef struct att_set {
	store_attachment meta[STAFF_ATT_MAX];
	evidence_att att[STAFF_ATT_MAX];
	size_t n;
	size_t bytes;
} att_set;

typedef struct zip_job {
	staff_download d; /* first */
	att_set a;
} zip_job;

/* The attachments of draft key with their bytes into a: 0, or -1 on a store error. */
static int attachments_load(store *s, att_set *a, const char *key)
{
	size_t n = 0;
	if (store_attachment_list(s, key, a->meta, STAFF_ATT_MAX, &n) != STORE_OK)
		return -1;
	for (; a->n < n; a->n++) {
		void *data = NULL;
		size_t len = 0;
		if (store_attachment_get(s, key, a->meta[a->n].id, NULL, &data, &len) != STORE_OK)
			return -1;
		a->att[a->n] = (evidence_att){&a->meta[a->n], data, len};
		a->bytes += len;
	}
	return 0;
}

static void attachments_free(att_set *a)
{
	for (size_t i = 0; i < a->n; i++)
		free((void *)a->att[i].data);
	a->n = 0;
	a->bytes = 0;
}

/* The signature time-stamp of ap's version into ts: 1, 0 when none was asked for (or not
 * yet given: ts then has no token), -1 on a store error. ts is released by the caller. */
static int timestamp_load(store *s, const store_application *ap, store_timestamp *ts)
{
	int rc = store_timestamp_get(s, ap->receipt, ap->digest, ts);
	return rc == STORE_OK ? 1 : rc == STORE_ENOTFOUND ? 0 : -1;
}

static void zip_work(store *s, const app *a, void *arg)
{
	zip_job *j = arg;
	store_application ap;
	store_timestamp ts;
	char files[32];
	(void)a;
	if (staff_download_load(s, &j->d, &ap, "staff zip") < 0)
		return;
	j->d.out = STAFF_DL_FAIL;
	int has_ts = timestamp_load(s, &ap, &ts);
	if (has_ts < 0 || attachments_load(s, &j->a, ap.draft_key) < 0)
		log_error("staff zip: %s", store_errmsg(s));
	else if (evidence_zip_build(&ap, j->a.att, j->a.n, has_ts ? &ts : NULL, &j->d.body) < 0)
		j->d.out = j->d.body.failed ? ZIP_TOO_BIG : STAFF_DL_FAIL;
	else { /* nothing is sent without its audit row */
		snprintf(files, sizeof(files), "files=%zu", j->a.n);
		staff_download_record(s, &j->d, "zip", files);
	}
	store_timestamp_release(&ts);
	store_application_release(&ap);
}

static void zip_done(req *r, void *arg)
{
	zip_job *j = arg;
	if (r->ev && j->d.out == ZIP_TOO_BIG)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_ZIP_TOO_BIG);
	else
		staff_download_answer(r, &j->d, "application/zip", "evidence-", ".zip");
	attachments_free(&j->a);
	buf_release(&j->d.body);
	free(j);
}

void page_staff_evidence_zip(req *r)
{
	zip_job *j = staff_download_job(r, sizeof(*j), "evidence.zip", ZIP_BYTES_MAX);
	if (j)
		req_defer(r, zip_work, zip_done, j);
}

/* ---- several applications ---- */

typedef struct zip_many_job {
	long long staff_id;
	char peer[64];
	char receipts[ZIP_MANY_MAX][STORE_RECEIPT_MAX + 1];
	size_t n, files;
	int out; /* an enum staff_dl_out, or ZIP_TOO_BIG */
	att_set a;
	buf body;
} zip_many_job;

/* Application i into z: 0, or -1 with j->out set. */
static int many_add(store *s, zip_many_job *j, evidence_zip *z, size_t i, size_t *bytes)
{
	store_application ap;
	store_timestamp ts;
	enum staff_role role = STAFF_NO_ROLE;
	int rc = store_application_get(s, j->receipts[i], &ap), k = -1, has_ts = 0;
	j->out = rc == STORE_ENOTFOUND ? STAFF_DL_NOTFOUND : STAFF_DL_FAIL;
	if (rc != STORE_OK)
		return -1;
	if (staff_role_of(s, j->staff_id, ap.proc_id, &role) < 0 ||
	    (has_ts = timestamp_load(s, &ap, &ts)) < 0 ||
	    attachments_load(s, &j->a, ap.draft_key) < 0)
		log_error("staff zip: %s", store_errmsg(s));
	else if (role == STAFF_NO_ROLE)
		j->out = STAFF_DL_FORBIDDEN;
	else if ((*bytes += j->a.bytes + strlen(ap.content) + ap.signature_len) > ZIP_BYTES_MAX)
		j->out = ZIP_TOO_BIG;
	else if ((k = evidence_zip_add(z, &ap, j->a.att, j->a.n, has_ts > 0 ? &ts : NULL)) == 0)
		j->files += j->a.n;
	if (has_ts > 0)
		store_timestamp_release(&ts);
	attachments_free(&j->a);
	store_application_release(&ap);
	return k;
}

/* The one audit row of the download: 0, or -1 (nothing is sent then). */
static int many_record(store *s, const zip_many_job *j)
{
	char sha[65], detail[AUDIT_DETAIL_MAX + 1];
	int used;
	token_sha256_hex(j->body.data ? j->body.data : "", j->body.len, sha);
	used = snprintf(detail, sizeof(detail),
	                "enc=zip apps=%zu files=%zu sha256=%s receipts=", j->n, j->files, sha);
	for (size_t i = 0; i < j->n && used < (int)sizeof(detail); i++)
		used += snprintf(detail + used, sizeof(detail) - (size_t)used, "%s%s", i ? "," : "",
		                 j->receipts[i]);
	return staff_audit_app(s, j->staff_id, NULL, AUDIT_EXPORT, detail, j->peer,
	                       (long long)time(NULL));
}

static void many_work(store *s, const app *a, void *arg)
{
	zip_many_job *j = arg;
	evidence_zip *z = evidence_zip_new();
	size_t bytes = 0, i = 0;
	(void)a;
	j->out = STAFF_DL_FAIL;
	while (z && i < j->n && many_add(s, j, z, i, &bytes) == 0)
		i++;
	if (i < j->n || !z) {
		evidence_zip_free(z);
		return;
	}
	if (evidence_zip_finish(z, &j->body) < 0)
		j->out = j->body.failed ? ZIP_TOO_BIG : STAFF_DL_FAIL;
	else if (many_record(s, j) == 0)
		j->out = STAFF_DL_OK;
}

static void many_answer(req *r, const zip_many_job *j)
{
	char name[64], today[11];
	jdate_today(today, time(NULL));
	snprintf(name, sizeof(name), "evidence-%.4s%.2s%.2s-%zu.zip", today, today + 5, today + 8,
	         j->n);
	if (j->out == STAFF_DL_OK)
		resp_attachment(r, "application/zip", name, j->body.data, j->body.len);
	else if (j->out == STAFF_DL_NOTFOUND)
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
	else if (j->out == STAFF_DL_FORBIDDEN)
		resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
	else
		resp_error(r, 503, MSG_BUSY_TITLE,
		           j->out == ZIP_TOO_BIG ? MSG_ZIP_TOO_BIG : MSG_TRY_LATER);
}

static void many_done(req *r, void *arg)
{
	zip_many_job *j = arg;
	if (r->ev)
		many_answer(r, j);
	buf_release(&j->body);
	free(j);
}

void page_staff_evidence_zip_many(req *r)
{
	req_session ss;
	store_staff st;
	char qs[ZIP_MANY_MAX * (STORE_RECEIPT_MAX + 4)], next[sizeof(qs) + 32];
	zip_many_job *j = NULL;
	if (!staff_page_gate(r, &ss, &st))
		return;
	if (!(j = calloc(1, sizeof(*j)))) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	j->n = staff_selection_read(&r->query, j->receipts, ZIP_MANY_MAX, qs, sizeof(qs));
	snprintf(next, sizeof(next), "/staff/evidence.zip?%s", qs);
	if (j->n == 0)
		resp_error(r, 400, MSG_ZIP_MANY_BAD_TITLE, MSG_ZIP_MANY_BAD);
	else if (staff_step_up(r, &ss, next)) {
		j->staff_id = st.id;
		snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
		buf_init(&j->body, ZIP_BYTES_MAX);
		req_defer(r, many_work, many_done, j);
		return;
	}
	free(j);
}
