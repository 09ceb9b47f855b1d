#!/usr/bin/env bash
# run.sh: postgres too
# The administrator's console over HTTP with curl: the demo administrator adds a staff member
# (the enrolment link shown and mailed), the member enrols with oathtool codes and logs in;
# roles set and removed open and close the procedure's applications; a member who is not an
# administrator gets 403 on every /staff/admin page and POST and changes nothing; a POST
# without the CSRF token gets 403; without a fresh TOTP code a change leads to /staff/reauth,
# which takes each code once (not the login's) and returns only to a local /staff path; each
# change leaves exactly one staff_change row; the audit view filters by staff member and by
# receipt; mail alerts per arrival carry the receipt and no answer, hourly ones wait for the
# digest (`madoguchi staff digest`); `madoguchi audit verify` finds the chain whole.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start admin
PW='staff pass phrase 2026'
ADMIN=admin@city.example.jp APW=madoguchi-staff-2026 ASECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
AJ="$T/admin.jar" MJ="$T/member.jar"
changes() { sql "select count(*) from audit_log where action = 'staff_change'"; }
staff_count() { sql "select count(*) from staff"; }
roles_of() { sql_joined "proc_id || ':' || role" "','" "proc_id, role" "staff_procedure_roles where staff_id = $1"; }
mails_to() { sql "select count(*) from outbox where to_addr = '$1'"; }
portal_cmd() { MADOGUCHI_DATABASE="$(portal_db_url "$T")" MADOGUCHI_BASE_URL="$U" "$TEST_BUILD/madoguchi" "$@"; }

# `madoguchi staff add` writes its staff_change row (actor system, no address) and mails the link.
out=$(staff_add --email kyoku@city.example.jp --name '局長 四郎' --role admin)
KID=$(sql "select id from staff where email_key = 'kyoku@city.example.jp'")
check "staff add creates an administrator" [ "$(sql "select is_admin from staff where id = $KID")" = 1 ]
check "... with one staff_change row of actor system" [ "$(sql "select actor || '|' || detail || '|' || peer from audit_log where action = 'staff_change'")" = "system|add staff:$KID admin|" ]
check "... and mails the link it prints" [ "$(sql "select count(*) from outbox where to_addr = 'kyoku@city.example.jp' and body like '%${out##*token=}%'")" = 1 ]

# The demo administrator (development mode) logs in with the code of the current step.
LOGIN_CODE=$(totp "$ASECRET")
code=$(staff_login_as "$AJ" "$ADMIN" "$APW" "$LOGIN_CODE")
check "the demo administrator logs in ($code)" [ "$code" = 303 ]
J=$AJ
code=$(get /staff/admin/staff)
check "/staff/admin/staff opens for the administrator ($code)" [ "$code" = 200 ]
check "... lists the demo reviewer with the role" grep -q '審査 花子.*shinsa@city.example.jp' "$T/page.html"
check "... with her procedure and role" grep -q '介護.*（審査）' "$T/page.html"
check "... and the navigation links the audit log" has 'href="/staff/admin/audit"'
AC=$(csrf_of "$T/page.html")
n0=$(staff_count) c0=$(changes)

