/* test_store_stamps: the signature time-stamps of migration 0015 and their queue
 * (store_stamps.c) on a migrated database, and a round of sig/stamp.c over it: queued once per
 * version, claimed with a lease, a failure with its retry, a token stored once and read back
 * with its imprint and genTime, the arguments refused; a round against an authority that does
 * not answer records the failure with its doubling delay, and a version that cannot be stamped
 * (unsigned) is given up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sig/stamp.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1775000000LL
#define PROC "kaigo-volunteer-point"
#define CONTENT "{\"name\":\"山田 太郎\"}"
#include "cms_fixture.h"

#include "store_fixture.h"

static int make_cms(unsigned char **der)
{
	return make_cms_of(CONTENT, "stamp test", der);
}

/* An application of a new draft key, signed with sig (NULL: unsigned); its receipt and
 * digest into receipt and digest. */
static void new_app(store *s, const char *key, const void *sig, size_t len, char *receipt,
                    char digest[65])
{
	store_application a;
	assert_int_equal(store_draft_create(s, key, "s:abc", PROC, 1, "{}", NOW), STORE_OK);
	memset(&a, 0, sizeof(a));
	snprintf(a.draft_key, sizeof(a.draft_key), "%s", key);
	snprintf(a.proc_id, sizeof(a.proc_id), PROC);
	a.proc_version = 1;
	snprintf(a.proc_title, sizeof(a.proc_title), "介護支援ボランティアポイント交付申請");
	hash_of(42, a.digest);
	a.content = CONTENT;
	a.display = "[]";
	a.signature = (char *)sig;
	a.signature_len = sig ? len : 0;
	assert_int_equal(store_application_submit(s, &a, NOW, receipt), STORE_OK);
	memcpy(digest, a.digest, 65);
}

static void test_queue_claim_stamp(void **state)
{
	struct fixture *f = *state;
	char r[STORE_RECEIPT_MAX + 1], d[65], imprint[65];
	store_timestamp t[4], got;
	size_t n = 9;
	new_app(f->s, "d1", "CMS", 3, r, d);
	assert_int_equal(store_timestamp_queue(f->s, r, d, NOW), STORE_OK);
	assert_int_equal(store_timestamp_queue(f->s, r, d, NOW + 1), STORE_OK); /* once */
	assert_int_equal(store_timestamps_claim(f->s, NOW - 1, 60, t, 4, &n), STORE_OK);
	assert_int_equal(n, 0); /* not yet due */
	assert_int_equal(store_timestamps_claim(f->s, NOW, 60, t, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].receipt, r);
	assert_string_equal(t[0].digest, d);
	assert_int_equal(t[0].created_at, NOW);
	assert_int_equal(t[0].next_at, NOW + 60);
	assert_null(t[0].token);
	assert_int_equal(store_timestamps_claim(f->s, NOW + 59, 60, t + 1, 3, &n), STORE_OK);
	assert_int_equal(n, 0); /* leased */
	assert_int_equal(store_timestamp_failed(f->s, t[0].id, NOW + 5, "down\n\x01"), STORE_OK);
	assert_int_equal(store_timestamp_get(f->s, r, d, &got), STORE_OK);
	assert_int_equal(got.attempts, 1);
	assert_int_equal(got.next_at, NOW + 5);
	assert_string_equal(got.last_error, "down??"); /* controls replaced */
	assert_int_equal(got.stamped_at, 0);
	assert_null(got.token);
	hash_of(7, imprint);
	assert_int_equal(
	    store_timestamp_stamped(f->s, t[0].id, imprint, NOW + 3, "TSR", 3, NOW + 6), STORE_OK);
	assert_int_equal(
	    store_timestamp_stamped(f->s, t[0].id, imprint, NOW + 3, "TSR", 3, NOW + 7),
	    STORE_ENOTFOUND); /* once */
	assert_int_equal(store_timestamp_failed(f->s, t[0].id, NOW + 9, "late"), STORE_ENOTFOUND);
	assert_int_equal(store_timestamp_get(f->s, r, d, &got), STORE_OK);
	assert_int_equal(got.token_len, 3);
	assert_memory_equal(got.token, "TSR", 3);
	assert_string_equal(got.imprint, imprint);
	assert_int_equal(got.gen_time, NOW + 3);
	assert_int_equal(got.stamped_at, NOW + 6);
	assert_int_equal(got.attempts, 2);
	assert_string_equal(got.last_error, "");
	store_timestamp_release(&got);
	assert_null(got.token);
	assert_int_equal(store_timestamps_claim(f->s, NOW + 1000, 60, t, 4, &n), STORE_OK);
	assert_int_equal(n, 0); /* stamped ones are not claimed */
}

