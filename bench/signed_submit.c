/* signed_submit: how many signed submissions per second the portal's server side can take.
 *
 * One signed submission here is what the server does for it, without HTTP:
 *   1. verify_signature(): the detached CMS over the exact content bytes, the certificate path
 *      to the trust anchors, validity, key usage, and revocation (none configured, or a CRL
 *      file: each measurement says which), then the JSON verification report
 *      (verify_report_json_dump), as src/pages/sign.c does;
 *   2. one durable transaction: store_begin, in the commit rows a new draft
 *      (store_draft_create with a fresh random key, so that each iteration has a draft of its
 *      own to submit; the submit rows submit drafts made ahead, see below), then
 *      submit_record of src/core/submit.c, the very code of the portal's submission
 *      (submit_application calls it): store_application_submit with the content, the display
 *      lines, the DER signature and the verification report (receipt number, event, draft
 *      marked submitted), store_account_by_id and store_outbox_add of the receipt mail; then
 *      store_commit (SQLite WAL, synchronous=FULL: the commit returns once the WAL is
 *      fsync'ed). The checks of submit_application before it (draft, attachments, answers,
 *      canonical content) are not run: the content is a fixed file signed beforehand, its
 *      attachments' bytes are not in the database, and its digest is the one of the file.
 * It measures verifications/s alone, commits/s alone (with a report made once) and signed
 * submissions/s, with 1 thread and with N threads (default: the number of cores). The verify
 * and commit rows run in each thread alone: each thread has its own store connection and its
 * own account, and a commit row's thread commits one transaction per submission, as a worker
 * of the portal's pool with its own connection would without the writer. The submit rows are
 * the portal's path with the writer (core/writer.c, the same code as http/defer.c's
 * req_defer_write): the N threads verify (as the portal's pool threads do) and hand each
 * verified submission's transaction (2. above, run on the writer's connection as one piece of
 * its group) to the one writer thread, which commits what is queued (up to WRITER_BATCH) with
 * one durable commit and only then answers each. A submission counts when it is answered. To
 * let the writer batch as the portal's does when many people submit at once, the threads
 * model SLOTS concurrent submitters (--slots, default 64, shared out among the threads): a
 * thread verifies the next submission while up to its share of earlier ones wait for their
 * commit, and waits when all of its share are in flight (as a client waits for its answer
 * before submitting again). Each submission of a submit row is a person of its own: an
 * account and its draft, made ahead of the row and not timed (DRAFTS_AHEAD_PER_S per second
 * of the row, in transactions of DRAFT_BATCH; should a row use them all, more are made in
 * the row, timed, and the row says how many), since the portal's submission does not make
 * the draft either. The row ends with the writer's group count and mean group size.
 * The verify_trust is shared, as in the portal.
 *
 * Usage: signed_submit [-s SECONDS | -n COUNT] [-t THREADS] [--slots SLOTS] [--crl FILE]
 *                      [--display FILE] [--title TITLE] [--only verify|commit|submit]
 *                      ANCHORS_DIR SIGNATURE.p7s
 * CONTENT.json DB CONTENT.json is the canonical content (an object with "procedure", "version" and
 * "answers"); DB is a SQLite file (created and migrated; use a fresh one). bench/signed.sh makes
 * all of it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/submit.h"
#include "core/writer.h"
#include "util/file.h"
#include "util/token.h"
#include "sig/verify.h"
#include "store/store.h"

#define MAX_THREADS 256
#define MAX_SLOTS 1024
#define DRAFT_BATCH 256
#define DRAFTS_AHEAD_PER_S 12000 /* submit rows: drafts made ahead per second of the row */
#define BENCH_PW_HASH                                                                              \
	"$argon2id$v=19$m=65536,t=3,p=1$YmVuY2hzYWx0$YmVuY2hoYXNoYmVuY2hoYXNoYmVuY2hoYXNoYmVuY2g"

/* The writer's groups of the current submit row (on_group). */
static atomic_ulong groups_n, groups_jobs;

static void count_group(size_t jobs, size_t lost)
{
	atomic_fetch_add(&groups_n, 1);
	atomic_fetch_add(&groups_jobs, jobs);
}
#define FILE_MAX ((size_t)1 << 20)

enum what { W_VERIFY, W_COMMIT, W_BOTH };
static const char *const WHAT_NAMES[] = {"verify", "commit", "submit"};

