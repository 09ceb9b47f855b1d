/* staff_act: what the staff's POSTs on one application share (再検証 in staff_reverify.c,
 * 担当 in staff_assign.c): the staff session and its CSRF token (403 without), the receipt,
 * the role on the application's procedure, and the answer (back to the application's page,
 * or a plain error page). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/application.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/staff_int.h"

staff_act *staff_act_begin(req *r, const char *field)
{
	form f;
	req_session ss;
	if (req_body_form(r, &f) < 0)
		return NULL;
	int ok = staff_session_load(r, &ss) && staff_csrf_ok(&ss, &f);
	const char *v = field ? form_get(&f, field) : NULL;
	staff_act *j = NULL;
	if (!ok) {
		form_release(&f);
		acct_forbidden(r);
		return NULL;
	}
	if (!app_receipt_valid(r->params[0]) || (field && (!v || strlen(v) >= sizeof(j->arg)))) {
		form_release(&f);
		resp_error(r, 400, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
		return NULL;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		form_release(&f);
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return NULL;
	}
	j->staff_id = ss.account_id; /* the staff session's: a staff id */
	snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	snprintf(j->arg, sizeof(j->arg), "%s", v ? v : "");
	form_release(&f);
	return j;
}

int staff_act_load(store *s, staff_act *j, store_application *ap, int need_reviewer)
{
	enum staff_role role;
	int rc = store_application_get(s, j->receipt, ap);
	j->out = rc == STORE_ENOTFOUND ? STAFF_ACT_NOTFOUND : STAFF_ACT_FAIL;
	if (rc != STORE_OK)
		return -1;
	if (staff_role_of(s, j->staff_id, ap->proc_id, &role) < 0) {
		store_application_release(ap);
		return -1;
	}
	if (!role || (need_reviewer && role != STAFF_REVIEWER)) {
		j->out = role ? STAFF_ACT_NOT_REVIEWER : STAFF_ACT_FORBIDDEN;
		store_application_release(ap);
		return -1;
	}
	return 0;
}

void staff_act_answer(req *r, const staff_act *j)
{
	if (!r->ev)
		return;
	if (j->out == STAFF_ACT_OK)
		resp_redirectf(r, "/staff/applications/%s", j->receipt);
	else if (j->out == STAFF_ACT_NOTFOUND)
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
	else if (j->out == STAFF_ACT_FORBIDDEN)
		resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
	else if (j->out == STAFF_ACT_NOT_REVIEWER)
		resp_error(r, 403, MSG_STAFF_NOT_REVIEWER_TITLE, MSG_STAFF_NOT_REVIEWER);
	else if (j->out == STAFF_ACT_BAD)
		resp_error(r, 400, MSG_STAFF_BAD_ACTION_TITLE,
		           j->fail_msg ? j->fail_msg : MSG_STAFF_BAD_ACTION);
	else
		resp_error(r, 503, MSG_BUSY_TITLE, j->fail_msg ? j->fail_msg : MSG_TRY_LATER);
}

void staff_act_done(req *r, void *arg)
{
	staff_act_answer(r, arg);
	free(arg);
}
