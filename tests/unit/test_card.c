/* test_card: unit tests of src/card at the APDU level: every command of the JPKI-AP and every
 * status word it answers, the try counters across a restart of the card (the state file), the
 * lock, power off and reset, persistence failures; the jpki operations (src/jpki) against the
 * card; the state file; the vpcd protocol against an in-test reader; the test PKI (birth codes,
 * validity, certificate contents, revocation, CRL, renewal). The keys come from one test PKI
 * and one card issued in the group setup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "card/card.h"
#include "card/pki.h"
#include "card/state.h"
#include "card/vpcd.h"
#include "jpki/jpki.h"

#define PW "ABC123"
#define PIN "1234"

static char g_dir[64];           /* temporary directory of the whole run */
static char g_pki[128];          /* the test PKI */
static char g_fixture[PATH_MAX]; /* the issued card */
static int g_serial;             /* numbers the per-test state files */

/* ---- fixture ------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int group_setup(void **state)
{
	struct pki_issue_req req;
	struct card_state *st = NULL;

	snprintf(g_dir, sizeof(g_dir), "/tmp/test_card.XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_pki, sizeof(g_pki), "%s/pki", g_dir);
	snprintf(g_fixture, sizeof(g_fixture), "%s/fixture.json", g_dir);
	if (pki_init(g_pki, time(NULL)) != PKI_OK)
		return -1;
	memset(&req, 0, sizeof(req));
	snprintf(req.person.name, sizeof(req.person.name), "山田 太郎");
	snprintf(req.person.address, sizeof(req.person.address), "東京都千代田区千代田1-1");
	snprintf(req.person.gender, sizeof(req.person.gender), "1");
	snprintf(req.person.birth, sizeof(req.person.birth), "419900102");
	req.password = "abc123"; /* upper-cased as clients do */
	req.pin = PIN;
	if (pki_issue(g_pki, &req, time(NULL), &st) != PKI_OK)
		return -1;
	if (state_save(g_fixture, st) != STATE_OK)
		return -1;
	card_state_free(st);
	return 0;
}

static int group_teardown(void **state)
{
	if (g_dir[0])
		nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

struct fx {
	char path[PATH_MAX];
	struct card_state *st;
	card *c;
	int saves;
	int fail_persist;
};

static int persist_file(void *ctx, const struct card_state *st)
{
	struct fx *f = ctx;
	if (f->fail_persist)
		return -1;
	f->saves++;
	return state_save(f->path, st) == STATE_OK ? 0 : -1;
}

/* Reload the card from its state file, as a restart of `madoguchi-card serve` does. */
static void restart(struct fx *f)
{
	card_free(f->c);
	card_state_free(f->st);
	f->st = NULL;
	assert_int_equal(state_load(f->path, &f->st, NULL, 0), STATE_OK);
	f->c = card_new(f->st, persist_file, f);
	assert_non_null(f->c);
	card_power_on(f->c);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct card_state *st = NULL;

	if (!f)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/card-%d.json", g_dir, ++g_serial);
	if (state_load(g_fixture, &st, NULL, 0) != STATE_OK || state_save(f->path, st) != STATE_OK)
		return -1;
	card_state_free(st);
	restart(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	card_free(f->c);
	card_state_free(f->st);
	free(f);
	return 0;
}

/* ---- APDU helpers -------------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		unsigned v;
		if (*s == ' ')
			continue;
		assert_true(sscanf(s, "%2x", &v) == 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

static uint8_t g_resp[CARD_RESP_MAX];
static size_t g_rlen;

/* Send raw bytes; return the status word (the data stays in g_resp/g_rlen - 2). */
static uint16_t raw(struct fx *f, const uint8_t *cmd, size_t len)
{
	enum card_err e = card_process(f->c, cmd, len, g_resp, sizeof(g_resp), &g_rlen);
	assert_true(e == CARD_OK || e == CARD_EPERSIST || e == CARD_ECRYPTO);
	assert_true(g_rlen >= 2);
	return (uint16_t)(g_resp[g_rlen - 2] << 8 | g_resp[g_rlen - 1]);
}

static uint16_t x(struct fx *f, const char *apdu)
{
	uint8_t b[600];
	size_t n = hex(apdu, b, sizeof(b));
	return raw(f, b, n);
}

#define SELECT_AP "00A4040C0AD392F000260100000001"

static uint16_t select_ef(struct fx *f, uint16_t ef)
{
	uint8_t b[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(ef >> 8), (uint8_t)ef};
	return raw(f, b, sizeof(b));
}

static uint16_t verify(struct fx *f, uint16_t pin_ef, const char *pw)
{
	struct jpki_apdu a;
	uint8_t b[JPKI_APDU_MAX_CMD];
	size_t n;

	assert_int_equal(select_ef(f, pin_ef), 0x9000);
	assert_int_equal(jpki_build_verify(&a, pw, strlen(pw)), JPKI_OK);
	assert_int_equal(jpki_apdu_encode(&a, b, sizeof(b), &n), JPKI_OK);
	return raw(f, b, n);
}

static uint16_t tries(struct fx *f, uint16_t pin_ef)
{
	assert_int_equal(select_ef(f, pin_ef), 0x9000);
	return x(f, "00200080");
}

static void digestinfo_of(const char *msg, uint8_t di[JPKI_SHA256_DIGESTINFO_LEN])
{
	uint8_t d[32];
	size_t n;
	unsigned dl = 0;

	assert_int_equal(EVP_Digest(msg, strlen(msg), d, &dl, EVP_sha256(), NULL), 1);
	assert_int_equal(
	    jpki_digestinfo_build(JPKI_HASH_SHA256, d, 32, di, JPKI_SHA256_DIGESTINFO_LEN, &n),
	    JPKI_OK);
}

static uint16_t sign(struct fx *f, uint16_t key_ef, const uint8_t *di, size_t len)
{
	struct jpki_apdu a;
	uint8_t b[JPKI_APDU_MAX_CMD];
	size_t n;

	assert_int_equal(select_ef(f, key_ef), 0x9000);
	assert_int_equal(jpki_build_sign(&a, di, len), JPKI_OK);
	assert_int_equal(jpki_apdu_encode(&a, b, sizeof(b), &n), JPKI_OK);
	return raw(f, b, n);
}

/* The signature in g_resp verifies over msg with the certificate's key. */
static void assert_signature(const struct card_blob *cert, const char *msg)
{
	const unsigned char *q = cert->der;
	X509 *xc = d2i_X509(NULL, &q, (long)cert->len);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_non_null(xc);
	assert_int_equal(g_rlen, 258);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(xc)),
	                 1);
	assert_int_equal(EVP_DigestVerify(md, g_resp, 256, (const unsigned char *)msg, strlen(msg)),
	                 1);
	EVP_MD_CTX_free(md);
	X509_free(xc);
}

/* ---- SELECT -------------------------------------------------------------------------- */

static void test_select_ap(void **state)
{
	struct fx *f = *state;

	assert_false(card_ap_selected(f->c));
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_true(card_ap_selected(f->c));
	assert_int_equal(x(f, "00A404000AD392F000260100000001"), 0x9000);   /* P2 00 too */
	assert_int_equal(x(f, "00A404040AD392F000260100000001"), 0x6A86);   /* FCP: no */
	assert_int_equal(x(f, "00A404000AD392F00026010000000100"), 0x9000); /* with Le */
	/* other applications, as middleware probes them: not found */
	assert_int_equal(x(f, "00A4040009A0000003080000100000"), 0x6A82);   /* PIV */
	assert_int_equal(x(f, "00A4040C0AD392100031000101040800"), 0x6A82); /* 券面AP */
	assert_int_equal(x(f, "00A404000AD392F000260100000002"), 0x6A82);   /* last byte */
	assert_int_equal(x(f, "00A4040009D392F0002601000000"), 0x6A82);     /* a prefix */
	assert_true(card_ap_selected(f->c));          /* a failed select changes nothing */
	assert_int_equal(x(f, "00A40400"), 0x6700);   /* no data */
	assert_int_equal(x(f, "00A4040000"), 0x6700); /* Le only */
	assert_int_equal(x(f, "00A4000C023F00"), 0x6A86);
	assert_int_equal(x(f, "00A4080C023F00"), 0x6A86);
}

