/* decision: a staff decision and an internal note as one transaction each (see decision.h). */
#include "core/decision.h"

#include <stdio.h>
#include <string.h>

#include "core/api.h"
#include "core/application.h"
#include "core/audit.h"
#include "core/staff.h"
#include "util/log.h"
#include "util/utf8.h"

/* ASCII white space or U+3000 (全角 space) ending at or starting from p (n bytes left). */
static size_t space_at(const char *p, size_t n)
{
	if (n && (*p == ' ' || *p == '\t' || *p == '\n'))
		return 1;
	return n >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0 ? 3 : 0;
}

int decision_text_clean(const char *in, size_t len, char *out, size_t outlen)
{
	size_t n = 0, start = 0, k;
	if (!in || !out || outlen == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r')
			continue;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = in[i];
	}
	while ((k = space_at(out + start, n - start)) > 0)
		start += k;
	for (;;) {
		if (n > start && space_at(out + n - 1, 1))
			n--;
		else if (n - start >= 3 && space_at(out + n - 3, 3) == 3)
			n -= 3;
		else
			break;
	}
	memmove(out, out + start, n - start);
	n -= start;
	out[n] = '\0';
	return n <= STORE_NOTE_MAX && utf8_typed_ok(out, n, 1) ? 0 : -1;
}

void decision_mail(const submit_site *site, const char *receipt, const char *title, const char *to,
                   const char *text, char *subject, size_t subject_len, char *body, size_t body_len)
{
	const char *lead = strcmp(to, "rejected") == 0   ? "申請を却下した理由：\n"
	                   : strcmp(to, "returned") == 0 ? "市からのメッセージ：\n"
	                                                 : "";
	snprintf(subject, subject_len, "【%s】申請の状況が「%s」になりました（受付番号 %s）",
	         site->city_name, app_status_label(to), receipt);
	snprintf(body, body_len,
	         "%s %s からのお知らせです。次の申請の状況が変わりました。\n\n"
	         "受付番号：%s\n"
	         "手続：%s\n"
	         "新しい状況：%s\n\n"
	         "%s%s%s"
	         "くわしくは、マイページで確かめてください。\n%s/mypage/%s\n\n"
	         "お問い合わせのときは、受付番号をお伝えください。\n"
	         "このメールは送信専用です。返信はできません。\n",
	         site->city_name, site->site_name, receipt, title, app_status_label(to), lead,
	         text && text[0] ? text : "", text && text[0] ? "\n\n" : "", site->base_url,
	         receipt);
}

/* The mail of the decision to the applicant of ap, with its record: STORE_OK (*mailed 1),
 * STORE_OK without a mail when the application has no account (any more), or a store
 * error. */
