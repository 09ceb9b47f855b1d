/* pki: the test PKI of madoguchi-card with OpenSSL 3 (see pki.h): CA creation, issuing and
 * renewing card certificates, the OpenSSL-ca index that `openssl ocsp` serves, CRLs. */
#include "card/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/file.h"
#include "util/jdate.h"

#define DAY 86400L
#define CA_YEARS_DAYS (20 * 365L + 5)
#define INDEX_LINE_MAX 4096
#define PEM_FILE_MAX 65536

static const char *const CA_OU[2] = {"JPKI for digital signature", "JPKI for user authentication"};
static const char *const CA_SUB[2] = {"sign", "auth"};
static const char *const JLIS = "Japan Agency for Local Authority Information Systems";

/* OIDs of the basic four information in subjectAltName otherName entries (docs/jpki.md). */
static const char *const OID_NAME = "1.2.392.200149.8.5.5.1";
static const char *const OID_NAME_ALT = "1.2.392.200149.8.5.5.2";
static const char *const OID_GENDER = "1.2.392.200149.8.5.5.3";
static const char *const OID_BIRTH = "1.2.392.200149.8.5.5.4";
static const char *const OID_ADDRESS = "1.2.392.200149.8.5.5.5";
static const char *const OID_ADDRESS_ALT = "1.2.392.200149.8.5.5.6";

const char *pki_strerror(int err)
{
	switch (err) {
	case PKI_OK:
		return "success";
	case PKI_EINPUT:
		return "invalid input";
	case PKI_ENOMEM:
		return "out of memory";
	case PKI_EIO:
		return "a PKI file could not be read or written";
	case PKI_ECRYPTO:
		return "an OpenSSL operation failed";
	case PKI_EEXISTS:
		return "already exists (a PKI in the directory, or a revoked certificate)";
	case PKI_ENOTFOUND:
		return "not found (no PKI in the directory, or no such certificate in the index)";
	case PKI_EINDEX:
		return "the CA index is malformed or too big";
	case PKI_EMISMATCH:
		return "the card was not issued by this PKI";
	case PKI_EBUSY:
		return "the PKI is in use by another process";
	}
	return "unknown pki error";
}

/* ---- dates --------------------------------------------------------------------------- */

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int era_of(int y, int m, int d)
{
	long v = (long)y * 10000 + m * 100 + d;
	if (v < 18681023)
		return 0;
	if (v < 19120730)
		return 1; /* 明治 */
	if (v < 19261225)
		return 2; /* 大正 */
	if (v < 19890108)
		return 3; /* 昭和 */
	if (v < 20190501)
		return 4; /* 平成 */
	return 5;         /* 令和 */
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The calendar date (in Japan) of a time. */
static void jst_date(time_t t, int *y, int *m, int *d)
{
	time_t j = t + (long)JDATE_JST_OFFSET;
	struct tm tm;
	gmtime_r(&j, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

/* 23:59:59 JST of a calendar date, as seconds since the epoch. */
static time_t jst_end_of_day(int y, int m, int d)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	return timegm(&tm) - (long)JDATE_JST_OFFSET;
}

enum pki_err pki_birth_code(const char *in, time_t now, char out[10])
{
	char ymd[9];
	size_t len;
	int y, m, d, era, ny, nm, nd;

	if (!in || !out)
		return PKI_EINPUT;
	len = strnlen(in, 11);
	if (len == 10 && in[4] == '-' && in[7] == '-' && digits(in, 4) && digits(in + 5, 2) &&
	    digits(in + 8, 2)) {
		memcpy(ymd, in, 4);
		memcpy(ymd + 4, in + 5, 2);
		memcpy(ymd + 6, in + 8, 2);
	} else if (len == 8 && digits(in, 8)) {
		memcpy(ymd, in, 8);
	} else if (len == 9 && digits(in, 9)) {
		memcpy(ymd, in + 1, 8);
	} else {
		return PKI_EINPUT;
	}
	ymd[8] = '\0';
	y = num(ymd, 4);
	m = num(ymd + 4, 2);
	d = num(ymd + 6, 2);
	if (m < 1 || m > 12 || d < 1 || d > mdays(y, m))
		return PKI_EINPUT;
	era = era_of(y, m, d);
	if (era == 0)
		return PKI_EINPUT;
	jst_date(now, &ny, &nm, &nd);
	if ((long)y * 10000 + m * 100 + d > (long)ny * 10000 + nm * 100 + nd)
		return PKI_EINPUT; /* born in the future */
	if (len == 9 && in[0] - '0' != era)
		return PKI_EINPUT;
	out[0] = (char)('0' + era);
	memcpy(out + 1, ymd, 9);
	return PKI_OK;
}

enum pki_err pki_gender_code(const char *in, char out[2])
{
	if (!in || !out)
		return PKI_EINPUT;
	if (strcmp(in, "1") == 0 || strcmp(in, "male") == 0)
		out[0] = '1';
	else if (strcmp(in, "2") == 0 || strcmp(in, "female") == 0)
		out[0] = '2';
	else if (strcmp(in, "3") == 0)
		out[0] = '3';
	else
		return PKI_EINPUT;
	out[1] = '\0';
	return PKI_OK;
}

/* The holder's fifth birthday after the (JST) date of from, at 23:59:59 JST. */
static time_t fifth_birthday(int bm, int bd, time_t from)
{
	int y, m, d, ty;

	jst_date(from, &y, &m, &d);
	ty = (bm > m || (bm == m && bd > d)) ? y : y + 1; /* the first birthday after issue */
	ty += 4;
	if (bm == 2 && bd == 29 && !leap(ty))
		bd = 28;
	return jst_end_of_day(ty, bm, bd);
}

enum pki_err pki_validity_range(const char *birth_code, const struct pki_validity *v, time_t now,
                                time_t *nb, time_t *na)
{
	int bm, bd;

	if (!birth_code || !v || !nb || !na || strlen(birth_code) != 9 || !digits(birth_code, 9))
		return PKI_EINPUT;
	bm = num(birth_code + 5, 2);
	bd = num(birth_code + 7, 2);
	if (bm < 1 || bm > 12 || bd < 1 || bd > 31)
		return PKI_EINPUT;
	switch (v->kind) {
	case PKI_VALID_DEFAULT:
		*nb = now;
		*na = fifth_birthday(bm, bd, now);
		return PKI_OK;
	case PKI_VALID_EXPIRED:
		*na = now - DAY;
		*nb = *na - (5 * 365 + 1) * DAY;
		return PKI_OK;
	case PKI_VALID_NOT_YET:
		*nb = now + DAY;
		*na = fifth_birthday(bm, bd, *nb);
		return PKI_OK;
	case PKI_VALID_DAYS:
		if (v->days < 1 || v->days > 36500)
			return PKI_EINPUT;
		*nb = now;
		*na = now + v->days * DAY;
		return PKI_OK;
	}
	return PKI_EINPUT;
}

/* ---- files --------------------------------------------------------------------------- */

static enum pki_err path_of(char *out, size_t cap, const char *dir, enum pki_ca ca,
                            const char *file)
{
	int n = snprintf(out, cap, "%s/%s/%s", dir, CA_SUB[ca], file);
	return n < 0 || (size_t)n >= cap ? PKI_EINPUT : PKI_OK;
}

/* A whole file of at most max bytes (file_read_all) with its error as the PKI's. */
static enum pki_err read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	if (file_read_all(path, max, out, outlen, NULL) == 0)
		return PKI_OK;
	switch (errno) {
	case ENOENT:
		return PKI_ENOTFOUND;
	case EFBIG:
		return PKI_EINDEX;
	case ENOMEM:
		return PKI_ENOMEM;
	default:
		return PKI_EIO;
	}
}

static enum pki_err write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	switch (state_write_file(path, data, len, mode)) {
	case STATE_OK:
		return PKI_OK;
	case STATE_ENOMEM:
		return PKI_ENOMEM;
	case STATE_EINPUT:
		return PKI_EINPUT;
	default:
		return PKI_EIO;
	}
}

