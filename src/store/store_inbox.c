/* store_inbox: the staff inbox's front: the applications of a set of procedures in pages by
 * key, and their counts per status. The back end gets the set as one JSON array of checked
 * procedure ids, so that one prepared statement serves any set. */
#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

int store_procs_json(const store_inbox_query *q, char *out)
{
	return q && q->nprocs <= STORE_INBOX_PROCS_MAX &&
	       store_ids_json(q->procs, q->nprocs, STORE_PROC_ID_MAX, out, STORE_PROCS_JSON_MAX);
}

static int query_ok(const store_inbox_query *q)
{
	return (!q->status || app_status_valid(q->status)) &&
	       (!q->receipt || app_receipt_valid(q->receipt)) &&
	       (!q->after_receipt || (app_receipt_valid(q->after_receipt) && q->after_at > 0)) &&
	       q->from_at >= 0 && q->to_at >= 0 && q->differs >= STORE_DIFFERS_ANY &&
	       q->differs <= STORE_DIFFERS_UNKNOWN && q->assignee >= STORE_ASSIGNEE_NOBODY &&
	       (!q->search || store_text_ok(q->search, 1, STORE_SEARCH_MAX, STORE_TEXT_LINE));
}

int store_inbox_list(store *s, const store_inbox_query *q, store_application *out, size_t max,
                     size_t *n)
{
	char procs[STORE_PROCS_JSON_MAX];
	size_t got = 0;
	int ok = store_procs_json(q, procs) && query_ok(q) && max <= STORE_INBOX_PAGE_MAX;
	int rc = store_list_check(s, ok, out, max, n);

	if (rc != STORE_OK || max == 0 || q->nprocs == 0)
		return rc;
	rc = s->be->inbox_list(s->ctx, procs, q, out, max, &got);
	return store_listed(rc, got, n);
}

int store_inbox_neighbours(store *s, const store_inbox_query *q, long long at, const char *receipt,
                           char *newer, char *older)
{
	char procs[STORE_PROCS_JSON_MAX];
	store_application row;
	size_t n = 0;
	if (newer)
		newer[0] = 0;
	if (older)
		older[0] = 0;
	if (!STORE_READY(s) || !newer || !older || !store_procs_json(q, procs) || !query_ok(q) ||
	    !app_receipt_valid(receipt) || at <= 0)
		return STORE_EINPUT;
	if (q->nprocs == 0)
		return STORE_OK;
	store_inbox_query after = *q;
	after.after_at = at;
	after.after_receipt = receipt;
	int rc = s->be->inbox_list(s->ctx, procs, &after, &row, 1, &n);
	if (rc == STORE_OK && n == 1)
		memcpy(older, row.receipt, STORE_RECEIPT_MAX + 1);
	return rc != STORE_OK ? rc : s->be->inbox_newer(s->ctx, procs, q, at, receipt, newer);
}

int store_inbox_counts(store *s, const store_inbox_query *q, store_status_count *out, size_t max,
                       size_t *n)
{
	char procs[STORE_PROCS_JSON_MAX];
	size_t got = 0;
	int rc = store_list_check(s, store_procs_json(q, procs), out, max, n);

	if (rc != STORE_OK || max == 0 || q->nprocs == 0)
		return rc;
	rc = s->be->inbox_counts(s->ctx, procs, out, max, &got);
	return store_listed(rc, got, n);
}
