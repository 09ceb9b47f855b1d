/* staff_evidence: the signature evidence panel of an application's staff page, beside the
 * form: the signing certificate's basic four (with the 代替文字 fields where the report has
 * them), its issuer, serial and validity, the revocation check made at arrival (OCSP or CRL,
 * when, what it said), each of name, birth date and address side by side with the form's
 * answer and a difference said in words (core/compare.h), then every later 再検証 under the
 * result at arrival, which is never overwritten; the signature time-stamp (its time, or that it
 * is still awaited or was given up) when one was asked for. Also the application's attachments
 * (images shown, PDFs as downloads) and the next/previous links in the inbox's order. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/compare.h"
#include "core/export.h"
#include "pages/messages.h"
#include "pages/staff_int.h"
#include "sig/stamp.h"
#include "util/jdate.h"

/* "2026-11-26T18:29:46Z" as Japan's date and time; the text itself when it is not one. */
static json_t *iso_time_json(const char *iso)
{
	struct tm tm = {0};
	char out[128];
	const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (!iso)
		return json_string(MSG_STAFF_B4_NONE);
	if (!end || *end)
		return json_string(iso);
	jdate_format_time((long long)timegm(&tm), out, sizeof(out));
	return json_string(out);
}

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A date as the resident pages show it (the era), else the text as it is. */
static json_t *date_json(const char *v)
{
	char iso[11], out[128];
	if (!v)
		return json_string(MSG_STAFF_B4_NONE);
	if (compare_date_parse(v, iso) == 0 && jdate_format(iso, out, sizeof(out)) == 0)
		return json_string(out);
	return json_string(v);
}

/* The revocation check at arrival (or of a re-verification) in words. */
static json_t *revocation_json(const json_t *report)
{
	const json_t *rev = json_object_get(report, "revocation");
	const char *m = str_at(rev, "method"), *st = str_at(rev, "status");
	const char *method = !m                   ? "記録なし"
	                     : !strcmp(m, "ocsp") ? "OCSP"
	                     : !strcmp(m, "crl")  ? "CRL（失効リスト）"
	                                          : "確認なし";
	const char *status = !st                      ? "記録なし"
	                     : !strcmp(st, "good")    ? "失効していません"
	                     : !strcmp(st, "revoked") ? "失効しています"
	                     : !strcmp(st, "unknown") ? "不明と回答されました"
	                     : !strcmp(st, "skipped") ? "確認していません（前の検査で不合格）"
	                     : !strcmp(st, "not_checked") ? "確認していません"
	                                                  : "確認できませんでした";
	return json_pack("{s:s, s:s, s:o, s:s}", "method", method, "status", status, "when",
	                 iso_time_json(str_at(report, "verified_at")), "detail",
	                 str_at(rev, "detail") ? str_at(rev, "detail") : "");
}

/* One verification (at arrival or later): result, when, certificate, revocation. */
static json_t *verification_json(const json_t *report)
{
	const json_t *cert = json_object_get(report, "certificate");
	const char *result = str_at(report, "result");
	return json_pack(
	    "{s:b, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "ok", result && !strcmp(result, "ok"),
	    "result", result ? result : "", "message",
	    str_at(report, "message") ? str_at(report, "message") : "", "when",
	    iso_time_json(str_at(report, "verified_at")), "issuer",
	    str_at(cert, "issuer") ? str_at(cert, "issuer") : MSG_STAFF_B4_NONE, "serial",
	    str_at(cert, "serial") ? str_at(cert, "serial") : MSG_STAFF_B4_NONE, "not_before",
	    iso_time_json(str_at(cert, "not_before")), "not_after",
	    iso_time_json(str_at(cert, "not_after")), "revocation", revocation_json(report));
}

static const char *verdict_text(enum compare_verdict v)
{
	return v == COMPARE_DIFFERENT ? MSG_STAFF_CMP_DIFFERENT
	       : v == COMPARE_SAME    ? MSG_STAFF_CMP_SAME
	                              : MSG_STAFF_CMP_MISSING;
}

static void row_add(json_t *rows, const char *label, json_t *card, json_t *form, int compared,
                    enum compare_verdict v)
{
	json_t *row = json_pack("{s:s, s:o, s:o, s:b, s:b, s:s}", "label", label, "card", card,
	                        "form", form ? form : json_string(""), "has_form", form != NULL,
	                        "different", compared && v == COMPARE_DIFFERENT, "verdict",
	                        compared ? verdict_text(v) : "");
	json_array_append_new(rows, row);
}

/* The form's answer of the field of a basic four role, NULL when none. */
static const char *answer_of(const json_t *answers, const procedure *p, proc_basic4 role)
{
	const proc_field *f = p ? proc_basic4_field(p, role) : NULL;
	return f ? str_at(answers, f->name) : NULL;
}

