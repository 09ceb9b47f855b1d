/* application: statuses, transitions, receipt numbers and the content of an application
 * (see application.h). */
#include "core/application.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/jdate.h"

static const app_status statuses[] = {
    {"sent", "送信済", 0, 1},      {"accepted", "受付", 0, 1},     {"reviewing", "審査中", 0, 1},
    {"done", "処理完了", 1, 0},    {"rejected", "申請却下", 1, 0}, {"returned", "差し戻し", 0, 1},
    {"withdrawn", "取下げ", 1, 0},
};
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

/* Every change an application may undergo, and who may make it. The staff's decisions go
 * one way: 送信済 -> 受付 -> 審査中 -> 処理完了, 申請却下 or 差し戻し; a rejection must say
 * why (行政手続法 第8条: the reason is shown to the applicant) and a return what to correct
 * (note: 1, the decision needs a text for the applicant). The applicant's correction of a
 * returned application (差し戻し) sends it again (returned -> sent, a new version of it). A
 * withdrawal is possible from every status the table above marks withdrawable (checked by the
 * unit test, so the two cannot drift apart). */
static const struct transition {
	const char *from, *to;
	enum app_actor by;
	int note;
} transitions[] = {
    {"sent", "withdrawn", APP_BY_APPLICANT, 0},      {"accepted", "withdrawn", APP_BY_APPLICANT, 0},
    {"reviewing", "withdrawn", APP_BY_APPLICANT, 0}, {"returned", "withdrawn", APP_BY_APPLICANT, 0},
    {"sent", "accepted", APP_BY_STAFF, 0},           {"accepted", "reviewing", APP_BY_STAFF, 0},
    {"reviewing", "done", APP_BY_STAFF, 0},          {"reviewing", "rejected", APP_BY_STAFF, 1},
    {"reviewing", "returned", APP_BY_STAFF, 1},      {"returned", "sent", APP_BY_APPLICANT, 0},
};
#define N_TRANSITIONS (sizeof(transitions) / sizeof(transitions[0]))

const app_status *app_statuses(size_t *n_out)
{
	if (n_out)
		*n_out = N_STATUSES;
	return statuses;
}

const app_status *app_status_find(const char *name)
{
	for (size_t i = 0; name && i < N_STATUSES; i++)
		if (strcmp(statuses[i].name, name) == 0)
			return &statuses[i];
	return NULL;
}

const char *app_status_label(const char *name)
{
	const app_status *s = app_status_find(name);
	return s ? s->label : name;
}

int app_status_valid(const char *name)
{
	return app_status_find(name) != NULL;
}

int app_status_withdrawable(const char *name)
{
	const app_status *s = app_status_find(name);
	return s && s->withdrawable;
}

int app_status_final(const char *name)
{
	const app_status *s = app_status_find(name);
	return s && s->final;
}

/* The row of the change, or NULL. */
static const struct transition *transition_find(const char *from, const char *to, enum app_actor by)
{
	for (size_t i = 0; from && to && i < N_TRANSITIONS; i++)
		if (transitions[i].by == by && strcmp(transitions[i].from, from) == 0 &&
		    strcmp(transitions[i].to, to) == 0)
			return &transitions[i];
	return NULL;
}

int app_transition_allowed(const char *from, const char *to, enum app_actor by)
{
	return transition_find(from, to, by) != NULL;
}

int app_transition_needs_note(const char *from, const char *to, enum app_actor by)
{
	const struct transition *t = transition_find(from, to, by);
	return t && t->note;
}

/* The other end of every change of by whose from (when key_is_from) or to is key, into
 * out as app_transition_targets and app_transition_sources state. */
static size_t transition_ends(const char *key, int key_is_from, enum app_actor by, const char **out,
                              size_t max)
{
	size_t n = 0;
	if (!out || max == 0)
		return 0;
	for (size_t i = 0; key && i < N_TRANSITIONS && n + 1 < max; i++) {
		const struct transition *t = &transitions[i];
		if (t->by == by && strcmp(key_is_from ? t->from : t->to, key) == 0)
			out[n++] = key_is_from ? t->to : t->from;
	}
	out[n] = NULL;
	return n;
}

