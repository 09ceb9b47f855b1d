#!/usr/bin/env bash
# run.sh: postgres too
# The return for correction (差し戻し) and its round trip on the resident's side, with real
# parts: the portal (TEST_BUILD) with the test PKI's signing CA as its anchor and its CRL, the
# signing app madoguchi-sign opened with the link of the confirmation page, the virtual My
# Number Card in a private pcscd's vpcd reader (tests/card_env.sh), pages driven with curl as
# the demo resident, and the demo reviewer of the procedure for the staff page. The staff's
# decision is not used: the application is put into "returned" with sqlite3 (the status and
# an event whose note is the message, as the decision writes them). Checked: my page shows
# the message in a notice with 「修正して再申請する」; the correction opens a new draft with
# the returned answers and a copy of the attached file; one answer corrected, signed again
# with the card, 申請する: the same receipt, version 2, both versions with their own
# signature and verification report, the event 「再申請（第2版）」, status 送信済; a second
# 申請する (double click) makes no version 3; another account gets 404, no login or no CSRF
# token 403, an application not returned 409, and nothing changes; the staff page shows both
# versions. Runs as root (see tests/card_env.sh); ~15 s with the ASan build.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@"

. tests/lib.sh
SIGN="$TEST_BUILD/madoguchi-sign"
P=/procedures/kaigo-volunteer-point
card_env_extra_cleanup() { stop_pid "$PORTAL_PID"; }
card_env_init sqlite3 curl oathtool
for b in "$SIGN" "$TEST_BUILD/madoguchi"; do
	[ -x "$b" ] || fail_early "$b is built (make BUILD=$TEST_BUILD SAN=1 all)"
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

tq "$CARD" pki init "$T/pki" || fail_early "pki init"
tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' --birth 1950-04-01 --gender 2 \
	--address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 || fail_early "issue the card"
