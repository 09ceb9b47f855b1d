/* test_signer: unit tests of madoguchi-sign's parts (src/signer): the password rules, the link
 * parser (every accepted and refused form), the allow-list, the sign request's JSON with bad
 * and missing fields and a digest mismatch, the portal's answers, the message catalogue (both
 * languages for every message, the same printf conversions, the guide's words verbatim), the
 * CMS built around an external signer, and the whole flow (flow.c) driven through a scripted
 * UI and network with the in-process virtual card (src/card) behind the jpki transport: right,
 * malformed and wrong passwords, the lock, the warning, expired certificates, the card pulled
 * out, the portal's answers. The same journey through pcscd is tests/integration/
 * signer_card.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "card/card.h"
#include "card/pki.h"
#include "card/state.h"
#include "jpki/jpki.h"
#include "signer/cades.h"
#include "signer/flow.h"
#include "signer/msg.h"
#include "signer/options.h"
#include "signer/signreq.h"

#define ID "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"
#define ID2 "ZZZdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"

static char g_dir[64];
static struct card_state *g_st;

/* ---- password rules ----------------------------------------------------------------------- */

static void test_password_normalise(void **state)
{
	char out[JPKI_PW_MAX + 1];

	assert_int_equal(signer_password_normalise("abc123", out), JPKI_OK);
	assert_string_equal(out, "ABC123");
	assert_int_equal(signer_password_normalise("ABCDEFGHIJ123456", out), JPKI_OK);
	assert_string_equal(out, "ABCDEFGHIJ123456");
	assert_int_equal(signer_password_normalise("Ab3dE9", out), JPKI_OK);
	assert_string_equal(out, "AB3DE9");
	/* full-width letters and digits, as a Japanese input method gives them */
	assert_int_equal(signer_password_normalise("ＡＢＣ１２３", out), JPKI_OK);
	assert_string_equal(out, "ABC123");
	assert_int_equal(signer_password_normalise("ａｂｃ123", out), JPKI_OK);
	assert_string_equal(out, "ABC123");

	assert_int_equal(signer_password_normalise("", out), JPKI_EPWLEN);
	assert_int_equal(signer_password_normalise("abc", out), JPKI_EPWLEN);
	assert_int_equal(signer_password_normalise("ABC12", out), JPKI_EPWLEN);
	assert_int_equal(signer_password_normalise("ABCDEFGHIJ1234567", out), JPKI_EPWLEN);
	assert_int_equal(signer_password_normalise("ＡＢＣＤＥＦＧＨＩＪ1234567", out),
	                 JPKI_EPWLEN);
	assert_int_equal(signer_password_normalise("ABC-123", out), JPKI_EPWCHARS);
	assert_int_equal(signer_password_normalise("ABC 123", out), JPKI_EPWCHARS);
	assert_int_equal(signer_password_normalise("ABC123\t", out), JPKI_EPWCHARS);
	assert_int_equal(signer_password_normalise("パスワード12", out), JPKI_EPWCHARS);
	assert_int_equal(signer_password_normalise("ＡＢＣ－１２３", out), JPKI_EPWCHARS);
	assert_int_equal(signer_password_normalise("\xff\xfe\x41\x42\x43\x31", out), JPKI_EPWCHARS);
	/* nothing of a refused entry is left in out */
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(signer_password_normalise(NULL, out), JPKI_EINPUT);
}

/* ---- links ---------------------------------------------------------------------------------- */

static void accept_link(const char *s, const char *host, unsigned port, int tls, const char *url)
{
	struct signer_link l;
	enum link_err e = signer_link_parse(s, &l);
	if (e != LINK_OK)
		fail_msg("%s: %s", s, link_strerror(e));
	assert_string_equal(l.host, host);
	assert_int_equal(l.port, port);
	assert_int_equal(l.tls, tls);
	assert_string_equal(l.url, url);
	assert_string_equal(l.id, url + strlen(url) - SIGNREQ_ID_LEN);
}

static void refuse_link(const char *s, enum link_err want)
{
	struct signer_link l;
	enum link_err e = signer_link_parse(s, &l);
	if (e != want)
		fail_msg("%s: %s (%d), expected %s (%d)", s, link_strerror(e), e,
		         link_strerror(want), want);
}

static void test_link_accepted(void **state)
{
	accept_link("madoguchi-sign://portal.example.jp/sign/" ID, "portal.example.jp", 0, 1,
	            "https://portal.example.jp/api/sign/" ID);
	accept_link("MADOGUCHI-SIGN://Portal.Example.JP:8443/sign/" ID, "portal.example.jp", 8443,
	            1, "https://portal.example.jp:8443/api/sign/" ID);
	accept_link("madoguchi-sign://city-portal.lg.jp/sign/" ID, "city-portal.lg.jp", 0, 1,
	            "https://city-portal.lg.jp/api/sign/" ID);
	accept_link("madoguchi-sign://xn--eckwd4c7c.jp/sign/" ID, "xn--eckwd4c7c.jp", 0, 1,
	            "https://xn--eckwd4c7c.jp/api/sign/" ID);
	/* local hosts: http (development) */
	accept_link("madoguchi-sign://localhost:8080/sign/" ID, "localhost", 8080, 0,
	            "http://localhost:8080/api/sign/" ID);
	accept_link("madoguchi-sign://LOCALHOST/sign/" ID, "localhost", 0, 0,
	            "http://localhost/api/sign/" ID);
	accept_link("madoguchi-sign://127.0.0.1:9000/sign/" ID, "127.0.0.1", 9000, 0,
	            "http://127.0.0.1:9000/api/sign/" ID);
	accept_link("madoguchi-sign://[::1]:8080/sign/" ID, "[::1]", 8080, 0,
	            "http://[::1]:8080/api/sign/" ID);
	accept_link("madoguchi-sign://[0:0:0:0:0:0:0:1]/sign/" ID, "[::1]", 0, 0,
	            "http://[::1]/api/sign/" ID);
	/* the API URL itself */
	accept_link("https://portal.example.jp/api/sign/" ID, "portal.example.jp", 0, 1,
	            "https://portal.example.jp/api/sign/" ID);
	accept_link("HTTPS://portal.example.jp:443/api/sign/" ID, "portal.example.jp", 443, 1,
	            "https://portal.example.jp:443/api/sign/" ID);
	accept_link("https://192.0.2.10/api/sign/" ID, "192.0.2.10", 0, 1,
	            "https://192.0.2.10/api/sign/" ID);
	accept_link("https://[2001:DB8::1]:8443/api/sign/" ID, "[2001:db8::1]", 8443, 1,
	            "https://[2001:db8::1]:8443/api/sign/" ID);
	accept_link("https://localhost:8443/api/sign/" ID, "localhost", 8443, 1,
	            "https://localhost:8443/api/sign/" ID);
	accept_link("http://localhost:8080/api/sign/" ID, "localhost", 8080, 0,
	            "http://localhost:8080/api/sign/" ID);
	accept_link("http://127.0.0.1/api/sign/" ID, "127.0.0.1", 0, 0,
	            "http://127.0.0.1/api/sign/" ID);
	accept_link("http://[::1]:1/api/sign/" ID, "[::1]", 1, 0, "http://[::1]:1/api/sign/" ID);
	accept_link("madoguchi-sign://portal.example.jp:65535/sign/" ID, "portal.example.jp", 65535,
	            1, "https://portal.example.jp:65535/api/sign/" ID);
}

