/* holdcap: the counts behind the caps on held requests (hold.c): how many are held in all
 * and how many for each key (a session), each against its maximum. Pure bookkeeping, no
 * locking (the caller's) and no I/O, so that the unit tests pin the rules. */
#ifndef MADOGUCHI_HOLDCAP_H
#define MADOGUCHI_HOLDCAP_H

#include <stddef.h>

#define HOLDCAP_KEY_MAX 64 /* a session's id hash in hex */

enum holdcap_result {
	HOLDCAP_OK = 0,
	HOLDCAP_FULL,     /* max_total are held already */
	HOLDCAP_KEY_FULL, /* max_per_key are held for this key already */
	HOLDCAP_EINPUT    /* an empty key or one longer than HOLDCAP_KEY_MAX */
};

typedef struct holdcap {
	size_t max_total, max_per_key;
	size_t total;
	size_t n_keys; /* the distinct keys held, in keys[0 .. n_keys) */
	struct holdcap_key {
		char key[HOLDCAP_KEY_MAX + 1];
		size_t n;
	} * keys;
} holdcap;

/* Sized for max_total held at once (0: none may be). -1 when out of memory. */
int holdcap_init(holdcap *c, size_t max_total, size_t max_per_key);
void holdcap_release(holdcap *c);
/* Counts one more held for key when both caps allow it (HOLDCAP_OK); else changes nothing. */
enum holdcap_result holdcap_take(holdcap *c, const char *key);
/* Counts one fewer for key (taken before; a key not held is ignored). */
void holdcap_put(holdcap *c, const char *key);
/* How many are held for key now. */
size_t holdcap_count(const holdcap *c, const char *key);

#endif
