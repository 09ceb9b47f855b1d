/* form: the application form of a procedure (seed step 6): the form drawn from the
 * procedure's fields, drafts saved per person as they go (with attachments, bounded for
 * people without login), a look at an attached file, and the postal code lookup that fills
 * the address. Reads run on the loop; a save runs on the worker pool in one transaction
 * (defer.h). The form engine itself is core/answers.c. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/answers.h"
#include "core/application.h"
#include "core/throttle.h"
#include "core/refdata.h"
#include "core/submit.h"
#include "http/defer.h"
#include "http/multipart.h"
#include "http/session.h"
#include "pages/apply_common.h"
#include "pages/body.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/resubmit.h"
#include "store/store.h"
#include "util/log.h"
#include "util/token.h"

/* At most this many files in one request. */
#define MAX_UPLOADS 16

/* Messages with the file's name (and a size or kinds) in them: macros, so that the compiler
 * checks them against their arguments. */
#define MSG_FILE_KIND "「%s」は添付できない種類のファイルです。%sのファイルを選んでください。"
#define MSG_FILE_BIG "「%s」は大きすぎます。1つ%sまでのファイルを選んでください。"
#define MSG_FILE_COUNT "%sは%zu個までです。「%s」は添付されませんでした。"
#define MSG_FILE_NAME                                                                              \
	"「%s」は添付できませんでした。ファイルの名前を短くして、もう一度お試しください。"
#define MSG_ANON_SESSION                                                                           \
	"「%s」は添付されませんでした。ログインせずに添付できるファイルは、合わせて%sまでです。"
#define MSG_ANON_PEER                                                                              \
	"「%s」は添付されませんでした。短い時間に多くのファイルが送られたため、しばらく受け付けていません。1時間ほどしてから、もう一度お試しください。"
#define MSG_FILE_LIMITS "%s のファイル、1つ%sまで、%zu個まで添付できます。"
#define MSG_COMPUTED "%sは、入力された%sから自動で計算し、確認画面に表示します。"

static void add_err(json_t *errs, const char *field, const char *msg)
{
	json_array_append_new(errs, json_pack("{s:s, s:s}", "field", field, "message", msg));
}

static size_t count_files(const store_attachment *att, size_t n, const char *field)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += !strcmp(att[i].field, field);
	return c;
}

/* Checks raw input and the listed attachments as the confirmation page will (errors into
 * errs); the answers are not needed here. */