static void test_select_ef(void **state)
{
	struct fx *f = *state;
	static const uint16_t efs[] = {0x0001, 0x0002, 0x0006, 0x000A, 0x000B,
	                               0x0017, 0x0018, 0x001A, 0x001B};

	assert_int_equal(select_ef(f, 0x000A), 0x6A82); /* no AP yet */
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	for (size_t i = 0; i < sizeof(efs) / sizeof(efs[0]); i++) {
		assert_int_equal(select_ef(f, efs[i]), 0x9000);
		assert_int_equal(card_current_ef(f->c), efs[i]);
	}
	assert_int_equal(select_ef(f, 0x0003), 0x6A82);
	assert_int_equal(card_current_ef(f->c), 0x001B); /* unchanged */
	assert_int_equal(select_ef(f, 0x3F00), 0x6A82);
	assert_int_equal(x(f, "00A4020C0100"), 0x6700);
	assert_int_equal(x(f, "00A4020C03000A00"), 0x6700);
	assert_int_equal(x(f, "00A40204020001"), 0x6A86);
	assert_int_equal(x(f, "00A40200020006"), 0x9000);
}

/* ---- READ BINARY --------------------------------------------------------------------- */

/* Read an EF the way docs/jpki.md says: the 4-byte header, then chunks. */
static size_t read_whole(struct fx *f, uint16_t ef, uint8_t *out, size_t cap)
{
	size_t total, have;
	char cmd[32];

	assert_int_equal(select_ef(f, ef), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x9000);
	assert_int_equal(g_rlen, 6);
	assert_int_equal(jpki_der_tlv_len(g_resp, 4, &total), JPKI_OK);
	assert_true(total <= cap);
	memcpy(out, g_resp, 4);
	for (have = 4; have < total;) {
		size_t want = total - have > 200 ? 200 : total - have;
		snprintf(cmd, sizeof(cmd), "00B0%02X%02X%02X", (unsigned)(have >> 8),
		         (unsigned)(have & 0xFF), (unsigned)want);
		assert_int_equal(x(f, cmd), 0x9000);
		assert_int_equal(g_rlen - 2, want);
		memcpy(out + have, g_resp, want);
		have += want;
	}
	return total;
}

static void test_read_certificates(void **state)
{
	struct fx *f = *state;
	uint8_t buf[8192];
	size_t n;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	n = read_whole(f, 0x000A, buf, sizeof(buf));
	assert_int_equal(n, f->st->auth_cert.len);
	assert_memory_equal(buf, f->st->auth_cert.der, n);
	n = read_whole(f, 0x000B, buf, sizeof(buf));
	assert_memory_equal(buf, f->st->auth_ca.der, n);
	n = read_whole(f, 0x0002, buf, sizeof(buf));
	assert_memory_equal(buf, f->st->sign_ca.der, n);
	/* the signing certificate: only after the signing password */
	assert_int_equal(select_ef(f, 0x0001), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(verify(f, 0x0018, PIN), 0x9000); /* the other PIN does not open it */
	assert_int_equal(select_ef(f, 0x0001), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	n = read_whole(f, 0x0001, buf, sizeof(buf));
	assert_int_equal(n, f->st->sign_cert.len);
	assert_memory_equal(buf, f->st->sign_cert.der, n);
}

static void test_read_offsets_and_errors(void **state)
{
	struct fx *f = *state;
	size_t len = f->st->auth_cert.len;
	char cmd[32];

	assert_int_equal(x(f, "00B0000004"), 0x6986); /* no AP, no EF */
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6986); /* AP but no EF */
	assert_int_equal(select_ef(f, 0x000A), 0x9000);
	assert_int_equal(x(f, "00B0000000"), 0x9000); /* Le 00: 256 bytes */
	assert_int_equal(g_rlen, 258);
	assert_memory_equal(g_resp, f->st->auth_cert.der, 256);
	assert_int_equal(x(f, "00B0010010"), 0x9000);
	assert_memory_equal(g_resp, f->st->auth_cert.der + 0x100, 0x10);
	/* the last bytes: fewer than Le, 62 82 */
	snprintf(cmd, sizeof(cmd), "00B0%02X%02X10", (unsigned)((len - 3) >> 8),
	         (unsigned)((len - 3) & 0xFF));
	assert_int_equal(x(f, cmd), 0x6282);
	assert_int_equal(g_rlen, 3 + 2);
	assert_memory_equal(g_resp, f->st->auth_cert.der + len - 3, 3);
	/* at and past the end: 6B 00 */
	snprintf(cmd, sizeof(cmd), "00B0%02X%02X01", (unsigned)(len >> 8), (unsigned)(len & 0xFF));
	assert_int_equal(x(f, cmd), 0x6B00);
	assert_int_equal(g_rlen, 2);
	assert_int_equal(x(f, "00B07FFF01"), 0x6B00);
	/* the test switch --read-max: at most 100 bytes, 90 00 while the EF goes on, 62 82 at
	 * its end as without it */
	card_set_read_max(f->c, 100);
	assert_int_equal(x(f, "00B0000000"), 0x9000);
	assert_int_equal(g_rlen, 100 + 2);
	assert_memory_equal(g_resp, f->st->auth_cert.der, 100);
	snprintf(cmd, sizeof(cmd), "00B0%02X%02X10", (unsigned)((len - 3) >> 8),
	         (unsigned)((len - 3) & 0xFF));
	assert_int_equal(x(f, cmd), 0x6282);
	assert_int_equal(g_rlen, 3 + 2);
	card_set_read_max(f->c, 0);
	assert_int_equal(x(f, "00B0800001"), 0x6A86);   /* short EF identifier */
	assert_int_equal(x(f, "00B00000"), 0x6700);     /* no Le */
	assert_int_equal(x(f, "00B000000100"), 0x6700); /* data */
	assert_int_equal(x(f, "00B00000010004"), 0x6700);
	/* the token information EF */
	assert_int_equal(select_ef(f, 0x0006), 0x9000);
	assert_int_equal(x(f, "00B0000020"), 0x9000);
	assert_int_equal(g_rlen, 34);
	assert_memory_equal(g_resp, "JPKIAPICCTOKEN2                 ", 32);
	assert_int_equal(x(f, "00B0000000"), 0x6282);
	assert_int_equal(g_rlen, 34);
	/* keys are never readable; PIN objects are not files to read */
	assert_int_equal(select_ef(f, 0x001A), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(select_ef(f, 0x0017), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(select_ef(f, 0x001A), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(select_ef(f, 0x001B), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6981);
	assert_int_equal(select_ef(f, 0x0018), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6981);
}

/* ---- VERIFY: retries, counters, lock ------------------------------------------------- */

static void test_retries_query(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, "00200080"), 0x6986);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(x(f, "00200080"), 0x6986);
	assert_int_equal(tries(f, 0x001B), 0x63C5);
	assert_int_equal(tries(f, 0x0018), 0x63C3);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(x(f, "00200080"), 0x63C5); /* never 90 00, even when verified */
	assert_int_equal(x(f, "00200081"), 0x6A86);
	assert_int_equal(x(f, "00200180"), 0x6A86);
	assert_int_equal(x(f, "0020008000"), 0x6700); /* Le */
	assert_int_equal(select_ef(f, 0x000A), 0x9000);
	assert_int_equal(x(f, "00200080"), 0x6981);
	assert_int_equal(select_ef(f, 0x001A), 0x9000);
	assert_int_equal(x(f, "00200080"), 0x6981);
	assert_int_equal(f->saves, 2); /* the successful verify: count, then restore */
}

static void test_verify_counts_and_resets(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x63C4);
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x63C3);
	assert_int_equal(verify(f, 0x001B, "abc123"), 0x63C2); /* lower case: a wrong try */
	assert_int_equal(verify(f, 0x001B, "ABC1234567890ABCDE"), 0x63C1); /* too long: too */
	assert_false(card_sign_verified(f->c));
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_true(card_sign_verified(f->c));
	assert_int_equal(tries(f, 0x001B), 0x63C5);
	assert_int_equal(f->st->sign_pin.tries_left, 5);
	/* a wrong entry after a right one drops the verified state */
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x63C4);
	assert_false(card_sign_verified(f->c));
	/* the authentication PIN: 3 tries */
	assert_int_equal(verify(f, 0x0018, "0000"), 0x63C2);
	assert_int_equal(verify(f, 0x0018, PIN), 0x9000);
	assert_true(card_auth_verified(f->c));
	assert_int_equal(tries(f, 0x0018), 0x63C3);
	assert_int_equal(x(f, "00200080FF"), 0x6700);           /* Le, not data */
	assert_int_equal(x(f, "002000800131"), 0x63C2);         /* 1-byte PIN: wrong */
	assert_int_equal(x(f, "00200080043132333400"), 0x6700); /* case 4 */
	assert_int_equal(x(f, "00200080043132"), 0x6700);       /* Lc beyond the data */
	assert_int_equal(x(f, "002000810431323334"), 0x6A86);
}

