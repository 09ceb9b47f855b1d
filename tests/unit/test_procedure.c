/* Unit tests of src/core/procedure.c: the three shipped procedure files load with the values
 * they declare, and every kind of wrong definition is refused with a message naming the file
 * and the field. Run from the repository root (it reads procedures/). The bad definitions are
 * written by the test into a temporary directory, not checked in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/procedure.h"

static char tmpdir[64];
static int case_no;

/* A small valid definition that each bad case changes in one place. */
static const char base_json[] =
    "{\"id\": \"x\", \"version\": 1, \"title\": \"テスト手続\", \"category\": \"テスト\","
    " \"summary\": \"テストの手続です。\", \"description\": \"説明です。\\n\\n- 一つ目\\n\","
    " \"eligibility\": \"どなたでも\", \"prepare\": [\"メールアドレス\"],"
    " \"duration\": \"5分\", \"login_required\": true, \"signature_required\": false,"
    " \"department\": {\"name\": \"総務課\", \"phone\": \"048-000-0000\"},"
    " \"window\": {\"opens\": \"2026-04-01\", \"closes\": \"2026-06-30\"},"
    " \"fields\": ["
    "  {\"name\": \"count\", \"type\": \"number\", \"label\": \"数\", \"min\": 0, \"max\": 9},"
    "  {\"name\": \"total\", \"type\": \"computed\", \"label\": \"合計\", \"source\": \"count\","
    "   \"table\": [{\"min\": 0, \"value\": 0}, {\"min\": 5, \"value\": 100}]},"
    "  {\"name\": \"kind\", \"type\": \"select\", \"label\": \"種類\","
    "   \"options\": [{\"value\": \"a\", \"label\": \"あ\"}, {\"value\": \"b\", \"label\": "
    "\"い\"}]},"
    "  {\"name\": \"memo\", \"type\": \"text\", \"label\": \"メモ\", \"max_length\": 20}"
    " ]}";

static json_t *base(void)
{
	json_error_t je;
	json_t *j = json_loads(base_json, 0, &je);
	if (!j)
		fail_msg("base fixture: line %d: %s", je.line, je.text);
	return j;
}

static json_t *field(json_t *j, size_t i)
{
	return json_array_get(json_object_get(j, "fields"), i);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int group_setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_procedure.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh empty directory under tmpdir; its path goes to dir. */
static void new_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/case-%d", tmpdir, ++case_no);
	assert_int_equal(mkdir(dir, 0700), 0);
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
	assert_int_equal(fclose(f), 0);
}

static void write_json(const char *dir, const char *name, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	assert_non_null(s);
	write_file(dir, name, s);
	free(s);
}

/* Write text as fname into a fresh directory, load it and expect code with a message that
 * starts with the file name and the path (and contains what, when given). */
static void expect_bad_text(const char *fname, const char *text, int code, const char *path,
                            const char *what)
{
	char dir[PATH_MAX], err[512], prefix[128];
	proc_catalog *cat = (proc_catalog *)0x1;
	new_dir(dir, sizeof(dir));
	write_file(dir, fname, text);
	int rc = proc_catalog_load(dir, &cat, err, sizeof(err));
	print_message("    %s\n", err);
	assert_int_equal(rc, code);
	assert_null(cat);
	/* "FILE: PATH: ..." (a PATH ending in a word may be followed by more words) */
	snprintf(prefix, sizeof(prefix), "%s: %s", fname, path);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message does not start with \"%s\"", prefix);
	assert_true(err[strlen(prefix)] == ':' || err[strlen(prefix)] == ' ');
	if (what)
		assert_non_null(strstr(err, what));
}

static void expect_bad(json_t *j, int code, const char *path, const char *what)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	assert_non_null(s);
	json_decref(j);
	expect_bad_text("x.json", s, code, path, what);
	free(s);
}

/* Parse j (as x.json) and expect success; the caller frees the result. */
static procedure *expect_good(json_t *j)
{
	char err[512] = "";
	procedure *p = NULL;
	char *s = json_dumps(j, 0);
	assert_non_null(s);
	json_decref(j);
	int rc = proc_parse("x.json", s, strlen(s), &p, err, sizeof(err));
	free(s);
	if (rc != PROC_OK)
		fail_msg("unexpected error: %s", err);
	assert_non_null(p);
	return p;
}

/* ---- the shipped procedures ---- */

