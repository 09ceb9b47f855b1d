#!/usr/bin/env bash
# N concurrent simulated residents (RESIDENTS, default 200) against the portal, each through the
# volunteer point procedure's whole signed journey: log in, save a draft (the form, multipart
# with a photo), the confirmation page, GET /api/sign/ID, sign its content in software with the
# test card's key (a CAdES CMS as madoguchi-sign makes it), POST /api/sign/ID, 申請する and
# the completion page with its receipt (build/bench/load_client, bench/load_client.c, says
# how). Each resident registers its own account through the pages first (/register, the link
# from /dev/mail, /register/confirm), which is timed apart. Prints throughput (residents
# completed per second), p50/p99 latency per step and the error count (any unexpected status
# or page; must be 0), next to the machine's load average.
#
# The portal: build/madoguchi with a config file in a temporary directory, listening on
# 127.0.0.1 only, the test PKI's signing CA as its trust anchor (madoguchi-card pki init /
# issue, as bench/signed.sh; no revocation source), dev_mode for /dev/mail, trusted_proxies
# 127.0.0.1 so that each resident's X-Forwarded-For (10.77.x.y) is its address, as behind
# deploy/'s nginx, and no cap on connections per TCP peer (all residents come from 127.0.0.1,
# as all come from nginx). Argon2 costs and threads are the portal's defaults unless
# ARGON2_T_COST, ARGON2_M_COST_KIB, THREADS or WORKERS are given.
#
#   BACKEND=sqlite (default)   SQLite in the temporary directory
#   BACKEND=postgresql         DATABASE_URL, or else a throw-away cluster (tests/pg_env.sh:
#                              initdb in the temporary directory, 127.0.0.1; needs root)
#   DATABASE_URL=...           any database the portal takes (overrides BACKEND's)
#   PROCESSES=N                N portals on N ports sharing the database (migrated once by
#                              `madoguchi migrate` before they start); resident i goes to
#                              portal i % N
#   ROUNDS=R                   journeys per resident (default 1), TIMEOUT seconds for all
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RESIDENTS=${RESIDENTS:-200}
ROUNDS=${ROUNDS:-1}
TIMEOUT=${TIMEOUT:-900}
BACKEND=${BACKEND:-sqlite}
PROCESSES=${PROCESSES:-1}
PORTAL=$BUILD/madoguchi
CARD=$BUILD/madoguchi-card
CLIENT=$BUILD/bench/load_client
for f in "$PORTAL" "$CARD" "$CLIENT"; do
	[ -x "$f" ] || { echo "load.sh: $f missing (make all $CLIENT)" >&2; exit 1; }
done
T=$(mktemp -d /tmp/madoguchi-load.XXXXXX)
chmod 755 "$T" # the postgres user reads its cluster's directory in it
PIDS=()
PG_STARTED=
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
	[ -n "$PG_STARTED" ] && pg_env_stop
	rm -rf "$T"
}
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ---- the database ------------------------------------------------------------------------
case "$BACKEND" in
sqlite) DB_URL=${DATABASE_URL:-sqlite:$T/load.db} ;;
postgresql)
	if [ -z "${DATABASE_URL:-}" ]; then
		. tests/pg_env.sh
		pg_env_start "$T" || { echo "load.sh: the PostgreSQL cluster did not start" >&2; exit 1; }
		PG_STARTED=1
		psql -X -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE madoguchi_load'
		DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/madoguchi_load"
	fi
	DB_URL=$DATABASE_URL
	;;
*) echo "load.sh: BACKEND is sqlite or postgresql" >&2; exit 2 ;;
esac

# ---- the PKI, the card, its key and certificate -------------------------------------------
umask 077
"$CARD" pki init "$T/pki" > /dev/null
"$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' --birth 1950-04-01 \
	--gender 2 --address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 > /dev/null
/usr/bin/python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["sign"]["key"])' \
	"$T/card.json" > "$T/key.pem"
"$CARD" export --state "$T/card.json" --what sign-cert > "$T/cert.pem"
mkdir "$T/anchors"
"$CARD" export --state "$T/card.json" --what sign-ca > "$T/anchors/ca.pem"
umask 022

