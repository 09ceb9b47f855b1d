/* staff_dashboard: the staff dashboard (GET /staff/dashboard, 集計) of the procedures the
 * staff member has a role on (閲覧 or 審査), or of one of them (?proc=ID, 403 without a role):
 * the arrivals per day of the last 30 or 90 days (?days=) in Japan time as one inline SVG bar
 * chart per procedure with the same figures in a table, the applications waiting per status
 * (the counters of migration 0013), the oldest waiting application, the median days from
 * arrival to decision (core/dashboard.h, migration 0017) and, for a procedure with a
 * 標準処理期間 (standard_days in its file), the waiting applications past it. It shows receipt
 * numbers, times and statuses, never a name or an answer: no personal data, so no audit row.
 * The figures are read on the pool (store_dash.c), the page rendered on the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "core/dashboard.h"
#include "core/staff.h"
#include "http/defer.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/log.h"

#define DASH_OVERDUE_SHOWN 20
#define DASH_OVERDUE_COUNTED 1000 /* more are said as "1000件以上" */
#define DASH_WAITING_MAX 8
/* The chart's <desc>: period, total, busiest day. */
#define MSG_DASH_CHART_DESC                                                                                   \
	"%sから%sまでの%d日間に届いた申請は合計%lld件で、1日の最多は%lld件です。" \
	"日ごとの件数は、この下の表にもあります。"

typedef struct dash_proc {
	char id[STORE_PROC_ID_MAX + 1];
	int standard_days;
	long long arrivals[DASH_DAYS_MAX];
	long long hist[DASH_DAYS_CAP + 1];
	store_status_count counts[16];
	size_t ncounts;
	store_application over[DASH_OVERDUE_SHOWN];
	size_t nover;
	long long over_total;
} dash_proc;

typedef struct dash_job {
	req_session sess;
	store_staff me;
	int days, ok, has_oldest;
	long long now, today, first_day;
	store_application oldest;
	store_staff_role roles[STORE_INBOX_PROCS_MAX]; /* for the form's choice */
	size_t nroles;
	char filter[STORE_PROC_ID_MAX + 1]; /* "": every procedure of the roles */
	size_t n;
	dash_proc p[]; /* n of them: the procedures shown */
} dash_job;

/* The procedures of the job as a store query (procs: room for STORE_INBOX_PROCS_MAX). */
static store_inbox_query job_query(const dash_job *j, const char **procs)
{
	store_inbox_query q = {.procs = procs, .nprocs = j->n};
	for (size_t i = 0; i < j->n; i++)
		procs[i] = j->p[i].id;
	return q;
}

static dash_proc *proc_of(dash_job *j, const char *id)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->p[i].id, id) == 0)
			return &j->p[i];
	return NULL;
}

/* The arrivals per day and the days to decision, counted by the store; -1 on a failure. */
static int figures_load(store *s, dash_job *j)
{
	const char *procs[STORE_INBOX_PROCS_MAX];
	store_inbox_query q = job_query(j, procs);
	size_t max = j->n * (DASH_DAYS_CAP + 1), n = 0, i;
	store_dash_count *rows = calloc(max ? max : 1, sizeof(*rows));
	int rc = rows ? STORE_OK : STORE_ENOMEM;
	if (rc == STORE_OK)
		rc = store_dash_arrivals(s, &q, j->first_day, j->today + 1, rows, max, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		dash_proc *p = proc_of(j, rows[i].proc_id);
		long long d = rows[i].key - j->first_day;
		if (p && d >= 0 && d < j->days)
			p->arrivals[d] = rows[i].count;
	}
	if (rc == STORE_OK)
		rc = store_dash_decided(s, &q, j->first_day, DASH_DAYS_CAP, rows, max, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		dash_proc *p = proc_of(j, rows[i].proc_id);
		if (p && rows[i].key >= 0 && rows[i].key <= DASH_DAYS_CAP)
			p->hist[rows[i].key] = rows[i].count;
	}
	free(rows);
	return rc == STORE_OK ? 0 : -1;
}

