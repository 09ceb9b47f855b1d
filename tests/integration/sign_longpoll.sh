#!/usr/bin/env bash
# run.sh: postgres too
# The long poll of the signature's state (GET /procedures/ID/signature?digest=…&wait=1,
# src/http/hold.c): the confirmation page's question held open by the event loop until the
# signature arrives. A real signature without the card stack: the test PKI's card key signs
# the sign request's content with `openssl cms -sign -cades`, curl posts it to the signing
# API, the portal verifies it (revocation soft-fail: no responder). Checked, with a hold of
# 3 s (sign_poll_hold_seconds) and 2 per session:
#  - without wait=1 the answer comes at once, "held" false;
#  - a held question with nothing happening is answered after the hold, unsigned, "held" true;
#  - a session's third held question is answered at once ("held" false: the page polls);
#  - clients that go away free their places (the next question is held again);
#  - a held question is answered "signed" within 300 ms of the signature's acceptance (the
#    delay printed), also when the signature reached another process on the same database
#    (the periodic re-check);
#  - the portal stopped with questions held answers them and exits 0 (no sanitizer report).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
CARD="$TEST_BUILD/madoguchi-card"
P=/procedures/kaigo-volunteer-point
T=$(mktemp -d /tmp/madoguchi-lpoll.XXXXXX)
PIDS=()
PORTAL2_PID=
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$PORTAL2_PID" ] && kill "$PORTAL2_PID" 2>/dev/null && wait "$PORTAL2_PID" 2>/dev/null
	stop_portal
	rm -rf "$T"
}
trap cleanup EXIT
J="$T/jar"
W=20

# ---- the test PKI, a card, the portal trusting it -----------------------------------------------
"$CARD" pki init "$T/pki" > /dev/null 2>&1 &&
	"$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' --birth 1950-04-01 --gender 2 \
		--address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 > /dev/null 2>&1
check "the test PKI and a card" [ -s "$T/card.json" ]
mkdir -p "$T/trust"
"$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem"
"$CARD" export --state "$T/card.json" --what sign-cert > "$T/cert.pem"
/usr/bin/python3 -c 'import json, sys; open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["sign"]["key"])' \
	"$T/card.json" "$T/key.pem"
PORTAL_ENV=(MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" MADOGUCHI_SIGN_REVOCATION_SOFT_FAIL=1
	MADOGUCHI_SIGN_POLL_HOLD_SECONDS=3 MADOGUCHI_SIGN_POLL_MAX_HELD_PER_SESSION=2
	MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1 MADOGUCHI_REFDATA_DIR="$TEST_BUILD/refdata")
start_portal "$T" "${PORTAL_ENV[@]}" || { not_ok "the portal starts"; tap_end; exit 1; }
ok "portal on $PORTAL_URL: hold 3 s, 2 held per session"

jfield() { /usr/bin/python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print(str(v).lower())' "$1" "$2" 2>/dev/null; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t/./} / 1000 )); }
# ask FILE [wait]: the signature's state into FILE, in the foreground; curl's seconds in $secs
ask() {
	secs=$(curl -s -b "$J" -o "$1" -w '%{time_total}' "$PORTAL_URL$P/signature?digest=$DIGEST${2:+&wait=1}")
}
# held NAME: a question with wait=1 in the background (curl's pid in $T/NAME.pid); its answer
# in $T/NAME.json, the time it ended (ms) in $T/NAME.end; $LAST the waiting subshell
held() {
	rm -f "$T/$1.pid"
	{
		curl -s -b "$J" -o "$T/$1.json" "$PORTAL_URL$P/signature?digest=$DIGEST&wait=1" &
		echo $! > "$T/$1.pid"
		wait
		now_ms > "$T/$1.end"
	} &
	PIDS+=($!)
	LAST=$!
	while [ ! -s "$T/$1.pid" ]; do sleep 0.01; done
	PIDS+=("$(cat "$T/$1.pid")")
}
# answered NAME SIGNED/HELD: the answer in $T/NAME.json, e.g. answered c1 false/true
answered() { [ "$(jfield "$T/$1.json" signed)/$(jfield "$T/$1.json" held)" = "$2" ]; }
within() { awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s < hi) }'; } # within SECS LO HI

# ---- the demo resident's draft on the confirmation page ---------------------------------------
get /login > /dev/null
post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026 > /dev/null
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
	89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082 \
	> "$T/one.png"
# fill STAMPS: the volunteer point form as multipart/form-data with a PNG of the stamp pages
fill() {
	local f a=()
	get "$P/form" > /dev/null
	for f in "csrf=$(csrf_of)" registration_number=V-0123 fiscal_year=2026 "stamps=$1" 'name=見取 花子' \
		'name_kana=ミドリ ハナコ' birth_date.year=1950 birth_date.month=4 birth_date.day=1 \
		postal_code=100-0001 'address=東京都千代田区千代田1-1' phone=048-000-1234 bank_account.bank=0001 \
		bank_account.branch=001 bank_account.type=futsu bank_account.number=1234567 \
		'bank_account.holder=ミドリ ハナコ' premium_declaration=paid action=next; do
		a+=(--form-string "$f")
	done
	post "$P/form" "${a[@]}" -F "stamp_pages=@$T/one.png;type=image/png;filename=stamps.png"
}
# to_confirm STAMPS: the form saved, the confirmation page read: $ID (the sign request), $DIGEST
to_confirm() {
	code=$(fill "$1")
	get "$P/confirm" > /dev/null
	ID=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | sed 's|.*/sign/\([^"]*\)"|\1|')
	DIGEST=$(hidden digest)
}
to_confirm 23
confirm_ok() { [ "$code" = 303 ] && [ -n "$ID" ] && [ "${#DIGEST}" = 64 ]; }
check "the form saved (303: $code), the confirmation page with a sign request ($ID)" confirm_ok

