#!/usr/bin/env bash
# run.sh: postgres too
# The writes that wait for an fsync go through the one group-committing writer (core/writer.c,
# http/defer.h req_defer_write; group_commit on by default): a draft saved (the form's
# 「一時保存」 and 「次へ」), a sign request marked signed when the signing API accepts a
# signature, one marked refused (a signature of other content), and the submission. Each of
# them moves madoguchi_writer_jobs_total of /metrics by exactly one (nothing else is written
# through the writer meanwhile), none is lost, and what it wrote is in the database once it is
# answered. A real signature without the card stack, as in sign_longpoll.sh: the test PKI's
# card key signs the sign request's content with `openssl cms -sign -cades`, curl posts it.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
CARD="$TEST_BUILD/madoguchi-card"
P=/procedures/kaigo-volunteer-point
T=$(mktemp -d /tmp/madoguchi-wpaths.XXXXXX)
cleanup() {
	stop_portal
	rm -rf "$T"
}
trap cleanup EXIT
J="$T/jar"
DB="$T/portal.db"

"$CARD" pki init "$T/pki" > /dev/null 2>&1 &&
	"$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' --birth 1950-04-01 --gender 2 \
		--address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 > /dev/null 2>&1
check "the test PKI and a card" [ -s "$T/card.json" ]
mkdir -p "$T/trust"
"$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem"
"$CARD" export --state "$T/card.json" --what sign-cert > "$T/cert.pem"
/usr/bin/python3 -c 'import json, sys; open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["sign"]["key"])' \
	"$T/card.json" "$T/key.pem"
MPORT=$(free_port)
start_portal "$T" MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" MADOGUCHI_SIGN_REVOCATION_SOFT_FAIL=1 \
	MADOGUCHI_METRICS_LISTEN="127.0.0.1:$MPORT" MADOGUCHI_ARGON2_M_COST_KIB=4096 \
	MADOGUCHI_ARGON2_T_COST=1 MADOGUCHI_REFDATA_DIR="$TEST_BUILD/refdata" ||
	{ not_ok "the portal starts"; tap_end; exit 1; }
ok "portal on $PORTAL_URL, metrics on 127.0.0.1:$MPORT"

metric() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
jobs() { metric madoguchi_writer_jobs_total; }
jfield() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }
# moved BEFORE WHAT: the writer's job count is BEFORE + 1 now
moved() { [ "$(jobs)" = $(($1 + 1)) ]; }

get /login > /dev/null
post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026 > /dev/null
# fill ACTION STAMPS: the volunteer point form posted (urlencoded: no attachment is needed for
# 「一時保存」); its HTTP status in $code
fill() {
	local f a=()
	get "$P/form" > /dev/null
	for f in "csrf=$(csrf_of)" registration_number=V-0123 fiscal_year=2026 "stamps=$2" 'name=見取 花子' \
		'name_kana=ミドリ ハナコ' birth_date.year=1950 birth_date.month=4 birth_date.day=1 \
		postal_code=100-0001 'address=東京都千代田区千代田1-1' phone=048-000-1234 bank_account.bank=0001 \
		bank_account.branch=001 bank_account.type=futsu bank_account.number=1234567 \
		'bank_account.holder=ミドリ ハナコ' premium_declaration=paid "action=$1"; do
		a+=(--form-string "$f")
	done
	code=$(post "$P/form" "${a[@]}" -F "stamp_pages=@$T/one.png;type=image/png;filename=stamps.png")
}
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
	89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082 \
	> "$T/one.png"
stamps() { sql "select $(jx raw '$.stamps') from drafts where receipt is null"; }

# ---- drafts saved -------------------------------------------------------------------------------
n0=$(jobs)
echo "# the writer's jobs before: ${n0:-?} ($(metric madoguchi_writer_groups_total) groups)"
fill save 21
check "「一時保存」: the form again (200: $code), the draft saved (stamps $(stamps))" \
	[ "$code/$(stamps)" = 200/21 ]
