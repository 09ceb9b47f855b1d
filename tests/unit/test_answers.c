/* Unit tests of src/core/answers.c: each field type with good and bad values (folding, length,
 * characters, calendar dates, options, bank codes through a test lookup), computed values,
 * the confirmation lines, and pinned canonical JSON with its SHA-256. Run from the
 * repository root (it reads procedures/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/answers.h"
#include "core/procedure.h"

/* ---- fixtures ---- */

static const char head_json[] =
    "{\"id\": \"%s\", \"version\": %d, \"title\": \"テスト手続\", \"category\": \"テスト\","
    " \"summary\": \"テストの手続です。\", \"description\": \"説明です。\","
    " \"eligibility\": \"どなたでも\", \"prepare\": [\"メールアドレス\"],"
    " \"duration\": \"5分\", \"login_required\": true, \"signature_required\": true,"
    " \"department\": {\"name\": \"総務課\"}, \"fields\": [%s]}";

#define STEPS                                                                                      \
	"[{\"min\": 0, \"value\": 0}, {\"min\": 10, \"value\": 1000}, {\"min\": 20, \"value\": "   \
	"2000}, {\"min\": 30, \"value\": 3000}, {\"min\": 40, \"value\": 4000}, {\"min\": 50, "    \
	"\"value\": 5000}]"

/* Every field type, all optional, so that a test can send one value at a time. */
static const char all_fields[] =
    "{\"name\": \"memo\", \"type\": \"text\", \"label\": \"メモ\", \"max_length\": 10},"
    "{\"name\": \"note\", \"type\": \"textarea\", \"label\": \"ご意見\", \"max_length\": 20},"
    "{\"name\": \"count\", \"type\": \"number\", \"label\": \"スタンプの数\", \"min\": 0,"
    " \"max\": 1000, \"unit\": \"個\"},"
    "{\"name\": \"delta\", \"type\": \"number\", \"label\": \"増減\"},"
    "{\"name\": \"total\", \"type\": \"computed\", \"label\": \"交付金の額\", \"source\": "
    "\"count\", \"table\": " STEPS ", \"unit\": \"円\"},"
    "{\"name\": \"day\", \"type\": \"date\", \"label\": \"活動日\"},"
    "{\"name\": \"kind\", \"type\": \"select\", \"label\": \"種類\", \"options\": ["
    " {\"value\": \"a\", \"label\": \"あ\"}, {\"value\": \"b\", \"label\": \"い\"}]},"
    "{\"name\": \"way\", \"type\": \"radio\", \"label\": \"受け取り方\", \"options\": ["
    " {\"value\": \"bank\", \"label\": \"口座振込\"}, {\"value\": \"cash\", \"label\": "
    "\"窓口\"}]},"
    "{\"name\": \"tags\", \"type\": \"checkbox\", \"label\": \"活動の内容\", \"options\": ["
    " {\"value\": \"x\", \"label\": \"話し相手\"}, {\"value\": \"y\", \"label\": \"配膳\"},"
    " {\"value\": \"z\", \"label\": \"行事の手伝い\"}]},"
    "{\"name\": \"mail\", \"type\": \"email\", \"label\": \"メールアドレス\"},"
    "{\"name\": \"tel\", \"type\": \"phone\", \"label\": \"電話番号\"},"
    "{\"name\": \"zip\", \"type\": \"postal\", \"label\": \"郵便番号\"},"
    "{\"name\": \"kana\", \"type\": \"katakana\", \"label\": \"フリガナ\", \"max_length\": 10},"
    "{\"name\": \"acct\", \"type\": \"bank\", \"label\": \"振込先\"},"
    "{\"name\": \"photo\", \"type\": \"file\", \"label\": \"写真\", \"max_files\": 2,"
    " \"max_bytes\": 1000, \"accept\": [\"image/jpeg\"]}";

static procedure *make_proc(const char *id, int version, const char *fields)
{
	char err[512] = "";
	procedure *p = NULL;
	size_t len = strlen(head_json) + strlen(fields) + 64;
	char *s = malloc(len);
	assert_non_null(s);
	snprintf(s, len, head_json, id, version, fields);
	int rc = proc_parse("t.json", s, strlen(s), &p, err, sizeof(err));
	free(s);
	if (rc != PROC_OK)
		fail_msg("fixture does not parse: %s", err);
	return p;
}

static procedure *all;
static proc_catalog *catalog;
static const procedure *volunteer;

static int group_setup(void **state)
{
	char err[512];
	all = make_proc("t-all", 1, all_fields);
	if (proc_catalog_load("procedures", &catalog, err, sizeof(err)) != PROC_OK) {
		fprintf(stderr, "procedures/: %s (run from the repository root)\n", err);
		return -1;
	}
	volunteer = proc_catalog_find(catalog, "kaigo-volunteer-point");
	return volunteer ? 0 : -1;
}

static int group_teardown(void **state)
{
	proc_free(all);
	proc_catalog_free(catalog);
	return 0;
}

/* The test bank lookup: 0001 みどり銀行 with branch 001 中央支店; 9999 "unavailable". */
static int lookups;
static int test_banks(void *ctx, const char *bank, const char *branch, char *bank_name,
                      size_t bank_len, char *branch_name, size_t branch_len)
{
	lookups++;
	assert_ptr_equal(ctx, &lookups);
	assert_int_equal(strlen(bank), 4);
	if (strcmp(bank, "9999") == 0)
		return -1;
	if (strcmp(bank, "0001") != 0)
		return 0;
	if (bank_name)
		snprintf(bank_name, bank_len, "みどり銀行");
	if (!branch)
		return 1;
	assert_int_equal(strlen(branch), 3);
	if (strcmp(branch, "001") != 0)
		return 0;
	if (branch_name)
		snprintf(branch_name, branch_len, "中央支店");
	return 1;
}