static void test_link_refused(void **state)
{
	char big[SIGNER_LINK_MAX + 64], host[300];

	/* plain http to anything but the local host */
	refuse_link("http://portal.example.jp/api/sign/" ID, LINK_EINSECURE);
	refuse_link("http://127.0.0.2/api/sign/" ID, LINK_EINSECURE);
	refuse_link("http://localhost.example.jp/api/sign/" ID, LINK_EINSECURE);
	refuse_link("http://[::ffff:127.0.0.1]/api/sign/" ID, LINK_EINSECURE);
	refuse_link("http://192.168.1.10:8080/api/sign/" ID, LINK_EINSECURE);
	/* userinfo: show one host, mean another */
	refuse_link("madoguchi-sign://user@portal.example.jp/sign/" ID, LINK_EUSERINFO);
	refuse_link("https://portal.example.jp@evil.example/api/sign/" ID, LINK_EUSERINFO);
	refuse_link("madoguchi-sign://portal.example.jp:443@evil.example/sign/" ID, LINK_EUSERINFO);
	refuse_link("madoguchi-sign://:@evil.example/sign/" ID, LINK_EUSERINFO);
	/* schemes */
	refuse_link("ftp://portal.example.jp/api/sign/" ID, LINK_ESCHEME);
	refuse_link("javascript:alert(1)//portal.example.jp/sign/" ID, LINK_ESCHEME);
	refuse_link("portal.example.jp/sign/" ID, LINK_ESCHEME);
	refuse_link("madoguchi-sign:/sign/" ID, LINK_ESCHEME);
	refuse_link("madoguchi-signx://portal.example.jp/sign/" ID, LINK_ESCHEME);
	refuse_link("", LINK_ESCHEME);
	refuse_link(NULL, LINK_ESCHEME);
	/* characters */
	refuse_link("madoguchi-sign://portal%2eexample.jp/sign/" ID, LINK_ECHARS);
	refuse_link("madoguchi-sign://portal.example.jp/sign/%41" ID, LINK_ECHARS);
	refuse_link("madoguchi-sign://portal.example.jp /sign/" ID, LINK_ECHARS);
	refuse_link("madoguchi-sign://evil.example\\@portal.example.jp/sign/" ID, LINK_ECHARS);
	refuse_link("madoguchi-sign://ポータル.jp/sign/" ID, LINK_ECHARS);
	refuse_link("madoguchi-sign://portal.example.jp/sign/" ID "\n", LINK_ECHARS);
	refuse_link("madoguchi-sign://[::1%25eth0]/sign/" ID, LINK_ECHARS);
	/* the id */
	refuse_link("madoguchi-sign://portal.example.jp/sign/short", LINK_EID);
	refuse_link("madoguchi-sign://portal.example.jp/sign/" ID "x", LINK_EID);
	refuse_link(
	    "madoguchi-sign://portal.example.jp/sign/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd",
	    LINK_EID);
	refuse_link(
	    "madoguchi-sign://portal.example.jp/sign/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbC=",
	    LINK_EID);
	refuse_link(
	    "madoguchi-sign://portal.example.jp/sign/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789._AbCd",
	    LINK_EID);
	refuse_link("madoguchi-sign://portal.example.jp/sign/", LINK_EID);
	/* the path */
	refuse_link("madoguchi-sign://portal.example.jp/sign/" ID "/", LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp/sign/" ID "?x=1", LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp/sign/" ID "#top", LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp/api/sign/" ID, LINK_EPATH);
	refuse_link("https://portal.example.jp/sign/" ID, LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp/sign/../sign/" ID, LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp//sign/" ID, LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp", LINK_EPATH);
	refuse_link("madoguchi-sign://portal.example.jp?/sign/" ID, LINK_EPATH);
	/* the host */
	refuse_link("madoguchi-sign:///sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://-portal.example.jp/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://portal-.example.jp/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://portal..example.jp/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://portal.example.jp./sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://.portal.example.jp/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://portal_1.example.jp/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://127.1/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://0x7f.0.0.1/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://2130706433/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://0177.0.0.1/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://127.0.0.1.5/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://[::1/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://[zz::1]/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://[]/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://[::1]x/sign/" ID, LINK_EHOST);
	refuse_link("madoguchi-sign://[127.0.0.1]/sign/" ID, LINK_EHOST);
	memset(host, 'a', 64);
	snprintf(host + 64, sizeof(host) - 64, ".example.jp");
	snprintf(big, sizeof(big), "madoguchi-sign://%s/sign/%s", host, ID);
	refuse_link(big, LINK_EHOST); /* a 64-character label */
	for (int i = 0; i < 254; i += 2)
		host[i] = 'a', host[i + 1] = '.';
	host[254] = 'a';
	host[255] = '\0';
	snprintf(big, sizeof(big), "madoguchi-sign://%s/sign/%s", host, ID);
	refuse_link(big, LINK_ETOOLONG); /* a 255-character name */
	/* the port */
	refuse_link("madoguchi-sign://portal.example.jp:0/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:65536/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:80a/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:123456/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:-1/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://portal.example.jp:+80/sign/" ID, LINK_EPORT);
	refuse_link("madoguchi-sign://[::1]:/sign/" ID, LINK_EPORT);
	/* length */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "madoguchi-sign://", 17);
	refuse_link(big, LINK_ETOOLONG);
	/* every error has a description */
	for (int e = LINK_OK; e <= LINK_EINSECURE; e++)
		assert_true(strlen(link_strerror(e)) > 0);
}

static void test_host_is_local(void **state)
{
	assert_true(signer_host_is_local("localhost"));
	assert_true(signer_host_is_local("127.0.0.1"));
	assert_true(signer_host_is_local("[::1]"));
	assert_false(signer_host_is_local("localhost.localdomain"));
	assert_false(signer_host_is_local("127.0.0.2"));
	assert_false(signer_host_is_local("::1"));
	assert_true(signer_id_valid(ID, strlen(ID)));
	assert_false(signer_id_valid(ID, strlen(ID) - 1));
	assert_false(signer_id_valid(NULL, 43));
}

/* ---- allow-list ------------------------------------------------------------------------------ */

static int allowed(const struct signer_allow *a, const char *link)
{
	struct signer_link l;
	assert_int_equal(signer_link_parse(link, &l), LINK_OK);
	return signer_allow_match(a, &l);
}

static void test_allow_list(void **state)
{
	struct signer_allow a;
	size_t bad = 0;

	memset(&a, 0, sizeof(a));
	/* no list: every portal may ask */
	assert_true(allowed(&a, "madoguchi-sign://anything.example/sign/" ID));

	assert_int_equal(signer_allow_add(&a, "Portal.Example.JP"), 0);
	assert_int_equal(signer_allow_add(&a, "staging.example.jp:8443"), 0);
	assert_int_equal(signer_allow_add(&a, "localhost:8080"), 0);
	assert_int_equal(signer_allow_add(&a, "[::1]:9000"), 0);
	assert_true(allowed(&a, "madoguchi-sign://portal.example.jp/sign/" ID));
	assert_true(allowed(&a, "https://PORTAL.example.jp:443/api/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://portal.example.jp:8443/sign/" ID));
	assert_true(allowed(&a, "madoguchi-sign://staging.example.jp:8443/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://staging.example.jp/sign/" ID));
	assert_true(allowed(&a, "madoguchi-sign://localhost:8080/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://localhost:8081/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://127.0.0.1:8080/sign/" ID));
	assert_true(allowed(&a, "madoguchi-sign://[0::1]:9000/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://evil.example/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://portal.example.jp.evil.example/sign/" ID));
	assert_false(allowed(&a, "madoguchi-sign://xportal.example.jp/sign/" ID));

	/* malformed entries */
	assert_int_equal(signer_allow_add(&a, ""), -1);
	assert_int_equal(signer_allow_add(&a, "user@portal.example.jp"), -1);
	assert_int_equal(signer_allow_add(&a, "https://portal.example.jp"), -1);
	assert_int_equal(signer_allow_add(&a, "portal.example.jp:0"), -1);
	assert_int_equal(signer_allow_add(&a, "portal.example.jp/"), -1);
	assert_int_equal(signer_allow_add(&a, "a b"), -1);
	assert_int_equal(signer_allow_add(&a, "127.1"), -1);
	assert_int_equal(signer_allow_add(NULL, "x.example"), -1);
	assert_int_equal(a.n, 4);

	/* the file */
	memset(&a, 0, sizeof(a));
	{
		const char text[] = "# the city's portals\n\n  portal.example.jp  \r\n"
		                    "\tstaging.example.jp:8443\n# end";
		assert_int_equal(signer_allow_parse(&a, text, strlen(text), &bad), 0);
		assert_int_equal(a.n, 2);
		assert_string_equal(a.e[0].host, "portal.example.jp");
		assert_int_equal(a.e[1].port, 8443);
	}
	{
		const char text[] = "portal.example.jp\nnot a host\nother.example\n";
		memset(&a, 0, sizeof(a));
		assert_int_equal(signer_allow_parse(&a, text, strlen(text), &bad), -1);
		assert_int_equal(bad, 2);
	}
	{
		const char text[] = "portal.example.jp\nx\0y.example\n";
		memset(&a, 0, sizeof(a));
		assert_int_equal(signer_allow_parse(&a, text, sizeof(text) - 1, &bad), -1);
		assert_int_equal(bad, 2);
	}
	/* bounded */
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < SIGNER_ALLOW_MAX; i++) {
		char e[32];
		snprintf(e, sizeof(e), "p%d.example.jp", i);
		assert_int_equal(signer_allow_add(&a, e), 0);
	}
	assert_int_equal(signer_allow_add(&a, "one-more.example.jp"), -1);
	assert_int_equal(signer_allow_parse(&a, "x", SIGNER_ALLOW_FILE_MAX + 1, &bad), -1);
}

