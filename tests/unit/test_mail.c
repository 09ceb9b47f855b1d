/* test_mail: outgoing mail. The message builder (RFC 2047 subject, base64 body, line
 * lengths, CRLF, header injection refused), the links of the development mailbox, and the
 * sender against a real SMTP server (Python's aiosmtpd with its Maildir handler, on a free
 * port of 127.0.0.1): server down (the mail is retried later), server up (delivered exactly
 * once), a mail committed while no sender ran (delivered when one starts), a wake-up, a
 * mail with an injected header (never sent), and a stop while the server hangs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <unistr.h>

#include "mail/mailer.h"
#include "pages/devmail.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/tmpl.h"

#define PYTHON "/usr/bin/python3"
#define FROM "madoguchi@city.example.jp"

static const char JA_SUBJECT[] =
    "【みどり市】利用者登録の確認のお願い：メールアドレスの確認を24時間以内にしてください";
static const char JA_BODY[] =
    "みどり市 オンライン手続 の利用者登録を受け付けました。\n\n"
    "次のリンクを開いて、登録を完了してください（24時間有効です）。\n"
    "http://localhost:8080/register/confirm?token=abcDEF123_-\n\n"
    "お心当たりのない場合は、このメールを破棄してください。登録は完了しません。\n";

/* ---------- helpers: base64, encoded words, message parsing ---------- */

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 of in[0..n), skipping CR and LF, appending to out; -1 on a bad character
 * or length. */
static int b64_decode(buf *out, const char *in, size_t n)
{
	int q[4], k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			q[k++] = -2;
		} else {
			int v = b64_val(c);
			if (v < 0)
				return -1;
			q[k++] = v;
		}
		if (k == 4) {
			if (q[0] < 0 || q[1] < 0 || (q[2] == -2 && q[3] != -2))
				return -1;
			buf_putc(out, (char)((q[0] << 2) | (q[1] >> 4)));
			if (q[2] >= 0)
				buf_putc(out, (char)(((q[1] & 15) << 4) | (q[2] >> 2)));
			if (q[3] >= 0)
				buf_putc(out, (char)(((q[2] & 3) << 6) | q[3]));
			k = 0;
		}
	}
	return k == 0 ? 0 : -1;
}

/* Decodes an unfolded header value made of "=?UTF-8?B?...?=" words separated by white
 * space, or plain text. Each word must decode to valid UTF-8 by itself (no character split
 * across words) and be at most 75 characters. */
static int decode_words(buf *out, const char *v)
{
	if (strncmp(v, "=?", 2) != 0) {
		buf_puts(out, v);
		return 0;
	}
	while (*v) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v)
			break;
		if (strncasecmp(v, "=?UTF-8?B?", 10) != 0)
			return -1;
		const char *end = strstr(v + 10, "?=");
		if (!end || end - v + 2 > 75)
			return -1;
		buf word;
		buf_init(&word, 0);
		int e = b64_decode(&word, v + 10, (size_t)(end - v - 10));
		if (e == 0 && word.len && u8_check((const uint8_t *)word.data, word.len) != NULL)
			e = -1;
		if (e == 0)
			buf_append(out, word.data, word.len);
		buf_release(&word);
		if (e)
			return -1;
		v = end + 2;
	}
	return 0;
}

/* The value of header name in msg (up to the first empty line), unfolded, into out.
 * Accepts CRLF or LF line ends (the Maildir files are written with LF). 0 when found. */
static int header_value(const char *msg, const char *name, buf *out)
{
	size_t nl = strlen(name);
	const char *p = msg;
	while (*p && *p != '\r' && *p != '\n') {
		const char *eol = p + strcspn(p, "\r\n");
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			buf_append(out, v, (size_t)(eol - v));
			for (;;) { /* continuation lines */
				const char *next = eol;
				if (*next == '\r')
					next++;
				if (*next == '\n')
					next++;
				if (*next != ' ' && *next != '\t')
					break;
				eol = next + strcspn(next, "\r\n");
				buf_append(out, next, (size_t)(eol - next));
			}
			buf_cstr(out);
			return 0;
		}
		p = eol;
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
	}
	return -1;
}

/* The body of msg: what follows the first empty line. */
static const char *body_of(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");
	const char *q = strstr(msg, "\n\n");
	if (p && (!q || p < q))
		return p + 4;
	return q ? q + 2 : NULL;
}

