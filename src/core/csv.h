/* csv: the cells of the staff's CSV exports and their two encodings, without HTTP or SQL.
 *
 * Cells follow RFC 4180: separated by commas, rows ended by CRLF, a cell holding a comma, a
 * double quote, CR or LF put in double quotes with its double quotes doubled. A cell that a
 * spreadsheet would read as a formula (it starts with = + - @, a tab or CR: OWASP's CSV
 * injection list) gets a leading apostrophe, inside the quotes, so Excel shows the text as
 * typed and runs nothing.
 *
 * Encodings: UTF-8 with a byte-order mark (Excel opens it as UTF-8), or Shift_JIS as Windows
 * writes it (CP932, through glibc's iconv). CP932 cannot hold every character residents type
 * (𠮷 U+20BB7, 剝 U+525D, 鷗 U+9DD7 and the rest beyond JIS X 0208 and the NEC and IBM
 * extensions): csv_cp932 reports each of them and writes 〓 (GETA MARK, 0x81AC) in its place,
 * so that no character is ever dropped without a trace; the export shows the report before
 * the download. glibc's CP932 maps the pairs that Shift_JIS tables disagree on to the code
 * Windows uses: WAVE DASH U+301C and FULLWIDTH TILDE U+FF5E both to 0x8160, DOUBLE VERTICAL
 * LINE U+2016 and PARALLEL TO U+2225 to 0x8161, MINUS SIGN U+2212 and FULLWIDTH HYPHEN-MINUS
 * U+FF0D to 0x817C, EM DASH U+2014 and HORIZONTAL BAR U+2015 to 0x815C, CENT, POUND and NOT
 * SIGN and their fullwidth forms to 0x8191, 0x8192 and 0x81CA, and YEN SIGN U+00A5 to 0x5C
 * (the byte Japanese Windows fonts draw as ¥). Read back as CP932 these give the second of each
 * pair (0x8160 is ～ U+FF5E, 0x5C is U+005C): the glyph Windows users see stays, the code
 * point may change, and these are not reported as lost. */
#ifndef MADOGUCHI_CSV_H
#define MADOGUCHI_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* The byte-order mark that starts a UTF-8 export. */
#define CSV_UTF8_BOM "\xEF\xBB\xBF"
/* 〓 in UTF-8, the stand-in for a character CP932 cannot hold. */
#define CSV_GETA "\xE3\x80\x93"

/* Appends one cell (n bytes of s): a comma first unless it is the row's first cell, then the
 * cell quoted and neutralised as above. 0, or -1 when out hit its maximum. */
int csv_cell(buf *out, const char *s, size_t n, int first);
/* Ends a row (CRLF). */
int csv_row_end(buf *out);

/* Called for each character of the text that CP932 cannot hold: its code point and the
 * byte offset in the UTF-8 text. */
typedef void csv_loss_fn(uint32_t cp, size_t offset, void *arg);

/* Appends the UTF-8 text s[0..n) to out in CP932, each character CP932 cannot hold replaced
 * by 〓 and reported to loss (may be NULL). Returns the number of characters replaced, or
 * -1 when the text is not UTF-8, iconv is unavailable or out hit its maximum (out then holds
 * part of the text: discard it). */
long csv_cp932(const char *s, size_t n, buf *out, csv_loss_fn *loss, void *arg);

/* ---- reading (the staff's uploads: a bulk decision's receipt numbers and statuses) ----
 *
 * csv_utf8 first makes the upload UTF-8: a byte-order mark is dropped; bytes that are not
 * UTF-8 are read as CP932 (what Excel on Japanese Windows saves) through iconv. csv_read then
 * reads RFC 4180 rows: cells separated by commas; a cell in double quotes may hold commas,
 * CR, LF and doubled quotes; rows end with CRLF, LF or CR, or at the end of the text; empty
 * lines are skipped. A quote inside a bare cell, or anything but a comma or the row's end
 * after a closing quote, is an error of that row. */
#define CSV_READ_CELLS_MAX 16  /* cells in one row */
#define CSV_READ_CELL_MAX 1024 /* bytes of one cell */

enum csv_read_err {
	CSV_READ_OK = 0,
	CSV_READ_QUOTE, /* a quote out of place, or a quoted cell never closed */
	CSV_READ_CELLS, /* more than CSV_READ_CELLS_MAX cells */
	CSV_READ_LONG,  /* a cell longer than CSV_READ_CELL_MAX bytes */
	CSV_READ_ROWS,  /* more rows than the caller allows */
	CSV_READ_STOP,  /* the caller's function stopped the reading */
	CSV_READ_ENOMEM,
};

/* One row: its cells (NUL-terminated copies, valid during the call) and the line (1-based)
 * on which it starts. */
typedef struct csv_read_row {
	const char *cell[CSV_READ_CELLS_MAX];
	size_t len[CSV_READ_CELLS_MAX];
	size_t n;
	size_t line;
} csv_read_row;

/* Called for each row in order: 0 to go on, anything else stops the reading. */
typedef int csv_row_fn(const csv_read_row *row, void *arg);

/* Reads s[0..n) as above, at most max_rows rows, calling fn for each. CSV_READ_OK, or the
 * error with *err_line (may be NULL) the line of the row at fault. */
int csv_read(const char *s, size_t n, size_t max_rows, csv_row_fn *fn, void *arg, size_t *err_line);

/* Appends the upload s[0..n) to out as UTF-8 (see above): 0 when it was UTF-8, 1 when it
 * was read as CP932, -1 when it is neither (or out hit its maximum; discard out then). */
int csv_utf8(const char *s, size_t n, buf *out);

#endif
