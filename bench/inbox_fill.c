/* inbox_fill: fills a database with many applications for the staff inbox benchmark
 * (bench/inbox.sh), through the portal's own submission code: per application a draft
 * (store_draft_create) and submit_record of src/core/submit.c (receipt number, the
 * application, its first event), a thousand to a transaction. The arrivals are spread back
 * in time (one every SPACING seconds, newest last) over the three procedures, and a share of
 * them is moved on by the staff's transitions (受付, 審査中, 処理完了), as a city's inbox looks
 * after some weeks. Each gets the folded search key of one of ten applicants' names (as the
 * submission makes it, compare_search_key) and, one in seven, the differs flag. The content is a
 * small fixed object (the inbox reads no content).
 *
 * It also makes the staff member who reads the inbox: BENCH_STAFF_EMAIL, enrolled with the
 * password and TOTP secret below, a reviewer (審査) of the three procedures.
 *
 * Usage: inbox_fill DB COUNT [SPACING]   (DB: a SQLite file, created and migrated) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/compare.h"
#include "core/submit.h"
#include "store/store.h"
#include "util/num.h"
#include "util/token.h"

#define BATCH 1000
#define BENCH_STAFF_EMAIL "bench@city.example.jp"
#define BENCH_STAFF_PASSWORD "bench-staff-2026"
#define BENCH_STAFF_SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static const char *const procs[][2] = {
    {"kaigo-volunteer-point", "介護支援ボランティアポイント交付申請"},
    {"road-park-report", "道路・公園の不具合の通報"},
    {"sodaigomi-collection", "粗大ごみ収集の申込"},
};

static const char *const names[][2] = {
    {"見取 花子", "ミドリ ハナコ"},     {"山田 太郎", "ヤマダ タロウ"},
    {"佐藤 一郎", "サトウ イチロウ"},   {"鈴木 次郎", "スズキ ジロウ"},
    {"高橋 三郎", "タカハシ サブロウ"}, {"田中 良子", "タナカ ヨシコ"},
    {"伊藤 花", "イトウ ハナ"},         {"渡辺 健", "ワタナベ ケン"},
    {"中村 学", "ナカムラ マナブ"},     {"小林 愛", "コバヤシ アイ"},
};

/* The search key and differs flag of application i, as the submission records them. */
static int review_keys(store *s, const char *receipt, long i)
{
	char *key = compare_search_key(names[i % 10][0], names[i % 10][1]);
	int rc = key ? store_application_review_keys(s, receipt, key, i % 7 == 0) : STORE_ENOMEM;
	free(key);
	return rc == STORE_OK ? 0 : -1;
}

/* The status application i ends in: most stay 送信済, some are taken on by the staff. */
static const char *final_status(long i)
{
	static const char *const moves[] = {NULL, NULL, NULL, "accepted", "reviewing", "done"};
	return moves[(i / 3) % 6]; /* not tied to the procedure (i % 3) */
}

static int move_on(store *s, const char *receipt, const char *to, long long now)
{
	static const char *const from[] = {"sent", "accepted", "reviewing", NULL};
	if (strcmp(to, "done") == 0 &&
	    store_application_set_status(s, receipt, from, "reviewing", NULL, now) != STORE_OK)
		return -1;
	return store_application_set_status(s, receipt, from, to, NULL, now) == STORE_OK ? 0 : -1;
}

static int one(store *s, long i, long long at)
{
	static const submit_site site = {"みどり市", "オンライン手続", "http://127.0.0.1"};
	const char *const *p = procs[i % 3];
	char key[TOKEN_LEN + 1], owner[2 + 64 + 1], receipt[STORE_RECEIPT_MAX + 1];
	char content[256], digest[65];
	store_application ap;
	int mailed = 0;

	if (token_new(key) != 0)
		return -1;
	memcpy(owner, "s:", 2); /* an owner without login: "s:" and a session's SHA-256 hex */
	token_sha256_hex(key, strlen(key), owner + 2);
	snprintf(content, sizeof(content), "{\"answers\":{\"n\":%ld},\"procedure\":\"%s\"}", i,
	         p[0]);
	token_sha256_hex(content, strlen(content), digest);
	if (store_draft_create(s, key, owner, p[0], 1, "{}", at) != STORE_OK)
		return -1;
	memset(&ap, 0, sizeof(ap));
	snprintf(ap.draft_key, sizeof(ap.draft_key), "%s", key);
	snprintf(ap.proc_id, sizeof(ap.proc_id), "%s", p[0]);
	ap.proc_version = 1;
	snprintf(ap.proc_title, sizeof(ap.proc_title), "%s", p[1]);
	snprintf(ap.digest, sizeof(ap.digest), "%s", digest);
	ap.content = content;
	ap.display = "[{\"label\":\"番号\",\"value\":\"1\"}]";
	if (submit_record(s, &site, &ap, at, receipt, &mailed) != STORE_OK ||
	    review_keys(s, receipt, i) != 0)
		return -1;
	return final_status(i) ? move_on(s, receipt, final_status(i), at + 60) : 0;
}

static int bench_staff(store *s)
{
	static const pw_params pp = {1, 4096, 1}; /* one login: cheap is enough */
	char hash[STORE_HASH_MAX + 1];
	long long id = 0, now = (long long)time(NULL);
	if (password_hash(&pp, BENCH_STAFF_PASSWORD, strlen(BENCH_STAFF_PASSWORD), hash,
	                  sizeof(hash)) < 0 ||
	    store_staff_create(s, BENCH_STAFF_EMAIL, "ベンチ 審査", 0, now, &id) != STORE_OK ||
	    store_staff_set_credentials(s, id, hash, BENCH_STAFF_SECRET) != STORE_OK ||
	    store_staff_set_enrolled(s, id, now) != STORE_OK)
		return -1;
	for (size_t i = 0; i < 3; i++)
		if (store_staff_role_set(s, id, procs[i][0], "reviewer") != STORE_OK)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long count = 0, spacing = 30;
	char err[256], url[4096];
	store *s = NULL;
	if (argc < 3 || num_parse_long(argv[2], 1, 10000000, &count) != 0 ||
	    (argc > 3 && num_parse_long(argv[3], 1, 86400, &spacing) != 0)) {
		fprintf(stderr, "usage: inbox_fill DB COUNT [SPACING]\n");
		return 2;
	}
	snprintf(url, sizeof(url), "sqlite:%s", argv[1]);
	if (store_open(url, &s, err, sizeof(err)) != 0 ||
	    store_migrate(s, NULL, err, sizeof(err))) {
		fprintf(stderr, "inbox_fill: %s\n", err);
		return 1;
	}
	if (bench_staff(s) != 0)
		goto fail;
	long long start = (long long)time(NULL) - (long long)count * spacing;
	for (long i = 0; i < count; i++) {
		if (i % BATCH == 0 && store_begin(s) != STORE_OK)
			goto fail;
		if (one(s, i, start + (long long)i * spacing) != 0)
			goto fail;
		if ((i % BATCH == BATCH - 1 || i == count - 1) && store_commit(s) != STORE_OK)
			goto fail;
	}
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "inbox_fill: %s\n", store_errmsg(s));
	(void)store_rollback(s);
	store_close(s);
	return 1;
}