/* text with every line end made CRLF, as the builder sends it. */
static void canonical(buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			buf_puts(out, "\r\n");
		else
			buf_putc(out, *p);
	}
	buf_cstr(out);
}

static double now_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* ---------- the message builder ---------- */

static void test_build_japanese(void **state)
{
	buf m;
	buf_init(&m, 0);
	time_t date = 1775000000; /* 2026-04-01 08:33:20 Japan time */
	assert_int_equal(mail_build_message(&m, FROM, "taro@example.jp", JA_SUBJECT, JA_BODY, date,
	                                    "city.example.jp"),
	                 MAIL_OK);
	const char *msg = buf_cstr(&m);

	/* every line ends with CRLF and has at most 78 characters */
	size_t lines = 0;
	for (const char *p = msg; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_true(eol - p <= 78);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		assert_null(memchr(p, '\r', (size_t)(eol - p)));
		p = eol + 2;
		lines++;
	}
	assert_true(lines > 10);
	for (size_t i = 0; i < m.len; i++)
		assert_true((unsigned char)msg[i] < 0x80); /* 7-bit only */

	buf v;
	buf_init(&v, 0);
	assert_int_equal(header_value(msg, "Subject", &v), 0);
	assert_true(strncmp(v.data, "=?UTF-8?B?", 10) == 0);
	buf dec;
	buf_init(&dec, 0);
	assert_int_equal(decode_words(&dec, v.data), 0);
	assert_string_equal(buf_cstr(&dec), JA_SUBJECT);
	/* folded into several words */
	assert_true(strstr(msg, "\r\n =?UTF-8?B?") != NULL);

	buf_reset(&v);
	assert_int_equal(header_value(msg, "From", &v), 0);
	assert_string_equal(buf_cstr(&v), FROM);
	buf_reset(&v);
	assert_int_equal(header_value(msg, "To", &v), 0);
	assert_string_equal(buf_cstr(&v), "taro@example.jp");
	buf_reset(&v);
	assert_int_equal(header_value(msg, "Date", &v), 0);
	assert_string_equal(buf_cstr(&v), "Wed, 01 Apr 2026 08:33:20 +0900");
	buf_reset(&v);
	assert_int_equal(header_value(msg, "Message-ID", &v), 0);
	assert_true(v.data[0] == '<' && strstr(v.data, "@city.example.jp>") != NULL);
	buf_reset(&v);
	assert_int_equal(header_value(msg, "MIME-Version", &v), 0);
	assert_string_equal(buf_cstr(&v), "1.0");
	buf_reset(&v);
	assert_int_equal(header_value(msg, "Content-Type", &v), 0);
	assert_string_equal(buf_cstr(&v), "text/plain; charset=UTF-8");
	buf_reset(&v);
	assert_int_equal(header_value(msg, "Content-Transfer-Encoding", &v), 0);
	assert_string_equal(buf_cstr(&v), "base64");

	/* the body: 76-character base64 lines (the last one shorter) decoding to the text */
	const char *body = body_of(msg);
	assert_non_null(body);
	for (const char *p = body; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_true(eol - p == 76 || eol[2] == '\0');
		assert_true(eol - p <= 76 && eol - p > 0);
		p = eol + 2;
	}
	buf_reset(&dec);
	assert_int_equal(b64_decode(&dec, body, strlen(body)), 0);
	buf want;
	buf_init(&want, 0);
	canonical(&want, JA_BODY);
	assert_int_equal(dec.len, want.len);
	assert_memory_equal(dec.data, want.data, want.len);

	buf_release(&want);
	buf_release(&dec);
	buf_release(&v);
	buf_release(&m);
}

/* Characters of 1 to 4 bytes at every offset: no encoded word splits one, every word
 * is at most 75 characters, and the words give back the subject. */
static void test_subject_split(void **state)
{
	static const char *const parts[] = {"a", "é", "あ", "𠮷", "【", "1"};
	for (int shift = 0; shift < 6; shift++) {
		char subject[400] = "";
		for (int i = 0; strlen(subject) < 300; i++)
			strcat(subject, parts[(i + shift) % 6]);
		buf m, v, dec;
		buf_init(&m, 0);
		buf_init(&v, 0);
		buf_init(&dec, 0);
		assert_int_equal(
		    mail_build_message(&m, FROM, "a@example.jp", subject, "", 0, "example.jp"),
		    MAIL_OK);
		assert_int_equal(header_value(buf_cstr(&m), "Subject", &v), 0);
		assert_int_equal(decode_words(&dec, buf_cstr(&v)), 0);
		assert_string_equal(buf_cstr(&dec), subject);
		buf_release(&m);
		buf_release(&v);
		buf_release(&dec);
	}
}

