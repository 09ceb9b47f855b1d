/* answers_display: the lines of answers as a person reads them, for the confirmation page
 * and the signing app (see answers.h). */
#include "core/answers_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jdate.h"

#define UNSET "（未入力）"

/* ---- display ---- */

#define DISPLAY_MAX ((size_t)4 << 20)
#define MAX_FILES_SHOWN 100

static void format_size(json_int_t sz, char *out, size_t len)
{
	if (sz < 1024 || sz > ((json_int_t)1 << 50))
		snprintf(out, len, "%lldバイト", (long long)sz);
	else if (sz < ((json_int_t)1 << 20))
		snprintf(out, len, "%lldKB", (long long)((sz + 1023) / 1024));
	else {
		long long tenths = (long long)((sz * 10 + ((json_int_t)1 << 19)) >> 20);
		snprintf(out, len, "%lld.%lldMB", tenths / 10, tenths % 10);
	}
}

static const char *option_label(const proc_field *f, const char *value)
{
	for (size_t i = 0; i < f->n_options; i++)
		if (strcmp(f->options[i].value, value) == 0)
			return f->options[i].label;
	return value;
}

static const char *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void display_bank(json_t *v, buf *b)
{
	const char *bn = member(v, "bank_name"), *brn = member(v, "branch_name");
	const char *type = member(v, "type");
	if (bn[0])
		buf_printf(b, "%s（%s）", bn, member(v, "bank"));
	else
		buf_printf(b, "金融機関コード（%s）", member(v, "bank"));
	if (brn[0])
		buf_printf(b, " %s（%s）", brn, member(v, "branch"));
	else
		buf_printf(b, " 支店コード（%s）", member(v, "branch"));
	buf_printf(b, " %s %s %s",
	           strcmp(type, "futsu") == 0  ? "普通"
	           : strcmp(type, "toza") == 0 ? "当座"
	                                       : type,
	           member(v, "number"), member(v, "holder"));
}

static void display_files(json_t *list, buf *b)
{
	size_t i;
	json_t *a;
	if (!json_is_array(list))
		return;
	json_array_foreach(list, i, a) {
		char size[48] = "";
		json_t *sz = json_object_get(a, "size");
		if (i >= MAX_FILES_SHOWN)
			break;
		if (!json_is_string(json_object_get(a, "filename")))
			continue;
		if (json_is_integer(sz) && json_integer_value(sz) >= 0)
			format_size(json_integer_value(sz), size, sizeof(size));
		if (b->len)
			buf_puts(b, "、");
		buf_puts(b, member(a, "filename"));
		if (size[0])
			buf_printf(b, "（%s）", size);
	}
}

/* The value of one field as a person reads it, into b (left empty when unanswered). */
static void display_value(const proc_field *f, json_t *v, json_t *attachments, buf *b)
{
	char tmp[96];
	long n;
	size_t i;
	json_t *el;
	switch (f->type) {
	case FT_FILE:
		display_files(json_object_get(attachments, f->name), b);
		return;
	case FT_NUMBER:
	case FT_COMPUTED:
		if (v && ans_stored_integer(v, &n) == 0) {
			ans_group_digits(n, tmp, sizeof(tmp));
			buf_printf(b, "%s%s", tmp, f->unit ? f->unit : "");
		} else if (json_is_string(v))
			buf_append(b, json_string_value(v), json_string_length(v));
		return;
	case FT_DATE:
		if (json_is_string(v)) {
			char out[128];
			jdate_format(json_string_value(v), out, sizeof(out));
			buf_puts(b, out);
		}
		return;
	case FT_SELECT:
	case FT_RADIO:
		if (json_is_string(v))
			buf_puts(b, option_label(f, json_string_value(v)));
		return;
	case FT_CHECKBOX:
		if (json_is_string(v))
			buf_puts(b, option_label(f, json_string_value(v)));
		else if (json_is_array(v))
			json_array_foreach(v, i, el) {
				if (i >= ANSWERS_MAX_CHECKED)
					break;
				if (!json_is_string(el))
					continue;
				if (b->len)
					buf_puts(b, "、");
				buf_puts(b, option_label(f, json_string_value(el)));
			}
		return;
	case FT_BANK:
		if (json_is_object(v))
			display_bank(v, b);
		return;
	default:
		if (json_is_string(v))
			buf_append(b, json_string_value(v), json_string_length(v));
		return;
	}
}

json_t *answers_display(const procedure *p, json_t *answers, json_t *attachments)
{
	json_t *lines = json_array();
	buf b;
	if (!lines || !p)
		return lines;
	buf_init(&b, DISPLAY_MAX);
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *f = &p->fields[i];
		json_t *v = json_is_object(answers) ? json_object_get(answers, f->name) : NULL;
		json_t *value = NULL;
		buf_reset(&b);
		display_value(f, v, json_is_object(attachments) ? attachments : NULL, &b);
		if (!b.failed && b.len)
			value = json_stringn(b.data, b.len); /* NULL when not UTF-8 */
		if (!value)
			value = json_string(UNSET);
		json_t *line = json_object();
		if (!line || json_object_set_new(line, "name", json_string(f->name)) ||
		    json_object_set_new(line, "label", json_string(f->label)) ||
		    json_object_set_new(line, "value", value) ||
		    json_array_append_new(lines, line)) {
			json_decref(line);
			json_decref(lines);
			lines = NULL;
			goto out;
		}
	}
out:
	buf_release(&b);
	return lines;
}
