/* test_store_sign: sign requests (署名要求) of the storage interface, on a migrated SQLite
 * database file in a fresh temporary directory: the round trip of every field, the binding
 * to an open draft, single use (also between two connections in two threads posting at the
 * same moment), expiry, the signature that counts for a draft's digest, housekeeping, the
 * deletion with the draft, and the refusal of bad arguments. */
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
#include <unistd.h>

#define NOW 1775000000LL /* 2026-04-01 08:33:20 JST */
#define LIFE 600         /* ten minutes */
#define PROC "kaigo-volunteer-point"
#define PROC2 "juminhyo"
#define TITLE "介護支援ボランティアポイント交付申請"
#define RAW "{\"name\":\"山田 太郎\",\"points\":\"120\"}"
#define CONTENT "{\"name\":\"山田 太郎\",\"points\":\"120\"}"
#define DISPLAY "[{\"label\":\"氏名\",\"value\":\"山田 太郎\"}]"
#define REPORT "{\"result\":\"ok\",\"subject\":\"山田 太郎\"}"

/* A DER-like signature with NUL bytes inside: stored and returned as bytes, not text. */
static const unsigned char SIG[] = {0x30, 0x82, 0x00, 0x05, 0x06, 0x00, 0x2a, 0x86, 0x48, 0xff};

#include "store_fixture.h"

static void new_draft(store *s, const char *key, const char *owner, const char *proc)
{
	int rc = store_draft_create(s, key, owner, proc, 1, RAW, NOW);
	if (rc != STORE_OK)
		fail_msg("draft %s: %s: %s", key, store_strerror(rc), store_errmsg(s));
}

/* Request number n of draft key for digest number d, created at created, living LIFE
 * seconds. content and display point at constants (not owned). */
static void req_of(store_sign_request *r, unsigned n, const char *key, unsigned d,
                   long long created)
{
	memset(r, 0, sizeof(*r));
	hash_of(1000 + n, r->id_hash);
	snprintf(r->draft_key, sizeof(r->draft_key), "%s", key);
	hash_of(d, r->digest);
	snprintf(r->proc_title, sizeof(r->proc_title), "%s", TITLE);
	r->content = CONTENT;
	r->display = DISPLAY;
	r->created_at = created;
	r->expires_at = created + LIFE;
}

/* Creates request n (see req_of) and returns its id_hash in id. */
static void new_req(store *s, unsigned n, const char *key, unsigned d, long long created,
                    char id[65])
{
	store_sign_request r;
	int rc;

	req_of(&r, n, key, d, created);
	rc = store_sign_request_create(s, &r);
	if (rc != STORE_OK)
		fail_msg("sign request %u: %s: %s", n, store_strerror(rc), store_errmsg(s));
	memcpy(id, r.id_hash, 65);
}

static void sign_at(store *s, const char *id, long long now)
{
	int rc = store_sign_request_finish(s, id, "signed", SIG, sizeof(SIG), REPORT, NULL, 0, now);
	if (rc != STORE_OK)
		fail_msg("finish %s: %s: %s", id, store_strerror(rc), store_errmsg(s));
}

/* The status and used_at of request id (which must exist). */
static void state_of(store *s, const char *id, char status[16], long long *used_at)
{
	store_sign_request r;
	assert_int_equal(store_sign_request_get(s, id, &r), STORE_OK);
	memcpy(status, r.status, 16);
	*used_at = r.used_at;
	store_sign_request_release(&r);
}

static void assert_pending(store *s, const char *id)
{
	store_sign_request r;
	assert_int_equal(store_sign_request_get(s, id, &r), STORE_OK);
	assert_string_equal(r.status, "pending");
	assert_int_equal(r.used_at, 0);
	assert_null(r.signature);
	assert_int_equal(r.signature_len, 0);
	assert_null(r.verification);
	store_sign_request_release(&r);
}

static int exists(store *s, const char *id)
{
	store_sign_request r;
	int rc = store_sign_request_get(s, id, &r);
	store_sign_request_release(&r);
	if (rc != STORE_OK && rc != STORE_ENOTFOUND)
		fail_msg("get %s: %s", id, store_strerror(rc));
	return rc == STORE_OK;
}

/* ---- create and get ---- */

