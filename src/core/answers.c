/* answers: the form engine's core (see answers.h). Checks a resident's raw input field by
 * field against the procedure, folds what may be folded (全角 digits and hyphens in numbers,
 * codes, phone and postal numbers; 半角 katakana in furigana), keeps names and addresses as
 * typed (NFC only, and CJK compatibility ideographs are not even NFC-folded, so 異体字 such
 * as U+FA10 塚 stay as typed) and fills computed values. The text normalisation is in
 * answers_text.c, the confirmation lines in answers_display.c and the canonical JSON that
 * signatures bind to in canonical.c.
 *
 * Decisions (written down here because the pages and staff depend on them):
 * - A value longer than ANSWERS_MAX_VALUE_BYTES is refused before it is looked at.
 * - Surrounding ASCII white space and U+3000 are trimmed from every value; a value that is
 *   only white space counts as not entered.
 * - Numbers: integers only; "1,000" is accepted only with commas between groups of three;
 *   stored without commas and leading zeros ("007" -> "7", "-0" -> "0").
 * - Account numbers are exactly 7 digits and are never padded: a short number may be a
 *   dropped digit, and money must not go to a guessed account; the message tells the
 *   person to add the zeros that the passbook shows.
 * - Account holder: 全角 katakana, ー and spaces, at most ANSWERS_HOLDER_MAX characters
 *   counted as the bank transfer format counts them (a voiced kana is two).
 * - Each field gets at most one error (the first bad part), so errs stays bounded. */
#include "core/answers_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uninorm.h>
#include <unistr.h>

#include "core/account.h"
#include "util/buf.h"
#include "util/jdate.h"
#include "util/utf8.h"

/* Default lengths, in characters, of the free-text types. */
enum {
	LEN_TEXT = 100,
	LEN_TEXTAREA = 2000,
	LEN_KATAKANA = 100,
	LEN_EMAIL = 254,
};

#define MSG_MAX 1024
#define NAME_MAX_BYTES 256 /* bank and branch names from the lookup */

size_t answers_max_length(const proc_field *f)
{
	if (!f)
		return 0;
	if (f->max_length)
		return f->max_length;
	switch (f->type) {
	case FT_TEXT:
		return LEN_TEXT;
	case FT_TEXTAREA:
		return LEN_TEXTAREA;
	case FT_KATAKANA:
		return LEN_KATAKANA;
	case FT_EMAIL:
		return LEN_EMAIL;
	default:
		return 0;
	}
}

/* ---- errors ---- */

__attribute__((format(printf, 3, 4))) static void add_error(json_t *errs, const char *id,
                                                            const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	if (!json_is_array(errs))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:s,s:s}", "field", id, "message", msg);
	if (e)
		json_array_append_new(errs, e);
}

/* ---- raw values ---- */

enum { R_BAD = -1, R_ABSENT = 0, R_OK = 1 };

/* A raw string member, trimmed. R_ABSENT when missing, null or only white space; R_BAD
 * after adding an error (not a string, too long, not UTF-8). */
static int raw_string(json_t *raw, const char *key, json_t *errs, const char *id, const char *label,
                      const char **s, size_t *n)
{
	json_t *v = json_object_get(raw, key);
	if (!v || json_is_null(v))
		return R_ABSENT;
	if (!json_is_string(v)) {
		add_error(errs, id, "%sの入力が正しくありません。", label);
		return R_BAD;
	}
	*s = json_string_value(v);
	*n = json_string_length(v);
	if (*n > ANSWERS_MAX_VALUE_BYTES) {
		add_error(errs, id, "%sが長すぎます。", label);
		return R_BAD;
	}
	if (!utf8_valid(*s, *n)) {
		add_error(errs, id, "%sに使えない文字が含まれています。", label);
		return R_BAD;
	}
	ans_trim(s, n);
	return *n ? R_OK : R_ABSENT;
}

/* ---- numbers ---- */

static void range_message(json_t *errs, const char *id, const proc_field *f, const char *pre)
{
	if (f->has_min && f->has_max)
		add_error(errs, id, "%s%sは%ldから%ldまでの数を入力してください。", pre, f->label,
		          f->min, f->max);
	else if (f->has_min)
		add_error(errs, id, "%s%sは%ld以上の数を入力してください。", pre, f->label, f->min);
	else if (f->has_max)
		add_error(errs, id, "%s%sは%ld以下の数を入力してください。", pre, f->label, f->max);
	else
		add_error(errs, id, "%s%sの数が大きすぎます。", pre, f->label);
}

