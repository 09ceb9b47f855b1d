/* body: the body of a form POST that may carry files (multipart/form-data) or not
 * (urlencoded), for the pages with a file input: the application form (form.c) and a bulk
 * decision's upload (staff_bulk.c). */
#ifndef MADOGUCHI_PAGES_BODY_H
#define MADOGUCHI_PAGES_BODY_H

#include <stddef.h>

#include "http/http.h"
#include "http/multipart.h"

/* The body as fields and at most max_files files into *mp (multipart_release it), at most
 * max_form_fields fields: 0, or -1 after answering 400 (413 past the route's limit) when it
 * cannot be read. */
int page_read_body(req *r, multipart *mp, size_t max_files);

#endif
