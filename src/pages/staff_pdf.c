/* staff_pdf: one application as a PDF for the staff (GET
 * /staff/applications/:receipt/application.pdf), the link 「PDFで保存する」 of the staff_zip
 * partial: the resident's document (pdf_page.h) and, after it, the signature evidence as
 * the application's page shows it (staff_evidence_ctx: the certificate's basic four beside
 * the form, the verification at arrival with issuer, serial, validity and the revocation
 * check, the re-verifications) with the SHA-256 of the signed content, and the internal
 * notes. A staff session (else the login page), a role on the procedure (403 otherwise) and
 * a fresh TOTP code (staff_step_up), as for the evidence package; each download writes one
 * AUDIT_EXPORT row naming the receipt, enc=pdf and the SHA-256 of the PDF: without it
 * nothing is sent (503). */
#include <stdio.h>
#include <stdlib.h>

#include "core/pdf.h"
#include "http/defer.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/pdf_page.h"
#include "pages/staff_decide.h"
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/log.h"

typedef struct pdf_job {
	staff_download d; /* first */
	store_reverification rv[STAFF_RV_MAX];
	size_t nrv;
	staff_decide_data dec; /* the notes and their authors */
	store_timestamp ts;
	int has_ts;
} pdf_job;

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "A（B）", or A alone when B is "". */
static void row_with(json_t *rows, const char *label, const char *a, const char *b)
{
	char v[2048];
	snprintf(v, sizeof(v), "%s%s%s%s", a, b[0] ? "（" : "", b, b[0] ? "）" : "");
	pdf_row(rows, label, v);
}

/* One verification of the panel (at arrival or later) as rows. */
static void verification_rows(json_t *rows, const json_t *v, const char *label)
{
	const json_t *rev = json_object_get(v, "revocation");
	char text[1024];
	row_with(rows, label, str_at(v, "message"), str_at(v, "result"));
	pdf_row(rows, MSG_PDF_VERIFIED_AT, str_at(v, "when"));
	pdf_row(rows, MSG_PDF_ISSUER, str_at(v, "issuer"));
	pdf_row(rows, MSG_PDF_SERIAL, str_at(v, "serial"));
	snprintf(text, sizeof(text), "%s から %s まで", str_at(v, "not_before"),
	         str_at(v, "not_after"));
	pdf_row(rows, MSG_PDF_VALIDITY, text);
	snprintf(text, sizeof(text), "%s：%s（%s）%s", str_at(rev, "method"), str_at(rev, "status"),
	         str_at(rev, "when"), str_at(rev, "detail"));
	pdf_row(rows, MSG_PDF_REVOCATION, text);
}

/* The SHA-256 in eight groups of eight hex digits, so that it wraps between them. */
static void digest_row(json_t *rows, const char *hex)
{
	char v[64 + 8 + 1];
	size_t n = 0;
	for (size_t i = 0; hex[i] && n + 2 < sizeof(v); i++) {
		if (i && i % 8 == 0)
			v[n++] = ' ';
		v[n++] = hex[i];
	}
	v[n] = '\0';
	pdf_row(rows, MSG_PDF_DIGEST, v);
}

/* The signature evidence panel's words (staff_evidence_ctx) as the PDF's section. */
static void evidence_section(json_t *doc, const store_application *ap, const procedure *p,
                             const pdf_job *j)
{
	json_t *panel = json_object(), *rows = pdf_section(doc, MSG_PDF_EVIDENCE);
	size_t i;
	const json_t *x;
	staff_evidence_ctx(panel, ap, p, j->rv, j->nrv, j->has_ts ? &j->ts : NULL);
	if (!json_is_true(json_object_get(panel, "signed")))
		pdf_row(rows, MSG_PDF_SIGNATURE, MSG_PDF_UNSIGNED);
	json_array_foreach(json_object_get(panel, "basic4"), i, x) {
		char label[128];
		snprintf(label, sizeof(label), "%s%s", MSG_PDF_SIGNER, str_at(x, "label"));
		row_with(rows, label, str_at(x, "card"), str_at(x, "verdict"));
	}
	if (json_object_get(panel, "arrival"))
		verification_rows(rows, json_object_get(panel, "arrival"), MSG_PDF_RESULT);
	const json_t *ts = json_object_get(panel, "timestamp");
	if (json_is_object(ts))
		pdf_row(rows, MSG_STAFF_TIMESTAMP, str_at(ts, "text"));
	digest_row(rows, ap->digest);
	json_array_foreach(json_object_get(panel, "reverifications"), i, x) {
		char label[256];
		snprintf(label, sizeof(label), "%s %s（%s）", MSG_PDF_REVERIFIED, str_at(x, "at"),
		         str_at(x, "who"));
		verification_rows(rows, x, label);
	}
	json_decref(panel);
}

/* The internal notes, oldest first, each with when and who. */
static void notes_section(json_t *doc, const staff_decide_data *d)
{
	json_t *rows = pdf_section(doc, MSG_TL_NOTE);
	if (!d->nnotes)
		pdf_row(rows, MSG_TL_NOTE, MSG_PDF_NO_NOTES);
	for (size_t i = 0; i < d->nnotes; i++) {
		char when[128], label[512];
		const char *who = staff_decide_name(d, d->notes[i].staff_id);
		jdate_format_time(d->notes[i].at, when, sizeof(when));
		snprintf(label, sizeof(label), "%s\n%s", when, who ? who : "");
		pdf_row(rows, label, d->notes[i].body);
	}
}

/* The document of ap for the staff: 0, or -1 on a store error or when it cannot render. */
static int pdf_build(store *s, const app *a, pdf_job *j, const store_application *ap)
{
	int tsrc = store_timestamp_get(s, ap->receipt, ap->digest, &j->ts);
	j->has_ts = tsrc == STORE_OK;
	if ((tsrc != STORE_OK && tsrc != STORE_ENOTFOUND) ||
	    store_reverifications(s, j->d.receipt, j->rv, STAFF_RV_MAX, &j->nrv) != STORE_OK ||
	    staff_decide_load(s, j->d.receipt, &j->dec) < 0)
		return -1;
	json_t *doc = pdf_page_doc(s, ap, MSG_PDF_STAFF);
	if (!doc)
		return -1;
	evidence_section(doc, ap, proc_catalog_find(a->procs, ap->proc_id), j);
	notes_section(doc, &j->dec);
	int rc = pdf_render(doc, &j->d.body);
	json_decref(doc);
	return rc;
}

static void pdf_work(store *s, const app *a, void *arg)
{
	pdf_job *j = arg;
	store_application ap;
	if (staff_download_load(s, &j->d, &ap, "staff pdf") < 0)
		return;
	j->d.out = STAFF_DL_FAIL;
	if (pdf_build(s, a, j, &ap) < 0)
		log_error("staff pdf: %s: %s", j->d.receipt, store_errmsg(s));
	else /* nothing is sent without its audit row */
		staff_download_record(s, &j->d, "pdf", "");
	store_application_release(&ap);
}

static void pdf_done(req *r, void *arg)
{
	pdf_job *j = arg;
	staff_download_answer(r, &j->d, "application/pdf", "", ".pdf");
	store_reverifications_release(j->rv, STAFF_RV_MAX);
	store_timestamp_release(&j->ts);
	buf_release(&j->d.body);
	free(j);
}

void page_staff_application_pdf(req *r)
{
	pdf_job *j = staff_download_job(r, sizeof(*j), "application.pdf", PDF_PAGE_BYTES_MAX);
	if (j)
		req_defer(r, pdf_work, pdf_done, j);
}