static int mail_applicant(store *s, const decision_request *rq, const store_application *ap,
                          int *mailed)
{
	store_account acct;
	char subject[STORE_MAIL_SUBJECT_MAX + 1], body[4096 + STORE_NOTE_MAX];
	long long id = 0;
	if (ap->account_id < 1)
		return STORE_OK;
	int rc = store_account_by_id(s, ap->account_id, &acct);
	if (rc != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc;
	decision_mail(rq->site, ap->receipt, ap->proc_title, rq->to, rq->text, subject,
	              sizeof(subject), body, sizeof(body));
	if ((rc = store_outbox_add(s, acct.email, subject, body, rq->now, &id)) == STORE_OK &&
	    (rc = store_application_mail_add(s, ap->receipt, id, rq->now)) == STORE_OK)
		*mailed = 1;
	return rc;
}

/* 1 when the one deciding may decide on ap (a reviewer of its procedure, or a key of it with
 * the status scope, not revoked), 0 when not, -1 on a store error. */
static int may_decide(store *s, const decision_request *rq, const store_application *ap)
{
	enum staff_role role;
	store_api_key k;
	if (rq->api_key_id > 0) {
		int rc = store_api_key_get(s, rq->api_key_id, &k);
		if (rc != STORE_OK)
			return rc == STORE_ENOTFOUND ? 0 : -1;
		return k.revoked_at == 0 && api_key_allows(&k, ap->proc_id, 1);
	}
	if (staff_role_of(s, rq->staff_id, ap->proc_id, &role) < 0)
		return -1;
	return role == STAFF_REVIEWER;
}

/* The decision's audit row, and for a key the record of which key made event: 0, or -1. */
static int record_who(store *s, const decision_request *rq, const char *detail, long long event)
{
	if (rq->api_key_id < 1)
		return staff_audit_app(s, rq->staff_id, rq->receipt, AUDIT_DECISION, detail,
		                       rq->peer, rq->now);
	return api_audit(s, rq->api_key_id, rq->receipt, AUDIT_DECISION, detail, rq->peer,
	                 rq->now) == 0 &&
	               store_api_key_event(s, event, rq->api_key_id) == STORE_OK
	           ? 0
	           : -1;
}

/* Inside the transaction: the checks, then the change, its audit row and its mail. */
static enum decision_outcome apply_in_tx(store *s, const decision_request *rq,
                                         const store_application *ap, int *mailed)
{
	char detail[2 * STORE_STATUS_MAX + 3];
	const char *from[2] = {rq->seen_status, NULL};
	long long event = 0;
	int may = may_decide(s, rq, ap);
	if (may < 0)
		return DECISION_FAIL;
	if (!may)
		return DECISION_FORBIDDEN;
	if (!app_transition_allowed(rq->seen_status, rq->to, APP_BY_STAFF))
		return DECISION_REFUSED;
	if (app_transition_needs_note(rq->seen_status, rq->to, APP_BY_STAFF) && !rq->text[0])
		return DECISION_NEEDS_TEXT;
	int rc = store_application_set_status_after(s, rq->receipt, rq->seen_event, from, rq->to,
	                                            rq->text[0] ? rq->text : NULL, rq->now, &event);
	if (rc == STORE_ECONFLICT)
		return DECISION_CONFLICT;
	snprintf(detail, sizeof(detail), "%s->%s", rq->seen_status, rq->to);
	if (rc != STORE_OK || record_who(s, rq, detail, event) < 0 ||
	    mail_applicant(s, rq, ap, mailed) != STORE_OK)
		return DECISION_FAIL;
	return DECISION_DONE;
}

/* Opens the transaction and reads the application: DECISION_DONE to go on (ap filled, the
 * transaction open), else the outcome with nothing open. */
static enum decision_outcome begin_with(store *s, const char *receipt, store_application *ap)
{
	if (store_begin(s) != STORE_OK)
		return DECISION_FAIL;
	int rc = store_application_get(s, receipt, ap);
	if (rc == STORE_OK)
		return DECISION_DONE;
	store_rollback(s);
	return rc == STORE_ENOTFOUND || rc == STORE_EINPUT ? DECISION_NOTFOUND : DECISION_FAIL;
}

/* Commits when out is DECISION_DONE, else rolls back; the outcome after it. */
static enum decision_outcome end_with(store *s, enum decision_outcome out, store_application *ap,
                                      const char *what)
{
	store_application_release(ap);
	if (out == DECISION_DONE && store_commit(s) == STORE_OK)
		return DECISION_DONE;
	if (out == DECISION_DONE || out == DECISION_FAIL)
		log_error("%s not applied: %s", what, store_errmsg(s));
	store_rollback(s);
	return out == DECISION_DONE ? DECISION_FAIL : out;
}

enum decision_outcome decision_apply(store *s, const decision_request *rq, int *mailed)
{
	store_application ap;
	*mailed = 0;
	enum decision_outcome out = begin_with(s, rq->receipt, &ap);
	if (out != DECISION_DONE)
		return out;
	out = apply_in_tx(s, rq, &ap, mailed);
	out = end_with(s, out, &ap, "decision");
	if (out != DECISION_DONE)
		*mailed = 0;
	return out;
}

enum decision_outcome decision_note(store *s, const char *receipt, long long staff_id,
                                    const char *body, const char *peer, long long now)
{
	store_application ap;
	enum staff_role role;
	long long id = 0;
	char detail[32];
	enum decision_outcome out = begin_with(s, receipt, &ap);
	if (out != DECISION_DONE)
		return out;
	if (staff_role_of(s, staff_id, ap.proc_id, &role) < 0)
		out = DECISION_FAIL;
	else if (role == STAFF_NO_ROLE)
		out = DECISION_FORBIDDEN;
	else if (store_note_add(s, receipt, staff_id, body, now, &id) != STORE_OK)
		out = DECISION_FAIL;
	if (out == DECISION_DONE) {
		snprintf(detail, sizeof(detail), "note %lld", id);
		if (staff_audit_app(s, staff_id, receipt, AUDIT_NOTE, detail, peer, now) < 0)
			out = DECISION_FAIL;
	}
	return end_with(s, out, &ap, "note");
}
