/* answers: the form engine's core. Checks what a resident submitted against a procedure's
 * fields and turns it into normalised answers; fills computed values; gives the lines shown
 * on the confirmation page; and the canonical content that signatures bind to.
 * No HTTP and no SQL: input is a JSON object, bank names come through a callback. */
#ifndef MADOGUCHI_ANSWERS_H
#define MADOGUCHI_ANSWERS_H

#include <jansson.h>

#include "core/procedure.h"

/* Hard bounds on raw input. A raw value (one string) longer than this is refused unread. */
#define ANSWERS_MAX_VALUE_BYTES ((size_t)64 * 1024)
/* At most this many entries in a checkbox array. */
#define ANSWERS_MAX_CHECKED 256
/* An account holder name: at most this many characters as the bank transfer (全銀) format
 * counts them, a voiced kana (ガ = ｶﾞ) being two. */
#define ANSWERS_HOLDER_MAX 30

/* The largest number of characters (code points) a text, textarea, katakana or email field
 * takes: its max_length, or the type's default (100, 2000, 100, 254); 0 for other types.
 * For the maxlength attribute of the input. */
size_t answers_max_length(const proc_field *f);

/* Looks up a bank (4 digits) and optionally a branch (3 digits, NULL to check the bank
 * only); fills the names (may be NULL). Returns 1 found, 0 unknown, -1 lookup unavailable
 * (then codes are accepted by form alone). */
typedef int (*bank_lookup_fn)(void *ctx, const char *bank, const char *branch, char *bank_name,
                              size_t bank_len, char *branch_name, size_t branch_len);

/* The raw input: an object of strings (or arrays of strings for checkboxes), exactly as
 * submitted, keyed by field name; composite fields use sub-keys:
 *   date:  NAME.year NAME.month NAME.day         (Gregorian year; 全角 digits accepted)
 *   bank:  NAME.bank NAME.branch NAME.type ("futsu" 普通 | "toza" 当座) NAME.number NAME.holder
 *   file:  not in raw (attachments are handled by the caller; see answers_validate)
 * Returns a new object of normalised answers (all strings; a checkbox an array of strings; a
 * date "YYYY-MM-DD"; a bank an object {bank, bank_name, branch, branch_name, type, number,
 * holder}; absent optional fields are left out) and appends errors to errs (an array) as
 * {"field": ID, "message": TEXT} with ID the HTML id of the input to focus (NAME or
 * NAME.part) and TEXT plain Japanese for the person. Never fails on any input; a field with
 * an error is left out of the answers. */
json_t *answers_validate(const procedure *p, json_t *raw, json_t *errs, bank_lookup_fn banks,
                         void *banks_ctx);

/* Sets every computed field of answers from its source (as a string of the integer). */
void answers_compute(const procedure *p, json_t *answers);

/* The confirmation page and the signing app: an array of {"name", "label", "value"} in field
 * order, value as a person reads it (dates 2026年(令和8年)4月1日, money 1,000円, the bank
 * with names, checkbox labels joined, option labels instead of values). Fields without an
 * answer show "（未入力）". attachments (may be NULL): object name -> array of
 * {"filename", "sha256", "size"}. */
json_t *answers_display(const procedure *p, json_t *answers, json_t *attachments);

/* The canonical content of an application: RFC 8785-style JSON of
 * {"procedure": ID, "version": N, "answers": {...}, "attachments": {...}} with sorted keys,
 * no insignificant white space, UTF-8, every answer a string (numbers normalised as
 * strings without leading zeros). Returns a malloc'd string and fills sha256_hex (65 bytes).
 * Only the procedure's fields are included (answers of file fields come from attachments,
 * each entry {filename, sha256, size} with size an integer). NULL when out of memory. */
char *answers_canonical(const procedure *p, json_t *answers, json_t *attachments, char *sha256_hex);

#endif
