/* staff_inbox: the staff console's inbox (/staff: who is logged in, then the applications of
 * the procedures the staff member has a role on, with counts per status, filters and pages by
 * key). The filters: procedure, status, receipt, arrival days (Japan time, inclusive), whether
 * the certificate differs from the form, the assignee, and the applicant's name or furigana
 * folded as core/compare.h folds it (ﾐﾄﾞﾘ finds ミドリ). One application's page is
 * staff_detail.c; it keeps the filters for its next/previous links. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/compare.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/buf.h"
#include "util/enc.h"
#include "util/jdate.h"
#include "util/num.h"
#include "util/log.h"
#include "util/utf8.h"

#define INBOX_PER_DEFAULT 20
#define INBOX_PER_MAX 50 /* one more row is read to know whether a next page exists */
#define STAFF_ROLES_MAX STORE_INBOX_PROCS_MAX
#define PROC_ID_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"

/* A query value, NULL when absent or empty. */
static const char *query_value(const form *q, const char *name)
{
	const char *v = form_get(q, name);
	return v && v[0] ? v : NULL;
}

/* The query's numbers are digits only (no sign, no blank): strtol's leniency is not a URL's. */
static int digits_only(const char *s)
{
	return s && s[0] && strspn(s, "0123456789") == strlen(s);
}

/* v (NULL: "") into out of size bytes when it fits and ok holds; else 0. */
static int copy_ok(char *out, size_t size, const char *v, int ok)
{
	if (v && (!ok || strlen(v) >= size))
		return 0;
	snprintf(out, size, "%s", v ? v : "");
	return 1;
}

static int differs_read(const char *v, int *out)
{
	static const char *const names[] = {"", "yes", "no", "unknown"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(v ? v : "", names[i])) {
			*out = i;
			return 1;
		}
	return 0;
}

/* The typed name, folded for the search key. */
static int name_read(const char *v, inbox_filter *f)
{
	if (!copy_ok(f->name, sizeof(f->name), v, v && utf8_line_ok(v, strlen(v))))
		return 0;
	char *folded = v ? compare_fold(v) : NULL;
	int ok = !v || (folded && strlen(folded) < sizeof(f->search));
	if (ok)
		snprintf(f->search, sizeof(f->search), "%s", folded ? folded : "");
	free(folded);
	return ok;
}

int staff_filter_read(const form *q, inbox_filter *f)
{
	const char *per = q ? query_value(q, "per") : NULL,
	           *at = q ? query_value(q, "after_at") : NULL;
	const char *as = q ? query_value(q, "assignee") : NULL;
	const char *after = q ? query_value(q, "after") : NULL;
	const char *from = q ? query_value(q, "from") : NULL, *to = q ? query_value(q, "to") : NULL;
	long v = INBOX_PER_DEFAULT, after_at = 0;

	memset(f, 0, sizeof(*f));
	f->per = v;
	if (!q) /* no query: no filter */
		return 1;
	const char *st = query_value(q, "status"), *rc = query_value(q, "q");
	const char *proc = query_value(q, "proc");
	if ((per && (!digits_only(per) || num_parse_long(per, 1, INBOX_PER_MAX, &v) != 0)) ||
	    !copy_ok(f->proc, sizeof(f->proc), proc,
	             proc && strspn(proc, PROC_ID_CHARS) == strlen(proc)) ||
	    !copy_ok(f->status, sizeof(f->status), st, st && app_status_valid(st)) ||
	    !copy_ok(f->receipt, sizeof(f->receipt), rc, rc && app_receipt_valid(rc)) ||
	    !copy_ok(f->from, sizeof(f->from), from, from && jdate_valid(from)) ||
	    !copy_ok(f->to, sizeof(f->to), to, to && jdate_valid(to)) ||
	    !differs_read(query_value(q, "differs"), &f->differs) ||
	    !copy_ok(f->assignee, sizeof(f->assignee), as,
	             as && (!strcmp(as, "me") || !strcmp(as, "none") || digits_only(as))) ||
	    !name_read(query_value(q, "name"), f) ||
	    (after && (!app_receipt_valid(after) || !digits_only(at) ||
	               num_parse_long(at, 1, 1L << 52, &after_at) != 0)))
		return 0;
	snprintf(f->after, sizeof(f->after), "%s", after ? after : "");
	f->after_at = after_at;
	f->per = v;
	return !f->from[0] || !f->to[0] || strcmp(f->from, f->to) <= 0;
}

