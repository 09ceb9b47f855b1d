/* apply: applying for a procedure (seed steps 6, 7, 14-16). The form drawn from the
 * procedure's fields, drafts saved per person as they go (with attachments), the
 * confirmation page with a change link per answer and the e-signature block, the
 * 「申請します。よろしいですか？」 step, the durable submission with its receipt number and
 * receipt mail, and the completion page. Reads run on the loop; every write runs on the
 * worker pool in one transaction (defer.h). The form engine itself is core/answers.c. */
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/answers.h"
#include "core/application.h"
#include "core/receipt.h"
#include "core/refdata.h"
#include "http/defer.h"
#include "http/multipart.h"
#include "http/session.h"
#include "pages/pages.h"
#include "pages/sign.h"
#include "util/token.h"
#include "store/store.h"
#include "util/jdate.h"
#include "util/log.h"

/* At most this many attachments per draft (all file fields together). */
#define MAX_ATT 64
/* At most this many files in one request. */
#define MAX_UPLOADS 16

/* ---------- small helpers ---------- */

/* The owner of a person's drafts: the account when logged in, else the session. Returns -1
 * when there is neither (the caller then makes a session or asks for login). */
static int owner_of(const req *r, char *out, size_t outlen)
{
	if (r->has_session && r->sess.account_id)
		snprintf(out, outlen, "a:%lld", r->sess.account_id);
	else if (r->has_session)
		snprintf(out, outlen, "s:%s", r->sess.id_hash);
	else
		return -1;
	return 0;
}

/* A draft without login untouched for anon_draft_hours is gone, whether or not housekeeping
 * (hourly) has deleted it yet. */
static int anon_expired(const config *c, const store_draft *d, long long now)
{
	return !strncmp(d->owner, "s:", 2) && now - d->updated_at > c->anon_draft_hours * 3600;
}

/* The owner's open draft of the procedure, as store_draft_open, an expired one not found. */
static int draft_open(const req *r, const char *owner, const procedure *p, store_draft *d)
{
	int rc = store_draft_open(r->w->store, owner, p->id, d);
	if (rc == STORE_OK && anon_expired(&r->a->cfg, d, (long long)time(NULL))) {
		store_draft_release(d);
		return STORE_ENOTFOUND;
	}
	return rc;
}

/* The procedure of the path, checked: it exists, its window is open, the person is logged
 * in when it needs login. Answers (404 / redirect) and returns NULL otherwise. */
static const procedure *gate(req *r)
{
	const procedure *p = proc_catalog_find(r->a->procs, r->params[0]);
	char today[11], loc[200];
	if (!p) {
		resp_error(r, 404, "手続が見つかりません", NULL);
		return NULL;
	}
	jdate_today(today, time(NULL));
	if (proc_window_state(p, today) != 0) {
		snprintf(loc, sizeof(loc), "/procedures/%s", p->id);
		resp_redirect(r, loc);
		return NULL;
	}
	if (p->login_required && !(r->has_session && r->sess.account_id)) {
		snprintf(loc, sizeof(loc), "/procedures/%s/start", p->id);
		resp_redirect(r, loc);
		return NULL;
	}
	return p;
}

static void render_forbidden(req *r)
{
	resp_error(r, 403, "この操作を受け付けられませんでした",
	           "ページの有効期限が切れた可能性があります。前のページを開き直して、もう一度お試"
	           "しください。");
}

static void render_busy(req *r)
{
	resp_error(r, 503, "ただいま混み合っています",
	           "入力した内容は失われていません。しばらくしてから、もう一度お試しください。");
}

/* A write that did not happen: say so, so that nobody believes it was done. */
static void render_busy_msg(req *r, const char *msg)
{
	resp_error(r, 503, "ただいま混み合っています", msg);
}

static json_t *steps(int current)
{
	static const char *const names[] = {"入力", "確認", "完了"};
	json_t *a = json_array();
	for (int i = 0; i < 3; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:b, s:b}", "n", i + 1, "name",
		                                   names[i], "current", i == current, "done",
		                                   i < current));
	return a;
}

static json_t *json_str_or_empty(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_string("");
}

/* attachments (as listed) -> {field: [{filename, sha256, size}]} for answers_*. */
static json_t *attachments_json(const store_attachment *att, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *arr = json_object_get(o, att[i].field);
		if (!arr) {
			arr = json_array();
			json_object_set_new(o, att[i].field, arr);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "filename", att[i].filename,
		                                     "sha256", att[i].sha256, "size",
		                                     (json_int_t)att[i].size));
	}
	return o;
}

static size_t count_files(const store_attachment *att, size_t n, const char *field)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += !strcmp(att[i].field, field);
	return c;
}

static void add_err(json_t *errs, const char *field, const char *msg)
{
	json_array_append_new(errs, json_pack("{s:s, s:s}", "field", field, "message", msg));
}

/* Required file fields without any file. */
static void check_files(const procedure *p, const store_attachment *att, size_t n, json_t *errs)
{
	char msg[1024]; /* a label is up to 100 characters: never cut (a cut one is lost) */
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *f = &p->fields[i];
		if (f->type == FT_FILE && f->required && count_files(att, n, f->name) == 0) {
			snprintf(msg, sizeof(msg), "%sを添付してください。", f->label);
			add_err(errs, f->name, msg);
		}
	}
}

/* ---------- the form: raw input <-> page ---------- */

/* The field's whole value, NUL bytes included: the form engine refuses them with a field
 * error (a C string would end at the first NUL and keep the text before it silently). */
static void put_str(json_t *raw, const char *key, const form_pair *v)
{
	if (!v)
		return;
	json_t *s = json_stringn(v->value, v->value_len);
	json_object_set_new(raw, key, s ? s : json_string("")); /* invalid UTF-8: seen as empty */
}

/* The raw input of the procedure's fields from a submitted form (only known keys). */
static json_t *raw_from_form(const procedure *p, const form *f)
{
	static const char *const date_parts[] = {"year", "month", "day"};
	static const char *const bank_parts[] = {"bank", "branch", "type", "number", "holder"};
	json_t *raw = json_object();
	char key[200];
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *pf = &p->fields[i];
		switch (pf->type) {
		case FT_FILE:
		case FT_COMPUTED:
			break;
		case FT_DATE:
			for (size_t k = 0; k < 3; k++) {
				snprintf(key, sizeof(key), "%s.%s", pf->name, date_parts[k]);
				put_str(raw, key, form_find_nth(f, key, 0));
			}
			break;
		case FT_BANK:
			for (size_t k = 0; k < 5; k++) {
				snprintf(key, sizeof(key), "%s.%s", pf->name, bank_parts[k]);
				put_str(raw, key, form_find_nth(f, key, 0));
			}
			break;
		case FT_CHECKBOX: {
			json_t *arr = json_array();
			const form_pair *v;
			for (size_t k = 0;
			     k < ANSWERS_MAX_CHECKED && (v = form_find_nth(f, pf->name, k)); k++) {
				json_t *s = json_stringn(v->value, v->value_len);
				if (s)
					json_array_append_new(arr, s);
			}
			if (json_array_size(arr))
				json_object_set_new(raw, pf->name, arr);
			else
				json_decref(arr);
			break;
		}
		default:
			put_str(raw, pf->name, form_find_nth(f, pf->name, 0));
		}
	}
	return raw;
}

/* A draft's raw input: NUL bytes typed in a field are kept (\u0000) so that they are
 * refused again, not lost; NULL text is an empty input. */
static json_t *raw_load(const char *text)
{
	return json_loads(text ? text : "{}", JSON_ALLOW_NUL, NULL);
}

static const char *raw_get(json_t *raw, const char *key)
{
	const char *s = json_string_value(json_object_get(raw, key));
	return s ? s : "";
}

