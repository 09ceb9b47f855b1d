/* Unit tests of the multipart/form-data parser (src/http/multipart.c): the boundary of a
 * Content-Type, bodies as Chromium sends them (text fields, Japanese values, several files in
 * one field, a file input left empty), filenames, binary content, broken bodies and limits.
 * Every body is parsed from an exact-size heap copy so that the sanitizer build catches any
 * read past its end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

#define CRLF "\r\n"
#define B "----WebKitFormBoundaryqZlXzKzYbGAhQ7Ea"
#define D "--" B CRLF        /* a delimiter line */
#define END "--" B "--" CRLF /* the close delimiter as Chromium sends it */
#define CD(name) "Content-Disposition: form-data; name=\"" name "\"" CRLF
#define CDF(name, file)                                                                            \
	"Content-Disposition: form-data; name=\"" name "\"; filename=\"" file "\"" CRLF
#define LIT(s) s, sizeof(s) - 1

/* The body under test lives in an exact-size heap copy until the next parse or release. */
static char *body_copy;

static void release(multipart *m)
{
	multipart_release(m);
	free(body_copy);
	body_copy = NULL;
}

static int parse_lim(const char *s, size_t n, const char *boundary, const multipart_limits *lim,
                     multipart *m)
{
	free(body_copy);
	body_copy = malloc(n ? n : 1);
	assert_non_null(body_copy);
	if (n)
		memcpy(body_copy, s, n);
	return multipart_parse(body_copy, n, boundary, lim, m);
}

static int parse(const char *s, size_t n, multipart *m)
{
	return parse_lim(s, n, B, NULL, m);
}

/* Parse s with the default limits and the Chromium boundary, expect err, release. */
static void expect(const char *s, size_t n, int err)
{
	multipart m;
	int rc = parse(s, n, &m);
	if (rc != err)
		fail_msg("got %s, expected %s for body:\n%.*s", multipart_strerror(rc),
		         multipart_strerror(err), (int)n, s);
	if (rc != MP_OK) /* an error leaves nothing half-read */
		assert_true(m.fields.n == 0 && !m.fields.pairs && !m.fields.storage &&
		            m.n_files == 0 && !m.files && !m.storage);
	release(&m);
}

static void test_boundary(void **state)
{
	char b[MULTIPART_BOUNDARY_MAX + 1];
	char seventy[MULTIPART_BOUNDARY_MAX + 2], ct[128];

	assert_int_equal(multipart_boundary("multipart/form-data; boundary=" B, b, sizeof(b)),
	                 MP_OK);
	assert_string_equal(b, B);
	assert_int_equal(
	    multipart_boundary("Multipart/Form-Data ; charset=utf-8;BOUNDARY=\"a b:c=d?\"", b,
	                       sizeof(b)),
	    MP_OK);
	assert_string_equal(b, "a b:c=d?");
	/* a quoted parameter before it may hold ';' and "boundary=" */
	assert_int_equal(
	    multipart_boundary("multipart/form-data; x=\"a;boundary=evil\"; boundary=good", b,
	                       sizeof(b)),
	    MP_OK);
	assert_string_equal(b, "good");
	/* quoted-pair */
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a\\b\"", b, sizeof(b)),
	                 MP_OK);
	assert_string_equal(b, "ab");
	/* unquoted with characters that are bchars but not token characters (JavaMail style) */
	assert_int_equal(
	    multipart_boundary("multipart/form-data; boundary=----=_Part_0_1.2", b, sizeof(b)),
	    MP_OK);
	assert_string_equal(b, "----=_Part_0_1.2");

	memset(seventy, 'x', MULTIPART_BOUNDARY_MAX);
	seventy[MULTIPART_BOUNDARY_MAX] = '\0';
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", seventy);
	assert_int_equal(multipart_boundary(ct, b, sizeof(b)), MP_OK);
	assert_string_equal(b, seventy);
	assert_int_equal(multipart_boundary(ct, b, MULTIPART_BOUNDARY_MAX), MP_EBOUNDARY);
	strcat(ct, "x");
	assert_int_equal(multipart_boundary(ct, b, sizeof(b)), MP_EBOUNDARY);

	const char *wrong_type[] = {
	    NULL,
	    "",
	    "application/x-www-form-urlencoded",
	    "multipart/mixed; boundary=x",
	    "multipart/form-datax; boundary=x",
	    "multipart /form-data; boundary=x",
	    "text/plain",
	};
	for (size_t i = 0; i < sizeof(wrong_type) / sizeof(wrong_type[0]); i++)
		assert_int_equal(multipart_boundary(wrong_type[i], b, sizeof(b)), MP_ETYPE);
	const char *bad[] = {
	    "multipart/form-data",
	    "multipart/form-data;",
	    "multipart/form-data; boundary=",
	    "multipart/form-data; boundary=\"\"",
	    "multipart/form-data; boundary=\"abc ",
	    "multipart/form-data; boundary=\"abc \"",
	    "multipart/form-data; boundary=\"a\"b\"\"",
	    "multipart/form-data; boundary=a; boundary=a",
	    "multipart/form-data; boundary = a",
	    "multipart/form-data; boundary=a b",
	    "multipart/form-data; boundary=a\tb",
	    "multipart/form-data; boundary=\"a\rb\"",
	    "multipart/form-data; boundary=\"a[b]\"",
	    "multipart/form-data boundary=a",
	    "multipart/form-data; =a",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(b, "stale");
		if (multipart_boundary(bad[i], b, sizeof(b)) != MP_EBOUNDARY)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(b, ""); /* even after a first boundary=a */
	}
	for (int e = MP_OK; e <= MP_ENOMEM; e++)
		assert_string_not_equal(multipart_strerror(e), "unknown error");
}

