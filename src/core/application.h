/* application: the rules of an application (申請) once it is submitted, in one place for the
 * store, the pages and the benchmark: its statuses with their labels, which are final and
 * from which the applicant may withdraw, the transitions between them (one table: who may
 * move an application from which status to which), and the receipt number (受付番号).
 * No HTTP, no SQL. */
#ifndef MADOGUCHI_APPLICATION_H
#define MADOGUCHI_APPLICATION_H

#include <stddef.h>

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
/* The statuses from which by may move an application to to, as a NULL-terminated list in
 * out (room for max entries, the NULL included); returns their number. The store checks a
 * change against such a list inside its transaction (store_application_set_status). */
size_t app_transition_sources(const char *to, enum app_actor by, const char **out, size_t max);

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

#endif