static const char *raw_sub(json_t *raw, const char *name, const char *part)
{
	char key[200];
	snprintf(key, sizeof(key), "%s.%s", name, part);
	return raw_get(raw, key);
}

/* The first error of a field (its own id or one of its parts), or NULL. */
static const char *field_error(json_t *errs, const char *name)
{
	size_t i, n = strlen(name);
	json_t *e;
	json_array_foreach(errs, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "field"));
		if (id && !strncmp(id, name, n) && (id[n] == '\0' || id[n] == '.'))
			return json_string_value(json_object_get(e, "message"));
	}
	return NULL;
}

static const char *autocomplete_of(const proc_field *f)
{
	switch (f->type) {
	case FT_EMAIL:
		return "email";
	case FT_PHONE:
		return "tel";
	case FT_POSTAL:
		return "postal-code";
	case FT_TEXT:
		if (!strcmp(f->name, "name"))
			return "name";
		if (!strcmp(f->name, "address"))
			return "street-address";
		return NULL;
	default:
		return NULL;
	}
}

static json_t *options_ctx(const proc_field *f, json_t *raw, int is_checkbox)
{
	json_t *opts = json_array(), *checked = is_checkbox ? json_object_get(raw, f->name) : NULL;
	const char *cur = is_checkbox ? NULL : raw_get(raw, f->name);
	char id[200];
	for (size_t k = 0; k < f->n_options; k++) {
		int on = 0;
		if (is_checkbox) {
			size_t j;
			json_t *v;
			json_array_foreach(checked, j, v) if (json_is_string(v) &&
			                                      !strcmp(json_string_value(v),
			                                              f->options[k].value)) on = 1;
		} else {
			on = !strcmp(cur, f->options[k].value);
		}
		if (k == 0)
			snprintf(id, sizeof(id), "%s", f->name);
		else
			snprintf(id, sizeof(id), "%s-%zu", f->name, k + 1);
		json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "id", id, "value",
		                                      f->options[k].value, "label",
		                                      f->options[k].label, "on", on));
	}
	return opts;
}

static void format_bytes(long long n, char *out, size_t outlen)
{
	if (n >= 1024 * 1024)
		snprintf(out, outlen, "%.1fMB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(out, outlen, "%lldKB", (n + 1023) / 1024);
	else
		snprintf(out, outlen, "%lldバイト", n);
}

static const char *accept_label(const char *mime)
{
	if (!strcmp(mime, "image/jpeg"))
		return "JPEG";
	if (!strcmp(mime, "image/png"))
		return "PNG";
	if (!strcmp(mime, "application/pdf"))
		return "PDF";
	return mime;
}

static json_t *field_ctx(const procedure *p, size_t idx, json_t *raw, json_t *errs,
                         const store_attachment *att, size_t natt)
{
	const proc_field *f = &p->fields[idx];
	json_t *c = json_pack("{s:s, s:s, s:b}", "name", f->name, "label", f->label, "optional",
	                      !f->required);
	const char *err = field_error(errs, f->name);
	char desc[300] = "", buf[1024];
	if (f->help) {
		json_object_set_new(c, "hint", json_string(f->help));
		snprintf(desc, sizeof(desc), "%s-hint", f->name);
	}
	if (err) {
		json_object_set_new(c, "error", json_string(err));
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s-error",
		         *desc ? " " : "", f->name);
	}
	if (*desc)
		json_object_set_new(c, "described", json_string(desc));
	const char *ac = autocomplete_of(f);
	if (ac)
		json_object_set_new(c, "autocomplete", json_string(ac));
	size_t maxlen = answers_max_length(f);
	if (maxlen)
		json_object_set_new(c, "maxlength", json_integer((json_int_t)maxlen));
	switch (f->type) {
	case FT_TEXT:
	case FT_KATAKANA:
		json_object_set_new(c, "is_input", json_true());
		json_object_set_new(c, "type", json_string("text"));
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		break;
	case FT_EMAIL:
		json_object_set_new(c, "is_input", json_true());
		json_object_set_new(c, "type", json_string("email"));
		json_object_set_new(c, "email", json_true());
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		break;
	case FT_PHONE:
		json_object_set_new(c, "is_input", json_true());
		json_object_set_new(c, "type", json_string("tel"));
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		break;
	case FT_POSTAL:
		json_object_set_new(c, "is_input", json_true());
		json_object_set_new(c, "type", json_string("text"));
		json_object_set_new(c, "numeric", json_true());
		json_object_set_new(c, "short", json_true());
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		/* the text field after it receives the address found for the code (apply.js) */
		if (idx + 1 < p->n_fields &&
		    (p->fields[idx + 1].type == FT_TEXT || p->fields[idx + 1].type == FT_TEXTAREA))
			json_object_set_new(c, "address_target",
			                    json_string(p->fields[idx + 1].name));
		break;
	case FT_NUMBER:
		json_object_set_new(c, "is_input", json_true());
		json_object_set_new(c, "type", json_string("text"));
		json_object_set_new(c, "numeric", json_true());
		json_object_set_new(c, "short", json_true());
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		if (f->unit)
			json_object_set_new(c, "unit", json_string(f->unit));
		break;
	case FT_TEXTAREA:
		json_object_set_new(c, "is_textarea", json_true());
		json_object_set_new(c, "value", json_str_or_empty(raw_get(raw, f->name)));
		break;
	case FT_SELECT:
		json_object_set_new(c, "is_select", json_true());
		json_object_set_new(c, "options", options_ctx(f, raw, 0));
		break;
	case FT_RADIO:
	case FT_CHECKBOX:
		json_object_set_new(c, "is_choice", json_true());
		json_object_set_new(c, "choice_type",
		                    json_string(f->type == FT_RADIO ? "radio" : "checkbox"));
		json_object_set_new(c, "options", options_ctx(f, raw, f->type == FT_CHECKBOX));
		break;
	case FT_DATE: {
		int birth = strstr(f->name, "birth") != NULL;
		json_object_set_new(c, "is_date", json_true());
		json_object_set_new(c, "year", json_str_or_empty(raw_sub(raw, f->name, "year")));
		json_object_set_new(c, "month", json_str_or_empty(raw_sub(raw, f->name, "month")));
		json_object_set_new(c, "day", json_str_or_empty(raw_sub(raw, f->name, "day")));
		if (birth)
			json_object_set_new(c, "birth", json_true());
		break;
	}
	case FT_BANK: {
		const char *type = raw_sub(raw, f->name, "type");
		json_object_set_new(c, "is_bank", json_true());
		json_object_set_new(c, "bank", json_str_or_empty(raw_sub(raw, f->name, "bank")));
		json_object_set_new(c, "branch",
		                    json_str_or_empty(raw_sub(raw, f->name, "branch")));
		json_object_set_new(c, "number",
		                    json_str_or_empty(raw_sub(raw, f->name, "number")));
		json_object_set_new(c, "holder",
		                    json_str_or_empty(raw_sub(raw, f->name, "holder")));
		json_object_set_new(c, "futsu", json_boolean(!strcmp(type, "futsu")));
		json_object_set_new(c, "toza", json_boolean(!strcmp(type, "toza")));
		/* errors of each part under that part */
		static const char *const parts[] = {"bank", "branch", "type", "number", "holder"};
		for (size_t k = 0; k < 5; k++) {
			char id[200], key[64];
			snprintf(id, sizeof(id), "%s.%s", f->name, parts[k]);
			const char *pe = field_error(errs, id);
			snprintf(key, sizeof(key), "err_%s", parts[k]);
			if (pe)
				json_object_set_new(c, key, json_string(pe));
		}
		break;
	}
	case FT_FILE: {
		size_t have = count_files(att, natt, f->name);
		json_t *files = json_array();
		for (size_t k = 0; k < natt; k++) {
			if (strcmp(att[k].field, f->name))
				continue;
			char sz[32];
			format_bytes(att[k].size, sz, sizeof(sz));
			json_array_append_new(files, json_pack("{s:I, s:s, s:s}", "id",
			                                       (json_int_t)att[k].id, "filename",
			                                       att[k].filename, "size", sz));
		}
		json_object_set_new(c, "is_file", json_true());
		json_object_set_new(c, "has_files", json_boolean(json_array_size(files) > 0));
		json_object_set_new(c, "files", files);
		json_object_set_new(c, "multiple", json_boolean(f->max_files > 1));
		json_object_set_new(c, "can_add", json_boolean(have < f->max_files));
		buf[0] = '\0';
		char accept[300] = "";
		for (size_t k = 0; k < f->n_accept; k++) {
			snprintf(accept + strlen(accept), sizeof(accept) - strlen(accept), "%s%s",
			         k ? "," : "", f->accept[k]);
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			         k ? "・" : "", accept_label(f->accept[k]));
		}
		json_object_set_new(c, "accept", json_string(accept));
		char sz[32], limits[1200];
		format_bytes((long long)f->max_bytes, sz, sizeof(sz));
		snprintf(limits, sizeof(limits),
		         "%s のファイル、1つ%sまで、%zu個まで添付できます。", buf, sz,
		         f->max_files);
		json_object_set_new(c, "limits", json_string(limits));
		break;
	}
	case FT_COMPUTED:
		json_object_set_new(c, "is_computed", json_true());
		snprintf(buf, sizeof(buf),
		         "%sは、入力された%sから自動で計算し、確認画面に表示します。", f->label,
		         f->source && proc_find_field(p, f->source)
		             ? proc_find_field(p, f->source)->label
		             : "内容");
		json_object_set_new(c, "computed_note", json_string(buf));
		break;
	}
	return c;
}