/* Validate raw (JSON text; consumed) against p; *errs gets the errors. */
static json_t *validate_obj(const procedure *p, json_t *raw, json_t **errs)
{
	*errs = json_array();
	assert_non_null(*errs);
	json_t *a = answers_validate(p, raw, *errs, test_banks, &lookups);
	assert_non_null(a);
	json_decref(raw);
	return a;
}

static json_t *validate(const procedure *p, const char *raw_json, json_t **errs)
{
	json_error_t je;
	json_t *raw = json_loads(raw_json, JSON_ALLOW_NUL, &je);
	if (!raw)
		fail_msg("raw fixture: %s: %s", raw_json, je.text);
	return validate_obj(p, raw, errs);
}

/* The message of the only error, which must be for field id. */
static const char *only_error(json_t *errs, const char *id)
{
	if (json_array_size(errs) != 1) {
		char *s = json_dumps(errs, 0);
		print_message("errors: %s\n", s);
		free(s);
		fail_msg("expected exactly one error (for %s)", id);
	}
	json_t *e = json_array_get(errs, 0);
	assert_string_equal(json_string_value(json_object_get(e, "field")), id);
	return json_string_value(json_object_get(e, "message"));
}

static void no_errors(json_t *errs)
{
	if (json_array_size(errs) != 0) {
		char *s = json_dumps(errs, 0);
		print_message("errors: %s\n", s);
		free(s);
		fail_msg("expected no errors");
	}
}

/* One value for one key of the all-types procedure: expect it stored as want. */
static void want_value(const char *key, const char *raw_json_value, const char *want)
{
	char raw[4096];
	json_t *errs;
	snprintf(raw, sizeof(raw), "{\"%s\": %s}", key, raw_json_value);
	json_t *a = validate(all, raw, &errs);
	no_errors(errs);
	json_t *v = json_object_get(a, key);
	if (!json_is_string(v))
		fail_msg("%s=%s: no answer", key, raw_json_value);
	assert_string_equal(json_string_value(v), want);
	json_decref(a);
	json_decref(errs);
}

/* One value for one key: expect one error for id with message msg (NULL: any) and no answer
 * for the field. */
static void want_error(const char *key, const char *raw_json_value, const char *id, const char *msg)
{
	char raw[4096], field[64];
	json_t *errs;
	snprintf(raw, sizeof(raw), "{\"%s\": %s}", key, raw_json_value);
	json_t *a = validate(all, raw, &errs);
	const char *m = only_error(errs, id);
	if (msg && strcmp(m, msg) != 0)
		fail_msg("%s=%s: message \"%s\", expected \"%s\"", key, raw_json_value, m, msg);
	snprintf(field, sizeof(field), "%.*s", (int)strcspn(key, "."), key);
	assert_null(json_object_get(a, field));
	json_decref(a);
	json_decref(errs);
}

/* ---- text ---- */

static void test_text(void **state)
{
	want_value("memo", "\"　 こんにちは\\t \"", "こんにちは"); /* trimmed */
	want_value("memo", "\"山田　太郎\"", "山田　太郎");        /* inner U+3000 kept */
	want_value("memo", "\"１２３ＡＢＣ\"", "１２３ＡＢＣ");    /* no width folding */
	want_value("memo", "\"か\\u3099\"", "が");                 /* NFC */
	want_value("memo", "\"\\uFA10田\"", "\uFA10田"); /* CJK compatibility ideograph kept */
	want_value("memo", "\"髙﨑\"", "髙﨑");
	want_value("memo", "\"あいうえおかきくけこ\"", "あいうえおかきくけこ"); /* 10: ok */
	want_error("memo", "\"あいうえおかきくけこさ\"", "memo",
	           "メモは10文字以内で入力してください（いまは11文字です）。");
	want_error("memo", "\"a\\u0001b\"", "memo", "メモに使えない文字が含まれています。");
	want_error("memo", "\"a\\u007fb\"", "memo", "メモに使えない文字が含まれています。");
	want_error("memo", "\"a\\u202eb\"", "memo", "メモに使えない文字が含まれています。");
	want_error("memo", "\"a\\nb\"", "memo",
	           "メモは1行で入力してください（改行は使えません）。");
	want_error("memo", "\"a\\tb\"", "memo", "メモに使えない文字が含まれています。");
	want_error("memo", "12", "memo", "メモの入力が正しくありません。");
	want_error("memo", "[\"a\"]", "memo", "メモの入力が正しくありません。");

	/* textarea: newlines and tabs kept, CR LF becomes LF */
	want_value("note", "\"一行目\\r\\n二行目\\r三\\t行目\\n\"", "一行目\n二行目\n三\t行目");
	want_error("note", "\"a\\u0000b\"", "note", "ご意見に使えない文字が含まれています。");
	want_error("note", "\"123456789012345678901\"", "note", NULL);

	/* absent, null, blank: no answer and no error for an optional field */
	json_t *errs;
	json_t *a = validate(all, "{\"memo\": \"  \\u3000 \", \"note\": null}", &errs);
	no_errors(errs);
	assert_int_equal(json_object_size(a), 0);
	json_decref(a);
	json_decref(errs);
}

