#!/usr/bin/env bash
# run.sh: postgres too
# Staff accounts over HTTP with curl: `madoguchi staff add` and its enrolment link, the
# enrolment (password, TOTP secret confirmed by a first code, recovery codes), login with
# password and TOTP code, each code once, a recovery code once, throttling of wrong codes,
# CSRF, the staff and resident cookies kept apart, and an expired link. The codes come from
# oathtool, an implementation of RFC 6238 other than the portal's liboath calls.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start staff
STAFF_PW='staff pass phrase 2026'

# staff add prints a one-time link; nothing else was made of it.
out=$(staff_add --email Kakari@City.Example.JP --name '窓口 太郎' --role admin)
check "staff add exits 0 and prints the enrolment link" grep -q "^$U/staff/enrol?token=[A-Za-z0-9_-]\{43\}$" <<<"$out"
link=$(grep -o "$U/staff/enrol?token=[A-Za-z0-9_-]*" <<<"$out")
token=${link##*token=}
check "... one administrator, not enrolled, no password yet" [ "$(sql "select is_admin, cast(enrolled_at is null as integer), pw_hash from staff where email_key='kakari@city.example.jp'")" = "1|1|" ]
check "... the token is stored hashed only" [ "$(sql "select count(*) from staff_enrol_tokens where token_hash='$token'")" = 0 ]
staff_add --email kakari@city.example.jp --name '別人' > /dev/null 2>&1; rc=$?
check "a second staff add of the address fails ($rc)" [ "$rc" = 1 ]
check "... and no resident account has the address" [ "$(sql "select count(*) from accounts where email like 'kakari%'")" = 0 ]

# Enrolment: the password step.
code=$(get "/staff/enrol?token=${token%?}x")
check "a wrong enrolment token gets 400 ($code)" [ "$code" = 400 ]
code=$(get "/staff/enrol?token=$token"); C=$(csrf_of "$T/page.html")
check "the enrolment page opens ($code)" [ "$code" = 200 ]
check "... it names the staff member" grep -q '窓口 太郎' "$T/page.html"
check "... it carries a CSRF token" [ -n "$C" ]
code=$(post /staff/enrol --data-urlencode "token=$token" --data-urlencode "password=$STAFF_PW" --data-urlencode "password2=$STAFF_PW")
check "enrolment POST without CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/enrol --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode "password=$STAFF_PW" --data-urlencode "password2=other")
check "two different passwords get 400 with a message ($code)" [ "$code" = 400 ]
check "... with the message to type the same password" grep -q '同じパスワードをもう一度' "$T/page.html"
code=$(post /staff/enrol --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode "password=short" --data-urlencode "password2=short")
check "a password under the residents' rules is refused ($code)" [ "$code" = 400 ]
check "... with an error message" grep -q 'error-summary\|error-message' "$T/page.html"
check "... and nothing was stored" [ "$(sql "select pw_hash from staff where email_key='kakari@city.example.jp'")" = "" ]
code=$(post /staff/enrol --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode "password=$STAFF_PW" --data-urlencode "password2=$STAFF_PW")
secret=$(grep -o 'otpauth://totp/[^"<]*' "$T/page.html" | head -1 | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
check "the password is accepted ($code)" [ "$code" = 200 ]
check "... the secret in the URI has 32 base32 characters" [ ${#secret} = 32 ]
check "... the QR code is an SVG image" grep -q '<svg' "$T/page.html"
check "... the secret also as text" grep -q "<code>$secret</code>" "$T/page.html"
check "... the URI says SHA1, 6 digits, 30 s" grep -q 'algorithm=SHA1&amp;digits=6&amp;period=30' "$T/page.html"
check "... the stored secret is the one shown" [ "$(sql "select totp_secret from staff where email_key='kakari@city.example.jp'")" = "$secret" ]
wrong=$(printf '%06d' $(( (10#$(totp "$secret") + 1) % 1000000 )))
code=$(post /staff/enrol/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode "code=$wrong")
check "a wrong first code is refused ($code)" [ "$code" = 400 ]
check "... with its message" grep -q '確認コードが正しくありません' "$T/page.html"
check "... not enrolled" [ "$(sql "select cast(enrolled_at is null as integer) from staff where email_key='kakari@city.example.jp'")" = 1 ]
code=$(post /staff/enrol/confirm --data-urlencode "token=$token" --data-urlencode "code=$(totp "$secret")")
check "the confirmation without CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/enrol/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode "code=$(totp "$secret")")
grep -o '<code>[a-z2-7]\{5\}-[a-z2-7]\{5\}</code>' "$T/page.html" | sed 's/<[^>]*>//g' > "$T/codes"
check "the first code enrols ($code) and shows 10 recovery codes" [ "$code" = 200 ]
check "... 10 different codes" [ "$(sort -u "$T/codes" | wc -l)" = 10 ]
check "... 10 stored, hashed" [ "$(sql "select count(*) from staff_recovery_codes where length(code_hash)=64")" = 10 ]
check "... none stored as typed" [ "$(sql "select count(*) from staff_recovery_codes where code_hash='$(head -1 "$T/codes")'")" = 0 ]
check "... enrolled" [ "$(sql "select cast(enrolled_at is not null as integer) from staff where email_key='kakari@city.example.jp'")" = 1 ]
code=$(get "/staff/enrol?token=$token")
check "the enrolment link works once ($code)" [ "$code" = 400 ]

# Login: password and TOTP code.
code=$(get /staff/login); C=$(csrf_of "$T/page.html")
check "login page ($code) asks for e-mail, password and code" grep -q 'name="code"' "$T/page.html"
check "... the code field has its label" grep -q 'for="code"' "$T/page.html"
next=$(totp -N "now + 30 seconds" "$secret") # the step after the one enrolment used
code=$(post /staff/login --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$next")
check "login without CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$next")
check "login with password and code ($code) goes to /staff" [ "$code" = 303 ]
check "... to /staff" grep -qi '^location: /staff' "$T/h"
check "... the staff cookie: HttpOnly, SameSite=Strict" grep -qi '^set-cookie: madoguchi_staff=[A-Za-z0-9_-]\{43\}; Path=/; HttpOnly; SameSite=Strict' "$T/h"
code=$(get /staff)
check "/staff ($code) says who is logged in" [ "$code" = 200 ]
check "... the staff member's name" grep -q '窓口 太郎さん' "$T/page.html"
check "... and that without a procedure there are no applications to show" grep -q '担当の手続がないため、表示できる申請はありません' "$T/page.html"
SC=$(csrf_of "$T/page.html")
code=$(post /staff/logout --data "x=1")
check "logout without CSRF token gets 403 ($code)" [ "$code" = 403 ]
code=$(post /staff/logout --data-urlencode "csrf=$SC")
check "logout ($code) ends the session" [ "$code" = 303 ]
check "... no staff session left" [ "$(sql 'select count(*) from staff_sessions')" = 0 ]
code=$(get /staff)
check "... /staff is the login page again" grep -q 'action="/staff/login"' "$T/page.html"
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$next")
check "the same code a second time is refused ($code)" [ "$code" = 200 ]
check "... with the one message for every mistake" grep -q '確認コードのいずれかが正しくありません' "$T/page.html"
check "... and no session was made" [ "$(sql 'select count(*) from staff_sessions')" = 0 ]

# A recovery code works once.
rc1=$(head -1 "$T/codes")
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$rc1")
check "a recovery code logs in ($code)" [ "$code" = 303 ]
check "... the code is marked used" [ "$(sql 'select count(*) from staff_recovery_codes where used_at is not null')" = 1 ]
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$rc1")
check "... once ($code)" [ "$code" = 200 ]
check "... with the one message" grep -q '確認コードのいずれかが正しくありません' "$T/page.html"

old=$(awk '$6 == "madoguchi_staff" {print $7}' "$J")
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=kakari@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode "code=$(sed -n 2p "$T/codes")")
new=$(awk '$6 == "madoguchi_staff" {print $7}' "$J")
check "a login while logged in gives a new session id and ends the old one ($code)" [ "$code" = 303 ]
check "... there was a session before" [ -n "$old" ]
check "... the id is new" [ "$new" != "$old" ]
check "... the old one has gone" [ "$(sql 'select count(*) from staff_sessions')" = 1 ]

# The staff cookie gives nothing on resident pages.
grep 'madoguchi_staff' "$J" > "$T/staffjar"
code=$(get /mypage "$T/staffjar")
check "the staff cookie on /mypage gets the residents' login ($code)" [ "$code" = 303 ]
check "... to the residents' login" grep -qi '^location: /login' "$T/h"
code=$(get /account "$T/staffjar")
check "... and on /account ($code)" [ "$code" = 303 ]
check "... to the residents' login" grep -qi '^location: /login' "$T/h"

# Staff sessions end after 30 minutes without a request and 10 hours after login.
sql "update staff_sessions set last_seen = $(date +%s) - 29*60"
code=$(get /staff)
check "a staff session idle 29 minutes still opens /staff ($code)" grep -q '窓口 太郎さん' "$T/page.html"
for _ in $(seq 1 50); do # the touch that request queued, before the clock is moved again
	[ "$(sql "select cast(last_seen > $(date +%s) - 60 as integer) from staff_sessions")" = 1 ] && break
	sleep 0.1
done
sql "update staff_sessions set last_seen = $(date +%s) - 31*60"
code=$(get /staff)
check "... idle 31 minutes it has ended: the login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"
check "... the name is not shown" none_of grep -q '窓口 太郎さん' "$T/page.html"
sql "update staff_sessions set last_seen = $(date +%s), created_at = $(date +%s) - 10*3600 - 60"
code=$(get /staff)
check "... and so it has 10 hours after login, however busy ($code)" grep -q 'action="/staff/login"' "$T/page.html"

# A resident's cookie on /staff gets the staff login page.
R="$T/resident"
curl -s -c "$R" -b "$R" -o "$T/page.html" "$U/login"; RC=$(csrf_of "$T/page.html")
code=$(curl -s -c "$R" -b "$R" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$RC" --data-urlencode 'email=demo@example.jp' --data-urlencode 'password=madoguchi-demo-2026' "$U/login")
check "the demo resident logs in ($code)" [ "$code" = 303 ]
code=$(get /staff "$R")
check "a resident's cookie on /staff gets the staff login page ($code)" [ "$code" = 200 ]
check "... the staff login form" grep -q 'action="/staff/login"' "$T/page.html"
check "... no staff logout (no staff session)" none_of grep -q 'staff/logout' "$T/page.html"

# Wrong codes are throttled: the demo reviewer of development mode, five wrong, the sixth waits.
for i in 1 2 3 4 5; do
	code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=shinsa@city.example.jp' --data-urlencode 'password=madoguchi-staff-2026' --data-urlencode 'code=000000')
	[ "$code" = 200 ] || break
done
check "five wrong codes are refused ($code)" [ "$code" = 200 ]
right=$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=shinsa@city.example.jp' --data-urlencode 'password=madoguchi-staff-2026' --data-urlencode "code=$right")
check "the sixth attempt is throttled, even with the right code ($code)" [ "$code" = 429 ]
check "... the page says until when" grep -q '時.*分' "$T/page.html"

# Development mode's demo administrator logs in with its printed secret; it has no procedure.
A="$T/admin"
curl -s -c "$A" -b "$A" -o "$T/page.html" "$U/staff/login"; AC=$(csrf_of "$T/page.html")
code=$(curl -s -c "$A" -b "$A" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$AC" --data-urlencode 'email=admin@city.example.jp' --data-urlencode 'password=madoguchi-staff-2026' --data-urlencode "code=$(totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)" "$U/staff/login")
check "the demo administrator logs in ($code)" [ "$code" = 303 ]
code=$(get /staff "$A")
check "... an administrator without a procedure ($code)" grep -q 'あなたは管理者です' "$T/page.html"
check "... no procedure assigned" grep -q '担当の手続は、まだ割り当てられていません' "$T/page.html"
check "the demo reviewer reviews the volunteer procedure" [ "$(sql "select p.proc_id || ':' || p.role from staff_procedure_roles p join staff s on s.id = p.staff_id where s.email_key = 'shinsa@city.example.jp'")" = "kaigo-volunteer-point:reviewer" ]

# Wrong first codes of an enrolment are throttled too: five refused, the sixth waits.
out=$(staff_add --email brute@city.example.jp --name '試行 次郎')
t3=$(grep -o 'token=[A-Za-z0-9_-]*' <<<"$out"); t3=${t3#token=}
code=$(post /staff/enrol --data-urlencode "csrf=$C" --data-urlencode "token=$t3" --data-urlencode "password=$STAFF_PW" --data-urlencode "password2=$STAFF_PW")
s3=$(grep -o 'otpauth://totp/[^"<]*' "$T/page.html" | head -1 | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
for i in 1 2 3 4 5; do
	code=$(post /staff/enrol/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$t3" --data-urlencode 'code=000000')
	[ "$code" = 400 ] || break
done
check "five wrong first codes are refused ($code)" [ "$code" = 400 ]
code=$(post /staff/enrol/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$t3" --data-urlencode "code=$(totp "$s3")")
check "the sixth waits, even the right code ($code)" [ "$code" = 429 ]
check "... not enrolled" [ "$(sql "select cast(enrolled_at is null as integer) from staff where email_key='brute@city.example.jp'")" = 1 ]

# An expired enrolment link is refused.
out=$(staff_add --email late@city.example.jp --name '遅刻 一郎')
t2=$(grep -o 'token=[A-Za-z0-9_-]*' <<<"$out"); t2=${t2#token=}
sql "update staff_enrol_tokens set expires_at = $(date +%s) - 1 where staff_id = (select id from staff where email_key='late@city.example.jp')"
code=$(get "/staff/enrol?token=$t2")
check "an expired enrolment link gets 400 ($code)" [ "$code" = 400 ]
check "... saying that it expired or was used" grep -q '有効期限' "$T/page.html"

# Every login, failed login and logout leaves its audit row, and the chain verifies.
get /staff/login > /dev/null
C=$(csrf_of "$T/page.html")
code=$(post /staff/login --data-urlencode "csrf=$C" --data-urlencode 'email=nobody@city.example.jp' --data-urlencode "password=$STAFF_PW" --data-urlencode 'code=123456')
check "a login of an address no staff member has is refused ($code)" [ "$code" = 200 ]
arow() { sql "select count(*) from audit_log where action = '$1' and actor $2"; }
n_ok=$(arow staff_login "like 'staff:%'")
check "each staff login left a staff_login row with its staff member ($n_ok)" [ "$n_ok" -ge 2 ]
n_bad=$(arow staff_login_failed "like 'staff:%'")
check "failed logins of a staff address left staff_login_failed rows naming them ($n_bad)" [ "$n_bad" -ge 5 ]
n_anon=$(sql "select count(*) from audit_log where action = 'staff_login_failed' and actor = 'anonymous'")
check "... and a login of an address no staff member has is 'anonymous' ($n_anon)" [ "$n_anon" -ge 1 ]
check "the throttled attempts say so in the detail" [ "$(sql "select count(*) from audit_log where detail = 'throttled'")" -ge 1 ]
check "a logout left a staff_logout row" [ "$(arow staff_logout "like 'staff:%'")" -ge 1 ]
check "no row holds what was typed (the password)" [ "$(sql "select count(*) from audit_log where detail like '%$STAFF_PW%'")" = 0 ]
check "every row but the commands' (staff add) has the client address" [ "$(sql "select count(*) from audit_log where peer <> '127.0.0.1' and actor <> 'system'")" = 0 ]
out=$(MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify 2>&1); rc=$?
check "madoguchi audit verify: the chain is whole (exit $rc: $(head -1 <<<"$out"))" [ "$rc" = 0 ]

stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
