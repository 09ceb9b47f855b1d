/* signreq: parsing and checking of the signing app's untrusted inputs (link, allow-list, the
 * portal's JSON). See signreq.h for the rules and docs/signer.md for the contract. */
#include "signer/signreq.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/enc.h"
#include "util/utf8.h"

/* ---- small helpers -------------------------------------------------------------------- */

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ieq_prefix(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);
	if (n != wl)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int signer_id_valid(const char *id, size_t len)
{
	if (!id || len != SIGNREQ_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)id[i];
		if (!is_alnum(c) && c != '-' && c != '_')
			return 0;
	}
	return 1;
}

int signer_host_is_local(const char *host)
{
	return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
	       strcmp(host, "[::1]") == 0;
}

/* A DNS name (labels of letters, digits and inner hyphens), a dotted-quad IPv4 address or a
 * bracketed IPv6 literal (written back in its canonical form). n bytes at p. */
static enum link_err parse_host(const char *p, size_t n, char out[SIGNER_HOST_MAX + 1])
{
	if (n == 0)
		return LINK_EHOST;
	if (p[0] == '[') {
		char in6[64], txt[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		if (n < 3 || p[n - 1] != ']' || n - 2 >= sizeof(in6))
			return LINK_EHOST;
		memcpy(in6, p + 1, n - 2);
		in6[n - 2] = '\0';
		/* inet_pton refuses zone ids (%eth0) and anything but an address */
		if (inet_pton(AF_INET6, in6, &a6) != 1 ||
		    !inet_ntop(AF_INET6, &a6, txt, sizeof(txt)))
			return LINK_EHOST;
		snprintf(out, SIGNER_HOST_MAX + 1, "[%s]", txt);
		return LINK_OK;
	}
	if (n > SIGNER_HOST_MAX)
		return LINK_ETOOLONG;
	size_t label = 0, last_label_start = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i];
		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return LINK_EHOST; /* empty label, trailing dot, label ending in '-'
				                    */
			out[i] = '.';
			label = 0;
			last_label_start = i + 1;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return LINK_EHOST;
		if (c == '-' && label == 0)
			return LINK_EHOST;
		if (++label > 63)
			return LINK_EHOST;
		out[i] = (char)lower(c);
	}
	if (label == 0 || p[n - 1] == '-')
		return LINK_EHOST;
	out[n] = '\0';
	/* A name whose last label starts with a digit must be a plain dotted quad: no top-level
	 * domain is numeric, and resolvers read 127.1, 0x7f.1 or 2130706433 as addresses. */
	if (is_digit((unsigned char)p[last_label_start])) {
		struct in_addr a4;
		if (inet_pton(AF_INET, out, &a4) != 1)
			return LINK_EHOST;
	}
	return LINK_OK;
}

/* HOST[:PORT] of n bytes. */
static enum link_err parse_hostport(const char *p, size_t n, char host[SIGNER_HOST_MAX + 1],
                                    unsigned *port)
{
	size_t hn = n;
	enum link_err e;

	*port = 0;
	if (n > 0 && p[0] == '[') {
		const char *rb = memchr(p, ']', n);
		if (!rb)
			return LINK_EHOST;
		hn = (size_t)(rb - p) + 1;
		if (hn < n && p[hn] != ':')
			return LINK_EHOST;
	} else {
		const char *colon = memchr(p, ':', n);
		if (colon)
			hn = (size_t)(colon - p);
	}
	e = parse_host(p, hn, host);
	if (e != LINK_OK)
		return e;
	if (hn < n) { /* ":PORT" */
		unsigned long v = 0;
		size_t digits = n - hn - 1;
		if (digits == 0 || digits > 5)
			return LINK_EPORT;
		for (size_t i = hn + 1; i < n; i++) {
			if (!is_digit((unsigned char)p[i]))
				return LINK_EPORT;
			v = v * 10 + (unsigned long)(p[i] - '0');
		}
		if (v == 0 || v > 65535)
			return LINK_EPORT;
		*port = (unsigned)v;
	}
	return LINK_OK;
}

