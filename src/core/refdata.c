/* refdata: loads the bank, branch and postal TSV files made by scripts/import-refdata.mjs
 * into memory and answers lookups with binary searches. Each file is read whole into one
 * buffer that its fields point into (TABs and LFs become NULs), plus one array of rows sorted
 * by key. Nothing is written after refdata_load, so lookups need no locks. */
#include "core/refdata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/file.h"
#include "util/utf8.h"

/* A line of a TSV file: its key (4 digits for a bank, bank and branch as 7 digits for a
 * branch, 5 or 7 digits for a postal code) and its text fields (name, kana; or prefecture,
 * city, town), pointing into the file's buffer. */
typedef struct {
	char key[8];
	const char *f[3];
} row;

typedef struct {
	char *text; /* the whole file, NUL-terminated fields */
	row *rows;
	size_t n;
} table;

struct refdata {
	table banks, branches, postal;
	char version[256];
};

enum kind { K_BANK, K_BRANCH, K_POSTAL };

static const struct {
	const char *file;
	int nfields;
} kinds[] = {
    [K_BANK] = {"banks.tsv", 3},
    [K_BRANCH] = {"branches.tsv", 4},
    [K_POSTAL] = {"postal.tsv", 4},
};

const char *refdata_strerror(int err)
{
	switch (err) {
	case REFDATA_OK:
		return "ok";
	case REFDATA_ENOENT:
		return "reference data not found";
	case REFDATA_EIO:
		return "reference data could not be read";
	case REFDATA_EFORMAT:
		return "malformed reference data";
	case REFDATA_ENOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* Reads path whole into a malloc'd buffer with a NUL after its len bytes. */
static int read_file(const char *path, size_t max, char **out, size_t *outlen, char *err,
                     size_t errlen)
{
	*out = NULL;
	if (file_read_all(path, max, out, outlen, NULL) == 0)
		return REFDATA_OK;
	switch (errno) {
	case ENOENT:
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return REFDATA_ENOENT;
	case EINVAL:
		errbuf_set(err, errlen, "%s: not a readable file", path);
		return REFDATA_EIO;
	case EFBIG:
		errbuf_set(err, errlen, "%s: larger than %zu bytes", path, max);
		return REFDATA_EFORMAT;
	case ENOMEM:
		errbuf_set(err, errlen, "%s: out of memory", path);
		return REFDATA_ENOMEM;
	default:
		errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return REFDATA_EIO;
	}
}

/* s is exactly n ASCII digits. */
static int digits(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[n] == '\0';
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const row *)elem)->key);
}

