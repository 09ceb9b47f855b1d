#!/usr/bin/env bash
# run.sh: postgres too
# Storage of procedures without login (issue item 6), measured on the road/park report:
#  1. cookie-less GETs of the form page write no session row (each used to write one), and
#     the form shown so still works: its first POST (CSRF token of the pre-session cookie,
#     double submit) makes the session and the draft; a POST without the cookie, without the
#     token or with another token is refused (403) and writes nothing;
#  2. the attachment bytes one client can store in a burst (fresh sessions, one address) are
#     bounded by anon_upload_peer_bytes_hour, and one session's by anon_upload_session_bytes,
#     with a field error naming the file;
#  3. a draft without login untouched for anon_draft_hours (48) is gone when read.
# Figures are printed as "# measured: ..." lines. Caps are set small here (4 and 10 MiB).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-anon.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
MIB=1048576
sessions() { sql "select count(*) from sessions"; }
stored() { sql "select coalesce(sum(size), 0) from attachments"; }
start_portal "$T" MADOGUCHI_ANON_UPLOAD_SESSION_BYTES=$((4 * MIB)) \
	MADOGUCHI_ANON_UPLOAD_PEER_BYTES_HOUR=$((10 * MIB)) || { not_ok "portal starts"; tap_end; exit 1; }
R=/procedures/road-park-report

# ---- 1. no session row per cookie-less GET; the first POST still works --------------------------
before=$(sessions)
for _ in $(seq 1 200); do curl -s -o /dev/null "$PORTAL_URL$R/form"; done
rows=$(( $(sessions) - before ))
echo "# measured: session rows written by 200 cookie-less GETs of the form page: $rows"
check "200 cookie-less GETs of the form page write no session row ($rows)" [ "$rows" = 0 ]
J="$T/jar1"
code=$(get "$R/form")
c=$(csrf_of)
check "the form shown without a session carries a CSRF token ($code)" eval '[ "$code" = 200 ] && [ ${#c} = 43 ]'
form=(--data-urlencode kind=road_damage --data-urlencode location=駅前 --data-urlencode details=穴)
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$c" "${form[@]}" --data-urlencode action=save "$PORTAL_URL$R/form")
check "its token without the cookie is refused: 403 ($code)" [ "$code" = 403 ]
code=$(post "$R/form" "${form[@]}" --data-urlencode action=save)
check "a POST with the cookie but no token is refused: 403 ($code)" [ "$code" = 403 ]
code=$(post "$R/form" --data-urlencode "csrf=${c%?}x" "${form[@]}" --data-urlencode action=save)
check "... and with another token: 403 ($code)" [ "$code" = 403 ]
check "the refused POSTs wrote no session and no draft" \
	eval '[ "$(sessions)" = "$before" ] && [ "$(sql "select count(*) from drafts")" = 0 ]'
code=$(post "$R/form" --data-urlencode "csrf=$c" "${form[@]}" --data-urlencode action=next)
check "the first POST with the cookie's token goes on to the confirmation (303): $code" [ "$code" = 303 ]
check "... it made one session and one draft" \
	eval '[ "$(sessions)" = $((before + 1)) ] && [ "$(sql "select count(*) from drafts where owner like '\''s:%'\''")" = 1 ]'
code=$(get "$R/confirm")
check "the confirmation page shows the answers in that session ($code)" eval '[ "$code" = 200 ] && has 駅前'
c2=$(csrf_of)
code=$(post "$R/submit" --data-urlencode "csrf=$c2" --data-urlencode "key=$(grep -o 'name="key" value="[^"]*"' "$T/page.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')" \
	--data-urlencode "digest=$(grep -o 'name="digest" value="[^"]*"' "$T/page.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')" --data-urlencode confirmed=1)
loc=$(grep -i '^Location:' "$T/h" | tr -d '\r' | cut -d' ' -f2)
check "... and the report is submitted ($code $loc)" eval '[ "$code" = 303 ] && [[ "$loc" == /applications/*/complete ]]'

# ---- 2. attachment bytes of one client in a burst ----------------------------------------------
png() { # png FILE BYTES: a PNG signature followed by random bytes (the portal sniffs the start)
	{ printf '\x89PNG\r\n\x1a\n'; head -c $(($2 - 8)) /dev/urandom; } > "$1"
}
png "$T/a.png" $MIB; png "$T/b.png" $MIB; png "$T/c.png" $MIB; png "$T/big.png" $((3 * MIB / 2))
upload() { # upload FILE...: a new draft's save with the files, in the current jar
	local files=() f
	for f in "$@"; do files+=(-F "photos=@$f;type=image/png"); done
	get "$R/form" > /dev/null
	post "$R/form" --form-string "csrf=$(csrf_of)" --form-string kind=road_damage \
		--form-string location=駅前 --form-string details=穴 --form-string action=save "${files[@]}"
}
base=$(stored)
for i in $(seq 1 8); do # 8 clients of one address, each a fresh session sending 3 MiB
	J="$T/burst$i"
	upload "$T/a.png" "$T/b.png" "$T/c.png" > /dev/null
done
burst=$(( $(stored) - base ))
echo "# measured: attachment bytes stored by a burst of 8 new sessions x 3 MiB from one address: $burst (cap 10 MiB = $((10 * MIB)))"
check "a burst from one address stores at most anon_upload_peer_bytes_hour ($burst <= $((10 * MIB)))" \
	eval '[ "$burst" -le $((10 * MIB)) ] && [ "$burst" -ge $((9 * MIB)) ]'
check "... and the refused files say why" has "短い時間に多くのファイルが送られたため"
sql "delete from anon_uploads" 2>/dev/null # the hour's count aside: the session's own bound
J="$T/one"
upload "$T/big.png" "$T/big.png" "$T/big.png" > /dev/null
kept=$(sql "select coalesce(sum(a.size), 0) from attachments a join drafts d on d.key = a.draft_key where d.owner in (select d2.owner from drafts d2 join attachments a2 on a2.draft_key = d2.key where a2.size = $((3 * MIB / 2)))")
echo "# measured: attachment bytes one session keeps after 3 x 1.5 MiB: $kept (cap 4 MiB = $((4 * MIB)))"
check "one session keeps at most anon_upload_session_bytes: the first two files ($kept <= $((4 * MIB)))" \
	[ "$kept" = $((3 * MIB)) ]
check "... with the field error 「ログインせずに添付できるファイルは、合わせて4.0MBまでです。」" \
	has "ログインせずに添付できるファイルは、合わせて4.0MBまでです。"

# ---- 3. a draft without login older than anon_draft_hours is gone when read ---------------------
J="$T/old"
get "$R/form" > /dev/null
post "$R/form" --form-string "csrf=$(csrf_of)" --form-string kind=road_damage \
	--form-string location=古い下書きの場所 --form-string details=穴 --form-string action=save > /dev/null
get "$R/form" > /dev/null
check "a fresh draft without login is shown again" has 古い下書きの場所
sql "update drafts set updated_at = updated_at - 49 * 3600 where raw like '%古い下書きの場所%'"
get "$R/form" > /dev/null
check "untouched for 49 hours, it is not shown any more" eval '! has 古い下書きの場所'
c=$(csrf_of)
code=$(post "$R/form" --form-string "csrf=$c" --form-string kind=road_damage \
	--form-string location=新しい場所 --form-string details=穴 --form-string action=save)
check "saving again starts a new draft ($code), the old one deleted" \
	eval '[ "$code" = 200 ] && [ "$(sql "select count(*) from drafts where raw like '\''%古い下書きの場所%'\''")" = 0 ]'
check "portal stops cleanly" stop_portal
tap_end