static void test_create_get(void **state)
{
	struct fixture *f = *state;
	store_sign_request r, got;
	char want_digest[65];

	new_draft(f->s, "d1", "s:abc", PROC);
	req_of(&r, 1, "d1", 7, NOW);
	/* What create ignores: the request starts pending whatever the caller left here. */
	snprintf(r.status, sizeof(r.status), "%s", "signed");
	r.used_at = NOW + 5;
	r.signature = (char *)SIG;
	r.signature_len = sizeof(SIG);
	r.verification = REPORT;
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_OK);

	memset(&got, 0x55, sizeof(got));
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_OK);
	assert_string_equal(got.id_hash, r.id_hash);
	assert_string_equal(got.draft_key, "d1");
	hash_of(7, want_digest);
	assert_string_equal(got.digest, want_digest);
	assert_string_equal(got.proc_title, TITLE);
	assert_non_null(got.content);
	assert_string_equal(got.content, CONTENT);
	assert_non_null(got.display);
	assert_string_equal(got.display, DISPLAY);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.expires_at, NOW + LIFE);
	assert_int_equal(got.used_at, 0);
	assert_string_equal(got.status, "pending");
	assert_null(got.signature);
	assert_int_equal(got.signature_len, 0);
	assert_null(got.verification);
	store_sign_request_release(&got);
	assert_null(got.content);
	assert_null(got.display);
	store_sign_request_release(&got); /* twice is harmless */
	store_sign_request_release(NULL);

	/* The same id again, even for another open draft: a conflict; the first is kept. */
	new_draft(f->s, "d2", "s:abc", PROC2);
	req_of(&r, 1, "d2", 8, NOW + 1);
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_ECONFLICT);
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_OK);
	assert_string_equal(got.draft_key, "d1");
	assert_string_equal(got.digest, want_digest);
	assert_int_equal(got.created_at, NOW);
	store_sign_request_release(&got);

	/* Absent: not found, and *out holds nothing to free. */
	hash_of(999, r.id_hash);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_ENOTFOUND);
	assert_null(got.content);
	assert_null(got.display);
	assert_null(got.signature);
	assert_null(got.verification);
	assert_int_equal(got.signature_len, 0);
}

/* Content and display of STORE_CONTENT_MAX bytes round-trip byte for byte. */
static void test_create_big_content(void **state)
{
	struct fixture *f = *state;
	store_sign_request r, got;
	char *big = malloc(STORE_CONTENT_MAX + 1);
	size_t i;

	assert_non_null(big);
	for (i = 0; i < STORE_CONTENT_MAX; i++)
		big[i] = (char)('a' + i % 26);
	big[STORE_CONTENT_MAX] = '\0';
	new_draft(f->s, "d1", "s:abc", PROC);
	req_of(&r, 1, "d1", 7, NOW);
	r.content = big;
	r.display = big;
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_OK);
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_OK);
	assert_int_equal(strlen(got.content), STORE_CONTENT_MAX);
	assert_memory_equal(got.content, big, STORE_CONTENT_MAX);
	assert_int_equal(strlen(got.display), STORE_CONTENT_MAX);
	assert_memory_equal(got.display, big, STORE_CONTENT_MAX);
	store_sign_request_release(&got);
	free(big);
}

/* Only an open draft can have a new request. */
static void test_create_needs_open_draft(void **state)
{
	struct fixture *f = *state;
	store_sign_request r, got;
	store_application a;
	char receipt[STORE_RECEIPT_MAX + 1];

	req_of(&r, 1, "absent", 7, NOW);
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_ENOTFOUND);
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_ENOTFOUND);

	new_draft(f->s, "sent", "s:abc", PROC);
	memset(&a, 0, sizeof(a));
	snprintf(a.draft_key, sizeof(a.draft_key), "%s", "sent");
	snprintf(a.proc_id, sizeof(a.proc_id), "%s", PROC);
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "%s", TITLE);
	hash_of(7, a.digest);
	a.content = CONTENT;
	a.display = DISPLAY;
	assert_int_equal(store_application_submit(f->s, &a, NOW, receipt), STORE_OK);
	assert_string_equal(receipt, "2026-000001");

	req_of(&r, 2, "sent", 7, NOW + 1);
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_ENOTFOUND);
	assert_int_equal(store_sign_request_get(f->s, r.id_hash, &got), STORE_ENOTFOUND);

	/* Inside the caller's transaction the refusal leaves it usable. */
	new_draft(f->s, "open", "s:abc", PROC);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_ENOTFOUND);
	req_of(&r, 3, "open", 7, NOW + 2);
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_pending(f->s, r.id_hash);
}

/* ---- finish ---- */

