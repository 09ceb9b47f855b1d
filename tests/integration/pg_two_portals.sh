#!/usr/bin/env bash
# Two portal processes on one PostgreSQL database (a throw-away cluster of Debian's
# postgresql, tests/pg_env.sh), as behind a load balancer: everything a resident has lives in
# the database, so any process serves any request.
#  1. One resident's journey across the two: log in on A, the form saved through B, the
#     confirmation on A, 「申請する」 through B, the completion page and マイページ on A.
#  2. Both take submissions at once: four residents, two saving on A and submitting through
#     B, two the other way round, for SUBMIT_SECONDS (8); no receipt number is given twice and
#     every acknowledged application is in the database exactly once.
#  3. The same while portal A is killed with SIGKILL KILLS (6) times and started again: every
#     completion page shown has its application, once, and no draft became two.
#  4. A process started with other procedure files says that they differ.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/pg_env.sh
T=$(pg_env_tmpdir madoguchi-pg2)
CLIENTS=()
A_PID= B_PID=
cleanup() {
	for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$A_PID" ] && kill -9 "$A_PID" 2>/dev/null
	[ -n "$B_PID" ] && kill -TERM "$B_PID" 2>/dev/null
	pg_env_stop
	rm -rf "$T"
}
trap cleanup EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
SECS=${SUBMIT_SECONDS:-8}
KILLS=${KILLS:-6}

pg_env_start "$T" || { not_ok "the PostgreSQL cluster starts"; tap_end; exit 1; }
pg_psql postgres -c "CREATE DATABASE madoguchi" > /dev/null
URL="postgresql://postgres@$(printf %s "$PG_SOCK" | sed 's|/|%2F|g'):$PG_PORT/madoguchi"
psq() { pg_psql madoguchi -At -c "$1"; }

mkdir -p "$T/a" "$T/b"
start_portal "$T/a" MADOGUCHI_DATABASE="$URL" || { not_ok "portal A starts"; tap_end; exit 1; }
A_PID=$PORTAL_PID A=$PORTAL_URL A_PORT=$PORTAL_PORT
start_portal "$T/b" MADOGUCHI_DATABASE="$URL" || { not_ok "portal B starts"; tap_end; exit 1; }
B_PID=$PORTAL_PID B=$PORTAL_URL
PORTAL_PID=

