/* Unit tests of util/qr: the SVG's shape (one path, viewBox = modules + 8, no style
 * attribute), the path drawing exactly the modules libqrencode made, the escaped label, input
 * errors, the output limit, appending, concurrent use. With QR_OUT=path set, test_write_file
 * also writes the SVG of QR_TEXT (or a sample signing link) to that file for
 * tests/integration/qr_decode.sh, which decodes it with zbarimg. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "util/qr.h"

#define SAMPLE                                                                                     \
	"madoguchi-sign://portal.city.example.jp/sign/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd"

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The module matrix libqrencode makes for text with the settings qr_svg() uses. */
static QRcode *reference(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	return qr;
}

/* Check svg against the symbol of text: header, background, one path whose runs cover exactly
 * the dark modules inside the quiet zone, end. */
static void check_svg(const char *svg, const char *text)
{
	QRcode *qr = reference(text);
	int w = qr->width, n = w + 8;
	char head[200];
	snprintf(head, sizeof(head),
	         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\"", n, n);
	assert_true(strncmp(svg, head, strlen(head)) == 0);
	size_t len = strlen(svg);
	assert_true(len > 6 && strcmp(svg + len - 6, "</svg>") == 0);
	assert_int_equal(count(svg, "<svg"), 1);
	assert_int_equal(count(svg, "</svg>"), 1);
	assert_int_equal(count(svg, "<path"), 1);
	assert_int_equal(count(svg, "<rect"), 1);
	assert_int_equal(count(svg, "style"), 0);
	assert_int_equal(count(svg, "<script"), 0);
	assert_non_null(strstr(svg, " role=\"img\" aria-label=\""));
	assert_non_null(strstr(svg, " shape-rendering=\"crispEdges\">"));
	char rect[100];
	snprintf(rect, sizeof(rect), "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", n, n);
	assert_non_null(strstr(svg, rect));

	const char *d = strstr(svg, "<path fill=\"#000\" d=\"");
	assert_non_null(d);
	d += strlen("<path fill=\"#000\" d=\"");
	unsigned char *seen = calloc((size_t)w * (size_t)w, 1);
	assert_non_null(seen);
	while (*d == 'M') {
		int x, y, h, h2, used = 0;
		assert_int_equal(sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &h, &h2, &used), 4);
		assert_true(used > 0);
		assert_int_equal(h, h2);
		assert_true(x >= 4 && y >= 4 && h >= 1 && x + h <= w + 4 && y < w + 4);
		for (int i = 0; i < h; i++) {
			unsigned char *m = &seen[(size_t)(y - 4) * (size_t)w + (size_t)(x - 4 + i)];
			assert_int_equal(*m, 0); /* no module drawn twice */
			*m = 1;
		}
		/* runs are maximal: the module after a run is light */
		if (x - 4 + h < w)
			assert_int_equal(qr->data[(y - 4) * w + x - 4 + h] & 1, 0);
		d += used;
	}
	assert_string_equal(d, "\"/></svg>");
	for (int i = 0; i < w * w; i++)
		assert_int_equal(seen[i], qr->data[i] & 1);
	free(seen);
	QRcode_free(qr);
}

static void test_shape(void **state)
{
	buf out;
	buf_init(&out, 0);
	assert_int_equal(qr_svg(SAMPLE, "署名用のQRコード", 240, &out), QR_OK);
	const char *svg = buf_cstr(&out);
	check_svg(svg, SAMPLE);
	assert_non_null(strstr(svg, " width=\"240\" height=\"240\" role=\"img\""));
	assert_non_null(strstr(svg, "aria-label=\"署名用のQRコード\""));
	buf_release(&out);
}

static void test_sizes(void **state)
{
	/* one byte, a 200-byte URL, and the longest text accepted */
	static char t200[201], t1000[QR_MAX_TEXT + 1];
	memset(t200, 'a', 200);
	memcpy(t200, "madoguchi-sign://portal.city.example.jp/sign/", 45);
	for (int i = 0; i < QR_MAX_TEXT; i++)
		t1000[i] = (char)(' ' + i % 95);
	const char *texts[] = {
	    "x", SAMPLE, t200, t1000, "012345678901234567890", "ABC DEF$%*+-./:"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		buf out;
		buf_init(&out, 0);
		assert_int_equal(qr_svg(texts[i], "QR", 200, &out), QR_OK);
		check_svg(buf_cstr(&out), texts[i]);
		buf_release(&out);
	}
}