static void check_all(const app *a, const procedure *p, json_t *raw, const store_attachment *att,
                      size_t natt, json_t *errs)
{
	json_t *atts = submit_attachments_json(att, natt);
	json_decref(app_answers_check(p, raw, atts, refdata_bank_lookup, a->refdata, errs));
	json_decref(atts);
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
	json_array_foreach(errs, i, e) {
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
			json_array_foreach(checked, j, v)
				if (json_is_string(v) &&
				    !strcmp(json_string_value(v), f->options[k].value))
					on = 1;
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
/* Sets key of c to a new value v (consumed). */
static void put(json_t *c, const char *key, json_t *v)
{
	json_object_set_new(c, key, v);
}

/* What every field has: name, label, hint and error with the ids that describe the input,
 * autocomplete and maxlength. */
static json_t *field_common(const proc_field *f, json_t *errs)
{
	json_t *c = json_pack("{s:s, s:s, s:b}", "name", f->name, "label", f->label, "optional",
	                      !f->required);
	const char *err = field_error(errs, f->name);
	char desc[300] = "";
	if (f->help) {
		put(c, "hint", json_string(f->help));
		snprintf(desc, sizeof(desc), "%s-hint", f->name);
	}
	if (err) {
		put(c, "error", json_string(err));
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s-error",
		         *desc ? " " : "", f->name);
	}
	if (*desc)
		put(c, "described", json_string(desc));
	const char *ac = autocomplete_of(f);
	if (ac)
		put(c, "autocomplete", json_string(ac));
	size_t maxlen = answers_max_length(f);
	if (maxlen)
		put(c, "maxlength", json_integer((json_int_t)maxlen));
	return c;
}

/* The one-line inputs: text, katakana, e-mail, phone, postal code, number. */
static void input_ctx(json_t *c, const procedure *p, size_t idx, json_t *raw)
{
	const proc_field *f = &p->fields[idx];
	int numeric = f->type == FT_POSTAL || f->type == FT_NUMBER;
	put(c, "is_input", json_true());
	put(c, "type",
	    json_string(f->type == FT_EMAIL   ? "email"
	                : f->type == FT_PHONE ? "tel"
	                                      : "text"));
	if (f->type == FT_EMAIL)
		put(c, "email", json_true());
	if (numeric) {
		put(c, "numeric", json_true());
		put(c, "short", json_true());
	}
	put(c, "value", apply_str_or_empty(raw_get(raw, f->name)));
	/* the text field after a postal code receives the address found for it (apply.js) */
	if (f->type == FT_POSTAL && idx + 1 < p->n_fields &&
	    (p->fields[idx + 1].type == FT_TEXT || p->fields[idx + 1].type == FT_TEXTAREA))
		put(c, "address_target", json_string(p->fields[idx + 1].name));
	if (f->type == FT_NUMBER && f->unit)
		put(c, "unit", json_string(f->unit));
}

static void date_ctx(json_t *c, const proc_field *f, json_t *raw)
{
	put(c, "is_date", json_true());
	put(c, "year", apply_str_or_empty(raw_sub(raw, f->name, "year")));
	put(c, "month", apply_str_or_empty(raw_sub(raw, f->name, "month")));
	put(c, "day", apply_str_or_empty(raw_sub(raw, f->name, "day")));
	if (strstr(f->name, "birth"))
		put(c, "birth", json_true());
}

static void bank_ctx(json_t *c, const proc_field *f, json_t *raw, json_t *errs)
{
	static const char *const parts[] = {"bank", "branch", "type", "number", "holder"};
	const char *type = raw_sub(raw, f->name, "type");
	put(c, "is_bank", json_true());
	put(c, "bank", apply_str_or_empty(raw_sub(raw, f->name, "bank")));
	put(c, "branch", apply_str_or_empty(raw_sub(raw, f->name, "branch")));
	put(c, "number", apply_str_or_empty(raw_sub(raw, f->name, "number")));
	put(c, "holder", apply_str_or_empty(raw_sub(raw, f->name, "holder")));
	put(c, "futsu", json_boolean(!strcmp(type, "futsu")));
	put(c, "toza", json_boolean(!strcmp(type, "toza")));
	for (size_t k = 0; k < 5; k++) { /* errors of each part under that part */
		char id[200], key[64];
		snprintf(id, sizeof(id), "%s.%s", f->name, parts[k]);
		const char *pe = field_error(errs, id);
		snprintf(key, sizeof(key), "err_%s", parts[k]);
		if (pe)
			put(c, key, json_string(pe));
	}
}

static void file_ctx(json_t *c, const proc_field *f, const store_attachment *att, size_t natt)
{
	char sz[32], kinds[1024] = "", accept[300] = "", limits[1200];
	json_t *files = json_array();
	for (size_t k = 0; k < natt; k++) {
		if (strcmp(att[k].field, f->name))
			continue;
		format_bytes(att[k].size, sz, sizeof(sz));
		json_array_append_new(files,
		                      json_pack("{s:I, s:s, s:s}", "id", (json_int_t)att[k].id,
		                                "filename", att[k].filename, "size", sz));
	}
	put(c, "is_file", json_true());
	put(c, "has_files", json_boolean(json_array_size(files) > 0));
	put(c, "files", files);
	put(c, "multiple", json_boolean(f->max_files > 1));
	put(c, "can_add", json_boolean(count_files(att, natt, f->name) < f->max_files));
	for (size_t k = 0; k < f->n_accept; k++) {
		snprintf(accept + strlen(accept), sizeof(accept) - strlen(accept), "%s%s",
		         k ? "," : "", f->accept[k]);
		snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
		         k ? "・" : "", accept_label(f->accept[k]));
	}
	put(c, "accept", json_string(accept));
	format_bytes((long long)f->max_bytes, sz, sizeof(sz));
	snprintf(limits, sizeof(limits), MSG_FILE_LIMITS, kinds, sz, f->max_files);
	put(c, "limits", json_string(limits));
}