const char *link_strerror(int err)
{
	switch (err) {
	case LINK_OK:
		return "ok";
	case LINK_ETOOLONG:
		return "the link is too long";
	case LINK_ECHARS:
		return "the link has spaces, control, non-ASCII or percent-encoded characters";
	case LINK_ESCHEME:
		return "not a madoguchi-sign:// or https:// link";
	case LINK_EUSERINFO:
		return "the link has a user name before the host (user@host)";
	case LINK_EHOST:
		return "the host is not a valid name or address";
	case LINK_EPORT:
		return "the port is not a number from 1 to 65535";
	case LINK_EPATH:
		return "the path is not /sign/ID (or /api/sign/ID)";
	case LINK_EID:
		return "the request id is not 43 characters of A-Z a-z 0-9 _ -";
	case LINK_EINSECURE:
		return "plain http:// is allowed only to localhost, 127.0.0.1 and [::1]";
	}
	return "unknown link error";
}

enum link_err signer_link_parse(const char *s, struct signer_link *out)
{
	enum { APP, HTTPS, HTTP } kind;
	const char *sep, *auth, *path, *id;
	size_t len, authlen, pathlen, prefix;
	enum link_err e;

	if (!s || !out)
		return LINK_ESCHEME;
	memset(out, 0, sizeof(*out));
	len = strnlen(s, SIGNER_LINK_MAX + 1);
	if (len > SIGNER_LINK_MAX)
		return LINK_ETOOLONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* no spaces, controls, non-ASCII; no percent-encoding (nothing in a valid link
		 * needs it) and no backslash (browsers read it as '/') */
		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '\\')
			return LINK_ECHARS;
	}
	sep = strstr(s, "://");
	if (!sep)
		return LINK_ESCHEME;
	if (ieq_prefix(s, (size_t)(sep - s), SIGNER_SCHEME))
		kind = APP;
	else if (ieq_prefix(s, (size_t)(sep - s), "https"))
		kind = HTTPS;
	else if (ieq_prefix(s, (size_t)(sep - s), "http"))
		kind = HTTP;
	else
		return LINK_ESCHEME;
	auth = sep + 3;
	authlen = strcspn(auth, "/?#");
	if (memchr(auth, '@', authlen))
		return LINK_EUSERINFO;
	if (auth[authlen] != '/')
		return authlen == 0 ? LINK_EHOST : LINK_EPATH;
	e = parse_hostport(auth, authlen, out->host, &out->port);
	if (e != LINK_OK)
		return e;
	path = auth + authlen;
	pathlen = strlen(path);
	if (strpbrk(path, "?#"))
		return LINK_EPATH;
	if (kind == APP) {
		if (strncmp(path, "/sign/", 6) != 0)
			return LINK_EPATH;
		prefix = 6;
	} else {
		if (strncmp(path, "/api/sign/", 10) != 0)
			return LINK_EPATH;
		prefix = 10;
	}
	id = path + prefix;
	if (strchr(id, '/'))
		return LINK_EPATH;
	if (!signer_id_valid(id, pathlen - prefix))
		return LINK_EID;
	memcpy(out->id, id, SIGNREQ_ID_LEN);
	out->id[SIGNREQ_ID_LEN] = '\0';

	if (kind == HTTPS)
		out->tls = 1;
	else if (kind == HTTP)
		out->tls = 0;
	else
		out->tls = !signer_host_is_local(out->host);
	if (!out->tls && !signer_host_is_local(out->host))
		return LINK_EINSECURE;

	if (out->port)
		snprintf(out->origin, sizeof(out->origin), "%s://%s:%u",
		         out->tls ? "https" : "http", out->host, out->port);
	else
		snprintf(out->origin, sizeof(out->origin), "%s://%s", out->tls ? "https" : "http",
		         out->host);
	snprintf(out->url, sizeof(out->url), "%s/api/sign/%s", out->origin, out->id);
	return LINK_OK;
}

/* ---- allow-list ------------------------------------------------------------------------ */

int signer_allow_add(struct signer_allow *a, const char *entry)
{
	struct signer_allow_entry e;
	size_t n;

	if (!a || !entry || a->n >= SIGNER_ALLOW_MAX)
		return -1;
	n = strnlen(entry, SIGNER_HOST_MAX + 8);
	if (n == 0 || n > SIGNER_HOST_MAX + 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)entry[i];
		if (c <= 0x20 || c >= 0x7f)
			return -1;
	}
	if (parse_hostport(entry, n, e.host, &e.port) != LINK_OK)
		return -1;
	a->e[a->n++] = e;
	return 0;
}

