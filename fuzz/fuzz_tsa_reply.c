/* fuzz_tsa_reply: libFuzzer target for the check of a time-stamp authority's reply
 * (src/sig/tsa.c): every input is a TimeStampResp (DER, untrusted bytes from the network)
 * checked as the answer to the request for a fixed imprint and nonce, without a CA file
 * (nothing is read from disk). The seeds in fuzz/corpus/tsa_reply/ are `openssl ts -reply`
 * answers: to that very request (granted.tsr, so mutations reach the token's imprint, nonce
 * and genTime), to another request (other.tsr), a rejection (rejected.tsr) and a cut one.
 * An accepted reply must be handed back whole, byte for byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sig/tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The request the seed granted.tsr answers (tsa_request of these). */
static const uint8_t IMPRINT[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t NONCE[8] = {0x81, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsa_token tok;
	char detail[256];
	if (tsa_reply_check(data, size, IMPRINT, NONCE, NULL, &tok, detail, sizeof(detail)) == 0) {
		if (!tok.der || tok.len != size || memcmp(tok.der, data, size) != 0)
			abort();
		free(tok.der);
	} else if (tok.der || !memchr(detail, '\0', sizeof(detail))) {
		abort();
	}
	return 0;
}
