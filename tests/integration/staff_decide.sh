#!/usr/bin/env bash
# run.sh: postgres too
# Decisions and internal notes of the staff console over HTTP with curl: three large-waste
# applications of the demo resident submitted through the portal; a reviewer of that
# procedure takes the first through 受付, 審査中 and 処理完了, rejects the second (a missing
# reason is refused with 400 and changes nothing) and returns the third with a message;
# each decision leaves one audit row, its status event with the text and one mail to the
# resident (dev mail mode: read from the outbox); a viewer and a reviewer of another
# procedure get 403 and change nothing; both POSTs without the CSRF token get 403; two
# POSTs of one form (two reviewers at once) apply the first only, the second gets 409;
# notes leave one audit row each, show on the staff page and never on the resident's;
# the resident's my page shows each status and the reason; `madoguchi audit verify` exits 0.
# Procedure roles have no command yet: they are set with sqlite3.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start decide
PW='staff pass phrase 2026'
S=/procedures/sodaigomi-collection
audit_of() { sql "select count(*) from audit_log where action = '$1'"; }
status_of() { sql "select status from applications where receipt = '$1'"; }
events_of() { sql "select count(*) from application_events where receipt = '$1'"; }
mails_to_resident() { sql "select count(*) from outbox where to_addr = 'demo@example.jp' and subject like '%状況%'"; }

