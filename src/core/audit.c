/* audit: the canonical row, the chain and the verification walk of the audit log (see
 * audit.h and docs/audit.md). Pure functions over rows: the store reads and writes them. */
#include "core/audit.h"

#include <stdio.h>
#include <string.h>

#include "util/enc.h"
#include "util/token.h"
#include "util/utf8.h"

#define CANON_VERSION "madoguchi-audit-1\n"

static const char *const actions[] = {
    AUDIT_STAFF_LOGIN,      AUDIT_STAFF_LOGIN_FAILED, AUDIT_STAFF_LOGOUT, AUDIT_STAFF_CHANGE,
    AUDIT_VIEW_APPLICATION, AUDIT_VIEW_ATTACHMENT,    AUDIT_DECISION,     AUDIT_NOTE,
    AUDIT_EXPORT,           AUDIT_REVERIFY,           AUDIT_VIEW_AUDIT,   AUDIT_ASSIGN,
    AUDIT_BULK_PREVIEW,     AUDIT_API_READ,           AUDIT_API_REFUSED,
};

int audit_action_known(const char *action)
{
	size_t i;
	for (i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i]) == 0)
			return 1;
	return 0;
}

void audit_actor_staff(long long id, char *out, size_t outlen)
{
	snprintf(out, outlen, "staff:%lld", id);
}

/* 1 for a decimal >= 1 of at most 18 digits without leading zeros. */
static int positive_decimal(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n >= 1 && n <= 18 && s[n] == '\0' && s[0] != '0';
}

int audit_actor_valid(const char *actor)
{
	if (!actor)
		return 0;
	if (strcmp(actor, "system") == 0 || strcmp(actor, "anonymous") == 0)
		return 1;
	return (strncmp(actor, "staff:", 6) == 0 && positive_decimal(actor + 6)) ||
	       (strncmp(actor, "apikey:", 7) == 0 && positive_decimal(actor + 7));
}

/* min..max bytes, each printable ASCII other than space. */
static int ascii_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;
	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

