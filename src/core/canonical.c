/* canonical: the canonical content of an application, the exact bytes a signature binds
 * to (see answers_canonical in answers.h). A change here changes every digest: it is a
 * format, kept apart from the rest of the form engine so that it changes only on purpose. */
#include "core/answers_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"

/* ---- canonical content ---- */

#define MAX_CANON_FILES 100

/* A copy of a string value, or NULL when it is not one (or not UTF-8). */
static json_t *canon_string(json_t *v)
{
	if (json_is_string(v))
		return json_stringn(json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
		return json_string(tmp);
	}
	return NULL;
}

static json_t *canon_value(const proc_field *f, json_t *v)
{
	json_t *res = NULL, *el;
	const char *key;
	size_t i;
	long n;
	char tmp[32];
	if (!v)
		return NULL;
	switch (f->type) {
	case FT_BANK:
		if (!json_is_object(v) || !(res = json_object()))
			return NULL;
		for (i = 0; i < 7; i++) {
			static const char *const keys[] = {"bank",        "bank_name", "branch",
			                                   "branch_name", "type",      "number",
			                                   "holder"};
			key = keys[i];
			if ((el = canon_string(json_object_get(v, key))))
				json_object_set_new(res, key, el);
		}
		return res;
	case FT_CHECKBOX:
		if (json_is_string(v)) {
			if (!(res = json_array()))
				return NULL;
			json_array_append_new(res, canon_string(v));
			return res;
		}
		if (!json_is_array(v) || !(res = json_array()))
			return NULL;
		json_array_foreach(v, i, el) {
			json_t *c = json_is_string(el) ? canon_string(el) : NULL;
			if (i >= ANSWERS_MAX_CHECKED)
				break;
			if (c)
				json_array_append_new(res, c);
		}
		return res;
	case FT_NUMBER:
	case FT_COMPUTED:
		if (ans_stored_integer(v, &n) == 0) {
			snprintf(tmp, sizeof(tmp), "%ld", n);
			return json_string(tmp);
		}
		return canon_string(v);
	default:
		return canon_string(v);
	}
}

static json_t *canon_files(json_t *list)
{
	json_t *res, *a;
	size_t i;
	if (!json_is_array(list) || !(res = json_array()))
		return NULL;
	json_array_foreach(list, i, a) {
		json_t *o, *sz = json_object_get(a, "size"), *s;
		if (i >= MAX_CANON_FILES)
			break;
		if (!json_is_object(a) || !(o = json_object()))
			continue;
		static const char *const keys[] = {"filename", "sha256"};
		for (size_t k = 0; k < 2; k++) {
			json_t *m = json_object_get(a, keys[k]);
			if (json_is_string(m) && (s = canon_string(m)))
				json_object_set_new(o, keys[k], s);
		}
		if (json_is_integer(sz) && json_integer_value(sz) >= 0)
			json_object_set_new(o, "size", json_integer(json_integer_value(sz)));
		json_array_append_new(res, o);
	}
	return res;
}

char *answers_canonical(const procedure *p, json_t *answers, json_t *attachments, char *sha256_hex)
{
	json_t *root = NULL, *ans = NULL, *att = NULL;
	char *out = NULL;
	if (sha256_hex)
		sha256_hex[0] = '\0';
	if (!p || !p->id)
		return NULL;
	if (!(root = json_object()) || !(ans = json_object()) || !(att = json_object()))
		goto out;
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *f = &p->fields[i];
		json_t *v;
		if (f->type == FT_FILE)
			v = json_is_object(attachments)
			        ? canon_files(json_object_get(attachments, f->name))
			        : NULL;
		else
			v = json_is_object(answers)
			        ? canon_value(f, json_object_get(answers, f->name))
			        : NULL;
		if (v && json_object_set_new(f->type == FT_FILE ? att : ans, f->name, v))
			goto out;
	}
	if (json_object_set_new(root, "procedure", json_string(p->id)) ||
	    json_object_set_new(root, "version", json_integer(p->version)))
		goto out;
	if (json_object_set_new(root, "answers", ans)) {
		ans = NULL;
		goto out;
	}
	ans = NULL;
	if (json_object_set_new(root, "attachments", att)) {
		att = NULL;
		goto out;
	}
	att = NULL;
	out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
	if (out && sha256_hex)
		token_sha256_hex(out, strlen(out), sha256_hex);
out:
	json_decref(ans);
	json_decref(att);
	json_decref(root);
	return out;
}