static void test_lock_and_restart(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x63C4);
	assert_int_equal(verify(f, 0x001B, "WRONG2"), 0x63C3);
	/* the counter survives a restart: it is in the state file */
	restart(f);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(tries(f, 0x001B), 0x63C3);
	assert_int_equal(verify(f, 0x001B, "WRONG3"), 0x63C2);
	assert_int_equal(verify(f, 0x001B, "WRONG4"), 0x63C1);
	assert_int_equal(verify(f, 0x001B, "WRONG5"), 0x63C0);
	/* locked: the right password no longer works, and no try is counted */
	assert_int_equal(verify(f, 0x001B, PW), 0x6984);
	assert_int_equal(tries(f, 0x001B), 0x63C0);
	assert_int_equal(x(f, "00240180064E455750573100"), 0x6700);
	assert_int_equal(x(f, "00240180064E4557505731"), 0x6984); /* change: locked */
	/* the lock survives a restart */
	restart(f);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(tries(f, 0x001B), 0x63C0);
	assert_int_equal(verify(f, 0x001B, PW), 0x6984);
	assert_int_equal(tries(f, 0x0018), 0x63C3); /* the other PIN is not affected */
	assert_int_equal(verify(f, 0x0018, PIN), 0x9000);
	/* the signing key cannot be used */
	uint8_t di[JPKI_SHA256_DIGESTINFO_LEN];
	digestinfo_of("locked", di);
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x6982);
	/* the counter (窓口) resets it: what `madoguchi-card reset-pin` does */
	snprintf(f->st->sign_pin.secret, sizeof(f->st->sign_pin.secret), "NEWPW9");
	f->st->sign_pin.tries_left = f->st->sign_pin.max_tries;
	assert_int_equal(state_save(f->path, f->st), STATE_OK);
	restart(f);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, "NEWPW9"), 0x9000);
}

static void test_auth_pin_lock(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x0018, "9999"), 0x63C2);
	assert_int_equal(verify(f, 0x0018, "9999"), 0x63C1);
	assert_int_equal(verify(f, 0x0018, "9999"), 0x63C0);
	assert_int_equal(verify(f, 0x0018, PIN), 0x6984);
	assert_int_equal(tries(f, 0x0018), 0x63C0);
	assert_int_equal(tries(f, 0x001B), 0x63C5);
}

static void test_power_and_reset_drop_state(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	card_power_off(f->c);
	card_power_on(f->c);
	assert_false(card_ap_selected(f->c));
	assert_false(card_sign_verified(f->c));
	assert_int_equal(select_ef(f, 0x0001), 0x6A82);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(select_ef(f, 0x0001), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	card_reset(f->c);
	assert_int_equal(card_current_ef(f->c), 0);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(select_ef(f, 0x0001), 0x9000);
	assert_int_equal(x(f, "00B0000004"), 0x6982);
	/* selecting the AP again starts it afresh too */
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_false(card_sign_verified(f->c));
	/* the counter is not volatile */
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x63C4);
	card_power_off(f->c);
	card_power_on(f->c);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(tries(f, 0x001B), 0x63C4);
}

/* ---- COMPUTE DIGITAL SIGNATURE ------------------------------------------------------- */

static void test_sign(void **state)
{
	struct fx *f = *state;
	uint8_t di[JPKI_SHA256_DIGESTINFO_LEN];

	digestinfo_of("申請書", di);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x6982);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x9000);
	assert_signature(&f->st->sign_cert, "申請書");
	/* one signature per verify */
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x6982);
	assert_true(card_sign_verified(f->c)); /* the certificate stays readable */
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x9000);
	/* the authentication key with the authentication PIN, as often as wanted */
	digestinfo_of("login", di);
	assert_int_equal(sign(f, 0x0017, di, sizeof(di)), 0x6982);
	assert_int_equal(verify(f, 0x0018, PIN), 0x9000);
	assert_int_equal(sign(f, 0x0017, di, sizeof(di)), 0x9000);
	assert_signature(&f->st->auth_cert, "login");
	assert_int_equal(sign(f, 0x0017, di, sizeof(di)), 0x9000);
	/* the signing password does not open the authentication key, nor the reverse */
	card_reset(f->c);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(sign(f, 0x0017, di, sizeof(di)), 0x6982);
}

static void test_sign_errors(void **state)
{
	struct fx *f = *state;
	uint8_t di[JPKI_SHA256_DIGESTINFO_LEN];
	uint8_t b[JPKI_APDU_MAX_CMD];
	size_t n;

	digestinfo_of("x", di);
	assert_int_equal(x(f, "802A0080010000"), 0x6986); /* no EF */
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	/* the PIN EF is selected after the verify: not a key */
	assert_int_equal(x(f, "802A008001300000"), 0x6700); /* Lc does not fit */
	assert_int_equal(x(f, "802A0080013000"), 0x6981);
	assert_int_equal(select_ef(f, 0x0001), 0x9000);
	assert_int_equal(x(f, "802A0080013000"), 0x6981);
	assert_int_equal(select_ef(f, 0x001A), 0x9000);
	/* not a DigestInfo */
	assert_int_equal(x(f, "802A0080043031323300"), 0x6A80);
	/* a SHA-256 DigestInfo cut short */
	b[0] = 0x80, b[1] = 0x2A, b[2] = 0x00, b[3] = 0x80, b[4] = 50;
	memcpy(b + 5, di, 50);
	b[55] = 0x00;
	assert_int_equal(raw(f, b, 56), 0x6A80);
	/* no Le, a short Le, wrong P1-P2, CLA 00 */
	memcpy(b + 5, di, 51);
	b[4] = 51;
	assert_int_equal(raw(f, b, 56), 0x6700);
	b[56] = 0x80;
	assert_int_equal(raw(f, b, 57), 0x6700);
	b[56] = 0x00;
	b[3] = 0x81;
	assert_int_equal(raw(f, b, 57), 0x6A86);
	b[3] = 0x80;
	b[0] = 0x00;
	assert_int_equal(raw(f, b, 57), 0x6D00);
	b[0] = 0x80;
	assert_int_equal(x(f, "802A008000"), 0x6700); /* no data */
	/* none of these consumed the verified state: a good one still signs */
	assert_int_equal(raw(f, b, 57), 0x9000);
	/* other hashes are DigestInfos too */
	uint8_t d1[20] = {0}, di1[JPKI_DIGESTINFO_MAX];
	assert_int_equal(jpki_digestinfo_build(JPKI_HASH_SHA1, d1, 20, di1, sizeof(di1), &n),
	                 JPKI_OK);
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(sign(f, 0x001A, di1, n), 0x9000);
}