static const char *gender_text(const char *g)
{
	return g ? export_gender_text(g) : MSG_STAFF_B4_NONE;
}

static json_t *text_or_none(const char *v, const char *none)
{
	return json_string(v && v[0] ? v : none);
}

/* The certificate's basic four beside the form's name, birth date and address. */
static json_t *compare_rows(const json_t *b4, const json_t *answers, const procedure *p, int *ndiff)
{
	const char *name = answer_of(answers, p, PB_NAME),
	           *addr = answer_of(answers, p, PB_ADDRESS);
	const char *birth = answer_of(answers, p, PB_BIRTH_DATE);
	const char *cb = str_at(b4, "birth_date") ? str_at(b4, "birth_date") : str_at(b4, "birth");
	compare_basic4 c;
	json_t *rows = json_array();
	compare_with_card(name, birth, addr, b4, &c);
	*ndiff = (c.name == COMPARE_DIFFERENT) + (c.birth == COMPARE_DIFFERENT) +
	         (c.address == COMPARE_DIFFERENT);
	row_add(rows, "氏名", text_or_none(str_at(b4, "name"), MSG_STAFF_B4_NONE),
	        text_or_none(name, MSG_STAFF_NOT_ANSWERED), 1, c.name);
	if (str_at(b4, "name_alt") && str_at(b4, "name_alt")[0])
		row_add(rows, "氏名の代替文字", json_string(str_at(b4, "name_alt")), NULL, 0, 0);
	row_add(rows, "生年月日", date_json(cb),
	        birth ? date_json(birth) : json_string(MSG_STAFF_NOT_ANSWERED), 1, c.birth);
	row_add(rows, "性別", json_string(gender_text(str_at(b4, "gender"))), NULL, 0, 0);
	row_add(rows, "住所", text_or_none(str_at(b4, "address"), MSG_STAFF_B4_NONE),
	        text_or_none(addr, MSG_STAFF_NOT_ANSWERED), 1, c.address);
	if (str_at(b4, "address_alt") && str_at(b4, "address_alt")[0])
		row_add(rows, "住所の代替文字", json_string(str_at(b4, "address_alt")), NULL, 0, 0);
	return rows;
}

/* The re-verifications, oldest first, each with who made it. */
static json_t *reverifications_json(const store_reverification *rv, size_t n)
{
	json_t *list = json_array();
	char when[128];
	for (size_t i = 0; i < n; i++) {
		json_t *report = rv[i].report ? json_loads(rv[i].report, 0, NULL) : NULL;
		json_t *v = verification_json(report);
		jdate_format_time(rv[i].at, when, sizeof(when));
		json_object_set_new(v, "at", json_string(when));
		json_object_set_new(v, "who", text_or_none(rv[i].staff_name, "（削除された職員）"));
		json_array_append_new(list, v);
		json_decref(report);
	}
	return list;
}

/* The time given by the TSA ("" and a note when none yet: pending or given up). */
#define MSG_STAFF_TIMESTAMP_AT "%s（時刻認証局が証明した時刻）"
static json_t *timestamp_json(const store_timestamp *ts)
{
	char when[128], text[256];
	if (!ts)
		return json_null();
	if (ts->stamped_at) {
		jdate_format_time(ts->gen_time, when, sizeof(when));
		snprintf(text, sizeof(text), MSG_STAFF_TIMESTAMP_AT, when);
	}
	return json_pack("{s:s, s:b, s:s}", "label", MSG_STAFF_TIMESTAMP, "stamped",
	                 ts->stamped_at != 0, "text",
	                 ts->stamped_at       ? text
	                 : stamp_given_up(ts) ? MSG_STAFF_TIMESTAMP_FAILED
	                                      : MSG_STAFF_TIMESTAMP_PENDING);
}

void staff_evidence_ctx(json_t *ctx, const store_application *ap, const procedure *p,
                        const store_reverification *rv, size_t nrv, const store_timestamp *ts)
{
	json_t *report = ap->verification ? json_loads(ap->verification, 0, NULL) : NULL;
	json_t *content = ap->content ? json_loads(ap->content, 0, NULL) : NULL;
	json_t *b4 = json_object_get(report, "basic_four");
	int ndiff = 0;
	json_object_set_new(ctx, "signed", json_boolean(ap->signature_len > 0));
	json_object_set_new(ctx, "has_basic4", json_boolean(json_is_object(b4)));
	if (json_is_object(b4))
		json_object_set_new(
		    ctx, "basic4",
		    compare_rows(b4, json_object_get(content, "answers"), p, &ndiff));
	json_object_set_new(ctx, "ndiff", json_integer(ndiff));
	json_object_set_new(ctx, "has_diff", json_boolean(ndiff > 0));
	json_object_set_new(ctx, "b4_note", json_string(MSG_STAFF_B4_SIDE_BY_SIDE));
	if (report)
		json_object_set_new(ctx, "arrival", verification_json(report));
	json_object_set_new(ctx, "timestamp", timestamp_json(ts));
	json_object_set_new(ctx, "reverifications", reverifications_json(rv, nrv));
	json_object_set_new(ctx, "has_reverifications", json_boolean(nrv > 0));
	json_decref(content);
	json_decref(report);
}

