/* config: the portal's settings, from a JSON file and then MADOGUCHI_* environment variables
 * (MADOGUCHI_PORT=9000 overrides "port"). Unknown keys and wrong types are errors that name
 * the key, so a typo never silently falls back to a default. */
#ifndef MADOGUCHI_CONFIG_H
#define MADOGUCHI_CONFIG_H

#include <stddef.h>

typedef struct config {
	char listen[64];     /* address to bind, "127.0.0.1" or "0.0.0.0" */
	long port;           /* 1..65535 */
	long threads;        /* event loops; 0: one per core */
	char database[512];  /* store URL: "sqlite:var/madoguchi.db" */
	char city_name[128]; /* shown in the header */
	char site_name[128]; /* "オンライン手続" */
	char templates_dir[256];
	char static_dir[256];
	char procedures_dir[256];
	char refdata_dir[256]; /* bank and postal code tables made at setup */
	/* e-signatures: trust anchors (the J-LIS roots; the test root in development), and
	 * the revocation check: an OCSP responder and/or a CRL file */
	char sign_anchors_dir[256];
	char sign_ocsp_url[512];
	char sign_crl_file[256];
	int sign_revocation_soft_fail;
	long sign_request_minutes; /* a sign request's life */
	/* the long poll of the signature's state (http/hold.h): how long one is held open,
	 * and how many may be held by the process and by one session */
	long sign_poll_hold_seconds; /* 0: answered at once (the plain poll only) */
	long sign_poll_max_held;
	long sign_poll_max_held_per_session;
	/* the signature time-stamp at arrival (CAdES-T, sig/stamp.h): an RFC 3161 TSA */
	char tsa_url[512];      /* "": off */
	char tsa_ca_file[256];  /* the TSA's CA (PEM): the token's signature checked too */
	long tsa_retry_seconds; /* first retry delay; doubles up to an hour */
	char access_log[256];   /* path, "-" (stderr) or "" (off) */
	char base_url[256];     /* the public address, used in links and mails */
	int dev_mode;           /* migrate on start, /dev pages */
	int https;              /* served over HTTPS (Secure cookies, HSTS) */
	int group_commit;       /* submissions through the group-committing writer (defer.h) */
	long max_body_bytes;    /* hard limit of any request body */
	long max_form_bytes;    /* limit of a urlencoded form body */
	long max_header_bytes;  /* limit of the request line and headers together */
	long max_header_fields; /* limit of the number of request headers */
	long max_form_fields;   /* limit of the number of fields in a query or form */
	long request_timeout;   /* seconds without any byte before a connection is closed */
	long header_timeout;    /* seconds to read a request head, from its first byte */
	long body_timeout;      /* seconds to read a body, plus one per body_min_rate bytes */
	long body_min_rate;     /* bytes a second a body must keep up (0: no rate rule) */
	long max_connections;   /* open connections of the process */
	long max_connections_per_address; /* open connections of one client address (0: no cap) */
	/* mail */
	char mail_mode[16]; /* "dev": kept in the outbox and shown at /dev/mail; "smtp" */
	char smtp_url[256]; /* smtp://host:port or smtps://host:port */
	int smtp_starttls;  /* require STARTTLS on smtp:// */
	char smtp_user[128];
	char smtp_password[128];
	char mail_from[256];     /* envelope and From: address */
	long mail_retry_seconds; /* first retry delay; doubles up to an hour */
	/* accounts */
	long argon2_t_cost;     /* passes */
	long argon2_m_cost_kib; /* memory per hash, KiB */
	long argon2_parallelism;
	long workers; /* threads for slow work (hashing, fsync-bound commits) */
	long session_idle_minutes;
	long session_absolute_hours;
	long staff_session_idle_minutes; /* the staff console's sessions (/staff) */
	long staff_session_absolute_hours;
	long staff_step_up_minutes; /* the TOTP re-entry's window (staff_step_up_fresh) */
	long login_max_failures;    /* failures in login_lock_minutes before the wait */
	long login_lock_minutes;
	/* procedures without login (anonymous drafts and their attachments) */
	long anon_upload_session_bytes;   /* attachments of one session's open drafts, in all */
	long anon_upload_peer_bytes_hour; /* attachments from one client address in an hour */
	long anon_draft_hours;            /* a draft without login untouched this long is gone */
	long anon_sessions_peer_hour;     /* sessions without login one address may start an hour */
	char trusted_proxies[512];        /* proxies whose X-Forwarded-For counts (netaddr.h) */
	char metrics_listen[64];          /* "IPv4:PORT" of the metrics endpoint; "": off */
} config;

enum config_err { CONFIG_OK = 0, CONFIG_EIO, CONFIG_EJSON, CONFIG_EKEY, CONFIG_EVALUE };
const char *config_strerror(int err);

/* Fill c with the defaults. */
void config_defaults(config *c);
/* Read path (NULL: defaults only) over the defaults, then the environment (envp NULL:
 * the process environment). On error writes "FILE: KEY: what" into err. */
int config_load(config *c, const char *path, char *const *envp, char *err, size_t errlen);
/* The address and port of c->metrics_listen ("IPv4:PORT"): 1 when set (ip gets the
 * address), 0 when empty (off), -1 when malformed (config_load refuses that). */
int config_metrics_addr(const config *c, char ip[64], long *port);
/* Print every key with its type and default, for --help. */
void config_print_keys(void);

#endif
