/* load_client: N simulated residents at once against running portals, each through the
 * volunteer point procedure's whole signed journey over HTTP/1.1 keep-alive (libcurl's multi
 * interface: one thread, one connection per resident, connections kept by the multi handle).
 *
 * Setup (untimed in the figures; its time is printed): each resident registers its own
 * account through the pages (GET/POST /register; the confirmation link read from /dev/mail,
 * the portal's development mailbox, which shows the newest 50 mails, so residents register in
 * waves of 40; GET/POST /register/confirm).
 *
 * Then all residents at once, ROUNDS journeys each (a fresh cookie jar per journey):
 *   login      GET /login, POST /login (303)
 *   draft      GET P/form, POST P/form multipart with a PNG (303 to P/confirm)
 *   confirm    GET P/confirm (the sign link's id, the hidden key and digest, unsigned)
 *   sign_get   GET /api/sign/ID (the request: its digest is the page's, SHA-256 of content)
 *   cms        the CMS made here in software with the test card's key (detached, SHA-256,
 *              signingCertificateV2: CMS_CADES, as `openssl cms -sign -cades` and madoguchi-sign)
 *   sign_post  POST /api/sign/ID application/pkcs7-signature (200 {"status":"signed"})
 *   submit     POST P/submit (303 to /applications/RECEIPT/complete)
 *   complete   GET that page (「以上で、申請は完了です。」 and the receipt)
 * Every step is timed (wall clock, from its first request's start to its last one's end);
 * at the end it prints residents completed per second, p50/p99/max per step and the errors
 * (any unexpected status or page; the resident stops at its first). Resident i uses portal
 * i % (number of URLs) for all its requests. Each resident sends X-Forwarded-For 10.77.x.y
 * of its own (the portal must trust 127.0.0.1 as its proxy, as behind deploy/'s nginx).
 *
 * Usage: load_client [-n RESIDENTS] [-r ROUNDS] [-T SECONDS] --key KEY.pem --cert CERT.pem
 *                    URL...
 * Exit 0 when every journey completed without an error, 1 otherwise, 2 on usage. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "util/buf.h"

#define MAX_URLS 16
#define WAVE 40 /* registrations between two reads of /dev/mail (it shows 50) */
#define PASSWORD "madoguchi-load-2026"
#define PROC "/procedures/kaigo-volunteer-point"
#define ERRORS_SHOWN 10

enum step {
	S_LOGIN,
	S_DRAFT,
	S_CONFIRM,
	S_SIGN_GET,
	S_CMS,
	S_SIGN_POST,
	S_SUBMIT,
	S_COMPLETE,
	S_JOURNEY,
	NSTEPS
};
static const char *const STEP_NAMES[] = {"login",     "draft",  "confirm",  "sign_get", "cms",
                                         "sign_post", "submit", "complete", "journey"};

/* The requests in order; register ones first. Each journey request belongs to one step. */
enum rq {
	Q_REG_GET,
	Q_REG_POST,
	Q_REG_WAIT,
	Q_CONF_GET,
	Q_CONF_POST,
	Q_REGISTERED,
	Q_LOGIN_GET,
	Q_LOGIN_POST,
	Q_FORM_GET,
	Q_FORM_POST,
	Q_CONFIRM,
	Q_SIGN_GET,
	Q_SIGN_POST,
	Q_SUBMIT,
	Q_COMPLETE,
	Q_DONE,
	Q_FAILED
};
static const enum step RQ_STEP[] = {
    [Q_LOGIN_GET] = S_LOGIN,     [Q_LOGIN_POST] = S_LOGIN, [Q_FORM_GET] = S_DRAFT,
    [Q_FORM_POST] = S_DRAFT,     [Q_CONFIRM] = S_CONFIRM,  [Q_SIGN_GET] = S_SIGN_GET,
    [Q_SIGN_POST] = S_SIGN_POST, [Q_SUBMIT] = S_SUBMIT,    [Q_COMPLETE] = S_COMPLETE,
    [Q_DONE] = S_JOURNEY};
