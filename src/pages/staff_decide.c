/* staff_decide: the decisions and internal notes of one application's staff page: what the
 * page loads for them (the form's token, the notes, the mails, the audit rows, the names),
 * the forms (a reviewer's decision, limited to the changes the transition table allows from
 * the current status; the note of anyone with a role), and their POSTs
 * (/staff/applications/:receipt/decision and /notes), each one transaction of
 * core/decision.c on the pool. The decision form carries the status and the newest event
 * the page showed: a decision against an application changed since is refused (409) and
 * nothing of it is applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/decision.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_decide.h"
#include "pages/staff_int.h"
#include "util/num.h"

const char *staff_decide_name(const staff_decide_data *d, long long id)
{
	for (size_t i = 0; id > 0 && i < d->nnames; i++)
		if (d->names[i].id == id)
			return d->names[i].name;
	return NULL;
}

/* Looks up the name of staff member id once: 0, or -1 on a store error. */
static int remember_name(store *s, staff_decide_data *d, long long id)
{
	store_staff st;
	if (id < 1 || staff_decide_name(d, id) || d->nnames >= DECIDE_MAX_NAMES)
		return 0;
	int rc = store_staff_by_id(s, id, &st);
	if (rc != STORE_OK)
		return rc == STORE_ENOTFOUND ? 0 : -1;
	d->names[d->nnames].id = id;
	snprintf(d->names[d->nnames].name, sizeof(d->names[0].name), "%s", st.name);
	d->nnames++;
	return 0;
}

int staff_decide_load(store *s, const char *receipt, staff_decide_data *d)
{
	store_audit_filter f = {NULL, receipt, 0};
	int rc = store_application_last_event(s, receipt, &d->last_event);
	if ((rc != STORE_OK && rc != STORE_ENOTFOUND) ||
	    store_notes(s, receipt, d->notes, DECIDE_MAX_NOTES, &d->nnotes) != STORE_OK ||
	    store_application_mails(s, receipt, d->mails, DECIDE_MAX_MAILS, &d->nmails) !=
	        STORE_OK ||
	    store_audit_list(s, &f, d->audit, DECIDE_MAX_AUDIT, &d->naudit) != STORE_OK)
		return -1;
	for (size_t i = 0; i < d->nnotes; i++)
		if (remember_name(s, d, d->notes[i].staff_id) < 0)
			return -1;
	for (size_t i = 0; i < d->naudit; i++) {
		long v = 0;
		const char *a = d->audit[i].actor;
		if (strncmp(a, "staff:", 6) == 0 && num_parse_long(a + 6, 1, 0x7fffffff, &v) == 0 &&
		    remember_name(s, d, v) < 0)
			return -1;
	}
	return 0;
}

/* The decisions a reviewer may make from status, for the form's radio buttons. */
static json_t *choices_json(const char *status, int *needs_text)
{
	const char *to[8];
	size_t n = app_transition_targets(status, APP_BY_STAFF, to, 8);
	json_t *out = json_array();
	*needs_text = 0;
	for (size_t i = 0; i < n; i++) {
		int note = app_transition_needs_note(status, to[i], APP_BY_STAFF);
		*needs_text |= note;
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", to[i], "label",
		                                     app_status_label(to[i]), "note", note));
	}
	return out;
}

void staff_decide_ctx(json_t *ctx, const req *r, const staff_decide_data *d, enum staff_role role,
                      const store_application *ap, const store_app_event *ev, size_t nev)
{
	int needs_text = 0;
	json_t *choices = choices_json(ap->status, &needs_text);
	const char *done = form_get(&r->query, "done");
	json_object_set_new(ctx, "can_decide", json_boolean(role == STAFF_REVIEWER));
	json_object_set_new(ctx, "viewer_only", json_string(MSG_DECIDE_VIEWER_ONLY));
	json_object_set_new(ctx, "no_choice", json_string(MSG_DECIDE_NO_CHOICE));
	json_object_set_new(ctx, "has_choices", json_boolean(json_array_size(choices) > 0));
	json_object_set_new(ctx, "needs_text", json_boolean(needs_text));
	json_object_set_new(ctx, "choices", choices);
	json_object_set_new(ctx, "seen_event", json_integer(d->last_event));
	if (done && (!strcmp(done, "decision") || !strcmp(done, "note")))
		json_object_set_new(
		    ctx, "decide_notice",
		    json_string(!strcmp(done, "note") ? MSG_DECIDE_NOTE_DONE : MSG_DECIDE_DONE));
	json_object_set_new(ctx, "timeline", staff_timeline_json(d, ev, nev));
}

/* ---- the POSTs ---- */

typedef struct decide_job {
	long long staff_id;
	char receipt[STORE_RECEIPT_MAX + 1];
	char peer[64];
	char seen_status[STORE_STATUS_MAX + 1];
	char to[STORE_STATUS_MAX + 1];
	long long seen_event;
	char text[STORE_NOTE_MAX + 1];
	int is_note;
	enum decision_outcome out;
	int mailed;
} decide_job;

