# Shared helpers of the shell integration tests: TAP output, free ports, a portal instance.
# Servers listen on 127.0.0.1 only and are stopped by the trap of the test that started them.
TEST_BUILD=${TEST_BUILD:-build-asan}
TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
check() { # check "description" command...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
tap_end() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The database of the portal whose files are in DIR: sqlite:DIR/portal.db, or, in the
# PostgreSQL round of tests/run.sh (MADOGUCHI_TEST_PG, the URL of its cluster ending in
# '/'), a database of that cluster named after DIR, made when first asked for.
portal_db_url() {
	if [ -z "${MADOGUCHI_TEST_PG:-}" ]; then
		echo "sqlite:$1/portal.db"
		return
	fi
	local name
	name="it_$(printf %s "$(realpath -m "$1")" | md5sum | cut -c1-20)"
	psql -X -q "${MADOGUCHI_TEST_PG}postgres" -c "CREATE DATABASE $name" > /dev/null 2>&1 || true
	echo "${MADOGUCHI_TEST_PG}$name"
}

# start_portal DIR [extra env...]: runs the portal from the repository root with its
# database (portal_db_url DIR); sets PORTAL_PID, PORTAL_PORT, PORTAL_URL; waits until it
# answers.
start_portal() {
	local dir=$1; shift
	PORTAL_PORT=$(free_port)
	PORTAL_URL="http://127.0.0.1:$PORTAL_PORT"
	env MADOGUCHI_PORT="$PORTAL_PORT" MADOGUCHI_DATABASE="$(portal_db_url "$dir")" \
		MADOGUCHI_DEV_MODE=1 MADOGUCHI_ACCESS_LOG="$dir/access.log" MADOGUCHI_THREADS=2 "$@" \
		"$TEST_BUILD/madoguchi" > "$dir/portal.out" 2>&1 &
	PORTAL_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$PORTAL_URL/healthz" && return 0
		kill -0 "$PORTAL_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# portal did not start:"; sed 's/^/# /' "$dir/portal.out"
	return 1
}

stop_portal() {
	[ -n "${PORTAL_PID:-}" ] || return 0
	kill -TERM "$PORTAL_PID" 2>/dev/null
	local rc=0
	wait "$PORTAL_PID" || rc=$?
	PORTAL_PID=
	return $rc
}

# Residents submitting applications in a loop (tests/submit_client.py) while a test does
# something to the portal (a backup, say): residents_start N [URL] starts N (against URL,
# default PORTAL_URL), each writing the receipts of its completion pages into $T/done.I until
# $T/stop exists, their pids in CLIENT_PIDS, and returns once 30 completion pages came (or
# after 60 s); receipts prints every receipt so far; residents_stop ends them.
residents_start() {
	local i
	CLIENT_PIDS=
	for i in $(seq 1 "$1"); do
		/usr/bin/python3 tests/submit_client.py submit "${2:-$PORTAL_URL}" "$T/done.$i" \
			"$T/client.$i.log" "$T/stop" &
		CLIENT_PIDS="$CLIENT_PIDS $!"
	done
	for _ in $(seq 1 600); do
		[ "$(receipts | wc -l)" -ge 30 ] && break
		sleep 0.1
	done
}
receipts() { cat "$T"/done.* 2>/dev/null | grep '^[0-9]'; }
residents_stop() {
	local p
	touch "$T/stop"
	for p in $CLIENT_PIDS; do wait "$p"; done
	CLIENT_PIDS=
}

# A browser-like client of the portal that start_portal started, for the tests that drive its
# pages: the cookies in $J, the last answer's head in $T/h and its body in $T/page.html, and
# SQL on the portal's database $DB (the test sets T, J and DB, DB being DIR/portal.db of
# start_portal's DIR; on PostgreSQL psql prints rows as sqlite3 does, values between |). A
# test that needs another shape of one of these defines its own after sourcing this file.
sql() {
	if [ -n "${MADOGUCHI_TEST_PG:-}" ]; then
		psql -X -q -At -F '|' -v ON_ERROR_STOP=1 "$(portal_db_url "$(dirname "$DB")")" -c "$1"
	else
		sqlite3 -cmd '.timeout 5000' "$DB" "$1"
	fi
}

# Pieces of SQL that the two back ends spell differently, for the tests' own SQL (sql above):
#   jx COL PATH        the JSON value at PATH ($.a.b or $.a[0].b) of the text column COL, as
#                      text (NULL when absent or JSON null); numbers as digits, on both
#   sql_hex EXPR       the bytes of a blob as upper-case hex (SQLite's hex())
#   sql_blob HEX       a blob literal of those bytes
#   sql_joined EXPR SEP ORDER REST   runs "select EXPR from REST" and prints the values in
#                      the order of ORDER joined by SEP (a quoted SQL string), on one line
#   sql_refuse_inserts TABLE / sql_allow_inserts TABLE: a trigger that makes every insert
#                      into TABLE fail (the error 'test'), and its removal
on_pg() { [ -n "${MADOGUCHI_TEST_PG:-}" ]; }
jx() {
	if on_pg; then
		local p=${2#\$.}
		p=$(printf %s "$p" | sed 's/\[\([0-9]*\)\]/.\1/g; s/\./,/g')
		printf "(%s::jsonb #>> '{%s}')" "$1" "$p"
	else
		printf "json_extract(%s, '%s')" "$1" "$2"
	fi
}
sql_hex() { if on_pg; then printf "upper(encode(%s, 'hex'))" "$1"; else printf 'hex(%s)' "$1"; fi; }
sql_blob() { if on_pg; then printf "decode('%s', 'hex')" "$1"; else printf "x'%s'" "$1"; fi; }
sql_joined() {
	if on_pg; then
		sql "select string_agg(($1)::text, $2 order by $3) from $4"
	else
		sql "select group_concat(v, $2) from (select $1 as v from $4 order by $3)"
	fi
}
sql_refuse_inserts() {
	if on_pg; then
		sql "create or replace function test_no_write() returns trigger language plpgsql as
			\$\$ begin raise exception 'test'; end \$\$;
			create trigger no_write before insert on $1 for each row execute function test_no_write()"
	else
		sql "create trigger no_write before insert on $1 begin select raise(abort, 'test'); end"
	fi
}
sql_allow_inserts() { if on_pg; then sql "drop trigger no_write on $1"; else sql "drop trigger no_write"; fi; }
get() { curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$PORTAL_URL$1"; }
post() { local path=$1; shift; curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$@" "$PORTAL_URL$path"; }
hidden() { grep -o "name=\"$1\" value=\"[^\"]*\"" "$T/page.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }
csrf_of() { hidden csrf; }
has() { grep -qF "$1" "$T/page.html"; }
location() { grep -i '^Location:' "$T/h" | tr -d '\r' | cut -d' ' -f2; }
