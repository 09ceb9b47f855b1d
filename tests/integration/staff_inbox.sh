#!/usr/bin/env bash
# run.sh: postgres too
# The staff inbox and an application's detail over HTTP with curl: road/park reports
# submitted through the portal without login; a reviewer of that procedure sees them with
# counts per status, filters by status and receipt, pages by key (small pages, no repeats or
# gaps), opens one (answers, history), each view leaving exactly one audit row and the chain
# whole; a view whose audit row cannot be written is not shown; a reviewer of another
# procedure, an administrator without roles, a resident and no session see nothing of it.
# There is no command for procedure roles yet: they are set with sqlite3 on the test's
# database.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start inbox
PW='staff pass phrase 2026'
audit_views() { sql "select count(*) from audit_log where action = 'view_application'"; }
# receipts_of FILE: the receipts linked from an inbox page, in order.
receipts_of() { grep -o 'href="/staff/applications/[0-9-]*[?"]' "$1" | sed 's/.*applications\/\([0-9-]*\)[?"]/\1/'; }

for i in 1 2 3 4 5; do road_report "駅前${i}丁目" >> "$T/receipts"; done
check "5 reports submitted through the portal" [ "$(sort -u "$T/receipts" | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 5 ]
R1=$(sed -n 1p "$T/receipts"); R2=$(sed -n 2p "$T/receipts"); R3=$(sed -n 3p "$T/receipts")

# The reviewer of the road/park report (the role set with sqlite3: no command yet).
secret=$(staff_enrolled kakari@city.example.jp '道路 花子' "$PW")
check "a staff member is enrolled" [ -n "$secret" ]
SID=$(sql "select id from staff where email_key = 'kakari@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, 'road-park-report', 'reviewer')"
code=$(staff_login_as "$J" kakari@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]

code=$(get /staff)
cp "$T/page.html" "$T/inbox.html"
check "/staff opens ($code)" [ "$code" = 200 ]
check "... still says who is logged in" grep -q '道路 花子さん' "$T/inbox.html"
check "... the procedure and the role" grep -q '道路・公園.*（審査）' "$T/inbox.html"
check "... every report, newest first" [ "$(receipts_of "$T/inbox.html" | tr '\n' ' ')" = "$(sort -r "$T/receipts" | tr '\n' ' ')" ]
check "... the count of 送信済 is 5" grep -q '<th scope="row">送信済</th><td>5件</td>' "$T/inbox.html"
check "... a table with a caption and column headers" grep -q '<caption>申請の一覧（到達日時の新しい順、このページに5件）</caption>' "$T/inbox.html"
check "... the filters have labels" [ "$(grep -c '<label class="label" for="\(proc\|status\|q\)">' "$T/inbox.html")" = 3 ]
check "... no next page" none_of grep -q '次のページ' "$T/inbox.html"
check "... no applicant's answers in the list" none_of grep -q '駅前' "$T/inbox.html"
check "listing wrote no audit row" [ "$(audit_views)" = 0 ]

# The status filter and the receipt search.
sql "update applications set status = 'accepted' where receipt = '$R2'; insert into application_events (receipt, status, note, at) values ('$R2', 'accepted', '', $(date +%s))"
code=$(get '/staff?status=accepted')
check "status 受付 lists only that one ($code)" [ "$(receipts_of "$T/page.html" | tr '\n' ' ')" = "$R2 " ]
check "... the counts: 受付 1, 送信済 4" eval 'grep -q "<th scope=\"row\">受付</th><td>1件</td>" "$T/page.html" && grep -q "<th scope=\"row\">送信済</th><td>4件</td>" "$T/page.html"'
code=$(get '/staff?status=sent')
check "status 送信済 lists the other four ($code)" [ "$(receipts_of "$T/page.html" | wc -l)" = 4 ]
code=$(get "/staff?q=$R3")
check "the receipt search finds exactly that one ($code)" [ "$(receipts_of "$T/page.html" | tr '\n' ' ')" = "$R3 " ]
code=$(get "/staff?q=$R3&status=accepted")
check "... not with another status ($code)" grep -q '条件に合う申請はありません' "$T/page.html"
code=$(get '/staff?q=2026-12')
check "a malformed receipt gets 400 ($code)" [ "$code" = 400 ]
check "... with a message" grep -q '受付番号（「2026-000123」の形）' "$T/page.html"
code=$(get '/staff?status=bogus')
check "an unknown status gets 400 ($code)" [ "$code" = 400 ]
code=$(get '/staff?per=51')
check "a page size over 50 gets 400 ($code)" [ "$code" = 400 ]
code=$(get '/staff?proc=kaigo-volunteer-point')
check "a procedure without a role gets 403, as its applications would ($code)" [ "$code" = 403 ]

# Pages of 2: three pages, no repeats, no gaps, the order of the full list.
path='/staff?per=2'; pages=0; : > "$T/paged"
while [ -n "$path" ] && [ $pages -lt 10 ]; do
	get "$path" > /dev/null
	receipts_of "$T/page.html" >> "$T/paged"
	pages=$((pages + 1))
	path=$(grep -o 'href="/staff?[^"]*">次のページ' "$T/page.html" | sed 's/href="\([^"]*\)".*/\1/; s/&amp;/\&/g')
done
check "pages of 2 go across 3 pages ($pages)" [ "$pages" = 3 ]
check "... the 5 reports in order, none twice, none missing" [ "$(tr '\n' ' ' < "$T/paged")" = "$(sort -r "$T/receipts" | tr '\n' ' ')" ]
echo "# measured: $(wc -l < "$T/paged") rows over $pages pages of 2, $(sort -u "$T/paged" | wc -l) distinct"

# The detail: answers, history, one audit row per view.
before=$(audit_views)
code=$(get "/staff/applications/$R2")
check "the detail opens ($code)" [ "$code" = 200 ]
check "... the answers as confirmed" grep -q '駅前2丁目' "$T/page.html"
check "... the status" grep -q '<strong>受付</strong>' "$T/page.html"
check "... the history: 送信済 then 受付" [ "$(grep -o '<li>[^<]* \(送信済\|受付\)' "$T/page.html" | sed 's/.* //' | tr '\n' ' ')" = "送信済 受付 " ]
check "... the arrival time with the era" grep -q '到達日時</dt><dd class="summary-value">[0-9]*年(令和[0-9]*年)' "$T/page.html"
check "... one audit row" [ "$(audit_views)" = $((before + 1)) ]
check "... of this staff member, this receipt, an address" [ "$(sql "select actor || ' ' || receipt || ' ' || cast(peer <> '' as integer) from audit_log where action = 'view_application' order by id desc limit 1")" = "staff:$SID $R2 1" ]
get "/staff/applications/$R2" > /dev/null
check "a second view, a second row" [ "$(audit_views)" = $((before + 2)) ]
MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc: $(head -1 "$T/verify"))" [ "$rc" = 0 ]
# A signed application (its signature and report set with sqlite3: the road/park report
# needs none): the report's basic four beside the answers.
sql "update applications set signature = $(sql_blob 3000), verification = '{\"basic_four\":{\"name\":\"道路 一郎\",\"birth_date\":\"1980-04-01\",\"gender\":\"男\",\"address\":\"東京都千代田区1-1\"}}' where receipt = '$R3'"
code=$(get "/staff/applications/$R3")
check "a signed application's detail ($code) shows the report's basic four" [ "$(grep -c '<td>\(道路 一郎\|1980年(昭和55年)4月1日\|男\|東京都千代田区1-1\)</td>' "$T/page.html")" = 4 ]
check "... beside the answers, saying a difference is said in words" grep -q '違いがある項目には「証明書と申請内容が異なります」と書いてあります' "$T/page.html"
code=$(get "/staff/applications/$R2")
check "an unsigned one has no basic four panel" none_of grep -q '基本4情報' "$T/page.html"
code=$(get "/staff/applications/2026-999999")
check "an absent receipt gets 404 ($code)" [ "$code" = 404 ]

# A view whose audit row cannot be written is not shown.
sql_refuse_inserts audit_log
before=$(audit_views)
code=$(get "/staff/applications/$R1")
check "without its audit row the detail is refused: 503 ($code)" [ "$code" = 503 ]
check "... and shows none of the answers" none_of grep -q '駅前1丁目' "$T/page.html"
sql_allow_inserts audit_log

# A reviewer of another procedure (development mode's demo reviewer of the volunteer points).
D="$T/demo"
code=$(staff_login_as "$D" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "the reviewer of another procedure logs in ($code)" [ "$code" = 303 ]
before=$(audit_views)
code=$(get "/staff/applications/$R1" "$D")
check "... gets 403 on the report's detail ($code)" [ "$code" = 403 ]
check "... shows nothing of it" none_of grep -q '駅前1丁目' "$T/page.html"
check "... and no audit row was written" [ "$(audit_views)" = "$before" ]
code=$(get /staff "$D")
check "... its inbox ($code) lists none of the reports" [ "$(receipts_of "$T/page.html" | grep -cFf "$T/receipts")" = 0 ]

# An administrator without procedure roles sees no applications.
A="$T/admin"
code=$(staff_login_as "$A" admin@city.example.jp madoguchi-staff-2026 "$(totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)")
check "the demo administrator logs in ($code)" [ "$code" = 303 ]
code=$(get /staff "$A")
check "... the inbox says there is nothing to show ($code)" grep -q '担当の手続がないため、表示できる申請はありません' "$T/page.html"
check "... and lists no application" [ "$(receipts_of "$T/page.html" | wc -l)" = 0 ]
code=$(get "/staff/applications/$R1" "$A")
check "... the detail: 403 ($code)" [ "$code" = 403 ]

# A resident's cookie, and none at all: the staff login page, no row.
R="$T/resident"
curl -s -c "$R" -b "$R" -o "$T/page.html" "$U/login"; RC=$(csrf_of "$T/page.html")
code=$(curl -s -c "$R" -b "$R" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$RC" --data-urlencode 'email=demo@example.jp' --data-urlencode 'password=madoguchi-demo-2026' "$U/login")
check "the demo resident logs in ($code)" [ "$code" = 303 ]
before=$(audit_views)
code=$(get "/staff/applications/$R1" "$R")
check "a resident's cookie on the detail gets the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"
check "... none of the answers" none_of grep -q '駅前1丁目' "$T/page.html"
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/applications/$R1")
check "no cookie: the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"
check "... and neither wrote an audit row" [ "$(audit_views)" = "$before" ]

stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