/* What waits: the counts per status, the oldest, those past the standard; -1 on a failure. */
static int waiting_load(store *s, dash_job *j)
{
	const char *procs[STORE_INBOX_PROCS_MAX];
	store_inbox_query all = job_query(j, procs);
	int rc = store_dash_oldest(s, &all, &j->oldest);
	j->has_oldest = rc == STORE_OK;
	if (rc == STORE_ENOTFOUND)
		rc = STORE_OK;
	for (size_t i = 0; rc == STORE_OK && i < j->n; i++) {
		dash_proc *p = &j->p[i];
		const char *one[1] = {p->id};
		store_inbox_query q = {.procs = one, .nprocs = 1};
		rc = store_inbox_counts(s, &q, p->counts, 16, &p->ncounts);
		if (rc != STORE_OK || !p->standard_days)
			continue;
		long long before = dash_day_start(j->today - p->standard_days);
		rc = store_dash_overdue(s, p->id, before, p->over, DASH_OVERDUE_SHOWN, &p->nover);
		if (rc == STORE_OK)
			rc = store_dash_overdue_count(s, p->id, before, DASH_OVERDUE_COUNTED,
			                              &p->over_total);
	}
	return rc == STORE_OK ? 0 : -1;
}

static void dash_work(store *s, const app *a, void *arg)
{
	dash_job *j = arg;
	(void)a;
	j->ok = figures_load(s, j) == 0 && waiting_load(s, j) == 0;
	if (!j->ok)
		log_error("staff dashboard: %s", store_errmsg(s));
}

static const char *title_of(req *r, const char *id)
{
	const procedure *p = proc_catalog_find(r->a->procs, id);
	return p ? p->title : id;
}

/* One application of a list: receipt and its link, arrival, days waiting, status. */
static json_t *app_json(const dash_job *j, const store_application *ap, const char *title)
{
	char when[128], href[64];
	jdate_format_time(ap->submitted_at, when, sizeof(when));
	snprintf(href, sizeof(href), "/staff/applications/%s", ap->receipt);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "receipt", ap->receipt, "href", href,
	                 "title", title, "when", when, "days",
	                 (json_int_t)dash_days_between(ap->submitted_at, j->now), "status",
	                 app_status_label(ap->status));
}

/* A day as the table names it: "2026年(令和8年)12月3日". */
static void day_text(long long day, char *out, size_t outlen)
{
	char ymd[11];
	dash_day_ymd(day, ymd, sizeof(ymd));
	if (jdate_format(ymd, out, outlen) != 0)
		snprintf(out, outlen, "%s", ymd);
}

/* The chart of procedure p into its context entry; -1 when it could not be made. */
static int chart_ctx(req *r, const dash_job *j, const dash_proc *p, json_t *e)
{
	char from[128], to[128], desc[512], title[512];
	long long total = 0, most = 0;
	buf b;
	for (int d = 0; d < j->days; d++) {
		total += p->arrivals[d];
		most = p->arrivals[d] > most ? p->arrivals[d] : most;
	}
	day_text(j->first_day, from, sizeof(from));
	day_text(j->today, to, sizeof(to));
	snprintf(title, sizeof(title), "%s%s", title_of(r, p->id), MSG_DASH_CHART_TITLE);
	snprintf(desc, sizeof(desc), MSG_DASH_CHART_DESC, from, to, j->days, total, most);
	buf_init(&b, 256 << 10);
	int rc = dash_chart_svg(&b, p->id, title, desc, p->arrivals, (size_t)j->days, j->first_day);
	if (rc == 0) {
		json_object_set_new(e, "chart", json_string(buf_cstr(&b)));
		json_object_set_new(e, "arrived", json_integer(total));
	}
	buf_release(&b);
	return rc;
}

/* The median of a histogram in words, or NULL when it is empty. */
static json_t *median_json(const long long *hist)
{
	long long x2, n = 0;
	char text[32];
	for (int d = 0; d <= DASH_DAYS_CAP; d++)
		n += hist[d];
	if (dash_median_x2(hist, DASH_DAYS_CAP + 1, &x2) != 0)
		return json_null();
	dash_median_text(x2, text, sizeof(text));
	return json_pack("{s:s, s:I, s:b}", "text", text, "decided", (json_int_t)n, "capped",
	                 x2 >= 2 * DASH_DAYS_CAP);
}

/* The 標準処理期間 of p and the waiting applications past it. */
static void standard_ctx(req *r, const dash_job *j, const dash_proc *p, json_t *e)
{
	json_t *list = json_array();
	const char *title = title_of(r, p->id);
	for (size_t i = 0; i < p->nover; i++)
		json_array_append_new(list, app_json(j, &p->over[i], title));
	json_object_set_new(e, "standard_days", json_integer(p->standard_days));
	json_object_set_new(e, "over", list);
	json_object_set_new(e, "has_over", json_boolean(p->nover > 0));
	json_object_set_new(e, "over_total", json_integer(p->over_total));
	json_object_set_new(e, "over_more", json_integer(p->over_total - (long long)p->nover));
	json_object_set_new(e, "over_capped", json_boolean(p->over_total >= DASH_OVERDUE_COUNTED));
}

