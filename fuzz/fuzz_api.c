/* fuzz_api: arbitrary bytes as what a back-office system sends the API: the key of its
 * Authorization header, the list's cursor and a status change's JSON body. A key that parses
 * has an id >= 1 and a secret of TOKEN_LEN base64url characters and prints back to the same
 * text; a cursor that parses has a time >= 1 and a valid receipt; a body that parses has a
 * status of the table, an event >= 1 and a text that decision_text_clean leaves unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/api.h"
#include "core/application.h"
#include "core/decision.h"
#include "util/token.h"

static void check_key(const char *s)
{
	long long id = 0;
	char secret[TOKEN_LEN + 1], back[API_KEY_TEXT_MAX + 1];
	if (api_key_parse(s, &id, secret) != 0)
		return;
	if (id < 1 || strlen(secret) != TOKEN_LEN || api_key_text(id, secret, back, sizeof(back)) ||
	    strcmp(back, s) != 0)
		abort();
}

static void check_cursor(const char *s)
{
	long long at = 0;
	char receipt[STORE_RECEIPT_MAX + 1];
	if (api_cursor_parse(s, &at, receipt) == 0 && (at < 1 || !app_receipt_valid(receipt)))
		abort();
}

static void check_body(const uint8_t *data, size_t size)
{
	char to[STORE_STATUS_MAX + 1], text[STORE_NOTE_MAX + 1], again[STORE_NOTE_MAX + 1];
	long long seen = 0;
	if (api_status_parse((const char *)data, size, to, text, &seen) != 0)
		return;
	if (!app_status_valid(to) || seen < 1 ||
	    decision_text_clean(text, strlen(text), again, sizeof(again)) != 0 ||
	    strcmp(text, again) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_key(s);
	check_cursor(s);
	check_body(data, size);
	free(s);
	return 0;
}
