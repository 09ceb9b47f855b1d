/* jpki: the APDUs of the JPKI application (公的個人認証AP) of the My Number Card, shared by the
 * signing app (madoguchi-sign) and the virtual card (madoguchi-card).
 *
 * Three layers, all pure C with no I/O and no OpenSSL:
 *  - constants (AID, EF ids, status words, password rules) and the short command APDU struct
 *    with its encoder and decoder (ISO 7816-3 cases 1 to 4, short lengths);
 *  - builders for each command of docs/jpki.md and parsers of the answers (status word classes,
 *    the DER length of a certificate header, DigestInfo);
 *  - card operations (select, read a whole EF, retries, verify, sign, change password) over a
 *    transport given as a const struct of function pointers, so the signing app plugs PC/SC in
 *    and the tests plug the virtual card in.
 * See docs/jpki.md for the card facts and docs/card.md for what was checked. */
#ifndef MADOGUCHI_JPKI_H
#define MADOGUCHI_JPKI_H

#include <stddef.h>
#include <stdint.h>

/* ---- constants ---------------------------------------------------------------------- */

#define JPKI_AID_LEN 10
extern const uint8_t JPKI_AID[JPKI_AID_LEN]; /* D3 92 F0 00 26 01 00 00 00 01 */

/* The contact ATR of a real card (3B E0 00 FF 81 31 FE 45 14). Clients find the card by
 * selecting the AID, not by ATR: contactless readers report other ATRs. */
#define JPKI_ATR_LEN 9
extern const uint8_t JPKI_ATR_CONTACT[JPKI_ATR_LEN];

enum jpki_ef {
	JPKI_EF_SIGN_CERT = 0x0001,  /* signing certificate, readable after the password */
	JPKI_EF_SIGN_CA = 0x0002,    /* CA certificate of the signing certificate */
	JPKI_EF_TOKEN_INFO = 0x0006, /* first 32 bytes: space-padded token label */
	JPKI_EF_AUTH_CERT = 0x000A,  /* authentication certificate */
	JPKI_EF_AUTH_CA = 0x000B,    /* CA certificate of the authentication certificate */
	JPKI_EF_AUTH_KEY = 0x0017,   /* authentication private key */
	JPKI_EF_AUTH_PIN = 0x0018,   /* authentication PIN object */
	JPKI_EF_SIGN_KEY = 0x001A,   /* signing private key */
	JPKI_EF_SIGN_PIN = 0x001B,   /* signing password object */
};

#define JPKI_SIGN_PIN_MAX_TRIES 5
#define JPKI_AUTH_PIN_MAX_TRIES 3
#define JPKI_SIGN_PW_MIN 6
#define JPKI_SIGN_PW_MAX 16
#define JPKI_AUTH_PIN_LEN 4
#define JPKI_PW_MAX 16 /* longest secret of either PIN object */

#define JPKI_TOKEN_LABEL_LEN 32
#define JPKI_TOKEN_LABEL_CARD "JPKIAPICCTOKEN2" /* a physical My Number Card */

#define JPKI_RSA_BYTES 256            /* RSA-2048: signature length */
#define JPKI_SHA256_DIGESTINFO_LEN 51 /* 19-byte prefix + 32-byte digest */
#define JPKI_DIGESTINFO_MAX 83        /* SHA-512: 19 + 64 */

/* Certificates and other EFs are read with a 15-bit offset. */
#define JPKI_EF_MAX_SIZE 0x8000

/* Status words (ISO 7816-4) the JPKI-AP and the virtual card use. */
#define JPKI_SW_OK 0x9000
#define JPKI_SW_EOF 0x6282                     /* end of file reached before Ne bytes */
#define JPKI_SW_TRIES(n) (0x63C0 | ((n)&0x0F)) /* n tries left */
#define JPKI_SW_MEMORY 0x6581 /* memory failure (the counter could not be written) */
#define JPKI_SW_WRONG_LENGTH 0x6700
#define JPKI_SW_INCOMPATIBLE 0x6981 /* command incompatible with the current EF */
#define JPKI_SW_SECURITY 0x6982     /* security status not satisfied */
#define JPKI_SW_BLOCKED_6983 0x6983 /* authentication method blocked (some sources) */
#define JPKI_SW_BLOCKED 0x6984      /* reference data not usable: password locked */
#define JPKI_SW_CONDITIONS 0x6985   /* conditions of use not satisfied */
#define JPKI_SW_NO_EF 0x6986        /* command not allowed: no current EF */
#define JPKI_SW_WRONG_DATA 0x6A80   /* incorrect data field */
#define JPKI_SW_NOT_FOUND 0x6A82    /* file or application not found */
#define JPKI_SW_WRONG_P1P2 0x6A86
#define JPKI_SW_WRONG_OFFSET 0x6B00 /* offset outside the EF */
#define JPKI_SW_INS 0x6D00          /* instruction not supported */
#define JPKI_SW_CLA 0x6E00          /* class not supported */
#define JPKI_SW_UNKNOWN 0x6F00      /* no precise diagnosis */