check "... through the writer: its jobs ${n0:-?} -> $(jobs)" moved "${n0:-0}"
n1=$(jobs)
fill next 23
check "「次へ」: to the confirmation page (303: $code), the draft saved (stamps $(stamps))" \
	[ "$code/$(stamps)" = 303/23 ]
check "... through the writer: its jobs $n1 -> $(jobs)" moved "$n1"

# ---- the sign request marked signed, or refused -------------------------------------------------
n2=$(jobs)
get "$P/confirm" > /dev/null
ID=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | sed 's|.*/sign/\([^"]*\)"|\1|')
KEY=$(hidden key)
DIGEST=$(hidden digest)
check "the confirmation page with a sign request ($ID), not through the writer ($n2 -> $(jobs))" \
	[ -n "$ID" -a "${#DIGEST}" = 64 -a "$(jobs)" = "$n2" ]
curl -s -o "$T/req.json" "$PORTAL_URL/api/sign/$ID"
/usr/bin/python3 -c 'import json, sys; open(sys.argv[2], "wb").write(json.load(open(sys.argv[1], encoding="utf-8"))["content"].encode())' \
	"$T/req.json" "$T/content"
# cms IN OUT: IN signed with the card's key (CAdES-BES, detached)
cms() {
	openssl cms -sign -binary -cades -nosmimecap -md sha256 -in "$1" -signer "$T/cert.pem" \
		-inkey "$T/key.pem" -outform DER -out "$2" 2> "$T/cms.log"
}
post_cms() { # post_cms ID FILE: HTTP status in $code, the answer in $T/api.json
	code=$(curl -s -o "$T/api.json" -w '%{http_code}' -H 'Content-Type: application/pkcs7-signature' \
		--data-binary "@$2" "$PORTAL_URL/api/sign/$1")
}
id_hash() { printf '%s' "$1" | sha256sum | cut -c1-64; }
req_status() { sql "select status from sign_requests where id_hash = '$(id_hash "$1")'"; }
cms "$T/content" "$T/sig.p7s"
post_cms "$ID" "$T/sig.p7s"
check "the signature is accepted (200: $code, $(jfield "$T/api.json" status)), the request signed ($(req_status "$ID"))" \
	[ "$code/$(jfield "$T/api.json" status)/$(req_status "$ID")" = 200/signed/signed ]
check "... marked signed through the writer: its jobs $n2 -> $(jobs)" moved "$n2"

# the submission
n3=$(jobs)
CSRF=$(csrf_of)
code=$(post "$P/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$KEY" \
	--data-urlencode "digest=$DIGEST" --data-urlencode confirmed=1)
apps=$(sql "select count(*) from applications where signature is not null")
check "申請する: to the completion page (303: $code), the signed application stored ($apps)" \
	[ "$code/$apps" = 303/1 ]
check "... through the writer: its jobs $n3 -> $(jobs)" moved "$n3"

# a refused signature (of other content) marks its request refused, through the writer too
fill next 25
get "$P/confirm" > /dev/null
ID2=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | sed 's|.*/sign/\([^"]*\)"|\1|')
n4=$(jobs)
printf 'other content' > "$T/other"
cms "$T/other" "$T/other.p7s"
post_cms "$ID2" "$T/other.p7s"
check "a signature of other content: 422 (${code}, $(jfield "$T/api.json" reason)), the request refused ($(req_status "$ID2"))" \
	[ "$code/$(jfield "$T/api.json" reason)/$(req_status "$ID2")" = 422/digest_mismatch/refused ]
check "... marked refused through the writer: its jobs $n4 -> $(jobs)" moved "$n4"
check "none of the writer's jobs was lost ($(metric madoguchi_writer_lost_total))" \
	[ "$(metric madoguchi_writer_lost_total)" = 0 ]

stop_portal
check "the portal stops cleanly (exit 0, no sanitizer report)" [ $? = 0 ]
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/portal.out"; then
	not_ok "no sanitizer report"; sed 's/^/# /' "$T/portal.out" | tail -20
fi
tap_end
