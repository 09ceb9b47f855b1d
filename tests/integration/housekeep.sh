#!/usr/bin/env bash
# run.sh: postgres too
# Housekeeping (src/http/housekeep.c): ten seconds after start the portal deletes sessions past
# their timeouts, old throttling rows, records of uploads without login older than a day, and
# drafts without login untouched for anon_draft_hours (48; with their attachments); an
# account's draft and a fresh one stay. It also says when the database's procedure set is not
# its own (another portal process started with other procedure files).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-hk.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
now=$(date +%s)
old=$((now - 8 * 86400))
sql "insert into drafts (key, owner, proc_id, proc_version, raw, created_at, updated_at) values
	('anon-old', 's:$(printf 'a%.0s' $(seq 64))', 'road-park-report', 1, '{}', $old, $old),
	('anon-new', 's:$(printf 'b%.0s' $(seq 64))', 'road-park-report', 1, '{}', $now, $now),
	('anon-3d', 's:$(printf 'd%.0s' $(seq 64))', 'road-park-report', 1, '{}', $((now - 3 * 86400)), $((now - 3 * 86400))),
	('anon-47h', 's:$(printf 'e%.0s' $(seq 64))', 'road-park-report', 1, '{}', $((now - 47 * 3600)), $((now - 47 * 3600))),
	('acct-old', 'a:1', 'sodaigomi-collection', 1, '{}', $old, $old);
	insert into attachments (draft_key, field, filename, mime, size, sha256, data, created_at) values
	('anon-old', 'photos', 'a.png', 'image/png', 1, '$(printf '0%.0s' $(seq 64))', $(sql_blob 00), $old);
	insert into sessions (id_hash, account_id, csrf, created_at, last_seen) values
	('$(printf 'c%.0s' $(seq 64))', NULL, 'x', $old, $old);
	insert into throttle (key, at) values ('ip:192.0.2.1', $old);"
sql "insert into anon_uploads (peer, at, bytes) values ('192.0.2.7', $((now - 2 * 86400)), 100),
	('192.0.2.7', $now, 200)" 2>/dev/null
check "stale rows inserted" [ "$(sql "select count(*) from drafts")" = 5 ]
# as if a portal process with other procedure files had started on this database since
sql "update procedure_set set digest = '$(printf 'f%.0s' $(seq 64))'"
for _ in $(seq 1 40); do
	[ "$(sql "select count(*) from drafts where key = 'anon-old'")" = 0 ] && break
	sleep 0.5
done
check "a draft without login untouched for 8 days is deleted" [ "$(sql "select count(*) from drafts where key = 'anon-old'")" = 0 ]
check "... with its attachment" [ "$(sql "select count(*) from attachments")" = 0 ]
check "a fresh draft without login stays" [ "$(sql "select count(*) from drafts where key = 'anon-new'")" = 1 ]
check "a draft without login untouched for 3 days (over anon_draft_hours, 48) is deleted" \
	[ "$(sql "select count(*) from drafts where key = 'anon-3d'")" = 0 ]
check "one untouched for 47 hours stays" [ "$(sql "select count(*) from drafts where key = 'anon-47h'")" = 1 ]
check "a record of uploads without login two days old is deleted, a fresh one stays" \
	[ "$(sql_joined bytes "','" at anon_uploads 2>/dev/null)" = 200 ]
check "an account's draft stays however old" [ "$(sql "select count(*) from drafts where key = 'acct-old'")" = 1 ]
check "an expired session is deleted" [ "$(sql "select count(*) from sessions where id_hash like 'ccc%'")" = 0 ]
check "an old throttling row is deleted" [ "$(sql "select count(*) from throttle where key = 'ip:192.0.2.1'")" = 0 ]
check "the portal logged it" grep -q "housekeeping: 2 old draft" "$T/portal.out"
check "... and that the database's procedures are another process's, not its own" \
	grep -q "this process serves other procedures .* than the portal process that started last on this database (ffffffffffff" "$T/portal.out"
check "portal stops cleanly" stop_portal
tap_end
