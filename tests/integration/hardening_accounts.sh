#!/usr/bin/env bash
# run.sh: postgres too
# Accounts hardening over HTTP with curl: throttles keyed by the folded address (case
# variants share one count), credential changes end the other mailed links (the e-mail
# takeover sequence), registration and reset limited per client before Argon2, forgot and
# resend answering before the mailing work, X-Forwarded-For only from trusted_proxies, and
# throttles that refuse when the store cannot count. Lines "# figure:" are measurements
# (timings), reported, never asserted.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-hard.XXXXXX)
LOCKER_PID=
trap 'stop_portal; [ -n "$LOCKER_PID" ] && kill "$LOCKER_PID" 2>/dev/null; rm -rf "$T"' EXIT
export MADOGUCHI_MAIL_MODE=dev MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1

csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }
# get JAR PATH / post JAR PATH curl-args...: status code; the page goes to $T/page.html
get() { curl -s -b "$1" -c "$1" -o "$T/page.html" -w '%{http_code}' "$U$2"; }
post() { local jar=$1 path=$2; shift 2; curl -s -b "$jar" -c "$jar" -o "$T/page.html" -w '%{http_code}' "$@" "$U$path"; }
csrf() { get "$1" "$2" >/dev/null; csrf_of "$T/page.html"; } # csrf JAR PATH
login() { # login JAR EMAIL PASSWORD [curl-args]: status (a new session in JAR)
	local jar=$1 em=$2 pw=$3; shift 3
	rm -f "$jar"
	local c; c=$(csrf "$jar" /login)
	post "$jar" /login --data-urlencode "csrf=$c" --data-urlencode "email=$em" --data-urlencode "password=$pw" "$@"
}
register() { # register JAR EMAIL PASSWORD: status (the address confirmed through the store)
	local c code; c=$(csrf "$1" /register)
	code=$(post "$1" /register --data-urlencode "csrf=$c" --data-urlencode "email=$2" --data-urlencode "password=$3")
	sql "update accounts set verified_at = 1 where email_key = lower('$2')"
	echo "$code"
}
last_link() { # last_link TO SUBJECT-PART PATH: the token of the newest such mail
	local body; body=$(sql "select body from outbox where to_addr = '$1' and subject like '%$2%' order by id desc limit 1")
	local t; t=$(grep -o "$3?token=[A-Za-z0-9_-]*" <<<"$body" | head -1); echo "${t##*token=}"
}
wait_rows() { # wait_rows SQL N: waits (at most 10 s) until the count SQL gives is >= N
	for _ in $(seq 1 100); do [ "$(sql "$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
PW='correct horse battery'

start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
U=$PORTAL_URL
DB="$T/portal.db"

# ---- Item 4: one count per address, whatever its case.
register "$T/j1" lockme2@example.jp "$PW" >/dev/null
for i in 1 2 3 4 5; do login "$T/j1" lockme2@example.jp "wrong password $i" >/dev/null; done
code=$(login "$T/j1" lockme2@example.jp "$PW")
check "lockme2@ is locked after 5 failures ($code)" [ "$code" = 429 ]
code=$(login "$T/j1" LOCKME2@example.jp "$PW")
check "LOCKME2@ is locked too, even with the right password ($code)" [ "$code" = 429 ]
code=$(login "$T/j1" LockMe2@Example.JP "wrong guess")
check "a further guess under another case variant is refused unchecked ($code)" [ "$code" = 429 ]
check "the failures share one key (5 rows under login:lockme2@example.jp)" \
	[ "$(sql "select count(*) from throttle where key = 'login:lockme2@example.jp'")" = 5 ]

register "$T/j1" mailcap@example.jp "$PW" >/dev/null
sql "delete from outbox" >/dev/null; sql "delete from throttle where key like 'mail:%'" >/dev/null
c=$(csrf "$T/j1" /password/forgot)
for v in mailcap MAILCAP Mailcap mAilcap maIlcap maiLcap mailCap mailcAp; do
	post "$T/j1" /password/forgot --data-urlencode "csrf=$c" --data-urlencode "email=$v@example.jp" >/dev/null
done
wait_rows "select count(*) from outbox where to_addr = 'mailcap@example.jp'" 5; sleep 1
n=$(sql "select count(*) from outbox where to_addr = 'mailcap@example.jp'")
check "8 forgot requests in 8 case variants mail at most the cap of 5 ($n)" [ "$n" = 5 ]

# ---- Item 5: the takeover sequence. Someone who once knew the password asks to change
# the e-mail address; the owner changes the password; the old link must be dead.
register "$T/jo" owner@example.jp "$PW" >/dev/null
owner_id=$(sql "select id from accounts where email = 'owner@example.jp'")
check "attacker logs in with the old password" [ "$(login "$T/ja" owner@example.jp "$PW")" = 303 ]
c=$(csrf "$T/ja" /account)
post "$T/ja" /account/email --data-urlencode "csrf=$c" --data-urlencode 'email=attacker@example.jp' --data-urlencode "current_e=$PW" >/dev/null
etok=$(last_link attacker@example.jp 'メールアドレス変更' /account/email/confirm)
check "the e-mail change link was mailed to the attacker" [ -n "$etok" ]
check "owner logs in" [ "$(login "$T/jo" owner@example.jp "$PW")" = 303 ]
c=$(csrf "$T/jo" /account)
post "$T/jo" /account/password --data-urlencode "csrf=$c" --data-urlencode "current=$PW" --data-urlencode 'password=the owners new passphrase' >/dev/null
check "owner changed the password" grep -q 'パスワードを変更しました' "$T/page.html"
check "... and the account has no unused link left" \
	[ "$(sql "select count(*) from tokens where account_id = $owner_id and used_at is null")" = 0 ]
rm -f "$T/jx"; get "$T/jx" "/account/email/confirm?token=$etok" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jx" /account/email/confirm --data-urlencode "csrf=$c" --data-urlencode "token=$etok")
check "the old e-mail change link no longer works ($code)" [ "$code" = 410 ]
check "... and the address is still the owner's" [ "$(sql "select email from accounts where id = $owner_id")" = owner@example.jp ]
c=$(csrf "$T/jx" /password/forgot)
post "$T/jx" /password/forgot --data-urlencode "csrf=$c" --data-urlencode 'email=attacker@example.jp' >/dev/null
sleep 1
rtok=$(last_link attacker@example.jp 'パスワードの再設定' /password/reset)
if [ -n "$rtok" ]; then # only before the fix: finish the takeover to show it
	get "$T/jx" "/password/reset?token=$rtok" >/dev/null; c=$(csrf_of "$T/page.html")
	post "$T/jx" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$rtok" --data-urlencode 'password=attacker owns this now' >/dev/null
fi
check "no reset mail reaches the attacker's address" [ -z "$rtok" ]
code=$(login "$T/jx" attacker@example.jp 'attacker owns this now')
check "the attacker cannot log in ($code)" [ "$code" != 303 ]

# A reset ends a pending e-mail change link; an e-mail change ends a pending reset link.
register "$T/jr" resetter@example.jp "$PW" >/dev/null
login "$T/jr" resetter@example.jp "$PW" >/dev/null; c=$(csrf "$T/jr" /account)
post "$T/jr" /account/email --data-urlencode "csrf=$c" --data-urlencode 'email=resetter2@example.jp' --data-urlencode "current_e=$PW" >/dev/null
etok=$(last_link resetter2@example.jp 'メールアドレス変更' /account/email/confirm)
c=$(csrf "$T/jr" /password/forgot)
post "$T/jr" /password/forgot --data-urlencode "csrf=$c" --data-urlencode 'email=resetter@example.jp' >/dev/null
wait_rows "select count(*) from outbox where to_addr = 'resetter@example.jp' and subject like '%パスワードの再設定%'" 1
rtok=$(last_link resetter@example.jp 'パスワードの再設定' /password/reset)
get "$T/jx" "/password/reset?token=$rtok" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jx" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$rtok" --data-urlencode 'password=reset passphrase one')
check "reset with the mailed link ($code)" [ "$code" = 200 ]
get "$T/jx" "/account/email/confirm?token=$etok" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jx" /account/email/confirm --data-urlencode "csrf=$c" --data-urlencode "token=$etok")
check "the e-mail change link from before the reset no longer works ($code)" [ "$code" = 410 ]
c=$(csrf "$T/jr" /password/forgot)
post "$T/jr" /password/forgot --data-urlencode "csrf=$c" --data-urlencode 'email=resetter@example.jp' >/dev/null
wait_rows "select count(*) from outbox where to_addr = 'resetter@example.jp' and subject like '%パスワードの再設定%'" 2
rtok=$(last_link resetter@example.jp 'パスワードの再設定' /password/reset)
login "$T/jr" resetter@example.jp 'reset passphrase one' >/dev/null; c=$(csrf "$T/jr" /account)
post "$T/jr" /account/email --data-urlencode "csrf=$c" --data-urlencode 'email=resetter3@example.jp' --data-urlencode 'current_e=reset passphrase one' >/dev/null
etok=$(last_link resetter3@example.jp 'メールアドレス変更' /account/email/confirm)
get "$T/jr" "/account/email/confirm?token=$etok" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jr" /account/email/confirm --data-urlencode "csrf=$c" --data-urlencode "token=$etok")
check "e-mail change confirmed ($code)" [ "$code" = 200 ]
get "$T/jx" "/password/reset?token=$rtok" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jx" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$rtok" --data-urlencode 'password=reset passphrase two')
check "the reset link from before the e-mail change no longer works ($code)" [ "$code" = 410 ]

