/* certcache: the certificates already verified, keyed by the SHA-256 of their DER (the value
 * a signingCertificateV2 attribute carries): what does not change between two signatures of
 * one card (the anchor that issued it, its key usage, its decoded key, its dates and its part
 * of the report). Validity at `now`, revocation, the content digest and the signature are
 * never cached (verify.c checks them every time). Bounded: a fixed table of slots, each
 * holding the last certificate whose hash falls on it; entries are reference counted so that
 * a thread keeps using one while another replaces it. */
#include "sig/verify_impl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "util/token.h"

struct cert_cache {
	pthread_mutex_t lock;
	size_t n;
	struct cert_entry **slot;
};

struct cert_cache *cert_cache_new(size_t n)
{
	struct cert_cache *c;

	if (n == 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slot = calloc(n, sizeof(*c->slot));
	if (!c->slot) {
		free(c);
		return NULL;
	}
	c->n = n;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void entry_free(struct cert_entry *e)
{
	EVP_PKEY_CTX_free(e->verify_ctx);
	EVP_PKEY_free(e->key);
	X509_free(e->leaf);
	X509_free(e->anchor);
	json_decref(e->cert);
	json_decref(e->cert_anchored);
	json_decref(e->basic4);
	free(e->ess2_der);
	free(e);
}

void cert_cache_free(struct cert_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		if (c->slot[i])
			entry_free(c->slot[i]);
	free(c->slot);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static size_t slot_of(const struct cert_cache *c, const unsigned char sha[32])
{
	uint64_t h;

	memcpy(&h, sha, sizeof(h)); /* already uniformly distributed */
	return (size_t)(h % c->n);
}

struct cert_entry *cert_cache_get(struct cert_cache *c, const unsigned char sha[32])
{
	struct cert_entry *e;

	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	e = c->slot[slot_of(c, sha)];
	if (e && memcmp(e->sha256, sha, 32) == 0)
		e->refs++;
	else
		e = NULL;
	pthread_mutex_unlock(&c->lock);
	return e;
}

void cert_cache_put(struct cert_cache *c, struct cert_entry *e)
{
	struct cert_entry *old;
	size_t i;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	i = slot_of(c, e->sha256);
	old = c->slot[i];
	c->slot[i] = e; /* the caller's reference passes to the table */
	if (old && --old->refs > 0)
		old = NULL;
	pthread_mutex_unlock(&c->lock);
	if (old)
		entry_free(old);
}

void cert_entry_release(struct cert_cache *c, struct cert_entry *e)
{
	int last;

	if (!e)
		return;
	if (!c) {
		entry_free(e);
		return;
	}
	pthread_mutex_lock(&c->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		entry_free(e);
}

/* ---- a signature whose one certificate is cached ----------------------------------------- */

/* The DER TLV at p (before e) with identifier octet id: its content [*c, *next). 0, or -1. */
static int tlv(const unsigned char *p, const unsigned char *e, unsigned char id,
               const unsigned char **c, const unsigned char **next)
{
	const unsigned char *q = p;
	long len;
	int tag, cls, ret;

	if (p >= e || *p != id)
		return -1;
	ret = ASN1_get_object(&q, &len, &tag, &cls, e - p);
	if ((ret & 0x80) || ret == 0x21 || len > e - q) /* an error, or an indefinite length */
		return -1;
	*c = q;
	*next = q + len;
	return 0;
}

/* The spans of a DER ContentInfo of SignedData with exactly one certificate; 0, or -1 when the
 * DER is something else (the full parse then says what). */
struct cms_spans {
	const unsigned char *ci, *oid_end, *sd, *certs, *cert, *cert_end, *certs_end, *sd_end;
};

static int cms_spans(const unsigned char *der, size_t len, struct cms_spans *s)
{
	const unsigned char *e = der + len, *c, *n, *x, *xe;

	if (tlv(der, e, 0x30, &s->ci, &n) != 0 || n != e ||         /* ContentInfo */
	    tlv(s->ci, e, 0x06, &c, &s->oid_end) != 0 ||            /* contentType */
	    tlv(s->oid_end, e, 0xA0, &x, &n) != 0 || n != e ||      /* [0] EXPLICIT */
	    tlv(x, e, 0x30, &s->sd, &xe) != 0 || xe != e ||         /* SignedData */
	    tlv(s->sd, e, 0x02, &c, &n) != 0 ||                     /* version */
	    tlv(n, e, 0x31, &c, &n) != 0 ||                         /* digestAlgorithms */
	    tlv(n, e, 0x30, &c, &s->certs) != 0 ||                  /* encapContentInfo */
	    tlv(s->certs, e, 0xA0, &s->cert, &s->certs_end) != 0 || /* [0] certificates */
	    tlv(s->cert, s->certs_end, 0x30, &c, &s->cert_end) != 0 || s->cert_end != s->certs_end)
		return -1;
	s->sd_end = e;
	return 0;
}

struct cert_entry *cert_cache_get_der(struct cert_cache *cache, const unsigned char *der,
                                      size_t len, unsigned char **out, size_t *outlen)
{
	struct cms_spans s;
	unsigned char sha[32], *buf, *p;
	struct cert_entry *e;
	long sd, ex, ci;
	int total;

	*out = NULL;
	if (!cache || cms_spans(der, len, &s) != 0 ||
	    token_sha256(s.cert, (size_t)(s.cert_end - s.cert), sha) != 0 ||
	    !(e = cert_cache_get(cache, sha)))
		return NULL;
	if (!e->leaf) {
		cert_entry_release(cache, e);
		return NULL;
	}
	/* the same ContentInfo without its certificates field, the lengths around it made anew */
	sd = (long)((s.certs - s.sd) + (s.sd_end - s.certs_end));
	ex = ASN1_object_size(1, sd, V_ASN1_SEQUENCE);
	ci = (long)(s.oid_end - s.ci) + ASN1_object_size(1, ex, 0);
	total = ASN1_object_size(1, ci, V_ASN1_SEQUENCE);
	if (total <= 0 || !(buf = malloc((size_t)total))) {
		cert_entry_release(cache, e);
		return NULL;
	}
	p = buf;
	ASN1_put_object(&p, 1, ci, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, s.ci, (size_t)(s.oid_end - s.ci));
	p += s.oid_end - s.ci;
	ASN1_put_object(&p, 1, ex, 0, V_ASN1_CONTEXT_SPECIFIC);
	ASN1_put_object(&p, 1, sd, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, s.sd, (size_t)(s.certs - s.sd));
	p += s.certs - s.sd;
	memcpy(p, s.certs_end, (size_t)(s.sd_end - s.certs_end));
	p += s.sd_end - s.certs_end;
	*out = buf;
	*outlen = (size_t)(p - buf);
	return e;
}
