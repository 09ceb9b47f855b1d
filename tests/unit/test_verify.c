/* test_verify: unit tests of the signature verification (src/sig/verify.c, src/sig/ocsp.c)
 * against the project's real test PKI: the group setup runs the `madoguchi-card` binary
 * ($TEST_BUILD/madoguchi-card, default build/) to make two PKIs (ours and a "foreign" one whose
 * roots share our roots' names, like two JPKI generations) and cards (valid, expired, not yet
 * valid, revoked, ...), then signs with the card keys taken from the state files: CMS_sign in
 * the test, and `openssl cms -sign -cades` for a second producer. OCSP runs against
 * `openssl ocsp` as docs/card.md documents (on a free port; the client only talks to 127.0.0.1)
 * and against a fake HTTP responder thread for broken answers. Timings are printed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sig/verify.h"
#include "sig/verify_impl.h" /* sig_signed_attrs_der, vr_cert_sha256: pinned below */
#include "util/token.h"
#include "signer/cades.h"

#define NAME "山田 太郎"
#define ADDRESS "東京都千代田区千代田1-1"
#define WAIT_MS 60000 /* the longest a helper process may take */
#define SHORT 256     /* paths under the temporary directory */

static const char CONTENT[] =
    "{\"answers\":{\"address\":\"東京都千代田区千代田1-1\",\"name\":\"山田 "
    "太郎\"},\"procedure\":\"sodaigomi-collection\",\"version\":\"1\"}";

struct card {
	char state[SHORT];
	X509 *cert;
	EVP_PKEY *key;
	X509 *auth_cert;
	EVP_PKEY *auth_key;
};

static char g_dir[64];
static char g_bin[PATH_MAX];
static char g_pki[SHORT];       /* our test PKI */
static char g_foreign[SHORT];   /* another PKI: same CA names, other keys */
static char g_trust[SHORT];     /* anchors: our signing root (PEM) */
static char g_trust_gen[SHORT]; /* anchors: our root (DER) and the foreign root (PEM) */
static char g_crl[PATH_MAX];    /* our signing CA's CRL (PEM) */
static struct card g_good, g_expired, g_notyet, g_revoked, g_late, g_other;
static pid_t g_ocsp_pid;
static pid_t g_extra_pid; /* a responder started by one test; stopped at teardown too */
static int g_ocsp_port;
static char g_ocsp_url[64];

/* ---- processes ------------------------------------------------------------------------ */

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits for pid at most ms milliseconds (then kills it); its exit status or -1. */
static int wait_for(pid_t pid, int ms)
{
	int st, waited = 0;

	if (pid <= 0)
		return -1;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (waited >= ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(5000);
		waited += 5;
	}
}

static int run(char *const argv[])
{
	char log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/commands.log", g_dir);
	return wait_for(spawn(argv, log), WAIT_MS);
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		if (wait_for(pid, 3000) == -1)
			kill(pid, SIGKILL);
	}
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Whether the file holds the text (bounded read). */
static int file_has(const char *path, const char *text)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* `openssl ocsp` for our signing CA, signed by rsigner/rkey; its pid, port in *port. */
static pid_t start_responder(const char *rsigner, const char *rkey, int *port)
{
	char index[PATH_MAX], ca[PATH_MAX], portstr[16], log[PATH_MAX];
	pid_t pid;
	int i;

	*port = free_port();
	if (*port <= 0)
		return -1;
	snprintf(index, sizeof(index), "%s/sign/index.txt", g_pki);
	snprintf(ca, sizeof(ca), "%s/sign/ca.pem", g_pki);
	snprintf(portstr, sizeof(portstr), "%d", *port);
	snprintf(log, sizeof(log), "%s/ocsp-%d.log", g_dir, *port);
	char *argv[] = {"openssl", "ocsp",     "-index",        index,   "-CA",
	                ca,        "-rsigner", (char *)rsigner, "-rkey", (char *)rkey,
	                "-port",   portstr,    "-ndays",        "1",     NULL};
	pid = spawn(argv, log);
	/* ready when it says so: a probe that connects and closes without a request leaves
	 * `openssl ocsp` 3.0 waiting on that connection for good */
	for (i = 0; i < 500; i++) { /* at most 5 s */
		if (file_has(log, "waiting for OCSP client connections"))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	stop(pid);
	return -1;
}

/* ---- files, cards, certificates ------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static X509 *load_cert_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static EVP_PKEY *load_key_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return k;
}

static int pem_from_json(json_t *root, const char *part, const char *what, X509 **cert,
                         EVP_PKEY **key)
{
	const char *s = json_string_value(json_object_get(json_object_get(root, part), what));
	BIO *b;

	if (!s)
		return -1;
	b = BIO_new_mem_buf(s, -1);
	if (!b)
		return -1;
	if (cert)
		*cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	else
		*key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	return (cert ? *cert != NULL : *key != NULL) ? 0 : -1;
}

/* The card's keys and certificates, from its state file (docs/card.md: the state file). */
static int card_load(struct card *c)
{
	json_error_t e;
	json_t *root = json_load_file(c->state, 0, &e);
	int ret = -1;

	if (!root) {
		fprintf(stderr, "%s: %s\n", c->state, e.text);
		return -1;
	}
	if (pem_from_json(root, "sign", "cert", &c->cert, NULL) == 0 &&
	    pem_from_json(root, "sign", "key", NULL, &c->key) == 0 &&
	    pem_from_json(root, "auth", "cert", &c->auth_cert, NULL) == 0 &&
	    pem_from_json(root, "auth", "key", NULL, &c->auth_key) == 0)
		ret = 0;
	json_decref(root);
	return ret;
}

static void card_free(struct card *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	X509_free(c->auth_cert);
	EVP_PKEY_free(c->auth_key);
	memset(c, 0, sizeof(*c));
}

static pid_t issue(const char *pki, struct card *c, const char *name, const char *validity)
{
	char log[PATH_MAX];

	snprintf(c->state, sizeof(c->state), "%s/%s.json", g_dir, name);
	snprintf(log, sizeof(log), "%s/commands.log", g_dir);
	char *argv[] = {g_bin,      "issue",  "--pki",     (char *)pki,      "--out",
	                c->state,   "--name", NAME,        "--birth",        "1990-01-02",
	                "--gender", "1",      "--address", ADDRESS,          "--password",
	                "ABC123",   "--pin",  "1234",      (char *)validity, NULL};
	return spawn(argv, log);
}

static int copy_cert(const char *from_pem, const char *to, int der)
{
	X509 *x = load_cert_pem(from_pem);
	FILE *f;
	int ok;

	if (!x)
		return -1;
	f = fopen(to, "wb");
	if (!f) {
		X509_free(x);
		return -1;
	}
	ok = der ? i2d_X509_fp(f, x) : PEM_write_X509(f, x);
	X509_free(x);
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int group_setup(void **state)
{
	const char *build = getenv("TEST_BUILD");
	char path[PATH_MAX];
	pid_t p1, p2, pids[6];
	int i;

	if (!build || !*build)
		build = "build";
	snprintf(g_bin, sizeof(g_bin), "%s/madoguchi-card", build);
	if (access(g_bin, X_OK) != 0) {
		fprintf(stderr,
		        "test_verify: %s not found (run from the repository root after `make "
		        "%s/madoguchi-card`, or set TEST_BUILD)\n",
		        g_bin, build);
		return -1;
	}
	snprintf(g_dir, sizeof(g_dir), "/tmp/test_verify.XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_pki, sizeof(g_pki), "%s/pki", g_dir);
	snprintf(g_foreign, sizeof(g_foreign), "%s/foreign", g_dir);
	{
		char *a1[] = {g_bin, "pki", "init", g_pki, NULL};
		char *a2[] = {g_bin, "pki", "init", g_foreign, NULL};
		snprintf(path, sizeof(path), "%s/commands.log", g_dir);
		p1 = spawn(a1, path);
		p2 = spawn(a2, path);
		if (wait_for(p1, WAIT_MS) != 0 || wait_for(p2, WAIT_MS) != 0) {
			fprintf(stderr, "test_verify: pki init failed, see %s\n", path);
			return -1;
		}
	}
	/* the PKI serialises issues with its lock; the foreign one runs alongside */
	pids[0] = issue(g_pki, &g_good, "good", "--force");
	pids[1] = issue(g_pki, &g_expired, "expired", "--expired");
	pids[2] = issue(g_pki, &g_notyet, "notyet", "--not-yet-valid");
	pids[3] = issue(g_pki, &g_revoked, "revoked", "--force");
	pids[4] = issue(g_pki, &g_late, "late", "--force");
	pids[5] = issue(g_foreign, &g_other, "other", "--force");
	for (i = 0; i < 6; i++)
		if (wait_for(pids[i], WAIT_MS) != 0) {
			fprintf(stderr, "test_verify: issue %d failed, see %s/commands.log\n", i,
			        g_dir);
			return -1;
		}
	{
		char *argv[] = {g_bin,     "revoke",        "--pki",    g_pki,
		                "--state", g_revoked.state, "--reason", "affiliationChanged",
		                NULL};
		if (run(argv) != 0)
			return -1;
	}
	if (card_load(&g_good) || card_load(&g_expired) || card_load(&g_notyet) ||
	    card_load(&g_revoked) || card_load(&g_late) || card_load(&g_other))
		return -1;

	snprintf(g_crl, sizeof(g_crl), "%s/sign/crl.pem", g_pki);
	snprintf(g_trust, sizeof(g_trust), "%s/trust", g_dir);
	snprintf(g_trust_gen, sizeof(g_trust_gen), "%s/trust-gen", g_dir);
	if (mkdir(g_trust, 0700) || mkdir(g_trust_gen, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/jpki-test-sign.pem", g_trust);
	char ca[PATH_MAX], fca[PATH_MAX];
	snprintf(ca, sizeof(ca), "%s/sign/ca.pem", g_pki);
	snprintf(fca, sizeof(fca), "%s/sign/ca.pem", g_foreign);
	if (copy_cert(ca, path, 0))
		return -1;
	snprintf(path, sizeof(path), "%s/gen1.der", g_trust_gen);
	if (copy_cert(ca, path, 1))
		return -1;
	snprintf(path, sizeof(path), "%s/gen2.pem", g_trust_gen);
	if (copy_cert(fca, path, 0))
		return -1;

	/* the OCSP responder of our signing CA, with its delegated responder certificate */
	{
		char rs[PATH_MAX], rk[PATH_MAX];
		snprintf(rs, sizeof(rs), "%s/sign/ocsp.pem", g_pki);
		snprintf(rk, sizeof(rk), "%s/sign/ocsp.key", g_pki);
		g_ocsp_pid = start_responder(rs, rk, &g_ocsp_port);
		if (g_ocsp_pid <= 0) {
			fprintf(stderr, "test_verify: openssl ocsp did not start\n");
			return -1;
		}
		snprintf(g_ocsp_url, sizeof(g_ocsp_url), "http://127.0.0.1:%d", g_ocsp_port);
	}
	return 0;
}

static int group_teardown(void **state)
{
	stop(g_ocsp_pid);
	stop(g_extra_pid);
	card_free(&g_good);
	card_free(&g_expired);
	card_free(&g_notyet);
	card_free(&g_revoked);
	card_free(&g_late);
	card_free(&g_other);
	if (g_dir[0])
		nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- signatures ------------------------------------------------------------------------ */

struct signopt {
	int attached;
	int noattr;
	int cades;
	int sha1;
	int ess_other; /* a signingCertificateV2 naming another certificate */
	int ect_other; /* eContentType other than id-data */
	X509 *cert2;   /* a second signer */
	EVP_PKEY *key2;
	int nocerts; /* leave the certificates out */
};

static uint8_t *make_sig(X509 *cert, EVP_PKEY *key, const void *data, size_t n,
                         const struct signopt *o, size_t *outlen)
{
	static const struct signopt none;
	unsigned flags = CMS_BINARY | CMS_PARTIAL;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	BIO *in = NULL;
	unsigned char *der = NULL;
	int len = -1;

	if (!o)
		o = &none;
	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms)
		return NULL;
	CMS_set_detached(cms, o->attached ? 0 : 1);
	si = CMS_add1_signer(cms, cert, key, o->sha1 ? EVP_sha1() : EVP_sha256(),
	                     CMS_BINARY | (o->noattr ? CMS_NOATTR : 0) |
	                         (o->cades ? CMS_CADES : 0) | (o->nocerts ? CMS_NOCERTS : 0));
	if (!si)
		goto out;
	if (o->cert2 && !CMS_add1_signer(cms, o->cert2, o->key2, EVP_sha256(), CMS_BINARY))
		goto out;
	if (o->ess_other) {
		ESS_SIGNING_CERT_V2 *sc =
		    OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), g_other.cert, NULL, 0);
		unsigned char *p = NULL;
		int l = sc ? i2d_ESS_SIGNING_CERT_V2(sc, &p) : -1;
		int idx = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
		if (idx >= 0)
			X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, idx));
		if (l <= 0 || !CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2,
		                                           V_ASN1_SEQUENCE, p, l)) {
			ESS_SIGNING_CERT_V2_free(sc);
			OPENSSL_free(p);
			goto out;
		}
		ESS_SIGNING_CERT_V2_free(sc);
		OPENSSL_free(p);
	}
	if (o->ect_other && !CMS_set1_eContentType(cms, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)))
		goto out;
	in = BIO_new_mem_buf(data, (int)n);
	if (!in || !CMS_final(cms, in, NULL, flags))
		goto out;
	len = i2d_CMS_ContentInfo(cms, &der);