/* ---- the sign request ----------------------------------------------------------------------- */

static const char CONTENT[] = "{\"address\":\"東京都千代田区千代田1-1\",\"name\":\"山田 太郎\","
                              "\"procedure\":\"kaigo-volunteer-point\"}";

/* A request as the portal sends it, as a jansson object to break at will. */
static json_t *request_json(const char *content, time_t expires)
{
	char digest[65];
	signreq_sha256_hex(content, strlen(content), digest);
	return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s, s:I}", "id", ID,
	                 "portal_name", "みどり市 オンライン手続", "procedure_title",
	                 "介護支援ボランティアポイントの申請", "lines", "label", "氏名", "value",
	                 "山田 太郎", "label", "備考", "value", "1行目\n2行目\tタブ", "content",
	                 content, "digest", digest, "expires_at", (json_int_t)expires);
}

static enum signreq_err parse_json(json_t *j, const char *want_id, char *why)
{
	struct signreq r;
	char *s = json_dumps(j, JSON_COMPACT);
	enum signreq_err e;

	assert_non_null(s);
	e = signreq_parse((const uint8_t *)s, strlen(s), want_id, &r, why, 64);
	if (e == SIGNREQ_OK)
		signreq_release(&r);
	else
		assert_null(r.content); /* nothing is left on failure */
	free(s);
	json_decref(j);
	return e;
}

static void test_request_ok(void **state)
{
	json_t *j = request_json(CONTENT, 2000000000);
	char *s = json_dumps(j, JSON_COMPACT);
	struct signreq r;
	char why[64];

	assert_int_equal(signreq_parse((const uint8_t *)s, strlen(s), ID, &r, why, sizeof(why)),
	                 SIGNREQ_OK);
	assert_string_equal(r.id, ID);
	assert_string_equal(r.portal_name, "みどり市 オンライン手続");
	assert_string_equal(r.procedure_title, "介護支援ボランティアポイントの申請");
	assert_int_equal(r.nlines, 2);
	assert_string_equal(r.lines[1].value, "1行目\n2行目\tタブ");
	assert_int_equal(r.content_len, strlen(CONTENT));
	assert_memory_equal(r.content, CONTENT, strlen(CONTENT));
	assert_int_equal(r.expires_at, 2000000000);
	signreq_release(&r);
	signreq_release(&r); /* twice is harmless */
	free(s);
	json_decref(j);

	/* an upper-case digest and unknown members are accepted */
	j = request_json(CONTENT, 2000000000);
	{
		char up[65];
		snprintf(up, sizeof(up), "%s", json_string_value(json_object_get(j, "digest")));
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		json_object_set_new(j, "digest", json_string(up));
		json_object_set_new(j, "future_field", json_pack("[i]", 1));
	}
	assert_int_equal(parse_json(j, NULL, why), SIGNREQ_OK);
}

static void test_request_bad_fields(void **state)
{
	static const char *const required[] = {"id",      "portal_name", "procedure_title", "lines",
	                                       "content", "digest",      "expires_at"};
	char why[64];
	json_t *j;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		j = request_json(CONTENT, 2000000000);
		json_object_del(j, required[i]);
		assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EFIELD);
		assert_string_equal(why, required[i]);
		/* and of the wrong type */
		j = request_json(CONTENT, 2000000000);
		json_object_set_new(j, required[i], json_true());
		assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EFIELD);
		assert_string_equal(why, required[i]);
	}
#define BAD(key, value, want_why)                                                                  \
	do {                                                                                       \
		j = request_json(CONTENT, 2000000000);                                             \
		json_object_set_new(j, key, value);                                                \
		assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EFIELD);                        \
		assert_string_equal(why, want_why);                                                \
	} while (0)
	BAD("id", json_string("short"), "id");
	BAD("id", json_string(ID "x"), "id");
	BAD("id", json_string("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbC/"), "id");
	BAD("portal_name", json_string(""), "portal_name");
	BAD("portal_name", json_string("みどり市\x1b[31m"), "portal_name");
	BAD("portal_name", json_string("みどり市\nオンライン"), "portal_name");
	BAD("portal_name",
	    json_string("\xe2\x80\xae"
	                "evil"),
	    "portal_name"); /* U+202E */
	BAD("procedure_title", json_string("a\rb"), "procedure_title");
	BAD("procedure_title",
	    json_string("\xc2\x9b"
	                "31m"),
	    "procedure_title"); /* C1 CSI */
	BAD("procedure_title", json_string("a\x7f"), "procedure_title");
	BAD("lines", json_array(), "lines");
	BAD("lines", json_pack("[s]", "x"), "lines[0]");
	BAD("lines", json_pack("[{s:s}]", "label", "x"), "lines[0].value");
	BAD("lines", json_pack("[{s:s}]", "value", "x"), "lines[0].label");
	BAD("lines",
	    json_pack("[{s:s,s:s},{s:s,s:i}]", "label", "a", "value", "b", "label", "c", "value",
	              1),
	    "lines[1].value");
	BAD("lines", json_pack("[{s:s,s:s}]", "label", "", "value", "b"), "lines[0].label");
	BAD("lines", json_pack("[{s:s,s:s}]", "label", "a\nb", "value", "b"), "lines[0].label");
	BAD("lines", json_pack("[{s:s,s:s}]", "label", "a", "value", "b\r\nc"), "lines[0].value");
	BAD("lines", json_pack("[{s:s,s:s}]", "label", "a", "value", "\xe2\x81\xa6x"),
	    "lines[0].value"); /* U+2066 */
	BAD("content", json_string(""), "content");
	BAD("digest", json_string("abc"), "digest");
	BAD("digest",
	    json_string("zz00000000000000000000000000000000000000000000000000000000000000"),
	    "digest");
	BAD("expires_at", json_real(2000000000.0), "expires_at");
	BAD("expires_at", json_integer(0), "expires_at");
	BAD("expires_at", json_integer(-5), "expires_at");
	BAD("expires_at", json_string("2000000000"), "expires_at");
	BAD("expires_at", json_integer((json_int_t)1 << 41), "expires_at");
#undef BAD
	{ /* over the bounds */
		char *longer = malloc(SIGNREQ_TITLE_MAX + 2);
		json_t *lines = json_array();
		assert_non_null(longer);
		memset(longer, 'a', SIGNREQ_TITLE_MAX + 1);
		longer[SIGNREQ_TITLE_MAX + 1] = '\0';
		j = request_json(CONTENT, 2000000000);
		json_object_set_new(j, "procedure_title", json_string(longer));
		assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EFIELD);
		free(longer);
		for (int i = 0; i <= SIGNREQ_LINES_MAX; i++)
			json_array_append_new(lines,
			                      json_pack("{s:s,s:s}", "label", "a", "value", "b"));
		j = request_json(CONTENT, 2000000000);
		json_object_set_new(j, "lines", lines);
		assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EFIELD);
		assert_string_equal(why, "lines");
	}
}

static void test_request_digest_and_shape(void **state)
{
	char why[64];
	json_t *j;
	struct signreq r;
	char *big;

	/* the digest of other content */
	j = request_json(CONTENT, 2000000000);
	json_object_set_new(j, "content", json_string("{\"name\":\"別の人\"}"));
	assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EDIGEST);
	/* one byte changed */
	j = request_json(CONTENT, 2000000000);
	{
		char changed[sizeof(CONTENT)];
		memcpy(changed, CONTENT, sizeof(CONTENT));
		changed[2] = 'A';
		json_object_set_new(j, "content", json_string(changed));
	}
	assert_int_equal(parse_json(j, NULL, why), SIGNREQ_EDIGEST);
	/* not the request asked for */
	assert_int_equal(parse_json(request_json(CONTENT, 2000000000), ID2, why), SIGNREQ_EID);
	assert_int_equal(parse_json(request_json(CONTENT, 2000000000), ID, why), SIGNREQ_OK);

