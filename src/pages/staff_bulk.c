/* staff_bulk: bulk decisions (一括決定). The list comes from the inbox (the applications
 * ticked there and one new status: GET /staff/bulk?to=STATUS&r=RECEIPT...) or from a CSV
 * upload of receipt number and status per line (the form at GET /staff/bulk, POST
 * /staff/bulk; read by core/bulk.c). Either list first gets its dry run: each application
 * with its status now, the status it would get, the applicant's address masked when a mail
 * would go, or why it would not change; one AUDIT_BULK_PREVIEW row with the SHA-256 of the
 * list shown is written before the page is shown. The page's form (POST /staff/bulk/apply)
 * carries each change with the status and newest event the dry run saw, and applying runs
 * decision_apply for each: its own transaction, event, mail and audit row; one changed by
 * another meanwhile is reported (a conflict), not overwritten. A reviewer's role is checked
 * per application; every step needs the staff session, its CSRF token for the POSTs and a
 * fresh TOTP code (staff_step_up). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/bulk.h"
#include "core/csv.h"
#include "core/decision.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/body.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/token.h"

#define BULK_BACK "/staff/bulk"
#define BULK_NEXT_MAX 1024 /* the inbox's selection as the re-entry's way back */
#define BULK_STEPS_MAX ((size_t)BULK_MAX * 96)

/* The statuses a bulk decision may set, as the options of a select. */
json_t *staff_bulk_targets_json(void)
{
	const char *to[8];
	size_t n = bulk_targets(to, 8);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:s}", "value", to[i], "label", app_status_label(to[i])));
	return a;
}

/* ---- the upload form ---- */

static void upload_page(req *r, const store_staff *st, const char *csrf, int status,
                        const char *error)
{
	json_t *ctx = staff_ctx(r, "一括決定", st, csrf);
	json_object_set_new(ctx, "lead", json_string(MSG_BULK_LEAD));
	json_object_set_new(ctx, "targets", staff_bulk_targets_json());
	if (error) {
		json_object_set_new(ctx, "error", json_string(error));
		json_object_set_new(ctx, "nothing_kept", json_string(MSG_BULK_NOTHING_KEPT));
	}
	resp_page(r, status, "staff_bulk", ctx);
}

/* ---- the dry run ---- */

typedef struct preview_job {
	req_session sess;
	store_staff me;
	char peer[64];
	int ok;
	size_t n;
	bulk_item items[BULK_MAX];
	bulk_plan plans[BULK_MAX];
} preview_job;

static const char *verdict_text(enum bulk_verdict v)
{
	switch (v) {
	case BULK_WOULD:
		return MSG_BULK_WOULD;
	case BULK_NOT_FOUND:
		return MSG_BULK_NOT_FOUND;
	case BULK_NO_ROLE:
		return MSG_BULK_NO_ROLE;
	case BULK_NOT_ALLOWED:
		return MSG_BULK_NOT_ALLOWED;
	case BULK_NEEDS_TEXT:
		break;
	}
	return MSG_BULK_NEEDS_TEXT;
}

/* The list as the page shows it, as CSV lines (what the audit row's SHA-256 is of). */
static int preview_csv(const preview_job *j, buf *out)
{
	for (size_t i = 0; i < j->n; i++) {
		const char *cells[] = {j->items[i].receipt, j->plans[i].status, j->items[i].to,
		                       j->plans[i].mail, verdict_text(j->plans[i].verdict)};
		for (size_t c = 0; c < 5; c++)
			if (csv_cell(out, cells[c], strlen(cells[c]), c == 0) < 0)
				return -1;
		if (csv_row_end(out) < 0)
			return -1;
	}
	return 0;
}

