#!/usr/bin/env bash
# Crash test of submissions (issue: applying). A client submits applications in a loop
# (form, confirmation, 「申請する」 with the confirmation, completion page, sometimes the
# same submission again) while this script kills the portal with SIGKILL at random moments
# and starts it again on the same database. Afterwards every application whose completion
# page the client received is in the database exactly once, no draft was submitted twice,
# and the database passes its integrity check. CRASH_KILLS sets the number of kills (20).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-crash.XXXXXX)
CLIENT_PID=
trap '[ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null; [ -n "${PORTAL_PID:-}" ] && kill -9 "$PORTAL_PID" 2>/dev/null; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
KILLS=${CRASH_KILLS:-20}
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
PORT=$PORTAL_PORT

restart() {
	env MADOGUCHI_PORT="$PORT" MADOGUCHI_DATABASE="sqlite:$T/portal.db" MADOGUCHI_DEV_MODE=1 \
		MADOGUCHI_ACCESS_LOG="$T/access.log" MADOGUCHI_THREADS=2 \
		"$TEST_BUILD/madoguchi" >> "$T/portal.out" 2>&1 &
	PORTAL_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$PORTAL_URL/healthz" && return 0
		sleep 0.05
	done
	return 1
}

/usr/bin/python3 - "$PORTAL_URL" "$T/completed" "$T/client.log" "$T/stop" <<'PY' &
import http.cookiejar, random, re, sys, time, urllib.error, urllib.parse, urllib.request
import os
base, out_path, log_path, stop_path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
log = open(log_path, "a", buffering=1)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
def req(path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        r = op.open(base + path, body, timeout=10)
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")
def val(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, html)
    return m.group(1) if m else None
def wait_up():
    for _ in range(400):
        try:
            if req("/healthz")[0] == 200: return
        except Exception: pass
        time.sleep(0.05)
def login():
    while True:
        try:
            s, h, page = req("/login")
            s, h, _ = req("/login", {"csrf": val(page, "csrf"), "email": "demo@example.jp",
                                     "password": "madoguchi-demo-2026", "return": "/mypage"})
            if s == 303: return
        except Exception: pass
        wait_up()
P = "/procedures/sodaigomi-collection"
answers = {"items": "たんす 1点", "item_count": "1", "place": None, "name": "見取 花子",
           "postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "phone": "048-000-0000",
           "action": "next"}
login()
completed = 0
attempts = 0
deadline = time.time() + 300
out = open(out_path, "a", buffering=1)
while not os.path.exists(stop_path) and time.time() < deadline:
    attempts += 1
    try:
        s, h, page = req(P + "/form")
        if s != 200: log.write("form %d\n" % s); wait_up(); continue
        if answers["place"] is None:
            answers["place"] = re.search(r'name="place" value="([^"]*)"', page).group(1)
        data = dict(answers, csrf=val(page, "csrf"))
        s, h, page = req(P + "/form", data)
        if s != 303: log.write("save %d\n" % s); continue
        s, h, page = req(P + "/confirm")
        if s != 200: log.write("confirm %d\n" % s); continue
        sub = {"csrf": val(page, "csrf"), "key": val(page, "key"), "digest": val(page, "digest"), "confirmed": "1"}
        s, h, _ = req(P + "/submit", sub)
        if s != 303: log.write("submit %d\n" % s); continue
        loc = h["Location"]
        if random.random() < 0.3:  # the same submission again (double click, reload)
            s2, h2, _ = req(P + "/submit", sub)
            if s2 != 303 or h2["Location"] != loc:
                log.write("DOUBLE %s -> %s %s\n" % (loc, s2, h2.get("Location"))); out.write("DOUBLE\n")
        s, h, page = req(loc)
        if s == 200 and "以上で、申請は完了です。" in page:
            receipt = re.search(r'class="receipt">([0-9-]+)<', page).group(1)
            out.write(receipt + "\n"); completed += 1
    except Exception as e:
        log.write("error %r\n" % (e,)); wait_up()
log.write("attempts %d completed %d\n" % (attempts, completed))
PY
CLIENT_PID=$!

kills=0
while kill -0 "$CLIENT_PID" 2>/dev/null && [ "$kills" -lt "$KILLS" ]; do
	sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))"
	kill -9 "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null
	kills=$((kills + 1))
	restart || { not_ok "portal restarts after SIGKILL $kills"; break; }
done
touch "$T/stop"
wait "$CLIENT_PID"
CLIENT_PID=
kill -9 "$PORTAL_PID" 2>/dev/null; wait "$PORTAL_PID" 2>/dev/null; PORTAL_PID=

n=$(grep -c '^[0-9]' "$T/completed" 2>/dev/null || echo 0)
echo "# kills: $kills; completion pages received: $n; client: $(tail -1 "$T/client.log")"
check "the portal was killed with SIGKILL $kills times during submissions" [ "$kills" -ge 5 ]
check "completion pages were received meanwhile ($n)" [ "$n" -ge 5 ]
check "a repeated submission always led to the same completion page" [ "$(grep -c DOUBLE "$T/completed")" = 0 ]
res=$(/usr/bin/python3 - "$T/portal.db" "$T/completed" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
got = [l.strip() for l in open(sys.argv[2]) if l[:1].isdigit()]
bad = [r for r in got if db.execute("select count(*) from applications where receipt=?", (r,)).fetchone()[0] != 1]
dups = db.execute("select count(*) - count(distinct draft_key) from applications").fetchone()[0]
unlinked = db.execute("select count(*) from applications a join drafts d on d.key = a.draft_key where d.receipt is null or d.receipt <> a.receipt").fetchone()[0]
integrity = db.execute("pragma integrity_check").fetchone()[0]
total = db.execute("select count(*) from applications").fetchone()[0]
print(len(set(got)) == len(got), not bad, dups == 0, unlinked == 0, integrity == "ok", total >= len(got), total)
PY
)
set -- $res
check "every receipt number shown was shown once" [ "$1" = True ]
check "every application whose completion page was shown is in the database exactly once" [ "$2" = True ]
check "no draft became two applications" [ "$3" = True ]
check "each application's draft is marked with its receipt" [ "$4" = True ]
check "the database passes its integrity check" [ "$5" = True ]
check "applications in the database ($7) include all completed ones ($n)" [ "$6" = True ]
tap_end