/* An outbox mail is built the same on every try (a stable Message-ID); the plain builder's
 * Message-IDs differ. */
static void test_build_outbox_stable(void **state)
{
	buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	assert_int_equal(mail_build_outbox_message(&a, FROM, "a@example.jp", JA_SUBJECT, JA_BODY,
	                                           1775000000, "city.example.jp", 42),
	                 MAIL_OK);
	assert_int_equal(mail_build_outbox_message(&b, FROM, "a@example.jp", JA_SUBJECT, JA_BODY,
	                                           1775000000, "city.example.jp", 42),
	                 MAIL_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_non_null(
	    strstr(buf_cstr(&a), "\r\nMessage-ID: <1775000000.42.outbox@city.example.jp>\r\n"));
	assert_int_equal(
	    mail_build_outbox_message(&a, FROM, "a@example.jp", "s", "b", 0, "example.jp", 0),
	    MAIL_EINPUT);
	buf_reset(&a);
	buf_reset(&b);
	assert_int_equal(mail_build_message(&a, FROM, "a@example.jp", "s", "b", 0, "example.jp"),
	                 MAIL_OK);
	assert_int_equal(mail_build_message(&b, FROM, "a@example.jp", "s", "b", 0, "example.jp"),
	                 MAIL_OK);
	assert_true(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	buf_release(&a);
	buf_release(&b);
}

static void test_build_plain_and_empty(void **state)
{
	buf m, v;
	buf_init(&m, 0);
	buf_init(&v, 0);
	assert_int_equal(mail_build_message(&m, FROM, "a@example.jp", "Hello", "", 0, "example.jp"),
	                 MAIL_OK);
	assert_int_equal(header_value(buf_cstr(&m), "Subject", &v), 0);
	assert_string_equal(buf_cstr(&v), "Hello");
	assert_non_null(body_of(m.data));
	assert_string_equal(body_of(m.data), ""); /* an empty body is no line at all */
	/* "=?" in a plain subject would be read as an encoded word: encoded instead */
	buf_reset(&m);
	buf_reset(&v);
	assert_int_equal(
	    mail_build_message(&m, FROM, "a@example.jp", "=?x?=", "x", 0, "example.jp"), MAIL_OK);
	assert_int_equal(header_value(buf_cstr(&m), "Subject", &v), 0);
	assert_true(strncmp(v.data, "=?UTF-8?B?", 10) == 0);
	/* bare CR and CRLF in the body are made CRLF too */
	buf_reset(&m);
	assert_int_equal(
	    mail_build_message(&m, FROM, "a@example.jp", "s", "a\rb\r\nc\n", 0, "example.jp"),
	    MAIL_OK);
	buf dec;
	buf_init(&dec, 0);
	assert_int_equal(b64_decode(&dec, body_of(buf_cstr(&m)), strlen(body_of(m.data))), 0);
	assert_string_equal(buf_cstr(&dec), "a\r\nb\r\nc\r\n");
	buf_release(&dec);
	buf_release(&v);
	buf_release(&m);
}

static void test_header_injection(void **state)
{
	static const char *const bad_to[] = {
	    "a@example.jp\r\nBcc: victim@example.com",
	    "a@example.jp\nBcc: victim@example.com",
	    "a@example.jp\r",
	    "",
	    "example.jp",
	    "@example.jp",
	    "a@",
	    "a b@example.jp",
	    "<a@example.jp>",
	    "a@example.jp,b@example.jp",
	    "\"a\"@example.jp",
	    "a@exa mple.jp",
	    "a@example..jp",
	    ".a@example.jp",
	    "a..b@example.jp",
	    "あ@example.jp",
	    "a@example.jp>",
	};
	static const char *const bad_subject[] = {
	    "件名\r\nBcc: victim@example.com",
	    "件名\nX: y",
	    "件名\r",
	    "tab\there",
	    "\x7f",
	    "\xe3\x81",
	    /* a cut character */ "\xc0\xaf" /* overlong */,
	};
	buf m;
	buf_init(&m, 0);
	for (size_t i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		assert_int_equal(
		    mail_build_message(&m, FROM, bad_to[i], "件名", "本文", 0, "example.jp"),
		    MAIL_EINPUT);
		assert_int_equal(mail_build_message(&m, bad_to[i], "a@example.jp", "件名", "本文",
		                                    0, "example.jp"),
		                 MAIL_EINPUT);
	}
	for (size_t i = 0; i < sizeof(bad_subject) / sizeof(bad_subject[0]); i++)
		assert_int_equal(mail_build_message(&m, FROM, "a@example.jp", bad_subject[i],
		                                    "本文", 0, "example.jp"),
		                 MAIL_EINPUT);
	assert_int_equal(
	    mail_build_message(&m, FROM, "a@example.jp", "s", "b", 0, "bad domain\r\n"),
	    MAIL_EINPUT);
	assert_int_equal(mail_build_message(&m, FROM, "a@example.jp", NULL, "b", 0, "example.jp"),
	                 MAIL_EINPUT);
	assert_int_equal(m.len, 0); /* nothing written */
	assert_true(mail_address_ok("taro.yamada+tag@mail.example.jp"));
	assert_true(mail_address_ok("madoguchi@localhost"));
	buf_release(&m);
}

static void test_devmail_links(void **state)
{
	buf h;
	buf_init(&h, 0);
	assert_int_equal(
	    devmail_body_html(&h,
	                      "確認：https://example.jp/a?b=1&c=2.\n"
	                      "<script>alert(1)</script> javascript:alert(1) ftp://example.jp/x\n"
	                      "（http://localhost:8080/p）xhttp://no.example/ http:// "
	                      "http://x.example/\"onmouseover=\"\n"),
	    0);
	const char *s = buf_cstr(&h);
	assert_non_null(strstr(
	    s,
	    "確認：<a "
	    "href=\"https://example.jp/a?b=1&amp;c=2\">https://example.jp/a?b=1&amp;c=2</a>.\n"));
	assert_non_null(strstr(
	    s, "&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1) ftp://example.jp/x"));
	assert_non_null(
	    strstr(s, "（<a href=\"http://localhost:8080/p\">http://localhost:8080/p</a>）"));
	assert_non_null(strstr(s, "xhttp://no.example/ http:// "));
	assert_non_null(strstr(
	    s, "<a href=\"http://x.example/\">http://x.example/</a>&quot;onmouseover=&quot;"));
	/* exactly three links */
	int links = 0;
	for (const char *p = s; (p = strstr(p, "<a href=")); p++)
		links++;
	assert_int_equal(links, 3);
	assert_null(strstr(s, "<script"));
	buf_release(&h);
}

/* templates/dev_mail.html compiles and renders a mail with its link, headings and the
 * empty state (tests run from the repository root). */
static void test_devmail_template(void **state)
{
	FILE *fp = fopen("templates/dev_mail.html", "rb");
	assert_non_null(fp);
	char src[8192];
	size_t len = fread(src, 1, sizeof(src), fp);
	fclose(fp);
	char err[256];
	tmpl_set *set = tmpl_set_new();
	assert_non_null(set);
	int e = tmpl_set_add(set, "dev_mail", src, len, err, sizeof(err));
	buf h, out;
	buf_init(&h, 0);
	buf_init(&out, 0);
	devmail_body_html(&h, "確認\nhttps://example.jp/c?t=1&u=2\n");
	json_t *ctx =
	    json_pack("{s:i, s:i, s:b, s:[{s:i, s:s, s:s, s:s, s:s, s:s}]}", "limit", 50, "count",
	              1, "has_mails", 1, "mails", "id", 7, "to", "taro@example.jp", "subject",
	              "<件名>", "created", "2026年(令和8年)4月1日 10:00", "status", "未送信",
	              "body_html", buf_cstr(&h));
	if (e == TMPL_OK)
		e = tmpl_render(set, "dev_mail", ctx, &out);
	json_decref(ctx);
	ctx = json_pack("{s:i, s:i, s:b, s:[]}", "limit", 50, "count", 0, "has_mails", 0, "mails");
	buf empty;
	buf_init(&empty, 0);
	if (e == TMPL_OK)
		e = tmpl_render(set, "dev_mail", ctx, &empty);
	json_decref(ctx);
	tmpl_set_free(set);
	const char *html = buf_cstr(&out);
	int ok = e == TMPL_OK && strstr(html, "<h1>開発用メールボックス</h1>") &&
	         strstr(html, "<h2 id=\"mail-7\">&lt;件名&gt;</h2>") &&
	         strstr(html, "<a href=\"https://example.jp/c?t=1&amp;u=2\">") &&
	         strstr(html, "<dd>taro@example.jp</dd>") &&
	         strstr(buf_cstr(&empty), "まだメールはありません。") &&
	         !strstr(buf_cstr(&empty), "<h2");
	if (!ok)
		print_message("%s: %s\n%s\n", tmpl_strerror(e), err, html);
	buf_release(&h);
	buf_release(&out);
	buf_release(&empty);
	assert_true(ok);
}

/* ---------- the sender against a real SMTP server ---------- */

struct smtp_fixture {
	char dir[64];
	char db_url[128];
	char maildir[128];
	int port;
	pid_t server;
	store *s;
	config cfg;
	/* owned here, so a failed assertion leaks nothing: freed by the next load or teardown */
	char *msgs[8];
	size_t n_msgs;
	buf v, dec, want;
};

static void free_msgs(struct smtp_fixture *f);

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void stop_server(struct smtp_fixture *f)
{
	if (f->server <= 0)
		return;
	kill(f->server, SIGTERM);
	for (int i = 0; i < 100; i++) { /* up to 5 s, then SIGKILL */
		if (waitpid(f->server, NULL, WNOHANG) == f->server) {
			f->server = 0;
			return;
		}
		sleep_ms(50);
	}
	kill(f->server, SIGKILL);
	waitpid(f->server, NULL, 0);
	f->server = 0;
}

static int start_server(struct smtp_fixture *f)
{
	char listen[32], log[160];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", f->port);
	snprintf(log, sizeof(log), "%s/smtpd.log", f->dir);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(PYTHON, PYTHON, "-m", "aiosmtpd", "-n", "-l", listen, "-c",
		      "aiosmtpd.handlers.Mailbox", f->maildir, (char *)NULL);
		_exit(127);
	}
	f->server = pid;
	double deadline = now_mono() + 10;
	while (now_mono() < deadline) {
		if (port_open(f->port))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			f->server = 0;
			fprintf(stderr, "aiosmtpd exited; see %s\n", log);
			return -1;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "aiosmtpd did not listen within 10 s\n");
	stop_server(f);
	return -1;
}

static int smtp_setup(void **state)
{
	struct smtp_fixture *f = calloc(1, sizeof(*f));
	char err[512];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_mail.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	buf_init(&f->v, 0);
	buf_init(&f->dec, 0);
	buf_init(&f->want, 0);
	snprintf(f->db_url, sizeof(f->db_url), "sqlite:%s/mail.db", f->dir);
	snprintf(f->maildir, sizeof(f->maildir), "%s/maildir", f->dir);
	f->port = free_port();
	if (f->port <= 0)
		return -1;
	if (store_open(f->db_url, &f->s, err, sizeof(err)) != STORE_OK ||
	    store_migrate(f->s, NULL, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	config_defaults(&f->cfg);
	snprintf(f->cfg.database, sizeof(f->cfg.database), "%s", f->db_url);
	snprintf(f->cfg.mail_mode, sizeof(f->cfg.mail_mode), "smtp");
	snprintf(f->cfg.smtp_url, sizeof(f->cfg.smtp_url), "smtp://127.0.0.1:%d", f->port);
	snprintf(f->cfg.mail_from, sizeof(f->cfg.mail_from), FROM);
	f->cfg.mail_retry_seconds = 1;
	return 0;
}

static int smtp_teardown(void **state)
{
	struct smtp_fixture *f = *state;
	if (!f)
		return 0;
	stop_server(f);
	free_msgs(f);
	buf_release(&f->v);
	buf_release(&f->dec);
	buf_release(&f->want);
	store_close(f->s);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The outbox row of id (from the newest 50), or -1. */
static int find_mail(store *s, long long id, store_mail *out)
{
	store_mail mails[50];
	size_t n = 0;
	int found = -1;
	if (store_outbox_recent(s, mails, 50, &n) != STORE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (mails[i].id == id && found < 0) {
			*out = mails[i];
			out->body = NULL;
			found = 0;
		}
		store_mail_release(&mails[i]);
	}
	return found;
}

/* Waits up to seconds for the mail to be sent (want_sent) or to have failed at least once. */
static int wait_mail(store *s, long long id, int want_sent, double seconds, store_mail *out)
{
	double deadline = now_mono() + seconds;
	do {
		if (find_mail(s, id, out) == 0 &&
		    (want_sent ? out->sent_at != 0 : out->attempts >= 1 && out->last_error[0]))
			return 0;
		sleep_ms(20);
	} while (now_mono() < deadline);
	return -1;
}

static void free_msgs(struct smtp_fixture *f)
{
	for (size_t i = 0; i < f->n_msgs && i < 8; i++)
		free(f->msgs[i]);
	f->n_msgs = 0;
}

/* The messages of the Maildir (new/) into f->msgs (at most 8 kept); their count. */
static size_t read_maildir(struct smtp_fixture *f)
{
	char path[512];
	const char *maildir = f->maildir;
	char **msgs = f->msgs;
	size_t n = 0, max = 8;
	free_msgs(f);
	snprintf(path, sizeof(path), "%s/new", maildir);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/new/%s", maildir, e->d_name);
		FILE *fp = fopen(path, "rb");
		if (!fp)
			continue;
		buf b;
		buf_init(&b, 1 << 20);
		char chunk[4096];
		size_t k;
		while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_append(&b, chunk, k);
		fclose(fp);
		buf_cstr(&b);
		if (n < max)
			msgs[n] = buf_steal(&b, NULL);
		else
			buf_release(&b);
		n++;
	}
	closedir(d);
	f->n_msgs = n;
	return n;
}

static long long first_id; /* the mail of (a) and (b) */

/* With mail_mode "dev" nothing is sent: the mail stays in the outbox, untried. */
static void test_dev_mode_sends_nothing(void **state)
{
	struct smtp_fixture *f = *state;
	char err[256], url[160];
	store *s = NULL;
	mailer *m = NULL;
	config cfg = f->cfg;
	snprintf(url, sizeof(url), "sqlite:%s/dev.db", f->dir);
	assert_int_equal(store_open(url, &s, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_migrate(s, NULL, err, sizeof(err)), STORE_OK);
	long long id = 0;
	assert_int_equal(
	    store_outbox_add(s, "dev@example.jp", "開発", "本文", (long long)time(NULL), &id),
	    STORE_OK);
	snprintf(cfg.database, sizeof(cfg.database), "%s", url);
	snprintf(cfg.mail_mode, sizeof(cfg.mail_mode), "dev");
	assert_int_equal(mailer_start(&m, &cfg, err, sizeof(err)), MAIL_OK);
	assert_non_null(m);
	mailer_kick(m);
	sleep_ms(300);
	store_mail got;
	assert_int_equal(find_mail(s, id, &got), 0);
	assert_int_equal(got.attempts, 0);
	assert_true(got.sent_at == 0);
	mailer_stop(m);
	store_close(s);
}

/* (a) The SMTP server is down: the mail is tried once, stays unsent, its next try later. */
static void test_server_down(void **state)
{
	struct smtp_fixture *f = *state;
	char err[256];
	mailer *m = NULL;
	long long now = (long long)time(NULL);
	assert_false(port_open(f->port));
	assert_int_equal(
	    store_outbox_add(f->s, "taro@example.jp", JA_SUBJECT, JA_BODY, now, &first_id),
	    STORE_OK);
	assert_int_equal(mailer_start(&m, &f->cfg, err, sizeof(err)), MAIL_OK);
	store_mail got;
	int waited = wait_mail(f->s, first_id, 0, 5, &got);
	double t0 = now_mono();
	mailer_stop(m);
	double stop_s = now_mono() - t0;
	assert_int_equal(waited, 0);
	print_message("mailer_stop took %.3f s\n", stop_s);
	assert_true(stop_s < 2);
	assert_int_equal(find_mail(f->s, first_id, &got), 0);
	assert_int_equal(got.attempts,
	                 1); /* mail_retry_seconds 1: not again within the test's wait */
	assert_true(got.sent_at == 0);
	assert_true(got.next_at > now);
	assert_true(got.next_at <= (long long)time(NULL) + 1);
	assert_true(got.last_error[0] != '\0');
	print_message("last error: %s\n", got.last_error);
}

/* (b) The server is up: a new sender delivers the mail exactly once. */
static void test_delivered_once(void **state)
{
	struct smtp_fixture *f = *state;
	char err[256];
	mailer *m = NULL;
	buf *v = &f->v, *dec = &f->dec, *want = &f->want;
	assert_int_equal(start_server(f), 0);
	assert_int_equal(mailer_start(&m, &f->cfg, err, sizeof(err)), MAIL_OK);
	store_mail got;
	double t0 = now_mono();
	int waited = wait_mail(f->s, first_id, 1, 8, &got);
	print_message("delivered after %.3f s (retry due then)\n", now_mono() - t0);
	mailer_kick(m); /* a sender woken again must not send it twice */
	sleep_ms(1200);
	mailer_stop(m);
	assert_int_equal(waited, 0);
	assert_true(got.sent_at != 0);
	assert_int_equal(read_maildir(f), 1);
	const char *msg = f->msgs[0];
	buf_reset(v);
	assert_int_equal(header_value(msg, "To", v), 0);
	assert_string_equal(buf_cstr(v), "taro@example.jp");
	buf_reset(v);
	assert_int_equal(header_value(msg, "Subject", v), 0);
	buf_reset(dec);
	assert_int_equal(decode_words(dec, buf_cstr(v)), 0);
	assert_string_equal(buf_cstr(dec), JA_SUBJECT);
	buf_reset(v);
	char msgid[128];
	snprintf(msgid, sizeof(msgid), "<%lld.%lld.outbox@city.example.jp>", got.created_at,
	         first_id);
	assert_int_equal(header_value(msg, "Message-ID", v), 0); /* the same on every try */
	assert_string_equal(buf_cstr(v), msgid);
	buf_reset(v);
	assert_int_equal(header_value(msg, "X-MailFrom", v), 0); /* the envelope sender */
	assert_string_equal(buf_cstr(v), FROM);
	buf_reset(dec);
	const char *body = body_of(msg);
	assert_non_null(body);
	assert_int_equal(b64_decode(dec, body, strlen(body)), 0);
	buf_reset(want);
	canonical(want, JA_BODY);
	assert_string_equal(buf_cstr(dec), buf_cstr(want));
}

/* (c) A mail committed while no sender ran (a crash between commit and send) is delivered
 * when a sender starts; a mail added later is sent at once when the sender is woken. */
static void test_committed_before_start(void **state)
{
	struct smtp_fixture *f = *state;
	char err[256];
	mailer *m = NULL;
	long long id1 = 0, id2 = 0;
	assert_int_equal(store_outbox_add(f->s, "hanako@example.jp", "申請を受け付けました",
	                                  "受付番号 R-0001\n", (long long)time(NULL), &id1),
	                 STORE_OK);
	config cfg = f->cfg;
	cfg.mail_retry_seconds = 60; /* the sender then sleeps 5 s: only the kick is fast */
	assert_int_equal(mailer_start(&m, &cfg, err, sizeof(err)), MAIL_OK);
	store_mail got;
	int waited1 = wait_mail(f->s, id1, 1, 5, &got);
	sleep_ms(100); /* the sender is asleep now */
	int added = store_outbox_add(f->s, "jiro@example.jp", "二通目", "本文\n",
	                             (long long)time(NULL), &id2);
	double t0 = now_mono();
	mailer_kick(m);
	int waited2 = added == STORE_OK ? wait_mail(f->s, id2, 1, 5, &got) : -1;
	double kick_s = now_mono() - t0;
	mailer_stop(m);
	assert_int_equal(waited1, 0);
	assert_int_equal(added, STORE_OK);
	assert_int_equal(waited2, 0);
	print_message("sent %.3f s after the kick\n", kick_s);
	assert_true(kick_s < 2);
	size_t n = read_maildir(f);
	assert_int_equal(n, 3);
	int hanako = 0, jiro = 0, taro = 0;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&f->v);
		if (header_value(f->msgs[i], "To", &f->v) == 0) {
			const char *to = buf_cstr(&f->v);
			hanako += strcmp(to, "hanako@example.jp") == 0;
			jiro += strcmp(to, "jiro@example.jp") == 0;
			taro += strcmp(to, "taro@example.jp") == 0;
		}
	}
	assert_int_equal(hanako, 1);
	assert_int_equal(jiro, 1);
	assert_int_equal(taro, 1);
}

/* A mail whose address would add recipients or headers is never sent: marked failed with
 * no retry in sight. (The outbox may refuse CR and LF itself; a comma it takes.) */
static void test_injection_never_sent(void **state)
{
	struct smtp_fixture *f = *state;
	static const char *const bad[] = {"evil@example.jp\r\nBcc: victim@example.com",
	                                  "evil@example.jp, victim@example.com"};
	char err[256];
	long long now = (long long)time(NULL);
	for (size_t i = 0; i < 2; i++) {
		mailer *m = NULL;
		long long id = 0;
		int e = store_outbox_add(f->s, bad[i], "件名", "本文", now, &id);
		if (e != STORE_OK) {
			assert_int_equal(e, STORE_EINPUT);
			print_message("the outbox itself refuses address %zu\n", i);
			continue;
		}
		assert_int_equal(mailer_start(&m, &f->cfg, err, sizeof(err)), MAIL_OK);
		store_mail got;
		int waited = wait_mail(f->s, id, 0, 5, &got);
		mailer_stop(m);
		assert_int_equal(waited, 0);
		assert_true(got.sent_at == 0);
		assert_int_equal(got.attempts, 1);
		assert_true(got.next_at > now + 10LL * 365 * 86400);
	}
	assert_int_equal(read_maildir(f), 3); /* still the three of the tests before */
}

/* A server that takes the connection and never answers: mailer_stop still returns after
 * the few seconds of grace, not after the SMTP timeout, and the mail is left to retry. */
static void test_stop_while_server_hangs(void **state)
{
	struct smtp_fixture *f = *state;
	char err[256];
	mailer *m = NULL;
	long long id = 0;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 8), 0); /* the kernel completes the handshake; no greeting */
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	config cfg = f->cfg;
	snprintf(cfg.smtp_url, sizeof(cfg.smtp_url), "smtp://127.0.0.1:%d", ntohs(a.sin_port));
	int added = store_outbox_add(f->s, "saburo@example.jp", "応答なし", "本文\n",
	                             (long long)time(NULL), &id);
	int started = added == STORE_OK ? mailer_start(&m, &cfg, err, sizeof(err)) : -1;
	sleep_ms(300); /* in the SMTP transaction by now, waiting for the greeting */
	double t0 = now_mono();
	mailer_stop(m);
	double stop_s = now_mono() - t0;
	close(lfd);
	assert_int_equal(added, STORE_OK);
	assert_int_equal(started, MAIL_OK);
	print_message("mailer_stop during a hung SMTP session took %.3f s\n", stop_s);
	assert_true(stop_s < 5);
	store_mail got;
	assert_int_equal(find_mail(f->s, id, &got), 0);
	assert_true(got.sent_at == 0);
	assert_int_equal(got.attempts, 1);
	assert_string_equal(got.last_error, "interrupted by shutdown");
	assert_true(got.next_at <= (long long)time(NULL)); /* taken again at the next start */
}

