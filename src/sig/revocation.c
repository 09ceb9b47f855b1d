/* revocation: whether the signer's certificate is revoked, asked of the OCSP responder
 * (ocsp.c) and then read in the cached CRL, as the trust configuration says; soft-fail
 * only when configured. */
#include "sig/verify_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "sig/ocsp.h"
#include "util/token.h"

static const char *const REVOCATION_NAMES[] = {"none", "ocsp", "crl"};

enum rstatus { RS_GOOD, RS_REVOKED, RS_UNKNOWN, RS_UNAVAILABLE };

static const char *const RSTATUS_NAMES[] = {"good", "revoked", "unknown", "unavailable"};

static json_t *attempt_new(verify_report *r, const char *method)
{
	json_t *o = json_object();

	if (!o) {
		r->oom = 1;
		return NULL;
	}
	vr_set(r, o, "method", json_string(method));
	return o;
}

static enum rstatus revocation_ocsp(struct vctx *c, X509 *issuer, json_t *at, time_t *rtime,
                                    int *rreason, char *detail, size_t dlen)
{
	struct sig_ocsp_query q;
	struct sig_ocsp_answer a;
	enum rstatus rs;

	memset(&q, 0, sizeof(q));
	q.url = c->t->ocsp_url;
	q.proxy = c->t->ocsp_proxy;
	q.timeout_ms = c->t->ocsp_timeout_ms;
	q.connect_timeout_ms = c->t->ocsp_connect_timeout_ms;
	q.clock_skew = c->t->clock_skew;
	q.max_age = c->t->max_age;
	q.now = c->now;
	q.cert = c->leaf;
	q.issuer = issuer;
	if (!c->store) { /* the fast path to the anchor made none; the responder needs one */
		c->info.anchors = c->t->anchors;
		c->info.now = c->now;
		c->store = trust_store_new(c->t, &c->info);
		if (!c->store) {
			c->r->oom = 1;
			snprintf(detail, dlen, "OCSP: out of memory");
			return RS_UNAVAILABLE;
		}
	}
	q.store = c->store;
	/* the responder's certificate is checked at `now` */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(c->store), c->now);
	if (sig_ocsp_check(&q, &a) != 0)
		c->r->oom = 1;
	switch (a.status) {
	case SIG_OCSP_GOOD:
		rs = RS_GOOD;
		break;
	case SIG_OCSP_REVOKED:
		rs = RS_REVOKED;
		*rtime = a.revocation_time;
		*rreason = a.revocation_reason;
		break;
	case SIG_OCSP_UNKNOWN:
		rs = RS_UNKNOWN;
		break;
	default:
		rs = RS_UNAVAILABLE;
		break;
	}
	vr_set(c->r, at, "url", vr_str(c->r, c->t->ocsp_url));
	vr_set(c->r, at, "status", json_string(RSTATUS_NAMES[rs]));
	vr_set(c->r, at, "detail", vr_str(c->r, a.detail));
	if (a.http_status)
		vr_set(c->r, at, "http_status", json_integer(a.http_status));
	vr_set(c->r, at, "elapsed_ms", json_integer(a.elapsed_ms));
	if (a.produced_at)
		vr_set(c->r, at, "produced_at", vr_time(a.produced_at));
	if (a.this_update)
		vr_set(c->r, at, "this_update", vr_time(a.this_update));
	if (a.next_update)
		vr_set(c->r, at, "next_update", vr_time(a.next_update));
	if (a.der) { /* the response kept with the application; its hash ties the report to it */
		char sha[65];
		token_sha256_hex(a.der, a.der_len, sha);
		vr_set(c->r, at, "response_sha256", json_string(sha));
		free(c->r->ocsp_der);
		c->r->ocsp_der = a.der;
		c->r->ocsp_der_len = a.der_len;
	}
	snprintf(detail, dlen, "OCSP: %s", a.detail);
	return rs;
}

