/* pdf_page: what the two PDF downloads of an application share (mypage_pdf.c, the
 * resident's 申請控え; staff_pdf.c, the staff's PDF): the application's document with its
 * history. */
#ifndef MADOGUCHI_PAGES_PDF_PAGE_H
#define MADOGUCHI_PAGES_PDF_PAGE_H

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"
#include "util/buf.h"

#define PDF_PAGE_BYTES_MAX ((size_t)32 << 20)
#define PDF_PAGE_EVENTS_MAX 64

/* On the pool: the document of ap (core/pdf.h pdf_application_doc) with its events, kind
 * its name; NULL on a store error. Caller owns it. */
json_t *pdf_page_doc(store *s, const store_application *ap, const char *kind);

#endif
