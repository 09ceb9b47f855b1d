/* compare: the certificate's basic four against the form (see compare.h). Folding is
 * libunistring's NFKC rather than hand-made tables: NFKC is the Unicode rule that maps
 * 全角 letters, digits and spaces to ASCII and 半角 katakana (with their voiced marks) to
 * 全角 katakana, and it leaves distinct unified ideographs alone. It would also map the CJK
 * compatibility ideographs (U+F900..U+FAFF, U+2F800..U+2FA1F) onto unified ones, which is
 * someone's kanji changed; those are copied as they are. */
#include "core/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "util/buf.h"
#include "util/jdate.h"
#include "util/utf8.h"

static int is_compat_ideograph(uint32_t c)
{
	return (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == 0x3000 || c == 0x00A0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
	       c == 0x205F || c == 0xFEFF;
}

/* s[0..n) without compatibility ideographs, NFKC'd and without spaces onto out. */
static int fold_run(const char *s, size_t n, buf *out)
{
	size_t rl = 0, i = 0;
	if (n == 0)
		return 0;
	uint8_t *r = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, n, NULL, &rl);
	if (!r)
		return -1;
	while (i < rl) {
		size_t at = i;
		if (!is_space(utf8_next((const char *)r, rl, &i)))
			buf_append(out, r + at, i - at);
	}
	free(r);
	return 0;
}

char *compare_fold(const char *s)
{
	buf out;
	size_t n = s ? strlen(s) : 0, i = 0, run = 0;
	if (!s || !utf8_valid(s, n))
		return NULL;
	buf_init(&out, 4 * n + 16);
	while (i < n) {
		size_t at = i;
		if (!is_compat_ideograph(utf8_next(s, n, &i)))
			continue;
		if (fold_run(s + run, at - run, &out) < 0)
			goto fail;
		buf_append(&out, s + at, i - at);
		run = i;
	}
	if (fold_run(s + run, n - run, &out) < 0 || out.failed)
		goto fail;
	buf_cstr(&out);
	return buf_steal(&out, NULL);
fail:
	buf_release(&out);
	return NULL;
}

char *compare_search_key(const char *name, const char *kana)
{
	char *a = compare_fold(name ? name : ""), *b = compare_fold(kana ? kana : ""), *key = NULL;
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	if (a && b && (la || lb) && (key = malloc(la + lb + 2)))
		snprintf(key, la + lb + 2, "%s\n%s", a, b);
	free(a);
	free(b);
	return key;
}

enum compare_verdict compare_text(const char *form, const char *card)
{
	char *a = compare_fold(form), *b = compare_fold(card);
	enum compare_verdict v = COMPARE_MISSING;
	if (a && b && a[0] && b[0])
		v = strcmp(a, b) ? COMPARE_DIFFERENT : COMPARE_SAME;
	free(a);
	free(b);
	return v;
}

/* The number of s's leading ASCII digits, at most max, as *v. */
static size_t digits(const char *s, size_t max, int *v)
{
	size_t k = 0;
	*v = 0;
	while (k < max && s[k] >= '0' && s[k] <= '9')
		*v = *v * 10 + (s[k++] - '0');
	return k;
}

static int ymd_out(int y, int m, int d, char *out)
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u);
	return jdate_valid(out) ? 0 : -1;
}

/* "昭和25年4月1日" (元年 for 1), digits already folded to ASCII. */
static int era_text(const char *s, char *out)
{
	static const struct {
		const char *name;
		int first; /* the Gregorian year of its first year */
	} eras[] = {{"明治", 1868}, {"大正", 1912}, {"昭和", 1926}, {"平成", 1989}, {"令和", 2019}};
	for (size_t e = 0; e < sizeof(eras) / sizeof(eras[0]); e++) {
		size_t len = strlen(eras[e].name), k;
		int y, m, d;
		if (strncmp(s, eras[e].name, len))
			continue;
		s += len;
		if (!strncmp(s, "元", 3)) {
			y = 1;
			k = 3;
		} else if (!(k = digits(s, 2, &y)))
			return -1;
		s += k;
		if (strncmp(s, "年", 3) || !(k = digits(s += 3, 2, &m)) ||
		    strncmp(s += k, "月", 3) || !(k = digits(s += 3, 2, &d)) || strcmp(s + k, "日"))
			return -1;
		return ymd_out(eras[e].first + y - 1, m, d, out);
	}
	return -1;
}

int compare_date_parse(const char *s, char *out)
{
	char *f = compare_fold(s);
	int y, m, d, rc = -1;
	size_t n = f ? strlen(f) : 0, k = f ? digits(f, 9, &y) : 0;
	if (!f)
		return -1;
	if (n == 10 && f[4] == '-' && f[7] == '-' && jdate_valid(f)) {
		memcpy(out, f, 11);
		rc = 0;
	} else if ((n == 8 || n == 9) && k == n) { /* YYYYMMDD, or the era digit before it */
		const char *p = f + (n - 8);
		digits(p, 4, &y);
		digits(p + 4, 2, &m);
		digits(p + 6, 2, &d);
		rc = ymd_out(y, m, d, out);
	} else
		rc = era_text(f, out);
	free(f);
	return rc;
}

enum compare_verdict compare_date(const char *form, const char *card)
{
	char a[11], b[11];
	if (!form || !card || compare_date_parse(form, a) < 0 || compare_date_parse(card, b) < 0)
		return COMPARE_MISSING;
	return strcmp(a, b) ? COMPARE_DIFFERENT : COMPARE_SAME;
}

void compare_with_card(const char *name, const char *birth, const char *address,
                       const json_t *basic_four, compare_basic4 *out)
{
	const char *cn = NULL, *cb = NULL, *ca = NULL;
	if (json_is_object(basic_four)) {
		cn = json_string_value(json_object_get(basic_four, "name"));
		cb = json_string_value(json_object_get(basic_four, "birth_date"));
		if (!cb)
			cb = json_string_value(json_object_get(basic_four, "birth"));
		ca = json_string_value(json_object_get(basic_four, "address"));
	}
	out->name = compare_text(name, cn);
	out->birth = compare_date(birth, cb);
	out->address = compare_text(address, ca);
}

int compare_differs(const compare_basic4 *c)
{
	if (c->name == COMPARE_DIFFERENT || c->birth == COMPARE_DIFFERENT ||
	    c->address == COMPARE_DIFFERENT)
		return 1;
	if (c->name == COMPARE_SAME || c->birth == COMPARE_SAME || c->address == COMPARE_SAME)
		return 0;
	return -1;
}
