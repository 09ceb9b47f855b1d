/* mailer: the sender thread of the outbox. It claims due mails with a lease (so two portal
 * processes never send the same one, and a process that dies leaves its mails to the
 * others after the lease), sends each over SMTP with libcurl, and marks it sent or failed
 * with a doubling retry delay. It sleeps on a condition variable between rounds; a request
 * that committed a mail wakes it at once with mailer_kick. Only store.h calls reach the
 * database: no SQL here. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/metrics.h"
#include "mail/mailer.h"
#include "store/store.h"
#include "util/log.h"

#define BATCH 20  /* mails claimed at once */
#define LEASE 300 /* seconds a claimed mail is ours */
/* the longest sleep between rounds when nothing wakes the sender (mail_retry_seconds when
 * that is shorter) */
#define IDLE_SECONDS 5
#define CONNECT_TIMEOUT 10          /* seconds to connect to the SMTP server */
#define SEND_TIMEOUT 60             /* seconds for one whole SMTP transaction */
#define STOP_GRACE 3                /* seconds a send in progress gets after mailer_stop */
#define RETRY_MAX 3600              /* the retry delay doubles up to this */
#define GIVE_UP_AFTER (3 * 86400)   /* a mail still failing this long after it was made */
#define NEVER (100LL * 365 * 86400) /* next_at offset of a mail that will not be tried again */
#define MESSAGE_MAX (256 << 10)     /* a message is a 64 KiB body in base64 plus headers */

struct mailer {
	config cfg;
	int dev;       /* mail_mode "dev": nothing runs */
	int curl_init; /* curl_global_init done */
	int thread_up;
	store *s;
	CURL *curl;
	char msgid_domain[256];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	int stop;
	int kicked;
	struct timespec stop_at; /* CLOCK_MONOTONIC */
};

enum send_result { SENT, RETRY, PERMANENT, INTERRUPTED };

static double mono_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static int stopping(mailer *m)
{
	pthread_mutex_lock(&m->mu);
	int s = m->stop;
	pthread_mutex_unlock(&m->mu);
	return s;
}

/* ---- one SMTP transaction ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* Called by libcurl at least once a second: aborts the transfer when the mailer is being
 * stopped and the grace time has passed. */
static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	mailer *m = ud;
	pthread_mutex_lock(&m->mu);
	int abort = m->stop && mono_since(&m->stop_at) >= STOP_GRACE;
	pthread_mutex_unlock(&m->mu);
	return abort;
}

static enum send_result send_one(mailer *m, const store_mail *mail, char *err, size_t errlen)
{
	buf msg;
	struct curl_slist *rcpt = NULL;
	char rcpt_addr[STORE_MAIL_ADDR_MAX + 3], from_addr[sizeof(m->cfg.mail_from) + 2];
	char curl_err[CURL_ERROR_SIZE] = "";
	enum send_result res = RETRY;
	buf_init(&msg, MESSAGE_MAX);

	/* dated when it was written (what it reports happened then), not when it is sent */
	time_t date = mail->created_at > 0 ? (time_t)mail->created_at : time(NULL);
	int e = mail_build_outbox_message(&msg, m->cfg.mail_from, mail->to, mail->subject,
	                                  mail->body ? mail->body : "", date, m->msgid_domain,
	                                  mail->id);
	if (e != MAIL_OK) {
		snprintf(err, errlen, "refused, never sent: %s", mail_strerror(e));
		res = e == MAIL_EINPUT ? PERMANENT : RETRY;
		goto out;
	}
	snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", mail->to);
	snprintf(from_addr, sizeof(from_addr), "<%s>", m->cfg.mail_from);
	rcpt = curl_slist_append(NULL, rcpt_addr);
	if (!rcpt) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	struct upload up = {msg.data, msg.len};
	CURL *c = m->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, m->cfg.smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)SEND_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, m);
	if (m->cfg.smtp_starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (m->cfg.smtp_user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->cfg.smtp_password);
	}
	CURLcode cc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL); /* curl_err goes out of scope */
	if (cc == CURLE_OK) {
		res = SENT;
	} else {
		res = cc == CURLE_ABORTED_BY_CALLBACK ? INTERRUPTED : RETRY;
		if (code)
			snprintf(err, errlen, "%.200s (SMTP %ld)",
			         curl_err[0] ? curl_err : curl_easy_strerror(cc), code);
		else
			snprintf(err, errlen, "%.200s",
			         curl_err[0] ? curl_err : curl_easy_strerror(cc));
	}
out:
	curl_slist_free_all(rcpt);
	buf_release(&msg);
	return res;
}

/* ---- the sender thread ---- */

static long long retry_delay(mailer *m, int attempts)
{
	long long d = m->cfg.mail_retry_seconds > 0 ? m->cfg.mail_retry_seconds : 60;
	for (int i = 1; i < attempts && d < RETRY_MAX; i++)
		d *= 2;
	return d < RETRY_MAX ? d : RETRY_MAX;
}