#define RAW(text, want)                                                                            \
	assert_int_equal(                                                                          \
	    signreq_parse((const uint8_t *)(text), sizeof(text) - 1, NULL, &r, why, sizeof(why)),  \
	    want)
	RAW("", SIGNREQ_EJSON);
	RAW("[]", SIGNREQ_EJSON);
	RAW("\"x\"", SIGNREQ_EJSON);
	RAW("{", SIGNREQ_EJSON);
	RAW("{} x", SIGNREQ_EJSON);
	RAW("{\"id\":\"a\",\"id\":\"b\"}", SIGNREQ_EJSON);
	RAW("{\"content\":\"a\\u0000b\"}", SIGNREQ_EJSON);
	RAW("{\"id\":\"\xff\xfe\"}", SIGNREQ_EJSON);
	RAW("{}", SIGNREQ_EFIELD);
#undef RAW
	assert_int_equal(signreq_parse(NULL, 0, NULL, &r, NULL, 0), SIGNREQ_EJSON);
	big = calloc(1, SIGNREQ_BODY_MAX + 2);
	assert_non_null(big);
	assert_int_equal(
	    signreq_parse((const uint8_t *)big, SIGNREQ_BODY_MAX + 1, NULL, &r, why, sizeof(why)),
	    SIGNREQ_ETOOBIG);
	free(big);
	for (int e = SIGNREQ_OK; e <= SIGNREQ_EID; e++)
		assert_true(strlen(signreq_strerror(e)) > 0);
}

static void test_text_printable(void **state)
{
	assert_true(signreq_text_printable("山田 太郎", strlen("山田 太郎"), 0));
	assert_true(signreq_text_printable("a\nb\tc", 5, 1));
	assert_false(signreq_text_printable("a\nb", 3, 0));
	assert_false(signreq_text_printable("a\rb", 3, 1));
	assert_false(signreq_text_printable("\x1b[2J", 4, 1));
	assert_false(signreq_text_printable("\xc0\xaf", 2, 1));     /* overlong */
	assert_false(signreq_text_printable("\xed\xa0\x80", 3, 1)); /* surrogate */
	assert_false(signreq_text_printable("\xe3\x81", 2, 1));     /* cut */
	assert_false(signreq_text_printable("\xe2\x80\xa8", 3, 1)); /* U+2028 */
	assert_false(signreq_text_printable("a\0b", 3, 1));
	assert_true(signreq_text_printable("\xf0\x9f\x98\x80", 4, 0)); /* an emoji is fine */
}

/* ---- the portal's answers ------------------------------------------------------------------- */

static void post_reply(long status, const char *body, enum portal_answer want,
                       struct portal_reply *pr)
{
	signer_post_reply_parse(status, (const uint8_t *)body, body ? strlen(body) : 0, pr);
	assert_int_equal(pr->answer, want);
}

static void test_portal_answers(void **state)
{
	struct portal_reply pr;

	post_reply(200, "{\"status\":\"signed\"}", PORTAL_SIGNED, &pr);
	post_reply(200, "{\"status\":\"pending\"}", PORTAL_UNEXPECTED, &pr);
	post_reply(200, "signed", PORTAL_UNEXPECTED, &pr);
	post_reply(200, NULL, PORTAL_UNEXPECTED, &pr);
	post_reply(422,
	           "{\"error\":\"refused\",\"reason\":\"revoked\",\"message\":"
	           "\"この電子証明書は失効しています。\"}",
	           PORTAL_REFUSED, &pr);
	assert_int_equal(pr.reason, REASON_REVOKED);
	assert_string_equal(pr.message, "この電子証明書は失効しています。");
	{
		static const struct {
			const char *name;
			enum portal_reason r;
		} reasons[] = {{"expired", REASON_EXPIRED},
		               {"revoked", REASON_REVOKED},
		               {"untrusted", REASON_UNTRUSTED},
		               {"bad_signature", REASON_BAD_SIGNATURE},
		               {"digest_mismatch", REASON_DIGEST_MISMATCH},
		               {"not_signing_cert", REASON_NOT_SIGNING_CERT},
		               {"something_new", REASON_UNKNOWN}};
		for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
			char body[200];
			snprintf(body, sizeof(body),
			         "{\"error\":\"refused\",\"reason\":\"%s\",\"message\":\"m\"}",
			         reasons[i].name);
			post_reply(422, body, PORTAL_REFUSED, &pr);
			assert_int_equal(pr.reason, reasons[i].r);
		}
	}
	/* the portal's words cannot draw on the terminal */
	post_reply(422,
	           "{\"error\":\"refused\",\"reason\":\"expired\",\"message\":\"a\\u001b["
	           "2Jb\\r\\u202ec\\n\"}",
	           PORTAL_REFUSED, &pr);
	assert_string_equal(pr.message, "a?[2Jb??c\n");
	post_reply(422, "not json", PORTAL_REFUSED, &pr);
	assert_int_equal(pr.reason, REASON_UNKNOWN);
	assert_string_equal(pr.message, "");
	{ /* a long message is cut on a character boundary */
		char *body = malloc(SIGNREQ_MESSAGE_MAX * 3 + 100);
		char *p;
		assert_non_null(body);
		p = body +
		    sprintf(body, "{\"error\":\"refused\",\"reason\":\"expired\",\"message\":\"");
		for (int i = 0; i < SIGNREQ_MESSAGE_MAX; i++)
			p += sprintf(p, "あ");
		sprintf(p, "\"}");
		post_reply(422, body, PORTAL_REFUSED, &pr);
		assert_true(strlen(pr.message) <= SIGNREQ_MESSAGE_MAX);
		assert_int_equal(strlen(pr.message) % 3, 0);
		assert_true(signreq_text_printable(pr.message, strlen(pr.message), 1));
		free(body);
	}
	post_reply(410, "{\"error\":\"expired\"}", PORTAL_EXPIRED, &pr);
	post_reply(410, "{\"error\":\"used\"}", PORTAL_USED, &pr);
	post_reply(410, "", PORTAL_EXPIRED, &pr);
	post_reply(404, "{\"error\":\"not_found\"}", PORTAL_NOT_FOUND, &pr);
	/* the portal could not record it now (its writer's commit failed): its words, sanitized */
	post_reply(503, "{\"error\":\"unavailable\",\"message\":\"もう一度\\u001b\"}",
	           PORTAL_UNEXPECTED, &pr);
	assert_string_equal(pr.message, "もう一度?");
	post_reply(503, "busy", PORTAL_UNEXPECTED, &pr);
	assert_string_equal(pr.message, "");
	post_reply(500, "{\"status\":\"signed\"}", PORTAL_UNEXPECTED, &pr);
	post_reply(302, "", PORTAL_UNEXPECTED, &pr);

	assert_int_equal(signer_get_error_parse(404, NULL, 0), PORTAL_NOT_FOUND);
	assert_int_equal(signer_get_error_parse(410, (const uint8_t *)"{\"error\":\"used\"}", 16),
	                 PORTAL_USED);
	assert_int_equal(
	    signer_get_error_parse(410, (const uint8_t *)"{\"error\":\"expired\"}", 19),
	    PORTAL_EXPIRED);
	assert_int_equal(signer_get_error_parse(503, NULL, 0), PORTAL_UNEXPECTED);
	assert_int_equal(signer_get_error_parse(422, NULL, 0), PORTAL_UNEXPECTED);
}

/* ---- the message catalogue ----------------------------------------------------------------- */

/* The printf conversions of a format, in order ("%d%s"). */
static void conversions(const char *fmt, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && !strchr("diouxXsclzf", *p))
			p++;
		if (*p == 'l' || *p == 'z') {
			if (o + 1 < cap)
				out[o++] = *p;
			p++;
		}
		if (*p && o + 1 < cap)
			out[o++] = *p;
		if (!*p)
			break;
	}
	out[o] = '\0';
}