static json_t *check_number(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	buf b;
	json_t *res = NULL;
	long v = 0;
	char out[32];
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 0, &b) < 0)
		goto out;
	switch (ans_parse_integer(b.data, b.len, &v)) {
	case NUM_OK:
		break;
	case NUM_DECIMAL:
		add_error(errs, f->name, "%sは小数点のない数（整数）で入力してください。",
		          f->label);
		goto out;
	case NUM_COMMA:
		add_error(errs, f->name,
		          "%sの区切りのカンマ（,）の位置が正しくありません。カンマなしで入力してく"
		          "ださい。",
		          f->label);
		goto out;
	case NUM_RANGE:
		range_message(errs, f->name, f, "");
		goto out;
	default:
		add_error(errs, f->name, "%sは数字で入力してください。", f->label);
		goto out;
	}
	if (v < 0 && f->has_min && f->min >= 0) {
		char pre[MSG_MAX / 2];
		snprintf(pre, sizeof(pre), "%sにマイナスの数は使えません。", f->label);
		range_message(errs, f->name, f, pre);
		goto out;
	}
	if ((f->has_min && v < f->min) || (f->has_max && v > f->max)) {
		range_message(errs, f->name, f, "");
		goto out;
	}
	snprintf(out, sizeof(out), "%ld", v);
	res = json_string(out);
out:
	buf_release(&b);
	return res;
}

/* ---- text ---- */

static json_t *check_text(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	int multiline = f->type == FT_TEXTAREA;
	buf lf, nf;
	json_t *res = NULL;
	size_t i = 0, max = answers_max_length(f);
	buf_init(&lf, ANSWERS_MAX_VALUE_BYTES + 1);
	buf_init(&nf, ANSWERS_MAX_VALUE_BYTES * 4);
	if (multiline) { /* CR LF and CR (from browsers and old Macs) become LF */
		for (size_t k = 0; k < n; k++) {
			if (s[k] == '\r') {
				buf_putc(&lf, '\n');
				if (k + 1 < n && s[k + 1] == '\n')
					k++;
			} else
				buf_putc(&lf, s[k]);
		}
		if (lf.failed)
			goto out;
		s = buf_cstr(&lf);
		n = lf.len;
	}
	while (i < n) {
		ucs4_t c = utf8_next(s, n, &i);
		if (ans_bad_char(c, multiline)) {
			if (c == '\n' || c == '\r')
				add_error(errs, f->name,
				          "%sは1行で入力してください（改行は使えません）。",
				          f->label);
			else
				add_error(errs, f->name, "%sに使えない文字が含まれています。",
				          f->label);
			goto out;
		}
	}
	if (ans_nfc_keep_kanji(s, n, &nf) < 0)
		goto out;
	size_t chars = u8_mbsnlen((const uint8_t *)nf.data, nf.len);
	if (chars > max) {
		add_error(errs, f->name, "%sは%zu文字以内で入力してください（いまは%zu文字です）。",
		          f->label, max, chars);
		goto out;
	}
	res = json_stringn(nf.data, nf.len);
out:
	buf_release(&lf);
	buf_release(&nf);
	return res;
}

/* ---- katakana ---- */

static json_t *check_katakana(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	buf b;
	json_t *res = NULL;
	size_t max = answers_max_length(f);
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES * 4);
	int rc = ans_kana_normalise(s, n, 1, &b);
	if (rc == KANA_NOTKANA) {
		add_error(errs, f->name, "%sは全角カタカナで入力してください。", f->label);
		goto out;
	}
	if (rc != KANA_OK)
		goto out;
	size_t chars = u8_mbsnlen((const uint8_t *)b.data, b.len);
	if (chars > max) {
		add_error(errs, f->name, "%sは%zu文字以内で入力してください（いまは%zu文字です）。",
		          f->label, max, chars);
		goto out;
	}
	res = json_stringn(b.data, b.len);
out:
	buf_release(&b);
	return res;
}

/* ---- e-mail, phone, postal ---- */