/* ---- errors ------------------------------------------------------------------------- */

enum jpki_err {
	JPKI_OK = 0,
	JPKI_EINPUT,     /* bad argument (NULL, out of range) */
	JPKI_ESPACE,     /* the output buffer is too small */
	JPKI_EMALFORMED, /* bytes that are not a valid APDU / response / DER / DigestInfo */
	JPKI_EEXTENDED,  /* an extended-length APDU (not used by the JPKI-AP) */
	JPKI_EPWLEN,     /* password of the wrong length */
	JPKI_EPWCHARS,   /* password with characters outside the rule */
	JPKI_ETRANSPORT, /* the transport failed (card removed, reader gone, ...) */
	JPKI_ENOTJPKI,   /* the card has no JPKI-AP (SELECT answered 6A82 or similar) */
	JPKI_EWRONGPW,   /* wrong password; tries left in *tries */
	JPKI_ELOCKED,    /* the password is locked (69 84 / 69 83 / 63 C0) */
	JPKI_ESECURITY,  /* 69 82: the password must be verified first */
	JPKI_ECARD,      /* any other unexpected status word */
};
/* A static English description; never NULL. */
const char *jpki_strerror(int err);

/* ---- command APDUs ------------------------------------------------------------------ */

#define JPKI_APDU_MAX_DATA 255
#define JPKI_APDU_MAX_CMD (4 + 1 + JPKI_APDU_MAX_DATA + 1) /* 261 */
#define JPKI_APDU_MAX_RESP (256 + 2)                       /* 258 */

/* A short command APDU. */
struct jpki_apdu {
	uint8_t cla, ins, p1, p2;
	size_t lc;                        /* number of data bytes, 0 to 255 (0: no Lc) */
	uint8_t data[JPKI_APDU_MAX_DATA]; /* the first lc bytes are used */
	size_t ne;                        /* expected length: 0 = no Le field, 1 to 256 */
};

/* Encode into out (cap bytes); *outlen gets the length. Errors: JPKI_EINPUT, JPKI_ESPACE. */
enum jpki_err jpki_apdu_encode(const struct jpki_apdu *a, uint8_t *out, size_t cap, size_t *outlen);
/* Decode len bytes. Errors: JPKI_EMALFORMED (fewer than 4 bytes, Lc that does not match the
 * length), JPKI_EEXTENDED (an extended-length APDU). */
enum jpki_err jpki_apdu_decode(const uint8_t *in, size_t len, struct jpki_apdu *a);

/* Builders: each fills *a completely. */
void jpki_build_select_ap(struct jpki_apdu *a);              /* 00 A4 04 0C 0A <AID> */
void jpki_build_select_ef(struct jpki_apdu *a, uint16_t ef); /* 00 A4 02 0C 02 <EF> */
/* 00 B0 <offset> <Le>; offset < JPKI_EF_MAX_SIZE, ne 1..256. */
enum jpki_err jpki_build_read_binary(struct jpki_apdu *a, size_t offset, size_t ne);
void jpki_build_retries(struct jpki_apdu *a); /* 00 20 00 80 */
/* 00 20 00 80 <Lc> <secret>; len 1..JPKI_APDU_MAX_DATA (the rules are the caller's). */
enum jpki_err jpki_build_verify(struct jpki_apdu *a, const char *secret, size_t len);
/* 80 2A 00 80 <Lc> <DigestInfo> 00 */
enum jpki_err jpki_build_sign(struct jpki_apdu *a, const uint8_t *digestinfo, size_t len);
/* 00 24 01 80 <Lc> <new secret> */
enum jpki_err jpki_build_change_pin(struct jpki_apdu *a, const char *secret, size_t len);

/* ---- responses ---------------------------------------------------------------------- */

struct jpki_resp {
	const uint8_t *data; /* points into the response buffer */
	size_t len;
	uint16_t sw;
};
/* Split a response into data and status word. Error: JPKI_EMALFORMED (fewer than 2 bytes). */
enum jpki_err jpki_resp_parse(const uint8_t *in, size_t len, struct jpki_resp *r);
/* Write sw big-endian at out[0..1]. */
void jpki_put_sw(uint8_t *out, uint16_t sw);

/* If sw is 63 Cx, return x (0..15); otherwise -1. */
int jpki_sw_tries(uint16_t sw);
/* 1 when sw means "locked" (69 84, 69 83; docs/jpki.md: accept both), else 0. */
int jpki_sw_locked(uint16_t sw);
/* A short English description of a status word; never NULL. */
const char *jpki_sw_describe(uint16_t sw);

/* Length of a DER TLV from its first bytes (tag, then short or long-form length of up to 3
 * bytes): *total = header + content. Needs only the header; a certificate's 4-byte header
 * 30 82 LL LL is enough. Errors: JPKI_EMALFORMED (indefinite or over-long length, or the
 * header is cut), JPKI_EINPUT. */
enum jpki_err jpki_der_tlv_len(const uint8_t *hdr, size_t len, size_t *total);

