/* application: the rules of an application (申請) once it is submitted, in one place for the
 * store, the pages and the benchmark: its statuses with their labels, which are final and
 * from which the applicant may withdraw, the transitions between them (one table: who may
 * move an application from which status to which), the receipt number (受付番号), and the
 * content of an application built from what a resident typed (app_content_build, the same
 * for the confirmation page and the submission). No HTTP, no SQL. */
#ifndef MADOGUCHI_APPLICATION_H
#define MADOGUCHI_APPLICATION_H

#include <stddef.h>

#include "core/answers.h"

/* A status as the database stores it ("sent") and as residents and staff read it (送信済).
 * final: nothing follows (a decision, or a withdrawal); withdrawable: nothing has been
 * decided yet, so the applicant may still withdraw (取下げ). */
typedef struct app_status {
	const char *name;
	const char *label;
	int final;
	int withdrawable;
} app_status;

/* The statuses in the order of an application's life, n_out their number. */
const app_status *app_statuses(size_t *n_out);
/* The status called name, or NULL when there is none. */
const app_status *app_status_find(const char *name);
/* Its label; an unknown name is shown as itself (an older row must still be readable). */
const char *app_status_label(const char *name);
/* 1 when name is a status of the table. */
int app_status_valid(const char *name);
/* 1 when the applicant may still withdraw an application in this status. */
int app_status_withdrawable(const char *name);
/* 1 when nothing follows this status. */
int app_status_final(const char *name);

/* Who moves an application: the resident who applied, or the city's staff. */
enum app_actor { APP_BY_APPLICANT = 1, APP_BY_STAFF = 2 };

/* 1 when by may move an application from status from to status to. */
int app_transition_allowed(const char *from, const char *to, enum app_actor by);
/* 1 when that change needs a text for the applicant: the reason of a rejection (申請却下,
 * 行政手続法 第8条), the message of a return (差し戻し). 0 for a change not allowed. */
int app_transition_needs_note(const char *from, const char *to, enum app_actor by);
/* The statuses to which by may move an application from from, in the table's order, as a
 * NULL-terminated list in out (room for max entries, the NULL included); their number. */
size_t app_transition_targets(const char *from, enum app_actor by, const char **out, size_t max);
/* The statuses from which by may move an application to to, as a NULL-terminated list in
 * out (room for max entries, the NULL included); returns their number. The store checks a
 * change against such a list inside its transaction (store_application_set_status). */
size_t app_transition_sources(const char *to, enum app_actor by, const char **out, size_t max);

/* The note of the event of a resubmission, the application's version-th (>= 2) version
 * after a return for correction: 「再申請（第2版）」. Returns 0, or -1 for a version below 2 or
 * an out too small (64 bytes are enough). */
int app_resubmit_note(int version, char *out, size_t len);

/* The receipt number: "YYYY-NNNNNN", the year of submission in Japan time and a counter per
 * year, six digits or more (more once a year passes 999999), at most APP_RECEIPT_MAX
 * bytes. */
#define APP_RECEIPT_MAX 24
/* 1 when r has that syntax. */
int app_receipt_valid(const char *r);
/* Writes the receipt of counter n (>= 1) of year (1..9999) into out (APP_RECEIPT_MAX + 1
 * bytes are enough); returns 0, or -1 for a year or counter out of range. */
int app_receipt_format(int year, long long n, char *out, size_t len);
/* The calendar year in Japan at Unix time now (a submission at 00:30 on 1 January JST
 * belongs to the new year); 0 when now is out of range. */
int app_receipt_year(long long now);

/* A draft's raw input (JSON text as saved; NULL is an empty input) as an object: NUL bytes
 * typed in a field are kept (\u0000) so that the form engine refuses them again instead of
 * losing them. NULL when the text is not JSON (or out of memory). */
json_t *app_raw_load(const char *text);

/* Checks raw input (answers_validate) and the attachments (object field -> array of
 * {filename, sha256, size}; may be NULL: none) against p: every error is appended to errs,
 * the answers' first, then a required file field without a file. Returns the normalised
 * answers (NULL when raw is not an object); errs says whether they are complete. */
json_t *app_answers_check(const procedure *p, json_t *raw, json_t *attachments,
                          bank_lookup_fn banks, void *banks_ctx, json_t *errs);

/* What an application says, from its raw input and attachments: the answers (computed
 * fields filled), the canonical JSON that signatures bind to with its SHA-256 and the
 * display lines (answers_display), as both the confirmation page and the submission need
 * them. */
typedef struct app_content {
	json_t *answers;
	char *canonical; /* malloc'd, NUL-terminated */
	char digest[65];
	json_t *lines;
} app_content;

enum app_content_result { APP_CONTENT_OK = 0, APP_CONTENT_ERRORS = 1, APP_CONTENT_ENOMEM = -1 };

/* Builds *out (zeroed first) from raw and attachments as app_answers_check checks them.
 * APP_CONTENT_ERRORS when errs got an error (or raw is not an object), APP_CONTENT_ENOMEM
 * when out of memory; *out is then empty. Release with app_content_release either way. */
enum app_content_result app_content_build(const procedure *p, json_t *raw, json_t *attachments,
                                          bank_lookup_fn banks, void *banks_ctx, json_t *errs,
                                          app_content *out);
void app_content_release(app_content *c);

#endif
