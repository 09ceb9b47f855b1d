/* Unit tests of core/compare: the certificate's basic four against the form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/compare.h"

static void fold_is(const char *in, const char *want)
{
	char *f = compare_fold(in);
	assert_non_null(f);
	assert_string_equal(f, want);
	free(f);
}

static void test_fold_width(void **state)
{
	(void)state;
	fold_is("ﾐﾄﾞﾘ", "ミドリ"); /* 半角 katakana, the voiced mark composed */
	fold_is("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ");
	fold_is("ＡＢＣ１２３", "ABC123"); /* 全角 letters and digits */
	fold_is("山田　太郎", "山田太郎"); /* 全角 space */
	fold_is(" 山田 \t太郎 ", "山田太郎");
	fold_is("東京都千代田区千代田１－１", "東京都千代田区千代田1-1");
	fold_is("", "");
	assert_null(compare_fold(NULL));
	assert_null(compare_fold("\xff"));
}

static void test_kanji_stay(void **state)
{
	(void)state;
	fold_is("髙橋", "髙橋");
	fold_is("\xef\xa8\x90", "\xef\xa8\x90"); /* U+FA10, a compatibility ideograph, kept */
	assert_int_equal(compare_text("高橋", "髙橋"), COMPARE_DIFFERENT);
	assert_int_equal(compare_text("斎藤", "斉藤"), COMPARE_DIFFERENT);
	assert_int_equal(compare_text("\xe5\xa1\x9a", "\xef\xa8\x90"), COMPARE_DIFFERENT);
	assert_int_equal(compare_text("山田　花子", "山田花子"), COMPARE_SAME);
	assert_int_equal(compare_text("ﾐﾄﾞﾘ", "ミドリ"), COMPARE_SAME);
	assert_int_equal(compare_text("", "山田"), COMPARE_MISSING);
	assert_int_equal(compare_text(NULL, "山田"), COMPARE_MISSING);
}

static void test_dates(void **state)
{
	char out[11];
	(void)state;
	assert_int_equal(compare_date_parse("1950-04-01", out), 0);
	assert_string_equal(out, "1950-04-01");
	assert_int_equal(compare_date_parse("19500401", out), 0);
	assert_string_equal(out, "1950-04-01");
	assert_int_equal(compare_date_parse("319500401", out), 0); /* era digit + YYYYMMDD */
	assert_string_equal(out, "1950-04-01");
	assert_int_equal(compare_date_parse("昭和25年4月1日", out), 0);
	assert_string_equal(out, "1950-04-01");
	assert_int_equal(compare_date_parse("平成元年１月８日", out), 0);
	assert_string_equal(out, "1989-01-08");
	assert_int_equal(compare_date_parse("19500231", out), -1); /* no such day */
	assert_int_equal(compare_date_parse("1950/04/01", out), -1);
	assert_int_equal(compare_date_parse("昭和25年", out), -1);
	assert_int_equal(compare_date("1950-04-01", "319500401"), COMPARE_SAME);
	assert_int_equal(compare_date("1950-04-02", "19500401"), COMPARE_DIFFERENT);
	assert_int_equal(compare_date("1950-04-01", "unknown"), COMPARE_MISSING);
}

static void test_with_card(void **state)
{
	compare_basic4 c;
	(void)state;
	json_t *b4 = json_pack("{s:s, s:s, s:s, s:s}", "name", "試験　花子", "birth", "419900102",
	                       "birth_date", "1990-01-02", "address", "東京都千代田区千代田1-1");
	compare_with_card("試験花子", "1990-01-02", "東京都千代田区千代田１－１", b4, &c);
	assert_int_equal(c.name, COMPARE_SAME);
	assert_int_equal(c.birth, COMPARE_SAME);
	assert_int_equal(c.address, COMPARE_SAME);
	assert_int_equal(compare_differs(&c), 0);
	compare_with_card("試験花子", NULL, "東京都千代田区千代田2-2", b4, &c);
	assert_int_equal(c.birth, COMPARE_MISSING);
	assert_int_equal(c.address, COMPARE_DIFFERENT);
	assert_int_equal(compare_differs(&c), 1);
	compare_with_card("試験花子", "1990-01-02", NULL, NULL, &c);
	assert_int_equal(compare_differs(&c), -1); /* no card: nothing compared */
	json_decref(b4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold_width),
	    cmocka_unit_test(test_kanji_stay),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_with_card),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
