/* verify: the portal's check of a CMS signature made with a My Number Card's signing certificate
 * (see verify.h for the API and docs/verification.md for the checks, their order and the JSON
 * record). The trust anchors are our own: every verification builds a small X509_STORE from them
 * (never the system CA store) whose issuer lookup picks among CA generations sharing a name by
 * key identifier and then by signature. The CRL file is kept parsed and re-read when it changes;
 * OCSP is in ocsp.c. Nothing here logs: the report says everything. */
#include "sig/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sig/ocsp.h"
#include "util/enc.h"
#include "util/file.h"
#include "util/utf8.h"

#define BAG_MAX 16   /* certificates in one signature */
#define ATTRS_MAX 32 /* signed attributes */
#define SAN_MAX 64   /* subjectAltName entries looked at */
#define CHAIN_DEPTH 8
#define DIR_ENTRIES_MAX 1024
#define NAME_MAX_TEXT 1024 /* a printed distinguished name */

/* ---- names and messages ----------------------------------------------------------------- */

const char *verify_strerror(int err)
{
	switch (err) {
	case VERIFY_OK:
		return "success";
	case VERIFY_EINPUT:
		return "bad argument";
	case VERIFY_ENOMEM:
		return "out of memory";
	case VERIFY_EIO:
		return "a configured file could not be read";
	case VERIFY_EANCHOR:
		return "bad trust anchors";
	case VERIFY_ECRL:
		return "bad CRL file";
	case VERIFY_ECRYPTO:
		return "OpenSSL or libcurl failure";
	default:
		return "unknown error";
	}
}

static const char *const RESULT_NAMES[] = {
    [VERIFY_RESULT_OK] = "ok",
    [VERIFY_RESULT_BAD_FORMAT] = "bad_format",
    [VERIFY_RESULT_BAD_SIGNATURE] = "bad_signature",
    [VERIFY_RESULT_DIGEST_MISMATCH] = "digest_mismatch",
    [VERIFY_RESULT_UNTRUSTED] = "untrusted",
    [VERIFY_RESULT_EXPIRED] = "expired",
    [VERIFY_RESULT_NOT_YET_VALID] = "not_yet_valid",
    [VERIFY_RESULT_REVOKED] = "revoked",
    [VERIFY_RESULT_NOT_SIGNING_CERT] = "not_signing_cert",
    [VERIFY_RESULT_REVOCATION_UNAVAILABLE] = "revocation_unavailable",
};

/* What the person reads: what happened and what to do, in plain words. */
static const char *const MESSAGES[] = {
    [VERIFY_RESULT_OK] = "電子署名を確認しました。",
    [VERIFY_RESULT_BAD_FORMAT] = "電子署名のデータを読み取れませんでした。"
                                 "署名用のアプリから、もう一度電子署名をしてください。",
    [VERIFY_RESULT_BAD_SIGNATURE] = "電子署名が正しくありません。"
                                    "署名用のアプリから、もう一度電子署名をしてください。",
    [VERIFY_RESULT_DIGEST_MISMATCH] = "電子署名された内容が、この申請の内容と一致しません。"
                                      "申請内容を確認してから、もう一度電子署名をしてください。",
    [VERIFY_RESULT_UNTRUSTED] = "このカードの電子証明書は、ここでは使えません。"
                                "マイナンバーカードの署名用電子証明書で電子署名をしてください。",
    [VERIFY_RESULT_EXPIRED] = "署名用電子証明書の有効期限が切れています。"
                              "本庁 住民窓口センターもしくは出先機関の窓口で、"
                              "電子証明書の更新をしてください。",
    [VERIFY_RESULT_NOT_YET_VALID] = "署名用電子証明書がまだ有効になっていません。"
                                    "時間をおいてから、もう一度電子署名をしてください。"
                                    "続くときは、本庁 住民窓口センターもしくは出先機関の"
                                    "窓口にお問い合わせください。",
    [VERIFY_RESULT_REVOKED] = "署名用電子証明書が失効しています"
                              "（住所や氏名が変わったときなどに失効します）。"
                              "本庁 住民窓口センターもしくは出先機関の窓口で、"
                              "新しい電子証明書の発行を受けてください。",
    [VERIFY_RESULT_NOT_SIGNING_CERT] = "利用者証明用電子証明書（数字4桁の暗証番号）では、"
                                       "申請の電子署名はできません。"
                                       "署名用電子証明書（英数字6〜16桁のパスワード）で"
                                       "電子署名をしてください。",
    [VERIFY_RESULT_REVOCATION_UNAVAILABLE] =
        "いま電子証明書の有効性を確認できません。"
        "しばらく時間をおいてから、もう一度電子署名をしてください。",
};

const char *verify_result_name(enum verify_result r)
{
	if ((unsigned)r < sizeof(RESULT_NAMES) / sizeof(RESULT_NAMES[0]))
		return RESULT_NAMES[r];
	return "unknown";
}

static const char *const REVOCATION_NAMES[] = {"none", "ocsp", "crl"};

/* The checks in the order they run; a report lists each with its outcome. */
enum check {
	CK_FORMAT,
	CK_SIGNATURE,
	CK_DIGEST,
	CK_ESS,
	CK_KEY_USAGE,
	CK_CHAIN,
	CK_VALIDITY,
	CK_REVOCATION,
	CK_COUNT
};
static const char *const CHECK_NAMES[CK_COUNT] = {
    "format",    "signature", "content_digest", "signing_certificate_attribute",
    "key_usage", "chain",     "validity",       "revocation",
};

/* ---- small helpers ----------------------------------------------------------------------- */

static void errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* Reads a regular file of at most max bytes. 0, or -1 with err set (errno kept). */
static int read_file(const char *path, size_t max, unsigned char **out, size_t *outlen,
                     struct stat *st_out, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t len;

	if (file_read_all(path, max, &buf, &len, &st) != 0) {
		if (errno == EINVAL)
			errf(err, errlen, "%s: not a regular file", path);
		else if (errno == EFBIG)
			errf(err, errlen, "%s: over %zu bytes", path, max);
		else if (errno == ENOMEM)
			errf(err, errlen, "%s: out of memory", path);
		else
			errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (len != (size_t)st.st_size) { /* the stat would not describe what was read */
		free(buf);
		errno = EAGAIN;
		errf(err, errlen, "%s: changed while being read", path);
		return -1;
	}
	*out = (unsigned char *)buf;
	*outlen = len;
	if (st_out)
		*st_out = st;
	return 0;
}

static int looks_pem(const unsigned char *p, size_t n)
{
	return memmem(p, n, "-----BEGIN ", 11) != NULL;
}

/* ---- the trust configuration ------------------------------------------------------------- */

struct crl_entry {
	X509_CRL *crl;
	X509 *signer; /* the anchor whose key signed it */
	time_t this_update;
	time_t next_update; /* 0: absent */
};

struct crl_set {
	int refs; /* under verify_trust.lock */
	size_t n;
	struct crl_entry e[VERIFY_CRLS_MAX];
};

struct verify_trust {
	STACK_OF(X509) * anchors; /* never changed after verify_trust_new */
	char *ocsp_url;
	char *ocsp_proxy;
	char *crl_file;
	int soft_fail;
	long ocsp_timeout_ms;
	long ocsp_connect_timeout_ms;
	long clock_skew;
	long max_age;
	size_t crl_max;
	int curl_inited;
	pthread_mutex_t lock; /* guards the CRL cache below */
	struct crl_set *crl;  /* the last good CRL file */
	struct stat crl_st;   /* identity of the file last tried */
	int crl_loading;      /* a thread is reading a changed file */
	char crl_note[256];   /* why the file last tried was not taken; "" when it was */
};

void verify_config_init(struct verify_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ocsp_timeout_ms = 5000;
	cfg->ocsp_connect_timeout_ms = 2000;
	cfg->clock_skew = 300;
	cfg->revocation_max_age = 86400;
	cfg->crl_max_bytes = VERIFY_CRL_MAX_DEFAULT;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int anchor_add(verify_trust *t, X509 *x, const char *path, char *err, size_t errlen)
{
	int i;

	if (X509_check_ca(x) == 0) {
		errf(err, errlen, "%s: a certificate that is not a CA certificate", path);
		return VERIFY_EANCHOR;
	}
	if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
		errf(err, errlen, "%s: a certificate with malformed extensions", path);
		return VERIFY_EANCHOR;
	}
	for (i = 0; i < sk_X509_num(t->anchors); i++)
		if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0)
			return VERIFY_OK; /* the same certificate twice (c_rehash links, copies) */
	if (sk_X509_num(t->anchors) >= VERIFY_ANCHORS_MAX) {
		errf(err, errlen, "more than %d trust anchors", VERIFY_ANCHORS_MAX);
		return VERIFY_EANCHOR;
	}
	if (!X509_up_ref(x))
		return VERIFY_ENOMEM;
	if (!sk_X509_push(t->anchors, x)) {
		X509_free(x);
		return VERIFY_ENOMEM;
	}
	return VERIFY_OK;
}

