/* test_evidence_zip: the evidence package of an application, built with a CMS made here
 * (a self-signed certificate) and read back with libzip: the files under RECEIPT/, the
 * signed bytes unchanged, the certificate in chain.pem, the manifest's SHA-256 of each file,
 * attachment names made safe, and only RECEIPT.json and the manifest for an unsigned
 * application without a report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/evidence_zip.h"
#include "util/token.h"

static const char CONTENT[] = "{\"name\":\"見取 花子\",\"proc\":\"juminhyo\"}";
#include "cms_fixture.h"

static int make_cms(unsigned char **der)
{
	return make_cms_of(CONTENT, "evidence test", der);
}

/* The bytes of name in za (malloc'd, NUL-terminated) or NULL when absent. */
static char *read_entry(zip_t *za, const char *name, size_t *len)
{
	zip_stat_t st;
	if (zip_stat(za, name, 0, &st) < 0)
		return NULL;
	zip_file_t *f = zip_fopen(za, name, 0);
	char *p = calloc(1, (size_t)st.size + 1);
	assert_non_null(f);
	assert_int_equal(zip_fread(f, p, st.size), (zip_int64_t)st.size);
	zip_fclose(f);
	*len = (size_t)st.size;
	return p;
}

static zip_t *open_zip(const buf *b)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(b->data, b->len, 0, &err);
	zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
	assert_non_null(za);
	zip_error_fini(&err);
	return za;
}

/* The manifest line of path holds the SHA-256 of the entry's bytes. */
static void assert_listed(zip_t *za, const char *manifest, const char *path)
{
	char name[300], sha[65], line[400];
	size_t len = 0;
	snprintf(name, sizeof(name), "2026-000123/%s", path);
	char *p = read_entry(za, name, &len);
	assert_non_null(p);
	token_sha256_hex(p, len, sha);
	snprintf(line, sizeof(line), "%s  %s\n", sha, path);
	assert_non_null(strstr(manifest, line));
	free(p);
}

static void fill(store_application *ap, unsigned char *der, int n)
{
	memset(ap, 0, sizeof(*ap));
	snprintf(ap->receipt, sizeof(ap->receipt), "2026-000123");
	ap->content = (char *)CONTENT;
	ap->signature = (char *)der;
	ap->signature_len = der ? (size_t)n : 0;
	ap->verification = (char *)"{\"result\":\"valid\"}";
}

static void test_signed_package(void **state)
{
	unsigned char *der;
	int n = make_cms(&der);
	store_application ap;
	store_attachment meta = {.id = 7, .filename = "../../etc/passwd"};
	evidence_att att = {&meta, "PDF bytes", 9};
	buf b;
	fill(&ap, der, n);
	ap.ocsp_response = (char *)"OCSP DER";
	ap.ocsp_response_len = 8;
	store_timestamp ts = {.token = (char *)"TSR DER", .token_len = 7};
	buf_init(&b, 0);
	assert_int_equal(evidence_zip_build(&ap, &att, 1, &ts, &b), 0);
	zip_t *za = open_zip(&b);
	assert_int_equal(zip_get_num_entries(za, 0), 8);
	size_t len = 0;
	char *manifest = read_entry(za, "2026-000123/MANIFEST.txt", &len);
	assert_non_null(manifest);
	const char *paths[] = {"RECEIPT.json",
	                       "RECEIPT.p7s",
	                       "chain.pem",
	                       "verification.json",
	                       "ocsp.der",
	                       "timestamp.tsr",
	                       "attachments/7-___.__etc_passwd"};
	for (size_t i = 0; i < 7; i++)
		assert_listed(za, manifest, paths[i]);
	char *tsr = read_entry(za, "2026-000123/timestamp.tsr", &len);
	assert_int_equal(len, 7);
	assert_memory_equal(tsr, "TSR DER", 7);
	free(tsr);
	char *json = read_entry(za, "2026-000123/RECEIPT.json", &len);
	assert_int_equal(len, strlen(CONTENT));
	assert_memory_equal(json, CONTENT, len);
	char *chain = read_entry(za, "2026-000123/chain.pem", &len);
	assert_non_null(strstr(chain, "-----BEGIN CERTIFICATE-----"));
	free(json);
	free(chain);
	free(manifest);
	zip_close(za);
	buf_release(&b);
	OPENSSL_free(der);
}