static void preview_work(store *s, const app *a, void *arg)
{
	preview_job *j = arg;
	size_t would = 0;
	buf shown;
	char sha[65], detail[AUDIT_DETAIL_MAX + 1];
	(void)a;
	for (size_t i = 0; i < j->n; i++) {
		if (bulk_preview(s, j->me.id, &j->items[i], &j->plans[i]) < 0) {
			log_error("staff bulk: %s", store_errmsg(s));
			return;
		}
		would += j->plans[i].verdict == BULK_WOULD;
	}
	buf_init(&shown, BULK_STEPS_MAX * 4);
	if (preview_csv(j, &shown) == 0) { /* nothing is shown without its audit row */
		token_sha256_hex(shown.data ? shown.data : "", shown.len, sha);
		snprintf(detail, sizeof(detail), "items=%zu would=%zu sha256=%s", j->n, would, sha);
		j->ok = staff_audit_app(s, j->me.id, NULL, AUDIT_BULK_PREVIEW, detail, j->peer,
		                        (long long)time(NULL)) == 0;
	}
	buf_release(&shown);
}

/* The dry run's rows into ctx, and the apply form's steps (the changes it would make). */
static size_t preview_rows(req *r, json_t *ctx, const preview_job *j, buf *steps)
{
	json_t *rows = json_array();
	size_t would = 0;
	for (size_t i = 0; i < j->n; i++) {
		const bulk_plan *p = &j->plans[i];
		int w = p->verdict == BULK_WOULD;
		json_array_append_new(
		    rows,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "receipt", j->items[i].receipt,
		              "title", p->proc[0] ? staff_proc_title(r, p->proc) : "", "status",
		              p->status[0] ? app_status_label(p->status) : "", "to",
		              app_status_label(j->items[i].to), "mail",
		              !w           ? ""
		              : p->mail[0] ? p->mail
		                           : MSG_BULK_NO_MAIL,
		              "verdict", verdict_text(p->verdict), "would", w));
		if (!w)
			continue;
		bulk_step st = {j->items[i], "", p->event};
		snprintf(st.seen, sizeof(st.seen), "%s", p->status);
		if (bulk_steps_write(&st, 1, steps) == 0)
			would++;
	}
	json_object_set_new(ctx, "rows", rows);
	return would;
}

static void preview_done(req *r, void *arg)
{
	preview_job *j = arg;
	buf steps;
	buf_init(&steps, BULK_STEPS_MAX);
	if (r->ev && !j->ok)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (r->ev) {
		json_t *ctx = staff_ctx(r, "一括決定の確認", &j->me, j->sess.csrf);
		size_t would = preview_rows(r, ctx, j, &steps);
		json_object_set_new(ctx, "count", json_integer((json_int_t)j->n));
		json_object_set_new(ctx, "would", json_integer((json_int_t)would));
		json_object_set_new(ctx, "skipped", json_integer((json_int_t)(j->n - would)));
		json_object_set_new(ctx, "steps",
		                    json_stringn(steps.data ? steps.data : "", steps.len));
		resp_page(r, 200, "staff_bulk_preview", ctx);
	}
	buf_release(&steps);
	free(j);
}

/* A job for the dry run of the request's staff member: NULL after answering. */
static preview_job *preview_job_new(req *r, const req_session *ss, const store_staff *st)
{
	preview_job *j = calloc(1, sizeof(*j));
	if (!j) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return NULL;
	}
	j->sess = *ss;
	j->me = *st;
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	return j;
}

/* The inbox's selection of the query into j: the number of applications, 0 for a selection
 * without any or without a status a bulk decision may set; next the way back to it. */