static const char *const RQ_NAMES[] = {"GET /register",
                                       "POST /register",
                                       "wait for the mail",
                                       "GET /register/confirm",
                                       "POST /register/confirm",
                                       "registered",
                                       "GET /login",
                                       "POST /login",
                                       "GET form",
                                       "POST form",
                                       "GET confirm",
                                       "GET /api/sign/ID",
                                       "POST /api/sign/ID",
                                       "POST submit",
                                       "GET complete",
                                       "done",
                                       "failed"};

struct resident {
	int i;
	CURL *h;
	enum rq q;
	int rounds_left;
	const char *base;
	char email[64], xff[64];
	struct curl_slist *hdrs, *der_hdrs;
	curl_mime *mime;
	buf body;
	char csrf[128], token[128], id[128], key[128], digest[72], receipt[64];
	int mailbox; /* the handle that reads /dev/mail, not a resident */
	unsigned char *der;
	double step_t0, journey_t0;
};

struct samples {
	double *v;
	size_t n, cap;
};

static struct {
	CURLM *multi;
	struct resident *res;
	int n, rounds, nurls;
	const char *urls[MAX_URLS];
	X509 *cert;
	EVP_PKEY *key;
	struct samples steps[NSTEPS];
	long errors, completed, running;
	char (*receipts)[64];
	double deadline, first_start, last_end;
} G;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sample_add(enum step s, double seconds)
{
	struct samples *p = &G.steps[s];
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		double *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "load_client: out of memory\n");
			exit(1);
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = seconds * 1000.0;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resident *r = arg;
	return buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

/* ---- what the pages say ---------------------------------------------------------------- */

/* The value of the first `ATTR="...` after `after` (NULL: from the start) into out; 0 or -1. */
static int attr_after(const char *page, const char *after, const char *attr, char *out,
                      size_t outlen)
{
	const char *p = after ? strstr(page, after) : page;
	if (!p || !(p = strstr(p, attr)))
		return -1;
	p += strlen(attr);
	const char *e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= outlen || e == p)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

static int hidden(const char *page, const char *name, char *out, size_t outlen)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "name=\"%s\" value=\"", name);
	return attr_after(page, NULL, pat, out, outlen);
}

static int has(struct resident *r, const char *text)
{
	return strstr(buf_cstr(&r->body), text) != NULL;
}

/* The path of the answer's Location (absolute or not) into out; 0 or -1. */
static int location(struct resident *r, char *out, size_t outlen)
{
	char *url = NULL;
	if (curl_easy_getinfo(r->h, CURLINFO_REDIRECT_URL, &url) != CURLE_OK || !url)
		return -1;
	const char *p = strncmp(url, r->base, strlen(r->base)) == 0 ? url + strlen(r->base) : url;
	if (strlen(p) >= outlen)
		return -1;
	strcpy(out, p);
	return 0;
}

/* ---- requests ---------------------------------------------------------------------------- */

static void add_handle(struct resident *r, const char *path)
{
	char url[1024];
	snprintf(url, sizeof(url), "%s%s", r->base, path);
	buf_reset(&r->body);
	curl_easy_setopt(r->h, CURLOPT_URL, url);
	curl_multi_add_handle(G.multi, r->h);
}

static void get(struct resident *r, const char *path)
{
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->h, CURLOPT_HTTPGET, 1L);
	add_handle(r, path);
}

/* A form POST of NULL-terminated name, value pairs (urlencoded). */
static void post_form(struct resident *r, const char *path, const char *const *kv)
{
	buf b;
	buf_init(&b, 1 << 16);
	for (size_t k = 0; kv[k]; k += 2) {
		char *v = curl_easy_escape(r->h, kv[k + 1], 0);
		buf_printf(&b, "%s%s=%s", k ? "&" : "", kv[k], v ? v : "");
		curl_free(v);
	}
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, -1L);
	curl_easy_setopt(r->h, CURLOPT_COPYPOSTFIELDS, buf_cstr(&b));
	buf_release(&b);
	add_handle(r, path);
}