static enum pki_err write_bio(const char *path, BIO *bio, mode_t mode)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	return n < 0 ? PKI_ECRYPTO : write_file(path, p, (size_t)n, mode);
}

static enum pki_err save_key(const char *path, EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	enum pki_err e = PKI_ECRYPTO;

	if (bio && PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1)
		e = write_bio(path, bio, 0600);
	BIO_free_all(bio);
	return e;
}

static enum pki_err save_cert(const char *path, X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	enum pki_err e = PKI_ECRYPTO;

	if (bio && PEM_write_bio_X509(bio, x) == 1)
		e = write_bio(path, bio, 0644);
	BIO_free_all(bio);
	return e;
}

static enum pki_err load_pem(const char *path, int is_key, void **out)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	enum pki_err e;

	e = read_file(path, PEM_FILE_MAX, &text, &len);
	if (e != PKI_OK)
		return e == PKI_EINDEX ? PKI_EINPUT : e;
	e = PKI_ECRYPTO;
	bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		goto out;
	*out = is_key ? (void *)PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
	              : (void *)PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (*out)
		e = PKI_OK;
out:
	BIO_free(bio);
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return e;
}

struct ca {
	X509 *cert;
	EVP_PKEY *key;
};

static void ca_release(struct ca *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	c->cert = NULL;
	c->key = NULL;
}

static enum pki_err ca_load(const char *dir, enum pki_ca which, struct ca *c)
{
	char p[PATH_MAX];
	enum pki_err e;

	memset(c, 0, sizeof(*c));
	e = path_of(p, sizeof(p), dir, which, "ca.pem");
	if (e == PKI_OK)
		e = load_pem(p, 0, (void **)&c->cert);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "ca.key");
	if (e == PKI_OK)
		e = load_pem(p, 1, (void **)&c->key);
	if (e == PKI_OK && X509_check_private_key(c->cert, c->key) != 1)
		e = PKI_ECRYPTO;
	if (e != PKI_OK)
		ca_release(c);
	return e;
}

/* An exclusive lock on DIR/.lock for the duration of an operation that changes the PKI. */
static enum pki_err pki_lock(const char *dir, int *fd)
{
	char p[PATH_MAX];
	int f;

	*fd = -1;
	if ((size_t)snprintf(p, sizeof(p), "%s/.lock", dir) >= sizeof(p))
		return PKI_EINPUT;
	f = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return errno == ENOENT ? PKI_ENOTFOUND : PKI_EIO;
	if (flock(f, LOCK_EX) != 0) {
		close(f);
		return PKI_EBUSY;
	}
	*fd = f;
	return PKI_OK;
}

static void pki_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- certificates -------------------------------------------------------------------- */

static EVP_PKEY *rsa2048(void)
{
	return EVP_RSA_gen(2048);
}

/* A positive random 128-bit serial number. */
static int random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7F;
	b[0] |= 0x40; /* fixed length: 16 bytes, positive */
	bn = BN_bin2bn(b, sizeof(b), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		ok = 1;
	BN_free(bn);
	return ok;
}

static int name_add(X509_NAME *n, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value, -1,
	                                  -1, 0) == 1;
}

