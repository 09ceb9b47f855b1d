/* receipt: the mail that tells a resident their application was received (受付番号), the same
 * for the portal and the benchmark. No HTTP, no SQL. */
#ifndef MADOGUCHI_RECEIPT_H
#define MADOGUCHI_RECEIPT_H

#include <stddef.h>

/* Fills subject and body of the receipt mail of application receipt (procedure title,
 * submitted at Unix time submitted_at) for the portal city_name / site_name at base_url.
 * Texts longer than the buffers are cut. */
void receipt_mail(const char *city_name, const char *site_name, const char *base_url,
                  const char *receipt, const char *title, long long submitted_at, char *subject,
                  size_t subject_len, char *body, size_t body_len);

#endif