out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	if (len <= 0) {
		OPENSSL_free(der);
		return NULL;
	}
	*outlen = (size_t)len;
	return der;
}

static uint8_t *sign_good(size_t *len)
{
	return make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), NULL, len);
}

/* ---- verification helpers ------------------------------------------------------------- */

static verify_trust *trust(const char *anchors, const char *ocsp, const char *crl, int soft)
{
	struct verify_config cfg;
	verify_trust *t = NULL;
	char err[256];
	enum verify_err e;

	verify_config_init(&cfg);
	cfg.anchors_dir = anchors;
	cfg.ocsp_url = ocsp;
	cfg.crl_file = crl;
	cfg.revocation_soft_fail = soft;
	cfg.ocsp_timeout_ms = 3000;
	cfg.ocsp_connect_timeout_ms = 1000;
	e = verify_trust_new(&cfg, &t, err, sizeof(err));
	if (e != VERIFY_OK)
		fprintf(stderr, "verify_trust_new: %s: %s\n", verify_strerror(e), err);
	assert_int_equal(e, VERIFY_OK);
	return t;
}

static verify_report *check(verify_trust *t, const uint8_t *der, size_t len, const void *content,
                            size_t clen, time_t now, enum verify_result want)
{
	verify_report *r = NULL;

	assert_int_equal(verify_signature(t, der, len, content, clen, now, &r), VERIFY_OK);
	assert_non_null(r);
	if (verify_report_result(r) != want) {
		char *s = verify_report_json_dump(r);
		fprintf(stderr, "want %s, got %s: %s\n%s\n", verify_result_name(want),
		        verify_result_name(verify_report_result(r)), verify_report_reason(r), s);
		free(s);
	}
	assert_int_equal(verify_report_result(r), want);
	assert_non_null(verify_report_message(r));
	assert_true(strlen(verify_report_message(r)) > 10);
	return r;
}

static void expect(verify_trust *t, const uint8_t *der, size_t len, enum verify_result want)
{
	verify_report_free(check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), want));
}

/* The value at a dotted path of the report ("revocation.method"). */
static json_t *jat(verify_report *r, const char *path)
{
	json_t *v = verify_report_json(r);
	char buf[128], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	return v;
}

static const char *jstr_at(verify_report *r, const char *path)
{
	const char *s = json_string_value(jat(r, path));
	return s ? s : "(none)";
}

/* The outcome of one check in the report's "checks" list. */
static const char *outcome(verify_report *r, const char *name)
{
	json_t *checks = jat(r, "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "check")), name) == 0)
			return json_string_value(json_object_get(c, "outcome"));
	}
	return "(absent)";
}

static void serial_hex(X509 *x, char *out, size_t n)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = BN_bn2hex(bn);

	snprintf(out, n, "%s", h);
	OPENSSL_free(h);
	BN_free(bn);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- tests: the good case --------------------------------------------------------------- */

