#!/usr/bin/env bash
# run.sh: postgres too
# The portal's side of the e-signature hand-off, end to end with real parts only: the portal
# (TEST_BUILD) with the test PKI's signing CA as its trust anchor and a real `openssl ocsp`
# responder (the PKI's delegated responder key, reading DIR/sign/index.txt), the signing app
# madoguchi-sign opened with the madoguchi-sign:// link of the confirmation page, the virtual
# My Number Card in a private pcscd's vpcd reader (tests/card_env.sh); pages driven with curl
# as the demo resident. Checked:
#  1. the round trip: form (multipart, with a PNG), confirmation page with the link and how to
#     sign on this PC (no QR code), GET /api/sign/ID, the app signs and posts (exit 0), the page's poll says signed,
#     「電子署名済み」, 申請する, completion; the application keeps the signature and a
#     verification report (ok, OCSP, the card's basic four); `madoguchi export-signature` and
#     `openssl cms -verify` of what it wrote;
#  2. a link used twice: exit 5, 410 used;  3. an expired request: 410 expired, exit 5;
#  4. a wrong password: exit 12 with the tries left, the request still pending;
#  5. a revoked certificate (OCSP): 422 revoked, exit 7, not signed, submission refused;
#  6. a card of another PKI: 422 untrusted, exit 7;
#  7. an expired card: the app refuses (exit 14); its CMS posted directly: 422 expired;
#  8. a signature of other content: 422 digest_mismatch; content changed after signing: the
#     signature no longer counts (notice, poll false, submission refused);
#  9. the card pulled out at the signature command: exit 10, the request still pending and
#     usable afterwards;
#  and: a POST of another Content-Type (415); the OCSP responder down: 422
#  revocation_unavailable, exit 7, the request kept and signed once the responder is back.
# The expired card's CMS is made with `openssl cms -sign -cades` from the key in the test card's
# state file: madoguchi-sign refuses an expired certificate even with --request-file.
# Runs as root; see tests/card_env.sh for the namespace. ~15 s with the ASan build.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@"

. tests/lib.sh
SIGN="$TEST_BUILD/madoguchi-sign"
PORTAL="$TEST_BUILD/madoguchi"
P=/procedures/kaigo-volunteer-point
OCSP_PID= PORTAL_PID=
card_env_extra_cleanup() {
	stop_pid "$PORTAL_PID"
	stop_pid "$OCSP_PID"
}
card_env_init openssl python3 sqlite3 curl sha256sum
for b in "$SIGN" "$PORTAL"; do
	[ -x "$b" ] || fail_early "$b is built (make BUILD=$TEST_BUILD SAN=1 all)"
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

# ---- the PKIs and the cards --------------------------------------------------------------------
PERSON=(--birth 1950-04-01 --gender 2 --address '東京都千代田区千代田1-1' --password ABC123 --pin 1234)
tq "$CARD" pki init "$T/pki" || fail_early "pki init"
tq "$CARD" pki init "$T/pki2" || fail_early "pki init of a second PKI"
tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' "${PERSON[@]}" &&
	tq "$CARD" issue --pki "$T/pki" --out "$T/revoked.json" --name '失効 一郎' "${PERSON[@]}" &&
	tq "$CARD" issue --pki "$T/pki" --out "$T/expired.json" --name '期限 切子' "${PERSON[@]}" --expired &&
	tq "$CARD" issue --pki "$T/pki2" --out "$T/foreign.json" --name '他県 次郎' "${PERSON[@]}" ||
	fail_early "issue the cards"
tq "$CARD" revoke --pki "$T/pki" --state "$T/revoked.json" --reason keyCompromise || fail_early "revoke a card"
mkdir -p "$T/trust"
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem"
[ -f "$T/pki/sign/ocsp.pem" ] && [ -f "$T/pki/sign/ocsp.key" ] || fail_early "the PKI has its OCSP responder key"
ok "two test PKIs; cards: good, revoked (keyCompromise), expired, of the other PKI"

