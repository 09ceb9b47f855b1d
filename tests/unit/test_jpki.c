/* test_jpki: unit tests of src/jpki (APDU encoding and decoding, the builders against the bytes
 * of docs/jpki.md, status words, the DER header helper, DigestInfo, the password rules, and the
 * card operations over a scripted transport). The same operations against the virtual card
 * itself are in test_card.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jpki/jpki.h"

static void encode(const struct jpki_apdu *a, uint8_t *out, size_t *len)
{
	assert_int_equal(jpki_apdu_encode(a, out, JPKI_APDU_MAX_CMD, len), JPKI_OK);
}

#define ASSERT_BYTES(got, glen, ...)                                                               \
	do {                                                                                       \
		static const uint8_t want_[] = {__VA_ARGS__};                                      \
		assert_int_equal((glen), sizeof(want_));                                           \
		assert_memory_equal((got), want_, sizeof(want_));                                  \
	} while (0)

static void test_builders_match_jpki_md(void **state)
{
	struct jpki_apdu a;
	uint8_t b[JPKI_APDU_MAX_CMD];
	size_t n;
	uint8_t di[JPKI_SHA256_DIGESTINFO_LEN];

	jpki_build_select_ap(&a);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00,
	             0x00, 0x00, 0x01);
	jpki_build_select_ef(&a, JPKI_EF_SIGN_PIN);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B);
	assert_int_equal(jpki_build_read_binary(&a, 0x0123, 4), JPKI_OK);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0xB0, 0x01, 0x23, 0x04);
	assert_int_equal(jpki_build_read_binary(&a, 0, 256), JPKI_OK);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0xB0, 0x00, 0x00, 0x00);
	jpki_build_retries(&a);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0x20, 0x00, 0x80);
	assert_int_equal(jpki_build_verify(&a, "ABC123", 6), JPKI_OK);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0x20, 0x00, 0x80, 0x06, 'A', 'B', 'C', '1', '2', '3');
	assert_int_equal(jpki_build_change_pin(&a, "1234", 4), JPKI_OK);
	encode(&a, b, &n);
	ASSERT_BYTES(b, n, 0x00, 0x24, 0x01, 0x80, 0x04, '1', '2', '3', '4');
	memset(di, 0x5A, sizeof(di));
	assert_int_equal(jpki_build_sign(&a, di, sizeof(di)), JPKI_OK);
	encode(&a, b, &n);
	assert_int_equal(n, 4 + 1 + 51 + 1);
	ASSERT_BYTES(b, 5, 0x80, 0x2A, 0x00, 0x80, 0x33);
	assert_int_equal(b[n - 1], 0x00); /* Le = 00: 256 bytes */
}

static void test_builder_bounds(void **state)
{
	struct jpki_apdu a;
	uint8_t big[300];

	memset(big, 'A', sizeof(big));
	assert_int_equal(jpki_build_read_binary(&a, JPKI_EF_MAX_SIZE, 1), JPKI_EINPUT);
	assert_int_equal(jpki_build_read_binary(&a, 0, 0), JPKI_EINPUT);
	assert_int_equal(jpki_build_read_binary(&a, 0, 257), JPKI_EINPUT);
	assert_int_equal(jpki_build_read_binary(&a, 0x7FFF, 1), JPKI_OK);
	assert_int_equal(jpki_build_verify(&a, (const char *)big, 0), JPKI_EINPUT);
	assert_int_equal(jpki_build_verify(&a, (const char *)big, 256), JPKI_EINPUT);
	assert_int_equal(jpki_build_verify(&a, NULL, 4), JPKI_EINPUT);
	assert_int_equal(jpki_build_sign(&a, big, 256), JPKI_EINPUT);
	assert_int_equal(jpki_build_change_pin(&a, (const char *)big, 0), JPKI_EINPUT);
	assert_int_equal(jpki_build_verify(NULL, "A", 1), JPKI_EINPUT);
}

