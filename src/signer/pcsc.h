/* pcsc: the card of the signing app through PC/SC (pcsc-lite): wait for a card on any reader
 * (or the readers whose name contains --reader) with a time limit, connect to it (shared, in a
 * transaction so no other program slips commands between VERIFY and the signature), find the
 * JPKI-AP by selecting its AID (never by ATR: contactless readers report other ATRs), and carry
 * the jpki APDUs with SCardTransmit (T=0 GET RESPONSE / wrong-Le retries handled). A card held
 * by another program is waited for within the same limit (libpcsclite's unbounded blocking is
 * turned off with PCSCLITE_NO_BLOCKING). A real card
 * in a USB or NFC reader and the virtual card behind vpcd are the same to it. */
#ifndef MADOGUCHI_SIGNER_PCSC_H
#define MADOGUCHI_SIGNER_PCSC_H

#include "signer/flow.h"

struct signer_pcsc;

/* A PC/SC session holder (no context is established yet); NULL when out of memory. Call it
 * before starting threads: it sets PCSCLITE_NO_BLOCKING for libpcsclite. */
struct signer_pcsc *signer_pcsc_new(void);
void signer_pcsc_free(struct signer_pcsc *p);

/* The card interface of flow.h over PC/SC; ctx is the struct signer_pcsc. */
extern const struct signer_card_ops signer_pcsc_card_ops;

/* From any thread (a front end's キャンセル): the wait for a card stops at once (SCardCancel)
 * and returns SIGNER_ECANCEL; every wait slice checks the flag, so a cancel that comes before
 * the wait began is seen too. signer_pcsc_uncancel clears it for the next attempt. */
void signer_pcsc_cancel(struct signer_pcsc *p);
void signer_pcsc_uncancel(struct signer_pcsc *p);

/* The reader the card was found in ("" before), for logs and tests. */
const char *signer_pcsc_reader(const struct signer_pcsc *p);

#endif