static void test_good_no_revocation(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len, i;
	uint8_t *der = sign_good(&len);
	verify_report *r;
	const struct verify_basic4 *b;
	char serial[80], *dump;
	json_t *checks, *c, *parsed;
	static const char *const order[] = {
	    "format",    "signature", "content_digest", "signing_certificate_attribute",
	    "key_usage", "chain",     "validity",       "revocation"};

	assert_non_null(der);
	assert_int_equal(verify_trust_anchor_count(t), 1);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	b = verify_report_basic4(r);
	assert_non_null(b);
	assert_string_equal(b->name, NAME);
	assert_string_equal(b->gender, "1");
	assert_string_equal(b->birth, "419900102");
	assert_string_equal(b->address, ADDRESS);
	assert_string_equal(b->name_alt, "");
	assert_true(b->complete);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_NONE);
	assert_string_equal(verify_report_message(r), "電子署名を確認しました。");

	/* the JSON record */
	assert_string_equal(jstr_at(r, "result"), "ok");
	assert_string_equal(jstr_at(r, "format"), "madoguchi-signature-verification");
	assert_string_equal(jstr_at(r, "revocation.method"), "none");
	assert_string_equal(jstr_at(r, "revocation.status"), "not_checked");
	assert_string_equal(jstr_at(r, "revocation.detail"), "not checked (no source configured)");
	assert_string_equal(jstr_at(r, "basic_four.name"), NAME);
	assert_string_equal(jstr_at(r, "basic_four.birth_date"), "1990-01-02");
	assert_string_equal(jstr_at(r, "basic_four.address"), ADDRESS);
	assert_true(json_is_true(jat(r, "basic_four.complete")));
	serial_hex(g_good.cert, serial, sizeof(serial));
	assert_string_equal(jstr_at(r, "certificate.serial"), serial);
	assert_non_null(strstr(jstr_at(r, "certificate.issuer"), "O=JPKI-TEST"));
	assert_non_null(strstr(jstr_at(r, "certificate.issuer"), "OU=JPKI for digital signature"));
	assert_non_null(strstr(jstr_at(r, "certificate.subject"), "C=JP"));
	assert_null(strstr(jstr_at(r, "certificate.subject"), NAME)); /* never the name */
	assert_int_equal(strlen(jstr_at(r, "certificate.not_before")), 20);
	assert_int_equal(strlen(jstr_at(r, "certificate.not_after")), 20);
	assert_string_equal(jstr_at(r, "certificate.public_key"), "rsaEncryption-2048");
	assert_int_equal(json_array_size(jat(r, "certificate.key_usage")), 2);
	assert_non_null(strstr(jstr_at(r, "certificate.anchor.subject"), "JPKI-TEST"));
	assert_int_equal(strlen(jstr_at(r, "verified_at")), 20);
	assert_int_equal(strlen(jstr_at(r, "content.sha256")), 64);
	assert_string_equal(jstr_at(r, "content.sha256"), verify_report_content_sha256(r));
	assert_int_equal(json_integer_value(jat(r, "content.length")), strlen(CONTENT));
	assert_string_equal(jstr_at(r, "signature.digest_algorithm"), "sha256");
	assert_int_equal(strlen(jstr_at(r, "signature.signing_time")), 20);
	assert_true(json_is_false(jat(r, "signature.cades")));
	assert_string_equal(jstr_at(r, "message"), "電子署名を確認しました。");
	checks = jat(r, "checks");
	assert_int_equal(json_array_size(checks), 8);
	json_array_foreach(checks, i, c) {
		const char *o = json_string_value(json_object_get(c, "outcome"));
		assert_string_equal(json_string_value(json_object_get(c, "check")), order[i]);
		if (i == 3)
			assert_string_equal(o, "absent");
		else if (i == 7)
			assert_string_equal(o, "not_checked");
		else
			assert_string_equal(o, "pass");
	}
	dump = verify_report_json_dump(r);
	assert_non_null(dump);
	parsed = json_loads(dump, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(parsed);
	assert_true(json_equal(parsed, verify_report_json(r)));
	json_decref(parsed);
	free(dump);
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_cades(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	struct signopt o = {.cades = 1};
	size_t len;
	uint8_t *der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	verify_report *r;

	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_string_equal(outcome(r, "signing_certificate_attribute"), "pass");
	assert_true(json_is_true(jat(r, "signature.cades")));
	verify_report_free(r);
	OPENSSL_free(der);

	/* a signingCertificateV2 naming someone else's certificate */
	o.ess_other = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_BAD_SIGNATURE);
	assert_string_equal(outcome(r, "signing_certificate_attribute"), "fail");
	assert_string_equal(outcome(r, "chain"), "skipped");
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

/* A signature made by `openssl cms -sign -cades` (another producer) verifies too. */
static void test_openssl_cli_signature(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	char cert[PATH_MAX], key[PATH_MAX], in[PATH_MAX], out[PATH_MAX];
	FILE *f;
	uint8_t buf[65536];
	size_t n;
	verify_report *r;

	snprintf(cert, sizeof(cert), "%s/cli-cert.pem", g_dir);
	snprintf(key, sizeof(key), "%s/cli-key.pem", g_dir);
	snprintf(in, sizeof(in), "%s/cli-content", g_dir);
	snprintf(out, sizeof(out), "%s/cli-sig.der", g_dir);
	f = fopen(cert, "w");
	assert_non_null(f);
	assert_true(PEM_write_X509(f, g_good.cert));
	fclose(f);
	f = fopen(key, "w");
	assert_non_null(f);
	assert_true(PEM_write_PrivateKey(f, g_good.key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	assert_int_equal(write_file(in, CONTENT, strlen(CONTENT)), 0);
	{
		char *argv[] = {"openssl", "cms",      "-sign", "-binary", "-cades", "-md",
		                "sha256",  "-outform", "DER",   "-signer", cert,     "-inkey",
		                key,       "-in",      in,      "-out",    out,      NULL};
		assert_int_equal(run(argv), 0);
	}
	f = fopen(out, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(buf));
	r = check(t, buf, n, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_string_equal(outcome(r, "signing_certificate_attribute"), "pass");
	verify_report_free(r);
	verify_trust_free(t);
}

/* The card's COMPUTE DIGITAL SIGNATURE: PKCS #1 v1.5 over the DigestInfo it is given. */
static int card_sign(void *ctx, const uint8_t *digestinfo, size_t len, uint8_t sig[CADES_SIG_BYTES])
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(ctx, NULL);
	size_t n = CADES_SIG_BYTES;
	int ok = pc && EVP_PKEY_sign_init(pc) == 1 &&
	         EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	         EVP_PKEY_sign(pc, sig, &n, digestinfo, len) == 1 && n == CADES_SIG_BYTES;

	EVP_PKEY_CTX_free(pc);
	return ok ? 0 : 1;
}

/* What the signing app (src/signer/cades.c) posts verifies at the portal: the contract between
 * the two halves of the hand-off. */
static void test_signing_app_signature(void **state)
{
	verify_trust *t = trust(g_trust, NULL, g_crl, 0);
	unsigned char *cert = NULL;
	int cert_len = i2d_X509(g_good.cert, &cert);
	uint8_t *der = NULL;
	size_t len = 0;
	int rc = 0;
	verify_report *r;

	assert_true(cert_len > 0);
	assert_int_equal(cades_sign_detached(cert, (size_t)cert_len, (const uint8_t *)CONTENT,
	                                     strlen(CONTENT), time(NULL), card_sign, g_good.key,
	                                     &rc, &der, &len),
	                 CADES_OK);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_true(json_is_true(jat(r, "signature.cades")));
	assert_string_equal(outcome(r, "signing_certificate_attribute"), "pass");
	assert_string_equal(jstr_at(r, "revocation.method"), "crl");
	assert_string_equal(verify_report_basic4(r)->name, NAME);
	verify_report_free(r);
	free(der);
	OPENSSL_free(cert);
	verify_trust_free(t);
}

/* ---- tests: refusals ---------------------------------------------------------------------- */

static void test_content_changed(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len, n = strlen(CONTENT);
	uint8_t *der = sign_good(&len);
	char *changed = strdup(CONTENT);
	verify_report *r;

	assert_non_null(der);
	changed[n - 3] ^= 1; /* one bit of one byte */
	r = check(t, der, len, changed, n, time(NULL), VERIFY_RESULT_DIGEST_MISMATCH);
	assert_string_equal(outcome(r, "signature"), "pass");
	assert_string_equal(outcome(r, "content_digest"), "fail");
	assert_string_equal(outcome(r, "revocation"), "skipped");
	assert_null(verify_report_basic4(r));
	assert_non_null(strstr(verify_report_message(r), "一致しません"));
	verify_report_free(r);
	/* one byte less, one byte more, nothing */
	verify_report_free(
	    check(t, der, len, CONTENT, n - 1, time(NULL), VERIFY_RESULT_DIGEST_MISMATCH));
	changed[n - 3] ^= 1;
	verify_report_free(check(t, der, len, "", 0, time(NULL), VERIFY_RESULT_DIGEST_MISMATCH));
	verify_report_free(check(t, der, len, NULL, 0, time(NULL), VERIFY_RESULT_DIGEST_MISMATCH));
	free(changed);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_bad_signature(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len;
	uint8_t *der = sign_good(&len);
	CMS_ContentInfo *cms;
	const unsigned char *p = der;
	unsigned char *out = NULL;
	ASN1_OCTET_STRING *sig;
	int n;

	assert_non_null(der);
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	assert_non_null(cms);
	sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
	sig->data[sig->length / 2] ^= 0x40;
	n = i2d_CMS_ContentInfo(cms, &out);
	assert_true(n > 0);
	expect(t, out, (size_t)n, VERIFY_RESULT_BAD_SIGNATURE);
	OPENSSL_free(out);
	CMS_ContentInfo_free(cms);

	/* signed by the foreign card's key but carrying our card's certificate */
	OPENSSL_free(der);
	der = make_sig(g_good.cert, g_other.key, CONTENT, strlen(CONTENT), NULL, &len);
	if (der) /* OpenSSL may refuse a key that does not match the certificate */
		expect(t, der, len, VERIFY_RESULT_BAD_SIGNATURE);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_foreign_ca(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len;
	uint8_t *der = make_sig(g_other.cert, g_other.key, CONTENT, strlen(CONTENT), NULL, &len);
	verify_report *r;

	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_UNTRUSTED);
	assert_string_equal(outcome(r, "chain"), "fail");
	assert_null(jat(r, "basic_four")); /* unverified claims are not recorded */
	assert_non_null(jat(r, "certificate.serial"));
	assert_non_null(strstr(verify_report_message(r), "使えません"));
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_expired(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len;
	uint8_t *der =
	    make_sig(g_expired.cert, g_expired.key, CONTENT, strlen(CONTENT), NULL, &len);
	verify_report *r;

	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_EXPIRED);
	assert_string_equal(
	    verify_report_message(r),
	    "署名用電子証明書の有効期限が切れています。本庁 住民窓口センターもしくは出"
	    "先機関の窓口で、電子証明書の更新をしてください。");
	assert_string_equal(jstr_at(r, "result"), "expired");
	assert_string_equal(outcome(r, "chain"), "pass");
	assert_string_equal(outcome(r, "validity"), "fail");
	assert_string_equal(jstr_at(r, "basic_four.name"), NAME); /* for staff */
	assert_null(verify_report_basic4(r));
	verify_report_free(r);
	OPENSSL_free(der);

	/* the good card, ten years on */
	der = sign_good(&len);
	verify_report_free(check(t, der, len, CONTENT, strlen(CONTENT),
	                         time(NULL) + 10L * 366 * 86400, VERIFY_RESULT_EXPIRED));
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_not_yet_valid(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len;
	uint8_t *der = make_sig(g_notyet.cert, g_notyet.key, CONTENT, strlen(CONTENT), NULL, &len);

	assert_non_null(der);
	expect(t, der, len, VERIFY_RESULT_NOT_YET_VALID);
	verify_report_free(
	    check(t, der, len, CONTENT, strlen(CONTENT), time(NULL) + 3 * 86400, VERIFY_RESULT_OK));
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_authentication_cert(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	size_t len;
	uint8_t *der =
	    make_sig(g_good.auth_cert, g_good.auth_key, CONTENT, strlen(CONTENT), NULL, &len);
	verify_report *r;

	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_NOT_SIGNING_CERT);
	assert_non_null(strstr(verify_report_reason(r), "nonRepudiation"));
	assert_non_null(strstr(verify_report_message(r), "署名用電子証明書"));
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_bad_format(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	uint8_t junk[600], *der, *big;
	size_t len, i;
	struct signopt o;
	verify_report *r;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	expect(t, junk, sizeof(junk), VERIFY_RESULT_BAD_FORMAT);
	expect(t, junk, 1, VERIFY_RESULT_BAD_FORMAT);
	expect(t, NULL, 0, VERIFY_RESULT_BAD_FORMAT);
	expect(t, (const uint8_t *)"\x30\x80", 2, VERIFY_RESULT_BAD_FORMAT);

	der = sign_good(&len);
	assert_non_null(der);
	expect(t, der, len - 1, VERIFY_RESULT_BAD_FORMAT); /* truncated */
	expect(t, der, len / 2, VERIFY_RESULT_BAD_FORMAT);
	big = malloc(VERIFY_CMS_MAX + 1);
	assert_non_null(big);
	memcpy(big, der, len);
	big[len] = 0; /* one byte of trailing garbage */
	expect(t, big, len + 1, VERIFY_RESULT_BAD_FORMAT);
	memset(big, 0x30, VERIFY_CMS_MAX + 1);
	r = check(t, big, VERIFY_CMS_MAX + 1, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_BAD_FORMAT);
	assert_non_null(strstr(verify_report_reason(r), "over"));
	assert_string_equal(outcome(r, "format"), "fail");
	assert_string_equal(outcome(r, "signature"), "skipped");
	assert_string_equal(jstr_at(r, "revocation.status"), "skipped");
	verify_report_free(r);
	free(big);
	OPENSSL_free(der);

	/* attached content */
	memset(&o, 0, sizeof(o));
	o.attached = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_BAD_FORMAT);
	assert_non_null(strstr(verify_report_reason(r), "attached"));
	verify_report_free(r);
	OPENSSL_free(der);

	/* two signers (both good) */
	memset(&o, 0, sizeof(o));
	o.cert2 = g_late.cert;
	o.key2 = g_late.key;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_BAD_FORMAT);
	assert_non_null(strstr(verify_report_reason(r), "2 signers"));
	verify_report_free(r);
	OPENSSL_free(der);

	/* no signed attributes (the signature covers the content directly) */
	memset(&o, 0, sizeof(o));
	o.noattr = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	expect(t, der, len, VERIFY_RESULT_BAD_FORMAT);
	OPENSSL_free(der);

	/* SHA-1 */
	memset(&o, 0, sizeof(o));
	o.sha1 = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	expect(t, der, len, VERIFY_RESULT_BAD_FORMAT);
	OPENSSL_free(der);

	/* another content type */
	memset(&o, 0, sizeof(o));
	o.ect_other = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	expect(t, der, len, VERIFY_RESULT_BAD_FORMAT);
	OPENSSL_free(der);

	/* no certificate in the signature */
	memset(&o, 0, sizeof(o));
	o.nocerts = 1;
	der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	assert_non_null(der);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_BAD_FORMAT);
	assert_null(jat(r, "certificate"));
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_bad_arguments(void **state)
{
	verify_trust *t = trust(g_trust, NULL, NULL, 0);
	verify_report *r = (verify_report *)1;
	struct verify_config cfg;
	verify_trust *u = (verify_trust *)1;

	assert_int_equal(verify_signature(NULL, (const uint8_t *)"x", 1, NULL, 0, 0, &r),
	                 VERIFY_EINPUT);
	assert_null(r);
	assert_int_equal(verify_signature(t, NULL, 5, NULL, 0, 0, &r), VERIFY_EINPUT);
	assert_int_equal(verify_signature(t, (const uint8_t *)"x", 1, NULL, 3, 0, &r),
	                 VERIFY_EINPUT);
	assert_int_equal(verify_signature(t, (const uint8_t *)"x", 1, (const uint8_t *)"x",
	                                  VERIFY_CONTENT_MAX + 1, 0, &r),
	                 VERIFY_EINPUT);
	assert_int_equal(verify_signature(t, (const uint8_t *)"x", 1, NULL, 0, 0, NULL),
	                 VERIFY_EINPUT);
	verify_config_init(&cfg);
	assert_int_equal(verify_trust_new(&cfg, &u, NULL, 0), VERIFY_EINPUT);
	assert_null(u);
	cfg.anchors_dir = g_trust;
	cfg.ocsp_url = "ftp://127.0.0.1/";
	assert_int_equal(verify_trust_new(&cfg, &u, NULL, 0), VERIFY_EINPUT);
	cfg.ocsp_url = "http://127.0.0.1/ x";
	assert_int_equal(verify_trust_new(&cfg, &u, NULL, 0), VERIFY_EINPUT);
	cfg.ocsp_url = NULL;
	cfg.ocsp_timeout_ms = 0;
	assert_int_equal(verify_trust_new(&cfg, &u, NULL, 0), VERIFY_EINPUT);
	assert_string_equal(verify_result_name(VERIFY_RESULT_REVOCATION_UNAVAILABLE),
	                    "revocation_unavailable");
	assert_string_equal(verify_result_name((enum verify_result)99), "unknown");
	assert_string_equal(verify_strerror(VERIFY_ECRL), "bad CRL file");
	assert_string_equal(verify_strerror(1234), "unknown error");
	verify_trust_free(t);
	verify_trust_free(NULL);
	verify_report_free(NULL);
}

/* ---- tests: trust anchors ------------------------------------------------------------------ */

static void test_anchor_errors(void **state)
{
	struct verify_config cfg;
	verify_trust *t = NULL;
	char dir[SHORT], path[PATH_MAX], err[256];

	verify_config_init(&cfg);
	snprintf(dir, sizeof(dir), "%s/anchors-bad", g_dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	cfg.anchors_dir = dir;
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EANCHOR); /* empty */
	assert_non_null(strstr(err, "no trust anchor"));
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	assert_int_equal(write_file(path, "x", 1), 0);
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EANCHOR);
	/* an end-entity certificate is no anchor */
	snprintf(path, sizeof(path), "%s/leaf.pem", dir);
	{
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		PEM_write_X509(f, g_good.cert);
		fclose(f);
	}
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EANCHOR);
	assert_non_null(strstr(err, "leaf.pem"));
	assert_null(t);
	/* something that is not a certificate */
	assert_int_equal(write_file(path, "hello", 5), 0);
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EANCHOR);
	assert_int_equal(write_file(path, "-----BEGIN CERTIFICATE-----\nAAAA\n", 33), 0);
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EANCHOR);
	unlink(path);
	/* no such directory */
	snprintf(path, sizeof(path), "%s/nowhere", g_dir);
	cfg.anchors_dir = path;
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EIO);
	/* a PEM file with two roots, a copy of one of them and a subdirectory are fine */
	{
		char ca[PATH_MAX], fca[PATH_MAX];
		X509 *a, *b;
		FILE *f;
		snprintf(ca, sizeof(ca), "%s/sign/ca.pem", g_pki);
		snprintf(fca, sizeof(fca), "%s/sign/ca.pem", g_foreign);
		a = load_cert_pem(ca);
		b = load_cert_pem(fca);
		snprintf(path, sizeof(path), "%s/both.pem", dir);
		f = fopen(path, "w");
		assert_non_null(f);
		PEM_write_X509(f, a);
		PEM_write_X509(f, b);
		fclose(f);
		snprintf(path, sizeof(path), "%s/copy.pem", dir);
		f = fopen(path, "w");
		PEM_write_X509(f, a);
		fclose(f);
		snprintf(path, sizeof(path), "%s/sub", dir);
		assert_int_equal(mkdir(path, 0700), 0);
		X509_free(a);
		X509_free(b);
	}
	cfg.anchors_dir = dir;
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_OK);
	assert_int_equal(verify_trust_anchor_count(t), 2);
	verify_trust_free(t);
}

