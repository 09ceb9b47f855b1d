/* madoguchi-sign: the signing app, the counterpart of the phone app of the city's guide. It
 * opens a portal's signing link (madoguchi-sign://HOST[:PORT]/sign/ID, from the browser through
 * data/madoguchi-sign.desktop), shows what will be signed, asks for the signing password, signs
 * with the My Number Card through PC/SC and posts the CMS back to the portal. This file is the
 * terminal: options, the screens, password entry without echo (termios), and the wiring of
 * flow.c to pcsc.c and net.c. `madoguchi-sign --help` lists the options and exit codes;
 * docs/signer.md explains them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>

#include "signer/flow.h"
#include "signer/msg.h"
#include "signer/net.h"
#include "signer/options.h"
#include "signer/pcsc.h"
#include "signer/signreq.h"

#define PW_READ_MAX 256

/* ---- the terminal ------------------------------------------------------------------------- */

struct tty_ui {
	enum msg_lang lang;
	int color;  /* stdout is a terminal: emphasis with ANSI attributes */
	int tty_fd; /* /dev/tty, or -1 */
	int pw_fd;  /* --password-fd, or -1 */
};

/* Restored by the signal handler if the person interrupts the password entry. */
static volatile sig_atomic_t g_tty_raw;
static int g_tty_fd = -1;
static struct termios g_tty_saved;

static void restore_tty_on_signal(int sig)
{
	if (g_tty_raw)
		(void)tcsetattr(g_tty_fd, TCSAFLUSH, &g_tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void print_indented(FILE *f, const char *prefix, const char *text)
{
	const char *p = text;
	int first = 1;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "%s%.*s\n", first ? prefix : "      ", (int)n, p);
		first = 0;
		p += n + (nl ? 1 : 0);
	}
	if (first)
		fprintf(f, "%s\n", prefix);
}

static void ui_print(void *vctx, enum ui_kind kind, const char *text)
{
	struct tty_ui *u = vctx;
	const char *b = u->color ? "\033[1m" : "", *r = u->color ? "\033[0m" : "";

	switch (kind) {
	case UI_HEADING:
		printf("\n%s■ %s%s\n", b, text, r);
		break;
	case UI_SITE:
		/* the portal that asks, as the person must check it: framed, in bold/reverse */
		printf("\n  ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n");
		printf("  ┃ %s%s%s%s\n", u->color ? "\033[1;7m" : "", text, r, "");
		printf("  ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n");
		break;
	case UI_FIELD:
		print_indented(stdout, "    ", text);
		break;
	case UI_NOTE:
	case UI_TEXT:
		printf("  %s\n", text);
		break;
	case UI_PROGRESS:
		printf("  … %s\n", text);
		break;
	case UI_WARNING:
		fflush(stdout);
		fprintf(stderr, "  %s! %s%s\n", b, text, r);
		break;
	case UI_ERROR:
		fflush(stdout);
		fprintf(stderr, "  %s× %s%s\n", b, text, r);
		break;
	case UI_SUCCESS:
		printf("\n  %s✓ %s%s\n", b, text, r);
		break;
	}
	fflush(stdout);
}

/* The password from --password-fd: one line (without its \n or \r\n), at most PW_READ_MAX
 * bytes; a longer line is returned cut, which the length rule refuses. */
