#!/usr/bin/env bash
# run.sh: postgres too
# Accounts over HTTP with curl: CSRF, login throttling, logout, open redirects, the login
# prompt of seed step 3, registration and confirmation through the outbox, bad input.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-acct.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
U=$PORTAL_URL
DB="$T/portal.db"
J="$T/jar"

csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }
get() { curl -s -b "$J" -c "$J" -o "$T/page.html" -w '%{http_code}' "$U$1"; }
post() { local path=$1; shift; curl -s -b "$J" -c "$J" -o "$T/page.html" -w '%{http_code}' "$@" "$U$path"; }

# Registration without a CSRF token changes nothing.
code=$(post /register --data-urlencode 'email=a@example.jp' --data-urlencode 'password=correct horse battery')
check "POST /register without CSRF token gets 403 ($code)" [ "$code" = 403 ]
check "... and no account was created" [ "$(sql 'select count(*) from accounts where email <> '\''demo@example.jp'\''')" = 0 ]
check "... and no mail was queued" [ "$(sql 'select count(*) from outbox')" = 0 ]

code=$(get /register); C=$(csrf_of "$T/page.html")
check "registration page ($code) carries a CSRF token" [ -n "$C" ]
code=$(post /register --data-urlencode "csrf=wrong$C" --data-urlencode 'email=a@example.jp' --data-urlencode 'password=correct horse battery')
check "POST with a wrong CSRF token gets 403 ($code)" [ "$code" = 403 ]

# Bad input: field errors, never a 500.
for bad in 'email=not-an-address' 'email=a@b' "email=$(printf 'a%.0s' $(seq 1 300))@example.jp" 'email=%E3%81%82@example.jp' 'email=a%01b@example.jp' 'email=%ff%fe@example.jp'; do
	code=$(post /register --data "csrf=$C&$bad&password=longenough1")
	if [ "$code" = 200 ] && grep -q 'error-message' "$T/page.html"; then ok "bad e-mail ${bad:0:40} gets a field error"; else not_ok "bad e-mail ${bad:0:40}: $code"; fi
done
for bad in 'password=short' 'password=%ff%fe%fd%fc%fb%fa%f9%f8' 'password=abc%00defghij' "password=$(printf 'x%.0s' $(seq 1 300))"; do
	code=$(post /register --data "csrf=$C&email=b@example.jp&$bad")
	if [ "$code" = 200 ] && grep -q 'error-message' "$T/page.html"; then ok "bad password ${bad:0:30} gets a field error"; else not_ok "bad password ${bad:0:30}: $code"; fi
done
check "no account from bad input" [ "$(sql 'select count(*) from accounts where email <> '\''demo@example.jp'\''')" = 0 ]

