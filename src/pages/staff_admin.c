/* staff_admin: the administrator's console of staff and roles (/staff/admin/staff): the list
 * of staff (name, address, enrolled or not, administrator, roles per procedure), adding a
 * staff member (the enrolment link shown and mailed), the role (閲覧/審査/none) of a member
 * on each procedure the portal loaded, and a new enrolment link for a member not yet
 * enrolled. Only administrators see or change anything here (403 otherwise, nothing
 * changed); each change needs a fresh TOTP code (staff_step_up) and commits with its one
 * AUDIT_STAFF_CHANGE row (core/staff_admin.c). An administrator sees no applications without
 * a role of their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/staff_admin.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/account_int.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/log.h"
#include "util/num.h"

#define ADMIN_STAFF_MAX 200
#define ADMIN_BACK "/staff/admin/staff"

long long staff_id_of(const char *s)
{
	long v = 0;
	if (!s || !s[0] || strspn(s, "0123456789") != strlen(s) ||
	    num_parse_long(s, 1, 1L << 52, &v) != 0)
		return 0;
	return v;
}

int staff_admin_gate(req *r, req_session *ss, store_staff *st)
{
	int k = staff_current(r, ss, st);
	if (k == 0 && r->method != M_POST)
		staff_login_page(r);
	else if (k == 0 || (k > 0 && !st->is_admin))
		resp_error(r, 403, MSG_STAFF_ADMIN_ONLY_TITLE, MSG_STAFF_ADMIN_ONLY);
	else if (k < 0)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	return k > 0 && st->is_admin;
}

void *staff_admin_job(req *r, size_t size)
{
	staff_who *j = calloc(1, size);
	if (!j) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return NULL;
	}
	if (staff_admin_gate(r, &j->sess, &j->me))
		return j;
	free(j);
	return NULL;
}

/* ---- the list ---- */

typedef struct list_job {
	staff_who who; /* first */
	store_staff list[ADMIN_STAFF_MAX];
	size_t n;
	store_staff_role roles[ADMIN_STAFF_MAX][STORE_INBOX_PROCS_MAX];
	size_t nroles[ADMIN_STAFF_MAX];
	int ok;
	int changed;
} list_job;

static void list_work(store *s, const app *a, void *arg)
{
	list_job *j = arg;
	if (store_staff_list(s, j->list, ADMIN_STAFF_MAX, &j->n) != STORE_OK)
		goto fail;
	for (size_t i = 0; i < j->n; i++)
		if (store_staff_roles(s, j->list[i].id, j->roles[i], STORE_INBOX_PROCS_MAX,
		                      &j->nroles[i]) != STORE_OK)
			goto fail;
	j->ok = 1;
	return;
fail:
	log_error("staff admin: %s", store_errmsg(s));
}

static const char *title_of(const app *a, const char *proc_id)
{
	const procedure *p = proc_catalog_find(a->procs, proc_id);
	return p ? p->title : proc_id;
}

/* Every procedure the portal loaded, as options of the role forms. */
static json_t *procs_json(const app *a)
{
	json_t *procs = json_array();
	for (size_t i = 0; a->procs && i < a->procs->n; i++)
		json_array_append_new(procs, json_pack("{s:s, s:s}", "id", a->procs->items[i]->id,
		                                       "title", a->procs->items[i]->title));
	return procs;
}

static json_t *member_json(const app *a, const store_staff *m, const store_staff_role *roles,
                           size_t n)
{
	json_t *rl = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    rl, json_pack("{s:s, s:s}", "title", title_of(a, roles[i].proc_id), "role",
		                  strcmp(roles[i].role, "reviewer") == 0 ? "審査" : "閲覧"));
	return json_pack("{s:I, s:s, s:s, s:b, s:b, s:o, s:b}", "id", (json_int_t)m->id, "name",
	                 m->name, "email", m->email, "enrolled", m->enrolled_at != 0, "admin",
	                 m->is_admin, "roles", rl, "has_roles", n > 0);
}

