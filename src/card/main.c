/* madoguchi-card: a virtual My Number Card (JPKI-AP) that plugs into pcscd through the vpcd
 * virtual reader, the test PKI that issues its certificates, and the counter (窓口) functions:
 * password reset and certificate renewal. `madoguchi-card --help` lists the commands;
 * docs/card.md explains them. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "card/card.h"
#include "card/pki.h"
#include "card/state.h"
#include "card/vpcd.h"
#include "jpki/jpki.h"
#include "util/enc.h"
#include "util/num.h"

static const char USAGE[] =
    "Usage: madoguchi-card COMMAND [OPTIONS]\n"
    "A virtual My Number Card (JPKI-AP) on pcscd's vpcd reader, and its test PKI.\n"
    "\n"
    "Test PKI:\n"
    "  pki init DIR        create the signing and authentication root CAs (O=JPKI-TEST),\n"
    "                      their OCSP responder certificates, indexes and CRLs in DIR\n"
    "  pki crl DIR         regenerate both CRLs (valid one day) from the indexes\n"
    "  issue --pki DIR --out STATE --name NAME --birth DATE --gender G --address ADDR\n"
    "        --password PW --pin PIN [--name-alt S] [--address-alt S] [--prefecture P]\n"
    "        [--city C] [--token LABEL] [--days N | --expired | --not-yet-valid] [--force]\n"
    "                      issue a card into the state file STATE (mode 0600). DATE is\n"
    "                      YYYY-MM-DD, YYYYMMDD or the JPKI code (era digit + YYYYMMDD);\n"
    "                      G is 1, 2, 3, male or female. PW: 6-16 of A-Z 0-9 (letters are\n"
    "                      upper-cased); PIN: 4 digits. Validity: until the fifth birthday\n"
    "                      after issue, or N days, or ended yesterday, or from tomorrow\n"
    "  revoke --pki DIR (--state STATE [--cert sign|auth] | --ca sign|auth --serial HEX)\n"
    "        [--reason R]  mark a certificate revoked in its CA's index (served by\n"
    "                      `openssl ocsp -index`) and regenerate that CA's CRL. R: unspecified,\n"
    "                      keyCompromise, CACompromise, affiliationChanged, superseded,\n"
    "                      cessationOfOperation, certificateHold\n"
    "\n"
    "The card:\n"
    "  serve --state STATE [--vpcd HOST:PORT] [--atr HEX] [--remove-after N]\n"
    "        [--reinsert-after MS] [--read-max N] [--verbose]\n"
    "                      insert the card into the vpcd reader of pcscd (default\n"
    "                      127.0.0.1:35963) and answer as the JPKI-AP until SIGTERM/SIGINT.\n"
    "                      --remove-after N answers N APDUs, then pulls the card out when the\n"
    "                      next one arrives (it gets no answer); SIGUSR1 pulls it out at once,\n"
    "                      SIGUSR2 puts it back; --reinsert-after puts it back after MS ms.\n"
    "                      --read-max N answers READ BINARY with at most N bytes (90 00),\n"
    "                      as cards that answer fewer bytes than asked (a test switch).\n"
    "                      Try counters and locks are saved to STATE as they change\n"
    "  show --state STATE  print the certificates, validity, tries left and holder\n"
    "  export --state STATE --what sign-cert|sign-ca|auth-cert|auth-ca [--der]\n"
    "                      write a certificate to standard output (PEM, or DER)\n"
    "\n"
    "The counter (窓口):\n"
    "  reset-pin --state STATE (--password NEW | --pin NEW)\n"
    "                      set a new signing password or authentication PIN and unlock it\n"
    "  renew --state STATE --pki DIR [--password NEW] [--days N | --expired |\n"
    "        --not-yet-valid]\n"
    "                      a new signing key and certificate for the same person; the old\n"
    "                      certificate is revoked (superseded)\n"
    "\n"
    "Passwords given on the command line are visible to other local users: test cards only.\n"
    "See docs/card.md.\n";

enum {
	O_PKI = 256,
	O_OUT,
	O_NAME,
	O_NAME_ALT,
	O_BIRTH,
	O_GENDER,
	O_ADDRESS,
	O_ADDRESS_ALT,
	O_PREFECTURE,
	O_CITY,
	O_PASSWORD,
	O_PIN,
	O_TOKEN,
	O_DAYS,
	O_EXPIRED,
	O_NOT_YET,
	O_FORCE,
	O_STATE,
	O_CERT,
	O_CA,
	O_SERIAL,
	O_REASON,
	O_VPCD,
	O_ATR,
	O_REMOVE_AFTER,
	O_REINSERT_AFTER,
	O_READ_MAX,
	O_VERBOSE,
	O_WHAT,
	O_DER,
	O_HELP,
};

static const struct option LONGOPTS[] = {
    {"pki", required_argument, NULL, O_PKI},
    {"out", required_argument, NULL, O_OUT},
    {"name", required_argument, NULL, O_NAME},
    {"name-alt", required_argument, NULL, O_NAME_ALT},
    {"birth", required_argument, NULL, O_BIRTH},
    {"gender", required_argument, NULL, O_GENDER},
    {"address", required_argument, NULL, O_ADDRESS},
    {"address-alt", required_argument, NULL, O_ADDRESS_ALT},
    {"prefecture", required_argument, NULL, O_PREFECTURE},
    {"city", required_argument, NULL, O_CITY},
    {"password", required_argument, NULL, O_PASSWORD},
    {"pin", required_argument, NULL, O_PIN},
    {"token", required_argument, NULL, O_TOKEN},
    {"days", required_argument, NULL, O_DAYS},
    {"expired", no_argument, NULL, O_EXPIRED},
    {"not-yet-valid", no_argument, NULL, O_NOT_YET},
    {"force", no_argument, NULL, O_FORCE},
    {"state", required_argument, NULL, O_STATE},
    {"cert", required_argument, NULL, O_CERT},
    {"ca", required_argument, NULL, O_CA},
    {"serial", required_argument, NULL, O_SERIAL},
    {"reason", required_argument, NULL, O_REASON},
    {"vpcd", required_argument, NULL, O_VPCD},
    {"atr", required_argument, NULL, O_ATR},
    {"remove-after", required_argument, NULL, O_REMOVE_AFTER},
    {"reinsert-after", required_argument, NULL, O_REINSERT_AFTER},
    {"read-max", required_argument, NULL, O_READ_MAX},
    {"verbose", no_argument, NULL, O_VERBOSE},
    {"what", required_argument, NULL, O_WHAT},
    {"der", no_argument, NULL, O_DER},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

struct args {
	const char *pki, *out, *name, *name_alt, *birth, *gender, *address, *address_alt;
	const char *prefecture, *city, *password, *pin, *token, *state, *cert, *ca, *serial;
	const char *reason, *vpcd, *atr, *what;
	long days, remove_after, reinsert_after, read_max;
	int expired, not_yet, force, verbose, der, help, validity_opts;
};

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;
	fputs("madoguchi-card: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* The options that take a string, and where it goes. */
