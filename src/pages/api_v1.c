/* api_v1: the API for the city's back-office systems (基幹連携), JSON over HTTP with a key
 * (core/api.h) in "Authorization: Bearer mdg_ID_SECRET":
 *   GET  /api/v1/applications?procedure=ID[&after=CURSOR][&limit=N]  the applications of a
 *        procedure oldest first, N (1..50, default 50) after the cursor, with next_cursor;
 *   GET  /api/v1/applications/:receipt  one application with its answers and evidence;
 *   POST /api/v1/applications/:receipt/status  {"status", "seen_event", "text"}: a status
 *        change by the transition table, as a reviewer's decision (core/decision.c), for a
 *        key of scope read_status.
 * A key reads only its procedures (403 for another) and a revoked or unknown key gets 401.
 * Every call is audited: a read is one api_read row with the SHA-256 of the JSON sent
 * (without it nothing is sent, 503), a status change its decision row, a refused call an
 * api_refused row. Everything after the request's parsing runs on the pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/api.h"
#include "core/application.h"
#include "core/audit.h"
#include "core/decision.h"
#include "core/staff.h"
#include "http/defer.h"
#include "http/session.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "util/log.h"
#include "util/num.h"
#include "util/token.h"

#define API_PAGE_MAX STORE_EXPORT_PAGE_MAX
#define API_EVENTS_MAX 64

enum api_kind { API_LIST, API_GET, API_STATUS };

typedef struct api_job {
	enum api_kind kind;
	char token[API_KEY_TEXT_MAX + 1]; /* as sent, "" when none or too long */
	char peer[64];
	int bad;                          /* the request is malformed: 400 once the key is good */
	char proc[STORE_PROC_ID_MAX + 1]; /* list */
	char cursor[64];
	long long after_at;
	char after[STORE_RECEIPT_MAX + 1];
	long limit;
	char receipt[STORE_RECEIPT_MAX + 1]; /* one application */
	char to[STORE_STATUS_MAX + 1];       /* status change */
	char text[STORE_NOTE_MAX + 1];
	long long seen_event;
	store_api_key key;
	int status; /* the answer */
	char *body;
	const char *why; /* the refusal's code */
} api_job;

/* ---- on the pool ---- */

/* The refusal status with its code and message as the answer, and its api_refused row. */
static void refuse(store *s, api_job *j, int status, const char *why, const char *msg)
{
	char detail[128];
	j->status = status;
	j->why = why;
	json_t *o =
	    json_pack("{s:s, s:s}", "error", status == 401 ? "unauthorized" : why, "message", msg);
	j->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	snprintf(detail, sizeof(detail), "%d %s", status, why);
	if (j->key.id > 0)
		api_audit(s, j->key.id, j->receipt[0] ? j->receipt : NULL, AUDIT_API_REFUSED,
		          detail, j->peer, (long long)time(NULL));
	else
		staff_audit_app(s, 0, NULL, AUDIT_API_REFUSED, detail, j->peer,
		                (long long)time(NULL));
}

/* The key of the request into j->key: 1, or 0 after refusing (401). */
static int authorised(store *s, api_job *j)
{
	char secret[TOKEN_LEN + 1];
	long long id = 0;
	char why[48];
	int ok = api_key_parse(j->token, &id, secret) == 0 &&
	         store_api_key_get(s, id, &j->key) == STORE_OK && api_key_valid(&j->key, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!ok) { /* the caller is not the key's holder: anonymous, naming the id it claimed */
		j->key.id = 0;
		snprintf(why, sizeof(why), id > 0 ? "unauthorized key=%lld" : "unauthorized", id);
		refuse(s, j, 401, why, MSG_API_UNAUTHORIZED);
		j->why = "unauthorized";
	}
	return ok;
}

/* The JSON o (consumed) as the answer of a read, with its api_read row (the SHA-256 of the
 * bytes) and the key's last use in one transaction; 503 when they cannot be written. */