/* A 1x1 PNG, the stamp page's photo. */
static const unsigned char PNG[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x54, 0xa2, 0x4f, 0x5d, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* The volunteer point form as sign_portal.sh fills it in, multipart with the PNG. */
static void post_draft(struct resident *r)
{
	static const char *const kv[] = {"registration_number",
	                                 "V-0123",
	                                 "fiscal_year",
	                                 "2026",
	                                 "stamps",
	                                 "23",
	                                 "name",
	                                 "見取 花子",
	                                 "name_kana",
	                                 "ミドリ ハナコ",
	                                 "birth_date.year",
	                                 "1950",
	                                 "birth_date.month",
	                                 "4",
	                                 "birth_date.day",
	                                 "1",
	                                 "postal_code",
	                                 "100-0001",
	                                 "address",
	                                 "東京都千代田区千代田1-1",
	                                 "phone",
	                                 "048-000-1234",
	                                 "bank_account.bank",
	                                 "0001",
	                                 "bank_account.branch",
	                                 "001",
	                                 "bank_account.type",
	                                 "futsu",
	                                 "bank_account.number",
	                                 "1234567",
	                                 "bank_account.holder",
	                                 "ミドリ ハナコ",
	                                 "premium_declaration",
	                                 "paid",
	                                 "action",
	                                 "next",
	                                 NULL};
	curl_mime *m = curl_mime_init(r->h);
	curl_mimepart *part = curl_mime_addpart(m);
	curl_mime_name(part, "csrf");
	curl_mime_data(part, r->csrf, CURL_ZERO_TERMINATED);
	for (size_t k = 0; kv[k]; k += 2) {
		part = curl_mime_addpart(m);
		curl_mime_name(part, kv[k]);
		curl_mime_data(part, kv[k + 1], CURL_ZERO_TERMINATED);
	}
	part = curl_mime_addpart(m);
	curl_mime_name(part, "stamp_pages");
	curl_mime_data(part, (const char *)PNG, sizeof(PNG));
	curl_mime_type(part, "image/png");
	curl_mime_filename(part, "stamps.png");
	r->mime = m;
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->h, CURLOPT_MIMEPOST, m);
	add_handle(r, PROC "/form");
}

/* The CMS over the request's content, made here, then posted; 0, or -1 (no signature). */
static int post_signature(struct resident *r, const char *content)
{
	double t0 = now_s();
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_NOSMIMECAP | CMS_CADES | CMS_PARTIAL;
	CMS_ContentInfo *cms = in ? CMS_sign(NULL, NULL, NULL, NULL, flags) : NULL;
	int len = -1;
	if (cms && CMS_add1_signer(cms, G.cert, G.key, EVP_sha256(), flags) &&
	    CMS_final(cms, in, NULL, flags)) {
		OPENSSL_free(r->der);
		r->der = NULL;
		len = i2d_CMS_ContentInfo(cms, &r->der);
	}
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	if (len <= 0) {
		ERR_print_errors_fp(stderr);
		return -1;
	}
	r->step_t0 = now_s(); /* sign_post starts after the CMS */
	sample_add(S_CMS, r->step_t0 - t0);
	char path[256];
	snprintf(path, sizeof(path), "/api/sign/%s", r->id);
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->der_hdrs);
	curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, (const char *)r->der);
	add_handle(r, path);
	return 0;
}

/* ---- the journey ------------------------------------------------------------------------- */

static void fail(struct resident *r, long status, const char *why)
{
	if (G.errors++ < ERRORS_SHOWN) {
		const char *b = buf_cstr(&r->body);
		const char *t = strstr(b, "<h1");
		fprintf(stderr, "load_client: resident %d, %s: status %ld, %s; %.200s\n", r->i,
		        RQ_NAMES[r->q], status, why, t ? t : b);
	}
	r->q = Q_FAILED;
	G.running--;
}

static void start_journey(struct resident *r)
{
	curl_easy_setopt(r->h, CURLOPT_COOKIELIST, "ALL");
	r->journey_t0 = r->step_t0 = now_s();
	r->q = Q_LOGIN_GET;
	get(r, "/login");
}

/* At the end of request q: its step's time when the next request is of another step. */
static void step_done(struct resident *r, enum rq q)
{
	double t = now_s();
	if (RQ_STEP[q + 1] != RQ_STEP[q]) {
		sample_add(RQ_STEP[q], t - r->step_t0);
		r->step_t0 = t;
	}
}

/* GET /api/sign/ID's answer: its digest is the page's and the SHA-256 of its content; then
 * the content is signed and posted. 0, or -1. */
