/* madoguchi: the portal program. `madoguchi [serve]` runs the HTTP server; `madoguchi
 * migrate` applies the database migrations; `madoguchi check` loads everything and exits;
 * `madoguchi export-signature RECEIPT DIR` writes an application's signed content, its
 * signature and the CA certificates for checking it with `openssl cms -verify`; `madoguchi
 * audit verify` walks the audit log's hash chain; `madoguchi backup FILE` copies the SQLite
 * database while the portal runs. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/account.h"
#include "core/procedure.h"
#include "core/staff.h"
#include "core/staff_admin.h"
#include "core/staff_alerts.h"
#include "core/refdata.h"
#include "mail/mailer.h"
#include "http/http.h"
#include "pages/pages.h"
#include "store/migrations.h"
#include "store/store.h"
#include "sig/verify.h"
#include "util/file.h"
#include "util/log.h"

#define VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: madoguchi [--config FILE] [COMMAND]\n"
	    "\n"
	    "Madoguchi, a city's online procedures portal.\n"
	    "\n"
	    "Commands:\n"
	    "  serve      run the portal (the default)\n"
	    "  migrate    apply the database migrations not yet applied, then exit\n"
	    "  backup FILE\n"
	    "             copy the SQLite database, while the portal runs, into the new file\n"
	    "             FILE and check the copy (PRAGMA integrity_check); for PostgreSQL use\n"
	    "             pg_dump (docs/operations.md)\n"
	    "  check      load the configuration, procedures and templates, then exit\n"
	    "  export-signature RECEIPT DIR\n"
	    "             write the signed content (RECEIPT.json), the signature (RECEIPT.p7s)\n"
	    "             and the trust anchors (ca.pem) of an application into DIR, for\n"
	    "             openssl cms -verify -binary -inform DER -content DIR/RECEIPT.json\n"
	    "               -in DIR/RECEIPT.p7s -CAfile DIR/ca.pem\n"
	    "  audit verify\n"
	    "             walk the audit log's hash chain: the row count and the head hash (exit\n"
	    "             0), or the first broken link by row id (exit 1); docs/audit.md\n"
	    "  staff add --email E --name N [--role admin]\n"
	    "             create a staff member (an administrator with --role admin), print\n"
	    "             a one-time enrolment link, valid 24 hours, and mail it\n"
	    "  staff digest\n"
	    "             queue the hourly digests of the staff's mail alerts now (the hourly\n"
	    "             housekeeping sends them an hour after the last)\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE   configuration file (JSON); MADOGUCHI_* variables override it\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       the version\n"
	    "\n"
	    "Configuration keys, their environment variables and defaults:\n");
	if (f == stdout)
		config_print_keys();
}

/* Creates the directory of a sqlite: database when it is missing (development). */
static void ensure_db_dir(const char *url)
{
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	const char *slash = strrchr(path, '/');
	if (!slash || strstr(url, "://"))
		return;
	char dir[512];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (*dir && mkdir(dir, 0750) < 0 && errno != EEXIST)
		log_error("cannot create %s: %s", dir, strerror(errno));
}

#define DEMO_EMAIL "demo@example.jp"
#define DEMO_PASSWORD "madoguchi-demo-2026"

/* Whether a demo record (what) is to be made: 1 when its lookup found none (found is the
 * lookup's status, STORE_ENOTFOUND) and pw got hashed into hash with the configured costs;
 * else 0, logged unless the record is there already. */
static int demo_missing(store *s, const app *a, int found, const char *what, const char *pw,
                        char hash[STORE_HASH_MAX + 1])
{
	pw_params pp = {(unsigned)a->cfg.argon2_t_cost, (unsigned)a->cfg.argon2_m_cost_kib,
	                (unsigned)a->cfg.argon2_parallelism};
	if (found != STORE_ENOTFOUND) {
		if (found != STORE_OK)
			log_error("%s: %s", what, store_errmsg(s));
		return 0;
	}
	if (password_hash(&pp, pw, strlen(pw), hash, STORE_HASH_MAX + 1) == 0)
		return 1;
	log_error("%s: the password could not be hashed", what);
	return 0;
}

