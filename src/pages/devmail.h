/* devmail: the development mailbox (GET /dev/mail). With dev_mode on and mail_mode "dev" no
 * mail leaves the portal; this page shows the newest ones of the outbox instead, with the
 * links of their bodies clickable, so a developer can follow a confirmation link. */
#ifndef MADOGUCHI_DEVMAIL_H
#define MADOGUCHI_DEVMAIL_H

#include "http/http.h"
#include "util/buf.h"

/* GET /dev/mail: the site's 404 unless cfg.dev_mode and mail_mode "dev". */
void page_dev_mail(req *r);

/* Appends body HTML-escaped, with each http:// or https:// URL in it made a link (and no
 * other scheme). The URL ends at a space, a control, a non-ASCII byte or one of <>"'`,
 * and trailing punctuation .,;:!?) is left out of it. Returns 0, or -1 when out is full. */
int devmail_body_html(buf *out, const char *body);

#endif