# ---- Item 7: made-up reset links are counted per client and refused before any hashing;
# registrations are limited per client.
sql "delete from throttle where key like 'reset:%'" >/dev/null
fake=$(printf 'A%.0s' $(seq 1 43))
get "$T/jf" "/password/reset?token=$fake" >/dev/null; c=$(csrf_of "$T/page.html")
code=$(post "$T/jf" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$fake" --data-urlencode 'password=whatever passphrase')
check "a made-up reset link is refused ($code)" [ "$code" = 410 ]
check "... and counted against the client" [ "$(sql "select count(*) from throttle where key = 'reset:127.0.0.1'")" = 1 ]
for i in $(seq 2 20); do post "$T/jf" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$fake" --data-urlencode 'password=whatever passphrase' >/dev/null; done
code=$(post "$T/jf" /password/reset --data-urlencode "csrf=$c" --data-urlencode "token=$fake" --data-urlencode 'password=whatever passphrase')
check "the 21st made-up link from one client in an hour gets 429 ($code)" [ "$code" = 429 ]

register "$T/jc" closed@example.jp "$PW" >/dev/null # for the fail-closed checks below
first429=0
for i in $(seq 1 25); do
	c=$(csrf "$T/jg" /register)
	code=$(post "$T/jg" /register --data-urlencode "csrf=$c" --data-urlencode "email=reg$i@example.jp" --data-urlencode "password=$PW")
	if [ "$code" = 429 ]; then first429=$i; break; fi
done
n_reg=$(sql "select count(*) from throttle where key = 'register:127.0.0.1'")
check "registrations from one client stop at 20 an hour (429 at attempt $first429, $n_reg counted)" [ "$first429" -ge 1 ]
check "... and (2/2) of: registrations from one client stop at 20 an hour" [ "$n_reg" = 20 ]
check "... and the refused one created no account" [ "$(sql "select count(*) from accounts where email = 'reg$first429@example.jp'")" = 0 ]

# ---- Item 8: forgot and resend answer before their mailing work. With the database's
# write lock held by another process, the answer still comes, and the mail is written once
# the lock is released (it waits within the store's busy timeout, 5 s).
sql "insert into accounts (email, email_key, pw_hash, created_at, verified_at) values ('lockwait@example.jp', 'lockwait@example.jp', 'x', 1, 1)" >/dev/null
c=$(csrf "$T/jl" /password/forgot) # the anonymous session is a write: made before the lock
mkfifo "$T/fifo"
/usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True)
sys.stdin.readline(); c.execute("ROLLBACK")' "$DB" < "$T/fifo" > "$T/locker.out" &
LOCKER_PID=$!
exec 3> "$T/fifo"
for _ in $(seq 1 50); do grep -q locked "$T/locker.out" && break; sleep 0.1; done
t=$(curl -s -b "$T/jl" -o "$T/page.html" -w '%{time_total}' --data-urlencode "csrf=$c" --data-urlencode 'email=lockwait@example.jp' "$U/password/forgot")
check "forgot answers while the store is write-locked" grep -q '登録されていれば' "$T/page.html"
echo >&3; exec 3>&-; wait "$LOCKER_PID"; LOCKER_PID=
echo "# figure: forgot for a registered address with the store write-locked answered in ${t}s"
check "... and the reset mail is written after the lock is released" \
	wait_rows "select count(*) from outbox where to_addr = 'lockwait@example.jp' and subject like '%パスワードの再設定%'" 1

