/* signed_submit: how many signed submissions per second the portal's server side can take.
 *
 * One signed submission here is what the server does for it, without HTTP:
 *   1. verify_signature(): the detached CMS over the exact content bytes, the certificate path
 *      to the trust anchors, validity, key usage, and revocation (none configured, or a CRL
 *      file: each measurement says which), then the JSON verification report
 *      (verify_report_json_dump), as src/pages/sign.c does;
 *   2. one durable transaction: store_begin, a new draft (store_draft_create with a fresh
 *      random key, so that each iteration has a draft of its own to submit), then
 *      submit_record of src/core/submit.c, the very code of the portal's submission
 *      (submit_application calls it): store_application_submit with the content, the display
 *      lines, the DER signature and the verification report (receipt number, event, draft
 *      marked submitted), store_account_by_id and store_outbox_add of the receipt mail; then
 *      store_commit (SQLite WAL, synchronous=FULL: the commit returns once the WAL is
 *      fsync'ed). The checks of submit_application before it (draft, attachments, answers,
 *      canonical content) are not run: the content is a fixed file signed beforehand, its
 *      attachments' bytes are not in the database, and its digest is the one of the file.
 * It measures verifications/s alone, commits/s alone (with a report made once) and signed
 * submissions/s (both, one after the other in the same thread), with 1 thread and with N
 * threads (default: the number of cores). Each thread has its own store connection and its own
 * account, as each worker of the portal's pool has its own connection; the verify_trust is
 * shared, as in the portal.
 *
 * Usage: signed_submit [-s SECONDS | -n COUNT] [-t THREADS] [--crl FILE] [--display FILE]
 *                      [--title TITLE] [--only verify|commit|submit] ANCHORS_DIR SIGNATURE.p7s
 * CONTENT.json DB CONTENT.json is the canonical content (an object with "procedure", "version" and
 * "answers"); DB is a SQLite file (created and migrated; use a fresh one). bench/signed.sh makes
 * all of it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <pthread.h>
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
#include "util/token.h"
#include "sig/verify.h"
#include "store/store.h"

#define MAX_THREADS 256
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

struct worker {
	const struct shared *sh;
	struct phase *ph;
	store *s;
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

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd buffer. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	if (!f) {
		fprintf(stderr, "signed_submit: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (buf) {
		n = fread(buf, 1, max + 1, f);
		if (ferror(f) || n > max || n == 0) {
			fprintf(stderr, "signed_submit: %s: unreadable, empty or over %zu bytes\n",
			        path, max);
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = n;
		}
	}
	fclose(f);
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

/* The durable part of a signed submission, in one transaction. */
static int submit_tx(struct worker *w, const char *report)
{
	const struct shared *sh = w->sh;
	store *s = w->s;
	static const submit_site site = {"みどり市", "みどり市オンライン窓口",
	                                 "https://madoguchi.example.jp"};
	char key[TOKEN_LEN + 1], receipt[STORE_RECEIPT_MAX + 1];
	long long now = (long long)time(NULL);
	store_application ap;
	const char *step = "begin";
	int mailed = 0;
	memset(&ap, 0, sizeof(ap));
	if (token_new(key) != 0) {
		fprintf(stderr, "signed_submit: token_new failed\n");
		return -1;
	}
	if (store_begin(s) != STORE_OK)
		goto fail;
	step = "store_draft_create";
	if (store_draft_create(s, key, w->owner, sh->proc_id, sh->proc_version, sh->raw, now) !=
	    STORE_OK)
		goto fail;
	snprintf(ap.draft_key, sizeof(ap.draft_key), "%s", key);
	ap.account_id = w->account_id;
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
	store_rollback(s);
	return -1;
}

static int one_op(struct worker *w)
{
	const struct phase *ph = w->ph;
	char *report = NULL;
	int ret;
	switch (ph->what) {
	case W_VERIFY:
		return verify_once(w->sh, ph->trust, ph->want_rev, NULL);
	case W_COMMIT:
		return submit_tx(w, w->sh->report);
	case W_BOTH:
		if (verify_once(w->sh, ph->trust, ph->want_rev, &report) != 0)
			return -1;
		ret = submit_tx(w, report);
		free(report);
		return ret;
	}
	return -1;
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
	w->ops = n;
	return NULL;
}

