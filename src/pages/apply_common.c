/* apply_common: what the applying pages share (see apply_common.h). */
#include "pages/apply_common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/application.h"
#include "http/session.h"
#include "pages/messages.h"
#include "util/jdate.h"

int apply_owner_of(const req *r, char *out, size_t outlen)
{
	if (r->has_session && r->sess.account_id)
		snprintf(out, outlen, "a:%lld", r->sess.account_id);
	else if (r->has_session)
		snprintf(out, outlen, "s:%s", r->sess.id_hash);
	else
		return -1;
	return 0;
}

int apply_draft_open(const req *r, const char *owner, const procedure *p, store_draft *d)
{
	int rc = store_draft_open(r->w->store, owner, p->id, d);
	if (rc == STORE_OK &&
	    submit_draft_expired(d, r->a->cfg.anon_draft_hours, (long long)time(NULL))) {
		store_draft_release(d);
		return STORE_ENOTFOUND;
	}
	return rc;
}

const procedure *apply_gate(req *r)
{
	const procedure *p = proc_catalog_find(r->a->procs, r->params[0]);
	char today[11];
	if (!p) {
		resp_error(r, 404, "手続が見つかりません", NULL);
		return NULL;
	}
	jdate_today(today, time(NULL));
	if (proc_window_state(p, today) != 0) {
		resp_redirectf(r, "/procedures/%s", p->id);
		return NULL;
	}
	if (p->login_required && !(r->has_session && r->sess.account_id)) {
		resp_redirectf(r, "/procedures/%s/start", p->id);
		return NULL;
	}
	return p;
}

void apply_render_forbidden(req *r)
{
	resp_error(r, 403, "この操作を受け付けられませんでした", MSG_FORBIDDEN_TEXT);
}

int apply_post_token(req *r)
{
	form f;
	if (req_body_form(r, &f) < 0)
		return 0;
	int csrf = csrf_ok(r, &f);
	form_release(&f);
	if (!csrf)
		apply_render_forbidden(r);
	return csrf;
}

void apply_render_busy(req *r, const char *msg)
{
	resp_error(r, 503, "ただいま混み合っています", msg ? msg : MSG_BUSY);
}

json_t *apply_steps(int current)
{
	static const char *const names[] = {"入力", "確認", "完了"};
	json_t *a = json_array();
	for (int i = 0; i < 3; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:b, s:b}", "n", i + 1, "name",
		                                   names[i], "current", i == current, "done",
		                                   i < current));
	return a;
}

json_t *apply_str_or_empty(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_string("");
}

/* Whether the application belongs to the person of the request: 1, 0, or -1 when the
 * store fails. */
static int owns(const req *r, const store_application *ap)
{
	if (ap->account_id)
		return r->has_session && r->sess.account_id == ap->account_id;
	store_draft d;
	char owner[STORE_OWNER_MAX + 1];
	if (apply_owner_of(r, owner, sizeof(owner)) < 0)
		return 0;
	int rc = store_draft_get(r->w->store, ap->draft_key, &d);
	if (rc != STORE_OK)
		return rc == STORE_ENOTFOUND || rc == STORE_EINPUT ? 0 : -1;
	int ok = !strcmp(d.owner, owner);
	store_draft_release(&d);
	return ok;
}

int apply_load_own(req *r, store_application *ap)
{
	const char *receipt = r->params[0];
	int rc = app_receipt_valid(receipt) ? store_application_get(r->w->store, receipt, ap)
	                                    : STORE_ENOTFOUND;
	int own = rc == STORE_OK ? owns(r, ap) : 0;
	if (own > 0)
		return 0;
	if (rc == STORE_OK)
		store_application_release(ap);
	if (own == 0 && (rc == STORE_OK || rc == STORE_ENOTFOUND || rc == STORE_EINPUT))
		resp_error(r, 404, "申請が見つかりません", MSG_NOT_OWN);
	else
		apply_render_busy(r, NULL);
	return -1;
}