static proc_catalog *load_shipped(void)
{
	char err[512] = "";
	proc_catalog *cat = NULL;
	int rc = proc_catalog_load("procedures", &cat, err, sizeof(err));
	if (rc != PROC_OK)
		fail_msg("procedures/ does not load (run from the repository root): %s", err);
	return cat;
}

static void test_shipped_catalog(void **state)
{
	proc_catalog *cat = load_shipped();
	assert_int_equal(cat->n, 3);
	/* sorted by category, then title */
	for (size_t i = 1; i < cat->n; i++) {
		int r = strcmp(cat->items[i - 1]->category, cat->items[i]->category);
		assert_true(r < 0 || (r == 0 &&
		                      strcmp(cat->items[i - 1]->title, cat->items[i]->title) <= 0));
	}
	assert_non_null(proc_catalog_find(cat, "kaigo-volunteer-point"));
	assert_null(proc_catalog_find(cat, "no-such-procedure"));
	assert_null(proc_catalog_find(cat, NULL));
	for (size_t i = 0; i < cat->n; i++) {
		const procedure *p = cat->items[i];
		char want[80];
		snprintf(want, sizeof(want), "%s.json", p->id);
		assert_string_equal(p->file, want);
		assert_true(p->version >= 1);
		assert_non_null(p->json);
		assert_true(p->n_prepare > 0);
		assert_non_null(p->description_html);
	}
	proc_catalog_free(cat);
}

static void test_kaigo(void **state)
{
	proc_catalog *cat = load_shipped();
	const procedure *p = proc_catalog_find(cat, "kaigo-volunteer-point");
	assert_non_null(p);
	assert_string_equal(p->title, "介護支援ボランティアポイント交付申請");
	assert_true(p->login_required);
	assert_int_equal(p->standard_days, 30);
	assert_true(p->signature_required);
	assert_non_null(p->department);
	assert_non_null(p->contact_phone);
	assert_string_equal(p->window_opens, "2026-04-01");
	assert_string_equal(p->window_closes, "2027-07-31");
	assert_int_equal(p->n_fields, 13);

	/* what to prepare, in the guide's words */
	const char *need[] = {"利用者登録をしたメールアドレスとパスワード", "マイナンバーカード",
	                      "署名用電子証明書のパスワード(英数字6～16桁)"};
	for (size_t k = 0; k < 3; k++) {
		size_t i;
		for (i = 0; i < p->n_prepare; i++)
			if (strcmp(p->prepare[i], need[k]) == 0)
				break;
		assert_true(i < p->n_prepare);
	}

	const proc_field *year = proc_find_field(p, "fiscal_year");
	assert_non_null(year);
	assert_int_equal(year->type, FT_SELECT);
	assert_int_equal(year->n_options, 2);
	assert_string_equal(year->options[0].value, "2025");
	assert_string_equal(year->options[0].label, "令和7年度");
	assert_string_equal(year->options[1].value, "2026");
	assert_string_equal(year->options[1].label, "令和8年度");

	const proc_field *stamps = proc_find_field(p, "stamps");
	assert_non_null(stamps);
	assert_int_equal(stamps->type, FT_NUMBER);
	assert_true(stamps->has_min && stamps->has_max);
	assert_int_equal(stamps->min, 0);
	assert_int_equal(stamps->max, 1000);

	const proc_field *grant = proc_find_field(p, "grant");
	assert_non_null(grant);
	assert_int_equal(grant->type, FT_COMPUTED);
	assert_string_equal(grant->source, "stamps");
	assert_string_equal(grant->unit, "円");
	assert_int_equal(grant->n_steps, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(grant->steps[i].min, (long)i * 10);
		assert_int_equal(grant->steps[i].value, (long)i * 1000);
	}
	assert_int_equal(proc_compute(grant, -1), 0);
	assert_int_equal(proc_compute(grant, 0), 0);
	assert_int_equal(proc_compute(grant, 9), 0);
	assert_int_equal(proc_compute(grant, 10), 1000);
	assert_int_equal(proc_compute(grant, 19), 1000);
	assert_int_equal(proc_compute(grant, 20), 2000);
	assert_int_equal(proc_compute(grant, 49), 4000);
	assert_int_equal(proc_compute(grant, 50), 5000);
	assert_int_equal(proc_compute(grant, 500), 5000);
	assert_int_equal(proc_compute(stamps, 500), 0); /* not a computed field */

	const proc_field *decl = proc_find_field(p, "premium_declaration");
	assert_non_null(decl);
	assert_int_equal(decl->type, FT_CHECKBOX);
	assert_true(decl->required);
	assert_int_equal(decl->n_options, 1);
	assert_string_equal(decl->options[0].label, "介護保険料の未納・滞納はありません");

	const proc_field *pics = proc_find_field(p, "stamp_pages");
	assert_non_null(pics);
	assert_int_equal(pics->type, FT_FILE);
	assert_int_equal(pics->max_files, 5);
	assert_int_equal(pics->max_bytes, 5242880);
	assert_int_equal(pics->n_accept, 3);
	assert_string_equal(pics->accept[0], "image/jpeg");
	assert_string_equal(pics->accept[2], "application/pdf");

	const char *types[][2] = {
	    {"registration_number", "text"}, {"name_kana", "katakana"}, {"birth_date", "date"},
	    {"postal_code", "postal"},       {"phone", "phone"},        {"bank_account", "bank"}};
	const proc_field_type want[] = {FT_TEXT,   FT_KATAKANA, FT_DATE,
	                                FT_POSTAL, FT_PHONE,    FT_BANK};
	for (size_t i = 0; i < 6; i++) {
		const proc_field *f = proc_find_field(p, types[i][0]);
		assert_non_null(f);
		assert_int_equal(f->type, want[i]);
	}
	assert_null(proc_find_field(p, "nope"));

	/* the Markdown description is rendered */
	assert_non_null(strstr(p->description_html, "<table>"));
	assert_non_null(strstr(p->description_html, "<h2>"));
	assert_non_null(strstr(p->description_html, "<strong>電子署名</strong>"));

	/* the window: open on 2026-11-26 */
	assert_int_equal(proc_window_state(p, "2026-03-31"), -1);
	assert_int_equal(proc_window_state(p, "2026-04-01"), 0);
	assert_int_equal(proc_window_state(p, "2026-11-26"), 0);
	assert_int_equal(proc_window_state(p, "2027-07-31"), 0);
	assert_int_equal(proc_window_state(p, "2027-08-01"), 1);
	proc_catalog_free(cat);
}

