/* staff_zip: the evidence package of one application as a ZIP download
 * (GET /staff/applications/:receipt/evidence.zip): a staff session (else the login page), a
 * role on the application's procedure (viewer or reviewer; 403 otherwise) and a fresh TOTP
 * code (staff_step_up, back to this address). The bytes are core/evidence_zip.c's; each
 * download writes one AUDIT_EXPORT row naming the receipt, enc=zip and the SHA-256 of the
 * ZIP: without it nothing is sent (503). The gate, the row and the answer are those of every
 * staff download (staff_download.c). */
#include <stdio.h>
#include <stdlib.h>

#include "core/evidence_zip.h"
#include "http/defer.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"

#define ZIP_BYTES_MAX ((size_t)256 << 20)

enum { ZIP_TOO_BIG = STAFF_DL_FORBIDDEN + 1 };

typedef struct zip_job {
	staff_download d; /* first */
	store_attachment meta[STAFF_ATT_MAX];
	evidence_att att[STAFF_ATT_MAX];
	size_t natt;
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
	int tsrc = store_timestamp_get(s, ap.receipt, ap.digest, &ts); /* none: not stamped */
	if ((tsrc != STORE_OK && tsrc != STORE_ENOTFOUND) ||
	    attachments_load(s, j, ap.draft_key) < 0)
		log_error("staff zip: %s", store_errmsg(s));
	else if (evidence_zip_build(&ap, j->att, j->natt, tsrc == STORE_OK ? &ts : NULL,
	                            &j->d.body) < 0)
		j->d.out = j->d.body.failed ? ZIP_TOO_BIG : STAFF_DL_FAIL;
	else { /* nothing is sent without its audit row */
		snprintf(files, sizeof(files), "files=%zu", j->natt);
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
	for (size_t i = 0; i < j->natt; i++)
		free((void *)j->att[i].data);
	buf_release(&j->d.body);
	free(j);
}

void page_staff_evidence_zip(req *r)
{
	zip_job *j = staff_download_job(r, sizeof(*j), "evidence.zip", ZIP_BYTES_MAX);
	if (j)
		req_defer(r, zip_work, zip_done, j);
}