/* An application form as Chromium posts it: text inputs, a textarea, a select, checkboxes,
 * Japanese text, an empty input. */
static void test_chromium_text_fields(void **state)
{
	static const char body[] = D CD("csrf") CRLF "k3J9-xQ" CRLF D CD("name") CRLF
	    "山田 太郎" CRLF D CD("kana") CRLF "ヤマダ タロウ" CRLF D CD("address") CRLF
	    "東京都あおば市本町1-2-3\r\nさくら荘 101" CRLF D CD("note") CRLF CRLF D CD("days") CRLF
	    "mon" CRLF D CD("days") CRLF "fri" CRLF END;
	multipart m;

	assert_int_equal(parse(LIT(body), &m), MP_OK);
	assert_int_equal(m.fields.n, 7);
	assert_int_equal(m.n_files, 0);
	assert_string_equal(form_get(&m.fields, "csrf"), "k3J9-xQ");
	assert_string_equal(form_get(&m.fields, "name"), "山田 太郎");
	assert_string_equal(form_get(&m.fields, "kana"), "ヤマダ タロウ");
	/* the CRLF of a textarea is content; only the one before the delimiter is not */
	assert_string_equal(form_get(&m.fields, "address"),
	                    "東京都あおば市本町1-2-3\r\nさくら荘 101");
	assert_string_equal(form_get(&m.fields, "note"), "");
	assert_int_equal(m.fields.pairs[4].value_len, 0);
	assert_string_equal(form_get_nth(&m.fields, "days", 0), "mon");
	assert_string_equal(form_get_nth(&m.fields, "days", 1), "fri");
	assert_null(form_get_nth(&m.fields, "days", 2));
	assert_null(form_get(&m.fields, "missing"));
	assert_null(multipart_file_nth(&m, "name", 0));
	release(&m);
	/* released twice is harmless */
	multipart_release(&m);
}