int signer_allow_parse(struct signer_allow *a, const char *text, size_t len, size_t *bad_line)
{
	size_t line = 0, i = 0;

	if (bad_line)
		*bad_line = 0;
	if (!a || (!text && len))
		return -1;
	if (len > SIGNER_ALLOW_FILE_MAX)
		return -1;
	while (i < len) {
		size_t start = i, end;
		char buf[SIGNER_HOST_MAX + 8];
		line++;
		while (i < len && text[i] != '\n')
			i++;
		end = i;
		if (i < len)
			i++; /* the newline */
		while (start < end && (text[start] == ' ' || text[start] == '\t'))
			start++;
		while (end > start &&
		       (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r'))
			end--;
		if (start == end || text[start] == '#')
			continue;
		if (end - start >= sizeof(buf) || memchr(text + start, '\0', end - start) ||
		    (memcpy(buf, text + start, end - start), buf[end - start] = '\0',
		     signer_allow_add(a, buf) != 0)) {
			if (bad_line)
				*bad_line = line;
			return -1;
		}
	}
	return 0;
}

int signer_allow_match(const struct signer_allow *a, const struct signer_link *l)
{
	unsigned def, lport;

	if (!a || a->n == 0)
		return 1;
	if (!l)
		return 0;
	def = l->tls ? 443 : 80;
	lport = l->port ? l->port : def;
	for (size_t i = 0; i < a->n; i++) {
		unsigned eport = a->e[i].port ? a->e[i].port : def;
		if (strcmp(a->e[i].host, l->host) == 0 && eport == lport)
			return 1;
	}
	return 0;
}

/* ---- text checks --------------------------------------------------------------------- */

/* One character at s[*i] (len bytes in all), *i moved past it; -1 when the bytes there are not
 * well-formed UTF-8. */
static int take_char(const char *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t n = utf8_char_len(s + *i, len - *i);
	if (n == 0)
		return -1;
	*cp = utf8_next(s, len, i);
	return 0;
}

int signreq_text_printable(const char *s, size_t len, int newline_ok)
{
	size_t i = 0;
	uint32_t cp;

	if (!s)
		return 0;
	while (i < len)
		if (take_char(s, len, &i, &cp) != 0 || utf8_is_forbidden(cp, newline_ok))
			return 0;
	return 1;
}

/* Copy s into out (cap bytes), each forbidden or undecodable character as '?', cut on a
 * character boundary. */
static void sanitize_copy(char *out, size_t cap, const char *s, size_t len)
{
	size_t i = 0, o = 0;
	uint32_t cp;

	if (cap == 0)
		return;
	while (i < len) {
		size_t start = i, n;
		int bad = take_char(s, len, &i, &cp) != 0;
		if (bad)
			i = start + 1;
		bad = bad || utf8_is_forbidden(cp, 1);
		n = bad ? 1 : i - start;
		if (o + n + 1 > cap)
			break;
		if (bad)
			out[o++] = '?';
		else
			memcpy(out + o, s + start, n), o += n;
	}
	out[o] = '\0';
}

void signreq_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		memset(out, 0, 65); /* never equal to a digest */
		return;
	}
	hex_encode(md, sizeof(md), out);
}

/* ---- the sign request ----------------------------------------------------------------- */

const char *signreq_strerror(int err)
{
	switch (err) {
	case SIGNREQ_OK:
		return "ok";
	case SIGNREQ_ENOMEM:
		return "out of memory";
	case SIGNREQ_ETOOBIG:
		return "the request is too large";
	case SIGNREQ_EJSON:
		return "the request is not a JSON object (or has duplicate keys)";
	case SIGNREQ_EFIELD:
		return "a field of the request is missing or invalid";
	case SIGNREQ_EDIGEST:
		return "the SHA-256 of the content is not the digest given";
	case SIGNREQ_EID:
		return "the request is not the one asked for (id)";
	}
	return "unknown request error";
}

void signreq_release(struct signreq *r)
{
	if (!r)
		return;
	free(r->portal_name);
	free(r->procedure_title);
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i].label);
		free(r->lines[i].value);
	}
	free(r->lines);
	free(r->content);
	memset(r, 0, sizeof(*r));
}

static void set_why(char *why, size_t cap, const char *fmt, const char *a, size_t i)
{
	if (why && cap)
		snprintf(why, cap, fmt, a, i);
}

/* A string member of obj of min..max bytes that is printable; *out a malloc'd copy. */
static enum signreq_err get_text(json_t *obj, const char *key, size_t min, size_t max,
                                 int newline_ok, char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	*out = NULL;
	if (!json_is_string(v))
		return SIGNREQ_EFIELD;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < min || n > max || !signreq_text_printable(s, n, newline_ok))
		return SIGNREQ_EFIELD;
	*out = malloc(n + 1);
	if (!*out)
		return SIGNREQ_ENOMEM;
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	return SIGNREQ_OK;
}

