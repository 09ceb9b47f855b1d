#!/usr/bin/env bash
# run.sh: postgres too
# The portal over HTTP with curl: pages, search, limits, path traversal, headers, start-up
# errors and clean shutdown.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-http.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT

start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
ok "portal starts"
U=$PORTAL_URL

body=$(curl -s "$U/")
check "top page has the search box" grep -q 'name="q"' <<<"$body"
check "top page lists the volunteer point procedure" grep -q '介護支援ボランティアポイント交付申請' <<<"$body"
check "top page names the city" grep -q 'みどり市' <<<"$body"

q() { curl -s -G --data-urlencode "q=$1" "$U/search"; }
check "search ボランティア finds the volunteer procedure" grep -q 'href="/procedures/kaigo-volunteer-point"' <<<"$(q ボランティア)"
check "search ポイント finds it too" grep -q 'href="/procedures/kaigo-volunteer-point"' <<<"$(q ポイント)"
check "two-character search 介護 finds it (fallback)" grep -q 'href="/procedures/kaigo-volunteer-point"' <<<"$(q 介護)"
check "search with no match says so" grep -q '当てはまる手続は見つかりませんでした' <<<"$(q 存在しない手続きのことば)"
check "search with FTS syntax does not fail" grep -q '検索結果' <<<"$(q '"ボラ OR * NEAR(')"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/search?q=%ff%fe")
check "search with invalid UTF-8 gets 400 (got $code)" [ "$code" = 400 ]
check "search results escape the query" grep -q '&lt;script&gt;' <<<"$(q '<script>')"

page=$(curl -s "$U/procedures/kaigo-volunteer-point")
check "procedure page shows 次へ進む" grep -q '次へ進む' <<<"$page"
check "procedure page lists マイナンバーカード to prepare" grep -q 'マイナンバーカード' <<<"$page"
check "procedure page lists the signing password to prepare" grep -q '署名用電子証明書のパスワード' <<<"$page"
check "procedure page shows the window with the era" grep -q '令和8年' <<<"$page"

hdrs=$(curl -s -D - -o /dev/null "$U/procedures/kaigo-volunteer-point")
for h in 'Content-Security-Policy: default-src' "X-Content-Type-Options: nosniff" 'Referrer-Policy:' "frame-ancestors 'none'"; do
	check "header $h" grep -qi "$h" <<<"$hdrs"
done

code=$(curl -s -o "$T/404.html" -w '%{http_code}' "$U/no/such/page")
check "unknown page gets 404 ($code) in the site's style" [ "$code" = 404 ]
check "404 page uses the layout" grep -q 'site-header' "$T/404.html"

for p in '/static/../../etc/passwd' '/static/%2e%2e/%2e%2e/etc/passwd' '/static/..%2f..%2fetc%2fpasswd' '/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd' '/static/....//....//etc/passwd' '/static/%252e%252e/etc/passwd'; do
	code=$(curl -s --path-as-is -o "$T/t.html" -w '%{http_code}' "$U$p")
	if [ "$code" = 404 ] && ! grep -q 'root:' "$T/t.html"; then ok "traversal $p gets 404"; else not_ok "traversal $p got $code"; fi
done
code=$(curl -s -o "$T/css" -w '%{http_code}' "$U/static/site.css")
check "static file served ($code)" [ "$code" = 200 ]
check "static file content" cmp -s "$T/css" static/site.css

head -c 10000000 /dev/zero > "$T/10mb"
code=$(curl -s -D "$T/413.head" -o "$T/413.html" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/10mb" "$U/")
check "10 MB POST gets 413 ($code)" [ "$code" = 413 ]
check "413 page in the site's style" grep -q 'site-header' "$T/413.html"
check "413 closes the connection (the body is left unread)" grep -qi '^Connection: close' "$T/413.head"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/")
check "server goes on after the 10 MB POST ($code)" [ "$code" = 200 ]

args=()
for i in $(seq 1 80); do args+=(-H "X-Filler-$i: x"); done
code=$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" "$U/")
check "80 header fields get 431 ($code)" [ "$code" = 431 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/search?$(printf 'a=1&%.0s' $(seq 1 300))")
check "300 query fields get 400 ($code)" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/search?q=%zz")
check "broken percent-escape gets 400 ($code)" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$U/")
check "DELETE gets 405 ($code)" [ "$code" = 405 ]

lines=$(wc -l < "$T/access.log" 2>/dev/null || echo 0)
sleep 1.2
lines=$(wc -l < "$T/access.log")
check "access log has a line per request ($lines)" [ "$lines" -ge 20 ]
check "access log line has method, path and status" grep -qE ' GET /procedures/kaigo-volunteer-point 200 [0-9]+ ' "$T/access.log"

# A second portal on the same port is refused with a clear message.
out=$(MADOGUCHI_PORT=$PORTAL_PORT MADOGUCHI_DATABASE="sqlite:$T/b.db" MADOGUCHI_DEV_MODE=1 timeout 20 "$TEST_BUILD/madoguchi" 2>&1)
rc=$?
check "port taken: exit non-zero ($rc)" [ "$rc" -ne 0 ]
check "... and (2/2) of: port taken: exit non-zero" [ "$rc" -ne 124 ]
check "port taken: message says so" grep -q 'another program uses this port' <<<"$out"

stop_portal
rc=$?
check "SIGTERM stops the portal cleanly (exit $rc)" [ "$rc" -eq 0 ]

# Start-up errors.
out=$("$TEST_BUILD/madoguchi" --help)
check "--help lists the commands and keys" grep -q 'MADOGUCHI_PORT' <<<"$out"
echo '{"port": "eighty"}' > "$T/bad.json"
out=$("$TEST_BUILD/madoguchi" --config "$T/bad.json" check 2>&1); rc=$?
check "wrong config type: exit $rc, names the key" [ "$rc" -ne 0 ]
check "... and (2/2) of: wrong config type: exit $rc, names the key" grep -q 'port' <<<"$out"
echo '{"prot": 80}' > "$T/bad2.json"
out=$("$TEST_BUILD/madoguchi" --config "$T/bad2.json" check 2>&1); rc=$?
check "unknown config key: exit $rc, names it" [ "$rc" -ne 0 ]
check "... and (2/2) of: unknown config key: exit $rc, names it" grep -q 'prot: unknown key' <<<"$out"
mkdir -p "$T/procs" && cp procedures/*.json "$T/procs/"
/usr/bin/python3 - "$T/procs/kaigo-volunteer-point.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p)); d["fields"][0]["type"] = "colour"; json.dump(d, open(p, "w"), ensure_ascii=False)
PY
out=$(MADOGUCHI_PROCEDURES_DIR="$T/procs" "$TEST_BUILD/madoguchi" check 2>&1); rc=$?
check "broken procedure refused at start-up (exit $rc)" [ "$rc" -ne 0 ]
check "message names the file and the field: $out" grep -q 'kaigo-volunteer-point.json: fields\[0\].type' <<<"$out"
out=$(MADOGUCHI_PORT=notaport "$TEST_BUILD/madoguchi" check 2>&1); rc=$?
check "bad environment override refused (exit $rc)" [ "$rc" -ne 0 ]
check "... and (2/2) of: bad environment override refused" grep -q 'MADOGUCHI_PORT' <<<"$out"

tap_end