static void test_catalogue(void **state)
{
	char a[32], b[32], buf[64];

	for (int id = 0; id < MSG_COUNT; id++) {
		const char *ja = msg_get(LANG_JA, (enum msg_id)id);
		const char *en = msg_get(LANG_EN, (enum msg_id)id);
		if (!ja[0] || !en[0])
			fail_msg("%s (%d) lacks a language", msg_name((enum msg_id)id), id);
		assert_true(strlen(msg_name((enum msg_id)id)) > 4);
		conversions(ja, a, sizeof(a));
		conversions(en, b, sizeof(b));
		if (strcmp(a, b) != 0)
			fail_msg("%s: ja has \"%s\", en has \"%s\"", msg_name((enum msg_id)id), a,
			         b);
		assert_true(signreq_text_printable(ja, strlen(ja), 1));
		assert_true(signreq_text_printable(en, strlen(en), 1));
	}
	/* --help documents every exit code, in both languages */
	for (int code = SIGNER_OK; code <= SIGNER_ECANCEL; code++) {
		char line[16];
		snprintf(line, sizeof(line), "\n%4d  ", code);
		assert_non_null(strstr(msg_get(LANG_JA, MSG_HELP), line));
		assert_non_null(strstr(msg_get(LANG_EN, MSG_HELP), line));
	}
	assert_string_equal(msg_get(LANG_JA, MSG_COUNT), "");
	assert_string_equal(msg_get((enum msg_lang)7, MSG_START_TITLE), "");
	/* the guide's words, verbatim (docs/seed-journey.md steps 9-13) */
	assert_string_equal(msg_get(LANG_JA, MSG_START_TITLE), "電子署名を開始します");
	assert_string_equal(msg_get(LANG_JA, MSG_START_1), "1. マイナンバーカードが必要です。");
	assert_string_equal(msg_get(LANG_JA, MSG_START_2), "2. 署名用電子証明書が必要です。");
	assert_string_equal(
	    msg_get(LANG_JA, MSG_START_3),
	    "3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。");
	assert_string_equal(msg_get(LANG_JA, MSG_PW_TITLE), "署名用電子証明書用のパスワード");
	assert_string_equal(msg_get(LANG_JA, MSG_PW_NOTE_UPPER),
	                    "※ 署名用電子証明書の英字は大文字で入力してください。");
	assert_string_equal(msg_get(LANG_JA, MSG_PW_NOTE_LOCK),
	                    "※ パスワードの入力を5回間違えると、ロックがかかります。");
	assert_string_equal(msg_get(LANG_JA, MSG_PW_NOTE_COUNTER),
	                    "※ ロックがかかった場合や電子証明書の有効期限が切れている場合は、本庁 "
	                    "住民窓口センターもしくは出先機関の窓口へお越しください。");
	assert_string_equal(msg_get(LANG_JA, MSG_HOLD_CARD),
	                    "マイナンバーカードをかざしてください");
	assert_string_equal(msg_get(LANG_JA, MSG_DONE_TITLE), "電子署名が完了しました。");
	assert_string_equal(msg_get(LANG_JA, MSG_CLOSE), "閉じる");
	assert_string_equal(msg_get(LANG_JA, MSG_DONE_SIGNED), "申請内容に署名");
	assert_string_equal(msg_fmt(buf, sizeof(buf), LANG_JA, MSG_E_WRONG_PW, 3),
	                    "パスワードが間違っています。残り3回です。");
	assert_string_equal(msg_fmt(buf, sizeof(buf), LANG_EN, MSG_E_WRONG_PW, 1),
	                    "The password is wrong. 1 tries left.");
}

/* ---- the CMS -------------------------------------------------------------------------------- */

/* Verify a CMS over content against the signing CA of the test card, as a portal would. */
static int cms_verifies(const uint8_t *der, size_t len, const void *content, size_t clen)
{
	const unsigned char *p = der, *q = g_st->sign_ca.der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	X509 *ca = d2i_X509(NULL, &q, (long)g_st->sign_ca.len);
	X509_STORE *store = X509_STORE_new();
	BIO *in = BIO_new_mem_buf(content, (int)clen);
	int ok = 0;

	if (cms && ca && store && in && X509_STORE_add_cert(store, ca) == 1 &&
	    X509_STORE_set_purpose(store, X509_PURPOSE_ANY) == 1)
		ok = CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY | CMS_CADES) == 1;
	/* the four signed attributes */
	if (ok) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		ok =
		    CMS_signed_get_attr_count(si) == 4 &&
		    CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0 &&
		    CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1) >= 0 &&
		    CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0 &&
		    CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) >= 0 &&
		    CMS_get0_content(cms) && *CMS_get0_content(cms) == NULL; /* detached */
	}
	BIO_free(in);
	X509_STORE_free(store);
	X509_free(ca);
	CMS_ContentInfo_free(cms);
	return ok;
}

static int soft_sign(void *ctx, const uint8_t *di, size_t len, uint8_t sig[CADES_SIG_BYTES])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(ctx, NULL);
	size_t sl = CADES_SIG_BYTES;
	int ok = c && EVP_PKEY_sign_init(c) == 1 &&
	         EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
	         EVP_PKEY_sign(c, sig, &sl, di, len) == 1 && sl == CADES_SIG_BYTES;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : 42;
}

static int failing_sign(void *ctx, const uint8_t *di, size_t len, uint8_t sig[CADES_SIG_BYTES])
{
	return 7;
}

static void test_cades(void **state)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int rc = -1;
	time_t nb, na;

	assert_int_equal(cades_sign_detached(g_st->sign_cert.der, g_st->sign_cert.len,
	                                     (const uint8_t *)CONTENT, strlen(CONTENT), time(NULL),
	                                     soft_sign, g_st->sign_key, &rc, &der, &len),
	                 CADES_OK);
	assert_int_equal(rc, 0);
	assert_true(cms_verifies(der, len, CONTENT, strlen(CONTENT)));
	assert_false(cms_verifies(der, len, CONTENT, strlen(CONTENT) - 1));
	free(der);

	/* a signer with another key: the self-check refuses the result */
	assert_int_equal(cades_sign_detached(g_st->sign_cert.der, g_st->sign_cert.len,
	                                     (const uint8_t *)CONTENT, strlen(CONTENT), time(NULL),
	                                     soft_sign, g_st->auth_key, &rc, &der, &len),
	                 CADES_EVERIFY);
	assert_null(der);
	assert_int_equal(cades_sign_detached(g_st->sign_cert.der, g_st->sign_cert.len,
	                                     (const uint8_t *)CONTENT, strlen(CONTENT), time(NULL),
	                                     failing_sign, NULL, &rc, &der, &len),
	                 CADES_ESIGN);
	assert_int_equal(rc, 7);
	assert_int_equal(cades_sign_detached(g_st->sign_cert.der, g_st->sign_cert.len - 1,
	                                     (const uint8_t *)CONTENT, strlen(CONTENT), time(NULL),
	                                     soft_sign, g_st->sign_key, &rc, &der, &len),
	                 CADES_EINPUT);
	assert_int_equal(cades_sign_detached(g_st->sign_cert.der, g_st->sign_cert.len,
	                                     (const uint8_t *)CONTENT, 0, time(NULL), soft_sign,
	                                     g_st->sign_key, &rc, &der, &len),
	                 CADES_EINPUT);

	assert_int_equal(
	    cades_cert_validity(g_st->sign_cert.der, g_st->sign_cert.len, time(NULL), &nb, &na),
	    CERT_VALID);
	assert_true(nb < na);
	assert_int_equal(
	    cades_cert_validity(g_st->sign_cert.der, g_st->sign_cert.len, na + 1, NULL, NULL),
	    CERT_EXPIRED);
	assert_int_equal(
	    cades_cert_validity(g_st->sign_cert.der, g_st->sign_cert.len, nb - 1, NULL, NULL),
	    CERT_NOT_YET);
	assert_int_equal(cades_cert_validity((const uint8_t *)"x", 1, time(NULL), NULL, NULL),
	                 CERT_BAD);
	assert_true(cades_cert_key_ok(g_st->sign_cert.der, g_st->sign_cert.len));
	for (int e = CADES_OK; e <= CADES_EVERIFY; e++)
		assert_true(strlen(cades_strerror(e)) > 0);
}

/* ---- the flow over the in-process card, a scripted UI and network --------------------------- */

struct tcard {
	card *c;
	enum signer_status open_status; /* what open answers (SIGNER_OK: the card is there) */
	enum msg_id open_why;
	int fail_after; /* the transport breaks after this many APDUs; -1: never */
	int heal;       /* 1: a card that broke works again when opened again (held again) */
	int broke;
	int apdus, verifies, signs, opens, closes;
};

