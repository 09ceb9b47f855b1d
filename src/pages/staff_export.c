/* staff_export: the CSV export of one procedure's applications (/staff/export): the form
 * (a procedure among the member's roles, viewer or reviewer; the arrival days in Japan time,
 * both included, or what arrived since the member's last such export (its mark in
 * staff_exports, moved with the audit row); UTF-8 with BOM or Shift_JIS (CP932)) and its
 * POST, which needs the staff session's CSRF token, a role on the procedure (403) and a
 * fresh TOTP code (staff_step_up).
 * UTF-8 is sent at once; CP932 too when every character fits, else a page lists each
 * character that does not (受付番号, 列, 文字, U+XXXX) and offers the CP932 file with 〓 in
 * their place, the UTF-8 file instead, or the list as its own CSV. Each download writes one
 * AUDIT_EXPORT row naming the procedure, the range, the encoding, the rows and the SHA-256
 * of the bytes sent: without it nothing is sent (503). The rows are core/export.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/export.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/enc.h"
#include "util/jdate.h"
#include "util/log.h"
#include "util/num.h"
#include "util/token.h"

#define EXPORT_ROWS_MAX 10000
#define EXPORT_BYTES_MAX ((size_t)48 << 20)
#define EXPORT_BACK "/staff/export"

void page_staff_export(req *r)
{
	req_session ss;
	store_staff st;
	store_staff_role roles[STORE_INBOX_PROCS_MAX];
	size_t nr = 0;
	char today[11];
	int k = staff_current(r, &ss, &st);
	if (k == 0) {
		staff_login_page(r);
		return;
	}
	if (k < 0 ||
	    store_staff_roles(r->w->store, st.id, roles, STORE_INBOX_PROCS_MAX, &nr) != STORE_OK) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return;
	}
	json_t *ctx = staff_ctx(r, "CSVの書き出し", &st, ss.csrf), *procs = json_array();
	for (size_t i = 0; i < nr; i++) {
		const procedure *p = proc_catalog_find(r->a->procs, roles[i].proc_id);
		json_array_append_new(procs, json_pack("{s:s, s:s}", "id", roles[i].proc_id,
		                                       "title", p ? p->title : roles[i].proc_id));
	}
	jdate_today(today, time(NULL));
	json_object_set_new(ctx, "procs", procs);
	json_object_set_new(ctx, "has_procs", json_boolean(nr > 0));
	json_object_set_new(ctx, "from", json_string(today));
	json_object_set_new(ctx, "to", json_string(today));
	json_object_set_new(ctx, "lead", json_string(MSG_EXPORT_LEAD));
	resp_page(r, 200, "staff_export", ctx);
}

enum export_choice { CHOICE_FIRST, CHOICE_GETA, CHOICE_UTF8, CHOICE_LOSSES };
enum export_out { EX_FAIL, EX_OK, EX_FORBIDDEN, EX_TOO_MANY, EX_LOSSES };

typedef struct export_job {
	staff_who who; /* first */
	char peer[64];
	char proc[STORE_PROC_ID_MAX + 1];
	char from[11], to[11]; /* the days (Japan), or "" for "since my last export" */
	int since;
	long long from_at, to_at; /* the arrivals [from_at, to_at) */
	enum export_enc enc;
	enum export_choice choice;
	enum export_out out;
	const procedure *p;
	buf body;
	json_t *losses;
	const char *charset, *suffix;
} export_job;

/* The rows of the range (header first) into rows; -1 on a store error, -2 for too many. */
static int rows_load(store *s, const export_job *j, json_t *rows)
{
	store_application page[STORE_EXPORT_PAGE_MAX];
	char after[STORE_RECEIPT_MAX + 1] = "";
	long long after_at = 0;
	size_t n = 0;
	json_array_append_new(rows, export_header(j->p));
	if (j->from_at >= j->to_at) /* nothing arrived since the last export */
		return 0;
	do {
		if (store_export_page(s, j->proc, j->from_at, j->to_at, after_at,
		                      after[0] ? after : NULL, page, STORE_EXPORT_PAGE_MAX,
		                      &n) != STORE_OK)
			return -1;
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(rows, export_row(j->p, &page[i]));
			after_at = page[i].submitted_at;
			memcpy(after, page[i].receipt, sizeof(after));
			store_application_release(&page[i]);
		}
		if (json_array_size(rows) > EXPORT_ROWS_MAX + 1)
			return -2;
	} while (n == STORE_EXPORT_PAGE_MAX);
	return 0;
}