static void list_done(req *r, void *arg)
{
	list_job *j = arg;
	if (r->ev && !j->ok)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (r->ev) {
		json_t *ctx = staff_ctx(r, "職員の管理", &j->who.me, j->who.sess.csrf),
		       *staff = json_array();
		for (size_t i = 0; i < j->n; i++)
			json_array_append_new(
			    staff, member_json(r->a, &j->list[i], j->roles[i], j->nroles[i]));
		json_object_set_new(ctx, "staff", staff);
		json_object_set_new(ctx, "procs", procs_json(r->a));
		json_object_set_new(ctx, "changed", json_boolean(j->changed));
		json_object_set_new(ctx, "fields",
		                    json_pack("{s:o, s:o}", "name",
		                              acct_field("name", "氏名", "text", "", NULL, "off",
		                                         MSG_STAFF_ADMIN_NAME_HINT),
		                              "email",
		                              acct_field("email", "メールアドレス", "email", "",
		                                         NULL, "off", NULL)));
		resp_page(r, 200, "staff_admin_staff", ctx);
	}
	free(j);
}

void page_staff_admin_staff(req *r)
{
	list_job *j = staff_admin_job(r, sizeof(*j));
	if (!j)
		return;
	const char *c = form_get(&r->query, "changed");
	j->changed = c && strcmp(c, "1") == 0;
	req_defer(r, list_work, list_done, j);
}

/* ---- the changes ---- */

enum change_kind { CH_ADD, CH_ROLE, CH_ENROL };
typedef struct change_job {
	staff_who who; /* first */
	enum change_kind kind;
	char peer[64];
	long long id; /* the member changed (CH_ADD: the new one) */
	char email[ACCOUNT_EMAIL_MAX + 1];
	char name[STORE_STAFF_NAME_MAX + 1];
	int is_admin;
	char proc[STORE_PROC_ID_MAX + 1];
	enum staff_role role;
	char token[TOKEN_LEN + 1];
	int rc;
} change_job;

static void change_work(store *s, const app *a, void *arg)
{
	change_job *j = arg;
	submit_site site = {a->cfg.city_name, a->cfg.site_name, a->cfg.base_url};
	long long now = (long long)time(NULL);
	int changed = 0;
	if (j->kind == CH_ADD)
		j->rc = staff_admin_add(s, &site, j->who.me.id, j->peer, j->email, j->name,
		                        j->is_admin, now, j->token, &j->id);
	else if (j->kind == CH_ENROL)
		j->rc = staff_admin_reissue(s, &site, j->who.me.id, j->peer, j->id, now, j->token);
	else
		j->rc = staff_admin_role(s, j->who.me.id, j->peer, j->id, j->proc, j->role, now,
		                         &changed);
	if (j->rc != STORE_OK && j->rc != STORE_ECONFLICT && j->rc != STORE_ENOTFOUND)
		log_error("staff admin: change not made: %s", store_errmsg(s));
	if (j->kind == CH_ENROL && j->rc == STORE_OK) {
		store_staff m;
		if (store_staff_by_id(s, j->id, &m) == STORE_OK) {
			snprintf(j->email, sizeof(j->email), "%s", m.email);
			snprintf(j->name, sizeof(j->name), "%s", m.name);
		}
	}
}

/* The enrolment link as the administrator sees it after adding or re-issuing. */
static void render_link(req *r, change_job *j)
{
	char link[1024];
	snprintf(link, sizeof(link), "%s/staff/enrol?token=%s", r->a->cfg.base_url, j->token);
	json_t *ctx = staff_ctx(
	    r, j->kind == CH_ADD ? "職員を追加しました" : "登録用のリンクを出し直しました",
	    &j->who.me, j->who.sess.csrf);
	json_object_set_new(ctx, "added", json_boolean(j->kind == CH_ADD));
	json_object_set_new(ctx, "name", json_string(j->name));
	json_object_set_new(ctx, "email", json_string(j->email));
	json_object_set_new(ctx, "link", json_string(link));
	json_object_set_new(ctx, "lead", json_string(MSG_STAFF_ADMIN_LINK_LEAD));
	resp_page(r, 200, "staff_admin_link", ctx);
}