static void test_other_shipped(void **state)
{
	proc_catalog *cat = load_shipped();
	int login_only = 0, open = 0;
	for (size_t i = 0; i < cat->n; i++) {
		const procedure *p = cat->items[i];
		if (strcmp(p->id, "kaigo-volunteer-point") == 0)
			continue;
		assert_false(p->signature_required);
		assert_true(p->n_fields >= 3);
		assert_null(p->window_opens);
		assert_int_equal(proc_window_state(p, "2026-11-26"), 0);
		if (p->login_required)
			login_only++;
		else
			open++;
	}
	assert_int_equal(login_only, 1);
	assert_int_equal(open, 1);
	const procedure *g = proc_catalog_find(cat, "sodaigomi-collection");
	assert_non_null(g);
	assert_string_equal(g->title, "粗大ごみ収集の申込");
	const proc_field *place = proc_find_field(g, "place");
	assert_non_null(place);
	assert_int_equal(place->type, FT_RADIO);
	assert_int_equal(place->n_options, 2);
	const procedure *r = proc_catalog_find(cat, "road-park-report");
	assert_non_null(r);
	assert_false(r->login_required);
	assert_non_null(strstr(r->description_html, "<ul>"));
	proc_catalog_free(cat);
}

/* ---- the base fixture itself, and values that must pass ---- */

/* The standard_days of j parsed as x.json. */
static int expect_good_days(json_t *j)
{
	procedure *p = expect_good(j);
	int d = p->standard_days;
	proc_free(p);
	return d;
}