/* The form page's context. raw and errs are borrowed (errs may be NULL). */
static json_t *form_ctx(req *r, const procedure *p, json_t *raw, json_t *errs,
                        const store_attachment *att, size_t natt, const char *notice)
{
	json_t *ctx = page_base_ctx(r, p->title);
	json_t *empty = NULL;
	if (!errs)
		errs = empty = json_array();
	json_object_set_new(ctx, "proc", json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
	json_object_set_new(ctx, "steps", steps(0));
	json_object_set_new(ctx, "apply_js", json_true());
	json_t *fields = json_array();
	int has_file = 0;
	for (size_t i = 0; i < p->n_fields; i++) {
		json_array_append_new(fields, field_ctx(p, i, raw, errs, att, natt));
		has_file |= p->fields[i].type == FT_FILE;
	}
	json_object_set_new(ctx, "fields", fields);
	json_object_set_new(ctx, "multipart", json_boolean(has_file));
	if (json_array_size(errs)) {
		json_object_set_new(ctx, "errors", json_deep_copy(errs));
		json_object_set_new(ctx, "has_errors", json_true());
		char title[500];
		snprintf(title, sizeof(title), "エラー：%s", p->title);
		json_object_set_new(ctx, "title", json_string(title));
	}
	if (notice)
		json_object_set_new(ctx, "notice", json_string(notice));
	json_decref(empty);
	return ctx;
}

static void render_form(req *r, const procedure *p, json_t *raw, json_t *errs,
                        const store_attachment *att, size_t natt, const char *notice, int status)
{
	resp_page(r, status, "apply_form", form_ctx(r, p, raw, errs, att, natt, notice));
}

/* ---------- jobs on the pool ---------- */

typedef struct upload {
	char field[65];
	char filename[STORE_FILENAME_MAX + 1];
	char mime[128];
	char *data;
	size_t len;
} upload;

enum job_kind { J_SAVE, J_SUBMIT, J_WITHDRAW };
enum outcome { O_FAIL, O_FORM, O_CONFIRM, O_DONE, O_CHANGED, O_NOTFOUND, O_CONFLICT, O_UNSIGNED };

typedef struct job {
	enum job_kind kind;
	const procedure *p;
	char owner[STORE_OWNER_MAX + 1];
	long long account_id;
	char peer[STORE_PEER_MAX + 1]; /* the client's address (bounds of uploads without login) */
	int new_session;               /* save: make the session of a person without one */
	char cookie[TOKEN_LEN + 1];    /* ... its cookie, */
	req_session sess;              /* ... and its row */
	char action[16];               /* save: "next" | "save" | "remove" */
	char *raw;                     /* JSON text of the input */
	upload ups[MAX_UPLOADS];
	size_t n_ups;
	long long remove_id;
	int removed; /* the file of remove_id was deleted */
	char key[STORE_DRAFT_KEY_MAX + 1];
	char digest[65];
	char receipt[STORE_RECEIPT_MAX + 1];
	/* results */
	enum outcome out;
	json_t *errs;
	json_t *raw_back; /* the raw input as saved, for rendering */
	store_attachment att[MAX_ATT];
	size_t n_att;
	int mailed;
} job;

static void job_free(job *j)
{
	if (!j)
		return;
	free(j->raw);
	for (size_t i = 0; i < j->n_ups; i++)
		free(j->ups[i].data);
	json_decref(j->errs);
	json_decref(j->raw_back);
	free(j);
}

/* What a file really is, from its first bytes: the browser's Content-Type is not trusted. */
static const char *sniff(const char *d, size_t n)
{
	if (n >= 3 && !memcmp(d, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 5 && !memcmp(d, "%PDF-", 5))
		return "application/pdf";
	return NULL;
}

static int accepts(const proc_field *f, const char *mime)
{
	for (size_t i = 0; i < f->n_accept; i++)
		if (!strcmp(f->accept[i], mime))
			return 1;
	return 0;
}

/* Room left for the files of a person without login: under the session's total and under
 * the client address's total of the last hour (anon_upload_* keys); no bound with login.
 * -1 when the store fails. */
static int anon_room(store *s, const config *c, const job *j, long long now, long long *session,
                     long long *peer)
{
	long long kept = 0, sent = 0;
	*session = *peer = LLONG_MAX;
	if (strncmp(j->owner, "s:", 2))
		return 0;
	if (store_owner_attachment_bytes(s, j->owner, &kept) != STORE_OK ||
	    store_anon_upload_bytes(s, j->peer, now - 3600, &sent) != STORE_OK)
		return -1;
	*session = c->anon_upload_session_bytes - kept;
	*peer = c->anon_upload_peer_bytes_hour - sent;
	return 0;
}

/* The error of a file refused for the bounds of anon_room, or NULL when it fits. */
static const char *over_room(const config *c, const upload *u, long long session, long long peer,
                             char *msg, size_t msglen)
{
	char sz[32];
	if ((long long)u->len > session) {
		format_bytes(c->anon_upload_session_bytes, sz, sizeof(sz));
		snprintf(
		    msg, msglen,
		    "「%s」は添付されませんでした。ログインせずに添付できるファイルは、合わせて"
		    "%sまでです。",
		    u->filename, sz);
		return msg;
	}
	if ((long long)u->len > peer) {
		snprintf(
		    msg, msglen,
		    "「%s」は添付されませんでした。短い時間に多くのファイルが送られたため、しば"
		    "らく受け付けていません。1時間ほどしてから、もう一度お試しください。",
		    u->filename);
		return msg;
	}
	return NULL;
}

/* Stores the uploads of the job into the draft; problems become errors of their field. */
static int store_uploads(store *s, const config *c, job *j, long long now)
{
	char msg[1024], sz[32], hash[65], kinds[300];
	long long room_session, room_peer;
	if (anon_room(s, c, j, now, &room_session, &room_peer) < 0)
		return -1;
	for (size_t i = 0; i < j->n_ups; i++) {
		upload *u = &j->ups[i];
		const proc_field *f = proc_find_field(j->p, u->field);
		if (!f || f->type != FT_FILE)
			continue;
		const char *mime = sniff(u->data, u->len);
		if (!mime || !accepts(f, mime)) {
			kinds[0] = '\0';
			for (size_t k = 0; k < f->n_accept; k++)
				snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds),
				         "%s%s", k ? "・" : "", accept_label(f->accept[k]));
			snprintf(msg, sizeof(msg),
			         "「%s」は添付できない種類のファイルです。%"
			         "sのファイルを選んでください。",
			         u->filename, kinds);
			add_err(j->errs, f->name, msg);
			continue;
		}
		if (u->len > f->max_bytes) {
			format_bytes((long long)f->max_bytes, sz, sizeof(sz));
			snprintf(msg, sizeof(msg),
			         "「%s」は大きすぎます。1つ%sまでのファイルを選んでください。",
			         u->filename, sz);
			add_err(j->errs, f->name, msg);
			continue;
		}
		if (count_files(j->att, j->n_att, f->name) >= f->max_files || j->n_att >= MAX_ATT) {
			snprintf(msg, sizeof(msg),
			         "%sは%zu個までです。「%s」は添付されませんでした。", f->label,
			         f->max_files, u->filename);
			add_err(j->errs, f->name, msg);
			continue;
		}
		if (over_room(c, u, room_session, room_peer, msg, sizeof(msg))) {
			add_err(j->errs, f->name, msg);
			continue;
		}
		token_sha256_hex(u->data, u->len, hash);
		long long id = 0;
		int rc = store_attachment_add(s, j->key, f->name, u->filename, mime, u->data,
		                              u->len, hash, now, &id);
		if (rc == STORE_EINPUT) {
			snprintf(msg, sizeof(msg),
			         "「%"
			         "s」は添付できませんでした。ファイルの名前を短くして、もう一度お試"
			         "しください。",
			         u->filename);
			add_err(j->errs, f->name, msg);
			continue;
		}
		if (rc != STORE_OK)
			return -1;
		if (room_session != LLONG_MAX) { /* without login: what was sent counts */
			if (store_anon_upload_add(s, j->peer, now, (long long)u->len) != STORE_OK)
				return -1;
			room_session -= (long long)u->len;
			room_peer -= (long long)u->len;
		}
		store_attachment *a = &j->att[j->n_att++];
		memset(a, 0, sizeof(*a));
		a->id = id;
		snprintf(a->field, sizeof(a->field), "%s", f->name);
		snprintf(a->filename, sizeof(a->filename), "%s", u->filename);
		snprintf(a->mime, sizeof(a->mime), "%s", mime);
		snprintf(a->sha256, sizeof(a->sha256), "%s", hash);
		a->size = (long long)u->len;
		a->created_at = now;
	}
	return 0;
}

