/* Unit tests of the submission transaction (core/submit.c) against a migrated SQLite store
 * in a temporary directory: each outcome (not found, form errors, changed content, missing
 * signature, done, done again with the first receipt, a correction of a returned application
 * as its next version, or refused once the application is no longer returned), that nothing
 * is written unless it is done, and that a submission writes the application with its
 * signature and one receipt mail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/application.h"
#include "core/submit.h"
#include "store/store.h"
#include "util/token.h"

#define NOW 1775000000LL /* 2026-04-01 in Japan */
#include "proc_fixture.h"
#include "store_fixture.h"

static const char JPEG[] = "\xff\xd8\xff\xe0 a tiny photo";
static const submit_site SITE = {"みどり市", "オンライン手続", "https://portal.example.jp"};

/* One person's draft of the fixture procedure with a photo; its content's digest. */
struct draft {
	procedure *p;
	long long account_id;
	char owner[STORE_OWNER_MAX + 1];
	char key[STORE_DRAFT_KEY_MAX + 1];
	char digest[65];
};

static void make_draft(store *s, struct draft *d, int signature, const char *raw)
{
	char hash[65];
	memset(d, 0, sizeof(*d));
	d->p = proc_fixture(signature);
	d->account_id = new_account(s, "taro@example.jp");
	snprintf(d->owner, sizeof(d->owner), "a:%lld", d->account_id);
	snprintf(d->key, sizeof(d->key), "draftkey1");
	assert_int_equal(store_draft_create(s, d->key, d->owner, d->p->id, d->p->version, raw, NOW),
	                 STORE_OK);
	token_sha256_hex(JPEG, sizeof(JPEG) - 1, hash);
	assert_int_equal(store_attachment_add(s, d->key, "photo", "写真.jpg", "image/jpeg", JPEG,
	                                      sizeof(JPEG) - 1, hash, NOW, NULL),
	                 STORE_OK);
	/* the digest the confirmation page would show */
	store_attachment att[4];
	size_t n = 0;
	assert_int_equal(store_attachment_list(s, d->key, att, 4, &n), STORE_OK);
	json_t *r = app_raw_load(raw), *atts = submit_attachments_json(att, n),
	       *errs = json_array();
	app_content c;
	if (app_content_build(d->p, r, atts, NULL, NULL, errs, &c) == APP_CONTENT_OK)
		snprintf(d->digest, sizeof(d->digest), "%s", c.digest);
	else
		hash_of(1, d->digest);
	app_content_release(&c);
	json_decref(r);
	json_decref(atts);
	json_decref(errs);
}

static submit_request request_of(const struct draft *d)
{
	submit_request rq = {.p = d->p,
	                     .owner = d->owner,
	                     .account_id = d->account_id,
	                     .key = d->key,
	                     .digest = d->digest,
	                     .anon_draft_hours = 48,
	                     .site = &SITE,
	                     .now = NOW + 60};
	return rq;
}

/* The draft is still open and there is no mail: nothing was written. */
static void assert_nothing_written(store *s, const struct draft *d)
{
	store_draft got;
	store_mail m[2];
	size_t n = 9;
	assert_int_equal(store_draft_get(s, d->key, &got), STORE_OK);
	assert_string_equal(got.receipt, "");
	store_draft_release(&got);
	assert_int_equal(store_outbox_recent(s, m, 2, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static const char GOOD[] = "{\"count\":\"12\",\"name\":\"山田　太郎\"}";

static void test_done(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 0, GOOD);
	submit_request rq = request_of(&d);
	rq.timestamp = 1; /* nothing to stamp without a signature */
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_DONE);
	assert_true(app_receipt_valid(res.receipt));
	assert_int_equal(res.mailed, 1);
	assert_int_equal(res.stamp_queued, 0);
	json_decref(res.errs);
	store_application ap;
	assert_int_equal(store_application_get(f->s, res.receipt, &ap), STORE_OK);
	assert_string_equal(ap.digest, d.digest);
	assert_string_equal(ap.proc_id, "t-proc");
	assert_int_equal(ap.account_id, d.account_id);
	assert_non_null(strstr(ap.content, "\"total\":\"1000\""));
	assert_non_null(strstr(ap.display, "交付金の額"));
	assert_null(ap.signature);
	store_application_release(&ap);
	store_mail m[2];
	size_t n = 0;
	assert_int_equal(store_outbox_recent(f->s, m, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].to, "taro@example.jp");
	assert_non_null(strstr(m[0].body, res.receipt));
	store_mail_release(&m[0]);
	/* again (a second tab): the first submission stands, no second mail */
	char first[STORE_RECEIPT_MAX + 1];
	snprintf(first, sizeof(first), "%s", res.receipt);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_DONE);
	assert_string_equal(res.receipt, first);
	assert_int_equal(res.mailed, 0);
	json_decref(res.errs);
	assert_int_equal(store_outbox_recent(f->s, m, 2, &n), STORE_OK);
	assert_int_equal(n, 1);
	store_mail_release(&m[0]);
	proc_free(d.p);
}