static int sign_request(struct resident *r)
{
	json_error_t e;
	json_t *j = json_loads(buf_cstr(&r->body), 0, &e);
	const char *content = json_string_value(json_object_get(j, "content"));
	const char *digest = json_string_value(json_object_get(j, "digest"));
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	int rc = -1;
	if (content && digest && strcmp(digest, r->digest) == 0) {
		SHA256((const unsigned char *)content, strlen(content), md);
		for (int k = 0; k < SHA256_DIGEST_LENGTH; k++)
			sprintf(hex + 2 * k, "%02x", md[k]);
		if (strcmp(hex, digest) == 0) {
			r->q = Q_SIGN_POST;
			rc = post_signature(r, content);
		}
	}
	json_decref(j);
	return rc;
}

/* The confirmation page: the sign link's id, key, digest, csrf; not signed yet. 0 or -1. */
static int read_confirm(struct resident *r)
{
	const char *page = buf_cstr(&r->body);
	char link[512];
	if (attr_after(page, "id=\"sign-link\"", "href=\"", link, sizeof(link)) < 0 ||
	    hidden(page, "key", r->key, sizeof(r->key)) < 0 ||
	    hidden(page, "digest", r->digest, sizeof(r->digest)) < 0 ||
	    hidden(page, "csrf", r->csrf, sizeof(r->csrf)) < 0 ||
	    !has(r, "data-state=\"unsigned\""))
		return -1;
	const char *slash = strrchr(link, '/');
	if (!slash || !slash[1] || strlen(slash + 1) >= sizeof(r->id))
		return -1;
	strcpy(r->id, slash + 1);
	return 0;
}

static int signed_ok(struct resident *r)
{
	json_error_t e;
	json_t *j = json_loads(buf_cstr(&r->body), 0, &e);
	const char *st = json_string_value(json_object_get(j, "status"));
	int ok = st && strcmp(st, "signed") == 0;
	json_decref(j);
	return ok;
}

/* 303 to /applications/RECEIPT/complete: the receipt into r->receipt. 0 or -1. */
static int submitted(struct resident *r, long status)
{
	char loc[512];
	size_t n;
	if (status != 303 || location(r, loc, sizeof(loc)) || strncmp(loc, "/applications/", 14))
		return -1;
	n = strspn(loc + 14, "0123456789-");
	if (!n || n >= sizeof(r->receipt) || strcmp(loc + 14 + n, "/complete"))
		return -1;
	memcpy(r->receipt, loc + 14, n);
	r->receipt[n] = '\0';
	return 0;
}

static int completed_ok(struct resident *r, long status)
{
	char want[128];
	snprintf(want, sizeof(want), "<strong class=\"receipt\">%s</strong>", r->receipt);
	return status == 200 && has(r, "以上で、申請は完了です。") && has(r, want);
}

static void journey_end(struct resident *r)
{
	double t = now_s();
	sample_add(S_JOURNEY, t - r->journey_t0);
	strcpy(G.receipts[G.completed++], r->receipt);
	G.last_end = t;
	if (--r->rounds_left > 0) {
		start_journey(r);
		return;
	}
	r->q = Q_DONE;
	G.running--;
}

/* The first half of the journey: after request r->q answered status, the next one is sent;
 * NULL, or why not. */
static const char *journey_page(struct resident *r, long status)
{
	char loc[512], path[256];
	const char *page = buf_cstr(&r->body);
	switch (r->q) {
	case Q_LOGIN_GET:
		if (status != 200 || hidden(page, "csrf", r->csrf, sizeof(r->csrf)))
			return "no login page";
		r->q = Q_LOGIN_POST;
		post_form(r, "/login",
		          (const char *const[]){"csrf", r->csrf, "email", r->email, "password",
		                                PASSWORD, "return", "/mypage", NULL});
		return NULL;
	case Q_LOGIN_POST:
		if (status != 303)
			return "login refused";
		r->q = Q_FORM_GET;
		get(r, PROC "/form");
		return NULL;
	case Q_FORM_GET:
		if (status != 200 || hidden(page, "csrf", r->csrf, sizeof(r->csrf)))
			return "no form";
		r->q = Q_FORM_POST;
		post_draft(r);
		return NULL;
	case Q_FORM_POST:
		if (status != 303 || location(r, loc, sizeof(loc)) || strcmp(loc, PROC "/confirm"))
			return "draft not saved";
		r->q = Q_CONFIRM;
		get(r, PROC "/confirm");
		return NULL;
	case Q_CONFIRM:
		if (status != 200 || read_confirm(r))
			return "no confirmation page with a sign link";
		r->q = Q_SIGN_GET;
		snprintf(path, sizeof(path), "/api/sign/%s", r->id);
		get(r, path);
		return NULL;
	default:
		return "lost";
	}
}

