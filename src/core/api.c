/* api: the back-office API's keys (see api.h). */
#include "core/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/application.h"
#include "core/audit.h"
#include "core/decision.h"
#include "core/staff.h"
#include "util/jdate.h"
#include "util/num.h"
#include "util/token.h"

#define KEY_PREFIX "mdg_"
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

int api_key_text(long long id, const char *secret, char *out, size_t outlen)
{
	int k = snprintf(out, outlen, KEY_PREFIX "%lld_%s", id, secret);
	return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

int api_key_parse(const char *text, long long *id, char *secret)
{
	char digits[20];
	long v = 0;
	const char *p = text, *us;
	if (!p || strncmp(p, KEY_PREFIX, 4) != 0 || !(us = strchr(p + 4, '_')))
		return -1;
	size_t nd = (size_t)(us - (p + 4));
	if (nd < 1 || nd >= sizeof(digits) || strspn(p + 4, "0123456789") != nd || p[4] == '0')
		return -1; /* one text per key: no leading zero */
	memcpy(digits, p + 4, nd);
	digits[nd] = '\0';
	if (num_parse_long(digits, 1, 0x7fffffffL, &v) != 0 || strlen(us + 1) != TOKEN_LEN ||
	    strspn(us + 1, B64URL) != TOKEN_LEN)
		return -1;
	*id = v;
	memcpy(secret, us + 1, TOKEN_LEN + 1);
	return 0;
}

int api_key_valid(const store_api_key *k, const char *secret)
{
	char sha[65];
	token_sha256_hex(secret, strlen(secret), sha);
	return k->revoked_at == 0 && strlen(k->secret_hash) == 64 &&
	       CRYPTO_memcmp(sha, k->secret_hash, 64) == 0;
}

int api_key_allows(const store_api_key *k, const char *proc_id, int status)
{
	if (status && strcmp(k->scope, "read_status") != 0)
		return 0;
	for (size_t i = 0; i < k->nprocs; i++)
		if (!strcmp(k->procs[i], proc_id))
			return 1;
	return 0;
}

int api_audit(store *s, long long key_id, const char *receipt, const char *action,
              const char *detail, const char *peer, long long now)
{
	char actor[AUDIT_ACTOR_MAX + 1];
	snprintf(actor, sizeof(actor), "apikey:%lld", key_id);
	return audit_record(s, actor, receipt, action, detail, peer, now);
}

/* The change's audit row detail: "api-key add apikey:7 read_status road-park-report ...". */
static void create_detail(long long id, const char *scope, const char *const *procs, size_t n,
                          char *out, size_t outlen)
{
	int used = snprintf(out, outlen, "api-key add apikey:%lld %s", id, scope);
	for (size_t i = 0; i < n && used > 0 && (size_t)used < outlen; i++)
		used += snprintf(out + used, outlen - (size_t)used, " %s", procs[i]);
}

int api_key_create(store *s, long long staff_id, const char *name, const char *scope,
                   const char *const *procs, size_t n, const char *peer, long long now, char *text,
                   long long *id)
{
	char secret[TOKEN_LEN + 1], sha[65], detail[AUDIT_DETAIL_MAX + 1];
	if (token_new(secret) < 0 || store_begin(s) != STORE_OK)
		return -1;
	token_sha256_hex(secret, strlen(secret), sha);
	int ok = store_api_key_add(s, name, sha, scope, staff_id, procs, n, now, id) == STORE_OK;
	if (ok) {
		create_detail(*id, scope, procs, n, detail, sizeof(detail));
		ok = staff_audit_app(s, staff_id, NULL, AUDIT_STAFF_CHANGE, detail, peer, now) ==
		         0 &&
		     api_key_text(*id, secret, text, API_KEY_TEXT_MAX + 1) == 0 &&
		     store_commit(s) == STORE_OK;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!ok)
		store_rollback(s);
	return ok ? 0 : -1;
}

int api_key_revoke(store *s, long long staff_id, long long id, const char *peer, long long now)
{
	char detail[64];
	if (store_begin(s) != STORE_OK)
		return -1;
	int rc = store_api_key_revoke(s, id, now);
	snprintf(detail, sizeof(detail), "api-key revoke apikey:%lld", id);
	if (rc == STORE_OK &&
	    staff_audit_app(s, staff_id, NULL, AUDIT_STAFF_CHANGE, detail, peer, now) == 0 &&
	    store_commit(s) == STORE_OK)
		return 0;
	store_rollback(s);
	return rc == STORE_ENOTFOUND ? 1 : -1;
}

json_t *api_list_item(const store_application *ap)
{
	char when[32], url[STORE_RECEIPT_MAX + 32];
	jdate_iso8601(ap->submitted_at, when, sizeof(when));
	snprintf(url, sizeof(url), "/api/v1/applications/%s", ap->receipt);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "receipt", ap->receipt, "procedure",
	                 ap->proc_id, "status", ap->status, "status_label",
	                 app_status_label(ap->status), "submitted_at", when, "url", url);
}