/* A correction draft of a returned application: submitted as its version 2 under the same
 * receipt, with the receipt mail; once the application is no longer returned, SUBMIT_CLOSED
 * and nothing written. */
static void test_resubmission(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	char first[STORE_RECEIPT_MAX + 1];
	make_draft(f->s, &d, 0, GOOD);
	submit_request rq = request_of(&d);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_DONE);
	json_decref(res.errs);
	snprintf(first, sizeof(first), "%s", res.receipt);
	assert_int_equal(store_application_set_status(f->s, first, NULL, "returned", "直して", NOW),
	                 STORE_OK);
	assert_int_equal(store_draft_resubmit_create(f->s, "draftkey2", d.owner, first, 1, NOW),
	                 STORE_OK);
	snprintf(d.key, sizeof(d.key), "draftkey2");
	rq = request_of(&d);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_DONE);
	assert_string_equal(res.receipt, first);
	assert_int_equal(res.mailed, 1);
	json_decref(res.errs);
	store_app_version v[4];
	size_t n = 0;
	assert_int_equal(store_application_versions(f->s, first, v, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		store_app_version_release(&v[i]);
	/* returned again, a correction opened, then withdrawn: the correction is refused */
	assert_int_equal(store_application_set_status(f->s, first, NULL, "returned", NULL, NOW),
	                 STORE_OK);
	assert_int_equal(store_draft_resubmit_create(f->s, "draftkey3", d.owner, first, 1, NOW),
	                 STORE_OK);
	assert_int_equal(store_application_set_status(f->s, first, NULL, "withdrawn", NULL, NOW),
	                 STORE_OK);
	snprintf(d.key, sizeof(d.key), "draftkey3");
	rq = request_of(&d);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_CLOSED);
	assert_int_equal(res.mailed, 0);
	json_decref(res.errs);
	store_draft got;
	assert_int_equal(store_draft_get(f->s, "draftkey3", &got), STORE_OK);
	assert_string_equal(got.receipt, "");
	store_draft_release(&got);
	assert_int_equal(store_application_versions(f->s, first, v, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		store_app_version_release(&v[i]);
	proc_free(d.p);
}

static void test_not_found(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 0, GOOD);
	submit_request rq = request_of(&d);
	rq.owner = "a:999"; /* someone else's draft */
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_NOTFOUND);
	json_decref(res.errs);
	rq = request_of(&d);
	rq.key = "nosuchdraft";
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_NOTFOUND);
	json_decref(res.errs);
	assert_nothing_written(f->s, &d);
	proc_free(d.p);
}