# ---- without wait=1, and held with nothing happening -------------------------------------------
ask "$T/plain.json"
check "without wait=1: answered at once, not signed, not held (${secs}s)" answered plain false/false
ask "$T/idle.json" wait
idle_ok() { answered idle false/true && within "$secs" 2.5 10; }
check "held with nothing happening: answered after the hold (${secs}s of 3), not signed, held" idle_ok

# ---- the cap per session, and clients going away ----------------------------------------------
held c1
C1=$LAST
held c2
C2=$LAST
sleep 1 # both are held by now (the hold is 3 s)
ask "$T/c3.json" wait
third_ok() { answered c3 false/false && within "$secs" 0 1; }
check "a third held question of the session: answered at once (${secs}s), not held" third_ok
kill "$(cat "$T/c1.pid")" "$(cat "$T/c2.pid")" 2>/dev/null # the clients go away
wait "$C1" "$C2" 2>/dev/null
sleep 0.5
ask "$T/c4.json" wait
check "after those clients went away, the next question is held again (${secs}s, held $(jfield "$T/c4.json" held))" \
	answered c4 false/true

# ---- a signature: the held question answers at once ----------------------------------------------
# sign_cms ID OUT: the sign request's content signed with the card's key (CAdES-BES, detached)
sign_cms() {
	curl -s -o "$T/req.json" "$PORTAL_URL/api/sign/$1"
	/usr/bin/python3 -c 'import json, sys; open(sys.argv[2], "wb").write(json.load(open(sys.argv[1], encoding="utf-8"))["content"].encode())' \
		"$T/req.json" "$T/content"
	openssl cms -sign -binary -cades -nosmimecap -md sha256 -in "$T/content" -signer "$T/cert.pem" \
		-inkey "$T/key.pem" -outform DER -out "$2" 2> "$T/cms.log"
}
# post_cms URL ID FILE: the CMS posted; HTTP status in $code, start and end (ms) in $t0 $t1
post_cms() {
	t0=$(now_ms)
	code=$(curl -s -o "$T/api.json" -w '%{http_code}' -H 'Content-Type: application/pkcs7-signature' \
		--data-binary "@$3" "$1/api/sign/$2")
	t1=$(now_ms)
}
# sign_held NAME URL FILE: a question held as NAME, then the signature FILE of $ID posted to
# URL; $delay the ms from the POST's answer to the held question's
sign_held() {
	sign_cms "$ID" "$3"
	held "$1"
	local pid=$LAST
	sleep 0.5
	post_cms "$2" "$ID" "$3"
	wait "$pid"
	delay=$(($(cat "$T/$1.end") - t1))
}
sign_held s1 "$PORTAL_URL" "$T/sig.p7s"
check "a CAdES signature of the request's content made with the card's key" [ -s "$T/sig.p7s" ]
echo "# signature accepted (POST answered ${code} in $((t1 - t0)) ms); the held question answered $delay ms after that"
check "the signature is accepted (200: $code)" [ "$code" = 200 ]
woke_ok() { answered s1 true/true && [ "$delay" -le 300 ] && [ "$(cat "$T/s1.end")" -ge "$t0" ]; }
check "the held question answers signed within 300 ms of the acceptance ($delay ms), not before the POST" woke_ok
ask "$T/after.json" wait
after_ok() { answered after true/false && within "$secs" 0 1; }
check "once signed, wait=1 answers at once (${secs}s), signed" after_ok

# ---- a signature that reaches another process on the same database --------------------------------
to_confirm 24
PORT2=$(free_port)
env MADOGUCHI_PORT="$PORT2" MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_DEV_MODE=1 \
	MADOGUCHI_ACCESS_LOG="$T/access2.log" MADOGUCHI_THREADS=1 "${PORTAL_ENV[@]}" \
	"$TEST_BUILD/madoguchi" > "$T/portal2.out" 2>&1 &
PORTAL2_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT2/healthz" && break; sleep 0.1; done
sign_held s2 "http://127.0.0.1:$PORT2" "$T/sig2.p7s"
echo "# signature accepted by the other process (${code}); the held question answered $delay ms after that"
other_ok() { [ "$code" = 200 ] && answered s2 true/true && [ "$delay" -le 1000 ]; }
check "signed through another process (200: $code): the held question answers within 1 s, by the 100 ms re-check, not the 2 s poll ($delay ms)" other_ok
kill -TERM "$PORTAL2_PID"
wait "$PORTAL2_PID"
rc=$?
PORTAL2_PID=
check "the other process stops cleanly (exit $rc)" [ "$rc" = 0 ]

# ---- the portal stopped with questions held ----------------------------------------------------
to_confirm 25
held h1
H1=$LAST
held h2
H2=$LAST
sleep 1
ts=$(now_ms)
stop_portal
rc=$?
wait "$H1" "$H2"
stopped=$(($(now_ms) - ts))
check "the portal stopped with two questions held exits 0 (exit $rc, ${stopped} ms)" [ "$rc" = 0 ]
both_ok() { answered h1 false/true && answered h2 false/true; }
check "... both were answered before it ended: not signed, held" both_ok
check "no sanitizer report from either portal" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/portal.out' '$T/portal2.out'"
tap_end
