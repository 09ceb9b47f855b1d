# pg_env.sh: a throw-away PostgreSQL cluster for a test, from Debian's postgresql package:
# initdb in a temporary directory (as the postgres user: initdb refuses root), listening on
# 127.0.0.1 on a free port and on a Unix socket in that directory, stopped and removed by
# pg_env_stop (call it from the test's trap). Sourced after tests/lib.sh.
#   pg_env_tmpdir NAME a temporary directory for it
#   pg_env_start DIR   sets PG_BIN, PG_DIR, PG_PORT, PG_SOCK, PG_LOG; 0 when the server answers
#                      (DIR must be readable by the postgres user)
#   pg_psql DB ARGS... psql as the cluster's superuser over the socket, stopping on errors
#   pg_env_stop
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR= PG_PORT= PG_SOCK= PG_LOG=

# pg_env_tmpdir NAME: a new temporary directory /tmp/NAME.XXXXXX that the postgres user can
# read (initdb runs as that user), for pg_env_start.
pg_env_tmpdir() {
	local d
	d=$(mktemp -d "/tmp/$1.XXXXXX") && chmod 755 "$d" && echo "$d"
}

pg_env_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "# no PostgreSQL server (postgresql package)"; return 1; }
	PG_DIR=$1/pg
	PG_SOCK=$1/pgsock
	PG_LOG=$1/pglog/server.log
	mkdir -p "$PG_DIR" "$PG_SOCK" "$1/pglog"
	chown postgres "$PG_DIR" "$PG_SOCK" "$1/pglog" && chmod 700 "$PG_DIR"
	# a free port: the kernel's pick for a socket bound and closed at once
	PG_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 > "$1/initdb.log" 2>&1 || { tail -5 "$1/initdb.log" | sed 's/^/# /'; return 1; }
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK -c max_connections=300" start > /dev/null 2>&1 ||
		{ tail -5 "$PG_LOG" | sed 's/^/# /'; return 1; }
}

pg_psql() {
	local db=$1; shift
	psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

pg_env_stop() {
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/postmaster.pid" ] &&
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate -w stop > /dev/null 2>&1
	PG_DIR=
}