/* Two generations of the signing CA sharing one name (our root as DER, the foreign one as PEM):
 * certificates of either verify, the issuer picked by key identifier. */
static void test_generations(void **state)
{
	verify_trust *t = trust(g_trust_gen, NULL, NULL, 0);
	size_t len;
	uint8_t *der;
	verify_report *r;
	X509 *a, *b;
	char ca[PATH_MAX], fca[PATH_MAX];

	snprintf(ca, sizeof(ca), "%s/sign/ca.pem", g_pki);
	snprintf(fca, sizeof(fca), "%s/sign/ca.pem", g_foreign);
	a = load_cert_pem(ca);
	b = load_cert_pem(fca);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(a), X509_get_subject_name(b)), 0);
	assert_int_equal(verify_trust_anchor_count(t), 2);
	der = sign_good(&len);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	OPENSSL_free(der);
	verify_report_free(r);
	der = make_sig(g_other.cert, g_other.key, CONTENT, strlen(CONTENT), NULL, &len);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	OPENSSL_free(der);
	verify_report_free(r);
	X509_free(a);
	X509_free(b);
	verify_trust_free(t);
}

/* DER of [0] EXPLICIT UTF8String s (short lengths only: s under 100 bytes). */
static ASN1_TYPE *wrapped_utf8(const char *s)
{
	size_t n = strlen(s);
	unsigned char buf[256];
	ASN1_STRING *str = ASN1_STRING_new();
	ASN1_TYPE *t = ASN1_TYPE_new();

	buf[0] = 0xA0;
	buf[1] = (unsigned char)(n + 2);
	buf[2] = 0x0C;
	buf[3] = (unsigned char)n;
	memcpy(buf + 4, s, n);
	ASN1_STRING_set(str, buf, (int)n + 4);
	ASN1_TYPE_set(t, V_ASN1_OTHER, str);
	return t;
}

