/* staff_alerts: a staff member's mail alerts (/staff/settings/alerts): for each procedure
 * the member has a role on, a mail per arrival (到着ごと), one digest an hour (1時間ごとに
 * まとめて) or none (受け取らない, the default). The mails are core/staff_alerts.c's and
 * carry the receipt number and the procedure's title only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"

#define ALERTS_MAX STORE_INBOX_PROCS_MAX

static const char *const modes[][2] = {
    {"each", "到着ごとに受け取る"},
    {"hourly", "1時間ごとにまとめて受け取る"},
    {"none", "受け取らない"},
};

/* The member's roles and alerts; -1 after answering 503. */
static int alerts_read(req *r, const store_staff *st, store_staff_role *roles, size_t *nroles,
                       store_staff_alert *alerts, size_t *nalerts)
{
	if (store_staff_roles(r->w->store, st->id, roles, ALERTS_MAX, nroles) == STORE_OK &&
	    store_staff_alerts(r->w->store, st->id, alerts, ALERTS_MAX, nalerts) == STORE_OK)
		return 0;
	log_error("staff alerts: %s", store_errmsg(r->w->store));
	resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return -1;
}

static json_t *proc_json(req *r, const char *proc_id, const char *mode)
{
	const procedure *p = proc_catalog_find(r->a->procs, proc_id);
	json_t *opts = json_array();
	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
		json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "proc", proc_id,
		                                      "value", modes[k][0], "label", modes[k][1],
		                                      "checked", strcmp(mode, modes[k][0]) == 0));
	return json_pack("{s:s, s:s, s:o}", "id", proc_id, "title", p ? p->title : proc_id, "modes",
	                 opts);
}

void page_staff_alerts(req *r)
{
	req_session ss;
	store_staff st;
	store_staff_role roles[ALERTS_MAX];
	store_staff_alert alerts[ALERTS_MAX];
	size_t nr = 0, na = 0;
	if (!staff_page_gate(r, &ss, &st))
		return;
	if (alerts_read(r, &st, roles, &nr, alerts, &na) < 0)
		return;
	json_t *ctx = staff_ctx(r, "通知の設定", &st, ss.csrf), *procs = json_array();
	for (size_t i = 0; i < nr; i++) {
		const char *mode = "none";
		for (size_t a = 0; a < na; a++)
			if (strcmp(alerts[a].proc_id, roles[i].proc_id) == 0)
				mode = alerts[a].mode;
		json_array_append_new(procs, proc_json(r, roles[i].proc_id, mode));
	}
	const char *saved = form_get(&r->query, "saved");
	json_object_set_new(ctx, "procs", procs);
	json_object_set_new(ctx, "has_procs", json_boolean(nr > 0));
	json_object_set_new(ctx, "saved", json_boolean(saved && strcmp(saved, "1") == 0));
	json_object_set_new(ctx, "lead", json_string(MSG_STAFF_ALERTS_LEAD));
	resp_page(r, 200, "staff_alerts", ctx);
}

typedef struct alerts_job {
	long long staff_id;
	char proc[ALERTS_MAX][STORE_PROC_ID_MAX + 1];
	char mode[ALERTS_MAX][8];
	size_t n;
	int ok;
} alerts_job;

static void alerts_work(store *s, const app *a, void *arg)
{
	alerts_job *j = arg;
	long long now = (long long)time(NULL);
	int rc = store_begin(s);
	for (size_t i = 0; rc == STORE_OK && i < j->n; i++)
		rc = store_staff_alert_set(s, j->staff_id, j->proc[i], j->mode[i], now);
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc != STORE_OK)
		log_error("staff alerts: not saved: %s", store_errmsg(s));
	j->ok = rc == STORE_OK;
}

static void alerts_done(req *r, void *arg)
{
	alerts_job *j = arg;
	if (r->ev && j->ok)
		resp_redirect(r, "/staff/settings/alerts?saved=1");
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	free(j);
}

/* The modes the form gives for the member's roles into j: 1 when each is one of modes[]. */
static int alerts_form(req *r, const form *f, const store_staff *st, alerts_job *j)
{
	store_staff_role roles[ALERTS_MAX];
	size_t nr = 0;
	char name[STORE_PROC_ID_MAX + 8];
	if (store_staff_roles(r->w->store, st->id, roles, ALERTS_MAX, &nr) != STORE_OK)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "mode-%.*s", STORE_PROC_ID_MAX, roles[i].proc_id);
		const char *v = form_get(f, name);
		if (!v || (strcmp(v, "each") && strcmp(v, "hourly") && strcmp(v, "none")))
			return 0;
		memcpy(j->proc[j->n], roles[i].proc_id, sizeof(j->proc[0]));
		snprintf(j->mode[j->n++], sizeof(j->mode[0]), "%s", v);
	}
	return 1;
}

void page_staff_alerts_post(req *r)
{
	form f;
	req_session ss;
	store_staff st;
	alerts_job *j = NULL;
	if (req_body_form(r, &f) < 0)
		return;
	int k = staff_current(r, &ss, &st), ok = -1;
	if (k == 0 || (k > 0 && !staff_csrf_ok(&ss, &f)))
		acct_forbidden(r);
	else if (k < 0 || !(j = calloc(1, sizeof(*j))) || (ok = alerts_form(r, &f, &st, j)) < 0)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (ok == 0)
		resp_error(r, 400, MSG_STAFF_ADMIN_BAD_TITLE, MSG_STAFF_ALERTS_BAD);
	form_release(&f);
	if (ok == 1) {
		j->staff_id = st.id;
		req_defer(r, alerts_work, alerts_done, j);
	} else {
		free(j);
	}
}