static enum verify_err anchor_file(verify_trust *t, const char *path, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509 *x = NULL;
	const unsigned char *p;
	enum verify_err e;
	int count = 0;

	if (read_file(path, VERIFY_ANCHOR_FILE_MAX, &buf, &len, NULL, err, errlen) != 0) {
		e = errno == ENOMEM ? VERIFY_ENOMEM : errno == EFBIG ? VERIFY_EANCHOR : VERIFY_EIO;
		goto out;
	}
	if (looks_pem(buf, len)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		if (!bio) {
			e = VERIFY_ENOMEM;
			goto out;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			e = anchor_add(t, x, path, err, errlen);
			X509_free(x);
			x = NULL;
			if (e != VERIFY_OK)
				goto out;
			count++;
		}
		if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
			errf(err, errlen, "%s: a PEM certificate that does not parse", path);
			e = VERIFY_EANCHOR;
			goto out;
		}
	} else {
		p = buf;
		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != buf + len) {
			errf(err, errlen, "%s: not a certificate (PEM or DER)", path);
			e = VERIFY_EANCHOR;
			goto out;
		}
		e = anchor_add(t, x, path, err, errlen);
		if (e != VERIFY_OK)
			goto out;
		count++;
	}
	if (count == 0) {
		errf(err, errlen, "%s: no certificate", path);
		e = VERIFY_EANCHOR;
		goto out;
	}
	e = VERIFY_OK;
out:
	ERR_clear_error();
	X509_free(x);
	BIO_free(bio);
	free(buf);
	return e;
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static enum verify_err load_anchors(verify_trust *t, const char *dir, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	enum verify_err e = VERIFY_OK;
	int n, i;

	n = scandir(dir, &names, not_hidden, alphasort);
	if (n < 0) {
		errf(err, errlen, "%s: %s", dir, strerror(errno));
		return errno == ENOMEM ? VERIFY_ENOMEM : VERIFY_EIO;
	}
	if (n > DIR_ENTRIES_MAX) {
		errf(err, errlen, "%s: more than %d entries", dir, DIR_ENTRIES_MAX);
		e = VERIFY_EANCHOR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    (int)sizeof(path)) {
			errf(err, errlen, "%s: a name too long", dir);
			e = VERIFY_EINPUT;
			goto out;
		}
		if (stat(path, &st) != 0) {
			errf(err, errlen, "%s: %s", path, strerror(errno));
			e = VERIFY_EIO;
			goto out;
		}
		if (!S_ISREG(st.st_mode))
			continue; /* subdirectories and the like */
		e = anchor_file(t, path, err, errlen);
		if (e != VERIFY_OK)
			goto out;
	}
	if (sk_X509_num(t->anchors) == 0) {
		errf(err, errlen, "%s: no trust anchor", dir);
		e = VERIFY_EANCHOR;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

static void crl_set_free(struct crl_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		X509_CRL_free(s->e[i].crl);
		X509_free(s->e[i].signer);
	}
	free(s);
}

/* A CRL we can use as it is: a complete CRL of end-entity certificates of one issuer. */
static int crl_supported(X509_CRL *crl, const char **why)
{
	int i, n = X509_CRL_get_ext_count(crl);

	for (i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509_CRL_get_ext(crl, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		if (nid == NID_issuing_distribution_point) {
			ISSUING_DIST_POINT *idp =
			    X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL, NULL);
			int bad = !idp || idp->onlyCA || idp->onlyattr || idp->indirectCRL ||
			          idp->onlysomereasons;
			ISSUING_DIST_POINT_free(idp);
			if (bad) {
				*why = "an issuing distribution point that limits the CRL";
				return 0;
			}
		} else if (nid == NID_delta_crl) {
			*why = "a delta CRL";
			return 0;
		} else if (X509_EXTENSION_get_critical(ext) && nid != NID_crl_number &&
		           nid != NID_authority_key_identifier) {
			*why = "an unknown critical extension";
			return 0;
		}
	}
	return 1;
}

/* The anchor that signed crl, or NULL. */
static X509 *crl_signer(const verify_trust *t, X509_CRL *crl)
{
	AUTHORITY_KEYID *akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
	X509 *found = NULL;
	int i;

	for (i = 0; i < sk_X509_num(t->anchors) && !found; i++) {
		X509 *a = sk_X509_value(t->anchors, i);
		const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(a);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(a)) != 0)
			continue;
		if (akid && akid->keyid && skid && ASN1_OCTET_STRING_cmp(akid->keyid, skid) != 0)
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(a)) == 1)
			found = a;
	}
	AUTHORITY_KEYID_free(akid);
	ERR_clear_error();
	return found;
}

static enum verify_err crl_entry_add(const verify_trust *t, struct crl_set *s, X509_CRL *crl,
                                     char *err, size_t errlen)
{
	struct crl_entry *en;
	const char *why = NULL;
	X509_REVOKED *dummy;
	ASN1_INTEGER *zero = NULL;
	X509 *signer;

	if (s->n >= VERIFY_CRLS_MAX) {
		errf(err, errlen, "%s: more than %d CRLs", t->crl_file, VERIFY_CRLS_MAX);
		return VERIFY_ECRL;
	}
	if (!crl_supported(crl, &why)) {
		errf(err, errlen, "%s: %s", t->crl_file, why);
		return VERIFY_ECRL;
	}
	signer = crl_signer(t, crl);
	if (!signer) {
		errf(err, errlen, "%s: a CRL not signed by any trust anchor", t->crl_file);
		return VERIFY_ECRL;
	}
	en = &s->e[s->n];
	memset(en, 0, sizeof(*en));
	if (sig_asn1_time(X509_CRL_get0_lastUpdate(crl), &en->this_update) != 0 ||
	    (X509_CRL_get0_nextUpdate(crl) &&
	     sig_asn1_time(X509_CRL_get0_nextUpdate(crl), &en->next_update) != 0)) {
		errf(err, errlen, "%s: a CRL with a malformed date", t->crl_file);
		return VERIFY_ECRL;
	}
	/* one lookup now sorts the revoked list, so that threads only ever read it later */
	zero = ASN1_INTEGER_new();
	if (!zero)
		return VERIFY_ENOMEM;
	X509_CRL_get0_by_serial(crl, &dummy, zero);
	ASN1_INTEGER_free(zero);
	if (!X509_CRL_up_ref(crl) || !X509_up_ref(signer))
		return VERIFY_ENOMEM;
	en->crl = crl;
	en->signer = signer;
	s->n++;
	return VERIFY_OK;
}

