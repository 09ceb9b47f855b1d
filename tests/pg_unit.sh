#!/usr/bin/env bash
# The store's unit tests, and those of the core that go through the store, on PostgreSQL:
# the same cmocka programs as on SQLite (TEST_BUILD, the sanitizer build by default), with
# MADOGUCHI_TEST_PG pointing at a throw-away cluster (tests/pg_env.sh), where each test gets
# a database of its own (tests/unit/store_fixture.h). tests/run.sh runs it as one cmocka
# suite. test_store runs its opening, migrating and searching tests there (its URLs and
# SQLite's pragmas are SQLite's alone); test_login (which changes the SQLite file under the
# portal) is SQLite's alone.
set -u
cd "$(dirname "$0")/.."
B=${TEST_BUILD:-build-asan}
source tests/pg_env.sh
T=$(pg_env_tmpdir madoguchi-pgunit)
trap 'pg_env_stop; rm -rf "$T"' EXIT
if ! pg_env_start "$T"; then
	echo "[  FAILED  ] the PostgreSQL cluster did not start"
	exit 1
fi
export MADOGUCHI_TEST_PG="postgresql://postgres@127.0.0.1:$PG_PORT/"
rc=0
for t in test_store test_store_accounts test_store_apps test_store_audit test_store_backup \
	test_store_group test_store_inbox test_store_sign test_store_staff test_store_staff_admin \
	test_store_stamps test_store_versions test_submit test_decision test_bulk test_dashboard \
	test_staff; do
	echo "# $B/tests/$t on PostgreSQL"
	env REFDATA_DIR="$B/refdata" "$B/tests/$t" || rc=1
done
exit $rc
