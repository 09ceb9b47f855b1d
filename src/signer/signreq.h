/* signreq: the untrusted inputs of the signing app, parsed and checked with no I/O: the
 * signing link (madoguchi-sign://HOST[:PORT]/sign/ID or the API URL itself), the allow-list of
 * portals, the portal's JSON sign request (GET /api/sign/ID) with its SHA-256 check, and the
 * portal's JSON answers (errors of the GET, the answer to the POST of the signature).
 * The hand-off contract is in docs/signer.md. Every input is bounded; every string that the
 * app will print is checked for control and bidi characters so a portal cannot draw on the
 * person's terminal. Fuzzed by fuzz/fuzz_signreq.c. */
#ifndef MADOGUCHI_SIGNER_SIGNREQ_H
#define MADOGUCHI_SIGNER_SIGNREQ_H

#include <stddef.h>
#include <stdint.h>

/* ---- the link ------------------------------------------------------------------------- */

#define SIGNREQ_ID_LEN 43     /* 32 random bytes in base64url, no padding */
#define SIGNER_LINK_MAX 2048  /* longest link accepted */
#define SIGNER_HOST_MAX 253   /* longest DNS name; IPv6 literals are shorter */
#define SIGNER_ORIGIN_MAX 280 /* "https://" + host + ":65535" + NUL, with room */
#define SIGNER_URL_MAX 352    /* origin + "/api/sign/" + id + NUL, with room */
#define SIGNER_SCHEME "madoguchi-sign"

enum link_err {
	LINK_OK = 0,
	LINK_ETOOLONG,  /* longer than SIGNER_LINK_MAX, or a host over SIGNER_HOST_MAX */
	LINK_ECHARS,    /* spaces, control or non-ASCII characters, percent-encoding */
	LINK_ESCHEME,   /* neither madoguchi-sign:// nor https:// nor http:// */
	LINK_EUSERINFO, /* user@host: a trick to show one host and mean another */
	LINK_EHOST,     /* not a DNS name, a dotted-quad IPv4 or a bracketed IPv6 literal */
	LINK_EPORT,     /* empty, zero, over 65535 or not digits */
	LINK_EPATH,     /* not /sign/ID (madoguchi-sign:) or /api/sign/ID (http[s]:); query or
	                   fragment */
	LINK_EID,       /* the id is not 43 characters of A-Z a-z 0-9 _ - */
	LINK_EINSECURE, /* http:// to a host other than localhost, 127.0.0.1 or [::1] */
};
/* A static English description; never NULL. */
const char *link_strerror(int err);

struct signer_link {
	char host[SIGNER_HOST_MAX + 1]; /* lower case; an IPv6 literal keeps its brackets */
	unsigned port;                  /* 0: none given (the scheme's default) */
	int tls;                        /* 1: https, 0: http (local hosts only) */
	char id[SIGNREQ_ID_LEN + 1];
	char url[SIGNER_URL_MAX];       /* the API URL: https://HOST[:PORT]/api/sign/ID */
	char origin[SIGNER_ORIGIN_MAX]; /* https://HOST[:PORT], what the person is shown */
};

/* Parse a link given to the app: madoguchi-sign://HOST[:PORT]/sign/ID, or
 * https://HOST[:PORT]/api/sign/ID, or http://LOCAL[:PORT]/api/sign/ID where LOCAL is
 * localhost, 127.0.0.1 or [::1]. A madoguchi-sign link to a local host is fetched over http
 * (development); to any other host over https. Nothing but the exact path is accepted (no
 * query, fragment, trailing slash or dot segments). */
enum link_err signer_link_parse(const char *s, struct signer_link *out);
/* 1 when host (lower case, IPv6 with brackets) is localhost, 127.0.0.1 or [::1]. */
int signer_host_is_local(const char *host);
/* 1 when id is SIGNREQ_ID_LEN characters of the base64url alphabet. */
int signer_id_valid(const char *id, size_t len);

/* ---- the allow-list -------------------------------------------------------------------- */

#define SIGNER_ALLOW_MAX 64              /* entries */
#define SIGNER_ALLOW_FILE_MAX (64 << 10) /* bytes of the configuration file */

struct signer_allow_entry {
	char host[SIGNER_HOST_MAX + 1];
	unsigned port; /* 0: the scheme's default port only (443, or 80 for local http) */
};
struct signer_allow {
	size_t n;
	struct signer_allow_entry e[SIGNER_ALLOW_MAX];
};

/* Add HOST[:PORT] (the host by the same rules as a link's, any case). 0, or -1 when the entry
 * is malformed or the list is full. */
