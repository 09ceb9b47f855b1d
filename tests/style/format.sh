#!/usr/bin/env bash
# The C sources are formatted as .clang-format says: one TAP line per file that
# `clang-format --dry-run -Werror` finds drifting (with its first complaints), and one line
# for the whole tree. `make format` fixes the drift.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
command -v clang-format > /dev/null || { not_ok "clang-format is installed"; tap_end; exit 1; }
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/tools/*.c' 'fuzz/*.c' 'bench/*.c' 2> /dev/null)
[ -n "$files" ] || files=$(ls src/*.c src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/tools/*.c fuzz/*.c bench/*.c 2> /dev/null)
bad=0 n=0
for f in $files; do
	n=$((n + 1))
	if ! out=$(clang-format --dry-run -Werror "$f" 2>&1); then
		bad=$((bad + 1))
		not_ok "$f is not formatted (make format)"
		head -n 6 <<<"$out" | sed 's/^/# /'
	fi
done
check "clang-format: $n files, $bad drifting" [ "$bad" -eq 0 -a "$n" -gt 0 ]
tap_end
