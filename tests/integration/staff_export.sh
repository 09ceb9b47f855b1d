#!/usr/bin/env bash
# run.sh: postgres too
# The staff console's CSV export over HTTP with curl: road/park reports submitted through the
# portal without login, one whose name holds 𠮷 (U+20BB7, beyond CP932) and one whose details
# start with =HYPERLINK (a formula); the UTF-8 export (BOM, RFC 4180 quoting, the formula
# neutralised), the CP932 export (the page listing each character it cannot hold, the file
# with 〓 in place, the list as its own CSV, UTF-8 instead), the arrival range, 403 without a
# role or without the CSRF token, /staff/reauth without a fresh TOTP code, one audit row per
# download carrying the SHA-256 of the bytes sent, "since my last export" (its mark moved by
# each such download), and the audit chain intact. Roles, arrival times and the mark are set
# with sqlite3.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start export
PW='staff pass phrase 2026'
audit_n() { sql "select count(*) from audit_log where action = 'export'"; }
last_sha() { sql "select detail from audit_log where action = 'export' order by id desc limit 1" | sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p'; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
# export_post OUT [curl args...]: POST /staff/export with the session's token, the body in OUT
export_post() { local out=$1; shift; curl -s -b "$J" -c "$J" -D "$T/h" -o "$out" -w '%{http_code}' --data-urlencode "csrf=$C" "$@" "$U/staff/export"; }

R1=$(road_report 駅前1丁目 '𠮷田 花子')
R2=$(road_report 駅前2丁目 '山田 太郎' '=HYPERLINK("http://x")')
R3=$(road_report 駅前3丁目 '川田 次郎')
check "3 reports submitted ($R1 $R2 $R3)" [ "$(printf '%s\n' "$R1" "$R2" "$R3" | sort -u | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 3 ]
D1=$(date -d '2026-04-01T10:00:00+09:00' +%s)
sql "update applications set submitted_at = $D1 where receipt = '$R1'; update applications set submitted_at = $((D1 + 60)) where receipt = '$R2'; update applications set submitted_at = $((D1 + 86400 * 5)) where receipt = '$R3'"

secret=$(staff_enrolled kakari@city.example.jp '道路 花子' "$PW")
SID=$(sql "select id from staff where email_key = 'kakari@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, 'road-park-report', 'viewer')"
code=$(staff_login_as "$J" kakari@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the viewer logs in ($code)" [ "$code" = 303 ]

code=$(get /staff/export)
check "the export form: 200 ($code)" [ "$code" = 200 ]
check "... offers the procedure of the role" grep -q '<option value="road-park-report">' "$T/page.html"
check "... and the staff navigation links it" grep -q '<a href="/staff/export">CSVの書き出し</a>' "$T/page.html"
C=$(csrf_of "$T/page.html")
RANGE=(--data-urlencode proc=road-park-report --data-urlencode from=2026-04-01 --data-urlencode to=2026-04-01)

# UTF-8 with BOM
n=$(audit_n)
code=$(export_post "$T/u.csv" "${RANGE[@]}" --data-urlencode enc=utf8)
check "the UTF-8 export: 200 ($code)" [ "$code" = 200 ]
check "... text/csv; charset=utf-8" grep -qi '^content-type: text/csv; charset=utf-8' "$T/h"
check "... an attachment with an ASCII name and a UTF-8 one" grep -qi "^content-disposition: attachment; filename=\"export-road-park-report-[0-9]\{8\}-utf8.csv\"; filename\*=UTF-8''export-road-park-report-" "$T/h"
check "... starts with the BOM EF BB BF" [ "$(head -c 3 "$T/u.csv" | od -An -tx1 | tr -d ' \n')" = efbbbf ]
check "... the header row" grep -q '^.*受付番号,到達日時,状態,不具合の種類,場所,不具合の様子,写真,氏名,メールアドレス,電話番号,署名者の氏名,署名者の生年月日,署名者の性別,署名者の住所,署名の検証結果' "$T/u.csv"
check "... 𠮷 as it was typed" grep -q "^$R1,2026-04-01 10:00:00,.*,𠮷田 花子," "$T/u.csv"
check "... the formula neutralised inside quotes" grep -qF "\"'=HYPERLINK(\"\"http://x\"\")\"" "$T/u.csv"
check "... rows end with CRLF" [ "$(grep -c $'\r$' "$T/u.csv")" = 3 ]
check "... the range leaves out the report of another day" none_of grep -q "$R3" "$T/u.csv"
check "... one audit row" [ "$(audit_n)" = $((n + 1)) ]
check "... whose SHA-256 is that of the bytes received" [ "$(last_sha)" = "$(sha_of "$T/u.csv")" ]
check "... naming procedure, range, encoding and rows" grep -q 'proc=road-park-report from=2026-04-01 to=2026-04-01 enc=utf8 rows=2 sha256=' <(sql "select detail from audit_log where action = 'export' order by id desc limit 1")

# CP932: the losses first
n=$(audit_n)
code=$(export_post "$T/page.html" "${RANGE[@]}" --data-urlencode enc=cp932)
check "CP932 with 𠮷: the page of losses (200, $code)" [ "$code" = 200 ]
check "... lists 𠮷 with its receipt, column and code point" grep -q "<td>$R1</td><td>氏名</td><td>𠮷</td><td>U+20BB7</td>" "$T/page.html"
check "... offers the three choices" [ "$(grep -c 'name="choice" value="\(geta\|utf8\|losses\)"' "$T/page.html")" = 3 ]
check "... sent no file, and the look at the list left one audit row (loss-page)" [ "$(audit_n) $(sql "select cast(detail like '%enc=loss-page rows=%' as integer) from audit_log where action = 'export' order by id desc limit 1")" = "$((n + 1)) 1" ]
code=$(export_post "$T/g.csv" "${RANGE[@]}" --data-urlencode enc=cp932 --data-urlencode choice=geta)
check "the CP932 file with 〓: 200 ($code)" [ "$code" = 200 ]
check "... charset=Shift_JIS" grep -qi '^content-type: text/csv; charset=Shift_JIS' "$T/h"
iconv -f CP932 -t UTF-8 "$T/g.csv" > "$T/g.utf8"; rc=$?
check "... decodes as CP932 ($rc)" [ "$rc" = 0 ]
check "... 〓 where 𠮷 was" grep -q "^$R1,.*,〓田 花子," "$T/g.utf8"
check "... every other answer kept" grep -q "^$R2,2026-04-01 10:01:00,.*,道路の穴・段差・ひび割れ,駅前2丁目,\"'=HYPERLINK(\"\"http://x\"\")\",（未入力）,山田 太郎," "$T/g.utf8"
check "... no BOM" none_of grep -q $'^\xEF\xBB\xBF' "$T/g.csv"
check "... its audit row has the SHA-256 of the bytes" [ "$(last_sha)" = "$(sha_of "$T/g.csv")" ]
code=$(export_post "$T/l.csv" "${RANGE[@]}" --data-urlencode enc=cp932 --data-urlencode choice=losses)
check "the losses as CSV: 200 ($code)" [ "$code" = 200 ]
check "... list 𠮷" grep -q "^$R1,氏名,𠮷,U+20BB7"$'\r$' "$T/l.csv"
check "... its audit row has the SHA-256 of the bytes" [ "$(last_sha)" = "$(sha_of "$T/l.csv")" ]
code=$(export_post "$T/u2.csv" "${RANGE[@]}" --data-urlencode enc=cp932 --data-urlencode choice=utf8)
check "UTF-8 instead: 200 ($code) with 𠮷" grep -q "𠮷田 花子" "$T/u2.csv"
check "... its audit row has the SHA-256 of the bytes" [ "$(last_sha)" = "$(sha_of "$T/u2.csv")" ]
check "the page of losses and three downloads, four audit rows" [ "$(audit_n)" = $((n + 4)) ]
code=$(export_post "$T/c.csv" --data-urlencode proc=road-park-report --data-urlencode from=2026-04-06 --data-urlencode to=2026-04-06 --data-urlencode enc=cp932)
check "CP932 of a day without 𠮷: the file at once ($code)" grep -q "^$R3," <(iconv -f CP932 -t UTF-8 "$T/c.csv")
check "... and only that day's report" [ "$(grep -c '^[0-9]\{4\}-' <(iconv -f CP932 -t UTF-8 "$T/c.csv"))" = 1 ]

# "since my last export": the first gives every arrival until now, the next only what came after
mark() { sql "select until_at from staff_exports where staff_id = $SID and proc_id = 'road-park-report'"; }
check "no mark before the first export of this kind" [ -z "$(mark)" ]
code=$(export_post "$T/s1.csv" --data-urlencode proc=road-park-report --data-urlencode range=since --data-urlencode enc=utf8)
check "since my last export, the first time: 200 ($code)" [ "$code" = 200 ]
check "... all three reports" [ "$(grep -c '^[0-9]\{4\}-[0-9]\{6\},' "$T/s1.csv")" = 3 ]
check "... the mark is set to the export's upper bound" [ "$(mark)" -gt "$D1" ]
check "... the audit row names the bounds" grep -q "proc=road-park-report since=1 until=$(mark) enc=utf8 rows=3 sha256=$(sha_of "$T/s1.csv")" <(sql "select detail from audit_log where action = 'export' order by id desc limit 1")
sql "update staff_exports set until_at = until_at - 100"
M=$(mark)
R4=$(road_report 駅前4丁目 '新田 四郎')
sql "update applications set submitted_at = $((M + 10)) where receipt = '$R4'; update applications set submitted_at = $((M - 1)) where receipt = '$R3'"
code=$(export_post "$T/s2.csv" --data-urlencode proc=road-park-report --data-urlencode range=since --data-urlencode enc=utf8)
check "since my last export again: 200 ($code)" [ "$code" = 200 ]
check "... only the report that came after the mark" [ "$(grep -o '^[0-9]\{4\}-[0-9]\{6\},' "$T/s2.csv" | tr -d ,)" = "$R4" ]
check "... and the mark moved on" [ "$(mark)" -gt "$M" ]
code=$(export_post "$T/x" --data-urlencode proc=road-park-report --data-urlencode range=since --data-urlencode until=99999999999 --data-urlencode enc=utf8)
check "an upper bound in the future: 400 ($code)" [ "$code" = 400 ]

# refusals
n=$(audit_n)
code=$(export_post "$T/x" --data-urlencode proc=sodaigomi-collection --data-urlencode from=2026-04-01 --data-urlencode to=2026-04-01 --data-urlencode enc=utf8)
check "a procedure without a role: 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -b "$J" -o /dev/null -w '%{http_code}' "${RANGE[@]}" --data-urlencode enc=utf8 "$U/staff/export")
check "without the CSRF token: 403 ($code)" [ "$code" = 403 ]
code=$(export_post "$T/x" --data-urlencode proc=road-park-report --data-urlencode from=2026-04-02 --data-urlencode to=2026-04-01 --data-urlencode enc=utf8)
check "from after to: 400 ($code)" [ "$code" = 400 ]
code=$(export_post "$T/x" "${RANGE[@]}" --data-urlencode enc=latin1)
check "another encoding: 400 ($code)" [ "$code" = 400 ]
# no audit row, nothing sent and nothing shown
sql_refuse_inserts audit_log
code=$(export_post "$T/x" "${RANGE[@]}" --data-urlencode enc=utf8)
check "audit log not writable: the download gets 503 ($code)" [ "$code" = 503 ]
check "... and no file was sent" none_of grep -q "$R1" "$T/x"
code=$(export_post "$T/x" "${RANGE[@]}" --data-urlencode enc=cp932)
check "... the page of losses gets 503 too ($code)" [ "$code" = 503 ]
check "... and is not shown" none_of grep -q 'U+20BB7' "$T/x"
sql_allow_inserts audit_log
sql "update staff_step_ups set totp_at = totp_at - 3600"
code=$(export_post "$T/x" "${RANGE[@]}" --data-urlencode enc=utf8)
check "without a fresh TOTP code: 303 ($code)" [ "$code" = 303 ]
check "... to /staff/reauth with the way back" [ "$(location)" = "/staff/reauth?next=/staff/export" ]
check "none of these wrote an audit row" [ "$(audit_n)" = "$n" ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/export")
check "no cookie: the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