/* <input type=file name=docs multiple> with two files, and a second file input left empty. */
static void test_two_files_one_field(void **state)
{
	static const char body[] = D CD("title") CRLF "住民票の写しの交付請求" CRLF D CDF(
	    "docs", "申請書.pdf") "Content-Type: application/pdf" CRLF CRLF
	                          "%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj" CRLF D CDF(
	                              "docs", "本人確認書類.jpg") "Content-Type: image/jpeg" CRLF
	                              CRLF "\xff\xd8\xff\xe0\x00\x10JFIF\x00" CRLF D CDF(
	                                  "extra",
	                                  "") "Content-Type: application/octet-stream" CRLF CRLF
	                                  CRLF D CD("agree") CRLF "yes" CRLF END;
	multipart m;
	const multipart_file *f;

	assert_int_equal(parse(LIT(body), &m), MP_OK);
	assert_int_equal(m.fields.n, 2);
	assert_string_equal(form_get(&m.fields, "title"), "住民票の写しの交付請求");
	assert_string_equal(form_get(&m.fields, "agree"), "yes");
	assert_int_equal(m.n_files, 2);
	f = multipart_file_nth(&m, "docs", 0);
	assert_non_null(f);
	assert_string_equal(f->name, "docs");
	assert_string_equal(f->filename, "申請書.pdf");
	assert_string_equal(f->content_type, "application/pdf");
	assert_int_equal(f->len, 24);
	assert_memory_equal(f->data, "%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj", 24);
	/* data points into the body, no copy */
	assert_true(f->data > body_copy && f->data + f->len < body_copy + sizeof(body) - 1);
	f = multipart_file_nth(&m, "docs", 1);
	assert_non_null(f);
	assert_string_equal(f->filename, "本人確認書類.jpg");
	assert_string_equal(f->content_type, "image/jpeg");
	assert_int_equal(f->len, 11);
	assert_memory_equal(f->data, "\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11);
	assert_null(multipart_file_nth(&m, "docs", 2));
	assert_null(multipart_file_nth(&m, "extra", 0)); /* the empty input was skipped */
	/* a file field is not a text field */
	assert_null(form_get(&m.fields, "docs"));
	release(&m);
}

static void test_empty_and_odd_files(void **state)
{
	/* only an empty file input: nothing at all */
	static const char only_empty[] =
	    D CDF("f", "") "Content-Type: application/octet-stream" CRLF CRLF CRLF END;
	/* an empty file that has a name is a file; no Content-Type means octet-stream */
	static const char empty_named[] = D CDF("f", "empty.txt") CRLF CRLF END;
	/* content without a filename (not from a browser) is kept, with "" as the name */
	static const char unnamed[] = D CDF("f", "") CRLF "abc" CRLF END;
	multipart m;

	assert_int_equal(parse(LIT(only_empty), &m), MP_OK);
	assert_int_equal(m.n_files, 0);
	assert_int_equal(m.fields.n, 0);
	assert_null(form_get(&m.fields, "f"));
	release(&m);

	assert_int_equal(parse(LIT(empty_named), &m), MP_OK);
	assert_int_equal(m.n_files, 1);
	assert_string_equal(m.files[0].filename, "empty.txt");
	assert_string_equal(m.files[0].content_type, "application/octet-stream");
	assert_int_equal(m.files[0].len, 0);
	release(&m);

	assert_int_equal(parse(LIT(unnamed), &m), MP_OK);
	assert_int_equal(m.n_files, 1);
	assert_string_equal(m.files[0].filename, "");
	assert_int_equal(m.files[0].len, 3);
	release(&m);

	/* an empty file input does not count as a file, but does count as a field */
	multipart_limits lim = multipart_default_limits();
	lim.max_files = 1;
	lim.max_fields = 2;
	static const char body[] =
	    D CDF("a", "") CRLF CRLF D CDF("a", "x.txt") CRLF "x" CRLF D CDF("a", "") CRLF CRLF END;
	assert_int_equal(parse_lim(LIT(body), B, &lim, &m), MP_OK);
	assert_int_equal(m.n_files, 1);
	release(&m);
	lim.max_fields = 1;
	assert_int_equal(parse_lim(LIT(body), B, &lim, &m), MP_ETOOMANY);
	release(&m);
}

/* A boundary with spaces and bchar punctuation, as from a quoted Content-Type parameter. */
static void test_quoted_boundary(void **state)
{
	char b[MULTIPART_BOUNDARY_MAX + 1];
	static const char body[] = "--simple boundary:'()+_,-./=?" CRLF CD("a") CRLF
	    "1" CRLF "--simple boundary:'()+_,-./=?" CRLF CD("b") CRLF
	    "2" CRLF "--simple boundary:'()+_,-./=?--";
	multipart m;

	assert_int_equal(
	    multipart_boundary("multipart/form-data; boundary=\"simple boundary:'()+_,-./=?\"", b,
	                       sizeof(b)),
	    MP_OK);
	assert_int_equal(parse_lim(LIT(body), b, NULL, &m), MP_OK);
	assert_int_equal(m.fields.n, 2);
	assert_string_equal(form_get(&m.fields, "a"), "1");
	assert_string_equal(form_get(&m.fields, "b"), "2");
	release(&m);
	/* the parser checks the boundary too */
	assert_int_equal(parse_lim(LIT(body), "", NULL, &m), MP_EBOUNDARY);
	release(&m);
	assert_int_equal(parse_lim(LIT(body), "trailing ", NULL, &m), MP_EBOUNDARY);
	release(&m);
	assert_int_equal(parse_lim(LIT(body), NULL, NULL, &m), MP_EBOUNDARY);
	release(&m);
	assert_int_equal(parse_lim(LIT(body), "a\"b", NULL, &m), MP_EBOUNDARY);
	release(&m);
}

/* Preamble, epilogue, transport padding, no final CRLF, no blank line: all per RFC 2046. */
static void test_framing(void **state)
{
	multipart m;
	static const char preamble[] = "This is the preamble.\r\nIt is ignored." CRLF D CD("a") CRLF
	    "1" CRLF END "This is the epilogue.\r\n--" B CRLF "ignored too";
	assert_int_equal(parse(LIT(preamble), &m), MP_OK);
	assert_int_equal(m.fields.n, 1);
	assert_string_equal(form_get(&m.fields, "a"), "1");
	release(&m);

	static const char padding[] = "--" B " \t" CRLF CD("a") CRLF
	    "1" CRLF "--" B "\t" CRLF CD("b") CRLF "2" CRLF "--" B "--  ";
	assert_int_equal(parse(LIT(padding), &m), MP_OK);
	assert_int_equal(m.fields.n, 2);
	assert_string_equal(form_get(&m.fields, "b"), "2");
	release(&m);

	/* an empty preamble: the body starts with CRLF */
	expect(LIT(CRLF D CD("a") CRLF "1" CRLF END), MP_OK);
	/* a form with no successful controls */
	expect(LIT(END), MP_OK);
	expect(LIT("--" B "--"), MP_OK);
	/* a part of headers only (body-part := headers [CRLF *OCTET]) */
	static const char no_blank[] = D CD("a") CRLF "--" B "--";
	assert_int_equal(parse(LIT(no_blank), &m), MP_OK);
	assert_string_equal(form_get(&m.fields, "a"), "");
	release(&m);
	/* other headers are ignored; header names and form-data in any case; unquoted values */
	static const char headers[] =
	    D "content-disposition: Form-Data;Name=a ;x=\"y;z\"" CRLF "X-Other:  whatever  " CRLF
	      "Content-Transfer-Encoding: 8BIT" CRLF CRLF "1" CRLF D
	      "Content-Type: text/plain; charset=UTF-8" CRLF CD("b") CRLF "2" CRLF END;
	assert_int_equal(parse(LIT(headers), &m), MP_OK);
	assert_string_equal(form_get(&m.fields, "a"), "1");
	assert_string_equal(form_get(&m.fields, "b"), "2");
	release(&m);
	/* filename* is ignored (RFC 7578 4.2): this is a text field */
	static const char star[] = D
	    "Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''x" CRLF CRLF "1" CRLF END;
	assert_int_equal(parse(LIT(star), &m), MP_OK);
	assert_int_equal(m.n_files, 0);
	assert_string_equal(form_get(&m.fields, "a"), "1");
	release(&m);
}

static void test_truncated(void **state)
{
	/* missing final boundary */
	expect(LIT(D CD("a") CRLF "1" CRLF), MP_ESYNTAX);
	expect(LIT(D CD("a") CRLF "1" CRLF "--" B), MP_ESYNTAX);
	expect(LIT(D CD("a") CRLF "1" CRLF "--" B "-"), MP_ESYNTAX);
	expect(LIT(D CD("a") CRLF "1" CRLF "--" B "--x"), MP_ESYNTAX);
	expect(LIT(D CD("a") CRLF "1"), MP_ESYNTAX);
	expect(LIT(D CD("a")), MP_ESYNTAX);
	expect(LIT(D), MP_ESYNTAX);
	expect(LIT("--" B), MP_ESYNTAX);
	expect(LIT(""), MP_ESYNTAX);
	/* no opening delimiter: wrong boundary, a preamble without CRLF, bare LF lines */
	expect(LIT("--other" CRLF CD("a") CRLF "1" CRLF "--other--" CRLF), MP_ESYNTAX);
	expect(LIT("preamble--" B CRLF CD("a") CRLF "1" CRLF END), MP_ESYNTAX);
	/* a body whose first delimiter is the close one after a preamble is not an empty form */
	expect(LIT("preamble" CRLF END), MP_ESYNTAX);
	expect(LIT(CRLF END), MP_ESYNTAX);
	/* a header line cut by the delimiter */
	expect(LIT(D CD("a") "--" B "--"), MP_EHEADER);
	expect(LIT("--" B "\n" CD("a") "\n1\n--" B "--\n"), MP_ESYNTAX);
	/* a bare LF before the next boundary is content, so the close is never found */
	expect(LIT(D CD("a") CRLF "1\n--" B "--"), MP_ESYNTAX);
	/* NULL body */
	multipart m;
	assert_int_equal(multipart_parse(NULL, 0, B, NULL, &m), MP_ESYNTAX);
	multipart_release(&m);
}

static void test_headers(void **state)
{
	/* missing, duplicate or wrong Content-Disposition */
	expect(LIT(D "Content-Type: text/plain" CRLF CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D CD("a") CD("b") CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "Content-Disposition: attachment; name=\"a\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data" CRLF CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; filename=\"a\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(
	    LIT(D "Content-Disposition: form-data; name=\"a\"; name=\"b\"" CRLF CRLF "1" CRLF END),
	    MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=\"a" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=" CRLF CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=\"a\"x" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data name=\"a\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	/* an escaped quote does not end the string */
	expect(LIT(D "Content-Disposition: form-data; name=\"a\\\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	/* folding, bare LF, bare CR, control characters, no colon, bad header names */
	expect(LIT(D "Content-Disposition: form-data;" CRLF " name=\"a\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=\"a\"\n" CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "X: a\rb" CRLF CD("a") CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D CD("a") "X: a\x01" CRLF CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=\"a\0b\"" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "NoColon" CRLF CD("a") CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D ": x" CRLF CD("a") CRLF "1" CRLF END), MP_EHEADER);
	expect(LIT(D "X Y: x" CRLF CD("a") CRLF "1" CRLF END), MP_EHEADER);
	/* an empty part */
	expect(LIT(D CRLF "--" B "--"), MP_EHEADER);
	/* the CRLF of the opening line cannot also start the close delimiter */
	expect(LIT(D "--" B "--"), MP_ESYNTAX);
	/* a transfer encoding would be taken literally: refused */
	expect(LIT(D CD("a") "Content-Transfer-Encoding: base64" CRLF CRLF "MQ==" CRLF END),
	       MP_EHEADER);
	expect(LIT(D CD("a") "Content-Transfer-Encoding: quoted-printable" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D CD("a") "Content-Transfer-Encoding: binary" CRLF CRLF "1" CRLF END), MP_OK);
	expect(LIT(D CDF("a", "x") "Content-Type: a" CRLF "Content-Type: b" CRLF CRLF "1" CRLF END),
	       MP_EHEADER);
}

static void test_names(void **state)
{
	char body[512], name[FORM_MAX_NAME + 2];
	multipart m;
	int n;

	expect(LIT(D CD("") CRLF "1" CRLF END), MP_ENAME);
	expect(LIT(D CD("a\tb") CRLF "1" CRLF END), MP_ENAME);
	expect(LIT(D CD("%22") CRLF "1" CRLF END), MP_OK);
	memset(name, 'n', FORM_MAX_NAME);
	name[FORM_MAX_NAME] = '\0';
	n = snprintf(body, sizeof(body), D CD("%s") CRLF "1" CRLF END, name);
	assert_int_equal(parse(body, (size_t)n, &m), MP_OK);
	assert_string_equal(form_get(&m.fields, name), "1");
	release(&m);
	strcat(name, "n");
	n = snprintf(body, sizeof(body), D CD("%s") CRLF "1" CRLF END, name);
	assert_int_equal(parse(body, (size_t)n, &m), MP_ENAME);
	release(&m);
	/* the same for a file field */
	n = snprintf(body, sizeof(body), D CDF("%s", "x") CRLF "1" CRLF END, name);
	assert_int_equal(parse(body, (size_t)n, &m), MP_ENAME);
	release(&m);

	/* names keep Chromium's escapes decoded: %22 is '"'; backslashes are literal */
	static const char quotes[] = D CD("q%22uote") CRLF "1" CRLF D CD("back\\slash") CRLF
	    "2" CRLF D "Content-Disposition: form-data; name=\"curl\\\"style\\\\\"" CRLF CRLF
	    "3" CRLF D "Content-Disposition: form-data; name=token[]" CRLF CRLF "4" CRLF END;
	assert_int_equal(parse(LIT(quotes), &m), MP_OK);
	assert_string_equal(form_get(&m.fields, "q\"uote"), "1");
	assert_string_equal(form_get(&m.fields, "back\\slash"), "2");
	assert_string_equal(form_get(&m.fields, "curl\"style\\"), "3");
	assert_string_equal(form_get(&m.fields, "token[]"), "4");
	release(&m);
}

static void test_filenames(void **state)
{
	static const char body[] = D CDF("f", "C:\\Users\\taro\\書類\\申請書.pdf") CRLF
	    "1" CRLF D CDF("f", "../../etc/passwd") CRLF "2" CRLF D CDF("f", "say %22hello%22.txt")
	        CRLF
	    "3" CRLF D
	    "Content-Disposition: form-data; name=\"f\"; filename=\"curl \\\"q\\\".txt\"" CRLF CRLF
	    "4" CRLF D CDF("f", "dir/") CRLF "5" CRLF D CDF("f", "100%.txt") CRLF
	    "6" CRLF D
	    "Content-Disposition: form-data; filename=\"ｶﾀｶﾅ 𠮷.png\"; name=\"f\"" CRLF CRLF
	    "7" CRLF END;
	static const char *want[] = {
	    "申請書.pdf", "passwd",   "say \"hello\".txt", "curl \"q\".txt",
	    "",           "100%.txt", "ｶﾀｶﾅ 𠮷.png",
	};
	multipart m;

	assert_int_equal(parse(LIT(body), &m), MP_OK);
	assert_int_equal(m.n_files, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(m.files[i].filename, want[i]);
		assert_int_equal(m.files[i].len, 1);
		assert_int_equal(m.files[i].data[0], (char)('1' + i));
	}
	release(&m);

	expect(LIT(D CDF("f", "..") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", "a/..") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", ".") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", "bad\xff.txt") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", "bad\xe3\x81.txt") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", "c1\xc2\x85.txt") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f", "tab\t.txt") CRLF "1" CRLF END), MP_EFILENAME);
	expect(LIT(D CDF("f",
	                 "a") "Content-Disposition: form-data; name=\"f\"; filename=\"b\"" CRLF CRLF
	                      "1" CRLF END),
	       MP_EHEADER);
	expect(LIT(D "Content-Disposition: form-data; name=f; filename=\"a\"; FileName=b" CRLF CRLF
	             "1" CRLF END),
	       MP_EHEADER);

	/* a base name over MULTIPART_FILENAME_MAX; a long path before it is fine */
	size_t cap = 2 * MULTIPART_FILENAME_MAX + 256, n;
	char *big = malloc(cap), *name = malloc(MULTIPART_FILENAME_MAX + 2);
	multipart_limits lim = multipart_default_limits();
	lim.max_header = cap;
	assert_non_null(big);
	assert_non_null(name);
	memset(name, 'a', MULTIPART_FILENAME_MAX + 1);
	name[MULTIPART_FILENAME_MAX + 1] = '\0';
	n = (size_t)snprintf(big, cap, D CDF("f", "%s") CRLF "1" CRLF END, name);
	assert_int_equal(parse_lim(big, n, B, &lim, &m), MP_EFILENAME);
	release(&m);
	name[0] = '/';
	n = (size_t)snprintf(big, cap, D CDF("f", "%s") CRLF "1" CRLF END, name);
	assert_int_equal(parse_lim(big, n, B, &lim, &m), MP_OK);
	assert_int_equal(strlen(m.files[0].filename), MULTIPART_FILENAME_MAX);
	release(&m);
	free(big);
	free(name);
}

#define CONTENT                                                                                    \
	"\r\n\r\n\0\x01\xff"                                                                       \
	"--" B CRLF          /* no CRLF before */                                                  \
	"\r\n--" B "X" CRLF  /* a longer boundary */                                               \
	"\r\n--" B "-" CRLF  /* one dash after */                                                  \
	"\r\n--" B " x" CRLF /* padding, then text */                                              \
	"\r\n--" B "--x"     /* a close with text after */                                         \
	"\r\n--" B "\n"      /* bare LF */                                                         \
	"\r\n--" B "\rx"     /* bare CR */                                                         \
	"\n--" B CRLF        /* LF only before */                                                  \
	"\r\n--"                                                                                   \
	"----WebKitFormBound" /* a prefix */                                                       \
	"\r\n-" B CRLF        /* one dash before */                                                \
	"\r\n\r\n"

/* Binary content holding CR LF, NUL, and bytes that look like the boundary but are not a
 * delimiter: no CRLF before them, or something else after them. */
static void test_binary(void **state)
{
	static const char content[] = CONTENT;
	static const char body[] =
	    D CDF("bin", "data.bin") "Content-Type: application/octet-stream" CRLF CRLF CONTENT CRLF
	        D CD("text") CRLF "\r\n--" B "X\0" CRLF END;
	multipart m;

	assert_int_equal(parse(LIT(body), &m), MP_OK);
	assert_int_equal(m.n_files, 1);
	assert_int_equal(m.files[0].len, sizeof(content) - 1);
	assert_memory_equal(m.files[0].data, content, sizeof(content) - 1);
	assert_int_equal(m.fields.n, 1);
	assert_int_equal(m.fields.pairs[0].value_len, sizeof("\r\n--" B "X"));
	assert_memory_equal(m.fields.pairs[0].value, "\r\n--" B "X\0", sizeof("\r\n--" B "X\0"));
	release(&m);

	/* every byte value in a file, twice */
	char *big = malloc(1024);
	size_t n = 0;
	assert_non_null(big);
	n += (size_t)sprintf(big, D CDF("f", "all.bin") CRLF);
	for (int i = 0; i < 512; i++)
		big[n++] = (char)(i & 0xff);
	memcpy(big + n, CRLF END, sizeof(CRLF END) - 1);
	n += sizeof(CRLF END) - 1;
	assert_int_equal(parse(big, n, &m), MP_OK);
	assert_int_equal(m.files[0].len, 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal((unsigned char)m.files[0].data[i], i & 0xff);
	release(&m);
	free(big);
}

static void test_limits(void **state)
{
	multipart_limits lim = {
	    .max_fields = 3, .max_files = 2, .max_header = 128, .max_value = 4, .max_file_size = 8};
	multipart m;

	/* too many fields */
	static const char four[] = D CD("a") CRLF "1" CRLF D CD("b") CRLF "2" CRLF D CD("c") CRLF
	    "3" CRLF D CD("d") CRLF "4" CRLF END;
	assert_int_equal(parse_lim(LIT(four), B, &lim, &m), MP_ETOOMANY);
	release(&m);
	lim.max_fields = 4;
	assert_int_equal(parse_lim(LIT(four), B, &lim, &m), MP_OK);
	assert_int_equal(m.fields.n, 4);
	release(&m);

	/* an over-long header block, even when the part's header lines are each short */
	static const char hdr[] =
	    D CD("a") "X-Padding: 0123456789012345678901234567890123456789" CRLF
	              "X-More: 0123456789012345678901234567890123456789" CRLF CRLF "1" CRLF END;
	assert_int_equal(parse_lim(LIT(hdr), B, &lim, &m), MP_EHEADER);
	release(&m);
	lim.max_header = sizeof(hdr) - 1 - (sizeof(D) - 1) - (sizeof("1" CRLF END) - 1);
	assert_int_equal(parse_lim(LIT(hdr), B, &lim, &m), MP_OK);
	release(&m);
	lim.max_header--;
	assert_int_equal(parse_lim(LIT(hdr), B, &lim, &m), MP_EHEADER);
	release(&m);
	lim.max_header = 128;
	/* a header line that never ends */
	static const char endless[] = D
	    "Content-Disposition: form-data; name=\"a\"; x=\""
	    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
	    "56789012345678901234567890123456789\"" CRLF CRLF "1" CRLF END;
	assert_int_equal(parse_lim(LIT(endless), B, &lim, &m), MP_EHEADER);
	release(&m);

	/* text value size */
	expect(LIT(D CD("a") CRLF "12345" CRLF END), MP_OK);
	assert_int_equal(parse_lim(LIT(D CD("a") CRLF "1234" CRLF END), B, &lim, &m), MP_OK);
	release(&m);
	assert_int_equal(parse_lim(LIT(D CD("a") CRLF "12345" CRLF END), B, &lim, &m), MP_ETOOBIG);
	release(&m);

	/* file size and count */
	assert_int_equal(parse_lim(LIT(D CDF("f", "a") CRLF "12345678" CRLF END), B, &lim, &m),
	                 MP_OK);
	release(&m);
	assert_int_equal(parse_lim(LIT(D CDF("f", "a") CRLF "123456789" CRLF END), B, &lim, &m),
	                 MP_EFILETOOBIG);
	release(&m);
	static const char three[] = D CDF("f", "a") CRLF "1" CRLF D CDF("f", "b") CRLF
	    "2" CRLF D CDF("f", "c") CRLF "3" CRLF END;
	assert_int_equal(parse_lim(LIT(three), B, &lim, &m), MP_ETOOMANYFILES);
	release(&m);
	lim.max_files = 3;
	lim.max_fields = 0; /* files are not fields */
	assert_int_equal(parse_lim(LIT(three), B, &lim, &m), MP_OK);
	assert_int_equal(m.n_files, 3);
	assert_string_equal(multipart_file_nth(&m, "f", 2)->filename, "c");
	release(&m);

	/* many parts grow the internal arrays: 100 text fields and 100 files */
	size_t cap = 200 * 160, n = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(big + n, cap - n,
		                      i % 2 ? D CD("f%d") CRLF "v%d" CRLF
		                            : D CDF("g%d", "%d.txt") CRLF "file" CRLF,
		                      i, i);
	n += (size_t)snprintf(big + n, cap - n, END);
	lim = (multipart_limits){.max_fields = 100,
	                         .max_files = 100,
	                         .max_header = 256,
	                         .max_value = 16,
	                         .max_file_size = 16};
	assert_int_equal(parse_lim(big, n, B, &lim, &m), MP_OK);
	assert_int_equal(m.fields.n, 100);
	assert_int_equal(m.n_files, 100);
	assert_string_equal(form_get(&m.fields, "f199"), "v199");
	assert_string_equal(multipart_file_nth(&m, "g198", 0)->filename, "198.txt");
	release(&m);
	lim.max_fields = 99;
	assert_int_equal(parse_lim(big, n, B, &lim, &m), MP_ETOOMANY);
	release(&m);
	lim.max_fields = 100;
	lim.max_files = 99;
	assert_int_equal(parse_lim(big, n, B, &lim, &m), MP_ETOOMANYFILES);
	release(&m);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_boundary),
	    cmocka_unit_test(test_chromium_text_fields),
	    cmocka_unit_test(test_two_files_one_field),
	    cmocka_unit_test(test_empty_and_odd_files),
	    cmocka_unit_test(test_quoted_boundary),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_filenames),
	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