void staff_evidence_begin(req *r, staff_evidence_job *e)
{
	e->keep_filter = staff_filter_read(&r->query, &e->f);
	if (!e->keep_filter)
		staff_filter_read(NULL, &e->f); /* the unfiltered order */
	e->f.after[0] = '\0';
	e->f.after_at = 0;
}

int staff_evidence_load(store *s, staff_evidence_job *e, const store_application *ap, long long me)
{
	store_staff_role roles[STORE_INBOX_PROCS_MAX];
	const char *procs[STORE_INBOX_PROCS_MAX];
	store_inbox_query q;
	size_t nroles = 0;
	int tsrc = store_timestamp_get(s, ap->receipt, ap->digest, &e->ts);
	if (tsrc != STORE_OK && tsrc != STORE_ENOTFOUND)
		return -1;
	e->has_ts = tsrc == STORE_OK;
	if (store_application_review(s, ap->receipt, &e->rev) != STORE_OK ||
	    store_reverifications(s, ap->receipt, e->rv, STAFF_RV_MAX, &e->nrv) != STORE_OK ||
	    store_attachment_list(s, ap->draft_key, e->att, STAFF_ATT_MAX, &e->natt) != STORE_OK ||
	    store_staff_roles(s, me, roles, STORE_INBOX_PROCS_MAX, &nroles) != STORE_OK)
		return -1;
	if (!staff_filter_query(&e->f, me, roles, nroles, procs, &q))
		return 0; /* a procedure of no role: no links */
	return store_inbox_neighbours(s, &q, ap->submitted_at, ap->receipt, e->newer, e->older) ==
	               STORE_OK
	           ? 0
	           : -1;
}

/* The attachments: images shown (alt: the file name), the others as downloads. */
static json_t *attachments_json(const staff_evidence_job *e, const char *receipt)
{
	json_t *list = json_array();
	char href[128];
	for (size_t i = 0; i < e->natt; i++) {
		const char *m = e->att[i].mime;
		snprintf(href, sizeof(href), "/staff/applications/%s/attachments/%lld", receipt,
		         e->att[i].id);
		json_array_append_new(
		    list,
		    json_pack("{s:s, s:s, s:b, s:I}", "href", href, "filename", e->att[i].filename,
		              "image", !strcmp(m, "image/png") || !strcmp(m, "image/jpeg"), "kb",
		              (json_int_t)((e->att[i].size + 1023) / 1024)));
	}
	return list;
}

static json_t *neighbour_json(const staff_evidence_job *e, const char *receipt)
{
	char qs[1024], href[1200];
	if (!receipt[0])
		return json_null();
	qs[0] = '\0';
	if (e->keep_filter)
		staff_filter_qs(&e->f, qs, sizeof(qs));
	snprintf(href, sizeof(href), "/staff/applications/%s%s%s", receipt, qs[0] ? "?" : "", qs);
	return json_pack("{s:s, s:s}", "href", href, "receipt", receipt);
}

void staff_evidence_page(req *r, json_t *ctx, const staff_evidence_job *e,
                         const store_application *ap, long long me, int reviewer)
{
	staff_evidence_ctx(ctx, ap, proc_catalog_find(r->a->procs, ap->proc_id), e->rv, e->nrv,
	                   e->has_ts ? &e->ts : NULL);
	staff_assign_ctx(ctx, &e->rev, me, reviewer);
	json_object_set_new(ctx, "differs_label", json_string(staff_differs_label(e->rev.differs)));
	json_object_set_new(ctx, "attachments", attachments_json(e, ap->receipt));
	json_object_set_new(ctx, "has_attachments", json_boolean(e->natt > 0));
	json_object_set_new(ctx, "newer", neighbour_json(e, e->newer));
	json_object_set_new(ctx, "older", neighbour_json(e, e->older));
}

void staff_evidence_release(staff_evidence_job *e)
{
	store_reverifications_release(e->rv, STAFF_RV_MAX);
	store_timestamp_release(&e->ts);
}
