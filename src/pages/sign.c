/* sign: the portal's side of the e-signature hand-off (seed steps 7-14, docs/architecture.md
 * "Data and the signing hand-off"). The confirmation page makes a sign request (unguessable id,
 * single use, short-lived, bound to the draft's canonical digest) and offers it as a
 * madoguchi-sign: link and as a QR code; the signing app fetches the request from
 * /api/sign/ID and posts the CMS signature there, verified on the worker pool
 * (sig/verify.c) and recorded by the group-committing writer (req_defer_write); the page polls
 * /procedures/ID/signature and turns to 「電子署名済み」. The contract with the app is in
 * docs/signer.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/defer.h"
#include "http/hold.h"
#include "pages/messages.h"
#include "pages/pages.h"
#include "pages/sign.h"
#include "util/token.h"
#include "sig/verify.h"
#include "store/store.h"
#include "util/log.h"

static int id_ok(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!((id[n] >= 'A' && id[n] <= 'Z') || (id[n] >= 'a' && id[n] <= 'z') ||
		      (id[n] >= '0' && id[n] <= '9') || id[n] == '-' || id[n] == '_'))
			return 0;
	return n == TOKEN_LEN;
}

int sign_link(const app *a, const char *id, char *out, size_t outlen)
{
	const char *u = a->cfg.base_url, *host = strstr(u, "://");
	if (!host)
		return -1;
	host += 3;
	size_t hl = strcspn(host, "/");
	int n = snprintf(out, outlen, "madoguchi-sign://%.*s/sign/%s", (int)hl, host, id);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* ---------- the confirmation page: a new request, then the page ---------- */

typedef struct make_job {
	json_t *ctx; /* the page, rendered by the completion */
	store_sign_request sr;
	char id[TOKEN_LEN + 1];
	int ok;
	int gone; /* the draft was submitted or deleted meanwhile */
} make_job;

static void make_work(store *s, const app *a, void *arg)
{
	make_job *j = arg;
	long long now = (long long)time(NULL);
	if (token_new(j->id) < 0)
		return;
	token_sha256_hex(j->id, strlen(j->id), j->sr.id_hash);
	j->sr.created_at = now;
	j->sr.expires_at = now + a->cfg.sign_request_minutes * 60;
	/* housekeeping: requests never used, expired a day ago */
	if (store_sign_requests_prune(s, now - 86400, NULL) != STORE_OK) /* retried next time */
		log_error("sign request prune: %s", store_errmsg(s));
	int rc = store_sign_request_create(s, &j->sr);
	if (rc != STORE_OK)
		log_error("sign request: %s (%s)", store_strerror(rc), store_errmsg(s));
	j->ok = rc == STORE_OK;
	j->gone = rc == STORE_ENOTFOUND;
}

static void make_done(req *r, void *arg)
{
	make_job *j = arg;
	char link[600];
	if (!r->ev)
		goto out;
	if (j->gone) { /* submitted in another tab, say: the confirmation page sorts it out */
		char loc[300];
		snprintf(loc, sizeof(loc), "/procedures/%s/confirm", r->params[0]);
		resp_redirect(r, loc);
		goto out;
	}
	if (!j->ok || sign_link(r->a, j->id, link, sizeof(link)) < 0) {
		resp_error(r, 503, "ただいま混み合っています",
		           "しばらくしてから、このページを開き直してください。");
		goto out;
	}
	json_t *sig = json_object_get(j->ctx, "signature");
	json_object_set_new(sig, "link", json_string(link));
	/* no QR code: no phone app can open a madoguchi-sign: link (the page says how to sign on
	 * this PC instead) */
	json_object_set_new(sig, "minutes", json_integer(r->a->cfg.sign_request_minutes));
	resp_page(r, 200, "apply_confirm", j->ctx);
	j->ctx = NULL;
out:
	json_decref(j->ctx);
	free(j->sr.content);
	free(j->sr.display);
	free(j);
}

void sign_confirm_page(req *r, json_t *ctx, const char *draft_key, const char *digest,
                       const char *title, const char *content, json_t *lines)
{
	make_job *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(ctx);
		resp_error(r, 503, "ただいま混み合っています",
		           "しばらくしてから、このページを開き直してください。");
		return;
	}
	j->ctx = ctx;
	snprintf(j->sr.draft_key, sizeof(j->sr.draft_key), "%s", draft_key);
	snprintf(j->sr.digest, sizeof(j->sr.digest), "%s", digest);
	snprintf(j->sr.proc_title, sizeof(j->sr.proc_title), "%s", title);
	j->sr.content = strdup(content);
	j->sr.display = json_dumps(lines, JSON_COMPACT);
	if (!j->sr.content || !j->sr.display) {
		r->deferred = 0;
		make_done(r, j);
		return;
	}
	req_defer(r, make_work, make_done, j);
}

