/* libFuzzer target: the answers engine (src/core/answers.c). An input that parses as a JSON
 * object is the raw form input (its "__attachments" member, if any, the attachments); it is
 * validated against the volunteer procedure (procedures/kaigo-volunteer-point.json when run
 * from the repository root, otherwise an embedded copy) and against an embedded procedure with
 * every field type, then computed, displayed and made canonical. An input that is not JSON is
 * cut into lines that become raw values as bytes (so that invalid UTF-8 is tried too). Checks
 * the contract: errors are {field, message} strings, a field with an error has no answer,
 * answers are strings (or arrays/objects of strings), the canonical bytes hash to the digest,
 * are the same twice, and have no \u escapes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/answers.h"
#include "core/procedure.h"
#include "util/token.h"

static const char volunteer_copy[] =
    "{\"id\": \"kaigo-volunteer-point\", \"version\": 1, \"title\": \"介護支援ボランティアポイント"
    "交付申請\", \"category\": \"福祉・介護\", \"summary\": \"申請です。\", \"description\": "
    "\"説明。\", \"eligibility\": \"65歳以上の方\", \"prepare\": [\"マイナンバーカード\"], "
    "\"duration\": \"15分\", \"login_required\": true, \"signature_required\": true, "
    "\"department\": {\"name\": \"高齢介護課\"}, \"fields\": ["
    "{\"name\": \"registration_number\", \"type\": \"text\", \"label\": \"手帳の登録番号\", "
    "\"required\": true, \"max_length\": 10},"
    "{\"name\": \"fiscal_year\", \"type\": \"select\", \"label\": \"活動した年度\", \"required\": "
    "true, \"options\": [{\"value\": \"2025\", \"label\": \"令和7年度\"}, {\"value\": \"2026\", "
    "\"label\": \"令和8年度\"}]},"
    "{\"name\": \"stamps\", \"type\": \"number\", \"label\": \"スタンプの数\", \"required\": true, "
    "\"min\": 0, \"max\": 1000, \"unit\": \"個\"},"
    "{\"name\": \"grant\", \"type\": \"computed\", \"label\": \"交付金の額\", \"source\": "
    "\"stamps\", \"table\": [{\"min\": 0, \"value\": 0}, {\"min\": 10, \"value\": 1000}, "
    "{\"min\": 20, \"value\": 2000}, {\"min\": 30, \"value\": 3000}, {\"min\": 40, \"value\": "
    "4000}, {\"min\": 50, \"value\": 5000}], \"unit\": \"円\"},"
    "{\"name\": \"name\", \"type\": \"text\", \"label\": \"氏名\", \"required\": true, "
    "\"max_length\": 50},"
    "{\"name\": \"name_kana\", \"type\": \"katakana\", \"label\": \"氏名のフリガナ\", "
    "\"required\": true, \"max_length\": 50},"
    "{\"name\": \"birth_date\", \"type\": \"date\", \"label\": \"生年月日\", \"required\": true},"
    "{\"name\": \"postal_code\", \"type\": \"postal\", \"label\": \"郵便番号\", \"required\": "
    "true},"
    "{\"name\": \"address\", \"type\": \"text\", \"label\": \"住所\", \"required\": true, "
    "\"max_length\": 200},"
    "{\"name\": \"phone\", \"type\": \"phone\", \"label\": \"電話番号\", \"required\": true},"
    "{\"name\": \"bank_account\", \"type\": \"bank\", \"label\": \"交付金の振込先\", "
    "\"required\": true},"
    "{\"name\": \"premium_declaration\", \"type\": \"checkbox\", \"label\": \"介護保険料について\","
    " \"required\": true, \"options\": [{\"value\": \"paid\", \"label\": \"未納はありません\"}]},"
    "{\"name\": \"stamp_pages\", \"type\": \"file\", \"label\": \"写真\", \"required\": true, "
    "\"max_files\": 5, \"max_bytes\": 5242880, \"accept\": [\"image/jpeg\", \"image/png\", "
    "\"application/pdf\"]}]}";

/* The types the volunteer procedure does not have. */
static const char others[] =
    "{\"id\": \"fuzz-all\", \"version\": 2, \"title\": \"全種類\", \"category\": \"テスト\", "
    "\"summary\": \"全種類の欄\", \"description\": \"説明。\", \"eligibility\": \"どなたでも\", "
    "\"prepare\": [\"なし\"], \"duration\": \"5分\", \"login_required\": false, "
    "\"signature_required\": false, \"department\": {\"name\": \"総務課\"}, \"fields\": ["
    "{\"name\": \"note\", \"type\": \"textarea\", \"label\": \"ご意見\", \"max_length\": 50},"
    "{\"name\": \"delta\", \"type\": \"number\", \"label\": \"増減\"},"
    "{\"name\": \"low\", \"type\": \"number\", \"label\": \"下限\", \"min\": -5},"
    "{\"name\": \"high\", \"type\": \"number\", \"label\": \"上限\", \"max\": 5},"
    "{\"name\": \"calc\", \"type\": \"computed\", \"label\": \"計算\", \"source\": \"delta\", "
    "\"table\": [{\"min\": -100, \"value\": -1}, {\"min\": 0, \"value\": 1}]},"
    "{\"name\": \"way\", \"type\": \"radio\", \"label\": \"方法\", \"options\": [{\"value\": "
    "\"a\", \"label\": \"あ\"}, {\"value\": \"b\", \"label\": \"い\"}]},"
    "{\"name\": \"tags\", \"type\": \"checkbox\", \"label\": \"内容\", \"required\": true, "
    "\"options\": [{\"value\": \"x\", \"label\": \"エックス\"}, {\"value\": \"y\", \"label\": "
    "\"ワイ\"}]},"
    "{\"name\": \"mail\", \"type\": \"email\", \"label\": \"メールアドレス\", \"max_length\": 20},"
    "{\"name\": \"kana\", \"type\": \"katakana\", \"label\": \"フリガナ\"},"
    "{\"name\": \"day\", \"type\": \"date\", \"label\": \"日付\"},"
    "{\"name\": \"acct\", \"type\": \"bank\", \"label\": \"口座\"},"
    "{\"name\": \"memo\", \"type\": \"text\", \"label\": \"メモ\", \"required\": true}]}";

