/* staff_audit: the audit log as administrators see it (/staff/admin/audit): newest first, by
 * staff member and by application (receipt), in pages by row id (store_audit_list); each
 * row's time in Japan time, who (name and id), the action in words, the application, the
 * detail and the client address. Viewing it leaves a view_audit row, written before the page
 * is shown. The whole chain is checked by `madoguchi audit verify`. */
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
#include "util/log.h"

#define AUDIT_PER 50
#define AUDIT_STAFF_MAX 200

typedef struct audit_job {
	staff_who who; /* first */
	char peer[64];
	long long staff; /* 0: anyone */
	char actor[AUDIT_ACTOR_MAX + 1];
	char receipt[APP_RECEIPT_MAX + 1]; /* "": any */
	long long before;
	audit_row rows[AUDIT_PER + 1];
	size_t n;
	store_staff staff_list[AUDIT_STAFF_MAX];
	size_t nstaff;
	int ok;
} audit_job;

static void audit_work(store *s, const app *a, void *arg)
{
	audit_job *j = arg;
	char detail[128];
	store_audit_filter f = {j->staff ? j->actor : NULL, j->receipt[0] ? j->receipt : NULL,
	                        j->before};
	snprintf(detail, sizeof(detail), "%s%s%s%s", j->staff ? "actor " : "", j->actor,
	         j->receipt[0] ? " receipt " : "", j->receipt);
	if (store_audit_list(s, &f, j->rows, AUDIT_PER + 1, &j->n) != STORE_OK ||
	    store_staff_list(s, j->staff_list, AUDIT_STAFF_MAX, &j->nstaff) != STORE_OK) {
		log_error("audit view: %s", store_errmsg(s));
		return;
	}
	/* no look at the log without its own trace */
	j->ok = staff_audit_app(s, j->who.me.id, NULL, AUDIT_VIEW_AUDIT, detail, j->peer,
	                        (long long)time(NULL)) == 0;
}

static const char *action_words(const char *action)
{
	for (size_t i = 0; MSG_AUDIT_ACTIONS[i][0]; i++)
		if (strcmp(MSG_AUDIT_ACTIONS[i][0], action) == 0)
			return MSG_AUDIT_ACTIONS[i][1];
	return action;
}

/* Who an actor is, in words: the staff member's name and id, or what the actor stands for. */
static void who(const audit_job *j, const char *actor, char *out, size_t outlen)
{
	long long id = strncmp(actor, "staff:", 6) == 0 ? staff_id_of(actor + 6) : 0;
	for (size_t i = 0; id && i < j->nstaff; i++)
		if (j->staff_list[i].id == id) {
			snprintf(out, outlen, "%s（番号 %lld）", j->staff_list[i].name, id);
			return;
		}
	snprintf(out, outlen, "%s",
	         strcmp(actor, "system") == 0      ? "システム"
	         : strcmp(actor, "anonymous") == 0 ? "不明（登録のないアドレス）"
	                                           : actor);
}

static json_t *rows_json(const audit_job *j, size_t shown)
{
	json_t *rows = json_array();
	char when[128], name[STORE_STAFF_NAME_MAX + 64];
	for (size_t i = 0; i < shown; i++) {
		const audit_row *row = &j->rows[i];
		jdate_format_time(row->at, when, sizeof(when));
		who(j, row->actor, name, sizeof(name));
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		                                      (json_int_t)row->id, "when", when, "who",
		                                      name, "action", action_words(row->action),
		                                      "receipt", row->receipt, "detail",
		                                      row->detail, "peer", row->peer));
	}
	return rows;
}

static json_t *staff_options(const audit_job *j)
{
	json_t *opts = json_array();
	for (size_t i = 0; i < j->nstaff; i++)
		json_array_append_new(opts, json_pack("{s:I, s:s, s:b}", "id",
		                                      (json_int_t)j->staff_list[i].id, "name",
		                                      j->staff_list[i].name, "selected",
		                                      j->staff_list[i].id == j->staff));
	return opts;
}

static void audit_render(req *r, audit_job *j)
{
	size_t shown = j->n > AUDIT_PER ? AUDIT_PER : j->n;
	json_t *ctx = staff_ctx(r, "監査ログ", &j->who.me, j->who.sess.csrf);
	json_object_set_new(ctx, "rows", rows_json(j, shown));
	json_object_set_new(ctx, "has_rows", json_boolean(shown > 0));
	json_object_set_new(ctx, "staff_options", staff_options(j));
	json_object_set_new(ctx, "receipt", json_string(j->receipt));
	if (j->n > shown) {
		char href[256];
		snprintf(href, sizeof(href), "/staff/admin/audit?staff=%lld&receipt=%s&before=%lld",
		         j->staff, j->receipt, j->rows[shown - 1].id);
		json_object_set_new(ctx, "next_href", json_string(href));
	}
	resp_page(r, 200, "staff_audit", ctx);
}

static void audit_done(req *r, void *arg)
{
	audit_job *j = arg;
	if (r->ev && j->ok)
		audit_render(r, j);
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	free(j);
}

/* The query's filters into j: 1 when well formed. */
static int audit_filter(req *r, audit_job *j)
{
	const char *st = form_get(&r->query, "staff"), *rc = form_get(&r->query, "receipt");
	const char *before = form_get(&r->query, "before");
	if ((st && *st && strcmp(st, "0") != 0 && !(j->staff = staff_id_of(st))) ||
	    (rc && *rc && !app_receipt_valid(rc)) ||
	    (before && *before && !(j->before = staff_id_of(before))))
		return 0;
	if (j->staff)
		audit_actor_staff(j->staff, j->actor, sizeof(j->actor));
	snprintf(j->receipt, sizeof(j->receipt), "%s", rc ? rc : "");
	return 1;
}

void page_staff_admin_audit(req *r)
{
	audit_job *j = staff_admin_job(r, sizeof(*j));
	if (!j)
		return;
	if (!audit_filter(r, j)) {
		resp_error(r, 400, MSG_STAFF_BAD_FILTER_TITLE, MSG_STAFF_AUDIT_BAD);
		free(j);
		return;
	}
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	req_defer(r, audit_work, audit_done, j);
}
