/* staff_assign: who handles an application (担当). A reviewer of its procedure takes it
 * (「自分が担当する」) or releases it (「担当をやめる」); a viewer may see who it is but not change
 * it (403). Each change writes an "assign" audit row in the same transaction: without the
 * row, nothing changes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/staff.h"
#include "http/defer.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"

void staff_assign_ctx(json_t *ctx, const store_app_review *rev, long long me, int reviewer)
{
	char who[300];
	if (!rev->assignee)
		snprintf(who, sizeof(who), "%s", MSG_STAFF_ASSIGNEE_NONE);
	else if (rev->assignee == me)
		snprintf(who, sizeof(who), "%s（%s）", rev->assignee_name, MSG_STAFF_ASSIGNEE_ME);
	else
		snprintf(who, sizeof(who), "%s", rev->assignee_name);
	json_object_set_new(ctx, "assignee", json_string(who));
	json_object_set_new(ctx, "may_assign", json_boolean(reviewer));
	json_object_set_new(ctx, "assigned_to_me", json_boolean(rev->assignee == me));
}

static void assign_work(store *s, const app *a, void *arg)
{
	staff_act *j = arg;
	store_application ap;
	int take = !strcmp(j->arg, "take");
	if (!take && strcmp(j->arg, "release")) {
		j->out = STAFF_ACT_BAD;
		return;
	}
	if (staff_act_load(s, j, &ap, 1) < 0)
		return;
	store_application_release(&ap);
	j->out = STAFF_ACT_FAIL;
	if (store_begin(s) != STORE_OK)
		return;
	if (store_application_assign(s, j->receipt, take ? j->staff_id : 0) != STORE_OK ||
	    staff_audit_app(s, j->staff_id, j->receipt, AUDIT_ASSIGN, j->arg, j->peer,
	                    (long long)time(NULL)) < 0) {
		log_error("staff assign: %s", store_errmsg(s));
		if (store_rollback(s) != STORE_OK)
			log_error("staff assign: rollback: %s", store_errmsg(s));
		return;
	}
	if (store_commit(s) == STORE_OK)
		j->out = STAFF_ACT_OK;
	else
		log_error("staff assign: commit: %s", store_errmsg(s));
}

void page_staff_assign_post(req *r)
{
	staff_act *j = staff_act_begin(r, "action");
	if (j)
		req_defer(r, assign_work, staff_act_done, j);
}
