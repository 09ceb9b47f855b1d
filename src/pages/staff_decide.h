/* staff_decide: what one application's staff page shows of the decisions (staff_decide.c:
 * the decision form of a reviewer, the notes form, the POSTs of both) and its timeline
 * (staff_timeline.c: status changes, notes, mails to the applicant and the audit rows of the
 * application, with who and when, in time order). staff_detail.c loads it on the pool
 * (staff_decide_load) and fills the page's context from it (staff_decide_ctx). */
#ifndef MADOGUCHI_PAGES_STAFF_DECIDE_H
#define MADOGUCHI_PAGES_STAFF_DECIDE_H

#include <jansson.h>

#include "core/audit.h"
#include "core/staff.h"
#include "http/http.h"
#include "store/store.h"

#define DECIDE_MAX_NOTES 100
#define DECIDE_MAX_MAILS 50
#define DECIDE_MAX_AUDIT 100 /* the newest audit rows of the application */
#define DECIDE_MAX_NAMES 16  /* staff names looked up for one page */

typedef struct staff_decide_data {
	long long last_event; /* the decision form's token */
	store_note notes[DECIDE_MAX_NOTES];
	size_t nnotes;
	store_app_mail mails[DECIDE_MAX_MAILS];
	size_t nmails;
	audit_row audit[DECIDE_MAX_AUDIT]; /* newest first, as store_audit_list gives them */
	size_t naudit;
	struct {
		long long id;
		char name[STORE_STAFF_NAME_MAX + 1];
	} names[DECIDE_MAX_NAMES];
	size_t nnames;
} staff_decide_data;

/* On the pool: everything above for application receipt. 0, or -1 on a store error. */
int staff_decide_load(store *s, const char *receipt, staff_decide_data *d);

/* The decision and notes forms (staff_actions) and the timeline (staff_timeline) into ctx,
 * which already holds receipt, code and csrf; role is the viewer's on the procedure, ev the
 * application's events (oldest first). */
void staff_decide_ctx(json_t *ctx, const req *r, const staff_decide_data *d, enum staff_role role,
                      const store_application *ap, const store_app_event *ev, size_t nev);

/* The timeline (staff_timeline.c) as an array of {when, what, who, note}, oldest first. */
json_t *staff_timeline_json(const staff_decide_data *d, const store_app_event *ev, size_t nev);

/* The name of staff member id as d holds it, or NULL. */
const char *staff_decide_name(const staff_decide_data *d, long long id);

#endif
