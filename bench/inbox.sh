#!/usr/bin/env bash
# The staff inbox with many applications (COUNT, default 100,000, made by bench/inbox_fill
# through the portal's submission code): a reviewer of the three procedures logs in (TOTP code
# from oathtool) and wrk loads, one after the other with the same threads, connections and
# duration: the inbox's first page (/staff: counts per status and the newest 20), a filtered
# page (one procedure and one status), a search (furigana typed in half-width, ﾔﾏﾀﾞ, which one
# applicant in ten matches, over the last 30 days), the dashboard (/staff/dashboard, 集計: arrivals
# per day of the last 30 and of the last 90 days, waiting counts, the oldest, medians, those past
# the 標準処理期間), and, as the reference of the same run, the volunteer
# procedure's page (the page bench/run.sh compares with nginx). Prints requests/second and the
# p50 and p99 latency of each. A benchmark, not a test: it asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
COUNT=${COUNT:-100000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
CORES=$(nproc)
T=$(mktemp -d /tmp/madoguchi-inbox-bench.XXXXXX)
MPID=
cleanup() { [ -n "$MPID" ] && kill "$MPID" 2> /dev/null; wait 2> /dev/null; rm -rf "$T"; }
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
command -v oathtool > /dev/null || { echo "inbox bench: oathtool is missing (scripts/setup.sh installs it)"; exit 1; }

s0=$SECONDS
"$BUILD/bench/inbox_fill" "$T/b.db" "$COUNT"
echo "filled $COUNT applications in $((SECONDS - s0)) s: $(sqlite3 "$T/b.db" \
	"SELECT group_concat(status || ' ' || n, ', ') FROM (SELECT status, count(*) AS n FROM applications GROUP BY status)")"

MP=$(port)
U="http://127.0.0.1:$MP"
MADOGUCHI_PORT=$MP MADOGUCHI_DATABASE="sqlite:$T/b.db" MADOGUCHI_DEV_MODE=1 MADOGUCHI_THREADS=$CORES \
	MADOGUCHI_ACCESS_LOG="" MADOGUCHI_MAIL_MODE=dev "$BUILD/madoguchi" > "$T/madoguchi.out" 2>&1 &
MPID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "$U/healthz" && break; sleep 0.1; done

# the reviewer's login (inbox_fill's BENCH_STAFF_*), the session cookie for wrk
J="$T/jar"
curl -s -c "$J" -b "$J" -o "$T/login.html" "$U/staff/login"
CSRF=$(grep -o 'name="csrf" value="[^"]*"' "$T/login.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
curl -s -c "$J" -b "$J" -o /dev/null --data-urlencode "csrf=$CSRF" \
	--data-urlencode "email=bench@city.example.jp" --data-urlencode "password=bench-staff-2026" \
	--data-urlencode "code=$(oathtool --totp -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)" "$U/staff/login"
COOKIE=$(awk '$6 ~ /staff/ { print $6 "=" $7 }' "$J" | head -1)
[ -n "$COOKIE" ] || { echo "inbox bench: the staff login failed"; cat "$T/madoguchi.out"; exit 1; }

FIRST=/staff
FILTERED="/staff?proc=road-park-report&status=accepted"
SEARCH="/staff?name=%EF%BE%94%EF%BE%8F%EF%BE%80%EF%BE%9E&from=$(TZ=Asia/Tokyo date -d '30 days ago' +%F)&to=$(TZ=Asia/Tokyo date +%F)"
DASH=/staff/dashboard
DASH90="/staff/dashboard?days=90"
PAGE=/procedures/kaigo-volunteer-point
for p in "$FIRST" "$FILTERED" "$SEARCH" "$DASH" "$DASH90"; do
	code=$(curl -s -o "$T/p.html" -w '%{http_code}' -H "Cookie: $COOKIE" "$U$p")
	rows=$(grep -c 'href="/staff/applications/' "$T/p.html" || true)
	[ "$code" = 200 ] && [ "$rows" -gt 0 ] || { echo "inbox bench: $p answered $code with $rows rows"; exit 1; }
	echo "$p: $(stat -c %s "$T/p.html") bytes, $rows application links"
done

# one line: requests/s, p50, p99 (wrk's latency distribution)
load() {
	wrk --latency -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Cookie: $COOKIE" "$U$1" |
		awk '/Requests\/sec/ { r = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		     / [0-9]+ requests in/ { n = $1 } /Non-2xx/ { bad = $NF }
		     END { printf "%12s %10s %10s %10s %s\n", r, p50, p99, n, bad ? "non-2xx " bad : "" }'
}
wrk -t1 -c4 -d1s -H "Cookie: $COOKIE" "$U$FIRST" > /dev/null # warm-up
echo "$COUNT applications; wrk -t$THREADS -c$CONNS -d$DURATION; $CORES cores"
printf '%-44s %12s %10s %10s %10s\n' "" "req/s" "p50" "p99" "requests"
printf '%-44s %s\n' "inbox, first page ($FIRST)" "$(load "$FIRST")"
printf '%-44s %s\n' "inbox, filtered page" "$(load "$FILTERED")"
printf '%-44s %s\n' "inbox, name search, 30 days" "$(load "$SEARCH")"
printf '%-44s %s\n' "dashboard, 30 days ($DASH)" "$(load "$DASH")"
printf '%-44s %s\n' "dashboard, 90 days" "$(load "$DASH90")"
printf '%-44s %s\n' "procedure page ($PAGE, reference)" "$(load "$PAGE")"
echo "filtered page: $FILTERED; name search: $SEARCH"