static int action_syntax_ok(const char *a)
{
	size_t n = strlen(a);
	return n >= 1 && n <= AUDIT_ACTION_MAX && strspn(a, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* 0..AUDIT_DETAIL_MAX bytes of UTF-8 without a character no typed text may hold (tab and
 * newline allowed): a bidirectional override in a log line could make it read otherwise. */
static int detail_ok(const char *d)
{
	size_t n = strnlen(d, AUDIT_DETAIL_MAX + 1);
	return n <= AUDIT_DETAIL_MAX && utf8_typed_ok(d, n, 1);
}

/* Every field but the id. */
static int body_ok(const audit_row *r)
{
	return !r->damaged && r->at >= 1 && ascii_ok(r->actor, 1, AUDIT_ACTOR_MAX) &&
	       action_syntax_ok(r->action) && ascii_ok(r->peer, 0, AUDIT_PEER_MAX) &&
	       (!r->receipt[0] || app_receipt_valid(r->receipt)) && detail_ok(r->detail);
}

int audit_fields_ok(const audit_row *r)
{
	return r && r->id >= 1 && body_ok(r);
}

int audit_append_ok(const audit_row *r)
{
	return r && body_ok(r) && audit_action_known(r->action) && audit_actor_valid(r->actor);
}

/* Appends the netstring of s[0..len) at out + *o; 0, or -1 when it does not fit. */
static int netstring(char *out, size_t outlen, size_t *o, const char *s, size_t len)
{
	int k = snprintf(out + *o, outlen - *o, "%zu:", len);
	if (k < 0 || (size_t)k >= outlen - *o || outlen - *o - (size_t)k < len + 1)
		return -1;
	*o += (size_t)k;
	memcpy(out + *o, s, len);
	*o += len;
	out[(*o)++] = ',';
	return 0;
}

static int netstring_int(char *out, size_t outlen, size_t *o, long long v)
{
	char num[24];
	int k = snprintf(num, sizeof(num), "%lld", v);
	return netstring(out, outlen, o, num, (size_t)k);
}

size_t audit_canonical(const audit_row *r, char *out, size_t outlen)
{
	const char *texts[] = {r->actor, r->action, r->receipt, r->detail, r->peer};
	size_t o = sizeof(CANON_VERSION) - 1, i;

	if (!audit_fields_ok(r) || outlen < o)
		return 0;
	memcpy(out, CANON_VERSION, o);
	if (netstring_int(out, outlen, &o, r->id) < 0 || netstring_int(out, outlen, &o, r->at) < 0)
		return 0;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (netstring(out, outlen, &o, texts[i], strlen(texts[i])) < 0)
			return 0;
	return o;
}

/* 64 lower-case hex digits. */
static int hash_hex_ok(const char *h)
{
	size_t i;
	for (i = 0; i < AUDIT_HASH_LEN; i++)
		if (hex_value(h[i]) < 0 || (h[i] >= 'A' && h[i] <= 'F'))
			return 0;
	return h[AUDIT_HASH_LEN] == '\0';
}

int audit_row_hash(const char *prev_hash, const audit_row *r, char *out)
{
	char buf[AUDIT_HASH_LEN + AUDIT_CANON_MAX];
	size_t n;

	if (!prev_hash || !hash_hex_ok(prev_hash))
		return -1;
	memcpy(buf, prev_hash, AUDIT_HASH_LEN);
	n = audit_canonical(r, buf + AUDIT_HASH_LEN, sizeof(buf) - AUDIT_HASH_LEN);
	if (n == 0)
		return -1;
	token_sha256_hex(buf, AUDIT_HASH_LEN + n, out);
	return 0;
}

int audit_seal(audit_row *r, const char *prev_hash)
{
	char h[AUDIT_HASH_LEN + 1];
	if (audit_row_hash(prev_hash, r, h) < 0)
		return -1;
	memcpy(r->prev_hash, prev_hash, sizeof(r->prev_hash));
	memcpy(r->hash, h, sizeof(r->hash));
	return 0;
}

/* ---- the verification walk ---- */

void audit_verify_init(audit_verifier *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->head, AUDIT_GENESIS, sizeof(v->head));
}

/* Why r cannot follow the rows verified so far, or AUDIT_OK. The id first (a gap says rows
 * were deleted, more useful than the hash mismatch it also causes), then the link to the
 * previous row, then the row's own hash. */
static int check_row(audit_verifier *v, const audit_row *r)
{
	if (!audit_fields_ok(r))
		return AUDIT_EFIELD;
	if (r->id <= v->last_id)
		return AUDIT_EORDER;
	if (r->id != v->last_id + 1)
		return AUDIT_EGAP;
	if (strcmp(r->prev_hash, v->head) != 0)
		return AUDIT_EPREV;
	if (audit_row_hash(v->head, r, v->bad_hash) < 0)
		return AUDIT_EFIELD;
	return strcmp(v->bad_hash, r->hash) == 0 ? AUDIT_OK : AUDIT_EHASH;
}

int audit_verify_row(audit_verifier *v, const audit_row *r)
{
	int e;
	if (v->err)
		return v->err;
	if ((e = check_row(v, r)) != AUDIT_OK) {
		v->err = e;
		v->bad_id = r->id;
		return e;
	}
	v->count++;
	v->last_id = r->id;
	memcpy(v->head, r->hash, sizeof(v->head));
	v->bad_hash[0] = '\0';
	return AUDIT_OK;
}

void audit_verify_message(const audit_verifier *v, char *out, size_t outlen)
{
	long long id = v->bad_id, prev = v->last_id;
	switch (v->err) {
	case AUDIT_OK:
		snprintf(out, outlen, "intact");
		break;
	case AUDIT_EFIELD:
		snprintf(out, outlen, "row %lld: %s", id, audit_strerror(v->err));
		break;
	case AUDIT_EGAP:
		if (prev == 0)
			snprintf(out, outlen,
			         "row %lld: %s: it is the first row, rows 1 to %lld are missing",
			         id, audit_strerror(v->err), id - 1);
		else
			snprintf(out, outlen,
			         "row %lld: %s: it follows row %lld, rows %lld to %lld are missing",
			         id, audit_strerror(v->err), prev, prev + 1, id - 1);
		break;
	case AUDIT_EORDER:
		snprintf(out, outlen, "row %lld: %s: it comes after row %lld", id,
		         audit_strerror(v->err), prev);
		break;
	case AUDIT_EPREV:
		if (prev == 0)
			snprintf(out, outlen, "row %lld: %s (the first row's is 64 zeros)", id,
			         audit_strerror(v->err));
		else
			snprintf(out, outlen, "row %lld: %s (row %lld's hash is %s)", id,
			         audit_strerror(v->err), prev, v->head);
		break;
	default:
		snprintf(out, outlen, "row %lld: %s (its fields give %s)", id,
		         audit_strerror(v->err), v->bad_hash);
	}
}

const char *audit_strerror(int err)
{
	switch (err) {
	case AUDIT_OK:
		return "intact";
	case AUDIT_EFIELD:
		return "a field is malformed or out of its bounds";
	case AUDIT_EGAP:
		return "id gap";
	case AUDIT_EORDER:
		return "ids out of order";
	case AUDIT_EPREV:
		return "prev_hash is not the previous row's hash";
	case AUDIT_EHASH:
		return "hash mismatch: the stored hash is not the one its fields give";
	}
	return "unknown audit error";
}