static void work_save(store *s, const app *a, job *j)
{
	long long now = (long long)time(NULL);
	store_draft d;
	int rc;
	j->errs = json_array();
	if (store_begin(s) != STORE_OK)
		return;
	/* the first POST of a person without a session: the session row only now, in the
	 * transaction of the draft (the form was shown without writing anything) */
	if (j->new_session) {
		if (session_create(s, 0, now, j->cookie, &j->sess) != 0)
			goto fail;
		snprintf(j->owner, sizeof(j->owner), "s:%s", j->sess.id_hash);
	}
	rc = store_draft_open(s, j->owner, j->p->id, &d);
	if (rc == STORE_OK && anon_expired(&a->cfg, &d, now)) { /* gone: start afresh */
		rc = store_draft_delete(s, d.key);
		store_draft_release(&d);
		if (rc != STORE_OK)
			goto fail;
		rc = STORE_ENOTFOUND;
	}
	if (rc == STORE_OK) {
		snprintf(j->key, sizeof(j->key), "%s", d.key);
		store_draft_release(&d);
		if (store_draft_save(s, j->key, j->p->version, j->raw, now) != STORE_OK)
			goto fail;
	} else if (rc == STORE_ENOTFOUND) {
		if (token_new(j->key) < 0 ||
		    store_draft_create(s, j->key, j->owner, j->p->id, j->p->version, j->raw, now) !=
		        STORE_OK)
			goto fail;
	} else {
		goto fail;
	}
	/* the content may change: no signature of what was there before can be posted now
	 * (a signature already made stays, and counts again only for the same content) */
	if (store_sign_requests_cancel(s, j->key, NULL) != STORE_OK)
		goto fail;
	if (j->remove_id) {
		rc = store_attachment_delete(s, j->key, j->remove_id);
		if (rc == STORE_ESQL)
			goto fail;
		j->removed = rc == STORE_OK;
	}
	if (store_attachment_list(s, j->key, j->att, MAX_ATT, &j->n_att) != STORE_OK)
		goto fail;
	if (store_uploads(s, &a->cfg, j, now) < 0)
		goto fail;
	if (store_commit(s) != STORE_OK)
		goto out;
	j->raw_back = raw_load(j->raw);
	if (!strcmp(j->action, "next")) {
		json_t *ans =
		    answers_validate(j->p, j->raw_back, j->errs, refdata_bank_lookup, a->refdata);
		json_decref(ans);
		check_files(j->p, j->att, j->n_att, j->errs);
		j->out = json_array_size(j->errs) ? O_FORM : O_CONFIRM;
	} else {
		j->out = O_FORM;
	}
	return;
fail:
	log_error("draft save: %s", store_errmsg(s));
	store_rollback(s);
out:
	j->out = O_FAIL;
}

/* Checks the draft again, builds its canonical content and commits the application and its
 * receipt mail in one transaction. */