/* Development mode: a confirmed demo resident, so that a newcomer can log in at once. */
static void ensure_demo_account(store *s, const app *a)
{
	store_account acct;
	char hash[STORE_HASH_MAX + 1];
	long long id = 0, now = (long long)time(NULL);
	if (demo_missing(s, a, store_account_by_email(s, DEMO_EMAIL, &acct), "demo resident",
	                 DEMO_PASSWORD, hash) &&
	    store_account_create(s, DEMO_EMAIL, hash, now, &id) == STORE_OK &&
	    store_account_set_verified(s, id, now) == STORE_OK)
		log_info("created the demo resident account");
}

/* Development mode: an administrator and a reviewer of the volunteer procedure, enrolled
 * with fixed TOTP secrets (printed at start, for oathtool or an authenticator app), so that
 * a newcomer can log in to /staff at once; the reviewer gets a mail per arrival of that
 * procedure (/dev/mail shows it). Never outside dev_mode. */
#define DEMO_STAFF_PASSWORD "madoguchi-staff-2026"
#define DEMO_ADMIN_EMAIL "admin@city.example.jp"
#define DEMO_ADMIN_SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#define DEMO_REVIEWER_EMAIL "shinsa@city.example.jp"
#define DEMO_REVIEWER_SECRET "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"
#define DEMO_REVIEWER_PROC "kaigo-volunteer-point"

static void ensure_demo_staff(store *s, const app *a, const char *email, const char *name,
                              const char *secret, const char *proc)
{
	store_staff st;
	char hash[STORE_HASH_MAX + 1];
	long long id = 0, now = (long long)time(NULL);
	if (!demo_missing(s, a, store_staff_by_email(s, email, &st), "demo staff",
	                  DEMO_STAFF_PASSWORD, hash))
		return;
	if (store_staff_create(s, email, name, proc == NULL, now, &id) != STORE_OK ||
	    store_staff_set_credentials(s, id, hash, secret) != STORE_OK ||
	    store_staff_set_enrolled(s, id, now) != STORE_OK ||
	    (proc && store_staff_role_set(s, id, proc, "reviewer") != STORE_OK) ||
	    (proc && store_staff_alert_set(s, id, proc, "each", now) != STORE_OK))
		log_error("demo staff %s: %s", email, store_errmsg(s));
	else
		log_info("created the demo staff member %s", email);
}

static void ensure_demo_data(store *s, const app *a)
{
	ensure_demo_account(s, a);
	ensure_demo_staff(s, a, DEMO_ADMIN_EMAIL, "管理 太郎", DEMO_ADMIN_SECRET, NULL);
	ensure_demo_staff(s, a, DEMO_REVIEWER_EMAIL, "審査 花子", DEMO_REVIEWER_SECRET,
	                  DEMO_REVIEWER_PROC);
	log_info("development mode: demo resident %s, password %s; mails at %s/dev/mail",
	         DEMO_EMAIL, DEMO_PASSWORD, a->cfg.base_url);
	log_info("development mode: demo staff at %s/staff/login, password %s: administrator %s "
	         "(TOTP secret %s), reviewer of %s %s (TOTP secret %s)",
	         a->cfg.base_url, DEMO_STAFF_PASSWORD, DEMO_ADMIN_EMAIL, DEMO_ADMIN_SECRET,
	         DEMO_REVIEWER_PROC, DEMO_REVIEWER_EMAIL, DEMO_REVIEWER_SECRET);
}

/* The database URL as messages show it: without its password (store_url_redact). The
 * commands run on one thread. */
static const char *db_shown(const char *url)
{
	static char shown[512];
	store_url_redact(url, shown, sizeof(shown));
	return shown;
}

/* This process's procedures recorded as the database's; a change from what the last process
 * to start recorded is said (several processes must serve the same files). */
static int record_procedures(store *s, const app *a)
{
	char previous[STORE_PROCSET_DIGEST_LEN + 1];
	if (store_procedure_set_swap(s, a->procs_digest, (long long)time(NULL), previous) !=
	    STORE_OK)
		return -1;
	if (previous[0] && strcmp(previous, a->procs_digest) != 0)
		log_info("the procedures differ from those the portal last started with on this "
		         "database (%.12s…, now %.12s…): every portal process on it must serve the "
		         "same procedure files; restart the others with these",
		         previous, a->procs_digest);
	return 0;
}

