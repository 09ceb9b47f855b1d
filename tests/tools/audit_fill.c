/* audit_fill: a test-only program (built with the tests into BUILD/tests/tools/, never
 * installed, not part of the portal) that appends rows to the audit log of a database through
 * store_audit_append, as the staff console does, for tests/integration/audit.sh to verify
 * and tamper with. Usage: audit_fill PATH N. Row k (1..N) is at 1775000000 + k, by staff:1,
 * staff:2 or staff:3 in turn, about application 2026-00000(k % 4) (none when 0), with the
 * detail "閲覧 k" and the peer 192.0.2.k. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "store/store.h"

static const char *const actions[] = {AUDIT_VIEW_APPLICATION, AUDIT_VIEW_ATTACHMENT, AUDIT_DECISION,
                                      AUDIT_NOTE};

static audit_row row_of(long k)
{
	audit_row r;
	memset(&r, 0, sizeof(r));
	r.at = 1775000000 + k;
	audit_actor_staff(k % 3 + 1, r.actor, sizeof(r.actor));
	snprintf(r.action, sizeof(r.action), "%s", actions[k % 4]);
	if (k % 4)
		snprintf(r.receipt, sizeof(r.receipt), "2026-%06ld", k % 4);
	snprintf(r.detail, sizeof(r.detail), "閲覧 %ld", k);
	snprintf(r.peer, sizeof(r.peer), "192.0.2.%ld", k % 250 + 1);
	return r;
}

int main(int argc, char **argv)
{
	char err[512];
	store *s = NULL;
	long n, k;
	int rc = STORE_OK;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) < 1 || n > 100000) {
		fprintf(stderr, "usage: audit_fill PATH N (1..100000)\n");
		return 2;
	}
	if (store_open(argv[1], &s, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "audit_fill: %s\n", err);
		return 1;
	}
	for (k = 1; k <= n && rc == STORE_OK; k++) {
		audit_row r = row_of(k);
		rc = store_audit_append(s, &r);
	}
	if (rc != STORE_OK)
		fprintf(stderr, "audit_fill: row %ld: %s: %s\n", k - 1, store_strerror(rc),
		        store_errmsg(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}