static size_t selection_read(const form *q, preview_job *j, char *next, size_t nextlen)
{
	char picked[BULK_MAX][STORE_RECEIPT_MAX + 1];
	const char *to = form_get(q, "to"), *targets[8];
	char qs[BULK_NEXT_MAX];
	size_t nt = bulk_targets(targets, 8), k;
	for (k = 0; k < nt && (!to || strcmp(to, targets[k])); k++)
		;
	j->n = k < nt ? staff_selection_read(q, picked, BULK_MAX, qs, sizeof(qs)) : 0;
	for (k = 0; k < j->n; k++) {
		memcpy(j->items[k].receipt, picked[k], sizeof(j->items[0].receipt));
		snprintf(j->items[k].to, sizeof(j->items[0].to), "%s", to);
	}
	/* too long to come back to: the re-entry returns to the form */
	if (!qs[0] || snprintf(next, nextlen, "%s?to=%s&%s", BULK_BACK, to, qs) >= (int)nextlen)
		snprintf(next, nextlen, "%s", BULK_BACK);
	return j->n;
}

void page_staff_bulk(req *r)
{
	req_session ss;
	store_staff st;
	char next[BULK_NEXT_MAX];
	if (!staff_page_gate(r, &ss, &st))
		return;
	if (!form_get(&r->query, "to") && !form_get(&r->query, "r")) {
		upload_page(r, &st, ss.csrf, 200, NULL);
		return;
	}
	preview_job *j = preview_job_new(r, &ss, &st);
	if (j && selection_read(&r->query, j, next, sizeof(next)) == 0) {
		free(j);
		resp_error(r, 400, MSG_BULK_BAD_TITLE, MSG_BULK_NONE);
	} else if (j && !staff_step_up(r, &ss, next))
		free(j);
	else if (j)
		req_defer(r, preview_work, preview_done, j);
}

/* The reader's error in words: "3行目の…" or a message of the whole file. */
static void csv_error(enum bulk_csv_err e, size_t line, char *out, size_t outlen)
{
	static const char *const msg[] = {
	    [BULK_CSV_ENCODING] = MSG_BULK_CSV_ENCODING, [BULK_CSV_SYNTAX] = MSG_BULK_CSV_SYNTAX,
	    [BULK_CSV_CELLS] = MSG_BULK_CSV_CELLS,       [BULK_CSV_RECEIPT] = MSG_BULK_CSV_RECEIPT,
	    [BULK_CSV_STATUS] = MSG_BULK_CSV_STATUS,     [BULK_CSV_TWICE] = MSG_BULK_CSV_TWICE,
	    [BULK_CSV_TOO_MANY] = MSG_BULK_CSV_TOO_MANY, [BULK_CSV_EMPTY] = MSG_BULK_CSV_EMPTY,
	    [BULK_CSV_ENOMEM] = MSG_TRY_LATER,
	};
	const char *m = (size_t)e < sizeof(msg) / sizeof(msg[0]) && msg[e] ? msg[e] : MSG_TRY_LATER;
	if (line > 0 && e != BULK_CSV_TOO_MANY)
		snprintf(out, outlen, "%zu%s", line, m);
	else
		snprintf(out, outlen, "%s", m);
}

/* The upload's file into j: 1, or 0 with why in err. */
static int upload_read(const multipart *mp, preview_job *j, char *err, size_t errlen)
{
	size_t line = 0;
	int cp932 = 0;
	for (size_t i = 0; i < mp->n_files; i++) {
		if (strcmp(mp->files[i].name, "csv") != 0)
			continue;
		enum bulk_csv_err e = bulk_csv_items(mp->files[i].data, mp->files[i].len, j->items,
		                                     BULK_MAX, &j->n, &line, &cp932);
		if (e == BULK_CSV_OK)
			return 1;
		csv_error(e, line, err, errlen);
		return 0;
	}
	snprintf(err, errlen, "%s", MSG_BULK_NO_FILE);
	return 0;
}

void page_staff_bulk_post(req *r)
{
	req_session ss;
	store_staff st;
	multipart mp;
	char err[512];
	if (page_read_body(r, &mp, 1) < 0)
		return;
	preview_job *j = NULL;
	if (staff_post_check(r, &mp.fields, &ss, &st) && staff_step_up(r, &ss, BULK_BACK) &&
	    (j = preview_job_new(r, &ss, &st))) {
		if (upload_read(&mp, j, err, sizeof(err)))
			req_defer(r, preview_work, preview_done, j);
		else {
			free(j);
			upload_page(r, &st, ss.csrf, 400, err);
		}
	}
	multipart_release(&mp);
}