static void test_unsigned_package(void **state)
{
	store_application ap;
	buf b;
	size_t len = 0;
	fill(&ap, NULL, 0);
	ap.verification = NULL;
	buf_init(&b, 0);
	store_timestamp pending = {.id = 1}; /* queued, no token yet: no file */
	assert_int_equal(evidence_zip_build(&ap, NULL, 0, &pending, &b), 0);
	zip_t *za = open_zip(&b);
	assert_int_equal(zip_get_num_entries(za, 0), 2); /* RECEIPT.json, MANIFEST.txt */
	assert_null(read_entry(za, "2026-000123/RECEIPT.p7s", &len));
	assert_null(read_entry(za, "2026-000123/chain.pem", &len));
	zip_close(za);
	buf_release(&b);
}

static void test_bad_cms_refused(void **state)
{
	store_application ap;
	buf b;
	fill(&ap, (unsigned char *)"not a CMS", 9);
	buf_init(&b, 0);
	assert_int_equal(evidence_zip_build(&ap, NULL, 0, NULL, &b), -1);
	buf_release(&b);
}

/* Several applications in one archive: a folder each, the data copied (the application's
 * buffers may go once added); an empty archive is refused. */
static void test_several(void **state)
{
	unsigned char *der;
	int n = make_cms(&der);
	store_application ap;
	buf b;
	size_t len = 0;
	evidence_zip *z = evidence_zip_new();
	assert_non_null(z);
	char *content = strdup(CONTENT);
	fill(&ap, der, n);
	ap.content = content;
	assert_int_equal(evidence_zip_add(z, &ap, NULL, 0, NULL), 0);
	memset(content, 'x', strlen(content)); /* released by the caller */
	free(content);
	fill(&ap, NULL, 0);
	snprintf(ap.receipt, sizeof(ap.receipt), "2026-000124");
	assert_int_equal(evidence_zip_add(z, &ap, NULL, 0, NULL), 0);
	buf_init(&b, 0);
	assert_int_equal(evidence_zip_finish(z, &b), 0);
	zip_t *za = open_zip(&b);
	assert_int_equal(zip_get_num_entries(za, 0), 5 + 3);
	char *json = read_entry(za, "2026-000123/RECEIPT.json", &len);
	assert_memory_equal(json, CONTENT, strlen(CONTENT));
	free(json);
	char *manifest = read_entry(za, "2026-000124/MANIFEST.txt", &len);
	assert_non_null(manifest);
	assert_null(strstr(manifest, "RECEIPT.p7s"));
	free(manifest);
	zip_close(za);
	buf_release(&b);
	OPENSSL_free(der);
	buf_init(&b, 0);
	assert_int_equal(evidence_zip_finish(evidence_zip_new(), &b), -1);
	buf_release(&b);
}

static void test_safe_names(void **state)
{
	char out[32];
	evidence_safe_name("a/b\\c\x01.txt", out, sizeof(out));
	assert_string_equal(out, "a_b_c_.txt");
	evidence_safe_name("..", out, sizeof(out));
	assert_string_equal(out, "__");
	evidence_safe_name("", out, sizeof(out));
	assert_string_equal(out, "_");
	evidence_safe_name("住民票.pdf", out, sizeof(out));
	assert_string_equal(out, "住民票.pdf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed_package),  cmocka_unit_test(test_unsigned_package),
	    cmocka_unit_test(test_bad_cms_refused), cmocka_unit_test(test_several),
	    cmocka_unit_test(test_safe_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