static void test_no_size(void **state)
{
	buf out;
	buf_init(&out, 0);
	assert_int_equal(qr_svg(SAMPLE, "QR", 0, &out), QR_OK);
	assert_null(strstr(buf_cstr(&out), "width=\"0\""));
	assert_null(strstr(buf_cstr(&out), " height=\"0\""));
	check_svg(buf_cstr(&out), SAMPLE);
	buf_release(&out);
}

static void test_label_escaped(void **state)
{
	buf out;
	buf_init(&out, 0);
	assert_int_equal(qr_svg(SAMPLE, "a<b\"c&d'e>f", 100, &out), QR_OK);
	const char *svg = buf_cstr(&out);
	assert_non_null(strstr(svg, "aria-label=\"a&lt;b&quot;c&amp;d&#39;e&gt;f\" "));
	assert_int_equal(count(svg, "<"), 4); /* svg, rect, path, /svg: none from the label */
	check_svg(svg, SAMPLE);
	buf_release(&out);
}

static void test_errors(void **state)
{
	static char long_text[QR_MAX_TEXT + 2];
	memset(long_text, 'a', QR_MAX_TEXT + 1);
	buf out;
	buf_init(&out, 0);
	buf_puts(&out, "before");
	assert_int_equal(qr_svg(NULL, "QR", 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg("", "QR", 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg(long_text, "QR", 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg(SAMPLE, NULL, 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg(SAMPLE, "", 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg(SAMPLE, long_text, 100, &out), QR_EINPUT);
	assert_int_equal(qr_svg(SAMPLE, "QR", 100, NULL), QR_EINPUT);
	assert_string_equal(buf_cstr(&out), "before");
	assert_int_equal(out.failed, 0);
	/* the longest accepted text still encodes */
	long_text[QR_MAX_TEXT] = '\0';
	assert_int_equal(qr_svg(long_text, "QR", 100, &out), QR_OK);
	buf_release(&out);

	for (int e = QR_OK; e <= QR_ENOMEM + 1; e++)
		assert_non_null(qr_strerror(e));
	assert_string_not_equal(qr_strerror(QR_EINPUT), qr_strerror(QR_EENCODE));
}

static void test_output_limit(void **state)
{
	/* a maximum too small for the image: QR_ENOMEM and the buffer as it was */
	buf out;
	buf_init(&out, 600);
	buf_puts(&out, "<p>");
	assert_int_equal(qr_svg(SAMPLE, "QR", 100, &out), QR_ENOMEM);
	assert_string_equal(buf_cstr(&out), "<p>");
	assert_int_equal(out.len, 3);
	buf_release(&out);
}

static void test_appends(void **state)
{
	buf out;
	buf_init(&out, 0);
	buf_puts(&out, "<p>");
	assert_int_equal(qr_svg(SAMPLE, "QR", 100, &out), QR_OK);
	buf_puts(&out, "</p>");
	const char *s = buf_cstr(&out);
	assert_true(strncmp(s, "<p><svg ", 8) == 0);
	size_t len = strlen(s);
	assert_string_equal(s + len - 10, "</svg></p>");
	buf_release(&out);
}

#define THREADS 4
static void *worker(void *arg)
{
	char text[sizeof(SAMPLE) + 48];
	long id = (long)(intptr_t)arg;
	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "%s/%ld/%d", SAMPLE, id, i);
		buf out;
		buf_init(&out, 0);
		if (qr_svg(text, "QR", 100, &out) != QR_OK ||
		    strstr(buf_cstr(&out), "</svg>") == NULL) {
			buf_release(&out);
			return (void *)1;
		}
		buf_release(&out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

/* With QR_OUT set: write the SVG of QR_TEXT (default: a sample signing link) to QR_OUT. */
static void test_write_file(void **state)
{
	const char *path = getenv("QR_OUT");
	const char *text = getenv("QR_TEXT");
	if (!text || !*text)
		text = SAMPLE;
	buf out;
	buf_init(&out, 0);
	assert_int_equal(qr_svg(text, "QR", 300, &out), QR_OK);
	check_svg(buf_cstr(&out), text);
	if (path && *path) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
		assert_int_equal(fclose(f), 0);
		printf("qr: %zu bytes of SVG for %zu bytes of text written to %s\n", out.len,
		       strlen(text), path);
	}
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shape),      cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_no_size),    cmocka_unit_test(test_label_escaped),
	    cmocka_unit_test(test_errors),     cmocka_unit_test(test_output_limit),
	    cmocka_unit_test(test_appends),    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_write_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