static void test_encode_decode_cases(void **state)
{
	struct jpki_apdu a, d;
	uint8_t b[JPKI_APDU_MAX_CMD];
	size_t n;

	/* case 1 */
	memset(&a, 0, sizeof(a));
	a.ins = 0x20;
	a.p2 = 0x80;
	encode(&a, b, &n);
	assert_int_equal(n, 4);
	assert_int_equal(jpki_apdu_decode(b, n, &d), JPKI_OK);
	assert_int_equal(d.lc, 0);
	assert_int_equal(d.ne, 0);
	/* case 2 with Le 00 = 256 and Le 0x10 */
	a.ne = 256;
	encode(&a, b, &n);
	assert_int_equal(n, 5);
	assert_int_equal(b[4], 0);
	assert_int_equal(jpki_apdu_decode(b, n, &d), JPKI_OK);
	assert_int_equal(d.ne, 256);
	a.ne = 0x10;
	encode(&a, b, &n);
	assert_int_equal(jpki_apdu_decode(b, n, &d), JPKI_OK);
	assert_int_equal(d.ne, 0x10);
	/* case 3, 255 data bytes */
	a.ne = 0;
	a.lc = 255;
	memset(a.data, 0xEE, 255);
	encode(&a, b, &n);
	assert_int_equal(n, 260);
	assert_int_equal(jpki_apdu_decode(b, n, &d), JPKI_OK);
	assert_int_equal(d.lc, 255);
	assert_memory_equal(d.data, a.data, 255);
	/* case 4 */
	a.ne = 256;
	encode(&a, b, &n);
	assert_int_equal(n, 261);
	assert_int_equal(jpki_apdu_decode(b, n, &d), JPKI_OK);
	assert_int_equal(d.lc, 255);
	assert_int_equal(d.ne, 256);
	/* encode errors */
	assert_int_equal(jpki_apdu_encode(&a, b, 260, &n), JPKI_ESPACE);
	a.ne = 257;
	assert_int_equal(jpki_apdu_encode(&a, b, sizeof(b), &n), JPKI_EINPUT);
	a.ne = 0;
	a.lc = 256;
	assert_int_equal(jpki_apdu_encode(&a, b, sizeof(b), &n), JPKI_EINPUT);
	assert_int_equal(jpki_apdu_encode(NULL, b, sizeof(b), &n), JPKI_EINPUT);
}

static void test_decode_malformed(void **state)
{
	struct jpki_apdu d;
	static const uint8_t three[] = {0x00, 0xA4, 0x04};
	static const uint8_t lc_long[] = {0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01, 0x02};
	static const uint8_t lc_short[] = {0x00, 0xA4, 0x04, 0x0C, 0x01, 0x01, 0x02, 0x03};
	static const uint8_t ext[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00};
	static const uint8_t six0[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01};

	assert_int_equal(jpki_apdu_decode(three, sizeof(three), &d), JPKI_EMALFORMED);
	assert_int_equal(jpki_apdu_decode(three, 0, &d), JPKI_EMALFORMED);
	assert_int_equal(jpki_apdu_decode(lc_long, sizeof(lc_long), &d), JPKI_EMALFORMED);
	assert_int_equal(jpki_apdu_decode(lc_short, sizeof(lc_short), &d), JPKI_EMALFORMED);
	assert_int_equal(jpki_apdu_decode(ext, sizeof(ext), &d), JPKI_EEXTENDED);
	assert_int_equal(jpki_apdu_decode(six0, sizeof(six0), &d), JPKI_EMALFORMED);
	assert_int_equal(jpki_apdu_decode(NULL, 4, &d), JPKI_EINPUT);
	assert_int_equal(jpki_apdu_decode(three, 3, NULL), JPKI_EINPUT);
}

static void test_status_words(void **state)
{
	struct jpki_resp r;
	static const uint8_t resp[] = {0x30, 0x82, 0x63, 0xC2};
	uint8_t sw[2];

	assert_int_equal(jpki_resp_parse(resp, sizeof(resp), &r), JPKI_OK);
	assert_int_equal(r.len, 2);
	assert_int_equal(r.sw, 0x63C2);
	assert_ptr_equal(r.data, resp);
	assert_int_equal(jpki_resp_parse(resp, 1, &r), JPKI_EMALFORMED);
	assert_int_equal(jpki_resp_parse(resp, 2, &r), JPKI_OK);
	assert_int_equal(r.len, 0);
	assert_int_equal(jpki_sw_tries(0x63C5), 5);
	assert_int_equal(jpki_sw_tries(0x63C0), 0);
	assert_int_equal(jpki_sw_tries(0x9000), -1);
	assert_int_equal(jpki_sw_tries(0x6300), -1);
	assert_true(jpki_sw_locked(0x6984));
	assert_true(jpki_sw_locked(0x6983));
	assert_false(jpki_sw_locked(0x6982));
	assert_int_equal(JPKI_SW_TRIES(3), 0x63C3);
	jpki_put_sw(sw, 0x6A82);
	assert_int_equal(sw[0], 0x6A);
	assert_int_equal(sw[1], 0x82);
	static const uint16_t all[] = {0x9000, 0x6282, 0x6581, 0x6700, 0x6981, 0x6982, 0x6983,
	                               0x6984, 0x6985, 0x6986, 0x6A80, 0x6A82, 0x6A86, 0x6B00,
	                               0x6D00, 0x6E00, 0x6F00, 0x63C1, 0x6110, 0x6C10};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_string_not_equal(jpki_sw_describe(all[i]), "unknown status word");
	assert_string_equal(jpki_sw_describe(0x1234), "unknown status word");
}

