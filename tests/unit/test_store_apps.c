/* test_store_apps: drafts, their attachments and applications (receipt numbers, statuses,
 * events) of the storage interface, on a migrated SQLite database file in a fresh temporary
 * directory. Receipt numbers are checked for uniqueness on several connections to one file,
 * from several threads and from several processes, as several portal processes would use
 * it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
/* 2026-12-31 23:59:59 JST (14:59:59 UTC) and one second later, 2027 in Japan. */
#define LAST_SECOND_2026_JST 1798729199LL
#define FIRST_SECOND_2027_JST 1798729200LL
#define PROC "kaigo-volunteer-point"
#define PROC2 "juminhyo"
#define TITLE "介護支援ボランティアポイント交付申請"
#define RAW "{\"name\":\"山田 太郎\",\"points\":\"120\"}"
#define CONTENT "{\"name\":\"山田 太郎\",\"points\":\"120\"}"
#define DISPLAY "[{\"label\":\"氏名\",\"value\":\"山田 太郎\"}]"

#include "store_fixture.h"

static void owner_of(long long account_id, char *out, size_t outlen)
{
	snprintf(out, outlen, "a:%lld", account_id);
}

static void new_draft(store *s, const char *key, const char *owner, const char *proc)
{
	int rc = store_draft_create(s, key, owner, proc, 1, RAW, NOW);
	if (rc != STORE_OK)
		fail_msg("draft %s: %s: %s", key, store_strerror(rc), store_errmsg(s));
}

/* An application of draft key for the caller to submit (no signature). */
static void app_of(store_application *a, const char *key, long long account_id, const char *proc)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->draft_key, sizeof(a->draft_key), "%s", key);
	a->account_id = account_id;
	snprintf(a->proc_id, sizeof(a->proc_id), "%s", proc);
	a->proc_version = 1;
	snprintf(a->proc_title, sizeof(a->proc_title), "%s", TITLE);
	hash_of(42, a->digest);
	a->content = CONTENT;
	a->display = DISPLAY;
}

/* Submits draft key at now and returns its receipt in out; fails the test otherwise. */
static void submit(store *s, const char *key, long long account_id, const char *proc, long long now,
                   char out[STORE_RECEIPT_MAX + 1])
{
	store_application a;
	int rc;

	app_of(&a, key, account_id, proc);
	rc = store_application_submit(s, &a, now, out);
	if (rc != STORE_OK)
		fail_msg("submit %s: %s: %s", key, store_strerror(rc), store_errmsg(s));
	assert_string_equal(a.receipt, out);
}

/* The number part of a receipt "YYYY-NNNNNN". */
static long long receipt_number(const char *r)
{
	return strtoll(r + 5, NULL, 10);
}

/* ---- drafts ---- */

