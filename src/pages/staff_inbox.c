/* staff_inbox: the staff console's inbox (/staff: who is logged in, then the applications of
 * the procedures the staff member has a role on, with counts per status, filters and pages by
 * key). One application's page is staff_detail.c. No applicant's name is in the list. */
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
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/num.h"
#include "util/log.h"

#define INBOX_PER_DEFAULT 20
#define INBOX_PER_MAX 50 /* one more row is read to know whether a next page exists */
#define STAFF_ROLES_MAX STORE_INBOX_PROCS_MAX

/* The filters of the inbox as the query gave them, checked. */
typedef struct inbox_filter {
	const char *proc;    /* NULL: every procedure of the roles */
	const char *status;  /* NULL: any */
	const char *receipt; /* NULL: any */
	long long after_at;
	const char *after; /* NULL: the first page */
	long per;
} inbox_filter;

/* A query value, NULL when absent or empty. */
static const char *query_value(req *r, const char *name)
{
	const char *v = form_get(&r->query, name);
	return v && v[0] ? v : NULL;
}

/* The query's numbers are digits only (no sign, no blank): strtol's leniency is not a URL's. */
static int digits_only(const char *s)
{
	return s && s[0] && strspn(s, "0123456789") == strlen(s);
}

/* 1 when the query's filters are well formed and the procedure is one of the roles'. */
static int filter_read(req *r, const store_staff_role *roles, size_t nroles, inbox_filter *f)
{
	const char *per = query_value(r, "per"), *at = query_value(r, "after_at");
	long v = INBOX_PER_DEFAULT, after_at = 0;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->proc = query_value(r, "proc");
	f->status = query_value(r, "status");
	f->receipt = query_value(r, "q");
	f->after = query_value(r, "after");
	if ((per && !digits_only(per)) || (per && num_parse_long(per, 1, INBOX_PER_MAX, &v) != 0) ||
	    (f->status && !app_status_valid(f->status)) ||
	    (f->receipt && !app_receipt_valid(f->receipt)) ||
	    (f->after && (!app_receipt_valid(f->after) || !digits_only(at) ||
	                  num_parse_long(at, 1, 1L << 52, &after_at) != 0)))
		return 0;
	f->after_at = after_at;
	f->per = (long)v;
	for (i = 0; f->proc && i < nroles; i++)
		if (strcmp(roles[i].proc_id, f->proc) == 0)
			return 1;
	return !f->proc;
}

static const char *proc_title_of(req *r, const char *proc_id)
{
	const procedure *p = proc_catalog_find(r->a->procs, proc_id);
	return p ? p->title : proc_id;
}

/* The roles as shown, and as options of the procedure filter. */
static void roles_ctx(req *r, json_t *ctx, const store_staff_role *roles, size_t n,
                      const inbox_filter *f)
{
	json_t *list = json_array(), *opts = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *title = proc_title_of(r, roles[i].proc_id);
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "title", title, "role",
		                    strcmp(roles[i].role, "reviewer") == 0 ? "審査" : "閲覧"));
		json_array_append_new(
		    opts, json_pack("{s:s, s:s, s:b}", "id", roles[i].proc_id, "title", title,
		                    "selected", f->proc && !strcmp(f->proc, roles[i].proc_id)));
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
		                                      f->status && !strcmp(f->status, st[i].name)));
		json_array_append_new(
		    counts, json_pack("{s:s, s:I}", "label", st[i].label, "count", count));
	}
	json_object_set_new(ctx, "status_options", opts);
	json_object_set_new(ctx, "counts", counts);
	json_object_set_new(ctx, "total", json_integer(total));
}

/* The link to the page after row last, with the same filters. */
static json_t *next_href(const inbox_filter *f, const store_application *last)
{
	char href[512];
	snprintf(href, sizeof(href), "/staff?proc=%s&status=%s&q=%s&per=%ld&after_at=%lld&after=%s",
	         f->proc ? f->proc : "", f->status ? f->status : "", f->receipt ? f->receipt : "",
	         f->per, last->submitted_at, last->receipt);
	return json_string(href);
}

static void apps_ctx(req *r, json_t *ctx, const inbox_filter *f, store_application *list, size_t n)
{
	json_t *apps = json_array();
	size_t shown = n > (size_t)f->per ? (size_t)f->per : n;
	for (size_t i = 0; i < shown; i++) {
		char when[128];
		jdate_format_time(list[i].submitted_at, when, sizeof(when));
		json_array_append_new(
		    apps,
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "receipt", list[i].receipt, "title",
		              proc_title_of(r, list[i].proc_id), "when", when, "status",
		              app_status_label(list[i].status), "code", list[i].status));
	}
	json_object_set_new(ctx, "apps", apps);
	json_object_set_new(ctx, "has_apps", json_boolean(shown > 0));
	json_object_set_new(ctx, "shown", json_integer((json_int_t)shown));
	if (n > shown)
		json_object_set_new(ctx, "next_href", next_href(f, &list[shown - 1]));
	if (f->receipt)
		json_object_set_new(ctx, "q", json_string(f->receipt));
	json_object_set_new(ctx, "filtered", json_boolean(f->proc || f->status || f->receipt));
}

/* The list and the counts of the filters' procedures into ctx; -1 on a store error. */
static int inbox_ctx(req *r, json_t *ctx, const store_staff_role *roles, size_t nroles,
                     const inbox_filter *f)
{
	const char *procs[STAFF_ROLES_MAX];
	store_application list[INBOX_PER_MAX + 1];
	store_status_count counts[16];
	size_t i, n = 0, nc = 0;
	store_inbox_query q = {procs, 0, f->status, f->receipt, f->after_at, f->after};

	for (i = 0; i < nroles; i++)
		if (!f->proc || strcmp(f->proc, roles[i].proc_id) == 0)
			procs[q.nprocs++] = roles[i].proc_id;
	if (store_inbox_list(r->w->store, &q, list, (size_t)f->per + 1, &n) != STORE_OK ||
	    store_inbox_counts(r->w->store, &q, counts, 16, &nc) != STORE_OK) {
		log_error("staff inbox: %s", store_errmsg(r->w->store));
		return -1;
	}
	status_ctx(ctx, f, counts, nc);
	apps_ctx(r, ctx, f, list, n);
	return 0;
}

void page_staff_home(req *r)
{
	req_session ss;
	store_staff st;
	store_staff_role roles[STAFF_ROLES_MAX];
	size_t nroles = 0;
	inbox_filter f;
	int k = staff_current(r, &ss, &st);
	if (k == 0) {
		staff_login_page(r);
		return;
	}
	if (k < 0 ||
	    store_staff_roles(r->w->store, st.id, roles, STAFF_ROLES_MAX, &nroles) != STORE_OK) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	if (!filter_read(r, roles, nroles, &f)) {
		resp_error(r, 400, MSG_STAFF_BAD_FILTER_TITLE, MSG_STAFF_BAD_FILTER);
		return;
	}
	json_t *ctx = staff_ctx(r, "職員の画面", &st, ss.csrf);
	json_object_set_new(ctx, "name", json_string(st.name));
	json_object_set_new(ctx, "email", json_string(st.email));
	json_object_set_new(ctx, "is_admin", json_boolean(st.is_admin));
	json_object_set_new(ctx, "per", json_integer(f.per));
	roles_ctx(r, ctx, roles, nroles, &f);
	if (inbox_ctx(r, ctx, roles, nroles, &f) < 0) {
		json_decref(ctx);
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	resp_page(r, 200, "staff_inbox", ctx);
}