int staff_filter_query(const inbox_filter *f, long long me, const store_staff_role *roles,
                       size_t nroles, const char **procs, store_inbox_query *q)
{
	long id;
	memset(q, 0, sizeof(*q));
	q->procs = procs;
	for (size_t i = 0; i < nroles && q->nprocs < STORE_INBOX_PROCS_MAX; i++)
		if (!f->proc[0] || strcmp(f->proc, roles[i].proc_id) == 0)
			procs[q->nprocs++] = roles[i].proc_id;
	q->status = f->status[0] ? f->status : NULL;
	q->receipt = f->receipt[0] ? f->receipt : NULL;
	q->after_at = f->after_at;
	q->after_receipt = f->after[0] ? f->after : NULL;
	q->from_at = f->from[0] ? jdate_day_start(f->from) : 0;
	q->to_at = f->to[0] ? jdate_day_start(f->to) + 86400 : 0; /* the whole last day */
	q->differs = f->differs;
	if (!strcmp(f->assignee, "me"))
		q->assignee = me;
	else if (!strcmp(f->assignee, "none"))
		q->assignee = STORE_ASSIGNEE_NOBODY;
	else if (f->assignee[0] && num_parse_long(f->assignee, 1, 1L << 52, &id) == 0)
		q->assignee = id;
	q->search = f->search[0] ? f->search : NULL;
	return !f->proc[0] || q->nprocs > 0;
}

/* "&name=value" onto b when value is not empty (value already URL-safe). */
static void qs_add(buf *b, const char *name, const char *value)
{
	if (value[0])
		buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, value);
}

void staff_filter_qs(const inbox_filter *f, char *out, size_t outlen)
{
	static const char *const differs[] = {"", "yes", "no", "unknown"};
	char name[3 * STAFF_NAME_QUERY_MAX + 1];
	buf b;
	buf_init(&b, outlen);
	if (url_encode(f->name, NULL, name, sizeof(name)) < 0)
		name[0] = '\0';
	qs_add(&b, "proc", f->proc);
	qs_add(&b, "status", f->status);
	qs_add(&b, "q", f->receipt);
	qs_add(&b, "from", f->from);
	qs_add(&b, "to", f->to);
	qs_add(&b, "differs", differs[f->differs]);
	qs_add(&b, "assignee", f->assignee);
	qs_add(&b, "name", name);
	snprintf(out, outlen, "%s", b.failed ? "" : buf_cstr(&b));
	buf_release(&b);
}

const char *staff_proc_title(const req *r, const char *proc_id)
{
	const procedure *p = proc_catalog_find(r->a->procs, proc_id);
	return p ? p->title : proc_id;
}

size_t staff_selection_read(const form *q, char (*receipts)[STORE_RECEIPT_MAX + 1], size_t max,
                            char *qs, size_t qslen)
{
	const form_pair *p;
	size_t n = 0, used = 0;
	qs[0] = '\0';
	for (size_t i = 0; (p = form_find_nth(q, "r", i)); i++) {
		size_t k = 0;
		if (!app_receipt_valid(p->value) || strlen(p->value) > STORE_RECEIPT_MAX)
			return 0;
		while (k < n && strcmp(receipts[k], p->value))
			k++;
		if (k < n) /* ticked twice */
			continue;
		if (n == max)
			return 0;
		snprintf(receipts[n++], STORE_RECEIPT_MAX + 1, "%s", p->value);
		if (used < qslen)
			used += (size_t)snprintf(qs + used, qslen - used, "%sr=%s", used ? "&" : "",
			                         p->value);
	}
	if (used >= qslen) /* too long to come back to */
		qs[0] = '\0';
	return n;
}