/* ---- DigestInfo ---------------------------------------------------------------------- */

enum jpki_hash {
	JPKI_HASH_SHA1 = 1,
	JPKI_HASH_SHA224,
	JPKI_HASH_SHA256,
	JPKI_HASH_SHA384,
	JPKI_HASH_SHA512,
};
/* Digest length of h in bytes, 0 for an unknown h. */
size_t jpki_hash_len(enum jpki_hash h);
/* DER DigestInfo (AlgorithmIdentifier with NULL parameters, then the OCTET STRING), as
 * PKCS #1 v1.5 signs it. Errors: JPKI_EINPUT (digest length), JPKI_ESPACE. */
enum jpki_err jpki_digestinfo_build(enum jpki_hash h, const uint8_t *digest, size_t dlen,
                                    uint8_t *out, size_t cap, size_t *outlen);
/* Recognise a DigestInfo of one of the hashes above (exact DER only). *digest points into in.
 * Error: JPKI_EMALFORMED. */
enum jpki_err jpki_digestinfo_parse(const uint8_t *in, size_t len, enum jpki_hash *h,
                                    const uint8_t **digest, size_t *dlen);

/* ---- password rules ------------------------------------------------------------------ */

/* The signing password as clients treat it: a-z are upper-cased, then 6 to 16 characters
 * A-Z 0-9. in is NUL-terminated; out gets the normalised password (NUL-terminated).
 * Errors: JPKI_EPWLEN, JPKI_EPWCHARS, JPKI_EINPUT. */
enum jpki_err jpki_sign_password_normalise(const char *in, char out[JPKI_PW_MAX + 1]);
/* The authentication PIN: exactly 4 digits. Errors: JPKI_EPWLEN, JPKI_EPWCHARS. */
enum jpki_err jpki_auth_pin_check(const char *in);
/* The same rules on raw bytes as a card sees them (no upper-casing). */
int jpki_sign_password_valid(const uint8_t *pw, size_t len);
int jpki_auth_pin_valid(const uint8_t *pw, size_t len);

/* ---- card operations over a transport ----------------------------------------------- */

/* A transport sends one command APDU and receives the whole response (data + SW). It returns
 * 0, or -1 when the exchange failed (card removed, reader gone). The PC/SC transport of the
 * signing app and the in-process virtual card of the tests both fit. */
struct jpki_transport_ops {
	int (*transmit)(void *ctx, const uint8_t *cmd, size_t cmdlen, uint8_t *resp, size_t cap,
	                size_t *resplen);
};
struct jpki_transport {
	const struct jpki_transport_ops *ops;
	void *ctx;
	uint16_t last_sw; /* status word of the last exchange (0 if none) */
};

/* Send a and parse the answer; resp must hold JPKI_APDU_MAX_RESP bytes. */
enum jpki_err jpki_transmit(struct jpki_transport *t, const struct jpki_apdu *a, uint8_t *resp,
                            size_t cap, struct jpki_resp *r);
/* SELECT the JPKI-AP. JPKI_ENOTJPKI when the card answers anything but 90 00. */
enum jpki_err jpki_select_ap(struct jpki_transport *t);
/* SELECT an EF of the AP (the AP must be selected). */
enum jpki_err jpki_select_ef(struct jpki_transport *t, uint16_t ef);
/* Select ef and read it whole: the 4-byte DER header first when it is a certificate (EF 0001,
 * 0002, 000A, 000B), then the rest in chunks of up to 256 bytes; the token-information EF is
 * read as its 32-byte label. *len gets the length; cap is the caller's maximum.
 * Errors: JPKI_ESECURITY (0001 before the password), JPKI_ESPACE, JPKI_EMALFORMED, ... */
enum jpki_err jpki_read_ef(struct jpki_transport *t, uint16_t ef, uint8_t *out, size_t cap,
                           size_t *len);
/* Tries left of a PIN object (JPKI_EF_SIGN_PIN or JPKI_EF_AUTH_PIN): selects it, asks.
 * A locked password gives *tries = 0 and JPKI_OK. */
enum jpki_err jpki_tries_left(struct jpki_transport *t, uint16_t pin_ef, int *tries);
/* Select the PIN object and VERIFY. JPKI_EWRONGPW with *tries = tries left, JPKI_ELOCKED. The
 * caller has checked the rules first (a malformed entry must never cost a try). */
enum jpki_err jpki_verify(struct jpki_transport *t, uint16_t pin_ef, const char *secret,
                          int *tries);
/* Select the key EF and sign the DigestInfo; sig gets JPKI_RSA_BYTES bytes. Needs a verify of
 * the matching PIN just before (the signing key needs one per signature). */
enum jpki_err jpki_sign(struct jpki_transport *t, uint16_t key_ef, const uint8_t *digestinfo,
                        size_t dilen, uint8_t sig[JPKI_RSA_BYTES]);
/* CHANGE the secret of the (verified) PIN object pin_ef. */
enum jpki_err jpki_change_pin(struct jpki_transport *t, uint16_t pin_ef, const char *secret);

#endif
