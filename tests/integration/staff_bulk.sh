#!/usr/bin/env bash
# run.sh: postgres too
# Bulk decisions (一括決定) over HTTP with curl: six large-waste applications of the demo
# resident; a reviewer of the procedure ticks three in the inbox for 受付 and gets the dry
# run (each with its status now, 受付, the resident's masked address; one bulk_preview audit
# row; nothing changed); another reviewer takes one of them to 受付 meanwhile; applying
# changes the other two (an event, an audit row, a mail each) and reports the third as
# changed by another, untouched; the same form sent again changes nothing. A CSV upload
# (header, labels and names, UTF-8 and CP932) mixes allowed changes, one needing a reason,
# one not allowed and an unknown receipt: only the allowed apply. A bad line is reported by
# number and changes nothing; an edited apply form is refused; a viewer, a reviewer of
# another procedure, a request without the CSRF token or without a fresh TOTP code change
# nothing. `madoguchi audit verify` exits 0.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start bulk
PW='staff pass phrase 2026'
audit_of() { sql "select count(*) from audit_log where action = '$1'"; }
status_of() { sql "select status from applications where receipt = '$1'"; }
events_all() { sql "select count(*) from application_events"; }
mails() { sql "select count(*) from outbox where to_addr = 'demo@example.jp' and subject like '%状況%'"; }
state() { echo "$(sql_joined status "' '" receipt applications) $(events_all) $(audit_of decision) $(mails)"; }
steps_of() { perl -0777 -ne 'print $1 if /name="steps" value="([^"]*)"/s' "$T/page.html"; }
# apply JAR STEPS [CSRF]: POST /staff/bulk/apply; the status.
apply() {
	curl -s -b "$1" -c "$1" -D "$T/h" -o "$T/page.html" -w '%{http_code}' --data-urlencode "csrf=${3-$(csrf_of "$T/page.html")}" \
		--data-urlencode "steps=$2" "$U/staff/bulk/apply"
}
# upload JAR FILE: the CSV upload with the upload page's token; the status.
upload() {
	get /staff/bulk "$1" > /dev/null
	curl -s -b "$1" -c "$1" -D "$T/h" -o "$T/page.html" -w '%{http_code}' -F "csrf=$(csrf_of "$T/page.html")" \
		-F "csv=@$2;type=text/csv" "$U/staff/bulk"
}
rows_with() { grep -c "<td>$1</td>" "$T/page.html"; }

