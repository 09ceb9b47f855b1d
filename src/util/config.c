/* config: settings from a JSON file with environment overrides (see config.h). The keys are
 * one table, so loading, overriding and --help cannot drift apart. */
#include "util/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/netaddr.h"
#include "util/num.h"

extern char **environ;

enum kind { K_STR, K_INT, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	size_t size;   /* K_STR: buffer size */
	long min, max; /* K_INT */
	const char *help;
};

/* One key per line with its help text whole: clang-format leaves the table as it is. */
/* clang-format off */
#define S(f, h) {#f, K_STR, offsetof(config, f), sizeof(((config *)0)->f), 0, 0, h}
#define I(f, lo, hi, h) {#f, K_INT, offsetof(config, f), 0, lo, hi, h}
#define B(f, h) {#f, K_BOOL, offsetof(config, f), 0, 0, 0, h}
static const struct key keys[] = {
	S(listen, "address to listen on"),
	I(port, 1, 65535, "TCP port"),
	I(threads, 0, 256, "event loops (0: one per core)"),
	S(database, "store URL, sqlite:PATH"),
	S(city_name, "the city's name in the page header"),
	S(site_name, "the portal's name in the page header"),
	S(templates_dir, "directory of the HTML templates"),
	S(static_dir, "directory of the static files"),
	S(procedures_dir, "directory of the procedure definitions"),
	S(refdata_dir, "directory of the bank and postal code tables (made at setup)"),
	S(sign_anchors_dir, "directory of the CA certificates that e-signatures must chain to (empty: signing off)"),
	S(sign_ocsp_url, "OCSP responder for signing certificates (empty: none)"),
	S(sign_crl_file, "CRL file for signing certificates (empty: none)"),
	B(sign_revocation_soft_fail, "accept a signature when no revocation source answers (the report says so)"),
	I(sign_request_minutes, 1, 60, "minutes a sign request stays usable"),
	I(sign_poll_hold_seconds, 0, 60, "seconds the confirmation page's wait for the signature (wait=1) is held open (0: answered at once; kept below request_timeout)"),
	I(sign_poll_max_held, 0, 100000, "waits for a signature held open by the process at once; more are answered at once"),
	I(sign_poll_max_held_per_session, 1, 100, "waits for a signature held open for one session at once; more are answered at once"),
	S(tsa_url, "RFC 3161 time-stamp authority asked for a token over each arriving signature (http:// or https://; empty: off)"),
	S(tsa_ca_file, "CA certificate(s) of the time-stamp authority (PEM): a token that does not verify to it is refused (empty: signature not checked)"),
	I(tsa_retry_seconds, 1, 3600, "first retry delay of a time-stamp the authority did not give (doubles up to 1 h)"),
	S(access_log, "access log: a path, - for stderr, empty for none"),
	S(base_url, "public address of the portal"),
	B(dev_mode, "development mode: migrate on start, development pages"),
	B(https, "served over HTTPS: Secure cookies and HSTS"),
	B(group_commit, "submissions, draft saves and signature marks go to one writer thread that commits what is queued with one durable commit"),
	I(max_body_bytes, 1024, 64L << 20, "cap on every route's body limit (bytes)"),
	I(max_form_bytes, 1024, 64L << 20, "body limit of a POST route without its own (bytes)"),
	I(max_header_bytes, 1024, 1L << 20, "largest request head (bytes)"),
	I(max_header_fields, 8, 1000, "most request header fields"),
	I(max_form_fields, 8, 10000, "most fields in a query or form"),
	I(request_timeout, 1, 3600, "seconds a connection may stay silent (idle keep-alive too)"),
	I(header_timeout, 1, 3600, "seconds to send a request head (from the connection's start or the request's first byte)"),
	I(body_timeout, 1, 3600, "seconds to send a body, plus one per body_min_rate bytes"),
	I(body_min_rate, 0, 1L << 30, "bytes a second a body must average (0: no rate rule)"),
	I(max_connections, 1, 1000000, "open connections of the portal; more are closed at once"),
	I(max_connections_per_address, 0, 1000000, "open connections of one client address (the TCP peer; 0: no cap)"),
	S(mail_mode, "dev (mails shown at /dev/mail, dev_mode only) or smtp"),
	S(smtp_url, "SMTP server, smtp://host:port or smtps://host:port"),
	B(smtp_starttls, "require STARTTLS on smtp://"),
	S(smtp_user, "SMTP user (empty: no authentication)"),
	S(smtp_password, "SMTP password"),
	S(mail_from, "sender address of the portal's mails"),
	I(mail_retry_seconds, 1, 3600, "first retry delay of a failed mail (doubles up to 1 h)"),
	I(argon2_t_cost, 1, 100, "argon2id passes"),
	I(argon2_m_cost_kib, 8, 4L << 20, "argon2id memory per hash (KiB)"),
	I(argon2_parallelism, 1, 64, "argon2id lanes"),
	I(workers, 0, 256, "threads for slow work (0: one per core)"),
	I(session_idle_minutes, 1, 10080, "a session ends after this long without a request"),
	I(session_absolute_hours, 1, 720, "a session ends this long after login"),
	I(staff_session_idle_minutes, 1, 1440, "a staff session (/staff) ends after this long without a request"),
	I(staff_session_absolute_hours, 1, 24, "a staff session ends this long after login"),
	I(staff_step_up_minutes, 1, 60, "an administrator's change needs the TOTP code entered this recently (else /staff/reauth)"),
	I(login_max_failures, 1, 1000, "failed logins before the wait"),
	I(login_lock_minutes, 1, 1440, "the wait after too many failed logins (minutes)"),
	/* procedures without login */
	I(anon_upload_session_bytes, 1, 1L << 30, "attachment bytes one session without login may keep in its drafts"),
	I(anon_upload_peer_bytes_hour, 1, 1L << 34, "attachment bytes one client address may send without login in an hour"),
	I(anon_draft_hours, 1, 720, "hours a draft without login lives untouched"),
	I(anon_sessions_peer_hour, 1, 1000000, "sessions without login (first saves of a form) one client address may start in an hour"),
	S(trusted_proxies, "reverse proxies (IPv4 addresses or CIDRs, comma-separated) whose X-Forwarded-For gives the client's address (empty: none)"),
	S(metrics_listen, "IPv4:PORT of the Prometheus metrics endpoint GET /metrics, apart from the portal's port (empty: off)"),
};
/* clang-format on */
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *config_strerror(int err)
{
	switch (err) {
	case CONFIG_OK:
		return "ok";
	case CONFIG_EIO:
		return "cannot read the file";
	case CONFIG_EJSON:
		return "not valid JSON";
	case CONFIG_EKEY:
		return "unknown key";
	case CONFIG_EVALUE:
		return "bad value";
	}
	return "unknown error";
}

