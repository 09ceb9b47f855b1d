/* state: load, check and atomically save the JSON state file of a virtual card (see state.h).
 * Keys are PKCS #8 PEM, certificates PEM, passwords ASCII; every field is bounded and checked
 * on load, since a hand-edited file is input like any other. */
#include "card/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util/file.h"
#include "util/utf8.h"

#define PEM_MAX 16384 /* a 2048-bit key or a certificate is 1-3 KB of PEM */

const char *state_strerror(int err)
{
	switch (err) {
	case STATE_OK:
		return "success";
	case STATE_EINPUT:
		return "invalid argument";
	case STATE_ENOMEM:
		return "out of memory";
	case STATE_EIO:
		return "input/output error";
	case STATE_ETOOBIG:
		return "the state file is too big";
	case STATE_EJSON:
		return "the state file is not valid JSON of the expected shape";
	case STATE_EFIELD:
		return "a field of the state file is missing or invalid";
	case STATE_EKEY:
		return "a private key is not RSA-2048";
	case STATE_ECERT:
		return "a certificate does not parse or does not match its key";
	case STATE_EBUSY:
		return "the card is in use by another process";
	}
	return "unknown state error";
}

struct card_state *card_state_new(void)
{
	return calloc(1, sizeof(struct card_state));
}

static void blob_free(struct card_blob *b)
{
	free(b->der);
	b->der = NULL;
	b->len = 0;
}

void card_state_free(struct card_state *st)
{
	if (!st)
		return;
	EVP_PKEY_free(st->sign_key);
	EVP_PKEY_free(st->auth_key);
	blob_free(&st->sign_cert);
	blob_free(&st->sign_ca);
	blob_free(&st->auth_cert);
	blob_free(&st->auth_ca);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
}

enum state_err card_blob_set(struct card_blob *b, const uint8_t *der, size_t len)
{
	uint8_t *p;

	if (!b || !der || len == 0 || len > JPKI_EF_MAX_SIZE)
		return STATE_EINPUT;
	p = malloc(len);
	if (!p)
		return STATE_ENOMEM;
	memcpy(p, der, len);
	free(b->der);
	b->der = p;
	b->len = len;
	return STATE_OK;
}

/* ---- checks -------------------------------------------------------------------------- */

/* Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) without control
 * characters. */
int state_text_valid(const char *s, size_t len)
{
	return utf8_text_ok(s, len, "");
}

static int ascii_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7E)
			return 0;
	return 1;
}

/* Copy a string member into out[cap]: required unless optional, at most cap-1 bytes, valid
 * text (ascii: printable ASCII only). */
static enum state_err get_text(json_t *obj, const char *key, char *out, size_t cap, int optional,
                               int ascii, char *detail, size_t dlen)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	out[0] = '\0';
	if (!v && optional)
		return STATE_OK;
	if (!json_is_string(v))
		goto bad;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap || strlen(s) != n || !state_text_valid(s, n) || (ascii && !ascii_printable(s)))
		goto bad;
	memcpy(out, s, n + 1);
	return STATE_OK;
bad:
	if (detail)
		snprintf(detail, dlen, "field \"%s\"", key);
	return STATE_EFIELD;
}

/* A memory BIO over the len bytes of PEM text: STATE_OK with *bio, bad when the length is out
 * of bounds, STATE_ENOMEM. */
static enum state_err pem_bio(const char *pem, size_t len, enum state_err bad, BIO **bio)
{
	if (len == 0 || len > PEM_MAX)
		return bad;
	*bio = BIO_new_mem_buf(pem, (int)len);
	return *bio ? STATE_OK : STATE_ENOMEM;
}

static enum state_err key_from_pem(const char *pem, size_t len, EVP_PKEY **out)
{
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	enum state_err e = pem_bio(pem, len, STATE_EKEY, &bio);

	if (e != STATE_OK)
		goto out;
	e = STATE_EKEY;
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) != 2048)
		goto out;
	*out = k;
	k = NULL;
	e = STATE_OK;
out:
	EVP_PKEY_free(k);
	BIO_free(bio);
	return e;
}