static procedure *procs[2];

static procedure *load(const char *name, const char *text, size_t len)
{
	char err[512];
	procedure *p = NULL;
	if (proc_parse(name, text, len, &p, err, sizeof(err)) != PROC_OK) {
		fprintf(stderr, "fuzz_answers: %s\n", err);
		abort();
	}
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char file[1 << 20];
	size_t n = 0;
	FILE *f = fopen("procedures/kaigo-volunteer-point.json", "rb");
	if (f) {
		n = fread(file, 1, sizeof(file) - 1, f);
		fclose(f);
	}
	if (n > 0)
		procs[0] = load("kaigo-volunteer-point.json", file, n);
	else
		procs[0] = load("volunteer (embedded)", volunteer_copy, sizeof(volunteer_copy) - 1);
	procs[1] = load("fuzz-all", others, sizeof(others) - 1);
	return 0;
}

/* 0000 unknown, 9999 unavailable, branch 000 unknown; otherwise found. */
static int banks(void *ctx, const char *bank, const char *branch, char *bank_name, size_t bank_len,
                 char *branch_name, size_t branch_len)
{
	if (strlen(bank) != 4 || (branch && strlen(branch) != 3))
		abort();
	if (strcmp(bank, "9999") == 0)
		return -1;
	if (strcmp(bank, "0000") == 0)
		return 0;
	if (bank_name)
		snprintf(bank_name, bank_len, "テスト銀行%s", bank);
	if (!branch)
		return 1;
	if (strcmp(branch, "000") == 0)
		return 0;
	if (branch_name)
		snprintf(branch_name, branch_len, "本店");
	return 1;
}

