/* options: madoguchi-sign's command line and allow-list file (see options.h). */
#include "signer/options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signer/flow.h"
#include "util/file.h"
#include "util/num.h"

#define DEFAULT_CARD_TIMEOUT 60

enum {
	O_LANG = 256,
	O_READER,
	O_CARD_TIMEOUT,
	O_PASSWORD_FD,
	O_ALLOW,
	O_REQUEST_FILE,
	O_OUT,
	O_CONTENT_OUT,
	O_CACERT,
	O_HELP,
};

static const struct option OPTIONS[] = {
    {"lang", required_argument, NULL, O_LANG},
    {"reader", required_argument, NULL, O_READER},
    {"card-timeout", required_argument, NULL, O_CARD_TIMEOUT},
    {"password-fd", required_argument, NULL, O_PASSWORD_FD},
    {"allow", required_argument, NULL, O_ALLOW},
    {"request-file", required_argument, NULL, O_REQUEST_FILE},
    {"out", required_argument, NULL, O_OUT},
    {"content-out", required_argument, NULL, O_CONTENT_OUT},
    {"cacert", required_argument, NULL, O_CACERT},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* ~/.config/madoguchi-sign/allowed-portals (XDG_CONFIG_HOME respected); a missing file is no
 * allow-list. 0, or -1 with a message printed (a broken allow-list fails closed). */
int signer_allow_file_load(enum msg_lang lang, struct signer_allow *allow)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[4096], msg[4352];
	char *text = NULL;
	size_t len = 0, bad = 0;
	int rc;

	if (xdg && xdg[0] == '/')
		rc = snprintf(path, sizeof(path), "%s/madoguchi-sign/allowed-portals", xdg);
	else if (home && home[0] == '/')
		rc =
		    snprintf(path, sizeof(path), "%s/.config/madoguchi-sign/allowed-portals", home);
	else
		return 0;
	if (rc < 0 || (size_t)rc >= sizeof(path))
		return 0;
	if (file_read_all(path, SIGNER_ALLOW_FILE_MAX, &text, &len, NULL) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "%s\n",
		        msg_fmt(msg, sizeof(msg), lang, MSG_E_ALLOW_FILE, path, (size_t)0));
		return -1;
	}
	rc = signer_allow_parse(allow, text, len, &bad);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "%s\n",
		        msg_fmt(msg, sizeof(msg), lang, MSG_E_ALLOW_FILE, path, bad));
		return -1;
	}
	return 0;
}

static int usage_error(enum msg_lang lang, const char *detail)
{
	char msg[1024];
	fprintf(stderr, "madoguchi-sign: %s\n",
	        msg_fmt(msg, sizeof(msg), lang, MSG_E_USAGE, detail));
	return SIGNER_EUSAGE;
}

/* The language first, so that every message about the other options is in it. */
static enum msg_lang lang_of_argv(int argc, char **argv)
{
	enum msg_lang lang = LANG_JA;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang=en") == 0 ||
		    (strcmp(argv[i], "--lang") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "en") == 0))
			lang = LANG_EN;
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	return lang;
}

