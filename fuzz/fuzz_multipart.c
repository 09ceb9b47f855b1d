/* fuzz_multipart: libFuzzer target for the multipart/form-data parser (src/http/multipart.c).
 * The first byte chooses:
 *  - the boundary: bit 7 set, the next (bits 0-6 mod 72) bytes of the input, valid or not;
 *    else one of four fixed ones (Chromium's, one letter, quoted-only characters, 70 long);
 *  - bit 6: the rest is the body as is; clear, the rest is split at each 0xFF byte into
 *    parts, each framed by the target as "--B CRLF Content-Disposition: form-data; name="
 *    chunk CRLF and closed by "--B--", so that short runs reach the header and filename code;
 *  - bit 5: small limits (to reach every limit) or the defaults.
 * Checks: no read outside the body (it is an exact-size buffer), an error leaves nothing,
 * every result keeps the documented invariants and the limits, and a parsed form written
 * back as multipart (names and filenames escaped as Chromium does) parses to the same form.
 * The whole input also goes to multipart_boundary as a Content-Type: an accepted boundary
 * is 1-70 bchars and survives being quoted and parsed again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (256 << 10)

static const char *const fixed_boundaries[] = {
    "----WebKitFormBoundaryqZlXzKzYbGAhQ7Ea",
    "b",
    "a b:c'()+_,-./=?",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+.:/?",
};

static const multipart_limits small_limits = {
    .max_fields = 4, .max_files = 3, .max_header = 96, .max_value = 16, .max_file_size = 32};

static const multipart_limits roomy_limits = {.max_fields = SIZE_MAX,
                                              .max_files = SIZE_MAX,
                                              .max_header = 1 << 20,
                                              .max_value = SIZE_MAX,
                                              .max_file_size = SIZE_MAX};

/* Control characters other than (when tab_ok) HTAB, which header values may hold. */
static int has_ctl(const char *s, int tab_ok)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab_ok && *s == '\t')) || *s == 0x7f)
			return 1;
	return 0;
}

static void check_ok(const multipart *m, const char *body, size_t len, const multipart_limits *lim)
{
	const form *f = &m->fields;

	if (f->n > lim->max_fields || m->n_files > lim->max_files || (m->n_files && !m->files))
		abort();
	for (size_t i = 0; i < f->n; i++) {
		const form_pair *p = &f->pairs[i];
		size_t nl = strlen(p->name);
		if (nl == 0 || nl > FORM_MAX_NAME || has_ctl(p->name, 0) ||
		    p->value_len > lim->max_value || p->value[p->value_len] != '\0' ||
		    p->value_len > len)
			abort();
		if (form_get(f, p->name) == NULL)
			abort();
	}
	for (size_t i = 0; i < m->n_files; i++) {
		const multipart_file *mf = &m->files[i];
		size_t nl = strlen(mf->name), fl = strlen(mf->filename);
		if (nl == 0 || nl > FORM_MAX_NAME || has_ctl(mf->name, 0))
			abort();
		if (fl > MULTIPART_FILENAME_MAX || has_ctl(mf->filename, 0) ||
		    strchr(mf->filename, '/') || strchr(mf->filename, '\\') ||
		    strcmp(mf->filename, ".") == 0 || strcmp(mf->filename, "..") == 0 ||
		    u8_check((const uint8_t *)mf->filename, fl) != NULL)
			abort();
		if (fl == 0 && mf->len == 0)
			abort(); /* an empty file input must have been skipped */
		if (mf->content_type[0] == '\0' || has_ctl(mf->content_type, 1))
			abort();
		if (mf->len > lim->max_file_size || mf->data < body || mf->data > body + len ||
		    mf->len > (size_t)(body + len - mf->data))
			abort();
		if (multipart_file_nth(m, mf->name, 0) == NULL)
			abort();
	}
}

/* Append s[0..n) to the buffer at *o (the caller sized it). */
static void put(char **o, const char *s, size_t n)
{
	memcpy(*o, s, n);
	*o += n;
}