/* The procedures' charts, medians and standards; -1 when a chart could not be made. */
static int procs_ctx(req *r, const dash_job *j, json_t *ctx)
{
	json_t *list = json_array();
	json_object_set_new(ctx, "procs", list);
	for (size_t i = 0; i < j->n; i++) {
		const dash_proc *p = &j->p[i];
		json_t *e = json_pack("{s:s, s:s, s:o}", "id", p->id, "title", title_of(r, p->id),
		                      "median", median_json(p->hist));
		json_array_append_new(list, e);
		if (chart_ctx(r, j, p, e) != 0)
			return -1;
		if (p->standard_days)
			standard_ctx(r, j, p, e);
	}
	return 0;
}

/* The table of arrivals: a row per day (oldest first, as the chart), a column per procedure. */
static void arrivals_table(req *r, const dash_job *j, json_t *ctx)
{
	json_t *heads = json_array(), *rows = json_array();
	for (size_t i = 0; i < j->n; i++)
		json_array_append_new(heads, json_pack("{s:s, s:s}", "title",
		                                       title_of(r, j->p[i].id), "id", j->p[i].id));
	for (int d = 0; d < j->days; d++) {
		char text[128], ymd[11];
		json_t *cells = json_array();
		long long total = 0;
		for (size_t i = 0; i < j->n; i++) {
			total += j->p[i].arrivals[d];
			json_array_append_new(cells, json_pack("{s:I, s:s}", "n",
			                                       (json_int_t)j->p[i].arrivals[d],
			                                       "proc", j->p[i].id));
		}
		day_text(j->first_day + d, text, sizeof(text));
		dash_day_ymd(j->first_day + d, ymd, sizeof(ymd));
		json_array_append_new(rows,
		                      json_pack("{s:s, s:s, s:o, s:I}", "day", text, "ymd", ymd,
		                                "cells", cells, "total", (json_int_t)total));
	}
	json_object_set_new(ctx, "heads", heads);
	json_object_set_new(ctx, "rows", rows);
	json_object_set_new(ctx, "several", json_boolean(j->n > 1));
}

/* The applications waiting per status and procedure (and 差し戻し, the applicant's turn). */
static void waiting_ctx(req *r, const dash_job *j, json_t *ctx)
{
	const char *cols[DASH_WAITING_MAX + 1];
	size_t nc = dash_statuses(dash_status_waiting, cols, DASH_WAITING_MAX);
	json_t *heads = json_array(), *rows = json_array();
	cols[nc++] = "returned";
	for (size_t c = 0; c < nc; c++)
		json_array_append_new(heads, json_string(app_status_label(cols[c])));
	for (size_t i = 0; i < j->n; i++) {
		json_t *cells = json_array();
		long long waiting = 0;
		for (size_t c = 0; c < nc; c++) {
			long long v = 0;
			for (size_t k = 0; k < j->p[i].ncounts; k++)
				if (strcmp(j->p[i].counts[k].status, cols[c]) == 0)
					v = j->p[i].counts[k].count;
			waiting += c + 1 < nc ? v : 0;
			json_array_append_new(cells, json_integer(v));
		}
		json_array_append_new(rows,
		                      json_pack("{s:s, s:o, s:I}", "title", title_of(r, j->p[i].id),
		                                "cells", cells, "waiting", (json_int_t)waiting));
	}
	json_object_set_new(ctx, "waiting_heads", heads);
	json_object_set_new(ctx, "waiting_rows", rows);
	if (j->has_oldest)
		json_object_set_new(ctx, "oldest",
		                    app_json(j, &j->oldest, title_of(r, j->oldest.proc_id)));
}

/* The median over every procedure shown. */
static json_t *median_all(const dash_job *j)
{
	long long sum[DASH_DAYS_CAP + 1] = {0};
	for (size_t i = 0; i < j->n; i++)
		for (int d = 0; d <= DASH_DAYS_CAP; d++)
			sum[d] += j->p[i].hist[d];
	return median_json(sum);
}