static int tcard_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                          size_t *rlen)
{
	struct tcard *k = ctx;
	if (k->fail_after >= 0 && k->apdus >= k->fail_after) {
		k->broke = 1;
		return -1;
	}
	k->apdus++;
	if (len > 5 && cmd[0] == 0x00 && cmd[1] == 0x20)
		k->verifies++;
	if (len > 5 && cmd[0] == 0x80 && cmd[1] == 0x2A)
		k->signs++;
	return card_process(k->c, cmd, len, resp, cap, rlen) == CARD_EINPUT ? -1 : 0;
}

static const struct jpki_transport_ops TCARD_TRANSPORT = {tcard_transmit};

static enum signer_status tcard_open(void *ctx, const char *reader, int timeout_ms,
                                     signer_notify_fn notify, void *nctx, struct jpki_transport *t,
                                     enum msg_id *why)
{
	struct tcard *k = ctx;
	k->opens++;
	if (k->heal && k->broke)
		k->fail_after = -1;
	if (k->open_status != SIGNER_OK) {
		*why = k->open_why;
		return k->open_status;
	}
	card_power_on(k->c);
	t->ops = &TCARD_TRANSPORT;
	t->ctx = k;
	t->last_sw = 0;
	return jpki_select_ap(t) == JPKI_OK ? SIGNER_OK : SIGNER_EREMOVED;
}

static enum signer_status tcard_lost(void *ctx)
{
	return SIGNER_EREMOVED;
}

static const char *tcard_detail(void *ctx)
{
	return "test card";
}

static void tcard_close(void *ctx)
{
	struct tcard *k = ctx;
	k->closes++;
	card_power_off(k->c);
}

static const struct signer_card_ops TCARD_OPS = {tcard_open, tcard_lost, tcard_detail, tcard_close};

struct tui {
	char out[1 << 16];
	size_t len;
	const char *pw[8];
	int npw, asked, confirm_answer, confirms, closes;
};

static void tui_print(void *ctx, enum ui_kind kind, const char *text)
{
	struct tui *u = ctx;
	int n = snprintf(u->out + u->len, sizeof(u->out) - u->len, "[%d] %s\n", (int)kind, text);
	if (n > 0 && (size_t)n < sizeof(u->out) - u->len)
		u->len += (size_t)n;
}

static int tui_password(void *ctx, const char *prompt, char *buf, size_t cap)
{
	struct tui *u = ctx;
	if (u->asked >= u->npw)
		return -1;
	snprintf(buf, cap, "%s", u->pw[u->asked++]);
	return 0;
}

static int tui_confirm(void *ctx, const char *q)
{
	struct tui *u = ctx;
	u->confirms++;
	return u->confirm_answer;
}

static void tui_close(void *ctx, const char *label)
{
	struct tui *u = ctx;
	u->closes++;
}

struct tnet {
	long get_status, post_status;
	const char *get_type;
	char *get_body;
	const char *post_body;
	int get_fail, post_fail, gets, posts;
	char url[SIGNER_URL_MAX];
	char posted_type[64];
	uint8_t *posted;
	size_t posted_len;
};

static int tnet_reply(long status, const char *type, const char *body, struct signer_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	snprintf(r->content_type, sizeof(r->content_type), "%s", type ? type : "");
	if (body) {
		r->len = strlen(body);
		r->body = (uint8_t *)strdup(body);
	}
	return 0;
}

static int tnet_get(void *ctx, const char *url, struct signer_reply *r, char *err, size_t errcap)
{
	struct tnet *n = ctx;
	n->gets++;
	snprintf(n->url, sizeof(n->url), "%s", url);
	if (n->get_fail) {
		snprintf(err, errcap, "Couldn't connect to server");
		return -1;
	}
	return tnet_reply(n->get_status, n->get_type, n->get_body, r);
}

static int tnet_post(void *ctx, const char *url, const char *type, const uint8_t *body, size_t len,
                     struct signer_reply *r, char *err, size_t errcap)
{
	struct tnet *n = ctx;
	n->posts++;
	snprintf(n->posted_type, sizeof(n->posted_type), "%s", type);
	free(n->posted);
	n->posted = malloc(len);
	memcpy(n->posted, body, len);
	n->posted_len = len;
	if (n->post_fail) {
		snprintf(err, errcap, "Operation timed out");
		return -1;
	}
	return tnet_reply(n->post_status, "application/json", n->post_body, r);
}

static const struct signer_net_ops TNET_OPS = {tnet_get, tnet_post};

struct fx {
	struct tcard card;
	struct tui ui;
	struct tnet net;
	struct signer_cfg cfg;
	struct signer_link link;
	struct signer_allow allow;
	struct signer_source src;
	char *file_body;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	json_t *j;

	if (!f)
		return -1;
	g_st->sign_pin.tries_left = JPKI_SIGN_PIN_MAX_TRIES;
	f->card.c = card_new(g_st, NULL, NULL);
	if (!f->card.c)
		return -1;
	f->card.open_status = SIGNER_OK;
	f->card.fail_after = -1;
	f->ui.confirm_answer = 1;
	f->cfg.lang = LANG_JA;
	f->cfg.ui = (struct signer_ui){&f->ui, 0, tui_print, tui_password, tui_confirm, tui_close};
	f->cfg.card = &TCARD_OPS;
	f->cfg.card_ctx = &f->card;
	f->cfg.net = &TNET_OPS;
	f->cfg.net_ctx = &f->net;
	f->cfg.card_timeout_ms = 5000;
	j = request_json(CONTENT, time(NULL) + 600);
	f->file_body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	f->net.get_status = 200;
	f->net.get_type = "application/json; charset=utf-8";
	f->net.get_body = f->file_body;
	f->net.post_status = 200;
	f->net.post_body = "{\"status\":\"signed\"}";
	if (signer_link_parse("madoguchi-sign://portal.example.jp/sign/" ID, &f->link) != LINK_OK)
		return -1;
	/* by default: the request file (offline) */
	f->src.file_name = "req.json";
	f->src.file_body = (const uint8_t *)f->file_body;
	f->src.file_len = strlen(f->file_body);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	card_free(f->card.c);
	free(f->file_body);
	free(f->net.posted);
	free(f);
	g_st->sign_pin.tries_left = JPKI_SIGN_PIN_MAX_TRIES;
	return 0;
}

static void use_link(struct fx *f)
{
	f->src.link = &f->link;
	f->src.allow = &f->allow;
	f->src.file_body = NULL;
	f->src.file_len = 0;
}

static void passwords(struct fx *f, int interactive, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n && i < 8; i++)
		f->ui.pw[i] = va_arg(ap, const char *);
	va_end(ap);
	f->ui.npw = n;
	f->cfg.ui.interactive = interactive;
}

static int shown(struct fx *f, const char *s)
{
	return strstr(f->ui.out, s) != NULL;
}

static void test_flow_sign_ok(void **state)
{
	struct fx *f = *state;
	uint8_t *cms = NULL;
	size_t len = 0;
	struct signreq req;

	passwords(f, 0, 1, "abc123");
	assert_int_equal(signreq_parse(f->src.file_body, f->src.file_len, NULL, &req, NULL, 0),
	                 SIGNREQ_OK);
	assert_int_equal(signer_sign(&f->cfg, &req, &cms, &len), SIGNER_OK);
	assert_true(cms_verifies(cms, len, CONTENT, strlen(CONTENT)));
	assert_int_equal(f->card.signs, 1);
	assert_int_equal(f->card.verifies, 1);
	assert_int_equal(f->card.closes, 1);
	assert_int_equal(g_st->sign_pin.tries_left, 5);
	assert_true(shown(f, "電子署名を開始します"));
	assert_true(shown(f, "マイナンバーカードをかざしてください"));
	free(cms);
	signreq_release(&req);
}

static void test_flow_run_file(void **state)
{
	struct fx *f = *state;
	char path[128], cpath[128];
	FILE *in;
	uint8_t buf[8192];
	size_t n;

	snprintf(path, sizeof(path), "%s/out.p7s", g_dir);
	snprintf(cpath, sizeof(cpath), "%s/content.bin", g_dir);
	f->cfg.out_path = path;
	f->cfg.content_out_path = cpath;
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_int_equal(f->net.gets + f->net.posts, 0); /* offline */
	in = fopen(path, "rb");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(cms_verifies(buf, n, CONTENT, strlen(CONTENT)));
	in = fopen(cpath, "rb");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_int_equal(n, strlen(CONTENT));
	assert_memory_equal(buf, CONTENT, n);
	assert_true(shown(f, "署名依頼のファイル: req.json"));
	assert_true(shown(f, "氏名: 山田 太郎"));
	assert_true(shown(f, "電子署名が完了しました。"));
	assert_true(shown(f, "申請内容に署名"));
	assert_int_equal(f->ui.closes, 0); /* not interactive */
	unlink(path);
	unlink(cpath);
}

