/* answers_impl: what the parts of the form engine share (only src/core/answers*.c and
 * canonical.c include it): answers_text.c normalises text (characters, numbers, katakana)
 * for answers.c (validation), answers_display.c (the lines a person reads) and canonical.c
 * (the canonical JSON that signatures bind to). */
#ifndef MADOGUCHI_ANSWERS_IMPL_H
#define MADOGUCHI_ANSWERS_IMPL_H

#include <stddef.h>
#include <unistr.h>

#include <jansson.h>

#include "core/answers.h"
#include "util/buf.h"

/* ---- text normalisation (answers_text.c) ---- */

/* What ans_parse_integer and ans_kana_normalise return. */
enum { NUM_OK = 0, NUM_BADCHAR, NUM_DECIMAL, NUM_COMMA, NUM_RANGE };
enum { KANA_OK = 0, KANA_NOTKANA, KANA_NOMEM };

/* Characters no answer may hold: C0 controls (tab and newline only when multiline), DEL,
 * C1 controls, line/paragraph separators, bidirectional controls, the byte-order mark and
 * noncharacters. */
int ans_bad_char(ucs4_t c, int multiline);

/* Trim surrounding white space (ASCII and U+3000) of valid UTF-8 in place of a view. */
void ans_trim(const char **s, size_t *n);

/* Width folding for numbers and codes: 全角 ASCII (U+FF01..U+FF5E) becomes ASCII, U+3000 a
 * space and U+2212 (minus sign) '-'; with dashes also the dashes people type in phone and
 * postal numbers (ー, ｰ, ‐, –, —, ―, ﹣). Other characters are copied, for the caller to
 * refuse. */
int ans_fold_ascii(const char *s, size_t n, int dashes, buf *out);

/* 1 when s[0..n) is one or more ASCII digits. */
int ans_all_digits(const char *s, size_t n);

/* NFC of valid UTF-8, except that CJK compatibility ideographs are kept as typed: their
 * canonical decompositions are singletons (U+FA10 塚 -> U+585A 塚), which would rewrite a
 * person's registered kanji. They are starters that compose with nothing, so normalising
 * the runs between them gives NFC everywhere else. */
int ans_nfc_keep_kanji(const char *s, size_t n, buf *out);

/* Furigana: 半角 katakana folded to 全角 (NFKC on the 半角 runs only, so ﾀﾞ -> ダ), then NFC
 * (カ + U+3099 -> ガ); only katakana ァ..ヺ, ー (and ・ when allow_dot) and spaces, every run
 * of spaces one U+3000. s is trimmed valid UTF-8. out gets the result. */
int ans_kana_normalise(const char *s, size_t n, int allow_dot, buf *out);

/* An integer in ASCII: optional '-', digits, optionally grouped by commas in threes. */
int ans_parse_integer(const char *s, size_t n, long *out);

/* A stored integer string: plain ASCII digits with an optional '-'. */
int ans_stored_integer(json_t *v, long *out);

/* "1234567" -> "1,234,567" */
void ans_group_digits(long v, char *out, size_t outlen);

#endif