static void work_submit(store *s, const app *a, job *j)
{
	long long now = (long long)time(NULL);
	store_draft d = {0};
	store_application ap;
	store_sign_request sr;
	int have_sr = 0;
	json_t *raw = NULL, *ans = NULL, *atts = NULL, *lines = NULL;
	char *canon = NULL, *display = NULL, digest[65];
	int rc;
	memset(&ap, 0, sizeof(ap));
	j->errs = json_array();
	j->out = O_FAIL;
	/* Everything is read inside the (BEGIN IMMEDIATE) transaction: a save or a file removal
	 * from another tab cannot slip in between the checks and the commit, and leave an
	 * application whose attachment is gone. */
	if (store_begin(s) != STORE_OK)
		goto out;
	rc = store_draft_get(s, j->key, &d);
	if (rc == STORE_ENOTFOUND || rc == STORE_EINPUT ||
	    (rc == STORE_OK && (strcmp(d.owner, j->owner) || strcmp(d.proc_id, j->p->id) ||
	                        (!d.receipt[0] && anon_expired(&a->cfg, &d, now))))) {
		j->out = O_NOTFOUND;
		goto undo;
	}
	if (rc != STORE_OK)
		goto fail;
	if (d.receipt[0]) { /* submitted already: the first submission stands */
		snprintf(j->receipt, sizeof(j->receipt), "%s", d.receipt);
		j->out = O_DONE;
		goto undo;
	}
	if (store_attachment_list(s, j->key, j->att, MAX_ATT, &j->n_att) != STORE_OK)
		goto fail;
	raw = raw_load(d.raw);
	ans = answers_validate(j->p, raw, j->errs, refdata_bank_lookup, a->refdata);
	check_files(j->p, j->att, j->n_att, j->errs);
	if (!ans || json_array_size(j->errs)) {
		j->out = O_FORM;
		goto undo;
	}
	answers_compute(j->p, ans);
	atts = attachments_json(j->att, j->n_att);
	canon = answers_canonical(j->p, ans, atts, digest);
	lines = answers_display(j->p, ans, atts);
	display = lines ? json_dumps(lines, JSON_COMPACT) : NULL;
	if (!canon || !display)
		goto undo;
	if (!token_equal(digest, j->digest)) { /* changed since the confirmation page was shown */
		j->out = O_CHANGED;
		goto undo;
	}
	if (j->p->signature_required) { /* a signature of exactly this content */
		rc = store_sign_request_signed(s, j->key, digest, &sr);
		if (rc != STORE_OK) {
			if (rc != STORE_ENOTFOUND)
				goto fail;
			j->out = O_UNSIGNED;
			goto undo;
		}
		have_sr = 1;
		ap.signature = sr.signature;
		ap.signature_len = sr.signature_len;
		ap.verification = sr.verification;
	}
	snprintf(ap.draft_key, sizeof(ap.draft_key), "%s", j->key);
	ap.account_id = j->account_id;
	snprintf(ap.proc_id, sizeof(ap.proc_id), "%s", j->p->id);
	ap.proc_version = j->p->version;
	snprintf(ap.proc_title, sizeof(ap.proc_title), "%s", j->p->title);
	snprintf(ap.digest, sizeof(ap.digest), "%s", digest);
	ap.content = canon;
	ap.display = display;
	rc = store_application_submit(s, &ap, now, j->receipt);
	if (rc == STORE_ECONFLICT) {
		j->out = O_DONE;
		goto undo;
	}
	if (rc != STORE_OK)
		goto fail;
	if (j->account_id) {
		store_account acct;
		if (store_account_by_id(s, j->account_id, &acct) == STORE_OK) {
			char subject[300], body[4096];
			receipt_mail(a->cfg.city_name, a->cfg.site_name, a->cfg.base_url,
			             j->receipt, j->p->title, now, subject, sizeof(subject), body,
			             sizeof(body));
			if (store_outbox_add(s, acct.email, subject, body, now, NULL) != STORE_OK)
				goto fail;
			j->mailed = 1;
		}
	}
	if (store_commit(s) != STORE_OK) {
		log_error("submit: commit: %s", store_errmsg(s));
		j->mailed = 0;
		goto out;
	}
	log_info("application %s submitted (%s)", j->receipt, j->p->id);
	j->out = O_DONE;
	goto out;
fail:
	log_error("submit: %s", store_errmsg(s));
	j->out = O_FAIL;
undo: /* j->out says what to answer; nothing was written */
	store_rollback(s);
out:
	if (have_sr)
		store_sign_request_release(&sr);
	store_draft_release(&d);
	json_decref(raw);
	json_decref(ans);
	json_decref(atts);
	json_decref(lines);
	free(canon);
	free(display);
}

static void work_withdraw(store *s, const app *a, job *j)
{
	(void)a;
	store_application ap;
	int rc = store_application_get(s, j->receipt, &ap);
	if (rc != STORE_OK || ap.account_id != j->account_id) {
		if (rc == STORE_OK)
			store_application_release(&ap);
		j->out = rc == STORE_OK || rc == STORE_ENOTFOUND || rc == STORE_EINPUT ? O_NOTFOUND
		                                                                       : O_FAIL;
		return;
	}
	store_application_release(&ap);
	const char *from[16];
	app_transition_sources("withdrawn", APP_BY_APPLICANT, from, 16);
	rc = store_application_set_status(s, j->receipt, from, "withdrawn", "申請者による取下げ",
	                                  (long long)time(NULL));
	j->out = rc == STORE_OK ? O_DONE : rc == STORE_ECONFLICT ? O_CONFLICT : O_FAIL;
}

static void work(store *s, const app *a, void *arg)
{
	job *j = arg;
	switch (j->kind) {
	case J_SAVE:
		work_save(s, a, j);
		break;
	case J_SUBMIT:
		work_submit(s, a, j);
		break;
	case J_WITHDRAW:
		work_withdraw(s, a, j);
		break;
	}
}

/* What did not happen when a job failed: nobody should believe it was done. */
static const char *busy_message(enum job_kind kind)
{
	switch (kind) {
	case J_SUBMIT:
		return "申請は、まだ完了していません。入力した内容は残っています。しばらくしてから"
		       "、"
		       "もう一度「申請する」を押してください。";
	case J_WITHDRAW:
		return "申請は、まだ取り下げられていません。しばらくしてから、もう一度お試しくださ"
		       "い。";
	default:
		return "入力した内容は、まだ保存されていません。しばらくしてから、もう一度お試しく"
		       "だ"
		       "さい。";
	}
}

static void done(req *r, void *arg)
{
	job *j = arg;
	char loc[300];
	/* the mail is committed whether or not the client is still there */
	if (j->mailed && r->a->mail_kick)
		r->a->mail_kick(r->a->mail_ctx);
	if (!r->ev)
		goto out;
	if (j->new_session && j->out != O_FAIL) { /* committed with the draft */
		r->has_session = 1;
		r->sess = j->sess;
		session_set_cookie(r, j->cookie);
	}
	switch (j->out) {
	case O_FAIL:
		render_busy_msg(r, busy_message(j->kind));
		break;
	case O_FORM:
		if (j->kind == J_SUBMIT) {
			snprintf(loc, sizeof(loc), "/procedures/%s/form?check=1", j->p->id);
			resp_redirect(r, loc);
		} else {
			render_form(
			    r, j->p, j->raw_back, j->errs, j->att, j->n_att,
			    !strcmp(j->action, "save")
			        ? "入力した内容を保存しました。続きは、後からでも入力できます。"
			    : !strcmp(j->action, "remove") && j->removed &&
			            !json_array_size(j->errs)
			        ? "ファイルを削除しました。"
			        : NULL,
			    200);
		}
		break;
	case O_CONFIRM:
		snprintf(loc, sizeof(loc), "/procedures/%s/confirm", j->p->id);
		resp_redirect(r, loc);
		break;
	case O_CHANGED:
		snprintf(loc, sizeof(loc), "/procedures/%s/confirm?changed=1", j->p->id);
		resp_redirect(r, loc);
		break;
	case O_UNSIGNED:
		snprintf(loc, sizeof(loc), "/procedures/%s/confirm?unsigned=1", j->p->id);
		resp_redirect(r, loc);
		break;
	case O_DONE:
		if (j->kind == J_WITHDRAW)
			snprintf(loc, sizeof(loc), "/mypage/%s?withdrawn=1", j->receipt);
		else
			snprintf(loc, sizeof(loc), "/applications/%s/complete", j->receipt);
		resp_redirect(r, loc);
		break;
	case O_NOTFOUND:
		resp_error(r, 404, "申請が見つかりません",
		           "ページを開き直して、もう一度お試しください。");
		break;
	case O_CONFLICT:
		resp_error(r, 409, "取り下げられませんでした",
		           "この申請は、すでに審査が終わっているか、取り下げられています。マイペー"
		           "ジで状況を確かめてください。");
		break;
	}
out:
	job_free(j);
}

/* ---------- handlers ---------- */

/* The form of a person without a session (a procedure without login): shown without
 * writing anything; its CSRF token is the pre-session cookie's (session.c), and the
 * session and the draft are made by the first POST. */
static void render_anon_form(req *r, const procedure *p)
{
	char token[TOKEN_LEN + 1];
	if (session_pre_token(r, token) < 0) {
		render_busy(r);
		return;
	}
	json_t *raw = json_object();
	json_t *ctx = form_ctx(r, p, raw, NULL, NULL, 0, NULL);
	json_object_set_new(ctx, "csrf", json_string(token));
	resp_page(r, 200, "apply_form", ctx);
	json_decref(raw);
}

