#!/usr/bin/env bash
# The files of deploy/ (docs/operations.md): the systemd units pass `systemd-analyze verify`
# without a word (the program's path pointed at this build), nginx.conf passes `nginx -t`
# with a throw-away certificate, and that nginx, on free ports of 127.0.0.1, serves a portal
# over TLS: the redirect from http, one HSTS header, Secure cookies, the body-size limit, the
# client address. Each part is skipped when its tool is missing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-deploy.XXXXXX)
NGINX_UP=
trap '[ -n "$NGINX_UP" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null; [ -n "${PORTAL_PID:-}" ] && kill "$PORTAL_PID" 2>/dev/null; rm -rf "$T"' EXIT
BIN=$(cd "$TEST_BUILD" && pwd)/madoguchi

if command -v systemd-analyze > /dev/null; then
	mkdir "$T/units"
	for f in deploy/*.service deploy/*.timer; do
		sed "s|/usr/local/bin/madoguchi|$BIN|g" "$f" > "$T/units/${f##*/}"
	done
	(cd "$T/units" && systemd-analyze verify --man=no ./madoguchi.service \
		./madoguchi@8081.service ./madoguchi-migrate.service ./madoguchi-backup.service \
		./madoguchi-backup.timer) > "$T/verify.out" 2>&1
	rc=$?
	sed 's/^/# /' "$T/verify.out"
	check "systemd-analyze verify accepts the units" [ "$rc" = 0 ]
	check "and says nothing about them (no unknown key, no bad value)" [ ! -s "$T/verify.out" ]
else
	ok "# SKIP systemd-analyze is not installed"
fi

if ! command -v nginx > /dev/null; then
	ok "# SKIP nginx is not installed"
	tap_end
	exit
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=portal.example.jp -keyout "$T/privkey.pem" -out "$T/fullchain.pem" 2> /dev/null
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
export MADOGUCHI_HTTPS=1 MADOGUCHI_TRUSTED_PROXIES=127.0.0.1 MADOGUCHI_MAIL_MODE=dev
start_portal "$T" || { not_ok "portal starts"; tap_end; exit 1; }
sed -e "s|/etc/ssl/madoguchi|$T|g" -e "s|/var/log/nginx|$T|g" -e '/listen \[::\]/d' \
	-e "s|listen 443 |listen 127.0.0.1:$HTTPS_PORT |" -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
	-e "s|server 127.0.0.1:8081;|server 127.0.0.1:$PORTAL_PORT;|" \
	-e "s|^http {|http {\n\tclient_body_temp_path $T/body;\n\tproxy_temp_path $T/proxy;|" \
	deploy/nginx.conf > "$T/nginx.conf"
ng() { nginx -p "$T" -e "$T/error.log" -c "$T/nginx.conf" -g "pid $T/nginx.pid;" "$@"; }
check "nginx -t accepts deploy/nginx.conf" ng -t -q
ng
NGINX_UP=1
URL="https://portal.example.jp:$HTTPS_PORT"
k() { curl -sk --resolve "portal.example.jp:$HTTPS_PORT:127.0.0.1" "$@"; }
for _ in $(seq 1 50); do [ -s "$T/nginx.pid" ] && break; sleep 0.1; done
code=$(k -o /dev/null -D "$T/h" -w '%{http_code}' "$URL/healthz")
check "nginx serves the portal over TLS ($code)" [ "$code" = 200 ]
check "with one Strict-Transport-Security header" [ "$(grep -ci '^strict-transport-security' "$T/h")" = 1 ]
k -D "$T/h" -o /dev/null "$URL/login"
check "and the portal's Secure cookies (https = true)" grep -qi '^set-cookie:.*; *secure' "$T/h"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Host: portal.example.jp" "http://127.0.0.1:$HTTP_PORT/mypage")
check "http:// is sent to https:// ($loc)" [ "$loc" = "https://portal.example.jp/mypage" ]
head -c $((33 * 1024 * 1024)) /dev/zero > "$T/big"
code=$(k -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/big" "$URL/procedures/sodaigomi-collection/form")
check "a body over 32 MiB is refused by nginx ($code)" [ "$code" = 413 ]
k -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' "$URL/healthz?probe"
stop_portal # the access log is flushed
check "the portal logs the address nginx saw" grep -q ' 127\.0\.0\.1 GET /healthz 200 ' "$T/access.log"
check "not one a client sent in its own X-Forwarded-For" bash -c "! grep -q 203.0.113.9 '$T/access.log'"
tap_end
