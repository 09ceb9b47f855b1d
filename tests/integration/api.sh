#!/usr/bin/env bash
# run.sh: postgres too
# The back-office API (基幹連携) over HTTP with curl and jq: the demo administrator makes two
# keys in the console (one read+status for large-waste collection, one read-only for road
# reports; the secret is shown once and only its SHA-256 is stored); the list of a
# procedure's applications oldest first in pages by cursor, one application with its
# answers, signed content and history, each read one api_read audit row with the SHA-256 of
# the JSON sent; a key gets 403 for another procedure and for a status change without that
# scope; a status change by the key follows the transition table and the optimistic token,
# shows on the resident's my page and mails them, with its decision audit row of the key;
# malformed bodies get 400; no key, a wrong secret and a revoked key get 401; refused calls
# leave api_refused rows; a staff member who is not an administrator cannot see the keys.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start api
command -v jq > /dev/null || { not_ok "jq is installed (scripts/setup.sh)"; tap_end; exit 1; }
AJ="$T/admin"
# api KEY PATH [curl args...]: a call with the key; the body in $T/api.json, the status printed.
api() {
	local key=$1 path=$2; shift 2
	curl -s -D "$T/h" -o "$T/api.json" -w '%{http_code}' -H "Authorization: Bearer $key" "$@" "$U$path"
}
status_post() { api "$1" "/api/v1/applications/$2/status" -H 'Content-Type: application/json' --data-binary "$3"; }
jqr() { jq -r "$1" "$T/api.json"; }
audit_of() { sql "select count(*) from audit_log where action = '$1'"; }

