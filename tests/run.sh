#!/usr/bin/env bash
# Runs every test and ends with one line "N passed, N failed".
#  - unit tests (cmocka) of the plain build and of the sanitizer build, and the store's unit
#    tests of the sanitizer build on PostgreSQL (tests/pg_unit.sh)
#  - integration tests tests/integration/*.sh and browser tests tests/e2e/*.mjs (not _*.mjs), run against
#    the sanitizer build (TEST_BUILD); each prints TAP lines "ok - ..." / "not ok - ..."; those
#    marked `# run.sh: postgres too` again on PostgreSQL (pg_round below)
#  - each fuzz target for FUZZ_SECONDS seconds
#  - the checks of tests/style/ (the C sources formatted as .clang-format says)
# A test program that exits non-zero without reporting a failure counts as one failure.
# Independent suites run side by side, TEST_JOBS at a time (default: cores + 1; every suite
# starts its own servers on free ports and keeps its files in its own temporary directory).
# A suite that measures the machine under load (it says `# run.sh: alone` in its first 20
# lines) runs after the others, by itself. The results are printed in a fixed order.
set -u
cd "$(dirname "$0")/.."
export TEST_BUILD=${TEST_BUILD:-build-asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
TEST_JOBS=${TEST_JOBS:-$(($(nproc) + 1))}
ONLY=${1:-}
passed=0
failed=0
failures=()
names=() kinds=() logs=()
alone=()
logdir=$(mktemp -d /tmp/madoguchi-tests.XXXXXX)
t0=$SECONDS

count_output() { # name logfile rc kind
	local name=$1 log=$2 rc=$3 kind=$4 p f
	if [ "$kind" = fuzz ]; then # libFuzzer: exit 0 after its time, no crash found
		p=0 f=0
		[ "$rc" -eq 0 ] && p=1 && echo "ok - $name $(grep -o 'Done [0-9]* runs' "$log" | tail -1)" >> "$log"
	elif [ "$kind" = cmocka ]; then
		p=$(grep -c '^\[       OK \]' "$log")
		f=$(grep -E '^\[  FAILED  \] ' "$log" | grep -vc 'test(s)')
		f=$(( f / 2 )) # cmocka prints each failed test twice (as it fails and in the list)
	else
		p=$(grep -cE '^ok( |$)' "$log")
		f=$(grep -cE '^not ok( |$)' "$log")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "no test ran in $name" >> "$log"; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		echo "---- $name failed (exit $rc); its output:"
		tail -n 60 "$log"
		echo "----"
	fi
	printf '%-50s %4d passed %4d failed %5ss\n' "$name" "$p" "$f" "$(cat "$log.secs" 2>/dev/null)"
}

# run_suite LOG COMMAND...: the suite, its exit status in LOG.rc and its seconds in LOG.secs
run_suite() {
	local log=$1 s=$SECONDS rc
	shift
	"$@" > "$log" 2>&1
	rc=$?
	echo $((SECONDS - s)) > "$log.secs"
	echo "$rc" > "$log.rc"
}

pool_wait() { # waits until fewer than $1 suites run
	while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n; done
}

start_one() { # name kind command...
	local name=$1 kind=$2; shift 2
	[ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]] && return 0
	local log="$logdir/$(echo "$name" | tr '/ ' '__').log"
	names+=("$name") kinds+=("$kind") logs+=("$log")
	pool_wait "$TEST_JOBS"
	run_suite "$log" timeout 900 "$@" &
}

is_alone() { head -n 20 "$1" | grep -q '^# run.sh: alone'; }
# A suite that says `# run.sh: postgres too` in its first 20 lines runs a second time with its
# portals on PostgreSQL: one throw-away cluster for all of them (tests/pg_env.sh), each
# portal a database of its own there (tests/lib.sh: portal_db_url).
on_pg_too() { head -n 20 "$1" | grep -q '^# run.sh: postgres too'; }
pg_round() {
	local t want=()
	for t in tests/integration/*.sh; do
		on_pg_too "$t" || continue
		[ -n "$ONLY" ] && [[ "postgres:$t" != *"$ONLY"* ]] && continue
		want+=("$t")
	done
	[ ${#want[@]} -gt 0 ] || return 0
	. tests/pg_env.sh
	PG_ROUND_DIR=$(pg_env_tmpdir madoguchi-pg)
	if ! pg_env_start "$PG_ROUND_DIR" > "$logdir/pg_env.log" 2>&1; then
		cat "$logdir/pg_env.log"
		failed=$((failed + 1))
		failures+=("the PostgreSQL round's cluster")
		return 0
	fi
	trap 'pg_env_stop; rm -rf "$PG_ROUND_DIR"' EXIT
	# over its socket: the card tests run in a network namespace of their own
	local url="postgresql://postgres@$(printf %s "$PG_SOCK" | sed 's|/|%2F|g'):$PG_PORT/"
	for t in "${want[@]}"; do
		start_one "postgres:$t" tap env MADOGUCHI_TEST_PG="$url" bash "$t"
	done
}

# The longest suites first, so that the pool ends together.
pg_round
for t in tests/e2e/*.mjs tests/integration/*.sh tests/style/*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in _*) continue ;; esac # helpers, not tests
	if is_alone "$t"; then alone+=("$t"); continue; fi
	case "$t" in *.mjs) start_one "$t" tap node "$t" ;; *) start_one "$t" tap bash "$t" ;; esac
done
for b in build "$TEST_BUILD"; do
	for t in "$b"/tests/test_*; do
		# the real bank and postal tables made by make
		[ -x "$t" ] && start_one "$t" cmocka env REFDATA_DIR="$b/refdata" "$t"
	done
done
# the store's unit tests again, on a PostgreSQL cluster of their own
start_one tests/pg_unit.sh cmocka bash tests/pg_unit.sh
for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	[ -n "$ONLY" ] && [[ "$f" != *"$ONLY"* ]] && continue
	n=$(basename "$f")
	corpus="$logdir/corpus-$n" # a copy of the seeds: the fuzzer adds to it
	mkdir -p "$corpus"
	[ -d "fuzz/corpus/${n#fuzz_}" ] && cp -r "fuzz/corpus/${n#fuzz_}/." "$corpus/"
	start_one "$f" fuzz "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "$corpus"
done
wait
for t in "${alone[@]}"; do
	start_one "$t" tap bash "$t"
	wait
done

for i in "${!names[@]}"; do
	count_output "${names[$i]}" "${logs[$i]}" "$(cat "${logs[$i]}.rc" 2>/dev/null || echo 1)" "${kinds[$i]}"
done
echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "logs: $logdir ($((SECONDS - t0)) s, $TEST_JOBS at a time)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