static enum state_err cert_from_pem(const char *pem, size_t len, struct card_blob *b, X509 **xout)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	unsigned char *der = NULL;
	int n;
	enum state_err e = pem_bio(pem, len, STATE_ECERT, &bio);

	if (e != STATE_OK)
		goto out;
	e = STATE_ECERT;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!x)
		goto out;
	n = i2d_X509(x, &der);
	if (n <= 0 || (size_t)n >= JPKI_EF_MAX_SIZE)
		goto out;
	e = card_blob_set(b, der, (size_t)n);
	if (e != STATE_OK)
		goto out;
	if (xout) {
		*xout = x;
		x = NULL;
	}
out:
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	return e;
}

static enum state_err load_half(json_t *root, const char *name, const char *secret_key, int sign,
                                EVP_PKEY **key, struct card_blob *cert, struct card_blob *ca,
                                struct card_pin *pin, char *detail, size_t dlen)
{
	json_t *o = json_object_get(root, name), *v;
	X509 *x = NULL;
	enum state_err e;
	json_int_t tries;
	size_t n;
	const char *s;

	if (!json_is_object(o)) {
		snprintf(detail, dlen, "object \"%s\"", name);
		return STATE_EFIELD;
	}
	v = json_object_get(o, "key");
	e = json_is_string(v) ? key_from_pem(json_string_value(v), json_string_length(v), key)
	                      : STATE_EKEY;
	if (e != STATE_OK) {
		snprintf(detail, dlen, "%s.key", name);
		goto out;
	}
	v = json_object_get(o, "cert");
	e = json_is_string(v) ? cert_from_pem(json_string_value(v), json_string_length(v), cert, &x)
	                      : STATE_ECERT;
	if (e == STATE_OK && X509_check_private_key(x, *key) != 1)
		e = STATE_ECERT;
	if (e != STATE_OK) {
		snprintf(detail, dlen, "%s.cert", name);
		goto out;
	}
	v = json_object_get(o, "ca");
	e = json_is_string(v) ? cert_from_pem(json_string_value(v), json_string_length(v), ca, NULL)
	                      : STATE_ECERT;
	if (e != STATE_OK) {
		snprintf(detail, dlen, "%s.ca", name);
		goto out;
	}
	v = json_object_get(o, secret_key);
	e = STATE_EFIELD;
	if (!json_is_string(v)) {
		snprintf(detail, dlen, "%s.%s", name, secret_key);
		goto out;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > JPKI_PW_MAX || strlen(s) != n ||
	    !(sign ? jpki_sign_password_valid((const uint8_t *)s, n)
	           : jpki_auth_pin_valid((const uint8_t *)s, n))) {
		snprintf(detail, dlen, "%s.%s (breaks the password rules)", name, secret_key);
		goto out;
	}
	memcpy(pin->secret, s, n + 1);
	pin->max_tries = sign ? JPKI_SIGN_PIN_MAX_TRIES : JPKI_AUTH_PIN_MAX_TRIES;
	v = json_object_get(o, "tries_left");
	tries = json_is_integer(v) ? json_integer_value(v) : -1;
	if (tries < 0 || tries > (json_int_t)pin->max_tries) {
		snprintf(detail, dlen, "%s.tries_left", name);
		goto out;
	}
	pin->tries_left = (unsigned)tries;
	e = STATE_OK;
out:
	X509_free(x);
	return e;
}

/* The file (file_read_all, at most STATE_FILE_MAX bytes) with its error as the state's. */
static enum state_err read_bounded(const char *path, char **out, size_t *outlen)
{
	if (file_read_all(path, STATE_FILE_MAX, out, outlen, NULL) == 0)
		return STATE_OK;
	if (errno == EFBIG)
		return STATE_ETOOBIG;
	return errno == ENOMEM ? STATE_ENOMEM : STATE_EIO;
}