/* ---- CHANGE REFERENCE DATA ----------------------------------------------------------- */

static void test_change_pin(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, "00240180064E4557505731"), 0x6986);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(select_ef(f, 0x001B), 0x9000);
	assert_int_equal(x(f, "00240180064E4557505731"), 0x6982); /* not verified */
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	assert_int_equal(x(f, "00240180066E6577707731"), 0x6A80); /* lower case */
	assert_int_equal(x(f, "00240180054E45575057"), 0x6A80);   /* 5 characters */
	assert_int_equal(x(f, "00240180064E45572D5731"), 0x6A80); /* a symbol */
	assert_int_equal(x(f, "00240080064E4557505731"), 0x6A86); /* P1 00: old+new */
	assert_int_equal(x(f, "00240181064E4557505731"), 0x6A86);
	assert_int_equal(x(f, "00240180"), 0x6700);
	assert_int_equal(x(f, "0024018000"), 0x6700);
	assert_int_equal(x(f, "00240180064E455750573100"), 0x6700);
	assert_int_equal(x(f, "00240180064E4557505731"), 0x9000); /* NEWPW1 */
	assert_string_equal(f->st->sign_pin.secret, "NEWPW1");
	restart(f);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, PW), 0x63C4);
	assert_int_equal(verify(f, 0x001B, "NEWPW1"), 0x9000);
	/* the authentication PIN: 4 digits */
	assert_int_equal(verify(f, 0x0018, PIN), 0x9000);
	assert_int_equal(x(f, "00240180053535353535"), 0x6A80); /* 5 digits */
	assert_int_equal(x(f, "0024018004353535"), 0x6700);
	assert_int_equal(x(f, "00240180043535353A"), 0x6A80);
	assert_int_equal(x(f, "002401800435353535"), 0x9000);
	assert_int_equal(verify(f, 0x0018, "5555"), 0x9000);
	/* on something that is not a PIN */
	assert_int_equal(select_ef(f, 0x000A), 0x9000);
	assert_int_equal(x(f, "002401800435353535"), 0x6981);
}

/* ---- class, instruction, length ------------------------------------------------------ */

static void test_class_instruction_length(void **state)
{
	struct fx *f = *state;
	uint8_t big[300];

	assert_int_equal(raw(f, NULL, 0), 0x6700);
	assert_int_equal(x(f, "00"), 0x6700);
	assert_int_equal(x(f, "00A404"), 0x6700);
	assert_int_equal(x(f, "00B0000000000100"), 0x6700); /* extended length */
	assert_int_equal(x(f, "00A4040C0AD392"), 0x6700);   /* Lc longer than the data */
	assert_int_equal(x(f, "00CA010000"), 0x6D00);       /* GET DATA */
	assert_int_equal(x(f, "00C0000000"), 0x6D00);       /* GET RESPONSE */
	assert_int_equal(x(f, "00B1000000"), 0x6D00);
	assert_int_equal(x(f, "002A9E9A0130"), 0x6D00); /* ISO PSO */
	assert_int_equal(x(f, "80A4040C0AD392F000260100000001"), 0x6D00);
	assert_int_equal(x(f, "84A4040C0AD392F000260100000001"), 0x6E00);
	assert_int_equal(x(f, "0CA4040C0AD392F000260100000001"), 0x6E00);
	assert_int_equal(x(f, "01A4040C0AD392F000260100000001"), 0x6E00);
	assert_int_equal(x(f, "FF000000"), 0x6E00);
	memset(big, 0x41, sizeof(big));
	assert_int_equal(raw(f, big, sizeof(big)), 0x6700);
	assert_int_equal(card_process(f->c, big, 4, g_resp, CARD_RESP_MAX - 1, &g_rlen),
	                 CARD_EINPUT);
	assert_int_equal(card_process(NULL, big, 4, g_resp, sizeof(g_resp), &g_rlen), CARD_EINPUT);
	assert_true(card_apdu_is_secret((const uint8_t *)"\x00\x20\x00\x80\x01\x31", 6));
	assert_false(card_apdu_is_secret((const uint8_t *)"\x00\x20\x00\x80", 4));
	assert_false(card_apdu_is_secret((const uint8_t *)"\x00\xB0\x00\x00\x01\x31", 6));
	for (int e = CARD_OK; e <= CARD_ECRYPTO; e++)
		assert_string_not_equal(card_strerror(e), "unknown card error");
}

static void test_persist_failure(void **state)
{
	struct fx *f = *state;

	assert_int_equal(x(f, SELECT_AP), 0x9000);
	f->fail_persist = 1;
	assert_int_equal(verify(f, 0x001B, "WRONG1"), 0x6581);
	assert_int_equal(f->st->sign_pin.tries_left, 5); /* nothing counted, nothing compared */
	assert_int_equal(verify(f, 0x001B, PW), 0x6581);
	assert_false(card_sign_verified(f->c));
	f->fail_persist = 0;
	assert_int_equal(verify(f, 0x001B, PW), 0x9000);
	f->fail_persist = 1;
	assert_int_equal(x(f, "00240180064E4557505731"), 0x6581);
	assert_string_equal(f->st->sign_pin.secret, PW);
	f->fail_persist = 0;
	assert_int_equal(tries(f, 0x001B), 0x63C5);
}

/* ---- the shared jpki operations against the card ------------------------------------- */

static int card_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                         size_t *rlen)
{
	return card_process(ctx, cmd, len, resp, cap, rlen) == CARD_EINPUT ? -1 : 0;
}

static const struct jpki_transport_ops card_ops = {card_transmit};

static void test_jpki_ops_against_card(void **state)
{
	struct fx *f = *state;
	struct jpki_transport t = {&card_ops, f->c, 0};
	uint8_t buf[8192], sig[JPKI_RSA_BYTES], di[JPKI_SHA256_DIGESTINFO_LEN];
	size_t n;
	int left;

	assert_int_equal(jpki_select_ap(&t), JPKI_OK);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_TOKEN_INFO, buf, sizeof(buf), &n), JPKI_OK);
	assert_int_equal(n, 32);
	assert_memory_equal(buf, "JPKIAPICCTOKEN2", 15);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CERT, buf, sizeof(buf), &n), JPKI_OK);
	assert_int_equal(n, f->st->auth_cert.len);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_SIGN_CA, buf, sizeof(buf), &n), JPKI_OK);
	assert_memory_equal(buf, f->st->sign_ca.der, n);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_SIGN_CERT, buf, sizeof(buf), &n), JPKI_ESECURITY);
	assert_int_equal(t.last_sw, 0x6982);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CERT, buf, 100, &n), JPKI_ESPACE);
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &left), JPKI_OK);
	assert_int_equal(left, 5);
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "WRONG1", &left), JPKI_EWRONGPW);
	assert_int_equal(left, 4);
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, PW, &left), JPKI_OK);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_SIGN_CERT, buf, sizeof(buf), &n), JPKI_OK);
	assert_int_equal(n, f->st->sign_cert.len);
	assert_memory_equal(buf, f->st->sign_cert.der, n);
	digestinfo_of("canonical json", di);
	assert_int_equal(jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig), JPKI_OK);
	memcpy(g_resp, sig, 256);
	g_rlen = 258;
	assert_signature(&f->st->sign_cert, "canonical json");
	assert_int_equal(jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig), JPKI_ESECURITY);
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, PW, &left), JPKI_OK);
	assert_int_equal(jpki_change_pin(&t, JPKI_EF_SIGN_PIN, "ZZ9999"), JPKI_OK);
	for (int i = 4; i >= 1; i--) {
		assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, PW, &left), JPKI_EWRONGPW);
		assert_int_equal(left, i);
	}
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, PW, &left), JPKI_ELOCKED);
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ZZ9999", &left), JPKI_ELOCKED);
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &left), JPKI_OK);
	assert_int_equal(left, 0);
	card_power_off(f->c);
	card_power_on(f->c);
	assert_int_equal(jpki_select_ef(&t, JPKI_EF_SIGN_PIN), JPKI_ECARD); /* no AP */
}