/* "id": the request's, and the one asked for when want_id is given. */
static enum signreq_err take_id(json_t *root, const char *want_id, struct signreq *r)
{
	json_t *v = json_object_get(root, "id");

	if (!json_is_string(v) || !signer_id_valid(json_string_value(v), json_string_length(v)))
		return SIGNREQ_EFIELD;
	memcpy(r->id, json_string_value(v), SIGNREQ_ID_LEN);
	if (want_id && strcmp(want_id, r->id) != 0)
		return SIGNREQ_EID;
	return SIGNREQ_OK;
}

/* "lines": 1..SIGNREQ_LINES_MAX objects of a label and a value; why names the one at fault. */
static enum signreq_err take_lines(json_t *root, struct signreq *r, char *why, size_t whycap)
{
	json_t *lines = json_object_get(root, "lines");
	size_t n = json_is_array(lines) ? json_array_size(lines) : 0;
	enum signreq_err e;

	if (!json_is_array(lines) || n == 0 || n > SIGNREQ_LINES_MAX) {
		set_why(why, whycap, "%s", "lines", 0);
		return SIGNREQ_EFIELD;
	}
	r->lines = calloc(n, sizeof(*r->lines));
	if (!r->lines)
		return SIGNREQ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(lines, i);
		if (!json_is_object(item)) {
			set_why(why, whycap, "%s[%zu]", "lines", i);
			return SIGNREQ_EFIELD;
		}
		r->nlines = i + 1;
		e = get_text(item, "label", 1, SIGNREQ_LABEL_MAX, 0, &r->lines[i].label);
		if (e != SIGNREQ_OK) {
			set_why(why, whycap, "%s[%zu].label", "lines", i);
			return e;
		}
		e = get_text(item, "value", 0, SIGNREQ_VALUE_MAX, 1, &r->lines[i].value);
		if (e != SIGNREQ_OK) {
			set_why(why, whycap, "%s[%zu].value", "lines", i);
			return e;
		}
	}
	return SIGNREQ_OK;
}

/* "content": the bytes to be signed, not empty (NUL bytes and all). */
static enum signreq_err take_content(json_t *root, struct signreq *r)
{
	json_t *v = json_object_get(root, "content");

	if (!json_is_string(v) || json_string_length(v) == 0)
		return SIGNREQ_EFIELD;
	r->content_len = json_string_length(v);
	r->content = malloc(r->content_len + 1);
	if (!r->content)
		return SIGNREQ_ENOMEM;
	memcpy(r->content, json_string_value(v), r->content_len);
	r->content[r->content_len] = '\0';
	return SIGNREQ_OK;
}

/* "digest": 64 hex digits, kept in lower case. */
static enum signreq_err take_digest(json_t *root, struct signreq *r)
{
	json_t *v = json_object_get(root, "digest");
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (!s || json_string_length(v) != 64)
		return SIGNREQ_EFIELD;
	for (size_t i = 0; i < 64; i++) {
		int c = lower((unsigned char)s[i]);
		if (!is_digit(c) && !(c >= 'a' && c <= 'f'))
			return SIGNREQ_EFIELD;
		r->digest[i] = (char)c;
	}
	r->digest[64] = '\0';
	return SIGNREQ_OK;
}

/* "expires_at": seconds since the epoch, 1..2^40. */
static enum signreq_err take_expiry(json_t *root, struct signreq *r)
{
	json_t *v = json_object_get(root, "expires_at");

	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > ((json_int_t)1 << 40))
		return SIGNREQ_EFIELD;
	r->expires_at = (int64_t)json_integer_value(v);
	return SIGNREQ_OK;
}

/* The members of the request object in their order; the first at fault is named in why
 * (lines name their own item). */
