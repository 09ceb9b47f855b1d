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

# start_portal DIR [extra env...]: runs the portal from the repository root with a database
# in DIR; sets PORTAL_PID, PORTAL_PORT, PORTAL_URL; waits until it answers.
start_portal() {
	local dir=$1; shift
	PORTAL_PORT=$(free_port)
	PORTAL_URL="http://127.0.0.1:$PORTAL_PORT"
	env MADOGUCHI_PORT="$PORTAL_PORT" MADOGUCHI_DATABASE="sqlite:$dir/portal.db" \
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