void page_apply_form(req *r)
{
	const procedure *p = gate(r);
	char owner[STORE_OWNER_MAX + 1];
	if (!p)
		return;
	if (owner_of(r, owner, sizeof(owner)) < 0) {
		render_anon_form(r, p);
		return;
	}
	store_draft d;
	store_attachment att[MAX_ATT];
	size_t natt = 0;
	json_t *raw = NULL, *errs = json_array();
	int rc = draft_open(r, owner, p, &d);
	if (rc == STORE_OK) {
		raw = raw_load(d.raw);
		if (store_attachment_list(r->w->store, d.key, att, MAX_ATT, &natt) != STORE_OK)
			natt = 0;
		store_draft_release(&d);
	} else if (rc != STORE_ENOTFOUND) {
		json_decref(errs);
		render_busy(r);
		return;
	}
	if (!raw)
		raw = json_object();
	/* back from the confirmation or the submission with something to fix: show it */
	if (form_get(&r->query, "check")) {
		json_decref(answers_validate(p, raw, errs, refdata_bank_lookup, r->a->refdata));
		check_files(p, att, natt, errs);
	}
	render_form(r, p, raw, errs, att, natt, NULL, 200);
	json_decref(raw);
	json_decref(errs);
}

/* A file's name that fits STORE_FILENAME_MAX bytes: kept as is when it fits, else its start
 * (cut between characters, never inside one) + "…" + its extension, so that it stays valid
 * UTF-8 and still says what kind of file it is. */
static void fit_filename(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in);
	if (n < outlen) {
		memcpy(out, in, n + 1);
		return;
	}
	const char *ext = strrchr(in, '.');
	size_t el = ext && strlen(ext) <= 16 ? strlen(ext) : 0;
	size_t head = outlen - 1 - el - strlen("…");
	while (head > 0 && ((unsigned char)in[head] & 0xC0) == 0x80)
		head--; /* in[head] would start the cut-off part: not a continuation byte */
	snprintf(out, outlen, "%.*s…%s", (int)head, in, el ? ext : "");
}

/* The body of the form POST as fields and files. Answers (400/413) and returns -1 when
 * it cannot be read. */
static int read_body(req *r, multipart *mp)
{
	memset(mp, 0, sizeof(*mp));
	const char *ct =
	    evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Content-Type");
	if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
		struct evbuffer *b = evhttp_request_get_input_buffer(r->ev);
		size_t len = evbuffer_get_length(b);
		char boundary[MULTIPART_BOUNDARY_MAX + 1];
		multipart_limits lim = multipart_default_limits();
		lim.max_fields = (size_t)r->a->cfg.max_form_fields;
		lim.max_files = MAX_UPLOADS;
		lim.max_file_size =
		    len; /* per field limits are checked later, with a message there */
		int e = multipart_boundary(ct, boundary, sizeof(boundary));
		if (e == MP_OK)
			e = multipart_parse(len ? (const char *)evbuffer_pullup(b, -1) : "", len,
			                    boundary, &lim, mp);
		if (e != MP_OK) {
			multipart_release(mp);
			resp_error(r, 400, "送信された内容を読み取れませんでした",
			           e == MP_ETOOMANY || e == MP_ETOOMANYFILES
			               ? "一度に送れるファイルや項目の数を超えています。ファイルを"
			                 "分けて添付してください。"
			           : e == MP_EFILENAME
			               ? "ファイルの名前に使えない文字が含まれています。ファイルの"
			                 "名前を変えてから、もう一度添付してください。"
			               : "ページを開き直して、もう一度お試しください。");
			return -1;
		}
		return 0;
	}
	return req_body_form(r, &mp->fields);
}

void page_apply_form_post(req *r)
{
	const procedure *p = gate(r);
	multipart mp;
	if (!p || read_body(r, &mp) < 0)
		return;
	job *j = NULL;
	/* the session's token, or without login the pre-session cookie's (the form shown to
	 * someone without a session; also in a second tab opened before the first POST) */
	if (!csrf_ok(r, &mp.fields) &&
	    !(!p->login_required && session_pre_csrf_ok(r, &mp.fields))) {
		render_forbidden(r);
		goto out;
	}
	if (!(j = calloc(1, sizeof(*j))))
		goto busy;
	j->kind = J_SAVE;
	j->p = p;
	j->new_session = owner_of(r, j->owner, sizeof(j->owner)) < 0;
	snprintf(j->peer, sizeof(j->peer), "%s", req_peer(r));
	const char *action = form_get(&mp.fields, "action");
	const char *remove = form_get(&mp.fields, "remove");
	if (remove) {
		snprintf(j->action, sizeof(j->action), "remove");
		j->remove_id = strtoll(remove, NULL, 10);
	} else {
		snprintf(j->action, sizeof(j->action), "%s",
		         action && !strcmp(action, "save") ? "save" : "next");
	}
	json_t *raw = raw_from_form(p, &mp.fields);
	j->raw = json_dumps(raw, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(raw);
	if (!j->raw)
		goto busy;
	if (strlen(j->raw) > STORE_DRAFT_RAW_MAX) {
		resp_error(r, 413, "入力された内容が長すぎます",
		           "内容を短くして、もう一度お試しください。");
		goto out;
	}
	for (size_t i = 0; i < mp.n_files && j->n_ups < MAX_UPLOADS; i++) {
		const multipart_file *mf = &mp.files[i];
		if (!mf->len)
			continue;
		upload *u = &j->ups[j->n_ups];
		snprintf(u->field, sizeof(u->field), "%s", mf->name);
		fit_filename(mf->filename && *mf->filename ? mf->filename : "file", u->filename,
		             sizeof(u->filename));
		snprintf(u->mime, sizeof(u->mime), "%s", mf->content_type ? mf->content_type : "");
		if (!(u->data = malloc(mf->len)))
			goto busy;
		memcpy(u->data, mf->data, mf->len);
		u->len = mf->len;
		j->n_ups++;
	}
	multipart_release(&mp);
	req_defer(r, work, done, j);
	return;
busy:
	render_busy(r);
out:
	job_free(j);
	multipart_release(&mp);
}

/* The confirmation page (seed step 7). */
void page_apply_confirm(req *r)
{
	const procedure *p = gate(r);
	char owner[STORE_OWNER_MAX + 1], loc[300], digest[65];
	if (!p)
		return;
	snprintf(loc, sizeof(loc), "/procedures/%s/form", p->id);
	if (owner_of(r, owner, sizeof(owner)) < 0) {
		resp_redirect(r, loc);
		return;
	}
	store_draft d;
	store_attachment att[MAX_ATT];
	size_t natt = 0;
	int rc = draft_open(r, owner, p, &d);
	if (rc == STORE_ENOTFOUND) {
		resp_redirect(r, loc);
		return;
	}
	if (rc != STORE_OK ||
	    store_attachment_list(r->w->store, d.key, att, MAX_ATT, &natt) != STORE_OK) {
		if (rc == STORE_OK)
			store_draft_release(&d);
		render_busy(r);
		return;
	}
	json_t *raw = raw_load(d.raw), *errs = json_array();
	json_t *ans = answers_validate(p, raw, errs, refdata_bank_lookup, r->a->refdata);
	check_files(p, att, natt, errs);
	if (!ans || json_array_size(errs)) {
		snprintf(loc, sizeof(loc), "/procedures/%s/form?check=1", p->id);
		resp_redirect(r, loc);
		goto out;
	}
	answers_compute(p, ans);
	json_t *atts = attachments_json(att, natt);
	char *canon = answers_canonical(p, ans, atts, digest);
	json_t *lines = answers_display(p, ans, atts);
	json_decref(atts);
	if (!canon || !lines) {
		free(canon);
		json_decref(lines);
		render_busy(r);
		goto out;
	}
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l)
	{
		const proc_field *f =
		    proc_find_field(p, json_string_value(json_object_get(l, "name")));
		char anchor[200];
		if (!f || f->type == FT_COMPUTED) {
			json_object_set_new(l, "computed", json_true());
			continue;
		}
		snprintf(anchor, sizeof(anchor), "/procedures/%s/form#%s%s", p->id, f->name,
		         f->type == FT_DATE   ? ".year"
		         : f->type == FT_BANK ? ".bank"
		                              : "");
		json_object_set_new(l, "change", json_string(anchor));
	}
	char title[500]; /* its own page title, not the form's (WCAG 2.4.2) */
	snprintf(title, sizeof(title), "申請内容の確認：%s", p->title);
	json_t *ctx = page_base_ctx(r, title);
	json_object_set_new(ctx, "proc", json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
	json_object_set_new(ctx, "steps", steps(1));
	json_object_set_new(ctx, "lines", json_incref(lines));
	json_object_set_new(ctx, "key", json_string(d.key));
	json_object_set_new(ctx, "digest", json_string(digest));
	json_object_set_new(ctx, "apply_js", json_true());
	int signed_ok = 0, changed = 0;
	if (p->signature_required) {
		store_sign_request sr;
		rc = store_sign_request_signed(r->w->store, d.key, digest, &sr);
		if (rc == STORE_OK) {
			signed_ok = 1;
			store_sign_request_release(&sr);
		} else if (store_sign_request_signed_other(r->w->store, d.key, digest, &changed) !=
		           STORE_OK) {
			log_error("sign requests: %s", store_errmsg(r->w->store));
		}
		json_object_set_new(ctx, "signature",
		                    json_pack("{s:b, s:b, s:b, s:b}", "signed", signed_ok,
		                              "unsigned", !signed_ok, "changed", changed,
		                              "available", r->a->trust != NULL));
	}
	json_object_set_new(ctx, "can_submit", json_boolean(!p->signature_required || signed_ok));
	if (form_get(&r->query, "changed"))
		json_object_set_new(
		    ctx, "notice",
		    json_string(
		        "申請内容が変わりました。内容をもう一度確かめてから、申請してください。"));
	else if (changed)
		json_object_set_new(
		    ctx, "notice",
		    json_string("電子署名のあとで申請内容が変わったため、その署名は使えなくなりまし"
		                "た。もう一度、電子署名をしてください。"));
	else if (form_get(&r->query, "unsigned"))
		json_object_set_new(
		    ctx, "notice", json_string("この手続は、電子署名をしてから申請してください。"));
	if (p->signature_required && !signed_ok && r->a->trust)
		sign_confirm_page(r, ctx, d.key, digest, p->title, canon, lines);
	else
		resp_page(r, 200, "apply_confirm", ctx);
	free(canon);
	json_decref(lines);
	goto out;
out:
	store_draft_release(&d);
	json_decref(raw);
	json_decref(errs);
	json_decref(ans);
}

/* A draft key as store.h defines it: 1..STORE_DRAFT_KEY_MAX bytes of [A-Za-z0-9_-]. */
static int key_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	return n > 0 && n <= STORE_DRAFT_KEY_MAX && s[n] == '\0';
}