void config_defaults(config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8080;
	snprintf(c->database, sizeof(c->database), "sqlite:var/madoguchi.db");
	snprintf(c->city_name, sizeof(c->city_name), "みどり市");
	snprintf(c->site_name, sizeof(c->site_name), "オンライン手続");
	snprintf(c->templates_dir, sizeof(c->templates_dir), "templates");
	snprintf(c->static_dir, sizeof(c->static_dir), "static");
	snprintf(c->procedures_dir, sizeof(c->procedures_dir), "procedures");
	snprintf(c->refdata_dir, sizeof(c->refdata_dir), "build/refdata");
	c->sign_request_minutes = 10;
	c->sign_poll_hold_seconds = 20;
	c->sign_poll_max_held = 1024;
	c->sign_poll_max_held_per_session = 2;
	c->tsa_retry_seconds = 60;
	snprintf(c->access_log, sizeof(c->access_log), "-");
	snprintf(c->base_url, sizeof(c->base_url), "http://localhost:8080");
	c->max_body_bytes = 32L << 20;
	c->max_form_bytes = 256L << 10;
	c->max_header_bytes = 16L << 10;
	c->max_header_fields = 64;
	c->max_form_fields = 200;
	c->request_timeout = 30;
	c->header_timeout = 10;
	c->body_timeout = 20;
	c->body_min_rate = 500;
	c->max_connections = 8192;
	c->max_connections_per_address = 256;
	snprintf(c->mail_mode, sizeof(c->mail_mode), "smtp");
	snprintf(c->smtp_url, sizeof(c->smtp_url), "smtp://127.0.0.1:25");
	snprintf(c->mail_from, sizeof(c->mail_from), "madoguchi@localhost");
	c->mail_retry_seconds = 60;
	c->argon2_t_cost = 3;
	c->argon2_m_cost_kib = 65536;
	c->argon2_parallelism = 1;
	c->group_commit = 1;
	c->session_idle_minutes = 30;
	c->session_absolute_hours = 12;
	c->staff_session_idle_minutes = 30;
	c->staff_session_absolute_hours = 10;
	c->staff_step_up_minutes = 5;
	c->login_max_failures = 5;
	c->login_lock_minutes = 15;
	/* procedures without login: three 5 MB photos fit, a flood does not */
	c->anon_upload_session_bytes = 20L << 20;
	c->anon_upload_peer_bytes_hour = 100L << 20;
	c->anon_draft_hours = 48;
	c->anon_sessions_peer_hour = 200;
}