/* The second half: the signature, 申請する, the completion page. */
static const char *journey_sign(struct resident *r, long status)
{
	char path[128];
	switch (r->q) {
	case Q_SIGN_GET:
		if (status != 200 || sign_request(r))
			return "no sign request of the page's content";
		return NULL;
	case Q_SIGN_POST:
		if (status != 200 || !signed_ok(r))
			return "signature refused";
		r->q = Q_SUBMIT;
		post_form(r, PROC "/submit",
		          (const char *const[]){"csrf", r->csrf, "key", r->key, "digest", r->digest,
		                                "confirmed", "1", NULL});
		return NULL;
	case Q_SUBMIT:
		if (submitted(r, status))
			return "not submitted";
		r->q = Q_COMPLETE;
		snprintf(path, sizeof(path), "/applications/%s/complete", r->receipt);
		get(r, path);
		return NULL;
	case Q_COMPLETE:
		if (!completed_ok(r, status))
			return "no completion page with the receipt";
		journey_end(r);
		return NULL;
	default:
		return journey_page(r, status);
	}
}

/* ---- registration -------------------------------------------------------------------------- */

static struct resident mailbox;

/* After a registration request answered status: the next one, or the wait for the mail. */
static const char *register_next(struct resident *r, long status)
{
	const char *page = buf_cstr(&r->body);
	switch (r->q) {
	case Q_REG_GET:
		if (status != 200 || hidden(page, "csrf", r->csrf, sizeof(r->csrf)))
			return "no registration page";
		r->q = Q_REG_POST;
		post_form(r, "/register",
		          (const char *const[]){"csrf", r->csrf, "email", r->email, "password",
		                                PASSWORD, NULL});
		return NULL;
	case Q_REG_POST:
		if (status != 200 || !has(r, "確認のメールを送りました"))
			return "registration refused";
		r->q = Q_REG_WAIT;
		G.running--;
		return NULL;
	case Q_CONF_GET:
		if (status != 200 || hidden(page, "csrf", r->csrf, sizeof(r->csrf)))
			return "no confirmation page";
		r->q = Q_CONF_POST;
		post_form(r, "/register/confirm",
		          (const char *const[]){"csrf", r->csrf, "token", r->token, NULL});
		return NULL;
	case Q_CONF_POST:
		if (status != 200 || !has(r, "利用者登録が完了しました"))
			return "registration not completed";
		r->q = Q_REGISTERED;
		G.running--;
		return NULL;
	default:
		return "lost";
	}
}

