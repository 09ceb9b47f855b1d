#!/usr/bin/env bash
# Runs every test and ends with one line "N passed, N failed".
#  - unit tests (cmocka) of the plain build and of the sanitizer build
#  - integration tests tests/integration/*.sh and browser tests tests/e2e/*.mjs (not _*.mjs), run against
#    the sanitizer build (TEST_BUILD); each prints TAP lines "ok - ..." / "not ok - ..."
#  - each fuzz target for FUZZ_SECONDS seconds
# A test program that exits non-zero without reporting a failure counts as one failure.
set -u
cd "$(dirname "$0")/.."
export TEST_BUILD=${TEST_BUILD:-build-asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
ONLY=${1:-}
passed=0
failed=0
failures=()
logdir=$(mktemp -d /tmp/madoguchi-tests.XXXXXX)

count_output() { # name logfile rc kind
	local name=$1 log=$2 rc=$3 kind=$4 p f
	if [ "$kind" = cmocka ]; then
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
	printf '%-50s %4d passed %4d failed\n' "$name" "$p" "$f"
}

run_one() { # name kind command...
	local name=$1 kind=$2; shift 2
	[ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]] && return 0
	local log="$logdir/$(echo "$name" | tr '/ ' '__').log"
	timeout 900 "$@" > "$log" 2>&1
	count_output "$name" "$log" $? "$kind"
}

for b in build "$TEST_BUILD"; do
	export REFDATA_DIR="$b/refdata" # the real bank and postal tables made by make
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] && run_one "$t" cmocka "$t"
	done
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] && run_one "$t" tap bash "$t"
done
for t in tests/e2e/*.mjs; do
	case "$(basename "$t")" in _*) continue ;; esac # helpers, not tests
	[ -f "$t" ] && run_one "$t" tap node "$t"
done
for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus="$logdir/corpus-$n"
	mkdir -p "$corpus"
	[ -d "fuzz/corpus/${n#fuzz_}" ] && cp -r "fuzz/corpus/${n#fuzz_}/." "$corpus/"
	[ -n "$ONLY" ] && [[ "$f" != *"$ONLY"* ]] && continue
	log="$logdir/$n.log"
	timeout $((FUZZ_SECONDS + 120)) "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "$corpus" > "$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then echo "ok - $n ran $(grep -o 'Done [0-9]* runs' "$log" | tail -1)" >> "$log"; fi
	count_output "$f" "$log" $rc tap
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
