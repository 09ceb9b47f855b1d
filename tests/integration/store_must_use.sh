#!/usr/bin/env bash
# The store API keeps its results read (src/store/store.h, STORE_MUST_USE): a caller that
# ignores the status of a store call does not compile with the project's flags, so that a
# store error is never taken for success. Compiles small callers with the compiler and the
# warning flags of the Makefile; store_rollback is the one status call left unmarked.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-mustuse.XXXXXX)
trap 'rm -rf "$T"' EXIT
CC=${CC:-cc}
FLAGS=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc -c -o /dev/null)

# compiles BODY inside a function with a store *s; its exit status
compiles() {
	printf '#include "store/store.h"\nint f(store *s);\nint f(store *s)\n{\n%s\n\treturn 0;\n}\n' "$1" > "$T/c.c"
	"$CC" "${FLAGS[@]}" "$T/c.c" > "$T/c.log" 2>&1
}

for call in 'store_begin(s);' 'store_commit(s);' 'store_throttle_add(s, "k", 1);' \
	'long long n, o; store_throttle_count(s, "k", 0, &n, &o);' \
	'store_account a; store_account_by_email(s, "a@b.jp", &a);' \
	'store_session_delete(s, "x");' 'store_outbox_mark_sent(s, 1, 1);'; do
	if compiles "	$call"; then
		not_ok "an ignored result does not compile: $call"
	else
		check "an ignored result does not compile: $call" grep -q 'warn_unused_result\|unused-result' "$T/c.log"
	fi
done
check "the same calls compile when their results are read" compiles '	if (store_begin(s) != STORE_OK || store_commit(s) != STORE_OK)
		return 1;
	long long n, o;
	if (store_throttle_count(s, "k", 0, &n, &o) != STORE_OK)
		return 1;'
check "store_rollback may be called without reading it (a failed path)" compiles '	store_rollback(s);'
# a status call added to the API later gets the mark too
unmarked=$(grep -E '^int store_[a-z_]+\(' src/store/store.h | grep -v '^int store_rollback(' | tr '\n' ' ')
check "every status call of store.h but store_rollback is STORE_MUST_USE (unmarked: ${unmarked:-none})" [ -z "$unmarked" ]
check "... and there are such calls ($(grep -c '^STORE_MUST_USE int store_' src/store/store.h))" \
	[ "$(grep -c '^STORE_MUST_USE int store_' src/store/store.h)" -ge 50 ]
tap_end