static const struct {
	int opt;
	size_t field;
} STRING_OPTS[] = {
    {O_PKI, offsetof(struct args, pki)},
    {O_OUT, offsetof(struct args, out)},
    {O_NAME, offsetof(struct args, name)},
    {O_NAME_ALT, offsetof(struct args, name_alt)},
    {O_BIRTH, offsetof(struct args, birth)},
    {O_GENDER, offsetof(struct args, gender)},
    {O_ADDRESS, offsetof(struct args, address)},
    {O_ADDRESS_ALT, offsetof(struct args, address_alt)},
    {O_PREFECTURE, offsetof(struct args, prefecture)},
    {O_CITY, offsetof(struct args, city)},
    {O_PASSWORD, offsetof(struct args, password)},
    {O_PIN, offsetof(struct args, pin)},
    {O_TOKEN, offsetof(struct args, token)},
    {O_STATE, offsetof(struct args, state)},
    {O_CERT, offsetof(struct args, cert)},
    {O_CA, offsetof(struct args, ca)},
    {O_SERIAL, offsetof(struct args, serial)},
    {O_REASON, offsetof(struct args, reason)},
    {O_VPCD, offsetof(struct args, vpcd)},
    {O_ATR, offsetof(struct args, atr)},
    {O_WHAT, offsetof(struct args, what)},
};

