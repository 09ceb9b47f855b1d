/* pdf: one application as a PDF document in memory (cairo's PDF surface, text laid out by
 * pango in the packaged IPAexGothic font, A4, page numbers), without HTTP or SQL. A document
 * is a JSON object {"kind": TEXT, "title": TEXT, "footer": TEXT, "sections": [{"heading":
 * TEXT (optional), "rows": [{"label": TEXT, "value": TEXT}, ...]}, ...]}: the kind in small
 * type above the title, then each section's heading and its rows as label and value, each
 * wrapped to its column and broken across pages line by line; at the foot of every page the
 * footer and "N / M". The text is real text (the font embedded as a subset with its
 * ToUnicode map), so that pdftotext reads it back. pdf_application_doc makes the document
 * of an application (what the resident's 申請控え holds); the staff's PDF adds its own
 * sections (signature evidence, internal notes) with pdf_section and pdf_row. */
#ifndef MADOGUCHI_CORE_PDF_H
#define MADOGUCHI_CORE_PDF_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"
#include "util/buf.h"

#define PDF_FONT "IPAexGothic"

/* The document of ap with its events ev[0..nev) (oldest first), kind its name above the
 * title ("申請控え"): the application's receipt number, procedure, status and arrival in
 * Japan time, its answers as confirmed (ap->display) and its history. Caller owns it. */
json_t *pdf_application_doc(const store_application *ap, const store_app_event *ev, size_t nev,
                            const char *kind);
/* Appends a section headed heading to doc; its rows array (borrowed) for pdf_row. */
json_t *pdf_section(json_t *doc, const char *heading);
/* Appends the row label / value (NULL as "") to rows. */
void pdf_row(json_t *rows, const char *label, const char *value);

/* The PDF of doc appended to out: 0, or -1 (cairo failed, out hit its maximum, doc not
 * such an object; discard out). Runs on a pool thread: each call has its own font map. */
int pdf_render(const json_t *doc, buf *out);

#endif