/* Runs one measurement with nthreads workers; prints a row; 0 or -1. */
static int measure(struct worker *ws, int nthreads, enum what what, verify_trust *trust,
                   enum verify_revocation want_rev, const char *rev_name, double seconds,
                   long count, double *rate)
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
	for (i = 0; i < nthreads; i++) {
		ws[i].ph = &ph;
		ws[i].ops = 0;
		ws[i].quota = count / nthreads + (i < count % nthreads ? 1 : 0);
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
	printf("%-8s %-10s %7d %9ld %8.2f %10.1f %9.2f\n", WHAT_NAMES[what], rev_name, nthreads,
	       total, t, *rate, 1000.0 * t * nthreads / (double)(total ? total : 1));
	fflush(stdout);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: signed_submit [-s SECONDS | -n COUNT] [-t THREADS] [--crl FILE]\n"
	    "                     [--display FILE] [--title TITLE] [--only verify|commit|submit]\n"
	    "                     ANCHORS_DIR SIGNATURE.p7s CONTENT.json DB\n"
	    "Each measurement runs SECONDS (default 3) or COUNT iterations; with 1 thread\n"
	    "and with THREADS (default: the number of cores). --crl adds the runs with\n"
	    "revocation by that CRL file (revocation is otherwise not configured).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"seconds", required_argument, NULL, 's'},
	                                     {"count", required_argument, NULL, 'n'},
	                                     {"threads", required_argument, NULL, 't'},
	                                     {"crl", required_argument, NULL, 'c'},
	                                     {"display", required_argument, NULL, 'd'},
	                                     {"title", required_argument, NULL, 'T'},
	                                     {"only", required_argument, NULL, 'o'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	double seconds = 3;
	long count = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = cores > 0 ? (int)cores : 1;
	const char *crl = NULL, *display_file = NULL, *only = NULL;
	const char *title = "介護支援ボランティアポイント交付申請";
	struct shared sh;
	struct worker ws[MAX_THREADS];
	verify_trust *trust_none = NULL, *trust_crl = NULL;
	char *sig = NULL, *content = NULL, *display = NULL, *raw = NULL, *report = NULL;
	json_t *doc = NULL;
	size_t sig_len = 0, content_len = 0, display_len = 0;
	char err[512];
	int c, i, ret = 1, opened = 0;

	memset(&sh, 0, sizeof(sh));
	memset(ws, 0, sizeof(ws));
	while ((c = getopt_long(argc, argv, "s:n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'c':
			crl = optarg;
			break;
		case 'd':
			display_file = optarg;
			break;
		case 'T':
			title = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (only && strcmp(only, "verify") && strcmp(only, "commit") && strcmp(only, "submit"))
		only = "";
	if (argc - optind != 4 || (only && !*only) || seconds <= 0 || seconds > 3600 || count < 0 ||
	    nthreads < 1 || nthreads > MAX_THREADS) {
		usage(stderr);
		return 2;
	}
	const char *anchors = argv[optind], *sig_file = argv[optind + 1],
	           *content_file = argv[optind + 2], *db = argv[optind + 3];

	if (!(sig = slurp(sig_file, VERIFY_CMS_MAX, &sig_len)) ||
	    !(content = slurp(content_file, STORE_CONTENT_MAX, &content_len)))
		goto out;
	if (strlen(content) != content_len) {
		fprintf(stderr, "signed_submit: %s: a NUL byte in the content\n", content_file);
		goto out;
	}
	/* The draft, as the portal would have it: the procedure and the answers of the content. */
	json_error_t je;
	doc = json_loads(content, 0, &je);
	json_t *proc = json_object_get(doc, "procedure"), *ver = json_object_get(doc, "version"),
	       *answers = json_object_get(doc, "answers");
	if (!json_is_string(proc) || !json_is_integer(ver) || !json_is_object(answers)) {
		fprintf(stderr,
		        "signed_submit: %s: not canonical content (procedure, version, answers)\n",
		        content_file);
		goto out;
	}
	snprintf(sh.proc_id, sizeof(sh.proc_id), "%s", json_string_value(proc));
	sh.proc_version = (int)json_integer_value(ver);
	raw = json_dumps(answers, JSON_COMPACT);
	if (display_file) {
		if (!(display = slurp(display_file, STORE_CONTENT_MAX, &display_len)))
			goto out;
	} else { /* one line per answer, labelled with its key */
		json_t *lines = json_array(), *v;
		const char *k;
		json_object_foreach(answers, k, v)
		{
			char *t = json_is_string(v) ? NULL
			                            : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			json_array_append_new(lines, json_pack("{s:s, s:s}", "label", k, "value",
			                                       t ? t : json_string_value(v)));
			free(t);
		}
		display = json_dumps(lines, JSON_COMPACT);
		json_decref(lines);
	}
	if (!raw || !display)
		goto out;
	sh.sig = (const uint8_t *)sig;
	sh.sig_len = sig_len;
	sh.content = content;
	sh.content_len = content_len;
	sh.display = display;
	sh.raw = raw;
	sh.title = title;
	token_sha256_hex(content, content_len, sh.digest);

	/* The trust: anchors only, and anchors with the CRL. */
	struct verify_config vc;
	verify_config_init(&vc);
	vc.anchors_dir = anchors;
	if (verify_trust_new(&vc, &trust_none, err, sizeof(err)) != VERIFY_OK) {
		fprintf(stderr, "signed_submit: %s\n", err);
		goto out;
	}
	if (crl) {
		vc.crl_file = crl;
		if (verify_trust_new(&vc, &trust_crl, err, sizeof(err)) != VERIFY_OK) {
			fprintf(stderr, "signed_submit: %s\n", err);
			goto out;
		}
	}
	if (verify_once(&sh, trust_none, VERIFY_REVOCATION_NONE, &report) != 0)
		goto out;
	sh.report = report;
	if (trust_crl && verify_once(&sh, trust_crl, VERIFY_REVOCATION_CRL, NULL) != 0)
		goto out;

	/* The store: migrated once, then one connection and one account per thread. */
	char url[PATH_MAX + 8];
	snprintf(url, sizeof(url), "sqlite:%s", db);
	char run[TOKEN_LEN + 1];
	if (token_new(run) != 0)
		goto out;
	run[8] = '\0';
	for (i = 0; i < nthreads; i++) {
		char email[128];
		if (store_open(url, &ws[i].s, err, sizeof(err)) != 0) {
			fprintf(stderr, "signed_submit: %s: %s\n", db, err);
			goto out;
		}
		opened++;
		if (i == 0 && store_migrate(ws[0].s, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "signed_submit: migrate: %s\n", err);
			goto out;
		}
		snprintf(email, sizeof(email), "bench-%s-%d@example.jp", run, i);
		if (store_account_create(ws[i].s, email,
		                         "$argon2id$v=19$m=65536,t=3,p=1$YmVuY2hzYWx0$"
		                         "YmVuY2hoYXNoYmVuY2hoYXNoYmVuY2hoYXNoYmVuY2g",
		                         (long long)time(NULL), &ws[i].account_id) != STORE_OK) {
			fprintf(stderr, "signed_submit: store_account_create: %s\n",
			        store_errmsg(ws[i].s));
			goto out;
		}
		snprintf(ws[i].owner, sizeof(ws[i].owner), "a:%lld", ws[i].account_id);
		ws[i].sh = &sh;
		if (submit_tx(&ws[i], report) != 0) /* warm-up, not counted */
			goto out;
	}

	char mnt[PATH_MAX], type[64], src[PATH_MAX], cpu[256];
	fs_of(db, mnt, sizeof(mnt), type, sizeof(type), src, sizeof(src));
	cpu_model(cpu, sizeof(cpu));
	printf("machine: %ld cores online (nproc), %s\n", cores, cpu);
	printf("database: %s on %s (%s, mounted on %s); SQLite WAL, synchronous=FULL, one "
	       "connection per thread\n",
	       db, src, type, mnt);
	printf("content: %s, %zu bytes, sha256 %s\n", content_file, content_len, sh.digest);
	printf("signature: %s, %zu bytes of DER CMS (detached)\n", sig_file, sig_len);
	printf("trust: %zu anchor(s) from %s; revocation: none configured%s%s%s\n",
	       verify_trust_anchor_count(trust_none), anchors,
	       crl ? "; and a second series with the CRL file " : "", crl ? crl : "",
	       crl ? " (revocation=crl)" : "");
	if (count > 0)
		printf("each row: %ld iterations", count);
	else
		printf("each row: %g s", seconds);
	printf(", with 1 thread%s (N = %d, -t; default nproc)\n", nthreads > 1 ? " and N" : "",
	       nthreads);
	printf("verify = verify_signature + JSON report; commit = one transaction (draft, "
	       "application with signature and report, receipt mail in the outbox) + fsync'ed "
	       "commit; submit = both in turn\n\n");
	printf("%-8s %-10s %7s %9s %8s %10s %9s\n", "what", "revocation", "threads", "ops",
	       "seconds", "per_s", "ms_per_op");

	/* verify, commit, submit; each with revocation none, then by the CRL; 1 then N threads */
	static const struct {
		enum what what;
		int crl;
	} runs[] = {{W_VERIFY, 0}, {W_VERIFY, 1}, {W_COMMIT, 0}, {W_BOTH, 0}, {W_BOTH, 1}};
	int counts[2] = {1, nthreads};
	double rate;
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		if ((runs[r].crl && !trust_crl) || (only && strcmp(only, WHAT_NAMES[runs[r].what])))
			continue;
		for (int k = 0; k < (nthreads > 1 ? 2 : 1); k++)
			if (measure(ws, counts[k], runs[r].what,
			            runs[r].what == W_COMMIT ? NULL
			            : runs[r].crl            ? trust_crl
			                                     : trust_none,
			            runs[r].crl ? VERIFY_REVOCATION_CRL : VERIFY_REVOCATION_NONE,
			            runs[r].what == W_COMMIT ? "-"
			            : runs[r].crl            ? "crl"
			                                     : "none",
			            seconds, count, &rate) != 0)
				goto out;
	}
	ret = 0;
out:
	for (i = 0; i < opened; i++)
		store_close(ws[i].s);
	verify_trust_free(trust_none);
	verify_trust_free(trust_crl);
	json_decref(doc);
	free(report);
	free(raw);
	free(display);
	free(content);
	free(sig);
	return ret;
}
