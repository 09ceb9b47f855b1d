/* multipart: bounded multipart/form-data parser (see multipart.h). One pass over the body
 * finds the delimiters and checks each part's headers, decoding names, filenames and content
 * types into one growing buffer; a second step copies the text fields into a `form` and
 * points the files at their bytes in the body. */
#include "http/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

const char *multipart_strerror(int err)
{
	switch (err) {
	case MP_OK:
		return "ok";
	case MP_ETYPE:
		return "not multipart/form-data";
	case MP_EBOUNDARY:
		return "missing or invalid boundary";
	case MP_ESYNTAX:
		return "missing opening or closing boundary";
	case MP_EHEADER:
		return "bad or over-long part headers";
	case MP_ENAME:
		return "bad field name";
	case MP_EFILENAME:
		return "bad file name";
	case MP_ETOOMANY:
		return "too many fields";
	case MP_ETOOMANYFILES:
		return "too many files";
	case MP_ETOOBIG:
		return "text value too long";
	case MP_EFILETOOBIG:
		return "file too large";
	case MP_ENOMEM:
		return "out of memory";
	}
	return "unknown error";
}

multipart_limits multipart_default_limits(void)
{
	multipart_limits l = {
	    .max_fields = 200,
	    .max_files = 10,
	    .max_header = 2048,
	    .max_value = 64 << 10,
	    .max_file_size = 10 << 20,
	};
	return l;
}

static const char default_file_type[] = "application/octet-stream";

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bcharsnospace. */
static int is_bchar_nospace(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) equals the lower-case ASCII literal lit, ignoring ASCII case. */
static int ci_eq(const char *s, size_t n, const char *lit)
{
	size_t i;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (lit[i] == '\0' || c != lit[i])
			return 0;
	}
	return lit[i] == '\0';
}

static int boundary_valid(const char *b, size_t n)
{
	if (n == 0 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b[i] != ' ' && !is_bchar_nospace((unsigned char)b[i]))
			return 0;
	return 1;
}

/* A parameter value of a Content-Type header: a quoted-string (RFC 7230 quoted-pairs) or a
 * run of token or bchar bytes. On success *p is past it and the decoded value is in out
 * (at most outlen - 1 bytes, else *toolong). Returns 0 or -1 on a syntax error. */
static int ct_param_value(const char **pp, char *out, size_t outlen, size_t *n, int *toolong)
{
	const char *p = *pp;
	size_t o = 0;

	*toolong = 0;
	if (*p == '"') {
		for (p++;; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '\0')
				return -1;
			if (c == '"')
				break;
			if (c == '\\') {
				c = (unsigned char)*++p;
				if (c == '\0' || (is_ctl(c) && c != '\t'))
					return -1;
			} else if (is_ctl(c) && c != '\t') {
				return -1;
			}
			if (o + 1 < outlen)
				out[o++] = (char)c;
			else
				*toolong = 1;
		}
		p++;
	} else {
		for (; is_tchar((unsigned char)*p) || is_bchar_nospace((unsigned char)*p); p++) {
			if (o + 1 < outlen)
				out[o++] = *p;
			else
				*toolong = 1;
		}
		if (p == *pp)
			return -1;
	}
	if (outlen)
		out[o] = '\0';
	*n = o;
	*pp = p;
	return 0;
}

int multipart_boundary(const char *content_type, char *out, size_t outlen)
{
	const char *p = content_type, *t;
	char scratch[MULTIPART_BOUNDARY_MAX + 2];
	int seen = 0, rc = MP_ETYPE;
	size_t n;

	if (!p)
		goto out;
	while (is_ows(*p))
		p++;
	for (t = p; is_tchar((unsigned char)*p); p++)
		;
	if (!ci_eq(t, (size_t)(p - t), "multipart") || *p++ != '/')
		goto out;
	for (t = p; is_tchar((unsigned char)*p); p++)
		;
	if (!ci_eq(t, (size_t)(p - t), "form-data"))
		goto out;
	rc = MP_EBOUNDARY;
	for (;;) {
		int toolong;
		while (is_ows(*p))
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ';')
			goto out;
		while (is_ows(*p))
			p++;
		if (*p == '\0' || *p == ';')
			continue;
		for (t = p; is_tchar((unsigned char)*p); p++)
			;
		if (p == t || *p != '=')
			goto out;
		int is_b = ci_eq(t, (size_t)(p - t), "boundary");
		p++;
		/* values of other parameters go to the scratch buffer and are dropped */
		if (ct_param_value(&p, scratch, sizeof(scratch), &n, &toolong) < 0)
			goto out;
		if (!is_b)
			continue;
		if (seen++ || toolong || !boundary_valid(scratch, n) || n + 1 > outlen)
			goto out;
		memcpy(out, scratch, n + 1);
	}
	if (seen)
		rc = MP_OK;