/* The form: the period and the procedure, as chosen. */
static void form_ctx(req *r, const dash_job *j, json_t *ctx)
{
	json_t *procs = json_array();
	for (size_t i = 0; i < j->nroles; i++)
		json_array_append_new(procs, json_pack("{s:s, s:s, s:b}", "id", j->roles[i].proc_id,
		                                       "title", title_of(r, j->roles[i].proc_id),
		                                       "selected",
		                                       !strcmp(j->filter, j->roles[i].proc_id)));
	json_object_set_new(ctx, "proc_options", procs);
	json_object_set_new(ctx, "has_roles", json_boolean(j->nroles > 0));
	json_object_set_new(ctx, "days30", json_boolean(j->days == 30));
	json_object_set_new(ctx, "days90", json_boolean(j->days == 90));
}

static void dash_done(req *r, void *arg)
{
	dash_job *j = arg;
	if (r->ev && !j->ok)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (r->ev) {
		json_t *ctx = staff_ctx(r, MSG_DASH_TITLE, &j->me, j->sess.csrf);
		char from[128], to[128];
		day_text(j->first_day, from, sizeof(from));
		day_text(j->today, to, sizeof(to));
		json_object_set_new(ctx, "from", json_string(from));
		json_object_set_new(ctx, "to", json_string(to));
		json_object_set_new(ctx, "days", json_integer(j->days));
		json_object_set_new(ctx, "median_all", median_all(j));
		form_ctx(r, j, ctx);
		arrivals_table(r, j, ctx);
		waiting_ctx(r, j, ctx);
		if (procs_ctx(r, j, ctx) != 0) {
			json_decref(ctx);
			resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		} else
			resp_page(r, 200, "staff_dashboard", ctx);
	}
	free(j);
}

/* The query's period: 30 (no value) or 90 days; 0 for anything else. */
static int days_read(const char *v)
{
	return !v || !v[0] || !strcmp(v, "30") ? 30 : !strcmp(v, "90") ? 90 : 0;
}

/* The job of the procedures shown (all of the roles, or the one filter names): NULL when
 * it could not be made. */
static dash_job *job_new(const store_staff_role *roles, size_t nroles, const char *filter, int days)
{
	size_t n = 0;
	for (size_t i = 0; i < nroles; i++)
		n += !filter[0] || !strcmp(filter, roles[i].proc_id);
	dash_job *j = calloc(1, sizeof(*j) + n * sizeof(dash_proc));
	if (!j)
		return NULL;
	memcpy(j->roles, roles, nroles * sizeof(*roles));
	j->nroles = nroles;
	snprintf(j->filter, sizeof(j->filter), "%s", filter);
	j->days = days;
	j->now = (long long)time(NULL);
	j->today = dash_day_of(j->now);
	j->first_day = j->today - days + 1;
	for (size_t i = 0; i < nroles; i++)
		if (!filter[0] || !strcmp(filter, roles[i].proc_id))
			memcpy(j->p[j->n++].id, roles[i].proc_id, sizeof(j->p[0].id));
	return j;
}

void page_staff_dashboard(req *r)
{
	req_session ss;
	store_staff st;
	store_staff_role roles[STORE_INBOX_PROCS_MAX];
	size_t nroles = 0;
	if (!staff_page_gate(r, &ss, &st))
		return;
	if (store_staff_roles(r->w->store, st.id, roles, STORE_INBOX_PROCS_MAX, &nroles) !=
	    STORE_OK) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	const char *proc = form_get(&r->query, "proc");
	int days = days_read(form_get(&r->query, "days"));
	if (!days || (proc && strlen(proc) > STORE_PROC_ID_MAX)) {
		resp_error(r, 400, MSG_DASH_BAD_TITLE, MSG_DASH_BAD);
		return;
	}
	if (proc && proc[0] && staff_role_pick(roles, nroles, proc) == STAFF_NO_ROLE) {
		resp_error(r, 403, MSG_DASH_FORBIDDEN_TITLE, MSG_DASH_FORBIDDEN);
		return;
	}
	dash_job *j = job_new(roles, nroles, proc ? proc : "", days);
	if (!j) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	j->sess = ss;
	j->me = st;
	for (size_t i = 0; i < j->n; i++) {
		const procedure *p = proc_catalog_find(r->a->procs, j->p[i].id);
		j->p[i].standard_days = p ? p->standard_days : 0;
	}
	req_defer(r, dash_work, dash_done, j);
}