/* A signing certificate without authorityKeyIdentifier, signed by cakey, with the basic four in
 * the doubly wrapped form ([0] EXPLICIT inside the otherName value). */
static X509 *leaf_without_akid(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key)
{
	static const char *const oids[] = {"1.2.392.200149.8.5.5.1", "1.2.392.200149.8.5.5.3",
	                                   "1.2.392.200149.8.5.5.4", "1.2.392.200149.8.5.5.5"};
	const char *vals[] = {"鈴木 花子", "2", "519990101", "大阪府大阪市北区1-1"};
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	X509_NAME *name = X509_NAME_new();
	BIGNUM *bn = BN_new();
	size_t i;

	X509_set_version(x, 2);
	BN_rand(bn, 64, 0, 0);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"noakid", -1,
	                           -1, 0);
	X509_set_subject_name(x, name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
	                          "critical,digitalSignature,nonRepudiation");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	for (i = 0; i < 4; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		GENERAL_NAME_set0_othername(g, OBJ_txt2obj(oids[i], 1), wrapped_utf8(vals[i]));
		sk_GENERAL_NAME_push(gens, g);
	}
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
	GENERAL_NAMES_free(gens);
	X509_sign(x, cakey, EVP_sha256());
	return x;
}

static void test_issuer_by_signature(void **state)
{
	verify_trust *t = trust(g_trust_gen, NULL, NULL, 0);
	const char *pkis[] = {g_pki, g_foreign};
	int i;

	for (i = 0; i < 2; i++) {
		char ca[PATH_MAX], cakey[PATH_MAX];
		X509 *cacert, *leaf;
		EVP_PKEY *k;
		uint8_t *der;
		size_t len;
		verify_report *r;
		const struct verify_basic4 *b;

		snprintf(ca, sizeof(ca), "%s/sign/ca.pem", pkis[i]);
		snprintf(cakey, sizeof(cakey), "%s/sign/ca.key", pkis[i]);
		cacert = load_cert_pem(ca);
		k = load_key_pem(cakey);
		assert_non_null(cacert);
		assert_non_null(k);
		leaf = leaf_without_akid(cacert, k, g_good.key);
		assert_null(X509_get0_authority_key_id(leaf));
		der = make_sig(leaf, g_good.key, CONTENT, strlen(CONTENT), NULL, &len);
		assert_non_null(der);
		r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
		b = verify_report_basic4(r);
		assert_non_null(b);
		assert_string_equal(b->name, "鈴木 花子");
		assert_string_equal(b->gender, "2");
		assert_string_equal(b->birth, "519990101");
		assert_string_equal(b->address, "大阪府大阪市北区1-1");
		assert_true(b->complete);
		verify_report_free(r);
		OPENSSL_free(der);
		X509_free(leaf);
		X509_free(cacert);
		EVP_PKEY_free(k);
	}
	verify_trust_free(t);
}

/* ---- tests: the OpenSSL behaviour the fast path relies on (fails loudly on a change) ------- */

/* Parsing in a context with only the null provider leaves the certificates' keys undecoded
 * (no OSSL_DECODER per signature) while everything else verify.c reads works there:
 * extensions, the issuer check, the ESS check; d2i_PublicKey of the SubjectPublicKeyInfo's
 * key gives the certificate's key; the re-encoded signed attributes are the bytes signed. */
static void test_openssl_pins(void **state)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *null = OSSL_PROVIDER_load(ctx, "null");
	struct signopt o = {.cades = 1};
	size_t len, alen = 0;
	uint8_t *der = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &len);
	const unsigned char *p = der, *pk = NULL, *q;
	CMS_ContentInfo *cms = CMS_ContentInfo_new_ex(ctx, NULL);
	CMS_SignerInfo *si;
	STACK_OF(X509) * certs;
	X509 *leaf, *anchor;
	ASN1_OBJECT *alg = NULL;
	EVP_PKEY *key;
	unsigned char *attrs = NULL, a[32], b[32];
	unsigned int blen = 0;
	int pklen = 0;
	ESS_SIGNING_CERT_V2 *ess2;
	char path[PATH_MAX];

	assert_non_null(null);
	assert_non_null(der);
	assert_non_null(d2i_CMS_ContentInfo(&cms, &p, (long)len));
	certs = CMS_get1_certs(cms);
	assert_int_equal(sk_X509_num(certs), 1);
	leaf = sk_X509_value(certs, 0);
	/* the key is not decoded: the decoders are not in the null provider */
	assert_null(X509_get0_pubkey(leaf));
	ERR_clear_error();
	assert_false(X509_get_extension_flags(leaf) & EXFLAG_INVALID);
	assert_true(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE);
	assert_true(X509_get_key_usage(leaf) & KU_NON_REPUDIATION);
	snprintf(path, sizeof(path), "%s/sign/ca.pem", g_pki);
	anchor = load_cert_pem(path);
	assert_int_equal(X509_check_issued(anchor, leaf), X509_V_OK);
	/* d2i_PublicKey of the RSAPublicKey in the SubjectPublicKeyInfo */
	assert_true(X509_PUBKEY_get0_param(&alg, &pk, &pklen, NULL, X509_get_X509_PUBKEY(leaf)));
	assert_int_equal(OBJ_obj2nid(alg), NID_rsaEncryption);
	q = pk;
	key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, pklen);
	assert_non_null(key);
	assert_ptr_equal(q, pk + pklen);
	assert_int_equal(EVP_PKEY_get_bits(key), 2048);
	assert_int_equal(EVP_PKEY_eq(key, X509_get0_pubkey(g_good.cert)), 1);
	/* the SHA-256 of the certificate, computed outside the null context */
	assert_int_equal(vr_cert_sha256(leaf, a), 0);
	assert_true(X509_digest(g_good.cert, EVP_sha256(), b, &blen));
	assert_memory_equal(a, b, 32);
	/* the signed attributes as signed: their SET OF is the [0] IMPLICIT field of the DER */
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_int_equal(sig_signed_attrs_der(si, &attrs, &alen), 0);
	assert_int_equal(attrs[0], 0x31);
	attrs[0] = 0xA0;
	assert_non_null(memmem(der, len, attrs, alen));
	/* OSSL_ESS_check_signing_certs hashes with a digest of the default context */
	{
		int i = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
		ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
		const unsigned char *e = v->value.sequence->data;
		ess2 = d2i_ESS_SIGNING_CERT_V2(NULL, &e, v->value.sequence->length);
		assert_non_null(ess2);
		assert_int_equal(OSSL_ESS_check_signing_certs(NULL, ess2, certs, 0), 1);
		ESS_SIGNING_CERT_V2_free(ess2);
	}
	ERR_clear_error();
	OPENSSL_free(attrs);
	EVP_PKEY_free(key);
	X509_free(anchor);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	OPENSSL_free(der);
	OSSL_PROVIDER_unload(null);
	OSSL_LIB_CTX_free(ctx);
}

