/* options: the command line of madoguchi-sign and its allow-list file, apart from the
 * terminal so that another front end can share them. `madoguchi-sign --help` (MSG_HELP in
 * msg.c) lists the options; a wrong one is a usage message on stderr and SIGNER_EUSAGE. */
#ifndef MADOGUCHI_SIGNER_OPTIONS_H
#define MADOGUCHI_SIGNER_OPTIONS_H

#include "signer/flow.h"
#include "signer/msg.h"
#include "signer/signreq.h"

/* What the command line asks for; the allow-list holds the --allow entries (the file's are
 * added when a link is opened). */
struct signer_options {
	enum msg_lang lang;
	const char *link, *request_file, *reader, *out, *content_out, *cacert;
	long card_timeout, pw_fd;
	int help;
	struct signer_allow allow;
};

/* The command line into *o: 0 (o->help: only the help is asked for, the rest unchecked), or
 * the exit code after the usage message on stderr (in the language of --lang). */
int signer_options_parse(int argc, char **argv, struct signer_options *o);

/* Adds ~/.config/madoguchi-sign/allowed-portals (XDG_CONFIG_HOME respected) to allow; a
 * missing file is no allow-list. 0, or -1 with a message on stderr (a broken allow-list fails
 * closed). */
int signer_allow_file_load(enum msg_lang lang, struct signer_allow *allow);

/* Where the request comes from, by the options: the link (parsed; refused by the same rules
 * in every front end: its form, then the allow-list of --allow and the file) or the request
 * file (*file_body, the caller frees). SIGNER_OK, or the status with the message to show in
 * msg ("" when it was already printed, as for a broken allow-list file). */
enum signer_status signer_source_open(struct signer_options *o, struct signer_link *link,
                                      struct signer_source *src, char **file_body, char *msg,
                                      size_t cap);

#endif