/* ---- the state file ------------------------------------------------------------------ */

static void write_text(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(s, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Load the fixture as JSON, let change() edit it, write it to path. */
static void edited(const char *path, void (*change)(json_t *))
{
	json_t *root = json_load_file(g_fixture, 0, NULL);
	assert_non_null(root);
	change(root);
	assert_int_equal(json_dump_file(root, path, 0), 0);
	json_decref(root);
}

static void ch_version(json_t *r)
{
	json_object_set_new(r, "version", json_integer(2));
}
static void ch_tries(json_t *r)
{
	json_object_set_new(json_object_get(r, "sign"), "tries_left", json_integer(6));
}
static void ch_password(json_t *r)
{
	json_object_set_new(json_object_get(r, "sign"), "password", json_string("abc123"));
}
static void ch_pin(json_t *r)
{
	json_object_set_new(json_object_get(r, "auth"), "pin", json_string("12345"));
}
static void ch_person(json_t *r)
{
	json_object_del(r, "person");
}
static void ch_label(json_t *r)
{
	json_object_set_new(r, "token_label", json_string("JPKIAPICCTOKEN2JPKIAPICCTOKEN2JPKI"));
}
static void ch_swap_keys(json_t *r)
{
	json_t *k = json_object_get(json_object_get(r, "auth"), "key");
	json_object_set(json_object_get(r, "sign"), "key", k);
}
static void ch_name_ctl(json_t *r)
{
	json_object_set_new(json_object_get(r, "person"), "name", json_string("a\x01b"));
}
static void ch_birth(json_t *r)
{
	json_object_set_new(json_object_get(r, "person"), "birth", json_string("4199001"));
}
static void ch_cert(json_t *r)
{
	json_object_set_new(json_object_get(r, "sign"), "ca", json_string("-----BEGIN"));
}

static void test_state_file(void **state)
{
	char p[PATH_MAX], detail[256];
	struct card_state *st = NULL;
	struct stat sb;
	int fd1, fd2;
	char *big;
	struct {
		void (*change)(json_t *);
		enum state_err want;
	} cases[] = {
	    {ch_version, STATE_EJSON},   {ch_tries, STATE_EFIELD},    {ch_password, STATE_EFIELD},
	    {ch_pin, STATE_EFIELD},      {ch_person, STATE_EFIELD},   {ch_label, STATE_EFIELD},
	    {ch_swap_keys, STATE_ECERT}, {ch_name_ctl, STATE_EFIELD}, {ch_birth, STATE_EFIELD},
	    {ch_cert, STATE_ECERT},
	};

	assert_int_equal(stat(g_fixture, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s/edited.json", g_dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		edited(p, cases[i].change);
		assert_int_equal(state_load(p, &st, detail, sizeof(detail)), cases[i].want);
		assert_null(st);
		assert_true(detail[0] != '\0');
	}
	write_text(p, "{\"version\": 1, \"version\": 1}");
	assert_int_equal(state_load(p, &st, detail, sizeof(detail)), STATE_EJSON);
	write_text(p, "not json");
	assert_int_equal(state_load(p, &st, detail, sizeof(detail)), STATE_EJSON);
	big = malloc(STATE_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', STATE_FILE_MAX + 1);
	big[STATE_FILE_MAX + 1] = '\0';
	write_text(p, big);
	free(big);
	assert_int_equal(state_load(p, &st, detail, sizeof(detail)), STATE_ETOOBIG);
	snprintf(p, sizeof(p), "%s/missing.json", g_dir);
	assert_int_equal(state_load(p, &st, detail, sizeof(detail)), STATE_EIO);
	assert_int_equal(state_load(g_dir, &st, detail, sizeof(detail)), STATE_EIO);
	/* a round trip keeps everything */
	assert_int_equal(state_load(g_fixture, &st, NULL, 0), STATE_OK);
	assert_string_equal(st->sign_pin.secret, PW); /* issued as abc123, upper-cased */
	assert_string_equal(st->person.name, "山田 太郎");
	assert_string_equal(st->person.city, "Chiyoda-ku");
	snprintf(p, sizeof(p), "%s/roundtrip.json", g_dir);
	assert_int_equal(state_save(p, st), STATE_OK);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	card_state_free(st);
	st = NULL;
	assert_int_equal(state_load(p, &st, NULL, 0), STATE_OK);
	card_state_free(st);
	/* the lock: one holder at a time */
	assert_int_equal(state_lock(p, &fd1), STATE_OK);
	assert_int_equal(state_lock(p, &fd2), STATE_EBUSY);
	state_unlock(fd1);
	assert_int_equal(state_lock(p, &fd2), STATE_OK);
	state_unlock(fd2);
	snprintf(p, sizeof(p), "%s/no-such-card.json", g_dir);
	assert_int_equal(state_lock(p, &fd1), STATE_EIO);
	strcat(p, ".lock");
	assert_int_equal(access(p, F_OK), -1); /* no lock file for a card that does not exist */
	assert_true(state_text_valid("山田", strlen("山田")));
	assert_false(state_text_valid("\xC0\xAF", 2));         /* overlong */
	assert_false(state_text_valid("\xED\xA0\x80", 3));     /* surrogate */
	assert_false(state_text_valid("\xE5\xB1", 2));         /* cut */
	assert_false(state_text_valid("\xF4\x90\x80\x80", 4)); /* over U+10FFFF */
	assert_false(state_text_valid("\xC2\x85", 2));         /* C1 control */
	assert_false(state_text_valid("a\tb", 3));
	for (int e = STATE_OK; e <= STATE_EBUSY; e++)
		assert_string_not_equal(state_strerror(e), "unknown state error");
	/* no temporary files left behind */
	DIR *d = opendir(g_dir);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		assert_null(strstr(de->d_name, ".tmp."));
	closedir(d);
}

/* ---- vpcd ---------------------------------------------------------------------------- */

static void test_vpcd_addr(void **state)
{
	char host[VPCD_HOST_MAX + 1];
	uint16_t port;

	assert_int_equal(vpcd_parse_addr("127.0.0.1:35963", host, &port), VPCD_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 35963);
	assert_int_equal(vpcd_parse_addr("localhost", host, &port), VPCD_OK);
	assert_int_equal(port, 35963);
	assert_int_equal(vpcd_parse_addr(":40000", host, &port), VPCD_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(vpcd_parse_addr("[::1]:40000", host, &port), VPCD_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 40000);
	assert_int_equal(vpcd_parse_addr("::1", host, &port), VPCD_EINPUT);
	assert_int_equal(vpcd_parse_addr("h:0", host, &port), VPCD_EINPUT);
	assert_int_equal(vpcd_parse_addr("h:65536", host, &port), VPCD_EINPUT);
	assert_int_equal(vpcd_parse_addr("h:12x", host, &port), VPCD_EINPUT);
	assert_int_equal(vpcd_parse_addr("[::1", host, &port), VPCD_EINPUT);
	for (int e = VPCD_OK; e <= VPCD_ETIMEOUT; e++)
		assert_string_not_equal(vpcd_strerror(e), "unknown vpcd error");
}

static void test_vpcd_framing(void **state)
{
	int sv[2];
	uint8_t *buf = malloc(VPCD_FRAME_MAX);
	uint8_t big[1000];
	size_t n;
	volatile sig_atomic_t stop = 0;

	assert_non_null(buf);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vpcd_send(sv[0], (const uint8_t *)"\x04", 1), VPCD_OK);
	assert_int_equal(vpcd_recv(sv[1], buf, VPCD_FRAME_MAX, &n, 1000, &stop), VPCD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 4);
	memset(big, 0x77, sizeof(big));
	assert_int_equal(vpcd_send(sv[0], big, sizeof(big)), VPCD_OK);
	assert_int_equal(vpcd_recv(sv[1], buf, VPCD_FRAME_MAX, &n, 1000, &stop), VPCD_OK);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(buf, big, n);
	/* the 2-byte big-endian length on the wire */
	assert_int_equal(vpcd_send(sv[0], big, 0x0102), VPCD_OK);
	assert_int_equal(read(sv[1], buf, 2), 2);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(buf[1], 0x02);
	assert_int_equal(read(sv[1], buf, 0x0102), 0x0102);
	assert_int_equal(vpcd_recv(sv[1], buf, VPCD_FRAME_MAX, &n, 50, &stop), VPCD_ETIMEOUT);
	stop = 1;
	assert_int_equal(vpcd_recv(sv[1], buf, VPCD_FRAME_MAX, &n, -1, &stop), VPCD_ESTOPPED);
	stop = 0;
	assert_int_equal(vpcd_send(sv[0], big, VPCD_FRAME_MAX + 1), VPCD_EINPUT);
	assert_int_equal(vpcd_recv(sv[1], buf, 100, &n, 50, &stop), VPCD_EINPUT);
	close(sv[0]);
	assert_int_equal(vpcd_recv(sv[1], buf, VPCD_FRAME_MAX, &n, 1000, &stop), VPCD_ECLOSED);
	close(sv[1]);
	free(buf);
}

struct serve_thread {
	card *c;
	struct vpcd_serve_opts o;
	enum vpcd_err result;
};

static void *serve_main(void *arg)
{
	struct serve_thread *s = arg;
	s->result = vpcd_serve(s->c, &s->o);
	return NULL;
}

static int listen_local(uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return s;
}

static int accept_within(int s, int ms)
{
	struct pollfd p = {.fd = s, .events = POLLIN};
	assert_int_equal(poll(&p, 1, ms), 1);
	return accept(s, NULL, NULL);
}

/* The reader side of one exchange: send, and (unless expect_none) receive the answer. */
static size_t reader_xchg(int fd, const char *hexcmd, uint8_t *out)
{
	uint8_t cmd[300];
	size_t n = hex(hexcmd, cmd, sizeof(cmd)), len;
	volatile sig_atomic_t stop = 0;

	assert_int_equal(vpcd_send(fd, cmd, n), VPCD_OK);
	assert_int_equal(vpcd_recv(fd, out, VPCD_FRAME_MAX, &len, 5000, &stop), VPCD_OK);
	return len;
}

static void test_vpcd_serve_remove_after(void **state)
{
	struct fx *f = *state;
	struct serve_thread s;
	pthread_t th;
	uint16_t port;
	int ls = listen_local(&port), fd;
	uint8_t *buf = malloc(VPCD_FRAME_MAX);
	volatile sig_atomic_t stop = 0;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.c = f->c;
	s.o.host = "127.0.0.1";
	s.o.port = port;
	s.o.atr = JPKI_ATR_CONTACT;
	s.o.atr_len = JPKI_ATR_LEN;
	s.o.remove_after = 2;
	s.o.reinsert_after_ms = -1;
	s.o.stop = &stop;
	assert_int_equal(pthread_create(&th, NULL, serve_main, &s), 0);
	fd = accept_within(ls, 5000);
	assert_true(fd >= 0);
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x01", 1), VPCD_OK); /* power on */
	n = reader_xchg(fd, "04", buf);                                       /* ATR */
	assert_int_equal(n, JPKI_ATR_LEN);
	assert_memory_equal(buf, "\x3B\xE0\x00\xFF\x81\x31\xFE\x45\x14", 9);
	n = reader_xchg(fd, SELECT_AP, buf);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "\x90\x00", 2);
	n = reader_xchg(fd, "00A4020C02001B", buf);
	assert_memory_equal(buf, "\x90\x00", 2);
	/* the third APDU: the card is pulled out instead of answering */
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x00\x20\x00\x80", 4), VPCD_OK);
	assert_int_equal(vpcd_recv(fd, buf, VPCD_FRAME_MAX, &n, 5000, &stop), VPCD_ECLOSED);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.result, VPCD_OK);
	close(fd);
	close(ls);
	free(buf);
}

static void test_vpcd_serve_pull_insert_stop(void **state)
{
	struct fx *f = *state;
	struct serve_thread s;
	pthread_t th;
	uint16_t port;
	int ls = listen_local(&port), fd;
	uint8_t *buf = malloc(VPCD_FRAME_MAX);
	volatile sig_atomic_t stop = 0, pull = 0, insert = 0, rstop = 0;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.c = f->c;
	s.o.host = "127.0.0.1";
	s.o.port = port;
	s.o.atr = JPKI_ATR_CONTACT;
	s.o.atr_len = JPKI_ATR_LEN;
	s.o.remove_after = -1;
	s.o.reinsert_after_ms = -1;
	s.o.stop = &stop;
	s.o.pull = &pull;
	s.o.insert = &insert;
	assert_int_equal(pthread_create(&th, NULL, serve_main, &s), 0);
	fd = accept_within(ls, 5000);
	assert_true(fd >= 0);
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x01", 1), VPCD_OK); /* power on */
	n = reader_xchg(fd, SELECT_AP, buf);
	assert_memory_equal(buf, "\x90\x00", 2);
	n = reader_xchg(fd, "00A4020C02001B", buf);
	n = reader_xchg(fd, "0020008006414243313233", buf); /* ABC123 */
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "\x90\x00", 2);
	n = reader_xchg(fd, "00A4020C020001", buf);
	n = reader_xchg(fd, "00B0000004", buf);
	assert_int_equal(n, 6);
	/* pull the card out (what SIGUSR1 does) */
	pull = 1;
	assert_int_equal(vpcd_recv(fd, buf, VPCD_FRAME_MAX, &n, 5000, &rstop), VPCD_ECLOSED);
	close(fd);
	/* put it back (SIGUSR2): it comes back unpowered, nothing selected or verified */
	insert = 1;
	fd = accept_within(ls, 5000);
	assert_true(fd >= 0);
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x01", 1), VPCD_OK);
	n = reader_xchg(fd, "00B0000004", buf);
	assert_memory_equal(buf, "\x69\x86", 2);
	/* a 1-byte message that is no known control is ignored (no answer) */
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x0A", 1), VPCD_OK);
	assert_int_equal(vpcd_send(fd, (const uint8_t *)"\x02", 1), VPCD_OK); /* reset */
	n = reader_xchg(fd, "00CA000000", buf);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "\x6D\x00", 2);
	/* a message longer than any APDU: 67 00, and the connection lives on */
	uint8_t *huge = calloc(1, 5000);
	assert_non_null(huge);
	assert_int_equal(vpcd_send(fd, huge, 5000), VPCD_OK);
	assert_int_equal(vpcd_recv(fd, buf, VPCD_FRAME_MAX, &n, 5000, &rstop), VPCD_OK);
	assert_memory_equal(buf, "\x67\x00", 2);
	free(huge);
	n = reader_xchg(fd, "04", buf);
	assert_int_equal(n, JPKI_ATR_LEN);
	stop = 1; /* SIGTERM */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.result, VPCD_OK);
	close(fd);
	close(ls);
	free(buf);
}

