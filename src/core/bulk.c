/* bulk: the upload of a bulk decision read into its items (see bulk.h). */
#include "core/bulk.h"

#include <stdio.h>
#include <string.h>

#include "core/csv.h"
#include "util/buf.h"

typedef struct reading {
	bulk_item *items;
	size_t max, n;
	enum bulk_csv_err err;
} reading;

/* The cell without the spaces around it (Excel users pad cells), into out; 0 when too long. */
static int trimmed(const char *s, size_t n, char *out, size_t outlen)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* The status named or labelled s, or NULL. */
static const char *status_of(const char *s)
{
	size_t n;
	const app_status *st = app_statuses(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, st[i].name) || !strcmp(s, st[i].label))
			return st[i].name;
	return NULL;
}

static int one_row(const csv_read_row *row, void *arg)
{
	reading *rd = arg;
	char receipt[APP_RECEIPT_MAX + 1] = "", status[4 * BULK_STATUS_MAX + 1] = "";
	const char *to = NULL;
	int got = row->n == 2 && trimmed(row->cell[0], row->len[0], receipt, sizeof(receipt)) &&
	          app_receipt_valid(receipt);
	if (!got && row->n == 2 && rd->n == 0 && row->line == 1) /* the header */
		return 0;
	if (row->n != 2)
		rd->err = BULK_CSV_CELLS;
	else if (!got)
		rd->err = BULK_CSV_RECEIPT;
	else if (!trimmed(row->cell[1], row->len[1], status, sizeof(status)) ||
	         !(to = status_of(status)))
		rd->err = BULK_CSV_STATUS;
	else if (rd->n >= rd->max)
		rd->err = BULK_CSV_TOO_MANY;
	for (size_t i = 0; rd->err == BULK_CSV_OK && i < rd->n; i++)
		if (!strcmp(rd->items[i].receipt, receipt))
			rd->err = BULK_CSV_TWICE;
	if (rd->err != BULK_CSV_OK)
		return -1;
	snprintf(rd->items[rd->n].receipt, sizeof(rd->items[0].receipt), "%s", receipt);
	snprintf(rd->items[rd->n].to, sizeof(rd->items[0].to), "%s", to);
	rd->n++;
	return 0;
}

enum bulk_csv_err bulk_csv_items(const char *s, size_t n, bulk_item *items, size_t max,
                                 size_t *nout, size_t *line, int *cp932)
{
	buf u;
	reading rd = {items, max > BULK_MAX ? BULK_MAX : max, 0, BULK_CSV_OK};
	*nout = 0;
	*line = 0;
	buf_init(&u, 2 * BULK_CSV_MAX);
	int enc = n <= BULK_CSV_MAX ? csv_utf8(s, n, &u) : -1;
	*cp932 = enc == 1;
	if (enc < 0) {
		buf_release(&u);
		return n <= BULK_CSV_MAX ? BULK_CSV_ENCODING : BULK_CSV_TOO_MANY;
	}
	/* one line more than allowed, the header's */
	int e = csv_read(u.data ? u.data : "", u.len, rd.max + 1, one_row, &rd, line);
	buf_release(&u);
	if (e == CSV_READ_STOP)
		return rd.err;
	if (e != CSV_READ_OK)
		return e == CSV_READ_ROWS     ? BULK_CSV_TOO_MANY
		       : e == CSV_READ_ENOMEM ? BULK_CSV_ENOMEM
		       : e == CSV_READ_CELLS  ? BULK_CSV_CELLS
		                              : BULK_CSV_SYNTAX;
	if (rd.n == 0)
		return BULK_CSV_EMPTY;
	*nout = rd.n;
	return BULK_CSV_OK;
}
