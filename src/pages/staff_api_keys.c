/* staff_api_keys: the administrators' screen of the back-office API's keys
 * (/staff/admin/api-keys): the keys with their scope, procedures, creation, last use and
 * revocation; a form to make one (name, 読み取りのみ or 読み取りと状態の変更, procedures),
 * whose text is shown once; a revocation per key. Each change needs the CSRF token and a
 * fresh TOTP code (staff_admin_post_job) and writes its staff_change audit row in its
 * transaction (core/api.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/api.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/staff_int.h"
#include "util/jdate.h"
#include "util/log.h"
#include "util/num.h"
#include "util/utf8.h"

#define KEYS_BACK "/staff/admin/api-keys"
#define KEYS_MAX 100

/* ---- the list ---- */

typedef struct keys_job {
	staff_who who; /* first */
	store_api_key keys[KEYS_MAX];
	size_t n;
	int ok, changed;
} keys_job;

static void keys_work(store *s, const app *a, void *arg)
{
	keys_job *j = arg;
	(void)a;
	j->ok = store_api_key_list(s, j->keys, KEYS_MAX, &j->n) == STORE_OK;
	if (!j->ok)
		log_error("api keys: %s", store_errmsg(s));
}

static json_t *when_json(long long t, const char *none)
{
	char when[128];
	if (t <= 0)
		return json_string(none);
	jdate_format_time(t, when, sizeof(when));
	return json_string(when);
}

static json_t *key_json(req *r, const store_api_key *k)
{
	json_t *procs = json_array();
	for (size_t i = 0; i < k->nprocs; i++)
		json_array_append_new(procs, json_string(staff_proc_title(r, k->procs[i])));
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "id", (json_int_t)k->id,
	                 "name", k->name, "scope",
	                 strcmp(k->scope, "read") ? "読み取りと状態の変更" : "読み取りのみ",
	                 "procs", procs, "created", when_json(k->created_at, ""), "used",
	                 when_json(k->last_used_at, "まだ使われていません"), "revoked",
	                 when_json(k->revoked_at, ""), "active", k->revoked_at == 0);
}

static void keys_done(req *r, void *arg)
{
	keys_job *j = arg;
	if (r->ev && !j->ok)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	else if (r->ev) {
		json_t *ctx = staff_ctx(r, "APIキーの管理", &j->who.me, j->who.sess.csrf),
		       *keys = json_array(), *procs = json_array();
		for (size_t i = 0; i < j->n; i++)
			json_array_append_new(keys, key_json(r, &j->keys[i]));
		for (size_t i = 0; i < r->a->procs->n; i++)
			json_array_append_new(procs, json_pack("{s:s, s:s}", "id",
			                                       r->a->procs->items[i]->id, "title",
			                                       r->a->procs->items[i]->title));
		json_object_set_new(ctx, "keys", keys);
		json_object_set_new(ctx, "has_keys", json_boolean(j->n > 0));
		json_object_set_new(ctx, "procs", procs);
		json_object_set_new(ctx, "changed", json_boolean(j->changed));
		json_object_set_new(ctx, "lead", json_string(MSG_API_KEYS_LEAD));
		resp_page(r, 200, "staff_api_keys", ctx);
	}
	free(j);
}

void page_staff_api_keys(req *r)
{
	keys_job *j = staff_admin_job(r, sizeof(*j));
	if (!j)
		return;
	const char *c = form_get(&r->query, "changed");
	j->changed = c && !strcmp(c, "1");
	req_defer(r, keys_work, keys_done, j);
}

/* ---- making and revoking ---- */

typedef struct key_change {
	staff_who who; /* first */
	char peer[64];
	int revoke;
	long long id;
	char name[STORE_API_NAME_MAX + 1];
	char scope[STORE_API_SCOPE_MAX + 1];
	char procs[STORE_API_PROCS_MAX][STORE_PROC_ID_MAX + 1];
	size_t nprocs;
	char text[API_KEY_TEXT_MAX + 1]; /* the new key, shown once */
	int rc;                          /* 0 done, 1 no such key (revoke), -1 failed */
} key_change;

