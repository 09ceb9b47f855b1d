#!/usr/bin/env bash
# `madoguchi audit verify` on a real database file: a migrated database, rows appended by
# the test-only program tests/tools/audit_fill (through store_audit_append, as the console
# does; the shipped binary has no way to add rows), each row's hash recomputed here with
# printf and sha256sum from the format of docs/audit.md; then the file tampered with by the
# sqlite3 command-line tool, past the append-only triggers: an edited detail, a row deleted
# in the middle, two rows swapped, each found at the right row with exit 1; a row deleted at
# the end, which the chain alone cannot see, changes the head hash that verify prints. On
# PostgreSQL (the round of tests/run.sh) the same with databases of its cluster (copies made
# with CREATE DATABASE ... TEMPLATE) and psql past its append-only trigger.
# run.sh: postgres too
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

MADOGUCHI=$TEST_BUILD/madoguchi
FILL=$TEST_BUILD/tests/tools/audit_fill
N=12
T=$(mktemp -d /tmp/madoguchi-audit.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The test's database NAME: the file $T/NAME.db, or on PostgreSQL a database of the cluster.
pg_name() { printf 'audit_%s_%s' "$(basename "$T" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')" "$1"; }
url_of() { if on_pg; then echo "${MADOGUCHI_TEST_PG}$(pg_name "$1")"; else echo "sqlite:$T/$1.db"; fi; }
q() { # q NAME SQL: runs SQL on the database NAME, fields separated by \x1f
	if on_pg; then
		psql -X -q -At -F $'\x1f' -v ON_ERROR_STOP=1 "$(url_of "$1")" -c "$2"
	else
		sqlite3 -separator $'\x1f' "$T/$1.db" "$2"
	fi
}
copy() { # copy FROM TO: the database TO made a copy of FROM
	if on_pg; then
		psql -X -q -v ON_ERROR_STOP=1 "${MADOGUCHI_TEST_PG}postgres" -c "CREATE DATABASE $(pg_name "$2") TEMPLATE $(pg_name "$1")"
	else
		cp "$T/$1.db" "$T/$2.db"
	fi
}
verify() { # verify NAME: runs audit verify on the database NAME; sets OUT and RC
	OUT=$(MADOGUCHI_DATABASE="$(url_of "$1")" "$MADOGUCHI" audit verify 2>&1)
	RC=$?
}
fresh() { # fresh NAME: a copy of the filled database as NAME
	copy orig "$1" > /dev/null
	echo "$1"
}
# the SQL that takes away the append-only triggers (PostgreSQL has one for both)
if on_pg; then
	NO_UPDATE="DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;" NO_DELETE=$NO_UPDATE
else
	NO_UPDATE="DROP TRIGGER audit_log_no_update;" NO_DELETE="DROP TRIGGER audit_log_no_delete;"
fi
has() { grep -qF -- "$2" <<<"$1"; }
lacks() { ! has "$@"; }
said() { [ "$RC" -eq "$1" ] && has "$OUT" "$2"; } # said RC TEXT: the last verify's exit and output

for f in "$MADOGUCHI" "$FILL"; do
	[ -x "$f" ] || { not_ok "$f is built (make tests)"; tap_end; exit 1; }
done
if on_pg; then
	psql -X -q "${MADOGUCHI_TEST_PG}postgres" -c "CREATE DATABASE $(pg_name x)" || { not_ok "the database is made"; tap_end; exit 1; }
else
	command -v sqlite3 > /dev/null || { not_ok "sqlite3 is installed"; tap_end; exit 1; }
fi

check "madoguchi migrate creates the database" \
	env MADOGUCHI_DATABASE="$(url_of x)" "$MADOGUCHI" migrate
verify x
check "an empty log verifies (exit 0, 0 rows)" said 0 "0 rows"
check "... and its head hash is 64 zeros" has "$OUT" "head hash $(printf '0%.0s' $(seq 64))"
check "audit_fill appends $N rows" "$FILL" "$(url_of x)" "$N"
verify x
head=$(q x "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
check "the filled log verifies: exit 0, $N rows" said 0 "$N rows"
check "verify prints the head hash (row $N's)" has "$OUT" "head hash $head"
sed "s/^/# /" <<<"$OUT"

# Each row's hash from its fields, outside the C code: SHA-256 of the previous hash (64 hex
# digits) followed by the canonical row, netstrings of id, at, actor, action, receipt,
# detail, peer after the line "madoguchi-audit-1".
ns() { printf '%d:%s,' "$(printf '%s' "$1" | wc -c)" "$1"; }
prev=$(printf '0%.0s' $(seq 64))
mismatch=0 seen=0
while IFS=$'\x1f' read -r id at actor action receipt detail peer prev_hash hash; do
	canon="madoguchi-audit-1"$'\n'"$(ns "$id")$(ns "$at")$(ns "$actor")$(ns "$action")$(ns "$receipt")$(ns "$detail")$(ns "$peer")"
	want=$(printf '%s%s' "$prev" "$canon" | sha256sum | cut -d' ' -f1)
	[ "$prev_hash" = "$prev" ] && [ "$hash" = "$want" ] || { mismatch=$((mismatch + 1)); echo "# row $id: $hash, recomputed $want"; }
	prev=$hash
	seen=$((seen + 1))
done < <(q x "SELECT id, at, actor, action, coalesce(receipt, ''), detail, peer, prev_hash, hash FROM audit_log ORDER BY id")
check "each of the $N rows' hash is SHA-256(prev_hash || canonical row) as docs/audit.md says" \
	[ "$mismatch" -eq 0 -a "$seen" -eq "$N" ]

# The table refuses changes through SQL.
err=$(q x "UPDATE audit_log SET detail = 'x' WHERE id = 5" 2>&1)
check "an UPDATE is refused by the append-only trigger" has "$err" "append-only"
err=$(q x "DELETE FROM audit_log WHERE id = 5" 2>&1)
check "a DELETE is refused by the append-only trigger" has "$err" "append-only"
check "the log still has $N rows" [ "$(q x 'SELECT count(*) FROM audit_log')" -eq "$N" ]
copy x orig

db=$(fresh edit)
q "$db" "$NO_UPDATE UPDATE audit_log SET detail = '閲覧 50' WHERE id = 5"
verify "$db"
check "one row's detail edited: exit 1" [ "$RC" -eq 1 ]
check "... naming row 5 and a hash mismatch" has "$OUT" "broken: row 5: hash mismatch"
check "... and row 4's hash as the head before the break" \
	has "$OUT" "rows 1 to 4 verify; head hash before the break $(q orig 'SELECT hash FROM audit_log WHERE id = 4')"
sed "s/^/# /" <<<"$OUT" | head -1

db=$(fresh edit_actor)
q "$db" "$NO_UPDATE UPDATE audit_log SET actor = 'staff:9' WHERE id = $N"
verify "$db"
check "the last row's actor edited: exit 1 naming row $N" said 1 "broken: row $N:"

db=$(fresh first)
q "$db" "$NO_UPDATE UPDATE audit_log SET prev_hash = replace(prev_hash, '0', '1') WHERE id = 1"
verify "$db"
check "the first row's prev_hash not 64 zeros: exit 1 naming row 1" \
	said 1 "broken: row 1: prev_hash is not the previous row's hash (the first row's is 64 zeros)"
check "... and no row before it said to verify" lacks "$OUT" "verify; head hash"

db=$(fresh delete)
q "$db" "$NO_DELETE DELETE FROM audit_log WHERE id = 7"
verify "$db"
check "a middle row deleted: exit 1" [ "$RC" -eq 1 ]
check "... naming row 8, the row after the gap" has "$OUT" "broken: row 8: id gap: it follows row 6, rows 7 to 7 are missing"
sed "s/^/# /" <<<"$OUT" | head -1

db=$(fresh renumber)
q "$db" "$NO_DELETE $NO_UPDATE
	DELETE FROM audit_log WHERE id = 7; UPDATE audit_log SET id = id - 1 WHERE id > 7"
verify "$db"
check "a middle row deleted and the ids closed up: exit 1 naming row 7" \
	said 1 "broken: row 7: prev_hash"

db=$(fresh swap)
q "$db" "$NO_DELETE
	CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE id IN (3, 9);
	DELETE FROM audit_log WHERE id IN (3, 9);
	INSERT INTO audit_log SELECT 12 - id, at, actor, action, receipt, detail, peer, prev_hash, hash FROM t"
verify "$db"
check "rows 3 and 9 swapped (every column but the id): exit 1 naming row 3" \
	said 1 "broken: row 3: prev_hash is not the previous row's hash"

db=$(fresh swap_detail)
q "$db" "$NO_UPDATE
	UPDATE audit_log SET detail = CASE id WHEN 3 THEN (SELECT detail FROM audit_log WHERE id = 9)
	ELSE (SELECT detail FROM audit_log WHERE id = 3) END WHERE id IN (3, 9)"
check "... (the details did change places)" \
	[ "$(q "$db" 'SELECT detail FROM audit_log WHERE id = 3')" = "閲覧 9" ]
verify "$db"
check "rows 3 and 9 swapped their details: exit 1 naming row 3, hash mismatch" \
	said 1 "broken: row 3: hash mismatch"

db=$(fresh nul)
if on_pg; then # its text type holds no NUL: what verify would have to find cannot be stored
	err=$(q "$db" "$NO_UPDATE UPDATE audit_log SET detail = detail || chr(0) || 'x' WHERE id = 4" 2>&1)
	check "a NUL byte appended to a detail: PostgreSQL refuses to store it" \
		has "$err" "null character not permitted"
else
	q "$db" "$NO_UPDATE
		UPDATE audit_log SET detail = detail || CAST(X'0078' AS TEXT) WHERE id = 4"
	verify "$db"
	check "a NUL byte appended to a detail: exit 1 naming row 4" \
		said 1 "broken: row 4: a field is malformed"
fi

db=$(fresh truncate)
q "$db" "$NO_DELETE DELETE FROM audit_log WHERE id = $N"
verify "$db"
check "the last row deleted: the chain alone cannot tell (exit 0, $((N - 1)) rows)" \
	said 0 "$((N - 1)) rows"
check "... but the head hash printed is not the one kept before" lacks "$OUT" "$head"

verify orig
check "the untouched copy still verifies with the same head" said 0 "head hash $head"

# an empty database; the reason in each engine's words
if on_pg; then
	psql -X -q "${MADOGUCHI_TEST_PG}postgres" -c "CREATE DATABASE $(pg_name empty)"
	reason='relation "audit_log" does not exist'
else
	: > "$T/empty.db"
	reason="no such table: audit_log"
fi
verify empty
check "a database without the audit log: exit 2 with the reason" said 2 "$reason"
OUT=$(MADOGUCHI_DATABASE="$(url_of x)" "$MADOGUCHI" audit check 2>&1)
RC=$?
check "audit with another subcommand: exit 2 with the usage" said 2 "usage: madoguchi audit verify"

tap_end