static void test_arguments(void **state)
{
	struct fixture *f = *state;
	char d[65], absent[] = "2026-999999";
	store_timestamp t;
	size_t n;
	hash_of(1, d);
	assert_int_equal(store_timestamp_queue(f->s, absent, d, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_timestamp_queue(f->s, "2026-x", d, NOW), STORE_EINPUT);
	assert_int_equal(store_timestamp_queue(f->s, absent, "ABC", NOW), STORE_EINPUT);
	assert_int_equal(store_timestamp_queue(f->s, absent, d, 0), STORE_EINPUT);
	assert_int_equal(store_timestamp_queue(NULL, absent, d, NOW), STORE_EINPUT);
	assert_int_equal(store_timestamps_claim(f->s, NOW, 0, &t, 1, &n), STORE_EINPUT);
	assert_int_equal(store_timestamps_claim(f->s, NOW, 60, NULL, 1, &n), STORE_EINPUT);
	assert_int_equal(store_timestamp_stamped(f->s, 0, d, NOW, "x", 1, NOW), STORE_EINPUT);
	assert_int_equal(store_timestamp_stamped(f->s, 1, "zz", NOW, "x", 1, NOW), STORE_EINPUT);
	assert_int_equal(store_timestamp_stamped(f->s, 1, d, NOW, NULL, 1, NOW), STORE_EINPUT);
	assert_int_equal(store_timestamp_stamped(f->s, 1, d, NOW, "x", 0, NOW), STORE_EINPUT);
	assert_int_equal(
	    store_timestamp_stamped(f->s, 1, d, NOW, "x", STORE_TIMESTAMP_MAX + 1, NOW),
	    STORE_EINPUT);
	assert_int_equal(store_timestamp_stamped(f->s, 1, d, NOW, "x", 1, NOW), STORE_ENOTFOUND);
	assert_int_equal(store_timestamp_failed(f->s, 0, NOW, "x"), STORE_EINPUT);
	assert_int_equal(store_timestamp_get(f->s, absent, d, &t), STORE_ENOTFOUND);
	assert_int_equal(store_timestamp_get(f->s, absent, d, NULL), STORE_EINPUT);
}

static void test_round(void **state)
{
	struct fixture *f = *state;
	unsigned char *der;
	int len = make_cms(&der);
	char r1[STORE_RECEIPT_MAX + 1], r2[STORE_RECEIPT_MAX + 1], d1[65], d2[65];
	store_timestamp got;
	new_app(f->s, "d1", der, (size_t)len, r1, d1);
	new_app(f->s, "d2", NULL, 0, r2, d2);
	assert_int_equal(store_timestamp_queue(f->s, r2, d2, NOW), STORE_OK);
	assert_int_equal(store_timestamp_queue(f->s, r1, d1, NOW), STORE_OK);
	/* port 9 (discard) on loopback: nothing listens, the connection is refused */
	struct stamp_config c = {"http://127.0.0.1:9/", NULL, 10, 2000};
	assert_int_equal(stamp_round(f->s, &c, NOW), 0);
	/* the unsigned one is given up without asking, the signed one waits 10 s */
	assert_int_equal(store_timestamp_get(f->s, r2, d2, &got), STORE_OK);
	assert_true(stamp_given_up(&got));
	assert_non_null(strstr(got.last_error, "not signed"));
	assert_int_equal(store_timestamp_get(f->s, r1, d1, &got), STORE_OK);
	assert_false(stamp_given_up(&got));
	assert_int_equal(got.attempts, 1);
	assert_int_equal(got.next_at, NOW + 10);
	assert_non_null(strstr(got.last_error, "unreachable"));
	assert_int_equal(stamp_round(f->s, &c, NOW + 9), 0); /* not due: nothing tried */
	assert_int_equal(store_timestamp_get(f->s, r1, d1, &got), STORE_OK);
	assert_int_equal(got.attempts, 1);
	assert_int_equal(stamp_round(f->s, &c, NOW + 10), 0);
	assert_int_equal(store_timestamp_get(f->s, r1, d1, &got), STORE_OK);
	assert_int_equal(got.next_at, NOW + 10 + 20); /* doubled */
	assert_int_equal(stamp_retry_delay(10, 12), 3600);
	struct stamp_config off = {"", NULL, 10, 2000};
	assert_int_equal(stamp_round(f->s, &off, NOW + 100), 0);
	OPENSSL_free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_queue_claim_stamp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