mkdir -p "$T/trust"
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem"
CRL=$(ls "$T"/pki/sign/*crl*.pem 2>/dev/null | head -1)
[ -n "$CRL" ] || fail_early "the test PKI has a CRL of its signing CA"
card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
start_card || fail_early "madoguchi-card serve inserts the card"

card_env_start_portal MADOGUCHI_SIGN_CRL_FILE="$CRL" || fail_early "the portal starts"
PORTAL_URL=$U
ok "portal with the signing CA as its anchor and the CA's CRL"

DB="$T/portal.db"
J="$T/jar"
A=() # the answers of the form, as the resident types them
answers() {
	A=(registration_number=V-0123 fiscal_year=2026 "stamps=$1" 'name=見取 花子' 'name_kana=ミドリ ハナコ'
		birth_date.year=1950 birth_date.month=4 birth_date.day=1 postal_code=100-0001
		'address=東京都千代田区千代田1-1' phone=048-000-1234 bank_account.bank=0001 bank_account.branch=001
		bank_account.type=futsu bank_account.number=1234567 'bank_account.holder=ミドリ ハナコ'
		premium_declaration=paid action=next)
}
# save_form STAMPS [FILE]: the form posted as multipart/form-data (with FILE as the stamp pages)
save_form() {
	get "$P/form" > /dev/null
	local args=(--form-string "csrf=$(csrf_of)") a
	answers "$1"
	for a in "${A[@]}"; do args+=(--form-string "$a"); done
	[ -n "${2:-}" ] && args+=(-F "stamp_pages=@$2;type=image/png;filename=stamps.png")
	code=$(post "$P/form" "${args[@]}")
	loc=$(location)
}
# sign_and_submit: the confirmation page, the card signs through its link, 申請する; sets
# KEY, DIGEST, CSRF, rc (madoguchi-sign), code and loc (申請する)
sign_and_submit() {
	get "$P/confirm" > /dev/null
	local link
	link=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | head -1 | sed 's/.*href="\([^"]*\)"/\1/')
	KEY=$(hidden key) DIGEST=$(hidden digest) CSRF=$(csrf_of)
	timeout 60 "$SIGN" --password-fd 3 --card-timeout 10 "$link" 3<<< ABC123 >> "$T/sign.log" 2>&1
	rc=$?
	submit
}
submit() {
	code=$(post "$P/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$KEY" \
		--data-urlencode "digest=$DIGEST" --data-urlencode confirmed=1)
	loc=$(location)
}
login() { # login EMAIL: a new session of the account in $J
	rm -f "$J"
	get /login > /dev/null
	post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode "email=$1" \
		--data-urlencode password=madoguchi-demo-2026
}
resubmit() { # resubmit RECEIPT [CSRF]: 「修正して再申請する」; the HTTP status
	post "/mypage/$1/resubmit" --data-urlencode "csrf=${2-$(get "/mypage/$1" > /dev/null; csrf_of)}"
}
state() { # what a refusal must leave as it was: drafts, versions, status and events of $R
	sql "select (select count(*) from drafts), (select count(*) from application_versions),
		(select status from applications where receipt = '$R'),
		(select count(*) from application_events where receipt = '$R')"
}
v() { sql "select $1 from application_versions where receipt = '$R' and version = $2"; }

printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\10\6\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc`\0\0\0\2\0\1T\xa2O]\0\0\0\0IEND\xaeB`\x82' > "$T/stamps.png"

# ---- version 1 ----------------------------------------------------------------------------
check "login as the demo resident (303)" [ "$(login demo@example.jp)" = 303 ]
save_form 23 "$T/stamps.png"
check "the form with a PNG saved: 303 to the confirmation ($code $loc)" [ "$code $loc" = "303 $P/confirm" ]
sign_and_submit
R=$(echo "$loc" | sed -n 's|^/applications/\([0-9-]*\)/complete$|\1|p')
check "signed with the card (exit $rc) and submitted: receipt $R" [ "$rc/$code/${R:+y}" = 0/303/y ]
D1=$DIGEST
S1=$(sql "select $(sql_hex signature) from applications where receipt = '$R'")
check "version 1 is signed, its report ok" \
	[ "$(sql "select cast(length(signature) > 1000 and $(jx verification '$.result') = 'ok' as integer) from applications where receipt = '$R'")" = 1 ]
code=$(get "/mypage/$R")
check "my page of a sent application: no notice of a return, no 「修正して再申請する」" \
	sh -c "[ $code = 200 ] && ! grep -qF '修正して再申請する' '$T/page.html'"
before=$(state)
code=$(resubmit "$R")
check "「修正して再申請する」 of an application not returned: 409, nothing changed ($code)" \
	[ "$code $(state)" = "409 $before" ]
check "... with the page that says why" grep -qF 'この申請は差し戻されていないため' "$T/page.html"

# ---- returned with a message (what the staff's decision writes) ------------------------------
MSG='スタンプの数が台帳と合いません。台帳では31個です。'
sql "update applications set status = 'returned', updated_at = updated_at + 60 where receipt = '$R';
	insert into application_events (receipt, status, note, at) values ('$R', 'returned', '$MSG',
	(select updated_at from applications where receipt = '$R'))"
code=$(get "/mypage/$R")
check "my page of the returned application: 200 with the notice 「この申請は差し戻されました。…」" \
	sh -c "[ $code = 200 ] && grep -qF 'この申請は差し戻されました。内容を修正して、もう一度申請してください。' '$T/page.html'"
check "... the message of the return in the notice" grep -qF "<blockquote class=\"returned-message\"><p>$MSG</p></blockquote>" "$T/page.html"
check "... the notice comes before the answers" \
	[ "$(grep -n 'returned-heading' "$T/page.html" | head -1 | cut -d: -f1)" -lt "$(grep -n '申請内容</h2>' "$T/page.html" | cut -d: -f1)" ]
check "... the button 「修正して再申請する」 posts to /mypage/$R/resubmit" \
	grep -qF "action=\"/mypage/$R/resubmit\"" "$T/page.html"

# ---- refusals: nothing changes -------------------------------------------------------------
before=$(state)
code=$(resubmit "$R" "")
check "without the CSRF token: 403, nothing changed ($code)" [ "$code $(state)" = "403 $before" ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data csrf=x "$PORTAL_URL/mypage/$R/resubmit")
check "without a session: 403, nothing changed ($code)" [ "$code $(state)" = "403 $before" ]
sql "insert into accounts (email, email_key, pw_hash, created_at, verified_at) select 'other@example.jp',
	'other@example.jp', pw_hash, created_at, verified_at from accounts where email_key = 'demo@example.jp'"
check "login as another resident (303)" [ "$(login other@example.jp)" = 303 ]
code=$(get "/mypage/$R")
check "another account: my page of the application 404 ($code)" [ "$code" = 404 ]
get /mypage > /dev/null
code=$(resubmit "$R" "$(csrf_of)")
check "another account: 「修正して再申請する」 404, nothing changed ($code)" [ "$code $(state)" = "404 $before" ]
code=$(resubmit 2026-999999 "$(csrf_of)")
check "an unknown receipt: 404 ($code)" [ "$code" = 404 ]

# ---- the correction -------------------------------------------------------------------------
check "login as the demo resident again (303)" [ "$(login demo@example.jp)" = 303 ]
code=$(resubmit "$R")
check "「修正して再申請する」: 303 to the form ($code $(location))" [ "$code $(location)" = "303 $P/form" ]
K2=$(sql "select key from drafts where resubmit_of = '$R' and receipt is null")
check "one new open draft tied to $R" [ "$(sql "select count(*) from drafts where resubmit_of = '$R'")" = 1 ]
check "... with the returned answers (the raw input of version 1)" \
	[ "$(sql "select cast(d.raw = o.raw as integer) from drafts d, drafts o where d.key = '$K2' and o.receipt = '$R' and o.key <> '$K2'")" = 1 ]
check "... and a copy of the attached file (same bytes, another id)" \
	[ "$(sql "select count(*) from attachments n join attachments o on o.data = n.data and o.id <> n.id where n.draft_key = '$K2'")" = 1 ]
code=$(resubmit "$R")
check "「修正して再申請する」 again (double click): the same draft, no second one ($code)" \
	[ "$code $(sql "select count(*) from drafts where resubmit_of = '$R'")" = "303 1" ]
code=$(get "$P/form")
check "the form shows the returned answers (stamps 23) and the file" \
	sh -c "[ $code = 200 ] && grep -q 'name=\"stamps\"[^>]*value=\"23\"' '$T/page.html' && grep -qF 'stamps.png' '$T/page.html'"
check "... with the notice that it corrects $R" grep -qF "差し戻された申請（受付番号 $R）を修正しています。" "$T/page.html"
save_form 31
check "one answer corrected (stamps 23 -> 31), the file kept: 303 to the confirmation ($code)" \
	[ "$code $loc" = "303 $P/confirm" ]
sign_and_submit
check "signed again with the card (exit $rc), 申請する: the same receipt ($loc)" \
	[ "$rc $code $loc" = "0 303 /applications/$R/complete" ]
code=$(get "/applications/$R/complete")
check "the completion page (200)" sh -c "[ $code = 200 ] && grep -qF '以上で、申請は完了です。' '$T/page.html'"
check "two versions kept; the application is 送信済 (sent) again" \
	[ "$(sql "select count(*) from application_versions where receipt = '$R'")/$(sql "select status from applications where receipt = '$R'")" = 2/sent ]
check "version 1 is what was submitted first (digest, signature)" [ "$(v digest 1)/$(v "$(sql_hex signature)" 1)" = "$D1/$S1" ]
check "version 2 is the corrected content (its digest, stamps 31)" \
	[ "$(v digest 2)/$(v "$(jx content '$.answers.stamps')" 2)" = "$DIGEST/31" ]
check "both signatures are stored and differ" \
	[ "$(sql "select count(distinct signature) from application_versions where receipt = '$R' and length(signature) > 1000")" = 2 ]
check "both verification reports kept, each with the result ok" \
	[ "$(sql "select count(*) from application_versions where receipt = '$R' and $(jx verification '$.result') = 'ok'")" = 2 ]
check "the application row holds version 2" \
	[ "$(sql "select cast(digest = '$DIGEST' and draft_key = '$K2' and signature = (select signature from application_versions where receipt = '$R' and version = 2) as integer) from applications where receipt = '$R'")" = 1 ]
check "the event 「再申請（第2版）」 (sent) follows the return" \
	[ "$(sql "select status || ':' || note from application_events where receipt = '$R' order by id desc limit 1")" = 'sent:再申請（第2版）' ]
check "the receipt mail of the resubmission is in the outbox" \
	[ "$(sql "select count(*) from outbox where to_addr = 'demo@example.jp' and body like '%$R%'")" = 2 ]
before=$(state)
submit
check "申請する again (double click): the same receipt, no version 3 ($code $loc)" \
	[ "$code $loc $(state)" = "303 /applications/$R/complete $before" ]
code=$(resubmit "$R")
check "「修正して再申請する」 after the resubmission: 409, nothing changed ($code)" [ "$code $(state)" = "409 $before" ]
code=$(get "/mypage/$R")
check "my page: 送信済, no notice of a return any more" \
	sh -c "[ $code = 200 ] && grep -qF '<strong>送信済</strong>' '$T/page.html' && ! grep -qF 'この申請は差し戻されました' '$T/page.html'"

# ---- returned again, a correction opened, then withdrawn ------------------------------------------
sql "update applications set status = 'returned' where receipt = '$R'"
code=$(resubmit "$R")
check "returned again: 「修正して再申請する」 opens a correction ($code)" \
	[ "$code $(sql "select count(*) from drafts where resubmit_of = '$R' and receipt is null")" = "303 1" ]
get "/mypage/$R/withdraw" > /dev/null
code=$(post "/mypage/$R/withdraw" --data-urlencode "csrf=$(csrf_of)")
check "withdrawn: the open correction is deleted with it, the versions stay ($code)" \
	[ "$code $(sql "select count(*) from drafts where resubmit_of = '$R' and receipt is null")/$(sql "select count(*) from application_versions where receipt = '$R'")" = "303 0/2" ]
check "... and the procedure's form is a new, empty one again, without the notice" \
	sh -c "[ \$(curl -s -b '$J' -o '$T/form.html' -w '%{http_code}' '$PORTAL_URL$P/form') = 200 ] && ! grep -q 'name=\"stamps\"[^>]*value=\"31\"' '$T/form.html' && ! grep -qF 差し戻された申請 '$T/form.html'"

# ---- the staff page ---------------------------------------------------------------------------
. tests/staff_lib.sh
code=$(staff_login_as "$T/staff.jar" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "the demo reviewer logs in ($code)" [ "$code" = 303 ]
code=$(get "/staff/applications/$R" "$T/staff.jar")
check "the staff page (200) lists 第1版 and 第2版（最新）" \
	sh -c "[ $code = 200 ] && grep -qF '>第1版</h3>' '$T/page.html' && grep -qF '>第2版（最新）</h3>' '$T/page.html'"
check "... each version signed, verified valid, with the signer's name" \
	[ "$(grep -cF '電子署名あり。検証の結果：有効' "$T/page.html")/$(grep -c '署名者の氏名</dt><dd class="summary-value">見取 花子' "$T/page.html")" = 2/2 ]
check "... the answers of each version (stamps 23 in 第1版, 31 in 第2版)" \
	python3 -c 'import re,sys; h=open(sys.argv[1],encoding="utf-8").read(); a=h.index(">第1版</h3>"); b=h.index(">第2版（最新）</h3>"); sys.exit(0 if "23" in h[a:b] and "31" in h[b:] else 1)' "$T/page.html"

stop_pid "$PORTAL_PID"
rc=$?
PORTAL_PID=
check "the portal stops cleanly (exit $rc)" [ "$rc" = 0 ]
check "no sanitizer report in the portal's log" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/portal.log'"

# ---- the same in a browser (a portal of its own) ------------------------------------------------
if command -v node > /dev/null; then
	RESUBMIT_SIGN="$SIGN" RESUBMIT_CARD_PASSWORD=ABC123 MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" \
		MADOGUCHI_SIGN_CRL_FILE="$CRL" timeout 300 node tests/e2e/_resubmit.mjs > "$T/browser.tap" 2>&1
	rc=$?
	sed 's/^/# browser: /' "$T/browser.tap"
	check "the browser part (tests/e2e/_resubmit.mjs): every check ok (exit $rc)" \
		sh -c "[ $rc = 0 ] && ! grep -q '^not ok' '$T/browser.tap' && grep -q '^ok' '$T/browser.tap'"
else
	not_ok "node is installed for the browser part (scripts/setup.sh)"
fi
tap_end
