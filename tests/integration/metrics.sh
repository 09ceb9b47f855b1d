#!/usr/bin/env bash
# run.sh: postgres too
# The metrics endpoint (metrics_listen): a portal with metrics on a second port answers
# GET /metrics there in the Prometheus text format (checked with prometheus_client's parser
# when installed), and only there; the counters of requests move by exactly the requests
# made (a page, a 404, a form POST), a route's histogram counts its requests and its buckets
# are cumulative; the outbox gauges match the database; a signature verification is counted
# by its result; off by default (no second listener); a malformed setting stops the start.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-metrics.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
J="$T/cookies"

# A trust anchor, so that a posted signature is verified (and refused: it is not CMS).
mkdir -p "$T/trust"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/trust/ca.pem" -days 2 \
	-subj "/CN=metrics test CA" -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null

MP=$(free_port)
M="http://127.0.0.1:$MP/metrics"
start_portal "$T" MADOGUCHI_METRICS_LISTEN="127.0.0.1:$MP" MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" \
	|| { not_ok "portal starts with metrics_listen"; tap_end; exit 1; }
ok "portal starts with metrics on 127.0.0.1:$MP"

code=$(curl -s -D "$T/mh" -o "$T/m0" -w '%{http_code}' "$M")
check "GET /metrics on the metrics port: 200 ($code)" [ "$code" = 200 ]
check "exposition content type text/plain; version=0.0.4" grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/mh"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP/")
check "another path on the metrics port: 404 ($code)" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -d x=1 "$M")
check "POST on the metrics port is not served ($code)" [ "$code" != 200 ]

# val FILE 'name{labels}': the sample's value (0 when absent)
val() { awk -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }' "$1"; }
# delta 'name{labels}': how far it moved between the two scrapes
delta() { echo $(( $(val "$T/m1" "$1") - $(val "$T/m0" "$1") )); }

# The requests, each counted once: 3 top pages, 2 procedure pages, 2 unknown paths (one of
# them /metrics on the portal's port), the login page and its form POST, a signature post.
for _ in 1 2 3; do curl -s -o /dev/null "$PORTAL_URL/"; done
for _ in 1 2; do curl -s -o /dev/null "$PORTAL_URL/procedures/kaigo-volunteer-point"; done
c404=$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/no/such/page")
cmain=$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/metrics")
check "GET /metrics on the portal's port: 404 ($cmain)" [ "$cmain" = 404 ]
get /login > /dev/null
csrf=$(csrf_of)
cpost=$(post /login --data-urlencode "csrf=$csrf" --data-urlencode email=nobody@example.jp \
	--data-urlencode password=wrong-password-1)
check "the login form POST answered ($cpost)" [ -n "$cpost" ]
ID=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
HASH=$(printf %s "$ID" | sha256sum | cut -d' ' -f1)
now=$(date +%s)
# its draft first: PostgreSQL checks the foreign key (sqlite3 leaves foreign keys off)
sql "INSERT INTO drafts (key, owner, proc_id, proc_version, raw, created_at, updated_at)
	VALUES ('nodraft', 's:x', 'road-park-report', 1, '{}', $now, $now)"
sql "INSERT INTO sign_requests (id_hash, draft_key, digest, proc_title, created_at, expires_at,
	content, display) VALUES ('$HASH', 'nodraft', 'x', 't', $now, $((now + 600)), '{}', '{}')"
head -c 300 /dev/urandom > "$T/garbage.p7s"
csig=$(curl -s -o "$T/sig.json" -w '%{http_code}' -H 'Content-Type: application/pkcs7-signature' \
	--data-binary @"$T/garbage.p7s" "$PORTAL_URL/api/sign/$ID")
check "a garbage signature is refused as bad_format ($csig)" grep -q '"bad_format"' "$T/sig.json"
sql "INSERT INTO outbox (to_addr, subject, body, created_at, next_at, attempts, last_error)
	VALUES ('a@example.jp', 's', 'b', $now, $((now + 600)), 1, 'refused')"