static void test_invalid_utf8_and_size(void **state)
{
	json_t *errs, *raw = json_object();
	json_object_set_new(raw, "memo", json_stringn_nocheck("a\xff\xfe", 3));
	json_t *a = validate_obj(all, raw, &errs);
	assert_string_equal(only_error(errs, "memo"), "メモに使えない文字が含まれています。");
	assert_int_equal(json_object_size(a), 0);
	json_decref(a);
	json_decref(errs);

	/* overlong encoding and a lone surrogate are not UTF-8 either */
	raw = json_object();
	json_object_set_new(raw, "kana", json_stringn_nocheck("\xC0\xAF", 2));
	json_object_set_new(raw, "tel", json_stringn_nocheck("\xED\xA0\x80", 3));
	a = validate_obj(all, raw, &errs);
	assert_int_equal(json_array_size(errs), 2);
	assert_int_equal(json_object_size(a), 0);
	json_decref(a);
	json_decref(errs);

	/* more than 64 KiB: refused unread, whatever the type */
	size_t big = ANSWERS_MAX_VALUE_BYTES + 1;
	char *s = malloc(big);
	assert_non_null(s);
	memset(s, '1', big);
	raw = json_object();
	json_object_set_new(raw, "count", json_stringn(s, big));
	a = validate_obj(all, raw, &errs);
	assert_string_equal(only_error(errs, "count"), "スタンプの数が長すぎます。");
	json_decref(a);
	json_decref(errs);
	memset(s, 'a', big);
	raw = json_object();
	json_object_set_new(raw, "note", json_stringn(s, big));
	a = validate_obj(all, raw, &errs);
	assert_string_equal(only_error(errs, "note"), "ご意見が長すぎます。");
	json_decref(a);
	json_decref(errs);
	free(s);

	/* not an object: every field absent */
	raw = json_string("x");
	a = validate_obj(volunteer, raw, &errs);
	assert_int_equal(json_object_size(a), 0);
	assert_true(json_array_size(errs) >= 10);
	json_decref(a);
	json_decref(errs);
}

/* ---- numbers ---- */

static void test_number(void **state)
{
	want_value("count", "\"12\"", "12");
	want_value("count", "\"１２\"", "12");
	want_value("count", "\" ０ \"", "0");
	want_value("count", "\"007\"", "7");
	want_value("count", "\"1,000\"", "1000");
	want_value("count", "\"１，０００\"", "1000");
	want_value("delta", "\"-0\"", "0");
	want_value("delta", "\"－５\"", "-5");
	want_value("delta", "\"\\u22123\"", "-3");
	want_value("delta", "\"-1,234,567\"", "-1234567");
	want_value("delta", "\"999999999999999999\"", "999999999999999999");
	want_value("delta", "\"000000000000000000000000012\"", "12");
	want_error("count", "\"-1\"", "count",
	           "スタンプの数にマイナスの数は使えません。スタンプの数は0から1000までの数を"
	           "入力してください。");
	want_error("count", "\"－３\"", "count", NULL);
	want_error("count", "\"1001\"", "count",
	           "スタンプの数は0から1000までの数を入力してください。");
	want_error("count", "\"1.5\"", "count",
	           "スタンプの数は小数点のない数（整数）で入力してください。");
	want_error("count", "\"1,00\"", "count",
	           "スタンプの数の区切りのカンマ（,）の位置が正しくありません。カンマなしで入力"
	           "してください。");
	want_error("count", "\",100\"", "count", NULL);
	want_error("count", "\"10個\"", "count", "スタンプの数は数字で入力してください。");
	want_error("count", "\"十二\"", "count", "スタンプの数は数字で入力してください。");
	want_error("count", "\"1 2\"", "count", "スタンプの数は数字で入力してください。");
	want_error("count", "\"-\"", "count", "スタンプの数は数字で入力してください。");
	want_error("count", "\"+5\"", "count", "スタンプの数は数字で入力してください。");
	want_error("count", "\"\\u00011\"", "count", "スタンプの数は数字で入力してください。");
	want_error("delta", "\"9999999999999999999\"", "delta", "増減の数が大きすぎます。");
}

/* ---- dates ---- */

static void want_date(const char *y, const char *m, const char *d, const char *want,
                      const char *err_id, const char *msg)
{
	char raw[512];
	json_t *errs;
	snprintf(raw, sizeof(raw),
	         "{\"day.year\": \"%s\", \"day.month\": \"%s\", \"day.day\": \"%s\"}", y, m, d);
	json_t *a = validate(all, raw, &errs);
	if (want) {
		no_errors(errs);
		assert_string_equal(json_string_value(json_object_get(a, "day")), want);
	} else {
		const char *got = only_error(errs, err_id);
		if (msg)
			assert_string_equal(got, msg);
		assert_null(json_object_get(a, "day"));
	}
	json_decref(a);
	json_decref(errs);
}

static void test_date(void **state)
{
	want_date("2026", "4", "1", "2026-04-01", NULL, NULL);
	want_date("2024", "02", "29", "2024-02-29", NULL, NULL);
	want_date("２０２６", "１２", "３１", "2026-12-31", NULL, NULL);
	want_date(" 2000 ", "2", "29", "2000-02-29", NULL, NULL);
	want_date("2026", "2", "30", NULL, "day.day",
	          "存在しない日付です。活動日を確かめてください。");
	want_date("2023", "2", "29", NULL, "day.day", NULL);
	want_date("1900", "2", "29", NULL, "day.day", NULL);
	want_date("2026", "4", "31", NULL, "day.day", NULL);
	want_date("2026", "13", "1", NULL, "day.month",
	          "活動日の月は1から12までの数を入力してください。");
	want_date("2026", "0", "1", NULL, "day.month", NULL);
	want_date("2026", "4", "32", NULL, "day.day",
	          "活動日の日は1から31までの数を入力してください。");
	want_date("2026", "4", "0", NULL, "day.day", NULL);
	want_date("2026", "4", "1日", NULL, "day.day", NULL);
	want_date("26", "4", "1", NULL, "day.year",
	          "活動日の年は西暦の4桁の数字で入力してください（例：1950）。");
	want_date("令和8", "4", "1", NULL, "day.year", NULL);
	want_date("1867", "4", "1", NULL, "day.year",
	          "活動日の年は1868年より後の西暦で入力してください。");
	/* the first bad part is the one pointed at */
	want_date("", "13", "40", NULL, "day.year", "活動日の年を入力してください。");
	want_date("2026", "", "40", NULL, "day.month", "活動日の月を入力してください。");
	want_date("2026", "13", "40", NULL, "day.month", NULL);
	want_date("2026", "4", "", NULL, "day.day", "活動日の日を入力してください。");

	/* required date, nothing entered: one error at the year */
	json_t *errs;
	json_t *a = validate(volunteer, "{}", &errs);
	int found = 0;
	for (size_t i = 0; i < json_array_size(errs); i++) {
		json_t *e = json_array_get(errs, i);
		if (strcmp(json_string_value(json_object_get(e, "field")), "birth_date.year") ==
		    0) {
			found++;
			assert_string_equal(json_string_value(json_object_get(e, "message")),
			                    "生年月日を入力してください。");
		}
	}
	assert_int_equal(found, 1);
	json_decref(a);
	json_decref(errs);
}