/* A string option into its field: 1, or 0 when opt takes no string. */
static int take_string(struct args *a, int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof(STRING_OPTS) / sizeof(STRING_OPTS[0]); i++)
		if (STRING_OPTS[i].opt == opt) {
			*(const char **)((char *)a + STRING_OPTS[i].field) = arg;
			return 1;
		}
	return 0;
}

/* A flag or a number option: 0, or 1 after the message. */
static int take_other(struct args *a, int opt, const char *arg)
{
	switch (opt) {
	case O_EXPIRED:
		a->expired = 1;
		a->validity_opts++;
		return 0;
	case O_NOT_YET:
		a->not_yet = 1;
		a->validity_opts++;
		return 0;
	case O_FORCE:
		a->force = 1;
		return 0;
	case O_VERBOSE:
		a->verbose = 1;
		return 0;
	case O_DER:
		a->der = 1;
		return 0;
	case 'h':
	case O_HELP:
		a->help = 1;
		return 0;
	case O_DAYS:
		if (num_parse_long(arg, 1, 36500, &a->days) != 0)
			return die("--days: a number of days from 1 to 36500");
		a->validity_opts++;
		return 0;
	case O_REMOVE_AFTER:
		if (num_parse_long(arg, 0, 1000000000L, &a->remove_after) != 0)
			return die("--remove-after: a number of APDUs");
		return 0;
	case O_REINSERT_AFTER:
		if (num_parse_long(arg, 0, 86400000L, &a->reinsert_after) != 0)
			return die("--reinsert-after: milliseconds");
		return 0;
	case O_READ_MAX:
		if (num_parse_long(arg, 1, 256, &a->read_max) != 0)
			return die("--read-max: a number of bytes from 1 to 256");
		return 0;
	default:
		return die("unknown option (see madoguchi-card --help)");
	}
}

/* Parse options after the command word; 0 on success. */
static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->remove_after = -1;
	a->reinsert_after = -1;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", LONGOPTS, NULL)) != -1)
		if (!take_string(a, c, optarg) && take_other(a, c, optarg) != 0)
			return 1;
	if (a->validity_opts > 1)
		return die("--days, --expired and --not-yet-valid exclude each other");
	return 0;
}

static struct pki_validity validity_of(const struct args *a)
{
	struct pki_validity v = {PKI_VALID_DEFAULT, 0};
	if (a->expired)
		v.kind = PKI_VALID_EXPIRED;
	else if (a->not_yet)
		v.kind = PKI_VALID_NOT_YET;
	else if (a->days) {
		v.kind = PKI_VALID_DAYS;
		v.days = a->days;
	}
	return v;
}