curl -s -o "$T/m1" "$M"
d=$(delta 'madoguchi_http_requests_total{route="/",code="200"}')
check "route / counted 3 times 200 (moved $d)" [ "$d" = 3 ]
d=$(delta 'madoguchi_http_requests_total{route="/procedures/:id",code="200"}')
check "route /procedures/:id counted 2 times 200 (moved $d)" [ "$d" = 2 ]
d=$(delta 'madoguchi_http_requests_total{route="other",code="404"}')
check "unknown paths counted as route other, 404, twice (moved $d)" [ "$d" = 2 ]
# sum 'prefix': the sum of the samples whose name and labels start with prefix, in each scrape
sum() { awk -v p="$2" 'index($1, p) == 1 { s += $2 } END { print s + 0 }' "$1"; }
dsum() { echo $(( $(sum "$T/m1" "$1") - $(sum "$T/m0" "$1") )); }
d=$(dsum 'madoguchi_http_requests_total{route="/login",')
check "the login page and its form POST counted under /login (moved $d)" [ "$d" = 2 ]
d=$(delta "madoguchi_http_requests_total{route=\"/login\",code=\"$cpost\"}")
check "the POST counted with its code $cpost (moved $d)" [ "$d" -ge 1 ]
d=$(delta "madoguchi_http_requests_total{route=\"/api/sign/:id\",code=\"$csig\"}")
check "the signature post counted under /api/sign/:id (moved $d)" [ "$d" = 1 ]
d=$(dsum 'madoguchi_http_requests_total{')
check "all routes together moved by the 10 requests made ($d)" [ "$d" = 10 ]
check "the scrapes are not counted (no route /metrics)" bash -c "! grep -q 'route=\"/metrics\"' '$T/m1'"
d=$(delta 'madoguchi_http_request_duration_seconds_count{route="/"}')
check "histogram _count of / moved by its 3 requests ($d)" [ "$d" = 3 ]
d=$(delta 'madoguchi_http_request_duration_seconds_bucket{route="/",le="+Inf"}')
check "histogram +Inf bucket of / moved by 3 ($d)" [ "$d" = 3 ]
d=$(delta 'madoguchi_signature_verifications_total{result="bad_format"}')
check "signature verifications: bad_format moved by 1 ($d)" [ "$d" = 1 ]
d=$(delta 'madoguchi_signature_verifications_total{result="ok"}')
check "signature verifications: ok did not move ($d)" [ "$d" = 0 ]
want=$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
check "outbox_unsent is the database's count ($want)" [ "$(val "$T/m1" madoguchi_outbox_unsent)" = "$want" ]
want=$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts > 0")
check "outbox_failing is the database's count ($want)" [ "$(val "$T/m1" madoguchi_outbox_failing)" = "$want" ]
check "outbox_failing counts the failed mail" [ "$want" -ge 1 ]
check "the pool's queue depth is there, idle: 0" [ "$(grep -c '^madoguchi_pool_queue_depth 0$' "$T/m1")" = 1 ]

# Every histogram: buckets cumulative (never decreasing with le), +Inf equal to _count.
check "histogram buckets cumulative and +Inf = _count" awk '
	$1 ~ /_bucket\{/ { split($1, a, ",le="); if (a[1] == last && $2 + 0 < prev + 0) bad = 1;
		last = a[1]; prev = $2; if (a[2] == "\"+Inf\"}") inf[a[1]] = $2 }
	$1 ~ /_count\{/ { k = $1; sub(/_count\{/, "_bucket{", k); sub(/\}$/, "", k); cnt[k] = $2 }
	END { n = 0; for (k in cnt) { n++; if (inf[k] != cnt[k]) bad = 1 } exit bad || n == 0 }' "$T/m1"

if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	check "prometheus_client parses the exposition" /usr/bin/python3 - "$T/m1" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
want = {"madoguchi_http_requests": "counter", "madoguchi_http_request_duration_seconds": "histogram",
        "madoguchi_signature_verifications": "counter", "madoguchi_pool_queue_depth": "gauge",
        "madoguchi_outbox_unsent": "gauge", "madoguchi_outbox_failing": "gauge",
        "madoguchi_mail_send_failures": "counter"}
for name, typ in want.items():
    assert name in fams and fams[name].type == typ, (name, fams.get(name))
h = [s for s in fams["madoguchi_http_request_duration_seconds"].samples
     if s.labels.get("route") == "/procedures/:id"]
assert [s for s in h if s.name.endswith("_count")][0].value >= 2
EOF
else
	ok "# SKIP prometheus_client not installed (python3-prometheus-client)"
fi
check "the portal stops cleanly" stop_portal

# Off by default: the portal listens on its own port only.
start_portal "$T" || { not_ok "portal starts without metrics"; tap_end; exit 1; }
check "without metrics_listen it listens on the portal's port only" \
	[ "$(ss -Hltnp | grep "pid=$PORTAL_PID," | awk '{print $4}' | sort -u | wc -l)" = 1 ]
check "and the metrics port is closed" bash -c "! curl -s -o /dev/null '$M'"
check "no metrics line in its log" bash -c "! grep -q 'metrics at' '$T/portal.out'"
stop_portal

# A malformed setting, and a taken port, stop the start with the key's name.
env MADOGUCHI_METRICS_LISTEN=localhost:9464 MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_DEV_MODE=1 \
	MADOGUCHI_PORT="$(free_port)" "$TEST_BUILD/madoguchi" > "$T/bad.out" 2>&1
rc=$?
check "metrics_listen=localhost:9464 refused at start (exit $rc)" [ "$rc" != 0 ]
check "the message names metrics_listen" grep -q 'metrics_listen' "$T/bad.out"
/usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(1); time.sleep(5)' "$MP" &
holder=$!
sleep 0.3
timeout 10 env MADOGUCHI_METRICS_LISTEN="127.0.0.1:$MP" MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_DEV_MODE=1 \
	MADOGUCHI_PORT="$(free_port)" "$TEST_BUILD/madoguchi" > "$T/busy.out" 2>&1
rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "a taken metrics port stops the start (exit $rc)" [ "$rc" != 0 -a "$rc" != 124 ]
check "and says which address" grep -q "metrics_listen: cannot listen on 127.0.0.1:$MP" "$T/busy.out"
tap_end