out:
	if (rc != MP_OK && outlen)
		out[0] = '\0';
	return rc;
}

/* ---- the body ---- */

enum { NOT_DELIM = 0, DELIM_LINE, DELIM_CLOSE };

/* p is just after "--boundary": is this a delimiter line (transport padding, CRLF), the
 * close delimiter ("--", padding, then CRLF or the end), or content? *next is set past the
 * CRLF of a line, past the padding of a close delimiter. */
static int after_boundary(const char *p, const char *end, const char **next)
{
	int kind = DELIM_LINE;

	if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
		kind = DELIM_CLOSE;
		p += 2;
	}
	while (p < end && is_ows(*p))
		p++;
	if (kind == DELIM_CLOSE && p == end) {
		*next = p;
		return kind;
	}
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		*next = p + 2;
		return kind;
	}
	return NOT_DELIM;
}

/* The next delimiter (CRLF "--" boundary) at or after from, or NULL. */
static const char *find_delim(const char *from, const char *end, const char *delim, size_t dlen,
                              int *kind, const char **next)
{
	while ((size_t)(end - from) >= dlen) {
		const char *m = memmem(from, (size_t)(end - from), delim, dlen);
		if (!m)
			return NULL;
		if ((*kind = after_boundary(m + dlen, end, next)) != NOT_DELIM)
			return m;
		from = m + 1;
	}
	return NULL;
}

/* Growing buffer of the decoded names, filenames and content types. */
typedef struct strbuf {
	char *p;
	size_t len, cap;
} strbuf;

