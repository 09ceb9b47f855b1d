#!/usr/bin/env bash
# run.sh: postgres too
# Sessions without login per client address: a client that keeps the pre-session cookie but
# drops the session cookie makes a new session and draft with every first save of the form;
# anon_sessions_peer_hour bounds how many one address may start in an hour (3 here), and the
# save past it gets the 429 page and writes nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-anon-sessions.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
start_portal "$T" MADOGUCHI_ANON_SESSIONS_PEER_HOUR=3 || { not_ok "portal starts"; tap_end; exit 1; }
R=/procedures/road-park-report
J="$T/pre.jar"
code=$(curl -s -c "$J" -o "$T/form.html" -w '%{http_code}' "$PORTAL_URL$R/form")
c=$(grep -o 'name="csrf" value="[^"]*"' "$T/form.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
check "the form without a session has a token and a pre-session cookie ($code)" \
	eval '[ "$code" = 200 ] && [ ${#c} = 43 ] && grep -q madoguchi_pre "$J"'
save() { # one first save with the pre-session cookie only (the session cookie is dropped)
	curl -s -b "$J" -o "$T/save.html" -w '%{http_code}' --data-urlencode "csrf=$c" \
		--data-urlencode kind=road_damage --data-urlencode location=駅前 --data-urlencode details=穴 \
		--data-urlencode action=save "$PORTAL_URL$R/form"
}
codes=""
for _ in 1 2 3; do codes="$codes $(save)"; done
check "three first saves from one address are taken (${codes# })" [ "$codes" = " 200 200 200" ]
check "... each made a session and a draft" \
	eval '[ "$(sql "select count(*) from sessions")" = 3 ] && [ "$(sql "select count(*) from drafts")" = 3 ]'
code=$(save)
check "the fourth in the hour gets 429 ($code)" [ "$code" = 429 ]
check "... with the page saying to wait" grep -q '1時間ほどしてから' "$T/save.html"
check "... and it wrote no session and no draft" \
	eval '[ "$(sql "select count(*) from sessions")" = 3 ] && [ "$(sql "select count(*) from drafts")" = 3 ]'
code=$(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL$R/form")
check "the form page itself is still shown to that address ($code)" [ "$code" = 200 ]
stop_portal
rc=$?
check "the portal stopped cleanly (exit $rc)" [ "$rc" = 0 ]
tap_end