# ---- the OCSP responder (after the revocation: it reads the index as it starts) -------------------
OCSP_PORT=$(free_port)
# openssl 3.0 takes only a port number (not HOST:PORT) and listens on every interface; no probing
# of the port: a connection without a request hangs it (docs/verification.md), so wait for its line
start_ocsp() {
	: > "$T/ocsp.log"
	openssl ocsp -index "$T/pki/sign/index.txt" -CA "$T/pki/sign/ca.pem" -rsigner "$T/pki/sign/ocsp.pem" \
		-rkey "$T/pki/sign/ocsp.key" -port "$OCSP_PORT" -ndays 1 -ignore_err >> "$T/ocsp.log" 2>&1 &
	OCSP_PID=$!
	wait_for "the OCSP responder listens" grep -qi 'Waiting for OCSP client connections' "$T/ocsp.log"
}
start_ocsp || fail_early "openssl ocsp responder on port $OCSP_PORT"
ocsp_status() { # ocsp_status STATE: what the responder says about the card's signing certificate
	t "$CARD" export --state "$1" --what sign-cert > "$T/q.pem"
	t openssl ocsp -issuer "$T/pki/sign/ca.pem" -cert "$T/q.pem" -url "http://127.0.0.1:$OCSP_PORT" \
		-CAfile "$T/pki/sign/ca.pem" 2>/dev/null | sed -n 's/^.*q.pem: //p'
}
check "the responder: the good card is good, the revoked one revoked" \
	[ "$(ocsp_status "$T/card.json")/$(ocsp_status "$T/revoked.json")" = good/revoked ]

# ---- pcscd and the good card ------------------------------------------------------------------
card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
start_card || fail_early "madoguchi-card serve inserts the card"
insert() { # insert STATE [serve options...]: takes the card out, puts the card of STATE in
	local state=$1
	shift
	stop_card
	wait_for "the card is out" card_absent
	"$CARD" serve --state "$state" --vpcd "127.0.0.1:$PORT" --verbose "$@" >> "$T/card.log" 2>&1 &
	CARD_PID=$!
	wait_for "the card of $(basename "$state") is in" card_present
}

# ---- the portal -----------------------------------------------------------------------------
card_env_start_portal MADOGUCHI_SIGN_OCSP_URL="http://127.0.0.1:$OCSP_PORT" || fail_early "the portal starts"
ok "portal on $U with the signing CA as its anchor and OCSP at 127.0.0.1:$OCSP_PORT"