static int set_str(config *c, const struct key *k, const char *v, char *err, size_t errlen,
                   const char *where)
{
	size_t n = strlen(v);
	if (n >= k->size) {
		snprintf(err, errlen, "%s: %s: longer than %zu bytes", where, k->name, k->size - 1);
		return CONFIG_EVALUE;
	}
	memcpy((char *)c + k->off, v, n + 1);
	return CONFIG_OK;
}

static int set_int(config *c, const struct key *k, long long v, char *err, size_t errlen,
                   const char *where)
{
	if (v < k->min || v > k->max) {
		snprintf(err, errlen, "%s: %s: %lld is out of range %ld..%ld", where, k->name, v,
		         k->min, k->max);
		return CONFIG_EVALUE;
	}
	*(long *)((char *)c + k->off) = (long)v;
	return CONFIG_OK;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int apply_json(config *c, json_t *root, const char *path, char *err, size_t errlen)
{
	const char *name;
	json_t *v;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: the top level must be an object", path);
		return CONFIG_EJSON;
	}
	json_object_foreach(root, name, v) {
		const struct key *k = find_key(name);
		int r = CONFIG_OK;
		if (!k) {
			snprintf(err, errlen, "%s: %s: unknown key", path, name);
			return CONFIG_EKEY;
		}
		switch (k->kind) {
		case K_STR:
			if (!json_is_string(v))
				goto type;
			r = set_str(c, k, json_string_value(v), err, errlen, path);
			break;
		case K_INT:
			if (!json_is_integer(v))
				goto type;
			r = set_int(c, k, json_integer_value(v), err, errlen, path);
			break;
		case K_BOOL:
			if (!json_is_boolean(v))
				goto type;
			*(int *)((char *)c + k->off) = json_is_true(v);
			break;
		}
		if (r)
			return r;
		continue;
	type:
		snprintf(err, errlen, "%s: %s: must be %s", path, name,
		         k->kind == K_STR   ? "a string"
		         : k->kind == K_INT ? "an integer"
		                            : "true or false");
		return CONFIG_EVALUE;
	}
	return CONFIG_OK;
}