/* ---- choices ---- */

static void test_choices(void **state)
{
	want_value("kind", "\"b\"", "b");
	want_error("kind", "\"c\"", "kind", "種類は選択肢の中から選んでください。");
	want_error("kind", "\"B\"", "kind", NULL);
	want_error("kind", "[\"a\"]", "kind", "種類の入力が正しくありません。");
	want_value("way", "\"cash\"", "cash");
	want_error("way", "\"post\"", "way", "受け取り方は選択肢の中から選んでください。");

	/* checkbox: option order, duplicates removed, "" ignored, one string accepted */
	json_t *errs;
	json_t *a = validate(all, "{\"tags\": [\"z\", \"x\", \"z\", \"\"]}", &errs);
	no_errors(errs);
	json_t *t = json_object_get(a, "tags");
	assert_int_equal(json_array_size(t), 2);
	assert_string_equal(json_string_value(json_array_get(t, 0)), "x");
	assert_string_equal(json_string_value(json_array_get(t, 1)), "z");
	json_decref(a);
	json_decref(errs);
	a = validate(all, "{\"tags\": \"y\"}", &errs);
	no_errors(errs);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "tags"), 0)), "y");
	json_decref(a);
	json_decref(errs);
	a = validate(all, "{\"tags\": [\"\"]}", &errs); /* nothing checked, optional */
	no_errors(errs);
	assert_null(json_object_get(a, "tags"));
	json_decref(a);
	json_decref(errs);
	want_error("tags", "[\"x\", \"w\"]", "tags", "活動の内容は選択肢の中から選んでください。");
	want_error("tags", "[\"x\", 1]", "tags", "活動の内容の入力が正しくありません。");
	want_error("tags", "{\"x\": \"x\"}", "tags", "活動の内容の入力が正しくありません。");

	/* too many entries */
	json_t *raw = json_object(), *arr = json_array();
	for (int i = 0; i < ANSWERS_MAX_CHECKED + 1; i++)
		json_array_append_new(arr, json_string("x"));
	json_object_set_new(raw, "tags", arr);
	a = validate_obj(all, raw, &errs);
	assert_string_equal(only_error(errs, "tags"), "活動の内容の入力が正しくありません。");
	json_decref(a);
	json_decref(errs);

	/* required checkbox and select */
	a = validate(volunteer, "{\"premium_declaration\": []}", &errs);
	int found = 0;
	for (size_t i = 0; i < json_array_size(errs); i++) {
		json_t *e = json_array_get(errs, i);
		const char *id = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e, "message"));
		if (strcmp(id, "premium_declaration") == 0) {
			assert_string_equal(m, "介護保険料についてのチェックを入れてください。");
			found++;
		}
		if (strcmp(id, "fiscal_year") == 0) {
			assert_string_equal(m, "活動した年度を選んでください。");
			found++;
		}
		if (strcmp(id, "stamps") == 0) {
			assert_string_equal(m, "スタンプの数を入力してください。");
			found++;
		}
		if (strcmp(id, "name_kana") == 0) {
			assert_string_equal(m, "氏名のフリガナを入力してください。");
			found++;
		}
		if (strcmp(id, "bank_account.bank") == 0) {
			assert_string_equal(m, "交付金の振込先を入力してください。");
			found++;
		}
		assert_true(strcmp(id, "grant") != 0 && strcmp(id, "stamp_pages") != 0);
	}
	assert_int_equal(found, 5);
	/* every required field but the file and the computed one has exactly one error */
	assert_int_equal(json_array_size(errs), volunteer->n_fields - 2);
	json_decref(a);
	json_decref(errs);
}

/* ---- e-mail, phone, postal ---- */

static void test_email_phone_postal(void **state)
{
	want_value("mail", "\" Taro.Yamada@Example.JP \"", "Taro.Yamada@example.jp");
	want_value("mail", "\"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ\"", "taro@example.jp");
	want_error("mail", "\"taro\"", "mail",
	           "メールアドレスを「example@example.jp」のような形で入力してください。");
	want_error("mail", "\"太郎@example.jp\"", "mail", NULL);
	want_error("mail", "\"taro@example\"", "mail", NULL);
	want_error("mail", "\"a@b@example.jp\"", "mail", NULL);

	want_value("tel", "\"048-000-1234\"", "048-000-1234");
	want_value("tel", "\"０４８−０００−１２３４\"", "048-000-1234");
	want_value("tel", "\"０９０ー１２３４ー５６７８\"", "090-1234-5678"); /* ー as hyphen */
	want_value("tel", "\"0480001234\"", "0480001234");
	want_value("tel", "\"09012345678\"", "09012345678");
	want_error("tel", "\"12345\"", "tel",
	           "電話番号は市外局番から、10桁か11桁の数字で入力してください（例：048-000-1234）"
	           "。");
	want_error("tel", "\"1480001234\"", "tel", NULL);
	want_error("tel", "\"090123456789\"", "tel", NULL);
	want_error("tel", "\"03(1234)5678\"", "tel",
	           "電話番号は数字とハイフン（-）で入力してください。");
	want_error("tel", "\"03 1234 5678\"", "tel", NULL);
	want_error("tel", "\"03--1234-5678\"", "tel",
	           "電話番号のハイフン（-）の位置が正しくありません。");
	want_error("tel", "\"-0312345678\"", "tel", NULL);

	want_value("zip", "\"1234567\"", "123-4567");
	want_value("zip", "\"123-4567\"", "123-4567");
	want_value("zip", "\"１２３４５６７\"", "123-4567");
	want_value("zip", "\"１２３－４５６７\"", "123-4567");
	want_value("zip", "\"〒 330-0063\"", "330-0063");
	want_error("zip", "\"123-456\"", "zip",
	           "郵便番号は7桁の数字で入力してください（例：123-4567）。");
	want_error("zip", "\"12-34567\"", "zip", NULL);
	want_error("zip", "\"123456a\"", "zip", NULL);
	want_error("zip", "\"12345678\"", "zip", NULL);
}