/* A name or filename in quotes as Chromium writes it ('"' as %22), '\' as the quoted-pair
 * "\\" so that the parser's curl-compatible escapes give it back. */
static void put_quoted(char **o, const char *s)
{
	put(o, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			put(o, "%22", 3);
		else if (*s == '\\')
			put(o, "\\\\", 2);
		else
			put(o, s, 1);
	}
	put(o, "\"", 1);
}

/* Would content hay, written after a CRLF, hold the delimiter CRLF "--" boundary? */
static int contains(const char *hay, size_t n, const char *delim)
{
	size_t dn = strlen(delim);
	return memmem(hay, n, delim, dn) != NULL ||
	       (n >= dn - 2 && memcmp(hay, delim + 2, dn - 2) == 0);
}

/* Write m back as a body and parse it again: the same fields and files must come out. */
static void check_roundtrip(const multipart *m)
{
	static const char b[] = "RoundTrip7MA4YWxkTrZu0gW";
	static const char delim[] = "\r\n--RoundTrip7MA4YWxkTrZu0gW";
	const form *f = &m->fields;
	size_t cap = 64, i;
	multipart again;
	char *body, *o;

	for (i = 0; i < f->n; i++) {
		if (contains(f->pairs[i].value, f->pairs[i].value_len, delim))
			return;
		cap += 128 + 3 * strlen(f->pairs[i].name) + f->pairs[i].value_len;
	}
	for (i = 0; i < m->n_files; i++) {
		const multipart_file *mf = &m->files[i];
		if (contains(mf->data, mf->len, delim))
			return;
		cap += 160 + 3 * strlen(mf->name) + 3 * strlen(mf->filename) +
		       strlen(mf->content_type) + mf->len;
	}
	body = malloc(cap);
	if (!body)
		return;
	o = body;
	for (i = 0; i < f->n; i++) {
		put(&o, "--", 2);
		put(&o, b, sizeof(b) - 1);
		put(&o, "\r\nContent-Disposition: form-data; name=", 39);
		put_quoted(&o, f->pairs[i].name);
		put(&o, "\r\n\r\n", 4);
		put(&o, f->pairs[i].value, f->pairs[i].value_len);
		put(&o, "\r\n", 2);
	}
	for (i = 0; i < m->n_files; i++) {
		const multipart_file *mf = &m->files[i];
		put(&o, "--", 2);
		put(&o, b, sizeof(b) - 1);
		put(&o, "\r\nContent-Disposition: form-data; name=", 39);
		put_quoted(&o, mf->name);
		put(&o, "; filename=", 11);
		put_quoted(&o, mf->filename);
		put(&o, "\r\nContent-Type: ", 16);
		put(&o, mf->content_type, strlen(mf->content_type));
		put(&o, "\r\n\r\n", 4);
		put(&o, mf->data, mf->len);
		put(&o, "\r\n", 2);
	}
	put(&o, "--", 2);
	put(&o, b, sizeof(b) - 1);
	put(&o, "--\r\n", 4);
	if ((size_t)(o - body) > cap)
		abort();
	if (multipart_parse(body, (size_t)(o - body), b, &roomy_limits, &again) != MP_OK)
		abort();
	if (again.fields.n != f->n || again.n_files != m->n_files)
		abort();
	for (i = 0; i < f->n; i++) {
		const form_pair *p = &f->pairs[i], *q = &again.fields.pairs[i];
		if (strcmp(p->name, q->name) || p->value_len != q->value_len ||
		    memcmp(p->value, q->value, p->value_len))
			abort();
	}
	for (i = 0; i < m->n_files; i++) {
		const multipart_file *x = &m->files[i], *y = &again.files[i];
		if (strcmp(x->name, y->name) || strcmp(x->filename, y->filename) ||
		    strcmp(x->content_type, y->content_type) || x->len != y->len ||
		    memcmp(x->data, y->data, x->len))
			abort();
	}
	multipart_release(&again);
	free(body);
}

