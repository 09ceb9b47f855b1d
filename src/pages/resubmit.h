/* resubmit: what my page's detail (mypage.c) takes from the correction of a returned
 * application (resubmit.c). Internal to src/pages. */
#ifndef MADOGUCHI_PAGES_RESUBMIT_H
#define MADOGUCHI_PAGES_RESUBMIT_H

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

/* For an application the applicant may correct and send again (returned): ctx's
 * "returned" with the lead of the notice and the message of the latest return, read from
 * ctx's "events" (their status labels and notes, as the detail page lists them). */
void resubmit_detail_ctx(const store_application *ap, json_t *ctx);

/* When the draft key corrects a returned application, its notice for the form (naming the
 * receipt) into out and 1; else (or when the store cannot tell: the form is shown anyway)
 * 0. One indexed read, on the loop. */
int resubmit_form_notice(req *r, const char *key, char *out, size_t len);

/* The withdrawal (取下げ) of receipt as store_application_set_status makes it (from, note,
 * now), with the open correction drafts of the application deleted in the same transaction
 * (a draft of an application no longer returned could never be submitted, and would keep
 * its procedure's form). Returns the store's code: STORE_ECONFLICT from a status not in
 * from, nothing written then. On the worker pool. */
int resubmit_withdraw(store *s, const char *receipt, const char *const *from, const char *note,
                      long long now);

#endif
