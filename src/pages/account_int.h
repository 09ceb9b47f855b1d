/* account_int: what the account screens share, for their files only (account.c: the job
 * machinery, the forms and account settings; login.c; register.c: registration, its
 * confirmation and the resent link; password.c: forgotten password and reset). Every action
 * that hashes a password or writes is a job: copied from the request on the loop, worked on
 * the pool (defer.h), rendered by its completion on the loop. */
#ifndef MADOGUCHI_PAGES_ACCOUNT_INT_H
#define MADOGUCHI_PAGES_ACCOUNT_INT_H

#include <jansson.h>

#include "core/account.h"
#include "core/staff.h"
#include "core/totp.h"
#include "http/http.h"
#include "http/session.h"
#include "store/store.h"

#define VERIFY_TTL (24 * 3600)
#define RESET_TTL 3600
#define EMAIL_TTL (24 * 3600)

/* Messages of more than one screen. */
extern const char ACCT_THROTTLED[]; /* job->msg of a request over a throttle's limit */

/* A link mailed on request (email_form_post): a new token of kind for the account of the
 * address, if there is one, within the mailbox's quota; the old unused links of the kind
 * end. */
typedef struct link_mail {
	const char *form; /* the form's template: "forgot" or "resend" */
	const char *kind; /* of the token */
	long long ttl;
	const char *subject; /* after 【city】 */
	const char *body;    /* the format of queue_mail */
	const char *path;    /* of the link */
	int only_unverified; /* none for an address already confirmed */
} link_mail;

typedef struct job job;
/* On the pool: fills the results of j. */
typedef void job_work_fn(store *s, const app *a, job *j);
/* On the loop: answers from the results (the session change is applied before). */
typedef void job_done_fn(req *r, job *j);

/* One job of an account action: inputs copied from the request, results filled on the pool
 * thread, rendered by the completion on the loop. */
struct job {
	job_work_fn *work;
	job_done_fn *done;
	char email[ACCOUNT_EMAIL_MAX + 1];
	char *pw; /* secret: zeroed and freed with the job */
	size_t pw_len;
	char *pw2; /* the current password for changes */
	size_t pw2_len;
	char token[TOKEN_LEN + 1];
	char ret[512];
	char peer[64];
	char tmpl[32];         /* template of the anonymous-session form to render */
	const link_mail *link; /* of email_form_post */
	req_session sess;      /* the request's session (copy) */
	int had_session;
	/* results */
	int ok;
	const char *msg;   /* message for the person (static) */
	const char *field; /* field the message belongs to */
	char cookie[TOKEN_LEN + 1];
	req_session new_sess;
	int new_session, clear_session;
	long long wait_until;
	char account_email[ACCOUNT_EMAIL_MAX + 1];
	/* the staff screens (staff_login.c, staff_enrol.c): the code typed is in pw2 */
	long long staff_id;
	char staff_name[STORE_STAFF_NAME_MAX + 1];
	char totp_secret[STORE_TOTP_SECRET_MAX + 1];
	char recovery[STAFF_RECOVERY_CODES][STAFF_RECOVERY_LEN + 1];
};

/* A new job of the request's peer and session; NULL when out of memory. */
job *acct_job_new(req *r, job_work_fn *work, job_done_fn *done);
void acct_job_free(job *j);
/* Copies the form value name (or "") into *dst (malloc'd) for a secret of the job. */
int copy_secret(char **dst, size_t *dlen, const form *f, const char *name);
/* Runs j on the pool and answers with j->done; a NULL j (out of memory) gets the 503 page. */
void defer_job(req *r, job *j);
/* Copies the form's secret name (none when NULL) into j->pw, releases f and defers j. */
void defer_with_secret(req *r, form *f, job *j, const char *name);
/* Runs j on the pool after the answer was given (mailing work that must not show in the
 * answer's timing); j is freed. */
void defer_job_background(job *j);

/* The fields of a login form: the address (email typed back) and the password. */
json_t *login_fields(const char *email);
/* The start of every POST: the form and the CSRF check (the session's token). 0 when the
 * handler goes on, else answered (400 or 403) with f released. */
int post_start(req *r, form *f);
/* The same with another check of the form's CSRF token. */
typedef int csrf_check_fn(const req *r, const form *f);
int post_start_with(req *r, form *f, csrf_check_fn *check);
/* A logout's session delete with status e: j->ok when the session is gone (deleted, or
 * already gone), else logged under what. Returns e. */
int logout_status(store *s, job *j, int e, const char *what);
/* A logout's answer: a redirect to where, or the 503 page when the store kept the session
 * (the cookie goes either way: the person is told that the logout did not finish). */
void logout_answer(req *r, const job *j, const char *where);
size_t acct_value_len(const form *f, const char *name);
/* The address as typed, for typing it back: "" when it is not clean text. */
const char *typed_email(const form *f);
/* 1 when t has the form of a mailed token. */
int token_param(const char *t);
/* GET of a form that needs a CSRF token: with a session it renders at once, without one it
 * first creates an anonymous session on the pool. tmpl: login, register, forgot, resend,
 * reset, confirm-register, confirm-email. */
void form_page(req *r, const char *tmpl, const char *token, const char *ret);
/* GET of a mailed link: the token's form, or the page of a bad link. */
void link_page(req *r, const char *tmpl);
/* POST of a mailed link's form; with_password: the reset's new password is checked first. */
void token_post(req *r, job_work_fn *work, job_done_fn *done, int with_password);

/* POST of 「パスワードを忘れた」 or 「確認メールの再送」: a checked address is answered at once
 * and the link of m is mailed afterwards on the pool, the same way for every address, so
 * that how long the answer takes cannot tell a registered one. */
void email_form_post(req *r, const link_mail *m);

/* Rendering. */
json_t *acct_field(const char *name, const char *label, const char *type, const char *value,
                   const char *error, const char *autocomplete, const char *hint);
void acct_set_error(json_t *ctx, const char *fieldname, const char *msg);
void render_message(req *r, int status, const char *heading, const char *p1, const char *p2,
                    const char *href, const char *link_text);
void render_unavailable(req *r, const char *heading); /* 503 */
void render_throttled(req *r);                        /* 429 */
void acct_forbidden(req *r);                          /* 403 */
void render_bad_link(req *r);                         /* 400 */
void render_email_form(req *r, const char *kind, const char *email, const char *err, int status);
void render_login(req *r, const char *email, const char *ret, const char *msg, const char *notice,
                  int status);
void render_register(req *r, const char *email, const char *email_err, const char *pw_err,
                     int status);
void render_reset(req *r, const char *token, const char *err, int status);

/* The message of a login over its throttle (login.c): until when (Japan time) it waits. */
void locked_message(const app *a, long long wait_until, char *msg, size_t len);
/* The login throttles and hashing of the configuration (login.c; staff login too). */
struct login_rules login_rules_of(const app *a);

/* Work helpers. */
pw_params params_of(const app *a);
/* Queues the mail of body_fmt (three %s: city, site, link) to `to`, with the link
 * base_url + path (+ "?token=" token when not NULL). A store status. */
int queue_mail(store *s, const app *a, const char *to, const char *subject_tail,
               const char *body_fmt, const char *path, const char *token);
/* A new single-use token of kind for account into token (TOKEN_LEN + 1); 0 or -1. */
int new_token(store *s, const char *kind, long long account, const char *data, long long ttl,
              char *token);

#endif