/* One option of getopt_long: 0, or the exit code after the usage message. */
static int take_option(struct signer_options *o, int opt, const char *arg, const char *given)
{
	switch (opt) {
	case O_LANG:
		if (strcmp(arg, "ja") == 0)
			o->lang = LANG_JA;
		else if (strcmp(arg, "en") == 0)
			o->lang = LANG_EN;
		else
			return usage_error(o->lang, "--lang ja|en");
		return 0;
	case O_READER:
		if (!arg[0] || strlen(arg) > 200)
			return usage_error(o->lang, "--reader NAME");
		o->reader = arg;
		return 0;
	case O_CARD_TIMEOUT:
		if (num_parse_long(arg, 1, 600, &o->card_timeout) != 0)
			return usage_error(o->lang, "--card-timeout 1..600");
		return 0;
	case O_PASSWORD_FD:
		if (num_parse_long(arg, 0, 1 << 20, &o->pw_fd) != 0 ||
		    fcntl((int)o->pw_fd, F_GETFD) < 0)
			return usage_error(o->lang, "--password-fd N (an open file descriptor)");
		return 0;
	case O_ALLOW:
		if (signer_allow_add(&o->allow, arg) != 0)
			return usage_error(o->lang, "--allow HOST[:PORT]");
		return 0;
	case O_REQUEST_FILE:
		o->request_file = arg;
		return 0;
	case O_OUT:
		o->out = arg;
		return 0;
	case O_CONTENT_OUT:
		o->content_out = arg;
		return 0;
	case O_CACERT:
		o->cacert = arg;
		return 0;
	case O_HELP:
		o->help = 1;
		return 0;
	default:
		return usage_error(o->lang, given);
	}
}

/* The command line into *o: 0 (o->help: only the help is asked for), or the exit code after
 * the usage message. */
int signer_options_parse(int argc, char **argv, struct signer_options *o)
{
	int opt, rc;

	memset(o, 0, sizeof(*o));
	o->lang = lang_of_argv(argc, argv);
	o->card_timeout = DEFAULT_CARD_TIMEOUT;
	o->pw_fd = -1;
	opterr = 0;
	optind = 0; /* glibc: a fresh scan, also when a front end parses a second time */
	while ((opt = getopt_long(argc, argv, "", OPTIONS, NULL)) != -1)
		if ((rc = take_option(o, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	if (o->help)
		return 0;
	if (optind < argc)
		o->link = argv[optind++];
	if (optind < argc)
		return usage_error(o->lang, argv[optind]);
	if (!!o->link == !!o->request_file)
		return usage_error(o->lang, "LINK | --request-file FILE");
	if (o->request_file && !o->out)
		return usage_error(o->lang, "--request-file FILE --out SIGFILE");
	return 0;
}

/* A link: parsed and checked, the allow-list file added to --allow. */
static enum signer_status source_of_link(struct signer_options *o, struct signer_link *link,
                                         struct signer_source *src, char *msg, size_t cap)
{
	enum link_err le = signer_link_parse(o->link, link);

	if (le != LINK_OK) {
		if (le == LINK_EINSECURE)
			msg_fmt(msg, cap, o->lang, MSG_E_LINK_INSECURE);
		else
			msg_fmt(msg, cap, o->lang, MSG_E_LINK, link_strerror(le));
		return SIGNER_ELINK;
	}
	if (signer_allow_file_load(o->lang, &o->allow) != 0)
		return SIGNER_EUSAGE;
	src->link = link;
	src->allow = &o->allow;
	return SIGNER_OK;
}

/* --request-file: its bytes (*body, the caller frees). */
static enum signer_status source_of_file(const struct signer_options *o, struct signer_source *src,
                                         char **body, char *msg, size_t cap)
{
	size_t len = 0;

	if (file_read_all(o->request_file, SIGNREQ_BODY_MAX, body, &len, NULL) != 0) {
		int too_large = errno == EFBIG;
		snprintf(msg, cap, "--request-file %s: %s", o->request_file,
		         too_large ? "too large" : strerror(errno));
		return too_large ? SIGNER_EREQUEST : SIGNER_EUSAGE;
	}
	src->file_name = o->request_file;
	src->file_body = (const uint8_t *)*body;
	src->file_len = len;
	return SIGNER_OK;
}

enum signer_status signer_source_open(struct signer_options *o, struct signer_link *link,
                                      struct signer_source *src, char **file_body, char *msg,
                                      size_t cap)
{
	msg[0] = '\0';
	memset(src, 0, sizeof(*src));
	*file_body = NULL;
	if (o->link)
		return source_of_link(o, link, src, msg, cap);
	return source_of_file(o, src, file_body, msg, cap);
}