/* ---- katakana ---- */

static void test_katakana(void **state)
{
	want_value("kana", "\"ヤマダ　タロウ\"", "ヤマダ　タロウ");
	want_value("kana", "\"ﾔﾏﾀﾞ ﾀﾛｳ\"", "ヤマダ　タロウ");
	want_value("kana", "\"ﾊﾟﾝ ｺｰﾋｰ\"", "パン　コーヒー");
	want_value("kana", "\" ヤマダ  \\u3000 タロウ \"", "ヤマダ　タロウ"); /* one space */
	want_value("kana", "\"ヤマダﾀﾛｳ\"", "ヤマダタロウ");
	want_value("kana", "\"カ\\u3099ッコウ\"", "ガッコウ"); /* NFC */
	want_value("kana", "\"ｶﾞｯｺｳ\"", "ガッコウ");
	want_value("kana", "\"ヴァン・ゴッホ\"", "ヴァン・ゴッホ");
	want_value("kana", "\"ﾖｳｺｰ\"", "ヨウコー");
	const char *msg = "フリガナは全角カタカナで入力してください。";
	want_error("kana", "\"やまだ たろう\"", "kana", msg);
	want_error("kana", "\"Yamada Taro\"", "kana", msg);
	want_error("kana", "\"ＹＡＭＡＤＡ\"", "kana", msg);
	want_error("kana", "\"山田\"", "kana", msg);
	want_error("kana", "\"ヤマダ1\"", "kana", msg);
	want_error("kana", "\"ヤマダ\\u0001\"", "kana", msg);
	want_error("kana", "\"ﾞヤマダ\"", "kana", msg); /* a lone voiced mark */
	want_error("kana", "\"ヤマダ｡\"", "kana", msg);
	want_value("kana", "\"アイウエオカキクケコ\"", "アイウエオカキクケコ");
	want_error("kana", "\"アイウエオ カキクケコ\"", "kana",
	           "フリガナは10文字以内で入力してください（いまは11文字です）。");
}

/* ---- bank ---- */

static json_t *bank_raw(const char *bank, const char *branch, const char *type, const char *number,
                        const char *holder)
{
	json_t *raw = json_object();
	if (bank)
		json_object_set_new(raw, "acct.bank", json_string(bank));
	if (branch)
		json_object_set_new(raw, "acct.branch", json_string(branch));
	if (type)
		json_object_set_new(raw, "acct.type", json_string(type));
	if (number)
		json_object_set_new(raw, "acct.number", json_string(number));
	if (holder)
		json_object_set_new(raw, "acct.holder", json_string(holder));
	return raw;
}

static void want_bank_error(json_t *raw, const char *id, const char *msg)
{
	json_t *errs;
	json_t *a = validate_obj(all, raw, &errs);
	const char *m = only_error(errs, id);
	if (msg)
		assert_string_equal(m, msg);
	assert_null(json_object_get(a, "acct"));
	json_decref(a);
	json_decref(errs);
}

