/* state: what a virtual My Number Card remembers between runs (keys, certificates, passwords,
 * try counters, the holder's basic four information), kept in one JSON file of mode 0600 and
 * rewritten atomically (temporary file, fsync, rename, fsync of the directory) so that a try
 * counter or a lock survives a crash or a pulled plug. The file holds the private keys in
 * clear: it is a test card, never a real one. */
#ifndef MADOGUCHI_CARD_STATE_H
#define MADOGUCHI_CARD_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "jpki/jpki.h"

#define STATE_FILE_MAX ((size_t)1 << 20) /* a state file is a few KB; refuse anything huge */
#define STATE_TEXT_MAX 300               /* bytes of UTF-8 in each person field */
#define STATE_LOCALITY_MAX 64
#define STATE_VERSION 1

enum state_err {
	STATE_OK = 0,
	STATE_EINPUT, /* bad argument */
	STATE_ENOMEM,
	STATE_EIO,     /* open/read/write/fsync/rename failed (errno kept) */
	STATE_ETOOBIG, /* the file is over STATE_FILE_MAX */
	STATE_EJSON,   /* not JSON, or not the expected shape */
	STATE_EFIELD,  /* a field is missing, too long or out of range */
	STATE_EKEY,    /* a private key that is not RSA-2048 or does not parse */
	STATE_ECERT,   /* a certificate that does not parse or does not match its key */
	STATE_EBUSY,   /* another process holds the card (serve, reset-pin, ...) */
};
/* A static English description; never NULL. */
const char *state_strerror(int err);

struct card_pin {
	char secret[JPKI_PW_MAX + 1]; /* ASCII, NUL-terminated */
	unsigned tries_left;          /* 0: locked */
	unsigned max_tries;           /* 5 (signing) or 3 (authentication) */
};

struct card_blob {
	uint8_t *der; /* malloc'ed DER, owned by the state */
	size_t len;
};

/* The basic four information (基本4情報) and where the holder lives, as issued. */
struct card_person {
	char name[STATE_TEXT_MAX + 1];        /* 氏名 */
	char name_alt[STATE_TEXT_MAX + 1];    /* substitute characters for the name, may be "" */
	char gender[2];                       /* "1", "2" or "3" */
	char birth[10];                       /* era digit + YYYYMMDD, e.g. "419900102" */
	char address[STATE_TEXT_MAX + 1];     /* 住所 */
	char address_alt[STATE_TEXT_MAX + 1]; /* substitute characters for the address, may be "" */
	char prefecture[STATE_LOCALITY_MAX + 1]; /* subject L=, ASCII, e.g. "Tokyo-to" */
	char city[STATE_LOCALITY_MAX + 1];       /* subject L=, ASCII, e.g. "Chiyoda-ku" */
};

struct card_state {
	char token_label[JPKI_TOKEN_LABEL_LEN + 1]; /* printable ASCII, e.g. JPKIAPICCTOKEN2 */
	EVP_PKEY *sign_key;                         /* RSA-2048, owned */
	EVP_PKEY *auth_key;                         /* RSA-2048, owned */
	struct card_blob sign_cert, sign_ca, auth_cert, auth_ca;
	struct card_pin sign_pin, auth_pin;
	struct card_person person;
};

/* An empty state (all zero, no keys); free with card_state_free. NULL when out of memory. */
struct card_state *card_state_new(void);
/* Frees keys, certificates and the struct; wipes the secrets. NULL is fine. */
void card_state_free(struct card_state *st);
/* Replace a blob with a copy of der. */
enum state_err card_blob_set(struct card_blob *b, const uint8_t *der, size_t len);

/* 1 when s[0..len) is well-formed UTF-8 (no overlong forms, no surrogates) without control
 * characters: the check applied to names and addresses. */
int state_text_valid(const char *s, size_t len);

/* Read and check a state file: every field bounded, keys RSA-2048, each certificate matching
 * its key. *out is the caller's (card_state_free). detail (may be NULL) gets a message naming
 * the field that failed. */
enum state_err state_load(const char *path, struct card_state **out, char *detail,
                          size_t detaillen);
/* Write atomically with mode 0600: PATH.tmp.XXXXXX in the same directory, fsync, rename over
 * PATH, fsync the directory. On failure PATH is untouched. */
enum state_err state_save(const char *path, const struct card_state *st);

/* Write data to path atomically with the given mode (the same steps as state_save). */
enum state_err state_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Take the card: an exclusive, non-blocking flock on PATH.lock, held until state_unlock. The
 * server holds it while the card is in the reader; reset-pin and renew take it too, so they
 * refuse to work on a card that is being served (STATE_EBUSY). *fd gets the lock's fd. */
enum state_err state_lock(const char *path, int *fd);
void state_unlock(int fd);

#endif
