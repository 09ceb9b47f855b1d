/* fuzz_search: arbitrary bytes as a procedure search query. The query is user input that
 * reaches SQL (FTS5 MATCH or the substring fallback), so for any valid UTF-8 it must never
 * make a statement fail, whatever FTS5 syntax it holds; for any bytes at all it must not
 * crash or leak. Runs on an in-memory SQLite store, migrated and indexed once. */
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static store *fz_store;

static const store_proc_doc fz_docs[] = {
    {"kaigo-volunteer-point", "介護支援ボランティアポイント交付申請",
     "介護施設などでボランティア活動をした65歳以上の方に、ポイントを交付します。",
     "ためたポイントは交付金に換えられます。\"引用\" AND OR NOT NEAR(a b) * ^ : { }"},
    {"chiiki-hoken", "地域ボランティア活動保険の加入申込", "団体の保険加入を申し込みます。",
     "活動中のけがを補償します。"},
    {"juminhyo", "住民票の写しの交付請求", "マイナンバーカード（My Number Card）で請求できます。",
     "郵送で届きます。"},
};

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF) without NUL bytes. */
static int valid_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t len, k;
		uint32_t cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	int rc;

	(void)argc;
	(void)argv;
	rc = store_open("sqlite::memory:", &fz_store, err, sizeof(err));
	if (rc == STORE_OK)
		rc = store_migrate(fz_store, NULL, err, sizeof(err));
	if (rc == STORE_OK &&
	    (rc = store_index_procedures(fz_store, fz_docs,
	                                 sizeof(fz_docs) / sizeof(fz_docs[0]))) != STORE_OK)
		snprintf(err, sizeof(err), "%s", store_errmsg(fz_store));
	if (rc != STORE_OK) {
		fprintf(stderr, "fuzz_search: setup failed: %s: %s\n", store_strerror(rc), err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query;
	char **ids = NULL;
	size_t n = 0, i;
	int rc;

	/* A C string: the query ends at the first NUL, as it would from a form field. */
	query = malloc(size + 1);
	if (!query)
		return 0;
	memcpy(query, data, size);
	query[size] = '\0';

	rc = store_search_procedures(fz_store, query, 5, &ids, &n);
	if (rc != STORE_OK && valid_utf8((const uint8_t *)query, strlen(query))) {
		fprintf(stderr, "fuzz_search: query failed: %s: %s\n", store_strerror(rc),
		        store_errmsg(fz_store));
		abort();
	}
	if (rc == STORE_OK) {
		if (!ids || n > 5 || ids[n] != NULL)
			abort();
		for (i = 0; i < n; i++)
			if (!ids[i])
				abort();
	}
	store_free_ids(ids);
	free(query);
	return 0;
}