size_t app_transition_targets(const char *from, enum app_actor by, const char **out, size_t max)
{
	return transition_ends(from, 1, by, out, max);
}

size_t app_transition_sources(const char *to, enum app_actor by, const char **out, size_t max)
{
	return transition_ends(to, 0, by, out, max);
}

int app_resubmit_note(int version, char *out, size_t len)
{
	if (version < 2 || !out)
		return -1;
	int w = snprintf(out, len, "再申請（第%d版）", version);
	return w > 0 && (size_t)w < len ? 0 : -1;
}

int app_receipt_valid(const char *r)
{
	size_t len;
	if (!r)
		return 0;
	len = strnlen(r, APP_RECEIPT_MAX + 1);
	if (len < 11 || len > APP_RECEIPT_MAX || r[4] != '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && !(r[i] >= '0' && r[i] <= '9'))
			return 0;
	return 1;
}

int app_receipt_format(int year, long long n, char *out, size_t len)
{
	if (year < 1 || year > 9999 || n < 1 || !out)
		return -1;
	int w = snprintf(out, len, "%04d-%06lld", year, n);
	return w > 0 && (size_t)w < len && w <= APP_RECEIPT_MAX ? 0 : -1;
}

int app_receipt_year(long long now)
{
	time_t t;
	struct tm tm;

	if (now <= 0 || now > LLONG_MAX - JDATE_JST_OFFSET)
		return 0;
	t = (time_t)(now + JDATE_JST_OFFSET);
	if ((long long)t != now + JDATE_JST_OFFSET || !gmtime_r(&t, &tm))
		return 0;
	if (tm.tm_year < 1 - 1900 || tm.tm_year > 9999 - 1900)
		return 0;
	return tm.tm_year + 1900;
}

json_t *app_raw_load(const char *text)
{
	return json_loads(text ? text : "{}", JSON_ALLOW_NUL, NULL);
}

/* Required file fields without any file. */
static void check_files(const procedure *p, json_t *attachments, json_t *errs)
{
	char msg[1024]; /* a label is up to 100 characters: never cut (a cut one is lost) */
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *f = &p->fields[i];
		if (f->type != FT_FILE || !f->required ||
		    json_array_size(json_object_get(attachments, f->name)) > 0)
			continue;
		snprintf(msg, sizeof(msg), "%sを添付してください。", f->label);
		json_array_append_new(errs,
		                      json_pack("{s:s, s:s}", "field", f->name, "message", msg));
	}
}

json_t *app_answers_check(const procedure *p, json_t *raw, json_t *attachments,
                          bank_lookup_fn banks, void *banks_ctx, json_t *errs)
{
	json_t *ans = answers_validate(p, raw, errs, banks, banks_ctx);
	check_files(p, attachments, errs);
	return ans;
}

enum app_content_result app_content_build(const procedure *p, json_t *raw, json_t *attachments,
                                          bank_lookup_fn banks, void *banks_ctx, json_t *errs,
                                          app_content *out)
{
	memset(out, 0, sizeof(*out));
	out->answers = app_answers_check(p, raw, attachments, banks, banks_ctx, errs);
	if (!out->answers || json_array_size(errs)) {
		app_content_release(out);
		return APP_CONTENT_ERRORS;
	}
	answers_compute(p, out->answers);
	out->canonical = answers_canonical(p, out->answers, attachments, out->digest);
	out->lines = answers_display(p, out->answers, attachments);
	if (!out->canonical || !out->lines) {
		app_content_release(out);
		return APP_CONTENT_ENOMEM;
	}
	return APP_CONTENT_OK;
}

void app_content_release(app_content *c)
{
	json_decref(c->answers);
	json_decref(c->lines);
	free(c->canonical);
	memset(c, 0, sizeof(*c));
}
