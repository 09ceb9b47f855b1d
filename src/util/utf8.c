/* utf8: UTF-8 checks and counts over libunistring (see utf8.h). */
#include "util/utf8.h"

#include <string.h>
#include <unistr.h>

size_t utf8_valid_prefix(const char *s, size_t n)
{
	const uint8_t *bad = u8_check((const uint8_t *)s, n);
	return bad ? (size_t)(bad - (const uint8_t *)s) : n;
}

int utf8_valid(const char *s, size_t n)
{
	return u8_check((const uint8_t *)s, n) == NULL;
}

size_t utf8_char_len(const char *s, size_t n)
{
	ucs4_t c;
	int l = n ? u8_mbtoucr(&c, (const uint8_t *)s, n) : -1;
	return l > 0 ? (size_t)l : 0;
}

uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
	ucs4_t c;
	int l = u8_mbtouc(&c, (const uint8_t *)s + *i, n - *i);
	*i += l > 0 ? (size_t)l : 1;
	return c;
}

size_t utf8_count(const char *s)
{
	return u8_mbsnlen((const uint8_t *)s, strlen(s));
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* back off the continuation bytes of the character that straddles max */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

int utf8_line_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return 0;
	return utf8_valid(s, n);
}

int utf8_text_ok(const char *s, size_t n, const char *allowed)
{
	if (!utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t c = utf8_next(s, n, &i);
		if ((c < 0x20 && !(c && strchr(allowed, (int)c))) || (c >= 0x7F && c <= 0x9F))
			return 0;
	}
	return 1;
}

int utf8_is_forbidden(uint32_t c, int multiline)
{
	if (c < 0x20)
		return !(multiline && (c == '\n' || c == '\t'));
	if (c >= 0x7F && c <= 0x9F)
		return 1;
	return c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

int utf8_typed_ok(const char *s, size_t n, int multiline)
{
	if (!utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n;)
		if (utf8_is_forbidden(utf8_next(s, n, &i), multiline))
			return 0;
	return 1;
}