static void test_base_ok(void **state)
{
	procedure *p = expect_good(base());
	assert_string_equal(p->id, "x");
	assert_string_equal(p->file, "x.json");
	assert_int_equal(p->n_fields, 4);
	assert_false(p->fields[0].required); /* required defaults to false */
	assert_int_equal(p->fields[3].max_length, 20);
	assert_int_equal(p->fields[0].max_length, 0);
	assert_null(p->contact_email);
	assert_int_equal(proc_window_state(p, "2026-03-31"), -1);
	assert_int_equal(proc_window_state(p, "2026-06-30"), 0);
	assert_int_equal(proc_window_state(p, "2026-07-01"), 1);
	proc_free(p);

	/* no window at all, and a leap day */
	json_t *j = base();
	json_object_del(j, "window");
	p = expect_good(j);
	assert_int_equal(proc_window_state(p, "1999-01-01"), 0);
	proc_free(p);
	j = base();
	json_object_set_new(j, "window", json_pack("{s:s}", "closes", "2028-02-29"));
	p = expect_good(j);
	assert_null(p->window_opens);
	assert_int_equal(proc_window_state(p, "2028-02-29"), 0);
	assert_int_equal(proc_window_state(p, "2028-03-01"), 1);
	proc_free(p);

	/* the 標準処理期間: optional (0), else 1..PROC_STANDARD_DAYS_MAX days */
	assert_int_equal(expect_good_days(base()), 0);
	j = base();
	json_object_set_new(j, "standard_days", json_integer(14));
	assert_int_equal(expect_good_days(j), 14);
	j = base();
	json_object_set_new(j, "standard_days", json_integer(0));
	expect_bad(j, PROC_EFIELD, "standard_days", "0 is out of range");
	j = base();
	json_object_set_new(j, "standard_days", json_string("14"));
	expect_bad(j, PROC_EFIELD, "standard_days", "must be an integer");

	/* a procedure without login may have no fields */
	j = base();
	json_object_set_new(j, "login_required", json_false());
	json_object_set_new(j, "fields", json_array());
	p = expect_good(j);
	assert_int_equal(p->n_fields, 0);
	assert_null(p->fields);
	proc_free(p);
	proc_free(NULL);
	proc_catalog_free(NULL);
}

static void test_empty_and_missing_dir(void **state)
{
	char dir[PATH_MAX], err[512];
	proc_catalog *cat = NULL;
	new_dir(dir, sizeof(dir));
	write_file(dir, "README.txt", "not a definition");
	assert_int_equal(proc_catalog_load(dir, &cat, err, sizeof(err)), PROC_OK);
	assert_non_null(cat);
	assert_int_equal(cat->n, 0);
	proc_catalog_free(cat);

	snprintf(dir, sizeof(dir), "%s/does-not-exist", tmpdir);
	assert_int_equal(proc_catalog_load(dir, &cat, err, sizeof(err)), PROC_EIO);
	assert_null(cat);
	assert_non_null(strstr(err, "does-not-exist: (directory): cannot open"));
	assert_string_equal(proc_strerror(PROC_EDUP), "two procedures have the same id");
}

/* ---- each kind of bad file ---- */

static void test_not_json(void **state)
{
	expect_bad_text("x.json", "{\"id\": \"x\",\n  \"version\": 1,\n  oops }", PROC_EJSON,
	                "(json) line 3 column", NULL);
	expect_bad_text("x.json", "", PROC_EJSON, "(json) line", NULL);
	expect_bad_text("x.json", "[1, 2]", PROC_EFIELD, "(top level)", "must be an object");
	/* a key written twice is refused by the JSON reader */
	expect_bad_text("x.json", "{\"id\": \"x\", \"id\": \"y\"}", PROC_EJSON, "(json) line",
	                "duplicate");

	/* proc_parse directly, with and without room for a message */
	char err[256];
	procedure *p = (procedure *)0x1;
	assert_int_equal(proc_parse("y.json", "nope", 4, &p, err, sizeof(err)), PROC_EJSON);
	assert_null(p);
	assert_non_null(strstr(err, "y.json: (json) line 1 column"));
	assert_int_equal(proc_parse("y.json", "nope", 4, &p, NULL, 0), PROC_EJSON);
	assert_int_equal(proc_parse("y.json", "{}", 2, &p, err, 8), PROC_EFIELD);
	assert_int_equal(strlen(err), 7);
}

static void test_missing(void **state)
{
	static const char *const keys[] = {"id",
	                                   "version",
	                                   "title",
	                                   "category",
	                                   "summary",
	                                   "description",
	                                   "eligibility",
	                                   "prepare",
	                                   "duration",
	                                   "login_required",
	                                   "signature_required",
	                                   "department",
	                                   "fields"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *j = base();
		json_object_del(j, keys[i]);
		expect_bad(j, PROC_EFIELD, keys[i], "missing");
	}
	json_t *j = base();
	json_object_del(field(j, 0), "label");
	expect_bad(j, PROC_EFIELD, "fields[0].label", "missing");
	j = base();
	json_object_del(json_object_get(j, "department"), "name");
	expect_bad(j, PROC_EFIELD, "department.name", "missing");
	j = base();
	json_object_set_new(j, "window", json_object());
	expect_bad(j, PROC_EFIELD, "window", "opens, closes");
}