static void test_finish_single_use(void **state)
{
	struct fixture *f = *state;
	store_sign_request got;
	char a[65], b[65], absent[65];
	static const unsigned char other[] = {0x30, 0x03, 0x02, 0x01, 0x00};

	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, a);
	new_req(f->s, 2, "d1", 7, NOW, b);

	assert_int_equal(store_sign_request_finish(f->s, a, "signed", SIG, sizeof(SIG), REPORT,
	                                           "OCSP\0DER", 8, NOW + 30),
	                 STORE_OK);
	assert_int_equal(store_sign_request_get(f->s, a, &got), STORE_OK);
	assert_int_equal(got.ocsp_response_len, 8); /* the revocation evidence, byte for byte */
	assert_memory_equal(got.ocsp_response, "OCSP\0DER", 8);
	assert_string_equal(got.status, "signed");
	assert_int_equal(got.used_at, NOW + 30);
	assert_non_null(got.signature);
	assert_int_equal(got.signature_len, sizeof(SIG));
	assert_memory_equal(got.signature, SIG, sizeof(SIG));
	assert_non_null(got.verification);
	assert_string_equal(got.verification, REPORT);
	/* The rest is as created. */
	assert_string_equal(got.draft_key, "d1");
	assert_string_equal(got.content, CONTENT);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.expires_at, NOW + LIFE);
	store_sign_request_release(&got);
	assert_null(got.signature);
	assert_int_equal(got.signature_len, 0);

	/* Used once: a second post, signed or refused, is a conflict and changes nothing. */
	assert_int_equal(store_sign_request_finish(f->s, a, "signed", other, sizeof(other),
	                                           "{\"result\":\"second\"}", NULL, 0, NOW + 31),
	                 STORE_ECONFLICT);
	assert_int_equal(store_sign_request_finish(f->s, a, "refused", NULL, 0,
	                                           "{\"result\":\"second\"}", NULL, 0, NOW + 32),
	                 STORE_ECONFLICT);
	assert_int_equal(store_sign_request_get(f->s, a, &got), STORE_OK);
	assert_string_equal(got.status, "signed");
	assert_int_equal(got.used_at, NOW + 30);
	assert_int_equal(got.signature_len, sizeof(SIG));
	assert_memory_equal(got.signature, SIG, sizeof(SIG));
	assert_string_equal(got.verification, REPORT);
	store_sign_request_release(&got);

	/* Refused without a signature: the report is kept, the request is used. */
	assert_int_equal(store_sign_request_finish(f->s, b, "refused", NULL, 0,
	                                           "{\"result\":\"revoked\"}", NULL, 0, NOW + 40),
	                 STORE_OK);
	assert_int_equal(store_sign_request_get(f->s, b, &got), STORE_OK);
	assert_string_equal(got.status, "refused");
	assert_int_equal(got.used_at, NOW + 40);
	assert_null(got.signature);
	assert_int_equal(got.signature_len, 0);
	assert_string_equal(got.verification, "{\"result\":\"revoked\"}");
	store_sign_request_release(&got);
	assert_int_equal(store_sign_request_finish(f->s, b, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 41),
	                 STORE_ECONFLICT);

	/* Absent: not found (not a conflict). */
	hash_of(999, absent);
	assert_int_equal(store_sign_request_finish(f->s, absent, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 50),
	                 STORE_ENOTFOUND);
}

/* A refused request may keep the signature it refused. */
static void test_finish_refused_with_signature(void **state)
{
	struct fixture *f = *state;
	store_sign_request got;
	char a[65];

	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, a);
	assert_int_equal(store_sign_request_finish(f->s, a, "refused", SIG, sizeof(SIG),
	                                           "{\"result\":\"untrusted\"}", NULL, 0, NOW + 10),
	                 STORE_OK);
	assert_int_equal(store_sign_request_get(f->s, a, &got), STORE_OK);
	assert_string_equal(got.status, "refused");
	assert_int_equal(got.signature_len, sizeof(SIG));
	assert_memory_equal(got.signature, SIG, sizeof(SIG));
	store_sign_request_release(&got);
}

/* expires_at is the first second at which the request is no longer usable. */
static void test_finish_after_expiry(void **state)
{
	struct fixture *f = *state;
	char a[65], st[16];
	long long used = -1;

	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, a);
	assert_int_equal(store_sign_request_finish(f->s, a, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + LIFE),
	                 STORE_ECONFLICT);
	assert_int_equal(store_sign_request_finish(f->s, a, "refused", NULL, 0, REPORT, NULL, 0,
	                                           NOW + LIFE + 3600),
	                 STORE_ECONFLICT);
	assert_pending(f->s, a);
	/* One second earlier it was still usable (nothing was changed by the refusals). */
	assert_int_equal(store_sign_request_finish(f->s, a, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + LIFE - 1),
	                 STORE_OK);
	state_of(f->s, a, st, &used);
	assert_string_equal(st, "signed");
	assert_int_equal(used, NOW + LIFE - 1);
}

/* In the caller's transaction: rolled back with it; a conflict leaves it usable. */
static void test_finish_in_caller_transaction(void **state)
{
	struct fixture *f = *state;
	char a[65], b[65], st[16];
	long long used = 0;

	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, a);
	new_req(f->s, 2, "d1", 7, NOW, b);
	sign_at(f->s, b, NOW + 5);

	assert_int_equal(store_begin(f->s), STORE_OK);
	sign_at(f->s, a, NOW + 10);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_pending(f->s, a);

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_sign_request_finish(f->s, b, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 11),
	                 STORE_ECONFLICT);
	sign_at(f->s, a, NOW + 12);
	assert_int_equal(store_commit(f->s), STORE_OK);
	state_of(f->s, a, st, &used);
	assert_string_equal(st, "signed");
	assert_int_equal(used, NOW + 12);
	state_of(f->s, b, st, &used);
	assert_int_equal(used, NOW + 5);
}

