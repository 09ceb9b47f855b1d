/* store_audit: the audit log's front: a new row chained on the head in one transaction, the
 * console's filtered list, and the walk over every row for verification. The rules of a row
 * and of the chain are core/audit.c's; this file only reads and writes. */
#include "store/store_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int store_audit_append(store *s, audit_row *row)
{
	audit_row r;
	char head[AUDIT_HASH_LEN + 1];
	long long head_id = 0;
	int rc, own = 0;

	if (!STORE_READY(s) || !row || !audit_append_ok(row))
		return STORE_EINPUT;
	r = *row; /* *row changes only on success */
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	if ((rc = s->be->audit_head(s->ctx, &head_id, head)) != STORE_OK)
		goto out;
	r.id = head_id + 1;
	if (audit_seal(&r, head_id ? head : AUDIT_GENESIS) < 0) {
		rc = STORE_ESQL; /* a head hash that is not a hash: the log is damaged */
		goto out;
	}
	rc = s->be->audit_insert(s->ctx, &r);
out:
	if ((rc = store_tx_end(s, own, rc)) == STORE_OK)
		*row = r;
	return rc;
}

int store_audit_list(store *s, const store_audit_filter *f, audit_row *out, size_t max, size_t *n)
{
	static const store_audit_filter all = {NULL, NULL, 0};
	size_t got = 0;
	int rc;

	if (!f)
		f = &all;
	rc = store_list_check(s,
	                      (!f->actor || strlen(f->actor) <= AUDIT_ACTOR_MAX) &&
	                          (!f->receipt || app_receipt_valid(f->receipt)) &&
	                          f->before_id >= 0,
	                      out, max, n);
	if (rc != STORE_OK || max == 0)
		return rc;
	rc = s->be->audit_list(s->ctx, f->actor, f->receipt,
	                       f->before_id ? f->before_id : LLONG_MAX, out, max, &got);
	return store_listed(rc, got, n);
}

int store_audit_walk(store *s, store_audit_cb cb, void *arg)
{
	audit_row *page;
	long long after = 0;
	size_t n = 0, i;
	int rc, stop = 0;

	if (!STORE_READY(s) || !cb)
		return STORE_EINPUT;
	if (!(page = malloc(STORE_AUDIT_PAGE * sizeof(*page))))
		return STORE_ENOMEM;
	do {
		rc = s->be->audit_page(s->ctx, after, page, STORE_AUDIT_PAGE, &n);
		for (i = 0; rc == STORE_OK && i < n && !stop; i++)
			stop = cb(&page[i], arg);
		if (n)
			after = page[n - 1].id;
	} while (rc == STORE_OK && !stop && n == STORE_AUDIT_PAGE);
	free(page);
	return rc;
}