static int fd_password(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	c = 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

/* The line being typed at the password prompt. */
struct pw_line {
	char *buf;
	size_t cap, n;
	int esc; /* 1 after ESC, 2 inside an escape sequence */
};

/* One byte typed: 1 for Enter, -1 for Ctrl-D on an empty line (cancel), else 0. The echo is
 * one '*' per character, so Backspace and Ctrl-U count UTF-8 characters, not bytes. */
static int pw_key(struct tty_ui *u, struct pw_line *l, unsigned char c)
{
	if (l->esc == 1) { /* ESC [ or ESC O start a sequence; anything else ends it */
		l->esc = (c == '[' || c == 'O') ? 2 : 0;
		return 0;
	}
	if (l->esc == 2) {
		if (c >= 0x40 && c <= 0x7E)
			l->esc = 0;
		return 0;
	}
	if (c == '\r' || c == '\n')
		return 1;
	if (c == 0x1B) {
		l->esc = 1;
	} else if (c == 0x7F || c == 0x08) {
		if (l->n > 0) {
			while (l->n > 0 && ((unsigned char)l->buf[l->n - 1] & 0xC0) == 0x80)
				l->n--; /* a whole UTF-8 character */
			if (l->n > 0)
				l->n--;
			(void)!write(u->tty_fd, "\b \b", 3);
		}
	} else if (c == 0x15) { /* Ctrl-U */
		for (size_t i = 0; i < l->n; i++)
			if (((unsigned char)l->buf[i] & 0xC0) != 0x80)
				(void)!write(u->tty_fd, "\b \b", 3);
		l->n = 0;
	} else if (c == 0x04) { /* Ctrl-D */
		if (l->n == 0)
			return -1;
	} else if (c >= 0x20 && l->n + 1 < l->cap && l->n < PW_READ_MAX) {
		l->buf[l->n++] = (char)c;
		if ((c & 0xC0) != 0x80)
			(void)!write(u->tty_fd, "*", 1);
	}
	return 0;
}

struct saved_signals {
	struct sigaction intr, term, hup, quit;
};

/* While the terminal is raw, a signal that ends the program restores it first. */
static void catch_signals(struct saved_signals *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_tty_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old->intr);
	sigaction(SIGTERM, &sa, &old->term);
	sigaction(SIGHUP, &sa, &old->hup);
	sigaction(SIGQUIT, &sa, &old->quit);
}

static void restore_signals(const struct saved_signals *old)
{
	sigaction(SIGINT, &old->intr, NULL);
	sigaction(SIGTERM, &old->term, NULL);
	sigaction(SIGHUP, &old->hup, NULL);
	sigaction(SIGQUIT, &old->quit, NULL);
}

/* Interactive entry on /dev/tty: no echo, one '*' per character typed, Backspace and Ctrl-U
 * edit, Enter is 「次へ」, Ctrl-D on an empty line cancels. Escape sequences (arrow keys) are
 * skipped. */