/* Loads t->crl_file. *out and *st are set on success. */
static enum verify_err crl_load(const verify_trust *t, struct crl_set **out, struct stat *st,
                                char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct crl_set *s = NULL;
	BIO *bio = NULL;
	X509_CRL *crl = NULL;
	const unsigned char *p;
	enum verify_err e;

	if (read_file(t->crl_file, t->crl_max, &buf, &len, st, err, errlen) != 0) {
		e = errno == ENOMEM ? VERIFY_ENOMEM : errno == EFBIG ? VERIFY_ECRL : VERIFY_EIO;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		e = VERIFY_ENOMEM;
		goto out;
	}
	s->refs = 1;
	if (looks_pem(buf, len)) {
		if (len > INT_MAX) {
			e = VERIFY_ECRL;
			goto out;
		}
		bio = BIO_new_mem_buf(buf, (int)len);
		if (!bio) {
			e = VERIFY_ENOMEM;
			goto out;
		}
		while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
			e = crl_entry_add(t, s, crl, err, errlen);
			X509_CRL_free(crl);
			crl = NULL;
			if (e != VERIFY_OK)
				goto out;
		}
		if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
			errf(err, errlen, "%s: a PEM CRL that does not parse", t->crl_file);
			e = VERIFY_ECRL;
			goto out;
		}
	} else {
		p = buf;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (!crl || p != buf + len) {
			errf(err, errlen, "%s: not a CRL (PEM or DER)", t->crl_file);
			e = VERIFY_ECRL;
			goto out;
		}
		e = crl_entry_add(t, s, crl, err, errlen);
		if (e != VERIFY_OK)
			goto out;
	}
	if (s->n == 0) {
		errf(err, errlen, "%s: no CRL", t->crl_file);
		e = VERIFY_ECRL;
		goto out;
	}
	*out = s;
	s = NULL;
	e = VERIFY_OK;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	BIO_free(bio);
	crl_set_free(s);
	free(buf);
	return e;
}

static int url_ok(const char *u)
{
	size_t n = strlen(u), i;

	if (n > VERIFY_URL_MAX)
		return 0;
	if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7F)
			return 0;
	return 1;
}

static int set_str(char **dst, const char *src)
{
	if (!src || !*src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

enum verify_err verify_trust_new(const struct verify_config *cfg, verify_trust **out, char *errbuf,
                                 size_t errlen)
{
	verify_trust *t = NULL;
	enum verify_err e;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out)
		return VERIFY_EINPUT;
	*out = NULL;
	if (!cfg || !cfg->anchors_dir || !*cfg->anchors_dir) {
		errf(errbuf, errlen, "no anchors directory");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_url && *cfg->ocsp_url && !url_ok(cfg->ocsp_url)) {
		errf(errbuf, errlen, "the OCSP URL is not an http:// or https:// URL");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_proxy && (strlen(cfg->ocsp_proxy) > VERIFY_URL_MAX)) {
		errf(errbuf, errlen, "the OCSP proxy is too long");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_timeout_ms < 100 || cfg->ocsp_timeout_ms > 60000 ||
	    cfg->ocsp_connect_timeout_ms < 1 ||
	    cfg->ocsp_connect_timeout_ms > cfg->ocsp_timeout_ms || cfg->clock_skew < 0 ||
	    cfg->clock_skew > 86400 || cfg->revocation_max_age < 1 ||
	    cfg->revocation_max_age > 90L * 86400 || cfg->crl_max_bytes < 1024 ||
	    cfg->crl_max_bytes > ((size_t)1 << 31)) {
		errf(errbuf, errlen, "a timeout, age or size out of range");
		return VERIFY_EINPUT;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return VERIFY_ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->soft_fail = cfg->revocation_soft_fail != 0;
	t->ocsp_timeout_ms = cfg->ocsp_timeout_ms;
	t->ocsp_connect_timeout_ms = cfg->ocsp_connect_timeout_ms;
	t->clock_skew = cfg->clock_skew;
	t->max_age = cfg->revocation_max_age;
	t->crl_max = cfg->crl_max_bytes;
	t->anchors = sk_X509_new_null();
	if (!t->anchors || set_str(&t->ocsp_url, cfg->ocsp_url) != 0 ||
	    set_str(&t->crl_file, cfg->crl_file) != 0 ||
	    (cfg->ocsp_proxy && !(t->ocsp_proxy = strdup(cfg->ocsp_proxy)))) {
		e = VERIFY_ENOMEM;
		goto fail;
	}
	e = load_anchors(t, cfg->anchors_dir, errbuf, errlen);
	if (e != VERIFY_OK)
		goto fail;
	if (t->crl_file) {
		e = crl_load(t, &t->crl, &t->crl_st, errbuf, errlen);
		if (e != VERIFY_OK)
			goto fail;
	}
	if (t->ocsp_url) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			errf(errbuf, errlen, "curl_global_init failed");
			e = VERIFY_ECRYPTO;
			goto fail;
		}
		t->curl_inited = 1;
	}
	*out = t;
	return VERIFY_OK;
fail:
	verify_trust_free(t);
	return e;
}

void verify_trust_free(verify_trust *t)
{
	if (!t)
		return;
	sk_X509_pop_free(t->anchors, X509_free);
	crl_set_free(t->crl);
	free(t->ocsp_url);
	free(t->ocsp_proxy);
	free(t->crl_file);
	if (t->curl_inited)
		curl_global_cleanup();
	pthread_mutex_destroy(&t->lock);
	free(t);
}

size_t verify_trust_anchor_count(const verify_trust *t)
{
	return t ? (size_t)sk_X509_num(t->anchors) : 0;
}

/* The CRL set to use now (a reference: crl_put), re-reading the file when it changed. *note
 * says why a changed file was not taken ("" when all is well). */
static struct crl_set *crl_get(verify_trust *t, char *note, size_t notelen)
{
	struct crl_set *s, *fresh = NULL, *old = NULL;
	struct stat st, loaded;
	char err[256] = "";
	int load = 0;

	note[0] = '\0';
	/* look, and claim the reload when the file changed and no other thread is loading it:
	 * a large CRL takes a while to parse, and the others keep using the last one meanwhile */
	pthread_mutex_lock(&t->lock);
	if (stat(t->crl_file, &st) != 0) {
		errf(note, notelen, "%s: %s; the last loaded CRL is used", t->crl_file,
		     strerror(errno));
	} else if (!same_file(&st, &t->crl_st) && !t->crl_loading) {
		t->crl_loading = 1;
		load = 1;
	}
	pthread_mutex_unlock(&t->lock);
	if (load) {
		enum verify_err e = crl_load(t, &fresh, &loaded, err, sizeof(err));
		pthread_mutex_lock(&t->lock);
		if (e == VERIFY_OK) {
			if (t->crl && --t->crl->refs == 0)
				old = t->crl;
			t->crl = fresh;
			t->crl_st = loaded;
			t->crl_note[0] = '\0';
		} else {
			snprintf(t->crl_note, sizeof(t->crl_note), "%s", err);
			t->crl_st = st; /* do not try the same file again on every signature */
		}
		t->crl_loading = 0;
		pthread_mutex_unlock(&t->lock);
		crl_set_free(old);
	}
	pthread_mutex_lock(&t->lock);
	if (!note[0] && t->crl_note[0])
		errf(note, notelen,
		     "the changed CRL file was not taken (%s); the last loaded CRL is used",
		     t->crl_note);
	s = t->crl;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&t->lock);
	return s;
}

static void crl_put(verify_trust *t, struct crl_set *s)
{
	int last;

	if (!s)
		return;
	pthread_mutex_lock(&t->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last)
		crl_set_free(s);
}

/* ---- the store of one verification --------------------------------------------------------- */