/* The second signature of a certificate comes from the cache of verified certificates: the
 * same report as without the cache, and validity and revocation still checked each time. */
static void test_cert_cache(void **state)
{
	verify_trust *t = trust(g_trust, NULL, g_crl, 0), *nocache = NULL;
	struct verify_config cfg;
	size_t len, rlen;
	uint8_t *der = sign_good(&len);
	uint8_t *rev =
	    make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &rlen);
	time_t now = time(NULL);
	verify_report *r1, *r2, *r3;
	char err[256];
	int i;

	verify_config_init(&cfg);
	cfg.anchors_dir = g_trust;
	cfg.crl_file = g_crl;
	cfg.cert_cache_max = 0;
	assert_int_equal(verify_trust_new(&cfg, &nocache, err, sizeof(err)), VERIFY_OK);
	cfg.cert_cache_max = VERIFY_CERT_CACHE_MAX + 1;
	assert_int_equal(verify_trust_new(&cfg, &(verify_trust *){NULL}, err, sizeof(err)),
	                 VERIFY_EINPUT);
	r1 = check(t, der, len, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_OK);
	r2 = check(t, der, len, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_OK);
	r3 = check(nocache, der, len, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_OK);
	assert_true(json_equal(verify_report_json(r1), verify_report_json(r2)));
	assert_true(json_equal(verify_report_json(r1), verify_report_json(r3)));
	assert_string_equal(verify_report_basic4(r2)->name, NAME);
	verify_report_free(r1);
	verify_report_free(r2);
	verify_report_free(r3);
	/* CAdES: the signingCertificateV2 of a cached certificate, and one naming another */
	{
		struct signopt o = {.cades = 1};
		size_t clen;
		uint8_t *cd =
		    make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &clen);
		r1 = check(nocache, cd, clen, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_OK);
		for (i = 0; i < 2; i++) {
			r2 = check(t, cd, clen, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_OK);
			assert_true(json_equal(verify_report_json(r1), verify_report_json(r2)));
			verify_report_free(r2);
		}
		verify_report_free(r1);
		OPENSSL_free(cd);
		o.ess_other = 1;
		cd = make_sig(g_good.cert, g_good.key, CONTENT, strlen(CONTENT), &o, &clen);
		verify_report_free(
		    check(t, cd, clen, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_BAD_SIGNATURE));
		OPENSSL_free(cd);
	}
	/* cached, and ten years on: expired; changed content: refused */
	verify_report_free(check(t, der, len, CONTENT, strlen(CONTENT), now + 10L * 366 * 86400,
	                         VERIFY_RESULT_EXPIRED));
	verify_report_free(
	    check(t, der, len, CONTENT, strlen(CONTENT) - 1, now, VERIFY_RESULT_DIGEST_MISMATCH));
	/* cached, parsed without its certificate: trailing bytes, a changed signature */
	{
		uint8_t *x = malloc(len + 1);
		assert_non_null(x);
		memcpy(x, der, len);
		x[len] = 0;
		verify_report_free(
		    check(t, x, len + 1, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_BAD_FORMAT));
		x[len - 1] ^= 0x01; /* the last byte of the signature value */
		verify_report_free(
		    check(t, x, len, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_BAD_SIGNATURE));
		free(x);
	}
	for (i = 0; i < 2; i++) /* revoked the first time and the second */
		verify_report_free(
		    check(t, rev, rlen, CONTENT, strlen(CONTENT), now, VERIFY_RESULT_REVOKED));
	OPENSSL_free(rev);
	OPENSSL_free(der);
	verify_trust_free(nocache);
	verify_trust_free(t);
}

/* ---- tests: CRL ---------------------------------------------------------------------------- */

static void test_crl(void **state)
{
	verify_trust *t = trust(g_trust, NULL, g_crl, 0);
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;

	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_CRL);
	assert_string_equal(jstr_at(r, "revocation.method"), "crl");
	assert_string_equal(jstr_at(r, "revocation.status"), "good");
	assert_string_equal(outcome(r, "revocation"), "pass");
	assert_int_equal(json_array_size(jat(r, "revocation.attempts")), 1);
	/* the CRL that decided, named by its number and the SHA-256 of its DER; no OCSP kept */
	{
		json_t *at = json_array_get(jat(r, "revocation.attempts"), 0);
		char path[PATH_MAX], hex[65];
		size_t olen = 1;
		snprintf(path, sizeof(path), "%s/sign/crl.der", g_pki);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		static unsigned char crl[1 << 16];
		size_t n = fread(crl, 1, sizeof(crl), f);
		fclose(f);
		token_sha256_hex(crl, n, hex);
		assert_string_equal(json_string_value(json_object_get(at, "crl_sha256")), hex);
		assert_non_null(json_string_value(json_object_get(at, "crl_number")));
		assert_null(verify_report_ocsp_der(r, &olen));
		assert_int_equal(olen, 0);
	}
	verify_report_free(r);
	OPENSSL_free(der);

	der = make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &len);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_REVOKED);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_CRL);
	assert_string_equal(jstr_at(r, "revocation.revocation_reason"), "affiliationChanged");
	assert_int_equal(strlen(jstr_at(r, "revocation.revocation_time")), 20);
	assert_non_null(strstr(verify_report_message(r), "失効"));
	assert_null(verify_report_basic4(r));
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);

	/* the CRL as DER works the same */
	{
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s/sign/crl.der", g_pki);
		t = trust(g_trust, NULL, d, 0);
		der = make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &len);
		expect(t, der, len, VERIFY_RESULT_REVOKED);
		OPENSSL_free(der);
		verify_trust_free(t);
	}
}

static void test_crl_stale(void **state)
{
	verify_trust *t = trust(g_trust, NULL, g_crl, 0);
	size_t len;
	uint8_t *der = sign_good(&len);
	time_t later = time(NULL) + 2 * 86400; /* the daily CRL has expired */
	verify_report *r;

	r = check(t, der, len, CONTENT, strlen(CONTENT), later,
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(verify_report_reason(r), "stale"));
	assert_string_equal(jstr_at(r, "revocation.status"), "unavailable");
	assert_non_null(strstr(verify_report_message(r), "しばらく"));
	verify_report_free(r);
	verify_trust_free(t);

	/* soft fail: accepted, and the report says it was not checked */
	t = trust(g_trust, NULL, g_crl, 1);
	r = check(t, der, len, CONTENT, strlen(CONTENT), later, VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_NONE);
	assert_string_equal(jstr_at(r, "revocation.method"), "none");
	assert_string_equal(jstr_at(r, "revocation.status"), "not_checked");
	assert_non_null(strstr(jstr_at(r, "revocation.detail"), "not checked (source unavailable"));
	assert_string_equal(outcome(r, "revocation"), "not_checked");
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);
}

static void test_crl_not_ours(void **state)
{
	struct verify_config cfg;
	verify_trust *t = NULL;
	char crl[PATH_MAX], err[256];

	/* the foreign CA's CRL carries our CA's name but not its signature */
	verify_config_init(&cfg);
	cfg.anchors_dir = g_trust;
	snprintf(crl, sizeof(crl), "%s/sign/crl.pem", g_foreign);
	cfg.crl_file = crl;
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_ECRL);
	assert_non_null(strstr(err, "not signed by any trust anchor"));
	snprintf(crl, sizeof(crl), "%s/missing.pem", g_dir);
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_EIO);
	snprintf(crl, sizeof(crl), "%s/sign/ca.pem", g_pki);
	assert_int_equal(verify_trust_new(&cfg, &t, err, sizeof(err)), VERIFY_ECRL);
	assert_null(t);

	/* both roots trusted: a CRL file holding both CRLs; each card checked against its own */
	{
		char both[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
		FILE *out, *in;
		int ch;
		size_t len;
		uint8_t *der;
		snprintf(both, sizeof(both), "%s/both-crls.pem", g_dir);
		snprintf(a, sizeof(a), "%s/sign/crl.pem", g_pki);
		snprintf(b, sizeof(b), "%s/sign/crl.pem", g_foreign);
		out = fopen(both, "w");
		assert_non_null(out);
		in = fopen(b, "r");
		while ((ch = fgetc(in)) != EOF)
			fputc(ch, out);
		fclose(in);
		in = fopen(a, "r");
		while ((ch = fgetc(in)) != EOF)
			fputc(ch, out);
		fclose(in);
		fclose(out);
		t = trust(g_trust_gen, NULL, both, 0);
		der = make_sig(g_other.cert, g_other.key, CONTENT, strlen(CONTENT), NULL, &len);
		expect(t, der, len, VERIFY_RESULT_OK);
		OPENSSL_free(der);
		der = make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &len);
		expect(t, der, len, VERIFY_RESULT_REVOKED);
		OPENSSL_free(der);
		verify_trust_free(t);
	}
}