static enum rstatus revocation_crl(struct vctx *c, X509 *issuer, json_t *at, time_t *rtime,
                                   int *rreason, char *detail, size_t dlen)
{
	struct crl_set *s;
	struct crl_entry *en = NULL;
	X509_REVOKED *rev = NULL;
	char note[512];
	enum rstatus rs = RS_UNAVAILABLE;
	size_t i;
	int found;

	vr_set(c->r, at, "file", vr_str(c->r, c->t->crl_file));
	s = trust_crl_get(c->t, note, sizeof(note));
	if (note[0])
		vr_set(c->r, at, "note", vr_str(c->r, note));
	for (i = 0; s && i < s->n && !en; i++)
		if (X509_cmp(s->e[i].signer, issuer) == 0)
			en = &s->e[i];
	if (!en) {
		snprintf(detail, dlen, "CRL: the CRL file has no CRL of the certificate's issuer");
		goto out;
	}
	vr_set(c->r, at, "this_update", vr_time(en->this_update));
	vr_set(c->r, at, "crl_sha256", json_string(en->sha256));
	if (en->number[0])
		vr_set(c->r, at, "crl_number", json_string(en->number));
	if (en->next_update)
		vr_set(c->r, at, "next_update", vr_time(en->next_update));
	if (en->this_update > c->now + c->t->clock_skew) {
		snprintf(detail, dlen, "CRL: thisUpdate is in the future");
		goto out;
	}
	if (en->next_update ? en->next_update + c->t->clock_skew < c->now
	                    : en->this_update + c->t->max_age < c->now) {
		snprintf(detail, dlen, "CRL: stale (nextUpdate passed); a newer CRL is needed");
		goto out;
	}
	found = X509_CRL_get0_by_serial(en->crl, &rev, X509_get0_serialNumber(c->leaf));
	if (found == 1 && rev) {
		ASN1_ENUMERATED *reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
		*rreason = reason ? (int)ASN1_ENUMERATED_get(reason) : -1;
		ASN1_ENUMERATED_free(reason);
		if (sig_asn1_time(X509_REVOKED_get0_revocationDate(rev), rtime) != 0)
			*rtime = 0;
		rs = RS_REVOKED;
		snprintf(detail, dlen, "CRL: revoked (%s)", sig_ocsp_reason_name(*rreason));
	} else {
		rs = RS_GOOD; /* not listed, or listed as removeFromCRL */
		snprintf(detail, dlen, "CRL: not listed");
	}
out:
	ERR_clear_error();
	vr_set(c->r, at, "status", json_string(RSTATUS_NAMES[rs]));
	vr_set(c->r, at, "detail", vr_str(c->r, detail));
	trust_crl_put(c->t, s);
	return rs;
}