/* ---- the test PKI -------------------------------------------------------------------- */

static void test_birth_and_gender_codes(void **state)
{
	char c[10], g[2];
	time_t now = time(NULL);
	struct {
		const char *in, *out;
	} ok[] = {
	    {"1990-01-02", "419900102"}, {"19900102", "419900102"},   {"419900102", "419900102"},
	    {"1989-01-07", "319890107"}, {"1989-01-08", "419890108"}, {"2019-04-30", "420190430"},
	    {"2019-05-01", "520190501"}, {"1926-12-24", "219261224"}, {"1926-12-25", "319261225"},
	    {"1912-07-29", "119120729"}, {"1912-07-30", "219120730"}, {"1868-10-23", "118681023"},
	    {"2024-02-29", "520240229"},
	};
	const char *bad[] = {"1868-10-22", "2023-02-29", "2024-13-01", "2024-00-10",
	                     "2024-04-31", "519900102",  "1990/01/02", "",
	                     "1990-1-2",   "41990010",   "2999-01-01", "x9900102"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(pki_birth_code(ok[i].in, now, c), PKI_OK);
		assert_string_equal(c, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pki_birth_code(bad[i], now, c), PKI_EINPUT);
	assert_int_equal(pki_gender_code("1", g), PKI_OK);
	assert_string_equal(g, "1");
	assert_int_equal(pki_gender_code("female", g), PKI_OK);
	assert_string_equal(g, "2");
	assert_int_equal(pki_gender_code("3", g), PKI_OK);
	assert_int_equal(pki_gender_code("4", g), PKI_EINPUT);
	assert_int_equal(pki_gender_code("", g), PKI_EINPUT);
	for (int e = PKI_OK; e <= PKI_EBUSY; e++)
		assert_string_not_equal(pki_strerror(e), "unknown pki error");
}

static time_t utc(int y, int m, int d, int hh, int mm, int ss)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return timegm(&tm);
}

