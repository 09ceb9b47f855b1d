#!/usr/bin/env bash
# run.sh: postgres too
# Crash test of submissions (issue: applying). A client submits applications in a loop
# (form, confirmation, 「申請する」 with the confirmation, completion page, sometimes the
# same submission again) while this script kills the portal with SIGKILL at random moments
# and starts it again on the same database. Afterwards every application whose completion
# page the client received is in the database exactly once, no draft was submitted twice,
# and the database passes its integrity check. CRASH_KILLS sets the number of kills (20).
# On SQLite, or on PostgreSQL in the PostgreSQL round of tests/run.sh (tests/lib.sh:
# portal_db_url), where the integrity check is amcheck's of every index of the
# applications and drafts.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-crash.XXXXXX)
CLIENT_PID=
trap '[ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null; [ -n "${PORTAL_PID:-}" ] && kill -9 "$PORTAL_PID" 2>/dev/null; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
KILLS=${CRASH_KILLS:-20}
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
PORT=$PORTAL_PORT

restart() {
	env MADOGUCHI_PORT="$PORT" MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_DEV_MODE=1 \
		MADOGUCHI_ACCESS_LOG="$T/access.log" MADOGUCHI_THREADS=2 \
		"$TEST_BUILD/madoguchi" >> "$T/portal.out" 2>&1 &
	PORTAL_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$PORTAL_URL/healthz" && return 0
		sleep 0.05
	done
	return 1
}

/usr/bin/python3 tests/submit_client.py submit "$PORTAL_URL" "$T/completed" "$T/client.log" "$T/stop" &
CLIENT_PID=$!

kills=0
while kill -0 "$CLIENT_PID" 2>/dev/null && [ "$kills" -lt "$KILLS" ]; do
	sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))"
	kill -9 "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null
	kills=$((kills + 1))
	restart || { not_ok "portal restarts after SIGKILL $kills"; break; }
done
touch "$T/stop"
wait "$CLIENT_PID"
CLIENT_PID=
kill -9 "$PORTAL_PID" 2>/dev/null; wait "$PORTAL_PID" 2>/dev/null; PORTAL_PID=

n=$(grep -c '^[0-9]' "$T/completed" 2>/dev/null || echo 0)
echo "# kills: $kills; completion pages received: $n; client: $(tail -1 "$T/client.log")"
check "the portal was killed with SIGKILL $kills times during submissions" [ "$kills" -ge 5 ]
check "completion pages were received meanwhile ($n)" [ "$n" -ge 5 ]
check "a repeated submission always led to the same completion page" [ "$(grep -c DOUBLE "$T/completed")" = 0 ]
DB=$T/portal.db
got=$(grep '^[0-9]' "$T/completed" 2>/dev/null)
bad=0
for r in $got; do
	[ "$(sql "select count(*) from applications where receipt = '$r'")" = 1 ] || bad=$((bad + 1))
done
dups=$(sql "select count(*) - count(distinct draft_key) from applications")
unlinked=$(sql "select count(*) from applications a join drafts d on d.key = a.draft_key where d.receipt is null or d.receipt <> a.receipt")
total=$(sql "select count(*) from applications")
if [ -n "${MADOGUCHI_TEST_PG:-}" ]; then
	sql "create extension if not exists amcheck" > /dev/null
	integrity=$(sql "select count(*) from (select bt_index_check(c.oid, true) from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam where a.amname = 'btree' and i.indrelid in ('applications'::regclass, 'drafts'::regclass)) x" 2>&1)
	case "$integrity" in [1-9]*) integrity=ok ;; esac
else
	integrity=$(sql "pragma integrity_check")
fi
echo "# $total applications; integrity: $integrity"
set -- "$([ "$(printf '%s\n' $got | sort | uniq -d | wc -l)" = 0 ] && echo True)" \
	"$([ "$bad" = 0 ] && echo True)" "$([ "$dups" = 0 ] && echo True)" \
	"$([ "$unlinked" = 0 ] && echo True)" "$([ "$integrity" = ok ] && echo True)" \
	"$([ "$total" -ge "$n" ] && echo True)" "$total"
check "every receipt number shown was shown once" [ "$1" = True ]
check "every application whose completion page was shown is in the database exactly once" [ "$2" = True ]
check "no draft became two applications" [ "$3" = True ]
check "each application's draft is marked with its receipt" [ "$4" = True ]
check "the database passes its integrity check" [ "$5" = True ]
check "applications in the database ($7) include all completed ones ($n)" [ "$6" = True ]
tap_end