/* ---- applying ---- */

typedef struct apply_job {
	staff_who who; /* first */
	char peer[64];
	size_t n;
	bulk_step steps[BULK_MAX];
	enum decision_outcome out[BULK_MAX];
	int mailed[BULK_MAX];
} apply_job;

static void apply_work(store *s, const app *a, void *arg)
{
	apply_job *j = arg;
	submit_site site = {a->cfg.city_name, a->cfg.site_name, a->cfg.base_url};
	for (size_t i = 0; i < j->n; i++) { /* each its own transaction, event, mail, audit row */
		const bulk_step *st = &j->steps[i];
		decision_request rq = {st->it.receipt,
		                       j->who.me.id,
		                       st->seen,
		                       st->seen_event,
		                       st->it.to,
		                       "",
		                       j->peer,
		                       &site,
		                       (long long)time(NULL),
		                       0};
		j->out[i] = decision_apply(s, &rq, &j->mailed[i]);
	}
}

static const char *outcome_text(enum decision_outcome o, int mailed)
{
	switch (o) {
	case DECISION_DONE:
		return mailed ? MSG_BULK_DONE_MAILED : MSG_BULK_DONE;
	case DECISION_CONFLICT:
		return MSG_BULK_CONFLICT;
	case DECISION_NOTFOUND:
		return MSG_BULK_NOT_FOUND;
	case DECISION_FORBIDDEN:
		return MSG_BULK_NO_ROLE;
	case DECISION_REFUSED:
		return MSG_BULK_NOT_ALLOWED;
	case DECISION_NEEDS_TEXT:
		return MSG_BULK_NEEDS_TEXT;
	case DECISION_FAIL:
		break;
	}
	return MSG_BULK_FAIL;
}

static void apply_done(req *r, void *arg)
{
	apply_job *j = arg;
	size_t done = 0, conflicts = 0;
	json_t *rows = json_array();
	for (size_t i = 0; i < j->n; i++) {
		done += j->out[i] == DECISION_DONE;
		conflicts += j->out[i] == DECISION_CONFLICT;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:b}", "receipt",
		                                      j->steps[i].it.receipt, "to",
		                                      app_status_label(j->steps[i].it.to), "result",
		                                      outcome_text(j->out[i], j->mailed[i]), "done",
		                                      j->out[i] == DECISION_DONE));
	}
	json_t *ctx = staff_ctx(r, "一括決定の結果", &j->who.me, j->who.sess.csrf);
	json_object_set_new(ctx, "rows", rows);
	json_object_set_new(ctx, "count", json_integer((json_int_t)j->n));
	json_object_set_new(ctx, "done", json_integer((json_int_t)done));
	json_object_set_new(ctx, "conflicts", json_integer((json_int_t)conflicts));
	json_object_set_new(ctx, "others", json_integer((json_int_t)(j->n - done - conflicts)));
	if (r->ev)
		resp_page(r, 200, "staff_bulk_done", ctx);
	else
		json_decref(ctx);
	free(j);
}

void page_staff_bulk_apply(req *r)
{
	form f;
	apply_job *j = staff_post_job(r, &f, sizeof(*j));
	if (!j)
		return;
	const form_pair *steps = form_find_nth(&f, "steps", 0);
	int ok = steps &&
	         bulk_steps_read(steps->value, steps->value_len, j->steps, BULK_MAX, &j->n) == 0;
	if (!ok)
		resp_error(r, 400, MSG_BULK_BAD_TITLE, MSG_BULK_BAD_STEPS);
	else
		ok = staff_step_up(r, &j->who.sess, BULK_BACK);
	form_release(&f);
	if (!ok) {
		free(j);
		return;
	}
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	req_defer(r, apply_work, apply_done, j);
}