static void computed_ctx(json_t *c, const procedure *p, const proc_field *f)
{
	const proc_field *src = f->source ? proc_find_field(p, f->source) : NULL;
	char note[1024];
	put(c, "is_computed", json_true());
	snprintf(note, sizeof(note), MSG_COMPUTED, f->label, src ? src->label : "内容");
	put(c, "computed_note", json_string(note));
}

/* The template context of field idx of the form. */
static json_t *field_ctx(const procedure *p, size_t idx, json_t *raw, json_t *errs,
                         const store_attachment *att, size_t natt)
{
	const proc_field *f = &p->fields[idx];
	json_t *c = field_common(f, errs);
	switch (f->type) {
	case FT_TEXT:
	case FT_KATAKANA:
	case FT_EMAIL:
	case FT_PHONE:
	case FT_POSTAL:
	case FT_NUMBER:
		input_ctx(c, p, idx, raw);
		break;
	case FT_TEXTAREA:
		put(c, "is_textarea", json_true());
		put(c, "value", apply_str_or_empty(raw_get(raw, f->name)));
		break;
	case FT_SELECT:
		put(c, "is_select", json_true());
		put(c, "options", options_ctx(f, raw, 0));
		break;
	case FT_RADIO:
	case FT_CHECKBOX:
		put(c, "is_choice", json_true());
		put(c, "choice_type", json_string(f->type == FT_RADIO ? "radio" : "checkbox"));
		put(c, "options", options_ctx(f, raw, f->type == FT_CHECKBOX));
		break;
	case FT_DATE:
		date_ctx(c, f, raw);
		break;
	case FT_BANK:
		bank_ctx(c, f, raw, errs);
		break;
	case FT_FILE:
		file_ctx(c, f, att, natt);
		break;
	case FT_COMPUTED:
		computed_ctx(c, p, f);
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
	json_object_set_new(ctx, "steps", apply_steps(0));
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

enum outcome { O_FAIL, O_FORM, O_CONFIRM, O_THROTTLED };

/* A save of the form (「次へ進む」, 「一時保存」 or a file's 「削除」) on the pool. */
typedef struct job {
	const procedure *p;
	char owner[STORE_OWNER_MAX + 1];
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
	/* results */
	enum outcome out;
	json_t *errs;
	json_t *raw_back; /* the raw input as saved, for rendering */
	store_attachment att[APPLY_MAX_ATT];
	size_t n_att;
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
		snprintf(msg, msglen, MSG_ANON_SESSION, u->filename, sz);
		return msg;
	}
	if ((long long)u->len > peer) {
		snprintf(msg, msglen, MSG_ANON_PEER, u->filename);
		return msg;
	}
	return NULL;
}

/* Why file u of field f (its type sniffed as mime, NULL: unknown) is not added, into msg;
 * NULL when it may be. */
static const char *refused(const config *c, const job *j, const proc_field *f, const upload *u,
                           const char *mime, long long room_session, long long room_peer, char *msg,
                           size_t msglen)
{
	char sz[32], kinds[300] = "";
	if (!mime || !accepts(f, mime)) {
		for (size_t k = 0; k < f->n_accept; k++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
			         k ? "・" : "", accept_label(f->accept[k]));
		snprintf(msg, msglen, MSG_FILE_KIND, u->filename, kinds);
		return msg;
	}
	if (u->len > f->max_bytes) {
		format_bytes((long long)f->max_bytes, sz, sizeof(sz));
		snprintf(msg, msglen, MSG_FILE_BIG, u->filename, sz);
		return msg;
	}
	if (count_files(j->att, j->n_att, f->name) >= f->max_files || j->n_att >= APPLY_MAX_ATT) {
		snprintf(msg, msglen, MSG_FILE_COUNT, f->label, f->max_files, u->filename);
		return msg;
	}
	return over_room(c, u, room_session, room_peer, msg, msglen);
}

/* Stores the uploads of the job into the draft; problems become errors of their field. */
static int store_uploads(store *s, const config *c, job *j, long long now)
{
	char msg[1024], hash[65];
	long long room_session, room_peer;
	if (anon_room(s, c, j, now, &room_session, &room_peer) < 0)
		return -1;
	for (size_t i = 0; i < j->n_ups; i++) {
		upload *u = &j->ups[i];
		const proc_field *f = proc_find_field(j->p, u->field);
		if (!f || f->type != FT_FILE)
			continue;
		const char *mime = sniff(u->data, u->len);
		if (refused(c, j, f, u, mime, room_session, room_peer, msg, sizeof(msg))) {
			add_err(j->errs, f->name, msg);
			continue;
		}
		token_sha256_hex(u->data, u->len, hash);
		long long id = 0;
		int rc = store_attachment_add(s, j->key, f->name, u->filename, mime, u->data,
		                              u->len, hash, now, &id);
		if (rc == STORE_EINPUT) {
			snprintf(msg, sizeof(msg), MSG_FILE_NAME, u->filename);
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

/* A client address may start anon_sessions_peer_hour sessions without login an hour (each
 * first POST of a form makes one with its draft): a client that drops its cookies cannot
 * fill the database with rows. 1 when one more may start (and counts it), 0 when the
 * address is over the limit, -1 when the store cannot tell (refused too). */
static int anon_session_room(store *s, const config *c, const job *j, long long now)
{
	char key[100];
	snprintf(key, sizeof(key), "anon_session:%s", j->peer);
	int u = throttle_room(s, key, now - 3600, c->anon_sessions_peer_hour, NULL);
	if (u == 1 && store_throttle_add(s, key, now) != STORE_OK)
		return -1;
	return u;
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
		int room = anon_session_room(s, &a->cfg, j, now);
		if (room == 0) {
			j->out = O_THROTTLED;
			if (store_rollback(s) != STORE_OK)
				log_error("draft save: rollback: %s", store_errmsg(s));
			return;
		}
		if (room < 0 || session_create(s, 0, now, j->cookie, &j->sess) != 0)
			goto fail;
		snprintf(j->owner, sizeof(j->owner), "s:%s", j->sess.id_hash);
	}
	rc = store_draft_open(s, j->owner, j->p->id, &d);
	if (rc == STORE_OK &&
	    submit_draft_expired(&d, a->cfg.anon_draft_hours, now)) { /* gone: start afresh */
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
	if (store_attachment_list(s, j->key, j->att, APPLY_MAX_ATT, &j->n_att) != STORE_OK)
		goto fail;
	if (store_uploads(s, &a->cfg, j, now) < 0)
		goto fail;
	if (store_commit(s) != STORE_OK)
		goto out;
	j->raw_back = app_raw_load(j->raw);
	if (!strcmp(j->action, "next")) {
		check_all(a, j->p, j->raw_back, j->att, j->n_att, j->errs);
		j->out = json_array_size(j->errs) ? O_FORM : O_CONFIRM;
	} else {
		j->out = O_FORM;
	}
	return;
fail:
	log_error("draft save: %s", store_errmsg(s));
	if (store_rollback(s) != STORE_OK) /* logged; the answer is the failure already */
		log_error("draft save: rollback: %s", store_errmsg(s));
out:
	j->out = O_FAIL;
}

/* On the writer (req_defer_write): the save is one piece of its group transaction. */
static void save_work(store *s, const app *a, void *arg)
{
	work_save(s, a, arg);
}

/* The writer's group commit failed: nothing of the save (nor a new session) was kept. */
static void save_lost(void *arg)
{
	job *j = arg;
	j->out = O_FAIL;
}

static void save_done(req *r, void *arg)
{
	job *j = arg;
	if (!r->ev) /* the client has gone */
		goto out;
	if (j->new_session && j->out != O_FAIL && j->out != O_THROTTLED) { /* committed */
		r->has_session = 1;
		r->sess = j->sess;
		session_set_cookie(r, j->cookie);
	}
	const char *notice = NULL;
	switch (j->out) {
	case O_FAIL:
		apply_render_busy(r, MSG_SAVE_BUSY);
		break;
	case O_FORM:
		if (!strcmp(j->action, "save"))
			notice = MSG_SAVED;
		else if (!strcmp(j->action, "remove") && j->removed && !json_array_size(j->errs))
			notice = MSG_REMOVED;
		render_form(r, j->p, j->raw_back, j->errs, j->att, j->n_att, notice, 200);
		break;
	case O_CONFIRM:
		resp_redirectf(r, "/procedures/%s/confirm", j->p->id);
		break;
	case O_THROTTLED:
		resp_error(r, 429, MSG_ANON_THROTTLED_TITLE, MSG_ANON_THROTTLED);
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
		apply_render_busy(r, NULL);
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
	const procedure *p = apply_gate(r);
	char owner[STORE_OWNER_MAX + 1];
	if (!p)
		return;
	if (apply_owner_of(r, owner, sizeof(owner)) < 0) {
		render_anon_form(r, p);
		return;
	}
	store_draft d;
	store_attachment att[APPLY_MAX_ATT];
	size_t natt = 0;
	json_t *raw = NULL, *errs = json_array();
	char note[300];
	const char *notice = NULL;
	int rc = apply_draft_open(r, owner, p, &d);
	if (rc == STORE_OK) {
		/* the correction of a returned application says so (resubmit.c) */
		if (resubmit_form_notice(r, d.key, note, sizeof(note)))
			notice = note;
		raw = app_raw_load(d.raw);
		/* a form shown without its files would ask for them again: busy instead */
		rc = store_attachment_list(r->w->store, d.key, att, APPLY_MAX_ATT, &natt);
		store_draft_release(&d);
	}
	if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
		json_decref(raw);
		json_decref(errs);
		apply_render_busy(r, NULL);
		return;
	}
	if (!raw)
		raw = json_object();
	/* back from the confirmation or the submission with something to fix: show it */
	if (form_get(&r->query, "check"))
		check_all(r->a, p, raw, att, natt, errs);
	render_form(r, p, raw, errs, att, natt, notice, 200);
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

void page_apply_form_post(req *r)
{
	const procedure *p = apply_gate(r);
	multipart mp;
	if (!p || page_read_body(r, &mp, MAX_UPLOADS) < 0)
		return;
	job *j = NULL;
	/* the session's token, or without login the pre-session cookie's (the form shown to
	 * someone without a session; also in a second tab opened before the first POST) */
	if (!csrf_ok(r, &mp.fields) &&
	    !(!p->login_required && session_pre_csrf_ok(r, &mp.fields))) {
		apply_render_forbidden(r);
		goto out;
	}
	if (!(j = calloc(1, sizeof(*j))))
		goto busy;
	j->p = p;
	j->new_session = apply_owner_of(r, j->owner, sizeof(j->owner)) < 0;
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
		resp_error(r, 413, "入力された内容が長すぎます", MSG_TOO_LONG);
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
	req_defer_write(r, save_work, save_lost, save_done, j);
	return;
busy:
	apply_render_busy(r, NULL);
out:
	job_free(j);
	multipart_release(&mp);
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
		resp_json(r, 400, json_pack("{s:s}", "error", MSG_POSTAL_FORM));
		return;
	}
	digits[7] = '\0';
	const char *pref, *city, *town;
	int rc = refdata_postal(r->a->refdata, digits, &pref, &city, &town);
	if (rc < 0)
		resp_json(r, 503, json_pack("{s:s}", "error", MSG_POSTAL_DOWN));
	else if (rc == 0)
		resp_json(r, 404, json_pack("{s:s}", "error", MSG_POSTAL_NONE));
	else
		resp_json(r, 200,
		          json_pack("{s:s, s:s, s:s, s:s}", "postal", digits, "prefecture", pref,
		                    "city", city, "town", town));
}

/* One attachment of the person's open draft, to look at what was sent (the file list of
 * the form links here). Served with the type found from its first bytes when it was added,
 * nosniff, and the site's CSP; PDF files as a download. */
void page_apply_attachment(req *r)
{
	const procedure *p = apply_gate(r);
	char owner[STORE_OWNER_MAX + 1], *end = NULL;
	store_draft d;
	if (!p)
		return;
	long long id = strtoll(r->params[1], &end, 10);
	if (id <= 0 || !end || *end || apply_owner_of(r, owner, sizeof(owner)) < 0 ||
	    apply_draft_open(r, owner, p, &d) != STORE_OK) {
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
		resp_header(r, "Content-Disposition", "attachment");
	resp_bytes(r, 200, meta.mime, data, len);
	free(data);
}