/* staff_int: what the staff console's screens share (staff_login.c, staff_enrol.c,
 * staff_inbox.c, staff_detail.c, staff_evidence.c). They
 * run their slow work as the account screens' jobs (account_int.h). No resident session is
 * read or shown here: a staff page's context starts without it. */
#ifndef MADOGUCHI_PAGES_STAFF_INT_H
#define MADOGUCHI_PAGES_STAFF_INT_H

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

/* The base context of a staff page: city, site, title, the staff area's navigation (with the
 * logout of st when not NULL) and csrf, the form's token (the staff session's, or the
 * pre-session cookie's on the forms shown before login). Caller owns it. */
json_t *staff_ctx(const req *r, const char *title, const store_staff *st, const char *csrf);

/* The pre-session cookie's CSRF token for a form shown before login into out (TOKEN_LEN +
 * 1); -1 after answering 503 when none could be made. */
int staff_pre_token(req *r, char *out);

/* The form of a POST without a staff session (login, enrolment), its pre-session CSRF token
 * checked: 0 to go on, else answered (400 or 403) with f released. */
int staff_pre_post(req *r, form *f);

/* The staff member of the request's staff session into *st: 1, or 0 when there is none
 * (no cookie, expired, a resident's cookie only), -1 on a store error. */
int staff_current(req *r, req_session *ss, store_staff *st);

/* The staff login page (200), what every staff page shows a request without a staff
 * session. */
void staff_login_page(req *r);

/* The signature evidence panel of one application's page into ctx (staff_evidence.c). */
void staff_evidence_ctx(json_t *ctx, const store_application *ap);

/* The versions of an application sent again after a return for correction into ctx's
 * "versions" (staff_versions.c): nothing for one never returned; one indexed read. */
void staff_versions_ctx(req *r, json_t *ctx, const char *receipt);

#endif
