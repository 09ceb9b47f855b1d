#!/usr/bin/env bash
# Housekeeping (src/http/housekeep.c): ten seconds after start the portal deletes sessions past
# their timeouts, old throttling rows, and drafts without login untouched for a week (with
# their attachments); an account's draft and a fresh one stay.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-hk.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
now=$(date +%s)
old=$((now - 8 * 86400))
sql "insert into drafts (key, owner, proc_id, proc_version, raw, created_at, updated_at) values
	('anon-old', 's:$(printf 'a%.0s' $(seq 64))', 'road-park-report', 1, '{}', $old, $old),
	('anon-new', 's:$(printf 'b%.0s' $(seq 64))', 'road-park-report', 1, '{}', $now, $now),
	('acct-old', 'a:1', 'sodaigomi-collection', 1, '{}', $old, $old);
	insert into attachments (draft_key, field, filename, mime, size, sha256, data, created_at) values
	('anon-old', 'photos', 'a.png', 'image/png', 1, '$(printf '0%.0s' $(seq 64))', x'00', $old);
	insert into sessions (id_hash, account_id, csrf, created_at, last_seen) values
	('$(printf 'c%.0s' $(seq 64))', NULL, 'x', $old, $old);
	insert into throttle (key, at) values ('ip:192.0.2.1', $old);"
check "stale rows inserted" [ "$(sql "select count(*) from drafts")" = 3 ]
for _ in $(seq 1 40); do
	[ "$(sql "select count(*) from drafts where key = 'anon-old'")" = 0 ] && break
	sleep 0.5
done
check "a draft without login untouched for 8 days is deleted" [ "$(sql "select count(*) from drafts where key = 'anon-old'")" = 0 ]
check "... with its attachment" [ "$(sql "select count(*) from attachments")" = 0 ]
check "a fresh draft without login stays" [ "$(sql "select count(*) from drafts where key = 'anon-new'")" = 1 ]
check "an account's draft stays however old" [ "$(sql "select count(*) from drafts where key = 'acct-old'")" = 1 ]
check "an expired session is deleted" [ "$(sql "select count(*) from sessions where id_hash like 'ccc%'")" = 0 ]
check "an old throttling row is deleted" [ "$(sql "select count(*) from throttle where key = 'ip:192.0.2.1'")" = 0 ]
check "the portal logged it" grep -q "housekeeping: 1 old draft" "$T/portal.out"
check "portal stops cleanly" stop_portal
tap_end