/* The roles as shown, and as options of the procedure filter. */
static void roles_ctx(req *r, json_t *ctx, const store_staff_role *roles, size_t n,
                      const inbox_filter *f)
{
	json_t *list = json_array(), *opts = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *title = staff_proc_title(r, roles[i].proc_id);
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "title", title, "role",
		                    strcmp(roles[i].role, "reviewer") == 0 ? "審査" : "閲覧"));
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "id", roles[i].proc_id,
		                                      "title", title, "selected",
		                                      !strcmp(f->proc, roles[i].proc_id)));
	}
	json_object_set_new(ctx, "has_roles", json_boolean(n > 0));
	json_object_set_new(ctx, "roles", list);
	json_object_set_new(ctx, "proc_options", opts);
}

/* Every status as an option of the status filter, and its count in the procedures. */
static void status_ctx(json_t *ctx, const inbox_filter *f, const store_status_count *c, size_t nc)
{
	size_t n, i, k;
	const app_status *st = app_statuses(&n);
	json_t *opts = json_array(), *counts = json_array();
	long long total = 0;
	for (i = 0; i < n; i++) {
		long long count = 0;
		for (k = 0; k < nc; k++)
			if (strcmp(c[k].status, st[i].name) == 0)
				count = c[k].count;
		total += count;
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "name", st[i].name,
		                                      "label", st[i].label, "selected",
		                                      !strcmp(f->status, st[i].name)));
		json_array_append_new(
		    counts, json_pack("{s:s, s:I}", "label", st[i].label, "count", count));
	}
	json_object_set_new(ctx, "status_options", opts);
	json_object_set_new(ctx, "counts", counts);
	json_object_set_new(ctx, "total", json_integer(total));
}

/* The options of a select: values[i] shown as labels[i], the one of index sel selected. */
static json_t *options_json(const char *const *values, const char *const *labels, size_t n,
                            size_t sel)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", values[i], "label",
		                                   labels[i], "selected", i == sel));
	return a;
}

/* The filters of migration 0011 as the form shows them again. */
static void filters_ctx(json_t *ctx, const inbox_filter *f)
{
	static const char *const dv[] = {"", "yes", "no", "unknown"};
	static const char *const dl[] = {"指定しない", "違いあり", "違いなし", "未判定"};
	static const char *const av[] = {"", "me", "none"};
	static const char *const al[] = {"指定しない", "自分", "担当者なし"};
	size_t as = !strcmp(f->assignee, "me") ? 1 : !strcmp(f->assignee, "none") ? 2 : 0;
	json_object_set_new(ctx, "differs_options", options_json(dv, dl, 4, (size_t)f->differs));
	json_object_set_new(ctx, "assignee_options", options_json(av, al, 3, as));
	json_object_set_new(ctx, "from", json_string(f->from));
	json_object_set_new(ctx, "to", json_string(f->to));
	json_object_set_new(ctx, "name_q", json_string(f->name));
	json_object_set_new(ctx, "q", json_string(f->receipt));
}

/* What an inbox row says of the differs flag and the assignee, in words. */
const char *staff_differs_label(int differs)
{
	return differs < 0 ? MSG_STAFF_DIFFERS_UNKNOWN
	       : differs   ? MSG_STAFF_DIFFERS_YES
	                   : MSG_STAFF_DIFFERS_NO;
}

static const char *assignee_label(long long assignee, long long me)
{
	return !assignee        ? MSG_STAFF_ASSIGNEE_NONE
	       : assignee == me ? MSG_STAFF_ASSIGNEE_ME
	                        : MSG_STAFF_ASSIGNEE_OTHER;
}