/* A SHA-256 in lower-case hex. */
static int digest_ok(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* 「申請する」 (seed steps 14-15): without the confirmed flag (no JavaScript) it asks
 * 「申請します。よろしいですか？」 on a page of its own; with it, it submits. */
void page_apply_submit(req *r)
{
	const procedure *p = gate(r);
	form f;
	if (!p || req_body_form(r, &f) < 0)
		return;
	job *j = NULL;
	if (!csrf_ok(r, &f)) {
		render_forbidden(r);
		goto out;
	}
	const char *key = form_get(&f, "key"), *digest = form_get(&f, "digest");
	if (!key || !digest || !key_ok(key) || !digest_ok(digest)) {
		resp_error(r, 400, "送信された内容を読み取れませんでした",
		           "確認画面を開き直して、もう一度お試しください。");
		goto out;
	}
	if (!form_get(&f, "confirmed")) {
		json_t *ctx = page_base_ctx(r, "申請の確認");
		json_object_set_new(ctx, "proc",
		                    json_pack("{s:s, s:s}", "id", p->id, "title", p->title));
		json_object_set_new(ctx, "key", json_string(key));
		json_object_set_new(ctx, "digest", json_string(digest));
		json_object_set_new(ctx, "steps", steps(1));
		resp_page(r, 200, "apply_submit", ctx);
		goto out;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		render_busy(r);
		goto out;
	}
	j->kind = J_SUBMIT;
	j->p = p;
	owner_of(r, j->owner, sizeof(j->owner));
	j->account_id = r->sess.account_id;
	snprintf(j->key, sizeof(j->key), "%s", key);
	snprintf(j->digest, sizeof(j->digest), "%s", digest);
	form_release(&f);
	req_defer(r, work, done, j);
	return;
out:
	form_release(&f);
}

/* Whether the application of this receipt belongs to the person of the request. */
static int owns(const req *r, const store_application *ap)
{
	if (ap->account_id)
		return r->has_session && r->sess.account_id == ap->account_id;
	store_draft d;
	char owner[STORE_OWNER_MAX + 1];
	if (owner_of(r, owner, sizeof(owner)) < 0 ||
	    store_draft_get(r->w->store, ap->draft_key, &d) != STORE_OK)
		return 0;
	int ok = !strcmp(d.owner, owner);
	store_draft_release(&d);
	return ok;
}

/* Loads the person's application of the path; answers 404 and returns -1 otherwise. */
static int load_own(req *r, store_application *ap)
{
	const char *receipt = r->params[0];
	int rc = app_receipt_valid(receipt) ? store_application_get(r->w->store, receipt, ap)
	                                    : STORE_ENOTFOUND;
	if (rc == STORE_OK && owns(r, ap))
		return 0;
	if (rc == STORE_OK)
		store_application_release(ap);
	if (rc == STORE_OK || rc == STORE_ENOTFOUND || rc == STORE_EINPUT)
		resp_error(r, 404, "申請が見つかりません",
		           "受付番号をお確かめください。ログインしていない場合は、ログインしてから"
		           "開いてください。");
	else
		render_busy(r);
	return -1;
}

/* The completion page (seed step 16). */
void page_apply_complete(req *r)
{
	store_application ap;
	if (load_own(r, &ap) < 0)
		return;
	const procedure *p = proc_catalog_find(r->a->procs, ap.proc_id);
	char when[128];
	jdate_format_time(ap.submitted_at, when, sizeof(when));
	json_t *ctx = page_base_ctx(r, "申請の完了");
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "when", json_string(when));
	json_object_set_new(ctx, "steps", steps(2));
	json_object_set_new(ctx, "has_account", json_boolean(ap.account_id != 0));
	if (p) {
		json_object_set_new(ctx, "department", json_string(p->department));
		if (p->contact_phone)
			json_object_set_new(ctx, "phone", json_string(p->contact_phone));
		json_object_set_new(ctx, "duration", json_str_or_empty(p->duration));
	}
	store_application_release(&ap);
	resp_page(r, 200, "apply_done", ctx);
}

