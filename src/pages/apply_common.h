/* apply_common: what the applying pages share (form.c, confirm.c, mypage.c): whose drafts
 * these are, the gate of a procedure's pages, the busy and refusal pages, the step bar, and
 * an application's owner check. Internal to src/pages. */
#ifndef MADOGUCHI_APPLY_COMMON_H
#define MADOGUCHI_APPLY_COMMON_H

#include <jansson.h>

#include "core/procedure.h"
#include "core/submit.h"
#include "http/http.h"
#include "store/store.h"

/* At most this many attachments per draft (all file fields together). */
#define APPLY_MAX_ATT SUBMIT_MAX_ATTACHMENTS

/* The owner of a person's drafts: the account when logged in, else the session. Returns -1
 * when there is neither (the caller then makes a session or asks for login). */
int apply_owner_of(const req *r, char *out, size_t outlen);
/* The owner's open draft of the procedure, as store_draft_open, an expired one not found. */
int apply_draft_open(const req *r, const char *owner, const procedure *p, store_draft *d);
/* The procedure of the path, checked: it exists, its window is open, the person is logged
 * in when it needs login. Answers (404 / redirect) and returns NULL otherwise. */
const procedure *apply_gate(req *r);
/* The 403 page of a refused token. */
void apply_render_forbidden(req *r);
/* A POST whose form carries nothing but the session's CSRF token: reads the body and checks
 * the token: 1; else answered (by req_body_form, or the 403 page) and 0. */
int apply_post_token(req *r);
/* The 503 page; msg (NULL: the general one) says what did not happen, so that nobody
 * believes it was done. */
void apply_render_busy(req *r, const char *msg);
/* The step bar 入力 → 確認 → 完了 with step current (0-based). */
json_t *apply_steps(int current);
/* s as a JSON string, "" for NULL (or text that is not UTF-8). */
json_t *apply_str_or_empty(const char *s);
/* Loads the person's application of the path (receipt in params[0]); answers 404 or 503
 * and returns -1 otherwise. */
int apply_load_own(req *r, store_application *ap);

#endif
