/* utf8: the checks and counts of UTF-8 text the portal makes in more than one place, over
 * libunistring (well-formed as RFC 3629 says: no overlong forms, no surrogates, nothing
 * above U+10FFFF), with the few rules of its own that libunistring does not have. */
#ifndef MADOGUCHI_UTF8_H
#define MADOGUCHI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the longest well-formed prefix of s[0..n). */
size_t utf8_valid_prefix(const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8 (a NUL byte counts as a character). */
int utf8_valid(const char *s, size_t n);

/* Bytes of the well-formed character at s (at most n > 0 bytes), or 0 when it is not one. */
size_t utf8_char_len(const char *s, size_t n);

/* The code point at s[*i] (n bytes in all) and *i moved past it; a byte that does not start
 * a well-formed character gives U+FFFD and moves *i by one. */
uint32_t utf8_next(const char *s, size_t n, size_t *i);

/* Characters of the string s: its code points, each byte of a broken sequence counting as
 * one. */
size_t utf8_count(const char *s);

/* The largest length <= max (and <= len) at which the len bytes of UTF-8 at s can be cut
 * without splitting a character. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* 1 when s[0..n) is well-formed UTF-8 without a C0 control character or DEL: the rule for
 * a one-line value such as an e-mail address or a title. */
int utf8_line_ok(const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8 without a control character: no C0 control but
 * those in allowed (e.g. "\n\r\t" for a text of several lines, "" for none), no DEL, no C1
 * control (U+0080..U+009F). */
int utf8_text_ok(const char *s, size_t n, const char *allowed);

/* 1 for a character no text typed by a person may hold: C0 controls (tab and newline are
 * allowed when multiline), DEL, C1 controls, the line and paragraph separators, the
 * bidirectional embeddings, overrides and isolates, and the byte-order mark. */
int utf8_is_forbidden(uint32_t c, int multiline);
/* 1 when s[0..n) is well-formed UTF-8 without a character utf8_is_forbidden refuses: the
 * rule of a text a person typed (a note, a reason) that is kept and shown again. */
int utf8_typed_ok(const char *s, size_t n, int multiline);

#endif
