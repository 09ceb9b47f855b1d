/* fuzz_csv_read: arbitrary bytes as an uploaded CSV (a bulk decision's list). csv_utf8 must
 * give well-formed UTF-8 or refuse; csv_read must stay inside the text, give each row at
 * least one cell of at most CSV_READ_CELL_MAX bytes, NUL-terminated at its length, with lines
 * that never go back, and never more rows than allowed. bulk_csv_items (the bulk decision's
 * list) keeps either every line as valid items or none, and names a line for a bad one; so
 * does bulk_steps_read (the apply form's field, which a staff member can edit). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bulk.h"
#include "core/csv.h"
#include "util/utf8.h"

static bulk_item items[BULK_MAX];
static bulk_step steps[BULK_MAX];

/* The apply form's field: all steps valid and distinct, or none. */
static void check_steps(const uint8_t *data, size_t size)
{
	size_t n = 7;
	int k = bulk_steps_read((const char *)data, size, steps, BULK_MAX, &n);
	if ((k == 0) != (n > 0) || n > BULK_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!app_receipt_valid(steps[i].it.receipt) || !app_status_valid(steps[i].it.to) ||
		    !app_status_valid(steps[i].seen) || steps[i].seen_event < 1)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(steps[i].it.receipt, steps[j].it.receipt))
				abort();
	}
}

typedef struct seen {
	size_t rows, line;
} seen;

static int check_row(const csv_read_row *row, void *arg)
{
	seen *s = arg;
	if (row->n < 1 || row->n > CSV_READ_CELLS_MAX || row->line < s->line || row->line < 1)
		abort();
	for (size_t i = 0; i < row->n; i++)
		if (row->len[i] > CSV_READ_CELL_MAX || row->cell[i][row->len[i]] != '\0')
			abort();
	s->line = row->line;
	s->rows++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf u;
	seen s = {0, 1};
	size_t line = 0;
	buf_init(&u, 1 << 20);
	int enc = csv_utf8((const char *)data, size, &u);
	if (enc >= 0 && !utf8_valid(u.data ? u.data : "", u.len))
		abort();
	const char *text = enc >= 0 ? (u.data ? u.data : "") : (const char *)data;
	size_t len = enc >= 0 ? u.len : size;
	int e = csv_read(text, len, 50, check_row, &s, &line);
	if (s.rows > 50 || (e != CSV_READ_OK && line < 1) || e == CSV_READ_STOP)
		abort();
	buf_release(&u);
	size_t n = 0, bad = 0;
	int cp932 = 0;
	enum bulk_csv_err b =
	    bulk_csv_items((const char *)data, size, items, BULK_MAX, &n, &bad, &cp932);
	if ((b == BULK_CSV_OK) != (n > 0) || n > BULK_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!app_receipt_valid(items[i].receipt) || !app_status_valid(items[i].to))
			abort();
	check_steps(data, size);
	return 0;
}
