/* housekeep: the portal's periodic clean-up, run on the worker pool by a timer of the first
 * event loop (ten seconds after start, then hourly): sessions past their timeouts, old
 * throttling rows and records of uploads without login (a day old), sign requests never
 * used, and drafts of procedures without login untouched for anon_draft_hours (the pages
 * treat such a draft as gone already, so the hour until this runs shows nothing); and the
 * staff's hourly digests of new arrivals (core/staff_alerts.c) that are due. Each
 * deletion is one statement; several portal processes on one database take turns (the
 * store's housekeeping lock: one runs it, the others skip that hour). */
#include <string.h>
#include <time.h>

#include "core/staff_alerts.h"
#include "http/defer.h"
#include "http/housekeep.h"
#include "store/store.h"
#include "util/log.h"

/* Each step on its own: one that fails is logged (with its own message, before the next
 * call replaces it) and the others still run. */
static void step(store *s, int e, const char *what)
{
	if (e != STORE_OK)
		log_error("housekeeping: %s: %s", what, store_errmsg(s));
}

/* The database's procedure set is still this process's (another started with other files:
 * record_procedures of main.c). */
static void procedures_check(store *s, const app *a)
{
	char digest[STORE_PROCSET_DIGEST_LEN + 1];
	if (store_procedure_set_get(s, digest) != STORE_OK) {
		log_error("housekeeping: procedure set: %s", store_errmsg(s));
		return;
	}
	if (digest[0] && strcmp(digest, a->procs_digest) != 0)
		log_error("this process serves other procedures (%.12s…) than the portal process "
		          "that started last on this database (%.12s…): restart it with the same "
		          "procedure files",
		          a->procs_digest, digest);
}

static void housekeep_steps(store *s, const app *a)
{
	long long now = (long long)time(NULL), drafts = 0, requests = 0;
	const config *c = &a->cfg;
	step(s,
	     store_sessions_expire(s, now - c->session_idle_minutes * 60,
	                           now - c->session_absolute_hours * 3600),
	     "sessions");
	step(s,
	     store_staff_sessions_expire(s, now - c->staff_session_idle_minutes * 60,
	                                 now - c->staff_session_absolute_hours * 3600),
	     "staff sessions");
	step(s, store_throttle_prune(s, now - 86400), "throttle");
	step(s, store_sign_requests_prune(s, now - 86400, &requests), "sign requests");
	step(s, store_drafts_prune_anonymous(s, now - c->anon_draft_hours * 3600LL, &drafts),
	     "drafts");
	step(s, store_anon_uploads_prune(s, now - 86400, NULL), "uploads");
	submit_site site = {c->city_name, c->site_name, c->base_url};
	if (staff_alerts_digest(s, &site, staff_alerts_title, a->procs, now, 0) < 0)
		log_error("housekeeping: staff digests: stopped at a store error");
	if (drafts || requests)
		log_info("housekeeping: %lld old draft(s) without login, %lld unused sign "
		         "request(s) deleted",
		         drafts, requests);
}

/* The steps, in one portal process at a time (several on one PostgreSQL database). */
static void housekeep_work(store *s, const app *a, void *arg)
{
	(void)arg;
	int got = 0;
	procedures_check(s, a); /* in every process, the lock or not */
	if (store_housekeeping_lock(s, &got) != STORE_OK) {
		log_error("housekeeping: the lock: %s", store_errmsg(s));
		return;
	}
	if (!got) {
		log_info("housekeeping: another portal process is at it; skipped");
		return;
	}
	housekeep_steps(s, a);
	if (store_housekeeping_unlock(s) != STORE_OK)
		log_error("housekeeping: unlock: %s", store_errmsg(s));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct event *ev = arg;
	struct timeval hour = {3600, 0};
	defer_background(housekeep_work, NULL);
	event_add(ev, &hour);
}

struct event *housekeep_start(struct event_base *base)
{
	struct event *ev = event_new(base, -1, 0, on_timer, event_self_cbarg());
	struct timeval first = {10, 0};
	if (ev)
		event_add(ev, &first);
	return ev;
}
