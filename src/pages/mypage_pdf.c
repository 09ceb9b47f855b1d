/* mypage_pdf: the resident's 申請控え, GET /mypage/:receipt/hikae.pdf: the application as
 * its owner sent it (core/pdf.h: receipt number, arrival, every answer as confirmed, the
 * history), without the staff's parts (no signature evidence, no internal notes). Only the
 * owner gets it (the completion page's rule, apply_load_own: the account of the session, or
 * the session of an application sent without login); anybody else gets the 404 of my page.
 * The owner's own copy leaves no audit row: the audit log records what staff do. Rendering
 * runs on the pool. Also pdf_page_doc (pdf_page.h), which staff_pdf.c shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pdf.h"
#include "http/defer.h"
#include "pages/apply_common.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/pdf_page.h"
#include "util/log.h"

json_t *pdf_page_doc(store *s, const store_application *ap, const char *kind)
{
	store_app_event ev[PDF_PAGE_EVENTS_MAX];
	size_t nev = 0;
	if (store_application_events(s, ap->receipt, ev, PDF_PAGE_EVENTS_MAX, &nev) != STORE_OK) {
		log_error("pdf: %s", store_errmsg(s));
		return NULL;
	}
	return pdf_application_doc(ap, ev, nev, kind);
}

typedef struct hikae_job {
	store_application ap; /* the owner's, read on the loop */
	int ok;
	buf body;
} hikae_job;

static void hikae_work(store *s, const app *a, void *arg)
{
	hikae_job *j = arg;
	(void)a;
	json_t *doc = pdf_page_doc(s, &j->ap, MSG_PDF_HIKAE);
	j->ok = doc && pdf_render(doc, &j->body) == 0;
	if (doc && !j->ok)
		log_error("pdf: %s could not be rendered", j->ap.receipt);
	json_decref(doc);
}

static void hikae_done(req *r, void *arg)
{
	hikae_job *j = arg;
	char name[STORE_RECEIPT_MAX + 8];
	snprintf(name, sizeof(name), "%s.pdf", j->ap.receipt);
	if (r->ev && j->ok)
		resp_attachment(r, "application/pdf", name, j->body.data, j->body.len);
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	store_application_release(&j->ap);
	buf_release(&j->body);
	free(j);
}

void page_mypage_hikae(req *r)
{
	store_application ap;
	if (apply_load_own(r, &ap) < 0)
		return;
	hikae_job *j = calloc(1, sizeof(*j));
	if (!j) {
		store_application_release(&ap);
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	j->ap = ap;
	buf_init(&j->body, PDF_PAGE_BYTES_MAX);
	req_defer(r, hikae_work, hikae_done, j);
}