static int need_login(req *r)
{
	if (r->has_session && r->sess.account_id)
		return 0;
	char *enc = evhttp_uriencode(r->path, -1, 0);
	char loc[1200];
	if (!enc || strlen(enc) > 1000) /* nowhere sensible to come back to */
		snprintf(loc, sizeof(loc), "/login?return=/mypage");
	else
		snprintf(loc, sizeof(loc), "/login?return=%s", enc);
	free(enc);
	resp_redirect(r, loc);
	return -1;
}

/* My page: the person's applications and their status. */
void page_mypage(req *r)
{
	if (need_login(r) < 0)
		return;
	store_application *list = calloc(200, sizeof(*list));
	size_t n = 0;
	if (!list || store_applications_for_account(r->w->store, r->sess.account_id, list, 200,
	                                            &n) != STORE_OK) {
		free(list);
		render_busy(r);
		return;
	}
	json_t *ctx = page_base_ctx(r, "マイページ"), *apps = json_array();
	for (size_t i = 0; i < n; i++) {
		char when[128];
		jdate_format_time(list[i].submitted_at, when, sizeof(when));
		json_array_append_new(
		    apps, json_pack("{s:s, s:s, s:s, s:s, s:s}", "receipt", list[i].receipt,
		                    "title", list[i].proc_title, "when", when, "status",
		                    app_status_label(list[i].status), "code", list[i].status));
		store_application_release(&list[i]);
	}
	free(list);
	json_object_set_new(ctx, "apps", apps);
	json_object_set_new(ctx, "has_apps", json_boolean(n > 0));
	resp_page(r, 200, "mypage", ctx);
}

void page_mypage_detail(req *r)
{
	store_application ap;
	if (need_login(r) < 0 || load_own(r, &ap) < 0)
		return;
	char when[128];
	json_t *ctx = page_base_ctx(r, ap.proc_title);
	jdate_format_time(ap.submitted_at, when, sizeof(when));
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "when", json_string(when));
	json_object_set_new(ctx, "status", json_string(app_status_label(ap.status)));
	json_object_set_new(ctx, "can_withdraw", json_boolean(app_status_withdrawable(ap.status)));
	json_t *lines = ap.display ? json_loads(ap.display, 0, NULL) : NULL;
	json_object_set_new(ctx, "lines", lines ? lines : json_array());
	store_app_event ev[50];
	size_t nev = 0;
	json_t *events = json_array();
	if (store_application_events(r->w->store, ap.receipt, ev, 50, &nev) == STORE_OK)
		for (size_t i = 0; i < nev; i++) {
			jdate_format_time(ev[i].at, when, sizeof(when));
			json_array_append_new(
			    events, json_pack("{s:s, s:s, s:s}", "when", when, "status",
			                      app_status_label(ev[i].status), "note", ev[i].note));
		}
	json_object_set_new(ctx, "events", events);
	if (form_get(&r->query, "withdrawn"))
		json_object_set_new(ctx, "notice", json_string("申請を取り下げました。"));
	store_application_release(&ap);
	resp_page(r, 200, "mypage_detail", ctx);
}

/* 取下げ: a page that asks first, then the POST. */
void page_mypage_withdraw(req *r)
{
	store_application ap;
	if (need_login(r) < 0 || load_own(r, &ap) < 0)
		return;
	json_t *ctx = page_base_ctx(r, "申請の取下げ");
	json_object_set_new(ctx, "receipt", json_string(ap.receipt));
	json_object_set_new(ctx, "proc_title", json_string(ap.proc_title));
	json_object_set_new(ctx, "can_withdraw", json_boolean(app_status_withdrawable(ap.status)));
	store_application_release(&ap);
	resp_page(r, 200, "mypage_withdraw", ctx);
}

void page_mypage_withdraw_post(req *r)
{
	form f;
	if (need_login(r) < 0 || req_body_form(r, &f) < 0)
		return;
	int csrf = csrf_ok(r, &f);
	form_release(&f);
	if (!csrf) {
		render_forbidden(r);
		return;
	}
	if (!app_receipt_valid(r->params[0])) {
		resp_error(r, 404, "申請が見つかりません", "受付番号をお確かめください。");
		return;
	}
	job *j = calloc(1, sizeof(*j));
	if (!j) {
		render_busy(r);
		return;
	}
	j->kind = J_WITHDRAW;
	j->account_id = r->sess.account_id;
	snprintf(j->receipt, sizeof(j->receipt), "%s", r->params[0]);
	req_defer(r, work, done, j);
}

/* The address of a postal code, for apply.js to fill the address field. */
void page_api_postal(req *r)
{
	const char *code = r->params[0];
	char digits[8];
	size_t n = 0;
	for (const char *c = code; *c && n < 8; c++) {
		if (*c == '-')
			continue;
		if (!isdigit((unsigned char)*c)) {
			n = 99;
			break;
		}
		digits[n++] = *c;
	}
	if (n != 7) {
		resp_json(r, 400,
		          json_pack("{s:s}", "error", "郵便番号は7桁の数字で入力してください。"));
		return;
	}
	digits[7] = '\0';
	const char *pref, *city, *town;
	int rc = refdata_postal(r->a->refdata, digits, &pref, &city, &town);
	if (rc < 0)
		resp_json(r, 503,
		          json_pack("{s:s}", "error",
		                    "住所を調べられませんでした。住所を入力してください。"));
	else if (rc == 0)
		resp_json(
		    r, 404,
		    json_pack("{s:s}", "error", "この郵便番号の住所は見つかりませんでした。"));
	else
		resp_json(r, 200,
		          json_pack("{s:s, s:s, s:s, s:s}", "postal", digits, "prefecture", pref,
		                    "city", city, "town", town));
}

/* What the confirmation page polls while the person signs in the app: {"signed": true} once
 * a signature of the content with this digest arrived for the person's open draft. */
void page_sign_state(req *r)
{
	const procedure *p = proc_catalog_find(r->a->procs, r->params[0]);
	const char *digest = form_get(&r->query, "digest");
	char owner[STORE_OWNER_MAX + 1];
	store_draft d;
	if (!p || !digest || strlen(digest) != 64 || owner_of(r, owner, sizeof(owner)) < 0) {
		resp_json(r, 404, json_pack("{s:s}", "error", "not_found"));
		return;
	}
	int rc = draft_open(r, owner, p, &d), signed_ok = 0;
	if (rc == STORE_OK) {
		store_sign_request sr;
		if (store_sign_request_signed(r->w->store, d.key, digest, &sr) == STORE_OK) {
			signed_ok = 1;
			store_sign_request_release(&sr);
		}
		store_draft_release(&d);
	}
	resp_json(r, 200, json_pack("{s:b}", "signed", signed_ok));
}

/* One attachment of the person's open draft, to look at what was sent (the file list of
 * the form links here). Served with the type found from its first bytes when it was added,
 * nosniff, and the site's CSP; PDF files as a download. */
void page_apply_attachment(req *r)
{
	const procedure *p = gate(r);
	char owner[STORE_OWNER_MAX + 1], *end = NULL;
	store_draft d;
	if (!p)
		return;
	long long id = strtoll(r->params[1], &end, 10);
	if (id <= 0 || !end || *end || owner_of(r, owner, sizeof(owner)) < 0 ||
	    draft_open(r, owner, p, &d) != STORE_OK) {
		resp_error(r, 404, "ファイルが見つかりません", NULL);
		return;
	}
	store_attachment meta;
	void *data = NULL;
	size_t len = 0;
	int rc = store_attachment_get(r->w->store, d.key, id, &meta, &data, &len);
	store_draft_release(&d);
	if (rc != STORE_OK) {
		resp_error(r, 404, "ファイルが見つかりません", NULL);
		return;
	}
	if (!strcmp(meta.mime, "application/pdf"))
		evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Disposition",
		                  "attachment");
	resp_bytes(r, 200, meta.mime, data, len);
	free(data);
}