code=$(staff_login_as "$AJ" admin@city.example.jp madoguchi-staff-2026 "$(totp JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)")
check "the demo administrator logs in ($code)" [ "$code" = 303 ]
code=$(get /staff/admin/api-keys "$AJ")
check "the administrator's page of API keys: 200 ($code)" grep -q '<h1>APIキーの管理</h1>' "$T/page.html"
check "... linked from the staff navigation" grep -q '<a href="/staff/admin/api-keys">APIキー</a>' "$T/page.html"
CSRF=$(csrf_of "$T/page.html")
make_key() { # NAME SCOPE PROC: the key's text from the page that shows it once
	curl -s -b "$AJ" -c "$AJ" -o "$T/page.html" --data-urlencode "csrf=$CSRF" --data-urlencode "name=$1" \
		--data-urlencode "scope=$2" --data-urlencode "proc=$3" "$U/staff/admin/api-keys"
	grep -o 'mdg_[0-9]*_[A-Za-z0-9_-]\{43\}' "$T/page.html" | head -1
}
KA=$(make_key 粗大ごみ連携 read_status sodaigomi-collection)
check "a read+status key of large-waste collection is made and shown once ($KA)" grep -q '^mdg_1_' <<<"$KA"
KB=$(make_key 道路台帳 read road-park-report)
check "a read-only key of road reports ($KB)" grep -q '^mdg_2_' <<<"$KB"
check "only the SHA-256 of the secret is stored" [ "$(sql "select secret_hash from api_keys where id = 1")" = "$(printf '%s' "${KA#mdg_1_}" | sha256sum | cut -d' ' -f1)" ]
check "... the secret itself is nowhere in the database" none_of grep -q "${KA#mdg_1_}" "$DB"
check "... each making one staff_change audit row" [ "$(sql "select count(*) from audit_log where action = 'staff_change' and detail like 'api-key add apikey:%'")" = 2 ]
code=$(curl -s -b "$AJ" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" --data-urlencode name=x \
	--data-urlencode scope=read --data-urlencode proc=no-such-procedure "$U/staff/admin/api-keys")
check "a key for a procedure that does not exist: 400 ($code)" [ "$code" = 400 ]

RJ="$T/resident"; demo_login "$RJ" > /dev/null
G1=$(gomi_apply "$RJ" たんす); G2=$(gomi_apply "$RJ" 自転車); R1=$(road_report 駅前の歩道)
check "two large-waste applications and a road report ($G1 $G2 $R1)" [ "$(printf '%s\n' "$G1" "$G2" "$R1" | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 3 ]

# Lists and cursors.
code=$(api "$KA" "/api/v1/applications?procedure=sodaigomi-collection")
check "the key lists its procedure: 200 ($code)" [ "$code" = 200 ]
check "... JSON, not to be cached" [ "$(grep -ci '^content-type: application/json\|^cache-control: no-store' "$T/h")" = 2 ]
check "... both, oldest first, with status and time in Japan" [ "$(jqr '[.applications[] | .receipt + " " + .status + " " + (.submitted_at | test("\\+09:00$") | tostring)] | join(",")')" = "$G1 sent true,$G2 sent true" ]
check "... one api_read row of the key with the SHA-256 of the JSON sent" [ "$(sql "select actor || ' ' || detail from audit_log where action = 'api_read' order by id desc limit 1")" = "apikey:1 list proc=sodaigomi-collection after=- n=2 sha256=$(sha256sum < "$T/api.json" | cut -d' ' -f1)" ]
check "... the key's last use is recorded" [ "$(sql "select cast(last_used_at > 0 as integer) from api_keys where id = 1")" = 1 ]
api "$KA" "/api/v1/applications?procedure=sodaigomi-collection&limit=1" > /dev/null
C1=$(jqr .next_cursor)
check "limit=1: the first, with more and a cursor" [ "$(jqr '.applications[0].receipt + " " + (.more | tostring)')" = "$G1 true" ]
api "$KA" "/api/v1/applications?procedure=sodaigomi-collection&limit=1&after=$C1" > /dev/null
C2=$(jqr .next_cursor)
check "... after its cursor, the second" [ "$(jqr '.applications[0].receipt')" = "$G2" ]
api "$KA" "/api/v1/applications?procedure=sodaigomi-collection&after=$C2" > /dev/null
check "... after the last, none, and the cursor stays" [ "$(jqr '(.applications | length | tostring) + " " + .next_cursor + " " + (.more | tostring)')" = "0 $C2 false" ]
code=$(api "$KA" "/api/v1/applications?procedure=sodaigomi-collection&after=garbage")
check "a cursor that is none: 400 ($code)" [ "$code" = 400 ]
code=$(api "$KA" "/api/v1/applications")
check "no procedure: 400 ($code)" [ "$code" = 400 ]

# A key limited to one procedure.
r0=$(audit_of api_refused)
code=$(api "$KA" "/api/v1/applications?procedure=road-park-report")
check "the large-waste key lists road reports: 403 ($code)" [ "$code $(jqr .error)" = "403 forbidden" ]
code=$(api "$KA" "/api/v1/applications/$R1")
check "... reads one road report: 403 ($code)" [ "$code" = 403 ]
check "... each an api_refused row of the key" [ "$(($(audit_of api_refused) - r0)) $(sql "select actor || ' ' || receipt || ' ' || detail from audit_log where action = 'api_refused' order by id desc limit 1")" = "2 apikey:1 $R1 403 forbidden" ]

# One application.
code=$(api "$KA" "/api/v1/applications/$G1")
check "one application: 200 ($code)" [ "$code" = 200 ]
check "... with the answers as confirmed" [ "$(jqr '[.answers[] | select(.value == "たんす")] | length')" = 1 ]
check "... the signed content, the exact bytes stored" [ "$(jq -j .content "$T/api.json" | sha256sum)" = "$(sql "select content from applications where receipt = '$G1'" | tr -d '\n' | sha256sum)" ]
check "... the history and the newest event as token" [ "$(jqr '(.events | map(.status) | join(",")) + " " + (.last_event | tostring)')" = "sent $(sql "select max(id) from application_events where receipt = '$G1'")" ]
check "... and no signature for an unsigned one" [ "$(jqr '.signature.cms_der_base64')" = null ]
check "... its api_read row names the receipt and the SHA-256" [ "$(sql "select receipt || ' ' || detail from audit_log where action = 'api_read' order by id desc limit 1")" = "$G1 get sha256=$(sha256sum < "$T/api.json" | cut -d' ' -f1)" ]
code=$(api "$KA" "/api/v1/applications/2026-999999")
check "an absent one: 404 ($code)" [ "$code $(jqr .error)" = "404 not_found" ]
code=$(api "$KA" "/api/v1/applications/not-a-receipt")
check "a malformed receipt: 404 ($code)" [ "$code" = 404 ]

# Status changes.
EV=$(sql "select max(id) from application_events where receipt = '$G1'")
m0=$(sql "select count(*) from outbox where to_addr = 'demo@example.jp' and subject like '%状況%'")
code=$(status_post "$KB" "$R1" "{\"status\":\"accepted\",\"seen_event\":$(sql "select max(id) from application_events where receipt = '$R1'")}")
check "a read-only key changes a status: 403 read_only ($code)" [ "$code $(jqr .error)" = "403 read_only" ]
check "... nothing changed" [ "$(sql "select status from applications where receipt = '$R1'")" = sent ]
code=$(status_post "$KA" "$G1" "{\"status\":\"accepted\",\"seen_event\":$EV}")
check "the key takes $G1 to 受付: 200 ($code)" [ "$code $(jqr '.status + " " + (.mailed | tostring)')" = "200 accepted true" ]
check "... the resident's my page shows 受付" eval 'curl -s -b "$RJ" "$U/mypage/$G1" | grep -q "受付"'
check "... the resident is mailed" [ "$(sql "select count(*) from outbox where to_addr = 'demo@example.jp' and subject like '%状況%'")" = $((m0 + 1)) ]
check "... one decision audit row of the key" [ "$(sql "select actor || ' ' || detail from audit_log where action = 'decision' and receipt = '$G1'")" = "apikey:1 sent->accepted" ]
check "... the event is recorded as the key's" [ "$(sql "select key_id from api_key_events where event_id = (select max(id) from application_events where receipt = '$G1')")" = 1 ]
code=$(status_post "$KA" "$G1" "{\"status\":\"reviewing\",\"seen_event\":$EV}")
check "with a token from before that change: 409 conflict ($code)" [ "$code $(jqr .error)" = "409 conflict" ]
EV=$(sql "select max(id) from application_events where receipt = '$G1'")
code=$(status_post "$KA" "$G1" "{\"status\":\"done\",\"seen_event\":$EV}")
check "受付 -> 処理完了 (not in the table): 409 not_allowed ($code)" [ "$code $(jqr .error)" = "409 not_allowed" ]
for body in '{"status":"reviewing"}' "{\"status\":\"reviewing\",\"seen_event\":$EV,\"extra\":1}" '{"status":' \
	"{\"status\":\"granted\",\"seen_event\":$EV}" "{\"status\":\"reviewing\",\"seen_event\":\"$EV\"}"; do
	code=$(status_post "$KA" "$G1" "$body")
	check "a malformed body ($body): 400 ($code)" [ "$code $(jqr .error)" = "400 bad_request" ]
done
check "... none of these changed $G1" [ "$(sql "select status from applications where receipt = '$G1'") $(sql "select count(*) from application_events where receipt = '$G1'")" = "accepted 2" ]

# Keys that are none of ours.
r0=$(audit_of api_refused)
code=$(curl -s -D "$T/h" -o "$T/api.json" -w '%{http_code}' "$U/api/v1/applications?procedure=sodaigomi-collection")
check "no key: 401 ($code)" [ "$code $(jqr .error)" = "401 unauthorized" ]
check "... with WWW-Authenticate: Bearer" grep -qi '^www-authenticate: Bearer' "$T/h"
code=$(api "mdg_1_$(printf 'A%.0s' $(seq 1 43))" "/api/v1/applications?procedure=sodaigomi-collection")
check "a wrong secret of key 1: 401 ($code)" [ "$code" = 401 ]
check "... the refusals are anonymous rows, the second naming the key it claimed" [ "$(($(audit_of api_refused) - r0)) $(sql "select actor || ' ' || detail from audit_log where action = 'api_refused' order by id desc limit 1")" = "2 anonymous 401 unauthorized key=1" ]
code=$(curl -s -b "$AJ" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" "$U/staff/admin/api-keys/1/revoke")
check "the administrator revokes the large-waste key ($code)" [ "$code" = 303 ]
code=$(api "$KA" "/api/v1/applications?procedure=sodaigomi-collection")
check "the revoked key: 401 ($code)" [ "$code" = 401 ]
code=$(status_post "$KA" "$G2" "{\"status\":\"accepted\",\"seen_event\":$(sql "select max(id) from application_events where receipt = '$G2'")}")
check "... and it changes nothing ($code)" [ "$code $(sql "select status from applications where receipt = '$G2'")" = "401 sent" ]
code=$(curl -s -b "$AJ" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CSRF" "$U/staff/admin/api-keys/1/revoke")
check "revoking it again: 404 ($code)" [ "$code" = 404 ]
get /staff/admin/api-keys "$AJ" > /dev/null
check "the page shows it revoked and the other in use" eval 'grep -q "<td>粗大ごみ連携</td>.*失効（" "$T/page.html" && grep -q "<td>道路台帳</td><td>読み取りのみ</td>" "$T/page.html"'
code=$(curl -s -b "$AJ" -o /dev/null -w '%{http_code}' --data-urlencode "scope=read" --data-urlencode name=x --data-urlencode proc=road-park-report "$U/staff/admin/api-keys")
check "making a key without the CSRF token: 403 ($code)" [ "$code" = 403 ]
SJ="$T/reviewer"
staff_login_as "$SJ" shinsa@city.example.jp madoguchi-staff-2026 "$(totp KRUGKIDROVUWG2ZAMJZG653OEBTG66BA)" > /dev/null
code=$(get /staff/admin/api-keys "$SJ")
check "a reviewer who is not an administrator: 403 ($code)" [ "$code" = 403 ]
check "the keys are still two" [ "$(sql "select count(*) from api_keys")" = 2 ]

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
