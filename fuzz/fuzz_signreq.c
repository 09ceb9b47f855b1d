/* fuzz_signreq: libFuzzer target for the untrusted inputs of madoguchi-sign (src/signer/
 * signreq.c and the password rules of flow.c). Every input goes through each parser:
 *  - as a link (NUL-terminated): an accepted link has a valid id, http only to a local host,
 *    and its API URL parses back to itself; the allow-list matches it without crashing;
 *  - as the JSON of a sign request: an accepted one has SHA-256(content) == digest, 1 to 200
 *    lines and only printable text;
 *  - as the portal's answer to the POST, under a status taken from the first bytes: the
 *    message kept is printable and bounded;
 *  - as an allowed-portals file, and as a typed password (an accepted one is 6-16 of A-Z 0-9).
 * Seeds: fuzz/corpus/signreq/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signer/flow.h"
#include "signer/signreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64 << 10)

static void check_link(const char *s)
{
	struct signer_link l, again;
	struct signer_allow allow;

	memset(&allow, 0, sizeof(allow));
	if (signer_allow_add(&allow, s) == 0 && allow.n != 1)
		abort();
	if (signer_link_parse(s, &l) != LINK_OK)
		return;
	if (!signer_id_valid(l.id, strlen(l.id)))
		abort();
	if (!l.tls && !signer_host_is_local(l.host))
		abort();
	if (strncmp(l.url, l.tls ? "https://" : "http://", l.tls ? 8 : 7) != 0)
		abort();
	if (signer_link_parse(l.url, &again) != LINK_OK || strcmp(again.url, l.url) != 0 ||
	    strcmp(again.host, l.host) != 0 || again.port != l.port || again.tls != l.tls)
		abort();
	(void)signer_allow_add(&allow, "portal.example.jp");
	(void)signer_allow_add(&allow, "localhost:8080");
	(void)signer_allow_match(&allow, &l);
}

static void check_request(const uint8_t *data, size_t size)
{
	struct signreq r;
	char why[64], hex[65];

	if (signreq_parse(data, size, NULL, &r, why, sizeof(why)) != SIGNREQ_OK)
		return;
	signreq_sha256_hex(r.content, r.content_len, hex);
	if (strcmp(hex, r.digest) != 0 || r.nlines == 0 || r.nlines > SIGNREQ_LINES_MAX ||
	    !signer_id_valid(r.id, strlen(r.id)))
		abort();
	if (!signreq_text_printable(r.portal_name, strlen(r.portal_name), 0) ||
	    !signreq_text_printable(r.procedure_title, strlen(r.procedure_title), 0))
		abort();
	for (size_t i = 0; i < r.nlines; i++)
		if (!signreq_text_printable(r.lines[i].label, strlen(r.lines[i].label), 0) ||
		    !signreq_text_printable(r.lines[i].value, strlen(r.lines[i].value), 1))
			abort();
	signreq_release(&r);
}

static void check_reply(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 404, 410, 422, 500, 302};
	struct portal_reply pr;
	long status = statuses[size ? data[0] % 6 : 0];

	signer_post_reply_parse(status, data, size, &pr);
	if (strlen(pr.message) > SIGNREQ_MESSAGE_MAX ||
	    !signreq_text_printable(pr.message, strlen(pr.message), 1))
		abort();
	if (pr.answer == PORTAL_SIGNED && status != 200)
		abort();
	(void)signer_get_error_parse(status, data, size);
}

static void check_password(const char *s)
{
	char out[JPKI_PW_MAX + 1];
	size_t n;

	if (signer_password_normalise(s, out) != JPKI_OK)
		return;
	n = strlen(out);
	if (n < JPKI_SIGN_PW_MIN || n > JPKI_SIGN_PW_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signer_allow allow;
	size_t bad;
	char *s;

	if (size > INPUT_MAX)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	check_link(s);
	check_request(data, size);
	check_reply(data, size);
	memset(&allow, 0, sizeof(allow));
	(void)signer_allow_parse(&allow, s, size, &bad);
	if (allow.n > SIGNER_ALLOW_MAX)
		abort();
	check_password(s);
	free(s);
	return 0;
}
