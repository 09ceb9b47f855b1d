/* staff_download: what the staff's downloads of one application share (staff_int.h):
 * the gate with the TOTP re-entry, the application and the role on the pool, the one
 * AUDIT_EXPORT row with the SHA-256 of the bytes (without it nothing is sent), the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/audit.h"
#include "core/staff.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/staff_int.h"
#include "util/log.h"
#include "util/token.h"

void *staff_download_job(req *r, size_t size, const char *name, size_t max)
{
	req_session ss;
	store_staff st;
	char next[STORE_RECEIPT_MAX + 128];
	staff_download *d = staff_app_job(r, size, &ss, &st);
	if (!d)
		return NULL;
	snprintf(next, sizeof(next), "/staff/applications/%s/%s", r->params[0], name);
	if (!staff_step_up(r, &ss, next)) {
		free(d);
		return NULL;
	}
	d->staff_id = st.id;
	snprintf(d->receipt, sizeof(d->receipt), "%s", r->params[0]);
	snprintf(d->peer, sizeof(d->peer), "%s", req_peer(r));
	buf_init(&d->body, max);
	return d;
}

int staff_download_load(store *s, staff_download *d, store_application *ap, const char *what)
{
	enum staff_role role = STAFF_NO_ROLE;
	int rc = store_application_get(s, d->receipt, ap);
	d->out = rc == STORE_ENOTFOUND ? STAFF_DL_NOTFOUND : STAFF_DL_FAIL;
	if (rc != STORE_OK) {
		if (rc != STORE_ENOTFOUND)
			log_error("%s: %s", what, store_errmsg(s));
		return -1;
	}
	if (staff_role_of(s, d->staff_id, ap->proc_id, &role) < 0)
		log_error("%s: %s", what, store_errmsg(s));
	else if (role == STAFF_NO_ROLE)
		d->out = STAFF_DL_FORBIDDEN;
	else
		return 0;
	store_application_release(ap);
	return -1;
}

void staff_download_record(store *s, staff_download *d, const char *enc, const char *extra)
{
	char sha[65], detail[AUDIT_DETAIL_MAX + 1];
	token_sha256_hex(d->body.data ? d->body.data : "", d->body.len, sha);
	snprintf(detail, sizeof(detail), "receipt=%s enc=%s %s%ssha256=%s", d->receipt, enc, extra,
	         extra[0] ? " " : "", sha);
	d->out = staff_audit_app(s, d->staff_id, d->receipt, AUDIT_EXPORT, detail, d->peer,
	                         (long long)time(NULL)) == 0
	             ? STAFF_DL_OK
	             : STAFF_DL_FAIL;
}

void staff_download_answer(req *r, const staff_download *d, const char *type, const char *prefix,
                           const char *suffix)
{
	char name[STORE_RECEIPT_MAX + 64];
	if (!r->ev)
		return;
	snprintf(name, sizeof(name), "%s%s%s", prefix, d->receipt, suffix);
	if (d->out == STAFF_DL_OK)
		resp_attachment(r, type, name, d->body.data, d->body.len);
	else if (d->out == STAFF_DL_NOTFOUND)
		resp_error(r, 404, MSG_STAFF_APP_NOT_FOUND_TITLE, MSG_STAFF_APP_NOT_FOUND);
	else if (d->out == STAFF_DL_FORBIDDEN)
		resp_error(r, 403, MSG_STAFF_FORBIDDEN_TITLE, MSG_STAFF_FORBIDDEN);
	else
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
}