/* "person": the holder's fields, each bounded and checked. */
static enum state_err load_person(json_t *root, struct card_person *p, char *detail,
                                  size_t detaillen)
{
	json_t *person = json_object_get(root, "person");
	enum state_err e;
	struct {
		const char *key;
		char *dst;
		size_t cap;
		int optional, ascii;
	} fields[] = {
	    {"name", p->name, sizeof(p->name), 0, 0},
	    {"name_alt", p->name_alt, sizeof(p->name_alt), 1, 0},
	    {"gender", p->gender, sizeof(p->gender), 0, 1},
	    {"birth", p->birth, sizeof(p->birth), 0, 1},
	    {"address", p->address, sizeof(p->address), 0, 0},
	    {"address_alt", p->address_alt, sizeof(p->address_alt), 1, 0},
	    {"prefecture", p->prefecture, sizeof(p->prefecture), 0, 1},
	    {"city", p->city, sizeof(p->city), 0, 1},
	};

	if (!json_is_object(person)) {
		snprintf(detail, detaillen, "object \"person\"");
		return STATE_EFIELD;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		e = get_text(person, fields[i].key, fields[i].dst, fields[i].cap,
		             fields[i].optional, fields[i].ascii, detail, detaillen);
		if (e != STATE_OK)
			return e;
	}
	if (strlen(p->birth) != 9 || strspn(p->birth, "0123456789") != 9 ||
	    strlen(p->gender) != 1 || !strchr("123", p->gender[0])) {
		snprintf(detail, detaillen, "person.birth or person.gender");
		return STATE_EFIELD;
	}
	return STATE_OK;
}

/* The members of the parsed state file into st. */
static enum state_err load_members(json_t *root, struct card_state *st, char *detail,
                                   size_t detaillen)
{
	json_t *v = json_object_get(root, "version");
	enum state_err e;

	if (!json_is_integer(v) || json_integer_value(v) != STATE_VERSION) {
		snprintf(detail, detaillen, "version is not %d", STATE_VERSION);
		return STATE_EJSON;
	}
	e = get_text(root, "token_label", st->token_label, sizeof(st->token_label), 0, 1, detail,
	             detaillen);
	if (e == STATE_OK)
		e = load_half(root, "sign", "password", 1, &st->sign_key, &st->sign_cert,
		              &st->sign_ca, &st->sign_pin, detail, detaillen);
	if (e == STATE_OK)
		e = load_half(root, "auth", "pin", 0, &st->auth_key, &st->auth_cert, &st->auth_ca,
		              &st->auth_pin, detail, detaillen);
	if (e == STATE_OK)
		e = load_person(root, &st->person, detail, detaillen);
	return e;
}

enum state_err state_load(const char *path, struct card_state **out, char *detail, size_t detaillen)
{
	char *text = NULL, dummy[1];
	size_t len = 0;
	json_t *root = NULL;
	json_error_t jerr;
	struct card_state *st = NULL;
	enum state_err e;

	if (!detail) {
		detail = dummy;
		detaillen = sizeof(dummy);
	}
	detail[0] = '\0';
	if (!path || !out)
		return STATE_EINPUT;
	*out = NULL;
	e = read_bounded(path, &text, &len);
	if (e != STATE_OK) {
		snprintf(detail, detaillen, "%s", e == STATE_EIO ? strerror(errno) : path);
		return e;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		snprintf(detail, detaillen, "line %d: %s", jerr.line,
		         root ? "not an object" : jerr.text);
		e = STATE_EJSON;
	} else if (!(st = card_state_new())) {
		e = STATE_ENOMEM;
	} else {
		e = load_members(root, st, detail, detaillen);
	}
	if (e == STATE_OK) {
		*out = st;
		st = NULL;
	}
	card_state_free(st);
	json_decref(root);
	OPENSSL_cleanse(text, len);
	free(text);
	return e;
}

/* ---- saving -------------------------------------------------------------------------- */

static json_t *pem_key(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	json_t *s = NULL;
	char *p;
	long n;

	if (!bio)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1) {
		n = BIO_get_mem_data(bio, &p);
		if (n > 0)
			s = json_stringn(p, (size_t)n);
	}
	BIO_free_all(bio); /* BIO_s_mem cleanses nothing: acceptable for a test card */
	return s;
}

static json_t *pem_cert(const struct card_blob *b)
{
	const unsigned char *q = b->der;
	X509 *x = b->der ? d2i_X509(NULL, &q, (long)b->len) : NULL;
	BIO *bio = NULL;
	json_t *s = NULL;
	char *p;
	long n;

	if (!x)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_X509(bio, x) != 1)
		goto out;
	n = BIO_get_mem_data(bio, &p);
	if (n > 0)
		s = json_stringn(p, (size_t)n);