static void apps_ctx(req *r, json_t *ctx, const inbox_filter *f, long long me,
                     store_application *list, size_t n)
{
	json_t *apps = json_array();
	char qs[1024], href[1200];
	size_t shown = n > (size_t)f->per ? (size_t)f->per : n;
	staff_filter_qs(f, qs, sizeof(qs));
	for (size_t i = 0; i < shown; i++) {
		char when[128];
		jdate_format_time(list[i].submitted_at, when, sizeof(when));
		snprintf(href, sizeof(href), "/staff/applications/%.*s%s%s", STORE_RECEIPT_MAX,
		         list[i].receipt, qs[0] ? "?" : "", qs);
		json_array_append_new(
		    apps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "receipt",
		                    list[i].receipt, "href", href, "title",
		                    staff_proc_title(r, list[i].proc_id), "when", when, "status",
		                    app_status_label(list[i].status), "code", list[i].status,
		                    "differs", staff_differs_label(list[i].differs), "assignee",
		                    assignee_label(list[i].assignee, me)));
	}
	json_object_set_new(ctx, "apps", apps);
	json_object_set_new(ctx, "has_apps", json_boolean(shown > 0));
	json_object_set_new(ctx, "shown", json_integer((json_int_t)shown));
	if (n > shown) {
		snprintf(href, sizeof(href), "/staff?%s&per=%ld&after_at=%lld&after=%.*s", qs,
		         f->per, list[shown - 1].submitted_at, STORE_RECEIPT_MAX,
		         list[shown - 1].receipt);
		json_object_set_new(ctx, "next_href", json_string(href));
	}
	json_object_set_new(ctx, "filtered", json_boolean(f->proc[0] != 0));
}

/* The list and the counts of the filters' procedures into ctx; -1 on a store error. */
static int inbox_ctx(req *r, json_t *ctx, const store_inbox_query *q, const inbox_filter *f,
                     long long me)
{
	store_application list[INBOX_PER_MAX + 1];
	store_status_count counts[16];
	size_t n = 0, nc = 0;

	if (store_inbox_list(r->w->store, q, list, (size_t)f->per + 1, &n) != STORE_OK ||
	    store_inbox_counts(r->w->store, q, counts, 16, &nc) != STORE_OK) {
		log_error("staff inbox: %s", store_errmsg(r->w->store));
		return -1;
	}
	status_ctx(ctx, f, counts, nc);
	filters_ctx(ctx, f);
	apps_ctx(r, ctx, f, me, list, n);
	return 0;
}

void page_staff_home(req *r)
{
	req_session ss;
	store_staff st;
	store_staff_role roles[STAFF_ROLES_MAX];
	const char *procs[STAFF_ROLES_MAX];
	size_t nroles = 0;
	inbox_filter f;
	store_inbox_query q;
	if (!staff_page_gate(r, &ss, &st))
		return;
	if (store_staff_roles(r->w->store, st.id, roles, STAFF_ROLES_MAX, &nroles) != STORE_OK) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	int read = staff_filter_read(&r->query, &f);
	if (read && f.proc[0] && staff_role_pick(roles, nroles, f.proc) == STAFF_NO_ROLE) {
		/* a procedure the member has no role on: not a bad filter, a closed door */
		resp_error(r, 403, MSG_STAFF_PROC_FORBIDDEN_TITLE, MSG_STAFF_PROC_FORBIDDEN);
		return;
	}
	if (!read || !staff_filter_query(&f, st.id, roles, nroles, procs, &q)) {
		resp_error(r, 400, MSG_STAFF_BAD_FILTER_TITLE, MSG_STAFF_BAD_FILTER);
		return;
	}
	json_t *ctx = staff_ctx(r, "職員の画面", &st, ss.csrf);
	json_object_set_new(ctx, "name", json_string(st.name));
	json_object_set_new(ctx, "email", json_string(st.email));
	json_object_set_new(ctx, "is_admin", json_boolean(st.is_admin));
	json_object_set_new(ctx, "per", json_integer(f.per));
	json_object_set_new(ctx, "bulk_targets", staff_bulk_targets_json());
	roles_ctx(r, ctx, roles, nroles, &f);
	if (inbox_ctx(r, ctx, &q, &f, st.id) < 0) {
		json_decref(ctx);
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	resp_page(r, 200, "staff_inbox", ctx);
}
