/* staff_detail: one application as the staff see it (/staff/applications/:receipt): the
 * answers as confirmed, the signature evidence beside them (staff_evidence.c), the history.
 * Each view leaves one audit row, and the page is not shown when that row cannot be written.
 * Only staff with a role on the application's procedure see it (403 otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_decide.h"
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/log.h"

#define DETAIL_MAX_EVENTS 64

enum detail_outcome { D_FAIL, D_OK, D_NOTFOUND, D_FORBIDDEN };
typedef struct detail_job {
	long long staff_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char peer[64];
	req_session sess;
	store_staff st;
	enum detail_outcome out;
	enum staff_role role; /* on the application's procedure */
	store_application ap;
	store_app_event ev[DETAIL_MAX_EVENTS];
	size_t nev;
	staff_evidence_job evj; /* the evidence panel, attachments, assignee, links */
	staff_decide_data dec;  /* decisions, notes, timeline (staff_decide.c) */
} detail_job;

/* On the pool: the application, the permission, the history and the audit row; D_OK only
 * when the row is written. */
static void detail_work(store *s, const app *a, void *arg)
{
	detail_job *j = arg;
	int rc = store_application_get(s, j->receipt, &j->ap);
	j->out = rc == STORE_ENOTFOUND ? D_NOTFOUND : D_FAIL;
	if (rc != STORE_OK)
		return;
	if (staff_role_of(s, j->staff_id, j->ap.proc_id, &j->role) < 0)
		return;
	if (!j->role) {
		j->out = D_FORBIDDEN;
		return;
	}
	if (store_application_events(s, j->receipt, j->ev, DETAIL_MAX_EVENTS, &j->nev) !=
	        STORE_OK ||
	    staff_evidence_load(s, &j->evj, &j->ap, j->staff_id) < 0 ||
	    staff_decide_load(s, j->receipt, &j->dec) < 0 ||
	    staff_audit_app(s, j->staff_id, j->receipt, AUDIT_VIEW_APPLICATION, "", j->peer,
	                    (long long)time(NULL)) < 0)
		return;
	j->out = D_OK;
}

static json_t *events_json(const detail_job *j)
{
	json_t *events = json_array();
	char when[128];
	for (size_t i = 0; i < j->nev; i++) {
		jdate_format_time(j->ev[i].at, when, sizeof(when));
		json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "when", when, "status",
		                                        app_status_label(j->ev[i].status), "note",
		                                        j->ev[i].note));
	}
	return events;
}

static void detail_render(req *r, detail_job *j)
{
	char when[128];
	json_t *ctx = staff_ctx(r, j->receipt, &j->st, j->sess.csrf);
	jdate_format_time(j->ap.submitted_at, when, sizeof(when));
	json_object_set_new(ctx, "receipt", json_string(j->receipt));
	json_object_set_new(ctx, "proc_title", json_string(j->ap.proc_title));
	json_object_set_new(ctx, "when", json_string(when));
	json_object_set_new(ctx, "status", json_string(app_status_label(j->ap.status)));
	json_object_set_new(ctx, "code", json_string(j->ap.status));
	json_t *lines = j->ap.display ? json_loads(j->ap.display, 0, NULL) : NULL;
	json_object_set_new(ctx, "lines", json_is_array(lines) ? lines : json_array());
	if (lines && !json_is_array(lines))
		json_decref(lines);
	json_object_set_new(ctx, "events", events_json(j));
	staff_evidence_page(r, ctx, &j->evj, &j->ap, j->staff_id, j->role == STAFF_REVIEWER);
	staff_versions_ctx(r, ctx, j->receipt);
	staff_decide_ctx(ctx, r, &j->dec, j->role, &j->ap, j->ev, j->nev);
	resp_page(r, 200, "staff_application", ctx);
}

static void detail_done(req *r, void *arg)
{
	detail_job *j = arg;
	if (r->ev) {
		if (j->out == D_OK)
			detail_render(r, j);
		else if (j->out == D_NOTFOUND)
			resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
		else if (j->out == D_FORBIDDEN)
			resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
		else
			resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	}
	store_application_release(&j->ap);
	staff_evidence_release(&j->evj);
	free(j);
}

void page_staff_application(req *r)
{
	req_session ss;
	store_staff st;
	detail_job *j = staff_app_job(r, sizeof(*j), &ss, &st);
	if (!j)
		return;
	j->staff_id = st.id;
	j->st = st;
	j->sess = ss;
	snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	staff_evidence_begin(r, &j->evj);
	req_defer(r, detail_work, detail_done, j);
}
