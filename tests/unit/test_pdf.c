/* test_pdf: the PDF of an application (core/pdf.h) from a fixture application: a PDF file
 * ("%PDF-" ... "%%EOF") of some size, the IPAex font embedded, more pages for a long answer,
 * the staff's sections adding to the resident's document, and a malformed document
 * refused. (pdftotext reads the text back in tests/integration/pdf.sh.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pdf.h"

static char DISPLAY[] = "[{\"label\":\"氏名\",\"value\":\"見取 𠮷子\"},"
                        "{\"label\":\"住所\",\"value\":\"東京都千代田区霞が関1-1-1\"},"
                        "{\"label\":\"ご用件\",\"value\":\"住民票の写し 2通\"}]";

static store_application fixture(char *display)
{
	store_application ap;
	memset(&ap, 0, sizeof(ap));
	snprintf(ap.receipt, sizeof(ap.receipt), "2026-000042");
	snprintf(ap.proc_title, sizeof(ap.proc_title), "住民票の写しの交付請求");
	snprintf(ap.status, sizeof(ap.status), "sent");
	snprintf(ap.digest, sizeof(ap.digest), "%064d", 0);
	ap.display = display;
	ap.submitted_at = 1775000000;
	return ap;
}

static const store_app_event EVENTS[] = {{"sent", "", 1775000000},
                                         {"received", "窓口で受け付けました", 1775003600}};

/* Pages of a PDF as cairo writes them: the count of "/Type /Page" not followed by 's'. */
static int page_count(const buf *b)
{
	int n = 0;
	for (const char *p = b->data;
	     (p = memmem(p, b->len - (size_t)(p - b->data), "/Type /Page", 11)) != NULL; p += 11)
		n += p[11] != 's';
	return n;
}

static void render(const json_t *doc, buf *out)
{
	buf_init(out, (size_t)32 << 20);
	assert_int_equal(pdf_render(doc, out), 0);
	assert_true(out->len > 2000);
	assert_memory_equal(out->data, "%PDF-", 5);
	assert_non_null(memmem(out->data, out->len, "%%EOF", 5));
	assert_non_null(memmem(out->data, out->len, "IPAexGothic", 11)); /* the font's name */
}

static void test_resident(void **state)
{
	(void)state;
	store_application ap = fixture(DISPLAY);
	json_t *doc = pdf_application_doc(&ap, EVENTS, 2, "申請控え");
	buf out;
	assert_int_equal(json_array_size(json_object_get(doc, "sections")), 3);
	render(doc, &out);
	assert_int_equal(page_count(&out), 1);
	buf_release(&out);
	json_decref(doc);
}

static void test_staff_sections(void **state)
{
	(void)state;
	store_application ap = fixture(DISPLAY);
	json_t *doc = pdf_application_doc(&ap, EVENTS, 2, "申請書（職員用）");
	buf a, b;
	render(doc, &a);
	json_t *rows = pdf_section(doc, "電子署名の検証");
	pdf_row(rows, "署名者の氏名", "見取 𠮷子");
	pdf_row(rows, "署名された内容のSHA-256", ap.digest);
	pdf_row(pdf_section(doc, "内部メモ"), "2026年4月1日\n審査 太郎", "本人確認済み");
	render(doc, &b);
	assert_true(b.len > a.len);
	buf_release(&a);
	buf_release(&b);
	json_decref(doc);
}

/* A long answer (a thousand lines) breaks across pages, line by line. */
static void test_long_answer(void **state)
{
	(void)state;
	buf text, disp, out;
	buf_init(&text, 0);
	buf_init(&disp, 0);
	for (int i = 0; i < 1000; i++)
		buf_printf(&text, "%d 行目の説明です。", i);
	json_t *lines = json_pack("[{s:s, s:s}]", "label", "詳しい内容", "value", buf_cstr(&text));
	char *d = json_dumps(lines, 0);
	store_application ap = fixture(d);
	json_t *doc = pdf_application_doc(&ap, NULL, 0, "申請控え");
	render(doc, &out);
	assert_true(page_count(&out) >= 3);
	buf_release(&out);
	json_decref(doc);
	json_decref(lines);
	free(d);
	buf_release(&text);
	buf_release(&disp);
}

static void test_refused(void **state)
{
	(void)state;
	buf out;
	buf_init(&out, 0);
	json_t *bad = json_pack("{s:s}", "title", "x");
	assert_int_equal(pdf_render(bad, &out), -1);
	json_decref(bad);
	buf_release(&out);
	/* out's maximum reached: refused, not cut */
	store_application ap = fixture(DISPLAY);
	json_t *doc = pdf_application_doc(&ap, EVENTS, 2, "申請控え");
	buf_init(&out, 1000);
	assert_int_equal(pdf_render(doc, &out), -1);
	buf_release(&out);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resident),
	    cmocka_unit_test(test_staff_sections),
	    cmocka_unit_test(test_long_answer),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
