/* fuzz_cms: libFuzzer target for the signature verification (src/sig/verify.c): every input is
 * a CMS signature (DER) handed to verify_signature() with fixed content, a fixed time and a trust
 * configuration made once at start-up (one anchor, no revocation source: nothing leaves the
 * process). The anchor is the signing root of the test PKI that made the seeds in
 * fuzz/corpus/cms/ (madoguchi-card pki init + issue, signed with `openssl cms -sign` over
 * CONTENT: plain, CAdES, authentication certificate, attached content, two signers), so mutated
 * seeds reach the signature, digest, ESS, key usage, path, validity and basic four code. The trust
 * keeps its cache of verified certificates from one input to the next, so that mutations of a
 * seed whose certificate verified once take the cached path, the others the path of a new
 * signer (and refusals the X509_STORE_CTX path). Every report is checked for a known result
 * and a JSON record, then freed (LeakSanitizer watches). */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sig/verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The content the seeds were signed over. */
static const char CONTENT[] = "{\"answers\":{\"name\":\"試験 花子\"},\"procedure\":\"fuzz\"}";
/* 2027-01-15: inside the seeds' certificate validity (2026-11-26 .. 2031-01-02). */
static const time_t NOW = 1800000000;

/* C=JP, O=JPKI-TEST, OU=JPKI for digital signature, ...: the signing root of the seeds' PKI. */
static const char ANCHOR[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIID2DCCAsCgAwIBAgIQVRp5L5Bdfq6MzbLB5iWPRDANBgkqhkiG9w0BAQsFADCB\n"
                             "hTELMAkGA1UEBhMCSlAxEjAQBgNVBAoMCUpQS0ktVEVTVDEjMCEGA1UECwwaSlBL\n"
                             "SSBmb3IgZGlnaXRhbCBzaWduYXR1cmUxPTA7BgNVBAsMNEphcGFuIEFnZW5jeSBm\n"
                             "b3IgTG9jYWwgQXV0aG9yaXR5IEluZm9ybWF0aW9uIFN5c3RlbXMwHhcNMjYxMTI2\n"
                             "MTcyOTQ2WhcNNDYxMTI2MTgyOTQ2WjCBhTELMAkGA1UEBhMCSlAxEjAQBgNVBAoM\n"
                             "CUpQS0ktVEVTVDEjMCEGA1UECwwaSlBLSSBmb3IgZGlnaXRhbCBzaWduYXR1cmUx\n"
                             "PTA7BgNVBAsMNEphcGFuIEFnZW5jeSBmb3IgTG9jYWwgQXV0aG9yaXR5IEluZm9y\n"
                             "bWF0aW9uIFN5c3RlbXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCk\n"
                             "RTZbhyHGK55rqYrCmoMKe3TwUFM9VN5TX1IJ2EUcQsXj+MhO5UjONJ3HemhL9H2x\n"
                             "Al0y8FwUJLGAHANmzhB9Su34FkNTGQXZzFD7lYjLO/WdG/TGUcWlwwBKNwIqwfuZ\n"
                             "CSVQJcoIb4Zv38hdfIINoun69ncthbLLeZ2sdhyniq3KNtYohAo6TOgKbMDHbVYE\n"
                             "Z5i1DGanHYoRbOyn6/3SlaLxH5GxhZO9/S1ySCRfuObreEQ1nHVUPmHlCUEczL+g\n"
                             "gpbCKSrNNY088CYdIbnvEDCYAQe43lQPRu9bAVpHMH/HWRreZbvxA1ot4C6z7DL4\n"
                             "0sCcK2EdIpnRzyJRcBMFAgMBAAGjQjBAMB0GA1UdDgQWBBTGeqCLNweJNDWfKoxB\n"
                             "s9m9NDvi3TAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjANBgkqhkiG\n"
                             "9w0BAQsFAAOCAQEABjB4vrxVO46WBqAgEXarxbalOmaHZFh2QVcboNrV06xZ02M5\n"
                             "iwQ2+73gMNnjwsiD8WqcmnUkoa2XL5Fz69as+dVwE4+2n9S+aHo/qPZWLQjxhiqP\n"
                             "d0ae078SA8kZiX5Cfnc6MxFFsI9BWNKoZZh2TsBYrfIgzUn3/L9bNWCEVnU7yh8f\n"
                             "AGXwp9pEvQoPlivQEzXsk/pL2jA5ntVIpzJMjc2GpRaTsRewdSk0PO/ootvpIvCa\n"
                             "4gr6WtxdjfwotFE6VPN5JR4jdARTWuIJwzD7MU0RbY4TlM7hNnWSZXvDCNmSH/rB\n"
                             "zI9R8rwFjzEbxcjmjgdGNf0jEwBBxHIRNQsBbQ==\n"
                             "-----END CERTIFICATE-----\n";

static verify_trust *g_trust;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	verify_trust_free(g_trust);
	g_trust = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct verify_config cfg;
	char dir[64], anchors[96], path[128], err[256];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_cms.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(anchors, sizeof(anchors), "%s/anchors", dir);
	snprintf(path, sizeof(path), "%s/jpki-test-sign.pem", anchors);
	if (mkdir(anchors, 0700) != 0)
		abort();
	f = fopen(path, "w");
	if (!f || fwrite(ANCHOR, 1, sizeof(ANCHOR) - 1, f) != sizeof(ANCHOR) - 1 || fclose(f) != 0)
		abort();
	verify_config_init(&cfg);
	cfg.anchors_dir = anchors;
	if (verify_trust_new(&cfg, &g_trust, err, sizeof(err)) != VERIFY_OK) {
		fprintf(stderr, "fuzz_cms: %s\n", err);
		abort();
	}
	/* the anchors are in memory from here on */
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	verify_report *r = NULL;
	enum verify_result res;
	char *dump;

	if (verify_signature(g_trust, data, size, (const uint8_t *)CONTENT, sizeof(CONTENT) - 1,
	                     NOW, &r) != VERIFY_OK)
		abort(); /* only running out of memory may fail, and the fuzzer's limit is far */
	res = verify_report_result(r);
	if (res > VERIFY_RESULT_REVOCATION_UNAVAILABLE || !verify_report_message(r) ||
	    !verify_report_reason(r) || strcmp(verify_result_name(res), "unknown") == 0)
		abort();
	/* nothing reaches OCSP or a CRL here */
	if (res == VERIFY_RESULT_REVOKED || res == VERIFY_RESULT_REVOCATION_UNAVAILABLE)
		abort();
	if (res == VERIFY_RESULT_OK &&
	    (!verify_report_basic4(r) || verify_report_revocation(r) != VERIFY_REVOCATION_NONE))
		abort();
	dump = verify_report_json_dump(r);
	if (!dump)
		abort();
	free(dump);
	verify_report_free(r);
	return 0;
}