static X509_NAME *ca_name(enum pki_ca which)
{
	X509_NAME *n = X509_NAME_new();
	if (!n || !name_add(n, "C", "JP") || !name_add(n, "O", "JPKI-TEST") ||
	    !name_add(n, "OU", CA_OU[which]) || !name_add(n, "OU", JLIS)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* An opaque serial for the subject CN, as JPKI uses (not the holder's name). */
static int opaque_cn(char out[33])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
	return 1;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static int add_othername(GENERAL_NAMES *gens, const char *oid, const char *value)
{
	GENERAL_NAME *gn = NULL;
	ASN1_OBJECT *obj = NULL;
	ASN1_TYPE *type = NULL;
	ASN1_UTF8STRING *s = NULL;

	if (!value || !*value)
		return 1; /* optional entry left out */
	gn = GENERAL_NAME_new();
	obj = OBJ_txt2obj(oid, 1);
	type = ASN1_TYPE_new();
	s = ASN1_UTF8STRING_new();
	if (!gn || !obj || !type || !s || ASN1_STRING_set(s, value, (int)strlen(value)) != 1)
		goto fail;
	ASN1_TYPE_set(type, V_ASN1_UTF8STRING, s); /* type owns s */
	s = NULL;
	if (GENERAL_NAME_set0_othername(gn, obj, type) != 1) /* [0] EXPLICIT UTF8String */
		goto fail;
	obj = NULL;
	type = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto fail;
	return 1;
fail:
	ASN1_UTF8STRING_free(s);
	ASN1_TYPE_free(type);
	ASN1_OBJECT_free(obj);
	GENERAL_NAME_free(gn);
	return 0;
}

static int add_basic_four(X509 *x, const struct card_person *p)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int ok = gens && add_othername(gens, OID_NAME, p->name) &&
	         add_othername(gens, OID_NAME_ALT, p->name_alt) &&
	         add_othername(gens, OID_GENDER, p->gender) &&
	         add_othername(gens, OID_BIRTH, p->birth) &&
	         add_othername(gens, OID_ADDRESS, p->address) &&
	         add_othername(gens, OID_ADDRESS_ALT, p->address_alt) &&
	         X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
	GENERAL_NAMES_free(gens);
	return ok;
}

static int set_times(X509 *x, time_t nb, time_t na)
{
	return X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) &&
	       X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na);
}

enum cert_kind { CERT_CA, CERT_OCSP, CERT_SIGN, CERT_AUTH };

/* The extensions of each kind after its key identifiers, in order. */
static const struct cert_ext {
	int nid;
	const char *value;
} cert_exts[][3] = {
    [CERT_CA] = {{NID_basic_constraints, "critical,CA:TRUE"},
                 {NID_key_usage, "critical,keyCertSign,cRLSign"}},
    [CERT_OCSP] = {{NID_key_usage, "critical,digitalSignature"},
                   {NID_ext_key_usage, "OCSPSigning"},
                   {NID_id_pkix_OCSP_noCheck, "ignored"}},
    [CERT_SIGN] = {{NID_key_usage, "critical,digitalSignature,nonRepudiation"}},
    [CERT_AUTH] = {{NID_key_usage, "critical,digitalSignature"}, {NID_ext_key_usage, "clientAuth"}},
};

/* The extensions of kind after the subject key identifier: the issuer's key identifier (all
 * but the CA), those of cert_exts, and for CERT_SIGN the basic four. */
static int add_kind_exts(X509 *x, enum cert_kind kind, const struct ca *issuer,
                         const struct card_person *person)
{
	if (kind != CERT_CA &&
	    !add_ext(x, issuer->cert, NID_authority_key_identifier, "keyid:always"))
		return 0;
	for (size_t i = 0; i < 3 && cert_exts[kind][i].value; i++)
		if (!add_ext(x, NULL, cert_exts[kind][i].nid, cert_exts[kind][i].value))
			return 0;
	return kind != CERT_SIGN || add_basic_four(x, person);
}

/* Build and sign one certificate. issuer NULL: self-signed by key. */
static enum pki_err make_cert(enum cert_kind kind, enum pki_ca which, EVP_PKEY *key,
                              const struct ca *issuer, const struct card_person *person, time_t nb,
                              time_t na, X509 **out)
{
	X509 *x = X509_new();
	X509_NAME *subj = NULL;
	char cn[33];
	enum pki_err e = PKI_ECRYPTO;

	if (!x || X509_set_version(x, X509_VERSION_3) != 1 || !random_serial(x) ||
	    !set_times(x, nb, na) || X509_set_pubkey(x, key) != 1)
		goto out;
	switch (kind) {
	case CERT_CA:
		subj = ca_name(which);
		break;
	case CERT_OCSP:
		subj = ca_name(which);
		if (subj && !name_add(subj, "CN", "OCSP Responder"))
			goto out;
		break;
	case CERT_SIGN:
	case CERT_AUTH:
		subj = X509_NAME_new();
		if (!subj || !opaque_cn(cn) || !name_add(subj, "C", "JP"))
			goto out;
		if (kind == CERT_SIGN && (!name_add(subj, "L", person->prefecture) ||
		                          !name_add(subj, "L", person->city)))
			goto out;
		if (!name_add(subj, "CN", cn))
			goto out;
		break;
	}
	if (!subj || X509_set_subject_name(x, subj) != 1)
		goto out;
	if (X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : subj) != 1)
		goto out;
	if (!add_ext(x, issuer ? issuer->cert : NULL, NID_subject_key_identifier, "hash") ||
	    !add_kind_exts(x, kind, issuer, person))
		goto out;
	if (X509_sign(x, issuer ? issuer->key : key, EVP_sha256()) <= 0)
		goto out;
	*out = x;
	x = NULL;
	e = PKI_OK;