RJ="$T/resident"
code=$(demo_login "$RJ")
check "the demo resident logs in ($code)" [ "$code" = 303 ]
for i in 1 2 3 4 5 6; do A[$i]=$(gomi_apply "$RJ" "品物$i"); done
check "six applications submitted (${A[*]})" [ "$(printf '%s\n' "${A[@]}" | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 6 ]

sec_r=$(staff_enrolled bulk-r@city.example.jp 'ごみ 一括子' "$PW")
sec_o=$(staff_enrolled bulk-o@city.example.jp 'ごみ 別審査' "$PW")
sec_v=$(staff_enrolled bulk-v@city.example.jp 'ごみ 閲覧男' "$PW")
check "two reviewers and a viewer are enrolled" [ -n "$sec_r" -a -n "$sec_o" -a -n "$sec_v" ]
sql "insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'sodaigomi-collection', case email_key when 'bulk-v@city.example.jp' then 'viewer' else 'reviewer' end from staff where email_key like 'bulk-%'"
RV="$T/rv"; OR="$T/or"; VW="$T/vw"; OT="$T/ot"
code=$(staff_login_as "$RV" bulk-r@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$sec_r")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]
code=$(staff_login_as "$OR" bulk-o@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$sec_o")")
check "the other reviewer logs in ($code)" [ "$code" = 303 ]
code=$(staff_login_as "$VW" bulk-v@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$sec_v")")
check "the viewer logs in ($code)" [ "$code" = 303 ]
code=$(staff_login_as "$OT" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "the reviewer of another procedure logs in ($code)" [ "$code" = 303 ]

# The inbox offers a tick per application and the statuses a bulk decision may set.
get /staff "$RV" > /dev/null
check "the inbox has a checkbox for each of the six" [ "$(grep -c 'type="checkbox" id="pick-[0-9-]*" name="r" value="[0-9-]*" aria-label="[0-9-]*を選ぶ"' "$T/page.html")" = 6 ]
check "... its form goes to /staff/bulk by GET" grep -q '<form method="get" action="/staff/bulk"' "$T/page.html"
bulk_to=$(sed -n 's/.*<select[^>]*id="bulk-to"[^>]*>\(.*\)<\/select>.*/\1/p' "$T/page.html")
check "... offering 受付, 審査中, 処理完了 only (reasons go one at a time)" [ "$bulk_to" = '<option value="accepted">受付</option><option value="reviewing">審査中</option><option value="done">処理完了</option>' ]

# The dry run of three: nothing changes, one bulk_preview row.
s0=$(state); p0=$(audit_of bulk_preview)
code=$(get "/staff/bulk?to=accepted&r=${A[1]}&r=${A[2]}&r=${A[3]}&r=${A[1]}" "$RV")
check "the dry run of three ticked (one twice): 200 ($code)" [ "$code" = 200 ]
check "... lists each once with 送信済, 受付, the masked address and 変更します" [ "$(grep -c "<tr><td>[0-9-]*</td><td>粗大ごみ収集の申込</td><td>送信済</td><td>受付</td><td>d\*\*\*@example.jp</td><td>変更します</td></tr>" "$T/page.html")" = 3 ]
check "... and offers to change 3" grep -q '>3件の状態を変える</button>' "$T/page.html"
check "... nothing changed" [ "$(state)" = "$s0" ]
check "... one bulk_preview audit row with the count and a SHA-256" [ "$(audit_of bulk_preview) $(sql "select detail from audit_log where action = 'bulk_preview' order by id desc limit 1" | grep -c '^items=3 would=3 sha256=[0-9a-f]\{64\}$')" = "$((p0 + 1)) 1" ]
STEPS=$(steps_of); CSRF=$(csrf_of "$T/page.html")
check "... its form carries each change with what it saw" [ "$(grep -c "^[0-9-]*,accepted,sent,[0-9]*"$'\r'"\?$" <<<"$STEPS")" = 3 ]

# Meanwhile another reviewer takes the second to 受付.
get "/staff/applications/${A[2]}" "$OR" > /dev/null
code=$(curl -s -b "$OR" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(hidden csrf)" --data-urlencode seen_status=sent \
	--data-urlencode "seen_event=$(hidden seen_event)" --data-urlencode to=accepted "$U/staff/applications/${A[2]}/decision")
check "another reviewer takes ${A[2]} to 受付 meanwhile ($code)" [ "$code" = 303 ]
e0=$(events_all); d0=$(audit_of decision); m0=$(mails)
code=$(apply "$RV" "$STEPS" "$CSRF")
check "applying: 200 ($code)" [ "$code" = 200 ]
check "... reports 2 of 3 changed and 1 changed by another" grep -q '3件のうち2件の状態を変えました。1件は、確認の画面を開いたあとにほかの職員が変更していたため' "$T/page.html"
check "... names ${A[2]} as the one not changed" grep -q "${A[2]}</a></td><td>受付</td><td>確認の画面を開いたあとに、ほかの職員が変更していたため、変更していません" "$T/page.html"
check "... the other two are 受付 now" [ "$(status_of "${A[1]}") $(status_of "${A[3]}")" = "accepted accepted" ]
check "... two events, two decision rows of this reviewer, two mails" [ "$(($(events_all) - e0)) $(($(audit_of decision) - d0)) $(($(mails) - m0))" = "2 2 2" ]
check "... ${A[2]} has the other reviewer's event only" [ "$(sql "select count(*) from application_events where receipt = '${A[2]}'")" = 2 ]
check "... the decision rows are the reviewer's, sent->accepted" [ "$(sql "select count(*) from audit_log where action = 'decision' and actor = (select 'staff:' || id from staff where email_key = 'bulk-r@city.example.jp') and detail = 'sent->accepted'")" = 2 ]
s1=$(state)
code=$(apply "$RV" "$STEPS" "$CSRF")
check "the same form sent again: 200 ($code), 0 changed" grep -q '3件のうち0件の状態を変えました。3件は' "$T/page.html"
check "... nothing changed" [ "$(state)" = "$s1" ]

# A CSV upload: header, a label, a name, padding, a change needing a reason, one not
# allowed, one unknown.
printf '受付番号,新しい状態\r\n%s,審査中\r\n %s , accepted \r\n%s,申請却下\r\n%s,done\r\n2026-999999,受付\r\n' \
	"${A[1]}" "${A[4]}" "${A[5]}" "${A[6]}" > "$T/up.csv"
p0=$(audit_of bulk_preview)
code=$(upload "$RV" "$T/up.csv")
check "an uploaded CSV of five: its dry run ($code)" [ "$code" = 200 ]
check "... would change two" grep -q '>2件の状態を変える</button>' "$T/page.html"
check "... ${A[5]} cannot go from 送信済 to 申請却下" grep -q "<td>${A[5]}</td><td>粗大ごみ収集の申込</td><td>送信済</td><td>申請却下</td><td></td><td>いまの状態からは、この状態に変えられません" "$T/page.html"
check "... ${A[6]} cannot go from 送信済 to 処理完了" grep -q "<td>${A[6]}</td>.*いまの状態からは、この状態に変えられません" "$T/page.html"
check "... 2026-999999 is not found" grep -q '<td>2026-999999</td><td></td><td></td><td>受付</td><td></td><td>この受付番号の申請はありません' "$T/page.html"
check "... one more bulk_preview row" [ "$(audit_of bulk_preview)" = $((p0 + 1)) ]
code=$(apply "$RV" "$(steps_of)")
check "applying it: 2 of 2 changed ($code)" grep -q '2件のうち2件の状態を変えました。' "$T/page.html"
check "... ${A[1]} 審査中, ${A[4]} 受付, ${A[5]} ${A[6]} still 送信済" [ "$(status_of "${A[1]}") $(status_of "${A[4]}") $(status_of "${A[5]}") $(status_of "${A[6]}")" = "reviewing accepted sent sent" ]

printf '%s,審査中\r\n%s,申請却下\r\n' "${A[3]}" "${A[1]}" | iconv -f UTF-8 -t CP932 > "$T/sjis.csv"
code=$(upload "$RV" "$T/sjis.csv")
check "a Shift_JIS upload without header is read ($code)" grep -q "<td>${A[3]}</td><td>粗大ごみ収集の申込</td><td>受付</td><td>審査中</td><td>d\*\*\*@example.jp</td><td>変更します" "$T/page.html"
check "... ${A[1]} (審査中) to 申請却下 needs its reason: one at a time" grep -q "<td>${A[1]}</td><td>粗大ごみ収集の申込</td><td>審査中</td><td>申請却下</td><td></td><td>理由やメッセージが必要な変更のため" "$T/page.html"

# Bad uploads change nothing and write no row.
s1=$(state); p0=$(audit_of bulk_preview)
printf '受付番号,状態\r\n%s,受付\r\n2026-12,受付\r\n' "${A[5]}" > "$T/bad.csv"
code=$(upload "$RV" "$T/bad.csv")
check "a bad receipt on line 3: 400 ($code)" [ "$code" = 400 ]
check "... the upload page names line 3" grep -q '3行目の1列目が受付番号（「2026-000123」の形）になっていません。何も変更していません。' "$T/page.html"
printf '%s,承認\r\n' "${A[5]}" > "$T/bad.csv"
code=$(upload "$RV" "$T/bad.csv")
check "an unknown status on line 1: 400 ($code)" grep -q '1行目の2列目が状態の名前になっていません' "$T/page.html"
printf '\xff\xfe\x00\x00' > "$T/bad.csv"
code=$(upload "$RV" "$T/bad.csv")
check "bytes that are no text: 400 ($code)" grep -q '文字コードを読み取れません' "$T/page.html"
code=$(curl -s -b "$RV" -o "$T/page.html" -w '%{http_code}' -F "csrf=$(csrf_of "$T/page.html")" "$U/staff/bulk")
check "no file: 400 ($code)" grep -q 'CSVファイルを選んでください' "$T/page.html"
check "... none of these changed anything or wrote a row" [ "$(state) $(audit_of bulk_preview)" = "$s1 $p0" ]
code=$(get "/staff/bulk?to=rejected&r=${A[5]}" "$RV")
check "a dry run to 申請却下 from the inbox's URL: 400 ($code)" [ "$code" = 400 ]
code=$(get "/staff/bulk?to=accepted&r=2026-1" "$RV")
check "... one of a bad receipt: 400 ($code)" [ "$code" = 400 ]

# Edited or forged apply forms.
get /staff/bulk "$RV" > /dev/null; CSRF=$(csrf_of "$T/page.html")
code=$(apply "$RV" "${A[5]},accepted,sent,abc" "$CSRF")
check "an edited apply form (event not a number): 400 ($code)" [ "$code" = 400 ]
EV1=$(sql "select max(id) from application_events where receipt = '${A[1]}'")
code=$(apply "$RV" "${A[1]},rejected,reviewing,$EV1" "$CSRF")
check "... one asking for 申請却下 without reason: not changed ($code)" eval 'grep -q "理由やメッセージが必要な変更のため" "$T/page.html" && [ "$(status_of "${A[1]}")" = reviewing ]'
EV5=$(sql "select max(id) from application_events where receipt = '${A[5]}'")
get /staff/bulk "$VW" > /dev/null
code=$(apply "$VW" "${A[5]},accepted,sent,$EV5")
check "the viewer's apply: refused per application ($code)" grep -q '審査の担当ではないため、変更できません' "$T/page.html"
get /staff/bulk "$OT" > /dev/null
code=$(apply "$OT" "${A[5]},accepted,sent,$EV5")
check "... the other procedure's reviewer's too ($code)" grep -q '0件の状態を変えました' "$T/page.html"
code=$(get "/staff/bulk?to=accepted&r=${A[5]}" "$VW")
check "the viewer's dry run says so and offers no button ($code)" eval 'grep -q "審査の担当ではないため" "$T/page.html" && ! grep -q "/staff/bulk/apply" "$T/page.html"'
code=$(apply "$RV" "${A[5]},accepted,sent,$EV5" "")
check "without the CSRF token: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' --data-urlencode "steps=${A[5]},accepted,sent,$EV5" "$U/staff/bulk/apply")
check "without a staff session: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/bulk")
check "the page without a session is the staff login ($code)" grep -q 'action="/staff/login"' "$T/page.html"
check "... none of these changed ${A[5]}" [ "$(status_of "${A[5]}") $(sql "select count(*) from application_events where receipt = '${A[5]}'")" = "sent 1" ]

# The TOTP re-entry comes before the dry run and before applying.
sql "update staff_step_ups set totp_at = totp_at - 3600"
code=$(get "/staff/bulk?to=accepted&r=${A[5]}&r=${A[6]}" "$RV")
check "without a fresh TOTP code the dry run is a 303 ($code)" [ "$code" = 303 ]
check "... to /staff/reauth, back to the same selection" [ "$(location)" = "/staff/reauth?next=/staff/bulk%3Fto%3Daccepted%26r%3D${A[5]}%26r%3D${A[6]}" ]
code=$(apply "$RV" "${A[5]},accepted,sent,$EV5" "$CSRF")
check "... applying is a 303 to /staff/reauth ($code)" [ "$(location)" = "/staff/reauth?next=/staff/bulk" ]
check "... and nothing changed" [ "$(status_of "${A[5]}")" = sent ]

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