/* The daily CRL: a new file is picked up without a restart. Revokes g_late. */
static void test_crl_reload(void **state)
{
	char copy[SHORT];
	verify_trust *t;
	size_t len;
	uint8_t *der = make_sig(g_late.cert, g_late.key, CONTENT, strlen(CONTENT), NULL, &len);
	verify_report *r;

	snprintf(copy, sizeof(copy), "%s/crl-copy.pem", g_dir);
	{
		char *argv[] = {"cp", g_crl, copy, NULL};
		assert_int_equal(run(argv), 0);
	}
	t = trust(g_trust, NULL, copy, 0);
	expect(t, der, len, VERIFY_RESULT_OK);
	{
		char *argv[] = {g_bin,        "revoke",   "--pki",         g_pki, "--state",
		                g_late.state, "--reason", "keyCompromise", NULL};
		assert_int_equal(run(argv), 0);
	}
	{
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s.tmp", copy);
		char *argv[] = {"cp", g_crl, tmp, NULL};
		assert_int_equal(run(argv), 0);
		assert_int_equal(rename(tmp, copy), 0);
	}
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_REVOKED);
	assert_string_equal(jstr_at(r, "revocation.revocation_reason"), "keyCompromise");
	verify_report_free(r);
	/* a broken new file: the last good CRL stays in use, and the report says so */
	assert_int_equal(write_file(copy, "garbage", 7), 0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_REVOKED);
	{
		json_t *at = json_array_get(jat(r, "revocation.attempts"), 0);
		const char *note = json_string_value(json_object_get(at, "note"));
		assert_non_null(note);
		assert_non_null(strstr(note, "not taken"));
	}
	verify_report_free(r);
	/* a missing file: the same */
	unlink(copy);
	expect(t, der, len, VERIFY_RESULT_REVOKED);
	OPENSSL_free(der);
	verify_trust_free(t);
}

/* ---- tests: OCSP --------------------------------------------------------------------------- */

static void test_ocsp(void **state)
{
	verify_trust *t = trust(g_trust, g_ocsp_url, NULL, 0);
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;
	json_t *at;

	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_OCSP);
	assert_string_equal(jstr_at(r, "revocation.method"), "ocsp");
	assert_string_equal(jstr_at(r, "revocation.status"), "good");
	at = json_array_get(jat(r, "revocation.attempts"), 0);
	assert_int_equal(json_integer_value(json_object_get(at, "http_status")), 200);
	assert_string_equal(json_string_value(json_object_get(at, "url")), g_ocsp_url);
	assert_non_null(json_object_get(at, "next_update"));
	/* the response that decided, kept as evidence and named in the report by its hash */
	size_t olen = 0;
	const unsigned char *ocsp = verify_report_ocsp_der(r, &olen), *op = ocsp;
	assert_non_null(ocsp);
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &op, (long)olen);
	assert_non_null(resp);
	assert_ptr_equal(op, ocsp + olen);
	assert_int_equal(OCSP_response_status(resp), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	OCSP_RESPONSE_free(resp);
	char hex[65];
	token_sha256_hex(ocsp, olen, hex);
	assert_string_equal(json_string_value(json_object_get(at, "response_sha256")), hex);
	verify_report_free(r);
	OPENSSL_free(der);

	der = make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &len);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_REVOKED);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_OCSP);
	assert_string_equal(jstr_at(r, "revocation.revocation_reason"), "affiliationChanged");
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);

	/* a certificate of the other generation: our responder's answer about it is not
	 * authoritative (not signed by its CA or a responder of that CA) */
	t = trust(g_trust_gen, g_ocsp_url, NULL, 0);
	der = make_sig(g_other.cert, g_other.key, CONTENT, strlen(CONTENT), NULL, &len);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	assert_string_equal(jstr_at(r, "revocation.status"), "unavailable");
	assert_non_null(strstr(verify_report_reason(r), "not signed by the issuer"));
	verify_report_free(r);
	OPENSSL_free(der);
	verify_trust_free(t);

	/* a certificate of our CA that its index does not list: "unknown" is an answer, refused
	 * even with soft fail */
	{
		char ca[PATH_MAX], cakey[PATH_MAX];
		X509 *cacert, *leaf;
		EVP_PKEY *k;
		snprintf(ca, sizeof(ca), "%s/sign/ca.pem", g_pki);
		snprintf(cakey, sizeof(cakey), "%s/sign/ca.key", g_pki);
		cacert = load_cert_pem(ca);
		k = load_key_pem(cakey);
		leaf = leaf_without_akid(cacert, k, g_good.key);
		t = trust(g_trust, g_ocsp_url, NULL, 1);
		der = make_sig(leaf, g_good.key, CONTENT, strlen(CONTENT), NULL, &len);
		r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
		          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
		assert_string_equal(jstr_at(r, "revocation.status"), "unknown");
		assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_OCSP);
		verify_report_free(r);
		OPENSSL_free(der);
		verify_trust_free(t);
		X509_free(leaf);
		X509_free(cacert);
		EVP_PKEY_free(k);
	}
}

static void test_ocsp_down(void **state)
{
	char url[64];
	verify_trust *t;
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;
	struct timespec t0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", free_port()); /* nobody listens */
	t = trust(g_trust, url, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	assert_true(ms_since(&t0) < 2000);
	assert_non_null(strstr(verify_report_reason(r), "unreachable"));
	assert_string_equal(jstr_at(r, "revocation.status"), "unavailable");
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_NONE);
	verify_report_free(r);
	verify_trust_free(t);

	/* with a CRL as well: the CRL answers */
	t = trust(g_trust, url, g_crl, 0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_CRL);
	assert_int_equal(json_array_size(jat(r, "revocation.attempts")), 2);
	verify_report_free(r);
	verify_trust_free(t);

	/* soft fail: accepted, "not checked" */
	t = trust(g_trust, url, NULL, 1);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_NONE);
	assert_non_null(strstr(jstr_at(r, "revocation.detail"), "not checked (source unavailable"));
	verify_report_free(r);
	verify_trust_free(t);
	OPENSSL_free(der);
}

/* A responder that accepts the connection and never answers: the timeout bounds the wait. */
static void test_ocsp_timeout(void **state)
{
	struct verify_config cfg;
	verify_trust *t = NULL;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;
	struct timespec t0;
	long ms;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &alen);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	verify_config_init(&cfg);
	cfg.anchors_dir = g_trust;
	cfg.ocsp_url = url;
	cfg.ocsp_timeout_ms = 400;
	cfg.ocsp_connect_timeout_ms = 200;
	assert_int_equal(verify_trust_new(&cfg, &t, NULL, 0), VERIFY_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	ms = ms_since(&t0);
	assert_true(ms >= 350 && ms < 2000);
	verify_report_free(r);
	verify_trust_free(t);
	OPENSSL_free(der);
	close(fd);
}

/* A fake responder: answers each connection with the canned bytes. */
struct fake {
	int fd;
	int port;
	const char *head; /* status line and headers, without the blank line */
	const uint8_t *body;
	size_t body_len;
	int connections;
	pthread_t th;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int i;

	for (i = 0; i < f->connections; i++) {
		struct pollfd p = {.fd = f->fd, .events = POLLIN};
		char req[8192], hdr[256];
		size_t got = 0;
		int c;

		if (poll(&p, 1, 5000) <= 0)
			break;
		c = accept(f->fd, NULL, NULL);
		if (c < 0)
			break;
		/* read the request: headers, then Content-Length bytes (bounded) */
		for (;;) {
			struct pollfd q = {.fd = c, .events = POLLIN};
			ssize_t n;
			char *end, *cl;
			if (poll(&q, 1, 2000) <= 0)
				break;
			n = read(c, req + got, sizeof(req) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = '\0';
			end = strstr(req, "\r\n\r\n");
			cl = strcasestr(req, "Content-Length:");
			if (end && cl &&
			    got >= (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10))
				break;
			if (got >= sizeof(req) - 1)
				break;
		}
		snprintf(hdr, sizeof(hdr), "%s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		         f->head, f->body_len);
		if (write(c, hdr, strlen(hdr)) < 0 ||
		    (f->body_len && write(c, f->body, f->body_len) < 0))
			perror("fake responder");
		close(c);
	}
	return NULL;
}

static void fake_start(struct fake *f)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->fd, 4), 0);
	getsockname(f->fd, (struct sockaddr *)&a, &alen);
	f->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->fd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->fd);
}