# Registration, then the confirmation link from the outbox.
code=$(post /register --data-urlencode "csrf=$C" --data-urlencode 'email=Taro@Example.JP' --data-urlencode 'password=correct horse battery')
check "registration accepted ($code)" [ "$code" = 200 ]
check "... and (2/2) of: registration accepted" grep -q '確認のメールを送りました' "$T/page.html"
check "one confirmation mail queued" [ "$(sql "select count(*) from outbox where to_addr='Taro@example.jp'")" = 1 ]
code=$(post /register --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=another password')
check "registering the same address again gives the same answer" grep -q '確認のメールを送りました' "$T/page.html"
check "... and still one account" [ "$(sql 'select count(*) from accounts where email <> '\''demo@example.jp'\''')" = 1 ]

code=$(post /login --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=correct horse battery')
check "login before confirming is refused" grep -q 'メールアドレスの確認が済んでいません' "$T/page.html"

body=$(sql "select body from outbox where subject like '%利用者登録の確認%' order by id limit 1")
link=$(grep -o 'http[^ ]*register/confirm?token=[A-Za-z0-9_-]*' <<<"$body" | head -1)
check "the mail has the confirmation link" [ -n "$link" ]
token=${link##*token=}
code=$(get "/register/confirm?token=$token")
check "confirmation page ($code) asks to press the button" grep -q '登録を完了する' "$T/page.html"
C=$(csrf_of "$T/page.html")
code=$(post /register/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$token")
check "confirming completes the registration ($code)" grep -q '利用者登録が完了しました' "$T/page.html"
code=$(post /register/confirm --data-urlencode "csrf=$C" --data-urlencode "token=$token")
check "the link works once only ($code)" [ "$code" = 410 ]

# Login, then the session cookie stops working after logout.
get /login >/dev/null; C=$(csrf_of "$T/page.html")
code=$(post /login --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=correct horse battery' -D "$T/h")
check "login redirects ($code)" [ "$code" = 303 ]
check "session cookie is HttpOnly and SameSite=Lax" grep -qi 'Set-Cookie: madoguchi_sid=.*HttpOnly; SameSite=Lax' "$T/h"
cp "$J" "$T/jar-logged-in"
code=$(get /account)
check "account page with the session ($code)" [ "$code" = 200 ]
check "... it shows the address as registered (Taro@Example.JP: domain folded, local part kept)" grep -qF 'Taro@example.jp' "$T/page.html"
C=$(csrf_of "$T/page.html")
code=$(post /logout --data-urlencode "csrf=$C")
check "logout ($code)" [ "$code" = 303 ]
code=$(curl -s -b "$T/jar-logged-in" -o /dev/null -w '%{http_code}' "$U/account")
check "the old session cookie no longer opens the account page ($code)" [ "$code" = 303 ]

# Throttling: five wrong passwords, then even the right one waits.
rm -f "$J"; get /login >/dev/null; C=$(csrf_of "$T/page.html")
for i in 1 2 3 4 5; do
	post /login --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode "password=wrong password $i" >/dev/null
done
check "a wrong password gets the generic message" grep -q 'メールアドレスまたはパスワードが正しくありません' "$T/page.html"
code=$(post /login --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=correct horse battery')
check "the 6th try is throttled even with the right password ($code)" [ "$code" = 429 ]
check "... and (2/2) of: the 6th try is throttled even with the right password" grep -q 'しばらくログインできません' "$T/page.html"
check "the page says how long to wait" grep -q '15分間' "$T/page.html"
code=$(post /login --data-urlencode "csrf=$C" --data-urlencode 'email=nobody@example.jp' --data-urlencode 'password=whatever whatever')
check "an unknown address gets the same generic message ($code)" grep -q 'メールアドレスまたはパスワードが正しくありません' "$T/page.html"

# Open redirects: return addresses are local paths only.
sql "delete from throttle" >/dev/null
for ret in 'https://evil.example/' '//evil.example/' '/\evil.example' 'https:evil.example' '%2F%2Fevil.example'; do
	rm -f "$J"; get "/login?return=$(printf %s "$ret" | sed 's/\\/%5C/g')" >/dev/null; C=$(csrf_of "$T/page.html")
	post /login --data-urlencode "csrf=$C" --data-urlencode "return=$ret" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=correct horse battery' -D "$T/h" >/dev/null
	loc=$(grep -i '^Location:' "$T/h" | tr -d '\r' | cut -d' ' -f2)
	if [[ "$loc" == /* && "$loc" != //* ]] && ! grep -q evil <<<"$loc"; then ok "return=$ret stays on the site ($loc)"; else not_ok "return=$ret redirected to $loc"; fi
done

# Seed step 3: the login prompt, and back to the procedure after login.
rm -f "$J"
code=$(get /procedures/kaigo-volunteer-point/start)
check "step 3: 「ログインが必要です。」 ($code)" grep -q 'ログインが必要です。' "$T/page.html"
okhref=$(grep -o 'href="/login?return=[^"]*"' "$T/page.html" | head -1 | sed 's/href="\(.*\)"/\1/')
check "the OK button leads to the login page with the return address" [ "$okhref" = "/login?return=/procedures/kaigo-volunteer-point/start" ]
get "$okhref" >/dev/null; C=$(csrf_of "$T/page.html")
check "login page keeps the return address" grep -q 'name="return" value="/procedures/kaigo-volunteer-point/start"' "$T/page.html"
post /login --data-urlencode "csrf=$C" --data-urlencode 'return=/procedures/kaigo-volunteer-point/start' --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=correct horse battery' -D "$T/h" >/dev/null
check "after login, straight back to the procedure" grep -qi '^Location: /procedures/kaigo-volunteer-point/start' "$T/h"
code=$(get /procedures/kaigo-volunteer-point/start)
check "step 5: the signature notice" grep -q '電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。' "$T/page.html"

# Password reset: the old sessions end.
cp "$J" "$T/jar-before-reset"
rm -f "$J"; get /password/forgot >/dev/null; C=$(csrf_of "$T/page.html")
post /password/forgot --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' >/dev/null
check "forgot: same answer" grep -q '登録されていれば' "$T/page.html"
# the answer comes before the mailing work: wait (at most 10 s) for the mail
for _ in $(seq 1 100); do [ "$(sql "select count(*) from outbox where subject like '%パスワードの再設定%'")" -ge 1 ] && break; sleep 0.1; done
body=$(sql "select body from outbox where subject like '%パスワードの再設定%' order by id desc limit 1")
token=$(grep -o 'password/reset?token=[A-Za-z0-9_-]*' <<<"$body" | head -1); token=${token##*token=}
check "reset mail has a link" [ -n "$token" ]
get "/password/reset?token=$token" >/dev/null; C=$(csrf_of "$T/page.html")
code=$(post /password/reset --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode 'password=a brand new passphrase')
check "reset sets the new password ($code)" grep -q 'パスワードを変更しました' "$T/page.html"
code=$(curl -s -b "$T/jar-before-reset" -o /dev/null -w '%{http_code}' "$U/account")
check "the reset ended the other sessions ($code)" [ "$code" = 303 ]
code=$(post /password/reset --data-urlencode "csrf=$C" --data-urlencode "token=$token" --data-urlencode 'password=yet another passphrase')
check "the reset link works once ($code)" [ "$code" = 410 ]
get /login >/dev/null; C=$(csrf_of "$T/page.html")
code=$(post /login --data-urlencode "csrf=$C" --data-urlencode 'email=taro@example.jp' --data-urlencode 'password=a brand new passphrase')
check "login with the new password ($code)" [ "$code" = 303 ]

stop_portal
rc=$?
check "portal stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
tap_end