static void test_bank(void **state)
{
	json_t *errs;
	lookups = 0;
	json_t *a = validate_obj(
	    all, bank_raw("０００１", " 001", "futsu", "１２３４５６７", "ﾔﾏﾀﾞ ﾀﾛｳ"), &errs);
	no_errors(errs);
	assert_int_equal(lookups, 2);
	json_t *b = json_object_get(a, "acct");
	assert_int_equal(json_object_size(b), 7);
	assert_string_equal(json_string_value(json_object_get(b, "bank")), "0001");
	assert_string_equal(json_string_value(json_object_get(b, "bank_name")), "みどり銀行");
	assert_string_equal(json_string_value(json_object_get(b, "branch")), "001");
	assert_string_equal(json_string_value(json_object_get(b, "branch_name")), "中央支店");
	assert_string_equal(json_string_value(json_object_get(b, "type")), "futsu");
	assert_string_equal(json_string_value(json_object_get(b, "number")), "1234567");
	assert_string_equal(json_string_value(json_object_get(b, "holder")), "ヤマダ　タロウ");
	json_decref(a);
	json_decref(errs);

	/* lookup unavailable: accepted by form alone, names empty */
	a = validate_obj(all, bank_raw("9999", "123", "toza", "0000001", "カ)ヤマダ"), &errs);
	assert_string_equal(only_error(errs, "acct.holder"),
	                    "口座名義は全角カタカナで入力してください。");
	json_decref(a);
	json_decref(errs);
	a = validate_obj(all, bank_raw("9999", "123", "toza", "0000001", "ヤマダ　ハナコ"), &errs);
	no_errors(errs);
	b = json_object_get(a, "acct");
	assert_string_equal(json_string_value(json_object_get(b, "bank_name")), "");
	assert_string_equal(json_string_value(json_object_get(b, "branch_name")), "");
	assert_string_equal(json_string_value(json_object_get(b, "type")), "toza");
	json_decref(a);
	json_decref(errs);

	/* no lookup at all */
	errs = json_array();
	json_t *raw = bank_raw("0005", "123", "futsu", "7654321", "ヤマダ");
	a = answers_validate(all, raw, errs, NULL, NULL);
	no_errors(errs);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "acct"), "bank")),
	                    "0005");
	json_decref(raw);
	json_decref(a);
	json_decref(errs);

	want_bank_error(bank_raw("0002", "001", "futsu", "1234567", "ヤマダ"), "acct.bank",
	                "この金融機関コードは見つかりません。");
	want_bank_error(bank_raw("0001", "002", "futsu", "1234567", "ヤマダ"), "acct.branch",
	                "この支店コードは見つかりません。");
	want_bank_error(
	    bank_raw("0001", "001", "futsu", "123456", "ヤマダ"), "acct.number",
	    "口座番号は7桁で入力してください。6桁以下の場合は、前に0をつけてください。");
	want_bank_error(bank_raw("0001", "001", "futsu", "12345678", "ヤマダ"), "acct.number",
	                "口座番号は7桁で入力してください。ゆうちょ銀行の口座は、振込用の店番と口座"
	                "番号（7桁）を入力してください。");
	want_bank_error(bank_raw("0001", "001", "futsu", "123-4567", "ヤマダ"), "acct.number",
	                "口座番号は7桁の数字で入力してください。");
	want_bank_error(bank_raw("001", "001", "futsu", "1234567", "ヤマダ"), "acct.bank",
	                "金融機関コードは4桁の数字で入力してください。");
	want_bank_error(bank_raw("0001", "01", "futsu", "1234567", "ヤマダ"), "acct.branch",
	                "支店コードは3桁の数字で入力してください。");
	want_bank_error(bank_raw("0001", "001", "chochiku", "1234567", "ヤマダ"), "acct.type",
	                "預金の種類は「普通」か「当座」を選んでください。");
	want_bank_error(bank_raw("0001", "001", "futsu", "1234567", "やまだ"), "acct.holder",
	                "口座名義は全角カタカナで入力してください。");
	want_bank_error(bank_raw("0001", "001", "futsu", "1234567", "ヤマダ・タロウ"),
	                "acct.holder", NULL);
	/* 30 as the transfer format counts: ガ counts two */
	want_bank_error(
	    bank_raw("0001", "001", "futsu", "1234567", "ガガガガガガガガガガガガガガガア"),
	    "acct.holder",
	    "口座名義は30文字以内で入力してください（濁点と半濁点も1文字と数えます）。");
	a = validate_obj(
	    all, bank_raw("0001", "001", "futsu", "1234567", "ガガガガガガガガガガガガガガガ"),
	    &errs);
	no_errors(errs);
	json_decref(a);
	json_decref(errs);
	/* a part missing: that part; the bank unknown comes before a later missing part */
	want_bank_error(bank_raw("0001", "001", NULL, "1234567", "ヤマダ"), "acct.type",
	                "預金の種類を選んでください。");
	want_bank_error(bank_raw("0001", NULL, "futsu", "1234567", "ヤマダ"), "acct.branch",
	                "支店コードを入力してください。");
	want_bank_error(bank_raw("0001", "001", "futsu", "1234567", NULL), "acct.holder",
	                "口座名義を入力してください。");
	/* all parts empty and optional: no answer, no error, no lookup */
	lookups = 0;
	a = validate_obj(all, bank_raw("", " ", "", "", "　"), &errs);
	no_errors(errs);
	assert_null(json_object_get(a, "acct"));
	assert_int_equal(lookups, 0);
	json_decref(a);
	json_decref(errs);
}

/* ---- computed ---- */