out:
	X509_NAME_free(subj);
	X509_free(x);
	return e;
}

/* ---- index (the format of openssl ca's index.txt) ------------------------------------ */

/* The CA's index.txt: its path into p (PATH_MAX bytes) and its text. */
static enum pki_err read_index(const char *dir, enum pki_ca which, char *p, char **text,
                               size_t *len)
{
	enum pki_err e = path_of(p, PATH_MAX, dir, which, "index.txt");
	return e == PKI_OK ? read_file(p, PKI_INDEX_MAX, text, len) : e;
}

/* The serial number as openssl ca and openssl ocsp write it (BN_bn2hex, upper case). */
static char *serial_hex(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *h = NULL, *copy = NULL;

	if (!bn)
		return NULL;
	if (BN_is_zero(bn)) {
		copy = strdup("00");
	} else {
		h = BN_bn2hex(bn);
		copy = h ? strdup(h) : NULL;
	}
	OPENSSL_free(h);
	BN_free(bn);
	return copy;
}

static int asn1_time_text(const ASN1_TIME *t, char *out, size_t cap)
{
	const unsigned char *d = ASN1_STRING_get0_data(t);
	int n = ASN1_STRING_length(t);
	if (n <= 0 || (size_t)n >= cap)
		return 0;
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
	return 1;
}

static enum pki_err index_add(const char *dir, enum pki_ca which, X509 *x)
{
	char p[PATH_MAX], exp[32];
	char *old = NULL, *serial = NULL, *subject = NULL, *line = NULL;
	size_t oldlen = 0, linelen, total;
	enum pki_err e;

	e = read_index(dir, which, p, &old, &oldlen);
	if (e != PKI_OK)
		return e;
	e = PKI_ECRYPTO;
	serial = serial_hex(X509_get0_serialNumber(x));
	subject = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	if (!serial || !subject || !asn1_time_text(X509_get0_notAfter(x), exp, sizeof(exp)))
		goto out;
	e = PKI_ENOMEM;
	linelen = strlen(exp) + strlen(serial) + strlen(subject) + 32;
	total = oldlen + linelen;
	if (total > PKI_INDEX_MAX) {
		e = PKI_EINDEX;
		goto out;
	}
	line = malloc(total + 1);
	if (!line)
		goto out;
	memcpy(line, old, oldlen);
	linelen = (size_t)snprintf(line + oldlen, total + 1 - oldlen, "V\t%s\t\t%s\tunknown\t%s\n",
	                           exp, serial, subject);
	e = write_file(p, line, oldlen + linelen, 0644);
out:
	free(line);
	free(old);
	free(serial);
	OPENSSL_free(subject);
	return e;
}

static const char *const REASONS[] = {"unspecified",        "keyCompromise", "CACompromise",
                                      "affiliationChanged", "superseded",    "cessationOfOperation",
                                      "certificateHold",    "removeFromCRL"};
static const int REASON_CODES[] = {0, 1, 2, 3, 4, 5, 6, 8};
#define NREASONS (sizeof(REASONS) / sizeof(REASONS[0]))

static int reason_index(const char *r)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (strcmp(r, REASONS[i]) == 0)
			return (int)i;
	return -1;
}

/* One parsed index line: pointers into a writable copy of the line. */
struct row {
	char *status, *expiry, *revinfo, *serial, *file, *subject;
};

static int split_row(char *line, struct row *r)
{
	char *f[6];
	int n = 0;
	char *p = line;

	f[n++] = p;
	while (*p && n < 6) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
		p++;
	}
	if (n != 6 || strchr(f[5], '\t'))
		return 0;
	r->status = f[0];
	r->expiry = f[1];
	r->revinfo = f[2];
	r->serial = f[3];
	r->file = f[4];
	r->subject = f[5];
	return strlen(r->status) == 1 && strchr("VRE", r->status[0]) && *r->serial;
}

/* The index text's next non-empty line from *pos: *line and *len where it stands, r its
 * fields (in copy, INDEX_LINE_MAX + 1 bytes); *pos moves past it. 1 with a row, 0 at the end,
 * -1 for a line too long or not a row. */
static int index_next(const char **pos, char *copy, struct row *r, const char **line, size_t *len)
{
	while (**pos) {
		const char *nl = strchr(*pos, '\n');
		*line = *pos;
		*len = nl ? (size_t)(nl - *line) : strlen(*line);
		*pos = nl ? nl + 1 : *line + *len;
		if (*len == 0)
			continue;
		if (*len > INDEX_LINE_MAX)
			return -1;
		memcpy(copy, *line, *len);
		copy[*len] = '\0';
		return split_row(copy, r) ? 1 : -1;
	}
	return 0;
}

static enum pki_err regenerate_crl(const char *dir, enum pki_ca which, time_t now);

/* The index text old with the row of serial marked revoked at revdate for reason: *out
 * (malloc'd) of *outlen bytes. PKI_ENOTFOUND without such a row, PKI_EEXISTS when it is
 * revoked already. */
