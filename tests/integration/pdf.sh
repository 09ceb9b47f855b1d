#!/usr/bin/env bash
# run.sh: postgres too
# The PDF of an application over HTTP with curl: the demo resident submits a large-waste
# application (the name in kanji); a reviewer of the procedure leaves an internal note and
# downloads the staff PDF; the resident downloads the 申請控え from the link of the
# completion page and of my page. pdftotext finds in both the receipt number, the name and
# every answer as confirmed (read from the database's display lines); the staff PDF holds
# the signature panel, the SHA-256 of the content and the note, the 申請控え none of them;
# pdffonts shows IPAexGothic embedded; the download's export audit row carries the
# sha256sum of the file received; with the audit log not writable the staff get 503 and no
# file; another resident (a session without the account) gets 404 and the demo resident
# 404 for that one's report; no staff cookie gets the staff login page, a reviewer of another
# procedure 403, and without a fresh TOTP code the download leads to /staff/reauth.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
for t in pdftotext pdffonts; do
	command -v $t > /dev/null || { echo "not ok - $t is installed (poppler-utils, scripts/setup.sh)"; exit 1; }
done
staff_test_start pdf
PW='staff pass phrase 2026'
NAME='見取 髙太郎'
NOTE='内部メモ：電話で本人に確認済み'

RJ="$T/resident"
code=$(demo_login "$RJ")
check "the demo resident logs in ($code)" [ "$code" = 303 ]
R=$(gomi_apply "$RJ" 洋服だんす "$NAME")
check "an application submitted ($R)" grep -q '^[0-9]\{4\}-[0-9]\{6\}$' <<<"$R"
if on_pg; then # the display lines, a JSON array of {label, value}
	sql "select j ->> 'value' from applications, jsonb_array_elements(applications.display::jsonb) j where receipt = '$R' and j ->> 'value' != ''"
else
	sql "select json_extract(j.value, '\$.value') from applications, json_each(applications.display) j where receipt = '$R' and json_extract(j.value, '\$.value') != ''"
fi > "$T/answers"
check "its display lines hold the answers ($(wc -l < "$T/answers") of them, the name too)" grep -qxF "$NAME" "$T/answers"

# the 申請控え: linked from the completion page and my page
code=$(curl -s -b "$RJ" -o "$T/page.html" -w '%{http_code}' "$U/applications/$R/complete")
check "the completion page links the 申請控え ($code)" grep -q "href=\"/mypage/$R/hikae.pdf\"" "$T/page.html"
curl -s -b "$RJ" -o "$T/page.html" "$U/mypage/$R"
check "... and so does my page's detail" grep -q "href=\"/mypage/$R/hikae.pdf\"" "$T/page.html"
code=$(curl -s -b "$RJ" -D "$T/h" -o "$T/hikae.pdf" -w '%{http_code}' "$U/mypage/$R/hikae.pdf")
check "the 申請控え downloads: 200 ($code)" [ "$code" = 200 ]
check "... application/pdf, attachment $R.pdf, no-store" [ "$(grep -ci "^content-type: application/pdf\|^content-disposition: attachment; filename=\"$R.pdf\"\|^cache-control: no-store" "$T/h")" = 3 ]
check "... a PDF file" [ "$(head -c 5 "$T/hikae.pdf")" = "%PDF-" ]
pdftotext "$T/hikae.pdf" "$T/hikae.txt"