static void test_wrong_type(void **state)
{
	json_t *j = base();
	json_object_set_new(j, "version", json_string("1"));
	expect_bad(j, PROC_EFIELD, "version", "must be an integer, not a string");
	j = base();
	json_object_set_new(j, "version", json_real(1.5));
	expect_bad(j, PROC_EFIELD, "version", "must be an integer");
	j = base();
	json_object_set_new(j, "version", json_integer(0));
	expect_bad(j, PROC_EFIELD, "version", "out of range");
	j = base();
	json_object_set_new(j, "title", json_integer(3));
	expect_bad(j, PROC_EFIELD, "title", "must be a string");
	j = base();
	json_object_set_new(j, "title", json_string("　 "));
	expect_bad(j, PROC_EFIELD, "title", "must not be empty");
	j = base();
	json_object_set_new(j, "login_required", json_string("yes"));
	expect_bad(j, PROC_EFIELD, "login_required", "true or false");
	j = base();
	json_object_set_new(j, "prepare", json_array());
	expect_bad(j, PROC_EFIELD, "prepare", "must not be empty");
	j = base();
	json_array_append_new(json_object_get(j, "prepare"), json_integer(1));
	expect_bad(j, PROC_EFIELD, "prepare[1]", "must be a string");
	j = base();
	json_object_set_new(j, "department", json_string("総務課"));
	expect_bad(j, PROC_EFIELD, "department", "must be an object");
	j = base();
	json_object_set_new(json_object_get(j, "department"), "phone", json_string("call us"));
	expect_bad(j, PROC_EFIELD, "department.phone", "not a telephone number");
	j = base();
	json_object_set_new(json_object_get(j, "department"), "email", json_string("a@b"));
	expect_bad(j, PROC_EFIELD, "department.email", "not an e-mail address");
	j = base();
	json_array_set_new(json_object_get(j, "fields"), 3, json_string("memo"));
	expect_bad(j, PROC_EFIELD, "fields[3]", "must be an object");
	j = base();
	json_object_set_new(field(j, 3), "required", json_integer(1));
	expect_bad(j, PROC_EFIELD, "fields[3].required", "true or false");
	j = base();
	char longtitle[400] = "";
	for (int i = 0; i < 101; i++)
		strcat(longtitle, "あ");
	json_object_set_new(j, "title", json_string(longtitle));
	expect_bad(j, PROC_EFIELD, "title", "too long (101 characters, at most 100)");
	j = base();
	json_object_set_new(j, "title", json_string("ベル\aの音"));
	expect_bad(j, PROC_EFIELD, "title", "control character U+0007");
	j = base();
	json_object_set_new(j, "summary", json_string("改行\nあり"));
	expect_bad(j, PROC_EFIELD, "summary", "control character U+000A");
	j = base();
	json_object_set_new(j, "summary", json_string("逆向き\xE2\x80\xAE文字"));
	expect_bad(j, PROC_EFIELD, "summary", "U+202E");
}

static void test_unknown_key(void **state)
{
	json_t *j = base();
	json_object_set_new(j, "titel", json_string("typo"));
	expect_bad(j, PROC_EFIELD, "titel", "unknown key (expected one of id, version,");
	j = base();
	json_object_set_new(field(j, 2), "lable", json_string("typo"));
	expect_bad(j, PROC_EFIELD, "fields[2].lable", "unknown key");
	j = base();
	json_object_set_new(json_object_get(j, "department"), "fax", json_string("0"));
	expect_bad(j, PROC_EFIELD, "department.fax", "unknown key");
	j = base();
	json_object_set_new(json_object_get(j, "window"), "close", json_string("2026-01-01"));
	expect_bad(j, PROC_EFIELD, "window.close", "unknown key");
	j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 2), "options"), 1), "text",
	                    json_string("x"));
	expect_bad(j, PROC_EFIELD, "fields[2].options[1].text", "unknown key");
	j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 1), "table"), 0), "max",
	                    json_integer(3));
	expect_bad(j, PROC_EFIELD, "fields[1].table[0].max", "unknown key");
	/* a key that belongs to another type */
	j = base();
	json_object_set_new(field(j, 3), "max_files", json_integer(3));
	expect_bad(j, PROC_EFIELD, "fields[3].max_files", "not allowed for type text");
	j = base();
	json_object_set_new(field(j, 1), "required", json_true());
	expect_bad(j, PROC_EFIELD, "fields[1].required", "not allowed for type computed");
	j = base();
	json_object_set_new(field(j, 0), "max_length", json_integer(3));
	expect_bad(j, PROC_EFIELD, "fields[0].max_length", "not allowed for type number");
}