/* Two connections in two threads post to the same requests at the same moment, round after
 * round: each time exactly one wins, and the stored signature is the winner's. */
enum { ROUNDS = 25 };

struct poster {
	const char *path;
	pthread_barrier_t *go;
	char (*ids)[65];
	unsigned char sig[4];
	int rc[ROUNDS];
	int opened;
};

static void *poster_run(void *arg)
{
	struct poster *p = arg;
	char err[256];
	store *s = NULL;
	int i;

	p->opened = store_open(p->path, &s, err, sizeof(err)) == STORE_OK;
	for (i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(p->go);
		p->rc[i] =
		    p->opened ? store_sign_request_finish(s, p->ids[i], "signed", p->sig,
		                                          sizeof(p->sig), REPORT, NULL, 0, NOW + 60)
		              : -1;
	}
	store_close(s);
	return NULL;
}

static void test_finish_race(void **state)
{
	struct fixture *f = *state;
	static char ids[ROUNDS][65];
	struct poster p[2];
	pthread_t th[2];
	pthread_barrier_t go;
	store_sign_request got;
	int i, k, won[2] = {0, 0};

	new_draft(f->s, "d1", "s:abc", PROC);
	for (i = 0; i < ROUNDS; i++)
		new_req(f->s, (unsigned)i + 1, "d1", 7, NOW, ids[i]);
	assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
	for (k = 0; k < 2; k++) {
		memset(&p[k], 0, sizeof(p[k]));
		p[k].path = f->path;
		p[k].go = &go;
		p[k].ids = ids;
		memcpy(p[k].sig, k == 0 ? "\x30\x01\xaa\x00" : "\x30\x01\xbb\x00", 4);
		assert_int_equal(pthread_create(&th[k], NULL, poster_run, &p[k]), 0);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(th[k], NULL), 0);
	pthread_barrier_destroy(&go);
	assert_true(p[0].opened);
	assert_true(p[1].opened);

	for (i = 0; i < ROUNDS; i++) {
		int w = p[0].rc[i] == STORE_OK ? 0 : 1;
		if (p[w].rc[i] != STORE_OK || p[1 - w].rc[i] != STORE_ECONFLICT)
			fail_msg("round %d: %d and %d", i, p[0].rc[i], p[1].rc[i]);
		won[w]++;
		assert_int_equal(store_sign_request_get(f->s, ids[i], &got), STORE_OK);
		assert_string_equal(got.status, "signed");
		assert_int_equal(got.used_at, NOW + 60);
		assert_int_equal(got.signature_len, 4);
		assert_memory_equal(got.signature, p[w].sig, 4);
		store_sign_request_release(&got);
	}
	assert_int_equal(won[0] + won[1], ROUNDS);
}

/* ---- the signature that counts ---- */

static void test_signed(void **state)
{
	struct fixture *f = *state;
	store_sign_request got;
	char older[65], newer[65], pending[65], refused[65], other[65], elsewhere[65];
	char dig_a[65], dig_b[65], dig_c[65];
	static const unsigned char sig_newer[] = {0x30, 0x02, 0x05, 0x00};

	hash_of(7, dig_a);
	hash_of(8, dig_b);
	hash_of(9, dig_c);
	new_draft(f->s, "d1", "s:abc", PROC);
	new_draft(f->s, "d2", "s:abc", PROC2);

	assert_int_equal(store_sign_request_signed(f->s, "d1", dig_a, &got), STORE_ENOTFOUND);
	assert_null(got.content);

	/* "newer" was created first but signed last: the latest signature counts. */
	new_req(f->s, 1, "d1", 7, NOW + 5, older);
	new_req(f->s, 2, "d1", 7, NOW, newer);
	new_req(f->s, 3, "d1", 7, NOW + 6, pending);
	new_req(f->s, 4, "d1", 7, NOW + 7, refused);
	new_req(f->s, 5, "d1", 8, NOW + 8, other);
	new_req(f->s, 6, "d2", 7, NOW + 9, elsewhere);
	sign_at(f->s, older, NOW + 10);
	assert_int_equal(store_sign_request_finish(f->s, newer, "signed", sig_newer,
	                                           sizeof(sig_newer), "{\"n\":2}", NULL, 0,
	                                           NOW + 20),
	                 STORE_OK);
	assert_int_equal(
	    store_sign_request_finish(f->s, refused, "refused", NULL, 0, REPORT, NULL, 0, NOW + 30),
	    STORE_OK);
	sign_at(f->s, other, NOW + 40);
	sign_at(f->s, elsewhere, NOW + 50);

	assert_int_equal(store_sign_request_signed(f->s, "d1", dig_a, &got), STORE_OK);
	assert_string_equal(got.id_hash, newer);
	assert_string_equal(got.draft_key, "d1");
	assert_string_equal(got.digest, dig_a);
	assert_string_equal(got.status, "signed");
	assert_int_equal(got.used_at, NOW + 20);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.signature_len, sizeof(sig_newer));
	assert_memory_equal(got.signature, sig_newer, sizeof(sig_newer));
	assert_string_equal(got.verification, "{\"n\":2}");
	assert_string_equal(got.content, CONTENT);
	assert_string_equal(got.display, DISPLAY);
	store_sign_request_release(&got);

	/* Another digest finds its own signature, never one of digest A. */
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig_b, &got), STORE_OK);
	assert_string_equal(got.id_hash, other);
	assert_string_equal(got.digest, dig_b);
	assert_int_equal(got.used_at, NOW + 40);
	store_sign_request_release(&got);
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig_c, &got), STORE_ENOTFOUND);
	assert_null(got.signature);
	assert_int_equal(store_sign_request_signed(f->s, "d2", dig_b, &got), STORE_ENOTFOUND);
	assert_int_equal(store_sign_request_signed(f->s, "absent", dig_a, &got), STORE_ENOTFOUND);
	assert_int_equal(store_sign_request_signed(f->s, "d2", dig_a, &got), STORE_OK);
	assert_string_equal(got.id_hash, elsewhere);
	store_sign_request_release(&got);
}

