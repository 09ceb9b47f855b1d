/* message: builds the RFC 5322 / MIME text of one mail (mail_build_message in mailer.h).
 * Headers are ASCII only: the subject goes as RFC 2047 "B" encoded words, the body as base64
 * of its UTF-8 text, so no 8-bit data ever crosses SMTP and every line stays short. Header
 * values are checked before anything is written, so a CR or LF in an address or a subject
 * (header injection) is refused, never sent. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mail/mailer.h"
#include "util/enc.h"
#include "util/jdate.h"
#include "util/utf8.h"

#define ADDR_MAX 254
#define LOCAL_MAX 64
#define DOMAIN_MAX 253
/* A subject part of at most 42 bytes gives 56 base64 characters, an encoded word of
 * 12 + 56 = 68 characters (RFC 2047 allows 75) and a first line "Subject: " + 68 = 77. */
#define SUBJECT_CHUNK 42
#define SUBJECT_PLAIN_MAX (78 - 9)
/* 57 bytes make one 76-character base64 line (RFC 2045). */
#define BODY_CHUNK 57

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *mail_strerror(int err)
{
	switch (err) {
	case MAIL_OK:
		return "ok";
	case MAIL_EINPUT:
		return "unusable address or header value";
	case MAIL_ENOMEM:
		return "out of memory";
	case MAIL_ESTORE:
		return "cannot open the database";
	case MAIL_ETHREAD:
		return "cannot start the mail sender";
	default:
		return "unknown error";
	}
}

/* Appends the base64 of p[0..n) without line breaks. */
static void b64_append(buf *out, const unsigned char *p, size_t n)
{
	char q[4];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = B64[(v >> 18) & 63];
		q[1] = B64[(v >> 12) & 63];
		q[2] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? B64[v & 63] : '=';
		buf_append(out, q, 4);
	}
}

static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int domain_ok(const char *d, size_t n)
{
	if (n == 0 || n > DOMAIN_MAX || d[0] == '.' || d[0] == '-' || d[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.') {
			if (d[i - 1] == '.')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9') || c == '-')) {
			return 0;
		}
	}
	return 1;
}

int mail_address_ok(const char *addr)
{
	if (!addr)
		return 0;
	size_t n = strnlen(addr, ADDR_MAX + 1);
	const char *at = memchr(addr, '@', n);
	if (n == 0 || n > ADDR_MAX || !at)
		return 0;
	size_t local = (size_t)(at - addr);
	if (local == 0 || local > LOCAL_MAX || addr[0] == '.' || addr[local - 1] == '.')
		return 0;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c == '.' ? addr[i - 1] == '.' : !is_atext(c))
			return 0;
	}
	return domain_ok(at + 1, n - local - 1);
}

/* 1 when s is valid UTF-8 without C0 controls or DEL (so no CR or LF). */
static int subject_ok(const char *s)
{
	size_t n = strnlen(s, 4096 + 1);
	return n <= 4096 && utf8_line_ok(s, n);
}

static void append_subject(buf *out, const char *s)
{
	size_t n = strlen(s);
	int plain = n <= SUBJECT_PLAIN_MAX && !strstr(s, "=?");
	for (size_t i = 0; plain && i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			plain = 0;
	buf_puts(out, "Subject:");
	if (plain) {
		buf_printf(out, " %s\r\n", s);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t end =
		    i + utf8_cut(s + i, n - i, SUBJECT_CHUNK); /* never split a character */
		buf_puts(out, i ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
		b64_append(out, (const unsigned char *)s + i, end - i);
		buf_puts(out, "?=");
		i = end;
	}
	buf_puts(out, "\r\n");
}

/* RFC 5322 date in Japan time (UTC+9, no daylight saving time). */
static void append_date(buf *out, time_t date)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = date + JDATE_JST_OFFSET;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0900\r\n", days[tm.tm_wday % 7],
	           tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	           tm.tm_sec);
}

static void append_msgid(buf *out, time_t date, long long mail_id, const char *domain)
{
	unsigned char rnd[16];
	char hex[2 * sizeof(rnd) + 1];
	if (mail_id > 0) { /* the same on every try of the mail: receivers can drop a repeat */
		buf_printf(out, "Message-ID: <%lld.%lld.outbox@%s>\r\n", (long long)date, mail_id,
		           domain);
		return;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* unique enough without the kernel's randomness: time, process, address */
		uint64_t a = (uint64_t)date ^ ((uint64_t)getpid() << 32),
		         b = (uint64_t)(uintptr_t)out;
		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 8);
	}
	hex_encode(rnd, sizeof(rnd), hex);
	buf_printf(out, "Message-ID: <%lld.%s@%s>\r\n", (long long)date, hex, domain);
}

/* The body in canonical form (every line end CRLF), base64 in 76-character lines. */
static int append_body(buf *out, const char *body)
{
	buf canon;
	int rc = MAIL_ENOMEM;
	buf_init(&canon, out->max ? out->max : BUF_DEFAULT_MAX);
	for (const char *p = body; *p; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] != '\n'))
			buf_puts(&canon, "\r\n");
		else if (*p == '\r')
			continue; /* its LF follows */
		else
			buf_putc(&canon, *p);
	}
	if (canon.failed)
		goto out;
	for (size_t i = 0; i < canon.len; i += BODY_CHUNK) {
		size_t k = canon.len - i < BODY_CHUNK ? canon.len - i : BODY_CHUNK;
		b64_append(out, (const unsigned char *)canon.data + i, k);
		buf_puts(out, "\r\n");
	}
	rc = out->failed ? MAIL_ENOMEM : MAIL_OK;
out:
	buf_release(&canon);
	return rc;
}

static int build(buf *out, const char *from, const char *to, const char *subject, const char *body,
                 time_t date, const char *msgid_domain, long long mail_id)
{
	if (!mail_address_ok(from) || !mail_address_ok(to) || !subject || !subject_ok(subject) ||
	    !body || !msgid_domain || !domain_ok(msgid_domain, strlen(msgid_domain)))
		return MAIL_EINPUT;
	append_date(out, date);
	buf_printf(out, "From: %s\r\n", from);
	buf_printf(out, "To: %s\r\n", to);
	append_subject(out, subject);
	append_msgid(out, date, mail_id, msgid_domain);
	buf_puts(out, "MIME-Version: 1.0\r\n"
	              "Content-Type: text/plain; charset=UTF-8\r\n"
	              "Content-Transfer-Encoding: base64\r\n"
	              "Auto-Submitted: auto-generated\r\n"
	              "\r\n");
	if (out->failed)
		return MAIL_ENOMEM;
	return append_body(out, body);
}

int mail_build_message(buf *out, const char *from, const char *to, const char *subject,
                       const char *body, time_t date, const char *msgid_domain)
{
	return build(out, from, to, subject, body, date, msgid_domain, 0);
}

int mail_build_outbox_message(buf *out, const char *from, const char *to, const char *subject,
                              const char *body, time_t date, const char *msgid_domain,
                              long long mail_id)
{
	if (mail_id <= 0)
		return MAIL_EINPUT;
	return build(out, from, to, subject, body, date, msgid_domain, mail_id);
}