static void test_computed(void **state)
{
	static const struct {
		const char *stamps, *grant;
	} cases[] = {{"0", "0"},     {"9", "0"},     {"10", "1000"}, {"19", "1000"},
	             {"49", "4000"}, {"50", "5000"}, {"55", "5000"}, {"1000", "5000"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char raw[256];
		json_t *errs;
		snprintf(raw, sizeof(raw), "{\"stamps\": \"%s\", \"grant\": \"999999\"}",
		         cases[i].stamps);
		json_t *a = validate(volunteer, raw, &errs);
		assert_null(json_object_get(a, "grant")); /* never taken from raw */
		for (size_t k = 0; k < json_array_size(errs); k++)
			assert_string_not_equal(
			    json_string_value(json_object_get(json_array_get(errs, k), "field")),
			    "grant");
		answers_compute(volunteer, a);
		assert_string_equal(json_string_value(json_object_get(a, "grant")), cases[i].grant);
		json_decref(a);
		json_decref(errs);
	}
	/* no valid source: no computed value, and a stale one is removed */
	json_t *a = json_pack("{s:s,s:s}", "stamps", "x", "grant", "5000");
	answers_compute(volunteer, a);
	assert_null(json_object_get(a, "grant"));
	json_decref(a);
	a = json_pack("{s:s}", "grant", "5000");
	answers_compute(volunteer, a);
	assert_null(json_object_get(a, "grant"));
	json_decref(a);
}

/* ---- the volunteer procedure end to end, and the confirmation lines ---- */

static const char volunteer_raw[] =
    "{\"registration_number\": \" A-12345 \", \"fiscal_year\": \"2025\", \"stamps\": \"１２\","
    " \"grant\": \"999999\", \"name\": \"　山田　太郎 \", \"name_kana\": \"ﾔﾏﾀﾞ ﾀﾛｳ\","
    " \"birth_date.year\": \"１９５０\", \"birth_date.month\": \"4\", \"birth_date.day\": \"01\","
    " \"postal_code\": \"３３０−００６３\", \"address\": \"埼玉県さいたま市浦和区高砂1-2-3\","
    " \"phone\": \"０４８−０００−１２３４\", \"bank_account.bank\": \"0001\","
    " \"bank_account.branch\": \"001\", \"bank_account.type\": \"futsu\","
    " \"bank_account.number\": \"1234567\", \"bank_account.holder\": \"ﾔﾏﾀﾞ ﾀﾛｳ\","
    " \"premium_declaration\": [\"paid\"], \"unknown\": \"ignored\", \"stamp_pages\": \"x\"}";

static void test_volunteer(void **state)
{
	json_t *errs;
	json_t *a = validate(volunteer, volunteer_raw, &errs);
	no_errors(errs);
	answers_compute(volunteer, a);
	json_t *want = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:[s]}",
	    "registration_number", "A-12345", "fiscal_year", "2025", "stamps", "12", "grant",
	    "1000", "name", "山田　太郎", "name_kana", "ヤマダ　タロウ", "birth_date", "1950-04-01",
	    "postal_code", "330-0063", "address", "埼玉県さいたま市浦和区高砂1-2-3", "phone",
	    "048-000-1234", "bank_account", "bank", "0001", "bank_name", "みどり銀行", "branch",
	    "001", "branch_name", "中央支店", "type", "futsu", "number", "1234567", "holder",
	    "ヤマダ　タロウ", "premium_declaration", "paid");
	assert_non_null(want);
	if (!json_equal(a, want)) {
		char *s = json_dumps(a, JSON_SORT_KEYS);
		print_message("got %s\n", s);
		free(s);
		fail_msg("volunteer answers differ");
	}
	json_decref(want);

	json_t *att =
	    json_pack("{s:[{s:s,s:s,s:I},{s:s,s:s,s:I}]}", "stamp_pages", "filename", "page1.jpg",
	              "sha256", "aa", "size", (json_int_t)1258291, "filename", "page2.png",
	              "sha256", "bb", "size", (json_int_t)819200);
	json_t *lines = answers_display(volunteer, a, att);
	assert_int_equal(json_array_size(lines), volunteer->n_fields);
	static const char *const expect[][2] = {
	    {"registration_number", "A-12345"},
	    {"fiscal_year", "令和7年度"},
	    {"stamps", "12個"},
	    {"grant", "1,000円"},
	    {"name", "山田　太郎"},
	    {"name_kana", "ヤマダ　タロウ"},
	    {"birth_date", "1950年(昭和25年)4月1日"},
	    {"postal_code", "330-0063"},
	    {"address", "埼玉県さいたま市浦和区高砂1-2-3"},
	    {"phone", "048-000-1234"},
	    {"bank_account", "みどり銀行（0001） 中央支店（001） 普通 1234567 ヤマダ　タロウ"},
	    {"premium_declaration", "介護保険料の未納・滞納はありません"},
	    {"stamp_pages", "page1.jpg（1.2MB）、page2.png（800KB）"},
	};
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		json_t *l = json_array_get(lines, i);
		assert_string_equal(json_string_value(json_object_get(l, "name")), expect[i][0]);
		assert_string_equal(json_string_value(json_object_get(l, "label")),
		                    volunteer->fields[i].label);
		assert_string_equal(json_string_value(json_object_get(l, "value")), expect[i][1]);
	}
	json_decref(lines);

	/* unanswered fields */
	lines = answers_display(volunteer, NULL, NULL);
	assert_int_equal(json_array_size(lines), volunteer->n_fields);
	for (size_t i = 0; i < json_array_size(lines); i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(lines, i), "value")),
		    "（未入力）");
	json_decref(lines);
	json_decref(att);
	json_decref(a);
	json_decref(errs);
}

static void test_display_all(void **state)
{
	json_t *a =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s,s],s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}",
	              "count", "1000", "delta", "-1234567", "day", "2026-04-01", "kind", "b", "way",
	              "cash", "tags", "x", "z", "note", "一行目\n二行目", "memo", "メモ", "acct",
	              "bank", "9999", "bank_name", "", "branch", "123", "branch_name", "", "type",
	              "toza", "number", "0000001", "holder", "ヤマダ");
	answers_compute(all, a);
	json_t *att = json_pack("{s:[{s:s,s:s,s:I}]}", "photo", "filename", "a.jpg", "sha256", "cc",
	                        "size", (json_int_t)512);
	json_t *lines = answers_display(all, a, att);
	static const char *const expect[][2] = {
	    {"memo", "メモ"},
	    {"note", "一行目\n二行目"},
	    {"count", "1,000個"},
	    {"delta", "-1,234,567"},
	    {"total", "5,000円"},
	    {"day", "2026年(令和8年)4月1日"},
	    {"kind", "い"},
	    {"way", "窓口"},
	    {"tags", "話し相手、行事の手伝い"},
	    {"mail", "（未入力）"},
	    {"tel", "（未入力）"},
	    {"zip", "（未入力）"},
	    {"kana", "（未入力）"},
	    {"acct", "金融機関コード（9999） 支店コード（123） 当座 0000001 ヤマダ"},
	    {"photo", "a.jpg（512バイト）"},
	};
	assert_int_equal(json_array_size(lines), sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		json_t *l = json_array_get(lines, i);
		assert_string_equal(json_string_value(json_object_get(l, "name")), expect[i][0]);
		assert_string_equal(json_string_value(json_object_get(l, "value")), expect[i][1]);
	}
	json_decref(lines);
	json_decref(att);
	json_decref(a);
}

/* ---- canonical JSON ---- */

static const char canon_fields[] =
    "{\"name\": \"name\", \"type\": \"text\", \"label\": \"氏名\"},"
    "{\"name\": \"note\", \"type\": \"textarea\", \"label\": \"ご意見\"},"
    "{\"name\": \"count\", \"type\": \"number\", \"label\": \"数\", \"unit\": \"個\"},"
    "{\"name\": \"total\", \"type\": \"computed\", \"label\": \"額\", \"source\": \"count\","
    " \"table\": " STEPS ", \"unit\": \"円\"},"
    "{\"name\": \"day\", \"type\": \"date\", \"label\": \"日付\"},"
    "{\"name\": \"tags\", \"type\": \"checkbox\", \"label\": \"内容\", \"options\": ["
    " {\"value\": \"x\", \"label\": \"エックス\"}, {\"value\": \"y\", \"label\": \"ワイ\"}]},"
    "{\"name\": \"acct\", \"type\": \"bank\", \"label\": \"口座\"},"
    "{\"name\": \"photo\", \"type\": \"file\", \"label\": \"写真\", \"max_files\": 2,"
    " \"max_bytes\": 1000, \"accept\": [\"image/jpeg\"]}";

