/* answers_text: text normalisation for the form engine (see answers_impl.h and the
 * decisions at the top of answers.c): characters refused, white space trimmed, ASCII folded
 * (全角 digits and hyphens), NFC keeping CJK compatibility ideographs as typed, integers
 * parsed and grouped, furigana folded to 全角 katakana. */
#include "core/answers_impl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "util/utf8.h"

/* ---- characters ---- */

int ans_bad_char(ucs4_t c, int multiline)
{
	return utf8_is_forbidden(c, multiline) || (c >= 0xFDD0 && c <= 0xFDEF) ||
	       (c & 0xFFFE) == 0xFFFE;
}

void ans_trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;
	for (;;) {
		if (len && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) {
			p++;
			len--;
		} else if (len >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0) {
			p += 3;
			len -= 3;
		} else
			break;
	}
	for (;;) {
		char c = len ? p[len - 1] : 0;
		if (len && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			len--;
		else if (len >= 3 && memcmp(p + len - 3, "\xE3\x80\x80", 3) == 0)
			len -= 3;
		else
			break;
	}
	*s = p;
	*n = len;
}

int ans_fold_ascii(const char *s, size_t n, int dashes, buf *out)
{
	size_t i = 0;
	while (i < n) {
		size_t at = i;
		ucs4_t c = utf8_next(s, n, &i);
		if (c >= 0xFF01 && c <= 0xFF5E)
			buf_putc(out, (char)(c - 0xFEE0));
		else if (c == 0x3000)
			buf_putc(out, ' ');
		else if (c == 0x2212)
			buf_putc(out, '-');
		else if (dashes && ((c >= 0x2010 && c <= 0x2015) || c == 0x30FC || c == 0xFF70 ||
		                    c == 0xFE63))
			buf_putc(out, '-');
		else
			buf_append(out, s + at, i - at);
	}
	buf_cstr(out);
	return out->failed ? -1 : 0;
}

int ans_all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_cjk_compat(ucs4_t c)
{
	return (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int nfc_append(const char *s, size_t n, buf *out)
{
	size_t rl = 0;
	uint8_t *r;
	if (n == 0)
		return 0;
	r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &rl);
	if (!r)
		return -1;
	int rc = buf_append(out, r, rl);
	free(r);
	return rc;
}

int ans_nfc_keep_kanji(const char *s, size_t n, buf *out)
{
	size_t i = 0, start = 0;
	while (i < n) {
		size_t at = i;
		ucs4_t c = utf8_next(s, n, &i);
		if (is_cjk_compat(c)) {
			if (nfc_append(s + start, at - start, out) < 0 ||
			    buf_append(out, s + at, i - at) < 0)
				return -1;
			start = i;
		}
	}
	if (nfc_append(s + start, n - start, out) < 0)
		return -1;
	buf_cstr(out);
	return out->failed ? -1 : 0;
}

/* ---- numbers ---- */

int ans_parse_integer(const char *s, size_t n, long *out)
{
	size_t i = 0, k, sig = 0, group = 0;
	int neg = 0, has_comma = 0, has_dot = 0, first = 1;
	unsigned long long v = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return NUM_BADCHAR;
	for (k = i; k < n; k++) {
		if (s[k] == ',')
			has_comma = 1;
		else if (s[k] == '.')
			has_dot = 1;
		else if (s[k] < '0' || s[k] > '9')
			return NUM_BADCHAR;
	}
	if (has_dot)
		return NUM_DECIMAL;
	if (has_comma) {
		for (k = i; k <= n; k++) {
			if (k == n || s[k] == ',') {
				if (group == 0 || group > 3 || (!first && group != 3))
					return NUM_COMMA;
				first = 0;
				group = 0;
			} else
				group++;
		}
	}
	for (k = i; k < n; k++) {
		if (s[k] == ',')
			continue;
		unsigned d = (unsigned)(s[k] - '0');
		if (v == 0 && d == 0)
			continue;
		if (++sig > 18)
			return NUM_RANGE;
		v = v * 10 + d;
	}
	if (v > (unsigned long long)LONG_MAX)
		return NUM_RANGE;
	*out = neg ? -(long)v : (long)v;
	return NUM_OK;
}

int ans_stored_integer(json_t *v, long *out)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		if (x < LONG_MIN || x > LONG_MAX)
			return -1;
		*out = (long)x;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > 40)
		return -1;
	return ans_parse_integer(json_string_value(v), json_string_length(v), out) == NUM_OK ? 0
	                                                                                     : -1;
}

void ans_group_digits(long v, char *out, size_t outlen)
{
	char d[32];
	unsigned long m = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	int n = snprintf(d, sizeof(d), "%lu", m), o = 0;
	char tmp[48];
	if (v < 0)
		tmp[o++] = '-';
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			tmp[o++] = ',';
		tmp[o++] = d[i];
	}
	tmp[o] = '\0';
	snprintf(out, outlen, "%s", tmp);
}

/* ---- katakana ---- */

int ans_kana_normalise(const char *s, size_t n, int allow_dot, buf *out)
{
	buf mid, nf;
	size_t i = 0;
	int rc = KANA_NOMEM;
	buf_init(&mid, ANSWERS_MAX_VALUE_BYTES * 2);
	buf_init(&nf, ANSWERS_MAX_VALUE_BYTES * 4);
	while (i < n) {
		size_t at = i;
		ucs4_t c = utf8_next(s, n, &i);
		if (c >= 0xFF61 && c <= 0xFF9F) {
			size_t end = i, rl = 0;
			while (end < n) {
				size_t j = end;
				ucs4_t d = utf8_next(s, n, &j);
				if (d < 0xFF61 || d > 0xFF9F)
					break;
				end = j;
			}
			uint8_t *r = u8_normalize(UNINORM_NFKC, (const uint8_t *)s + at, end - at,
			                          NULL, &rl);
			if (!r)
				goto out;
			buf_append(&mid, r, rl);
			free(r);
			i = end;
		} else if (c == ' ' || c == 0x3000) {
			if (mid.len == 0 || mid.data[mid.len - 1] != ' ')
				buf_putc(&mid, ' ');
		} else
			buf_append(&mid, s + at, i - at);
	}
	if (mid.failed || nfc_append(mid.data ? mid.data : "", mid.len, &nf) < 0 || nf.failed)
		goto out;
	rc = KANA_NOTKANA;
	for (i = 0; i < nf.len;) {
		size_t at = i;
		ucs4_t c = utf8_next(nf.data, nf.len, &i);
		if (c == ' ')
			buf_puts(out, "\xE3\x80\x80");
		else if ((c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || (allow_dot && c == 0x30FB))
			buf_append(out, nf.data + at, i - at);
		else
			goto out;
	}
	buf_cstr(out);
	rc = out->failed ? KANA_NOMEM : KANA_OK;
out:
	buf_release(&mid);
	buf_release(&nf);
	return rc;
}
