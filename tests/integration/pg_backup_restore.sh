#!/usr/bin/env bash
# Restore test of a PostgreSQL database (docs/operations.md: pg_dump, pg_restore), on a
# throw-away cluster (tests/pg_env.sh). Three residents submit applications in a loop
# (tests/submit_client.py) while `pg_dump -Fc` copies the database; the dump is restored into
# a new database made as the guide says, and a portal started on it shows on マイページ every
# application whose completion page came before the dump began, each once in the copy.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/pg_env.sh
T=$(pg_env_tmpdir madoguchi-pgbackup)
CLIENT_PIDS=
trap 'for p in $CLIENT_PIDS; do kill "$p" 2>/dev/null; done; [ -n "${PORTAL_PID:-}" ] && kill -9 "$PORTAL_PID" 2>/dev/null; pg_env_stop; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
pg_env_start "$T" || { not_ok "the PostgreSQL cluster starts"; tap_end; exit 1; }
HOST=$(printf %s "$PG_SOCK" | sed 's|/|%2F|g')
url() { echo "postgresql://postgres@$HOST:$PG_PORT/$1"; }
pg_psql postgres -c "CREATE DATABASE madoguchi" > /dev/null
mkdir "$T/live" "$T/restored"
start_portal "$T/live" MADOGUCHI_DATABASE="$(url madoguchi)" || { not_ok "portal starts"; tap_end; exit 1; }
residents_start 3
receipts > "$T/before"
n_before=$(wc -l < "$T/before")
t0=$(date +%s%N)
pg_dump -Fc -f "$T/madoguchi.dump" "$(url madoguchi)" 2> "$T/dump.err"
rc=$?
t1=$(date +%s%N)
sleep 1 # the residents go on submitting after the dump
residents_stop
n_after=$(receipts | wc -l)
echo "# pg_dump: $(( (t1 - t0) / 1000000 )) ms, $(stat -c %s "$T/madoguchi.dump") bytes; receipts before it $n_before, in all $n_after"
check "pg_dump exits 0 while residents submit ($rc)" [ "$rc" = 0 ]
check "receipts came before the dump ($n_before) and after it ($n_after)" [ "$n_after" -gt "$n_before" ]
stop_portal

pg_psql postgres -c "CREATE DATABASE madoguchi_restored TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'" > /dev/null
pg_restore -d "$(url madoguchi_restored)" "$T/madoguchi.dump" 2> "$T/restore.err"
rc=$?
check "pg_restore into a new database exits 0 ($rc)" [ "$rc" = 0 ]
bad=0
for r in $(cat "$T/before"); do
	[ "$(pg_psql madoguchi_restored -At -c "SELECT count(*) FROM applications WHERE receipt = '$r'")" = 1 ] || bad=$((bad + 1))
done
check "each of the $n_before applications acknowledged before the dump is in the copy once ($bad not)" [ "$bad" = 0 ]
start_portal "$T/restored" MADOGUCHI_DATABASE="$(url madoguchi_restored)" ||
	{ not_ok "a portal starts on the restored database"; tap_end; exit 1; }
seen=$(/usr/bin/python3 tests/submit_client.py look "$PORTAL_URL" "$T/before")
check "マイページ of the restored portal shows each of them ($seen of $n_before)" [ "$seen" = "$n_before" ]
stop_portal
rc=$?
check "the portal on the copy stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