/* The first row whose key is not below key (t->n if none). */
static size_t lower_bound(const table *t, const char *key)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->rows[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Splits text (len bytes, NUL after them) into rows of t; checks each line. banks is the
 * loaded bank table when parsing branches (each branch's bank must exist), else NULL. */
/* Checks the line p..eol (its length linelen) and cuts it at its TABs into the nf fields
 * fld. Returns NULL, or why the line is malformed (whybuf may hold the text). */
static const char *split_line(char *p, char *eol, int nf, char *fld[4], char whybuf[96])
{
	size_t linelen = (size_t)(eol - p);
	int n = 0;

	if (linelen > REFDATA_MAX_LINE) {
		snprintf(whybuf, 96, "line longer than %d bytes", REFDATA_MAX_LINE);
		return whybuf;
	}
	if (linelen == 0)
		return "empty line";
	if (!utf8_valid(p, linelen))
		return "not UTF-8";
	*eol = '\0';
	fld[n++] = p;
	for (char *c = p; c < eol; c++) {
		unsigned char u = (unsigned char)*c;
		if (u == '\t') {
			if (n == nf) {
				n++;
				break;
			}
			*c = '\0';
			fld[n++] = c + 1;
		} else if (u == '\r') {
			return "carriage return (the files have LF line ends)";
		} else if (u < 0x20 || u == 0x7f) {
			return "control character";
		}
	}
	if (n != nf) {
		snprintf(whybuf, 96, "expected %d fields separated by TAB, found %s%d", nf,
		         n > nf ? "more than " : "", n > nf ? nf : n);
		return whybuf;
	}
	return NULL;
}

/* The row r of a kind's fields fld (a branch's bank must be in banks). NULL, or why not. */
static const char *make_row(enum kind kind, char *fld[4], const table *banks, row *r)
{
	size_t k;

	switch (kind) {
	case K_BANK:
		if (!digits(fld[0], 4))
			return "bank code is not 4 digits";
		memcpy(r->key, fld[0], 5);
		r->f[0] = fld[1];
		r->f[1] = fld[2];
		r->f[2] = "";
		break;
	case K_BRANCH:
		if (!digits(fld[0], 4) || !digits(fld[1], 3))
			return "bank code is not 4 digits or branch code not 3";
		if (!bsearch(fld[0], banks->rows, banks->n, sizeof(row), cmp_key))
			return "branch of a bank not in banks.tsv";
		memcpy(r->key, fld[0], 4);
		memcpy(r->key + 4, fld[1], 4);
		r->f[0] = fld[2];
		r->f[1] = fld[3];
		r->f[2] = "";
		break;
	case K_POSTAL:
		k = strlen(fld[0]);
		if (!(k == 7 && digits(fld[0], 7)) && !(k == 5 && digits(fld[0], 5)))
			return "postal code is not 7 (or 5) digits";
		memcpy(r->key, fld[0], k + 1);
		r->f[0] = fld[1];
		r->f[1] = fld[2];
		r->f[2] = fld[3];
		break;
	}
	if (!r->f[0][0] || (kind == K_POSTAL && !r->f[1][0]))
		return kind == K_POSTAL ? "empty prefecture or city" : "empty name";
	return NULL;
}

static int parse_table(const char *path, enum kind kind, char *text, size_t len, table *t,
                       const table *banks, char *err, size_t errlen)
{
	size_t nlines = 0, lineno = 0;
	char *p = text, *end = text + len;
	const char *why = NULL;
	char whybuf[96];

	for (char *q = text; (q = memchr(q, '\n', (size_t)(end - q))); q++)
		nlines++;
	if (len && end[-1] != '\n')
		nlines++;
	t->text = text;
	t->n = 0;
	t->rows = malloc((nlines ? nlines : 1) * sizeof(row));
	if (!t->rows) {
		errbuf_set(err, errlen, "%s: out of memory", path);
		return REFDATA_ENOMEM;
	}
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p)), *fld[4];
		row *r = &t->rows[t->n];
		if (!eol)
			eol = end;
		lineno++;
		if ((why = split_line(p, eol, kinds[kind].nfields, fld, whybuf)) ||
		    (why = make_row(kind, fld, banks, r)))
			goto bad;
		if (t->n) {
			int c = strcmp(t->rows[t->n - 1].key, r->key);
			if (c > 0 || (c == 0 && kind != K_POSTAL)) {
				why = c > 0 ? "not sorted by code" : "duplicate code";
				goto bad;
			}
		}
		t->n++;
		p = eol + 1;
	}
	return REFDATA_OK;
bad:
	errbuf_set(err, errlen, "%s:%zu: %s", path, lineno, why);
	return REFDATA_EFORMAT;
}

static int load_table(const char *dir, enum kind kind, table *t, const table *banks, char *err,
                      size_t errlen)
{
	char path[4096];
	char *text;
	size_t len;
	int rc;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, kinds[kind].file) >= sizeof(path)) {
		errbuf_set(err, errlen, "%s: path too long", dir);
		return REFDATA_ENOENT;
	}
	rc = read_file(path, REFDATA_MAX_FILE, &text, &len, err, errlen);
	if (rc != REFDATA_OK)
		return rc;
	return parse_table(path, kind, text, len, t, banks, err, errlen);
}

/* VERSION, if any: its lines joined with ", ", control characters dropped. */
static int load_version(const char *dir, refdata *r, char *err, size_t errlen)
{
	char path[4096], *text;
	size_t len, o = 0;
	int rc;
	r->version[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/VERSION", dir) >= sizeof(path))
		return REFDATA_OK;
	rc = read_file(path, sizeof(r->version) - 3, &text, &len, err, errlen);
	if (rc == REFDATA_ENOENT)
		return REFDATA_OK;
	if (rc != REFDATA_OK)
		return rc;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			if (i + 1 < len) {
				r->version[o++] = ',';
				r->version[o++] = ' ';
			}
		} else if (c >= 0x20 && c != 0x7f)
			r->version[o++] = (char)c;
	}
	r->version[o] = '\0';
	free(text);
	return REFDATA_OK;
}