/* The bytes to send by the encoding and the choice into j->body (or the losses to show). */
static int encode(export_job *j, const json_t *rows)
{
	enum export_enc enc = j->choice == CHOICE_UTF8 ? EXPORT_UTF8 : j->enc;
	long lost = export_write(rows, enc, &j->body, j->losses);
	j->charset = enc == EXPORT_UTF8 ? "utf-8" : "Shift_JIS";
	j->suffix = enc == EXPORT_UTF8 ? "utf8" : lost > 0 ? "cp932-geta" : "cp932";
	if (lost < 0)
		return -1;
	if (lost > 0 && j->choice == CHOICE_FIRST) {
		/* the page shows characters of what residents typed: its audit row carries the
		 * SHA-256 of the list it shows */
		j->out = EX_LOSSES;
		buf_reset(&j->body);
		j->suffix = "loss-page";
		return export_losses_csv(j->losses, &j->body) < 0 ? -1 : 0;
	} else if (lost > 0 && j->choice == CHOICE_LOSSES) {
		buf_reset(&j->body);
		j->charset = "utf-8";
		j->suffix = "losses";
		if (export_losses_csv(j->losses, &j->body) < 0)
			return -1;
	}
	return 0;
}

/* The audit row of the download (and the new mark of "since my last export") in one
 * transaction: 0, or -1 when either could not be written (nothing is sent then). */
static int export_record(store *s, const export_job *j, size_t nrows)
{
	char sha[65], detail[AUDIT_DETAIL_MAX + 1], range[64];
	token_sha256_hex(j->body.data ? j->body.data : "", j->body.len, sha);
	if (j->since)
		snprintf(range, sizeof(range), "since=%lld until=%lld", j->from_at, j->to_at);
	else
		snprintf(range, sizeof(range), "from=%s to=%s", j->from, j->to);
	snprintf(detail, sizeof(detail), "proc=%s %s enc=%s rows=%zu sha256=%s", j->proc, range,
	         j->suffix, nrows, sha);
	if (store_begin(s) != STORE_OK)
		return -1;
	if (staff_audit_app(s, j->who.me.id, NULL, AUDIT_EXPORT, detail, j->peer,
	                    (long long)time(NULL)) == 0 &&
	    (!j->since || j->choice == CHOICE_LOSSES || j->out == EX_LOSSES ||
	     store_export_mark_set(s, j->who.me.id, j->proc, j->to_at) == STORE_OK) &&
	    store_commit(s) == STORE_OK)
		return 0;
	store_rollback(s);
	return -1;
}

static void export_work(store *s, const app *a, void *arg)
{
	export_job *j = arg;
	enum staff_role role = STAFF_NO_ROLE;
	long long mark = 0;
	json_t *rows = json_array();
	(void)a;
	j->out = EX_FAIL;
	int k = staff_role_of(s, j->who.me.id, j->proc, &role) < 0 ? -1 : 0;
	if (k == 0 && j->since &&
	    store_export_mark_get(s, j->who.me.id, j->proc, &mark) != STORE_OK)
		k = -1;
	if (j->since)
		j->from_at = mark > 0 ? mark : 1; /* the first: every arrival until now */
	if (k == 0 && role == STAFF_NO_ROLE)
		j->out = EX_FORBIDDEN;
	else if (k == 0 && (k = rows_load(s, j, rows)) == -2)
		j->out = EX_TOO_MANY;
	else if (k == 0 && encode(j, rows) < 0) /* too big (EXPORT_BYTES_MAX) or not UTF-8 */
		j->out = j->body.failed ? EX_TOO_MANY : EX_FAIL;
	else if (k == 0) { /* nothing is shown or sent without its audit row */
		int shown = j->out == EX_LOSSES;
		j->out = export_record(s, j, json_array_size(rows) - 1) < 0 ? EX_FAIL
		         : shown                                            ? EX_LOSSES
		                                                            : EX_OK;
	}
	if (k == -1)
		log_error("staff export: %s", store_errmsg(s));
	json_decref(rows);
}

static void send_file(req *r, const export_job *j)
{
	char today[11], type[64], disp[2 * STORE_PROC_ID_MAX + 160];
	jdate_today(today, time(NULL));
	snprintf(type, sizeof(type), "text/csv; charset=%s", j->charset);
	snprintf(disp, sizeof(disp),
	         "attachment; filename=\"export-%s-%.4s%.2s%.2s-%s.csv\"; "
	         "filename*=UTF-8''export-%s-%.4s%.2s%.2s-%s.csv",
	         j->proc, today, today + 5, today + 8, j->suffix, j->proc, today, today + 5,
	         today + 8, j->suffix);
	resp_header(r, "Content-Disposition", disp);
	resp_header(r, "Cache-Control", "no-store");
	resp_bytes(r, 200, type, j->body.data ? j->body.data : "", j->body.len);
}