static void decide_work(store *s, const app *a, void *arg)
{
	decide_job *j = arg;
	long long now = (long long)time(NULL);
	if (j->is_note) {
		j->out = decision_note(s, j->receipt, j->staff_id, j->text, j->peer, now);
		return;
	}
	submit_site site = {a->cfg.city_name, a->cfg.site_name, a->cfg.base_url};
	decision_request rq = {j->receipt, j->staff_id, j->seen_status, j->seen_event, j->to,
	                       j->text,    j->peer,     &site,          now,           0};
	j->out = decision_apply(s, &rq, &j->mailed);
}

static void decide_answer(req *r, const decide_job *j)
{
	switch (j->out) {
	case DECISION_DONE:
		resp_redirectf(r, "/staff/applications/%s?done=%s#decide-notice", j->receipt,
		               j->is_note ? "note" : "decision");
		break;
	case DECISION_NOTFOUND:
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
		break;
	case DECISION_FORBIDDEN:
		if (j->is_note)
			resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
		else
			resp_error(r, 403, MSG_DECIDE_FORBIDDEN_TITLE, MSG_DECIDE_FORBIDDEN);
		break;
	case DECISION_REFUSED:
		resp_error(r, 400, MSG_DECIDE_BAD_TITLE, MSG_DECIDE_BAD);
		break;
	case DECISION_NEEDS_TEXT:
		resp_error(r, 400, MSG_DECIDE_NEEDS_TEXT_TITLE,
		           strcmp(j->to, "rejected") == 0 ? MSG_DECIDE_NEEDS_REASON
		                                          : MSG_DECIDE_NEEDS_MESSAGE);
		break;
	case DECISION_CONFLICT:
		resp_error(r, 409, MSG_DECIDE_CONFLICT_TITLE, MSG_DECIDE_CONFLICT);
		break;
	case DECISION_FAIL:
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_DECIDE_NOT_APPLIED);
		break;
	}
}

static void decide_done(req *r, void *arg)
{
	decide_job *j = arg;
	if (r->ev)
		decide_answer(r, j);
	free(j);
}

/* The start of both POSTs: the staff session, its CSRF token and the receipt. A job with
 * the staff member and the receipt, or NULL after answering (f released then). */
static decide_job *decide_start(req *r, form *f)
{
	req_session ss;
	store_staff st;
	decide_job *j = NULL;
	if (req_body_form(r, f) < 0)
		return NULL;
	int k = staff_current(r, &ss, &st), csrf = k > 0 && staff_csrf_ok(&ss, f);
	int receipt = app_receipt_valid(r->params[0]);
	if (csrf && receipt && (j = calloc(1, sizeof(*j)))) {
		j->staff_id = st.id;
		snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
		snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
		return j;
	}
	form_release(f);
	if (k == 0 || (k > 0 && !csrf))
		acct_forbidden(r);
	else if (k > 0 && !receipt)
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
	else
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return NULL;
}

/* The text field name of f cleaned into out: 0, or -1 when it is unusable. */
static int read_text(const form *f, const char *name, char *out, size_t outlen)
{
	const form_pair *p = form_find_nth(f, name, 0);
	return decision_text_clean(p ? p->value : "", p ? p->value_len : 0, out, outlen);
}

void page_staff_decision_post(req *r)
{
	form f;
	long ev = 0;
	decide_job *j = decide_start(r, &f);
	if (!j)
		return;
	const char *seen = form_get(&f, "seen_status"), *to = form_get(&f, "to");
	int ok = app_status_valid(seen) && app_status_valid(to) &&
	         num_parse_long(form_get(&f, "seen_event"), 1, 0x7fffffff, &ev) == 0;
	int text_ok = read_text(&f, "text", j->text, sizeof(j->text)) == 0;
	if (ok) {
		snprintf(j->seen_status, sizeof(j->seen_status), "%s", seen);
		snprintf(j->to, sizeof(j->to), "%s", to);
		j->seen_event = ev;
	}
	form_release(&f);
	if (!ok || !text_ok) {
		free(j);
		resp_error(r, 400, MSG_DECIDE_BAD_TITLE, ok ? MSG_DECIDE_BAD_TEXT : MSG_DECIDE_BAD);
		return;
	}
	req_defer(r, decide_work, decide_done, j);
}

void page_staff_notes_post(req *r)
{
	form f;
	decide_job *j = decide_start(r, &f);
	if (!j)
		return;
	int ok = read_text(&f, "note", j->text, sizeof(j->text)) == 0 && j->text[0];
	form_release(&f);
	if (!ok) {
		free(j);
		resp_error(r, 400, MSG_NOTE_BAD_TITLE, MSG_NOTE_BAD);
		return;
	}
	j->is_note = 1;
	req_defer(r, decide_work, decide_done, j);
}