/* The answer to a change: the list again, the link, or why not. */
static void change_answer(req *r, change_job *j)
{
	if (j->rc == STORE_OK && j->kind == CH_ROLE)
		resp_redirect(r, ADMIN_BACK "?changed=1");
	else if (j->rc == STORE_OK)
		render_link(r, j);
	else if (j->rc == STORE_ECONFLICT)
		resp_error(r, 409,
		           j->kind == CH_ADD ? MSG_STAFF_ADMIN_TAKEN_TITLE
		                             : MSG_STAFF_ADMIN_ENROLLED_TITLE,
		           j->kind == CH_ADD ? MSG_STAFF_ADMIN_TAKEN : MSG_STAFF_ADMIN_ENROLLED);
	else if (j->rc == STORE_ENOTFOUND)
		resp_error(r, 404, MSG_STAFF_ADMIN_BAD_TITLE, MSG_STAFF_ADMIN_BAD);
	else
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
}

static void change_done(req *r, void *arg)
{
	change_job *j = arg;
	if (r->ev)
		change_answer(r, j);
	explicit_bzero(j->token, sizeof(j->token));
	free(j);
}

void *staff_admin_post_job(req *r, form *f, size_t size, const char *back)
{
	staff_who *j = staff_admin_job(r, size);
	if (!j) {
		form_release(f);
		return NULL;
	}
	if (!staff_csrf_ok(&j->sess, f))
		acct_forbidden(r);
	else if (staff_step_up(r, &j->sess, back))
		return j;
	form_release(f);
	free(j);
	return NULL;
}

/* An administrator's POST (staff_admin_post_job): a job to fill, or NULL when answered. */
static change_job *change_start(req *r, form *f, enum change_kind kind)
{
	change_job *j = staff_admin_post_job(r, f, sizeof(*j), ADMIN_BACK);
	if (j) {
		j->kind = kind;
		snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	}
	return j;
}

/* An administrator's change by POST: change_start, then fill takes the form's fields into
 * the job (0: bad input, answered 400 with nothing changed), then the job on the pool. */
static void change_post(req *r, enum change_kind kind,
                        int (*fill)(req *r, const form *f, change_job *j))
{
	form f;
	if (req_body_form(r, &f) < 0)
		return;
	change_job *j = change_start(r, &f, kind);
	if (!j)
		return;
	int ok = fill(r, &f, j);
	form_release(&f);
	if (!ok) {
		resp_error(r, 400, MSG_STAFF_ADMIN_BAD_TITLE, MSG_STAFF_ADMIN_BAD);
		free(j);
		return;
	}
	req_defer(r, change_work, change_done, j);
}

static int fill_add(req *r, const form *f, change_job *j)
{
	const char *msg = NULL;
	const char *name = form_get(f, "name"), *em = form_get(f, "email");
	const char *adm = form_get(f, "is_admin");
	if (!name || !*name || strlen(name) > STORE_STAFF_NAME_MAX ||
	    !text_is_clean(name, strlen(name), 0) || !em ||
	    account_check_email(em, acct_value_len(f, "email"), j->email, sizeof(j->email), &msg) <
	        0 ||
	    (adm && strcmp(adm, "1") != 0))
		return 0;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->is_admin = adm != NULL;
	return 1;
}

void page_staff_admin_add(req *r)
{
	change_post(r, CH_ADD, fill_add);
}

static int fill_role(req *r, const form *f, change_job *j)
{
	const char *proc = form_get(f, "proc"), *role = form_get(f, "role");
	j->id = staff_id_of(r->params[0]);
	int rv = !role                           ? -1
	         : strcmp(role, "reviewer") == 0 ? STAFF_REVIEWER
	         : strcmp(role, "viewer") == 0   ? STAFF_VIEWER
	         : strcmp(role, "none") == 0     ? STAFF_NO_ROLE
	                                         : -1;
	if (!j->id || !proc || !proc_catalog_find(r->a->procs, proc) || rv < 0)
		return 0;
	snprintf(j->proc, sizeof(j->proc), "%s", proc);
	j->role = (enum staff_role)rv;
	return 1;
}

void page_staff_admin_role(req *r)
{
	change_post(r, CH_ROLE, fill_role);
}

static int fill_enrol(req *r, const form *f, change_job *j)
{
	return (j->id = staff_id_of(r->params[0])) != 0;
}

void page_staff_admin_enrol(req *r)
{
	change_post(r, CH_ENROL, fill_enrol);
}
