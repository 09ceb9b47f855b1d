/* Unit tests of the audit log's rules (core/audit.h): the bounds of a row, the canonical
 * row and its hash against pinned vectors (computed outside this code, with printf and
 * sha256sum, as docs/audit.md shows), and the verification walk finding each kind of broken
 * link at the right row. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"

#define DETAIL1 "閲覧 申請の詳細"
/* The canonical row of row1() and the chain of row1() then row2(), from
 * printf '%s%s' "$PREV" "$CANON" | sha256sum. */
#define CANON1                                                                                     \
	"madoguchi-audit-1\n1:1,10:1767225600,8:staff:42,16:view_application,11:2026-000001,"      \
	"22:" DETAIL1 ",9:192.0.2.1,"
#define HASH1 "d4436d447f370c6f2cd3c5ec0ef1838f60950d8f2c4044b9d7b33202d6013dbd"
#define CANON2 "madoguchi-audit-1\n1:2,10:1767225601,6:system,6:export,0:,0:,0:,"
#define HASH2 "0aa5fe0abfd8ffb6442e200b4004a7ea3e73fb3b15be1297fbe15a36f6742d69"

static audit_row row1(void)
{
	audit_row r;
	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.at = 1767225600; /* 2026-01-01T00:00:00Z */
	snprintf(r.actor, sizeof(r.actor), "staff:42");
	snprintf(r.action, sizeof(r.action), AUDIT_VIEW_APPLICATION);
	snprintf(r.receipt, sizeof(r.receipt), "2026-000001");
	snprintf(r.detail, sizeof(r.detail), DETAIL1);
	snprintf(r.peer, sizeof(r.peer), "192.0.2.1");
	return r;
}

static audit_row row2(void)
{
	audit_row r;
	memset(&r, 0, sizeof(r));
	r.id = 2;
	r.at = 1767225601;
	snprintf(r.actor, sizeof(r.actor), "system");
	snprintf(r.action, sizeof(r.action), AUDIT_EXPORT);
	return r;
}

static void test_canonical_pinned(void **state)
{
	char out[AUDIT_CANON_MAX];
	audit_row r = row1();
	size_t n = audit_canonical(&r, out, sizeof(out));

	assert_int_equal(n, sizeof(CANON1) - 1);
	assert_memory_equal(out, CANON1, n);
	r = row2();
	n = audit_canonical(&r, out, sizeof(out));
	assert_int_equal(n, sizeof(CANON2) - 1);
	assert_memory_equal(out, CANON2, n);
	/* A buffer one byte short is refused, not overrun. */
	assert_int_equal(audit_canonical(&r, out, sizeof(CANON2) - 2), 0);
}

static void test_hash_pinned(void **state)
{
	audit_row a = row1(), b = row2();
	char h[AUDIT_HASH_LEN + 1];

	assert_int_equal(audit_row_hash(AUDIT_GENESIS, &a, h), 0);
	assert_string_equal(h, HASH1);
	assert_int_equal(audit_seal(&a, AUDIT_GENESIS), 0);
	assert_string_equal(a.prev_hash, AUDIT_GENESIS);
	assert_string_equal(a.hash, HASH1);
	assert_int_equal(audit_seal(&b, a.hash), 0);
	assert_string_equal(b.prev_hash, HASH1);
	assert_string_equal(b.hash, HASH2);
	/* A prev_hash that is not 64 lower-case hex digits is refused. */
	assert_int_equal(audit_row_hash("00", &a, h), -1);
	assert_int_equal(
	    audit_row_hash("D4436D447F370C6F2CD3C5EC0EF1838F60950D8F2C4044B9D7B33202D6013DBD", &b,
	                   h),
	    -1);
}

/* Each field takes part in the hash: changing any one of them changes it. */
static void test_every_field_hashed(void **state)
{
	char h[AUDIT_HASH_LEN + 1];
	audit_row r;
	int i;

	for (i = 0; i < 7; i++) {
		r = row1();
		switch (i) {
		case 0:
			r.id = 2;
			break;
		case 1:
			r.at++;
			break;
		case 2:
			r.actor[6] = '3';
			break;
		case 3:
			snprintf(r.action, sizeof(r.action), AUDIT_VIEW_ATTACHMENT);
			break;
		case 4:
			r.receipt[0] = '\0';
			break;
		case 5:
			snprintf(r.detail, sizeof(r.detail), "閲覧");
			break;
		case 6:
			r.peer[0] = '8';
			break;
		}
		assert_int_equal(audit_row_hash(AUDIT_GENESIS, &r, h), 0);
		assert_string_not_equal(h, HASH1);
	}
	r = row1();
	assert_int_equal(audit_row_hash(HASH2, &r, h), 0);
	assert_string_not_equal(h, HASH1);
}

/* Moving bytes from one field to the next gives another canonical row (the lengths are in
 * it), so two different rows never hash alike by their concatenation. */
