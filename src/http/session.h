/* session: sessions kept in the database (cookie = a random token, stored as its SHA-256),
 * idle and absolute timeouts, a new id at login and at every privilege change, and the
 * CSRF token of each session that every state-changing form must carry. */
#ifndef MADOGUCHI_SESSION_H
#define MADOGUCHI_SESSION_H

#include "http/http.h"
#include "util/token.h"

struct store;

/* On the loop: reads the cookie and the session row (a read, no fsync). Expired or unknown
 * sessions leave r->has_session 0. Queues a touch when last_seen is over a minute old. */
void session_load(req *r);

/* On a pool thread: a new session for account_id (0: not logged in). cookie receives the
 * value to send (TOKEN_LEN + 1 bytes); *out the row. */
int session_create(struct store *s, long long account_id, long long now, char *cookie,
                   req_session *out);

/* For a form shown to someone without a session: the CSRF token (TOKEN_LEN + 1 bytes into
 * out) of the client's pre-session cookie, made and set when it has none; no database
 * write. -1 when no random bytes could be had. */
int session_pre_token(req *r, char *out);
/* 1 when the form carries the token of the client's pre-session cookie (see session.c). */
int session_pre_csrf_ok(const req *r, const form *f);

/* The Set-Cookie of the response: value NULL clears the cookie. */
void session_set_cookie(req *r, const char *value);

/* 1 when the form carries the session's CSRF token. */
int csrf_ok(const req *r, const form *f);

/* Parses an application/x-www-form-urlencoded body into f. On failure it has answered
 * (400) and returns -1; f is released either way on failure. */
int req_body_form(req *r, form *f);

/* A local path to return to after login: "/..." but not "//..." nor "/\\...", without
 * control characters or backslashes, else "" (so no return address leads off-site). */
void return_path(const char *in, char *out, size_t outlen);

/* The client's address as text (for throttling and logs): the connection's peer, or when
 * that is one of the configured trusted_proxies, the client it names in X-Forwarded-For
 * (netaddr_client). The text stays valid until the next call on the same thread. */
const char *req_peer(const req *r);

/* Staff sessions (the console under /staff): their own cookie (madoguchi_staff, __Host-staff
 * under https; HttpOnly, SameSite=Strict), table and timeouts (staff_session_idle_minutes,
 * staff_session_absolute_hours). A resident's session is never one of them. */
/* On the loop: 1 with *out (account_id: the staff id) when the request carries a live staff
 * session, else 0 (also on a store error). Queues a touch as session_load does. */
int staff_session_load(const req *r, req_session *out);
/* On a pool thread: a new staff session; cookie gets the value (TOKEN_LEN + 1). 0 or -1. */
int staff_session_create(struct store *s, long long staff_id, long long now, char *cookie,
                         req_session *out);
/* The staff cookie's Set-Cookie: value NULL clears it. */
void staff_session_set_cookie(req *r, const char *value);
/* 1 when the form carries the staff session's CSRF token. */
int staff_csrf_ok(const req_session *ss, const form *f);

#endif
