#!/usr/bin/env bash
# The PostgreSQL blocks of the migrations on a real server: a throw-away cluster of Debian's
# postgresql package (tests/pg_env.sh), the postgres SQL of every migration as the portal's
# splitter gives it (tests/tools/migration_sql) run in one transaction that stops on the
# first error; then the same schema as SQLite's: every table and its columns, compared with a
# database made by `madoguchi migrate` (SQLite's FTS5 index and its shadow tables aside: its
# PostgreSQL counterpart is procedure_search with pg_trgm). Groundwork of the PostgreSQL back
# end, which is not built yet.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/pg_env.sh

MADOGUCHI=$TEST_BUILD/madoguchi
SQL=$TEST_BUILD/tests/tools/migration_sql
T=$(mktemp -d /tmp/madoguchi-pg.XXXXXX)
chmod 755 "$T" # the server runs as the postgres user
trap 'pg_env_stop; rm -rf "$T"' EXIT

for f in "$MADOGUCHI" "$SQL"; do
	[ -x "$f" ] || { not_ok "$f is built (make tests)"; tap_end; exit 1; }
done
for c in psql sqlite3 runuser; do
	command -v "$c" > /dev/null || { not_ok "$c is installed (scripts/setup.sh)"; tap_end; exit 1; }
done
pg_env_start "$T" || { not_ok "a PostgreSQL cluster starts on 127.0.0.1 and a socket in $T"; tap_end; exit 1; }
ok "a throw-away PostgreSQL $(pg_psql postgres -Atc 'SHOW server_version') cluster on 127.0.0.1:$PG_PORT"
check "its TCP listener is on 127.0.0.1 only" sh -c "ss -ltnH 'sport = :$PG_PORT' | awk '{print \$4}' | grep -qx '127.0.0.1:$PG_PORT'"
pg_psql postgres -c 'CREATE DATABASE madoguchi' > /dev/null

"$SQL" postgres > "$T/pg.sql"
n=$(grep -cE '^-- migration [0-9]{4}_[a-z0-9_]+$' "$T/pg.sql")
check "migration_sql gives the postgres SQL of the $n migrations" [ "$n" -ge 17 ]
check "the bookkeeping table and the postgres blocks of all $n migrations run in one transaction without an error" \
	pg_psql madoguchi -1 -f "$T/pg.sql" -o /dev/null
check "pg_trgm is there for the partial-word search" \
	sh -c "[ \"\$(psql -X -h '$PG_SOCK' -p '$PG_PORT' -U postgres -d madoguchi -Atc \"SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'\")\" = 1 ]"

# the schema both ways: "table column" lines, sorted
env MADOGUCHI_DATABASE="sqlite:$T/lite.db" "$MADOGUCHI" migrate > "$T/migrate.log" 2>&1
check "madoguchi migrate makes the SQLite database" [ -s "$T/lite.db" ]
fts=$(sqlite3 "$T/lite.db" "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
sqlite3 "$T/lite.db" "SELECT m.name || ' ' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'" |
	grep -v -E "^($(echo "$fts" | tr '\n' '|' | sed 's/|$//'))_(data|idx|content|docsize|config) " |
	sort > "$T/lite.cols"
pg_psql madoguchi -Atc "SELECT table_name || ' ' || column_name FROM information_schema.columns
	WHERE table_schema = 'public'" | sort > "$T/pg.cols"
# the search index: an FTS5 table in SQLite, procedure_search with trigram indexes here
grep -v '^procedure_search ' "$T/pg.cols" > "$T/pg.cols.nosearch"
check "SQLite has tables to compare ($(cut -d' ' -f1 "$T/lite.cols" | sort -u | wc -l) tables, FTS5: ${fts:-none})" \
	[ "$(wc -l < "$T/lite.cols")" -ge 50 ]
check "every table and column of the SQLite schema is in the PostgreSQL one, and no other" \
	diff "$T/lite.cols" "$T/pg.cols.nosearch"
[ "$TAP_FAILED" -eq 0 ] || { echo "# diff (< sqlite, > postgres):"; diff "$T/lite.cols" "$T/pg.cols.nosearch" | head -30 | sed 's/^/# /'; }
tap_end
