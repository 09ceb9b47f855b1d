/* report: the verification report: its JSON record, the checks with their outcomes, the
 * certificate details and the basic four (see verify_impl.h). */
#include "sig/verify_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "sig/ocsp.h"
#include "util/enc.h"
#include "util/jsondump.h"
#include "util/token.h"
#include "util/utf8.h"

#define SAN_MAX 64         /* subjectAltName entries looked at */
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

static const char *const CHECK_NAMES[CK_COUNT] = {
    "format",    "signature", "content_digest", "signing_certificate_attribute",
    "key_usage", "chain",     "validity",       "revocation",
};

void vr_iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* ---- the report -------------------------------------------------------------------------- */

void vr_set(verify_report *r, json_t *obj, const char *key, json_t *v)
{
	if (!obj) {
		json_decref(v);
		r->oom = 1;
		return;
	}
	if (!v || json_object_set_new(obj, key, v) != 0)
		r->oom = 1;
}

json_t *vr_strn(verify_report *r, const char *s, size_t n)
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

json_t *vr_str(verify_report *r, const char *s)
{
	return s ? vr_strn(r, s, strlen(s)) : json_null();
}

json_t *vr_time(time_t t)
{
	char buf[32];

	vr_iso_time(t, buf);
	return json_string(buf);
}

void vr_check(verify_report *r, enum check ck, const char *outcome, const char *detail)
{
	json_t *o = json_object();

	if (!o) {
		r->oom = 1;
		return;
	}
	vr_set(r, o, "check", json_string(CHECK_NAMES[ck]));
	vr_set(r, o, "outcome", json_string(outcome));
	if (detail && *detail)
		vr_set(r, o, "detail", vr_str(r, detail));
	if (json_array_append_new(r->checks, o) != 0)
		r->oom = 1;
	r->next_check = (int)ck + 1;
}

void vr_pass(verify_report *r, enum check ck, const char *detail)
{
	vr_check(r, ck, "pass", detail);
}

int vr_fail(verify_report *r, enum check ck, enum verify_result res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->result = res;
	vr_check(r, ck, "fail", r->reason);
	return -1;
}

void vr_free(verify_report *r)
{
	if (!r)
		return;
	json_decref(r->root);
	free(r->ocsp_der);
	free(r);
}

const unsigned char *verify_report_ocsp_der(const verify_report *r, size_t *len)
{
	*len = r->ocsp_der ? r->ocsp_der_len : 0;
	return r->ocsp_der;
}

void verify_report_free(verify_report *r)
{
	vr_free(r);
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
	return jsondump_sorted(r->root); /* json_dumps(.., JSON_COMPACT | JSON_SORT_KEYS) */
}

/* ---- certificate details and the basic four ------------------------------------------------ */

json_t *vr_name_json(verify_report *r, const X509_NAME *name)
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
	v = vr_strn(r, data, (size_t)n);
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

int vr_cert_sha256(const X509 *x, unsigned char out[32])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der), ok;

	/* not X509_digest: it fetches the digest in the context x was parsed in (which for a
	 * signature is one with the null provider only) */
	ok = n > 0 && token_sha256(der, (size_t)n, out) == 0;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

json_t *vr_anchor_json(const X509 *a)
{
	verify_report tmp;
	json_t *o = json_object();

	memset(&tmp, 0, sizeof(tmp));
	if (!o)
		return NULL;
	vr_set(&tmp, o, "subject", vr_name_json(&tmp, X509_get_subject_name(a)));
	vr_set(&tmp, o, "sha256", vr_fingerprint_json(a));
	if (tmp.oom) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *vr_fingerprint_json(const X509 *x)
{
	unsigned char md[32];
	char out[65];

	if (vr_cert_sha256(x, md) != 0)
		return json_null();
	hex_encode(md, sizeof(md), out);
	return json_string(out);
}

json_t *vr_cert_json(verify_report *r, X509 *x, EVP_PKEY *key, const unsigned char *sha256)
{
	char hex[65];
	json_t *o = json_object(), *ku;
	time_t t;
	uint32_t u;
	EVP_PKEY *pk;
	char buf[64];

	if (!o) {
		r->oom = 1;
		return NULL;
	}
	vr_set(r, o, "serial", serial_json(r, x));
	vr_set(r, o, "subject", vr_name_json(r, X509_get_subject_name(x)));
	vr_set(r, o, "issuer", vr_name_json(r, X509_get_issuer_name(x)));
	vr_set(r, o, "not_before",
	       sig_asn1_time(X509_get0_notBefore(x), &t) == 0 ? vr_time(t) : json_null());
	vr_set(r, o, "not_after",
	       sig_asn1_time(X509_get0_notAfter(x), &t) == 0 ? vr_time(t) : json_null());
	if (sha256) {
		hex_encode(sha256, 32, hex);
		vr_set(r, o, "sha256", json_string(hex));
	} else {
		vr_set(r, o, "sha256", vr_fingerprint_json(x));
	}
	pk = key ? key : X509_get0_pubkey(x);
	if (pk) {
		snprintf(buf, sizeof(buf), "%s-%d", OBJ_nid2sn(EVP_PKEY_get_base_id(pk)),
		         EVP_PKEY_get_bits(pk));
		vr_set(r, o, "public_key", json_string(buf));
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
	vr_set(r, o, "key_usage", ku);
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

void vr_basic4_extract(verify_report *r, X509 *x, json_t *malformed)
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

json_t *vr_basic4_json(verify_report *r)
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
			vr_set(r, o, names[i], vr_str(r, vals[i]));
	if (n == 9 && strspn(b->birth, "0123456789") == 9) {
		char iso[11];
		snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", b->birth + 1, b->birth + 5,
		         b->birth + 7);
		vr_set(r, o, "birth_date", json_string(iso));
	}
	vr_set(r, o, "complete", json_boolean(b->complete));
	return o;
}