# 1. One journey across the two processes (the cookie jar goes to both: only the port differs).
J=$T/jar
P=/procedures/sodaigomi-collection
at() { local base=$1 path=$2; shift 2; curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$@" "$base$path"; }
at "$A" /login > /dev/null
s=$(at "$A" /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026 --data-urlencode return=/mypage)
check "logged in on A ($s)" [ "$s" = 303 ]
s=$(at "$B" /mypage)
check "B knows the session: マイページ (200)" [ "$s" = 200 ]
at "$B" "$P/form" > /dev/null
place=$(grep -o 'name="place" value="[^"]*"' "$T/page.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
s=$(at "$B" "$P/form" --data-urlencode "csrf=$(csrf_of)" --data-urlencode 'items=たんす 1点' \
	--data-urlencode item_count=1 --data-urlencode "place=$place" --data-urlencode 'name=見取 花子' \
	--data-urlencode postal_code=100-0001 --data-urlencode 'address=東京都千代田区千代田1-1' \
	--data-urlencode phone=048-000-0000 --data-urlencode action=next)
check "the form saved through B goes on to the confirmation ($s)" [ "$s" = 303 ]
s=$(at "$A" "$P/confirm")
check "A shows the confirmation of the draft B saved ($s)" [ "$s" = 200 ]
has 'たんす 1点'
check "... with the answers" [ $? = 0 ]
s=$(at "$B" "$P/submit" --data-urlencode "csrf=$(csrf_of)" --data-urlencode "key=$(hidden key)" \
	--data-urlencode "digest=$(hidden digest)" --data-urlencode confirmed=1)
done_path=$(location)
check "「申請する」 through B ($s)" [ "$s" = 303 ]
s=$(at "$A" "$done_path")
receipt=$(grep -o 'class="receipt">[0-9-]*<' "$T/page.html" | sed 's/[^0-9-]//g')
check "A shows the completion page ($s, $receipt)" grep -q '以上で、申請は完了です。' "$T/page.html"
s=$(at "$A" "/mypage/$receipt")
check "A's マイページ has the application ($s)" [ "$s" = 200 ]

# 2. Four residents at once across both (accounts copied from the demo resident's).
for i in 2 3 4 5; do
	psq "INSERT INTO accounts (email, email_key, pw_hash, created_at, verified_at)
	     SELECT 'demo$i@example.jp', 'demo$i@example.jp', pw_hash, created_at, verified_at
	     FROM accounts WHERE email_key = 'demo@example.jp'" > /dev/null
done
clients() { # DIR: four clients writing DIR/completed.N
	local i base via
	CLIENTS=()
	for i in 2 3 4 5; do
		if [ $((i % 2)) = 0 ]; then base=$A via=$B; else base=$B via=$A; fi
		SUBMIT_EMAIL="demo$i@example.jp" SUBMIT_VIA=$via /usr/bin/python3 tests/submit_client.py \
			submit "$base" "$1/completed.$i" "$1/client.$i.log" "$1/stop" &
		CLIENTS+=($!)
	done
}
finish_clients() { # DIR
	touch "$1/stop"
	for p in "${CLIENTS[@]}"; do wait "$p"; done
	CLIENTS=()
}
# Every receipt of DIR's completion files once, each in the database once, no draft twice.
verify_round() { # DIR LABEL
	local got bad=0 r n dups
	got=$(cat "$1"/completed.* 2>/dev/null | grep '^[0-9]')
	n=$(printf '%s\n' $got | grep -c .)
	check "$2: completion pages received ($n)" [ "$n" -ge 20 ]
	check "$2: no receipt number was shown twice" [ "$(printf '%s\n' $got | sort | uniq -d | wc -l)" = 0 ]
	check "$2: a repeated submission led to the same page" [ "$(cat "$1"/completed.* | grep -c DOUBLE)" = 0 ]
	for r in $got; do
		[ "$(psq "SELECT count(*) FROM applications WHERE receipt = '$r'")" = 1 ] || bad=$((bad + 1))
	done
	check "$2: each is in the database exactly once ($bad not)" [ "$bad" = 0 ]
	dups=$(psq "SELECT count(*) - count(DISTINCT draft_key) FROM applications")
	check "$2: no draft became two applications ($dups)" [ "$dups" = 0 ]
}
mkdir "$T/r2"
clients "$T/r2"
sleep "$SECS"
finish_clients "$T/r2"
verify_round "$T/r2" "both at once"
echo "# both at once: $(cat "$T"/r2/completed.* | grep -c '^[0-9]') submissions in $SECS s"

# 3. SIGKILL of A during submissions, A started again on the same port.
restart_a() {
	env MADOGUCHI_PORT="$A_PORT" MADOGUCHI_DATABASE="$URL" MADOGUCHI_DEV_MODE=1 \
		MADOGUCHI_ACCESS_LOG="$T/a/access.log" MADOGUCHI_THREADS=2 \
		"$TEST_BUILD/madoguchi" >> "$T/a/portal.out" 2>&1 &
	A_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$A/healthz" && return 0
		sleep 0.05
	done
	return 1
}
mkdir "$T/r3"
clients "$T/r3"
kills=0
while [ "$kills" -lt "$KILLS" ]; do
	sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))"
	kill -9 "$A_PID" 2>/dev/null && wait "$A_PID" 2>/dev/null
	kills=$((kills + 1))
	restart_a || { not_ok "A starts again after SIGKILL $kills"; break; }
done
sleep 1
finish_clients "$T/r3"
check "A was killed with SIGKILL $kills times" [ "$kills" -ge "$KILLS" ]
verify_round "$T/r3" "A killed meanwhile"
total=$(psq "SELECT count(*) FROM applications")
last=$(psq "SELECT last FROM receipt_counters")
echo "# applications: $total; the receipt counter: $last"
# 4. A third process with other procedure files (one version bumped) says so as it starts.
cp -r procedures "$T/procs"
sed -i '0,/"version": 1/s//"version": 2/' "$T/procs/sodaigomi-collection.json"
mkdir "$T/c"
start_portal "$T/c" MADOGUCHI_DATABASE="$URL" MADOGUCHI_PROCEDURES_DIR="$T/procs" ||
	not_ok "portal C starts"
check "C, with other procedure files, says they differ from the others'" \
	grep -q "the procedures differ from those the portal last started with on this database" "$T/c/portal.out"
stop_portal
kill -TERM "$B_PID"
wait "$B_PID"
rc=$?
B_PID=
check "B stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