int signer_allow_add(struct signer_allow *a, const char *entry);
/* Add the entries of a file's text: one HOST[:PORT] a line; blank lines and lines starting with
 * '#' are skipped; surrounding spaces are ignored. 0, or -1 with *bad_line (1-based) set. */
int signer_allow_parse(struct signer_allow *a, const char *text, size_t len, size_t *bad_line);
/* 1 when the list is empty (no allow-list: every portal may ask) or holds the link's host and
 * port; 0 otherwise. */
int signer_allow_match(const struct signer_allow *a, const struct signer_link *l);

/* ---- the sign request ------------------------------------------------------------------- */

#define SIGNREQ_BODY_MAX ((size_t)1 << 20) /* the largest answer read from a portal */
#define SIGNREQ_LINES_MAX 200
#define SIGNREQ_NAME_MAX 200     /* bytes of portal_name */
#define SIGNREQ_TITLE_MAX 500    /* bytes of procedure_title */
#define SIGNREQ_LABEL_MAX 500    /* bytes of a line's label */
#define SIGNREQ_VALUE_MAX 4000   /* bytes of a line's value (may hold newlines) */
#define SIGNREQ_MESSAGE_MAX 2000 /* bytes of a portal's message to the person */

enum signreq_err {
	SIGNREQ_OK = 0,
	SIGNREQ_ENOMEM,
	SIGNREQ_ETOOBIG, /* over SIGNREQ_BODY_MAX */
	SIGNREQ_EJSON,   /* not JSON, or duplicate keys, or not an object */
	SIGNREQ_EFIELD,  /* a field missing, of the wrong type, out of bounds or with forbidden
	                    characters; the field's name is in why */
	SIGNREQ_EDIGEST, /* SHA-256(content) is not the digest given */
	SIGNREQ_EID,     /* the id is not the one that was asked for */
};
/* A static English description; never NULL. */
const char *signreq_strerror(int err);

struct signreq_line {
	char *label;
	char *value;
};
struct signreq {
	char id[SIGNREQ_ID_LEN + 1];
	char *portal_name;
	char *procedure_title;
	struct signreq_line *lines;
	size_t nlines;
	uint8_t *content; /* the exact bytes to sign (NUL-terminated for convenience) */
	size_t content_len;
	char digest[65]; /* lower-case hex */
	int64_t expires_at;
};

/* Parse the JSON of a sign request (len bytes), check every field and that the SHA-256 of
 * content is digest. want_id, when not NULL, must equal the id. why (whycap bytes, may be
 * NULL) gets the name of the offending field. On success *r owns its strings
 * (signreq_release); on failure *r is empty. */
enum signreq_err signreq_parse(const uint8_t *body, size_t len, const char *want_id,
                               struct signreq *r, char *why, size_t whycap);
void signreq_release(struct signreq *r);

/* 1 when s (len bytes, valid UTF-8 is checked too) can be printed on a terminal as is: no C0
 * control (except '\n' when newline_ok), DEL, C1 control, bidi override or line separator. */
int signreq_text_printable(const char *s, size_t len, int newline_ok);

/* ---- the portal's answers ---------------------------------------------------------------- */

enum portal_answer {
	PORTAL_SIGNED = 0, /* 200 {"status":"signed"} */
	PORTAL_REFUSED,    /* 422 {"error":"refused","reason":...,"message":...} */
	PORTAL_EXPIRED,    /* 410 {"error":"expired"} */
	PORTAL_USED,       /* 410 {"error":"used"} */
	PORTAL_NOT_FOUND,  /* 404 */
	PORTAL_UNEXPECTED, /* any other status or body */
};

enum portal_reason {
	REASON_UNKNOWN = 0, /* a reason this app does not know (the message is still shown) */
	REASON_EXPIRED,
	REASON_REVOKED,
	REASON_UNTRUSTED,
	REASON_BAD_SIGNATURE,
	REASON_DIGEST_MISMATCH,
	REASON_NOT_SIGNING_CERT,
};

struct portal_reply {
	enum portal_answer answer;
	enum portal_reason reason;
	char message[SIGNREQ_MESSAGE_MAX + 1]; /* the portal's words, printable; may be empty */
};

/* The answer to the POST of a signature: status and body (len bytes). */
void signer_post_reply_parse(long status, const uint8_t *body, size_t len,
                             struct portal_reply *out);
/* The answer to a GET that was not 200: PORTAL_NOT_FOUND, PORTAL_EXPIRED, PORTAL_USED or
 * PORTAL_UNEXPECTED. */
enum portal_answer signer_get_error_parse(long status, const uint8_t *body, size_t len);

/* SHA-256 of data as 64 lower-case hex digits (out: 65 bytes). */
void signreq_sha256_hex(const void *data, size_t len, char out[65]);

#endif