static void answer_read(store *s, api_job *j, json_t *o, const char *what)
{
	char sha[65], detail[AUDIT_DETAIL_MAX + 1];
	long long now = (long long)time(NULL);
	j->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!j->body) {
		refuse(s, j, 503, "unavailable", MSG_API_UNAVAILABLE);
		return;
	}
	token_sha256_hex(j->body, strlen(j->body), sha);
	snprintf(detail, sizeof(detail), "%s sha256=%s", what, sha);
	if (store_begin(s) == STORE_OK &&
	    api_audit(s, j->key.id, j->receipt[0] ? j->receipt : NULL, AUDIT_API_READ, detail,
	              j->peer, now) == 0 &&
	    store_api_key_used(s, j->key.id, now) == STORE_OK && store_commit(s) == STORE_OK) {
		j->status = 200;
		return;
	}
	store_rollback(s);
	free(j->body); /* nothing is sent without its audit row */
	j->body = NULL;
	refuse(s, j, 503, "unavailable", MSG_API_UNAVAILABLE);
}

static void list_work(store *s, api_job *j)
{
	store_application page[API_PAGE_MAX];
	size_t n = 0;
	char what[200], next[64];
	if (!api_key_allows(&j->key, j->proc, 0)) {
		refuse(s, j, 403, "forbidden", MSG_API_FORBIDDEN);
		return;
	}
	if (store_api_page(s, j->proc, j->after_at, j->after[0] ? j->after : NULL, page,
	                   (size_t)j->limit, &n) != STORE_OK) {
		log_error("api list: %s", store_errmsg(s));
		refuse(s, j, 503, "unavailable", MSG_API_UNAVAILABLE);
		return;
	}
	json_t *items = json_array();
	snprintf(next, sizeof(next), "%s", j->cursor);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(items, api_list_item(&page[i]));
		api_cursor(&page[i], next, sizeof(next));
	}
	json_t *o = json_pack("{s:o, s:s?, s:b}", "applications", items, "next_cursor",
	                      next[0] ? next : NULL, "more", n == (size_t)j->limit);
	snprintf(what, sizeof(what), "list proc=%s after=%s n=%zu", j->proc,
	         j->cursor[0] ? j->cursor : "-", n);
	answer_read(s, j, o, what);
}

/* The application of j->receipt into *ap if the key may (status: change it): 0, else -1
 * after refusing (404, 403, 503). */
static int load_allowed(store *s, api_job *j, store_application *ap, int status)
{
	int rc = j->receipt[0] ? store_application_get(s, j->receipt, ap) : STORE_ENOTFOUND;
	if (rc != STORE_OK) {
		if (rc == STORE_ENOTFOUND || rc == STORE_EINPUT)
			refuse(s, j, 404, "not_found", MSG_API_NOT_FOUND);
		else
			refuse(s, j, 503, "unavailable", MSG_API_UNAVAILABLE);
		return -1;
	}
	if (api_key_allows(&j->key, ap->proc_id, status))
		return 0;
	store_application_release(ap);
	if (status && api_key_allows(&j->key, ap->proc_id, 0))
		refuse(s, j, 403, "read_only", MSG_API_READ_ONLY);
	else
		refuse(s, j, 403, "forbidden", MSG_API_FORBIDDEN);
	return -1;
}

static void get_work(store *s, api_job *j)
{
	store_application ap;
	store_app_event ev[API_EVENTS_MAX];
	size_t nev = 0;
	long long last = 0;
	if (load_allowed(s, j, &ap, 0) < 0)
		return;
	if (store_application_events(s, j->receipt, ev, API_EVENTS_MAX, &nev) != STORE_OK ||
	    store_application_last_event(s, j->receipt, &last) != STORE_OK) {
		store_application_release(&ap);
		refuse(s, j, 503, "unavailable", MSG_API_UNAVAILABLE);
		return;
	}
	json_t *o = api_application(&ap, last, ev, nev);
	store_application_release(&ap);
	answer_read(s, j, o, "get");
}

