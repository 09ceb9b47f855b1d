/* bulk: the upload of a bulk decision read into its items (see bulk.h). */
#include "core/bulk.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/csv.h"
#include "core/staff.h"
#include "util/buf.h"
#include "util/num.h"

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

size_t bulk_targets(const char **out, size_t max)
{
	size_t n, k = 0;
	const app_status *st = app_statuses(&n);
	for (size_t to = 0; to < n && k < max; to++)
		for (size_t from = 0; from < n; from++)
			if (app_transition_allowed(st[from].name, st[to].name, APP_BY_STAFF) &&
			    !app_transition_needs_note(st[from].name, st[to].name, APP_BY_STAFF)) {
				out[k++] = st[to].name;
				break;
			}
	return k;
}

void bulk_mask_email(const char *email, char *out, size_t outlen)
{
	const char *at = strchr(email, '@');
	if (!at || at == email)
		snprintf(out, outlen, "***");
	else /* the first byte of an ASCII local part; a non-ASCII one is masked whole */
		snprintf(out, outlen, "%.*s***%s", (unsigned char)email[0] < 0x80, email, at);
}

/* The masked address of account id into out ("" for none, or an account gone). */
static int mail_of(store *s, long long id, char *out, size_t outlen)
{
	store_account acct;
	out[0] = '\0';
	if (id < 1)
		return 0;
	int rc = store_account_by_id(s, id, &acct);
	if (rc == STORE_OK)
		bulk_mask_email(acct.email, out, outlen);
	return rc == STORE_OK || rc == STORE_ENOTFOUND ? 0 : -1;
}

int bulk_preview(store *s, long long staff_id, const bulk_item *it, bulk_plan *out)
{
	store_application ap;
	enum staff_role role = STAFF_NO_ROLE;
	memset(out, 0, sizeof(*out));
	int rc = store_application_get(s, it->receipt, &ap);
	if (rc == STORE_ENOTFOUND || rc == STORE_EINPUT) {
		out->verdict = BULK_NOT_FOUND;
		return 0;
	}
	if (rc != STORE_OK)
		return -1;
	snprintf(out->status, sizeof(out->status), "%s", ap.status);
	snprintf(out->proc, sizeof(out->proc), "%s", ap.proc_id);
	int k = store_application_last_event(s, it->receipt, &out->event) == STORE_OK &&
	                staff_role_of(s, staff_id, ap.proc_id, &role) == 0 &&
	                mail_of(s, ap.account_id, out->mail, sizeof(out->mail)) == 0
	            ? 0
	            : -1;
	store_application_release(&ap);
	if (role != STAFF_REVIEWER)
		out->verdict = BULK_NO_ROLE;
	else if (!app_transition_allowed(out->status, it->to, APP_BY_STAFF))
		out->verdict = BULK_NOT_ALLOWED;
	else if (app_transition_needs_note(out->status, it->to, APP_BY_STAFF))
		out->verdict = BULK_NEEDS_TEXT;
	return k;
}

int bulk_steps_write(const bulk_step *st, size_t n, buf *out)
{
	char ev[24];
	for (size_t i = 0; i < n; i++) {
		snprintf(ev, sizeof(ev), "%lld", st[i].seen_event);
		if (csv_cell(out, st[i].it.receipt, strlen(st[i].it.receipt), 1) < 0 ||
		    csv_cell(out, st[i].it.to, strlen(st[i].it.to), 0) < 0 ||
		    csv_cell(out, st[i].seen, strlen(st[i].seen), 0) < 0 ||
		    csv_cell(out, ev, strlen(ev), 0) < 0 || csv_row_end(out) < 0)
			return -1;
	}
	return 0;
}

typedef struct steps_reading {
	bulk_step *st;
	size_t max, n;
} steps_reading;

/* A cell of row that is a status of the table, copied into out. */
static int status_cell(const csv_read_row *row, size_t i, char *out)
{
	if (row->len[i] > BULK_STATUS_MAX || strlen(row->cell[i]) != row->len[i] ||
	    !app_status_valid(row->cell[i]))
		return 0;
	memcpy(out, row->cell[i], row->len[i] + 1);
	return 1;
}

static int one_step(const csv_read_row *row, void *arg)
{
	steps_reading *rd = arg;
	long ev = 0;
	if (rd->n >= rd->max || row->n != 4 || row->len[0] > APP_RECEIPT_MAX ||
	    strlen(row->cell[0]) != row->len[0] || !app_receipt_valid(row->cell[0]) ||
	    num_parse_long(row->cell[3], 1, LONG_MAX, &ev))
		return -1;
	bulk_step *st = &rd->st[rd->n];
	memcpy(st->it.receipt, row->cell[0], row->len[0] + 1);
	if (!status_cell(row, 1, st->it.to) || !status_cell(row, 2, st->seen))
		return -1;
	st->seen_event = ev;
	for (size_t i = 0; i < rd->n; i++)
		if (!strcmp(rd->st[i].it.receipt, st->it.receipt))
			return -1;
	rd->n++;
	return 0;
}

int bulk_steps_read(const char *s, size_t n, bulk_step *st, size_t max, size_t *nout)
{
	steps_reading rd = {st, max > BULK_MAX ? BULK_MAX : max, 0};
	size_t line = 0;
	*nout = 0;
	if (csv_read(s, n, rd.max, one_step, &rd, &line) != CSV_READ_OK || rd.n == 0)
		return -1;
	*nout = rd.n;
	return 0;
}