static enum signreq_err take_request(json_t *root, const char *want_id, struct signreq *r,
                                     char *why, size_t whycap)
{
	enum signreq_err e;
	const char *field;
	char hex[65];

	if ((e = take_id(root, want_id, r)) != SIGNREQ_OK)
		field = "id";
	else if ((e = get_text(root, "portal_name", 1, SIGNREQ_NAME_MAX, 0, &r->portal_name)) !=
	         SIGNREQ_OK)
		field = "portal_name";
	else if ((e = get_text(root, "procedure_title", 1, SIGNREQ_TITLE_MAX, 0,
	                       &r->procedure_title)) != SIGNREQ_OK)
		field = "procedure_title";
	else if ((e = take_lines(root, r, why, whycap)) != SIGNREQ_OK)
		return e;
	else if ((e = take_content(root, r)) != SIGNREQ_OK)
		field = e == SIGNREQ_ENOMEM ? NULL : "content";
	else if ((e = take_digest(root, r)) != SIGNREQ_OK)
		field = "digest";
	else if ((e = take_expiry(root, r)) != SIGNREQ_OK)
		field = "expires_at";
	else {
		signreq_sha256_hex(r->content, r->content_len, hex);
		if (strcmp(hex, r->digest) == 0)
			return SIGNREQ_OK;
		e = SIGNREQ_EDIGEST;
		field = "digest";
	}
	if (field)
		set_why(why, whycap, "%s", field, 0);
	return e;
}

enum signreq_err signreq_parse(const uint8_t *body, size_t len, const char *want_id,
                               struct signreq *r, char *why, size_t whycap)
{
	json_error_t jerr;
	json_t *root;
	enum signreq_err e;

	if (why && whycap)
		why[0] = '\0';
	if (!r)
		return SIGNREQ_ENOMEM;
	memset(r, 0, sizeof(*r));
	if (!body && len)
		return SIGNREQ_EJSON;
	if (len > SIGNREQ_BODY_MAX)
		return SIGNREQ_ETOOBIG;
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	e = json_is_object(root) ? take_request(root, want_id, r, why, whycap) : SIGNREQ_EJSON;
	json_decref(root);
	if (e != SIGNREQ_OK)
		signreq_release(r);
	return e;
}

/* ---- answers --------------------------------------------------------------------------- */

static json_t *load_object(const uint8_t *body, size_t len)
{
	json_error_t jerr;
	json_t *root;

	if (!body || len == 0 || len > SIGNREQ_BODY_MAX)
		return NULL;
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int member_is(json_t *obj, const char *key, const char *want)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static const struct {
	const char *name;
	enum portal_reason reason;
} REASONS[] = {
    {"expired", REASON_EXPIRED},
    {"revoked", REASON_REVOKED},
    {"untrusted", REASON_UNTRUSTED},
    {"bad_signature", REASON_BAD_SIGNATURE},
    {"digest_mismatch", REASON_DIGEST_MISMATCH},
    {"not_signing_cert", REASON_NOT_SIGNING_CERT},
};

void signer_post_reply_parse(long status, const uint8_t *body, size_t len, struct portal_reply *out)
{
	json_t *root = NULL, *v;

	memset(out, 0, sizeof(*out));
	out->answer = PORTAL_UNEXPECTED;
	root = load_object(body, len);
	if (status == 200) {
		if (member_is(root, "status", "signed"))
			out->answer = PORTAL_SIGNED;
	} else if (status == 422) {
		/* the contract's refusal; a refusal with a body this app cannot read is still a
		 * refusal (without the portal's words) */
		out->answer = PORTAL_REFUSED;
		if (root && member_is(root, "error", "refused")) {
			v = json_object_get(root, "reason");
			if (json_is_string(v))
				for (size_t i = 0; i < sizeof(REASONS) / sizeof(REASONS[0]); i++)
					if (strcmp(json_string_value(v), REASONS[i].name) == 0)
						out->reason = REASONS[i].reason;
			v = json_object_get(root, "message");
			/* cut to the buffer on a character boundary */
			if (json_is_string(v))
				sanitize_copy(out->message, sizeof(out->message),
				              json_string_value(v), json_string_length(v));
		}
	} else if (status == 410) {
		out->answer = member_is(root, "error", "used") ? PORTAL_USED : PORTAL_EXPIRED;
	} else if (status == 404) {
		out->answer = PORTAL_NOT_FOUND;
	} else if (status == 503 && root) { /* not recorded now (try again): the portal's words */
		v = json_object_get(root, "message");
		if (json_is_string(v))
			sanitize_copy(out->message, sizeof(out->message), json_string_value(v),
			              json_string_length(v));
	}
	json_decref(root);
}

enum portal_answer signer_get_error_parse(long status, const uint8_t *body, size_t len)
{
	enum portal_answer a = PORTAL_UNEXPECTED;
	json_t *root;

	if (status == 404)
		return PORTAL_NOT_FOUND;
	if (status != 410)
		return PORTAL_UNEXPECTED;
	root = load_object(body, len);
	a = member_is(root, "error", "used") ? PORTAL_USED : PORTAL_EXPIRED;
	json_decref(root);
	return a;
}