static int apply_env(config *c, char *const *envp, char *err, size_t errlen)
{
	static const char prefix[] = "MADOGUCHI_";
	for (char *const *e = envp; e && *e; e++) {
		if (strncmp(*e, prefix, sizeof(prefix) - 1) != 0)
			continue;
		const char *rest = *e + sizeof(prefix) - 1;
		const char *eq = strchr(rest, '=');
		char name[64];
		size_t n = eq ? (size_t)(eq - rest) : 0;
		if (!eq || n == 0 || n >= sizeof(name))
			continue;
		for (size_t i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)rest[i]);
		name[n] = '\0';
		const struct key *k = find_key(name);
		if (!k)
			continue; /* other programs' MADOGUCHI_ variables (tests, tools) are fine */
		const char *v = eq + 1;
		char where[80];
		snprintf(where, sizeof(where), "environment MADOGUCHI_%.*s", (int)n, rest);
		int r = CONFIG_OK;
		if (k->kind == K_STR) {
			r = set_str(c, k, v, err, errlen, where);
		} else if (k->kind == K_INT) {
			char *end;
			errno = 0;
			long long x = strtoll(v, &end, 10);
			if (errno || end == v || *end) {
				snprintf(err, errlen, "%s: %s: \"%s\" is not an integer", where,
				         k->name, v);
				return CONFIG_EVALUE;
			}
			r = set_int(c, k, x, err, errlen, where);
		} else {
			if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
				*(int *)((char *)c + k->off) = 1;
			else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
				*(int *)((char *)c + k->off) = 0;
			else {
				snprintf(err, errlen, "%s: %s: \"%s\" is not true or false", where,
				         k->name, v);
				return CONFIG_EVALUE;
			}
		}
		if (r)
			return r;
	}
	return CONFIG_OK;
}

int config_load(config *c, const char *path, char *const *envp, char *err, size_t errlen)
{
	int r = CONFIG_OK;
	json_t *root = NULL;
	if (path) {
		json_error_t je;
		FILE *f = fopen(path, "r");
		if (!f) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return CONFIG_EIO;
		}
		root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
		fclose(f);
		if (!root) {
			snprintf(err, errlen, "%s: line %d column %d: %s", path, je.line, je.column,
			         je.text);
			return CONFIG_EJSON;
		}
		r = apply_json(c, root, path, err, errlen);
		if (r)
			goto out;
	}
	r = apply_env(c, envp ? envp : environ, err, errlen);
	if (r == CONFIG_OK && strcmp(c->mail_mode, "dev") && strcmp(c->mail_mode, "smtp")) {
		snprintf(err, errlen, "mail_mode: \"%s\" must be dev or smtp", c->mail_mode);
		r = CONFIG_EVALUE;
	}
	if (r == CONFIG_OK && netaddr_list_valid(c->trusted_proxies) < 0) {
		snprintf(err, errlen,
		         "trusted_proxies: \"%s\" is not a list of IPv4 addresses or CIDRs",
		         c->trusted_proxies);
		r = CONFIG_EVALUE;
	}
	char mip[64];
	long mport;
	if (r == CONFIG_OK && config_metrics_addr(c, mip, &mport) < 0) {
		snprintf(err, errlen, "metrics_listen: \"%s\" is not IPv4:PORT", c->metrics_listen);
		r = CONFIG_EVALUE;
	}
out:
	json_decref(root);
	return r;
}

int config_metrics_addr(const config *c, char ip[64], long *port)
{
	struct in_addr a;
	const char *colon = strrchr(c->metrics_listen, ':');
	if (!c->metrics_listen[0])
		return 0;
	if (!colon || colon == c->metrics_listen || (size_t)(colon - c->metrics_listen) >= 64 ||
	    num_parse_long(colon + 1, 1, 65535, port) < 0)
		return -1;
	memcpy(ip, c->metrics_listen, (size_t)(colon - c->metrics_listen));
	ip[colon - c->metrics_listen] = '\0';
	return inet_pton(AF_INET, ip, &a) == 1 ? 1 : -1;
}

void config_print_keys(void)
{
	config d;
	config_defaults(&d);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		char def[300];
		if (k->kind == K_STR)
			snprintf(def, sizeof(def), "\"%s\"", (const char *)&d + k->off);
		else if (k->kind == K_INT)
			snprintf(def, sizeof(def), "%ld",
			         *(const long *)((const char *)&d + k->off));
		else
			snprintf(def, sizeof(def), "%s",
			         *(const int *)((const char *)&d + k->off) ? "true" : "false");
		char env[80];
		size_t j = 0;
		for (const char *p = k->name; *p && j < sizeof(env) - 1; p++)
			env[j++] = (char)toupper((unsigned char)*p);
		env[j] = '\0';
		printf("  %-18s MADOGUCHI_%-18s %s (default %s)\n", k->name, env, k->help, def);
	}
}
