#!/usr/bin/env bash
# Restore test of `madoguchi backup FILE` (issue 15, docs/operations.md). Three residents
# submit applications in a loop (tests/submit_client.py) against a running portal whose
# database carries 8 MiB of padding, so that the copy takes many steps; the backup is taken
# while they submit. Every receipt whose completion page came before the backup began must
# be in the copy exactly once; a portal started on the copy (the restore: the file copied in
# place) passes integrity_check and shows each of those applications on マイページ.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-backup.XXXXXX)
CLIENT_PIDS=
trap 'for p in $CLIENT_PIDS; do kill "$p" 2>/dev/null; done; [ -n "${PORTAL_PID:-}" ] && kill -9 "$PORTAL_PID" 2>/dev/null; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
MPORT=$(free_port)
start_portal "$T" MADOGUCHI_METRICS_LISTEN="127.0.0.1:$MPORT" || { not_ok "portal starts"; tap_end; exit 1; }
DB=$T/portal.db
sql "CREATE TABLE backup_test_pad (b BLOB NOT NULL);
     INSERT INTO backup_test_pad WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
     FROM n WHERE i < 128) SELECT randomblob(65536) FROM n;"
backup() { env MADOGUCHI_DATABASE="$1" "$TEST_BUILD/madoguchi" backup "$2"; }
residents_start 3
receipts > "$T/before"
n_before=$(wc -l < "$T/before")
t0=$(date +%s%N)
out=$(backup "sqlite:$DB" "$T/backup.db" 2>&1)
rc=$?
t1=$(date +%s%N)
sleep 1 # the residents go on submitting after the backup
running=0
for p in $CLIENT_PIDS; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
residents_stop
n_all=$(receipts | wc -l)
echo "# $out"
echo "# backup took $(( (t1 - t0) / 1000000 )) ms; receipts acknowledged before it began: $n_before, in all: $n_all"
check "madoguchi backup succeeded while residents submitted" [ "$rc" = 0 ]
check "it reports integrity_check ok" grep -q "integrity_check ok" <<< "$out"
check "applications were acknowledged before the backup began ($n_before)" [ "$n_before" -ge 30 ]
check "the three residents were still submitting after the backup ($running)" [ "$running" = 3 ]
# the submissions went through the group-committing writer (group_commit, on by default)
curl -s "http://127.0.0.1:$MPORT/metrics" > "$T/metrics"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
jobs=$(metric madoguchi_writer_jobs_total) groups=$(metric madoguchi_writer_groups_total)
echo "# the writer: ${jobs:-?} submissions in ${groups:-?} groups (one durable commit each), $(metric madoguchi_writer_lost_total) lost"
check "every acknowledged submission went through the writer ($n_all acknowledged, ${jobs:-?} written)" \
	[ "${jobs:-0}" -ge "$n_all" ]
check "... in groups, none lost by a failed commit" [ "${groups:-0}" -ge 1 -a "$(metric madoguchi_writer_lost_total)" = 0 ]
check "and more applications came after it ($n_all > $n_before)" [ "$n_all" -gt "$n_before" ]
check "the copy is readable by its owner only" [ "$(stat -c %a "$T/backup.db")" = 600 ]
check "no FILE.tmp is left behind" [ ! -e "$T/backup.db.tmp" ]
sum=$(sha256sum < "$T/backup.db")
check "a second backup into the same FILE is refused" bash -c "! env MADOGUCHI_DATABASE=sqlite:$DB $TEST_BUILD/madoguchi backup $T/backup.db 2>/dev/null"
check "and leaves FILE as it was" [ "$(sha256sum < "$T/backup.db")" = "$sum" ]
pg=$(backup "postgresql://127.0.0.1/madoguchi" "$T/pg.db" 2>&1)
check "a postgresql:// database is refused, pointing to pg_dump" grep -q pg_dump <<< "$pg"
check "and nothing is written for it" [ ! -e "$T/pg.db" ]
backup "sqlite:$T/typo.db" "$T/typo-backup.db" 2> /dev/null
check "a path that holds no portal database (a typo) is refused" [ "$?" = 1 ]
check "and nothing is written for it either" [ ! -e "$T/typo-backup.db" ]
stop_portal

mkdir "$T/restored"
cp "$T/backup.db" "$T/restored/portal.db"
res=$(/usr/bin/python3 - "$T/restored/portal.db" "$T/before" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
want = [l.strip() for l in open(sys.argv[2])]
found = sum(db.execute("select count(*) from applications where receipt=?", (r,)).fetchone()[0] == 1 for r in want)
print(found, db.execute("select count(*) from applications").fetchone()[0],
      db.execute("pragma integrity_check").fetchone()[0])
PY
)
set -- $res
echo "# restored copy: $1 of $n_before found by receipt, $2 applications in all"
check "every application acknowledged before the backup is in the copy once ($1/$n_before)" [ "$1" = "$n_before" ]
check "the copy holds no more applications than were submitted ($2 <= $n_all)" [ "$2" -le "$n_all" ]
check "the copy passes integrity_check" [ "$3" = ok ]
start_portal "$T/restored" || { not_ok "a portal starts on the restored copy"; tap_end; exit 1; }
ok "a portal starts on the restored copy"
seen=$(/usr/bin/python3 tests/submit_client.py look "$PORTAL_URL" "$T/before")
echo "# マイページ of the restored portal shows $seen of $n_before"
check "the restored portal shows each of them on マイページ ($seen/$n_before)" [ "$seen" = "$n_before" ]
check "the restored portal serves the catalogue" [ "$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/procedures/sodaigomi-collection")" = 200 ]
check "the restored portal stops cleanly" stop_portal
tap_end