struct store_info {
	const STACK_OF(X509) * anchors;
	time_t now;
};

static int valid_at(const X509 *x, time_t now)
{
	time_t nb, na;

	return sig_asn1_time(X509_get0_notBefore(x), &nb) == 0 &&
	       sig_asn1_time(X509_get0_notAfter(x), &na) == 0 && nb <= now && now <= na;
}

/* Issuer lookup among the anchors: the name and (when present) the authority key identifier
 * must fit (X509_check_issued); among several generations sharing a name, one whose key verifies
 * the certificate's signature wins, then one valid at `now`. */
static int get_issuer(X509 **issuer, X509_STORE_CTX *ctx, X509 *x)
{
	X509_STORE *st = X509_STORE_CTX_get0_store(ctx);
	const struct store_info *info = st ? X509_STORE_get_ex_data(st, 0) : NULL;
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	X509 *best = NULL;
	time_t now;
	int i, score, best_score = -1;

	if (!info)
		return 0;
	now = info->now;
	if (vp && (X509_VERIFY_PARAM_get_flags(vp) & X509_V_FLAG_USE_CHECK_TIME))
		now = X509_VERIFY_PARAM_get_time(vp);
	for (i = 0; i < sk_X509_num(info->anchors); i++) {
		X509 *a = sk_X509_value(info->anchors, i);
		if (X509_check_issued(a, x) != X509_V_OK)
			continue;
		score = 0;
		if (X509_verify(x, X509_get0_pubkey(a)) == 1)
			score += 2;
		if (valid_at(a, now))
			score += 1;
		if (score > best_score) {
			best = a;
			best_score = score;
		}
	}
	if (!best)
		return 0;
	if (!X509_up_ref(best))
		return -1;
	*issuer = best;
	return 1;
}

static X509_STORE *store_new(const verify_trust *t, struct store_info *info)
{
	X509_STORE *st = X509_STORE_new();
	int i;

	if (!st)
		return NULL;
	for (i = 0; i < sk_X509_num(t->anchors); i++)
		if (!X509_STORE_add_cert(st, sk_X509_value(t->anchors, i)))
			goto fail;
	if (!X509_STORE_set_ex_data(st, 0, info) ||
	    !X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN) ||
	    !X509_STORE_set_depth(st, CHAIN_DEPTH))
		goto fail;
	X509_STORE_set_get_issuer(st, get_issuer);
	return st;
fail:
	X509_STORE_free(st);
	return NULL;
}

/* ---- the report -------------------------------------------------------------------------- */

struct verify_report {
	enum verify_result result;
	enum verify_revocation revocation;
	json_t *root;
	json_t *checks; /* borrowed from root */
	int next_check;
	int oom;
	int basic4_found;
	char reason[512];
	char sha256[65];
	struct verify_basic4 b4;
};

/* obj[key] = v, stealing v (also on failure); a failure marks the report out of memory. */
static void jset(verify_report *r, json_t *obj, const char *key, json_t *v)
{
	if (!obj) {
		json_decref(v);
		r->oom = 1;
		return;
	}
	if (!v || json_object_set_new(obj, key, v) != 0)
		r->oom = 1;
}