static int copy_field(char *dst, size_t cap, const char *src, const char *what)
{
	if (!src)
		return 0;
	if (strlen(src) >= cap)
		return die("%s is too long (at most %zu bytes)", what, cap - 1);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int load_state(const char *path, struct card_state **st)
{
	char detail[256];
	enum state_err e;

	if (!path)
		return die("--state FILE is required");
	e = state_load(path, st, detail, sizeof(detail));
	if (e != STATE_OK)
		return die("%s: %s (%s)", path, state_strerror(e), detail);
	return 0;
}

static int lock_state(const char *path, int *fd)
{
	enum state_err e = state_lock(path, fd);
	if (e == STATE_EBUSY)
		return die("%s: the card is in use (is `madoguchi-card serve` running with it?)",
		           path);
	if (e != STATE_OK)
		return die("%s: %s (%s)", path, state_strerror(e), strerror(errno));
	return 0;
}

static int save_state(const char *path, const struct card_state *st)
{
	enum state_err e = state_save(path, st);
	if (e != STATE_OK)
		return die("%s: %s (%s)", path, state_strerror(e), strerror(errno));
	return 0;
}

/* ---- pki ----------------------------------------------------------------------------- */

static int cmd_pki(int argc, char **argv)
{
	enum pki_err e;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (argc != 3)
		return die("usage: madoguchi-card pki init|crl DIR"), 2;
	if (strcmp(argv[1], "init") == 0) {
		e = pki_init(argv[2], time(NULL));
		if (e != PKI_OK)
			return die("pki init %s: %s", argv[2], pki_strerror(e));
		printf(
		    "test PKI created in %s (signing CA %s/sign/ca.pem, authentication CA %s/auth/ca.pem)\n",
		    argv[2], argv[2], argv[2]);
		return 0;
	}
	if (strcmp(argv[1], "crl") == 0) {
		e = pki_crl(argv[2], PKI_CA_SIGN, time(NULL));
		if (e == PKI_OK)
			e = pki_crl(argv[2], PKI_CA_AUTH, time(NULL));
		if (e != PKI_OK)
			return die("pki crl %s: %s", argv[2], pki_strerror(e));
		printf("CRLs regenerated: %s/sign/crl.pem, %s/auth/crl.pem\n", argv[2], argv[2]);
		return 0;
	}
	return die("unknown pki command \"%s\" (init, crl)", argv[1]);
}

static int cmd_issue(const struct args *a)
{
	struct pki_issue_req req;
	struct card_state *st = NULL;
	struct stat sb;
	enum pki_err e;
	int rc = 1;

	memset(&req, 0, sizeof(req));
	if (!a->pki || !a->out || !a->name || !a->birth || !a->gender || !a->address ||
	    !a->password || !a->pin)
		return die(
		    "issue needs --pki, --out, --name, --birth, --gender, --address, --password and --pin");
	if (!a->force && stat(a->out, &sb) == 0)
		return die("%s exists (use --force to replace that card)", a->out);
	if (copy_field(req.person.name, sizeof(req.person.name), a->name, "--name") ||
	    copy_field(req.person.name_alt, sizeof(req.person.name_alt), a->name_alt,
	               "--name-alt") ||
	    copy_field(req.person.address, sizeof(req.person.address), a->address, "--address") ||
	    copy_field(req.person.address_alt, sizeof(req.person.address_alt), a->address_alt,
	               "--address-alt") ||
	    copy_field(req.person.prefecture, sizeof(req.person.prefecture), a->prefecture,
	               "--prefecture") ||
	    copy_field(req.person.city, sizeof(req.person.city), a->city, "--city"))
		return 1;
	if (pki_birth_code(a->birth, time(NULL), req.person.birth) != PKI_OK)
		return die(
		    "--birth: a real date (YYYY-MM-DD, YYYYMMDD or the 9-digit JPKI code) from 1868-10-23 to today");
	if (pki_gender_code(a->gender, req.person.gender) != PKI_OK)
		return die("--gender: 1, 2, 3, male or female");
	{
		char pw[JPKI_PW_MAX + 1];
		enum jpki_err je = jpki_sign_password_normalise(a->password, pw);
		OPENSSL_cleanse(pw, sizeof(pw));
		if (je != JPKI_OK)
			return die("--password: %s (6 to 16 of A-Z and 0-9)", jpki_strerror(je));
		je = jpki_auth_pin_check(a->pin);
		if (je != JPKI_OK)
			return die("--pin: %s (4 digits)", jpki_strerror(je));
	}
	req.password = a->password;
	req.pin = a->pin;
	req.token_label = a->token;
	req.validity = validity_of(a);
	e = pki_issue(a->pki, &req, time(NULL), &st);
	if (e != PKI_OK) {
		die("issue: %s", pki_strerror(e));
		goto out;
	}
	if (save_state(a->out, st) != 0)
		goto out;
	printf("card issued: %s\n", a->out);
	rc = 0;
out:
	card_state_free(st);
	return rc;
}

static int which_ca(const char *s, enum pki_ca *out)
{
	if (s && strcmp(s, "sign") == 0)
		*out = PKI_CA_SIGN;
	else if (s && strcmp(s, "auth") == 0)
		*out = PKI_CA_AUTH;
	else
		return -1;
	return 0;
}

static int cmd_revoke(const struct args *a)
{
	struct card_state *st = NULL;
	enum pki_ca ca = PKI_CA_SIGN;
	enum pki_err e;
	int rc = 1;

	if (!a->pki)
		return die("revoke needs --pki DIR");
	if (a->state) {
		if (a->cert && which_ca(a->cert, &ca) != 0)
			return die("--cert: sign or auth");
		if (load_state(a->state, &st) != 0)
			goto out;
		e = ca == PKI_CA_SIGN ? pki_revoke_cert(a->pki, ca, st->sign_cert.der,
		                                        st->sign_cert.len, a->reason, time(NULL))
		                      : pki_revoke_cert(a->pki, ca, st->auth_cert.der,
		                                        st->auth_cert.len, a->reason, time(NULL));
	} else {
		if (!a->serial || which_ca(a->ca, &ca) != 0)
			return die("revoke needs --state FILE, or --ca sign|auth and --serial HEX");
		e = pki_revoke_serial(a->pki, ca, a->serial, a->reason, time(NULL));
	}
	if (e != PKI_OK) {
		die("revoke: %s", pki_strerror(e));
		goto out;
	}
	printf("revoked; CRL regenerated: %s/%s/crl.pem\n", a->pki,
	       ca == PKI_CA_SIGN ? "sign" : "auth");
	rc = 0;
out:
	card_state_free(st);
	return rc;
}

/* ---- serve --------------------------------------------------------------------------- */

static volatile sig_atomic_t g_stop, g_pull, g_insert;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		g_pull = 1;
	else if (sig == SIGUSR2)
		g_insert = 1;
	else
		g_stop = 1;
}