static void losses_page(req *r, export_job *j)
{
	json_t *ctx = staff_ctx(r, "Shift_JISで表せない文字", &j->who.me, j->who.sess.csrf);
	json_object_set_new(ctx, "count", json_integer((json_int_t)json_array_size(j->losses)));
	json_object_set(ctx, "losses", j->losses);
	json_object_set_new(ctx, "proc", json_string(j->proc));
	json_object_set_new(ctx, "from", json_string(j->from));
	json_object_set_new(ctx, "to", json_string(j->to));
	json_object_set_new(ctx, "range", json_string(j->since ? "since" : "days"));
	json_object_set_new(ctx, "until", json_integer((json_int_t)j->to_at));
	json_object_set_new(ctx, "lead", json_string(MSG_EXPORT_LOSS_LEAD));
	resp_page(r, 200, "staff_export_losses", ctx);
}

static void export_done(req *r, void *arg)
{
	export_job *j = arg;
	if (r->ev && j->out == EX_OK)
		send_file(r, j);
	else if (r->ev && j->out == EX_LOSSES)
		losses_page(r, j);
	else if (r->ev && j->out == EX_FORBIDDEN)
		resp_error(r, 403, MSG_EXPORT_NO_ROLE, NULL);
	else if (r->ev && j->out == EX_TOO_MANY)
		resp_error(r, 400, MSG_EXPORT_BAD_TITLE, MSG_EXPORT_TOO_MANY);
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	buf_release(&j->body);
	json_decref(j->losses);
	free(j);
}

/* The arrivals the form names into j: the days (from, to) or "since my last export", up to
 * until when the page of losses gave it (the list it showed stays the list sent). */
static int range_form(const form *f, export_job *j)
{
	const char *range = form_get(f, "range"), *from = form_get(f, "from"),
	           *to = form_get(f, "to"), *until = form_get(f, "until");
	long u = 0, now = (long)time(NULL);
	if (until && num_parse_long(until, 1, now + 1, &u) != 0)
		return 0;
	j->since = range && !strcmp(range, "since");
	/* since: up to this second, which the next export starts with; days: this second too */
	j->to_at = u ? u : j->since ? now : now + 1;
	if (j->since)
		return 1;
	if ((range && strcmp(range, "days")) || !from || !jdate_valid(from) || !to ||
	    !jdate_valid(to) || strcmp(from, to) > 0)
		return 0;
	snprintf(j->from, sizeof(j->from), "%s", from);
	snprintf(j->to, sizeof(j->to), "%s", to);
	j->from_at = jdate_day_start(from);
	if (jdate_day_start(to) + 86400 < j->to_at)
		j->to_at = jdate_day_start(to) + 86400;
	return 1;
}

/* The form's choices into j: 1 when well formed. */
static int export_form(req *r, const form *f, export_job *j)
{
	const char *proc = form_get(f, "proc"), *enc = form_get(f, "enc"),
	           *choice = form_get(f, "choice");
	if (!proc || strlen(proc) > STORE_PROC_ID_MAX ||
	    !(j->p = proc_catalog_find(r->a->procs, proc)) || !range_form(f, j) || !enc ||
	    (strcmp(enc, "utf8") && strcmp(enc, "cp932")))
		return 0;
	j->enc = strcmp(enc, "cp932") == 0 ? EXPORT_CP932 : EXPORT_UTF8;
	j->choice = !choice                     ? CHOICE_FIRST
	            : !strcmp(choice, "geta")   ? CHOICE_GETA
	            : !strcmp(choice, "utf8")   ? CHOICE_UTF8
	            : !strcmp(choice, "losses") ? CHOICE_LOSSES
	                                        : (enum export_choice) - 1;
	snprintf(j->proc, sizeof(j->proc), "%s", proc);
	return (int)j->choice >= 0;
}

void page_staff_export_post(req *r)
{
	form f;
	export_job *j = staff_post_job(r, &f, sizeof(*j));
	if (!j)
		return;
	int ok = export_form(r, &f, j);
	if (!ok)
		resp_error(r, 400, MSG_EXPORT_BAD_TITLE, MSG_EXPORT_BAD);
	else
		ok = staff_step_up(r, &j->who.sess, EXPORT_BACK);
	form_release(&f);
	if (!ok) {
		free(j);
		return;
	}
	buf_init(&j->body, EXPORT_BYTES_MAX);
	j->losses = json_array();
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	req_defer(r, export_work, export_done, j);
}