/* A draft of a person without login, untouched longer than anon_draft_hours, is gone. */
static void test_anon_expired(void **state)
{
	struct fixture *f = *state;
	procedure *p = proc_fixture(0);
	submit_result res;
	assert_int_equal(store_draft_create(f->s, "anonkey", "s:abc", p->id, p->version, GOOD, NOW),
	                 STORE_OK);
	submit_request rq = {.p = p,
	                     .owner = "s:abc",
	                     .key = "anonkey",
	                     .digest =
	                         "0000000000000000000000000000000000000000000000000000000000000000",
	                     .anon_draft_hours = 1,
	                     .site = &SITE,
	                     .now = NOW + 3601};
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_NOTFOUND);
	json_decref(res.errs);
	rq.now = NOW + 3600; /* not yet: found, and back to the form (it has no photo) */
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_FORM);
	json_decref(res.errs);
	proc_free(p);
}

static void test_form_errors(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 0, "{\"count\":\"12\"}");
	submit_request rq = request_of(&d);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_FORM);
	assert_int_equal(json_array_size(res.errs), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(res.errs, 0), "field")), "name");
	json_decref(res.errs);
	assert_nothing_written(f->s, &d);
	proc_free(d.p);
}

static void test_changed(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 0, GOOD);
	submit_request rq = request_of(&d);
	char other[65];
	hash_of(2, other);
	rq.digest = other;
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_CHANGED);
	json_decref(res.errs);
	assert_nothing_written(f->s, &d);
	proc_free(d.p);
}

/* With the signature required: unsigned until a signature of exactly this content arrived,
 * then done with that signature and its report in the application. */
static void test_signature(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 1, GOOD);
	submit_request rq = request_of(&d);
	rq.timestamp = 1; /* tsa_url set */
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_UNSIGNED);
	json_decref(res.errs);
	assert_nothing_written(f->s, &d);
	assert_int_equal(res.stamp_queued, 0);
	store_sign_request sr;
	memset(&sr, 0, sizeof(sr));
	hash_of(77, sr.id_hash);
	snprintf(sr.draft_key, sizeof(sr.draft_key), "%s", d.key);
	snprintf(sr.digest, sizeof(sr.digest), "%s", d.digest);
	snprintf(sr.proc_title, sizeof(sr.proc_title), "テスト手続");
	sr.content = "{}";
	sr.display = "[]";
	sr.created_at = NOW;
	sr.expires_at = NOW + 600;
	assert_int_equal(store_sign_request_create(f->s, &sr), STORE_OK);
	assert_int_equal(store_sign_request_finish(f->s, sr.id_hash, "signed", "DER", 3,
	                                           "{\"result\":\"ok\"}", "OCSP", 4, NOW + 30),
	                 STORE_OK);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_DONE);
	json_decref(res.errs);
	store_application ap;
	assert_int_equal(store_application_get(f->s, res.receipt, &ap), STORE_OK);
	assert_int_equal(ap.signature_len, 3);
	assert_memory_equal(ap.signature, "DER", 3);
	/* the OCSP response of the arrival goes with the signature to the application */
	assert_int_equal(ap.ocsp_response_len, 4);
	assert_memory_equal(ap.ocsp_response, "OCSP", 4);
	assert_string_equal(ap.verification, "{\"result\":\"ok\"}");
	/* and its time-stamp is queued in the same transaction, due at once */
	assert_int_equal(res.stamp_queued, 1);
	store_timestamp ts;
	assert_int_equal(store_timestamp_get(f->s, res.receipt, ap.digest, &ts), STORE_OK);
	assert_int_equal(ts.next_at, NOW + 60);
	assert_int_equal(ts.stamped_at, 0);
	store_timestamp_release(&ts);
	store_application_release(&ap);
	proc_free(d.p);
}

/* A store that fails (here: a transaction already open, so BEGIN fails) is SUBMIT_FAIL. */
static void test_store_failure(void **state)
{
	struct fixture *f = *state;
	struct draft d;
	submit_result res;
	make_draft(f->s, &d, 0, GOOD);
	submit_request rq = request_of(&d);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(submit_application(f->s, &rq, &res), SUBMIT_FAIL);
	assert_int_equal(res.mailed, 0);
	json_decref(res.errs);
	assert_int_equal(store_rollback(f->s), STORE_OK);
	assert_nothing_written(f->s, &d);
	proc_free(d.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_done, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resubmission, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_anon_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_form_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