static void test_field_boundaries(void **state)
{
	char a[AUDIT_CANON_MAX], b[AUDIT_CANON_MAX];
	audit_row x = row2(), y = row2();
	size_t na, nb;

	snprintf(x.detail, sizeof(x.detail), "ab");
	snprintf(y.detail, sizeof(y.detail), "a");
	snprintf(y.peer, sizeof(y.peer), "b");
	snprintf(x.peer, sizeof(x.peer), "%s", "");
	na = audit_canonical(&x, a, sizeof(a));
	nb = audit_canonical(&y, b, sizeof(b));
	assert_true(na > 0 && nb > 0);
	assert_false(na == nb && memcmp(a, b, na) == 0);
}

static void test_bounds(void **state)
{
	audit_row r = row1();

	assert_true(audit_fields_ok(&r));
	assert_true(audit_append_ok(&r));
	r.id = 0; /* the store gives the id */
	assert_false(audit_fields_ok(&r));
	assert_true(audit_append_ok(&r));

	static const char *const actors_ok[] = {"system", "anonymous", "staff:1",
	                                        "staff:123456789012345678"};
	static const char *const actors_bad[] = {
	    "",         "staff:",   "staff:0",
	    "staff:01", "staff:-1", "staff:1x",
	    "root",     "System",   "staff:1234567890123456789"};
	for (size_t i = 0; i < sizeof(actors_ok) / sizeof(actors_ok[0]); i++)
		assert_true(audit_actor_valid(actors_ok[i]));
	for (size_t i = 0; i < sizeof(actors_bad) / sizeof(actors_bad[0]); i++)
		assert_false(audit_actor_valid(actors_bad[i]));
	char actor[AUDIT_ACTOR_MAX + 1];
	audit_actor_staff(42, actor, sizeof(actor));
	assert_string_equal(actor, "staff:42");

	assert_true(audit_action_known(AUDIT_STAFF_LOGIN_FAILED));
	assert_true(audit_action_known(AUDIT_REVERIFY));
	assert_false(audit_action_known("delete_everything"));
	assert_false(audit_action_known(NULL));

	/* A row written by a later version with an action unknown here still verifies. */
	r = row1();
	snprintf(r.action, sizeof(r.action), "future_action");
	assert_true(audit_fields_ok(&r));
	assert_false(audit_append_ok(&r));

	r = row1();
	r.at = 0;
	assert_false(audit_append_ok(&r));
	r = row1();
	snprintf(r.receipt, sizeof(r.receipt), "2026-1");
	assert_false(audit_append_ok(&r));
	r = row1();
	snprintf(r.detail, sizeof(r.detail), "a\rb"); /* controls but tab and newline */
	assert_false(audit_append_ok(&r));
	snprintf(r.detail, sizeof(r.detail), "承認\xe2\x80\xae済"); /* U+202E, right-to-left */
	assert_false(audit_append_ok(&r));
	assert_false(audit_fields_ok(&r));
	snprintf(r.detail, sizeof(r.detail), "a\tb\nc");
	assert_true(audit_append_ok(&r));
	snprintf(r.detail, sizeof(r.detail), "\xe9\x96"); /* cut UTF-8 */
	assert_false(audit_append_ok(&r));
	memset(r.detail, 'x', AUDIT_DETAIL_MAX);
	r.detail[AUDIT_DETAIL_MAX] = '\0';
	assert_true(audit_append_ok(&r));
	r = row1();
	snprintf(r.peer, sizeof(r.peer), "1.2.3.4 x");
	assert_false(audit_append_ok(&r));
	r = row1();
	r.damaged = 1;
	assert_false(audit_fields_ok(&r));
	char h[AUDIT_HASH_LEN + 1];
	assert_int_equal(audit_row_hash(AUDIT_GENESIS, &r, h), -1);
}

/* A chain of n rows, each sealed after the one before. */
static void make_chain(audit_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		rows[i] = i % 2 ? row2() : row1();
		rows[i].id = i + 1;
		rows[i].at += i;
		snprintf(rows[i].detail, sizeof(rows[i].detail), "row %d", i + 1);
		assert_int_equal(audit_seal(&rows[i], i ? rows[i - 1].hash : AUDIT_GENESIS), 0);
	}
}

/* Walks rows[0..n) (skipping the index skip, -1 for none); the verifier as it ended. */
static audit_verifier walk(const audit_row *rows, int n, int skip)
{
	audit_verifier v;
	audit_verify_init(&v);
	for (int i = 0; i < n; i++)
		if (i != skip)
			audit_verify_row(&v, &rows[i]);
	return v;
}

static void test_walk_intact(void **state)
{
	audit_row rows[6];
	char msg[256];
	audit_verifier v = walk(NULL, 0, -1);

	assert_int_equal(v.count, 0);
	assert_string_equal(v.head, AUDIT_GENESIS);
	make_chain(rows, 6);
	v = walk(rows, 6, -1);
	assert_int_equal(v.err, AUDIT_OK);
	assert_int_equal(v.count, 6);
	assert_int_equal(v.last_id, 6);
	assert_string_equal(v.head, rows[5].hash);
	audit_verify_message(&v, msg, sizeof(msg));
	assert_string_equal(msg, "intact");
}