int refdata_load(const char *dir, refdata **out, char *err, size_t errlen)
{
	refdata *r;
	int rc;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	r = calloc(1, sizeof(*r));
	if (!r) {
		errbuf_set(err, errlen, "out of memory");
		return REFDATA_ENOMEM;
	}
	rc = load_table(dir, K_BANK, &r->banks, NULL, err, errlen);
	if (rc == REFDATA_OK)
		rc = load_table(dir, K_BRANCH, &r->branches, &r->banks, err, errlen);
	if (rc == REFDATA_OK)
		rc = load_table(dir, K_POSTAL, &r->postal, NULL, err, errlen);
	if (rc == REFDATA_OK)
		rc = load_version(dir, r, err, errlen);
	if (rc != REFDATA_OK) {
		refdata_free(r);
		return rc;
	}
	*out = r;
	return REFDATA_OK;
}

static void table_release(table *t)
{
	free(t->text);
	free(t->rows);
}

void refdata_free(refdata *r)
{
	if (!r)
		return;
	table_release(&r->banks);
	table_release(&r->branches);
	table_release(&r->postal);
	free(r);
}

const char *refdata_version(const refdata *r)
{
	return r ? r->version : "";
}

void refdata_counts(const refdata *r, size_t *banks, size_t *branches, size_t *postal)
{
	if (banks)
		*banks = r ? r->banks.n : 0;
	if (branches)
		*branches = r ? r->branches.n : 0;
	if (postal)
		*postal = r ? r->postal.n : 0;
}

static const row *find_bank(const refdata *r, const char *bank4)
{
	if (!bank4 || !digits(bank4, 4))
		return NULL;
	return bsearch(bank4, r->banks.rows, r->banks.n, sizeof(row), cmp_key);
}

static const row *find_branch(const refdata *r, const char *bank4, const char *branch3)
{
	char key[8];
	if (!bank4 || !branch3 || !digits(bank4, 4) || !digits(branch3, 3))
		return NULL;
	memcpy(key, bank4, 4);
	memcpy(key + 4, branch3, 4);
	return bsearch(key, r->branches.rows, r->branches.n, sizeof(row), cmp_key);
}

static int answer(const row *x, const char **name, const char **kana)
{
	if (!x)
		return 0;
	if (name)
		*name = x->f[0];
	if (kana)
		*kana = x->f[1];
	return 1;
}

int refdata_bank(const refdata *r, const char *bank4, const char **name, const char **kana)
{
	return r ? answer(find_bank(r, bank4), name, kana) : -1;
}

int refdata_branch(const refdata *r, const char *bank4, const char *branch3, const char **name,
                   const char **kana)
{
	return r ? answer(find_branch(r, bank4, branch3), name, kana) : -1;
}

/* Copies src into dst (len bytes), cut before a character that does not fit. */
static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n;
	if (!dst || !len)
		return;
	n = utf8_cut(src, strlen(src), len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int refdata_bank_lookup(void *ctx, const char *bank, const char *branch, char *bank_name,
                        size_t bank_len, char *branch_name, size_t branch_len)
{
	const refdata *r = ctx;
	const row *b, *br;
	if (!r)
		return -1;
	b = find_bank(r, bank);
	if (!b)
		return 0;
	copy_name(bank_name, bank_len, b->f[0]);
	if (!branch)
		return 1;
	br = find_branch(r, bank, branch);
	if (!br)
		return 0;
	copy_name(branch_name, branch_len, br->f[0]);
	return 1;
}

int refdata_postal_nth(const refdata *r, const char *zip7, size_t i, const char **pref,
                       const char **city, const char **town)
{
	const table *t;
	size_t at;
	char key[8];
	if (!r)
		return -1;
	if (!zip7 || !digits(zip7, 7))
		return 0;
	t = &r->postal;
	memcpy(key, zip7, 8);
	at = lower_bound(t, key);
	if (at == t->n || strcmp(t->rows[at].key, key) != 0) {
		/* no line of its own: the line of its 5-digit prefix, if any */
		key[5] = '\0';
		at = lower_bound(t, key);
		if (at == t->n || strcmp(t->rows[at].key, key) != 0)
			return 0;
	}
	if (i >= t->n - at || strcmp(t->rows[at + i].key, key) != 0)
		return 0;
	if (pref)
		*pref = t->rows[at + i].f[0];
	if (city)
		*city = t->rows[at + i].f[1];
	if (town)
		*town = t->rows[at + i].f[2];
	return 1;
}

int refdata_postal(const refdata *r, const char *zip7, const char **pref, const char **city,
                   const char **town)
{
	return refdata_postal_nth(r, zip7, 0, pref, city, town);
}
