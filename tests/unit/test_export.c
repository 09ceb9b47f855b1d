/* test_export: the rows of the staff's CSV export (header, answers as confirmed, the
 * signer's basic four and the result) and their bytes in UTF-8 with BOM or CP932 with the
 * characters CP932 cannot hold reported (core/export.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/csv.h"
#include "core/export.h"
#include "proc_fixture.h"

/* The one row a (released here) as the UTF-8 export writes it is want. */
static void row_is(json_t *a, const char *want)
{
	json_t *rows = json_pack("[o]", a);
	buf b;
	buf_init(&b, 0);
	assert_int_equal(export_write(rows, EXPORT_UTF8, &b, NULL), 0);
	assert_string_equal(buf_cstr(&b), want);
	json_decref(rows);
	buf_release(&b);
}

static void test_header(void **state)
{
	procedure *p = proc_fixture(1);
	row_is(export_header(p), CSV_UTF8_BOM "受付番号,到達日時,状態,氏名,スタンプの数,"
	                                      "交付金の額,写真,署名者の氏名,署名者の生年月日,"
	                                      "署名者の性別,署名者の住所,署名の検証結果\r\n");
	proc_free(p);
}

static store_application app_of(char *display, char *verification)
{
	store_application ap = {.receipt = "2026-000001",
	                        .status = "sent",
	                        .submitted_at = 1775005200, /* 2026-04-01 10:00 JST */
	                        .display = display,
	                        .verification = verification};
	return ap;
}

static void test_row_signed(void **state)
{
	procedure *p = proc_fixture(1);
	store_application ap = app_of(
	    "[{\"name\":\"name\",\"label\":\"氏名\",\"value\":\"𠮷田 花子\"},"
	    "{\"name\":\"total\",\"label\":\"交付金の額\",\"value\":\"1,000円\"},"
	    "{\"name\":\"count\",\"label\":\"スタンプの数\",\"value\":\"=10\"}]",
	    "{\"result\":\"ok\",\"basic_four\":{\"name\":\"𠮷田 花子\",\"birth_date\":\"19800401\","
	    "\"gender\":\"2\",\"address\":\"東京都千代田区\"}}");
	row_is(export_row(p, &ap),
	       CSV_UTF8_BOM "2026-000001,2026-04-01 10:00:00,"
	                    "送信済,𠮷田 花子,\"'=10\",\"1,000円\",,"
	                    "𠮷田 花子,1980-04-01,女性,東京都千代田区,有効\r\n");
	proc_free(p);
}

static void test_row_unsigned_and_bad(void **state)
{
	procedure *p = proc_fixture(0);
	store_application ap = app_of("not json", NULL);
	json_t *row = export_row(p, &ap), *h = export_header(p);
	assert_int_equal(json_array_size(row), json_array_size(h));
	json_decref(h);
	assert_string_equal(json_string_value(json_array_get(row, 11)), "署名なし");
	assert_string_equal(json_string_value(json_array_get(row, 3)), "");
	json_decref(row);
	ap = app_of("[]", "{\"result\":\"bad_signature\",\"message\":\"署名が一致しません\"}");
	row = export_row(p, &ap);
	assert_string_equal(json_string_value(json_array_get(row, 11)),
	                    "無効（署名が一致しません）");
	json_decref(row);
	proc_free(p);
}

static void test_cp932_losses(void **state)
{
	json_t *rows = json_pack("[[s, s], [s, s], [s, s]]", "受付番号", "氏名", "2026-000001",
	                         "𠮷田 鷗外", "2026-000002", "山田～");
	json_t *losses = json_array();
	buf b;
	buf_init(&b, 0);
	assert_int_equal(export_write(rows, EXPORT_CP932, &b, losses), 2);
	assert_int_equal(json_array_size(losses), 2);
	json_t *l = json_array_get(losses, 0);
	assert_string_equal(json_string_value(json_object_get(l, "receipt")), "2026-000001");
	assert_string_equal(json_string_value(json_object_get(l, "column")), "氏名");
	assert_string_equal(json_string_value(json_object_get(l, "char")), "𠮷");
	assert_string_equal(json_string_value(json_object_get(l, "code")), "U+20BB7");
	assert_string_equal(json_string_value(json_object_get(json_array_get(losses, 1), "code")),
	                    "U+9DD7");
	/* 〓 is 0x81AC in CP932; no BOM */
	assert_non_null(memmem(b.data, b.len, "\x81\xac\x93\x63 \x81\xac", 6));
	assert_int_not_equal((unsigned char)b.data[0], 0xEF);
	buf_reset(&b);
	assert_int_equal(export_losses_csv(losses, &b), 0);
	assert_string_equal(buf_cstr(&b), CSV_UTF8_BOM "受付番号,列,文字,コードポイント\r\n"
	                                               "2026-000001,氏名,𠮷,U+20BB7\r\n"
	                                               "2026-000001,氏名,鷗,U+9DD7\r\n");
	buf_release(&b);
	json_decref(losses);
	json_decref(rows);
}

static void test_gender(void **state)
{
	assert_string_equal(export_gender_text("1"), "男性");
	assert_string_equal(export_gender_text("3"), "その他");
	assert_string_equal(export_gender_text("9"), "9");
	assert_string_equal(export_gender_text(NULL), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_row_signed),
	    cmocka_unit_test(test_row_unsigned_and_bad),
	    cmocka_unit_test(test_cp932_losses),
	    cmocka_unit_test(test_gender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