static void fake_case(const char *head, const uint8_t *body, size_t n, const char *want_reason)
{
	struct fake f = {.head = head, .body = body, .body_len = n, .connections = 1};
	char url[64];
	verify_trust *t;
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;

	fake_start(&f);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ocsp", f.port);
	t = trust(g_trust, url, NULL, 0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	if (!strstr(verify_report_reason(r), want_reason))
		fprintf(stderr, "reason: %s\n", verify_report_reason(r));
	assert_non_null(strstr(verify_report_reason(r), want_reason));
	verify_report_free(r);
	verify_trust_free(t);
	OPENSSL_free(der);
	fake_stop(&f);
}

static void test_ocsp_bad_answers(void **state)
{
	uint8_t *big = calloc(1, VERIFY_OCSP_RESPONSE_MAX + 10);
	/* OCSPResponse { responseStatus tryLater (3) } */
	static const uint8_t try_later[] = {0x30, 0x03, 0x0A, 0x01, 0x03};

	assert_non_null(big);
	fake_case("HTTP/1.1 500 Internal Server Error", (const uint8_t *)"oops", 4, "HTTP 500");
	fake_case("HTTP/1.1 200 OK", (const uint8_t *)"hello", 5, "not an OCSP response");
	fake_case("HTTP/1.1 200 OK", try_later, sizeof(try_later), "trylater");
	fake_case("HTTP/1.1 200 OK", big, VERIFY_OCSP_RESPONSE_MAX + 10, "over");
	fake_case("HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:1/", NULL, 0, "HTTP 301");
	free(big);
}

/* A responder whose certificate does not chain to our anchors. */
static void test_ocsp_wrong_signer(void **state)
{
	char rs[PATH_MAX], rk[PATH_MAX], url[64];
	int port;
	pid_t pid;
	verify_trust *t;
	size_t len;
	uint8_t *der = sign_good(&len);
	verify_report *r;

	snprintf(rs, sizeof(rs), "%s/sign/ocsp.pem", g_foreign);
	snprintf(rk, sizeof(rk), "%s/sign/ocsp.key", g_foreign);
	g_extra_pid = pid = start_responder(rs, rk, &port);
	assert_true(pid > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	t = trust(g_trust, url, NULL, 0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL),
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(verify_report_reason(r), "not signed by the issuer"));
	verify_report_free(r);
	verify_trust_free(t);
	/* the CA itself as the responder is fine */
	stop(pid);
	g_extra_pid = 0;
	snprintf(rs, sizeof(rs), "%s/sign/ca.pem", g_pki);
	snprintf(rk, sizeof(rk), "%s/sign/ca.key", g_pki);
	g_extra_pid = pid = start_responder(rs, rk, &port);
	assert_true(pid > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	t = trust(g_trust, url, NULL, 0);
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL), VERIFY_RESULT_OK);
	assert_int_equal(verify_report_revocation(r), VERIFY_REVOCATION_OCSP);
	verify_report_free(r);
	/* an answer from the future is not taken: no clock skew allowed, and our clock set to the
	 * moment the card was issued, before the responder's thisUpdate */
	{
		struct verify_config cfg;
		verify_trust *strict = NULL;
		struct tm tm;
		time_t nb;
		assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(g_good.cert), &tm), 1);
		nb = timegm(&tm);
		if (time(NULL) <= nb + 1)
			sleep(2);
		verify_config_init(&cfg);
		cfg.anchors_dir = g_trust;
		cfg.ocsp_url = url;
		cfg.clock_skew = 0;
		assert_int_equal(verify_trust_new(&cfg, &strict, NULL, 0), VERIFY_OK);
		r = check(strict, der, len, CONTENT, strlen(CONTENT), nb,
		          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
		assert_non_null(strstr(verify_report_reason(r), "future"));
		verify_report_free(r);
		verify_trust_free(strict);
	}
	/* ... nor a stale one (our clock two days ahead: nextUpdate has passed) */
	r = check(t, der, len, CONTENT, strlen(CONTENT), time(NULL) + 2 * 86400,
	          VERIFY_RESULT_REVOCATION_UNAVAILABLE);
	assert_non_null(strstr(verify_report_reason(r), "stale"));
	verify_report_free(r);
	verify_trust_free(t);
	stop(pid);
	g_extra_pid = 0;
	OPENSSL_free(der);
}

/* ---- threads and timings ------------------------------------------------------------------ */

struct worker {
	verify_trust *t;
	const uint8_t *good;
	size_t good_len;
	const uint8_t *revoked;
	size_t revoked_len;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < 40; i++) {
		verify_report *r = NULL;
		int odd = i & 1;
		if (verify_signature(w->t, odd ? w->revoked : w->good,
		                     odd ? w->revoked_len : w->good_len, (const uint8_t *)CONTENT,
		                     strlen(CONTENT), time(NULL), &r) != VERIFY_OK ||
		    verify_report_result(r) != (odd ? VERIFY_RESULT_REVOKED : VERIFY_RESULT_OK))
			w->failures++;
		verify_report_free(r);
	}
	return NULL;
}

/* Replaces the live CRL file with one of two versions, again and again, atomically. */
struct swapper {
	char live[SHORT + 16];
	char versions[2][SHORT + 16];
	int rounds;
	int failures;
};

static void *swapper_main(void *arg)
{
	struct swapper *sw = arg;
	char tmp[SHORT + 32];
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sw->live);
	for (i = 0; i < sw->rounds; i++) {
		if (link(sw->versions[i & 1], tmp) != 0 || rename(tmp, sw->live) != 0)
			sw->failures++;
		usleep(2000);
	}
	return NULL;
}

/* Four threads verify with one trust while the CRL file changes under them (ASan watches the
 * reference counts of the CRL cache). */
static void test_threads(void **state)
{
	struct swapper sw = {.rounds = 40};
	verify_trust *t;
	struct worker w[4];
	pthread_t th[4], swth;
	size_t glen, rlen;
	uint8_t *good = sign_good(&glen);
	uint8_t *rev =
	    make_sig(g_revoked.cert, g_revoked.key, CONTENT, strlen(CONTENT), NULL, &rlen);
	int i;

	/* two versions of the CRL: the current one, and one regenerated (a new crlNumber) */
	snprintf(sw.live, sizeof(sw.live), "%s/crl-live.pem", g_dir);
	snprintf(sw.versions[0], sizeof(sw.versions[0]), "%s/crl-v0.pem", g_dir);
	snprintf(sw.versions[1], sizeof(sw.versions[1]), "%s/crl-v1.pem", g_dir);
	{
		char *cp0[] = {"cp", g_crl, sw.versions[0], NULL};
		char *regen[] = {g_bin, "pki", "crl", g_pki, NULL};
		char *cp1[] = {"cp", g_crl, sw.versions[1], NULL};
		char *cpl[] = {"cp", g_crl, sw.live, NULL};
		assert_int_equal(run(cp0), 0);
		assert_int_equal(run(regen), 0);
		assert_int_equal(run(cp1), 0);
		assert_int_equal(run(cpl), 0);
	}
	t = trust(g_trust, NULL, sw.live, 0);
	assert_int_equal(pthread_create(&swth, NULL, swapper_main, &sw), 0);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){t, good, glen, rev, rlen, 0};
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	pthread_join(swth, NULL);
	assert_int_equal(sw.failures, 0);
	OPENSSL_free(good);
	OPENSSL_free(rev);
	verify_trust_free(t);
}

static double time_verify(verify_trust *t, const uint8_t *der, size_t len, int n)
{
	struct timespec t0, t1;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		verify_report *r = NULL;
		assert_int_equal(verify_signature(t, der, len, (const uint8_t *)CONTENT,
		                                  strlen(CONTENT), time(NULL), &r),
		                 VERIFY_OK);
		assert_int_equal(verify_report_result(r), VERIFY_RESULT_OK);
		verify_report_free(r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n;
}

static void test_timings(void **state)
{
	verify_trust *none = trust(g_trust, NULL, NULL, 0);
	verify_trust *crl = trust(g_trust, NULL, g_crl, 0);
	verify_trust *ocsp = trust(g_trust, g_ocsp_url, NULL, 0);
	size_t len;
	uint8_t *der = sign_good(&len);

	print_message("verify per signature: %.2f ms without revocation, %.2f ms with the CRL, "
	              "%.2f ms with OCSP (openssl ocsp on 127.0.0.1)\n",
	              time_verify(none, der, len, 50), time_verify(crl, der, len, 50),
	              time_verify(ocsp, der, len, 20));
	OPENSSL_free(der);
	verify_trust_free(none);
	verify_trust_free(crl);
	verify_trust_free(ocsp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_no_revocation),
	    cmocka_unit_test(test_cades),
	    cmocka_unit_test(test_openssl_cli_signature),
	    cmocka_unit_test(test_signing_app_signature),
	    cmocka_unit_test(test_content_changed),
	    cmocka_unit_test(test_bad_signature),
	    cmocka_unit_test(test_foreign_ca),
	    cmocka_unit_test(test_expired),
	    cmocka_unit_test(test_not_yet_valid),
	    cmocka_unit_test(test_authentication_cert),
	    cmocka_unit_test(test_bad_format),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_anchor_errors),
	    cmocka_unit_test(test_generations),
	    cmocka_unit_test(test_issuer_by_signature),
	    cmocka_unit_test(test_openssl_pins),
	    cmocka_unit_test(test_cert_cache),
	    cmocka_unit_test(test_crl),
	    cmocka_unit_test(test_crl_stale),
	    cmocka_unit_test(test_crl_not_ours),
	    cmocka_unit_test(test_crl_reload),
	    cmocka_unit_test(test_ocsp),
	    cmocka_unit_test(test_ocsp_down),
	    cmocka_unit_test(test_ocsp_timeout),
	    cmocka_unit_test(test_ocsp_bad_answers),
	    cmocka_unit_test(test_ocsp_wrong_signer),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_timings),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