# The demo resident submits three applications (each mailed its receipt).
RJ="$T/resident"
code=$(demo_login "$RJ")
check "the demo resident logs in ($code)" [ "$code" = 303 ]
apply_once() { gomi_apply "$RJ" "$1"; }
A1=$(apply_once たんす); A2=$(apply_once 自転車); A3=$(apply_once 机); A4=$(apply_once 椅子)
check "four applications submitted ($A1 $A2 $A3 $A4)" [ "$(printf '%s\n' "$A1" "$A2" "$A3" "$A4" | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 4 ]

# A reviewer and a viewer of the procedure; the demo reviewer has another procedure.
sec_r=$(staff_enrolled shinsa-gomi@city.example.jp 'ごみ 審査子' "$PW")
sec_v=$(staff_enrolled etsuran-gomi@city.example.jp 'ごみ 閲覧男' "$PW")
check "a reviewer and a viewer are enrolled" [ -n "$sec_r" -a -n "$sec_v" ]
RID=$(sql "select id from staff where email_key = 'shinsa-gomi@city.example.jp'")
VID=$(sql "select id from staff where email_key = 'etsuran-gomi@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($RID, 'sodaigomi-collection', 'reviewer'), ($VID, 'sodaigomi-collection', 'viewer')"
RV="$T/reviewer"; VW="$T/viewer"; OT="$T/other"
code=$(staff_login_as "$RV" shinsa-gomi@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$sec_r")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]
code=$(staff_login_as "$VW" etsuran-gomi@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$sec_v")")
check "the viewer logs in ($code)" [ "$code" = 303 ]
code=$(staff_login_as "$OT" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "the reviewer of another procedure logs in ($code)" [ "$code" = 303 ]

# form JAR RECEIPT: the staff page into $T/form.html; its token in CSRF, SEEN, EV.
form() {
	get "/staff/applications/$2" "$1" > /dev/null
	cp "$T/page.html" "$T/form.html"
	CSRF=$(hidden csrf); SEEN=$(hidden seen_status); EV=$(hidden seen_event)
}
# decide JAR RECEIPT TO [TEXT]: a decision with the token of the last form(); the status.
decide() {
	curl -s -b "$1" -c "$1" -D "$T/h" -o "$T/page.html" -w '%{http_code}' --data-urlencode "csrf=$CSRF" \
		--data-urlencode "seen_status=$SEEN" --data-urlencode "seen_event=$EV" --data-urlencode "to=$3" \
		--data-urlencode "text=${4:-}" "$U/staff/applications/$2/decision"
}
radios() { grep -o 'name="to" value="[a-z]*"' "$T/form.html" | sed 's/.*value="\([a-z]*\)"/\1/' | tr '\n' ' '; }

# 1: 受付, 審査中, 処理完了, each one audit row, one event, one mail.
form "$RV" "$A1"
check "a sent application offers the reviewer only 受付 ($(radios))" [ "$(radios)" = "accepted " ]
check "... each choice has its label" grep -q '<label for="to-accepted">受付</label>' "$T/form.html"
check "... the form carries the status and the newest event" [ "$SEEN" = sent -a "$EV" = "$(sql "select max(id) from application_events where receipt = '$A1'")" ]
d0=$(audit_of decision); m0=$(mails_to_resident)
code=$(decide "$RV" "$A1" accepted)
check "受付 is recorded: 303 ($code)" [ "$code" = 303 ]
check "... back to the page with a notice" grep -qi "^location: /staff/applications/$A1?done=decision" "$T/h"
check "... the status is accepted" [ "$(status_of "$A1")" = accepted ]
check "... one decision audit row, of this reviewer, sent->accepted" [ "$(sql "select count(*) || ' ' || max(actor) || ' ' || max(detail) from audit_log where action = 'decision' and receipt = '$A1'")" = "1 staff:$RID sent->accepted" ]
check "... one mail to the resident" [ "$(mails_to_resident)" = $((m0 + 1)) ]
body=$(sql "select subject || '"$'\n'"' || body from outbox where to_addr = 'demo@example.jp' order by id desc limit 1")
check "... it names the procedure, the receipt, the new status and links to my page" \
	eval 'grep -q "粗大ごみ収集の申込" <<<"$body" && grep -q "「受付」" <<<"$body" && grep -q "http[^ ]*/mypage/$A1\$" <<<"$body"'
check "... and the mail is recorded for the timeline" [ "$(sql "select count(*) from application_mails where receipt = '$A1'")" = 1 ]
get "$(location)" "$RV" > /dev/null
check "the page it leads to says the decision was recorded" grep -q '<div class="notice" id="decide-notice" role="status" tabindex="-1"><p>決定を記録しました。' "$T/page.html"
form "$RV" "$A1"
check "... accepted offers 審査中 only ($(radios))" [ "$(radios)" = "reviewing " ]
code=$(decide "$RV" "$A1" reviewing)
check "審査中 is recorded ($code)" [ "$code" = 303 ]
form "$RV" "$A1"
check "... reviewing offers 処理完了, 申請却下, 差し戻し ($(radios))" [ "$(radios)" = "done rejected returned " ]
check "... with the textarea labelled 理由 / 申請者へのメッセージ" grep -q '<label class="label" for="decide-text">理由 / 申請者へのメッセージ' "$T/form.html"
code=$(decide "$RV" "$A1" done)
check "処理完了 is recorded ($code)" [ "$code" = 303 ]
check "... the status is done, the events sent accepted reviewing done" [ "$(sql_joined status "' '" id "application_events where receipt = '$A1'")" = "sent accepted reviewing done" ]
check "... three decision audit rows, three mails" [ "$(audit_of decision) $(mails_to_resident)" = "$((d0 + 3)) $((m0 + 3))" ]
form "$RV" "$A1"
check "a done application offers no decision" eval '[ -z "$(radios)" ] && grep -q "これ以上の決定はありません" "$T/form.html"'
check "the timeline names the reviewer for 受付" grep -q '受付（ごみ 審査子）' "$T/form.html"
check "... says a mail was sent to the applicant" [ "$(grep -o '申請者にメールを送りました' "$T/form.html" | wc -l)" = 3 ]
check "... and lists the staff views" grep -q '申請を開きました（ごみ 審査子）' "$T/form.html"
code=$(decide "$RV" "$A1" rejected 今さら)
check "a decision from a final status: 400 ($code)" [ "$code" = 400 ]
check "... still done" [ "$(status_of "$A1")" = done ]

# 2: 申請却下 needs its reason.
form "$RV" "$A2"; decide "$RV" "$A2" accepted > /dev/null
form "$RV" "$A2"; decide "$RV" "$A2" reviewing > /dev/null
form "$RV" "$A2"
ev0=$(events_of "$A2"); d0=$(audit_of decision); m0=$(mails_to_resident)
code=$(decide "$RV" "$A2" rejected '   ')
check "申請却下 without a reason: 400 ($code)" [ "$code" = 400 ]
check "... saying a reason is needed" grep -q '却下するときは、その理由を入力してください' "$T/page.html"
check "... nothing changed (status, events, audit, mail)" [ "$(status_of "$A2") $(events_of "$A2") $(audit_of decision) $(mails_to_resident)" = "reviewing $ev0 $d0 $m0" ]
check "a decision the table does not allow (sent->done): 400" \
	eval '[ "$(SEEN=sent decide "$RV" "$A2" done)" = 400 ]'
form "$RV" "$A2"
REASON='収集できない品物（家電リサイクル法の対象）のため'
code=$(decide "$RV" "$A2" rejected "$REASON")
check "申請却下 with its reason ($code)" [ "$code" = 303 ]
check "... the event carries the reason" [ "$(sql "select note from application_events where receipt = '$A2' order by id desc limit 1")" = "$REASON" ]
body=$(sql "select body from outbox where to_addr = 'demo@example.jp' order by id desc limit 1")
check "... the mail says 申請却下 and the reason" eval 'grep -q "新しい状況：申請却下" <<<"$body" && grep -qF "$REASON" <<<"$body"'

# 3: 差し戻し with a message.
form "$RV" "$A3"; decide "$RV" "$A3" accepted > /dev/null
form "$RV" "$A3"; decide "$RV" "$A3" reviewing > /dev/null
form "$RV" "$A3"
code=$(decide "$RV" "$A3" returned '')
check "差し戻し without a message: 400 ($code)" [ "$code" = 400 ]
check "... status still reviewing" [ "$(status_of "$A3")" = reviewing ]
MSG='写真を添えて、品物の大きさを書き直してください'
code=$(decide "$RV" "$A3" returned "$MSG")
check "差し戻し with its message ($code)" [ "$code" = 303 ]
check "... returned, with the message" [ "$(status_of "$A3") $(sql "select note from application_events where receipt = '$A3' order by id desc limit 1")" = "returned $MSG" ]
check "... the mail has the message" [ "$(sql "select count(*) from outbox where to_addr = 'demo@example.jp' and body like '%$MSG%'")" = 1 ]

# Who may decide: a viewer and a reviewer of another procedure get 403, nothing changes.
sql "update applications set status = 'reviewing' where receipt = '$A3'; insert into application_events (receipt, status, note, at) values ('$A3', 'reviewing', '', $(date +%s))"
form "$VW" "$A3"
check "the viewer's page has no decision form" eval '! grep -q "/decision\"" "$T/form.html" && grep -q "見ることだけができます" "$T/form.html"'
check "... but the notes form" grep -q "action=\"/staff/applications/$A3/notes\"" "$T/form.html"
SEEN=reviewing; EV=$(sql "select max(id) from application_events where receipt = '$A3'")
d0=$(audit_of decision); ev0=$(events_of "$A3"); m0=$(mails_to_resident)
code=$(decide "$VW" "$A3" done)
check "a viewer's decision: 403 ($code)" [ "$code" = 403 ]
form "$OT" "$A3"
check "the reviewer of another procedure cannot open it" [ -z "$CSRF" ]
get /staff "$OT" > /dev/null; CSRF=$(hidden csrf); SEEN=reviewing; EV=$(sql "select max(id) from application_events where receipt = '$A3'")
code=$(decide "$OT" "$A3" done)
check "... and their decision (with their own session's token): 403 ($code)" [ "$code" = 403 ]
check "... nothing changed by either" [ "$(status_of "$A3") $(events_of "$A3") $(audit_of decision) $(mails_to_resident)" = "reviewing $ev0 $d0 $m0" ]

# CSRF: both POSTs refuse a missing or wrong token.
form "$RV" "$A3"
n0=$(audit_of note)
code=$(CSRF= decide "$RV" "$A3" done)
check "a decision without the CSRF token: 403 ($code)" [ "$code" = 403 ]
code=$(CSRF="x$CSRF" decide "$RV" "$A3" done)
check "... with a wrong one: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -b "$RV" -c "$RV" -o /dev/null -w '%{http_code}' --data-urlencode 'note=メモ' "$U/staff/applications/$A3/notes")
check "a note without the CSRF token: 403 ($code)" [ "$code" = 403 ]
check "... nothing changed" [ "$(status_of "$A3") $(audit_of decision) $(audit_of note)" = "reviewing $d0 $n0" ]

# Two reviewers at once: the same form posted twice, the first wins, the second gets 409.
form "$RV" "$A3"
ev0=$(events_of "$A3")
c1=$(decide "$RV" "$A3" done)
c2=$(decide "$RV" "$A3" rejected 'もう一人の決定')
check "the first of two decisions of one form wins ($c1), the second gets 409 ($c2)" [ "$c1 $c2" = "303 409" ]
check "... saying another staff member changed it" grep -q 'ほかの職員によって変更されています' "$T/page.html"
check "... only the first is applied: done, one event more, one audit row more" \
	[ "$(status_of "$A3") $(events_of "$A3") $(audit_of decision)" = "done $((ev0 + 1)) $((d0 + 1))" ]
check "... and the second's text is nowhere" [ "$(sql "select count(*) from application_events where note = 'もう一人の決定'") $(sql "select count(*) from outbox where body like '%もう一人の決定%'")" = "0 0" ]

# One transaction: when its mail record or its audit row cannot be written, nothing of the
# decision is applied and the page says so (503).
for table in application_mails audit_log; do
	form "$RV" "$A4"
	ev0=$(events_of "$A4"); d0=$(audit_of decision); m0=$(mails_to_resident)
	sql_refuse_inserts $table
	code=$(decide "$RV" "$A4" accepted)
	sql_allow_inserts $table
	check "$table not writable: the decision gets 503 ($code)" [ "$code" = 503 ]
	check "... saying nothing was changed" grep -q '何も変更していません' "$T/page.html"
	check "... and nothing was: status, events, audit rows, mails" [ "$(status_of "$A4") $(events_of "$A4") $(audit_of decision) $(mails_to_resident)" = "sent $ev0 $d0 $m0" ]
done

# The same at the same moment: two reviewers' sessions post one form's decision in parallel.
form "$RV" "$A4"
cp "$RV" "$T/reviewer2"
ev0=$(events_of "$A4")
decide "$RV" "$A4" accepted > "$T/c1" & p1=$!
decide "$T/reviewer2" "$A4" accepted > "$T/c2" & p2=$!
wait "$p1" "$p2"
check "two parallel decisions of one form: one 303, one 409 ($(cat "$T/c1") $(cat "$T/c2"))" [ "$(sort "$T/c1" "$T/c2" | tr '\n' ' ')" = "303 409 " ]
check "... one event more, accepted once" [ "$(events_of "$A4") $(sql "select count(*) from application_events where receipt = '$A4' and status = 'accepted'")" = "$((ev0 + 1)) 1" ]

# Internal notes: by reviewer and viewer, one audit row each, never on the resident's page.
NOTE1='電話で品物の大きさを確かめた（内部メモ1）'
form "$RV" "$A2"
n0=$(audit_of note)
code=$(curl -s -b "$RV" -c "$RV" -D "$T/h" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" --data-urlencode "note=$NOTE1" "$U/staff/applications/$A2/notes")
check "the reviewer leaves a note ($code)" [ "$code" = 303 ]
form "$VW" "$A2"
code=$(curl -s -b "$VW" -c "$VW" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" --data-urlencode 'note=閲覧者のメモ（内部メモ2）' "$U/staff/applications/$A2/notes")
check "the viewer leaves a note ($code)" [ "$code" = 303 ]
check "... one audit row per note" [ "$(audit_of note)" = $((n0 + 2)) ]
code=$(curl -s -b "$VW" -c "$VW" -o "$T/page.html" -w '%{http_code}' --data-urlencode "csrf=$CSRF" --data-urlencode 'note=   ' "$U/staff/applications/$A2/notes")
check "an empty note: 400 ($code), no row" [ "$code $(audit_of note)" = "400 $((n0 + 2))" ]
form "$RV" "$A2"
check "the staff page shows both notes with their authors" eval 'grep -qF "内部メモ（ごみ 審査子）<span class=\"timeline-note\">：$NOTE1" "$T/form.html" && grep -q "内部メモ（ごみ 閲覧男）" "$T/form.html"'
code=$(curl -s -b "$OT" -c "$OT" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(get /staff "$OT" > /dev/null; hidden csrf)" --data-urlencode 'note=x' "$U/staff/applications/$A2/notes")
check "a note of the reviewer of another procedure: 403 ($code)" [ "$code" = 403 ]

# The resident's side.
code=$(curl -s -b "$RJ" -c "$RJ" -o "$T/page.html" -w '%{http_code}' "$U/mypage/$A2")
check "the resident's page of the rejected one ($code) shows 申請却下 and the reason" \
	eval 'grep -q "<strong>申請却下</strong>" "$T/page.html" && grep -qF "申請を却下した理由</dt><dd class=\"summary-value\">$REASON" "$T/page.html"'
check "... never the internal notes" eval '! grep -q "内部メモ" "$T/page.html" && ! grep -qF "$NOTE1" "$T/page.html"'
check "... each status of its history" [ "$(grep -o '<li>[0-9][^<]*' "$T/page.html" | sed 's/^<li>[^ ]* [^ ]* //; s/：.*//' | tr '\n' ' ')" = "送信済 受付 審査中 申請却下 " ]
code=$(curl -s -b "$RJ" -c "$RJ" -o "$T/page.html" -w '%{http_code}' "$U/mypage")
check "my page ($code) lists the current statuses" eval 'grep -q "status-done\">処理完了" "$T/page.html" && grep -q "status-rejected\">申請却下" "$T/page.html"'

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc: $(head -1 "$T/verify"))" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
