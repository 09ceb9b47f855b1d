/* pki: the test PKI of the virtual card. Two self-signed roots named like the real JPKI CAs but
 * with O=JPKI-TEST (signing and user authentication), each with a delegated OCSP responder
 * certificate and an OpenSSL-ca style index (index.txt) that `openssl ocsp -index` serves and
 * from which the CRL is generated. It issues card states (state.h) with RSA-2048 keys and
 * certificates shaped like JPKI's (keyUsage, basic four information in subjectAltName), renews
 * the signing certificate and revokes. Layout of DIR:
 *   DIR/sign/{ca.pem, ca.key, ocsp.pem, ocsp.key, index.txt, index.txt.attr, crlnumber,
 *             crl.pem, crl.der}
 *   DIR/auth/{... the same for the authentication CA}
 * Keys are unencrypted PEM of mode 0600: a test PKI, never a real one. */
#ifndef MADOGUCHI_CARD_PKI_H
#define MADOGUCHI_CARD_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "card/state.h"

enum pki_err {
	PKI_OK = 0,
	PKI_EINPUT, /* bad argument (a person field, a date, a password...) */
	PKI_ENOMEM,
	PKI_EIO,       /* a file could not be read or written (errno kept) */
	PKI_ECRYPTO,   /* an OpenSSL operation failed */
	PKI_EEXISTS,   /* DIR already holds a PKI, or the certificate is already revoked */
	PKI_ENOTFOUND, /* no such serial in the index, or no PKI in DIR */
	PKI_EINDEX,    /* the index file is malformed or too big */
	PKI_EMISMATCH, /* the card was not issued by this PKI */
	PKI_EBUSY,     /* another process holds the PKI's lock */
};
/* A static English description; never NULL. */
const char *pki_strerror(int err);

enum pki_ca { PKI_CA_SIGN, PKI_CA_AUTH };

enum pki_validity_kind {
	PKI_VALID_DEFAULT = 0, /* from now until the holder's fifth birthday after issue */
	PKI_VALID_EXPIRED,     /* ended yesterday, began five years before */
	PKI_VALID_NOT_YET,     /* begins tomorrow, then as the default */
	PKI_VALID_DAYS,        /* from now for `days` days */
};
struct pki_validity {
	enum pki_validity_kind kind;
	long days; /* PKI_VALID_DAYS: 1 to 36500 */
};

/* The largest index file and CRL source accepted. */
#define PKI_INDEX_MAX ((size_t)8 << 20)

/* Create DIR (mode 0700 when missing) and both CAs, their OCSP responders, empty indexes and
 * empty CRLs. PKI_EEXISTS when DIR already has a PKI. */
enum pki_err pki_init(const char *dir, time_t now);

/* What `issue` needs. Strings are NUL-terminated; the alt fields and token_label may be NULL
 * (token_label defaults to JPKIAPICCTOKEN2, prefecture/city to Tokyo-to/Chiyoda-ku). */
struct pki_issue_req {
	struct card_person person; /* name, address, gender, birth (a code from pki_birth_code) */
	const char *password;      /* signing password: normalised and checked by the rules */
	const char *pin;           /* authentication PIN: 4 digits */
	const char *token_label;
	struct pki_validity validity;
};
/* Issue a new card: two RSA-2048 keys, the signing and the authentication certificate (both in
 * the CA indexes), the CA certificates, the passwords with full try counters. *out is the
 * caller's (card_state_free). */
enum pki_err pki_issue(const char *dir, const struct pki_issue_req *req, time_t now,
                       struct card_state **out);

/* The counter's renewal: a new signing key and certificate for the same person (from the
 * state), the old signing certificate revoked as superseded. password may be NULL (keep it);
 * when given it is set and the counter reset. st is changed only on success. */
enum pki_err pki_renew(const char *dir, struct card_state *st, const char *password,
                       const struct pki_validity *validity, time_t now);

/* Mark a certificate revoked in the index of its CA and regenerate that CA's CRL. reason is an
 * RFC 5280 reason name as openssl ca spells it (keyCompromise, superseded, ...; NULL:
 * unspecified). PKI_EEXISTS when already revoked, PKI_ENOTFOUND when not in the index. */
enum pki_err pki_revoke_cert(const char *dir, enum pki_ca ca, const uint8_t *der, size_t len,
                             const char *reason, time_t now);
/* The same by serial number (hex, as in index.txt). */
enum pki_err pki_revoke_serial(const char *dir, enum pki_ca ca, const char *serial_hex,
                               const char *reason, time_t now);
/* Regenerate the CRL of one CA from its index (valid for one day, like JPKI's daily CRL). */
enum pki_err pki_crl(const char *dir, enum pki_ca ca, time_t now);

/* Check that st's CA certificates are this PKI's. */
enum pki_err pki_check_card(const char *dir, const struct card_state *st);

/* Birth date to the JPKI code (era digit + Gregorian YYYYMMDD: 明治1 大正2 昭和3 平成4 令和5).
 * in is YYYY-MM-DD, YYYYMMDD or already a 9-digit code (whose era digit must fit the date).
 * The date must exist, be on or after 1868-10-23 (明治) and not after now. */
enum pki_err pki_birth_code(const char *in, time_t now, char out[10]);
/* Gender: "1", "2", "3" or male/female. */
enum pki_err pki_gender_code(const char *in, char out[2]);
/* The validity period a certificate gets: *nb and *na in seconds since the epoch. */
enum pki_err pki_validity_range(const char *birth_code, const struct pki_validity *v, time_t now,
                                time_t *nb, time_t *na);

#endif