int revocation_check(struct vctx *c)
{
	verify_report *r = c->r;
	X509 *issuer = sk_X509_num(c->chain) > 1 ? sk_X509_value(c->chain, 1) : c->leaf;
	enum rstatus rs = RS_UNAVAILABLE;
	enum verify_revocation method = VERIFY_REVOCATION_NONE;
	time_t rtime = 0;
	int rreason = -1;
	char detail[512] = "", last[1024] = "";

	if (c->t->ocsp_url) {
		json_t *at = attempt_new(r, "ocsp");
		rs = revocation_ocsp(c, issuer, at, &rtime, &rreason, detail, sizeof(detail));
		if (at && json_array_append_new(c->attempts, at) != 0)
			r->oom = 1;
		snprintf(last, sizeof(last), "%s", detail);
		if (rs != RS_UNAVAILABLE)
			method = VERIFY_REVOCATION_OCSP;
	}
	/* the CRL answers when OCSP is not configured or gave no answer at all; "unknown" from
	 * the responder is an answer (it does not know this certificate) and is not overruled */
	if (method == VERIFY_REVOCATION_NONE && c->t->crl_file) {
		json_t *at = attempt_new(r, "crl");
		rs = revocation_crl(c, issuer, at, &rtime, &rreason, detail, sizeof(detail));
		if (at && json_array_append_new(c->attempts, at) != 0)
			r->oom = 1;
		snprintf(last + strlen(last), sizeof(last) - strlen(last), "%s%s",
		         last[0] ? "; " : "", detail);
		if (rs != RS_UNAVAILABLE)
			method = VERIFY_REVOCATION_CRL;
	}
	r->revocation = method;
	vr_set(r, c->rev, "method", json_string(REVOCATION_NAMES[method]));
	if (!c->t->ocsp_url && !c->t->crl_file) {
		vr_set(r, c->rev, "status", json_string("not_checked"));
		vr_set(r, c->rev, "detail", json_string("not checked (no source configured)"));
		vr_check(r, CK_REVOCATION, "not_checked", "not checked (no source configured)");
		return 0;
	}
	switch (rs) {
	case RS_GOOD:
		vr_set(r, c->rev, "status", json_string("good"));
		vr_set(r, c->rev, "detail", vr_str(r, detail));
		vr_pass(r, CK_REVOCATION, detail);
		return 0;
	case RS_REVOKED:
		vr_set(r, c->rev, "status", json_string("revoked"));
		vr_set(r, c->rev, "detail", vr_str(r, detail));
		if (rtime)
			vr_set(r, c->rev, "revocation_time", vr_time(rtime));
		vr_set(r, c->rev, "revocation_reason", json_string(sig_ocsp_reason_name(rreason)));
		vr_fail(r, CK_REVOCATION, VERIFY_RESULT_REVOKED, "the certificate is revoked (%s)",
		        detail);
		return -1;
	case RS_UNKNOWN:
		vr_set(r, c->rev, "status", json_string("unknown"));
		vr_set(r, c->rev, "detail", vr_str(r, detail));
		vr_fail(r, CK_REVOCATION, VERIFY_RESULT_REVOCATION_UNAVAILABLE,
		        "the revocation status is unknown to the responder (%s)", detail);
		return -1;
	case RS_UNAVAILABLE:
		break;
	}
	if (c->t->soft_fail) {
		char d[1100];
		snprintf(d, sizeof(d), "not checked (source unavailable: %s)", last);
		vr_set(r, c->rev, "status", json_string("not_checked"));
		vr_set(r, c->rev, "detail", vr_str(r, d));
		vr_check(r, CK_REVOCATION, "not_checked", d);
		return 0;
	}
	vr_set(r, c->rev, "status", json_string("unavailable"));
	vr_set(r, c->rev, "detail", vr_str(r, last));
	vr_fail(r, CK_REVOCATION, VERIFY_RESULT_REVOCATION_UNAVAILABLE,
	        "no revocation source answered; try again later (%s)", last);
	return -1;
}

json_t *revocation_skeleton(verify_report *r, const verify_trust *t, json_t **attempts)
{
	json_t *o = json_object(), *cfg = json_array();

	*attempts = json_array();
	if (!o || !cfg || !*attempts) {
		r->oom = 1;
		json_decref(o);
		json_decref(cfg);
		json_decref(*attempts);
		*attempts = NULL;
		return NULL;
	}
	if (t->ocsp_url && json_array_append_new(cfg, json_string("ocsp")) != 0)
		r->oom = 1;
	if (t->crl_file && json_array_append_new(cfg, json_string("crl")) != 0)
		r->oom = 1;
	vr_set(r, o, "configured", cfg);
	vr_set(r, o, "soft_fail", json_boolean(t->soft_fail));
	vr_set(r, o, "method", json_string("none"));
	vr_set(r, o, "status", json_string("skipped"));
	vr_set(r, o, "attempts", json_incref(*attempts));
	json_decref(*attempts); /* still held by o */
	return o;
}