static int sb_reserve(strbuf *b, size_t n)
{
	if (b->cap - b->len > n)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* One kept part: offsets into the strbuf, the content in the body. */
typedef struct part_rec {
	size_t name, filename, ctype; /* filename == SIZE_MAX for a text field */
	const char *data;
	size_t len;
} part_rec;

typedef struct span {
	const char *s;
	size_t n;
	int quoted;
} span;

/* Decode a Content-Disposition parameter value into out (never longer than the raw value):
 * inside quotes \" and \\ are escapes, any other backslash is itself; "%22" is '"'. */
static size_t cd_decode(const span *v, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < v->n; i++) {
		char c = v->s[i];
		if (v->quoted && c == '\\' && i + 1 < v->n &&
		    (v->s[i + 1] == '"' || v->s[i + 1] == '\\'))
			c = v->s[++i];
		else if (c == '%' && i + 2 < v->n && v->s[i + 1] == '2' && v->s[i + 2] == '2')
			c = '"', i += 2;
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

/* Content-Disposition value [p, end) (control characters already refused). */
static int parse_disposition(const char *p, const char *end, span *name, span *filename)
{
	const char *t;

	for (t = p; p < end && is_tchar((unsigned char)*p); p++)
		;
	if (!ci_eq(t, (size_t)(p - t), "form-data"))
		return MP_EHEADER;
	for (;;) {
		span v = {NULL, 0, 0};
		while (p < end && is_ows(*p))
			p++;
		if (p == end)
			break;
		if (*p++ != ';')
			return MP_EHEADER;
		while (p < end && is_ows(*p))
			p++;
		if (p == end || *p == ';')
			continue;
		for (t = p; p < end && is_tchar((unsigned char)*p); p++)
			;
		size_t tn = (size_t)(p - t);
		if (tn == 0 || p == end || *p++ != '=')
			return MP_EHEADER;
		if (p < end && *p == '"') {
			v.s = ++p;
			v.quoted = 1;
			for (; p < end && *p != '"'; p++)
				if (*p == '\\' && end - p >= 2 && (p[1] == '"' || p[1] == '\\'))
					p++;
			if (p == end)
				return MP_EHEADER;
			v.n = (size_t)(p++ - v.s);
		} else {
			for (v.s = p; p < end && !is_ows(*p) && *p != ';' && *p != '"'; p++)
				;
			v.n = (size_t)(p - v.s);
			if (v.n == 0)
				return MP_EHEADER;
		}
		span *dst = ci_eq(t, tn, "name")       ? name
		            : ci_eq(t, tn, "filename") ? filename
		                                       : NULL;
		if (!dst)
			continue; /* filename* and others */
		if (dst->s)
			return MP_EHEADER;
		*dst = v;
	}
	return name->s ? MP_OK : MP_EHEADER;
}

/* Bidirectional controls: in a file name they show "gpj.exe" as "exe.jpg" (U+202E) to the
 * staff who open it, so no file name may hold one. */
static int is_bidi_control(uint32_t c)
{
	return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* Check the filename decoded at s (n bytes): UTF-8 without C0 or C1 controls, DEL or
 * bidirectional controls; and keep its base name, moved to s. */
static int filename_clean(char *s, size_t *n)
{
	size_t base = 0;

	if (!utf8_valid(s, *n))
		return MP_EFILENAME;
	for (size_t i = 0; i < *n;) {
		uint32_t c = utf8_next(s, *n, &i);
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || is_bidi_control(c))
			return MP_EFILENAME;
		if (c == '/' || c == '\\')
			base = i; /* just after the separator */
	}
	*n -= base;
	memmove(s, s + base, *n + 1);
	if (*n > MULTIPART_FILENAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return MP_EFILENAME;
	return MP_OK;
}

typedef struct parse_state {
	const multipart_limits *lim;
	strbuf sb;
	part_rec *recs;
	size_t nrecs, caprecs, nfiles, nfields, ntext, text_bytes;
} parse_state;

/* Append the decoded value v to the strbuf; *off is where it starts. */
static int sb_add_decoded(strbuf *sb, const span *v, size_t *off, size_t *n)
{
	if (sb_reserve(sb, v->n + 1) < 0)
		return MP_ENOMEM;
	*off = sb->len;
	*n = cd_decode(v, sb->p + sb->len);
	sb->len += *n + 1;
	return MP_OK;
}

/* The headers of one part that matter, as read so far. */
typedef struct part_hdrs {
	span name, filename;
	const char *ct; /* Content-Type value, ctn bytes */
	size_t ctn;
	int have_cd, have_ct, have_cte;
} part_hdrs;

/* One header line [ls, le) (not empty, CRLF excluded): a token name, a colon, a value without
 * controls but tabs. Content-Disposition, Content-Type and Content-Transfer-Encoding are kept
 * in h (each at most once); other headers are ignored. */
static int part_header(part_hdrs *h, const char *ls, const char *le)
{
	const char *colon, *v, *ve;

	if (is_ows(*ls) || !(colon = memchr(ls, ':', (size_t)(le - ls))) || colon == ls)
		return MP_EHEADER; /* folding, or no name */
	for (const char *q = ls; q < colon; q++)
		if (!is_tchar((unsigned char)*q))
			return MP_EHEADER;
	for (v = colon + 1; v < le && is_ows(*v); v++)
		;
	for (ve = le; ve > v && is_ows(ve[-1]); ve--)
		;
	for (const char *q = v; q < ve; q++)
		if (is_ctl((unsigned char)*q) && *q != '\t')
			return MP_EHEADER;
	size_t hn = (size_t)(colon - ls), vn = (size_t)(ve - v);
	if (ci_eq(ls, hn, "content-disposition")) {
		if (h->have_cd++ || parse_disposition(v, ve, &h->name, &h->filename) != MP_OK)
			return MP_EHEADER;
	} else if (ci_eq(ls, hn, "content-type")) {
		if (h->have_ct++)
			return MP_EHEADER;
		h->ct = v;
		h->ctn = vn;
	} else if (ci_eq(ls, hn, "content-transfer-encoding")) {
		if (h->have_cte++ ||
		    !(ci_eq(v, vn, "binary") || ci_eq(v, vn, "8bit") || ci_eq(v, vn, "7bit")))
			return MP_EHEADER;
	}
	return MP_OK;
}

/* The header lines of the part [ps, pe), CRLF-terminated, up to the empty line, all within
 * the first lim->max_header bytes; a Content-Disposition is required. *content is set to
 * the start of the content. */
static int part_headers(const multipart_limits *lim, const char *ps, const char *pe, part_hdrs *h,
                        const char **content)
{
	const char *hl = (size_t)(pe - ps) > lim->max_header ? ps + lim->max_header : pe;
	const char *ls = ps;
	int rc;

	for (;;) {
		const char *le;
		if (ls == pe) { /* "headers CRLF" and then the delimiter: no content */
			*content = pe;
			break;
		}
		for (le = ls; le < hl && *le != '\r' && *le != '\n'; le++)
			;
		if (hl - le < 2 || le[0] != '\r' || le[1] != '\n')
			return MP_EHEADER; /* over the limit, unterminated, or a bare CR or LF */
		if (le == ls) {
			*content = le + 2;
			break;
		}
		if ((rc = part_header(h, ls, le)) != MP_OK)
			return rc;
		ls = le + 2;
	}
	return h->have_cd ? MP_OK : MP_EHEADER;
}

/* Keep the record r of a part. */
static int add_rec(parse_state *st, const part_rec *r)
{
	if (st->nrecs == st->caprecs) {
		size_t cap = st->caprecs ? st->caprecs * 2 : 8;
		part_rec *nr = realloc(st->recs, cap * sizeof(*nr));
		if (!nr)
			return MP_ENOMEM;
		st->recs = nr;
		st->caprecs = cap;
	}
	st->recs[st->nrecs++] = *r;
	return MP_OK;
}

/* A text field whose name (namelen bytes) is already in the strbuf. */
static int add_text(parse_state *st, part_rec *r, size_t namelen)
{
	if (++st->nfields > st->lim->max_fields)
		return MP_ETOOMANY;
	if (r->len > st->lim->max_value)
		return MP_ETOOBIG;
	r->filename = SIZE_MAX;
	st->ntext++;
	st->text_bytes += namelen + 1 + r->len + 1;
	return add_rec(st, r);
}

/* A file whose name is already in the strbuf (which held sb_mark bytes before it): its
 * file name and content type join it there. */
static int add_file(parse_state *st, const part_hdrs *h, part_rec *r, size_t sb_mark)
{
	const multipart_limits *lim = st->lim;
	const char *ct = h->ct;
	size_t ctn = h->ctn, n;
	int rc;

	if ((rc = sb_add_decoded(&st->sb, &h->filename, &r->filename, &n)) != MP_OK)
		return rc;
	if ((rc = filename_clean(st->sb.p + r->filename, &n)) != MP_OK)
		return rc;
	st->sb.len = r->filename + n + 1;
	if (n == 0 && r->len == 0) { /* a file input left empty: counts as a field */
		st->sb.len = sb_mark;
		return ++st->nfields > lim->max_fields ? MP_ETOOMANY : MP_OK;
	}
	if (st->nfiles >= lim->max_files)
		return MP_ETOOMANYFILES;
	if (r->len > lim->max_file_size)
		return MP_EFILETOOBIG;
	if (ctn == 0) {
		ct = default_file_type;
		ctn = sizeof(default_file_type) - 1;
	}
	if (sb_reserve(&st->sb, ctn + 1) < 0)
		return MP_ENOMEM;
	r->ctype = st->sb.len;
	memcpy(st->sb.p + st->sb.len, ct, ctn);
	st->sb.p[st->sb.len + ctn] = '\0';
	st->sb.len += ctn + 1;
	st->nfiles++;
	return add_rec(st, r);
}

/* One body part [ps, pe): headers, then content. */
static int parse_part(parse_state *st, const char *ps, const char *pe)
{
	part_hdrs h;
	const char *content = NULL;
	size_t sb_mark = st->sb.len, n;
	part_rec r;
	int rc;

	memset(&h, 0, sizeof(h));
	if ((rc = part_headers(st->lim, ps, pe, &h, &content)) != MP_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	r.data = content;
	r.len = (size_t)(pe - content);
	if ((rc = sb_add_decoded(&st->sb, &h.name, &r.name, &n)) != MP_OK)
		return rc;
	const char *nm = st->sb.p + r.name;
	if (n == 0 || n > FORM_MAX_NAME)
		return MP_ENAME;
	for (size_t i = 0; i < n; i++)
		if (is_ctl((unsigned char)nm[i]))
			return MP_ENAME;
	return h.filename.s ? add_file(st, &h, &r, sb_mark) : add_text(st, &r, n);
}

/* Copy the text fields into out->fields and point the files into the body. */
static int build(parse_state *st, multipart *out)
{
	form *f = &out->fields;
	size_t fi = 0;
	char *o;

	if (st->ntext) {
		f->pairs = calloc(st->ntext, sizeof(*f->pairs));
		f->storage = malloc(st->text_bytes);
		if (!f->pairs || !f->storage)
			return MP_ENOMEM;
	}
	if (st->nfiles && !(out->files = calloc(st->nfiles, sizeof(*out->files))))
		return MP_ENOMEM;
	o = f->storage;
	for (size_t i = 0; i < st->nrecs; i++) {
		const part_rec *r = &st->recs[i];
		const char *name = st->sb.p + r->name;
		if (r->filename == SIZE_MAX) {
			form_pair *fp = &f->pairs[f->n++];
			size_t nl = strlen(name);
			fp->name = memcpy(o, name, nl + 1);
			o += nl + 1;
			fp->value = o;
			fp->value_len = r->len;
			if (r->len)
				memcpy(o, r->data, r->len);
			o[r->len] = '\0';
			o += r->len + 1;
		} else {
			multipart_file *mf = &out->files[fi++];
			mf->name = name;
			mf->filename = st->sb.p + r->filename;
			mf->content_type = st->sb.p + r->ctype;
			mf->data = r->data;
			mf->len = r->len;
		}
	}
	out->n_files = fi;
	out->storage = st->sb.p;
	st->sb.p = NULL;
	return MP_OK;
}

int multipart_parse(const char *body, size_t len, const char *boundary, const multipart_limits *lim,
                    multipart *out)
{
	char delim[4 + MULTIPART_BOUNDARY_MAX];
	const char *end, *p, *next = NULL;
	size_t blen, dlen;
	multipart_limits defaults = multipart_default_limits();
	parse_state st;
	int kind = NOT_DELIM, rc;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.lim = lim ? lim : &defaults;
	if (!boundary)
		return MP_EBOUNDARY;
	blen = strnlen(boundary, MULTIPART_BOUNDARY_MAX + 1);
	if (!boundary_valid(boundary, blen))
		return MP_EBOUNDARY;
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, blen);
	dlen = 4 + blen;
	if (!body || len < dlen - 2)
		return MP_ESYNTAX;
	end = body + len;

	/* the first delimiter: at the very start, or after a preamble and its CRLF */
	if (memcmp(body, delim + 2, dlen - 2) == 0)
		kind = after_boundary(body + dlen - 2, end, &next);
	if (kind == NOT_DELIM) {
		/* after a preamble the first delimiter must open a part: a close there would
		 * turn a body with a wrong opening into an empty form */
		if (!find_delim(body, end, delim, dlen, &kind, &next) || kind != DELIM_LINE)
			return MP_ESYNTAX;
	}
	p = next;
	while (kind == DELIM_LINE) {
		const char *m = find_delim(p, end, delim, dlen, &kind, &next);
		if (!m) {
			rc = MP_ESYNTAX;
			goto out;
		}
		if ((rc = parse_part(&st, p, m)) != MP_OK)
			goto out;
		p = next;
	}
	/* whatever follows the close delimiter's CRLF is the epilogue */
	rc = build(&st, out);
out:
	if (rc != MP_OK)
		multipart_release(out); /* nothing half-read */
	free(st.recs);
	free(st.sb.p);
	return rc;
}

void multipart_release(multipart *m)
{
	form_release(&m->fields);
	free(m->files);
	free(m->storage);
	memset(m, 0, sizeof(*m));
}

const multipart_file *multipart_file_nth(const multipart *m, const char *name, size_t nth)
{
	for (size_t i = 0; i < m->n_files; i++)
		if (strcmp(m->files[i].name, name) == 0 && nth-- == 0)
			return &m->files[i];
	return NULL;
}