static void test_validity(void **state)
{
	struct pki_validity v = {PKI_VALID_DEFAULT, 0};
	time_t now = utc(2026, 11, 26, 0, 0, 0), nb, na;

	/* the fifth birthday after issue, 23:59:59 JST */
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_int_equal(nb, now);
	assert_int_equal(na, utc(2031, 1, 2, 14, 59, 59));
	/* issued on the birthday (in Japan): that day does not count */
	now = utc(2026, 1, 1, 16, 0, 0); /* 2026-01-02 01:00 JST */
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_int_equal(na, utc(2031, 1, 2, 14, 59, 59));
	now = utc(2026, 1, 1, 14, 0, 0); /* 2026-01-01 23:00 JST: the birthday is tomorrow */
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_int_equal(na, utc(2030, 1, 2, 14, 59, 59));
	/* 29 February: 28 February in a common year */
	now = utc(2026, 3, 1, 0, 0, 0);
	assert_int_equal(pki_validity_range("520240229", &v, now, &nb, &na), PKI_OK);
	assert_int_equal(na, utc(2031, 2, 28, 14, 59, 59));
	v.kind = PKI_VALID_EXPIRED;
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_true(na < now && nb < na);
	v.kind = PKI_VALID_NOT_YET;
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_true(nb > now && na > nb);
	v.kind = PKI_VALID_DAYS;
	v.days = 10;
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_OK);
	assert_int_equal(na - nb, 10 * 86400);
	v.days = 0;
	assert_int_equal(pki_validity_range("419900102", &v, now, &nb, &na), PKI_EINPUT);
	assert_int_equal(pki_validity_range("4199", &v, now, &nb, &na), PKI_EINPUT);
}

static const char *othername(GENERAL_NAMES *gens, const char *oid)
{
	char buf[64];
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type != GEN_OTHERNAME)
			continue;
		OBJ_obj2txt(buf, sizeof(buf), gn->d.otherName->type_id, 1);
		if (strcmp(buf, oid) == 0 && gn->d.otherName->value->type == V_ASN1_UTF8STRING)
			return (const char *)ASN1_STRING_get0_data(
			    gn->d.otherName->value->value.utf8string);
	}
	return NULL;
}

static void test_issued_certificates(void **state)
{
	struct fx *f = *state;
	const unsigned char *q;
	X509 *sc, *ca, *ac;
	GENERAL_NAMES *gens;
	int crit = -1;
	char buf[256];

	q = f->st->sign_cert.der;
	sc = d2i_X509(NULL, &q, (long)f->st->sign_cert.len);
	q = f->st->sign_ca.der;
	ca = d2i_X509(NULL, &q, (long)f->st->sign_ca.len);
	q = f->st->auth_cert.der;
	ac = d2i_X509(NULL, &q, (long)f->st->auth_cert.len);
	assert_non_null(sc);
	assert_non_null(ca);
	assert_non_null(ac);
	assert_int_equal(X509_verify(sc, X509_get0_pubkey(ca)), 1);
	assert_int_equal(X509_check_issued(ca, sc), X509_V_OK);
	assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(sc)), 2048);
	assert_int_equal(X509_get_signature_nid(sc), NID_sha256WithRSAEncryption);
	assert_int_equal(X509_get_key_usage(sc), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(sc, NID_key_usage, &crit, NULL);
	assert_int_equal(crit, 1);
	ASN1_BIT_STRING_free(ku);
	X509_NAME_oneline(X509_get_issuer_name(sc), buf, sizeof(buf));
	assert_string_equal(buf, "/C=JP/O=JPKI-TEST/OU=JPKI for digital signature/OU=Japan Agency "
	                         "for Local Authority Information Systems");
	X509_NAME_oneline(X509_get_issuer_name(ac), buf, sizeof(buf));
	assert_string_equal(buf, "/C=JP/O=JPKI-TEST/OU=JPKI for user authentication/OU=Japan "
	                         "Agency for Local Authority Information Systems");
	X509_NAME_oneline(X509_get_subject_name(sc), buf, sizeof(buf));
	assert_true(strncmp(buf, "/C=JP/L=Tokyo-to/L=Chiyoda-ku/CN=", 33) == 0);
	assert_null(strstr(buf, "山田"));
	gens = X509_get_ext_d2i(sc, NID_subject_alt_name, NULL, NULL);
	assert_non_null(gens);
	assert_string_equal(othername(gens, "1.2.392.200149.8.5.5.1"), "山田 太郎");
	assert_string_equal(othername(gens, "1.2.392.200149.8.5.5.3"), "1");
	assert_string_equal(othername(gens, "1.2.392.200149.8.5.5.4"), "419900102");
	assert_string_equal(othername(gens, "1.2.392.200149.8.5.5.5"), "東京都千代田区千代田1-1");
	assert_null(othername(gens, "1.2.392.200149.8.5.5.2")); /* none given */
	GENERAL_NAMES_free(gens);
	assert_null(X509_get_ext_d2i(ac, NID_subject_alt_name, NULL, NULL)); /* no personal data */
	assert_int_equal(X509_get_key_usage(ac), KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_check_private_key(sc, f->st->sign_key), 1);
	assert_int_equal(X509_check_private_key(ac, f->st->auth_key), 1);
	X509_free(sc);
	X509_free(ca);
	X509_free(ac);
	assert_int_equal(pki_check_card(g_pki, f->st), PKI_OK);
}