static int prepare_store(const app *a, int migrate, char *err, size_t errlen)
{
	store *s = NULL;
	char serr[512];
	int rc = -1;
	if (a->cfg.dev_mode || migrate)
		ensure_db_dir(a->cfg.database);
	if (store_open(a->cfg.database, &s, serr, sizeof(serr)) != STORE_OK) {
		snprintf(err, errlen, "database %.300s: %.400s", db_shown(a->cfg.database), serr);
		return -1;
	}
	unsigned applied = 0, version = 0;
	if (migrate || a->cfg.dev_mode) {
		if (store_migrate(s, &applied, serr, sizeof(serr)) != STORE_OK) {
			snprintf(err, errlen, "migrate: %.500s", serr);
			goto out;
		}
		if (applied)
			log_info("applied %u migration(s)", applied);
	}
	if (store_schema_version(s, &version) != STORE_OK) {
		snprintf(err, errlen, "schema version: %.400s", store_errmsg(s));
		goto out;
	}
	unsigned latest = store_n_migrations ? store_migrations[store_n_migrations - 1].number : 0;
	if (version < latest) {
		snprintf(err, errlen,
		         "the database is at migration %u but this program needs %u: run "
		         "`madoguchi migrate`",
		         version, latest);
		goto out;
	}
	if (a->cfg.dev_mode && !migrate)
		ensure_demo_data(s, a);
	if (a->procs) {
		store_proc_doc *docs = calloc(a->procs->n + 1, sizeof(*docs));
		if (!docs)
			goto out;
		for (size_t i = 0; i < a->procs->n; i++) {
			const procedure *p = a->procs->items[i];
			docs[i].id = p->id;
			docs[i].title = p->title;
			docs[i].summary = p->summary;
			docs[i].body = json_string_value(json_object_get(p->json, "description"));
			if (!docs[i].body)
				docs[i].body = "";
		}
		int e = store_index_procedures(s, docs, a->procs->n);
		free(docs);
		if (e != STORE_OK) {
			snprintf(err, errlen, "search index: %s", store_strerror(e));
			goto out;
		}
		if (!migrate && record_procedures(s, a) != 0) {
			snprintf(err, errlen, "procedure set: %.400s", store_errmsg(s));
			goto out;
		}
	}
	rc = 0;
out:
	store_close(s);
	return rc;
}

/* The trust anchors and revocation sources of e-signatures; none when sign_anchors_dir is
 * empty (signing is then off and the confirmation page says so). */
static int load_trust(app *a, char *err, size_t errlen)
{
	const config *c = &a->cfg;
	if (c->tsa_url[0] && strncmp(c->tsa_url, "http://", 7) &&
	    strncmp(c->tsa_url, "https://", 8)) {
		snprintf(err, errlen, "tsa_url: \"%.200s\" is not an http:// or https:// URL",
		         c->tsa_url);
		return -1;
	}
	if (c->tsa_url[0])
		log_info("signature time-stamps from %s%s", c->tsa_url,
		         c->tsa_ca_file[0] ? " (tokens checked against tsa_ca_file)" : "");
	if (!c->sign_anchors_dir[0]) {
		log_info("e-signatures off: sign_anchors_dir is not set");
		return 0;
	}
	struct verify_config vc;
	verify_config_init(&vc);
	vc.anchors_dir = c->sign_anchors_dir;
	vc.ocsp_url = c->sign_ocsp_url;
	vc.crl_file = c->sign_crl_file;
	vc.revocation_soft_fail = c->sign_revocation_soft_fail;
	if (verify_trust_new(&vc, &a->trust, err, errlen) != VERIFY_OK)
		return -1;
	log_info("e-signatures: %zu trust anchor(s) from %s; revocation by %s%s%s",
	         verify_trust_anchor_count(a->trust), c->sign_anchors_dir,
	         c->sign_ocsp_url[0] ? "OCSP " : "", c->sign_crl_file[0] ? "CRL " : "",
	         !c->sign_ocsp_url[0] && !c->sign_crl_file[0] ? "nothing (not checked)" : "");
	return 0;
}

/* Writes DIR/NAME atomically (util/file.h), readable by the owner only (the verification
 * report holds the signer's basic four information); a symbolic link at DIR/NAME is replaced,
 * never written through. -1 with a message on failure (also when the path does not fit). */