static int strings_only(json_t *v, int depth)
{
	const char *k;
	json_t *el;
	size_t i;
	if (json_is_string(v))
		return 1;
	if (depth == 0 && json_is_array(v)) {
		json_array_foreach(v, i, el) {
			if (!json_is_string(el))
				return 0;
		}
		return 1;
	}
	if (depth == 0 && json_is_object(v)) {
		json_object_foreach(v, k, el) {
			if (!json_is_string(el))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* 1 when the JSON text s has a \uXXXX escape (a typed backslash is written \\). */
static int has_u_escape(const char *s)
{
	for (; *s; s++)
		if (*s == '\\') {
			if (s[1] == 'u')
				return 1;
			if (s[1])
				s++;
		}
	return 0;
}

static void run(const procedure *p, json_t *raw, json_t *attachments)
{
	json_t *errs = json_array(), *answers, *e, *v, *lines, *copy;
	const char *key;
	size_t i;
	char hex[65], hex2[65], check[65];
	if (!errs)
		return;
	answers = answers_validate(p, raw, errs, banks, NULL);
	if (!answers)
		goto out;
	if (json_array_size(errs) > p->n_fields)
		abort(); /* one error per field at most */
	json_array_foreach(errs, i, e) {
		json_t *f = json_object_get(e, "field"), *m = json_object_get(e, "message");
		if (!json_is_string(f) || !json_is_string(m) || json_string_length(m) == 0)
			abort();
		char name[80];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(json_string_value(f), "."),
		         json_string_value(f));
		if (!proc_find_field(p, name) || json_object_get(answers, name))
			abort();
	}
	json_object_foreach(answers, key, v) {
		const proc_field *f = proc_find_field(p, key);
		if (!f || f->type == FT_COMPUTED || f->type == FT_FILE || !strings_only(v, 0))
			abort();
	}
	answers_compute(p, answers);
	lines = answers_display(p, answers, attachments);
	if (lines && json_array_size(lines) != p->n_fields)
		abort();
	json_decref(lines);

	char *c1 = answers_canonical(p, answers, attachments, hex);
	copy = json_deep_copy(answers);
	char *c2 = answers_canonical(p, copy, attachments, hex2);
	if (c1 && c2) {
		token_sha256_hex(c1, strlen(c1), check);
		if (strcmp(c1, c2) != 0 || strcmp(hex, hex2) != 0 || strcmp(hex, check) != 0)
			abort();
		if (!attachments && has_u_escape(c1))
			abort();
	}
	free(c1);
	free(c2);
	json_decref(copy);
	json_decref(answers);
out:
	json_decref(errs);
}

/* Raw values from lines of bytes, given in turn to the keys of both procedures. */
static json_t *raw_from_lines(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	    "registration_number",
	    "stamps",
	    "name",
	    "name_kana",
	    "birth_date.year",
	    "birth_date.month",
	    "birth_date.day",
	    "postal_code",
	    "phone",
	    "bank_account.bank",
	    "bank_account.branch",
	    "bank_account.number",
	    "bank_account.holder",
	    "note",
	    "delta",
	    "mail",
	    "kana",
	    "memo",
	    "acct.holder",
	    "premium_declaration",
	    "tags",
	};
	json_t *raw = json_object();
	size_t start = 0, k = 0;
	if (!raw)
		return NULL;
	for (size_t i = 0; i <= size && k < sizeof(keys) / sizeof(keys[0]); i++) {
		if (i == size || data[i] == '\n') {
			json_object_set_new(
			    raw, keys[k++],
			    json_stringn_nocheck((const char *)data + start, i - start));
			start = i + 1;
		}
	}
	json_object_set_new(raw, "bank_account.type", json_string("futsu"));
	json_object_set_new(raw, "bank_account.branch", json_string("001"));
	return raw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *raw;
	if (size > (1 << 20))
		return 0;
	raw = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &je);
	if (!raw)
		raw = raw_from_lines(data, size);
	if (!raw)
		return 0;
	json_t *att = json_object_get(raw, "__attachments");
	for (size_t i = 0; i < 2; i++)
		run(procs[i], raw, json_is_object(att) ? att : NULL);
	json_decref(raw);
	return 0;
}