static void handle(mailer *m, const store_mail *mail)
{
	char err[256] = "";
	enum send_result r = send_one(m, mail, err, sizeof(err));
	long long now = (long long)time(NULL), next_at;
	int attempts = mail->attempts + 1; /* this one included */
	int e;
	switch (r) {
	case SENT:
		e = store_outbox_mark_sent(m->s, mail->id, now);
		if (e != STORE_OK) /* sent, but it will be sent again after the lease */
			log_error("mail %lld: sent, but not marked sent: %s: %s", mail->id,
			          store_strerror(e), store_errmsg(m->s));
		return;
	case INTERRUPTED:
		next_at = now; /* retried at the next start */
		snprintf(err, sizeof(err), "interrupted by shutdown");
		break;
	case PERMANENT:
		next_at = now + NEVER;
		log_error("mail %lld: %s", mail->id, err);
		break;
	default:
		if (mail->created_at && now - mail->created_at > GIVE_UP_AFTER) {
			next_at = now + NEVER;
			char tail[256];
			memcpy(tail, err, sizeof(tail));
			snprintf(err, sizeof(err), "given up after %d attempts: %.200s", attempts,
			         tail);
			log_error("mail %lld: %s", mail->id, err);
		} else {
			next_at = now + retry_delay(m, attempts);
			log_error("mail %lld: attempt %d failed: %s; next try in %lld s", mail->id,
			          attempts, err, next_at - now);
		}
		break;
	}
	if (r != INTERRUPTED)
		metrics_mail_failed();
	e = store_outbox_mark_failed(m->s, mail->id, next_at, err);
	if (e != STORE_OK)
		log_error("mail %lld: cannot record the failure: %s: %s", mail->id,
		          store_strerror(e), store_errmsg(m->s));
}

/* One round: claims the due mails and sends them. Returns how many were claimed. */
static size_t round_once(mailer *m)
{
	store_mail mails[BATCH];
	size_t n = 0;
	long long claimed_at = (long long)time(NULL);
	memset(mails, 0, sizeof(mails));
	int e = store_outbox_claim(m->s, claimed_at, LEASE, mails, BATCH, &n);
	if (e != STORE_OK) {
		log_error("mail sender: cannot claim mails: %s: %s", store_strerror(e),
		          store_errmsg(m->s));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		/* The rest stay claimed and are taken again when their lease ends: when stopping,
		 * and before a send that could outlast the lease (another sender may take it). */
		if (stopping(m) || (long long)time(NULL) + SEND_TIMEOUT + 5 > claimed_at + LEASE)
			break;
		handle(m, &mails[i]);
	}
	for (size_t i = 0; i < n; i++)
		store_mail_release(&mails[i]);
	return n;
}

static void *sender_main(void *arg)
{
	mailer *m = arg;
	for (;;) {
		if (stopping(m))
			break;
		size_t n = round_once(m);
		pthread_mutex_lock(&m->mu);
		if (n < BATCH && !m->kicked && !m->stop) { /* a full batch: more may be due now */
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			long idle = m->cfg.mail_retry_seconds;
			until.tv_sec += idle > 0 && idle < IDLE_SECONDS ? idle : IDLE_SECONDS;
			while (!m->stop && !m->kicked) {
				int e = pthread_cond_timedwait(&m->cv, &m->mu, &until);
				if (e == ETIMEDOUT)
					break;
			}
		}
		m->kicked = 0;
		pthread_mutex_unlock(&m->mu);
	}
	return NULL;
}

/* The domain part of the sender address names the Message-IDs. */
static void set_msgid_domain(mailer *m)
{
	const char *at = strrchr(m->cfg.mail_from, '@');
	snprintf(m->msgid_domain, sizeof(m->msgid_domain), "%s",
	         at && mail_address_ok(m->cfg.mail_from) ? at + 1 : "madoguchi.invalid");
}

static void mailer_free(mailer *m)
{
	if (!m)
		return;
	if (m->curl)
		curl_easy_cleanup(m->curl);
	if (m->curl_init)
		curl_global_cleanup();
	store_close(m->s);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int mailer_start(mailer **out, const config *cfg, char *err, size_t errlen)
{
	int rc = MAIL_ETHREAD;
	char serr[512];
	pthread_condattr_t ca;
	*out = NULL;
	mailer *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "mail sender: out of memory");
		return MAIL_ENOMEM;
	}
	m->cfg = *cfg;
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (strcmp(cfg->mail_mode, "dev") == 0) {
		m->dev = 1;
		*out = m;
		return MAIL_OK;
	}
	if (!mail_address_ok(cfg->mail_from)) {
		snprintf(err, errlen, "mail_from: \"%.200s\" is not a plain mail address",
		         cfg->mail_from);
		rc = MAIL_EINPUT;
		goto out;
	}
	set_msgid_domain(m);
	if (store_open(cfg->database, &m->s, serr, sizeof(serr)) != STORE_OK) {
		snprintf(err, errlen, "mail sender: database %.200s: %.300s", cfg->database, serr);
		rc = MAIL_ESTORE;
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "mail sender: libcurl cannot start");
		goto out;
	}
	m->curl_init = 1;
	m->curl = curl_easy_init();
	if (!m->curl) {
		snprintf(err, errlen, "mail sender: libcurl cannot start");
		goto out;
	}
	int e = pthread_create(&m->thread, NULL, sender_main, m);
	if (e) {
		snprintf(err, errlen, "mail sender: cannot start its thread: %s", strerror(e));
		goto out;
	}
	m->thread_up = 1;
	*out = m;
	m = NULL;
	rc = MAIL_OK;
out:
	mailer_free(m);
	return rc;
}

void mailer_kick(mailer *m)
{
	if (!m || m->dev)
		return;
	pthread_mutex_lock(&m->mu);
	m->kicked = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void mailer_kick_cb(void *m)
{
	mailer_kick(m);
}

void mailer_stop(mailer *m)
{
	if (!m)
		return;
	if (m->thread_up) {
		pthread_mutex_lock(&m->mu);
		m->stop = 1;
		clock_gettime(CLOCK_MONOTONIC, &m->stop_at);
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->thread, NULL);
	}
	mailer_free(m);
}