static void test_draft_lifecycle(void **state)
{
	struct fixture *f = *state;
	store_draft d;

	assert_int_equal(store_draft_create(f->s, "k_AZaz09-", "s:abc", PROC, 3, RAW, NOW),
	                 STORE_OK);
	memset(&d, 0x55, sizeof(d));
	d.raw = NULL;
	assert_int_equal(store_draft_get(f->s, "k_AZaz09-", &d), STORE_OK);
	assert_string_equal(d.key, "k_AZaz09-");
	assert_string_equal(d.owner, "s:abc");
	assert_string_equal(d.proc_id, PROC);
	assert_int_equal(d.proc_version, 3);
	assert_non_null(d.raw);
	assert_string_equal(d.raw, RAW);
	assert_int_equal(d.created_at, NOW);
	assert_int_equal(d.updated_at, NOW);
	assert_string_equal(d.receipt, "");
	store_draft_release(&d);
	assert_null(d.raw);
	store_draft_release(&d); /* twice is harmless */
	store_draft_release(NULL);

	/* The owner's open draft of the procedure. */
	assert_int_equal(store_draft_open(f->s, "s:abc", PROC, &d), STORE_OK);
	assert_string_equal(d.key, "k_AZaz09-");
	assert_string_equal(d.raw, RAW);
	store_draft_release(&d);
	assert_int_equal(store_draft_open(f->s, "s:abc", PROC2, &d), STORE_ENOTFOUND);
	assert_null(d.raw);
	assert_int_equal(store_draft_open(f->s, "s:other", PROC, &d), STORE_ENOTFOUND);

	/* Saving replaces raw and the version; created_at stays. An empty raw is kept too. */
	assert_int_equal(store_draft_save(f->s, "k_AZaz09-", 4, "{\"name\":\"\"}", NOW + 60),
	                 STORE_OK);
	assert_int_equal(store_draft_get(f->s, "k_AZaz09-", &d), STORE_OK);
	assert_int_equal(d.proc_version, 4);
	assert_string_equal(d.raw, "{\"name\":\"\"}");
	assert_int_equal(d.created_at, NOW);
	assert_int_equal(d.updated_at, NOW + 60);
	store_draft_release(&d);
	assert_int_equal(store_draft_save(f->s, "k_AZaz09-", 4, "", NOW + 61), STORE_OK);
	assert_int_equal(store_draft_get(f->s, "k_AZaz09-", &d), STORE_OK);
	assert_string_equal(d.raw, "");
	store_draft_release(&d);

	/* Absent keys. */
	assert_int_equal(store_draft_get(f->s, "nope", &d), STORE_ENOTFOUND);
	assert_null(d.raw);
	assert_int_equal(store_draft_save(f->s, "nope", 1, RAW, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_draft_delete(f->s, "nope"), STORE_ENOTFOUND);

	/* The key is unique whoever the owner. */
	assert_int_equal(store_draft_create(f->s, "k_AZaz09-", "a:1", PROC2, 1, RAW, NOW),
	                 STORE_ECONFLICT);

	/* Deleted: gone, and the key and the owner's slot are free again. */
	assert_int_equal(store_draft_delete(f->s, "k_AZaz09-"), STORE_OK);
	assert_int_equal(store_draft_get(f->s, "k_AZaz09-", &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_open(f->s, "s:abc", PROC, &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_delete(f->s, "k_AZaz09-"), STORE_ENOTFOUND);
	assert_int_equal(store_draft_create(f->s, "k_AZaz09-", "s:abc", PROC, 1, RAW, NOW + 99),
	                 STORE_OK);
	assert_int_equal(store_draft_get(f->s, "k_AZaz09-", &d), STORE_OK);
	assert_int_equal(d.created_at, NOW + 99);
	store_draft_release(&d);
}

/* A draft big up to its limit keeps every byte. */
/* Housekeeping: only open drafts of "s:" owners not changed since `before` go, with their
 * attachments; account drafts and submitted drafts stay. */
static void test_drafts_prune_anonymous(void **state)
{
	struct fixture *f = *state;
	store_draft d;
	long long n = -1, acct = new_account(f->s, "prune@example.jp");
	char owner[40], sha[65], receipt[STORE_RECEIPT_MAX + 1];

	owner_of(acct, owner, sizeof(owner));
	new_draft(f->s, "anon-old", "s:abc", PROC); /* updated at NOW */
	new_draft(f->s, "anon-sub", "s:def", PROC); /* submitted below */
	new_draft(f->s, "acct-old", owner, PROC);
	hash_of(7, sha);
	assert_int_equal(store_attachment_add(f->s, "anon-old", "photos", "a.png", "image/png", "x",
	                                      1, sha, NOW, NULL),
	                 STORE_OK);
	submit(f->s, "anon-sub", 0, PROC, NOW, receipt);
	assert_int_equal(store_draft_save(f->s, "anon-old", 1, RAW, NOW + 100), STORE_OK);
	/* not changed before NOW + 100: kept */
	assert_int_equal(store_drafts_prune_anonymous(f->s, NOW + 100, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_drafts_prune_anonymous(f->s, NOW + 101, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_draft_get(f->s, "anon-old", &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_get(f->s, "anon-sub", &d), STORE_OK);
	store_draft_release(&d);
	assert_int_equal(store_draft_get(f->s, "acct-old", &d), STORE_OK);
	store_draft_release(&d);
}

static void test_draft_big_raw(void **state)
{
	struct fixture *f = *state;
	store_draft d;
	char *raw = malloc(STORE_DRAFT_RAW_MAX + 2);
	size_t i;

	assert_non_null(raw);
	for (i = 0; i < STORE_DRAFT_RAW_MAX; i++)
		raw[i] = (char)('a' + i % 26);
	raw[STORE_DRAFT_RAW_MAX] = 'z';
	raw[STORE_DRAFT_RAW_MAX + 1] = '\0';
	assert_int_equal(store_draft_create(f->s, "big", "s:x", PROC, 1, raw, NOW), STORE_EINPUT);
	raw[STORE_DRAFT_RAW_MAX] = '\0';
	assert_int_equal(store_draft_create(f->s, "big", "s:x", PROC, 1, raw, NOW), STORE_OK);
	assert_int_equal(store_draft_get(f->s, "big", &d), STORE_OK);
	assert_int_equal(strlen(d.raw), STORE_DRAFT_RAW_MAX);
	assert_memory_equal(d.raw, raw, STORE_DRAFT_RAW_MAX);
	store_draft_release(&d);
	free(raw);
}

static void test_draft_one_open(void **state)
{
	struct fixture *f = *state;
	store_draft d;
	char r[STORE_RECEIPT_MAX + 1];

	new_draft(f->s, "d1", "s:owner", PROC);
	/* A second open draft of the same owner and procedure: refused, the first stays. */
	assert_int_equal(store_draft_create(f->s, "d2", "s:owner", PROC, 1, "{}", NOW),
	                 STORE_ECONFLICT);
	assert_int_equal(store_draft_get(f->s, "d2", &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_open(f->s, "s:owner", PROC, &d), STORE_OK);
	assert_string_equal(d.key, "d1");
	assert_string_equal(d.raw, RAW);
	store_draft_release(&d);
	/* Another procedure or another owner is fine. */
	new_draft(f->s, "d3", "s:owner", PROC2);
	new_draft(f->s, "d4", "s:someone-else", PROC);

	/* Once submitted, the draft is no longer open: a new one may start. */
	submit(f->s, "d1", 0, PROC, NOW, r);
	assert_int_equal(store_draft_open(f->s, "s:owner", PROC, &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_create(f->s, "d2", "s:owner", PROC, 2, "{}", NOW + 5),
	                 STORE_OK);
	assert_int_equal(store_draft_open(f->s, "s:owner", PROC, &d), STORE_OK);
	assert_string_equal(d.key, "d2");
	assert_int_equal(d.proc_version, 2);
	assert_string_equal(d.receipt, "");
	store_draft_release(&d);
	/* ... but only one again. */
	assert_int_equal(store_draft_create(f->s, "d5", "s:owner", PROC, 2, "{}", NOW + 5),
	                 STORE_ECONFLICT);
	/* The submitted one is still there, with its receipt. */
	assert_int_equal(store_draft_get(f->s, "d1", &d), STORE_OK);
	assert_string_equal(d.receipt, r);
	assert_string_equal(d.raw, RAW);
	store_draft_release(&d);
}

/* ---- attachments ---- */

/* The bounds of uploads without login: the bytes of an owner's open drafts (submitted ones
 * and other owners' not counted) and the bytes a client address sent since a time. */
static void test_anon_upload_bounds(void **state)
{
	struct fixture *f = *state;
	char sha[65], receipt[STORE_RECEIPT_MAX + 1];
	long long b = -1, n = -1;

	hash_of(3, sha);
	new_draft(f->s, "a1", "s:one", PROC);
	new_draft(f->s, "a2", "s:one", PROC2);
	new_draft(f->s, "b1", "s:two", PROC);
	assert_int_equal(store_owner_attachment_bytes(f->s, "s:one", &b), STORE_OK);
	assert_int_equal(b, 0);
	assert_int_equal(
	    store_attachment_add(f->s, "a1", "p", "a.png", "image/png", "abc", 3, sha, NOW, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_attachment_add(f->s, "a2", "p", "b.png", "image/png", "defgh", 5, sha, NOW, NULL),
	    STORE_OK);
	assert_int_equal(
	    store_attachment_add(f->s, "b1", "p", "c.png", "image/png", "x", 1, sha, NOW, NULL),
	    STORE_OK);
	assert_int_equal(store_owner_attachment_bytes(f->s, "s:one", &b), STORE_OK);
	assert_int_equal(b, 8);
	submit(f->s, "a2", 0, PROC2, NOW, receipt);
	assert_int_equal(store_owner_attachment_bytes(f->s, "s:one", &b), STORE_OK);
	assert_int_equal(b, 3);

	assert_int_equal(store_anon_upload_add(f->s, "192.0.2.1", NOW - 4000, 100), STORE_OK);
	assert_int_equal(store_anon_upload_add(f->s, "192.0.2.1", NOW - 10, 20), STORE_OK);
	assert_int_equal(store_anon_upload_add(f->s, "192.0.2.1", NOW, 3), STORE_OK);
	assert_int_equal(store_anon_upload_add(f->s, "2001:db8::1", NOW, 7), STORE_OK);
	assert_int_equal(store_anon_upload_bytes(f->s, "192.0.2.1", NOW - 3600, &b), STORE_OK);
	assert_int_equal(b, 23);
	assert_int_equal(store_anon_upload_bytes(f->s, "198.51.100.1", NOW - 3600, &b), STORE_OK);
	assert_int_equal(b, 0);
	assert_int_equal(store_anon_uploads_prune(f->s, NOW - 3600, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_anon_upload_bytes(f->s, "192.0.2.1", 0, &b), STORE_OK);
	assert_int_equal(b, 23);
	/* refused: no address, a line break in it, nothing sent */
	assert_int_equal(store_anon_upload_add(f->s, "", NOW, 1), STORE_EINPUT);
	assert_int_equal(store_anon_upload_add(f->s, "a\nb", NOW, 1), STORE_EINPUT);
	assert_int_equal(store_anon_upload_add(f->s, "192.0.2.1", NOW, 0), STORE_EINPUT);
}

static void test_attachments(void **state)
{
	struct fixture *f = *state;
	static const unsigned char pdf[] = {'%', 'P', 'D', 'F', 0, 1, 2, 0xff, 0xfe, 0, '\n'};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};
	store_attachment list[4], meta;
	char sha1[65], sha2[65];
	long long id1 = 0, id2 = 0, id3 = 0;
	void *data = NULL;
	size_t n = 99, len = 0;

	hash_of(1, sha1);
	hash_of(2, sha2);
	new_draft(f->s, "att", "s:owner", PROC);
	new_draft(f->s, "other", "s:owner", PROC2);
	assert_int_equal(store_attachment_add(f->s, "att", "activity_book", "活動手帳.pdf",
	                                      "application/pdf", pdf, sizeof(pdf), sha1, NOW, &id1),
	                 STORE_OK);
	assert_true(id1 > 0);
	assert_int_equal(store_attachment_add(f->s, "att", "photo", "photo 1.png", "image/png", png,
	                                      sizeof(png), sha2, NOW + 1, &id2),
	                 STORE_OK);
	assert_true(id2 > id1);
	assert_int_equal(store_attachment_add(f->s, "other", "photo", "x.png", "image/png", png,
	                                      sizeof(png), sha2, NOW, &id3),
	                 STORE_OK);

	/* Listed in the order added, only the draft's own. */
	memset(list, 0x55, sizeof(list));
	assert_int_equal(store_attachment_list(f->s, "att", list, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id1);
	assert_string_equal(list[0].field, "activity_book");
	assert_string_equal(list[0].filename, "活動手帳.pdf");
	assert_string_equal(list[0].mime, "application/pdf");
	assert_int_equal(list[0].size, sizeof(pdf));
	assert_string_equal(list[0].sha256, sha1);
	assert_int_equal(list[0].created_at, NOW);
	assert_int_equal(list[1].id, id2);
	assert_string_equal(list[1].filename, "photo 1.png");
	assert_int_equal(list[1].size, sizeof(png));
	assert_string_equal(list[1].sha256, sha2);
	assert_int_equal(list[1].created_at, NOW + 1);
	/* max bounds the list. */
	assert_int_equal(store_attachment_list(f->s, "att", list, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id1);
	assert_int_equal(store_attachment_list(f->s, "att", list, 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_attachment_list(f->s, "absent", list, 4, &n), STORE_OK);
	assert_int_equal(n, 0);

	/* The bytes come back exactly, NULs included. */
	assert_int_equal(store_attachment_get(f->s, "att", id1, &meta, &data, &len), STORE_OK);
	assert_int_equal(len, sizeof(pdf));
	assert_memory_equal(data, pdf, sizeof(pdf));
	assert_int_equal(meta.id, id1);
	assert_string_equal(meta.filename, "活動手帳.pdf");
	assert_string_equal(meta.sha256, sha1);
	free(data);
	assert_int_equal(store_attachment_get(f->s, "att", id2, NULL, &data, &len), STORE_OK);
	assert_int_equal(len, sizeof(png));
	assert_memory_equal(data, png, sizeof(png));
	free(data);
	/* Another draft's attachment is not reachable through this draft. */
	assert_int_equal(store_attachment_get(f->s, "att", id3, &meta, &data, &len),
	                 STORE_ENOTFOUND);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_int_equal(store_attachment_delete(f->s, "att", id3), STORE_ENOTFOUND);
	assert_int_equal(store_attachment_get(f->s, "other", id3, NULL, &data, &len), STORE_OK);
	free(data);

	/* Deleting one. */
	assert_int_equal(store_attachment_delete(f->s, "att", id1), STORE_OK);
	assert_int_equal(store_attachment_delete(f->s, "att", id1), STORE_ENOTFOUND);
	assert_int_equal(store_attachment_get(f->s, "att", id1, &meta, &data, &len),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_attachment_list(f->s, "att", list, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id2);

	/* Deleting the draft takes its attachments; ids are not given out again. */
	assert_int_equal(store_draft_delete(f->s, "att"), STORE_OK);
	assert_int_equal(store_attachment_get(f->s, "att", id2, &meta, &data, &len),
	                 STORE_ENOTFOUND);
	new_draft(f->s, "att", "s:owner", PROC);
	assert_int_equal(store_attachment_list(f->s, "att", list, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_attachment_add(f->s, "att", "photo", "a.png", "image/png", png,
	                                      sizeof(png), sha2, NOW, &id1),
	                 STORE_OK);
	assert_true(id1 > id3);
	/* An absent draft takes nothing. */
	assert_int_equal(store_attachment_add(f->s, "absent", "photo", "a.png", "image/png", png,
	                                      sizeof(png), sha2, NOW, &id1),
	                 STORE_ENOTFOUND);
	assert_int_equal(id1, 0);
}

static void test_attachment_refusals(void **state)
{
	struct fixture *f = *state;
	static const char bytes[] = "hello";
	static const char *const bad_names[] = {
	    "",
	    "../etc/passwd",
	    "dir/file.pdf",
	    "C:\\file.pdf",
	    ".",
	    "..",
	    "a\nb.pdf",
	    "a\rb.pdf",
	    "tab\t.pdf",
	    "\x7f.pdf",
	    "\xc3\x28.pdf",     /* not UTF-8 */
	    "\xed\xa0\x80.pdf", /* a surrogate */
	};
	static const char *const bad_mimes[] = {"", "text/plain\r\nX-Evil: 1", "画像/png",
	                                        "text/plain\x7f"};
	store_attachment list[2];
	char sha[65], name[STORE_FILENAME_MAX + 2], r[STORE_RECEIPT_MAX + 1], field[66];
	long long id = 0;
	size_t i, n = 9;

	hash_of(3, sha);
	new_draft(f->s, "ref", "s:owner", PROC);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		if (store_attachment_add(f->s, "ref", "f", bad_names[i], "text/plain", bytes, 5,
		                         sha, NOW, &id) != STORE_EINPUT)
			fail_msg("file name %zu was taken", i);
	for (i = 0; i < sizeof(bad_mimes) / sizeof(bad_mimes[0]); i++)
		if (store_attachment_add(f->s, "ref", "f", "a.txt", bad_mimes[i], bytes, 5, sha,
		                         NOW, &id) != STORE_EINPUT)
			fail_msg("media type %zu was taken", i);
	/* Name length: STORE_FILENAME_MAX bytes, not one more. */
	memset(name, 'n', sizeof(name));
	name[STORE_FILENAME_MAX + 1] = '\0';
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "f", name, "text/plain", bytes, 5, sha, NOW, &id),
	    STORE_EINPUT);
	name[STORE_FILENAME_MAX] = '\0';
	memset(field, 'f', sizeof(field));
	field[64] = '\0';
	assert_int_equal(
	    store_attachment_add(f->s, "ref", field, name, "text/plain", bytes, 5, sha, NOW, &id),
	    STORE_OK);
	/* Empty or missing data, bad hash, bad field, bad key. */
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "f", "a.txt", "text/plain", bytes, 0, sha, NOW, &id),
	    STORE_EINPUT);
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "f", "a.txt", "text/plain", NULL, 5, sha, NOW, &id),
	    STORE_EINPUT);
	assert_int_equal(store_attachment_add(f->s, "ref", "f", "a.txt", "text/plain", bytes, 5,
	                                      "ABCDEF", NOW, &id),
	                 STORE_EINPUT);
	sha[0] = 'A';
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "f", "a.txt", "text/plain", bytes, 5, sha, NOW, &id),
	    STORE_EINPUT);
	hash_of(3, sha);
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "", "a.txt", "text/plain", bytes, 5, sha, NOW, &id),
	    STORE_EINPUT);
	/* Field names: 64 bytes, not 65. */
	memset(field, 'f', sizeof(field));
	field[65] = '\0';
	assert_int_equal(store_attachment_add(f->s, "ref", field, "a.txt", "text/plain", bytes, 5,
	                                      sha, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_attachment_add(f->s, "re/f", "f", "a.txt", "text/plain", bytes, 5, sha, NOW, &id),
	    STORE_EINPUT);
	/* More than STORE_FILE_MAX is refused before anything is read. */
	assert_int_equal(store_attachment_add(f->s, "ref", "f", "a.txt", "text/plain", bytes,
	                                      STORE_FILE_MAX + 1, sha, NOW, &id),
	                 STORE_EINPUT);
	assert_int_equal(store_attachment_get(f->s, "ref", 0, NULL, NULL, NULL), STORE_EINPUT);
	assert_int_equal(store_attachment_delete(f->s, "ref", -1), STORE_EINPUT);
	assert_int_equal(store_attachment_list(f->s, "ref", NULL, 2, &n), STORE_EINPUT);
	/* Only the one good file went in. */
	assert_int_equal(store_attachment_list(f->s, "ref", list, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(list[0].filename), STORE_FILENAME_MAX);
	assert_int_equal(strlen(list[0].field), 64);
	id = list[0].id;

	/* A submitted draft's files are frozen: no adding, no deleting, still readable. */
	submit(f->s, "ref", 0, PROC, NOW, r);
	assert_int_equal(
	    store_attachment_add(f->s, "ref", "f", "b.txt", "text/plain", bytes, 5, sha, NOW, NULL),
	    STORE_ENOTFOUND);
	assert_int_equal(store_attachment_delete(f->s, "ref", id), STORE_ENOTFOUND);
	assert_int_equal(store_attachment_list(f->s, "ref", list, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id);
}

/* The largest file allowed round-trips. */
static void test_attachment_max_size(void **state)
{
	struct fixture *f = *state;
	unsigned char *big = malloc(STORE_FILE_MAX);
	char sha[65];
	void *data = NULL;
	size_t i, len = 0;
	long long id = 0;

	assert_non_null(big);
	for (i = 0; i < STORE_FILE_MAX; i++)
		big[i] = (unsigned char)(i * 31u + (i >> 11));
	hash_of(4, sha);
	new_draft(f->s, "big", "s:owner", PROC);
	assert_int_equal(store_attachment_add(f->s, "big", "f", "scan.pdf", "application/pdf", big,
	                                      STORE_FILE_MAX, sha, NOW, &id),
	                 STORE_OK);
	assert_int_equal(store_attachment_get(f->s, "big", id, NULL, &data, &len), STORE_OK);
	assert_int_equal(len, STORE_FILE_MAX);
	assert_memory_equal(data, big, STORE_FILE_MAX);
	free(data);
	free(big);
}

/* ---- applications ---- */

static void test_submit(void **state)
{
	struct fixture *f = *state;
	static const char sig[] = {0x30, (char)0x82, 0x01, 0x00, 0x00, 0x06, 0x09, 0x2a};
	long long acct = new_account(f->s, "taro@example.jp");
	char owner[STORE_OWNER_MAX + 1], r1[STORE_RECEIPT_MAX + 1], r2[STORE_RECEIPT_MAX + 1];
	char again[STORE_RECEIPT_MAX + 1];
	store_application a, got;
	store_draft d;
	store_app_event ev[4];
	size_t n = 0;

	owner_of(acct, owner, sizeof(owner));
	new_draft(f->s, "sub1", owner, PROC);
	new_draft(f->s, "sub2", "s:anon", PROC2);

	app_of(&a, "sub1", acct, PROC);
	a.proc_version = 1;
	a.signature = (char *)sig;
	a.signature_len = sizeof(sig);
	a.verification = "{\"result\":\"ok\",\"subject\":\"山田 太郎\"}";
	snprintf(a.status, sizeof(a.status), "done"); /* ignored: always "sent" */
	memset(r1, 'x', sizeof(r1));
	assert_int_equal(store_application_submit(f->s, &a, NOW, r1), STORE_OK);
	assert_string_equal(r1, "2026-000001");
	assert_string_equal(a.receipt, "2026-000001");
	assert_string_equal(a.status, "sent");
	assert_int_equal(a.submitted_at, NOW);
	assert_int_equal(a.updated_at, NOW);

	/* Everything comes back. */
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(store_application_get(f->s, r1, &got), STORE_OK);
	assert_string_equal(got.receipt, r1);
	assert_string_equal(got.draft_key, "sub1");
	assert_int_equal(got.account_id, acct);
	assert_string_equal(got.proc_id, PROC);
	assert_int_equal(got.proc_version, 1);
	assert_string_equal(got.proc_title, TITLE);
	assert_string_equal(got.status, "sent");
	assert_string_equal(got.digest, a.digest);
	assert_string_equal(got.content, CONTENT);
	assert_string_equal(got.display, DISPLAY);
	assert_int_equal(got.signature_len, sizeof(sig));
	assert_memory_equal(got.signature, sig, sizeof(sig));
	assert_string_equal(got.verification, a.verification);
	assert_int_equal(got.submitted_at, NOW);
	assert_int_equal(got.updated_at, NOW);
	store_application_release(&got);
	assert_null(got.content);
	assert_null(got.signature);
	assert_int_equal(got.signature_len, 0);
	store_application_release(&got);
	store_application_release(NULL);

	/* The first event. */
	assert_int_equal(store_application_events(f->s, r1, ev, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].status, "sent");
	assert_string_equal(ev[0].note, "");
	assert_int_equal(ev[0].at, NOW);

	/* The draft is submitted: not open, not editable, not deletable, keeps its receipt. */
	assert_int_equal(store_draft_get(f->s, "sub1", &d), STORE_OK);
	assert_string_equal(d.receipt, r1);
	store_draft_release(&d);
	assert_int_equal(store_draft_open(f->s, owner, PROC, &d), STORE_ENOTFOUND);
	assert_int_equal(store_draft_save(f->s, "sub1", 1, "{}", NOW + 1), STORE_ENOTFOUND);
	assert_int_equal(store_draft_delete(f->s, "sub1"), STORE_ENOTFOUND);

	/* Submitting it again finds the first receipt; a is left as it was. */
	app_of(&a, "sub1", acct, PROC);
	memset(again, 0, sizeof(again));
	assert_int_equal(store_application_submit(f->s, &a, NOW + 5, again), STORE_ECONFLICT);
	assert_string_equal(again, r1);
	assert_string_equal(a.receipt, "");
	assert_string_equal(a.status, "");
	assert_int_equal(a.submitted_at, 0);
	assert_int_equal(store_application_submit(f->s, &a, NOW + 5, NULL), STORE_ECONFLICT);

	/* The next number; no signature is stored as none. */
	submit(f->s, "sub2", 0, PROC2, NOW + 10, r2);
	assert_string_equal(r2, "2026-000002");
	assert_int_equal(store_application_get(f->s, r2, &got), STORE_OK);
	assert_int_equal(got.account_id, 0);
	assert_null(got.signature);
	assert_int_equal(got.signature_len, 0);
	assert_null(got.verification);
	assert_int_equal(got.submitted_at, NOW + 10);
	store_application_release(&got);

	/* Absent things. */
	app_of(&a, "nosuchdraft", 0, PROC);
	memset(again, 'x', sizeof(again));
	assert_int_equal(store_application_submit(f->s, &a, NOW, again), STORE_ENOTFOUND);
	assert_string_equal(again, "");
	assert_int_equal(store_application_get(f->s, "2026-000099", &got), STORE_ENOTFOUND);
	assert_null(got.content);
	assert_int_equal(store_application_events(f->s, "2026-000099", ev, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

/* A submission that fails leaves no trace: no number used, the draft still open. */
static void test_submit_failures_leave_nothing(void **state)
{
	struct fixture *f = *state;
	long long acct = new_account(f->s, "taro@example.jp");
	char owner[STORE_OWNER_MAX + 1], r[STORE_RECEIPT_MAX + 1];
	store_application a;
	store_draft d;

	owner_of(acct, owner, sizeof(owner));
	new_draft(f->s, "mine", owner, PROC);
	new_draft(f->s, "ghost", "a:999999", PROC);
	/* Another procedure than the draft's, another account than the owner's. */
	app_of(&a, "mine", acct, PROC2);
	assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_EINPUT);
	app_of(&a, "mine", acct + 1, PROC);
	assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_EINPUT);
	/* An account that does not exist. */
	app_of(&a, "ghost", 999999, PROC);
	assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_ENOTFOUND);
	assert_string_equal(r, "");
	assert_int_equal(store_draft_get(f->s, "ghost", &d), STORE_OK);
	assert_string_equal(d.receipt, "");
	store_draft_release(&d);
	/* The same draft submitted without login is fine (account_id 0). */
	submit(f->s, "ghost", 0, PROC, NOW, r);
	assert_string_equal(r, "2026-000001");
	submit(f->s, "mine", acct, PROC, NOW, r);
	assert_string_equal(r, "2026-000002");
}

/* The year is Japan's: 00:00 on 1 January JST starts a new counter. */
static void test_receipt_year_jst(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1];

	new_draft(f->s, "y1", "s:1", PROC);
	new_draft(f->s, "y2", "s:2", PROC);
	new_draft(f->s, "y3", "s:3", PROC);
	new_draft(f->s, "y4", "s:4", PROC);
	submit(f->s, "y1", 0, PROC, LAST_SECOND_2026_JST, r);
	assert_string_equal(r, "2026-000001");
	/* 15:00 UTC on 31 December is already 2027 in Japan. */
	submit(f->s, "y2", 0, PROC, FIRST_SECOND_2027_JST, r);
	assert_string_equal(r, "2027-000001");
	submit(f->s, "y3", 0, PROC, FIRST_SECOND_2027_JST + 1, r);
	assert_string_equal(r, "2027-000002");
	/* A late clock still counts its own year on. */
	submit(f->s, "y4", 0, PROC, NOW, r);
	assert_string_equal(r, "2026-000002");
}

/* Two connections to one file (two portal processes), submitting in turn. */
static void test_receipt_two_connections(void **state)
{
	struct fixture *f = *state;
	enum { N = 12 };
	store *s2 = second(f);
	char key[32], owner[32], r[N][STORE_RECEIPT_MAX + 1];
	int i, j;

	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "two-%d", i);
		snprintf(owner, sizeof(owner), "s:%d", i);
		new_draft(i % 2 ? s2 : f->s, key, owner, PROC);
	}
	for (i = 0; i < N; i++) {
		char want[STORE_RECEIPT_MAX + 1];
		snprintf(key, sizeof(key), "two-%d", i);
		submit(i % 2 ? s2 : f->s, key, 0, PROC, NOW + i, r[i]);
		snprintf(want, sizeof(want), "2026-%06d", i + 1);
		assert_string_equal(r[i], want);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			assert_string_not_equal(r[i], r[j]);
	/* Each connection sees the other's applications. */
	{
		store_application got;
		assert_int_equal(store_application_get(f->s, r[1], &got), STORE_OK);
		assert_string_equal(got.draft_key, "two-1");
		store_application_release(&got);
		assert_int_equal(store_application_get(s2, r[0], &got), STORE_OK);
		assert_string_equal(got.draft_key, "two-0");
		store_application_release(&got);
	}
	store_close(s2);
}

/* In the caller's transaction: rolled back, the number is given again and the draft is
 * open; committed with other work, everything is there. */
static void test_submit_in_caller_transaction(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1], r2[STORE_RECEIPT_MAX + 1];
	store_application got;
	store_draft d;
	store_mail m[2];
	size_t n = 0;

	new_draft(f->s, "tx1", "s:1", PROC);
	assert_int_equal(store_begin(f->s), STORE_OK);
	submit(f->s, "tx1", 0, PROC, NOW, r);
	assert_string_equal(r, "2026-000001");
	/* Seen inside the transaction. */
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	store_application_release(&got);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_application_get(f->s, r, &got), STORE_ENOTFOUND);
	assert_int_equal(store_draft_get(f->s, "tx1", &d), STORE_OK);
	assert_string_equal(d.receipt, "");
	store_draft_release(&d);

	/* Submission and its mail in one transaction. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	submit(f->s, "tx1", 0, PROC, NOW, r2);
	assert_string_equal(r2, "2026-000001"); /* no gap */
	assert_int_equal(
	    store_outbox_add(f->s, "taro@example.jp", "申請を受け付けました", r2, NOW, NULL),
	    STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(store_application_get(f->s, r2, &got), STORE_OK);
	assert_string_equal(got.status, "sent");
	store_application_release(&got);
	assert_int_equal(store_outbox_recent(f->s, m, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].body, r2);
	store_mail_release(&m[0]);

	/* A failure inside the caller's transaction leaves it open for the caller. */
	assert_int_equal(store_begin(f->s), STORE_OK);
	{
		store_application a;
		app_of(&a, "tx1", 0, PROC);
		assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_ECONFLICT);
		assert_string_equal(r, r2);
	}
	assert_int_equal(store_begin(f->s), STORE_EINPUT); /* still open */
	assert_int_equal(store_commit(f->s), STORE_OK);
}

/* Several connections (threads) submit the same draft at once, as a double click from two
 * tabs would: one wins, every other one gets the winner's receipt. */
struct racer {
	const char *path;
	pthread_barrier_t *go;
	int rc;
	char receipt[STORE_RECEIPT_MAX + 1];
};

static void *submit_racer(void *arg)
{
	struct racer *r = arg;
	store_application a;
	char err[256];
	store *s = NULL;

	r->rc = -1;
	if (store_open(r->path, &s, err, sizeof(err)) != STORE_OK) {
		pthread_barrier_wait(r->go);
		return NULL;
	}
	app_of(&a, "same", 0, PROC);
	pthread_barrier_wait(r->go);
	r->rc = store_application_submit(s, &a, NOW, r->receipt);
	store_close(s);
	return NULL;
}

static void test_submit_race_same_draft(void **state)
{
	struct fixture *f = *state;
	enum { RACERS = 6 };
	struct racer r[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t go;
	int i, ok = 0, conflict = 0;
	const char *winner = NULL;
	store_app_event ev[4];
	size_t n = 0;

	new_draft(f->s, "same", "s:1", PROC);
	assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].path = f->path;
		r[i].go = &go;
		assert_int_equal(pthread_create(&th[i], NULL, submit_racer, &r[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&go);
	for (i = 0; i < RACERS; i++) {
		if (r[i].rc == STORE_OK) {
			ok++;
			winner = r[i].receipt;
		} else if (r[i].rc == STORE_ECONFLICT) {
			conflict++;
		} else {
			fail_msg("racer %d: %d", i, r[i].rc);
		}
	}
	assert_int_equal(ok, 1);
	assert_int_equal(conflict, RACERS - 1);
	assert_string_equal(winner, "2026-000001");
	for (i = 0; i < RACERS; i++)
		assert_string_equal(r[i].receipt, winner);
	assert_int_equal(store_application_events(f->s, winner, ev, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* Two processes submit 200 drafts each on one database file, at the same time: 400
 * distinct receipts, the numbers 1..400 without a gap. Each child prepares its drafts, then
 * both start submitting on the parent's signal, pausing a little between submissions so
 * that the two writers really take turns on the lock (without the pause SQLite's busy
 * backoff tends to let one finish before the other starts). */
static int child_submits(const char *path, int i, long long acct, int per, int go_fd)
{
	char err[256], key[32], owner[32], r[STORE_RECEIPT_MAX + 1], proc[32], c;
	store_application a;
	store *s = NULL;
	int rc, k;

	if ((rc = store_open(path, &s, err, sizeof(err))) != STORE_OK) {
		fprintf(stderr, "child %d: %s\n", i, err);
		return rc;
	}
	owner_of(acct, owner, sizeof(owner));
	/* One open draft per procedure: a procedure per draft. */
	for (k = 0; k < per && rc == STORE_OK; k++) {
		snprintf(key, sizeof(key), "p%d-%d", i, k);
		snprintf(proc, sizeof(proc), "proc-%d", k);
		rc = store_draft_create(s, key, owner, proc, 1, RAW, NOW);
	}
	if (rc == STORE_OK && read(go_fd, &c, 1) != 1)
		rc = -1;
	for (k = 0; k < per && rc == STORE_OK; k++) {
		snprintf(key, sizeof(key), "p%d-%d", i, k);
		snprintf(proc, sizeof(proc), "proc-%d", k);
		app_of(&a, key, acct, proc);
		rc = store_application_submit(s, &a, NOW + k, r);
		usleep(200);
	}
	if (rc != STORE_OK)
		fprintf(stderr, "child %d at %d: %d: %s\n", i, k, rc, store_errmsg(s));
	store_close(s);
	return rc;
}

struct submitters {
	const char *path;
	const long long *acct;
	int per;
};

static int child_submits_of(int i, int go_fd, void *arg)
{
	const struct submitters *w = arg;
	return child_submits(w->path, i, w->acct[i], w->per, go_fd);
}

static void test_receipt_two_processes(void **state)
{
	struct fixture *f = *state;
	enum { NPROC = 2, PER = 200 };
	static store_application list[NPROC * PER + 1];
	static int who[NPROC * PER + 1];
	long long acct[NPROC];
	size_t n = 0, total = 0;
	int i, k, turns = 0;

	for (i = 0; i < NPROC; i++) {
		char email[64];
		snprintf(email, sizeof(email), "proc%d@example.jp", i);
		acct[i] = new_account(f->s, email);
	}
	struct submitters who_submits = {f->path, acct, PER};
	fork_children(NPROC, child_submits_of, &who_submits);
	memset(who, 0, sizeof(who));
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(
		    store_applications_for_account(f->s, acct[i], list, NPROC * PER + 1, &n),
		    STORE_OK);
		assert_int_equal(n, PER);
		for (k = 0; k < (int)n; k++) {
			long long num = receipt_number(list[k].receipt);
			assert_int_equal(strlen(list[k].receipt), 11);
			assert_memory_equal(list[k].receipt, "2026-", 5);
			assert_true(num >= 1 && num <= NPROC * PER);
			assert_int_equal(who[num], 0); /* not given twice */
			who[num] = i + 1;
			assert_int_equal(list[k].account_id, acct[i]);
			/* Newest first: the child submitted its k-th draft at NOW + k. */
			assert_int_equal(list[k].submitted_at, NOW + PER - 1 - k);
			total++;
		}
	}
	assert_int_equal(total, NPROC * PER);
	for (k = 1; k <= NPROC * PER; k++) {
		assert_int_not_equal(who[k], 0); /* no gap */
		turns += k > 1 && who[k] != who[k - 1];
	}
	/* Timing decides how often they took turns; say so when they did not overlap. */
	if (turns < 2)
		fprintf(stderr, "note: the two processes hardly overlapped (%d turns)\n", turns);
}

static void test_applications_for_account(void **state)
{
	struct fixture *f = *state;
	long long taro = new_account(f->s, "taro@example.jp");
	long long hanako = new_account(f->s, "hanako@example.jp");
	char ot[STORE_OWNER_MAX + 1], oh[STORE_OWNER_MAX + 1], r[6][STORE_RECEIPT_MAX + 1];
	store_application list[8];
	size_t n = 99;

	owner_of(taro, ot, sizeof(ot));
	owner_of(hanako, oh, sizeof(oh));
	new_draft(f->s, "t1", ot, "p1");
	new_draft(f->s, "t2", ot, "p2");
	new_draft(f->s, "t3", ot, "p3");
	new_draft(f->s, "t4", ot, "p4");
	new_draft(f->s, "h1", oh, "p1");
	new_draft(f->s, "anon", "s:x", "p1");
	submit(f->s, "t1", taro, "p1", NOW, r[0]);        /* 000001 */
	submit(f->s, "t2", taro, "p2", NOW + 100, r[1]);  /* 000002, newest */
	submit(f->s, "h1", hanako, "p1", NOW + 50, r[2]); /* 000003 */
	submit(f->s, "t3", taro, "p3", NOW + 50, r[3]);   /* 000004 */
	submit(f->s, "t4", taro, "p4", NOW + 50, r[4]);   /* 000005, same second as t3 */
	submit(f->s, "anon", 0, "p1", NOW + 200, r[5]);

	memset(list, 0x55, sizeof(list));
	assert_int_equal(store_applications_for_account(f->s, taro, list, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].receipt, r[1]);
	assert_string_equal(list[1].receipt, r[4]); /* the later number in the same second */
	assert_string_equal(list[2].receipt, r[3]);
	assert_string_equal(list[3].receipt, r[0]);
	assert_string_equal(list[0].draft_key, "t2");
	assert_string_equal(list[0].proc_id, "p2");
	assert_string_equal(list[0].proc_title, TITLE);
	assert_string_equal(list[0].status, "sent");
	assert_int_equal(list[0].submitted_at, NOW + 100);
	assert_int_equal(list[0].account_id, taro);
	/* Without the big parts. */
	assert_null(list[0].content);
	assert_null(list[0].display);
	assert_null(list[0].signature);
	assert_int_equal(list[0].signature_len, 0);
	assert_null(list[0].verification);
	/* max keeps the newest. */
	assert_int_equal(store_applications_for_account(f->s, taro, list, 2, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].receipt, r[1]);
	assert_string_equal(list[1].receipt, r[4]);
	assert_int_equal(store_applications_for_account(f->s, hanako, list, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].receipt, r[2]);
	assert_int_equal(store_applications_for_account(f->s, taro + hanako + 9, list, 8, &n),
	                 STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_applications_for_account(f->s, taro, list, 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Account 0 is not "everyone without login". */
	assert_int_equal(store_applications_for_account(f->s, 0, list, 8, &n), STORE_EINPUT);
	assert_int_equal(store_applications_for_account(f->s, -1, list, 8, &n), STORE_EINPUT);
}

/* The database's own CHECK of the status column (migration 0003) takes every status of
 * core/application.h, the one list the code knows: the two cannot drift apart unseen. */
static void test_every_status_storable(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1];
	store_application got;
	size_t n = 0;
	const app_status *all = app_statuses(&n);

	new_draft(f->s, "every", "s:1", PROC);
	submit(f->s, "every", 0, PROC, NOW, r);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(store_application_set_status(f->s, r, NULL, all[i].name, NULL,
		                                              NOW + (long long)i),
		                 STORE_OK);
		assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
		assert_string_equal(got.status, all[i].name);
		store_application_release(&got);
	}
}

static void test_set_status(void **state)
{
	struct fixture *f = *state;
	static const char *const withdrawable[] = {"sent", "accepted", "reviewing", "returned",
	                                           NULL};
	static const char *const from_sent[] = {"sent", NULL};
	char r[STORE_RECEIPT_MAX + 1], r2[STORE_RECEIPT_MAX + 1];
	store_application got;
	store_app_event ev[8];
	size_t n = 0;

	new_draft(f->s, "st", "s:1", PROC);
	new_draft(f->s, "st2", "s:2", PROC);
	submit(f->s, "st", 0, PROC, NOW, r);
	submit(f->s, "st2", 0, PROC, NOW, r2);

	/* sent -> accepted -> reviewing -> done, each with an event. */
	assert_int_equal(
	    store_application_set_status(f->s, r, from_sent, "accepted", "受付しました", NOW + 10),
	    STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, r, from_sent, "reviewing", NULL, NOW + 20),
	    STORE_ECONFLICT);
	assert_int_equal(store_application_set_status(f->s, r, NULL, "reviewing", NULL, NOW + 20),
	                 STORE_OK);
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_string_equal(got.status, "reviewing");
	assert_int_equal(got.submitted_at, NOW);
	assert_int_equal(got.updated_at, NOW + 20);
	store_application_release(&got);
	assert_int_equal(
	    store_application_set_status(f->s, r, NULL, "done", "交付決定\n通知書を郵送", NOW + 30),
	    STORE_OK);
	/* Withdrawal is for the open statuses only: refused after "done", nothing changes. */
	assert_int_equal(
	    store_application_set_status(f->s, r, withdrawable, "withdrawn", "取下げ", NOW + 40),
	    STORE_ECONFLICT);
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_string_equal(got.status, "done");
	assert_int_equal(got.updated_at, NOW + 30);
	store_application_release(&got);

	assert_int_equal(store_application_events(f->s, r, ev, 8, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(ev[0].status, "sent");
	assert_int_equal(ev[0].at, NOW);
	assert_string_equal(ev[1].status, "accepted");
	assert_string_equal(ev[1].note, "受付しました");
	assert_int_equal(ev[1].at, NOW + 10);
	assert_string_equal(ev[2].status, "reviewing");
	assert_string_equal(ev[2].note, "");
	assert_int_equal(ev[2].at, NOW + 20);
	assert_string_equal(ev[3].status, "done");
	assert_string_equal(ev[3].note, "交付決定\n通知書を郵送");
	assert_int_equal(ev[3].at, NOW + 30);
	/* max keeps the oldest. */
	assert_int_equal(store_application_events(f->s, r, ev, 2, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ev[1].status, "accepted");

	/* Returned for correction: withdrawal allowed; withdrawn twice is not. */
	assert_int_equal(
	    store_application_set_status(f->s, r2, NULL, "returned", "添付漏れ", NOW + 50),
	    STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, r2, withdrawable, "withdrawn", NULL, NOW + 60),
	    STORE_OK);
	assert_int_equal(
	    store_application_set_status(f->s, r2, withdrawable, "withdrawn", NULL, NOW + 70),
	    STORE_ECONFLICT);
	assert_int_equal(store_application_events(f->s, r2, ev, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ev[2].status, "withdrawn");
	assert_int_equal(ev[2].at, NOW + 60);

	/* Absent, and bad statuses. */
	assert_int_equal(store_application_set_status(f->s, "2026-000077", NULL, "done", NULL, NOW),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_application_set_status(f->s, r2, NULL, "closed", NULL, NOW),
	                 STORE_EINPUT);
	assert_int_equal(store_application_set_status(f->s, r2, NULL, "Sent", NULL, NOW),
	                 STORE_EINPUT);
	assert_int_equal(store_application_set_status(f->s, r2, NULL, NULL, NULL, NOW),
	                 STORE_EINPUT);
	{
		static const char *const bad_from[] = {"sent", "whatever", NULL};
		assert_int_equal(
		    store_application_set_status(f->s, r2, bad_from, "done", NULL, NOW),
		    STORE_EINPUT);
	}
	{
		char note[STORE_NOTE_MAX + 2];
		memset(note, 'n', sizeof(note));
		note[STORE_NOTE_MAX + 1] = '\0';
		assert_int_equal(store_application_set_status(f->s, r2, NULL, "done", note, NOW),
		                 STORE_EINPUT);
		note[STORE_NOTE_MAX] = '\0';
		assert_int_equal(store_application_set_status(f->s, r2, NULL, "done", note, NOW),
		                 STORE_OK);
		assert_int_equal(store_application_events(f->s, r2, ev, 8, &n), STORE_OK);
		assert_int_equal(n, 4);
		assert_int_equal(strlen(ev[3].note), STORE_NOTE_MAX);
	}
	assert_int_equal(store_application_set_status(f->s, r2, NULL, "done", "\xc3\x28", NOW),
	                 STORE_EINPUT);
}

/* Status changes in the caller's transaction are undone with it. */
static void test_set_status_in_caller_transaction(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1];
	store_application got;
	store_app_event ev[4];
	size_t n = 0;

	new_draft(f->s, "st", "s:1", PROC);
	submit(f->s, "st", 0, PROC, NOW, r);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_application_set_status(f->s, r, NULL, "accepted", NULL, NOW + 1),
	                 STORE_OK);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_string_equal(got.status, "sent");
	store_application_release(&got);
	assert_int_equal(store_application_events(f->s, r, ev, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* An account deleted: its applications stay (account_id 0) with their drafts, files and
 * events; its open drafts go. */
static void test_account_delete_keeps_applications(void **state)
{
	struct fixture *f = *state;
	long long taro = new_account(f->s, "taro@example.jp");
	long long hanako = new_account(f->s, "hanako@example.jp");
	char ot[STORE_OWNER_MAX + 1], oh[STORE_OWNER_MAX + 1], r[STORE_RECEIPT_MAX + 1];
	char sha[65];
	store_application got, list[2];
	store_app_event ev[4];
	store_draft d;
	long long sent_file = 0, open_file = 0;
	void *data = NULL;
	size_t n = 0, len = 0;

	hash_of(5, sha);
	owner_of(taro, ot, sizeof(ot));
	owner_of(hanako, oh, sizeof(oh));
	new_draft(f->s, "sent", ot, PROC);
	new_draft(f->s, "open", ot, PROC2);
	new_draft(f->s, "hanako", oh, PROC);
	new_draft(f->s, "anon", "s:x", PROC);
	assert_int_equal(store_attachment_add(f->s, "sent", "f", "a.pdf", "application/pdf", "abc",
	                                      3, sha, NOW, &sent_file),
	                 STORE_OK);
	assert_int_equal(store_attachment_add(f->s, "open", "f", "b.pdf", "application/pdf", "xyz",
	                                      3, sha, NOW, &open_file),
	                 STORE_OK);
	submit(f->s, "sent", taro, PROC, NOW, r);
	assert_int_equal(store_application_set_status(f->s, r, NULL, "accepted", NULL, NOW + 1),
	                 STORE_OK);

	assert_int_equal(store_account_delete(f->s, taro), STORE_OK);

	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_int_equal(got.account_id, 0);
	assert_string_equal(got.status, "accepted");
	assert_string_equal(got.content, CONTENT);
	store_application_release(&got);
	assert_int_equal(store_application_events(f->s, r, ev, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_draft_get(f->s, "sent", &d), STORE_OK);
	assert_string_equal(d.receipt, r);
	store_draft_release(&d);
	assert_int_equal(store_attachment_get(f->s, "sent", sent_file, NULL, &data, &len),
	                 STORE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "abc", 3);
	free(data);
	/* The open draft and its file are gone; nobody else's drafts are touched. */
	assert_int_equal(store_draft_get(f->s, "open", &d), STORE_ENOTFOUND);
	assert_int_equal(store_attachment_get(f->s, "open", open_file, NULL, &data, &len),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_draft_get(f->s, "hanako", &d), STORE_OK);
	store_draft_release(&d);
	assert_int_equal(store_draft_get(f->s, "anon", &d), STORE_OK);
	store_draft_release(&d);
	assert_int_equal(store_applications_for_account(f->s, taro, list, 2, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* Status changes go on for the city. */
	assert_int_equal(store_application_set_status(f->s, r, NULL, "done", NULL, NOW + 2),
	                 STORE_OK);
}

/* Bad arguments are STORE_EINPUT and write nothing. */
static void test_input_checks(void **state)
{
	struct fixture *f = *state;
	char key65[STORE_DRAFT_KEY_MAX + 2], owner81[STORE_OWNER_MAX + 2];
	char proc65[STORE_PROC_ID_MAX + 2], r[STORE_RECEIPT_MAX + 1];
	store_application a, got;
	store_draft d;
	store_app_event ev[2];
	static const char sig[] = "sig";
	char *big;
	size_t n = 9;
	long long acct = new_account(f->s, "taro@example.jp");

	memset(key65, 'k', sizeof(key65));
	key65[STORE_DRAFT_KEY_MAX + 1] = '\0';
	memset(owner81, 'o', sizeof(owner81));
	owner81[STORE_OWNER_MAX + 1] = '\0';
	memset(proc65, 'p', sizeof(proc65));
	proc65[STORE_PROC_ID_MAX + 1] = '\0';

	/* Drafts: keys, owners, procedures, versions, raw. */
	assert_int_equal(store_draft_create(NULL, "k", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, NULL, "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, key65, "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "a b", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "a/b", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "a.b", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "鍵", "s:1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", owner81, PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:\n1", PROC, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", "", 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", proc65, 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", "../x", 1, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", PROC, 0, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", PROC, -3, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", PROC, 1, NULL, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_create(f->s, "k", "s:1", PROC, 1, "{\"a\":\"\xff\"}", NOW),
	                 STORE_EINPUT);
	key65[STORE_DRAFT_KEY_MAX] = '\0';
	owner81[STORE_OWNER_MAX] = '\0';
	proc65[STORE_PROC_ID_MAX] = '\0';
	assert_int_equal(store_draft_create(f->s, key65, owner81, proc65, 1, RAW, NOW), STORE_OK);
	assert_int_equal(store_draft_get(f->s, key65, &d), STORE_OK);
	assert_string_equal(d.owner, owner81);
	assert_string_equal(d.proc_id, proc65);
	store_draft_release(&d);
	assert_int_equal(store_draft_get(f->s, "a/b", &d), STORE_EINPUT);
	assert_null(d.raw);
	assert_int_equal(store_draft_get(f->s, "k", NULL), STORE_EINPUT);
	assert_int_equal(store_draft_open(f->s, "", PROC, &d), STORE_EINPUT);
	assert_int_equal(store_draft_open(f->s, "s:1", NULL, &d), STORE_EINPUT);
	assert_int_equal(store_draft_save(f->s, key65, 0, RAW, NOW), STORE_EINPUT);
	assert_int_equal(store_draft_save(f->s, key65, 1, "\xc3", NOW), STORE_EINPUT);
	assert_int_equal(store_draft_delete(f->s, "a b"), STORE_EINPUT);
	/* Only the one good draft went in, unchanged. */
	assert_int_equal(store_draft_get(f->s, key65, &d), STORE_OK);
	assert_int_equal(d.proc_version, 1);
	assert_string_equal(d.raw, RAW);
	store_draft_release(&d);
	assert_int_equal(store_draft_get(f->s, "k", &d), STORE_ENOTFOUND);

	/* Applications. */
	{
		char owner[STORE_OWNER_MAX + 1];
		owner_of(acct, owner, sizeof(owner));
		new_draft(f->s, "ok", owner, PROC);
	}
	app_of(&a, "ok", acct, PROC);
	assert_int_equal(store_application_submit(f->s, NULL, NOW, r), STORE_EINPUT);
	assert_int_equal(store_application_submit(NULL, &a, NOW, r), STORE_EINPUT);
	assert_int_equal(store_application_submit(f->s, &a, 0, r), STORE_EINPUT);
	assert_int_equal(store_application_submit(f->s, &a, -5, r), STORE_EINPUT);
	assert_int_equal(store_application_submit(f->s, &a, 0x7fffffffffffffffLL, r), STORE_EINPUT);
#define BAD_APP(change)                                                                            \
	do {                                                                                       \
		app_of(&a, "ok", acct, PROC);                                                      \
		change;                                                                            \
		assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_EINPUT);        \
	} while (0)
	BAD_APP(a.draft_key[0] = '\0');
	BAD_APP(snprintf(a.draft_key, sizeof(a.draft_key), "o k"));
	BAD_APP(a.account_id = -1);
	BAD_APP(a.proc_id[0] = '\0');
	BAD_APP(a.proc_version = 0);
	BAD_APP(a.proc_title[0] = '\0');
	BAD_APP(snprintf(a.proc_title, sizeof(a.proc_title), "申請\r\n"));
	BAD_APP(memset(a.proc_title, 'x', sizeof(a.proc_title))); /* no NUL */
	BAD_APP(memset(a.digest, 'a', sizeof(a.digest)));
	BAD_APP(a.digest[10] = 'G');
	BAD_APP(a.digest[63] = '\0');
	BAD_APP(a.content = NULL);
	BAD_APP(a.content = "");
	BAD_APP(a.display = NULL);
	BAD_APP(a.display = "[\"\xe3\x81\"]");
	BAD_APP(a.signature = (char *)sig); /* with signature_len 0 */
	BAD_APP(a.signature_len = 3);       /* without signature */
	BAD_APP(a.signature = (char *)sig; a.signature_len = STORE_SIGNATURE_MAX + 1);
	BAD_APP(a.verification = "");
	BAD_APP(a.verification = "\xff");
	big = malloc(STORE_CONTENT_MAX + 2);
	assert_non_null(big);
	memset(big, '1', STORE_CONTENT_MAX + 1);
	big[STORE_CONTENT_MAX + 1] = '\0';
	BAD_APP(a.content = big);
	BAD_APP(a.display = big);
	BAD_APP(a.verification = big);
#undef BAD_APP
	/* None of it used a number or closed the draft. */
	app_of(&a, "ok", acct, PROC);
	a.signature = (char *)sig;
	a.signature_len = 3;
	big[STORE_CONTENT_MAX] = '\0';
	a.content = big; /* the largest content is fine */
	assert_int_equal(store_application_submit(f->s, &a, NOW, r), STORE_OK);
	assert_string_equal(r, "2026-000001");
	assert_int_equal(store_application_get(f->s, r, &got), STORE_OK);
	assert_int_equal(strlen(got.content), STORE_CONTENT_MAX);
	assert_int_equal(got.signature_len, 3);
	assert_memory_equal(got.signature, "sig", 3);
	store_application_release(&got);
	free(big);

	/* Receipt numbers must look like one. */
	assert_int_equal(store_application_get(f->s, "2026-00001", &got), STORE_EINPUT);
	assert_null(got.content);
	assert_int_equal(store_application_get(f->s, "26-000001", &got), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, "2026_000001", &got), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, "2026-00000a", &got), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, "2026-00000000000000000001", &got),
	                 STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, "' OR 1=1 --", &got), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, NULL, &got), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, r, NULL), STORE_EINPUT);
	assert_int_equal(store_application_get(f->s, "2026-1000000", &got), STORE_ENOTFOUND);
	assert_int_equal(store_application_events(f->s, "x", ev, 2, &n), STORE_EINPUT);
	assert_int_equal(store_application_events(f->s, r, NULL, 2, &n), STORE_EINPUT);
	assert_int_equal(store_application_events(f->s, r, ev, 2, NULL), STORE_EINPUT);
	assert_int_equal(store_application_set_status(f->s, "x", NULL, "done", NULL, NOW),
	                 STORE_EINPUT);
	assert_int_equal(store_applications_for_account(f->s, acct, NULL, 2, &n), STORE_EINPUT);
	assert_int_equal(store_applications_for_account(f->s, acct, &got, 1, NULL), STORE_EINPUT);
}

/* Before migrating: errors, not crashes, and no transaction left open. */
static void test_unmigrated(void **state)
{
	char dir[64], path[128], err[256], r[STORE_RECEIPT_MAX + 1];
	store *s = NULL;
	store_application a;
	store_draft d;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store_apps.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.db", dir);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_draft_create(s, "k", "s:1", PROC, 1, RAW, NOW), STORE_ESQL);
	assert_non_null(strstr(store_errmsg(s), "drafts"));
	assert_int_equal(store_draft_get(s, "k", &d), STORE_ESQL);
	assert_null(d.raw);
	app_of(&a, "k", 0, PROC);
	assert_int_equal(store_application_submit(s, &a, NOW, r), STORE_ESQL);
	assert_int_equal(store_application_set_status(s, "2026-000001", NULL, "done", NULL, NOW),
	                 STORE_ESQL);
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_rollback(s), STORE_OK);
	store_close(s);
	remove_db_files(path);
	rmdir(dir);
}

/* ---- beside the staff's decisions ---- */

/* A status change against the form's token (the newest event): applied once, refused
 * (nothing changed) for a token or a status that is no longer current. */
static void test_set_status_after(void **state)
{
	struct fixture *f = *state;
	static const char *const from_sent[] = {"sent", NULL};
	static const char *const from_accepted[] = {"accepted", NULL};
	char r[STORE_RECEIPT_MAX + 1];
	long long e1 = 0, e2 = 0, last = 0;
	store_app_event ev[8];
	size_t n = 0;

	new_draft(f->s, "sa", "s:1", PROC);
	submit(f->s, "sa", 0, PROC, NOW, r);
	assert_int_equal(store_application_last_event(f->s, r, &e1), STORE_OK);
	assert_true(e1 >= 1);
	assert_int_equal(store_application_set_status_after(f->s, r, e1, from_sent, "accepted",
	                                                    "受付", NOW + 1, &e2),
	                 STORE_OK);
	assert_true(e2 > e1);
	assert_int_equal(store_application_last_event(f->s, r, &last), STORE_OK);
	assert_int_equal(last, e2);
	/* the same token again (a second reviewer's form): refused, nothing added */
	assert_int_equal(store_application_set_status_after(f->s, r, e1, from_accepted, "reviewing",
	                                                    NULL, NOW + 2, NULL),
	                 STORE_ECONFLICT);
	/* the current token with a status no longer current: refused */
	assert_int_equal(store_application_set_status_after(f->s, r, e2, from_sent, "reviewing",
	                                                    NULL, NOW + 2, NULL),
	                 STORE_ECONFLICT);
	assert_int_equal(store_application_events(f->s, r, ev, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	/* inside the caller's transaction, rolled back: nothing */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_application_set_status_after(f->s, r, e2, from_accepted, "reviewing",
	                                                    NULL, NOW + 3, NULL),
	                 STORE_OK);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_int_equal(store_application_last_event(f->s, r, &last), STORE_OK);
	assert_int_equal(last, e2);
	assert_int_equal(store_application_set_status_after(f->s, r, e2, from_accepted, "reviewing",
	                                                    NULL, NOW + 3, NULL),
	                 STORE_OK);
	/* refusals */
	assert_int_equal(
	    store_application_set_status_after(f->s, r, 0, NULL, "done", NULL, NOW, NULL),
	    STORE_EINPUT);
	assert_int_equal(store_application_set_status_after(f->s, "2026-999999", 5, NULL, "done",
	                                                    NULL, NOW, NULL),
	                 STORE_ENOTFOUND);
	assert_int_equal(store_application_last_event(f->s, "2026-999999", &last), STORE_ENOTFOUND);
	assert_int_equal(last, 0);
	assert_int_equal(store_application_last_event(f->s, "x", &last), STORE_EINPUT);
}

/* Internal notes and the mails of decisions: kept in order, refused when malformed or when
 * the application or the staff member does not exist. */
static void test_notes_and_mails(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1], big[STORE_NOTE_MAX + 2];
	long long sid = 0, id1 = 0, id2 = 0;
	store_note notes[4];
	store_app_mail mails[4];
	size_t n = 9;

	new_draft(f->s, "nm", "s:1", PROC);
	submit(f->s, "nm", 0, PROC, NOW, r);
	assert_int_equal(store_staff_create(f->s, "k@city.example.jp", "係 一郎", 0, NOW, &sid),
	                 STORE_OK);
	assert_int_equal(store_notes(f->s, r, notes, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_note_add(f->s, r, sid, "電話で確認\n再来週に収集", NOW + 1, &id1),
	                 STORE_OK);
	assert_int_equal(store_note_add(f->s, r, sid, "二つ目", NOW + 2, &id2), STORE_OK);
	assert_true(id2 > id1 && id1 > 0);
	assert_int_equal(store_notes(f->s, r, notes, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(notes[0].id, id1);
	assert_int_equal(notes[0].staff_id, sid);
	assert_string_equal(notes[0].body, "電話で確認\n再来週に収集");
	assert_int_equal(notes[0].at, NOW + 1);
	assert_string_equal(notes[1].body, "二つ目");
	assert_int_equal(store_notes(f->s, r, notes, 1, &n), STORE_OK);
	assert_int_equal(n, 1);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	static const char *const bad[] = {"", "\xe2\x80\xae右から", "a\x01b", "\xc3\x28"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(store_note_add(f->s, r, sid, bad[i], NOW, NULL), STORE_EINPUT);
	assert_int_equal(store_note_add(f->s, r, sid, big, NOW, NULL), STORE_EINPUT);
	big[STORE_NOTE_MAX] = '\0';
	assert_int_equal(store_note_add(f->s, r, sid, big, NOW + 3, NULL), STORE_OK);
	assert_int_equal(store_note_add(f->s, r, 0, "x", NOW, NULL), STORE_EINPUT);
	assert_int_equal(store_note_add(f->s, r, sid + 100, "x", NOW, NULL), STORE_ENOTFOUND);
	assert_int_equal(store_note_add(f->s, "2026-999999", sid, "x", NOW, NULL), STORE_ENOTFOUND);
	assert_int_equal(store_notes(f->s, "bad", notes, 4, &n), STORE_EINPUT);

	assert_int_equal(store_application_mail_add(f->s, r, 7, NOW + 5), STORE_OK);
	assert_int_equal(store_application_mail_add(f->s, r, 9, NOW + 6), STORE_OK);
	assert_int_equal(store_application_mails(f->s, r, mails, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(mails[0].outbox_id, 7);
	assert_int_equal(mails[0].at, NOW + 5);
	assert_int_equal(mails[1].outbox_id, 9);
	assert_int_equal(store_application_mail_add(f->s, r, 0, NOW), STORE_EINPUT);
	assert_int_equal(store_application_mail_add(f->s, "2026-999999", 1, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_application_mails(f->s, "2026-999999", mails, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_draft_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_draft_big_raw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drafts_prune_anonymous, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_draft_one_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_anon_upload_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attachment_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attachment_max_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_submit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_submit_failures_leave_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receipt_year_jst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receipt_two_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_submit_in_caller_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_submit_race_same_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receipt_two_processes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_applications_for_account, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_status_storable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_status_in_caller_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_delete_keeps_applications, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_input_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_status_after, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notes_and_mails, setup, teardown),
	    cmocka_unit_test(test_unmigrated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