static void test_der_tlv_len(void **state)
{
	size_t t;
	static const uint8_t cert[] = {0x30, 0x82, 0x03, 0xB1};
	static const uint8_t shortf[] = {0x30, 0x05};
	static const uint8_t l81[] = {0x30, 0x81, 0x90};
	static const uint8_t l81small[] = {0x30, 0x81, 0x05};
	static const uint8_t l82zero[] = {0x30, 0x82, 0x00, 0x90};
	static const uint8_t indef[] = {0x30, 0x80};
	static const uint8_t l84[] = {0x30, 0x84, 0x00, 0x00, 0x01, 0x00};
	static const uint8_t l83[] = {0x30, 0x83, 0x01, 0x00, 0x00};
	static const uint8_t multitag[] = {0x1F, 0x81, 0x01};

	assert_int_equal(jpki_der_tlv_len(cert, 4, &t), JPKI_OK);
	assert_int_equal(t, 0x3B1 + 4);
	assert_int_equal(jpki_der_tlv_len(shortf, 2, &t), JPKI_OK);
	assert_int_equal(t, 7);
	assert_int_equal(jpki_der_tlv_len(l81, 3, &t), JPKI_OK);
	assert_int_equal(t, 0x93);
	assert_int_equal(jpki_der_tlv_len(l83, 5, &t), JPKI_OK);
	assert_int_equal(t, 0x10000 + 5);
	assert_int_equal(jpki_der_tlv_len(cert, 3, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(cert, 1, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(l81small, 3, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(l82zero, 4, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(indef, 2, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(l84, 6, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(multitag, 3, &t), JPKI_EMALFORMED);
	assert_int_equal(jpki_der_tlv_len(NULL, 4, &t), JPKI_EINPUT);
}

static void test_digestinfo(void **state)
{
	uint8_t d[64], out[JPKI_DIGESTINFO_MAX];
	size_t n, dlen;
	enum jpki_hash h;
	const uint8_t *dp;
	static const enum jpki_hash hs[] = {JPKI_HASH_SHA1, JPKI_HASH_SHA224, JPKI_HASH_SHA256,
	                                    JPKI_HASH_SHA384, JPKI_HASH_SHA512};
	static const size_t lens[] = {20, 28, 32, 48, 64};

	for (size_t i = 0; i < 64; i++)
		d[i] = (uint8_t)i;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(jpki_hash_len(hs[i]), lens[i]);
		assert_int_equal(jpki_digestinfo_build(hs[i], d, lens[i], out, sizeof(out), &n),
		                 JPKI_OK);
		assert_int_equal(jpki_digestinfo_parse(out, n, &h, &dp, &dlen), JPKI_OK);
		assert_int_equal(h, hs[i]);
		assert_int_equal(dlen, lens[i]);
		assert_memory_equal(dp, d, dlen);
		assert_int_equal(jpki_digestinfo_parse(out, n - 1, &h, &dp, &dlen),
		                 JPKI_EMALFORMED);
		out[5] ^= 1;
		assert_int_equal(jpki_digestinfo_parse(out, n, &h, &dp, &dlen), JPKI_EMALFORMED);
	}
	assert_int_equal(jpki_digestinfo_build(JPKI_HASH_SHA256, d, 32, out, sizeof(out), &n),
	                 JPKI_OK);
	assert_int_equal(n, JPKI_SHA256_DIGESTINFO_LEN);
	ASSERT_BYTES(out, 19, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	             0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20);
	assert_int_equal(jpki_digestinfo_build(JPKI_HASH_SHA256, d, 31, out, sizeof(out), &n),
	                 JPKI_EINPUT);
	assert_int_equal(jpki_digestinfo_build(JPKI_HASH_SHA256, d, 32, out, 50, &n), JPKI_ESPACE);
	assert_int_equal(jpki_digestinfo_build((enum jpki_hash)99, d, 32, out, sizeof(out), &n),
	                 JPKI_EINPUT);
	assert_int_equal(jpki_hash_len((enum jpki_hash)99), 0);
	assert_int_equal(jpki_digestinfo_parse(d, 0, &h, &dp, &dlen), JPKI_EMALFORMED);
}

static void test_password_rules(void **state)
{
	char out[JPKI_PW_MAX + 1];

	assert_int_equal(jpki_sign_password_normalise("abc123", out), JPKI_OK);
	assert_string_equal(out, "ABC123");
	assert_int_equal(jpki_sign_password_normalise("ABCDEFGHIJ123456", out), JPKI_OK);
	assert_int_equal(jpki_sign_password_normalise("ABC12", out), JPKI_EPWLEN);
	assert_int_equal(jpki_sign_password_normalise("ABCDEFGHIJ1234567", out), JPKI_EPWLEN);
	assert_int_equal(jpki_sign_password_normalise("", out), JPKI_EPWLEN);
	assert_int_equal(jpki_sign_password_normalise("ABC-123", out), JPKI_EPWCHARS);
	assert_int_equal(jpki_sign_password_normalise("ABC 123", out), JPKI_EPWCHARS);
	assert_int_equal(jpki_sign_password_normalise("\xef\xbc\xa1"
	                                              "BC123",
	                                              out),
	                 JPKI_EPWCHARS);
	assert_int_equal(jpki_sign_password_normalise(NULL, out), JPKI_EINPUT);
	assert_int_equal(jpki_auth_pin_check("1234"), JPKI_OK);
	assert_int_equal(jpki_auth_pin_check("123"), JPKI_EPWLEN);
	assert_int_equal(jpki_auth_pin_check("12345"), JPKI_EPWLEN);
	assert_int_equal(jpki_auth_pin_check("12a4"), JPKI_EPWCHARS);
	assert_true(jpki_sign_password_valid((const uint8_t *)"ABC123", 6));
	assert_false(jpki_sign_password_valid((const uint8_t *)"abc123", 6));
	assert_true(jpki_auth_pin_valid((const uint8_t *)"0000", 4));
	assert_false(jpki_auth_pin_valid((const uint8_t *)"000A", 4));
}

static void test_strerror(void **state)
{
	for (int e = JPKI_OK; e <= JPKI_ECARD; e++)
		assert_string_not_equal(jpki_strerror(e), "unknown jpki error");
	assert_string_equal(jpki_strerror(-1), "unknown jpki error");
	assert_string_equal(jpki_strerror(1000), "unknown jpki error");
}

/* ---- operations over a scripted transport ------------------------------------------- */

struct script {
	const uint8_t *resp[16];
	size_t len[16];
	size_t n, next;
	uint8_t sent[16][JPKI_APDU_MAX_CMD];
	size_t sentlen[16];
	int fail_at; /* exchange index that fails at the transport, -1: none */
};

static int script_transmit(void *ctx, const uint8_t *cmd, size_t cmdlen, uint8_t *resp, size_t cap,
                           size_t *resplen)
{
	struct script *s = ctx;
	size_t i = s->next++;

	assert_true(i < s->n);
	memcpy(s->sent[i], cmd, cmdlen);
	s->sentlen[i] = cmdlen;
	if ((int)i == s->fail_at)
		return -1;
	assert_true(s->len[i] <= cap);
	memcpy(resp, s->resp[i], s->len[i]);
	*resplen = s->len[i];
	return 0;
}

static const struct jpki_transport_ops script_ops = {script_transmit};

#define R(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void push(struct script *s, const uint8_t *r, size_t n)
{
	s->resp[s->n] = r;
	s->len[s->n] = n;
	s->n++;
}

static struct jpki_transport transport(struct script *s)
{
	struct jpki_transport t = {&script_ops, s, 0};
	memset(s, 0, sizeof(*s));
	s->fail_at = -1;
	return t;
}

static void test_ops_select_and_tries(void **state)
{
	struct script s;
	struct jpki_transport t = transport(&s);
	int tries;

	push(&s, R(0x6A, 0x82));
	assert_int_equal(jpki_select_ap(&t), JPKI_ENOTJPKI);
	assert_int_equal(t.last_sw, 0x6A82);
	push(&s, R(0x90, 0x00));
	assert_int_equal(jpki_select_ap(&t), JPKI_OK);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x63, 0xC3));
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &tries), JPKI_OK);
	assert_int_equal(tries, 3);
	assert_int_equal(s.sentlen[3], 4); /* the retries query has no Lc and no Le */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x84));
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &tries), JPKI_OK);
	assert_int_equal(tries, 0);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x90, 0x00)); /* docs/jpki.md: never 90 00 */
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &tries), JPKI_ECARD);
	push(&s, R(0x6A, 0x82));
	assert_int_equal(jpki_tries_left(&t, JPKI_EF_SIGN_PIN, &tries), JPKI_ECARD);
}