static const char canon_want[] =
    "{\"answers\":{\"acct\":{\"bank\":\"0001\",\"bank_name\":\"みどり銀行\",\"branch\":\"001\","
    "\"branch_name\":\"中央支店\",\"holder\":\"ヤマダ　タロウ\",\"number\":\"0123456\","
    "\"type\":\"futsu\"},\"count\":\"12\",\"day\":\"2026-04-01\",\"name\":\"山田　太郎\","
    "\"note\":\"「引用」\\\"と\\\\\\n改行\",\"tags\":[\"x\",\"y\"],\"total\":\"1000\"},"
    "\"attachments\":{\"photo\":[{\"filename\":\"手帳1.jpg\",\"sha256\":"
    "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"size\":1234}]},"
    "\"procedure\":\"t-canon\",\"version\":3}";
static const char canon_sha[] = "41329772a8599250a154eba29f722cdc2949e2c6592524242358b292e7bf7eb5";

static json_t *canon_answers(int reversed)
{
	json_t *a = json_object();
	json_t *acct = json_object();
	static const char *const acct_kv[][2] = {
	    {"bank", "0001"},
	    {"bank_name", "みどり銀行"},
	    {"branch", "001"},
	    {"branch_name", "中央支店"},
	    {"type", "futsu"},
	    {"number", "0123456"},
	    {"holder", "ヤマダ　タロウ"},
	};
	for (size_t i = 0; i < 7; i++) {
		size_t k = reversed ? 6 - i : i;
		json_object_set_new(acct, acct_kv[k][0], json_string(acct_kv[k][1]));
	}
	json_t *vals[] = {json_string("山田　太郎"),
	                  json_string("「引用」\"と\\\n改行"),
	                  json_string("12"),
	                  json_string("1000"),
	                  json_string("2026-04-01"),
	                  json_pack("[s,s]", "x", "y"),
	                  acct,
	                  json_string("ignored")};
	const char *keys[] = {"name", "note", "count", "total", "day", "tags", "acct", "extra"};
	for (size_t i = 0; i < 8; i++) {
		size_t k = reversed ? 7 - i : i;
		json_object_set_new(a, keys[k], vals[k]);
	}
	return a;
}

static json_t *canon_attachments(void)
{
	return json_pack("{s:[{s:s,s:s,s:I}],s:[]}", "photo", "filename", "手帳1.jpg", "sha256",
	                 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size",
	                 (json_int_t)1234, "not_a_field");
}

static void test_canonical(void **state)
{
	procedure *p = make_proc("t-canon", 3, canon_fields);
	char hex[65], hex2[65];
	json_t *a = canon_answers(0), *b = canon_answers(1), *att = canon_attachments();
	assert_non_null(att);
	char *s = answers_canonical(p, a, att, hex);
	assert_non_null(s);
	print_message("canonical: %s\nsha256: %s\n", s, hex);
	assert_string_equal(s, canon_want);
	assert_string_equal(hex, canon_sha);
	/* UTF-8 kept as is, no \u escapes */
	assert_non_null(strstr(s, "山田　太郎"));
	assert_null(strstr(s, "\\u"));

	/* the same answers inserted in another order: the same bytes */
	char *s2 = answers_canonical(p, b, att, hex2);
	assert_non_null(s2);
	assert_string_equal(s2, s);
	assert_string_equal(hex2, hex);
	free(s2);

	/* numbers normalised as strings: "007" and 12 give "7" and "12" */
	json_object_set_new(b, "count", json_string("007"));
	json_object_set_new(b, "total", json_integer(1000));
	s2 = answers_canonical(p, b, att, hex2);
	assert_non_null(strstr(s2, "\"count\":\"7\""));
	assert_non_null(strstr(s2, "\"total\":\"1000\""));
	assert_string_not_equal(hex2, hex);
	free(s2);

	/* nothing at all */
	s2 = answers_canonical(p, NULL, NULL, hex2);
	assert_string_equal(s2, "{\"answers\":{},\"attachments\":{},\"procedure\":\"t-canon\","
	                        "\"version\":3}");
	free(s2);

	free(s);
	json_decref(a);
	json_decref(b);
	json_decref(att);
	proc_free(p);
}

/* The canonical content of validated volunteer answers hashes to what the string gives. */
static void test_canonical_volunteer(void **state)
{
	json_t *errs;
	char hex[65];
	json_t *a = validate(volunteer, volunteer_raw, &errs);
	no_errors(errs);
	answers_compute(volunteer, a);
	char *s = answers_canonical(volunteer, a, NULL, hex);
	assert_non_null(s);
	assert_int_equal(strncmp(s, "{\"answers\":{\"address\":", 22), 0);
	assert_non_null(strstr(s, "\"grant\":\"1000\""));
	assert_non_null(strstr(s, "\"procedure\":\"kaigo-volunteer-point\",\"version\":1}"));
	assert_int_equal(strlen(hex), 64);
	free(s);
	json_decref(a);
	json_decref(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_invalid_utf8_and_size),
	    cmocka_unit_test(test_number),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_choices),
	    cmocka_unit_test(test_email_phone_postal),
	    cmocka_unit_test(test_katakana),
	    cmocka_unit_test(test_bank),
	    cmocka_unit_test(test_computed),
	    cmocka_unit_test(test_volunteer),
	    cmocka_unit_test(test_display_all),
	    cmocka_unit_test(test_canonical),
	    cmocka_unit_test(test_canonical_volunteer),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