# the staff's: a reviewer of the procedure, a note first
secret=$(staff_enrolled shinsa-gomi@city.example.jp 'ごみ 審査子' "$PW")
SID=$(sql "select id from staff where email_key = 'shinsa-gomi@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, 'sodaigomi-collection', 'reviewer')"
code=$(staff_login_as "$J" shinsa-gomi@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]
get "/staff/applications/$R" > /dev/null
check "the staff page links the PDF" grep -q "href=\"/staff/applications/$R/application.pdf\"" "$T/page.html"
code=$(post "/staff/applications/$R/notes" --data-urlencode "csrf=$(csrf_of "$T/page.html")" --data-urlencode "note=$NOTE")
check "an internal note is left ($code)" [ "$code" = 303 ]
code=$(curl -s -b "$J" -D "$T/h" -o "$T/staff.pdf" -w '%{http_code}' "$U/staff/applications/$R/application.pdf")
check "the staff PDF downloads: 200 ($code)" [ "$code" = 200 ]
check "... application/pdf, attachment $R.pdf" [ "$(grep -ci "^content-type: application/pdf\|^content-disposition: attachment; filename=\"$R.pdf\"" "$T/h")" = 2 ]
pdftotext "$T/staff.pdf" "$T/staff.txt"

for f in staff hikae; do
	check "$f: pdftotext finds the receipt number" grep -qF "$R" "$T/$f.txt"
	check "$f: ... the name" grep -qF "$NAME" "$T/$f.txt"
	missing=$(while IFS= read -r a; do grep -qF -- "$a" "$T/$f.txt" || echo "$a"; done < "$T/answers")
	check "$f: ... every answer ($(wc -l < "$T/answers"); missing: ${missing:-none})" [ -z "$missing" ]
	check "$f: pdffonts shows IPAexGothic embedded" grep -q 'IPAexGothic.* yes ' <(pdffonts "$T/$f.pdf")
done
DIGEST=$(sql "select digest from applications where receipt = '$R'")
check "the staff PDF has the signature panel" grep -qF '電子署名の検証' "$T/staff.txt"
GROUPED=$(sed 's/.\{8\}/& /g; s/ $//' <<<"$DIGEST")
check "... the SHA-256 of the content (in groups of eight)" grep -qF "$GROUPED" <(tr -s '\n ' '  ' < "$T/staff.txt")
check "... and the internal note" grep -qF "$NOTE" "$T/staff.txt"
check "the 申請控え has no signature panel" none_of grep -qF '電子署名の検証' "$T/hikae.txt"
check "... no SHA-256 of the content" none_of grep -qF "${DIGEST:0:8}" "$T/hikae.txt"
check "... and no internal note" none_of grep -qF "$NOTE" "$T/hikae.txt"
check "one export audit row with the PDF's SHA-256" [ "$(sql "select count(*) || ' ' || max(detail) from audit_log where action = 'export' and receipt = '$R'")" = "1 receipt=$R enc=pdf sha256=$(sha256sum < "$T/staff.pdf" | cut -d' ' -f1)" ]

sql_refuse_inserts audit_log
code=$(curl -s -b "$J" -o "$T/x.pdf" -w '%{http_code}' "$U/staff/applications/$R/application.pdf")
check "audit log not writable: 503 ($code)" [ "$code" = 503 ]
check "... and no PDF sent" none_of grep -q '^%PDF-' "$T/x.pdf"
sql_allow_inserts audit_log

# others
R2=$(road_report 駅前1丁目 '道路 花子')
check "another resident (no account) reports ($R2)" grep -q '^[0-9]\{4\}-[0-9]\{6\}$' <<<"$R2"
code=$(curl -s -b "$T/r.jar" -o "$T/x.pdf" -w '%{http_code}' "$U/mypage/$R2/hikae.pdf")
check "... and gets its own 申請控え ($code)" [ "$code" = 200 ]
code=$(curl -s -b "$T/r.jar" -o "$T/x.pdf" -w '%{http_code}' "$U/mypage/$R/hikae.pdf")
check "... but 404 for the demo resident's ($code)" [ "$code" = 404 ]
code=$(curl -s -b "$RJ" -o "$T/x.pdf" -w '%{http_code}' "$U/mypage/$R2/hikae.pdf")
check "the demo resident gets 404 for the other's ($code)" [ "$code" = 404 ]
code=$(curl -s -o "$T/x.pdf" -w '%{http_code}' "$U/mypage/$R/hikae.pdf")
check "no cookie: 404 ($code)" [ "$code" = 404 ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/applications/$R/application.pdf")
check "no staff cookie: the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"
code=$(curl -s -b "$J" -o "$T/x.pdf" -w '%{http_code}' "$U/staff/applications/2026-999999/application.pdf")
check "an absent receipt: 404 ($code)" [ "$code" = 404 ]
code=$(staff_login_as "$T/other" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)")
check "a reviewer of another procedure logs in ($code)" [ "$code" = 303 ]
code=$(curl -s -b "$T/other" -o "$T/x.pdf" -w '%{http_code}' "$U/staff/applications/$R/application.pdf")
check "... and gets 403 for the PDF ($code)" [ "$code" = 403 ]
sql "update staff_step_ups set totp_at = totp_at - 3600"
code=$(curl -s -b "$J" -D "$T/h" -o /dev/null -w '%{http_code}' "$U/staff/applications/$R/application.pdf")
check "without a fresh TOTP code: 303 to /staff/reauth and back ($code)" [ "$code $(location)" = "303 /staff/reauth?next=/staff/applications/$R/application.pdf" ]
check "still one export row for the application" [ "$(sql "select count(*) from audit_log where action = 'export' and receipt = '$R'")" = 1 ]

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