static void status_answer(store *s, api_job *j, enum decision_outcome out, int mailed)
{
	static const struct {
		int status;
		const char *why;
		const char *msg;
	} refusals[] = {
	    [DECISION_FAIL] = {503, "unavailable", MSG_API_UNAVAILABLE},
	    [DECISION_NOTFOUND] = {404, "not_found", MSG_API_NOT_FOUND},
	    [DECISION_FORBIDDEN] = {403, "forbidden", MSG_API_FORBIDDEN},
	    [DECISION_REFUSED] = {409, "not_allowed", MSG_API_NOT_ALLOWED},
	    [DECISION_NEEDS_TEXT] = {400, "text_required", MSG_API_TEXT_REQUIRED},
	    [DECISION_CONFLICT] = {409, "conflict", MSG_API_CONFLICT},
	};
	if (out != DECISION_DONE) {
		refuse(s, j, refusals[out].status, refusals[out].why, refusals[out].msg);
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "receipt", j->receipt, "status", j->to,
	                      "status_label", app_status_label(j->to), "mailed", mailed);
	j->status = 200;
	j->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

static void status_work(store *s, const app *a, api_job *j)
{
	store_application ap;
	int mailed = 0;
	if (load_allowed(s, j, &ap, 1) < 0)
		return;
	submit_site site = {a->cfg.city_name, a->cfg.site_name, a->cfg.base_url};
	/* the status now: a change since seen_event is a conflict (decision_apply checks it) */
	decision_request rq = {j->receipt, 0,       ap.status, j->seen_event,         j->to,
	                       j->text,    j->peer, &site,     (long long)time(NULL), j->key.id};
	enum decision_outcome out = decision_apply(s, &rq, &mailed);
	store_application_release(&ap);
	status_answer(s, j, out, mailed);
}

static void api_work(store *s, const app *a, void *arg)
{
	api_job *j = arg;
	if (!authorised(s, j))
		return;
	if (j->bad)
		refuse(s, j, 400, "bad_request", MSG_API_BAD_REQUEST);
	else if (j->kind == API_LIST)
		list_work(s, j);
	else if (j->kind == API_GET)
		get_work(s, j);
	else
		status_work(s, a, j);
}

/* ---- on the loop ---- */

static void api_done(req *r, void *arg)
{
	api_job *j = arg;
	if (r->ev) {
		resp_header(r, "Cache-Control", "no-store");
		if (j->status == 401)
			resp_header(r, "WWW-Authenticate", "Bearer realm=\"madoguchi\"");
		if (j->body)
			resp_bytes(r, j->status, "application/json; charset=utf-8", j->body,
			           strlen(j->body));
		else
			resp_bytes(r, 503, "application/json; charset=utf-8",
			           "{\"error\":\"unavailable\"}", 23);
	}
	free(j->body);
	free(j);
}

/* A job of kind with the request's key and peer, or NULL after answering 503. */
static api_job *api_job_new(req *r, enum api_kind kind)
{
	api_job *j = calloc(1, sizeof(*j));
	const char *h = req_header(r, "Authorization");
	if (!j) {
		resp_error(r, 503, MSG_BUSY_TITLE, MSG_TRY_LATER);
		return NULL;
	}
	j->kind = kind;
	if (h && strncasecmp(h, "Bearer ", 7) == 0 && strlen(h + 7) <= API_KEY_TEXT_MAX)
		snprintf(j->token, sizeof(j->token), "%s", h + 7);
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	return j;
}

void page_api_v1_list(req *r)
{
	api_job *j = api_job_new(r, API_LIST);
	if (!j)
		return;
	const char *proc = form_get(&r->query, "procedure"), *after = form_get(&r->query, "after"),
	           *limit = form_get(&r->query, "limit");
	j->limit = API_PAGE_MAX;
	j->bad = !proc || strlen(proc) > STORE_PROC_ID_MAX ||
	         strspn(proc, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(proc) ||
	         (limit && num_parse_long(limit, 1, API_PAGE_MAX, &j->limit) != 0) ||
	         (after && (strlen(after) >= sizeof(j->cursor) ||
	                    api_cursor_parse(after, &j->after_at, j->after) != 0));
	if (!j->bad) {
		snprintf(j->proc, sizeof(j->proc), "%s", proc);
		snprintf(j->cursor, sizeof(j->cursor), "%s", after ? after : "");
	}
	req_defer(r, api_work, api_done, j);
}

/* The receipt of the path into j ("" for a malformed one: 404 by the worker once the key is
 * good, as for an absent one). */
static void receipt_of(req *r, api_job *j)
{
	if (app_receipt_valid(r->params[0]) && strlen(r->params[0]) <= STORE_RECEIPT_MAX)
		snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
}

void page_api_v1_get(req *r)
{
	api_job *j = api_job_new(r, API_GET);
	if (!j)
		return;
	receipt_of(r, j);
	req_defer(r, api_work, api_done, j);
}

void page_api_v1_status(req *r)
{
	size_t len = 0;
	api_job *j = api_job_new(r, API_STATUS);
	if (!j)
		return;
	receipt_of(r, j);
	const char *body = req_body(r, &len);
	j->bad = api_status_parse(body, len, j->to, j->text, &j->seen_event) != 0;
	req_defer(r, api_work, api_done, j);
}