static json_t *check_email(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	buf b;
	json_t *res = NULL;
	char addr[ACCOUNT_EMAIL_MAX + 2];
	const char *msg = NULL;
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 0, &b) < 0)
		goto out;
	if (account_check_email(b.data, b.len, addr, sizeof(addr), &msg) < 0) {
		add_error(errs, f->name, "%s", msg ? msg : "メールアドレスが正しくありません。");
		goto out;
	}
	size_t max = answers_max_length(f);
	if (strlen(addr) > max) {
		add_error(errs, f->name, "%sは%zu文字以内で入力してください。", f->label, max);
		goto out;
	}
	res = json_string(addr);
out:
	buf_release(&b);
	return res;
}

static json_t *check_phone(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	buf b;
	json_t *res = NULL;
	size_t digits = 0;
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 1, &b) < 0)
		goto out;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (c != '-') {
			add_error(errs, f->name, "%sは数字とハイフン（-）で入力してください。",
			          f->label);
			goto out;
		}
	}
	if (b.len == 0 || b.data[0] == '-' || b.data[b.len - 1] == '-' || strstr(b.data, "--")) {
		add_error(errs, f->name, "%sのハイフン（-）の位置が正しくありません。", f->label);
		goto out;
	}
	if (b.data[0] != '0' || digits < 10 || digits > 11) {
		add_error(
		    errs, f->name,
		    "%sは市外局番から、10桁か11桁の数字で入力してください（例：048-000-1234）。",
		    f->label);
		goto out;
	}
	res = json_stringn(b.data, b.len);
out:
	buf_release(&b);
	return res;
}

static json_t *check_postal(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	buf b;
	json_t *res = NULL;
	char out[9];
	if (n >= 3 && memcmp(s, "\xE3\x80\x92", 3) == 0) { /* 〒 before the number */
		s += 3;
		n -= 3;
		ans_trim(&s, &n);
	}
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 1, &b) < 0)
		goto out;
	const char *d = buf_cstr(&b);
	if (b.len == 7 && ans_all_digits(d, 7))
		snprintf(out, sizeof(out), "%.3s-%.4s", d, d + 3);
	else if (b.len == 8 && d[3] == '-' && ans_all_digits(d, 3) && ans_all_digits(d + 4, 4))
		memcpy(out, d, 9);
	else {
		add_error(errs, f->name, "%sは7桁の数字で入力してください（例：123-4567）。",
		          f->label);
		goto out;
	}
	res = json_string(out);
out:
	buf_release(&b);
	return res;
}

/* ---- choices ---- */

static const proc_option *find_option(const proc_field *f, const char *s, size_t n)
{
	for (size_t i = 0; i < f->n_options; i++)
		if (strlen(f->options[i].value) == n && memcmp(f->options[i].value, s, n) == 0)
			return &f->options[i];
	return NULL;
}

static json_t *check_choice(const proc_field *f, const char *s, size_t n, json_t *errs)
{
	const proc_option *o = find_option(f, s, n);
	if (!o) {
		add_error(errs, f->name, "%sは選択肢の中から選んでください。", f->label);
		return NULL;
	}
	return json_string(o->value);
}

static void choose_message(const proc_field *f, json_t *errs)
{
	if (f->type == FT_CHECKBOX && f->n_options == 1)
		add_error(errs, f->name, "%sのチェックを入れてください。", f->label);
	else if (f->type == FT_CHECKBOX)
		add_error(errs, f->name, "%sを1つ以上選んでください。", f->label);
	else
		add_error(errs, f->name, "%sを選んでください。", f->label);
}

/* Checkbox: a string (one box) or an array of strings; "" entries ignored (the hidden input
 * that says "none"); duplicates removed; kept in option order. */
