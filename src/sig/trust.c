/* trust: the trust anchors (our own, never the system CA store), the CRL file kept parsed
 * and re-read when it changes, and the X509_STORE of one verification whose issuer lookup
 * picks among CA generations sharing a name by key identifier and then by signature. */
#include "sig/verify_impl.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sig/ocsp.h"
#include "util/errbuf.h"
#include "util/enc.h"
#include "util/file.h"

#define CHAIN_DEPTH 8
#define DIR_ENTRIES_MAX 1024

/* ---- small helpers ----------------------------------------------------------------------- */

/* Reads a regular file of at most max bytes. 0, or -1 with err set (errno kept). */
static int read_file(const char *path, size_t max, unsigned char **out, size_t *outlen,
                     struct stat *st_out, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t len;

	if (file_read_all(path, max, &buf, &len, &st) != 0) {
		if (errno == EINVAL)
			errbuf_set(err, errlen, "%s: not a regular file", path);
		else if (errno == EFBIG)
			errbuf_set(err, errlen, "%s: over %zu bytes", path, max);
		else if (errno == ENOMEM)
			errbuf_set(err, errlen, "%s: out of memory", path);
		else
			errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (len != (size_t)st.st_size) { /* the stat would not describe what was read */
		free(buf);
		errno = EAGAIN;
		errbuf_set(err, errlen, "%s: changed while being read", path);
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

void verify_config_init(struct verify_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ocsp_timeout_ms = 5000;
	cfg->ocsp_connect_timeout_ms = 2000;
	cfg->clock_skew = 300;
	cfg->revocation_max_age = 86400;
	cfg->crl_max_bytes = VERIFY_CRL_MAX_DEFAULT;
	cfg->cert_cache_max = VERIFY_CERT_CACHE_DEFAULT;
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
		errbuf_set(err, errlen, "%s: a certificate that is not a CA certificate", path);
		return VERIFY_EANCHOR;
	}
	if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
		errbuf_set(err, errlen, "%s: a certificate with malformed extensions", path);
		return VERIFY_EANCHOR;
	}
	for (i = 0; i < sk_X509_num(t->anchors); i++)
		if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0)
			return VERIFY_OK; /* the same certificate twice (c_rehash links, copies) */
	if (sk_X509_num(t->anchors) >= VERIFY_ANCHORS_MAX) {
		errbuf_set(err, errlen, "more than %d trust anchors", VERIFY_ANCHORS_MAX);
		return VERIFY_EANCHOR;
	}
	if (!X509_up_ref(x))
		return VERIFY_ENOMEM;
	if (!sk_X509_push(t->anchors, x)) {
		X509_free(x);
		return VERIFY_ENOMEM;
	}
	t->anchor_json[sk_X509_num(t->anchors) - 1] = vr_anchor_json(x);
	if (!t->anchor_json[sk_X509_num(t->anchors) - 1])
		return VERIFY_ENOMEM;
	t->anchor_direct[sk_X509_num(t->anchors) - 1] =
	    !(X509_get_extension_flags(x) & EXFLAG_CRITICAL) &&
	    X509_get_ext_by_NID(x, NID_name_constraints, -1) < 0 &&
	    X509_get_ext_by_NID(x, NID_policy_constraints, -1) < 0;
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
			errbuf_set(err, errlen, "%s: a PEM certificate that does not parse", path);
			e = VERIFY_EANCHOR;
			goto out;
		}
	} else {
		p = buf;
		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != buf + len) {
			errbuf_set(err, errlen, "%s: not a certificate (PEM or DER)", path);
			e = VERIFY_EANCHOR;
			goto out;
		}
		e = anchor_add(t, x, path, err, errlen);
		if (e != VERIFY_OK)
			goto out;
		count++;
	}
	if (count == 0) {
		errbuf_set(err, errlen, "%s: no certificate", path);
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
		errbuf_set(err, errlen, "%s: %s", dir, strerror(errno));
		return errno == ENOMEM ? VERIFY_ENOMEM : VERIFY_EIO;
	}
	if (n > DIR_ENTRIES_MAX) {
		errbuf_set(err, errlen, "%s: more than %d entries", dir, DIR_ENTRIES_MAX);
		e = VERIFY_EANCHOR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    (int)sizeof(path)) {
			errbuf_set(err, errlen, "%s: a name too long", dir);
			e = VERIFY_EINPUT;
			goto out;
		}
		if (stat(path, &st) != 0) {
			errbuf_set(err, errlen, "%s: %s", path, strerror(errno));
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
		errbuf_set(err, errlen, "%s: no trust anchor", dir);
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

/* Which CRL it is, for the reports: the SHA-256 of its DER and its cRLNumber. 0, or -1. */
static int crl_identify(struct crl_entry *en, X509_CRL *crl)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!X509_CRL_digest(crl, EVP_sha256(), md, &mdlen) || mdlen != 32)
		return -1;
	hex_encode(md, mdlen, en->sha256);
	ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	BIGNUM *bn = num ? ASN1_INTEGER_to_BN(num, NULL) : NULL;
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	if (dec)
		snprintf(en->number, sizeof(en->number), "%s", dec);
	OPENSSL_free(dec);
	BN_free(bn);
	ASN1_INTEGER_free(num);
	ERR_clear_error();
	return 0;
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
		errbuf_set(err, errlen, "%s: more than %d CRLs", t->crl_file, VERIFY_CRLS_MAX);
		return VERIFY_ECRL;
	}
	if (!crl_supported(crl, &why)) {
		errbuf_set(err, errlen, "%s: %s", t->crl_file, why);
		return VERIFY_ECRL;
	}
	signer = crl_signer(t, crl);
	if (!signer) {
		errbuf_set(err, errlen, "%s: a CRL not signed by any trust anchor", t->crl_file);
		return VERIFY_ECRL;
	}
	en = &s->e[s->n];
	memset(en, 0, sizeof(*en));
	if (crl_identify(en, crl) != 0)
		return VERIFY_ENOMEM;
	if (sig_asn1_time(X509_CRL_get0_lastUpdate(crl), &en->this_update) != 0 ||
	    (X509_CRL_get0_nextUpdate(crl) &&
	     sig_asn1_time(X509_CRL_get0_nextUpdate(crl), &en->next_update) != 0)) {
		errbuf_set(err, errlen, "%s: a CRL with a malformed date", t->crl_file);
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
			errbuf_set(err, errlen, "%s: a PEM CRL that does not parse", t->crl_file);
			e = VERIFY_ECRL;
			goto out;
		}
	} else {
		p = buf;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (!crl || p != buf + len) {
			errbuf_set(err, errlen, "%s: not a CRL (PEM or DER)", t->crl_file);
			e = VERIFY_ECRL;
			goto out;
		}
		e = crl_entry_add(t, s, crl, err, errlen);
		if (e != VERIFY_OK)
			goto out;
	}
	if (s->n == 0) {
		errbuf_set(err, errlen, "%s: no CRL", t->crl_file);
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
		errbuf_set(errbuf, errlen, "no anchors directory");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_url && *cfg->ocsp_url && !url_ok(cfg->ocsp_url)) {
		errbuf_set(errbuf, errlen, "the OCSP URL is not an http:// or https:// URL");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_proxy && (strlen(cfg->ocsp_proxy) > VERIFY_URL_MAX)) {
		errbuf_set(errbuf, errlen, "the OCSP proxy is too long");
		return VERIFY_EINPUT;
	}
	if (cfg->ocsp_timeout_ms < 100 || cfg->ocsp_timeout_ms > 60000 ||
	    cfg->ocsp_connect_timeout_ms < 1 ||
	    cfg->ocsp_connect_timeout_ms > cfg->ocsp_timeout_ms || cfg->clock_skew < 0 ||
	    cfg->clock_skew > 86400 || cfg->revocation_max_age < 1 ||
	    cfg->revocation_max_age > 90L * 86400 || cfg->crl_max_bytes < 1024 ||
	    cfg->crl_max_bytes > ((size_t)1 << 31) || cfg->cert_cache_max > VERIFY_CERT_CACHE_MAX) {
		errbuf_set(errbuf, errlen, "a timeout, age or size out of range");
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
	t->parse_ctx = OSSL_LIB_CTX_new();
	t->null_provider = t->parse_ctx ? OSSL_PROVIDER_load(t->parse_ctx, "null") : NULL;
	t->cache = cert_cache_new(cfg->cert_cache_max);
	t->sha2[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
	t->sha2[1] = EVP_MD_fetch(NULL, "SHA384", NULL);
	t->sha2[2] = EVP_MD_fetch(NULL, "SHA512", NULL);
	if (!t->null_provider || (cfg->cert_cache_max && !t->cache) || !t->sha2[0] || !t->sha2[1] ||
	    !t->sha2[2]) {
		errbuf_set(errbuf, errlen, "no library context for parsing signatures");
		e = VERIFY_ECRYPTO;
		goto fail;
	}
	if (t->crl_file) {
		e = crl_load(t, &t->crl, &t->crl_st, errbuf, errlen);
		if (e != VERIFY_OK)
			goto fail;
	}
	if (t->ocsp_url) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			errbuf_set(errbuf, errlen, "curl_global_init failed");
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
	cert_cache_free(t->cache);
	for (int i = 0; i < VERIFY_ANCHORS_MAX; i++)
		json_decref(t->anchor_json[i]);
	for (int i = 0; i < 3; i++)
		EVP_MD_free(t->sha2[i]);
	OSSL_PROVIDER_unload(t->null_provider);
	OSSL_LIB_CTX_free(t->parse_ctx);
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

struct crl_set *trust_crl_get(verify_trust *t, char *note, size_t notelen)
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
		errbuf_set(note, notelen, "%s: %s; the last loaded CRL is used", t->crl_file,
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
		errbuf_set(note, notelen,
		           "the changed CRL file was not taken (%s); the last loaded CRL is used",
		           t->crl_note);
	s = t->crl;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&t->lock);
	return s;
}

void trust_crl_put(verify_trust *t, struct crl_set *s)
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

int sig_cert_valid_at(const X509 *x, time_t now)
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
		if (sig_cert_valid_at(a, now))
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

X509_STORE *trust_store_new(const verify_trust *t, struct store_info *info)
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