static void change_work(store *s, const app *a, void *arg)
{
	key_change *j = arg;
	const char *procs[STORE_API_PROCS_MAX];
	long long now = (long long)time(NULL);
	(void)a;
	for (size_t i = 0; i < j->nprocs; i++)
		procs[i] = j->procs[i];
	if (j->revoke)
		j->rc = api_key_revoke(s, j->who.me.id, j->id, j->peer, now);
	else
		j->rc = api_key_create(s, j->who.me.id, j->name, j->scope, procs, j->nprocs,
		                       j->peer, now, j->text, &j->id);
	if (j->rc < 0)
		log_error("api keys: change not made: %s", store_errmsg(s));
}

static void change_done(req *r, void *arg)
{
	key_change *j = arg;
	if (r->ev && j->rc == 0 && j->revoke)
		resp_redirect(r, KEYS_BACK "?changed=1");
	else if (r->ev && j->rc == 0) {
		json_t *ctx = staff_ctx(r, "APIキーを作りました", &j->who.me, j->who.sess.csrf);
		json_object_set_new(ctx, "name", json_string(j->name));
		json_object_set_new(ctx, "key", json_string(j->text));
		json_object_set_new(ctx, "lead", json_string(MSG_API_KEY_SHOWN_ONCE));
		resp_page(r, 200, "staff_api_key_made", ctx);
	} else if (r->ev && j->rc == 1)
		resp_error(r, 404, MSG_STAFF_ADMIN_BAD_TITLE, MSG_API_KEY_GONE);
	else if (r->ev)
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
	OPENSSL_cleanse(j->text, sizeof(j->text));
	free(j);
}

/* The form's name, scope and procedures (each a procedure of the catalogue) into j: 1, or
 * 0 when any is missing or wrong. */
static int create_form(req *r, const form *f, key_change *j)
{
	const char *name = form_get(f, "name"), *scope = form_get(f, "scope");
	const form_pair *p;
	if (!name || !*name || strlen(name) > STORE_API_NAME_MAX ||
	    !utf8_line_ok(name, strlen(name)) || !scope ||
	    (strcmp(scope, "read") && strcmp(scope, "read_status")))
		return 0;
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->scope, sizeof(j->scope), "%s", scope);
	for (size_t i = 0; (p = form_find_nth(f, "proc", i)); i++) {
		if (j->nprocs == STORE_API_PROCS_MAX || strlen(p->value) > STORE_PROC_ID_MAX ||
		    !proc_catalog_find(r->a->procs, p->value))
			return 0;
		snprintf(j->procs[j->nprocs++], sizeof(j->procs[0]), "%s", p->value);
	}
	return j->nprocs > 0;
}

void page_staff_api_keys_post(req *r)
{
	form f;
	if (req_body_form(r, &f) < 0)
		return;
	key_change *j = staff_admin_post_job(r, &f, sizeof(*j), KEYS_BACK);
	if (!j)
		return;
	int ok = create_form(r, &f, j);
	form_release(&f);
	if (!ok) {
		free(j);
		resp_error(r, 400, MSG_STAFF_ADMIN_BAD_TITLE, MSG_API_KEY_BAD);
		return;
	}
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	req_defer(r, change_work, change_done, j);
}

void page_staff_api_key_revoke(req *r)
{
	form f;
	long v = 0;
	if (req_body_form(r, &f) < 0)
		return;
	key_change *j = staff_admin_post_job(r, &f, sizeof(*j), KEYS_BACK);
	if (!j)
		return;
	form_release(&f);
	if (num_parse_long(r->params[0], 1, 0x7fffffffL, &v) != 0) {
		free(j);
		resp_error(r, 404, MSG_STAFF_ADMIN_BAD_TITLE, MSG_API_KEY_GONE);
		return;
	}
	j->revoke = 1;
	j->id = v;
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	req_defer(r, change_work, change_done, j);
}
