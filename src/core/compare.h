/* compare: the signing certificate's basic four (基本4情報) beside what the form says, for
 * the staff's evidence panel and the inbox's "differs" flag. A difference is a fact for the
 * reviewer, never a refusal. Texts are compared after folding width and spacing (NFKC, every
 * white space removed), so ﾐﾄﾞﾘ equals ミドリ and "山田　太郎" equals "山田太郎"; two different
 * kanji are never made equal (髙 and 高, 斎 and 斉 stay apart; the CJK compatibility
 * ideographs, which NFKC would map onto other code points, are kept as they are). Dates are
 * compared as dates: "1950-04-01", "19500401", the certificate's era digit + YYYYMMDD
 * ("319500401") and era text ("昭和25年4月1日") are the same day. No HTTP and no SQL. */
#ifndef MADOGUCHI_COMPARE_H
#define MADOGUCHI_COMPARE_H

#include <jansson.h>

enum compare_verdict {
	COMPARE_MISSING = -1, /* one side has nothing (or it cannot be read): not compared */
	COMPARE_SAME = 0,
	COMPARE_DIFFERENT = 1,
};

/* s folded for comparison and search: NFKC except the CJK compatibility ideographs, then
 * every white space removed. malloc'd (the caller frees); NULL for NULL, invalid UTF-8 or
 * out of memory. */
char *compare_fold(const char *s);

/* The inbox's search key of an applicant: the folded name and furigana joined by a newline
 * (which a folded text never holds, so a folded query matches inside one of them only).
 * malloc'd; NULL when both are NULL or empty (or out of memory). */
char *compare_search_key(const char *name, const char *kana);

/* The verdict of two texts as folded ("" or NULL on either side: COMPARE_MISSING). */
enum compare_verdict compare_text(const char *form, const char *card);

/* A date in one of the forms above into out (11 bytes) as "YYYY-MM-DD": 0, or -1 when it is
 * none of them or no real date. */
int compare_date_parse(const char *s, char *out);

/* The verdict of two dates (either unreadable: COMPARE_MISSING). */
enum compare_verdict compare_date(const char *form, const char *card);

/* The three comparisons of an application: the form's name, birth date and address (each may
 * be NULL) against the report's "basic_four" object (NULL or not an object: all missing). */
typedef struct compare_basic4 {
	enum compare_verdict name, birth, address;
} compare_basic4;
void compare_with_card(const char *name, const char *birth, const char *address,
                       const json_t *basic_four, compare_basic4 *out);

/* The differs flag of an application: 1 when any comparison is COMPARE_DIFFERENT, 0 when at
 * least one is COMPARE_SAME and none differs, -1 when nothing could be compared (stored as
 * NULL, 未判定). */
int compare_differs(const compare_basic4 *c);

#endif