/* Pending and refused requests never count as signed. */
static void test_signed_ignores_unsigned(void **state)
{
	struct fixture *f = *state;
	store_sign_request got;
	char a[65], b[65], dig[65];

	hash_of(7, dig);
	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, a);
	new_req(f->s, 2, "d1", 7, NOW, b);
	assert_int_equal(store_sign_request_finish(f->s, b, "refused", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_OK);
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig, &got), STORE_ENOTFOUND);
}

static void test_signed_other(void **state)
{
	struct fixture *f = *state;
	char a[65], b[65], c[65], d[65], dig_a[65], dig_b[65];
	int any = -1;

	hash_of(7, dig_a);
	hash_of(8, dig_b);
	new_draft(f->s, "d1", "s:abc", PROC);
	new_draft(f->s, "d2", "s:abc", PROC2);

	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig_a, &any), STORE_OK);
	assert_int_equal(any, 0);

	/* Pending and refused requests with another digest do not count. */
	new_req(f->s, 1, "d1", 8, NOW, a);
	new_req(f->s, 2, "d1", 8, NOW, b);
	assert_int_equal(
	    store_sign_request_finish(f->s, b, "refused", NULL, 0, REPORT, NULL, 0, NOW + 1),
	    STORE_OK);
	any = -1;
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig_a, &any), STORE_OK);
	assert_int_equal(any, 0);

	/* A signature of the same digest does not either. */
	new_req(f->s, 3, "d1", 7, NOW, c);
	sign_at(f->s, c, NOW + 2);
	any = -1;
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig_a, &any), STORE_OK);
	assert_int_equal(any, 0);

	/* Signed with digest B: from digest A's view the content changed after signing. */
	sign_at(f->s, a, NOW + 3);
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig_a, &any), STORE_OK);
	assert_int_equal(any, 1);
	/* From B's view, A's signature is the other one. */
	any = -1;
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig_b, &any), STORE_OK);
	assert_int_equal(any, 1);

	/* Another draft is not concerned. */
	new_req(f->s, 4, "d2", 7, NOW, d);
	sign_at(f->s, d, NOW + 4);
	assert_int_equal(store_sign_request_signed_other(f->s, "d2", dig_a, &any), STORE_OK);
	assert_int_equal(any, 0);
	assert_int_equal(store_sign_request_signed_other(f->s, "absent", dig_a, &any), STORE_OK);
	assert_int_equal(any, 0);
}

/* ---- housekeeping and deletion ---- */

/* A change of the draft cancels its unused requests, pending or expired, of that draft only;
 * the used ones stay. */
