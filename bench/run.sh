#!/usr/bin/env bash
# Serves the volunteer point procedure page from madoguchi, and the same bytes as a static
# file from nginx, loads each with wrk (same threads, connections and duration, one after the
# other) and prints both requests/second and the ratio madoguchi/nginx.
# Both log every request to a file (madoguchi's buffered access log, nginx's buffered
# access_log) and use one worker per core.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
CORES=$(nproc)
T=$(mktemp -d /tmp/madoguchi-bench.XXXXXX)
chmod 755 "$T" # nginx workers may run as another user
MPID= NPID=
cleanup() { [ -n "$MPID" ] && kill "$MPID" 2>/dev/null; [ -n "$NPID" ] && kill "$NPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

MP=$(port)
MADOGUCHI_PORT=$MP MADOGUCHI_DATABASE="sqlite:$T/b.db" MADOGUCHI_DEV_MODE=1 MADOGUCHI_THREADS=$CORES \
	MADOGUCHI_ACCESS_LOG="$T/madoguchi-access.log" "$BUILD/madoguchi" > "$T/madoguchi.out" 2>&1 &
MPID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$MP/healthz" && break; sleep 0.1; done
PAGE=/procedures/kaigo-volunteer-point
mkdir -p "$T/www/procedures"
curl -sf -o "$T/www/procedures/kaigo-volunteer-point" "http://127.0.0.1:$MP$PAGE"
SIZE=$(stat -c %s "$T/www/procedures/kaigo-volunteer-point")

NP=$(port)
cat > "$T/nginx.conf" <<CONF
worker_processes $CORES;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $T/nginx-access.log combined buffer=64k flush=1s;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { text/html html; }
  default_type "text/html; charset=utf-8";
  server {
    listen 127.0.0.1:$NP;
    root $T/www;
  }
}
CONF
nginx -c "$T/nginx.conf" -p "$T" &
NPID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$NP$PAGE" && break; sleep 0.1; done
curl -s -o "$T/n.html" "http://127.0.0.1:$NP$PAGE"; curl -s -o "$T/m.html" "http://127.0.0.1:$MP$PAGE"
cmp "$T/n.html" "$T/m.html" || { echo "bench: the two bodies differ"; ls -l "$T"/*.html "$T/www/procedures"; cat "$T/nginx-error.log"; exit 1; }

rps() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "page $PAGE, $SIZE bytes; wrk -t$THREADS -c$CONNS -d$DURATION; $CORES cores"
wrk -t1 -c4 -d1s "http://127.0.0.1:$MP$PAGE" > /dev/null   # warm-up
wrk -t1 -c4 -d1s "http://127.0.0.1:$NP$PAGE" > /dev/null
M=$(rps "http://127.0.0.1:$MP$PAGE")
N=$(rps "http://127.0.0.1:$NP$PAGE")
printf 'madoguchi  %10.0f requests/s\n' "$M"
printf 'nginx      %10.0f requests/s (static file)\n' "$N"
awk -v m="$M" -v n="$N" 'BEGIN { printf "ratio madoguchi/nginx %.2f\n", m / n }'