DB="$T/portal.db"
J="$T/jar"
get() { curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$U$1"; }
post() { local path=$1; shift; curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$@" "$U$path"; }
jget() { # jget FILE KEY[.KEY...]: a member of a JSON file ('' when absent)
	python3 - "$1" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
for k in sys.argv[2].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(str(v).lower() if isinstance(v, bool) else v)
EOF
}
api_get() { curl -s -o "$T/api.json" -w '%{http_code}' "$U/api/sign/$1"; }
api_post() { # api_post ID DERFILE
	curl -s -o "$T/api.json" -w '%{http_code}' -H 'Content-Type: application/pkcs7-signature' \
		--data-binary "@$2" "$U/api/sign/$1"
}
id_hash() { printf '%s' "$1" | sha256sum | cut -c1-64; }
req_status() { sql "select status from sign_requests where id_hash = '$(id_hash "$1")'"; }
apps() { sql "select count(*) from applications"; }

python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(
"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))' > "$T/stamps.png"

# save_form STAMPS [file]: the form posted as multipart/form-data (the PNG attached with
# "file"); code in $code, redirect in $loc
save_form() {
	get "$P/form" > /dev/null
	local c file=()
	c=$(csrf_of)
	[ "${2:-}" = file ] && file=(-F "stamp_pages=@$T/stamps.png;type=image/png;filename=stamps.png")
	code=$(post "$P/form" --form-string "csrf=$c" --form-string registration_number=V-0123 \
		--form-string fiscal_year=2026 --form-string "stamps=$1" --form-string 'name=見取 花子' \
		--form-string 'name_kana=ミドリ ハナコ' --form-string birth_date.year=1950 \
		--form-string birth_date.month=4 --form-string birth_date.day=1 --form-string postal_code=100-0001 \
		--form-string 'address=東京都千代田区千代田1-1' --form-string phone=048-000-1234 \
		--form-string bank_account.bank=0001 --form-string bank_account.branch=001 \
		--form-string bank_account.type=futsu --form-string bank_account.number=1234567 \
		--form-string 'bank_account.holder=ミドリ ハナコ' --form-string premium_declaration=paid \
		"${file[@]}" --form-string action=next)
	loc=$(location)
}
saved() { [ "$code" = 303 ] && [ "$loc" = "$P/confirm" ]; }
# confirm: the confirmation page; sets LINK, ID, KEY, DIGEST, CSRF (LINK/ID empty when signed)
confirm() {
	code=$(get "$P/confirm")
	LINK=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | head -1 | sed 's/.*href="\([^"]*\)"/\1/')
	ID=${LINK##*/}
	KEY=$(hidden key)
	DIGEST=$(hidden digest)
	CSRF=$(csrf_of)
}
page_signed() { grep -q 'data-state="signed"' "$T/page.html" && grep -qF '<strong>電子署名済み</strong>' "$T/page.html"; }
page_unsigned() { grep -q 'data-state="unsigned"' "$T/page.html" && ! grep -q 'data-state="signed"' "$T/page.html"; }
submit_enabled() { grep -q '<button class="button" type="submit" id="submit-button">' "$T/page.html"; }
poll() { get "$P/signature?digest=$1" > /dev/null; jget "$T/page.html" signed; }
submit() { # submit KEY DIGEST: 申請する with the confirmation; code in $code, redirect in $loc
	code=$(post "$P/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$1" \
		--data-urlencode "digest=$2" --data-urlencode confirmed=1)
	loc=$(location)
}
# sign PASSWORD ARGS...: madoguchi-sign with the password on fd 3; output in $T/out.txt, exit in $rc
sign() {
	local pw=$1
	shift
	timeout 60 "$SIGN" --password-fd 3 --card-timeout 10 "$@" 3<<< "$pw" > "$T/out.txt" 2>&1
	rc=$?
	{ echo "== madoguchi-sign $*: exit $rc"; cat "$T/out.txt"; } >> "$T/sign.log"
}
said() { grep -qF -- "$1" "$T/out.txt"; }
apdus() { grep -c '^madoguchi-card: .* > ' "$T/card.log"; }
refused_as() { # refused_as CODE REASON: the last API answer
	[ "$code" = "$1" ] && [ "$(jget "$T/api.json" error)" = refused ] && [ "$(jget "$T/api.json" reason)" = "$2" ]
}

# ---- login as the demo resident -----------------------------------------------------------------
get /login > /dev/null
code=$(post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026)
[ "$code" = 303 ] || fail_early "login as demo@example.jp ($code)"
ok "logged in as the demo resident"

# ==== 1. the round trip ===========================================================================
save_form 23 file
check "1. the form posted as multipart/form-data with a PNG: 303 to the confirmation ($code $loc)" saved
confirm
check "the confirmation page (200) has 「スマートフォンで電子署名する」 with a madoguchi-sign link ($LINK)" \
	sh -c "[ $code = 200 ] && echo '$LINK' | grep -Eq '^madoguchi-sign://127\\.0\\.0\\.1:$PORTAL_PORT/sign/[A-Za-z0-9_-]{43}\$' &&
	grep -qF 'スマートフォンで電子署名する</a>' '$T/page.html'"
check "... no QR code (no phone app can open the link) but how to sign on this PC" sh -c "! grep -q 'class=\"qr\"' '$T/page.html' && grep -q '「開く」を押してください' '$T/page.html'"
check "... not signed yet, 申請する disabled" sh -c "grep -q 'data-state=\"unsigned\"' '$T/page.html' &&
	grep -q 'id=\"submit-button\" disabled' '$T/page.html'"
check "... the hidden key and digest" sh -c "[ -n '$KEY' ] && echo '$DIGEST' | grep -Eq '^[0-9a-f]{64}\$'"
code=$(api_get "$ID")
check "GET /api/sign/ID: 200 with the request (id, digest of the page, SHA-256 of content, lines, expiry)" \
	python3 - "$T/api.json" "$ID" "$DIGEST" "$code" <<'EOF'
import hashlib, json, sys, time
j = json.load(open(sys.argv[1], encoding="utf-8"))
ok = (sys.argv[4] == "200" and j["id"] == sys.argv[2] and j["digest"] == sys.argv[3]
      and hashlib.sha256(j["content"].encode()).hexdigest() == j["digest"]
      and j["procedure_title"] == "介護支援ボランティアポイント交付申請" and "みどり市" in j["portal_name"]
      and any(l["value"] == "見取 花子" for l in j["lines"])
      and 0 < j["expires_at"] - time.time() <= 600)
sys.exit(0 if ok else 1)
EOF
check "the poll before signing says not signed" [ "$(poll "$DIGEST")" = false ]
n0=$(apdus)
sign ABC123 "$LINK"
n1=$(apdus)
PER_SIG=$((n1 - n0))
check "madoguchi-sign LINK --password-fd 3 exits 0 (got $rc), 「電子署名が完了しました。」" \
	sh -c "[ $rc = 0 ] && grep -qF '電子署名が完了しました。' '$T/out.txt'"
check "... it showed the portal (http://127.0.0.1:$PORTAL_PORT) and the procedure" \
	sh -c "grep -qF '127.0.0.1:$PORTAL_PORT' '$T/out.txt' && grep -qF '介護支援ボランティアポイント交付申請' '$T/out.txt'"
check "the poll says signed" [ "$(poll "$DIGEST")" = true ]
check "the request is used now: GET /api/sign/ID gives 410 used" \
	sh -c "[ $(api_get "$ID") = 410 ] && grep -q '\"used\"' '$T/api.json'"
confirm
check "the confirmation page shows 「電子署名済み」 and an enabled 申請する" sh -c "
	grep -q 'data-state=\"signed\"' '$T/page.html' && grep -qF '<strong>電子署名済み</strong>' '$T/page.html' &&
	grep -q '<button class=\"button\" type=\"submit\" id=\"submit-button\">' '$T/page.html' && [ -z '$LINK' ]"
submit "$KEY" "$DIGEST"
RECEIPT=$(echo "$loc" | sed -n 's|^/applications/\([0-9-]*\)/complete$|\1|p')
check "申請する: 303 to /applications/RECEIPT/complete ($code $loc)" sh -c "[ $code = 303 ] && [ -n '$RECEIPT' ]"
code=$(get "$loc")
check "the completion page: 「以上で、申請は完了です。」 ($code)" grep -qF '以上で、申請は完了です。' "$T/page.html"
sql "select verification from applications where receipt = '$RECEIPT'" > "$T/report.json"
check "the application has a signature ($(sql "select length(signature) from applications where receipt = '$RECEIPT'") bytes) and the digest of the page" \
	[ "$(sql "select cast(length(signature) > 1000 and digest = '$DIGEST' as integer) from applications where receipt = '$RECEIPT'")" = 1 ]
check "its verification report: result ok, revocation by OCSP (good), basic four name 見取 花子" \
	python3 - "$T/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
rev = r.get("revocation", {})
ok = (r.get("result") == "ok" and rev.get("method") == "ocsp" and rev.get("status") == "good"
      and r.get("basic_four", {}).get("name") == "見取 花子"
      and [c["outcome"] for c in r["checks"]] == ["pass"] * 8)
if not ok: print("# report:", json.dumps(r, ensure_ascii=False)[:1500])
sys.exit(0 if ok else 1)
EOF
check "the OCSP responder was asked (by the portal)" grep -q "\"url\":\"http://127.0.0.1:$OCSP_PORT" "$T/report.json"
MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" \
	t "$PORTAL" export-signature "$RECEIPT" "$T/export" > "$T/export.log" 2>&1
rc=$?
check "madoguchi export-signature RECEIPT DIR: exit 0 (got $rc), RECEIPT.json, RECEIPT.p7s, ca.pem" \
	sh -c "[ $rc = 0 ] && [ -s '$T/export/$RECEIPT.json' ] && [ -s '$T/export/$RECEIPT.p7s' ] && [ -s '$T/export/ca.pem' ]"
check "... RECEIPT.json is the content that was signed (SHA-256 = the digest)" \
	[ "$(sha256sum < "$T/export/$RECEIPT.json" | cut -c1-64)" = "$DIGEST" ]
openssl cms -verify -binary -inform DER -content "$T/export/$RECEIPT.json" -in "$T/export/$RECEIPT.p7s" \
	-CAfile "$T/export/ca.pem" -out /dev/null > "$T/cms.log" 2>&1
rc=$?
check "openssl cms -verify -binary -inform DER -content R.json -in R.p7s -CAfile ca.pem: success (exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/cms.log"
check "... and with -cades" tq openssl cms -verify -cades -binary -inform DER -content "$T/export/$RECEIPT.json" \
	-in "$T/export/$RECEIPT.p7s" -CAfile "$T/export/ca.pem" -out /dev/null
printf 'x' >> "$T/export/$RECEIPT.json"
check "... and not over other content" sh -c "! openssl cms -verify -binary -inform DER -content '$T/export/$RECEIPT.json' \
	-in '$T/export/$RECEIPT.p7s' -CAfile '$T/export/ca.pem' -out /dev/null 2>/dev/null"
modes=$(cd "$T/export" && stat -c %a "$RECEIPT.json" "$RECEIPT.p7s" "$RECEIPT.verification.json" ca.pem | tr '\n' ' ')
check "... every file readable by the owner only ($modes)" [ "$modes" = "600 600 600 600 " ]
# a symbolic link where a file goes is never written through (the report holds personal data)
echo outside > "$T/outside"
ln -sf "$T/outside" "$T/export/$RECEIPT.p7s"
MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" \
	t "$PORTAL" export-signature "$RECEIPT" "$T/export" > "$T/export2.log" 2>&1
check "export-signature again over a link: the link's target untouched" [ "$(cat "$T/outside")" = outside ]
check "... the link replaced by the signature, no temporary file left ($(ls -A "$T/export" | tr '\n' ' '))" \
	sh -c "[ ! -L '$T/export/$RECEIPT.p7s' ] && [ -s '$T/export/$RECEIPT.p7s' ] && [ \$(ls -A '$T/export' | wc -l) = 4 ]"

check "export-signature of an unknown receipt: an error naming it, no files" sh -c \
	"! MADOGUCHI_DATABASE='$(portal_db_url "$T")' MADOGUCHI_SIGN_ANCHORS_DIR='$T/trust' '$PORTAL' export-signature 2099-999999 '$T/none' 2> '$T/none.log' \
	&& grep -q '2099-999999' '$T/none.log' && [ ! -e '$T/none' ]"
check "export-signature without trust anchors: refused, no ca.pem" sh -c \
	"! MADOGUCHI_DATABASE='$(portal_db_url "$T")' '$PORTAL' export-signature '$RECEIPT' '$T/noca' 2> '$T/noca.log' \
	&& grep -q 'no CA certificates' '$T/noca.log' && [ ! -e '$T/noca/ca.pem' ]"
check "export-signature with a wrong number of arguments: usage, exit 2" sh -c \
	"'$PORTAL' export-signature '$RECEIPT' > /dev/null 2>&1; [ \$? = 2 ]"

# ==== 2. the same link twice =======================================================================
save_form 23 file
confirm
L2=$LINK ID2=$ID
sign ABC123 "$L2"
check "2. a new draft's link signs (exit $rc)" [ "$rc" = 0 ]
sign ABC123 "$L2"
check "the same link again: exit 5 (got $rc), 「この署名依頼はすでに使われています。」" \
	sh -c "[ $rc = 5 ] && grep -qF 'この署名依頼はすでに使われています。' '$T/out.txt'"
code=$(api_get "$ID2")
check "... GET /api/sign/ID: 410 {\"error\":\"used\"} ($code $(cat "$T/api.json"))" \
	sh -c "[ $code = 410 ] && [ \"\$(cat '$T/api.json')\" = '{\"error\":\"used\"}' ]"
sig_of() { sql "select $(sql_hex signature) from sign_requests where id_hash = '$(id_hash "$1")'"; }
S2=$(sig_of "$ID2")
code=$(api_post "$ID2" "$T/export/$RECEIPT.p7s")
check "... a POST to the used request: 410 used, the stored signature unchanged ($code)" \
	[ "$code $(req_status "$ID2") $(sig_of "$ID2")" = "410 signed $S2" ]
code=$(api_get AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)
check "an unknown id: 404 not_found ($code)" sh -c "[ $code = 404 ] && grep -q not_found '$T/api.json'"

# ==== 8b. content changed after signing =============================================================
confirm
D2=$DIGEST K2=$KEY
check "8. the signed draft's page: 「電子署名済み」" page_signed
save_form 31
check "an answer changed after signing (stamps 23 -> 31): saved ($code)" saved
confirm
D3=$DIGEST
check "the confirmation page no longer shows 「電子署名済み」, 申請する disabled" \
	sh -c "grep -q 'data-state=\"unsigned\"' '$T/page.html' && ! grep -qF '<strong>電子署名済み</strong>' '$T/page.html' &&
	grep -q 'id=\"submit-button\" disabled' '$T/page.html' && [ '$D3' != '$D2' ]"
check "... the notice that the signature must be made again" \
	grep -qF '電子署名のあとで申請内容が変わったため、その署名は使えなくなりました。もう一度、電子署名をしてください。' "$T/page.html"
check "... a new link is offered" [ -n "$LINK" ]
check "the poll for the new digest says false (and for the old one true)" \
	[ "$(poll "$D3")/$(poll "$D2")" = false/true ]
a0=$(apps)
submit "$K2" "$D3"
check "申請する with the new digest: refused, back to confirm?unsigned=1 ($code $loc)" \
	[ "$code $loc" = "303 $P/confirm?unsigned=1" ]
submit "$K2" "$D2"
check "申請する with the old (signed) digest: back to confirm?changed=1 ($code $loc)" \
	[ "$code $loc" = "303 $P/confirm?changed=1" ]
check "... no application was created" [ "$(apps)" = "$a0" ]
code=$(get "$P/confirm?unsigned=1")
check "the page after the refusal says to sign first or that it changed" \
	grep -qE 'この手続は、電子署名をしてから申請してください。|もう一度、電子署名をしてください。' "$T/page.html"

# ==== 8a. a signature of other content ==============================================================
confirm
IDA=$ID
api_get "$IDA" > /dev/null
cp "$T/api.json" "$T/reqA.json"
sign ABC123 --request-file "$T/reqA.json" --out "$T/A.p7s"
check "8. request A (content X) signed offline with --request-file and --out (exit $rc)" \
	sh -c "[ $rc = 0 ] && [ -s '$T/A.p7s' ]"
save_form 42
confirm
IDB=$ID DB4=$DIGEST
check "the answer changed again: request B for content Y ($([ "$IDA" != "$IDB" ] && echo other id))" \
	sh -c "[ -n '$IDB' ] && [ '$IDA' != '$IDB' ] && [ '$DB4' != \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"digest\"])' '$T/reqA.json')\" ]"
code=$(api_post "$IDB" "$T/A.p7s")
check "A's signature posted to B's URL: 422 refused, reason digest_mismatch ($code $(cat "$T/api.json"))" \
	refused_as 422 digest_mismatch
check "... with the portal's message" grep -qF '一致しません' "$T/api.json"
check "... B is used up (refused), the poll for Y says false" \
	[ "$(req_status "$IDB")/$(poll "$DB4")" = refused/false ]
check "... the report of B says digest_mismatch" \
	[ "$(sql "select $(jx verification '$.result') from sign_requests where id_hash = '$(id_hash "$IDB")'")" = digest_mismatch ]
code=$(api_post "$IDA" "$T/A.p7s")
check "A's own signature posted to A after the draft changed: A was cancelled with the change (404, $code)" \
	[ "$code" = 404 ]
check "... and A is gone from the database" [ "$(sql "select count(*) from sign_requests where id_hash = '$(id_hash "$IDA")'")" = 0 ]

# ==== 4. a wrong password ===========================================================================
confirm
IDC=$ID
sign WRONG1 "$LINK"
check "4. a wrong password: exit 12 (got $rc), 「パスワードが間違っています。残り4回です。」" \
	sh -c "[ $rc = 12 ] && grep -qF 'パスワードが間違っています。残り4回です。' '$T/out.txt'"
code=$(api_get "$IDC")
check "... the request is still pending (GET 200, status $(req_status "$IDC"), no signature stored)" \
	sh -c "[ $code = 200 ] && [ $(req_status "$IDC") = pending ] &&
	[ $(sql "select count(*) from sign_requests where id_hash = '$(id_hash "$IDC")' and (signature is not null or used_at is not null)") = 0 ]"
check "... the poll says false" [ "$(poll "$DB4")" = false ]

# ==== 3. an expired request =========================================================================
confirm
IDE=$ID
sql "update sign_requests set created_at = created_at - 3600, expires_at = created_at - 3000 where id_hash = '$(id_hash "$IDE")'"
code=$(api_get "$IDE")
check "3. a request past its expires_at (set in the database): GET 410 expired ($code $(cat "$T/api.json"))" \
	sh -c "[ $code = 410 ] && [ \"\$(cat '$T/api.json')\" = '{\"error\":\"expired\"}' ]"
sign ABC123 "$LINK"
check "... madoguchi-sign: exit 5 (got $rc), 「署名依頼の有効期限が切れています。」" \
	sh -c "[ $rc = 5 ] && grep -qF '署名依頼の有効期限が切れています。' '$T/out.txt'"
code=$(api_post "$IDE" "$T/A.p7s")
check "... a POST to it: 410 expired ($code)" sh -c "[ $code = 410 ] && grep -q expired '$T/api.json'"

# ==== 9. the card pulled out mid-signature ==========================================================
confirm
IDF=$ID LF=$LINK
[ "$PER_SIG" -ge 6 ] 2>/dev/null || PER_SIG=14
insert "$T/card.json" --remove-after $((PER_SIG - 1)) || fail_early "the card with --remove-after"
sign ABC123 "$LF"
check "9. the card pulled out at the signature command (APDU $PER_SIG of $PER_SIG): exit 10 (got $rc)" \
	sh -c "[ $rc = 10 ] && grep -qF '読み取りの途中でカードが離れました' '$T/out.txt'"
check "... the card answered up to SELECT of the signing key EF (001A) and was pulled at the next APDU" \
	sh -c "grep '^madoguchi-card: .* > ' '$T/card.log' | tail -1 | grep -q '> 00 A4 02 0C 02 00 1A' &&
	tail -n 3 '$T/card.log' | grep -q 'pulling the card out after $((PER_SIG - 1)) APDUs'"
code=$(api_get "$IDF")
check "... the request is still pending (GET 200, $(req_status "$IDF")), nothing signed (poll false)" \
	sh -c "[ $code = 200 ] && [ $(req_status "$IDF") = pending ] && [ $(poll "$DB4") = false ]"
for _ in $(seq 1 $((W * 10))); do kill -0 "$CARD_PID" 2>/dev/null || break; sleep 0.1; done
insert "$T/card.json" || fail_early "the card back in the reader"
sign ABC123 "$LF"
check "... the card back: the same link signs (exit $rc), the poll says true" \
	sh -c "[ $rc = 0 ] && [ $(poll "$DB4") = true ]"

# ==== the OCSP responder down: refused for now, the request kept ====================================
save_form 50
confirm
IDR=$ID LR=$LINK
code=$(curl -s -o "$T/api.json" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary "@$T/A.p7s" "$U/api/sign/$IDR")
check "a POST that is not application/pkcs7-signature: 415, the request still pending ($code)" \
	[ "$code $(req_status "$IDR")" = "415 pending" ]
stop_pid "$OCSP_PID"
OCSP_PID=
sign ABC123 "$LR"
check "the OCSP responder down: madoguchi-sign exit 7 (got $rc), 「いま電子証明書の有効性を確認できません」" \
	sh -c "[ $rc = 7 ] && grep -qF 'いま電子証明書の有効性を確認できません' '$T/out.txt'"
code=$(api_get "$IDR")
check "... the request is not used up: GET 200 ($code), status $(req_status "$IDR")" [ "$code $(req_status "$IDR")" = "200 pending" ]
cp "$T/api.json" "$T/reqR.json"
sign ABC123 --request-file "$T/reqR.json" --out "$T/R.p7s"
code=$(api_post "$IDR" "$T/R.p7s")
check "... its CMS posted with curl: 422 refused, reason revocation_unavailable ($code $(jget "$T/api.json" reason))" \
	refused_as 422 revocation_unavailable
start_ocsp || fail_early "the OCSP responder restarts on port $OCSP_PORT"
sign ABC123 "$LR"
check "the responder back: the same link signs (exit $rc), the poll says true" \
	sh -c "[ $rc = 0 ] && [ $(poll "$DIGEST") = true ]"

# ==== 5. a revoked certificate ======================================================================
save_form 60
insert "$T/revoked.json" || fail_early "the revoked card in the reader"
confirm
IDG=$ID KG=$KEY DG=$DIGEST
api_get "$IDG" > /dev/null
cp "$T/api.json" "$T/reqG.json"
sign ABC123 --request-file "$T/reqG.json" --out "$T/G.p7s"
check "5. the revoked card signs offline (the app cannot know; exit $rc)" [ "$rc" = 0 ]
code=$(api_post "$IDG" "$T/G.p7s")
check "its CMS posted: 422 refused, reason revoked ($code $(jget "$T/api.json" reason))" refused_as 422 revoked
rev=$(sql "select $(jx verification '$.revocation.method') || '/' || $(jx verification '$.revocation.status')
	|| '/' || $(jx verification '$.revocation.revocation_reason') from sign_requests where id_hash = '$(id_hash "$IDG")'")
check "... the report: OCSP said revoked, keyCompromise ($rev)" [ "$rev" = ocsp/revoked/keyCompromise ]
confirm
sign ABC123 "$LINK"
check "through the link: madoguchi-sign exit 7 (got $rc) with the portal's message (失効しています)" \
	sh -c "[ $rc = 7 ] && grep -qF 'ポータルからのお知らせ: 署名用電子証明書が失効しています' '$T/out.txt'"
check "... that request is used up (refused)" [ "$(req_status "$ID")" = refused ]
confirm
check "... the page is not signed" page_unsigned
check "... the poll says false" [ "$(poll "$DIGEST")" = false ]
a0=$(apps)
submit "$KEY" "$DIGEST"
check "... 申請する refused: confirm?unsigned=1 ($code $loc), no application" \
	[ "$code $loc $(apps)" = "303 $P/confirm?unsigned=1 $a0" ]

# ==== 6. a card of another PKI ======================================================================
insert "$T/foreign.json" || fail_early "the other PKI's card in the reader"
confirm
api_get "$ID" > /dev/null
cp "$T/api.json" "$T/reqH.json"
sign ABC123 --request-file "$T/reqH.json" --out "$T/H.p7s"
code=$(api_post "$ID" "$T/H.p7s")
check "6. a card of another PKI (same CA names): 422 refused, reason untrusted ($code $(jget "$T/api.json" reason))" \
	refused_as 422 untrusted
confirm
sign ABC123 "$LINK"
check "through the link: exit 7 (got $rc) with the portal's message (ここでは使えません)" \
	sh -c "[ $rc = 7 ] && grep -qF 'ポータルからのお知らせ: このカードの電子証明書は、ここでは使えません' '$T/out.txt'"
# the member absent (a JSON null would not do)
if on_pg; then no_b4="not (verification::jsonb ? 'basic_four')"; else no_b4="json_type(verification, '\$.basic_four') is null"; fi
check "... the report records no basic four of an untrusted certificate" \
	[ "$(sql "select cast($no_b4 as integer) from sign_requests where id_hash = '$(id_hash "$ID")'")" = 1 ]

# ==== 7. an expired card ============================================================================
insert "$T/expired.json" || fail_early "the expired card in the reader"
confirm
IDX=$ID
sign ABC123 "$LINK"
check "7. an expired card: madoguchi-sign refuses before signing, exit 14 (got $rc) 「有効期限が切れています」" \
	sh -c "[ $rc = 14 ] && grep -qF '有効期限が切れています' '$T/out.txt'"
code=$(api_get "$IDX")
check "... nothing was posted: the request is still pending ($code)" [ "$code $(req_status "$IDX")" = "200 pending" ]
cp "$T/api.json" "$T/reqX.json"
sign ABC123 --request-file "$T/reqX.json" --out "$T/X.p7s"
check "... with --request-file too (exit $rc): no CMS from the app for an expired card" \
	sh -c "[ $rc = 14 ] && [ ! -e '$T/X.p7s' ]"
# so the CMS is made by openssl with the card's own key (the test card's state file holds it)
python3 - "$T/expired.json" "$T/reqX.json" "$T/x.key" "$T/x.content" <<'EOF'
import json, sys
open(sys.argv[3], "w").write(json.load(open(sys.argv[1]))["sign"]["key"])
open(sys.argv[4], "wb").write(json.load(open(sys.argv[2], encoding="utf-8"))["content"].encode())
EOF
t "$CARD" export --state "$T/expired.json" --what sign-cert > "$T/x.pem"
check "... a CAdES CMS made with the expired card's key (openssl cms -sign -cades, detached)" \
	tq openssl cms -sign -binary -cades -nosmimecap -md sha256 -in "$T/x.content" -signer "$T/x.pem" \
	-inkey "$T/x.key" -outform DER -out "$T/X.p7s"
code=$(api_post "$IDX" "$T/X.p7s")
check "... posted with curl: 422 refused, reason expired ($code $(jget "$T/api.json" reason))" refused_as 422 expired
check "... with the message to renew at the counter" grep -qF '有効期限が切れています' "$T/api.json"

# ==== the end ======================================================================================
check "one application in all (the round trip's)" [ "$(apps)" = 1 ]
check "no sanitizer report in any run of madoguchi-sign" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/sign.log'"
check "the card logs no password" sh -c "! grep -q -e ABC123 -e WRONG1 '$T/card.log'"
stop_pid "$PORTAL_PID"
rc=$?
PORTAL_PID=
check "the portal stops cleanly (exit $rc)" [ "$rc" = 0 ]
check "no sanitizer report in the portal's log" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/portal.log'"
stop_card
check "the card stops cleanly" [ $? = 0 ]
tap_end
