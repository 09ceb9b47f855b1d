/* evidence_zip: the evidence package of one application (see evidence_zip.h), built in
 * memory with libzip; the certificates come out of the CMS with OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/evidence_zip.h"
#include "util/token.h"

void evidence_safe_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; name[i] && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)name[i];
		int bad = c < 0x20 || c == 0x7f || c == '/' || c == '\\' ||
		          (c == '.' && (i == 0 || name[i - 1] == '.'));
		out[o++] = bad ? '_' : (char)c;
	}
	if (o == 0 && outlen > 1)
		out[o++] = '_';
	out[o] = '\0';
}

/* Every certificate of the DER CMS der as PEM appended to pem: 0, or -1. */
static int chain_pem(const void *der, size_t len, buf *pem)
{
	BIO *in = BIO_new_mem_buf(der, (int)len), *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = in ? d2i_CMS_bio(in, NULL) : NULL;
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
	int bad = !cms || !out;
	for (int i = 0; !bad && certs && i < sk_X509_num(certs); i++)
		bad = PEM_write_bio_X509(out, sk_X509_value(certs, i)) != 1;
	char *p = NULL;
	long n = out ? BIO_get_mem_data(out, &p) : 0;
	if (!bad && n > 0)
		bad = buf_append(pem, p, (size_t)n) < 0;
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	ERR_clear_error();
	return bad ? -1 : 0;
}

/* Adds a copy of data as name to za (freed by libzip): 0, or -1. */
static int add_copy(zip_t *za, const char *name, const void *data, size_t len)
{
	void *copy = malloc(len ? len : 1);
	if (copy && len)
		memcpy(copy, data, len);
	zip_source_t *src = copy ? zip_source_buffer(za, copy, len, 1) : NULL;
	if (!src) {
		free(copy);
		return -1;
	}
	if (zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		return -1;
	}
	return 0;
}

/* Adds data as DIR/path to za and its line to the manifest: 0, or -1. */
static int add(zip_t *za, const char *dir, const char *path, const void *data, size_t len,
               buf *manifest)
{
	char name[STORE_RECEIPT_MAX + STORE_FILENAME_MAX + 64], sha[65];
	snprintf(name, sizeof(name), "%s/%s", dir, path);
	token_sha256_hex(data ? data : "", len, sha);
	if (add_copy(za, name, data ? data : "", len) < 0)
		return -1;
	return buf_printf(manifest, "%s  %s\n", sha, path);
}

/* The files of the package into za (the buffers stay alive until zip_close): 0, or -1. */
static int add_all(zip_t *za, const store_application *ap, const evidence_att *att, size_t n,
                   const store_timestamp *ts, buf *pem, buf *manifest)
{
	const char *d = ap->receipt;
	int bad = add(za, d, "RECEIPT.json", ap->content, strlen(ap->content), manifest);
	if (!bad && ap->signature_len > 0) {
		bad = add(za, d, "RECEIPT.p7s", ap->signature, ap->signature_len, manifest) ||
		      chain_pem(ap->signature, ap->signature_len, pem) ||
		      add(za, d, "chain.pem", pem->data, pem->len, manifest);
	}
	if (!bad && ap->verification)
		bad = add(za, d, "verification.json", ap->verification, strlen(ap->verification),
		          manifest);
	if (!bad && ap->ocsp_response_len > 0) /* the revocation evidence at arrival */
		bad = add(za, d, "ocsp.der", ap->ocsp_response, ap->ocsp_response_len, manifest);
	if (!bad && ts && ts->token_len > 0) /* CAdES-T: the token over the signature value */
		bad = add(za, d, "timestamp.tsr", ts->token, ts->token_len, manifest);
	for (size_t i = 0; !bad && i < n; i++) {
		char safe[STORE_FILENAME_MAX + 1], path[STORE_FILENAME_MAX + 48];
		evidence_safe_name(att[i].meta->filename, safe, sizeof(safe));
		snprintf(path, sizeof(path), "attachments/%lld-%s", att[i].meta->id, safe);
		bad = add(za, d, path, att[i].data, att[i].len, manifest);
	}
	if (!bad && !manifest->failed) {
		char name[STORE_RECEIPT_MAX + 16];
		snprintf(name, sizeof(name), "%s/MANIFEST.txt", d);
		bad = add_copy(za, name, manifest->data ? manifest->data : "", manifest->len);
	}
	return bad || manifest->failed ? -1 : 0;
}

/* The bytes of the closed archive's source src appended to out: 0, or -1. */
static int read_back(zip_source_t *src, buf *out)
{
	char chunk[16384];
	zip_int64_t k;
	int bad = zip_source_open(src) < 0;
	if (bad)
		return -1;
	while ((k = zip_source_read(src, chunk, sizeof(chunk))) > 0)
		bad |= buf_append(out, chunk, (size_t)k) < 0;
	zip_source_close(src);
	return bad || k < 0 ? -1 : 0;
}

struct evidence_zip {
	zip_source_t *src;
	zip_t *za;
	size_t added;
};

evidence_zip *evidence_zip_new(void)
{
	zip_error_t err;
	evidence_zip *z = calloc(1, sizeof(*z));
	zip_error_init(&err);
	if (z && (z->src = zip_source_buffer_create(NULL, 0, 0, &err)) &&
	    (z->za = zip_open_from_source(z->src, ZIP_TRUNCATE, &err)))
		zip_source_keep(z->src); /* read back after zip_close */
	zip_error_fini(&err);
	if (z && !z->za) {
		zip_source_free(z->src);
		free(z);
		z = NULL;
	}
	return z;
}

int evidence_zip_add(evidence_zip *z, const store_application *ap, const evidence_att *att,
                     size_t n, const store_timestamp *ts)
{
	buf pem, manifest;
	buf_init(&pem, 0);
	buf_init(&manifest, 0);
	int rc = add_all(z->za, ap, att, n, ts, &pem, &manifest);
	buf_release(&pem);
	buf_release(&manifest);
	z->added += rc == 0;
	return rc;
}

int evidence_zip_finish(evidence_zip *z, buf *out)
{
	int rc = -1;
	if (z->added > 0 && zip_close(z->za) == 0) {
		z->za = NULL;
		rc = read_back(z->src, out);
	}
	evidence_zip_free(z);
	return rc;
}

void evidence_zip_free(evidence_zip *z)
{
	if (!z)
		return;
	if (z->za)
		zip_discard(z->za);
	zip_source_free(z->src);
	free(z);
}

int evidence_zip_build(const store_application *ap, const evidence_att *att, size_t n,
                       const store_timestamp *ts, buf *out)
{
	evidence_zip *z = evidence_zip_new();
	if (!z || evidence_zip_add(z, ap, att, n, ts) < 0) {
		evidence_zip_free(z);
		return -1;
	}
	return evidence_zip_finish(z, out);
}