static enum pki_err mark_revoked(const char *old, size_t oldlen, const char *serial,
                                 const char *revdate, const char *reason, char **out,
                                 size_t *outlen)
{
	size_t cap = oldlen + 64, o = 0;
	char *buf = malloc(cap + 1), *copy = malloc(INDEX_LINE_MAX + 1);
	enum pki_err e = PKI_ENOMEM;
	struct row r;
	size_t len;
	int found = 0, rc;

	if (!buf || !copy)
		goto out;
	for (const char *pos = old, *line; (rc = index_next(&pos, copy, &r, &line, &len)) != 0;) {
		e = PKI_EINDEX;
		if (rc < 0)
			goto out;
		if (!found && strcasecmp(r.serial, serial) == 0) {
			found = 1;
			if (r.status[0] == 'R') {
				e = PKI_EEXISTS;
				goto out;
			}
			int w = snprintf(buf + o, cap + 1 - o, "R\t%s\t%s,%s\t%s\t%s\t%s\n",
			                 r.expiry, revdate, reason, r.serial, r.file, r.subject);
			if (w < 0 || (size_t)w >= cap + 1 - o)
				goto out; /* PKI_EINDEX */
			o += (size_t)w;
			continue;
		}
		if (len + 1 > cap - o)
			goto out; /* PKI_EINDEX */
		memcpy(buf + o, line, len);
		o += len;
		buf[o++] = '\n';
	}
	e = found ? PKI_OK : PKI_ENOTFOUND;
	if (e == PKI_OK) {
		*out = buf, *outlen = o;
		buf = NULL;
	}
out:
	free(copy);
	free(buf);
	return e;
}

/* Revoke under the PKI lock (held by the caller). */
static enum pki_err revoke_locked(const char *dir, enum pki_ca which, const char *serial,
                                  const char *reason, time_t now)
{
	char p[PATH_MAX], revdate[32];
	char *old = NULL, *out = NULL;
	size_t oldlen = 0, outlen = 0;
	ASN1_TIME *t = NULL;
	enum pki_err e;

	if (!dir || !serial || !*serial || strlen(serial) > 128 ||
	    strspn(serial, "0123456789ABCDEFabcdef") != strlen(serial))
		return PKI_EINPUT;
	if (!reason)
		reason = "unspecified";
	if (reason_index(reason) < 0)
		return PKI_EINPUT;
	e = read_index(dir, which, p, &old, &oldlen);
	if (e != PKI_OK)
		goto out;
	e = PKI_ECRYPTO;
	t = ASN1_UTCTIME_adj(NULL, now, 0, 0);
	if (!t || !asn1_time_text(t, revdate, sizeof(revdate)))
		goto out;
	e = mark_revoked(old, oldlen, serial, revdate, reason, &out, &outlen);
	if (e == PKI_OK)
		e = write_file(p, out, outlen, 0644);
	if (e == PKI_OK)
		e = regenerate_crl(dir, which, now);
out:
	ASN1_TIME_free(t);
	free(out);
	free(old);
	return e;
}

/* Under the PKI lock: revokes serial and writes a new CRL of which, or with serial NULL only
 * writes the new CRL (pki_revoke_serial, pki_crl). */
static enum pki_err revoke_under_lock(const char *dir, enum pki_ca which, const char *serial,
                                      const char *reason, time_t now)
{
	int lockfd;
	enum pki_err e;

	if (!dir)
		return PKI_EINPUT;
	e = pki_lock(dir, &lockfd);
	if (e != PKI_OK)
		return e;
	e = serial ? revoke_locked(dir, which, serial, reason, now)
	           : regenerate_crl(dir, which, now);
	pki_unlock(lockfd);
	return e;
}

enum pki_err pki_revoke_serial(const char *dir, enum pki_ca which, const char *serial,
                               const char *reason, time_t now)
{
	return serial ? revoke_under_lock(dir, which, serial, reason, now) : PKI_EINPUT;
}

/* The index-format serial of a DER certificate; *out is malloc'ed. */
static enum pki_err cert_serial(const struct card_blob *b, char **out)
{
	const unsigned char *q = b->der;
	X509 *x;

	*out = NULL;
	if (!b->der || b->len == 0 || b->len > JPKI_EF_MAX_SIZE)
		return PKI_EINPUT;
	x = d2i_X509(NULL, &q, (long)b->len);
	if (!x)
		return PKI_EINPUT;
	*out = serial_hex(X509_get0_serialNumber(x));
	X509_free(x);
	return *out ? PKI_OK : PKI_ENOMEM;
}

enum pki_err pki_revoke_cert(const char *dir, enum pki_ca which, const uint8_t *der, size_t len,
                             const char *reason, time_t now)
{
	struct card_blob b = {(uint8_t *)der, len};
	char *serial = NULL;
	enum pki_err e;

	if (!dir)
		return PKI_EINPUT;
	e = cert_serial(&b, &serial);
	if (e == PKI_OK)
		e = pki_revoke_serial(dir, which, serial, reason, now);
	free(serial);
	return e;
}

/* ---- CRL ----------------------------------------------------------------------------- */

static long read_crlnumber(const char *dir, enum pki_ca which)
{
	char p[PATH_MAX], *text = NULL;
	size_t len;
	long n = -1;

	if (path_of(p, sizeof(p), dir, which, "crlnumber") != PKI_OK ||
	    read_file(p, 64, &text, &len) != PKI_OK)
		return -1;
	n = strtol(text, NULL, 16);
	free(text);
	return n >= 1 && n < 0x7FFFFFFFL ? n : -1;
}

