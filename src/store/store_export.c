/* store_export: the whole applications of one procedure in an arrival range, a page at a
 * time, for the staff's CSV export: the inbox's keyset page gives the keys, each row is then
 * read whole (store.h). */
#include "store/store_impl.h"

#include <string.h>

int store_export_page(store *s, const char *proc_id, long long from_at, long long to_at,
                      long long after_at, const char *after_receipt, store_application *out,
                      size_t max, size_t *n)
{
	store_application keys[STORE_EXPORT_PAGE_MAX];
	const char *procs[1] = {proc_id};
	store_inbox_query q = {.procs = procs,
	                       .nprocs = 1,
	                       .after_at = after_at,
	                       .after_receipt = after_receipt,
	                       .from_at = from_at,
	                       .to_at = to_at};
	size_t got = 0, i;
	int ok = from_at > 0 && to_at > from_at && max <= STORE_EXPORT_PAGE_MAX;
	int rc = store_list_check(s, ok, out, max, n);
	if (rc != STORE_OK || max == 0)
		return rc;
	rc = store_inbox_list(s, &q, keys, max, &got);
	for (i = 0; rc == STORE_OK && i < got; i++) {
		rc = store_application_get(s, keys[i].receipt, &out[i]);
		if (rc != STORE_OK) /* the rows read so far are given back */
			while (i > 0)
				store_application_release(&out[--i]);
	}
	if (rc != STORE_OK)
		return rc;
	*n = got;
	return STORE_OK;
}

int store_export_mark_get(store *s, long long staff_id, const char *proc_id, long long *at)
{
	if (at)
		*at = 0;
	if (!STORE_READY(s) || !at || staff_id < 1 || !store_token_ok(proc_id, STORE_PROC_ID_MAX))
		return STORE_EINPUT;
	return s->be->export_mark_get(s->ctx, staff_id, proc_id, at); /* 0: none */
}

int store_export_mark_set(store *s, long long staff_id, const char *proc_id, long long at)
{
	if (!STORE_READY(s) || staff_id < 1 || at <= 0 ||
	    !store_token_ok(proc_id, STORE_PROC_ID_MAX))
		return STORE_EINPUT;
	return s->be->export_mark_set(s->ctx, staff_id, proc_id, at);
}