# Adding: CSRF first, then bad input, then the real one.
code=$(post /staff/admin/staff --data-urlencode 'name=新人 一郎' --data-urlencode email=shinjin@city.example.jp)
check "adding without the CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=新人 一郎' --data-urlencode email=not-an-address)
check "a malformed address gets 400 ($code)" [ "$code" = 400 ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=' --data-urlencode email=shinjin@city.example.jp)
check "an empty name gets 400 ($code)" [ "$code" = 400 ]
check "... nothing was added" [ "$(staff_count)" = "$n0" ]
check "... and no staff_change row written" [ "$(changes)" = "$c0" ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=新人 一郎' --data-urlencode email=shinjin@city.example.jp)
check "the administrator adds a staff member ($code)" [ "$code" = 200 ]
TOKEN=$(grep -o 'staff/enrol?token=[A-Za-z0-9_-]*' "$T/page.html" | head -1 | sed 's/.*token=//')
check "... the enrolment link is shown" [ -n "$TOKEN" ]
MID=$(sql "select id from staff where email_key = 'shinjin@city.example.jp'")
check "... the member exists, not an administrator" [ "$(sql "select is_admin from staff where id = $MID")" = 0 ]
check "... the link is mailed to the member" [ "$(sql "select count(*) from outbox where to_addr = 'shinjin@city.example.jp' and body like '%/staff/enrol?token=$TOKEN%'")" = 1 ]
check "... exactly one staff_change row" [ "$(changes)" = $((c0 + 1)) ]
check "... saying what was added" [ "$(sql "select detail from audit_log where action = 'staff_change' order by id desc limit 1")" = "add staff:$MID" ]
check "... by the administrator" [ "$(sql "select actor from audit_log where action = 'staff_change' order by id desc limit 1")" = "staff:$(sql "select id from staff where email_key = '$ADMIN'")" ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=二重 登録' --data-urlencode email=Shinjin@city.example.jp)
check "the same address again gets 409 ($code)" [ "$code" = 409 ]
check "... and no row" [ "$(changes)" = $((c0 + 1)) ]

# The member enrols from the mailed link and logs in.
MSECRET=$(staff_enrol_token "$TOKEN" "$PW")
check "the member enrols with the link and oathtool codes" [ -n "$MSECRET" ]
code=$(staff_login_as "$MJ" shinjin@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$MSECRET")")
check "the member logs in ($code)" [ "$code" = 303 ]

# A member who is not an administrator: 403 everywhere under /staff/admin, nothing changed.
J=$MJ
code=$(get /staff); MC=$(csrf_of "$T/page.html")
check "the member's navigation has no administration links" none_of has 'href="/staff/admin/staff"'
n1=$(staff_count) c1=$(changes) r1=$(roles_of "$MID")
code=$(get /staff/admin/staff)
check "the member gets 403 on /staff/admin/staff ($code)" [ "$code" = 403 ]
code=$(get /staff/admin/audit)
check "... 403 on /staff/admin/audit ($code)" [ "$code" = 403 ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$MC" --data-urlencode 'name=不正 追加' --data-urlencode email=fusei@city.example.jp)
check "... 403 on adding staff ($code)" [ "$code" = 403 ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$MC" --data-urlencode proc=road-park-report --data-urlencode role=reviewer)
check "... 403 on giving itself a role ($code)" [ "$code" = 403 ]
code=$(post "/staff/admin/staff/$MID/enrol" --data-urlencode "csrf=$MC")
check "... 403 on a new enrolment link ($code)" [ "$code" = 403 ]
check "... no staff added" [ "$(staff_count)" = "$n1" ]
check "... no role given" [ "$(roles_of "$MID")" = "$r1" ]
check "... no staff_change row" [ "$(changes)" = "$c1" ]

# Roles: reviewer opens the procedure's applications, none closes them again.
R1=$(road_report '市役所前の歩道')
check "a road/park report is submitted" [ -n "$R1" ]
code=$(get "/staff/applications/$R1")
check "without a role the member gets 403 on it ($code)" [ "$code" = 403 ]
J=$AJ
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode proc=road-park-report --data-urlencode role=reviewer)
check "a role change without the CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=no-such-procedure --data-urlencode role=reviewer)
check "an unknown procedure gets 400 ($code)" [ "$code" = 400 ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=chief)
check "an unknown role gets 400 ($code)" [ "$code" = 400 ]
check "... no role and no row" [ "$(roles_of "$MID"),$(changes)" = "$r1,$c1" ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=reviewer)
check "the administrator makes the member reviewer of road/park reports ($code)" [ "$code" = 303 ]
check "... back to the list" [ "$(location)" = "/staff/admin/staff?changed=1" ]
check "... the role is stored" [ "$(roles_of "$MID")" = "road-park-report:reviewer" ]
check "... one staff_change row" [ "$(changes)" = $((c1 + 1)) ]
check "... naming member, procedure and role" [ "$(sql "select detail from audit_log where action = 'staff_change' order by id desc limit 1")" = "role staff:$MID road-park-report reviewer" ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=reviewer)
check "the same role again changes nothing and writes no row ($code)" [ "$(changes)" = $((c1 + 1)) ]
code=$(get /staff/admin/staff)
check "the list shows the member's role" grep -q '道路.*（審査）' <(grep -A1 '<td>新人 一郎</td>' "$T/page.html")
J=$MJ
code=$(get "/staff/applications/$R1")
check "the member now sees the report ($code)" [ "$code" = 200 ]
J=$AJ
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=none)
check "the administrator removes the role ($code)" [ "$code" = 303 ]
check "... it is gone" [ "$(roles_of "$MID")" = "" ]
check "... one more staff_change row" [ "$(changes)" = $((c1 + 2)) ]
J=$MJ
code=$(get "/staff/applications/$R1")
check "the member gets 403 on the report again ($code)" [ "$code" = 403 ]

# The re-entry: the login's code goes stale (moved an hour back), the change leads to
# /staff/reauth and is not made; the login's code does not serve again; a fresh one does.
J=$AJ
sql "update staff_step_ups set totp_at = totp_at - 3600"
c2=$(changes)
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=viewer)
check "without a fresh code a change is answered 303 ($code)" [ "$code" = 303 ]
check "... to /staff/reauth with the way back" [ "$(location)" = "/staff/reauth?next=/staff/admin/staff" ]
check "... and nothing changed" [ "$(roles_of "$MID"),$(changes)" = ",$c2" ]
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=待機 二郎' --data-urlencode email=taiki@city.example.jp)
check "adding staff also leads to /staff/reauth ($code)" [ "$(location)" = "/staff/reauth?next=/staff/admin/staff" ]
check "... nobody added" [ "$(sql "select count(*) from staff where email_key = 'taiki@city.example.jp'")" = 0 ]
code=$(get '/staff/reauth?next=/staff/admin/staff')
check "/staff/reauth asks for the code ($code)" [ "$code" = 200 ]
check "... keeping the local way back" has 'name="next" value="/staff/admin/staff"'
code=$(get '/staff/reauth?next=https://evil.example/x')
check "... an off-site next becomes /staff" has 'name="next" value="/staff"'
code=$(get '/staff/reauth?next=//evil.example/x')
check "... so does a scheme-relative one" has 'name="next" value="/staff"'
code=$(get '/staff/reauth?next=/mypage')
check "... and a path outside /staff" has 'name="next" value="/staff"'
code=$(post /staff/reauth --data-urlencode "code=$(totp -N 'now + 30 seconds' "$ASECRET")" --data-urlencode next=/staff/admin/staff)
check "re-entry without the CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/reauth --data-urlencode "csrf=$AC" --data-urlencode "code=$LOGIN_CODE" --data-urlencode next=/staff/admin/staff)
check "the code used at login is refused at re-entry ($code)" [ "$code" = 200 ]
check "... with the message" has 'すでに使われたコード'
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=viewer)
check "... so the change still leads to /staff/reauth" [ "$(location)" = "/staff/reauth?next=/staff/admin/staff" ]
code=$(post /staff/reauth --data-urlencode "csrf=$AC" --data-urlencode "code=$(totp -N 'now + 30 seconds' "$ASECRET")" --data-urlencode next=https://evil.example/x)
check "a fresh code is taken ($code)" [ "$code" = 303 ]
check "... and an off-site next is ignored: back to /staff" [ "$(location)" = "/staff" ]
code=$(post "/staff/admin/staff/$MID/role" --data-urlencode "csrf=$AC" --data-urlencode proc=road-park-report --data-urlencode role=reviewer)
check "with the fresh code the change goes through ($code)" [ "$(location)" = "/staff/admin/staff?changed=1" ]
check "... the role is stored" [ "$(roles_of "$MID")" = "road-park-report:reviewer" ]
check "... exactly one staff_change row for it" [ "$(changes)" = $((c2 + 1)) ]

# A new enrolment link for a member not yet enrolled, not for one enrolled.
code=$(post /staff/admin/staff --data-urlencode "csrf=$AC" --data-urlencode 'name=未登録 三郎' --data-urlencode email=mitouroku@city.example.jp --data-urlencode is_admin=1)
check "an administrator is added ($code)" [ "$(sql "select is_admin from staff where email_key = 'mitouroku@city.example.jp'")" = 1 ]
M2=$(sql "select id from staff where email_key = 'mitouroku@city.example.jp'")
check "... the row says admin" [ "$(sql "select detail from audit_log where action = 'staff_change' order by id desc limit 1")" = "add staff:$M2 admin" ]
code=$(get /staff/admin/staff)
check "the list offers a new link to the member not enrolled" has "action=\"/staff/admin/staff/$M2/enrol\""
check "... and none to the enrolled one" none_of has "action=\"/staff/admin/staff/$MID/enrol\""
c3=$(changes)
code=$(post "/staff/admin/staff/$M2/enrol" --data-urlencode "csrf=$AC")
check "a new enrolment link is issued ($code)" [ "$code" = 200 ]
T2=$(grep -o 'staff/enrol?token=[A-Za-z0-9_-]*' "$T/page.html" | head -1 | sed 's/.*token=//')
check "... shown and mailed" [ "$(sql "select count(*) from outbox where to_addr = 'mitouroku@city.example.jp' and body like '%token=$T2%'")" = 1 ]
check "... one staff_change row" [ "$(sql "select count(*) from audit_log where action = 'staff_change' and detail = 'enrol-link staff:$M2'")" = 1 ]
code=$(post "/staff/admin/staff/$MID/enrol" --data-urlencode "csrf=$AC")
check "an enrolled member gets no new link: 409 ($code)" [ "$code" = 409 ]
check "... and no row" [ "$(changes)" = $((c3 + 1)) ]

# Mail alerts: per arrival, then hourly.
J=$MJ
code=$(get /staff/settings/alerts); MC=$(csrf_of "$T/page.html")
check "/staff/settings/alerts opens for the member ($code)" [ "$code" = 200 ]
check "... offering the procedure of the role, 受け取らない checked" grep -q 'id="mode-road-park-report-none" name="mode-road-park-report" value="none" checked' "$T/page.html"
code=$(post /staff/settings/alerts --data-urlencode mode-road-park-report=each)
check "saving without the CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/settings/alerts --data-urlencode "csrf=$MC" --data-urlencode mode-road-park-report=often)
check "an unknown choice gets 400 ($code)" [ "$code" = 400 ]
check "... nothing saved" [ "$(sql "select count(*) from staff_alerts where staff_id = $MID")" = 0 ]
code=$(post /staff/settings/alerts --data-urlencode "csrf=$MC" --data-urlencode mode-road-park-report=each)
check "the member chooses 到着ごと ($code)" [ "$(location)" = "/staff/settings/alerts?saved=1" ]
m0=$(mails_to shinjin@city.example.jp)
R2=$(road_report '架空市本町一丁目二番三号' '見取 花子')
check "a report with the reporter's name is submitted" [ -n "$R2" ]
check "... one alert mail to the member" [ "$(mails_to shinjin@city.example.jp)" = $((m0 + 1)) ]
sql "select body from outbox where to_addr = 'shinjin@city.example.jp' order by id desc limit 1" > "$T/alert.txt"
check "... naming the receipt" grep -q "受付番号：$R2" "$T/alert.txt"
check "... linking to the application" grep -q "/staff/applications/$R2" "$T/alert.txt"
check "... without the reporter's name" none_of grep -q '見取' "$T/alert.txt"
check "... without the place typed" none_of grep -q '本町' "$T/alert.txt"
check "... and the subject names only the receipt" [ "$(sql "select count(*) from outbox where to_addr = 'shinjin@city.example.jp' and subject like '%$R2%' and subject not like '%見取%'")" = 1 ]
# The earlier reports move ten seconds back, so that the digest's "since the choice" does not
# depend on whether the choice fell in the same second as one of them.
sql "update applications set submitted_at = submitted_at - 10"
code=$(post /staff/settings/alerts --data-urlencode "csrf=$MC" --data-urlencode mode-road-park-report=hourly)
check "the member chooses 1時間ごと ($code)" [ "$(sql "select mode from staff_alerts where staff_id = $MID")" = hourly ]
m1=$(mails_to shinjin@city.example.jp)
R3=$(road_report '架空市本町四丁目' '見取 花子')
check "a report arrives: no mail at arrival" [ "$(mails_to shinjin@city.example.jp)" = "$m1" ]
out=$(portal_cmd staff digest)
check "madoguchi staff digest queues one digest ($out)" [ "$out" = "1 digest mail(s) queued" ]
sql "select body from outbox where to_addr = 'shinjin@city.example.jp' order by id desc limit 1" > "$T/digest.txt"
check "... to the member" [ "$(mails_to shinjin@city.example.jp)" = $((m1 + 1)) ]
check "... counting the one arrival of the procedure" grep -q '：1件' "$T/digest.txt"
check "... linking to the inbox" grep -q '/staff?proc=road-park-report' "$T/digest.txt"
check "... without the reporter's name" none_of grep -q '見取' "$T/digest.txt"
out=$(portal_cmd staff digest)
check "a second digest has nothing new ($out)" [ "$out" = "0 digest mail(s) queued" ]

# The audit view: by staff member, by receipt; viewing it is itself a row.
J=$AJ
v0=$(sql "select count(*) from audit_log where action = 'view_audit'")
code=$(get /staff/admin/audit)
check "/staff/admin/audit opens ($code)" [ "$code" = 200 ]
check "... newest first: the first row is the newest id" [ "$(grep -o '<tr><td>[0-9]*</td>' "$T/page.html" | head -1 | tr -dc 0-9)" = "$(sql "select max(id) from audit_log where action <> 'view_audit'")" ]
check "... actions in words" has '職員・担当の変更'
check "... the administrator by name and id" grep -q '<td>管理 太郎（番号' "$T/page.html"
check "... viewing it wrote one view_audit row" [ "$(sql "select count(*) from audit_log where action = 'view_audit'")" = $((v0 + 1)) ]
code=$(get "/staff/admin/audit?staff=$MID")
check "filtered by the member ($code)" [ "$(grep -c '<tr><td>' "$T/page.html")" = "$(sql "select count(*) from audit_log where actor = 'staff:$MID'")" ]
check "... only the member's rows" none_of grep -q '<td>管理 太郎（番号' "$T/page.html"
code=$(get "/staff/admin/audit?receipt=$R1")
check "filtered by receipt ($code)" [ "$(grep -c '<tr><td>' "$T/page.html")" = "$(sql "select count(*) from audit_log where receipt = '$R1'")" ]
check "... linking to the application" has "href=\"/staff/applications/$R1\""
code=$(get '/staff/admin/audit?before=5')
check "a page by key: the rows before id 5, newest first ($code)" [ "$(grep -o '<tr><td>[0-9]*</td>' "$T/page.html" | tr -dc '0-9\n' | tr '\n' ' ')" = "4 3 2 1 " ]
code=$(get '/staff/admin/audit?receipt=2026-1')
check "a malformed receipt gets 400 ($code)" [ "$code" = 400 ]
code=$(get '/staff/admin/audit?staff=x')
check "a malformed staff id gets 400 ($code)" [ "$code" = 400 ]

out=$(portal_cmd audit verify); rc=$?
check "madoguchi audit verify exits 0 ($out)" [ "$rc" = 0 ]
stop_portal
rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