static void test_flow_malformed_password(void **state)
{
	struct fx *f = *state;

	passwords(f, 0, 1, "abc");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EPWFORMAT);
	assert_int_equal(f->card.opens, 0); /* the card was never touched */
	assert_int_equal(f->card.apdus, 0);
	assert_true(shown(f, "パスワードは6文字以上16文字以下です。"));

	/* interactive: asked again, then signed */
	f->ui.len = 0;
	f->ui.out[0] = '\0';
	f->ui.asked = 0;
	passwords(f, 1, 3, "ABC-12", "ABC12", "abc123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_int_equal(f->ui.asked, 3);
	assert_int_equal(f->card.verifies, 1);
	assert_true(shown(f, "英字（A～Z）と数字（0～9）だけ"));
	assert_int_equal(f->ui.closes, 1); /* 「閉じる」 */

	/* interactive, no more input: cancelled */
	f->ui.asked = 0;
	passwords(f, 1, 0);
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ECANCEL);
}

static void test_flow_wrong_password(void **state)
{
	struct fx *f = *state;

	passwords(f, 0, 1, "WRONG1");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EWRONGPW);
	assert_true(shown(f, "パスワードが間違っています。残り4回です。"));
	assert_int_equal(g_st->sign_pin.tries_left, 4);
	assert_int_equal(f->card.signs, 0);

	/* interactive: the wrong one, then the right one: the counter is full again */
	f->ui.asked = 0;
	passwords(f, 1, 2, "WRONG2", "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_true(shown(f, "残り3回です。"));
	assert_int_equal(g_st->sign_pin.tries_left, 5);
	assert_int_equal(f->card.signs, 1);
}

static void test_flow_few_tries_and_lock(void **state)
{
	struct fx *f = *state;
	int v;

	/* two left: warned; the person stops: nothing sent */
	g_st->sign_pin.tries_left = 2;
	passwords(f, 1, 1, "ABC123");
	f->ui.confirm_answer = 0;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ECANCEL);
	assert_true(shown(f, "パスワードの残り回数はあと2回です"));
	assert_int_equal(f->ui.confirms, 1);
	assert_int_equal(f->card.verifies, 0);
	assert_int_equal(g_st->sign_pin.tries_left, 2);

	/* automation: warned, goes on; the last try locks */
	g_st->sign_pin.tries_left = 1;
	f->ui.asked = 0;
	passwords(f, 0, 1, "WRONG9");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ELOCKED);
	assert_true(shown(f, "パスワードを5回間違えたため、ロックがかかりました。"));
	assert_int_equal(g_st->sign_pin.tries_left, 0);

	/* locked: the right password is never sent */
	v = f->card.verifies;
	f->ui.asked = 0;
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ELOCKED);
	assert_int_equal(f->card.verifies, v);
	assert_true(shown(f, "ロックがかかっています"));
}

static void test_flow_certificate_time(void **state)
{
	struct fx *f = *state;
	struct signreq req;
	uint8_t *cms = NULL;
	size_t len = 0;
	time_t nb, na;

	assert_int_equal(
	    cades_cert_validity(g_st->sign_cert.der, g_st->sign_cert.len, time(NULL), &nb, &na),
	    CERT_VALID);
	assert_int_equal(signreq_parse(f->src.file_body, f->src.file_len, NULL, &req, NULL, 0),
	                 SIGNREQ_OK);
	passwords(f, 0, 1, "ABC123");
	f->cfg.now = na + 86400; /* the day after the end of validity */
	assert_int_equal(signer_sign(&f->cfg, &req, &cms, &len), SIGNER_ECERTTIME);
	assert_null(cms);
	assert_int_equal(f->card.signs, 0);
	assert_true(shown(f, "署名用電子証明書の有効期限が切れています"));
	f->ui.asked = 0;
	f->cfg.now = nb - 86400;
	assert_int_equal(signer_sign(&f->cfg, &req, &cms, &len), SIGNER_ECERTTIME);
	assert_true(shown(f, "有効期間がまだ始まっていません"));
	assert_int_equal(f->card.signs, 0);
	signreq_release(&req);
}

static void test_flow_card_problems(void **state)
{
	struct fx *f = *state;

	/* no card in time */
	f->card.open_status = SIGNER_ENOCARD;
	f->card.open_why = MSG_E_NO_CARD;
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENOCARD);
	assert_true(shown(f, "マイナンバーカードを読み取れませんでした。"));
	/* interactive: offered again (three times at most) */
	f->ui.asked = 0;
	passwords(f, 1, 1, "ABC123");
	f->card.opens = 0;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENOCARD);
	assert_int_equal(f->card.opens, 3);
	/* no reader */
	f->card.open_status = SIGNER_ENOREADER;
	f->card.open_why = MSG_E_NO_READER;
	f->ui.asked = 0;
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENOREADER);
	assert_true(shown(f, "カードリーダーが見つかりません。"));
	/* pulled out after VERIFY (the 5th APDU), and before it */
	f->card.open_status = SIGNER_OK;
	for (int after = 2; after <= 8; after += 3) {
		f->card.fail_after = f->card.apdus + after;
		f->ui.asked = 0;
		passwords(f, 0, 1, "ABC123");
		assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EREMOVED);
		assert_true(shown(f, "読み取りの途中でカードが離れました。"));
	}
	assert_int_equal(f->card.signs, 0);
	/* interactive: pulled out after VERIFY, held again when asked: signed */
	f->card.fail_after = f->card.apdus + 6;
	f->card.heal = 1;
	f->card.broke = 0;
	f->card.opens = 0;
	f->ui.asked = 0;
	f->ui.confirms = 0;
	passwords(f, 1, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_int_equal(f->card.opens, 2);
	assert_int_equal(f->ui.confirms, 1);
	assert_int_equal(f->ui.asked, 1); /* the password is not asked again */
	assert_int_equal(f->card.signs, 1);
}

static void test_flow_request_file_refused(void **state)
{
	struct fx *f = *state;
	json_t *j;
	char *body;

	/* a digest mismatch: refused before anything is asked */
	j = request_json(CONTENT, time(NULL) + 600);
	json_object_set_new(j, "content", json_string("{\"name\":\"別の人\"}"));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	f->src.file_body = (const uint8_t *)body;
	f->src.file_len = strlen(body);
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EREQUEST);
	assert_int_equal(f->ui.asked, 0);
	assert_int_equal(f->card.opens, 0);
	assert_true(shown(f, "ダイジェストと一致しません"));
	free(body);
	/* past its expiry (beyond five minutes of clock skew) */
	j = request_json(CONTENT, time(NULL) - 301);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	f->src.file_body = (const uint8_t *)body;
	f->src.file_len = strlen(body);
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EGONE);
	assert_int_equal(f->ui.asked, 0);
	free(body);
	/* a minute past it, by a clock that may be a little ahead: signed */
	j = request_json(CONTENT, time(NULL) - 60);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	f->src.file_body = (const uint8_t *)body;
	f->src.file_len = strlen(body);
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	f->ui.asked = 0;
	free(body);
	/* not JSON */
	f->src.file_body = (const uint8_t *)"<html>";
	f->src.file_len = 6;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EREQUEST);
}

static void test_flow_portal_ok(void **state)
{
	struct fx *f = *state;

	use_link(f);
	passwords(f, 0, 1, "ABC123");
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_string_equal(f->net.url, "https://portal.example.jp/api/sign/" ID);
	assert_int_equal(f->net.gets, 1);
	assert_int_equal(f->net.posts, 1);
	assert_string_equal(f->net.posted_type, "application/pkcs7-signature");
	assert_true(cms_verifies(f->net.posted, f->net.posted_len, CONTENT, strlen(CONTENT)));
	assert_true(shown(f, "署名を求めているサイト: https://portal.example.jp"));
	assert_true(shown(f, "サービス名（サイトの表示）: みどり市 オンライン手続"));
	assert_true(shown(f, "ブラウザに戻って"));

	/* --lang en */
	f->cfg.lang = LANG_EN;
	f->ui.asked = 0;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_OK);
	assert_true(shown(f, "Site asking for your signature: https://portal.example.jp"));
	assert_true(shown(f, "The electronic signature is complete."));
}