static int add_revoked(X509_CRL *crl, const struct row *r)
{
	X509_REVOKED *rev = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_ENUMERATED *code = NULL;
	char date[32];
	const char *comma = strchr(r->revinfo, ',');
	size_t dlen = comma ? (size_t)(comma - r->revinfo) : strlen(r->revinfo);
	int ok = 0, ri = comma ? reason_index(comma + 1) : 0;

	if (!rev || !t || dlen == 0 || dlen >= sizeof(date) || ri < 0)
		goto out;
	memcpy(date, r->revinfo, dlen);
	date[dlen] = '\0';
	if (ASN1_TIME_set_string(t, date) != 1 || X509_REVOKED_set_revocationDate(rev, t) != 1)
		goto out;
	if (BN_hex2bn(&bn, r->serial) == 0)
		goto out;
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (!serial || X509_REVOKED_set_serialNumber(rev, serial) != 1)
		goto out;
	if (REASON_CODES[ri] != 0) {
		code = ASN1_ENUMERATED_new();
		if (!code || ASN1_ENUMERATED_set(code, REASON_CODES[ri]) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0) != 1)
			goto out;
	}
	if (X509_CRL_add0_revoked(crl, rev) != 1)
		goto out;
	rev = NULL;
	ok = 1;
out:
	ASN1_ENUMERATED_free(code);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	ASN1_TIME_free(t);
	X509_REVOKED_free(rev);
	return ok;
}

/* A CRL of the CA, valid from now for one day, without entries yet. */
static X509_CRL *crl_new(const struct ca *ca, time_t now)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = NULL;
	int ok = 0;

	if (crl && X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1 &&
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) == 1) {
		t = ASN1_TIME_adj(NULL, now, 0, 0);
		ok = t && X509_CRL_set1_lastUpdate(crl, t) == 1 && ASN1_TIME_adj(t, now, 1, 0) &&
		     X509_CRL_set1_nextUpdate(crl, t) == 1;
	}
	ASN1_TIME_free(t);
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* Every revoked row of the index text into the CRL. */
static enum pki_err crl_add_index(X509_CRL *crl, const char *index)
{
	char *copy = malloc(INDEX_LINE_MAX + 1);
	const char *pos = index, *line;
	enum pki_err e = PKI_OK;
	struct row r;
	size_t len;
	int rc;

	if (!copy)
		return PKI_ENOMEM;
	while (e == PKI_OK && (rc = index_next(&pos, copy, &r, &line, &len)) != 0) {
		if (rc < 0)
			e = PKI_EINDEX;
		else if (r.status[0] == 'R' && !add_revoked(crl, &r))
			e = PKI_ECRYPTO;
	}
	free(copy);
	return e;
}

/* The CRL number n, the authority key identifier, then the CA's signature. */
static enum pki_err crl_sign(X509_CRL *crl, const struct ca *ca, long n)
{
	ASN1_INTEGER *crlnum = ASN1_INTEGER_new();
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	enum pki_err e = PKI_ECRYPTO;

	if (!crlnum || ASN1_INTEGER_set(crlnum, n) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, crlnum, 0, 0) != 1)
		goto out;
	X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (!aki || X509_CRL_add_ext(crl, aki, -1) != 1)
		goto out;
	if (X509_CRL_sort(crl) == 1 && X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0)
		e = PKI_OK;
out:
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(crlnum);
	return e;
}

/* crl.pem, crl.der, and the next CRL number n + 1 in crlnumber. */
static enum pki_err crl_write(const char *dir, enum pki_ca which, X509_CRL *crl, long n)
{
	char p[PATH_MAX], num[32];
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *der = NULL;
	int derlen;
	enum pki_err e = PKI_ECRYPTO;

	if (!bio || PEM_write_bio_X509_CRL(bio, crl) != 1)
		goto out;
	e = path_of(p, sizeof(p), dir, which, "crl.pem");
	if (e == PKI_OK)
		e = write_bio(p, bio, 0644);
	if (e != PKI_OK)
		goto out;
	e = PKI_ECRYPTO;
	derlen = i2d_X509_CRL(crl, &der);
	if (derlen <= 0)
		goto out;
	e = path_of(p, sizeof(p), dir, which, "crl.der");
	if (e == PKI_OK)
		e = write_file(p, der, (size_t)derlen, 0644);
	if (e != PKI_OK)
		goto out;
	snprintf(num, sizeof(num), "%02lX\n", n + 1);
	e = path_of(p, sizeof(p), dir, which, "crlnumber");
	if (e == PKI_OK)
		e = write_file(p, num, strlen(num), 0644);
out:
	OPENSSL_free(der);
	BIO_free_all(bio);
	return e;
}

static enum pki_err regenerate_crl(const char *dir, enum pki_ca which, time_t now)
{
	char p[PATH_MAX], *index = NULL;
	size_t ilen = 0;
	struct ca ca = {0};
	X509_CRL *crl = NULL;
	long n;
	enum pki_err e;

	e = ca_load(dir, which, &ca);
	if (e != PKI_OK)
		goto out;
	n = read_crlnumber(dir, which);
	e = PKI_EINDEX;
	if (n < 0)
		goto out;
	e = read_index(dir, which, p, &index, &ilen);
	if (e != PKI_OK)
		goto out;
	crl = crl_new(&ca, now);
	e = crl ? crl_add_index(crl, index) : PKI_ECRYPTO;
	if (e == PKI_OK)
		e = crl_sign(crl, &ca, n);
	if (e == PKI_OK)
		e = crl_write(dir, which, crl, n);
out:
	X509_CRL_free(crl);
	free(index);
	ca_release(&ca);
	return e;
}

enum pki_err pki_crl(const char *dir, enum pki_ca which, time_t now)
{
	return revoke_under_lock(dir, which, NULL, NULL, now);
}

/* ---- init ---------------------------------------------------------------------------- */