# Timing of the answers, registered against unknown addresses (20 each, each address once so
# the per-mailbox cap does not change the work): a figure, not asserted.
for i in $(seq 1 20); do
	sql "insert into accounts (email, email_key, pw_hash, created_at, verified_at) values ('known$i@example.jp', 'known$i@example.jp', 'x', 1, 1)" >/dev/null
done
for kind in forgot resend; do
	path=/password/forgot; [ $kind = resend ] && path=/register/resend
	[ $kind = resend ] && sql "update accounts set verified_at = null where email like 'known%'" >/dev/null
	c=$(csrf "$T/jo" $path)
	for who in known unknown; do
		for i in $(seq 1 20); do
			curl -s -b "$T/jo" -o /dev/null -w '%{time_total}\n' --data-urlencode "csrf=$c" --data-urlencode "email=$who$i@example.jp" "$U$path"
		done > "$T/times.$kind.$who"
		echo "# figure: $kind median answer time, $who addresses: $(median < "$T/times.$kind.$who")s"
	done
done
sleep 1
check "the resend mails went out for the registered addresses" \
	wait_rows "select count(*) from outbox where to_addr like 'known%' and subject like '%利用者登録の確認%'" 20

# X-Forwarded-For is ignored without trusted_proxies: lock-out stays per connection.
sql "delete from throttle" >/dev/null
for i in $(seq 1 20); do login "$T/jh" "nobody$i@example.jp" 'wrong password' -H "X-Forwarded-For: 198.51.100.$i" >/dev/null; done
code=$(login "$T/jh" closed@example.jp "$PW" -H 'X-Forwarded-For: 198.51.100.99')
check "without trusted_proxies a new X-Forwarded-For does not escape the lock ($code)" [ "$code" = 429 ]