# ---- the portals ---------------------------------------------------------------------------
# config PORT: the config file of a portal on PORT (the same database for all)
config() {
	/usr/bin/python3 - "$1" "$DB_URL" "$T" "$BUILD" <<'PY'
import json, os, sys
port, db, t, build = sys.argv[1:]
c = {"listen": "127.0.0.1", "port": int(port), "base_url": "http://127.0.0.1:%s" % port,
     "database": db, "dev_mode": True, "mail_mode": "dev",
     "access_log": "%s/access-%s.log" % (t, port), "refdata_dir": build + "/refdata",
     "sign_anchors_dir": t + "/anchors", "trusted_proxies": "127.0.0.1",
     "max_connections_per_address": 0}
for env, key in (("ARGON2_T_COST", "argon2_t_cost"), ("ARGON2_M_COST_KIB", "argon2_m_cost_kib"),
                 ("THREADS", "threads"), ("WORKERS", "workers")):
    if os.environ.get(env):
        c[key] = int(os.environ[env])
json.dump(c, open("%s/config-%s.json" % (t, port), "w"), indent=1)
PY
	echo "$T/config-$1.json"
}
URLS=()
P0=$(port)
"$PORTAL" --config "$(config "$P0")" migrate > "$T/migrate.out" 2>&1 ||
	{ echo "load.sh: madoguchi migrate failed:" >&2; cat "$T/migrate.out" >&2; exit 1; }
for n in $(seq 1 "$PROCESSES"); do
	[ "$n" = 1 ] && P=$P0 || P=$(port)
	"$PORTAL" --config "$(config "$P")" > "$T/portal-$P.out" 2>&1 &
	PIDS+=($!)
	U="http://127.0.0.1:$P"
	for _ in $(seq 1 100); do curl -sf -o /dev/null "$U/healthz" && break; sleep 0.1; done
	curl -sf -o /dev/null "$U/healthz" ||
		{ echo "load.sh: the portal on $U did not start:" >&2; cat "$T/portal-$P.out" >&2; exit 1; }
	URLS+=("$U")
done

echo "== machine"
echo "nproc $(nproc); $(uname -sr); $(openssl version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "database $(echo "$DB_URL" | sed 's|//[^@/]*@|//|')$([ "$BACKEND" = sqlite ] &&
	echo " on $(df -T "$T" | awk 'NR==2 { print $2 " (mounted on " $7 ")" }')")"
echo "$PROCESSES portal process(es): ${URLS[*]}; argon2 t=${ARGON2_T_COST:-3} m=${ARGON2_M_COST_KIB:-65536} KiB;" \
	"threads ${THREADS:-one per core}, workers ${WORKERS:-one per core}"
echo "== $CLIENT -n $RESIDENTS -r $ROUNDS"
rc=0
"$CLIENT" -n "$RESIDENTS" -r "$ROUNDS" -T "$TIMEOUT" --key "$T/key.pem" --cert "$T/cert.pem" \
	"${URLS[@]}" | tee "$T/out.txt" || rc=$?
echo "load average afterwards $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$BACKEND" = sqlite ] && command -v sqlite3 > /dev/null; then
	echo "database afterwards: $(sqlite3 "${DB_URL#sqlite:}" 'SELECT count(*) FROM applications') applications," \
		"$(sqlite3 "${DB_URL#sqlite:}" "SELECT count(*) FROM applications WHERE signature IS NOT NULL
			AND json_extract(verification, '\$.result') = 'ok'") with a signature verified ok"
fi
for p in "${PIDS[@]}"; do kill -0 "$p" 2> /dev/null || { echo "load.sh: a portal died" >&2; rc=1; }; done
if grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error' "$T"/portal-*.out; then
	echo "load.sh: a sanitizer report in the portal's output" >&2
	rc=1
fi
[ "$rc" = 0 ] || { echo "== the portal's last lines" >&2; tail -n 20 "$T"/portal-*.out >&2; }
exit "$rc"