static void test_walk_edit(void **state)
{
	audit_row rows[6];
	char msg[256];
	audit_verifier v;

	make_chain(rows, 6);
	rows[3].detail[0] = 'R'; /* row 4 edited */
	v = walk(rows, 6, -1);
	assert_int_equal(v.err, AUDIT_EHASH);
	assert_int_equal(v.bad_id, 4);
	assert_int_equal(v.count, 3);
	audit_verify_message(&v, msg, sizeof(msg));
	assert_non_null(strstr(msg, "row 4: hash mismatch"));

	/* Edited and re-hashed: the next row's link breaks. */
	assert_int_equal(audit_seal(&rows[3], rows[2].hash), 0);
	v = walk(rows, 6, -1);
	assert_int_equal(v.err, AUDIT_EPREV);
	assert_int_equal(v.bad_id, 5);
	audit_verify_message(&v, msg, sizeof(msg));
	assert_non_null(strstr(msg, "row 5: prev_hash is not the previous row's hash"));
}

static void test_walk_delete(void **state)
{
	audit_row rows[6];
	char msg[256];
	audit_verifier v;

	make_chain(rows, 6);
	v = walk(rows, 6, 2); /* row 3 deleted */
	assert_int_equal(v.err, AUDIT_EGAP);
	assert_int_equal(v.bad_id, 4);
	audit_verify_message(&v, msg, sizeof(msg));
	assert_string_equal(msg, "row 4: id gap: it follows row 2, rows 3 to 3 are missing");
	v = walk(rows, 6, 0); /* the first row deleted */
	assert_int_equal(v.err, AUDIT_EGAP);
	assert_int_equal(v.bad_id, 2);
	/* The last row deleted: the chain alone cannot tell; the head hash differs. */
	v = walk(rows, 5, -1);
	assert_int_equal(v.err, AUDIT_OK);
	assert_string_not_equal(v.head, rows[5].hash);

	/* Renumbered after the deletion, to hide the gap: the hash covers the id. */
	make_chain(rows, 6);
	rows[3].id = 3;
	audit_verify_init(&v);
	assert_int_equal(audit_verify_row(&v, &rows[0]), AUDIT_OK);
	assert_int_equal(audit_verify_row(&v, &rows[1]), AUDIT_OK);
	assert_int_equal(audit_verify_row(&v, &rows[3]), AUDIT_EPREV);
	assert_int_equal(v.bad_id, 3);
}

static void test_walk_swap_and_order(void **state)
{
	audit_row rows[6], t;
	audit_verifier v;
	long long id;

	/* Two rows' contents exchanged, each keeping its id. */
	make_chain(rows, 6);
	t = rows[1];
	rows[1] = rows[4];
	rows[4] = t;
	id = rows[1].id;
	rows[1].id = rows[4].id;
	rows[4].id = id;
	v = walk(rows, 6, -1);
	assert_int_equal(v.bad_id, 2);
	assert_int_equal(v.err, AUDIT_EPREV);

	/* The details alone exchanged. */
	make_chain(rows, 6);
	memcpy(t.detail, rows[1].detail, sizeof(t.detail));
	memcpy(rows[1].detail, rows[4].detail, sizeof(t.detail));
	memcpy(rows[4].detail, t.detail, sizeof(t.detail));
	v = walk(rows, 6, -1);
	assert_int_equal(v.err, AUDIT_EHASH);
	assert_int_equal(v.bad_id, 2);

	/* Rows fed out of id order. */
	make_chain(rows, 6);
	t = rows[2];
	rows[2] = rows[1];
	rows[1] = t;
	v = walk(rows, 6, -1);
	assert_int_equal(v.err, AUDIT_EGAP);
	assert_int_equal(v.bad_id, 3);
	audit_verify_init(&v);
	make_chain(rows, 6);
	assert_int_equal(audit_verify_row(&v, &rows[0]), AUDIT_OK);
	assert_int_equal(audit_verify_row(&v, &rows[1]), AUDIT_OK);
	assert_int_equal(audit_verify_row(&v, &rows[0]), AUDIT_EORDER);
	assert_int_equal(v.bad_id, 1);
	/* Once failed, the walk stays failed. */
	assert_int_equal(audit_verify_row(&v, &rows[2]), AUDIT_EORDER);
	assert_int_equal(v.count, 2);

	/* A first row whose prev_hash is not the genesis. */
	make_chain(rows, 2);
	assert_int_equal(audit_seal(&rows[0], HASH2), 0);
	v = walk(rows, 2, -1);
	assert_int_equal(v.err, AUDIT_EPREV);
	assert_int_equal(v.bad_id, 1);
	/* A row damaged when read. */
	make_chain(rows, 3);
	rows[1].damaged = 1;
	v = walk(rows, 3, -1);
	assert_int_equal(v.err, AUDIT_EFIELD);
	assert_int_equal(v.bad_id, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_pinned),
	    cmocka_unit_test(test_hash_pinned),
	    cmocka_unit_test(test_every_field_hashed),
	    cmocka_unit_test(test_field_boundaries),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_walk_intact),
	    cmocka_unit_test(test_walk_edit),
	    cmocka_unit_test(test_walk_delete),
	    cmocka_unit_test(test_walk_swap_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
