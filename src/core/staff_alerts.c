/* staff_alerts: the staff's mails of new arrivals (see staff_alerts.h). */
#include "core/staff_alerts.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

#define DIGEST_BODY_MAX 16384

int staff_alerts_queue(store *s, const submit_site *site, const char *proc_id, const char *title,
                       const char *receipt, long long now)
{
	store_staff_alert to[STAFF_ALERTS_MAX];
	char subject[300], body[2048];
	size_t n = 0;
	int rc = store_staff_alert_recipients(s, proc_id, to, STAFF_ALERTS_MAX, &n);
	if (rc != STORE_OK || n == 0)
		return rc;
	snprintf(subject, sizeof(subject), "【%s】新しい申請が届きました（受付番号 %s）",
	         site->city_name, receipt);
	snprintf(body, sizeof(body),
	         "%s %s の職員の画面に、新しい申請が届きました。\n\n"
	         "手続：%s\n受付番号：%s\n\n"
	         "内容は、職員の画面にログインして確かめてください。\n%s/staff/applications/%s\n\n"
	         "通知の設定は、次のページで変えられます。\n%s/staff/settings/alerts\n"
	         "このメールは送信専用です。返信はできません。\n",
	         site->city_name, site->site_name, title, receipt, site->base_url, receipt,
	         site->base_url);
	for (size_t i = 0; rc == STORE_OK && i < n; i++)
		rc = store_outbox_add(s, to[i].email, subject, body, now, NULL);
	return rc;
}

const char *staff_alerts_title(const char *proc_id, void *catalog)
{
	const procedure *p = catalog ? proc_catalog_find(catalog, proc_id) : NULL;
	return p ? p->title : NULL;
}

/* The digest of the alerts a[0..n) of one staff member into b. */
static int digest_body(buf *b, const submit_site *site, staff_title_fn title, void *arg,
                       const store_staff_alert *a, size_t n)
{
	int e =
	    buf_printf(b, "%s %s の職員の画面に、前回のお知らせの後、新しい申請が届きました。\n\n",
	               site->city_name, site->site_name);
	for (size_t i = 0; e == 0 && i < n; i++) {
		const char *t = title ? title(a[i].proc_id, arg) : NULL;
		e = buf_printf(b, "・%s：%lld件\n  %s/staff?proc=%s\n", t ? t : a[i].proc_id,
		               a[i].count, site->base_url, a[i].proc_id);
	}
	if (e == 0)
		e = buf_printf(
		    b,
		    "\n受付番号と内容は、職員の画面にログインして確かめてください。\n"
		    "通知の設定は、次のページで変えられます。\n%s/staff/settings/alerts\n"
		    "このメールは送信専用です。返信はできません。\n",
		    site->base_url);
	return e;
}

/* One staff member's digest of a[0..n) and the times it covers, in one transaction. */
static int digest_one(store *s, const submit_site *site, staff_title_fn title, void *arg,
                      const store_staff_alert *a, size_t n, long long now)
{
	char subject[300];
	buf b;
	int rc = STORE_ENOMEM;
	buf_init(&b, DIGEST_BODY_MAX);
	snprintf(subject, sizeof(subject), "【%s】新しい申請のお知らせ（1時間ごと）",
	         site->city_name);
	if (digest_body(&b, site, title, arg, a, n) == 0 && (rc = store_begin(s)) == STORE_OK) {
		rc = store_outbox_add(s, a[0].email, subject, buf_cstr(&b), now, NULL);
		for (size_t i = 0; rc == STORE_OK && i < n; i++)
			rc = store_staff_digest_done(s, a[i].staff_id, a[i].proc_id,
			                             a[i].last_digest_at, now);
		rc = rc == STORE_OK ? store_commit(s) : (store_rollback(s), rc);
	}
	buf_release(&b);
	return rc;
}

int staff_alerts_digest(store *s, const submit_site *site, staff_title_fn title, void *arg,
                        long long now, int all)
{
	store_staff_alert due[STAFF_ALERTS_MAX];
	size_t n = 0, i = 0;
	int mails = 0;
	/* a page at a time: the members done drop out of the next read */
	do {
		if (store_staff_digest_due(s, all ? now : now - STAFF_DIGEST_SECONDS, now, due,
		                           STAFF_ALERTS_MAX, &n) != STORE_OK)
			return -1;
		for (i = 0; i < n;) {
			size_t k = i;
			while (k < n && due[k].staff_id == due[i].staff_id)
				k++;
			if (k == n && n == STAFF_ALERTS_MAX && i > 0)
				break; /* this member may go on in the next page */
			int rc = digest_one(s, site, title, arg, &due[i], k - i, now);
			if (rc == STORE_ENOTFOUND) { /* another sender took this member's digest */
				i = k;
				continue;
			}
			if (rc != STORE_OK) {
				log_error("staff digest: %s", store_errmsg(s));
				return -1;
			}
			mails++;
			i = k;
		}
	} while (n == STAFF_ALERTS_MAX);
	return mails;
}