static int check_checkbox(const proc_field *f, json_t *raw, json_t *errs, json_t **res)
{
	json_t *v = json_object_get(raw, f->name), *arr = NULL, *el;
	unsigned char *on = NULL;
	size_t i, count = 0;
	int rc = R_BAD;
	*res = NULL;
	if (!v || json_is_null(v))
		return R_ABSENT;
	if (!json_is_string(v) && !json_is_array(v)) {
		add_error(errs, f->name, "%sの入力が正しくありません。", f->label);
		return R_BAD;
	}
	if (json_is_array(v) && json_array_size(v) > ANSWERS_MAX_CHECKED) {
		add_error(errs, f->name, "%sの入力が正しくありません。", f->label);
		return R_BAD;
	}
	if (!(on = calloc(f->n_options ? f->n_options : 1, 1)))
		goto out;
	size_t n_el = json_is_array(v) ? json_array_size(v) : 1;
	for (i = 0; i < n_el; i++) {
		el = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(el) || json_string_length(el) > ANSWERS_MAX_VALUE_BYTES) {
			add_error(errs, f->name, "%sの入力が正しくありません。", f->label);
			goto out;
		}
		const char *s = json_string_value(el);
		size_t n = json_string_length(el);
		if (n == 0)
			continue;
		const proc_option *o = find_option(f, s, n);
		if (!o) {
			add_error(errs, f->name, "%sは選択肢の中から選んでください。", f->label);
			goto out;
		}
		on[o - f->options] = 1;
	}
	if (!(arr = json_array()))
		goto out;
	for (i = 0; i < f->n_options; i++)
		if (on[i]) {
			json_array_append_new(arr, json_string(f->options[i].value));
			count++;
		}
	if (count == 0) {
		rc = R_ABSENT;
		goto out;
	}
	*res = arr;
	arr = NULL;
	rc = R_OK;
out:
	json_decref(arr);
	free(on);
	return rc;
}

/* ---- date ---- */

/* One part of a date, folded to ASCII digits in out (at most 4). R_ABSENT, R_OK, or R_BAD
 * (error added, or not digits: *notdigits). */
static int date_part(json_t *raw, const proc_field *f, const char *part, const char *partname,
                     json_t *errs, char *out, size_t maxdigits, int *notdigits)
{
	char key[64], label[MSG_MAX / 2];
	const char *s;
	size_t n;
	buf b;
	int rc;
	*notdigits = 0;
	snprintf(key, sizeof(key), "%s.%s", f->name, part);
	snprintf(label, sizeof(label), "%sの%s", f->label, partname);
	rc = raw_string(raw, key, errs, key, label, &s, &n);
	if (rc != R_OK)
		return rc;
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 0, &b) < 0 || b.len > maxdigits ||
	    !ans_all_digits(b.data, b.len)) {
		*notdigits = 1;
		rc = R_BAD;
	} else
		memcpy(out, b.data, b.len + 1);
	buf_release(&b);
	return rc;
}

static json_t *check_date(const proc_field *f, json_t *raw, json_t *errs, int *absent)
{
	static const char *const parts[] = {"year", "month", "day"};
	static const char *const names[] = {"年", "月", "日"};
	char v[3][8], id[3][64], ymd[48];
	int rc[3], bad[3], y = 0, m = 0, d = 0;
	*absent = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(id[i], sizeof(id[i]), "%s.%s", f->name, parts[i]);
		rc[i] = date_part(raw, f, parts[i], names[i], errs, v[i], i == 0 ? 4 : 2, &bad[i]);
		if (rc[i] == R_BAD && !bad[i])
			return NULL; /* error added */
	}
	if (rc[0] == R_ABSENT && rc[1] == R_ABSENT && rc[2] == R_ABSENT) {
		*absent = 1;
		return NULL;
	}
	for (int i = 0; i < 3; i++) {
		if (rc[i] == R_ABSENT) {
			add_error(errs, id[i], "%sの%sを入力してください。", f->label, names[i]);
			return NULL;
		}
		if (i == 0 && (bad[0] || strlen(v[0]) != 4)) {
			add_error(errs, id[0],
			          "%sの年は西暦の4桁の数字で入力してください（例：1950）。",
			          f->label);
			return NULL;
		}
		if (i == 0 && (y = atoi(v[0])) < 1868) {
			add_error(errs, id[0], "%sの年は1868年より後の西暦で入力してください。",
			          f->label);
			return NULL;
		}
		if (i == 1 && (bad[1] || (m = atoi(v[1])) < 1 || m > 12)) {
			add_error(errs, id[1], "%sの月は1から12までの数を入力してください。",
			          f->label);
			return NULL;
		}
		if (i == 2 && (bad[2] || (d = atoi(v[2])) < 1 || d > 31)) {
			add_error(errs, id[2], "%sの日は1から31までの数を入力してください。",
			          f->label);
			return NULL;
		}
	}
	snprintf(ymd, sizeof(ymd), "%04d-%02d-%02d", y, m, d);
	if (!jdate_valid(ymd)) {
		add_error(errs, id[2], "存在しない日付です。%sを確かめてください。", f->label);
		return NULL;
	}
	char today[11];
	jdate_today(today, time(NULL));
	if (f->past && strcmp(ymd, today) > 0) { /* both YYYY-MM-DD: text order is date order */
		add_error(errs, id[0], "%sに今日より後の日付は入力できません。", f->label);
		return NULL;
	}
	return json_string(ymd);
}

