/* export: the staff's CSV export of one procedure's applications, without HTTP or SQL. The
 * header row is 受付番号, 到達日時, 状態, the label of each of the procedure's fields (the
 * computed ones too) in order, then 署名者の氏名, 署名者の生年月日, 署名者の性別,
 * 署名者の住所 and 署名の検証結果; each application gives one row of UTF-8 cells: the
 * arrival in Japan time ("2026-04-01 09:30:00"), the status's label, each answer as it was
 * confirmed (its display line, "" for a field it has no line of), the certificate's basic
 * four of the verification report and the result in words. export_write turns the rows into
 * the bytes of a download (core/csv.h quotes and neutralises every cell). */
#ifndef MADOGUCHI_EXPORT_H
#define MADOGUCHI_EXPORT_H

#include <jansson.h>

#include "core/procedure.h"
#include "store/store.h"
#include "util/buf.h"

/* The header row: a JSON array of strings (caller owns it). */
json_t *export_header(const procedure *p);
/* The row of application ap (content, display and verification read; any may be NULL or
 * not JSON: the cells stay empty): a JSON array of strings as long as the header. */
json_t *export_row(const procedure *p, const store_application *ap);

/* The gender of a basic four report ("1", "2", "3") in words, other values as they are. */
const char *export_gender_text(const char *g);

enum export_enc { EXPORT_UTF8 = 0, EXPORT_CP932 = 1 };
/* The CSV of rows (a JSON array of rows, each an array of strings; the first the header)
 * into out: UTF-8 with CSV_UTF8_BOM first, or CP932 with 〓 for each character it cannot
 * hold. losses (NULL: not wanted) gets one object {receipt, column, char, code} per such
 * character, receipt the row's first cell, column the header's cell, code "U+20BB7". The
 * number of characters replaced (0 for UTF-8), or -1 when out hit its maximum or a cell is
 * not UTF-8 (discard out). */
long export_write(const json_t *rows, enum export_enc enc, buf *out, json_t *losses);
/* The CSV of the losses (UTF-8 with BOM): 受付番号, 列, 文字, コードポイント. 0, or -1. */
int export_losses_csv(const json_t *losses, buf *out);

#endif
