/* pages: the screens of the portal, one file per family (catalog.c: top page, search,
 * procedure pages). pages_routes() is the route table the server dispatches on. */
#ifndef MADOGUCHI_PAGES_H
#define MADOGUCHI_PAGES_H

#include "http/http.h"

const route *pages_routes(size_t *n);

void page_top(req *r);
void page_search(req *r);
void page_procedure(req *r);
void page_procedure_start(req *r);
void page_static(req *r);
void page_health(req *r);

#endif
