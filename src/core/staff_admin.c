/* staff_admin: the administrator's changes to the staff and the re-entry rule (see
 * staff_admin.h). */
#include "core/staff_admin.h"

#include <stdio.h>
#include <string.h>

#include "core/audit.h"

/* The enrolment mail (core/receipt.c writes the residents' mails the same way). */
static int enrol_mail(store *s, const submit_site *site, const char *email, const char *token,
                      long long now)
{
	char subject[300], body[2048];
	snprintf(subject, sizeof(subject), "【%s】職員の画面への登録のご案内", site->city_name);
	snprintf(body, sizeof(body),
	         "%s %s の職員の画面に、あなたが職員として登録されました。\n\n"
	         "次のリンクを開き、パスワードと確認コード（認証アプリ）を設定してください。"
	         "リンクは24時間有効で、1回だけ使えます。\n%s/staff/enrol?token=%s\n\n"
	         "心当たりがない場合は、このメールを破棄してください。\n"
	         "このメールは送信専用です。返信はできません。\n",
	         site->city_name, site->site_name, site->base_url, token);
	return store_outbox_add(s, email, subject, body, now, NULL);
}

/* The audit row of a change: STORE_OK, or STORE_ESQL when it could not be written. */
static int change_row(store *s, long long actor, const char *peer, const char *detail,
                      long long now)
{
	return staff_audit_app(s, actor, NULL, AUDIT_STAFF_CHANGE, detail, peer, now) == 0
	           ? STORE_OK
	           : STORE_ESQL;
}

struct add_more {
	const submit_site *site;
	long long actor, now;
	const char *peer, *email;
	int is_admin;
};

static int add_more(store *s, long long id, const char *token, void *arg)
{
	struct add_more *m = arg;
	char detail[64];
	snprintf(detail, sizeof(detail), "add staff:%lld%s", id, m->is_admin ? " admin" : "");
	int rc = change_row(s, m->actor, m->peer, detail, m->now);
	return rc == STORE_OK ? enrol_mail(s, m->site, m->email, token, m->now) : rc;
}

int staff_admin_add(store *s, const submit_site *site, long long actor, const char *peer,
                    const char *email, const char *name, int is_admin, long long now, char *token,
                    long long *id)
{
	struct add_more m = {site, actor, now, peer, email, is_admin};
	return staff_invite_with(s, email, name, is_admin, now, token, id, add_more, &m);
}

/* Inside the transaction: the link, its row and its mail. */
static int reissue_in(store *s, const submit_site *site, long long actor, const char *peer,
                      long long id, long long now, char *token)
{
	store_staff st;
	char detail[64];
	int rc = store_staff_by_id(s, id, &st);
	if (rc != STORE_OK)
		return rc;
	if (st.enrolled_at)
		return STORE_ECONFLICT;
	snprintf(detail, sizeof(detail), "enrol-link staff:%lld", id);
	if ((rc = staff_enrol_link(s, id, now, token)) == STORE_OK &&
	    (rc = change_row(s, actor, peer, detail, now)) == STORE_OK)
		rc = enrol_mail(s, site, st.email, token, now);
	return rc;
}

int staff_admin_reissue(store *s, const submit_site *site, long long actor, const char *peer,
                        long long id, long long now, char *token)
{
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return rc;
	rc = reissue_in(s, site, actor, peer, id, now, token);
	if (rc == STORE_OK)
		return store_commit(s);
	store_rollback(s);
	return rc;
}

static const char *role_name(enum staff_role role)
{
	return role == STAFF_REVIEWER ? "reviewer" : role == STAFF_VIEWER ? "viewer" : "none";
}

/* Inside the transaction: the role as it is, the change and its row. */
static int role_in(store *s, long long actor, const char *peer, long long id, const char *proc_id,
                   enum staff_role role, long long now, int *changed)
{
	store_staff st;
	enum staff_role was;
	char detail[160];
	int rc = store_staff_by_id(s, id, &st);
	if (rc != STORE_OK)
		return rc;
	if (staff_role_of(s, id, proc_id, &was) < 0)
		return STORE_ESQL;
	if (was == role)
		return STORE_OK;
	rc = role == STAFF_NO_ROLE ? store_staff_role_remove(s, id, proc_id)
	                           : store_staff_role_set(s, id, proc_id, role_name(role));
	snprintf(detail, sizeof(detail), "role staff:%lld %s %s", id, proc_id, role_name(role));
	if (rc == STORE_OK && (rc = change_row(s, actor, peer, detail, now)) == STORE_OK)
		*changed = 1;
	return rc;
}

int staff_admin_role(store *s, long long actor, const char *peer, long long id, const char *proc_id,
                     enum staff_role role, long long now, int *changed)
{
	*changed = 0;
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return rc;
	rc = role_in(s, actor, peer, id, proc_id, role, now, changed);
	if (rc == STORE_OK && (rc = store_commit(s)) == STORE_OK)
		return rc;
	store_rollback(s);
	*changed = 0;
	return rc;
}

int staff_step_up_fresh(store *s, const char *id_hash, long long now, long long window)
{
	long long at = 0;
	int rc = store_staff_step_up_get(s, id_hash, &at);
	if (rc == STORE_ENOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return -1;
	return at <= now && now - at <= window;
}