/* A JSON string of the n bytes at s; invalid UTF-8 bytes become U+FFFD. */
static json_t *jstrn(verify_report *r, const char *s, size_t n)
{
	size_t ok, i = 0, o = 0;
	char *tmp;
	json_t *v;

	if (!s)
		return json_null();
	ok = utf8_valid_prefix(s, n);
	if (ok == n && !memchr(s, '\0', n))
		return json_stringn(s, n);
	tmp = malloc(n * 3 + 1);
	if (!tmp) {
		r->oom = 1;
		return NULL;
	}
	while (i < n) {
		size_t k = utf8_valid_prefix(s + i, n - i);
		size_t j;
		for (j = 0; j < k; j++)
			tmp[o++] = s[i + j] ? s[i + j] : '?';
		i += k;
		if (i < n) {
			memcpy(tmp + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	v = json_stringn(tmp, o);
	free(tmp);
	return v;
}

static json_t *jstr(verify_report *r, const char *s)
{
	return s ? jstrn(r, s, strlen(s)) : json_null();
}

static json_t *jtime(time_t t)
{
	char buf[32];

	iso_time(t, buf);
	return json_string(buf);
}

static void check_add(verify_report *r, enum check ck, const char *outcome, const char *detail)
{
	json_t *o = json_object();

	if (!o) {
		r->oom = 1;
		return;
	}
	jset(r, o, "check", json_string(CHECK_NAMES[ck]));
	jset(r, o, "outcome", json_string(outcome));
	if (detail && *detail)
		jset(r, o, "detail", jstr(r, detail));
	if (json_array_append_new(r->checks, o) != 0)
		r->oom = 1;
	r->next_check = (int)ck + 1;
}

static void pass(verify_report *r, enum check ck, const char *detail)
{
	check_add(r, ck, "pass", detail);
}

/* Records the failing check and the result; returns -1 (for `return fail(...)`). */
static int fail(verify_report *r, enum check ck, enum verify_result res, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(verify_report *r, enum check ck, enum verify_result res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->result = res;
	check_add(r, ck, "fail", r->reason);
	return -1;
}

static void report_free(verify_report *r)
{
	if (!r)
		return;
	json_decref(r->root);
	free(r);
}

void verify_report_free(verify_report *r)
{
	report_free(r);
}

enum verify_result verify_report_result(const verify_report *r)
{
	return r->result;
}

const char *verify_report_message(const verify_report *r)
{
	return MESSAGES[r->result];
}

const char *verify_report_reason(const verify_report *r)
{
	return r->reason;
}

enum verify_revocation verify_report_revocation(const verify_report *r)
{
	return r->revocation;
}

const struct verify_basic4 *verify_report_basic4(const verify_report *r)
{
	return r->result == VERIFY_RESULT_OK && r->basic4_found ? &r->b4 : NULL;
}

const char *verify_report_content_sha256(const verify_report *r)
{
	return r->sha256;
}

json_t *verify_report_json(const verify_report *r)
{
	return r->root;
}

char *verify_report_json_dump(const verify_report *r)
{
	return json_dumps(r->root, JSON_COMPACT | JSON_SORT_KEYS);
}

/* ---- certificate details and the basic four ------------------------------------------------ */

static json_t *name_json(verify_report *r, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	json_t *v = NULL;

	if (!b) {
		r->oom = 1;
		return NULL;
	}
	/* forward order ("C=JP, O=JPKI, ..."), UTF-8 kept, RFC 2253 escapes */
	if (X509_NAME_print_ex(b, name, 0,
	                       XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS |
	                           (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)) < 0) {
		v = json_string("(unprintable)");
		goto out;
	}
	n = BIO_get_mem_data(b, &data);
	if (n < 0)
		n = 0;
	if (n > NAME_MAX_TEXT) {
		n = (long)utf8_cut(data, (size_t)n, NAME_MAX_TEXT);
	}
	v = jstrn(r, data, (size_t)n);
out:
	BIO_free(b);
	return v;
}

static json_t *serial_json(verify_report *r, const X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	json_t *v = h ? json_string(h) : NULL;

	if (!v)
		r->oom = 1;
	OPENSSL_free(h);
	BN_free(bn);
	return v;
}

static json_t *fingerprint_json(const X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char out[2 * EVP_MAX_MD_SIZE + 1];

	if (!X509_digest(x, EVP_sha256(), md, &n))
		return json_null();
	hex_encode(md, n, out);
	return json_string(out);
}

static json_t *cert_json(verify_report *r, X509 *x)
{
	json_t *o = json_object(), *ku;
	time_t t;
	uint32_t u;
	EVP_PKEY *pk;
	char buf[64];

	if (!o) {
		r->oom = 1;
		return NULL;
	}
	jset(r, o, "serial", serial_json(r, x));
	jset(r, o, "subject", name_json(r, X509_get_subject_name(x)));
	jset(r, o, "issuer", name_json(r, X509_get_issuer_name(x)));
	jset(r, o, "not_before",
	     sig_asn1_time(X509_get0_notBefore(x), &t) == 0 ? jtime(t) : json_null());
	jset(r, o, "not_after",
	     sig_asn1_time(X509_get0_notAfter(x), &t) == 0 ? jtime(t) : json_null());
	jset(r, o, "sha256", fingerprint_json(x));
	pk = X509_get0_pubkey(x);
	if (pk) {
		snprintf(buf, sizeof(buf), "%s-%d", OBJ_nid2sn(EVP_PKEY_get_base_id(pk)),
		         EVP_PKEY_get_bits(pk));
		jset(r, o, "public_key", json_string(buf));
	}
	ku = json_array();
	if (!ku) {
		r->oom = 1;
		return o;
	}
	if (X509_get_extension_flags(x) & EXFLAG_KUSAGE) {
		static const struct {
			uint32_t bit;
			const char *name;
		} bits[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"},
		            {KU_NON_REPUDIATION, "nonRepudiation"},
		            {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
		            {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
		            {KU_KEY_AGREEMENT, "keyAgreement"},
		            {KU_KEY_CERT_SIGN, "keyCertSign"},
		            {KU_CRL_SIGN, "cRLSign"}};
		size_t i;
		u = X509_get_key_usage(x);
		for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			if (u & bits[i].bit && json_array_append_new(ku, json_string(bits[i].name)))
				r->oom = 1;
	}
	jset(r, o, "key_usage", ku);
	return o;
}

/* The UTF-8 text of an otherName value: a string type directly (as OpenSSL and most issuers
 * encode it), or wrapped in one more [0] EXPLICIT. 0, or -1 when it is something else. */
static int other_value(const ASN1_TYPE *v, char *out, size_t outsz)
{
	ASN1_STRING *inner = NULL;
	const ASN1_STRING *s = NULL;
	unsigned char *u = NULL;
	int n = -1, ret = -1;

	switch (v->type) {
	case V_ASN1_UTF8STRING:
	case V_ASN1_PRINTABLESTRING:
	case V_ASN1_IA5STRING:
	case V_ASN1_BMPSTRING:
	case V_ASN1_UNIVERSALSTRING:
		s = v->value.asn1_string;
		break;
	case V_ASN1_OTHER: {
		/* the whole encoding is kept: A0 len <string> */
		const unsigned char *p = v->value.asn1_string->data, *q;
		long len = v->value.asn1_string->length, ilen;
		int tag, cls, r;

		r = ASN1_get_object(&p, &ilen, &tag, &cls, len);
		if ((r & 0x80) || r != V_ASN1_CONSTRUCTED || cls != V_ASN1_CONTEXT_SPECIFIC ||
		    tag != 0 || p + ilen != v->value.asn1_string->data + len)
			goto out;
		q = p;
		inner = d2i_DIRECTORYSTRING(NULL, &q, ilen);
		if (!inner || q != p + ilen)
			goto out;
		s = inner;
		break;
	}
	default:
		goto out;
	}
	n = ASN1_STRING_to_UTF8(&u, s);
	if (n < 0 || (size_t)n >= outsz)
		goto out;
	if (!utf8_line_ok((const char *)u, (size_t)n))
		goto out;
	memcpy(out, u, (size_t)n);
	out[n] = '\0';
	ret = 0;
out:
	OPENSSL_free(u);
	ASN1_STRING_free(inner);
	return ret;
}

static void basic4_extract(verify_report *r, X509 *x, json_t *malformed)
{
	static const char *const oids[] = {
	    "1.2.392.200149.8.5.5.1", "1.2.392.200149.8.5.5.2", "1.2.392.200149.8.5.5.3",
	    "1.2.392.200149.8.5.5.4", "1.2.392.200149.8.5.5.5", "1.2.392.200149.8.5.5.6",
	};
	struct verify_basic4 *b = &r->b4;
	char *fields[] = {b->name, b->name_alt, b->gender, b->birth, b->address, b->address_alt};
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, k, n;

	memset(b, 0, sizeof(*b));
	n = gens ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n && i < SAN_MAX; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		ASN1_OBJECT *oid = NULL;
		ASN1_TYPE *val = NULL;
		char txt[64];

		if (!GENERAL_NAME_get0_otherName(g, &oid, &val) || !oid || !val)
			continue;
		if (OBJ_obj2txt(txt, sizeof(txt), oid, 1) <= 0)
			continue;
		for (k = 0; k < 6; k++)
			if (strcmp(txt, oids[k]) == 0)
				break;
		if (k == 6 || fields[k][0])
			continue; /* not ours, or a repeat (the first one counts) */
		if (other_value(val, fields[k], VERIFY_TEXT_MAX + 1) != 0) {
			fields[k][0] = '\0';
			if (json_array_append_new(malformed, json_string(oids[k])) != 0)
				r->oom = 1;
		}
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	b->complete = b->name[0] && b->gender[0] && b->birth[0] && b->address[0];
	r->basic4_found = 1;
}

static json_t *basic4_json(verify_report *r)
{
	const struct verify_basic4 *b = &r->b4;
	json_t *o = json_object();
	const char *names[] = {"name", "name_alt", "gender", "birth", "address", "address_alt"};
	const char *vals[] = {b->name,  b->name_alt, b->gender,
	                      b->birth, b->address,  b->address_alt};
	size_t i, n = strlen(b->birth);

	if (!o) {
		r->oom = 1;
		return NULL;
	}
	for (i = 0; i < 6; i++)
		if (vals[i][0])
			jset(r, o, names[i], jstr(r, vals[i]));
	if (n == 9 && strspn(b->birth, "0123456789") == 9) {
		char iso[11];
		snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", b->birth + 1, b->birth + 5,
		         b->birth + 7);
		jset(r, o, "birth_date", json_string(iso));
	}
	jset(r, o, "complete", json_boolean(b->complete));
	return o;
}

/* ---- one verification -------------------------------------------------------------------- */

struct vctx {
	verify_trust *t;
	verify_report *r;
	time_t now;
	const uint8_t *der;
	size_t len;
	const uint8_t *content;
	size_t content_len;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;     /* borrowed from cms */
	STACK_OF(X509) * bag;   /* the certificates in the signature */
	X509 *leaf;             /* borrowed from bag */
	STACK_OF(X509) * chain; /* leaf .. anchor, once the path is built */
	X509_STORE *store;
	struct store_info info;
	const EVP_MD *md;
	const ASN1_OCTET_STRING *message_digest; /* borrowed from si */
	ESS_SIGNING_CERT *ess1;
	ESS_SIGNING_CERT_V2 *ess2;
	json_t *sig;      /* "signature" object, borrowed from the report */
	json_t *rev;      /* "revocation" object, borrowed */
	json_t *attempts; /* borrowed */
};

/* The single value of a signed attribute that must be there once. NULL with *why set. */
static const ASN1_TYPE *single_attr(CMS_SignerInfo *si, int nid, int type, const char **why)
{
	X509_ATTRIBUTE *a;
	const ASN1_TYPE *v;
	int i = CMS_signed_get_attr_by_NID(si, nid, -1);

	if (i < 0) {
		*why = "missing";
		return NULL;
	}
	if (CMS_signed_get_attr_by_NID(si, nid, i) >= 0) {
		*why = "repeated";
		return NULL;
	}
	a = CMS_signed_get_attr(si, i);
	if (!a || X509_ATTRIBUTE_count(a) != 1) {
		*why = "not single-valued";
		return NULL;
	}
	v = X509_ATTRIBUTE_get0_type(a, 0);
	if (!v || v->type != type) {
		*why = "of the wrong type";
		return NULL;
	}
	return v;
}

/* An optional single-valued SEQUENCE attribute (ESS). 1 found, 0 absent, -1 malformed. */
static int optional_seq(CMS_SignerInfo *si, int nid, const unsigned char **p, long *len)
{
	const char *why;
	const ASN1_TYPE *v;

	if (CMS_signed_get_attr_by_NID(si, nid, -1) < 0)
		return 0;
	v = single_attr(si, nid, V_ASN1_SEQUENCE, &why);
	if (!v)
		return -1;
	*p = v->value.sequence->data;
	*len = v->value.sequence->length;
	return 1;
}

#define BAD_FORMAT(r, ...) fail(r, CK_FORMAT, VERIFY_RESULT_BAD_FORMAT, __VA_ARGS__)

/* DER of a detached SignedData of id-data with exactly one signer: c->cms and c->si. */
static int check_envelope(struct vctx *c)
{
	verify_report *r = c->r;
	STACK_OF(CMS_SignerInfo) * sis;
	const unsigned char *p = c->der;
	int n;

	if (c->len == 0)
		return BAD_FORMAT(r, "empty signature");
	if (c->len > VERIFY_CMS_MAX)
		return BAD_FORMAT(r, "signature over %zu bytes", VERIFY_CMS_MAX);
	c->cms = d2i_CMS_ContentInfo(NULL, &p, (long)c->len);
	if (!c->cms)
		return BAD_FORMAT(r, "not a DER CMS ContentInfo");
	if (p != c->der + c->len)
		return BAD_FORMAT(r, "%zu bytes after the CMS", (size_t)(c->der + c->len - p));
	if (OBJ_obj2nid(CMS_get0_type(c->cms)) != NID_pkcs7_signed)
		return BAD_FORMAT(r, "not SignedData");
	if (OBJ_obj2nid(CMS_get0_eContentType(c->cms)) != NID_pkcs7_data)
		return BAD_FORMAT(r, "the encapsulated content type is not id-data");
	if (CMS_is_detached(c->cms) != 1)
		return BAD_FORMAT(r, "the content is attached; a detached signature is expected");
	sis = CMS_get0_SignerInfos(c->cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n != 1)
		return BAD_FORMAT(r, "%d signers; exactly one expected", n);
	c->si = sk_CMS_SignerInfo_value(sis, 0);
	return 0;
}

/* The certificates of the signature (c->bag) and the signer's among them (c->leaf). */
static int check_signer_cert(struct vctx *c)
{
	verify_report *r = c->r;
	int i, n, found;

	c->bag = CMS_get1_certs(c->cms);
	n = c->bag ? sk_X509_num(c->bag) : 0;
	if (n == 0)
		return BAD_FORMAT(r, "no certificate in the signature");
	if (n > BAG_MAX)
		return BAD_FORMAT(r, "%d certificates; at most %d", n, BAG_MAX);
	for (i = 0, found = 0; i < n; i++) {
		X509 *x = sk_X509_value(c->bag, i);
		if (CMS_SignerInfo_cert_cmp(c->si, x) == 0) {
			if (found && X509_cmp(c->leaf, x) != 0)
				return BAD_FORMAT(r, "two certificates match the signer");
			c->leaf = x;
			found = 1;
		}
	}
	if (!c->leaf)
		return BAD_FORMAT(r, "the signer's certificate is not in the signature");
	jset(r, r->root, "certificate", cert_json(r, c->leaf));
	if (X509_get_extension_flags(c->leaf) & EXFLAG_INVALID)
		return BAD_FORMAT(r, "the signer's certificate has malformed extensions");
	return 0;
}

/* The digest algorithm (SHA-2 only) into c->md; both algorithms go into the report. */
static int check_algorithms(struct vctx *c)
{
	verify_report *r = c->r;
	X509_ALGOR *dig = NULL, *sigalg = NULL;
	char txt[80];
	int nid;

	CMS_SignerInfo_get0_algs(c->si, NULL, NULL, &dig, &sigalg);
	nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	if (dig)
		OBJ_obj2txt(txt, sizeof(txt), dig->algorithm, 0);
	else
		snprintf(txt, sizeof(txt), "none");
	jset(r, c->sig, "digest_algorithm", jstr(r, txt));
	if (sigalg) {
		OBJ_obj2txt(txt, sizeof(txt), sigalg->algorithm, 0);
		jset(r, c->sig, "signature_algorithm", jstr(r, txt));
	}
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512)
		return BAD_FORMAT(r, "digest algorithm %s not accepted (SHA-256, -384, -512)", txt);
	c->md = EVP_get_digestbynid(nid);
	if (!c->md)
		return BAD_FORMAT(r, "digest algorithm unavailable");
	return 0;
}

/* The signed attributes: contentType id-data, a messageDigest of the digest's size (into
 * c->message_digest), and signingTime when there is one. */
static int check_signed_attrs(struct vctx *c)
{
	verify_report *r = c->r;
	const ASN1_TYPE *v;
	const char *why = "";
	int n = CMS_signed_get_attr_count(c->si);

	if (n <= 0)
		return BAD_FORMAT(r, "no signed attributes");
	if (n > ATTRS_MAX)
		return BAD_FORMAT(r, "%d signed attributes; at most %d", n, ATTRS_MAX);
	v = single_attr(c->si, NID_pkcs9_contentType, V_ASN1_OBJECT, &why);
	if (!v)
		return BAD_FORMAT(r, "contentType attribute %s", why);
	if (OBJ_obj2nid(v->value.object) != NID_pkcs7_data)
		return BAD_FORMAT(r, "the contentType attribute is not id-data");
	v = single_attr(c->si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, &why);
	if (!v)
		return BAD_FORMAT(r, "messageDigest attribute %s", why);
	c->message_digest = v->value.octet_string;
	if (c->message_digest->length != EVP_MD_get_size(c->md))
		return BAD_FORMAT(r, "the messageDigest attribute has %d bytes, not %d",
		                  c->message_digest->length, EVP_MD_get_size(c->md));
	if (CMS_signed_get_attr_by_NID(c->si, NID_pkcs9_signingTime, -1) >= 0) {
		time_t st;
		v = single_attr(c->si, NID_pkcs9_signingTime, V_ASN1_UTCTIME, &why);
		if (!v)
			v = single_attr(c->si, NID_pkcs9_signingTime, V_ASN1_GENERALIZEDTIME, &why);
		if (!v || sig_asn1_time(v->value.utctime, &st) != 0)
			return BAD_FORMAT(r, "malformed signingTime attribute");
		jset(r, c->sig, "signing_time", jtime(st));
	}
	return 0;
}

/* The ESS signingCertificate (v1) and signingCertificateV2 attributes, each optional but
 * well-formed when present, into c->ess1 and c->ess2. */
static int check_ess_attrs(struct vctx *c)
{
	const unsigned char *p, *q;
	long slen;
	int i;

	i = optional_seq(c->si, NID_id_smime_aa_signingCertificate, &p, &slen);
	if (i > 0) {
		q = p;
		c->ess1 = d2i_ESS_SIGNING_CERT(NULL, &q, slen);
		if (!c->ess1 || q != p + slen)
			i = -1;
	}
	if (i < 0)
		return BAD_FORMAT(c->r, "malformed signingCertificate attribute");
	i = optional_seq(c->si, NID_id_smime_aa_signingCertificateV2, &p, &slen);
	if (i > 0) {
		q = p;
		c->ess2 = d2i_ESS_SIGNING_CERT_V2(NULL, &q, slen);
		if (!c->ess2 || q != p + slen)
			i = -1;
	}
	if (i < 0)
		return BAD_FORMAT(c->r, "malformed signingCertificateV2 attribute");
	return 0;
}

static int check_format(struct vctx *c)
{
	if (check_envelope(c) != 0 || check_signer_cert(c) != 0 || check_algorithms(c) != 0 ||
	    check_signed_attrs(c) != 0 || check_ess_attrs(c) != 0)
		return -1;
	jset(c->r, c->sig, "cades", json_boolean(c->ess2 != NULL));
	pass(c->r, CK_FORMAT,
	     "SignedData, detached id-data, one signer, contentType and messageDigest");
	return 0;
}

static int check_signature(struct vctx *c)
{
	CMS_SignerInfo_set1_signer_cert(c->si, c->leaf);
	if (CMS_SignerInfo_verify(c->si) != 1) {
		fail(c->r, CK_SIGNATURE, VERIFY_RESULT_BAD_SIGNATURE,
		     "the signature over the signed attributes does not verify with the signer's "
		     "key");
		return -1;
	}
	pass(c->r, CK_SIGNATURE, NULL);
	return 0;
}

static int check_digest(struct vctx *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const uint8_t empty[1];

	if (!EVP_Digest(c->content ? c->content : empty, c->content_len, md, &n, c->md, NULL)) {
		c->r->oom = 1;
		return -1;
	}
	if ((int)n != c->message_digest->length ||
	    CRYPTO_memcmp(md, c->message_digest->data, n) != 0) {
		fail(c->r, CK_DIGEST, VERIFY_RESULT_DIGEST_MISMATCH,
		     "the signed messageDigest is not the digest of the content");
		return -1;
	}
	pass(c->r, CK_DIGEST, NULL);
	return 0;
}

static int check_ess(struct vctx *c)
{
	STACK_OF(X509) *certs = NULL;
	int i, ok, ret = -1;

	if (!c->ess1 && !c->ess2) {
		check_add(c->r, CK_ESS, "absent", "no signingCertificate(V2) attribute");
		return 0;
	}
	certs = sk_X509_new_null();
	if (!certs || !sk_X509_push(certs, c->leaf)) {
		c->r->oom = 1;
		goto out;
	}
	for (i = 0; i < sk_X509_num(c->bag); i++) {
		X509 *x = sk_X509_value(c->bag, i);
		if (x != c->leaf && !sk_X509_push(certs, x)) {
			c->r->oom = 1;
			goto out;
		}
	}
	ok = OSSL_ESS_check_signing_certs(c->ess1, c->ess2, certs, 0);
	if (ok != 1) {
		fail(c->r, CK_ESS, VERIFY_RESULT_BAD_SIGNATURE,
		     "the signing certificate attribute names another certificate");
		goto out;
	}
	pass(c->r, CK_ESS,
	     c->ess2 ? "signingCertificateV2 names the signer's certificate"
	             : "signingCertificate names the signer's certificate");
	ret = 0;
out:
	sk_X509_free(certs); /* the certificates belong to the bag */
	return ret;
}

static int check_key_usage(struct vctx *c)
{
	uint32_t ku;

	if (X509_check_ca(c->leaf) == 1) {
		fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		     "the signer's certificate is a CA certificate");
		return -1;
	}
	if (!(X509_get_extension_flags(c->leaf) & EXFLAG_KUSAGE)) {
		fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		     "the certificate has no keyUsage extension");
		return -1;
	}
	ku = X509_get_key_usage(c->leaf);
	if (!(ku & KU_NON_REPUDIATION)) {
		fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		     "keyUsage lacks nonRepudiation: not a signing certificate (an authentication "
		     "certificate?)");
		return -1;
	}
	if (!(ku & KU_DIGITAL_SIGNATURE)) {
		fail(c->r, CK_KEY_USAGE, VERIFY_RESULT_NOT_SIGNING_CERT,
		     "keyUsage lacks digitalSignature");
		return -1;
	}
	pass(c->r, CK_KEY_USAGE, "digitalSignature and nonRepudiation");
	return 0;
}

static int check_chain(struct vctx *c)
{
	X509_STORE_CTX *ctx = NULL;
	json_t *b4_malformed;
	X509 *anchor;
	int ret = -1, err;

	c->info.anchors = c->t->anchors;
	c->info.now = c->now;
	c->store = store_new(c->t, &c->info);
	ctx = X509_STORE_CTX_new();
	if (!c->store || !ctx || !X509_STORE_CTX_init(ctx, c->store, c->leaf, c->bag)) {
		c->r->oom = 1;
		goto out;
	}
	/* time is checked by check_validity, to tell expired from not yet valid from untrusted */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		fail(c->r, CK_CHAIN, VERIFY_RESULT_UNTRUSTED,
		     "no path to a configured trust anchor: %s (depth %d)",
		     X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	c->chain = X509_STORE_CTX_get1_chain(ctx);
	if (!c->chain || sk_X509_num(c->chain) < 1) {
		c->r->oom = 1;
		goto out;
	}
	anchor = sk_X509_value(c->chain, sk_X509_num(c->chain) - 1);
	{
		json_t *a = json_object();
		if (!a) {
			c->r->oom = 1;
			goto out;
		}
		jset(c->r, a, "subject", name_json(c->r, X509_get_subject_name(anchor)));
		jset(c->r, a, "sha256", fingerprint_json(anchor));
		jset(c->r, a, "chain_length", json_integer(sk_X509_num(c->chain)));
		jset(c->r, json_object_get(c->r->root, "certificate"), "anchor", a);
	}
	/* the basic four of a certificate whose path is trusted; kept even if a later check
	 * fails (for staff), but verify_report_basic4 gives them only for an ok result */
	b4_malformed = json_array();
	if (!b4_malformed) {
		c->r->oom = 1;
		goto out;
	}
	basic4_extract(c->r, c->leaf, b4_malformed);
	{
		json_t *b4 = basic4_json(c->r);
		if (b4 && json_array_size(b4_malformed) > 0)
			jset(c->r, b4, "malformed", json_incref(b4_malformed));
		jset(c->r, c->r->root, "basic_four", b4);
	}
	json_decref(b4_malformed);
	pass(c->r, CK_CHAIN, NULL);
	ret = 0;
out:
	X509_STORE_CTX_free(ctx);
	return ret;
}

static int check_validity(struct vctx *c)
{
	int i, n = sk_X509_num(c->chain);
	char a[32] = "", b[32] = "";

	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(c->chain, i);
		const char *who = i == 0 ? "the certificate" : "a CA certificate of its path";
		time_t nb, na;

		if (sig_asn1_time(X509_get0_notBefore(x), &nb) != 0 ||
		    sig_asn1_time(X509_get0_notAfter(x), &na) != 0) {
			fail(c->r, CK_VALIDITY, VERIFY_RESULT_BAD_FORMAT, "%s has a malformed date",
			     who);
			return -1;
		}
		if (c->now < nb) {
			iso_time(nb, a);
			fail(c->r, CK_VALIDITY, VERIFY_RESULT_NOT_YET_VALID, "%s is valid from %s",
			     who, a);
			return -1;
		}
		if (c->now > na) {
			iso_time(na, a);
			fail(c->r, CK_VALIDITY, VERIFY_RESULT_EXPIRED, "%s expired at %s", who, a);
			return -1;
		}
		if (i == 0) {
			iso_time(nb, a);
			iso_time(na, b);
		}
	}
	{
		char d[80];
		snprintf(d, sizeof(d), "%s .. %s", a, b);
		pass(c->r, CK_VALIDITY, d);
	}
	return 0;
}

enum rstatus { RS_GOOD, RS_REVOKED, RS_UNKNOWN, RS_UNAVAILABLE };

static const char *const RSTATUS_NAMES[] = {"good", "revoked", "unknown", "unavailable"};

static json_t *attempt_new(verify_report *r, const char *method)
{
	json_t *o = json_object();

	if (!o) {
		r->oom = 1;
		return NULL;
	}
	jset(r, o, "method", json_string(method));
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
	jset(c->r, at, "url", jstr(c->r, c->t->ocsp_url));
	jset(c->r, at, "status", json_string(RSTATUS_NAMES[rs]));
	jset(c->r, at, "detail", jstr(c->r, a.detail));
	if (a.http_status)
		jset(c->r, at, "http_status", json_integer(a.http_status));
	jset(c->r, at, "elapsed_ms", json_integer(a.elapsed_ms));
	if (a.produced_at)
		jset(c->r, at, "produced_at", jtime(a.produced_at));
	if (a.this_update)
		jset(c->r, at, "this_update", jtime(a.this_update));
	if (a.next_update)
		jset(c->r, at, "next_update", jtime(a.next_update));
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

	jset(c->r, at, "file", jstr(c->r, c->t->crl_file));
	s = crl_get(c->t, note, sizeof(note));
	if (note[0])
		jset(c->r, at, "note", jstr(c->r, note));
	for (i = 0; s && i < s->n && !en; i++)
		if (X509_cmp(s->e[i].signer, issuer) == 0)
			en = &s->e[i];
	if (!en) {
		snprintf(detail, dlen, "CRL: the CRL file has no CRL of the certificate's issuer");
		goto out;
	}
	jset(c->r, at, "this_update", jtime(en->this_update));
	if (en->next_update)
		jset(c->r, at, "next_update", jtime(en->next_update));
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
	jset(c->r, at, "status", json_string(RSTATUS_NAMES[rs]));
	jset(c->r, at, "detail", jstr(c->r, detail));
	crl_put(c->t, s);
	return rs;
}

static int check_revocation(struct vctx *c)
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
	jset(r, c->rev, "method", json_string(REVOCATION_NAMES[method]));
	if (!c->t->ocsp_url && !c->t->crl_file) {
		jset(r, c->rev, "status", json_string("not_checked"));
		jset(r, c->rev, "detail", json_string("not checked (no source configured)"));
		check_add(r, CK_REVOCATION, "not_checked", "not checked (no source configured)");
		return 0;
	}
	switch (rs) {
	case RS_GOOD:
		jset(r, c->rev, "status", json_string("good"));
		jset(r, c->rev, "detail", jstr(r, detail));
		pass(r, CK_REVOCATION, detail);
		return 0;
	case RS_REVOKED:
		jset(r, c->rev, "status", json_string("revoked"));
		jset(r, c->rev, "detail", jstr(r, detail));
		if (rtime)
			jset(r, c->rev, "revocation_time", jtime(rtime));
		jset(r, c->rev, "revocation_reason", json_string(sig_ocsp_reason_name(rreason)));
		fail(r, CK_REVOCATION, VERIFY_RESULT_REVOKED, "the certificate is revoked (%s)",
		     detail);
		return -1;
	case RS_UNKNOWN:
		jset(r, c->rev, "status", json_string("unknown"));
		jset(r, c->rev, "detail", jstr(r, detail));
		fail(r, CK_REVOCATION, VERIFY_RESULT_REVOCATION_UNAVAILABLE,
		     "the revocation status is unknown to the responder (%s)", detail);
		return -1;
	case RS_UNAVAILABLE:
		break;
	}
	if (c->t->soft_fail) {
		char d[1100];
		snprintf(d, sizeof(d), "not checked (source unavailable: %s)", last);
		jset(r, c->rev, "status", json_string("not_checked"));
		jset(r, c->rev, "detail", jstr(r, d));
		check_add(r, CK_REVOCATION, "not_checked", d);
		return 0;
	}
	jset(r, c->rev, "status", json_string("unavailable"));
	jset(r, c->rev, "detail", jstr(r, last));
	fail(r, CK_REVOCATION, VERIFY_RESULT_REVOCATION_UNAVAILABLE,
	     "no revocation source answered; try again later (%s)", last);
	return -1;
}