static void test_issue_rejects_bad_input(void **state)
{
	struct pki_issue_req req;
	struct card_state *st = NULL;

	memset(&req, 0, sizeof(req));
	snprintf(req.person.name, sizeof(req.person.name), "山田 花子");
	snprintf(req.person.address, sizeof(req.person.address), "東京都");
	snprintf(req.person.gender, sizeof(req.person.gender), "2");
	snprintf(req.person.birth, sizeof(req.person.birth), "419900102");
	req.password = "ABC12"; /* too short */
	req.pin = PIN;
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	req.password = PW;
	req.pin = "123";
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	req.pin = PIN;
	snprintf(req.person.name, sizeof(req.person.name), "\xff\xfe");
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	req.person.name[0] = '\0';
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	snprintf(req.person.name, sizeof(req.person.name), "山田 花子");
	snprintf(req.person.address, sizeof(req.person.address), "東京都\n");
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	snprintf(req.person.address, sizeof(req.person.address), "東京都");
	snprintf(req.person.city, sizeof(req.person.city), "Chiyoda/ku");
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	req.person.city[0] = '\0';
	req.token_label = "JPKIAPICCTOKEN2JPKIAPICCTOKEN2JPKI";
	assert_int_equal(pki_issue(g_pki, &req, time(NULL), &st), PKI_EINPUT);
	req.token_label = NULL;
	assert_int_equal(pki_issue("/nonexistent/pki", &req, time(NULL), &st), PKI_ENOTFOUND);
	assert_null(st);
	assert_int_equal(pki_init(g_pki, time(NULL)), PKI_EEXISTS);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s = calloc(1, 1 << 16);
	assert_non_null(fp);
	assert_non_null(s);
	assert_true(fread(s, 1, (1 << 16) - 1, fp) > 0);
	fclose(fp);
	return s;
}

static int crl_has(const char *path, const struct card_blob *cert, int *reason)
{
	FILE *fp = fopen(path, "r");
	X509_CRL *crl;
	X509_REVOKED *rev = NULL;
	const unsigned char *q = cert->der;
	X509 *xc = d2i_X509(NULL, &q, (long)cert->len);
	int found;

	assert_non_null(fp);
	crl = PEM_read_X509_CRL(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(crl);
	found = X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(xc)) == 1;
	if (found && reason) {
		ASN1_ENUMERATED *r = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
		*reason = r ? (int)ASN1_ENUMERATED_get(r) : 0;
		ASN1_ENUMERATED_free(r);
	}
	X509_CRL_free(crl);
	X509_free(xc);
	return found;
}

static void test_revoke_and_crl(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX], *index;
	int reason = -1;

	snprintf(p, sizeof(p), "%s/auth/crl.pem", g_pki);
	assert_false(crl_has(p, &f->st->auth_cert, NULL));
	assert_int_equal(pki_revoke_cert(g_pki, PKI_CA_AUTH, f->st->auth_cert.der,
	                                 f->st->auth_cert.len, "keyCompromise", time(NULL)),
	                 PKI_OK);
	assert_true(crl_has(p, &f->st->auth_cert, &reason));
	assert_int_equal(reason, 1);
	assert_int_equal(pki_revoke_cert(g_pki, PKI_CA_AUTH, f->st->auth_cert.der,
	                                 f->st->auth_cert.len, NULL, time(NULL)),
	                 PKI_EEXISTS);
	assert_int_equal(pki_revoke_serial(g_pki, PKI_CA_AUTH, "DEAD", NULL, time(NULL)),
	                 PKI_ENOTFOUND);
	assert_int_equal(pki_revoke_serial(g_pki, PKI_CA_AUTH, "XYZ", NULL, time(NULL)),
	                 PKI_EINPUT);
	assert_int_equal(pki_revoke_serial(g_pki, PKI_CA_AUTH, "DEAD", "because", time(NULL)),
	                 PKI_EINPUT);
	/* the index is in openssl ca's format, which `openssl ocsp -index` serves */
	snprintf(p, sizeof(p), "%s/auth/index.txt", g_pki);
	index = slurp(p);
	assert_non_null(strstr(index, ",keyCompromise\t"));
	assert_true(index[0] == 'V' || index[0] == 'R');
	free(index);
	assert_int_equal(pki_crl(g_pki, PKI_CA_SIGN, time(NULL)), PKI_OK);
	snprintf(p, sizeof(p), "%s/sign/crl.pem", g_pki);
	assert_false(crl_has(p, &f->st->sign_cert, NULL));
}

static void test_renew(void **state)
{
	struct fx *f = *state;
	struct pki_validity v = {PKI_VALID_DEFAULT, 0};
	struct card_blob old = {0};
	char p[PATH_MAX];
	int reason = -1;

	assert_int_equal(card_blob_set(&old, f->st->sign_cert.der, f->st->sign_cert.len), STATE_OK);
	f->st->sign_pin.tries_left = 0; /* locked, and the counter renews with a new password */
	assert_int_equal(pki_renew(g_pki, f->st, "bcd234", &v, time(NULL)), PKI_OK);
	assert_true(old.len != f->st->sign_cert.len ||
	            memcmp(old.der, f->st->sign_cert.der, old.len) != 0);
	assert_string_equal(f->st->sign_pin.secret, "BCD234");
	assert_int_equal(f->st->sign_pin.tries_left, 5);
	assert_string_equal(f->st->person.name, "山田 太郎");
	snprintf(p, sizeof(p), "%s/sign/crl.pem", g_pki);
	assert_true(crl_has(p, &old, &reason));
	assert_int_equal(reason, 4); /* superseded */
	assert_false(crl_has(p, &f->st->sign_cert, NULL));
	/* the renewed card works */
	assert_int_equal(state_save(f->path, f->st), STATE_OK);
	restart(f);
	uint8_t di[JPKI_SHA256_DIGESTINFO_LEN];
	digestinfo_of("renewed", di);
	assert_int_equal(x(f, SELECT_AP), 0x9000);
	assert_int_equal(verify(f, 0x001B, "BCD234"), 0x9000);
	assert_int_equal(sign(f, 0x001A, di, sizeof(di)), 0x9000);
	assert_signature(&f->st->sign_cert, "renewed");
	/* a bad password changes nothing */
	assert_int_equal(pki_renew(g_pki, f->st, "bad-pw", &v, time(NULL)), PKI_EINPUT);
	free(old.der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_select_ap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_ef, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_certificates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_offsets_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retries_query, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_counts_and_resets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_and_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_pin_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_power_and_reset_drop_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_change_pin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_class_instruction_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_persist_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jpki_ops_against_card, setup, teardown),
	    cmocka_unit_test(test_state_file),
	    cmocka_unit_test(test_vpcd_addr),
	    cmocka_unit_test(test_vpcd_framing),
	    cmocka_unit_test_setup_teardown(test_vpcd_serve_remove_after, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vpcd_serve_pull_insert_stop, setup, teardown),
	    cmocka_unit_test(test_birth_and_gender_codes),
	    cmocka_unit_test(test_validity),
	    cmocka_unit_test_setup_teardown(test_issued_certificates, setup, teardown),
	    cmocka_unit_test(test_issue_rejects_bad_input),
	    cmocka_unit_test_setup_teardown(test_revoke_and_crl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renew, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
