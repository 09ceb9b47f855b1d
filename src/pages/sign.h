/* sign: the e-signature hand-off between the confirmation page and the signing app (sign.c). */
#ifndef MADOGUCHI_PAGES_SIGN_H
#define MADOGUCHI_PAGES_SIGN_H

#include "http/http.h"

/* The madoguchi-sign: link of request id for this portal (from base_url):
 * "madoguchi-sign://HOST[:PORT]/sign/ID". 0, or -1 when it does not fit. */
int sign_link(const app *a, const char *id, char *out, size_t outlen);

/* Renders the confirmation page ctx (consumed) after making a new sign request for the draft
 * as it is now (content: its canonical JSON, digest: its SHA-256, lines: what the page shows,
 * borrowed); the page's "signature" object gets "link", "qr_svg" and "minutes". Answers. */
void sign_confirm_page(req *r, json_t *ctx, const char *draft_key, const char *digest,
                       const char *title, const char *content, json_t *lines);

#endif