/* The token of the confirmation mail to email in the /dev/mail page into out; 0 or -1. */
static int token_of(const char *page, const char *email, char *out, size_t outlen)
{
	char dd[96];
	snprintf(dd, sizeof(dd), "<dd>%s</dd>", email);
	const char *p = strstr(page, dd), *end;
	if (!p)
		return -1;
	end = strstr(p, "</section>");
	p = strstr(p, "register/confirm?token=");
	if (!p || (end && p > end))
		return -1;
	p += strlen("register/confirm?token=");
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	if (!n || n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* /dev/mail answered: each resident waiting for its mail goes on with its link. */
static void mail_read(long status)
{
	const char *page = buf_cstr(&mailbox.body);
	char path[256];
	G.running--;
	for (int k = 0; k < G.n; k++) {
		struct resident *r = &G.res[k];
		if (r->q != Q_REG_WAIT)
			continue;
		G.running++;
		if (status != 200 || token_of(page, r->email, r->token, sizeof(r->token))) {
			buf_reset(&r->body);
			fail(r, status, "no confirmation mail in /dev/mail");
			continue;
		}
		r->q = Q_CONF_GET;
		snprintf(path, sizeof(path), "/register/confirm?token=%s", r->token);
		get(r, path);
	}
}

/* ---- the loop ------------------------------------------------------------------------------ */

static void answered(struct resident *r, CURLcode rc)
{
	long status = 0;
	curl_multi_remove_handle(G.multi, r->h);
	if (r->mime) {
		curl_easy_setopt(r->h, CURLOPT_MIMEPOST, NULL);
		curl_mime_free(r->mime);
		r->mime = NULL;
	}
	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (r->mailbox) {
		mail_read(rc == CURLE_OK ? status : 0);
		return;
	}
	if (rc != CURLE_OK) {
		fail(r, status, curl_easy_strerror(rc));
		return;
	}
	const char *why;
	if (r->q < Q_LOGIN_GET) {
		why = register_next(r, status);
	} else {
		step_done(r, r->q);
		why = journey_sign(r, status);
	}
	if (why)
		fail(r, status, why);
}

/* Runs the requests under way until none is left; -1 when the deadline came first. */
static int run(void)
{
	while (G.running > 0) {
		int still = 0, left = 0;
		CURLMsg *m;
		curl_multi_perform(G.multi, &still);
		while ((m = curl_multi_info_read(G.multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct resident *r = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			answered(r, m->data.result);
		}
		if (now_s() > G.deadline)
			return -1;
		if (G.running > 0)
			curl_multi_poll(G.multi, NULL, 0, 100, NULL);
	}
	return 0;
}

static int resident_init(struct resident *r, int i)
{
	r->i = i;
	r->base = i < 0 ? G.urls[0] : G.urls[i % G.nurls];
	r->rounds_left = G.rounds;
	buf_init(&r->body, 8 << 20);
	snprintf(r->email, sizeof(r->email), "load-%05d@example.jp", i);
	snprintf(r->xff, sizeof(r->xff), "X-Forwarded-For: 10.77.%d.%d", (i + 1) / 250,
	         (i + 1) % 250 + 1);
	r->hdrs = curl_slist_append(NULL, r->xff);
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	r->der_hdrs = curl_slist_append(NULL, r->xff);
	r->der_hdrs = curl_slist_append(r->der_hdrs, "Expect:");
	r->der_hdrs = curl_slist_append(r->der_hdrs, "Content-Type: application/pkcs7-signature");
	if (!(r->h = curl_easy_init()) || !r->hdrs || !r->der_hdrs)
		return -1;
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(r->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(r->h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->h, CURLOPT_TCP_NODELAY, 1L);
	return 0;
}

/* Every resident's account, WAVE at a time: register, read /dev/mail, confirm. */
static int register_all(void)
{
	for (int w = 0; w < G.n; w += WAVE) {
		for (int k = w; k < G.n && k < w + WAVE; k++) {
			G.res[k].q = Q_REG_GET;
			G.running++;
			get(&G.res[k], "/register");
		}
		if (run() < 0)
			return -1;
		G.running++;
		get(&mailbox, "/dev/mail");
		if (run() < 0)
			return -1;
	}
	return G.errors ? -1 : 0;
}

/* ---- the figures --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_receipt(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The nearest-rank percentile q (0..1) of n sorted values. */
static double pct(const double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);
	return v[(k ? k : 1) - 1];
}

/* Receipts given twice; each counts as an error. */
static long duplicate_receipts(void)
{
	long d = 0;
	qsort(G.receipts, (size_t)G.completed, sizeof(*G.receipts), cmp_receipt);
	for (long k = 1; k < G.completed; k++)
		d += strcmp(G.receipts[k - 1], G.receipts[k]) == 0;
	return d;
}

static void report(double setup_s, int timed_out)
{
	long want = (long)G.n * G.rounds, dup = duplicate_receipts();
	double span = G.last_end > G.first_start ? G.last_end - G.first_start : 0;
	long unfinished = want - G.completed - G.errors;
	if (timed_out && unfinished > 0)
		G.errors += unfinished;
	G.errors += dup;
	printf("residents %d, rounds %d, portals %d\n", G.n, G.rounds, G.nurls);
	printf("setup: %d accounts registered in %.1f s\n", G.n, setup_s);
	printf("journeys: %ld completed of %ld in %.2f s, %.2f residents/s\n", G.completed, want,
	       span, span > 0 ? (double)G.completed / span : 0.0);
	printf("receipts: %ld distinct, %ld duplicated\n", G.completed - dup, dup);
	printf("%-10s %7s %10s %10s %10s\n", "step", "count", "p50 ms", "p99 ms", "max ms");
	for (int s = 0; s < NSTEPS; s++) {
		struct samples *p = &G.steps[s];
		if (!p->n) {
			printf("%-10s %7d %10s %10s %10s\n", STEP_NAMES[s], 0, "-", "-", "-");
			continue;
		}
		qsort(p->v, p->n, sizeof(double), cmp_double);
		printf("%-10s %7zu %10.1f %10.1f %10.1f\n", STEP_NAMES[s], p->n,
		       pct(p->v, p->n, 0.5), pct(p->v, p->n, 0.99), p->v[p->n - 1]);
	}
	if (timed_out)
		printf("deadline reached: %ld journeys unfinished\n",
		       unfinished > 0 ? unfinished : 0);
	printf("errors %ld\n", G.errors);
}

/* ---- main ------------------------------------------------------------------------------------ */

static int load_pem(const char *key, const char *cert)
{
	FILE *f = fopen(key, "r");
	if (f) {
		G.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(cert, "r"))) {
		G.cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (G.key && G.cert && X509_check_private_key(G.cert, G.key) == 1)
		return 0;
	fprintf(stderr, "load_client: cannot use the key %s with the certificate %s\n", key, cert);
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: load_client [-n RESIDENTS] [-r ROUNDS] [-T SECONDS] --key KEY.pem "
	                "--cert CERT.pem URL...\n");
	return 2;
}

static int parse(int argc, char **argv, double *seconds)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
	                                     {"cert", required_argument, NULL, 'c'},
	                                     {NULL, 0, NULL, 0}};
	const char *key = NULL, *cert = NULL;
	int c;
	G.n = 200;
	G.rounds = 1;
	while ((c = getopt_long(argc, argv, "n:r:T:", opts, NULL)) != -1) {
		if (c == 'n')
			G.n = atoi(optarg);
		else if (c == 'r')
			G.rounds = atoi(optarg);
		else if (c == 'T')
			*seconds = atof(optarg);
		else if (c == 'k')
			key = optarg;
		else if (c == 'c')
			cert = optarg;
		else
			return usage();
	}
	G.nurls = argc - optind;
	if (G.n < 1 || G.n > 100000 || G.rounds < 1 || G.rounds > 1000 || *seconds <= 0 || !key ||
	    !cert || G.nurls < 1 || G.nurls > MAX_URLS)
		return usage();
	for (int k = 0; k < G.nurls; k++)
		G.urls[k] = argv[optind + k];
	return load_pem(key, cert) < 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
	double seconds = 600;
	int rc = parse(argc, argv, &seconds);
	if (rc >= 0)
		return rc;
	curl_global_init(CURL_GLOBAL_ALL);
	G.multi = curl_multi_init();
	G.res = calloc((size_t)G.n, sizeof(*G.res));
	G.receipts = calloc((size_t)G.n * (size_t)G.rounds, sizeof(*G.receipts));
	if (!G.multi || !G.res || !G.receipts || resident_init(&mailbox, -1) < 0)
		return 1;
	mailbox.mailbox = 1;
	/* one connection per resident stays open between its requests */
	curl_multi_setopt(G.multi, CURLMOPT_MAXCONNECTS, (long)G.n + 8);
	for (int k = 0; k < G.n; k++)
		if (resident_init(&G.res[k], k) < 0)
			return 1;
	double t0 = now_s();
	G.deadline = t0 + seconds;
	if (register_all() < 0) {
		fprintf(stderr, "load_client: registration failed (%ld errors)\n", G.errors);
		return 1;
	}
	double setup_s = now_s() - t0;
	G.first_start = now_s();
	for (int k = 0; k < G.n; k++) {
		G.running++;
		start_journey(&G.res[k]);
	}
	int timed_out = run() < 0;
	report(setup_s, timed_out);
	return G.errors || G.completed != (long)G.n * G.rounds ? 1 : 0;
}
