/* throttle: per-key counts over the store (see throttle.h). */
#include "core/throttle.h"

#include <stdio.h>

#include "core/account.h"

void throttle_email_key(char *out, size_t outlen, const char *kind, const char *email)
{
	char k[ACCOUNT_EMAIL_MAX + 1];
	snprintf(k, sizeof(k), "%s", email);
	store_email_key(k, k);
	snprintf(out, outlen, "%s:%s", kind, k);
}

int throttle_room(store *s, const char *key, long long since, long long max, long long *oldest)
{
	long long n = 0;
	if (store_throttle_count(s, key, since, &n, oldest) != STORE_OK)
		return -1;
	return n < max;
}

int throttle_mail_quota(store *s, const char *email, long long now)
{
	char key[STORE_THROTTLE_KEY_MAX + 1];
	throttle_email_key(key, sizeof(key), "mail", email);
	int u = throttle_room(s, key, now - 3600, THROTTLE_MAIL_PER_HOUR, NULL);
	if (u <= 0)
		return u;
	return store_throttle_add(s, key, now) == STORE_OK ? 1 : -1;
}
