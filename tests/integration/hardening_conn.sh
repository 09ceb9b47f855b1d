#!/usr/bin/env bash
# Connection hardening: slow request heads and bodies are dropped by their deadlines while a
# normal client is answered; caps on connections per process and per client address; at a
# low descriptor limit the portal backs off accept() (logging at most once a second) and
# serves again once the flood stops.
# run.sh: alone (it floods the portal with connections and holds it at its descriptor limit)
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-hardening-conn.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
C="/usr/bin/python3 tests/integration/hardening_clients.py"
val() { sed -n "s/^$1=//p" "$2"; }

# 2. Slow clients, with a 2 s head deadline and 2 s + 500 B/s for bodies (short for the test).
start_portal "$T" MADOGUCHI_HEADER_TIMEOUT=2 MADOGUCHI_BODY_TIMEOUT=2 MADOGUCHI_BODY_MIN_RATE=500 \
	MADOGUCHI_MAX_CONNECTIONS_PER_ADDRESS=1000 || { not_ok "portal starts"; tap_end; exit 1; }
P=$PORTAL_PORT
$C slow_headers "$P" 300 5 1 > "$T/slow"
sed 's/^/# /' "$T/slow"
check "300 slow-header clients (a byte a second): none open after 5 s ($(val open_after "$T/slow") of $(val opened "$T/slow"))" [ "$(val open_after "$T/slow")" = 0 -a "$(val opened "$T/slow")" = 300 ]
check "a normal client is answered meanwhile ($(val normal_status "$T/slow"))" [ "$(val normal_status "$T/slow")" = 200 ]
$C slow_body "$P" 8 0.5 > "$T/slowbody"
s=$(val slow_body_open_seconds "$T/slowbody")
check "a body at 2 bytes a second is dropped within 4 s (open ${s} s)" awk -v s="$s" 'BEGIN { exit !(s < 4) }'
stop_portal

# Caps: 20 connections per address, 30 per process.
start_portal "$T" MADOGUCHI_MAX_CONNECTIONS_PER_ADDRESS=20 || { not_ok "portal starts"; tap_end; exit 1; }
$C hold "$PORTAL_PORT" 30 1.5 > "$T/hold"
sed 's/^/# /' "$T/hold"
check "30 connections from one address with a cap of 20: 10 closed ($(val closed_by_server "$T/hold"))" [ "$(val closed_by_server "$T/hold")" = 10 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/healthz")
check "served again once they are gone ($code)" [ "$code" = 200 ]
stop_portal
start_portal "$T" MADOGUCHI_MAX_CONNECTIONS=30 || { not_ok "portal starts"; tap_end; exit 1; }
$C hold "$PORTAL_PORT" 40 1.5 > "$T/hold"
sed 's/^/# /' "$T/hold"
check "40 connections with a process cap of 30: 10 closed ($(val closed_by_server "$T/hold"))" [ "$(val closed_by_server "$T/hold")" = 10 ]
stop_portal

# 3. Descriptors. The soft limit is raised to the hard one at start ...
start_portal "$T" prlimit --nofile=256:4096 || { not_ok "portal starts"; tap_end; exit 1; } # env runs prlimit, which execs the portal
soft=$(awk '/Max open files/ { print $4 }' "/proc/$PORTAL_PID/limits")
check "soft descriptor limit raised from 256 to the hard 4096 ($soft)" [ "$soft" = 4096 ]
stop_portal
# ... and with both at 300, a flood of 400 connections held 4 s (no cap per address, so the
# flood reaches the descriptor limit).
start_portal "$T" MADOGUCHI_MAX_CONNECTIONS_PER_ADDRESS=0 || { not_ok "portal starts"; tap_end; exit 1; }
prlimit --pid "$PORTAL_PID" --nofile=300:300
before=$(wc -l < "$T/portal.out")
cpu() { awk '{ print $14 + $15 }' "/proc/$PORTAL_PID/stat"; } # user + system ticks
cpu0=$(cpu)
start=$(date +%s.%N)
$C flood "$PORTAL_PORT" 400 4 > "$T/flood"
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%d", e - s + 1 }')
sed 's/^/# /' "$T/flood"
lines=$(( $(wc -l < "$T/portal.out") - before ))
echo "# portal CPU during the flood: $(( $(cpu) - cpu0 )) ticks of 1/$(getconf CLK_TCK) s"
echo "# log lines during the flood: $lines in about $secs s; the last: $(tail -n 1 "$T/portal.out" | cut -c1-120)"
check "descriptor flood: at most one log line a second ($lines lines in $secs s)" [ "$lines" -le "$secs" ]
check "a normal client is served after the flood ($(val after_status "$T/flood") after $(val after_seconds "$T/flood") s)" [ "$(val after_status "$T/flood")" = 200 ]
stop_portal
check "portal stops cleanly after the flood" [ $? -eq 0 ]
tap_end