static void test_bad_id(void **state)
{
	const char *bad[] = {"Bad_ID", "", "a b", "kaigo.point",
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = base();
		json_object_set_new(j, "id", json_string(bad[i]));
		expect_bad(j, PROC_EFIELD, "id", NULL);
	}
	/* 64 characters is the limit */
	json_t *j = base();
	json_object_set_new(
	    j, "id",
	    json_string("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	procedure *p = expect_good(j);
	proc_free(p);
}

static void test_file_name_not_id(void **state)
{
	json_t *j = base();
	char *s = json_dumps(j, 0);
	json_decref(j);
	expect_bad_text("other.json", s, PROC_EFIELD, "id", "the file must be named x.json");
	free(s);
}

static void test_bad_field_type(void **state)
{
	json_t *j = base();
	json_object_set_new(field(j, 2), "type", json_string("colour"));
	expect_bad(j, PROC_EFIELD, "fields[2].type",
	           "unknown type \"colour\" (expected one of text, textarea, number");
	j = base();
	json_object_set_new(field(j, 2), "name", json_string("Kind"));
	expect_bad(j, PROC_EFIELD, "fields[2].name", "not a valid name");
}

static void test_duplicate_field_names(void **state)
{
	json_t *j = base();
	json_object_set_new(field(j, 3), "name", json_string("kind"));
	expect_bad(j, PROC_EFIELD, "fields[3].name", "already used by fields[2]");
}

static void test_options(void **state)
{
	json_t *j = base();
	json_object_del(field(j, 2), "options");
	expect_bad(j, PROC_EFIELD, "fields[2].options", "missing");
	j = base();
	json_object_set_new(field(j, 2), "options", json_array());
	expect_bad(j, PROC_EFIELD, "fields[2].options", "must not be empty");
	j = base();
	json_object_set_new(field(j, 2), "type", json_string("radio"));
	json_object_set_new(json_array_get(json_object_get(field(j, 2), "options"), 1), "value",
	                    json_string("a"));
	expect_bad(j, PROC_EFIELD, "fields[2].options[1].value", "already used");
	j = base();
	json_object_set_new(field(j, 3), "options", json_array());
	expect_bad(j, PROC_EFIELD, "fields[3].options", "not allowed for type text");
	j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 2), "options"), 0), "value",
	                    json_string("a b"));
	expect_bad(j, PROC_EFIELD, "fields[2].options[0].value", "not a valid value");
}

static void test_min_max(void **state)
{
	json_t *j = base();
	json_object_set_new(field(j, 0), "min", json_integer(10));
	expect_bad(j, PROC_EFIELD, "fields[0].min", "greater than max 9");
	j = base();
	json_object_set_new(field(j, 3), "min", json_integer(1));
	expect_bad(j, PROC_EFIELD, "fields[3].min", "only for number");
}

static void test_basic4(void **state)
{
	proc_catalog *cat = load_shipped();
	const procedure *p = proc_catalog_find(cat, "kaigo-volunteer-point");
	assert_string_equal(proc_basic4_field(p, PB_NAME)->name, "name");
	assert_string_equal(proc_basic4_field(p, PB_KANA)->name, "name_kana");
	assert_string_equal(proc_basic4_field(p, PB_BIRTH_DATE)->name, "birth_date");
	assert_string_equal(proc_basic4_field(p, PB_ADDRESS)->name, "address");
	assert_null(proc_basic4_field(p, PB_NONE));
	proc_catalog_free(cat);
	json_t *j = base();
	json_object_set_new(field(j, 3), "basic4", json_string("colour"));
	expect_bad(j, PROC_EFIELD, "fields[3].basic4", "must be one of");
	j = base();
	json_object_set_new(field(j, 3), "basic4", json_string("birth_date"));
	expect_bad(j, PROC_EFIELD, "fields[3].basic4", "not allowed for type text");
	j = base();
	json_object_set_new(field(j, 3), "basic4", json_string("name"));
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:s}", "name", "memo2", "type", "text",
	                                "label", "メモ2", "basic4", "name"));
	expect_bad(j, PROC_EFIELD, "fields[4].basic4", "already given to fields[3]");
}

static void test_bad_dates(void **state)
{
	const char *bad[] = {"2026-02-30", "2025-02-29", "2026-13-01", "2026-4-01",
	                     "20260401",   "2026-04-00", "1900-02-29", "２０２６-04-01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = base();
		json_object_set_new(json_object_get(j, "window"), "opens", json_string(bad[i]));
		expect_bad(j, PROC_EFIELD, "window.opens", "not a real date");
	}
	json_t *j = base();
	json_object_set_new(json_object_get(j, "window"), "closes", json_string("2026-02-30"));
	expect_bad(j, PROC_EFIELD, "window.closes", "\"2026-02-30\" is not a real date");
}