static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1024];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "madoguchi: path too long: %s/%s\n", dir, name);
		return -1;
	}
	if (file_write_atomic(path, data, len, 0600) < 0) {
		fprintf(stderr, "madoguchi: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Appends every certificate of the file at path (PEM, one or several, or DER) to out as PEM;
 * how many, or -1 when one could not be written. */
static int append_certs(const char *path, BIO *out)
{
	BIO *in = BIO_new_file(path, "rb");
	X509 *x;
	int n = 0, bad = 0;
	while (in && (x = PEM_read_bio_X509(in, NULL, NULL, NULL))) {
		bad |= PEM_write_bio_X509(out, x) != 1;
		n++;
		X509_free(x);
	}
	if (in && !n && BIO_reset(in) == 0 && (x = d2i_X509_bio(in, NULL))) {
		bad |= PEM_write_bio_X509(out, x) != 1;
		n++;
		X509_free(x);
	}
	BIO_free(in);
	ERR_clear_error();
	return bad ? -1 : n;
}

/* The anchors as one PEM file DIR/ca.pem: every certificate of every non-hidden file of the
 * directory, as verify_trust_new reads them. Nothing is written when there is none. */
static int copy_anchors(const char *from, const char *dir)
{
	BIO *out = BIO_new(BIO_s_mem());
	DIR *d = opendir(from);
	struct dirent *e;
	int n = 0, bad = !out;
	while (out && d && (e = readdir(d))) {
		char path[1024];
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", from, e->d_name) >= sizeof(path))
			continue;
		int k = append_certs(path, out);
		bad |= k < 0;
		n += k > 0 ? k : 0;
	}
	if (d)
		closedir(d);
	char *pem = NULL;
	long len = out ? BIO_get_mem_data(out, &pem) : 0;
	int rc = bad || n == 0 || len <= 0 ? -1 : write_file(dir, "ca.pem", pem, (size_t)len);
	BIO_free(out);
	return rc;
}

/* Writes RECEIPT.json, RECEIPT.p7s and the verification report of ap into dir. */
static int write_application(const store_application *ap, const char *dir)
{
	char name[64];
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		fprintf(stderr, "madoguchi: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "%s.json", ap->receipt);
	if (write_file(dir, name, ap->content, strlen(ap->content)) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s.p7s", ap->receipt);
	if (write_file(dir, name, ap->signature, ap->signature_len) < 0)
		return -1;
	if (ap->verification) {
		snprintf(name, sizeof(name), "%s.verification.json", ap->receipt);
		if (write_file(dir, name, ap->verification, strlen(ap->verification)) < 0)
			return -1;
	}
	return 0;
}

static int cmd_export_signature(const config *c, const char *receipt, const char *dir)
{
	store *s = NULL;
	store_application ap;
	char err[512];
	int rc = 1;
	if (store_open(c->database, &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "madoguchi: database %s: %s\n", db_shown(c->database), err);
		return 1;
	}
	int e = store_application_get(s, receipt, &ap);
	if (e != STORE_OK) {
		fprintf(stderr, "madoguchi: application %s: %s\n", receipt, store_strerror(e));
		goto out_store;
	}
	if (!ap.signature || !ap.content) {
		fprintf(stderr, "madoguchi: application %s has no e-signature\n", receipt);
		goto out;
	}
	if (write_application(&ap, dir) < 0)
		goto out;
	if (!c->sign_anchors_dir[0] || copy_anchors(c->sign_anchors_dir, dir) < 0) {
		fprintf(stderr,
		        "madoguchi: no CA certificates to export (sign_anchors_dir \"%s\")\n",
		        c->sign_anchors_dir);
		goto out;
	}
	printf("%s/%s.json\n%s/%s.p7s\n%s/ca.pem\n", dir, ap.receipt, dir, ap.receipt, dir);
	rc = 0;
out:
	store_application_release(&ap);
out_store:
	store_close(s);
	return rc;
}

static int audit_walk_row(const audit_row *row, void *arg)
{
	return audit_verify_row(arg, row) != AUDIT_OK;
}

/* `madoguchi audit verify`: 0 when the chain is whole, 1 at its first broken link, 2 when
 * the log could not be read. The head hash is printed so that it can be compared with a copy
 * kept elsewhere: rows removed from the end leave a shorter chain that is still whole. */
static int cmd_audit(const config *c, int argc, char **argv)
{
	audit_verifier v;
	store *s = NULL;
	char err[512];
	int e;

	if (argc != 1 || strcmp(argv[0], "verify") != 0) {
		fprintf(stderr, "madoguchi: usage: madoguchi audit verify\n");
		return 2;
	}
	if (store_open(c->database, &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "madoguchi: database %s: %s\n", db_shown(c->database), err);
		return 2;
	}
	audit_verify_init(&v);
	if ((e = store_audit_walk(s, audit_walk_row, &v)) != STORE_OK) {
		fprintf(stderr, "madoguchi: audit log: %s: %s\n", store_strerror(e),
		        store_errmsg(s));
		store_close(s);
		return 2;
	}
	store_close(s);
	if (v.err != AUDIT_OK) {
		audit_verify_message(&v, err, sizeof(err));
		printf("audit log broken: %s\n", err);
		if (v.count)
			printf("rows 1 to %lld verify; head hash before the break %s\n", v.last_id,
			       v.head);
		return 1;
	}
	printf("audit log intact: %lld rows\nhead hash %s\n", v.count, v.head);
	return 0;
}

/* The options of `staff add`. */
struct staff_opts {
	const char *email, *name, *role;
};

/* `madoguchi staff add`: the first administrator (the console adds the others) from the
 * command line; prints the enrolment link and mails it, with the staff_change audit row of
 * actor "system". */
static int cmd_staff_add(const config *c, const struct staff_opts *o)
{
	char email[ACCOUNT_EMAIL_MAX + 1], token[TOKEN_LEN + 1], err[512];
	const char *msg = NULL;
	store *s = NULL;
	long long id = 0;

	if (account_check_email(o->email, strlen(o->email), email, sizeof(email), &msg) < 0) {
		fprintf(stderr, "madoguchi: staff add: --email %s: %s\n", o->email, msg);
		return 2;
	}
	if (!*o->name || strlen(o->name) > STORE_STAFF_NAME_MAX ||
	    !text_is_clean(o->name, strlen(o->name), 0)) {
		fprintf(stderr,
		        "madoguchi: staff add: --name must be 1 to %d bytes of UTF-8 "
		        "without control characters\n",
		        STORE_STAFF_NAME_MAX);
		return 2;
	}
	if (store_open(c->database, &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "madoguchi: database %s: %s\n", db_shown(c->database), err);
		return 1;
	}
	/* the console's add, by "system": its staff_change audit row and the mailed link */
	submit_site site = {c->city_name, c->site_name, c->base_url};
	int e = staff_admin_add(s, &site, -1, "", email, o->name, o->role != NULL,
	                        (long long)time(NULL), token, &id);
	if (e != STORE_OK)
		fprintf(stderr, "madoguchi: staff add: %s\n",
		        e == STORE_ECONFLICT ? "a staff member with this address exists already"
		                             : store_errmsg(s));
	else
		printf("staff member %lld (%s%s) created; enrolment link, valid 24 hours, "
		       "usable once:\n%s/staff/enrol?token=%s\n",
		       id, email, o->role ? ", administrator" : "", c->base_url, token);
	store_close(s);
	return e == STORE_OK ? 0 : 1;
}

/* `madoguchi staff digest`: the hourly digests of the staff's mail alerts now, whatever the
 * time of the last (the hourly housekeeping sends them when an hour has passed). */
static int cmd_staff_digest(const config *c)
{
	char err[512];
	store *s = NULL;
	proc_catalog *procs = NULL;
	if (proc_catalog_load(c->procedures_dir, &procs, err, sizeof(err)) != PROC_OK)
		procs = NULL; /* the mails name the procedures by id then */
	if (store_open(c->database, &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "madoguchi: database %s: %s\n", db_shown(c->database), err);
		proc_catalog_free(procs);
		return 1;
	}
	submit_site site = {c->city_name, c->site_name, c->base_url};
	int n = staff_alerts_digest(s, &site, staff_alerts_title, procs, (long long)time(NULL), 1);
	if (n < 0)
		fprintf(stderr, "madoguchi: staff digest: %s\n", store_errmsg(s));
	else
		printf("%d digest mail(s) queued\n", n);
	store_close(s);
	proc_catalog_free(procs);
	return n < 0 ? 1 : 0;
}

/* The arguments of `staff add` are complete and mean something; else a message and 2. */
static int staff_args_ok(const struct staff_opts *o)
{
	if (!o->email || !o->name) {
		fprintf(stderr, "madoguchi: usage: madoguchi staff add --email E --name N "
		                "[--role admin]\n");
		return 0;
	}
	if (o->role && strcmp(o->role, "admin") != 0) {
		fprintf(stderr, "madoguchi: staff add: --role takes only admin (the roles per "
		                "procedure come with the console)\n");
		return 0;
	}
	return 1;
}

static int cmd_migrate(app *a)
{
	char err[1024];
	if (prepare_store(a, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "madoguchi: %s\n", err);
		return 1;
	}
	printf("database %s is up to date\n", db_shown(a->cfg.database));
	return 0;
}

/* madoguchi backup FILE: an online copy of the SQLite database (store_backup). */
static int cmd_backup(const app *a, const char *dest)
{
	const char *db = a->cfg.database;
	if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0) {
		fprintf(stderr, "madoguchi: backup copies a SQLite database; back up PostgreSQL "
		                "with pg_dump or pg_basebackup (docs/operations.md)\n");
		return 1;
	}
	store *s = NULL;
	store_backup_info info;
	char err[1024];
	struct timespec t0, t1;
	if (store_open(db, &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "madoguchi: database %s: %s\n", db, err);
		return 1;
	}
	unsigned version = 0;
	if (store_schema_version(s, &version) != STORE_OK || version == 0) {
		fprintf(stderr, "madoguchi: backup: %s holds no portal database (not migrated)\n",
		        db);
		store_close(s);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = store_backup(s, dest, &info, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	store_close(s);
	if (rc != STORE_OK) {
		fprintf(stderr, "madoguchi: backup: %s\n", err);
		return 1;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("backup %s: %lld pages, %lld bytes, %lld applications, integrity_check %s, "
	       "%.3f s, %d restart(s)\n",
	       dest, info.pages, info.bytes, info.applications, info.integrity, secs,
	       info.restarts);
	return 0;
}

/* Everything the portal serves from: procedures, reference tables, trust anchors,
 * templates, static files, routes. 0, or the exit status after a message. */
static int load_app(app *a)
{
	char err[1024];
	if (proc_catalog_load(a->cfg.procedures_dir, &a->procs, err, sizeof(err)) != PROC_OK) {
		fprintf(stderr, "madoguchi: procedure definition refused: %s\n", err);
		return 2;
	}
	proc_catalog_digest(a->procs, a->procs_digest);
	if (refdata_load(a->cfg.refdata_dir, &a->refdata, err, sizeof(err)) != 0) {
		/* the portal still serves: bank codes are then checked by form only */
		log_error("bank and postal code tables not loaded (%s): run make", err);
		a->refdata = NULL;
	}
	if (load_trust(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "madoguchi: e-signature trust: %s\n", err);
		return 2;
	}
	a->tmpl = tmpl_set_new();
	if (!a->tmpl ||
	    tmpl_set_load_dir(a->tmpl, a->cfg.templates_dir, err, sizeof(err)) != TMPL_OK) {
		fprintf(stderr, "madoguchi: templates: %s\n", err);
		return 2;
	}
	if (static_load(&a->statics, a->cfg.static_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "madoguchi: static files: %s\n", err);
		return 2;
	}
	a->routes = pages_routes(&a->n_routes);
	return 0;
}

static void free_app(app *a)
{
	static_free(a->statics);
	tmpl_set_free(a->tmpl);
	proc_catalog_free(a->procs);
	refdata_free(a->refdata);
	verify_trust_free(a->trust);
}

/* The store prepared, the mail sender started, then the server until it stops. */
static int cmd_serve(app *a)
{
	char err[1024];
	mailer *mail = NULL;
	int rc = 1;
	if (log_access_open(a->cfg.access_log) < 0) {
		fprintf(stderr, "madoguchi: access log %s: %s\n", a->cfg.access_log,
		        strerror(errno));
		return 1;
	}
	if (prepare_store(a, 0, err, sizeof(err)) < 0 ||
	    mailer_start(&mail, &a->cfg, err, sizeof(err)) != MAIL_OK)
		goto out;
	a->mail_kick = mailer_kick_cb;
	a->mail_ctx = mail;
	if (server_run(a, err, sizeof(err)) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "madoguchi: %s\n", err);
	mailer_stop(mail);
	log_access_close();
	return rc;
}

/* The command's words after the options are as many as it takes; else 2 after a message. */
static int check_command(int argc, char **argv, const char *cmd, const struct staff_opts *so)
{
	int is_export = strcmp(cmd, "export-signature") == 0;
	int is_backup = strcmp(cmd, "backup") == 0;
	if (is_backup && optind + 2 != argc) {
		fprintf(stderr, "madoguchi: usage: madoguchi backup FILE\n");
		return 2;
	}
	int is_staff = strcmp(cmd, "staff") == 0;
	int given = so->email || so->name || so->role;
	if (is_export && optind + 3 != argc) {
		fprintf(stderr, "madoguchi: usage: madoguchi export-signature RECEIPT DIR\n");
		return 2;
	}
	int is_digest = is_staff && optind + 2 == argc && strcmp(argv[optind + 1], "digest") == 0;
	if (is_staff && !is_digest &&
	    (optind + 2 != argc || strcmp(argv[optind + 1], "add") != 0)) {
		fprintf(stderr, "madoguchi: usage: madoguchi staff add --email E --name N "
		                "[--role admin] | madoguchi staff digest\n");
		return 2;
	}
	if (is_digest && given) {
		fprintf(stderr, "madoguchi: usage: madoguchi staff digest (no options)\n");
		return 2;
	}
	if (is_staff && !is_digest && !staff_args_ok(so))
		return 2;
	if ((!is_export && !is_staff && !is_backup && optind + 1 < argc) || (given && !is_staff) ||
	    (strcmp(cmd, "serve") && strcmp(cmd, "migrate") && strcmp(cmd, "check") && !is_export &&
	     !is_staff && !is_backup)) {
		fprintf(stderr, "madoguchi: unknown command \"%s\" (see madoguchi --help)\n", cmd);
		return 2;
	}
	return -1;
}

/* The options; *cmd the command. -1 to go on, else the exit status (help, version, usage). */
static int parse_args(int argc, char **argv, const char **config_path, const char **cmd,
                      struct staff_opts *so)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"email", required_argument, NULL, 'e'},
	    {"name", required_argument, NULL, 'n'},
	    {"role", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config_path = optarg;
			break;
		case 'e':
			so->email = optarg;
			break;
		case 'n':
			so->name = optarg;
			break;
		case 'r':
			so->role = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("madoguchi %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	*cmd = optind < argc ? argv[optind] : "serve";
	if (strcmp(*cmd, "audit") == 0)
		return -1; /* cmd_audit reads its own arguments */
	return check_command(argc, argv, *cmd, so);
}

int main(int argc, char **argv)
{
	const char *config_path = NULL, *cmd = NULL;
	struct staff_opts so = {NULL, NULL, NULL};
	int rc = parse_args(argc, argv, &config_path, &cmd, &so);
	if (rc >= 0)
		return rc;
	app a;
	memset(&a, 0, sizeof(a));
	char err[1024];
	config_defaults(&a.cfg);
	if (config_load(&a.cfg, config_path, NULL, err, sizeof(err)) != CONFIG_OK) {
		fprintf(stderr, "madoguchi: configuration: %s\n", err);
		return 2;
	}
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(&a);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(&a, argv[optind + 1]);
	if (strcmp(cmd, "export-signature") == 0)
		return cmd_export_signature(&a.cfg, argv[optind + 1], argv[optind + 2]);
	if (strcmp(cmd, "staff") == 0 && strcmp(argv[optind + 1], "digest") == 0)
		return cmd_staff_digest(&a.cfg);
	if (strcmp(cmd, "staff") == 0)
		return cmd_staff_add(&a.cfg, &so);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(&a.cfg, argc - optind - 1, argv + optind + 1);
	rc = load_app(&a);
	if (rc == 0 && strcmp(cmd, "check") == 0)
		printf("configuration, %zu procedures, templates and static files are fine\n",
		       a.procs->n);
	else if (rc == 0)
		rc = cmd_serve(&a);
	free_app(&a);
	return rc;
}
