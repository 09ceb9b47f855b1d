/* export: the rows of a procedure's CSV export and their bytes (export.h). */
#include "core/export.h"

#include <stdio.h>
#include <string.h>

#include "core/application.h"
#include "core/compare.h"
#include "core/csv.h"
#include "util/jdate.h"
#include "util/utf8.h"

static const char *const tail[] = {"署名者の氏名", "署名者の生年月日", "署名者の性別",
                                   "署名者の住所", "署名の検証結果"};

json_t *export_header(const procedure *p)
{
	json_t *h = json_pack("[s, s, s]", "受付番号", "到達日時", "状態");
	for (size_t i = 0; p && i < p->n_fields; i++)
		json_array_append_new(h, json_string(p->fields[i].label));
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		json_array_append_new(h, json_string(tail[i]));
	return h;
}

const char *export_gender_text(const char *g)
{
	return !g                ? ""
	       : !strcmp(g, "1") ? "男性"
	       : !strcmp(g, "2") ? "女性"
	       : !strcmp(g, "3") ? "その他"
	                         : g;
}

static const char *str_at(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* The display line of field name (or, for an older display without names, of its label). */
static const char *display_value(const json_t *display, const proc_field *f)
{
	size_t i;
	json_t *line;
	json_array_foreach(display, i, line) {
		const char *n = json_string_value(json_object_get(line, "name"));
		if (n ? !strcmp(n, f->name) : !strcmp(str_at(line, "label"), f->label))
			return str_at(line, "value");
	}
	return "";
}

static void signer_cells(json_t *row, const char *verification)
{
	json_t *report = verification ? json_loads(verification, 0, NULL) : NULL;
	const json_t *b4 = json_object_get(report, "basic_four");
	const char *birth =
	    json_object_get(b4, "birth_date") ? str_at(b4, "birth_date") : str_at(b4, "birth");
	const char *result = str_at(report, "result");
	char iso[11], res[600];
	if (compare_date_parse(birth, iso) == 0)
		birth = iso;
	if (!report)
		snprintf(res, sizeof(res), "署名なし");
	else if (!strcmp(result, "ok"))
		snprintf(res, sizeof(res), "有効");
	else
		snprintf(res, sizeof(res), "無効（%.*s）", 500,
		         str_at(report, "message")[0] ? str_at(report, "message") : result);
	json_array_append_new(row, json_string(str_at(b4, "name")));
	json_array_append_new(row, json_string(birth));
	json_array_append_new(row, json_string(export_gender_text(str_at(b4, "gender"))));
	json_array_append_new(row, json_string(str_at(b4, "address")));
	json_array_append_new(row, json_string(res));
	json_decref(report);
}

json_t *export_row(const procedure *p, const store_application *ap)
{
	char when[32];
	time_t t = (time_t)(ap->submitted_at + JDATE_JST_OFFSET);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		when[0] = 0;
	json_t *row = json_pack("[s, s, s]", ap->receipt, when, app_status_label(ap->status));
	json_t *display = ap->display ? json_loads(ap->display, 0, NULL) : NULL;
	for (size_t i = 0; p && i < p->n_fields; i++)
		json_array_append_new(row, json_string(display_value(display, &p->fields[i])));
	json_decref(display);
	signer_cells(row, ap->verification);
	return row;
}

typedef struct loss_ctx {
	json_t *losses;
	const char *receipt, *column, *text;
	size_t len;
} loss_ctx;

static void on_loss(uint32_t cp, size_t offset, void *arg)
{
	loss_ctx *l = arg;
	char code[16];
	size_t n = offset < l->len ? utf8_char_len(l->text + offset, l->len - offset) : 0;
	if (!l->losses)
		return;
	snprintf(code, sizeof(code), "U+%04X", (unsigned)cp);
	json_array_append_new(l->losses,
	                      json_pack("{s:s, s:s, s:s%, s:s}", "receipt", l->receipt, "column",
	                                l->column, "char", l->text + offset, n, "code", code));
}

/* One cell of row r, column c, in CP932 (losses reported) or UTF-8. */
static long write_cell(const json_t *rows, size_t r, size_t c, enum export_enc enc, buf *out,
                       json_t *losses)
{
	const json_t *row = json_array_get(rows, r);
	const char *v = json_string_value(json_array_get(row, c));
	size_t n = v ? strlen(v) : 0;
	if (enc == EXPORT_UTF8)
		return csv_cell(out, v ? v : "", n, c == 0);
	buf cell;
	buf_init(&cell, out->max);
	long lost = csv_cell(&cell, v ? v : "", n, c == 0);
	loss_ctx l = {losses, json_string_value(json_array_get(row, 0)),
	              json_string_value(json_array_get(json_array_get(rows, 0), c)),
	              buf_cstr(&cell), cell.len};
	if (lost == 0)
		lost = csv_cp932(cell.data ? cell.data : "", cell.len, out, on_loss, &l);
	buf_release(&cell);
	return lost;
}

long export_write(const json_t *rows, enum export_enc enc, buf *out, json_t *losses)
{
	long lost = 0;
	if (enc == EXPORT_UTF8 && buf_puts(out, CSV_UTF8_BOM) < 0)
		return -1;
	for (size_t r = 0; r < json_array_size(rows); r++) {
		for (size_t c = 0; c < json_array_size(json_array_get(rows, r)); c++) {
			long k = write_cell(rows, r, c, enc, out, losses);
			if (k < 0)
				return -1;
			lost += k;
		}
		if (csv_row_end(out) < 0)
			return -1;
	}
	return lost;
}

int export_losses_csv(const json_t *losses, buf *out)
{
	json_t *rows = json_pack("[[s, s, s, s]]", "受付番号", "列", "文字", "コードポイント");
	size_t i;
	json_t *l;
	json_array_foreach(losses, i, l)
		json_array_append_new(rows, json_pack("[s, s, s, s]", str_at(l, "receipt"),
		                                      str_at(l, "column"), str_at(l, "char"),
		                                      str_at(l, "code")));
	long k = export_write(rows, EXPORT_UTF8, out, NULL);
	json_decref(rows);
	return k < 0 ? -1 : 0;
}
