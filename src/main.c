/* madoguchi: the portal program. `madoguchi [serve]` runs the HTTP server; `madoguchi
 * migrate` applies the database migrations; `madoguchi check` loads everything and exits. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/account.h"
#include "core/procedure.h"
#include "core/refdata.h"
#include "mail/mailer.h"
#include "http/http.h"
#include "pages/pages.h"
#include "store/migrations.h"
#include "store/store.h"
#include "util/log.h"

#define VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: madoguchi [--config FILE] [COMMAND]\n"
		"\n"
		"Madoguchi, a city's online procedures portal.\n"
		"\n"
		"Commands:\n"
		"  serve      run the portal (the default)\n"
		"  migrate    apply the database migrations not yet applied, then exit\n"
		"  check      load the configuration, procedures and templates, then exit\n"
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

/* Development mode: a confirmed demo resident, so that a newcomer can log in at once. */
static void ensure_demo_account(store *s, const app *a)
{
	store_account acct;
	if (store_account_by_email(s, DEMO_EMAIL, &acct) == STORE_OK)
		return;
	pw_params pp = {(unsigned)a->cfg.argon2_t_cost, (unsigned)a->cfg.argon2_m_cost_kib,
			(unsigned)a->cfg.argon2_parallelism};
	char hash[STORE_HASH_MAX + 1];
	long long id = 0, now = (long long)time(NULL);
	if (password_hash(&pp, DEMO_PASSWORD, strlen(DEMO_PASSWORD), hash, sizeof(hash)) == 0 &&
	    store_account_create(s, DEMO_EMAIL, hash, now, &id) == STORE_OK &&
	    store_account_set_verified(s, id, now) == STORE_OK)
		log_info("created the demo resident account");
}

static int prepare_store(const app *a, int migrate, char *err, size_t errlen)
{
	store *s = NULL;
	char serr[512];
	int rc = -1;
	if (a->cfg.dev_mode || migrate)
		ensure_db_dir(a->cfg.database);
	if (store_open(a->cfg.database, &s, serr, sizeof(serr)) != STORE_OK) {
		snprintf(err, errlen, "database %.300s: %.400s", a->cfg.database, serr);
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
	store_schema_version(s, &version);
	unsigned latest = store_n_migrations ? store_migrations[store_n_migrations - 1].number : 0;
	if (version < latest) {
		snprintf(err, errlen,
			 "the database is at migration %u but this program needs %u: run `madoguchi migrate`",
			 version, latest);
		goto out;
	}
	if (a->cfg.dev_mode && !migrate) {
		ensure_demo_account(s, a);
		log_info("development mode: demo resident %s, password %s; mails at %s/dev/mail",
			 DEMO_EMAIL, DEMO_PASSWORD, a->cfg.base_url);
	}
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
	}
	rc = 0;
out:
	store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	int c, rc = 1;
	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("madoguchi %s\n", VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	const char *cmd = optind < argc ? argv[optind] : "serve";
	if (optind + 1 < argc || (strcmp(cmd, "serve") && strcmp(cmd, "migrate") && strcmp(cmd, "check"))) {
		fprintf(stderr, "madoguchi: unknown command \"%s\" (see madoguchi --help)\n", cmd);
		return 2;
	}

	app a;
	mailer *mail = NULL;
	memset(&a, 0, sizeof(a));
	char err[1024];
	config_defaults(&a.cfg);
	if (config_load(&a.cfg, config_path, NULL, err, sizeof(err)) != CONFIG_OK) {
		fprintf(stderr, "madoguchi: configuration: %s\n", err);
		return 2;
	}
	if (strcmp(cmd, "migrate") == 0) {
		rc = prepare_store(&a, 1, err, sizeof(err)) == 0 ? 0 : 1;
		if (rc)
			fprintf(stderr, "madoguchi: %s\n", err);
		else
			printf("database %s is up to date\n", a.cfg.database);
		return rc;
	}
	if (proc_catalog_load(a.cfg.procedures_dir, &a.procs, err, sizeof(err)) != PROC_OK) {
		fprintf(stderr, "madoguchi: procedure definition refused: %s\n", err);
		return 2;
	}
	if (refdata_load(a.cfg.refdata_dir, &a.refdata, err, sizeof(err)) != 0) {
		/* the portal still serves: bank codes are then checked by form only */
		log_error("bank and postal code tables not loaded (%s): run make", err);
		a.refdata = NULL;
	}
	a.tmpl = tmpl_set_new();
	if (!a.tmpl || tmpl_set_load_dir(a.tmpl, a.cfg.templates_dir, err, sizeof(err)) != TMPL_OK) {
		fprintf(stderr, "madoguchi: templates: %s\n", err);
		rc = 2;
		goto out;
	}
	if (static_load(&a.statics, a.cfg.static_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "madoguchi: static files: %s\n", err);
		rc = 2;
		goto out;
	}
	a.routes = pages_routes(&a.n_routes);
	if (strcmp(cmd, "check") == 0) {
		printf("configuration, %zu procedures, templates and static files are fine\n", a.procs->n);
		rc = 0;
		goto out;
	}
	if (log_access_open(a.cfg.access_log) < 0) {
		fprintf(stderr, "madoguchi: access log %s: %s\n", a.cfg.access_log, strerror(errno));
		goto out;
	}
	if (prepare_store(&a, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "madoguchi: %s\n", err);
		goto out;
	}
	if (mailer_start(&mail, &a.cfg, err, sizeof(err)) != MAIL_OK) {
		fprintf(stderr, "madoguchi: %s\n", err);
		goto out;
	}
	a.mail_kick = mailer_kick_cb;
	a.mail_ctx = mail;
	if (server_run(&a, err, sizeof(err)) < 0) {
		fprintf(stderr, "madoguchi: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	mailer_stop(mail);
	log_access_close();
	static_free(a.statics);
	tmpl_set_free(a.tmpl);
	proc_catalog_free(a.procs);
	refdata_free(a.refdata);
	return rc;
}