# A throttle that cannot count refuses: the store's throttle table made unreadable.
sql "delete from throttle; alter table throttle rename to throttle_gone" >/dev/null
code=$(login "$T/jh" closed@example.jp "$PW")
check "login is refused when the throttle cannot be read ($code)" [ "$code" = 503 ]
c=$(csrf "$T/jg" /register)
code=$(post "$T/jg" /register --data-urlencode "csrf=$c" --data-urlencode 'email=nothrottle@example.jp' --data-urlencode "password=$PW")
check "registration is refused too ($code), no account made" [ "$code" = 503 ]
check "... and (2/2) of: registration is refused too" [ "$(sql "select count(*) from accounts where email = 'nothrottle@example.jp'")" = 0 ]
sql "alter table throttle_gone rename to throttle" >/dev/null
code=$(login "$T/jh" closed@example.jp "$PW")
check "login works again with the table back ($code)" [ "$code" = 303 ]
stop_portal
rc=$?
check "portal 1 stops cleanly (exit $rc)" [ "$rc" -eq 0 ]

# ---- Item 8: behind a trusted proxy, the lock-out is per real client.
rm -rf "$T/p2"; mkdir "$T/p2"
start_portal "$T/p2" MADOGUCHI_TRUSTED_PROXIES="10.9.9.9, 127.0.0.0/8" MADOGUCHI_LOGIN_MAX_FAILURES=2 || { not_ok "portal 2 starts"; tap_end; exit 1; }
U=$PORTAL_URL; DB="$T/p2/portal.db"
register "$T/k1" real@example.jp "$PW" >/dev/null
for i in $(seq 1 8); do login "$T/k2" "nobody$i@example.jp" 'wrong password' -H 'X-Forwarded-For: 203.0.113.7' >/dev/null; done
code=$(login "$T/k2" real@example.jp "$PW" -H 'X-Forwarded-For: 203.0.113.7')
check "the attacker's address (from X-Forwarded-For) is locked after 8 failures ($code)" [ "$code" = 429 ]
code=$(login "$T/k2" real@example.jp "$PW" -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.7')
check "... a made-up address left of it does not help ($code)" [ "$code" = 429 ]
code=$(login "$T/k1" real@example.jp "$PW" -H 'X-Forwarded-For: 203.0.113.8, 10.9.9.9')
check "another client behind the same proxies logs in ($code)" [ "$code" = 303 ]
check "the failures are counted under the real client" [ "$(sql "select count(*) from throttle where key = 'ip:203.0.113.7'")" = 8 ]
stop_portal
rc=$?
check "portal 2 stops cleanly (exit $rc)" [ "$rc" -eq 0 ]

# ---- Item 7, the figure: a real login's time, idle and during 64 concurrent made-up
# reset links, with the default Argon2 cost.
rm -rf "$T/p3"; mkdir "$T/p3"
start_portal "$T/p3" MADOGUCHI_ARGON2_M_COST_KIB=65536 MADOGUCHI_ARGON2_T_COST=3 || { not_ok "portal 3 starts"; tap_end; exit 1; }
U=$PORTAL_URL; DB="$T/p3/portal.db"
register "$T/m1" timed@example.jp "$PW" >/dev/null
c=$(csrf "$T/m1" /login)
t_idle=$(curl -s -b "$T/m1" -c "$T/m1" -o /dev/null -w '%{time_total}' --data-urlencode "csrf=$c" --data-urlencode 'email=timed@example.jp' --data-urlencode "password=$PW" "$U/login")
get "$T/m2" "/password/reset?token=$fake" >/dev/null; c2=$(csrf_of "$T/page.html")
rm -f "$T/m3"; c=$(csrf "$T/m3" /login) # the login page (a pool job too) before the flood
for i in $(seq 1 64); do printf 'url = "%s/password/reset"\noutput = "/dev/null"\n' "$U"; done > "$T/fake.curlrc"
# one curl process sends the 64 at once; the real login starts 0.5 s later
curl -s -Z --parallel-max 64 -b "$T/m2" -K "$T/fake.curlrc" -w '%{http_code} %{time_total}\n' --data-urlencode "csrf=$c2" \
	--data-urlencode "token=$fake" --data-urlencode 'password=whatever passphrase' > "$T/fake.codes" 2>/dev/null &
fakes=$!
sleep 0.5
t_busy=$(curl -s -b "$T/m3" -c "$T/m3" -o /dev/null -w '%{time_total}' --data-urlencode "csrf=$c" --data-urlencode 'email=timed@example.jp' --data-urlencode "password=$PW" "$U/login")
wait "$fakes"
echo "# figure: real login ${t_idle}s idle, ${t_busy}s during 64 concurrent made-up reset links"
echo "# figure: the 64 made-up links: answers $(cut -d' ' -f1 "$T/fake.codes" | sort | uniq -c | tr -s ' \n' ' '), slowest $(cut -d' ' -f2 "$T/fake.codes" | sort -n | tail -1)s"
check "none of the 64 made-up links reset anything ($(wc -l < "$T/fake.codes") answers)" [ "$(wc -l < "$T/fake.codes")" = 64 ]
check "... and (2/2) of: none of the 64 made-up links reset anything" [ "$(grep -c '^200' "$T/fake.codes")" = 0 ]
stop_portal
rc=$?
check "portal 3 stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
tap_end