static int install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0 ||
	    sigaction(SIGUSR2, &sa, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Hex bytes, optionally separated by spaces or colons. */
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;
	while (*s) {
		int hi, lo;
		if (*s == ' ' || *s == ':') {
			s++;
			continue;
		}
		hi = hex_value(s[0]);
		lo = hi >= 0 ? hex_value(s[1]) : -1;
		if (lo < 0 || n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return n ? 0 : -1;
}

struct persist_ctx {
	const char *path;
};

static int persist(void *ctx, const struct card_state *st)
{
	const struct persist_ctx *p = ctx;
	enum state_err e = state_save(p->path, st);
	if (e != STATE_OK) {
		fprintf(stderr, "madoguchi-card: saving %s failed: %s (%s)\n", p->path,
		        state_strerror(e), strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_serve(const struct args *a)
{
	struct card_state *st = NULL;
	struct persist_ctx pc;
	struct vpcd_serve_opts o;
	char host[VPCD_HOST_MAX + 1];
	uint16_t port = VPCD_DEFAULT_PORT;
	uint8_t atr[VPCD_ATR_MAX];
	size_t atr_len = JPKI_ATR_LEN;
	card *c = NULL;
	int lockfd = -1, rc = 1;
	enum vpcd_err e;

	snprintf(host, sizeof(host), "%s", VPCD_DEFAULT_HOST);
	memcpy(atr, JPKI_ATR_CONTACT, JPKI_ATR_LEN);
	if (a->vpcd && vpcd_parse_addr(a->vpcd, host, &port) != VPCD_OK)
		return die("--vpcd: HOST:PORT (e.g. 127.0.0.1:35963)");
	if (a->atr && parse_hex(a->atr, atr, sizeof(atr), &atr_len) != 0)
		return die("--atr: 1 to %d hex bytes", VPCD_ATR_MAX);
	if (!a->state)
		return die("serve needs --state FILE");
	if (lock_state(a->state, &lockfd) != 0)
		return 1;
	if (load_state(a->state, &st) != 0)
		goto out;
	pc.path = a->state;
	c = card_new(st, persist, &pc);
	if (!c) {
		die("out of memory");
		goto out;
	}
	card_set_read_max(c, (size_t)a->read_max);
	if (install_signals() != 0) {
		die("sigaction: %s", strerror(errno));
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.host = host;
	o.port = port;
	o.atr = atr;
	o.atr_len = atr_len;
	o.remove_after = a->remove_after;
	o.reinsert_after_ms = a->reinsert_after;
	o.verbose = a->verbose;
	o.log = stderr;
	o.stop = &g_stop;
	o.pull = &g_pull;
	o.insert = &g_insert;
	setvbuf(stderr, NULL, _IOLBF, 0);
	e = vpcd_serve(c, &o);
	if (e != VPCD_OK) {
		die("serve: %s", vpcd_strerror(e));
		goto out;
	}
	fprintf(stderr, "madoguchi-card: stopped\n");
	rc = 0;
out:
	card_free(c);
	card_state_free(st);
	state_unlock(lockfd);
	return rc;
}

/* ---- show / export ------------------------------------------------------------------- */

static X509 *x509_of(const struct card_blob *b)
{
	const unsigned char *q = b->der;
	return d2i_X509(NULL, &q, (long)b->len);
}

static void print_cert(const char *label, const struct card_blob *b)
{
	X509 *x = x509_of(b);
	BIO *out = BIO_new_fp(stdout, BIO_NOCLOSE);
	ASN1_INTEGER *serial;
	int before, after;

	if (!x || !out) {
		printf("%s: (unreadable)\n", label);
		goto out;
	}
	serial = X509_get_serialNumber(x);
	BIO_printf(out, "%s:\n  subject    ", label);
	X509_NAME_print_ex(out, X509_get_subject_name(x), 0, XN_FLAG_ONELINE);
	BIO_printf(out, "\n  issuer     ");
	X509_NAME_print_ex(out, X509_get_issuer_name(x), 0, XN_FLAG_ONELINE);
	BIO_printf(out, "\n  serial     ");
	i2a_ASN1_INTEGER(out, serial);
	BIO_printf(out, "\n  not before ");
	ASN1_TIME_print(out, X509_get0_notBefore(x));
	BIO_printf(out, "\n  not after  ");
	ASN1_TIME_print(out, X509_get0_notAfter(x));
	before = X509_cmp_current_time(X509_get0_notBefore(x));
	after = X509_cmp_current_time(X509_get0_notAfter(x));
	BIO_printf(out, "\n  status     %s\n",
	           before > 0 ? "not yet valid" : (after < 0 ? "expired" : "valid"));
out:
	BIO_free(out);
	X509_free(x);
}

static int cmd_show(const struct args *a)
{
	struct card_state *st = NULL;
	const struct card_person *p;

	if (load_state(a->state, &st) != 0)
		return 1;
	p = &st->person;
	printf("token label: %s\n", st->token_label);
	print_cert("signing certificate", &st->sign_cert);
	printf("signing password: %u of %u tries left%s\n", st->sign_pin.tries_left,
	       st->sign_pin.max_tries, st->sign_pin.tries_left ? "" : " (locked)");
	print_cert("authentication certificate", &st->auth_cert);
	printf("authentication PIN: %u of %u tries left%s\n", st->auth_pin.tries_left,
	       st->auth_pin.max_tries, st->auth_pin.tries_left ? "" : " (locked)");
	printf("holder: name %s%s%s, birth %s, gender %s, address %s%s%s\n", p->name,
	       p->name_alt[0] ? " / " : "", p->name_alt, p->birth, p->gender, p->address,
	       p->address_alt[0] ? " / " : "", p->address_alt);
	card_state_free(st);
	return 0;
}

static int cmd_export(const struct args *a)
{
	struct card_state *st = NULL;
	const struct card_blob *b;
	X509 *x = NULL;
	int rc = 1;

	if (!a->what)
		return die("export needs --what sign-cert|sign-ca|auth-cert|auth-ca");
	if (load_state(a->state, &st) != 0)
		return 1;
	if (strcmp(a->what, "sign-cert") == 0)
		b = &st->sign_cert;
	else if (strcmp(a->what, "sign-ca") == 0)
		b = &st->sign_ca;
	else if (strcmp(a->what, "auth-cert") == 0)
		b = &st->auth_cert;
	else if (strcmp(a->what, "auth-ca") == 0)
		b = &st->auth_ca;
	else {
		die("--what: sign-cert, sign-ca, auth-cert or auth-ca");
		goto out;
	}
	if (a->der) {
		if (fwrite(b->der, 1, b->len, stdout) != b->len)
			goto out;
	} else {
		x = x509_of(b);
		if (!x || PEM_write_X509(stdout, x) != 1)
			goto out;
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	X509_free(x);
	card_state_free(st);
	return rc;
}

/* ---- the counter --------------------------------------------------------------------- */

/* What a change of the state file prints once it is saved. */
#define DONE_MAX 128

/* Changes the state file a->state under its lock: loads it, runs change (0: done, with what
 * to print in done; else it said why), saves it, then prints done. 0, or 1. */
static int change_state(const struct args *a,
                        int (*change)(const struct args *a, struct card_state *st, char *done))
{
	struct card_state *st = NULL;
	char done[DONE_MAX] = "";
	int lockfd = -1, rc = 1;

	if (lock_state(a->state, &lockfd) != 0)
		return 1;
	if (load_state(a->state, &st) == 0 && change(a, st, done) == 0 &&
	    save_state(a->state, st) == 0) {
		fputs(done, stdout);
		rc = 0;
	}
	card_state_free(st);
	state_unlock(lockfd);
	return rc;
}

static int reset_pin(const struct args *a, struct card_state *st, char *done)
{
	if (a->password) {
		enum jpki_err je = jpki_sign_password_normalise(a->password, st->sign_pin.secret);
		if (je != JPKI_OK)
			return die("--password: %s (6 to 16 of A-Z and 0-9)", jpki_strerror(je));
		st->sign_pin.tries_left = st->sign_pin.max_tries;
	} else {
		enum jpki_err je = jpki_auth_pin_check(a->pin);
		if (je != JPKI_OK)
			return die("--pin: %s (4 digits)", jpki_strerror(je));
		snprintf(st->auth_pin.secret, sizeof(st->auth_pin.secret), "%s", a->pin);
		st->auth_pin.tries_left = st->auth_pin.max_tries;
	}
	snprintf(done, DONE_MAX, "%s reset; %u tries\n",
	         a->password ? "signing password" : "authentication PIN",
	         a->password ? st->sign_pin.max_tries : st->auth_pin.max_tries);
	return 0;
}

static int cmd_reset_pin(const struct args *a)
{
	if (!a->state || (!a->password == !a->pin))
		return die("reset-pin needs --state FILE and one of --password NEW, --pin NEW");
	return change_state(a, reset_pin);
}

static int renew(const struct args *a, struct card_state *st, char *done)
{
	struct pki_validity v = validity_of(a);
	enum pki_err e = pki_renew(a->pki, st, a->password, &v, time(NULL));

	if (e != PKI_OK)
		return die("renew: %s", pki_strerror(e));
	snprintf(done, DONE_MAX,
	         "signing certificate renewed; the old one is revoked (superseded)\n");
	return 0;
}

static int cmd_renew(const struct args *a)
{
	if (!a->state || !a->pki)
		return die("renew needs --state FILE and --pki DIR");
	if (a->password) {
		char pw[JPKI_PW_MAX + 1];
		enum jpki_err je = jpki_sign_password_normalise(a->password, pw);
		OPENSSL_cleanse(pw, sizeof(pw));
		if (je != JPKI_OK)
			return die("--password: %s (6 to 16 of A-Z and 0-9)", jpki_strerror(je));
	}
	return change_state(a, renew);
}

/* The commands that take the common options (pki has its own). */
static const struct command {
	const char *name;
	int (*run)(const struct args *a);
} COMMANDS[] = {
    {"issue", cmd_issue},   {"revoke", cmd_revoke},       {"serve", cmd_serve}, {"show", cmd_show},
    {"export", cmd_export}, {"reset-pin", cmd_reset_pin}, {"renew", cmd_renew},
};

int main(int argc, char **argv)
{
	struct args a;
	const char *cmd;

	if (argc < 2)
		return fputs(USAGE, stderr), 2;
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (strcmp(cmd, "pki") == 0)
		return cmd_pki(argc - 1, argv + 1);
	if (parse_args(argc - 1, argv + 1, &a) != 0)
		return 2;
	if (a.help) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (optind < argc - 1)
		return die("unexpected argument \"%s\"", argv[optind + 1]), 2;
	for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (strcmp(cmd, COMMANDS[i].name) == 0)
			return COMMANDS[i].run(&a);
	return die("unknown command \"%s\" (see madoguchi-card --help)", cmd), 2;
}
