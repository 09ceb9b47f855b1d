/* store_dash: the staff dashboard's front (集計): arrivals per procedure and day, days from
 * arrival to decision, the oldest waiting application and those past a procedure's 標準処理期間.
 * The back end gets the procedures as a JSON array of checked ids, so that one prepared
 * statement serves any set, and every figure is counted by SQL. */
#include "store/store_impl.h"

#include <string.h>

int store_dash_arrivals(store *s, const store_inbox_query *q, long long from_day, long long to_day,
                        store_dash_count *out, size_t max, size_t *n)
{
	char procs[STORE_PROCS_JSON_MAX];
	int ok = store_procs_json(q, procs) && from_day > 0 && from_day < to_day;
	STORE_LIST_BY(s, ok, out, max, n, dash_arrivals, procs, from_day, to_day);
}

int store_dash_decided(store *s, const store_inbox_query *q, long long from_day, long long cap,
                       store_dash_count *out, size_t max, size_t *n)
{
	char procs[STORE_PROCS_JSON_MAX];
	int ok = store_procs_json(q, procs) && from_day > 0 && cap >= 0 && cap <= 10000;
	STORE_LIST_BY(s, ok, out, max, n, dash_decided, procs, from_day, cap);
}

int store_dash_oldest(store *s, const store_inbox_query *q, store_application *out)
{
	char procs[STORE_PROCS_JSON_MAX];
	int rc = store_get_check(s, store_procs_json(q, procs), out, sizeof(*out));
	return rc != STORE_OK ? rc : s->be->dash_oldest(s->ctx, procs, out);
}

int store_dash_overdue(store *s, const char *proc_id, long long before_at, store_application *out,
                       size_t max, size_t *n)
{
	int ok = store_token_ok(proc_id, STORE_PROC_ID_MAX) && before_at > 0 &&
	         max <= STORE_INBOX_PAGE_MAX;
	STORE_LIST_BY(s, ok, out, max, n, dash_overdue, proc_id, before_at);
}

int store_dash_overdue_count(store *s, const char *proc_id, long long before_at, long long limit,
                             long long *n)
{
	int ok = store_token_ok(proc_id, STORE_PROC_ID_MAX) && before_at > 0 && limit > 0;
	STORE_COUNT_BY(s, ok, n, dash_overdue_count, proc_id, before_at, limit);
}