struct shared {
	const uint8_t *sig;
	size_t sig_len;
	const char *content; /* NUL-terminated */
	size_t content_len;
	const char *display;
	const char *raw; /* the draft's form input */
	const char *title;
	char proc_id[STORE_PROC_ID_MAX + 1];
	int proc_version;
	char digest[65];
	const char *report; /* made once, for the commit-only runs */
};

struct phase {
	enum what what;
	verify_trust *trust;
	enum verify_revocation want_rev;
	double deadline; /* 0: count mode */
	pthread_barrier_t start;
	atomic_int failed;
};

struct slot;

/* A draft to submit and its account's. */
struct draft {
	char key[TOKEN_LEN + 1];
	char owner[STORE_OWNER_MAX + 1];
	long long account_id;
};

struct worker {
	const struct shared *sh;
	struct phase *ph;
	store *s;
	writer *wr;         /* the one writer of the submit rows */
	struct slot *slots; /* nslots submissions in flight at most (SLOTS / threads) */
	int nslots, inflight;
	long answered;
	struct draft *drafts; /* made ahead: ndrafts, next_draft the next one; cap of room */
	long ndrafts, next_draft, cap, made_during;
	int idx;
	long made;
	char run[TOKEN_LEN + 1]; /* the run's part of the accounts' e-mail addresses */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long long account_id;
	char owner[STORE_OWNER_MAX + 1];
	long quota; /* count mode */
	long ops;
	pthread_t th;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole file (at most max bytes, not empty) into a NUL-terminated malloc'd buffer, or NULL
 * (said on stderr). */
static char *slurp(const char *path, size_t max, size_t *len)
{
	char *buf = NULL;
	if (file_read_all(path, max, &buf, len, NULL) != 0) {
		fprintf(stderr, "signed_submit: %s: %s\n", path,
		        errno == EFBIG ? "over the size limit" : strerror(errno));
		return NULL;
	}
	if (*len == 0) {
		fprintf(stderr, "signed_submit: %s: empty\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The mount that holds path: its directory, type and source (the longest matching mount). */
static void fs_of(const char *path, char *mnt, size_t mntlen, char *type, size_t typelen, char *src,
                  size_t srclen)
{
	char real[PATH_MAX], dir[PATH_MAX];
	size_t best = 0;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else if (!slash)
		snprintf(dir, sizeof(dir), ".");
	if (!realpath(dir, real))
		snprintf(real, sizeof(real), "%s", dir);
	snprintf(mnt, mntlen, "?");
	snprintf(type, typelen, "?");
	snprintf(src, srclen, "?");
	FILE *f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return;
	struct mntent *m;
	while ((m = getmntent(f)) != NULL) {
		size_t l = strlen(m->mnt_dir);
		int under = strcmp(m->mnt_dir, "/") == 0 ||
		            (strncmp(real, m->mnt_dir, l) == 0 && (real[l] == '/' || !real[l]));
		if (under && l >= best) {
			best = l;
			snprintf(mnt, mntlen, "%s", m->mnt_dir);
			snprintf(type, typelen, "%s", m->mnt_type);
			snprintf(src, srclen, "%s", m->mnt_fsname);
		}
	}
	endmntent(f);
}

static void cpu_model(char *out, size_t outlen)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	snprintf(out, outlen, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && c) {
			c += 1 + strspn(c + 1, " \t");
			c[strcspn(c, "\n")] = '\0';
			snprintf(out, outlen, "%s", c);
			break;
		}
	}
	fclose(f);
}

/* One verification with its JSON report; *report (may be NULL: not wanted) is malloc'd. */
static int verify_once(const struct shared *sh, verify_trust *trust, enum verify_revocation want,
                       char **report)
{
	verify_report *rep = NULL;
	int ret = -1;
	enum verify_err e =
	    verify_signature(trust, sh->sig, sh->sig_len, (const uint8_t *)sh->content,
	                     sh->content_len, time(NULL), &rep);
	if (e != VERIFY_OK) {
		fprintf(stderr, "signed_submit: verify_signature: %s\n", verify_strerror(e));
		return -1;
	}
	if (verify_report_result(rep) != VERIFY_RESULT_OK) {
		fprintf(stderr, "signed_submit: the signature does not verify: %s (%s)\n",
		        verify_result_name(verify_report_result(rep)), verify_report_reason(rep));
		goto out;
	}
	if (verify_report_revocation(rep) != want) {
		fprintf(stderr, "signed_submit: the report says revocation %d, expected %d\n",
		        (int)verify_report_revocation(rep), (int)want);
		goto out;
	}
	char *dump = verify_report_json_dump(rep);
	if (!dump)
		goto out;
	if (report)
		*report = dump;
	else
		free(dump);
	ret = 0;
out:
	verify_report_free(rep);
	return ret;
}

/* Makes n drafts into ds, each of a new account of its own (one person, one submission), in
 * one transaction of the worker's connection (the submit rows' drafts, made ahead in batches
 * and timed with them). */
static int drafts_make(struct worker *w, struct draft *ds, int n)
{
	long long now = (long long)time(NULL);
	char email[128];
	if (store_begin(w->s) != STORE_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		snprintf(email, sizeof(email), "bench-%s-%d-%ld@example.jp", w->run, w->idx,
		         w->made++);
		if (store_account_create(w->s, email, BENCH_PW_HASH, now, &ds[i].account_id) !=
		        STORE_OK ||
		    token_new(ds[i].key) != 0)
			goto fail;
		snprintf(ds[i].owner, sizeof(ds[i].owner), "a:%lld", ds[i].account_id);
		if (store_draft_create(w->s, ds[i].key, ds[i].owner, w->sh->proc_id,
		                       w->sh->proc_version, w->sh->raw, now) != STORE_OK)
			goto fail;
	}
	if (store_commit(w->s) == STORE_OK)
		return 0;
fail:
	fprintf(stderr, "signed_submit: drafts: %s\n", store_errmsg(w->s));
	if (store_rollback(w->s) != STORE_OK)
		fprintf(stderr, "signed_submit: rollback: %s\n", store_errmsg(w->s));
	return -1;
}

/* The durable part of a signed submission, in one transaction on s (the worker's own
 * connection, or the writer's: then the transaction is a savepoint of the writer's group).
 * draft: the draft to submit, made before (the submit rows), or NULL: a new one is made in
 * the transaction first (the commit rows). */
static int submit_tx(struct worker *w, store *s, const struct draft *draft, const char *report)
{
	const struct shared *sh = w->sh;
	static const submit_site site = {"みどり市", "みどり市オンライン窓口",
	                                 "https://madoguchi.example.jp"};
	char key[TOKEN_LEN + 1], receipt[STORE_RECEIPT_MAX + 1];
	long long now = (long long)time(NULL);
	store_application ap;
	const char *step = "begin";
	int mailed = 0;
	memset(&ap, 0, sizeof(ap));
	long long account_id = draft ? draft->account_id : w->account_id;
	if (draft) {
		snprintf(key, sizeof(key), "%s", draft->key);
	} else if (token_new(key) != 0) {
		fprintf(stderr, "signed_submit: token_new failed\n");
		return -1;
	}
	if (store_begin(s) != STORE_OK)
		goto fail;
	step = "store_draft_create";
	if (!draft && store_draft_create(s, key, w->owner, sh->proc_id, sh->proc_version, sh->raw,
	                                 now) != STORE_OK)
		goto fail;
	snprintf(ap.draft_key, sizeof(ap.draft_key), "%s", key);
	ap.account_id = account_id;
	snprintf(ap.proc_id, sizeof(ap.proc_id), "%s", sh->proc_id);
	ap.proc_version = sh->proc_version;
	snprintf(ap.proc_title, sizeof(ap.proc_title), "%s", sh->title);
	snprintf(ap.digest, sizeof(ap.digest), "%s", sh->digest);
	ap.content = (char *)sh->content;
	ap.display = (char *)sh->display;
	ap.signature = (char *)sh->sig;
	ap.signature_len = sh->sig_len;
	ap.verification = (char *)report;
	step = "submit_record";
	if (submit_record(s, &site, &ap, now, receipt, &mailed) != STORE_OK)
		goto fail;
	step = "submit_record (no receipt mail: the account is gone)";
	if (!mailed)
		goto fail;
	step = "store_commit";
	if (store_commit(s) != STORE_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "signed_submit: %s: %s\n", step, store_errmsg(s));
	if (store_rollback(s) != STORE_OK)
		fprintf(stderr, "signed_submit: rollback: %s\n", store_errmsg(s));
	return -1;
}

static int hand_to_writer(struct worker *w, char *report);

static int one_op(struct worker *w)
{
	const struct phase *ph = w->ph;
	char *report = NULL;
	int ret;
	switch (ph->what) {
	case W_VERIFY:
		return verify_once(w->sh, ph->trust, ph->want_rev, NULL);
	case W_COMMIT:
		return submit_tx(w, w->s, NULL, w->sh->report);
	case W_BOTH:
		if (verify_once(w->sh, ph->trust, ph->want_rev, &report) != 0)
			return -1;
		ret = hand_to_writer(w, report);
		return ret;
	}
	return -1;
}

/* ---- submit rows: the verifier threads hand their transactions to the one writer ---- */

/* A submission in flight: its transaction with the writer. */
struct slot {
	struct worker *w;
	struct draft draft;
	char *report;
	int ok;
};

static void slot_work(store *s, void *arg)
{
	struct slot *sl = arg;
	sl->ok = submit_tx(sl->w, s, &sl->draft, sl->report) == 0;
}

static void slot_lost(void *arg)
{
	struct slot *sl = arg;
	fprintf(stderr, "signed_submit: the writer's group commit failed\n");
	sl->ok = 0;
}

/* On the writer thread after the durable commit: the submission is answered. */
static void slot_done(void *arg)
{
	struct slot *sl = arg;
	struct worker *w = sl->w;
	free(sl->report);
	pthread_mutex_lock(&w->mu);
	if (sl->ok)
		w->answered++;
	else
		atomic_store(&w->ph->failed, 1);
	w->inflight--;
	sl->w = NULL; /* free again */
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* The worker's free slot, waiting while all of them are in flight (NULL: a failure). */
static struct slot *free_slot(struct worker *w)
{
	struct slot *sl = NULL;
	pthread_mutex_lock(&w->mu);
	while (w->inflight >= w->nslots && !atomic_load(&w->ph->failed))
		pthread_cond_wait(&w->cv, &w->mu);
	for (int i = 0; i < w->nslots && !sl; i++)
		if (!w->slots[i].w)
			sl = &w->slots[i];
	if (sl && !atomic_load(&w->ph->failed)) {
		sl->w = w;
		w->inflight++;
	} else {
		sl = NULL;
	}
	pthread_mutex_unlock(&w->mu);
	return sl;
}

/* Queues the verified submission with the writer (a full queue: waits for an answer and tries
 * again); its answer comes to slot_done. 0 or -1. */
static int hand_to_writer(struct worker *w, char *report)
{
	if (w->next_draft == w->ndrafts) { /* those made ahead are used: more, timed */
		if (drafts_make(w, w->drafts, DRAFT_BATCH) != 0) {
			free(report);
			return -1;
		}
		w->ndrafts = DRAFT_BATCH;
		w->next_draft = 0;
		w->made_during += DRAFT_BATCH;
	}
	struct slot *sl = free_slot(w);
	if (!sl) {
		free(report);
		return -1;
	}
	sl->draft = w->drafts[w->next_draft++];
	sl->report = report;
	sl->ok = 0;
	while (writer_submit(w->wr, slot_work, slot_lost, slot_done, sl) != 0) {
		pthread_mutex_lock(&w->mu);
		if (w->inflight > 1) /* the writer answers one of ours, then there is room */
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (atomic_load(&w->ph->failed)) {
			slot_done(sl);
			return -1;
		}
		sched_yield();
	}
	return 0;
}

/* Waits for every submission of the worker in flight to be answered. */
static void drain(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->inflight > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct phase *ph = w->ph;
	long n = 0;
	pthread_barrier_wait(&ph->start);
	for (;;) {
		if (ph->deadline > 0 ? now_s() >= ph->deadline : n >= w->quota)
			break;
		if (atomic_load(&ph->failed))
			break;
		if (one_op(w) != 0) {
			atomic_store(&ph->failed, 1);
			break;
		}
		n++;
	}
	if (ph->what == W_BOTH) { /* counted when answered, after the durable commit */
		drain(w);
		n = w->answered;
	}
	w->ops = n;
	return NULL;
}

/* The submit rows' drafts made ahead, untimed, in batches of DRAFT_BATCH: n of them (at least
 * DRAFT_BATCH); 0 or -1. */
static int drafts_ahead(struct worker *w, long n)
{
	n = (n + DRAFT_BATCH - 1) / DRAFT_BATCH * DRAFT_BATCH;
	if (n < DRAFT_BATCH)
		n = DRAFT_BATCH;
	if (n > w->cap) {
		struct draft *d = realloc(w->drafts, (size_t)n * sizeof(*d));
		if (!d)
			return -1;
		w->drafts = d;
		w->cap = n;
	}
	for (long i = 0; i < n; i += DRAFT_BATCH)
		if (drafts_make(w, w->drafts + i, DRAFT_BATCH) != 0)
			return -1;
	w->ndrafts = n;
	w->next_draft = 0;
	return 0;
}

/* Runs one measurement with nthreads workers; prints a row; 0 or -1. */
static int measure(struct worker *ws, int nthreads, enum what what, const char *what_name,
                   verify_trust *trust, enum verify_revocation want_rev, const char *rev_name,
                   double seconds, long count, int slots, double *rate)
{
	struct phase ph;
	long total = 0;
	int i;
	memset(&ph, 0, sizeof(ph));
	ph.what = what;
	ph.trust = trust;
	ph.want_rev = want_rev;
	atomic_init(&ph.failed, 0);
	if (pthread_barrier_init(&ph.start, NULL, (unsigned)nthreads + 1) != 0)
		return -1;
	atomic_store(&groups_n, 0);
	atomic_store(&groups_jobs, 0);
	for (i = 0; i < nthreads; i++) {
		ws[i].ph = &ph;
		ws[i].ops = 0;
		ws[i].inflight = 0;
		ws[i].answered = 0;
		ws[i].made_during = 0;
		ws[i].nslots = slots / nthreads + (i < slots % nthreads ? 1 : 0);
		if (ws[i].nslots < 1)
			ws[i].nslots = 1;
		memset(ws[i].slots, 0, sizeof(*ws[i].slots) * (size_t)ws[i].nslots);
		ws[i].quota = count / nthreads + (i < count % nthreads ? 1 : 0);
		if (what == W_BOTH &&
		    drafts_ahead(&ws[i],
		                 count > 0 ? ws[i].quota
		                           : (long)(seconds * DRAFTS_AHEAD_PER_S) / nthreads) != 0)
			return -1;
	}
	for (i = 0; i < nthreads; i++) {
		int e = pthread_create(&ws[i].th, NULL, worker_main, &ws[i]);
		if (e != 0) { /* the others wait at the barrier: nothing to measure, stop here */
			fprintf(stderr, "signed_submit: pthread_create: %s\n", strerror(e));
			exit(1);
		}
	}
	double t0 = now_s();
	ph.deadline = count > 0 ? 0 : t0 + seconds;
	pthread_barrier_wait(&ph.start);
	for (i = 0; i < nthreads; i++) {
		pthread_join(ws[i].th, NULL);
		total += ws[i].ops;
	}
	double t = now_s() - t0;
	pthread_barrier_destroy(&ph.start);
	if (atomic_load(&ph.failed))
		return -1;
	*rate = (double)total / t;
	printf("%-10s %-10s %7d %9ld %8.2f %10.1f %9.2f", what_name, rev_name, nthreads, total, t,
	       *rate, 1000.0 * t * nthreads / (double)(total ? total : 1));
	unsigned long g = atomic_load(&groups_n);
	long during = 0;
	for (i = 0; i < nthreads; i++)
		during += ws[i].made_during;
	if (what == W_BOTH) /* after the columns, so that the summary's awk reads them alike */
		printf("   (writer: %lu groups, %.1f per group, %d in flight; drafts made during "
		       "the row: %ld)",
		       g, g ? (double)atomic_load(&groups_jobs) / (double)g : 0.0, slots, during);
	printf("\n");
	fflush(stdout);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: signed_submit [-s SECONDS | -n COUNT] [-t THREADS] [--slots SLOTS] [--crl FILE]\n"
	    "                     [--display FILE] [--title TITLE] [--only verify|commit|submit]\n"
	    "                     ANCHORS_DIR SIGNATURE.p7s CONTENT.json DB\n"
	    "Each measurement runs SECONDS (default 3) or COUNT iterations; with 1 thread\n"
	    "and with THREADS (default: the number of cores). --crl adds the runs with\n"
	    "revocation by that CRL file (revocation is otherwise not configured). The submit\n"
	    "rows keep SLOTS submissions (default 64) in flight with the one writer.\n");
}

/* The command line. */
struct opts {
	double seconds;
	long count;
	long cores;
	int nthreads, slots, batch;
	const char *crl, *display_file, *only, *title;
	const char *anchors, *sig_file, *content_file, *db;
};

/* Fills *o; 0, 1 for --help (printed), -1 for a wrong command line (usage printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {{"seconds", required_argument, NULL, 's'},
	                                     {"count", required_argument, NULL, 'n'},
	                                     {"threads", required_argument, NULL, 't'},
	                                     {"crl", required_argument, NULL, 'c'},
	                                     {"display", required_argument, NULL, 'd'},
	                                     {"title", required_argument, NULL, 'T'},
	                                     {"only", required_argument, NULL, 'o'},
	                                     {"slots", required_argument, NULL, 'S'},
	                                     {"batch", required_argument, NULL, 'B'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;
	memset(o, 0, sizeof(*o));
	o->seconds = 3;
	o->cores = sysconf(_SC_NPROCESSORS_ONLN);
	o->nthreads = o->cores > 0 ? (int)o->cores : 1;
	o->slots = 256;
	o->batch = WRITER_BATCH;
	o->title = "介護支援ボランティアポイント交付申請";
	while ((c = getopt_long(argc, argv, "s:n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'n':
			o->count = strtol(optarg, NULL, 10);
			break;
		case 't':
			o->nthreads = atoi(optarg);
			break;
		case 'c':
			o->crl = optarg;
			break;
		case 'd':
			o->display_file = optarg;
			break;
		case 'T':
			o->title = optarg;
			break;
		case 'o':
			o->only = optarg;
			break;
		case 'S':
			o->slots = atoi(optarg);
			break;
		case 'B':
			o->batch = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->only && strcmp(o->only, "verify") && strcmp(o->only, "commit") &&
	    strcmp(o->only, "submit"))
		o->only = "";
	if (argc - optind != 4 || (o->only && !*o->only) || o->seconds <= 0 || o->seconds > 3600 ||
	    o->count < 0 || o->nthreads < 1 || o->nthreads > MAX_THREADS || o->slots < 1 ||
	    o->slots > MAX_SLOTS || o->batch < 1 || o->batch > WRITER_QUEUE) {
		usage(stderr);
		return -1;
	}
	o->anchors = argv[optind];
	o->sig_file = argv[optind + 1];
	o->content_file = argv[optind + 2];
	o->db = argv[optind + 3];
	return 0;
}

/* What the files give, owned here. */
struct inputs {
	char *sig, *content, *display, *raw, *report;
	json_t *doc;
	size_t sig_len, content_len;
};

static void inputs_free(struct inputs *in)
{
	json_decref(in->doc);
	free(in->report);
	free(in->raw);
	free(in->display);
	free(in->content);
	free(in->sig);
}

/* One line per answer, labelled with its key (without --display). */
static char *default_display(json_t *answers)
{
	json_t *lines = json_array(), *v;
	const char *k;
	json_object_foreach(answers, k, v) {
		char *t = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_array_append_new(lines, json_pack("{s:s, s:s}", "label", k, "value",
		                                       t ? t : json_string_value(v)));
		free(t);
	}
	char *display = json_dumps(lines, JSON_COMPACT);
	json_decref(lines);
	return display;
}

/* Reads the signature, the content and the display lines into *in and points *sh at them;
 * 0 or -1 (said on stderr). */
static int load_inputs(const struct opts *o, struct inputs *in, struct shared *sh)
{
	size_t display_len = 0;
	if (!(in->sig = slurp(o->sig_file, VERIFY_CMS_MAX, &in->sig_len)) ||
	    !(in->content = slurp(o->content_file, STORE_CONTENT_MAX, &in->content_len)))
		return -1;
	if (strlen(in->content) != in->content_len) {
		fprintf(stderr, "signed_submit: %s: a NUL byte in the content\n", o->content_file);
		return -1;
	}
	/* The draft, as the portal would have it: the procedure and the answers of the content. */
	json_error_t je;
	in->doc = json_loads(in->content, 0, &je);
	json_t *proc = json_object_get(in->doc, "procedure");
	json_t *ver = json_object_get(in->doc, "version");
	json_t *answers = json_object_get(in->doc, "answers");
	if (!json_is_string(proc) || !json_is_integer(ver) || !json_is_object(answers)) {
		fprintf(stderr,
		        "signed_submit: %s: not canonical content (procedure, version, answers)\n",
		        o->content_file);
		return -1;
	}
	snprintf(sh->proc_id, sizeof(sh->proc_id), "%s", json_string_value(proc));
	sh->proc_version = (int)json_integer_value(ver);
	in->raw = json_dumps(answers, JSON_COMPACT);
	in->display = o->display_file ? slurp(o->display_file, STORE_CONTENT_MAX, &display_len)
	                              : default_display(answers);
	if (!in->raw || !in->display)
		return -1;
	sh->sig = (const uint8_t *)in->sig;
	sh->sig_len = in->sig_len;
	sh->content = in->content;
	sh->content_len = in->content_len;
	sh->display = in->display;
	sh->raw = in->raw;
	sh->title = o->title;
	token_sha256_hex(in->content, in->content_len, sh->digest);
	return 0;
}

static int trust_new(const struct verify_config *vc, verify_trust **out)
{
	char err[512];
	if (verify_trust_new(vc, out, err, sizeof(err)) == VERIFY_OK)
		return 0;
	fprintf(stderr, "signed_submit: %s\n", err);
	return -1;
}

/* The trust: anchors only, and (with --crl) anchors with the CRL; each checked once on the
 * content, the first one's report kept in in->report for the commit-only runs. */
static int make_trusts(const struct opts *o, struct inputs *in, struct shared *sh,
                       verify_trust *trusts[4])
{
	struct verify_config vc;
	for (int fresh = 0; fresh < 2; fresh++) {
		verify_config_init(&vc);
		vc.anchors_dir = o->anchors;
		if (fresh)
			vc.cert_cache_max = 0; /* every signer a new one */
		if (trust_new(&vc, &trusts[2 * fresh]) != 0)
			return -1;
		vc.crl_file = o->crl;
		if (o->crl && trust_new(&vc, &trusts[2 * fresh + 1]) != 0)
			return -1;
		if (verify_once(sh, trusts[2 * fresh], VERIFY_REVOCATION_NONE,
		                fresh ? NULL : &in->report) != 0)
			return -1;
		if (trusts[2 * fresh + 1] &&
		    verify_once(sh, trusts[2 * fresh + 1], VERIFY_REVOCATION_CRL, NULL) != 0)
			return -1;
	}
	sh->report = in->report;
	return 0;
}

/* The store: migrated once, then one connection and one account per thread, each warmed up
 * with one submission (not counted). *opened counts the connections to close. */
static int open_workers(const struct opts *o, const struct shared *sh, struct worker *ws,
                        int *opened)
{
	char url[PATH_MAX + 8], run[TOKEN_LEN + 1], err[512];
	snprintf(url, sizeof(url), "sqlite:%s", o->db);
	if (token_new(run) != 0)
		return -1;
	run[8] = '\0';
	for (int i = 0; i < o->nthreads; i++) {
		char email[128];
		if (store_open(url, &ws[i].s, err, sizeof(err)) != 0) {
			fprintf(stderr, "signed_submit: %s: %s\n", o->db, err);
			return -1;
		}
		(*opened)++;
		if (i == 0 && store_migrate(ws[0].s, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "signed_submit: migrate: %s\n", err);
			return -1;
		}
		snprintf(email, sizeof(email), "bench-%s-%d@example.jp", run, i);
		if (store_account_create(ws[i].s, email, BENCH_PW_HASH, (long long)time(NULL),
		                         &ws[i].account_id) != STORE_OK) {
			fprintf(stderr, "signed_submit: store_account_create: %s\n",
			        store_errmsg(ws[i].s));
			return -1;
		}
		snprintf(ws[i].owner, sizeof(ws[i].owner), "a:%lld", ws[i].account_id);
		ws[i].sh = sh;
		ws[i].idx = i;
		snprintf(ws[i].run, sizeof(ws[i].run), "%s", run);
		if (submit_tx(&ws[i], ws[i].s, NULL, sh->report) != 0)
			return -1;
		ws[i].slots = calloc((size_t)o->slots, sizeof(*ws[i].slots));
		if (!ws[i].slots)
			return -1;
		pthread_mutex_init(&ws[i].mu, NULL);
		pthread_cond_init(&ws[i].cv, NULL);
	}
	/* the submit rows' one writer, with its own connection, as the portal's */
	writer_config wc = {(size_t)o->batch, WRITER_QUEUE, count_group};
	writer *wr = NULL;
	if (writer_start(url, &wc, &wr, err, sizeof(err)) != 0) {
		fprintf(stderr, "signed_submit: %s\n", err);
		return -1;
	}
	for (int i = 0; i < o->nthreads; i++)
		ws[i].wr = wr;
	return 0;
}

/* What was measured where, before the rows. */
static void print_header(const struct opts *o, const struct shared *sh,
                         const verify_trust *trust_none)
{
	char mnt[PATH_MAX], type[64], src[PATH_MAX], cpu[256];
	fs_of(o->db, mnt, sizeof(mnt), type, sizeof(type), src, sizeof(src));
	cpu_model(cpu, sizeof(cpu));
	printf("machine: %ld cores online (nproc), %s\n", o->cores, cpu);
	printf("database: %s on %s (%s, mounted on %s); SQLite WAL, synchronous=FULL, one "
	       "connection per thread\n",
	       o->db, src, type, mnt);
	printf("content: %s, %zu bytes, sha256 %s\n", o->content_file, sh->content_len, sh->digest);
	printf("signature: %s, %zu bytes of DER CMS (detached)\n", o->sig_file, sh->sig_len);
	printf("trust: %zu anchor(s) from %s; revocation: none configured%s%s%s\n",
	       verify_trust_anchor_count(trust_none), o->anchors,
	       o->crl ? "; and a second series with the CRL file " : "", o->crl ? o->crl : "",
	       o->crl ? " (revocation=crl)" : "");
	if (o->count > 0)
		printf("each row: %ld iterations", o->count);
	else
		printf("each row: %g s", o->seconds);
	printf(", with 1 thread%s (N = %d, -t; default nproc)\n", o->nthreads > 1 ? " and N" : "",
	       o->nthreads);
	printf("verify = verify_signature + JSON report, the same signature each time (a repeat "
	       "signer: its certificate comes from the cache of verified certificates); "
	       "verify-new = the same with the cache off (cert_cache_max 0: every verification "
	       "checks the certificate as a new signer's); commit = one transaction (draft, "
	       "application with signature and report, receipt mail in the outbox) + fsync'ed "
	       "commit per submission, in each thread; submit = the threads verify and hand each "
	       "transaction to the one group-committing writer (its own connection, up to %d a "
	       "group, one fsync'ed commit each), %d submissions in flight, each counted when "
	       "answered after its group's commit\n\n",
	       WRITER_BATCH, o->slots);
	printf("%-10s %-10s %7s %9s %8s %10s %9s\n", "what", "revocation", "threads", "ops",
	       "seconds", "per_s", "ms_per_op");
}

/* verify (new, then repeat signers), commit, submit; each with revocation none, then by the
 * CRL; 1 then N threads. trusts: none, crl, then the same without the certificate cache. */
static int run_all(const struct opts *o, struct worker *ws, verify_trust *const trusts[4])
{
	static const struct {
		enum what what;
		int crl, fresh;
	} runs[] = {{W_VERIFY, 0, 1}, {W_VERIFY, 0, 0}, {W_VERIFY, 1, 1}, {W_VERIFY, 1, 0},
	            {W_COMMIT, 0, 0}, {W_BOTH, 0, 0},   {W_BOTH, 1, 0}};
	int counts[2] = {1, o->nthreads};
	double rate;
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		verify_trust *trust = trusts[runs[r].crl + 2 * runs[r].fresh];
		if ((runs[r].crl && !trust) ||
		    (o->only && strcmp(o->only, WHAT_NAMES[runs[r].what])))
			continue;
		int commit = runs[r].what == W_COMMIT;
		for (int k = 0; k < (o->nthreads > 1 ? 2 : 1); k++)
			if (measure(ws, counts[k], runs[r].what,
			            runs[r].fresh ? "verify-new" : WHAT_NAMES[runs[r].what],
			            commit ? NULL : trust,
			            runs[r].crl ? VERIFY_REVOCATION_CRL : VERIFY_REVOCATION_NONE,
			            commit        ? "-"
			            : runs[r].crl ? "crl"
			                          : "none",
			            o->seconds, o->count, o->slots, &rate) != 0)
				return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct shared sh;
	struct inputs in;
	static struct worker ws[MAX_THREADS];
	verify_trust *trusts[4] = {NULL, NULL, NULL, NULL};
	int ret = 1, opened = 0;
	int p = parse_opts(argc, argv, &o);
	if (p != 0)
		return p > 0 ? 0 : 2;
	memset(&sh, 0, sizeof(sh));
	memset(&in, 0, sizeof(in));
	if (load_inputs(&o, &in, &sh) == 0 && make_trusts(&o, &in, &sh, trusts) == 0 &&
	    open_workers(&o, &sh, ws, &opened) == 0) {
		print_header(&o, &sh, trusts[0]);
		ret = run_all(&o, ws, trusts) == 0 ? 0 : 1;
	}
	writer_stop(ws[0].wr);
	for (int i = 0; i < opened; i++) {
		store_close(ws[i].s);
		free(ws[i].slots);
		free(ws[i].drafts);
	}
	for (int i = 0; i < 4; i++)
		verify_trust_free(trusts[i]);
	inputs_free(&in);
	return ret;
}