static void test_ops_verify(void **state)
{
	struct script s;
	struct jpki_transport t = transport(&s);
	int tries;

	push(&s, R(0x90, 0x00));
	push(&s, R(0x63, 0xC4));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "WRONG1", &tries), JPKI_EWRONGPW);
	assert_int_equal(tries, 4);
	assert_memory_equal(s.sent[1], "\x00\x20\x00\x80\x06WRONG1", 11);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x63, 0xC0));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "WRONG1", &tries), JPKI_ELOCKED);
	assert_int_equal(tries, 0);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x84));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries), JPKI_ELOCKED);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x83));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries), JPKI_ELOCKED);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x90, 0x00));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries), JPKI_OK);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x6A, 0x86));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries), JPKI_ECARD);
	s.fail_at = (int)s.n;
	push(&s, R(0x90, 0x00));
	assert_int_equal(jpki_verify(&t, JPKI_EF_SIGN_PIN, "ABC123", &tries), JPKI_ETRANSPORT);
}

static void test_ops_read_ef_chunks(void **state)
{
	struct script s;
	struct jpki_transport t = transport(&s);
	static uint8_t cert[300 + 4], r1[258], r2[50];
	uint8_t out[1024];
	size_t n;

	cert[0] = 0x30;
	cert[1] = 0x82;
	cert[2] = 0x01;
	cert[3] = 0x2C; /* 300 bytes of content */
	for (size_t i = 4; i < sizeof(cert); i++)
		cert[i] = (uint8_t)i;
	push(&s, R(0x90, 0x00));                         /* select */
	push(&s, R(0x30, 0x82, 0x01, 0x2C, 0x90, 0x00)); /* header */
	memcpy(r1, cert + 4, 256);
	r1[256] = 0x90;
	r1[257] = 0x00;
	push(&s, r1, 258);
	memcpy(r2, cert + 260, 44);
	r2[44] = 0x90;
	r2[45] = 0x00;
	push(&s, r2, 46);
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CERT, out, sizeof(out), &n), JPKI_OK);
	assert_int_equal(n, sizeof(cert));
	assert_memory_equal(out, cert, n);
	assert_memory_equal(s.sent[2], "\x00\xB0\x00\x04\x00", 5);
	assert_memory_equal(s.sent[3], "\x00\xB0\x01\x04\x2C", 5);
	/* too small a buffer */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x30, 0x82, 0x01, 0x2C, 0x90, 0x00));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CERT, out, 100, &n), JPKI_ESPACE);
	/* the signing certificate before the password */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x82));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_SIGN_CERT, out, sizeof(out), &n), JPKI_ESECURITY);
	/* not a certificate */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x04, 0x82, 0x01, 0x2C, 0x90, 0x00));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CA, out, sizeof(out), &n), JPKI_EMALFORMED);
	/* the file ends early (62 82) inside the certificate */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x30, 0x82, 0x01, 0x2C, 0x90, 0x00));
	push(&s, R(0x01, 0x02, 0x62, 0x82));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CA, out, sizeof(out), &n), JPKI_EMALFORMED);
	/* a card that answers more than asked */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x30, 0x82, 0x01, 0x2C, 0x01, 0x90, 0x00));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CA, out, sizeof(out), &n), JPKI_EMALFORMED);
}

