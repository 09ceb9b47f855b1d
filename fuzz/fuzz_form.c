/* libFuzzer target: the urlencoded query/form parser, checking that every decoded pair
 * lies inside its storage and that lookups work on whatever was parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	form f;
	int e = form_parse(&f, (const char *)data, size, 64);
	if (e == FORM_OK) {
		for (size_t i = 0; i < f.n; i++) {
			size_t nl = strlen(f.pairs[i].name);
			if (nl == 0 || nl > FORM_MAX_NAME ||
			    f.pairs[i].value[f.pairs[i].value_len] != '\0')
				abort();
			if (form_get(&f, f.pairs[i].name) == NULL)
				abort();
		}
	}
	form_release(&f);
	return 0;
}