/* ---- bank account ---- */

static const struct {
	const char *key, *name;
} bank_parts[] = {
    {"bank", "金融機関コード"}, {"branch", "支店コード"}, {"type", "預金の種類"},
    {"number", "口座番号"},     {"holder", "口座名義"},
};
enum { BP_BANK, BP_BRANCH, BP_TYPE, BP_NUMBER, BP_HOLDER, BP_N };

/* Folded ASCII digits of exactly want digits into out; 0, or -1 (not digits or wrong
 * length: *ndigits tells how many digits were typed, -1 when not all digits). */
static int code_digits(const char *s, size_t n, size_t want, char *out, long *ndigits)
{
	buf b;
	int rc = -1;
	*ndigits = -1;
	buf_init(&b, ANSWERS_MAX_VALUE_BYTES + 1);
	if (ans_fold_ascii(s, n, 0, &b) == 0 && ans_all_digits(b.data, b.len)) {
		*ndigits = (long)b.len;
		if (b.len == want) {
			memcpy(out, b.data, want + 1);
			rc = 0;
		}
	}
	buf_release(&b);
	return rc;
}

/* NFD length: what the bank transfer format counts (ガ is ｶﾞ, two characters). */
static size_t holder_length(const char *s, size_t n)
{
	size_t rl = 0;
	uint8_t *r = u8_normalize(UNINORM_NFD, (const uint8_t *)s, n, NULL, &rl);
	size_t chars = r ? u8_mbsnlen(r, rl) : SIZE_MAX;
	free(r);
	return chars;
}

static json_t *name_string(char *s, size_t len)
{
	s[len - 1] = '\0';
	json_t *j = json_string(s);
	return j ? j : json_string("");
}

/* The five parts of a bank account answer as typed, and their error ids. */
struct bank_in {
	const char *s[BP_N];
	size_t n[BP_N];
	char id[BP_N][64];
};

/* The parts once checked. */
struct bank_out {
	char bank[8], branch[8], number[8], bank_name[NAME_MAX_BYTES], branch_name[NAME_MAX_BYTES];
	const char *type;
	buf holder;
};

/* The parts of f in raw into in: 0 when all are there; -1 after adding an error, or with
 * *absent set when none is (an error only when f is required). */
static int bank_parts_read(const proc_field *f, json_t *raw, json_t *errs, struct bank_in *in,
                           int *absent)
{
	int rc[BP_N], i, any = 0;

	for (i = 0; i < BP_N; i++) {
		snprintf(in->id[i], sizeof(in->id[i]), "%s.%s", f->name, bank_parts[i].key);
		rc[i] = raw_string(raw, in->id[i], errs, in->id[i], bank_parts[i].name, &in->s[i],
		                   &in->n[i]);
		if (rc[i] == R_BAD)
			return -1;
		any |= rc[i] == R_OK;
	}
	if (!any) {
		if (f->required)
			add_error(errs, in->id[BP_BANK], "%sを入力してください。", f->label);
		*absent = 1;
		return -1;
	}
	for (i = 0; i < BP_N; i++) {
		if (rc[i] != R_ABSENT)
			continue;
		if (i == BP_TYPE)
			add_error(errs, in->id[i], "%sを選んでください。", bank_parts[i].name);
		else
			add_error(errs, in->id[i], "%sを入力してください。", bank_parts[i].name);
		return -1;
	}
	return 0;
}

/* The bank and branch codes, looked up in banks when there is one (no names when it is
 * unavailable: the codes are then accepted by their form alone). */