static void check_boundary(const uint8_t *data, size_t size)
{
	char *ct = malloc(size + 1), b[MULTIPART_BOUNDARY_MAX + 1], b2[MULTIPART_BOUNDARY_MAX + 1];
	char quoted[MULTIPART_BOUNDARY_MAX + 40];
	size_t n;

	if (!ct)
		return;
	memcpy(ct, data, size);
	ct[size] = '\0';
	int rc = multipart_boundary(ct, b, sizeof(b));
	if (rc < MP_OK || rc > MP_ENOMEM)
		abort();
	if (rc == MP_OK) {
		n = strlen(b);
		if (n == 0 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
			abort();
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			            "'()+_,-./:=? ",
			            b[i]))
				abort();
		memcpy(quoted, "MULTIPART/form-data;boundary=\"", 30);
		memcpy(quoted + 30, b, n);
		memcpy(quoted + 30 + n, "\"", 2);
		if (multipart_boundary(quoted, b2, sizeof(b2)) != MP_OK || strcmp(b, b2) != 0)
			abort();
	}
	free(ct);
}

/* The structured body: each 0xFF-separated chunk of in becomes one part. */
static char *frame(const uint8_t *in, size_t n, const char *b, size_t *len)
{
	static const char cd[] = "Content-Disposition: form-data; name=";
	size_t blen = strlen(b), parts = 1;
	char *body, *o;

	for (size_t i = 0; i < n; i++)
		parts += in[i] == 0xFF;
	body = malloc(n + parts * (blen + sizeof(cd) + 8) + blen + 8);
	if (!body)
		return NULL;
	o = body;
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && in[i] != 0xFF)
			continue;
		put(&o, "--", 2);
		put(&o, b, blen);
		put(&o, "\r\n", 2);
		put(&o, cd, sizeof(cd) - 1);
		put(&o, (const char *)in + start, i - start);
		put(&o, "\r\n", 2);
		start = i + 1;
	}
	put(&o, "--", 2);
	put(&o, b, blen);
	put(&o, "--\r\n", 4);
	*len = (size_t)(o - body);
	return body;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char bbuf[MULTIPART_BOUNDARY_MAX + 2];
	const char *boundary;
	const multipart_limits *lim;
	multipart_limits defaults = multipart_default_limits();
	char *body;
	size_t len;
	multipart m;

	if (size == 0 || size > INPUT_MAX)
		return 0;
	check_boundary(data, size);

	uint8_t sel = data[0];
	data++;
	size--;
	if (sel & 0x80) {
		size_t bn = (size_t)(sel & 0x7f) % (MULTIPART_BOUNDARY_MAX + 2);
		if (bn > size)
			bn = size;
		memcpy(bbuf, data, bn);
		bbuf[bn] = '\0';
		boundary = bbuf;
		data += bn;
		size -= bn;
	} else {
		boundary = fixed_boundaries[sel & 3];
	}
	lim = (sel & 0x20) ? &small_limits : &defaults;
	if (sel & 0x40) {
		/* an exact-size copy, so that a read past the end is caught */
		body = malloc(size ? size : 1);
		if (!body)
			return 0;
		memcpy(body, data, size);
		len = size;
	} else {
		body = frame(data, size, boundary, &len);
		if (!body)
			return 0;
	}

	int rc = multipart_parse(body, len, boundary, lim, &m);
	if (rc < MP_OK || rc > MP_ENOMEM || strcmp(multipart_strerror(rc), "unknown error") == 0)
		abort();
	if (rc == MP_OK) {
		check_ok(&m, body, len, lim);
		check_roundtrip(&m);
	} else if (m.fields.n || m.fields.pairs || m.fields.storage || m.n_files || m.files ||
	           m.storage) {
		abort(); /* an error leaves nothing half-read */
	}
	multipart_release(&m);
	free(body);
	return 0;
}
