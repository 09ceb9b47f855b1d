/* store_check: the argument checks that the parts of the front share (lengths, UTF-8, no
 * control characters where they do not belong), so every back end gets the same input and
 * refuses the same things. */
#include "store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ---- argument checks ---- */

/* t is UTF-8 of min..max bytes (and, for STORE_TEXT_LINE, without control characters). */
int store_text_ok(const char *t, size_t min, size_t max, int line)
{
	size_t len;

	if (!t)
		return 0;
	len = strnlen(t, max + 1);
	if (len < min || len > max)
		return 0;
	return line ? utf8_line_ok(t, len) : utf8_valid(t, len);
}

/* A SHA-256 in hex as stored for tokens and sessions: 64 lower-case hex digits. */
int store_hash_ok(const char *h)
{
	size_t i;
	if (!h)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[64] == '\0';
}

int store_email_ok(const char *email)
{
	return store_text_ok(email, 1, STORE_EMAIL_MAX, STORE_TEXT_LINE);
}

void store_email_key(const char *email, char *out)
{
	for (; *email; email++, out++)
		*out = (*email >= 'A' && *email <= 'Z') ? (char)(*email - 'A' + 'a') : *email;
	*out = '\0';
}

/* A token of 1..max bytes of [A-Za-z0-9_-] (draft keys, procedure ids). */
int store_token_ok(const char *t, size_t max)
{
	size_t i;
	if (!t)
		return 0;
	for (i = 0; t[i]; i++) {
		char c = t[i];
		if (i >= max || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return i > 0;
}

int store_draft_key_ok(const char *key)
{
	return store_token_ok(key, STORE_DRAFT_KEY_MAX);
}

int store_proc_ok(const char *proc_id, int proc_version)
{
	return store_token_ok(proc_id, STORE_PROC_ID_MAX) && proc_version >= 1;
}

int store_owner_ok(const char *owner)
{
	return store_text_ok(owner, 1, STORE_OWNER_MAX, STORE_TEXT_LINE);
}

int store_ids_json(const char *const *ids, size_t n, size_t idmax, char *out, size_t outlen)
{
	size_t len = 1;
	if ((n && !ids) || outlen < 3)
		return 0;
	out[0] = '[';
	for (size_t i = 0; i < n; i++) {
		if (!store_token_ok(ids[i], idmax) || strlen(ids[i]) + 5 > outlen - len)
			return 0;
		len += (size_t)snprintf(out + len, outlen - len, "%s\"%s\"", i ? "," : "", ids[i]);
	}
	snprintf(out + len, outlen - len, "]");
	return 1;
}
