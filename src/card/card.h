/* card: the JPKI application (公的個人認証AP) of a virtual My Number Card as a state machine that
 * turns one command APDU into one response APDU. No I/O: the only side effect is the persist
 * callback, called whenever a try counter or a password changes and before the answer is
 * given (as a real card writes its EEPROM before it answers). The vpcd client (vpcd.c) and
 * the unit tests and fuzz target drive it. The behaviour, command by command, is in
 * docs/card.md. */
#ifndef MADOGUCHI_CARD_CARD_H
#define MADOGUCHI_CARD_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "card/state.h"
#include "jpki/jpki.h"

enum card_err {
	CARD_OK = 0,
	CARD_EINPUT, /* bad argument (NULL, response buffer under CARD_RESP_MAX) */
	CARD_ENOMEM,
	CARD_EPERSIST, /* the persist callback failed: the answer was 65 81 */
	CARD_ECRYPTO,  /* the private-key operation failed: the answer was 6F 00 */
};
/* A static English description; never NULL. */
const char *card_strerror(int err);

#define CARD_RESP_MAX JPKI_APDU_MAX_RESP /* 256 data bytes + SW */

/* Called with the state after a counter or password changed; returns 0 when the change is
 * durable. */
typedef int (*card_persist_fn)(void *ctx, const struct card_state *st);

typedef struct card card;

/* A card over st (borrowed: st must outlive the card; the card changes only the PIN objects
 * in it). persist may be NULL (nothing is saved). The card starts powered off; NULL when out
 * of memory or when st has no keys or certificates. */
card *card_new(struct card_state *st, card_persist_fn persist, void *ctx);
void card_free(card *c);

/* Power on, power off and warm reset all drop the volatile state: no application or EF
 * selected, no password verified. */
void card_power_on(card *c);
void card_power_off(card *c);
void card_reset(card *c);

/* Process one command APDU of len bytes (any bytes at all) and write the response (data and
 * status word) to resp, which must hold CARD_RESP_MAX bytes. Returns CARD_OK, or
 * CARD_EPERSIST / CARD_ECRYPTO when an internal failure was answered with 65 81 / 6F 00; in
 * every case except CARD_EINPUT, *resplen >= 2 and resp holds a valid answer. */
enum card_err card_process(card *c, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                           size_t *resplen);

/* Test switch: READ BINARY answers carry at most max data bytes (90 00 while the EF goes
 * on), as cards that answer fewer bytes than asked do; 0 (the default): as many as asked. */
void card_set_read_max(card *c, size_t max);

/* What the card is doing, for logs and tests. */
int card_ap_selected(const card *c);
uint16_t card_current_ef(const card *c); /* 0: none */
int card_sign_verified(const card *c);
int card_auth_verified(const card *c);

/* 1 when the APDU carries a secret in its data (VERIFY with data, CHANGE REFERENCE DATA):
 * logs must not print it. */
int card_apdu_is_secret(const uint8_t *cmd, size_t len);

#endif