/* A card that answers READ BINARY with fewer bytes than asked and 90 00 (ISO 7816-4 allows
 * it): the certificate is read on from the new offset, not refused. */
static void test_ops_read_ef_short_answers(void **state)
{
	struct script s;
	struct jpki_transport t = transport(&s);
	static uint8_t cert[300 + 4], r[3][102];
	uint8_t out[1024];
	size_t n;

	cert[0] = 0x30;
	cert[1] = 0x82;
	cert[2] = 0x01;
	cert[3] = 0x2C;
	for (size_t i = 4; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 7);
	push(&s, R(0x90, 0x00));             /* select */
	push(&s, R(0x30, 0x82, 0x90, 0x00)); /* 2 of the 4 header bytes */
	push(&s, R(0x01, 0x2C, 0x90, 0x00));
	for (int k = 0; k < 3; k++) {
		memcpy(r[k], cert + 4 + 100 * k, 100);
		r[k][100] = 0x90;
		r[k][101] = 0x00;
		push(&s, r[k], 102);
	}
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CERT, out, sizeof(out), &n), JPKI_OK);
	assert_int_equal(n, sizeof(cert));
	assert_memory_equal(out, cert, n);
	assert_memory_equal(s.sent[1], "\x00\xB0\x00\x00\x04", 5);
	assert_memory_equal(s.sent[2], "\x00\xB0\x00\x02\x02", 5); /* on from offset 2 */
	assert_memory_equal(s.sent[3], "\x00\xB0\x00\x04\x00", 5); /* 256 asked */
	assert_memory_equal(s.sent[4], "\x00\xB0\x00\x68\xC8", 5); /* on from 104 */
	assert_memory_equal(s.sent[5], "\x00\xB0\x00\xCC\x64", 5); /* the last 100 */
	/* an answer of no byte with 90 00 ends the EF: inside a certificate, malformed */
	push(&s, R(0x90, 0x00));
	push(&s, R(0x30, 0x82, 0x01, 0x2C, 0x90, 0x00));
	push(&s, R(0x90, 0x00));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_AUTH_CA, out, sizeof(out), &n), JPKI_EMALFORMED);
}