/* ---------- the API of the signing app ---------- */

static void json_error(req *r, int status, const char *error)
{
	resp_json(r, status, json_pack("{s:s}", "error", error));
}

/* Why a request can no longer be used ("used" or "expired"), or NULL when it can. */
static const char *unusable(const store_sign_request *sr, long long now)
{
	if (sr->used_at || strcmp(sr->status, "pending"))
		return "used";
	return sr->expires_at <= now ? "expired" : NULL;
}

/* Loads the request of the path; answers 404/410 and returns -1 when it is not usable. */
static int load_request(req *r, store *s, const char *id, store_sign_request *sr)
{
	char hash[65];
	if (!id_ok(id)) {
		json_error(r, 404, "not_found");
		return -1;
	}
	token_sha256_hex(id, strlen(id), hash);
	int rc = store_sign_request_get(s, hash, sr);
	if (rc == STORE_ENOTFOUND) {
		json_error(r, 404, "not_found");
		return -1;
	}
	if (rc != STORE_OK) {
		json_error(r, 503, "unavailable");
		return -1;
	}
	const char *why = unusable(sr, (long long)time(NULL));
	if (why) {
		store_sign_request_release(sr);
		json_error(r, 410, why);
		return -1;
	}
	return 0;
}

void page_api_sign(req *r)
{
	store_sign_request sr;
	if (load_request(r, r->w->store, r->params[0], &sr) < 0)
		return;
	char portal[300];
	snprintf(portal, sizeof(portal), "%s %s", r->a->cfg.city_name, r->a->cfg.site_name);
	json_t *lines = json_loads(sr.display ? sr.display : "[]", 0, NULL), *out = json_array(),
	       *l;
	size_t i;
	json_array_foreach(lines, i, l) /* only label and value: what the app shows */
		json_array_append_new(out,
		                      json_pack("{s:O, s:O}", "label", json_object_get(l, "label"),
		                                "value", json_object_get(l, "value")));
	json_decref(lines);
	resp_json(r, 200,
	          json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I}", "id", r->params[0],
	                    "portal_name", portal, "procedure_title", sr.proc_title, "lines", out,
	                    "content", sr.content, "digest", sr.digest, "expires_at",
	                    (json_int_t)sr.expires_at));
	store_sign_request_release(&sr);
}

typedef struct post_job {
	char id[TOKEN_LEN + 1];
	uint8_t *der;
	size_t len;
	/* what the verification found, for the write on the writer (finish_work) */
	const char *mark; /* "signed", "refused" or NULL (nothing to write) */
	char hash[65];
	char draft_key[STORE_DRAFT_KEY_MAX + 1];
	char *report;
	uint8_t *ocsp;
	size_t ocsp_len;
	long long now;
	int accepted; /* the signature was recorded, durably */
	/* results */
	int status; /* HTTP status of the answer */
	json_t *answer;
} post_job;

/* The refusal of a verified but unacceptable signature: the answer at once, and the request
 * marked refused (on the writer) unless a revocation source did not answer. */
static void post_refused(post_job *j, const verify_report *rep, enum verify_result res)
{
	if (res != VERIFY_RESULT_REVOCATION_UNAVAILABLE)
		j->mark = "refused";
	log_info("signature refused: %s", verify_report_reason(rep));
	j->status = 422;
	j->answer = json_pack("{s:s, s:s, s:s}", "error", "refused", "reason",
	                      verify_result_name(res), "message", verify_report_message(rep));
}

/* On the pool: the request and the verification (slow, never on the writer). Refusals the
 * person can do nothing about by trying again consume the request; a revocation source that
 * did not answer does not (try again in a while). */