static void test_window_order(void **state)
{
	json_t *j = base();
	json_object_set_new(json_object_get(j, "window"), "opens", json_string("2026-07-01"));
	expect_bad(j, PROC_EFIELD, "window.opens", "after window.closes 2026-06-30");
	/* one day is fine */
	j = base();
	json_object_set_new(json_object_get(j, "window"), "opens", json_string("2026-06-30"));
	procedure *p = expect_good(j);
	assert_int_equal(proc_window_state(p, "2026-06-30"), 0);
	proc_free(p);
}

static void test_computed(void **state)
{
	json_t *j = base();
	json_object_set_new(field(j, 1), "source", json_string("counts"));
	expect_bad(j, PROC_EFIELD, "fields[1].source", "unknown field \"counts\"");
	j = base();
	json_object_set_new(field(j, 1), "source", json_string("memo"));
	expect_bad(j, PROC_EFIELD, "fields[1].source", "is of type text, not number");
	j = base();
	json_object_del(field(j, 1), "source");
	expect_bad(j, PROC_EFIELD, "fields[1].source", "missing");
	j = base();
	json_object_del(field(j, 1), "table");
	expect_bad(j, PROC_EFIELD, "fields[1].table", "missing");
	/* the source may come after the computed field */
	j = base();
	json_t *num = json_deep_copy(field(j, 0));
	json_array_remove(json_object_get(j, "fields"), 0);
	json_array_append_new(json_object_get(j, "fields"), num);
	procedure *p = expect_good(j);
	assert_int_equal(p->fields[0].type, FT_COMPUTED);
	assert_int_equal(proc_compute(&p->fields[0], 7), 100);
	proc_free(p);
}

static void test_unsorted_table(void **state)
{
	json_t *j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 1), "table"), 1), "min",
	                    json_integer(0));
	expect_bad(j, PROC_EFIELD, "fields[1].table[1].min", "strictly increasing");
	j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 1), "table"), 1), "min",
	                    json_integer(-5));
	expect_bad(j, PROC_EFIELD, "fields[1].table[1].min", "not greater than");
	j = base();
	json_object_set_new(json_array_get(json_object_get(field(j, 1), "table"), 0), "value",
	                    json_string("0"));
	expect_bad(j, PROC_EFIELD, "fields[1].table[0].value", "must be an integer");
}

static void test_file_field(void **state)
{
	json_t *j = base();
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:i, s:i, s:[s]}", "name", "pics", "type",
	                                "file", "label", "写真", "max_files", 11, "max_bytes", 1000,
	                                "accept", "image/png"));
	expect_bad(j, PROC_EFIELD, "fields[4].max_files", "out of range (1 to 10)");
	j = base();
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:i, s:i, s:[s]}", "name", "pics", "type",
	                                "file", "label", "写真", "max_files", 1, "max_bytes",
	                                10485761, "accept", "image/png"));
	expect_bad(j, PROC_EFIELD, "fields[4].max_bytes", "out of range");
	j = base();
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:i, s:i, s:[s]}", "name", "pics", "type",
	                                "file", "label", "写真", "max_files", 1, "max_bytes", 10,
	                                "accept", "image/gif"));
	expect_bad(j, PROC_EFIELD, "fields[4].accept[0]", "unknown type \"image/gif\"");
	j = base();
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:i, s:i, s:[]}", "name", "pics", "type",
	                                "file", "label", "写真", "max_files", 1, "max_bytes", 10,
	                                "accept"));
	expect_bad(j, PROC_EFIELD, "fields[4].accept", "must not be empty");
	j = base();
	json_array_append_new(json_object_get(j, "fields"),
	                      json_pack("{s:s, s:s, s:s, s:i, s:[s]}", "name", "pics", "type",
	                                "file", "label", "写真", "max_files", 1, "accept",
	                                "image/png"));
	expect_bad(j, PROC_EFIELD, "fields[4].max_bytes", "missing");
}

static void test_signature_without_login(void **state)
{
	json_t *j = base();
	json_object_set_new(j, "login_required", json_false());
	json_object_set_new(j, "signature_required", json_true());
	expect_bad(j, PROC_EFIELD, "signature_required", "login_required is false");
	/* login with no field is refused */
	j = base();
	json_object_set_new(j, "fields", json_array());
	expect_bad(j, PROC_EFIELD, "fields", "must not be empty when login_required");
}

