#!/usr/bin/env bash
# run.sh: postgres too
# Request hardening over raw sockets: body limits enforced while the body arrives (route's
# own limit), HEAD answers that keep a kept-open connection in step, control characters
# escaped in the access log, duplicate Content-Length and spaces in the target refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-hardening-http.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
C="/usr/bin/python3 tests/integration/hardening_clients.py"
val() { sed -n "s/^$1=//p" "$2"; }

start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
P=$PORTAL_PORT

# 1. Bodies: 40 unfinished 30 MB POSTs to /login (limit 256 KB), fed for 6 s.
$C slow_bodies "$P" "$PORTAL_PID" 40 30000000 6 /login > "$T/bodies"
sed 's/^/# /' "$T/bodies"
peak=$(( $(val rss_peak_kb "$T/bodies") - $(val rss_before_kb "$T/bodies") ))
after=$(( $(val rss_after_kb "$T/bodies") - $(val rss_before_kb "$T/bodies") ))
check "40 slow 30 MB bodies to /login: RSS grows by less than 100 MB while open (${peak} KB)" [ "$peak" -lt 102400 ]
check "and by less than 100 MB after they close (${after} KB)" [ "$after" -lt 102400 ]
check "each of the 40 got 413 at once ($(val answered_413 "$T/bodies"))" [ "$(val answered_413 "$T/bodies")" = 40 ]
$C chunked_body "$P" 4 > "$T/chunked"
sed 's/^/# /' "$T/chunked"
sent=$(val chunked_sent "$T/chunked")
check "an endless chunked body to /login is stopped before 4 MB ($sent bytes sent)" [ "$sent" -lt 4000000 ]
code=$(head -c 300000 /dev/zero | curl -s -o "$T/413.html" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$PORTAL_URL/login")
check "a 300 KB body to /login gets 413 ($code)" [ "$code" = 413 ]
check "the site's 413 page, naming the 256 KB limit" grep -q '256 KB までです' "$T/413.html"
code=$(head -c 1000 /dev/zero | curl -s -o "$T/413.html" -w '%{http_code}' -X GET --data-binary @- "$PORTAL_URL/")
check "a GET with a 1000-byte body gets 413 ($code)" [ "$code" = 413 ]
check "the site's 413 page says the page takes no body" grep -q 'このページには内容を送信できません' "$T/413.html"
code=$(head -c 2000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=x' --data-binary @- "$PORTAL_URL/procedures/kaigo-volunteer-point/form")
check "a 2 MB body to the form page is read, not refused for its size ($code)" [ "$code" != 413 -a "$code" != 000 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/healthz")
check "the portal still answers ($code)" [ "$code" = 200 ]

# 9. HEAD: GET's headers, Content-Length included, and no body, on a kept-open connection.
for p in / /procedures/kaigo-volunteer-point /static/site.css /no/such/page; do
	$C head_then_get "$P" "$p" > "$T/head"
	hl=$(val head_length "$T/head"); gl=$(val get_length "$T/head")
	check "HEAD $p then GET on one connection: the GET's answer follows the HEAD's head" [ "$(val second_is_response "$T/head")" = 1 ]
	check "HEAD $p has GET's Content-Length ($hl, GET $gl)" [ -n "$hl" -a "$hl" != None -a "$hl" = "$gl" ]
	check "GET $p after it gets its whole body ($(val get_body_bytes "$T/head") of $gl)" [ "$(val get_body_bytes "$T/head")" = "$gl" ]
done
out=$(curl -s --head -w 'rc=%{http_code}' "$PORTAL_URL/procedures/kaigo-volunteer-point" 2>&1)
rc=$?
cl=$(grep -ci '^content-length: [1-9]' <<<"$out"); st=$(grep -o 'rc=[0-9]*' <<<"$out")
check "curl --head gets 200 with a Content-Length (exit $rc, $st, $cl Content-Length)" [ "$rc" = 0 -a "$st" = rc=200 -a "$cl" = 1 ]

# 10. The access log escapes control characters; bad framing and targets get 400.
$C raw "$P" 'GET /esc\x1b[31mred\rcr HTTP/1.1\r\nHost: x\r\n\r\n' > /dev/null
code=$($C raw "$P" 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabcdefghij')
check "two different Content-Length headers get 400 ($code)" [ "$code" = 400 ]
code=$($C raw "$P" 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc')
check "two equal Content-Length headers are not refused as 400 ($code)" [ "$code" = 405 ]
code=$($C raw "$P" 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n')
check "a request target with a space gets 400 ($code)" [ "$code" = 400 ]
sleep 1.2 # the access log is flushed every second
check "the access log has the ESC escaped as \\x1b" grep -qF 'GET /esc\x1b[31mred\x0dcr 400' "$T/access.log"
check "the access log has no raw ESC or CR" bash -c "! grep -q \$'[\x1b\r]' '$T/access.log'"
n=$(wc -l < "$T/access.log"); r=$(grep -cE ' [0-9]{3} [0-9]+ [0-9.]+ms$' "$T/access.log")
check "every access-log line is one request ($n lines, $r with a status)" [ "$n" = "$r" ]
stop_portal
check "portal stops cleanly" [ $? -eq 0 ]
tap_end
