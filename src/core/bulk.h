/* bulk: the list of a bulk decision (一括決定) as a staff member uploads it: a CSV of receipt
 * number and new status per line (status by its name, "accepted", or its label, 「受付」), a
 * first line that is not a receipt number taken as the header, UTF-8 with or without BOM or
 * CP932 (core/csv.h). The whole list or nothing: the first bad line is reported with its
 * number and why, and no item of the upload is kept. No HTTP, no SQL. */
#ifndef MADOGUCHI_BULK_H
#define MADOGUCHI_BULK_H

#include <stddef.h>

#include "core/application.h"
#include "store/store.h"
#include "util/buf.h"

#define BULK_MAX 500            /* applications in one bulk decision */
#define BULK_CSV_MAX (64 << 10) /* bytes of an upload (BULK_MAX lines fit with room) */
#define BULK_STATUS_MAX 32

typedef struct bulk_item {
	char receipt[APP_RECEIPT_MAX + 1];
	char to[BULK_STATUS_MAX + 1]; /* a status name of the table */
} bulk_item;

enum bulk_csv_err {
	BULK_CSV_OK = 0,
	BULK_CSV_ENCODING, /* neither UTF-8 nor CP932 (line 0) */
	BULK_CSV_SYNTAX,   /* not RFC 4180 (a quote out of place) */
	BULK_CSV_CELLS,    /* not two cells */
	BULK_CSV_RECEIPT,  /* not a receipt number */
	BULK_CSV_STATUS,   /* not a status */
	BULK_CSV_TWICE,    /* a receipt already listed above */
	BULK_CSV_TOO_MANY, /* more than max lines */
	BULK_CSV_EMPTY,    /* no line (line 0) */
	BULK_CSV_ENOMEM,
};

/* Reads the upload s[0..n) into items (room for max <= BULK_MAX), *nout of them:
 * BULK_CSV_OK, or the error with *line the line at fault (0 for the whole file) and *nout 0.
 * *cp932: 1 when the file was read as CP932. */
enum bulk_csv_err bulk_csv_items(const char *s, size_t n, bulk_item *items, size_t max,
                                 size_t *nout, size_t *line, int *cp932);

/* The statuses a bulk decision may set: those staff reach from some status without a reason
 * or message, in the table's order, into out (room for max); their number. */
size_t bulk_targets(const char **out, size_t max);

/* What applying one item would do, as its dry run shows it. */
enum bulk_verdict {
	BULK_WOULD,       /* allowed: status -> to */
	BULK_NOT_FOUND,   /* no such application */
	BULK_NO_ROLE,     /* the staff member is not a reviewer (審査) of its procedure */
	BULK_NOT_ALLOWED, /* the transition table does not allow status -> to */
	BULK_NEEDS_TEXT,  /* a change that needs a reason or message: one at a time */
};
typedef struct bulk_plan {
	char proc[STORE_PROC_ID_MAX + 1]; /* its procedure ("" when not found) */
	char status[BULK_STATUS_MAX + 1]; /* the status now ("" when not found) */
	long long event;                  /* the newest event now: decision_apply's seen_event */
	char mail[STORE_EMAIL_MAX + 1];   /* the applicant's address masked, "" when no mail goes */
	enum bulk_verdict verdict;
} bulk_plan;

/* The dry run of it for staff member staff_id into *out (zeroed first), reads only: 0, or -1
 * on a store error. */
int bulk_preview(store *s, long long staff_id, const bulk_item *it, bulk_plan *out);

/* An address with its local part masked after its first character ("t***@example.jp") into
 * out; "***" when it has no "@". */
void bulk_mask_email(const char *email, char *out, size_t outlen);

/* One step of the apply form: an item of the dry run with what it saw (decision_apply's
 * seen_status and seen_event), so that an application changed since is not overwritten. */
typedef struct bulk_step {
	bulk_item it;
	char seen[BULK_STATUS_MAX + 1];
	long long seen_event;
} bulk_step;

/* The steps st[0..n) as the apply form carries them (one hidden field: a CSV line "receipt,
 * to,seen,seen_event" each) appended to out: 0, or -1 at out's maximum. */
int bulk_steps_write(const bulk_step *st, size_t n, buf *out);

/* The apply form's field s[0..n) (untrusted: a staff member can edit it) back into st (room
 * for max <= BULK_MAX), *nout of them: 0, or -1 when any line is not a step (a receipt
 * number, two statuses of the table, an event id >= 1) or a receipt comes twice; nothing is
 * kept then. */
int bulk_steps_read(const char *s, size_t n, bulk_step *st, size_t max, size_t *nout);

#endif