static int tty_password(struct tty_ui *u, const char *prompt, char *buf, size_t cap)
{
	struct termios raw;
	struct saved_signals old;
	struct pw_line line = {buf, cap, 0, 0};
	int rc = -1, k = 0;
	unsigned char c = 0;

	if (u->tty_fd < 0 || tcgetattr(u->tty_fd, &g_tty_saved) != 0)
		return -1;
	g_tty_fd = u->tty_fd;
	raw = g_tty_saved;
	raw.c_lflag &= (tcflag_t) ~(ECHO | ICANON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	catch_signals(&old);
	if (tcsetattr(u->tty_fd, TCSAFLUSH, &raw) == 0) {
		g_tty_raw = 1;
		dprintf(u->tty_fd, "  %s", prompt);
		while (k == 0) {
			ssize_t r = read(u->tty_fd, &c, 1);
			if (r < 0 && errno == EINTR)
				continue;
			k = r <= 0 ? -1 : pw_key(u, &line, c);
		}
	}
	if (k == 1) {
		buf[line.n] = '\0';
		rc = 0;
	}
	c = 0;
	if (rc != 0)
		explicit_bzero(buf, cap);
	if (g_tty_raw)
		(void)tcsetattr(u->tty_fd, TCSAFLUSH, &g_tty_saved);
	g_tty_raw = 0;
	(void)!write(u->tty_fd, "\n", 1);
	restore_signals(&old);
	return rc;
}

static int ui_password(void *vctx, const char *prompt, char *buf, size_t cap)
{
	struct tty_ui *u = vctx;

	if (u->pw_fd >= 0)
		return fd_password(u->pw_fd, buf, cap);
	return tty_password(u, prompt, buf, cap);
}

/* One line from the terminal (canonical mode, echoed). */
static int tty_line(struct tty_ui *u, char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	if (u->tty_fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(u->tty_fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? 0 : -1;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

static int ui_confirm(void *vctx, const char *question)
{
	struct tty_ui *u = vctx;
	char line[64];

	dprintf(u->tty_fd, "  %s", question);
	if (tty_line(u, line, sizeof(line)) != 0)
		return 0;
	return line[0] == 'y' || line[0] == 'Y' || strncmp(line, "はい", strlen("はい")) == 0;
}

static void ui_close(void *vctx, const char *label)
{
	struct tty_ui *u = vctx;
	char line[64];

	dprintf(u->tty_fd, "\n  %s", label);
	(void)tty_line(u, line, sizeof(line));
}

/* The terminal: /dev/tty for the password and the questions, unless --password-fd. 0, or the
 * exit code after the message. */
static int open_terminal(const struct signer_options *o, struct tty_ui *ui)
{
	char msg[512];

	ui->lang = o->lang;
	ui->color = isatty(STDOUT_FILENO);
	ui->pw_fd = (int)o->pw_fd;
	ui->tty_fd = -1;
	if (o->pw_fd >= 0)
		return 0;
	ui->tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (ui->tty_fd >= 0)
		return 0;
	fprintf(stderr, "madoguchi-sign: %s\n", msg_fmt(msg, sizeof(msg), o->lang, MSG_E_NEED_TTY));
	return SIGNER_EUSAGE;
}

/* The flow's configuration: the terminal, the PC/SC card, libcurl. */
static void wire_flow(struct signer_cfg *cfg, const struct signer_options *o, struct tty_ui *ui,
                      struct signer_pcsc *pcsc, struct signer_net_cfg *netcfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lang = o->lang;
	cfg->reader = o->reader;
	cfg->out_path = o->out;
	cfg->content_out_path = o->content_out;
	cfg->ui.ctx = ui;
	cfg->ui.interactive = o->pw_fd < 0;
	cfg->ui.print = ui_print;
	cfg->ui.password = ui_password;
	cfg->ui.confirm = ui_confirm;
	cfg->ui.close = ui_close;
	cfg->card = &signer_pcsc_card_ops;
	cfg->card_ctx = pcsc;
	cfg->net = &signer_curl_net_ops;
	cfg->net_ctx = netcfg;
	cfg->card_timeout_ms = (int)o->card_timeout * 1000;
}

int main(int argc, char **argv)
{
	struct signer_options opts;
	struct signer_link link;
	struct signer_net_cfg netcfg = {NULL, 15, 60, NULL};
	struct signer_source src;
	struct signer_cfg cfg;
	struct tty_ui ui = {LANG_JA, 0, -1, -1};
	struct signer_pcsc *pcsc = NULL;
	char *file_body = NULL;
	int rc, curl_ready = 0, closed = 0;
	enum signer_status st;

	{ /* no core file: it could hold the password */
		struct rlimit no_core = {0, 0};
		(void)setrlimit(RLIMIT_CORE, &no_core);
	}
	memset(&src, 0, sizeof(src));
	if ((rc = signer_options_parse(argc, argv, &opts)) != 0)
		return rc;
	if (opts.help) {
		fputs(msg_get(opts.lang, MSG_HELP), stdout);
		return SIGNER_OK;
	}
	netcfg.cacert = opts.cacert;
	if ((rc = open_terminal(&opts, &ui)) != 0)
		return rc;
	{
		char msg[1024];
		st = signer_source_open(&opts, &link, &src, &file_body, msg, sizeof(msg));
		if (st != SIGNER_OK && msg[0])
			fprintf(stderr, "madoguchi-sign: %s\n", msg);
	}
	if (st == SIGNER_OK && opts.link) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fprintf(stderr, "madoguchi-sign: curl_global_init failed\n");
			st = SIGNER_EINTERNAL;
		} else {
			curl_ready = 1;
		}
	}
	if (st == SIGNER_OK && !(pcsc = signer_pcsc_new()))
		st = SIGNER_EINTERNAL;
	if (st == SIGNER_OK) {
		wire_flow(&cfg, &opts, &ui, pcsc, &netcfg);
		st = signer_run(&cfg, &src);
		closed = 1; /* signer_run showed 「閉じる」 itself */
	}
	/* opened from a browser the terminal window closes when the app ends: let the person read
	 * why it stopped */
	if (!closed && st != SIGNER_OK && ui.tty_fd >= 0)
		ui_close(&ui, msg_get(opts.lang, MSG_CLOSE_PROMPT));
	signer_pcsc_free(pcsc);
	if (curl_ready)
		curl_global_cleanup();
	free(file_body);
	if (ui.tty_fd >= 0)
		close(ui.tty_fd);
	return (int)st;
}