static void test_duplicate_ids(void **state)
{
	char dir[PATH_MAX], err[512];
	proc_catalog *cat = (proc_catalog *)0x1;
	json_t *j = base();
	new_dir(dir, sizeof(dir));
	write_json(dir, "x.json", j);
	write_json(dir, "y.json", j);
	json_decref(j);
	assert_int_equal(proc_catalog_load(dir, &cat, err, sizeof(err)), PROC_EDUP);
	print_message("    %s\n", err);
	assert_null(cat);
	assert_non_null(strstr(err, "y.json: id: "));
	assert_non_null(strstr(err, "already used by x.json"));

	/* one bad file among good ones fails the whole load with that file's message */
	j = base();
	new_dir(dir, sizeof(dir));
	write_json(dir, "x.json", j);
	json_object_set_new(j, "id", json_string("z"));
	json_object_set_new(j, "version", json_integer(-1));
	write_json(dir, "z.json", j);
	json_decref(j);
	assert_int_equal(proc_catalog_load(dir, &cat, err, sizeof(err)), PROC_EFIELD);
	assert_non_null(strstr(err, "z.json: version: "));

	/* two good files load, sorted by category then title */
	j = base();
	new_dir(dir, sizeof(dir));
	json_object_set_new(j, "category", json_string("b"));
	write_json(dir, "x.json", j);
	json_object_set_new(j, "id", json_string("y"));
	json_object_set_new(j, "category", json_string("a"));
	write_json(dir, "y.json", j);
	json_decref(j);
	assert_int_equal(proc_catalog_load(dir, &cat, err, sizeof(err)), PROC_OK);
	assert_int_equal(cat->n, 2);
	assert_string_equal(cat->items[0]->id, "y");
	assert_string_equal(cat->items[1]->id, "x");
	proc_catalog_free(cat);
}

static void test_markdown(void **state)
{
	json_t *j = base();
	json_object_set_new(
	    j, "description",
	    json_string("<script>alert(1)</script>\n\n段落の<b>太字</b>と"
	                "<img src=x onerror=alert(1)>\n\n"
	                "[市のページ](https://www.city.example.jp/) と [案内](guide.pdf)"));
	procedure *p = expect_good(j);
	print_message("    %s\n", p->description_html);
	assert_null(strstr(p->description_html, "<script"));
	assert_null(strstr(p->description_html, "<b>"));
	assert_null(strstr(p->description_html, "<img"));
	assert_non_null(strstr(p->description_html, "&lt;script&gt;"));
	assert_non_null(strstr(p->description_html, "&lt;b&gt;太字&lt;/b&gt;"));
	assert_non_null(strstr(p->description_html, "<a href=\"https://www.city.example.jp/\">"));
	proc_free(p);

	/* links that could run script are refused */
	const char *bad[] = {"[x](javascript:alert(1))",         "<javascript:alert(1)>",
	                     "[x](JavaScript:alert(1))",         "[x](&#106;avascript:alert(1))",
	                     "![x](data:image/png;base64,AAAA)", "[x](vbscript:x)"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = base();
		json_object_set_new(j, "description", json_string(bad[i]));
		expect_bad(j, PROC_EFIELD, "description", "is not allowed");
	}
	j = base();
	json_object_set_new(j, "description", json_string("# 見出し\n\n本文"));
	expect_bad(j, PROC_EFIELD, "description", "level-1 heading");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_catalog),
	    cmocka_unit_test(test_kaigo),
	    cmocka_unit_test(test_other_shipped),
	    cmocka_unit_test(test_base_ok),
	    cmocka_unit_test(test_empty_and_missing_dir),
	    cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_bad_id),
	    cmocka_unit_test(test_file_name_not_id),
	    cmocka_unit_test(test_bad_field_type),
	    cmocka_unit_test(test_duplicate_field_names),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_min_max),
	    cmocka_unit_test(test_basic4),
	    cmocka_unit_test(test_bad_dates),
	    cmocka_unit_test(test_window_order),
	    cmocka_unit_test(test_computed),
	    cmocka_unit_test(test_unsorted_table),
	    cmocka_unit_test(test_file_field),
	    cmocka_unit_test(test_signature_without_login),
	    cmocka_unit_test(test_duplicate_ids),
	    cmocka_unit_test(test_markdown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