static int bank_codes_check(const struct bank_in *in, json_t *errs, bank_lookup_fn banks,
                            void *banks_ctx, struct bank_out *out)
{
	int lookup = -1;
	long nd;

	if (code_digits(in->s[BP_BANK], in->n[BP_BANK], 4, out->bank, &nd) < 0) {
		add_error(errs, in->id[BP_BANK], "金融機関コードは4桁の数字で入力してください。");
		return -1;
	}
	if (banks) {
		lookup = banks(banks_ctx, out->bank, NULL, out->bank_name, sizeof(out->bank_name),
		               NULL, 0);
		if (lookup == 0) {
			add_error(errs, in->id[BP_BANK], "この金融機関コードは見つかりません。");
			return -1;
		}
	}
	if (code_digits(in->s[BP_BRANCH], in->n[BP_BRANCH], 3, out->branch, &nd) < 0) {
		add_error(errs, in->id[BP_BRANCH], "支店コードは3桁の数字で入力してください。");
		return -1;
	}
	if (banks && lookup > 0) {
		memset(out->bank_name, 0, sizeof(out->bank_name));
		lookup = banks(banks_ctx, out->bank, out->branch, out->bank_name,
		               sizeof(out->bank_name), out->branch_name, sizeof(out->branch_name));
		if (lookup == 0) {
			add_error(errs, in->id[BP_BRANCH], "この支店コードは見つかりません。");
			return -1;
		}
	}
	if (lookup < 0) {
		out->bank_name[0] = '\0';
		out->branch_name[0] = '\0';
	}
	return 0;
}

/* The account type and the 7-digit number. */
static int bank_account_check(const struct bank_in *in, json_t *errs, struct bank_out *out)
{
	const char *t = in->s[BP_TYPE];
	size_t tn = in->n[BP_TYPE];
	long nd;

	if (tn == 5 && memcmp(t, "futsu", 5) == 0)
		out->type = "futsu";
	else if (tn == 4 && memcmp(t, "toza", 4) == 0)
		out->type = "toza";
	else {
		add_error(errs, in->id[BP_TYPE],
		          "預金の種類は「普通」か「当座」を選んでください。");
		return -1;
	}
	if (code_digits(in->s[BP_NUMBER], in->n[BP_NUMBER], 7, out->number, &nd) == 0)
		return 0;
	if (nd < 0)
		add_error(errs, in->id[BP_NUMBER], "口座番号は7桁の数字で入力してください。");
	else if (nd < 7)
		add_error(
		    errs, in->id[BP_NUMBER],
		    "口座番号は7桁で入力してください。6桁以下の場合は、前に0をつけてください。");
	else
		add_error(
		    errs, in->id[BP_NUMBER],
		    "口座番号は7桁で入力してください。ゆうちょ銀行の口座は、振込用の店番と口座番号（7桁）を入力してください。");
	return -1;
}

/* The holder's name in full-width katakana, of at most ANSWERS_HOLDER_MAX characters as
 * the transfer format counts them. */
static int bank_holder_check(const struct bank_in *in, json_t *errs, struct bank_out *out)
{
	int k = ans_kana_normalise(in->s[BP_HOLDER], in->n[BP_HOLDER], 0, &out->holder);
	if (k == KANA_NOTKANA) {
		add_error(errs, in->id[BP_HOLDER], "口座名義は全角カタカナで入力してください。");
		return -1;
	}
	if (k != KANA_OK)
		return -1;
	if (holder_length(out->holder.data, out->holder.len) > ANSWERS_HOLDER_MAX) {
		add_error(
		    errs, in->id[BP_HOLDER],
		    "口座名義は%d文字以内で入力してください（濁点と半濁点も1文字と数えます）。",
		    ANSWERS_HOLDER_MAX);
		return -1;
	}
	return 0;
}

static json_t *bank_json(struct bank_out *o)
{
	json_t *res = json_object();
	if (res &&
	    (json_object_set_new(res, "bank", json_string(o->bank)) ||
	     json_object_set_new(res, "bank_name",
	                         name_string(o->bank_name, sizeof(o->bank_name))) ||
	     json_object_set_new(res, "branch", json_string(o->branch)) ||
	     json_object_set_new(res, "branch_name",
	                         name_string(o->branch_name, sizeof(o->branch_name))) ||
	     json_object_set_new(res, "type", json_string(o->type)) ||
	     json_object_set_new(res, "number", json_string(o->number)) ||
	     json_object_set_new(res, "holder", json_stringn(o->holder.data, o->holder.len)))) {
		json_decref(res);
		res = NULL;
	}
	return res;
}