static void test_cancel(void **state)
{
	struct fixture *f = *state;
	char p1[65], p2[65], used[65], other[65];
	long long n = -1;

	new_draft(f->s, "d1", "s:abc", PROC);
	new_draft(f->s, "d2", "s:def", PROC);
	new_req(f->s, 1, "d1", 7, NOW, p1);
	new_req(f->s, 2, "d1", 8, NOW - 5000, p2); /* expired already */
	new_req(f->s, 3, "d1", 7, NOW, used);
	new_req(f->s, 4, "d2", 7, NOW, other);
	sign_at(f->s, used, NOW + 10);
	assert_int_equal(store_sign_requests_cancel(f->s, "d1", &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_false(exists(f->s, p1));
	assert_false(exists(f->s, p2));
	assert_true(exists(f->s, used));
	assert_true(exists(f->s, other));
	assert_int_equal(store_sign_requests_cancel(f->s, "d1", &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_sign_requests_cancel(f->s, "bad key!", NULL), STORE_EINPUT);
}

static void test_prune(void **state)
{
	struct fixture *f = *state;
	char expired[65], edge[65], fresh[65], signed_old[65], refused_old[65];
	long long n = -1;

	new_draft(f->s, "d1", "s:abc", PROC);
	new_req(f->s, 1, "d1", 7, NOW, expired);     /* expires NOW + 600 */
	new_req(f->s, 2, "d1", 7, NOW + 400, edge);  /* expires NOW + 1000 */
	new_req(f->s, 3, "d1", 7, NOW + 900, fresh); /* expires NOW + 1500 */
	new_req(f->s, 4, "d1", 7, NOW, signed_old);  /* expires NOW + 600, used */
	new_req(f->s, 5, "d1", 7, NOW, refused_old); /* likewise */
	sign_at(f->s, signed_old, NOW + 10);
	assert_int_equal(store_sign_request_finish(f->s, refused_old, "refused", NULL, 0, REPORT,
	                                           NULL, 0, NOW + 11),
	                 STORE_OK);

	/* Before NOW + 1000: only the unused one that expired; "edge" expires at that very
	 * second and is kept. */
	assert_int_equal(store_sign_requests_prune(f->s, NOW + 1000, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_false(exists(f->s, expired));
	assert_true(exists(f->s, edge));
	assert_true(exists(f->s, fresh));
	assert_true(exists(f->s, signed_old));
	assert_true(exists(f->s, refused_old));

	n = -1;
	assert_int_equal(store_sign_requests_prune(f->s, NOW + 1000, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_sign_requests_prune(f->s, NOW + 1001, NULL), STORE_OK);
	assert_false(exists(f->s, edge));
	assert_true(exists(f->s, fresh));

	/* Long after: every unused one goes, the used ones stay with their draft. */
	assert_int_equal(store_sign_requests_prune(f->s, NOW + 1000000, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_false(exists(f->s, fresh));
	assert_true(exists(f->s, signed_old));
	assert_true(exists(f->s, refused_old));
}

static void test_draft_delete_cascades(void **state)
{
	struct fixture *f = *state;
	store_sign_request got;
	char a[65], b[65], keep[65], dig[65];

	hash_of(7, dig);
	new_draft(f->s, "d1", "s:abc", PROC);
	new_draft(f->s, "d2", "s:abc", PROC2);
	new_req(f->s, 1, "d1", 7, NOW, a);
	new_req(f->s, 2, "d1", 7, NOW, b);
	new_req(f->s, 3, "d2", 7, NOW, keep);
	sign_at(f->s, a, NOW + 10);

	assert_int_equal(store_draft_delete(f->s, "d1"), STORE_OK);
	assert_false(exists(f->s, a));
	assert_false(exists(f->s, b));
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig, &got), STORE_ENOTFOUND);
	assert_true(exists(f->s, keep));
	/* A new draft under the old key starts without the old signatures. */
	new_draft(f->s, "d1", "s:abc", PROC);
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig, &got), STORE_ENOTFOUND);
}

/* Deleting an account deletes its open drafts and so their requests; a submitted draft
 * stays, with its requests, and other people's are untouched. */
static void test_account_delete_cascades(void **state)
{
	struct fixture *f = *state;
	store_application app;
	char open_req[65], sent_req[65], other_req[65], owner[32], receipt[STORE_RECEIPT_MAX + 1];
	long long acct = 0;

	assert_int_equal(store_account_create(f->s, "taro@example.jp", FIXTURE_PW_HASH, NOW, &acct),
	                 STORE_OK);
	snprintf(owner, sizeof(owner), "a:%lld", acct);
	new_draft(f->s, "open", owner, PROC);
	new_draft(f->s, "sent", owner, PROC2);
	new_draft(f->s, "anon", "s:x", PROC);
	new_req(f->s, 1, "open", 7, NOW, open_req);
	new_req(f->s, 2, "sent", 7, NOW, sent_req);
	new_req(f->s, 3, "anon", 7, NOW, other_req);
	sign_at(f->s, sent_req, NOW + 10);

	memset(&app, 0, sizeof(app));
	snprintf(app.draft_key, sizeof(app.draft_key), "%s", "sent");
	app.account_id = acct;
	snprintf(app.proc_id, sizeof(app.proc_id), "%s", PROC2);
	app.proc_version = 1;
	snprintf(app.proc_title, sizeof(app.proc_title), "%s", TITLE);
	hash_of(7, app.digest);
	app.content = CONTENT;
	app.display = DISPLAY;
	app.signature = (char *)SIG;
	app.signature_len = sizeof(SIG);
	app.verification = REPORT;
	assert_int_equal(store_application_submit(f->s, &app, NOW + 20, receipt), STORE_OK);

	assert_int_equal(store_account_delete(f->s, acct), STORE_OK);
	assert_false(exists(f->s, open_req));
	assert_true(exists(f->s, sent_req));
	assert_true(exists(f->s, other_req));
}

/* ---- bad arguments ---- */

/* Bad arguments are STORE_EINPUT and write nothing. */
static void test_input_checks(void **state)
{
	struct fixture *f = *state;
	store_sign_request r, got;
	char id[65], dig[65], bad[65];
	char *big = malloc(STORE_CONTENT_MAX + 2);
	unsigned char *sig = malloc(STORE_SIGNATURE_MAX + 1);
	char *report = malloc(STORE_VERIFICATION_MAX + 2);
	int any = -1;
	long long n = -1;

	assert_non_null(big);
	assert_non_null(sig);
	assert_non_null(report);
	memset(big, 'x', STORE_CONTENT_MAX + 1);
	big[STORE_CONTENT_MAX + 1] = '\0';
	memset(sig, 0x30, STORE_SIGNATURE_MAX + 1);
	memset(report, 'r', STORE_VERIFICATION_MAX + 1);
	report[STORE_VERIFICATION_MAX + 1] = '\0';
	hash_of(7, dig);
	new_draft(f->s, "d1", "s:abc", PROC);

#define CREATE_FAILS(stmt)                                                                         \
	do {                                                                                       \
		req_of(&r, 1, "d1", 7, NOW);                                                       \
		stmt;                                                                              \
		assert_int_equal(store_sign_request_create(f->s, &r), STORE_EINPUT);               \
	} while (0)

	CREATE_FAILS(r.id_hash[0] = 'A');         /* upper-case hex */
	CREATE_FAILS(r.id_hash[10] = 'g');        /* not hex */
	CREATE_FAILS(r.id_hash[63] = '\0');       /* 63 digits */
	CREATE_FAILS(memset(r.id_hash, 'a', 65)); /* not terminated in its array */
	CREATE_FAILS(r.digest[5] = 'F');
	CREATE_FAILS(r.digest[0] = '\0');
	CREATE_FAILS(memset(r.digest, 'b', 65));
	CREATE_FAILS(r.draft_key[0] = '\0');
	CREATE_FAILS(snprintf(r.draft_key, sizeof(r.draft_key), "%s", "d/1"));
	CREATE_FAILS(memset(r.draft_key, 'k', sizeof(r.draft_key)));
	CREATE_FAILS(r.proc_title[0] = '\0');
	CREATE_FAILS(snprintf(r.proc_title, sizeof(r.proc_title), "%s", "申請\n書"));
	CREATE_FAILS(snprintf(r.proc_title, sizeof(r.proc_title), "%s", "\xff\xfe"));
	CREATE_FAILS(memset(r.proc_title, 't', sizeof(r.proc_title)));
	CREATE_FAILS(r.content = NULL);
	CREATE_FAILS(r.content = "");
	CREATE_FAILS(r.content = "{\"a\":\"\xc3\x28\"}");     /* not UTF-8 */
	CREATE_FAILS(r.content = "{\"a\":\"\xed\xa0\x80\"}"); /* a surrogate */
	CREATE_FAILS(r.content = big);                        /* STORE_CONTENT_MAX + 1 bytes */
	CREATE_FAILS(r.display = NULL);
	CREATE_FAILS(r.display = "");
	CREATE_FAILS(r.display = "[\xff]");
	CREATE_FAILS(r.display = big);
	CREATE_FAILS(r.created_at = 0);
	CREATE_FAILS((r.created_at = -5, r.expires_at = 100));
	CREATE_FAILS(r.expires_at = r.created_at);
	CREATE_FAILS(r.expires_at = r.created_at - 1);
#undef CREATE_FAILS
	req_of(&r, 1, "d1", 7, NOW);
	assert_int_equal(store_sign_request_create(NULL, &r), STORE_EINPUT);
	assert_int_equal(store_sign_request_create(f->s, NULL), STORE_EINPUT);
	assert_false(exists(f->s, r.id_hash));

	/* Within the bounds it is taken (control characters are fine in JSON content). */
	r.content = "{\"a\":\"\\n\"}\n";
	assert_int_equal(store_sign_request_create(f->s, &r), STORE_OK);
	memcpy(id, r.id_hash, sizeof(id));

	/* get */
	assert_int_equal(store_sign_request_get(f->s, id, NULL), STORE_EINPUT);
	assert_int_equal(store_sign_request_get(NULL, id, &got), STORE_EINPUT);
	assert_null(got.content);
	assert_int_equal(store_sign_request_get(f->s, NULL, &got), STORE_EINPUT);
	memcpy(bad, id, sizeof(bad));
	bad[0] = 'A';
	assert_int_equal(store_sign_request_get(f->s, bad, &got), STORE_EINPUT);
	assert_int_equal(store_sign_request_get(f->s, "abc", &got), STORE_EINPUT);

	/* finish */
	assert_int_equal(store_sign_request_finish(f->s, bad, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, NULL, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(NULL, id, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "pending", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "Signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, NULL, SIG, sizeof(SIG), REPORT, NULL, 0, NOW + 1),
	    STORE_EINPUT);
	/* signed needs a signature */
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "signed", NULL, 0, REPORT, NULL, 0, NOW + 1),
	    STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "refused", NULL, 5, REPORT, NULL, 0, NOW + 1),
	    STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "refused", SIG, 0, REPORT, NULL, 0, NOW + 1),
	    STORE_EINPUT);
	/* the OCSP response: with its length, within its bound, and only with a signature */
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), REPORT,
	                                           NULL, 4, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), REPORT,
	                                           "OCSP", 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "refused", NULL, 0, REPORT, "OCSP", 4, NOW + 1),
	    STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), REPORT,
	                                           sig, STORE_OCSP_RESPONSE_MAX + 1, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", sig, STORE_SIGNATURE_MAX + 1,
	                                           REPORT, NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), NULL, NULL, 0, NOW + 1),
	    STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), "", NULL, 0, NOW + 1),
	    STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG),
	                                           "{\"\xff\"}", NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), report,
	                                           NULL, 0, NOW + 1),
	                 STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), REPORT, NULL, 0, 0),
	    STORE_EINPUT);
	assert_int_equal(
	    store_sign_request_finish(f->s, id, "signed", SIG, sizeof(SIG), REPORT, NULL, 0, -NOW),
	    STORE_EINPUT);
	assert_pending(f->s, id);

	/* The largest signature and report are taken. */
	report[STORE_VERIFICATION_MAX] = '\0';
	assert_int_equal(store_sign_request_finish(f->s, id, "signed", sig, STORE_SIGNATURE_MAX,
	                                           report, NULL, 0, NOW + 1),
	                 STORE_OK);
	assert_int_equal(store_sign_request_get(f->s, id, &got), STORE_OK);
	assert_int_equal(got.signature_len, STORE_SIGNATURE_MAX);
	assert_memory_equal(got.signature, sig, STORE_SIGNATURE_MAX);
	assert_int_equal(strlen(got.verification), STORE_VERIFICATION_MAX);
	assert_string_equal(got.content, "{\"a\":\"\\n\"}\n");
	store_sign_request_release(&got);

	/* signed, signed_other, prune */
	assert_int_equal(store_sign_request_signed(f->s, "d1", dig, NULL), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed(NULL, "d1", dig, &got), STORE_EINPUT);
	assert_null(got.content);
	assert_int_equal(store_sign_request_signed(f->s, "d 1", dig, &got), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed(f->s, NULL, dig, &got), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed(f->s, "d1", "0123", &got), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed(f->s, "d1", NULL, &got), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", dig, NULL), STORE_EINPUT);
	assert_int_equal(store_sign_request_signed_other(f->s, "", dig, &any), STORE_EINPUT);
	assert_int_equal(any, 0);
	any = -1;
	assert_int_equal(store_sign_request_signed_other(f->s, "d1", bad, &any), STORE_EINPUT);
	assert_int_equal(any, 0);
	assert_int_equal(store_sign_request_signed_other(NULL, "d1", dig, &any), STORE_EINPUT);
	assert_int_equal(store_sign_requests_prune(NULL, NOW, &n), STORE_EINPUT);
	assert_int_equal(n, 0);

	free(big);
	free(sig);
	free(report);
}