static void test_flow_portal_refusals(void **state)
{
	struct fx *f = *state;
	static const struct {
		long status;
		const char *body;
		enum signer_status want;
		const char *says;
	} cases[] = {
	    {422,
	     "{\"error\":\"refused\",\"reason\":\"revoked\",\"message\":"
	     "\"住所の変更により失効しています。\"}",
	     SIGNER_EREFUSED, "ポータルからのお知らせ: 住所の変更により失効しています。"},
	    {422, "{\"error\":\"refused\",\"reason\":\"digest_mismatch\",\"message\":\"x\"}",
	     SIGNER_EREFUSED, "いまの申請内容と一致しません"},
	    {410, "{\"error\":\"used\"}", SIGNER_EGONE, "すでに使われています"},
	    {410, "{\"error\":\"expired\"}", SIGNER_EGONE, "有効期限が切れています"},
	    {404, "{\"error\":\"not_found\"}", SIGNER_EGONE, "署名依頼が見つかりません"},
	    {500, "oops", SIGNER_ENETWORK, "HTTP 500"},
	};

	use_link(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->net.post_status = cases[i].status;
		f->net.post_body = cases[i].body;
		f->ui.asked = 0;
		passwords(f, 0, 1, "ABC123");
		assert_int_equal(signer_run(&f->cfg, &f->src), cases[i].want);
		if (!shown(f, cases[i].says))
			fail_msg("case %zu: \"%s\" not shown", i, cases[i].says);
	}
	f->net.post_fail = 1;
	f->ui.asked = 0;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENETWORK);
	assert_true(shown(f, "Operation timed out"));
}

static void test_flow_fetch_problems(void **state)
{
	struct fx *f = *state;
	int posts;
	char *other;
	json_t *j;

	use_link(f);
	passwords(f, 0, 1, "ABC123");
	/* the allow-list: refused before anything is fetched or shown */
	assert_int_equal(signer_allow_add(&f->allow, "other.example.jp"), 0);
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ELINK);
	assert_int_equal(f->net.gets, 0);
	assert_false(shown(f, "電子署名の依頼"));
	assert_true(shown(f, "https://portal.example.jp"));
	assert_int_equal(signer_allow_add(&f->allow, "portal.example.jp"), 0);

	f->net.get_fail = 1;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENETWORK);
	assert_true(shown(f, "Couldn't connect to server"));
	f->net.get_fail = 0;
	f->net.get_status = 404;
	f->net.get_body = "{\"error\":\"not_found\"}";
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EGONE);
	f->net.get_status = 410;
	f->net.get_body = "{\"error\":\"used\"}";
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EGONE);
	assert_true(shown(f, "すでに使われています"));
	f->net.get_status = 503;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_ENETWORK);
	/* 200 but not JSON */
	f->net.get_status = 200;
	f->net.get_body = f->file_body;
	f->net.get_type = "text/html";
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EREQUEST);
	f->net.get_type = "application/json";
	/* another request than the link's */
	j = request_json(CONTENT, time(NULL) + 600);
	json_object_set_new(j, "id", json_string(ID2));
	other = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	f->net.get_body = other;
	posts = f->net.posts;
	assert_int_equal(signer_run(&f->cfg, &f->src), SIGNER_EREQUEST);
	assert_int_equal(f->net.posts, posts);
	assert_int_equal(f->ui.asked, 0);
	free(other);
}

static void test_write_file_and_time(void **state)
{
	char path[128], out[160];

	snprintf(path, sizeof(path), "%s/w.bin", g_dir);
	assert_int_equal(signer_write_file(path, "abc", 3), 0);
	assert_int_equal(signer_write_file(path, "de", 2), 0); /* replaced */
	{
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_size, 2);
	}
	unlink(path);
	assert_int_equal(signer_write_file("/nonexistent-dir/x", "a", 1), -1);
	signer_format_time(LANG_JA, 1775001600, out, sizeof(out)); /* 2026-04-01 00:00 UTC */
	assert_string_equal(out, "2026年(令和8年)4月1日 09:00（日本時間）");
	signer_format_time(LANG_EN, 1775001600, out, sizeof(out));
	assert_string_equal(out, "2026-04-01 09:00 JST");
}

/* The command line as the terminal program and a later front end read it. */
static int parse_argv(struct signer_options *o, const char *first, ...)
{
	char *argv[16] = {"madoguchi-sign"};
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return signer_options_parse(argc, argv, o);
}

static void test_options(void **state)
{
	static struct signer_options o;

	assert_int_equal(parse_argv(&o, "--lang", "en", "--reader", "Virtual", "--card-timeout",
	                            "5", "--allow", "portal.example.jp:8443",
	                            "madoguchi-sign://portal.example.jp/sign/x", NULL),
	                 0);
	assert_int_equal(o.lang, LANG_EN);
	assert_string_equal(o.reader, "Virtual");
	assert_int_equal(o.card_timeout, 5);
	assert_int_equal(o.pw_fd, -1);
	assert_int_equal(o.allow.n, 1);
	assert_int_equal(o.allow.e[0].port, 8443);
	assert_string_equal(o.link, "madoguchi-sign://portal.example.jp/sign/x");
	assert_null(o.request_file);

	assert_int_equal(parse_argv(&o, "--request-file", "r.json", "--out", "s.p7s", NULL), 0);
	assert_int_equal(o.lang, LANG_JA);
	assert_int_equal(o.card_timeout, 60); /* the default */
	assert_string_equal(o.request_file, "r.json");
	assert_string_equal(o.out, "s.p7s");
	assert_null(o.link);

	assert_int_equal(parse_argv(&o, "--help", "extra", NULL), 0);
	assert_true(o.help);
	/* each refusal is the usage exit code */
	assert_int_equal(parse_argv(&o, "--card-timeout", "0", "x", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "--lang", "fr", "x", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "--bogus", "x", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "a", "b", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "--request-file", "r.json", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "--request-file", "r.json", "x", NULL), SIGNER_EUSAGE);
	assert_int_equal(parse_argv(&o, "--password-fd", "999", "x", NULL), SIGNER_EUSAGE);
}

/* ---- fixtures ------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int group_setup(void **state)
{
	struct pki_issue_req req;
	char pki[128];

	snprintf(g_dir, sizeof(g_dir), "/tmp/test_signer.XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(pki, sizeof(pki), "%s/pki", g_dir);
	if (pki_init(pki, time(NULL)) != PKI_OK)
		return -1;
	memset(&req, 0, sizeof(req));
	snprintf(req.person.name, sizeof(req.person.name), "山田 太郎");
	snprintf(req.person.address, sizeof(req.person.address), "東京都千代田区千代田1-1");
	snprintf(req.person.gender, sizeof(req.person.gender), "1");
	snprintf(req.person.birth, sizeof(req.person.birth), "419900102");
	req.password = "ABC123";
	req.pin = "1234";
	return pki_issue(pki, &req, time(NULL), &g_st) == PKI_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	card_state_free(g_st);
	if (g_dir[0])
		nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password_normalise),
	    cmocka_unit_test(test_link_accepted),
	    cmocka_unit_test(test_link_refused),
	    cmocka_unit_test(test_host_is_local),
	    cmocka_unit_test(test_allow_list),
	    cmocka_unit_test(test_request_ok),
	    cmocka_unit_test(test_request_bad_fields),
	    cmocka_unit_test(test_request_digest_and_shape),
	    cmocka_unit_test(test_text_printable),
	    cmocka_unit_test(test_portal_answers),
	    cmocka_unit_test(test_catalogue),
	    cmocka_unit_test(test_cades),
	    cmocka_unit_test_setup_teardown(test_flow_sign_ok, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_run_file, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_malformed_password, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_wrong_password, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_few_tries_and_lock, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_certificate_time, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_card_problems, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_request_file_refused, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_portal_ok, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_portal_refusals, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flow_fetch_problems, fx_setup, fx_teardown),
	    cmocka_unit_test(test_write_file_and_time),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