static json_t *check_bank(const proc_field *f, json_t *raw, json_t *errs, bank_lookup_fn banks,
                          void *banks_ctx, int *absent)
{
	struct bank_in in;
	struct bank_out out;
	json_t *res = NULL;

	*absent = 0;
	memset(&out, 0, sizeof(out));
	buf_init(&out.holder, ANSWERS_MAX_VALUE_BYTES * 4);
	if (bank_parts_read(f, raw, errs, &in, absent) == 0 &&
	    bank_codes_check(&in, errs, banks, banks_ctx, &out) == 0 &&
	    bank_account_check(&in, errs, &out) == 0 && bank_holder_check(&in, errs, &out) == 0)
		res = bank_json(&out);
	buf_release(&out.holder);
	return res;
}

/* ---- validate ---- */

json_t *answers_validate(const procedure *p, json_t *raw, json_t *errs, bank_lookup_fn banks,
                         void *banks_ctx)
{
	json_t *answers = json_object(), *empty = NULL;
	if (!answers || !p)
		return answers;
	if (!json_is_object(raw)) {
		if (!(empty = json_object())) {
			json_decref(answers);
			return NULL;
		}
		raw = empty;
	}
	for (size_t fi = 0; fi < p->n_fields; fi++) {
		const proc_field *f = &p->fields[fi];
		json_t *val = NULL;
		const char *s = NULL;
		size_t n = 0;
		int rc, absent = 0;
		switch (f->type) {
		case FT_FILE:     /* attachments: the caller checks them */
		case FT_COMPUTED: /* never typed: answers_compute fills it */
			continue;
		case FT_DATE:
			val = check_date(f, raw, errs, &absent);
			if (absent && f->required) {
				char id[64];
				snprintf(id, sizeof(id), "%s.year", f->name);
				add_error(errs, id, "%sを入力してください。", f->label);
			}
			break;
		case FT_BANK:
			val = check_bank(f, raw, errs, banks, banks_ctx, &absent);
			break;
		case FT_CHECKBOX:
			rc = check_checkbox(f, raw, errs, &val);
			if (rc == R_ABSENT && f->required)
				choose_message(f, errs);
			break;
		default:
			rc = raw_string(raw, f->name, errs, f->name, f->label, &s, &n);
			if (rc == R_ABSENT && f->required) {
				if (f->type == FT_SELECT || f->type == FT_RADIO)
					choose_message(f, errs);
				else
					add_error(errs, f->name, "%sを入力してください。",
					          f->label);
			}
			if (rc != R_OK)
				break;
			switch (f->type) {
			case FT_TEXT:
			case FT_TEXTAREA:
				val = check_text(f, s, n, errs);
				break;
			case FT_NUMBER:
				val = check_number(f, s, n, errs);
				break;
			case FT_SELECT:
			case FT_RADIO:
				val = check_choice(f, s, n, errs);
				break;
			case FT_EMAIL:
				val = check_email(f, s, n, errs);
				break;
			case FT_PHONE:
				val = check_phone(f, s, n, errs);
				break;
			case FT_POSTAL:
				val = check_postal(f, s, n, errs);
				break;
			case FT_KATAKANA:
				val = check_katakana(f, s, n, errs);
				break;
			default:
				break;
			}
		}
		if (val)
			json_object_set_new(answers, f->name, val);
	}
	json_decref(empty);
	return answers;
}

/* ---- computed ---- */

void answers_compute(const procedure *p, json_t *answers)
{
	if (!p || !json_is_object(answers))
		return;
	for (size_t i = 0; i < p->n_fields; i++) {
		const proc_field *f = &p->fields[i];
		char out[32];
		long in;
		if (f->type != FT_COMPUTED)
			continue;
		json_t *src = f->source ? json_object_get(answers, f->source) : NULL;
		if (src && ans_stored_integer(src, &in) == 0) {
			snprintf(out, sizeof(out), "%ld", proc_compute(f, in));
			json_object_set_new(answers, f->name, json_string(out));
		} else
			json_object_del(answers, f->name); /* no source: no stale value either */
	}
}
