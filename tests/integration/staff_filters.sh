#!/usr/bin/env bash
# run.sh: postgres too
# The staff inbox's filters, 担当 and attachments over HTTP with curl: road/park reports
# submitted through the portal without login, with the reporter's name (the submit stores
# it folded); the arrival days (Japan time, inclusive), the differs flag (set with sqlite3:
# the signed comparison is staff_evidence.sh's), the assignee (taken and released through
# the page, each with its audit row; a viewer and a missing CSRF token get 403), the name
# search (ﾐﾄﾞﾘ finds ミドリ, 高橋 is not 髙橋), the next/previous links, an attachment's
# download (headers, one audit row each, none without the row) and 403 for a reviewer of
# another procedure everywhere. Roles and attachments are set with sqlite3.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start filters
PW='staff pass phrase 2026'
receipts_of() { grep -o 'href="/staff/applications/[0-9-]*[?"]' "$1" | sed 's/.*applications\/\([0-9-]*\)[?"]/\1/' | tr '\n' ' '; }
audit_n() { sql "select count(*) from audit_log where action = '$1'"; }
list() { get "$1" > /dev/null; receipts_of "$T/page.html"; }

R1=$(road_report 駅前1丁目 '見取 花子')
R2=$(road_report 駅前2丁目 'ミドリ　タロウ')
R3=$(road_report 駅前3丁目 '高橋 一郎')
R4=$(road_report 駅前4丁目 '髙橋 二郎')
R5=$(road_report 駅前5丁目)
check "5 reports submitted ($R1 .. $R5)" [ "$(printf '%s\n' "$R1" "$R2" "$R3" "$R4" "$R5" | sort -u | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 5 ]
check "the submit stored the folded name as the search key" [ "$(sql "select search_key from applications where receipt = '$R2'")" = "ミドリタロウ" ]
check "... none for a report without a name" [ "$(sql "select cast(search_key is null as integer) from applications where receipt = '$R5'")" = 1 ]
check "... and no differs flag for an unsigned report (未判定)" [ "$(sql "select count(*) from applications where differs is null")" = 5 ]

secret=$(staff_enrolled kakari@city.example.jp '道路 花子' "$PW")
SID=$(sql "select id from staff where email_key = 'kakari@city.example.jp'")
vsecret=$(staff_enrolled etsuran@city.example.jp '閲覧 次郎' "$PW")
VID=$(sql "select id from staff where email_key = 'etsuran@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, 'road-park-report', 'reviewer'), ($VID, 'road-park-report', 'viewer')"
code=$(staff_login_as "$J" kakari@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]
V="$T/viewer"
code=$(staff_login_as "$V" etsuran@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$vsecret")")
check "the viewer logs in ($code)" [ "$code" = 303 ]

# The name search: partial, width and spaces folded, different kanji apart.
check "name=ﾐﾄﾞﾘ finds ミドリ　タロウ only" [ "$(list '/staff?name=%EF%BE%90%EF%BE%84%EF%BE%9E%EF%BE%98')" = "$R2 " ]
check "name=見取 finds 見取 花子" [ "$(list '/staff?name=%E8%A6%8B%E5%8F%96')" = "$R1 " ]
check "name=高橋 finds 高橋 一郎, not 髙橋 二郎" [ "$(list '/staff?name=%E9%AB%98%E6%A9%8B')" = "$R3 " ]
check "name=髙橋 finds 髙橋 二郎 only" [ "$(list '/staff?name=%E9%AB%99%E6%A9%8B')" = "$R4 " ]
check "name=タロウ with a space inside (タ ロウ) still finds it" [ "$(list '/staff?name=%E3%82%BF+%E3%83%AD%E3%82%A6')" = "$R2 " ]
code=$(get '/staff?name=%01')
check "a control character in the name gets 400 ($code)" [ "$code" = 400 ]
check "... naming the filters" grep -q '到達日・違い・担当者・氏名' "$T/page.html"
code=$(get '/staff?name=%E3%82%BF+%E3%83%AD%E3%82%A6')
check "... and the page types the name back" grep -q 'id="name" name="name" type="text" aria-describedby="name-hint" value="タ ロウ"' "$T/page.html"

# Arrival days in Japan time, inclusive: R1 at 00:00 and R2 at 23:59:59 of 2026-04-01 (JST),
# R3 at 00:00 of 2026-04-02.
D1=$(date -d '2026-04-01T00:00:00+09:00' +%s)
sql "update applications set submitted_at = $D1 where receipt = '$R1'; update applications set submitted_at = $((D1 + 86399)) where receipt = '$R2'; update applications set submitted_at = $((D1 + 86400)) where receipt = '$R3'"
check "from=to=2026-04-01 lists the two of that day, newest first" [ "$(list '/staff?from=2026-04-01&to=2026-04-01')" = "$R2 $R1 " ]
check "from=2026-04-02 lists the others" [ "$(list '/staff?from=2026-04-02')" = "$R5 $R4 $R3 " ]
check "to=2026-03-31 lists none" [ "$(list '/staff?to=2026-03-31')" = "" ]
check "... and says so" grep -q '条件に合う申請はありません' "$T/page.html"
check "the new filters have labels" [ "$(grep -c '<label class="label" for="\(from\|to\|differs\|assignee\|name\)">' "$T/page.html")" = 5 ]
code=$(get '/staff?from=2026-02-30')
check "a day that does not exist gets 400 ($code)" [ "$code" = 400 ]
code=$(get '/staff?from=2026-04-02&to=2026-04-01')
check "from after to gets 400 ($code)" [ "$code" = 400 ]

# The differs flag (set here; staff_evidence.sh has the comparison that sets it).
sql "update applications set differs = 1 where receipt = '$R4'; update applications set differs = 0 where receipt = '$R5'"
check "differs=yes lists the one with differences" [ "$(list '/staff?differs=yes')" = "$R4 " ]
check "... its row says 違いあり in words" grep -q '<td>違いあり</td>' "$T/page.html"
check "differs=no lists the one without" [ "$(list '/staff?differs=no')" = "$R5 " ]
check "differs=unknown lists the three 未判定" [ "$(list '/staff?differs=unknown')" = "$R3 $R2 $R1 " ]
code=$(get '/staff?differs=maybe')
check "another value gets 400 ($code)" [ "$code" = 400 ]

# 担当: taken and released by the reviewer, each with its audit row.
get "/staff/applications/$R3" > /dev/null; C=$(csrf_of "$T/page.html")
check "the detail offers 自分が担当する to a reviewer" grep -q '自分が担当する' "$T/page.html"
before=$(audit_n assign)
code=$(post "/staff/applications/$R3/assign" --data-urlencode action=take)
check "assign without the CSRF token: 403 ($code)" [ "$code" = 403 ]
check "... nothing changed" [ "$(sql "select cast(assignee is null as integer) from applications where receipt = '$R3'")" = 1 ]
code=$(post "/staff/applications/$R3/assign" --data-urlencode "csrf=$C" --data-urlencode action=take)
check "assign (take): 303 back to the detail ($code)" [ "$code" = 303 ]
check "... the assignee is the reviewer" [ "$(sql "select assignee from applications where receipt = '$R3'")" = "$SID" ]
check "... one assign audit row (take)" [ "$(sql "select count(*) || ' ' || max(detail) from audit_log where action = 'assign'")" = "$((before + 1)) take" ]
check "assignee=me lists it" [ "$(list '/staff?assignee=me')" = "$R3 " ]
check "... its row says 自分" grep -q '<td>自分</td>' "$T/page.html"
check "assignee=none lists the other four" [ "$(list '/staff?assignee=none')" = "$R5 $R4 $R2 $R1 " ]
check "assignee=ID (the reviewer's id) lists it too" [ "$(list "/staff?assignee=$SID")" = "$R3 " ]
get "/staff/applications/$R3" "$V" > /dev/null; VC=$(csrf_of "$T/page.html")
check "the viewer sees who handles it" grep -q '道路 花子' "$T/page.html"
check "... and no button to change it" none_of grep -q '担当をやめる\|自分が担当する' "$T/page.html"
code=$(curl -s -b "$V" -c "$V" -o "$T/page.html" -w '%{http_code}' --data-urlencode "csrf=$VC" --data-urlencode action=release "$U/staff/applications/$R3/assign")
check "the viewer's assign: 403 ($code)" [ "$code" = 403 ]
check "... nothing changed, no audit row" [ "$(sql "select assignee from applications where receipt = '$R3'") $(audit_n assign)" = "$SID $((before + 1))" ]
code=$(post "/staff/applications/$R3/assign" --data-urlencode "csrf=$C" --data-urlencode action=steal)
check "an unknown action: 400 ($code)" [ "$code" = 400 ]
code=$(post "/staff/applications/$R3/assign" --data-urlencode "csrf=$C" --data-urlencode action=release)
check "assign (release): 303 ($code), nobody handles it" [ "$code $(sql "select cast(assignee is null as integer) from applications where receipt = '$R3'")" = "303 1" ]
check "... a second assign audit row (release)" [ "$(sql "select detail from audit_log where action = 'assign' order by id desc limit 1")" = release ]

# Next/previous in the inbox's order, keeping its filter.
get "/staff/applications/$R4" > /dev/null
check "the detail links the newer one (R5) and the older one (R3)" [ "$(grep -o '<a href="/staff/applications/[0-9-]*">[^<]*' "$T/page.html" | sed 's/.*">//' | tr '\n' '|')" = "前の申請（新しい方）：$R5|次の申請（古い方）：$R3|" ]
get "/staff/applications/$R2?from=2026-04-01&to=2026-04-01" > /dev/null
check "with the day filter of the inbox: only the older R1, the link keeping the filter" grep -q "<a href=\"/staff/applications/$R1?from=2026-04-01&amp;to=2026-04-01\">次の申請（古い方）：$R1" "$T/page.html"
check "... and no newer one" none_of grep -q '前の申請' "$T/page.html"

# Attachments (rows added with sqlite3 to the submitted drafts): a PNG and a PDF.
PNG=89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082
sql "insert into attachments (draft_key, field, filename, mime, size, sha256, created_at, data) select draft_key, 'photos', '穴の写真.png', 'image/png', length($(sql_blob "$PNG")), 'x', 1, $(sql_blob "$PNG") from applications where receipt = '$R1'"
sql "insert into attachments (draft_key, field, filename, mime, size, sha256, created_at, data) select draft_key, 'photos', '図面.pdf', 'application/pdf', 9, 'x', 1, $(sql_blob 255044462d312e3420) from applications where receipt = '$R1'"
A1=$(sql "select a.id from attachments a join applications p on p.draft_key = a.draft_key where p.receipt = '$R1' and a.mime = 'image/png'")
A2=$(sql "select a.id from attachments a join applications p on p.draft_key = a.draft_key where p.receipt = '$R1' and a.mime = 'application/pdf'")
get "/staff/applications/$R1" > /dev/null
check "the detail shows the image with its file name as alt text" grep -q "<img src=\"/staff/applications/$R1/attachments/$A1\" alt=\"穴の写真.png\"" "$T/page.html"
check "... and the PDF as a download link" grep -q "<a href=\"/staff/applications/$R1/attachments/$A2\">図面.pdf</a>（1KB、ダウンロード）" "$T/page.html"
before=$(audit_n view_attachment)
code=$(get "/staff/applications/$R1/attachments/$A1")
check "the image: 200 ($code), the PNG's bytes" [ "$code $(od -An -tx1 "$T/page.html" | tr -d ' \n')" = "200 $PNG" ]
check "... Content-Type image/png" grep -qi '^content-type: image/png' "$T/h"
check "... nosniff" grep -qi '^x-content-type-options: nosniff' "$T/h"
check "... CSP sandbox" grep -qi '^content-security-policy: sandbox' "$T/h"
check "... inline" grep -qi '^content-disposition: inline' "$T/h"
check "... one view_attachment audit row of this staff member" [ "$(audit_n view_attachment) $(sql "select actor || ' ' || receipt from audit_log order by id desc limit 1")" = "$((before + 1)) staff:$SID $R1" ]
code=$(get "/staff/applications/$R1/attachments/$A2")
check "the PDF: 200 ($code) as a download" grep -qi '^content-disposition: attachment' "$T/h"
check "... application/pdf" grep -qi '^content-type: application/pdf' "$T/h"
check "... a second row" [ "$(audit_n view_attachment)" = $((before + 2)) ]
code=$(get "/staff/applications/$R2/attachments/$A1")
check "the id under another receipt: 404 ($code), no row" [ "$code $(audit_n view_attachment)" = "404 $((before + 2))" ]
sql_refuse_inserts audit_log
code=$(get "/staff/applications/$R1/attachments/$A1")
check "without its audit row no file: 503 ($code)" [ "$code" = 503 ]
check "... not the PNG" none_of grep -q 'PNG' "$T/page.html"
sql_allow_inserts audit_log
code=$(get "/staff/applications/$R1/attachments/$A1" "$V")
check "the viewer may download (200, $code)" [ "$code" = 200 ]

# 再検証 of an unsigned report: nothing to verify.
code=$(post "/staff/applications/$R1/reverify" --data-urlencode "csrf=$C")
check "reverify of an unsigned application: 400 ($code), nothing appended" [ "$code $(sql 'select count(*) from reverifications')" = "400 0" ]
check "... saying it has no signature" grep -q '電子署名がないため、再検証するものがありません' "$T/page.html"

# A reviewer of another procedure (the demo reviewer of the volunteer points): 403 everywhere.
D="$T/demo"
code=$(staff_login_as "$D" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "the reviewer of another procedure logs in ($code)" [ "$code" = 303 ]
get /staff "$D" > /dev/null; DC=$(csrf_of "$T/page.html")
check "... the list: none of the reports" [ "$(receipts_of "$T/page.html" | grep -c "$R1\|$R2\|$R3")" = 0 ]
code=$(get '/staff?proc=road-park-report' "$D")
check "... filtering by the road procedure: 403 ($code)" [ "$code" = 403 ]
check "... and it lists none of the reports" [ "$(receipts_of "$T/page.html" | grep -c "$R1\|$R2\|$R3")" = 0 ]
code=$(get "/staff/applications/$R1" "$D")
check "... the detail: 403 ($code)" [ "$code" = 403 ]
n=$(audit_n view_attachment)
code=$(get "/staff/applications/$R1/attachments/$A1" "$D")
check "... the attachment: 403 ($code), no row" [ "$code $(audit_n view_attachment)" = "403 $n" ]
code=$(curl -s -b "$D" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$DC" --data-urlencode action=take "$U/staff/applications/$R1/assign")
check "... assign: 403 ($code), nobody assigned" [ "$code $(sql "select cast(assignee is null as integer) from applications where receipt = '$R1'")" = "403 1" ]
code=$(curl -s -b "$D" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$DC" "$U/staff/applications/$R1/reverify")
check "... reverify: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -b "$D" -o /dev/null -w '%{http_code}' --data-urlencode x=1 "$U/staff/applications/$R1/reverify")
check "reverify without the CSRF token: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/applications/$R1/attachments/$A1")
check "no cookie: the staff login page, not the file ($code)" grep -q 'action="/staff/login"' "$T/page.html"

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