static enum pki_err init_ca(const char *dir, enum pki_ca which, time_t now)
{
	char p[PATH_MAX];
	struct ca ca = {0};
	EVP_PKEY *okey = NULL;
	X509 *ocsp = NULL;
	enum pki_err e = PKI_EINPUT;
	static const char attr[] = "unique_subject = no\n";

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, CA_SUB[which]) >= sizeof(p))
		goto out;
	if (mkdir(p, 0755) != 0) {
		e = errno == EEXIST ? PKI_EEXISTS : PKI_EIO;
		goto out;
	}
	e = PKI_ECRYPTO;
	ca.key = rsa2048();
	okey = rsa2048();
	if (!ca.key || !okey)
		goto out;
	e = make_cert(CERT_CA, which, ca.key, NULL, NULL, now - 3600, now + CA_YEARS_DAYS * DAY,
	              &ca.cert);
	if (e == PKI_OK)
		e = make_cert(CERT_OCSP, which, okey, &ca, NULL, now - 3600,
		              now + CA_YEARS_DAYS * DAY, &ocsp);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "ca.key");
	if (e == PKI_OK)
		e = save_key(p, ca.key);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "ca.pem");
	if (e == PKI_OK)
		e = save_cert(p, ca.cert);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "ocsp.key");
	if (e == PKI_OK)
		e = save_key(p, okey);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "ocsp.pem");
	if (e == PKI_OK)
		e = save_cert(p, ocsp);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "index.txt");
	if (e == PKI_OK)
		e = write_file(p, "", 0, 0644);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "index.txt.attr");
	if (e == PKI_OK)
		e = write_file(p, attr, sizeof(attr) - 1, 0644);
	if (e == PKI_OK)
		e = path_of(p, sizeof(p), dir, which, "crlnumber");
	if (e == PKI_OK)
		e = write_file(p, "01\n", 3, 0644);
	if (e == PKI_OK)
		e = regenerate_crl(dir, which, now);
out:
	X509_free(ocsp);
	EVP_PKEY_free(okey);
	ca_release(&ca);
	return e;
}

enum pki_err pki_init(const char *dir, time_t now)
{
	struct stat sb;
	int lockfd = -1;
	enum pki_err e;

	if (!dir || !*dir || strlen(dir) > PATH_MAX - 64)
		return PKI_EINPUT;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return PKI_EIO;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return PKI_EIO;
	e = pki_lock(dir, &lockfd);
	if (e != PKI_OK)
		return e;
	e = init_ca(dir, PKI_CA_SIGN, now);
	if (e == PKI_OK)
		e = init_ca(dir, PKI_CA_AUTH, now);
	pki_unlock(lockfd);
	return e;
}

/* ---- issue and renew ----------------------------------------------------------------- */

static enum pki_err der_of(X509 *x, struct card_blob *b)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	enum pki_err e = PKI_ECRYPTO;

	if (n > 0)
		e = card_blob_set(b, der, (size_t)n) == STATE_OK ? PKI_OK : PKI_ENOMEM;
	OPENSSL_free(der);
	return e;
}

static int ascii_field_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7E || s[i] == '/' || s[i] == '\\')
			return 0;
	return 1;
}

static int text_field_ok(const char *s, int optional)
{
	size_t n = strnlen(s, STATE_TEXT_MAX + 1);
	if (n > STATE_TEXT_MAX || (!optional && n == 0))
		return 0;
	return state_text_valid(s, n);
}

/* Checks a person for issue; fills the locality defaults. */
static enum pki_err person_check(struct card_person *p)
{
	if (!p->prefecture[0])
		snprintf(p->prefecture, sizeof(p->prefecture), "Tokyo-to");
	if (!p->city[0])
		snprintf(p->city, sizeof(p->city), "Chiyoda-ku");
	if (!text_field_ok(p->name, 0) || !text_field_ok(p->name_alt, 1) ||
	    !text_field_ok(p->address, 0) || !text_field_ok(p->address_alt, 1) ||
	    !ascii_field_ok(p->prefecture, STATE_LOCALITY_MAX) ||
	    !ascii_field_ok(p->city, STATE_LOCALITY_MAX))
		return PKI_EINPUT;
	if (strlen(p->gender) != 1 || !strchr("123", p->gender[0]) || strlen(p->birth) != 9 ||
	    !digits(p->birth, 9))
		return PKI_EINPUT;
	return PKI_OK;
}

/* What issuing certificates starts with: the PKI lock into *lockfd (for pki_unlock, also on
 * failure) and the signing CA into *sca. */
static enum pki_err lock_sign_ca(const char *dir, int *lockfd, struct ca *sca)
{
	enum pki_err e = pki_lock(dir, lockfd);
	return e == PKI_OK ? ca_load(dir, PKI_CA_SIGN, sca) : e;
}

enum pki_err pki_issue(const char *dir, const struct pki_issue_req *req, time_t now,
                       struct card_state **out)
{
	struct card_state *st = NULL;
	struct ca sca = {0}, aca = {0};
	X509 *scert = NULL, *acert = NULL;
	time_t nb, na;
	const char *label;
	int lockfd = -1;
	enum pki_err e = PKI_EINPUT;

