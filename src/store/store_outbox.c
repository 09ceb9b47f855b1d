/* store_outbox: the mail outbox (claimed with a lease, marked sent or failed). */
#include "store/store_impl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ---- outbox ---- */

int store_outbox_add(store *s, const char *to, const char *subject, const char *body, long long now,
                     long long *id)
{
	if (id)
		*id = 0;
	if (!STORE_READY(s) || !store_text_ok(to, 1, STORE_MAIL_ADDR_MAX, STORE_TEXT_LINE) ||
	    !store_text_ok(subject, 0, STORE_MAIL_SUBJECT_MAX, STORE_TEXT_LINE) ||
	    !store_text_ok(body, 0, STORE_MAIL_BODY_MAX, STORE_TEXT_ANY))
		return STORE_EINPUT;
	return s->be->outbox_add(s->ctx, to, subject, body, now, id);
}

static void release_mails(store_mail *out, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		store_mail_release(&out[i]);
}

int store_outbox_claim(store *s, long long now, long long lease, store_mail *out, size_t max,
                       size_t *n)
{
	size_t got = 0;
	int own, rc = store_list_check(s, lease > 0 && !(now > 0 && lease > LLONG_MAX - now), out,
	                               max, n);

	if (rc != STORE_OK || max == 0)
		return rc;
	if ((rc = store_tx_start(s, &own)) != STORE_OK)
		return rc;
	rc = s->be->outbox_claim(s->ctx, now, now + lease, out, max, &got);
	if ((rc = store_tx_end(s, own, rc)) != STORE_OK)
		release_mails(out, got);
	return store_listed(rc, got, n);
}

int store_outbox_mark_sent(store *s, long long id, long long now)
{
	if (!STORE_READY(s) || id <= 0)
		return STORE_EINPUT;
	return s->be->outbox_mark_sent(s->ctx, id, now);
}

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

void store_clean_error(const char *error, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)error;
	size_t len = strlen(error), i = 0, o = 0, n;

	while (i < len) {
		n = utf8_char_len(error + i, len - i);
		if (n == 0 || (n == 1 && is_control(p[i]))) {
			n = 1;
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
		} else {
			if (o + n >= outlen)
				break;
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
}

int store_outbox_mark_failed(store *s, long long id, long long next_at, const char *error)
{
	char clean[sizeof(((store_mail *)0)->last_error)];

	if (!STORE_READY(s) || id <= 0)
		return STORE_EINPUT;
	store_clean_error(error ? error : "", clean, sizeof(clean));
	return s->be->outbox_mark_failed(s->ctx, id, next_at, clean);
}

int store_outbox_recent(store *s, store_mail *out, size_t max, size_t *n)
{
	size_t got = 0;
	int rc = store_list_check(s, 1, out, max, n);

	if (rc != STORE_OK || max == 0)
		return rc;
	if ((rc = s->be->outbox_recent(s->ctx, out, max, &got)) != STORE_OK)
		release_mails(out, got);
	return store_listed(rc, got, n);
}

int store_outbox_backlog(store *s, long long *unsent, long long *failing)
{
	if (!unsent || !failing)
		return STORE_EINPUT;
	*unsent = *failing = 0;
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->outbox_backlog(s->ctx, unsent, failing);
}

int store_housekeeping_lock(store *s, int *got)
{
	if (!got)
		return STORE_EINPUT;
	*got = 0;
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->housekeeping_lock(s->ctx, got);
}

int store_housekeeping_unlock(store *s)
{
	if (!STORE_READY(s))
		return STORE_EINPUT;
	return s->be->housekeeping_unlock(s->ctx);
}

void store_mail_release(store_mail *m)
{
	if (!m)
		return;
	free(m->body);
	m->body = NULL;
}
