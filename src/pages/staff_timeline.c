/* staff_timeline: the timeline of one application's staff page: every status change with
 * its note (a staff decision with who made it, from the decision's audit row, which its
 * transaction wrote with the same time), every internal note, every mail a decision queued
 * for the applicant, and the other audit rows of the application (views and other acts),
 * with who and when, oldest first. Items of the same second keep that order: events,
 * notes, mails, then audit rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/application.h"
#include "pages/messages.h"
#include "pages/staff_decide.h"
#include "util/jdate.h"
#include "util/num.h"

#define TL_MAX (64 + DECIDE_MAX_NOTES + DECIDE_MAX_MAILS + DECIDE_MAX_AUDIT)

typedef struct tl_item {
	long long at;
	size_t seq;
	const char *what;
	const char *who; /* NULL: nobody named */
	const char *note;
} tl_item;

typedef struct tl {
	tl_item it[TL_MAX];
	size_t n;
	char used[DECIDE_MAX_AUDIT]; /* audit rows shown with their event */
} tl;

static void add(tl *t, long long at, const char *what, const char *who, const char *note)
{
	if (t->n >= TL_MAX)
		return;
	t->it[t->n] = (tl_item){at, t->n, what, who, note && note[0] ? note : NULL};
	t->n++;
}

/* The staff id of an actor "staff:ID", or 0. */
static long long actor_staff(const char *actor)
{
	long v = 0;
	if (strncmp(actor, "staff:", 6) != 0 || num_parse_long(actor + 6, 1, 0x7fffffff, &v) < 0)
		return 0;
	return v;
}

static const char *actor_name(const staff_decide_data *d, const char *actor)
{
	const char *name = staff_decide_name(d, actor_staff(actor));
	return name ? name : actor;
}

/* The decision audit row of the event (same time, detail "FROM->TO"), not used before;
 * -1 when none. */
static int decision_row(const staff_decide_data *d, const tl *t, const store_app_event *e)
{
	for (size_t i = 0; i < d->naudit; i++) {
		const audit_row *a = &d->audit[i];
		const char *arrow = strstr(a->detail, "->");
		if (!t->used[i] && a->at == e->at && strcmp(a->action, AUDIT_DECISION) == 0 &&
		    arrow && strcmp(arrow + 2, e->status) == 0)
			return (int)i;
	}
	return -1;
}

static void add_events(tl *t, const staff_decide_data *d, const store_app_event *ev, size_t nev)
{
	for (size_t i = 0; i < nev; i++) {
		const char *who = NULL;
		int k = decision_row(d, t, &ev[i]);
		if (k >= 0) {
			t->used[k] = 1;
			who = actor_name(d, d->audit[k].actor);
		} else if (!strcmp(ev[i].status, "sent") || !strcmp(ev[i].status, "withdrawn")) {
			who = MSG_TL_APPLICANT;
		}
		add(t, ev[i].at, app_status_label(ev[i].status), who, ev[i].note);
	}
}

/* What an audit row of another act says; NULL for the rows shown otherwise (notes). */
static const char *audit_what(const audit_row *a)
{
	static const char *const map[][2] = {
	    {AUDIT_VIEW_APPLICATION, MSG_TL_VIEW}, {AUDIT_VIEW_ATTACHMENT, MSG_TL_ATTACHMENT},
	    {AUDIT_DECISION, MSG_TL_DECISION},     {AUDIT_EXPORT, MSG_TL_EXPORT},
	    {AUDIT_REVERIFY, MSG_TL_REVERIFY},
	};
	if (strcmp(a->action, AUDIT_NOTE) == 0)
		return NULL; /* the note itself is in the timeline */
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(a->action, map[i][0]) == 0)
			return map[i][1];
	return a->action;
}

static int by_time(const void *x, const void *y)
{
	const tl_item *a = x, *b = y;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static json_t *item_json(const tl_item *it)
{
	char when[128];
	jdate_format_time(it->at, when, sizeof(when));
	json_t *o = json_pack("{s:s, s:s}", "when", when, "what", it->what);
	if (it->who)
		json_object_set_new(o, "who", json_string(it->who));
	if (it->note)
		json_object_set_new(o, "note", json_string(it->note));
	return o;
}

json_t *staff_timeline_json(const staff_decide_data *d, const store_app_event *ev, size_t nev)
{
	tl *t = calloc(1, sizeof(*t));
	json_t *out = json_array();
	if (!t)
		return out;
	add_events(t, d, ev, nev);
	for (size_t i = 0; i < d->nnotes; i++)
		add(t, d->notes[i].at, MSG_TL_NOTE, staff_decide_name(d, d->notes[i].staff_id),
		    d->notes[i].body);
	for (size_t i = 0; i < d->nmails; i++)
		add(t, d->mails[i].at, MSG_TL_MAIL, NULL, NULL);
	for (size_t i = d->naudit; i-- > 0;) { /* oldest first */
		const char *what = audit_what(&d->audit[i]);
		if (!t->used[i] && what)
			add(t, d->audit[i].at, what, actor_name(d, d->audit[i].actor), NULL);
	}
	qsort(t->it, t->n, sizeof(t->it[0]), by_time);
	for (size_t i = 0; i < t->n; i++)
		json_array_append_new(out, item_json(&t->it[i]));
	free(t);
	return out;
}
