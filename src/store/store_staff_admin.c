/* store_staff_admin: the front of the staff console's administration, re-entry and alert
 * calls (store.h): the list of staff, a role removed, the time of the last TOTP code of a
 * staff session, and the mail alerts of new arrivals with their hourly digests. */
#include "store/store_impl.h"

#include <string.h>

static int mode_ok(const char *mode, int none_too)
{
	return mode && (strcmp(mode, "each") == 0 || strcmp(mode, "hourly") == 0 ||
	                (none_too && strcmp(mode, "none") == 0));
}

int store_staff_list(store *s, store_staff *out, size_t max, size_t *n)
{
	size_t got = 0;
	int rc = store_list_check(s, 1, out, max, n);

	if (rc != STORE_OK || max == 0)
		return rc;
	rc = s->be->staff_list(s->ctx, out, max, &got);
	return store_listed(rc, got, n);
}

int store_staff_role_remove(store *s, long long staff_id, const char *proc_id)
{
	if (!STORE_READY(s) || staff_id <= 0 || !store_proc_ok(proc_id, 1))
		return STORE_EINPUT;
	return s->be->staff_role_remove(s->ctx, staff_id, proc_id);
}

int store_staff_step_up_set(store *s, const char *id_hash, long long at)
{
	if (!STORE_READY(s) || !store_hash_ok(id_hash) || at <= 0)
		return STORE_EINPUT;
	return s->be->staff_step_up_set(s->ctx, id_hash, at);
}

int store_staff_step_up_get(store *s, const char *id_hash, long long *at)
{
	if (at)
		*at = 0;
	if (!STORE_READY(s) || !store_hash_ok(id_hash) || !at)
		return STORE_EINPUT;
	return s->be->staff_step_up_get(s->ctx, id_hash, at);
}

int store_staff_alert_set(store *s, long long staff_id, const char *proc_id, const char *mode,
                          long long now)
{
	if (!STORE_READY(s) || staff_id <= 0 || !store_proc_ok(proc_id, 1) || !mode_ok(mode, 1) ||
	    now <= 0)
		return STORE_EINPUT;
	return s->be->staff_alert_set(s->ctx, staff_id, proc_id, mode, now);
}

int store_staff_alerts(store *s, long long staff_id, store_staff_alert *out, size_t max, size_t *n)
{
	STORE_LIST_BY(s, staff_id > 0, out, max, n, staff_alerts, staff_id);
}

int store_staff_alert_recipients(store *s, const char *proc_id, store_staff_alert *out, size_t max,
                                 size_t *n)
{
	STORE_LIST_BY(s, store_proc_ok(proc_id, 1), out, max, n, staff_alert_recipients, proc_id);
}

int store_staff_digest_due(store *s, long long due_before, long long now, store_staff_alert *out,
                           size_t max, size_t *n)
{
	STORE_LIST_BY(s, now > 0, out, max, n, staff_digest_due, due_before, now);
}

int store_staff_digest_done(store *s, long long staff_id, const char *proc_id, long long since,
                            long long at)
{
	if (!STORE_READY(s) || staff_id <= 0 || !store_proc_ok(proc_id, 1) || at <= 0)
		return STORE_EINPUT;
	return s->be->staff_digest_done(s->ctx, staff_id, proc_id, since, at);
}