void api_cursor(const store_application *ap, char *out, size_t outlen)
{
	snprintf(out, outlen, "%lld.%s", ap->submitted_at, ap->receipt);
}

int api_cursor_parse(const char *c, long long *at, char *receipt)
{
	char digits[20];
	long v = 0;
	const char *dot = c ? strchr(c, '.') : NULL;
	size_t nd = dot ? (size_t)(dot - c) : 0;
	if (nd < 1 || nd >= sizeof(digits) || strspn(c, "0123456789") != nd)
		return -1;
	memcpy(digits, c, nd);
	digits[nd] = '\0';
	if (num_parse_long(digits, 1, 0x7fffffffffffL, &v) != 0 || !app_receipt_valid(dot + 1) ||
	    strlen(dot + 1) > STORE_RECEIPT_MAX)
		return -1;
	*at = v;
	snprintf(receipt, STORE_RECEIPT_MAX + 1, "%s", dot + 1);
	return 0;
}

/* The DER signature in base64 (NULL when none). */
static json_t *signature_b64(const store_application *ap)
{
	if (ap->signature_len == 0 || ap->signature_len > (size_t)1 << 24)
		return json_null();
	char *b = malloc(4 * ((ap->signature_len + 2) / 3) + 1);
	if (!b)
		return NULL;
	EVP_EncodeBlock((unsigned char *)b, (const unsigned char *)ap->signature,
	                (int)ap->signature_len);
	json_t *v = json_string(b);
	free(b);
	return v;
}

static json_t *events_json(const store_app_event *ev, size_t nev)
{
	json_t *a = json_array();
	char when[32];
	for (size_t i = 0; a && i < nev; i++) {
		jdate_iso8601(ev[i].at, when, sizeof(when));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "status", ev[i].status,
		                                   "status_label", app_status_label(ev[i].status),
		                                   "at", when, "note", ev[i].note));
	}
	return a;
}

json_t *api_application(const store_application *ap, long long last_event,
                        const store_app_event *ev, size_t nev)
{
	json_t *o = api_list_item(ap);
	json_t *answers = ap->display ? json_loads(ap->display, 0, NULL) : NULL;
	json_t *report = ap->verification ? json_loads(ap->verification, 0, NULL) : NULL;
	if (!o || json_object_set_new(o, "procedure_title", json_string(ap->proc_title)) ||
	    json_object_set_new(o, "last_event", json_integer(last_event)) ||
	    json_object_set_new(o, "answers", answers ? answers : json_array()) ||
	    json_object_set_new(o, "content", json_string(ap->content ? ap->content : "")) ||
	    json_object_set_new(o, "signature",
	                        json_pack("{s:o?, s:o}", "cms_der_base64", signature_b64(ap),
	                                  "verification", report ? report : json_null())) ||
	    json_object_set_new(o, "events", events_json(ev, nev))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int api_status_parse(const char *body, size_t len, char *to, char *text, long long *seen)
{
	json_error_t err;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err), *v;
	const char *key, *st = NULL, *tx = "";
	size_t txlen = 0;
	int ok = json_is_object(o);
	*seen = 0;
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "status") && json_is_string(v))
			st = json_string_value(v);
		else if (!strcmp(key, "seen_event") && json_is_integer(v) &&
		         json_integer_value(v) > 0)
			*seen = json_integer_value(v);
		else if (!strcmp(key, "text") && json_is_string(v)) {
			tx = json_string_value(v);
			txlen = json_string_length(v);
		} else
			ok = 0;
	}
	ok = ok && st && *seen > 0 && strlen(st) <= STORE_STATUS_MAX && app_status_valid(st) &&
	     decision_text_clean(tx, txlen, text, STORE_NOTE_MAX + 1) == 0;
	if (ok)
		snprintf(to, STORE_STATUS_MAX + 1, "%s", st);
	json_decref(o);
	return ok ? 0 : -1;
}
