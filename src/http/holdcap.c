/* holdcap: the counts of held requests in all and per key (see holdcap.h). The keys held
 * are a plain array searched from the start: it holds at most max_total entries, and a
 * session's id hash differs from another in its first bytes, so a search costs a few
 * microseconds even at thousands; removing swaps the last entry in. */
#include "http/holdcap.h"

#include <stdlib.h>
#include <string.h>

int holdcap_init(holdcap *c, size_t max_total, size_t max_per_key)
{
	memset(c, 0, sizeof(*c));
	c->max_total = max_total;
	c->max_per_key = max_per_key;
	if (max_total && !(c->keys = calloc(max_total, sizeof(*c->keys))))
		return -1;
	return 0;
}

void holdcap_release(holdcap *c)
{
	free(c->keys);
	memset(c, 0, sizeof(*c));
}

static struct holdcap_key *find(const holdcap *c, const char *key)
{
	for (size_t i = 0; i < c->n_keys; i++)
		if (strcmp(c->keys[i].key, key) == 0)
			return &c->keys[i];
	return NULL;
}

enum holdcap_result holdcap_take(holdcap *c, const char *key)
{
	size_t len = key ? strlen(key) : 0;
	if (len == 0 || len > HOLDCAP_KEY_MAX)
		return HOLDCAP_EINPUT;
	if (c->total >= c->max_total)
		return HOLDCAP_FULL;
	struct holdcap_key *k = find(c, key);
	if (k && k->n >= c->max_per_key)
		return HOLDCAP_KEY_FULL;
	if (!k) { /* n_keys <= total < max_total: there is room */
		k = &c->keys[c->n_keys++];
		memcpy(k->key, key, len + 1);
		k->n = 0;
	}
	k->n++;
	c->total++;
	return HOLDCAP_OK;
}

void holdcap_put(holdcap *c, const char *key)
{
	struct holdcap_key *k = key ? find(c, key) : NULL;
	if (!k)
		return;
	c->total--;
	if (--k->n == 0)
		*k = c->keys[--c->n_keys];
}

size_t holdcap_count(const holdcap *c, const char *key)
{
	const struct holdcap_key *k = key ? find(c, key) : NULL;
	return k ? k->n : 0;
}