static void test_ops_token_and_sign(void **state)
{
	struct script s;
	struct jpki_transport t = transport(&s);
	uint8_t out[64], sig[JPKI_RSA_BYTES], di[JPKI_SHA256_DIGESTINFO_LEN], d[32];
	static uint8_t sigresp[258];
	size_t n;

	memset(d, 1, sizeof(d));
	assert_int_equal(jpki_digestinfo_build(JPKI_HASH_SHA256, d, 32, di, sizeof(di), &n),
	                 JPKI_OK);
	push(&s, R(0x90, 0x00));
	push(&s, R('J', 'P', 'K', 'I', 'A', 'P', 'I', 'C', 'C', 'T', 'O', 'K', 'E', 'N', '2', ' ',
	           ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
	           0x90, 0x00));
	assert_int_equal(jpki_read_ef(&t, JPKI_EF_TOKEN_INFO, out, sizeof(out), &n), JPKI_OK);
	assert_int_equal(n, 32);
	assert_memory_equal(out, "JPKIAPICCTOKEN2 ", 16);
	memset(sigresp, 0xAB, 256);
	sigresp[256] = 0x90;
	sigresp[257] = 0x00;
	push(&s, R(0x90, 0x00));
	push(&s, sigresp, sizeof(sigresp));
	assert_int_equal(jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig), JPKI_OK);
	assert_memory_equal(sig, sigresp, 256);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x82));
	assert_int_equal(jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig), JPKI_ESECURITY);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x01, 0x90, 0x00));
	assert_int_equal(jpki_sign(&t, JPKI_EF_SIGN_KEY, di, sizeof(di), sig), JPKI_EMALFORMED);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x90, 0x00));
	assert_int_equal(jpki_change_pin(&t, JPKI_EF_SIGN_PIN, "NEWPW1"), JPKI_OK);
	push(&s, R(0x90, 0x00));
	push(&s, R(0x69, 0x82));
	assert_int_equal(jpki_change_pin(&t, JPKI_EF_SIGN_PIN, "NEWPW1"), JPKI_ESECURITY);
	push(&s, R(0x6A, 0x82));
	assert_int_equal(jpki_select_ef(&t, 0x1234), JPKI_ECARD);
	push(&s, R(0x90));
	assert_int_equal(jpki_select_ef(&t, 0x0001), JPKI_EMALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builders_match_jpki_md),
	    cmocka_unit_test(test_builder_bounds),
	    cmocka_unit_test(test_encode_decode_cases),
	    cmocka_unit_test(test_decode_malformed),
	    cmocka_unit_test(test_status_words),
	    cmocka_unit_test(test_der_tlv_len),
	    cmocka_unit_test(test_digestinfo),
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_ops_select_and_tries),
	    cmocka_unit_test(test_ops_verify),
	    cmocka_unit_test(test_ops_read_ef_chunks),
	    cmocka_unit_test(test_ops_read_ef_short_answers),
	    cmocka_unit_test(test_ops_token_and_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