	if (!dir || !req || !out || !req->password || !req->pin)
		return PKI_EINPUT;
	*out = NULL;
	st = card_state_new();
	if (!st)
		return PKI_ENOMEM;
	st->person = req->person;
	if (person_check(&st->person) != PKI_OK)
		goto out;
	if (jpki_sign_password_normalise(req->password, st->sign_pin.secret) != JPKI_OK ||
	    jpki_auth_pin_check(req->pin) != JPKI_OK)
		goto out;
	snprintf(st->auth_pin.secret, sizeof(st->auth_pin.secret), "%s", req->pin);
	st->sign_pin.tries_left = st->sign_pin.max_tries = JPKI_SIGN_PIN_MAX_TRIES;
	st->auth_pin.tries_left = st->auth_pin.max_tries = JPKI_AUTH_PIN_MAX_TRIES;
	label = req->token_label ? req->token_label : JPKI_TOKEN_LABEL_CARD;
	if (!ascii_field_ok(label, JPKI_TOKEN_LABEL_LEN))
		goto out;
	snprintf(st->token_label, sizeof(st->token_label), "%s", label);
	e = pki_validity_range(st->person.birth, &req->validity, now, &nb, &na);
	if (e != PKI_OK)
		goto out;
	e = lock_sign_ca(dir, &lockfd, &sca);
	if (e == PKI_OK)
		e = ca_load(dir, PKI_CA_AUTH, &aca);
	if (e != PKI_OK)
		goto out;
	e = PKI_ECRYPTO;
	st->sign_key = rsa2048();
	st->auth_key = rsa2048();
	if (!st->sign_key || !st->auth_key)
		goto out;
	e = make_cert(CERT_SIGN, PKI_CA_SIGN, st->sign_key, &sca, &st->person, nb, na, &scert);
	if (e == PKI_OK)
		e = make_cert(CERT_AUTH, PKI_CA_AUTH, st->auth_key, &aca, &st->person, nb, na,
		              &acert);
	if (e == PKI_OK)
		e = der_of(scert, &st->sign_cert);
	if (e == PKI_OK)
		e = der_of(sca.cert, &st->sign_ca);
	if (e == PKI_OK)
		e = der_of(acert, &st->auth_cert);
	if (e == PKI_OK)
		e = der_of(aca.cert, &st->auth_ca);
	if (e == PKI_OK)
		e = index_add(dir, PKI_CA_SIGN, scert);
	if (e == PKI_OK)
		e = index_add(dir, PKI_CA_AUTH, acert);
	if (e != PKI_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	X509_free(scert);
	X509_free(acert);
	ca_release(&sca);
	ca_release(&aca);
	pki_unlock(lockfd);
	card_state_free(st);
	return e;
}

static int blob_equals_cert(const struct card_blob *b, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	int same = n > 0 && (size_t)n == b->len && memcmp(der, b->der, b->len) == 0;
	OPENSSL_free(der);
	return same;
}

enum pki_err pki_check_card(const char *dir, const struct card_state *st)
{
	struct ca sca = {0}, aca = {0};
	enum pki_err e;

	if (!dir || !st)
		return PKI_EINPUT;
	e = ca_load(dir, PKI_CA_SIGN, &sca);
	if (e == PKI_OK)
		e = ca_load(dir, PKI_CA_AUTH, &aca);
	if (e == PKI_OK && (!blob_equals_cert(&st->sign_ca, sca.cert) ||
	                    !blob_equals_cert(&st->auth_ca, aca.cert)))
		e = PKI_EMISMATCH;
	ca_release(&sca);
	ca_release(&aca);
	return e;
}

enum pki_err pki_renew(const char *dir, struct card_state *st, const char *password,
                       const struct pki_validity *validity, time_t now)
{
	struct ca sca = {0};
	struct card_person person;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct card_blob blob = {0};
	char pw[JPKI_PW_MAX + 1], *old_serial = NULL;
	time_t nb, na;
	int lockfd = -1;
	enum pki_err e;

	if (!dir || !st || !validity)
		return PKI_EINPUT;
	memset(pw, 0, sizeof(pw));
	if (password && jpki_sign_password_normalise(password, pw) != JPKI_OK)
		return PKI_EINPUT;
	person = st->person;
	e = person_check(&person);
	if (e == PKI_OK)
		e = pki_validity_range(person.birth, validity, now, &nb, &na);
	if (e == PKI_OK)
		e = pki_check_card(dir, st);
	if (e != PKI_OK)
		goto out;
	e = cert_serial(&st->sign_cert, &old_serial);
	if (e != PKI_OK)
		goto out;
	e = lock_sign_ca(dir, &lockfd, &sca);
	if (e != PKI_OK)
		goto out;
	e = PKI_ECRYPTO;
	key = rsa2048();
	if (!key)
		goto out;
	e = make_cert(CERT_SIGN, PKI_CA_SIGN, key, &sca, &person, nb, na, &cert);
	if (e == PKI_OK)
		e = der_of(cert, &blob);
	if (e == PKI_OK)
		e = index_add(dir, PKI_CA_SIGN, cert);
	if (e != PKI_OK)
		goto out;
	/* JPKI revokes the old signing certificate when it issues the new one */
	e = revoke_locked(dir, PKI_CA_SIGN, old_serial, "superseded", now);
	if (e == PKI_EEXISTS || e == PKI_ENOTFOUND)
		e = PKI_OK; /* already revoked, or issued elsewhere: nothing to do */
	if (e != PKI_OK)
		goto out;
	/* commit into the state */
	EVP_PKEY_free(st->sign_key);
	st->sign_key = key;
	key = NULL;
	free(st->sign_cert.der);
	st->sign_cert = blob;
	blob.der = NULL;
	st->person = person;
	if (password) {
		memcpy(st->sign_pin.secret, pw, sizeof(pw));
		st->sign_pin.tries_left = st->sign_pin.max_tries;
	}
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	free(old_serial);
	free(blob.der);
	X509_free(cert);
	EVP_PKEY_free(key);
	ca_release(&sca);
	pki_unlock(lockfd);
	return e;
}
