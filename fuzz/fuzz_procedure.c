/* fuzz_procedure: libFuzzer target for the procedure definition loader (src/core/procedure.c).
 * The input is taken as the contents of one definition file and fed to proc_parse; a parsed
 * definition is freed again so that LeakSanitizer sees every allocation. Seeds are the
 * shipped procedures in fuzz/corpus/procedure/. */
#include <stddef.h>
#include <stdint.h>

#include "core/procedure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	procedure *p = NULL;
	if (proc_parse("fuzz.json", (const char *)data, size, &p, err, sizeof(err)) == PROC_OK) {
		/* exercise the read-only helpers on what was parsed */
		for (size_t i = 0; i < p->n_fields; i++) {
			const proc_field *f = proc_find_field(p, p->fields[i].name);
			if (f && f->type == FT_COMPUTED) {
				(void)proc_compute(f, 0);
				(void)proc_compute(f, (long)size);
			}
		}
		(void)proc_window_state(p, "2026-11-26");
		proc_free(p);
	}
	return 0;
}