out:
	BIO_free_all(bio);
	X509_free(x);
	return s;
}

static json_t *half_json(EVP_PKEY *key, const struct card_blob *cert, const struct card_blob *ca,
                         const char *secret_key, const struct card_pin *pin)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "key", pem_key(key)) != 0 ||
	    json_object_set_new(o, "cert", pem_cert(cert)) != 0 ||
	    json_object_set_new(o, "ca", pem_cert(ca)) != 0 ||
	    json_object_set_new(o, secret_key, json_string(pin->secret)) != 0 ||
	    json_object_set_new(o, "tries_left", json_integer(pin->tries_left)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *state_json(const struct card_state *st)
{
	json_t *root = json_object(), *person = json_object();
	const struct card_person *p = &st->person;
	int bad = !root || !person;

	bad = bad || json_object_set_new(root, "format", json_string("madoguchi-card-state")) != 0;
	bad = bad || json_object_set_new(root, "version", json_integer(STATE_VERSION)) != 0;
	bad = bad || json_object_set_new(root, "token_label", json_string(st->token_label)) != 0;
	bad = bad || json_object_set_new(root, "sign",
	                                 half_json(st->sign_key, &st->sign_cert, &st->sign_ca,
	                                           "password", &st->sign_pin)) != 0;
	bad = bad || json_object_set_new(root, "auth",
	                                 half_json(st->auth_key, &st->auth_cert, &st->auth_ca,
	                                           "pin", &st->auth_pin)) != 0;
	bad = bad || json_object_set_new(person, "name", json_string(p->name)) != 0;
	bad = bad || json_object_set_new(person, "name_alt", json_string(p->name_alt)) != 0;
	bad = bad || json_object_set_new(person, "gender", json_string(p->gender)) != 0;
	bad = bad || json_object_set_new(person, "birth", json_string(p->birth)) != 0;
	bad = bad || json_object_set_new(person, "address", json_string(p->address)) != 0;
	bad = bad || json_object_set_new(person, "address_alt", json_string(p->address_alt)) != 0;
	bad = bad || json_object_set_new(person, "prefecture", json_string(p->prefecture)) != 0;
	bad = bad || json_object_set_new(person, "city", json_string(p->city)) != 0;
	if (!bad) {
		bad = json_object_set_new(root, "person", person) != 0;
		person = NULL;
	}
	json_decref(person);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

enum state_err state_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	if (!path || (!data && len))
		return STATE_EINPUT;
	if (strlen(path) + sizeof(".tmp.XXXXXX") > PATH_MAX)
		return STATE_EINPUT;
	return file_write_atomic(path, data, len, mode) == 0 ? STATE_OK : STATE_EIO;
}

enum state_err state_save(const char *path, const struct card_state *st)
{
	json_t *root = NULL;
	char *text = NULL;
	size_t len = 0;
	enum state_err e = STATE_ENOMEM;

	if (!path || !st || !st->sign_key || !st->auth_key)
		return STATE_EINPUT;
	root = state_json(st);
	if (!root)
		goto out;
	text = json_dumps(root, JSON_INDENT(2));
	if (!text)
		goto out;
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL: the file ends with a newline */
	e = state_write_file(path, text, len + 1, 0600);
	text[len] = '\0';
out:
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	json_decref(root);
	return e;
}

/* ---- lock ---------------------------------------------------------------------------- */

enum state_err state_lock(const char *path, int *fd)
{
	char lp[PATH_MAX];
	struct stat sb;
	int f;

	if (!path || !fd)
		return STATE_EINPUT;
	*fd = -1;
	if ((size_t)snprintf(lp, sizeof(lp), "%s.lock", path) >= sizeof(lp))
		return STATE_EINPUT;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return STATE_EIO; /* no card: do not leave a lock file behind */
	f = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return STATE_EIO;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;
		close(f);
		return busy ? STATE_EBUSY : STATE_EIO;
	}
	*fd = f;
	return STATE_OK;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor releases the flock */
}
