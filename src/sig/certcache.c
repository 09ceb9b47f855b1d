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
	EVP_PKEY_free(e->key);
	X509_free(e->anchor);
	json_decref(e->cert);
	json_decref(e->anchor_json);
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