/* Before migrating: errors, not crashes, and no transaction left open. */
static void test_unmigrated(void **state)
{
	char dir[64], path[128], err[256], id[65], dig[65];
	store *s = NULL;
	store_sign_request r, got;
	long long n = -1;
	int any = -1;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store_sign.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.db", dir);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), STORE_OK);
	req_of(&r, 1, "d1", 7, NOW);
	memcpy(id, r.id_hash, sizeof(id));
	hash_of(7, dig);
	assert_int_equal(store_sign_request_create(s, &r), STORE_ESQL);
	assert_non_null(strstr(store_errmsg(s), "sign_requests"));
	assert_int_equal(store_sign_request_get(s, id, &got), STORE_ESQL);
	assert_null(got.content);
	assert_int_equal(
	    store_sign_request_finish(s, id, "signed", SIG, sizeof(SIG), REPORT, NULL, 0, NOW),
	    STORE_ESQL);
	assert_int_equal(store_sign_request_signed(s, "d1", dig, &got), STORE_ESQL);
	assert_int_equal(store_sign_request_signed_other(s, "d1", dig, &any), STORE_ESQL);
	assert_int_equal(any, 0);
	assert_int_equal(store_sign_requests_prune(s, NOW, &n), STORE_ESQL);
	assert_int_equal(n, 0);
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_rollback(s), STORE_OK);
	store_close(s);
	remove_db_files(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_big_content, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_needs_open_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finish_single_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finish_refused_with_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finish_after_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finish_in_caller_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finish_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed_ignores_unsigned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed_other, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_draft_delete_cascades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_delete_cascades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test(test_unmigrated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