static void test_bad_start(void **state)
{
	config cfg;
	char err[256];
	mailer *m = (mailer *)&cfg;
	config_defaults(&cfg);
	snprintf(cfg.mail_mode, sizeof(cfg.mail_mode), "smtp");
	snprintf(cfg.mail_from, sizeof(cfg.mail_from), "not an address");
	assert_int_equal(mailer_start(&m, &cfg, err, sizeof(err)), MAIL_EINPUT);
	assert_null(m);
	assert_non_null(strstr(err, "mail_from"));
	snprintf(cfg.mail_from, sizeof(cfg.mail_from), FROM);
	snprintf(cfg.database, sizeof(cfg.database), "sqlite:/nonexistent-dir-madoguchi/x.db");
	assert_int_equal(mailer_start(&m, &cfg, err, sizeof(err)), MAIL_ESTORE);
	assert_null(m);
	mailer_stop(NULL);
	mailer_kick(NULL);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_build_japanese),
	    cmocka_unit_test(test_subject_split),
	    cmocka_unit_test(test_build_outbox_stable),
	    cmocka_unit_test(test_build_plain_and_empty),
	    cmocka_unit_test(test_header_injection),
	    cmocka_unit_test(test_devmail_links),
	    cmocka_unit_test(test_devmail_template),
	    cmocka_unit_test(test_bad_start),
	};
	const struct CMUnitTest smtp[] = {
	    cmocka_unit_test(test_dev_mode_sends_nothing),
	    cmocka_unit_test(test_server_down),
	    cmocka_unit_test(test_delivered_once),
	    cmocka_unit_test(test_committed_before_start),
	    cmocka_unit_test(test_injection_never_sent),
	    cmocka_unit_test(test_stop_while_server_hangs),
	};
	signal(SIGPIPE, SIG_IGN);
	int failed = cmocka_run_group_tests_name("mail message", pure, NULL, NULL);
	failed +=
	    cmocka_run_group_tests_name("mail sender over SMTP", smtp, smtp_setup, smtp_teardown);
	return failed ? 1 : 0;
}