static void post_work(store *s, const app *a, void *arg)
{
	post_job *j = arg;
	store_sign_request sr;
	verify_report *rep = NULL;
	token_sha256_hex(j->id, strlen(j->id), j->hash);
	int rc = store_sign_request_get(s, j->hash, &sr);
	j->now = (long long)time(NULL);
	j->status = 503;
	if (rc == STORE_ENOTFOUND) {
		j->status = 404;
		j->answer = json_pack("{s:s}", "error", "not_found");
		return;
	}
	if (rc != STORE_OK)
		return;
	const char *why = unusable(&sr, j->now);
	if (why) {
		j->status = 410;
		j->answer = json_pack("{s:s}", "error", why);
		goto out;
	}
	if (!a->trust) {
		j->answer =
		    json_pack("{s:s, s:s, s:s}", "error", "refused", "reason", "not_configured",
		              "message", "この窓口では、ただいま電子署名を受け付けていません。");
		j->status = 422;
		goto out;
	}
	if (verify_signature(a->trust, j->der, j->len, (const uint8_t *)sr.content,
	                     strlen(sr.content), (time_t)j->now, &rep) != VERIFY_OK)
		goto out;
	enum verify_result res = verify_report_result(rep);
	if (!(j->report = verify_report_json_dump(rep)))
		goto out;
	snprintf(j->draft_key, sizeof(j->draft_key), "%s", sr.draft_key);
	if (res == VERIFY_RESULT_OK) {
		const unsigned char *ocsp = verify_report_ocsp_der(rep, &j->ocsp_len);
		if (ocsp && !(j->ocsp = malloc(j->ocsp_len)))
			goto out;
		if (ocsp)
			memcpy(j->ocsp, ocsp, j->ocsp_len);
		j->mark = "signed";
	} else {
		post_refused(j, rep, res);
	}
out:
	verify_report_free(rep);
	store_sign_request_release(&sr);
}

/* On the writer (req_defer_write): the request marked, durable before the answer. */
static void finish_work(store *s, const app *a, void *arg)
{
	post_job *j = arg;
	int signed_ = !strcmp(j->mark, "signed");
	int rc = store_sign_request_finish(s, j->hash, j->mark, signed_ ? j->der : NULL,
	                                   signed_ ? j->len : 0, j->report, j->ocsp, j->ocsp_len,
	                                   j->now);
	if (!signed_) { /* refused either way; the record only keeps it from being tried again */
		if (rc != STORE_OK)
			log_error("sign request refused: %s", store_errmsg(s));
		return;
	}
	if (rc == STORE_OK) {
		j->accepted = 1;
		j->status = 200;
		j->answer = json_pack("{s:s}", "status", "signed");
	} else if (rc == STORE_ECONFLICT) {
		j->status = 410;
		j->answer = json_pack("{s:s}", "error", "used");
	}
}

/* The writer's group commit failed: the request is as it was (pending); the signing app
 * says so and the person signs again. A lost refusal: the answer is the refusal all the same
 * (the request stays pending). */
static void finish_lost(void *arg)
{
	post_job *j = arg;
	if (strcmp(j->mark, "signed"))
		return;
	j->accepted = 0;
	j->status = 503;
	json_decref(j->answer);
	j->answer = json_pack("{s:s, s:s}", "error", "unavailable", "message", MSG_SIGN_BUSY);
}

static void post_done(req *r, void *arg)
{
	post_job *j = arg;
	if (j->accepted) { /* committed: the confirmation page waiting for it */
		log_info("signature accepted for a request of draft %.8s…", j->draft_key);
		hold_wake(j->draft_key);
	}
	if (r->ev) {
		if (j->answer)
			resp_json(r, j->status, j->answer);
		else
			json_error(r, 503, "unavailable");
		j->answer = NULL;
	}
	json_decref(j->answer);
	free(j->report);
	free(j->ocsp);
	free(j->der);
	free(j);
}

/* Verified: what is to be written goes to the writer, answered after its commit. */
static void post_verified(req *r, void *arg)
{
	post_job *j = arg;
	if (j->mark && r->ev)
		req_defer_write(r, finish_work, finish_lost, post_done, j);
	else /* nothing to write, or the app went away: a signature not recorded */
		post_done(r, j);
}

void page_api_sign_post(req *r)
{
	const char *id = r->params[0];
	const char *ct = req_header(r, "Content-Type");
	size_t len = 0;
	const char *body = req_body(r, &len);
	if (!id_ok(id)) {
		json_error(r, 404, "not_found");
		return;
	}
	if (!ct || strncasecmp(ct, "application/pkcs7-signature", 27) != 0 ||
	    (ct[27] && ct[27] != ';' && ct[27] != ' ')) {
		json_error(r, 415, "content_type");
		return;
	}
	if (len == 0 || len > VERIFY_CMS_MAX) {
		json_error(r, 400, "bad_signature");
		return;
	}
	post_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->der = malloc(len))) {
		free(j);
		json_error(r, 503, "unavailable");
		return;
	}
	memcpy(j->der, body, len);
	j->len = len;
	snprintf(j->id, sizeof(j->id), "%s", id);
	req_defer(r, post_work, post_verified, j);
}
