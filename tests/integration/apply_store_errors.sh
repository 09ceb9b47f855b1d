#!/usr/bin/env bash
# run.sh: postgres too
# A store that fails while a resident applies gets the busy page (503, 「ただいま混み合っています」),
# never a page that looks like an answer: through HTTP with curl, with one table of the
# portal's database renamed at a time (as hardening_accounts.sh does for the throttle):
#  - the form of a draft whose file list cannot be read (it used to show the form without the
#    files, as if there were none);
#  - the signature poll when the sign requests cannot be read (it used to say "not signed");
#  - the completion page of an application without login when its draft cannot be read (it
#    used to say 404 「申請が見つかりません」);
#  - my page's detail when the history cannot be read (it used to show no history);
#  - a submission whose receipt mail cannot be addressed (the account cannot be read): not
#    submitted, the draft stays (it used to commit the application without the mail).
# Each comes back once the table is back.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-se.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
J="$T/jar"
BUSY=ただいま混み合っています
start_portal "$T" MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1 \
	MADOGUCHI_REFDATA_DIR="$TEST_BUILD/refdata" || { not_ok "portal starts"; tap_end; exit 1; }

# ---- without login: the road report with a photo -----------------------------------------------
R=/procedures/road-park-report
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(
"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))' > "$T/p.png"
get "$R/form" > /dev/null
code=$(post "$R/form" --form-string "csrf=$(hidden csrf)" --form-string kind=road_damage \
	--form-string location=駅前 --form-string details=穴 --form-string action=save \
	-F "photos=@$T/p.png;type=image/png;filename=穴.png")
check "a draft with a photo is saved ($code)" eval '[ "$code" = 200 ] && has 穴.png'

sql "alter table attachments rename to attachments_gone"
code=$(get "$R/form")
check "attachments unreadable: the form is the busy page ($code), not a form without the photo" \
	eval '[ "$code" = 503 ] && has "$BUSY" && ! has 穴.png'
sql "alter table attachments_gone rename to attachments"
code=$(get "$R/form")
check "attachments back: the form lists the photo again ($code)" eval '[ "$code" = 200 ] && has 穴.png'

code=$(post "$R/form" --data-urlencode "csrf=$(hidden csrf)" --data-urlencode kind=road_damage \
	--data-urlencode location=駅前 --data-urlencode details=穴 --data-urlencode action=next)
code2=$(get "$R/confirm")
KEY=$(hidden key)
DIGEST=$(hidden digest)
CSRF=$(hidden csrf)
check "on to the confirmation ($code, $code2)" [ "$code" = 303 -a "$code2" = 200 -a ${#DIGEST} = 64 ]

sql "alter table sign_requests rename to sign_requests_gone"
code=$(get "$R/signature?digest=$DIGEST")
check "sign requests unreadable: the poll answers 503 ($code), not \"signed\": false" \
	eval '[ "$code" = 503 ] && ! has "\"signed\""'
sql "alter table sign_requests_gone rename to sign_requests"
code=$(get "$R/signature?digest=$DIGEST")
check "sign requests back: the poll answers 200 not signed ($code)" \
	eval '[ "$code" = 200 ] && grep -qE "\"signed\": ?false" "$T/page.html"'

code=$(post "$R/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$KEY" \
	--data-urlencode "digest=$DIGEST" --data-urlencode confirmed=1)
DONE=$(location)
check "submitted ($code, $DONE)" eval '[ "$code" = 303 ] && case "$DONE" in /applications/*/complete) true ;; *) false ;; esac'
sql "alter table drafts rename to drafts_gone"
code=$(get "$DONE")
check "drafts unreadable: the completion page is the busy page ($code), not 404" \
	eval '[ "$code" = 503 ] && has "$BUSY"'
sql "alter table drafts_gone rename to drafts"
code=$(get "$DONE")
check "drafts back: the completion page ($code)" eval '[ "$code" = 200 ] && has 以上で、申請は完了です。'

# ---- logged in: large waste collection ----------------------------------------------------------
rm -f "$J"
S=/procedures/sodaigomi-collection
get /login > /dev/null
code=$(post /login --data-urlencode "csrf=$(hidden csrf)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026)
check "logged in as the demo resident ($code)" [ "$code" = 303 ]
fill() { # the form filled in and posted with "next", then the confirmation page read
	get "$S/form" > /dev/null
	post "$S/form" --data-urlencode "csrf=$(hidden csrf)" --data-urlencode items=たんす \
		--data-urlencode item_count=1 --data-urlencode place=house --data-urlencode name=山田太郎 \
		--data-urlencode postal_code=1000001 --data-urlencode address=千代田1-1 \
		--data-urlencode phone=03-0000-0000 --data-urlencode action=next > /dev/null
	get "$S/confirm" > /dev/null
	KEY=$(hidden key) DIGEST=$(hidden digest) CSRF=$(hidden csrf)
}
fill
apps=$(sql "select count(*) from applications")
sql "alter table accounts rename column email to email_gone"
code=$(post "$S/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$KEY" \
	--data-urlencode "digest=$DIGEST" --data-urlencode confirmed=1)
check "account unreadable at submission: the busy page ($code) saying it is not done" \
	eval '[ "$code" = 503 ] && has "申請は、まだ完了していません。"'
check "... and no application was written (still $apps), the draft stays open" \
	[ "$(sql "select count(*) from applications")" = "$apps" -a "$(sql "select cast(receipt is null or receipt = '' as integer) from drafts where key = '$KEY'")" = 1 ]
sql "alter table accounts rename column email_gone to email"
code=$(post "$S/submit" --data-urlencode "csrf=$CSRF" --data-urlencode "key=$KEY" \
	--data-urlencode "digest=$DIGEST" --data-urlencode confirmed=1)
RECEIPT=$(location | sed -n 's|^/applications/\([^/]*\)/complete$|\1|p')
check "account back: submitted ($code, $RECEIPT) with its receipt mail" \
	eval '[ "$code" = 303 ] && [ -n "$RECEIPT" ] && [ "$(sql "select count(*) from outbox where body like '"'"'%$RECEIPT%'"'"'")" = 1 ]'

sql "alter table application_events rename to application_events_gone"
code=$(get "/mypage/$RECEIPT")
check "history unreadable: my page's detail is the busy page ($code), not an empty history" \
	eval '[ "$code" = 503 ] && has "$BUSY"'
sql "alter table application_events_gone rename to application_events"
code=$(get "/mypage/$RECEIPT")
check "history back: the detail shows 送信済 ($code)" eval '[ "$code" = 200 ] && has 送信済'
check "portal stops cleanly" stop_portal
tap_end