static json_t *revocation_skeleton(verify_report *r, const verify_trust *t, json_t **attempts)
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
	jset(r, o, "configured", cfg);
	jset(r, o, "soft_fail", json_boolean(t->soft_fail));
	jset(r, o, "method", json_string("none"));
	jset(r, o, "status", json_string("skipped"));
	jset(r, o, "attempts", json_incref(*attempts));
	json_decref(*attempts); /* still held by o */
	return o;
}

enum verify_err verify_signature(verify_trust *t, const uint8_t *der, size_t len,
                                 const uint8_t *content, size_t content_len, time_t now,
                                 verify_report **out)
{
	struct vctx c;
	verify_report *r = NULL;
	unsigned char sha[32];
	enum verify_err e = VERIFY_ENOMEM;
	int i;

	if (out)
		*out = NULL;
	if (!t || !out || (!der && len) || (!content && content_len) ||
	    content_len > VERIFY_CONTENT_MAX)
		return VERIFY_EINPUT;
	ERR_clear_error();
	memset(&c, 0, sizeof(c));
	r = calloc(1, sizeof(*r));
	if (!r)
		return VERIFY_ENOMEM;
	r->result = VERIFY_RESULT_OK;
	r->root = json_object();
	r->checks = json_array();
	c.sig = json_object();
	if (!r->root || !r->checks || !c.sig) {
		json_decref(r->checks);
		json_decref(c.sig);
		goto out;
	}
	jset(r, r->root, "checks", r->checks); /* root holds the only reference now */
	jset(r, r->root, "signature", c.sig);
	c.rev = revocation_skeleton(r, t, &c.attempts);
	jset(r, r->root, "revocation", c.rev);
	if (r->oom)
		goto out;
	c.t = t;
	c.r = r;
	c.now = now;
	c.der = der;
	c.len = len;
	c.content = content;
	c.content_len = content_len;

	jset(r, r->root, "format", json_string("madoguchi-signature-verification"));
	jset(r, r->root, "version", json_integer(1));
	jset(r, r->root, "verified_at", jtime(now));
	if (!SHA256(content ? content : (const uint8_t *)"", content_len, sha))
		goto out;
	hex_encode(sha, sizeof(sha), r->sha256);
	{
		json_t *co = json_object();
		jset(r, co, "length", json_integer((json_int_t)content_len));
		jset(r, co, "sha256", json_string(r->sha256));
		jset(r, r->root, "content", co);
	}
	jset(r, c.sig, "length", json_integer((json_int_t)len));

	if (check_format(&c) == 0 && check_signature(&c) == 0 && check_digest(&c) == 0 &&
	    check_ess(&c) == 0 && check_key_usage(&c) == 0 && check_chain(&c) == 0 &&
	    check_validity(&c) == 0 && check_revocation(&c) == 0)
		snprintf(r->reason, sizeof(r->reason), "verified");
	if (r->oom)
		goto out;
	for (i = r->next_check; i < CK_COUNT; i++)
		check_add(r, (enum check)i, "skipped", NULL);
	jset(r, r->root, "result", json_string(verify_result_name(r->result)));
	jset(r, r->root, "reason", jstr(r, r->reason));
	jset(r, r->root, "message", json_string(MESSAGES[r->result]));
	if (r->oom)
		goto out;
	*out = r;
	r = NULL;
	e = VERIFY_OK;
out:
	ERR_clear_error();
	ESS_SIGNING_CERT_free(c.ess1);
	ESS_SIGNING_CERT_V2_free(c.ess2);
	sk_X509_pop_free(c.chain, X509_free);
	X509_STORE_free(c.store);
	sk_X509_pop_free(c.bag, X509_free);
	CMS_ContentInfo_free(c.cms);
	report_free(r);
	return e;
}
