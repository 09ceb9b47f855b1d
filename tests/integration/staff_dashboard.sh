#!/usr/bin/env bash
# run.sh: postgres too
# The staff dashboard (/staff/dashboard, 集計) over HTTP with curl: road/park reports submitted
# through the portal without login, their arrival times then set with sqlite3 to chosen days
# in Japan time (migration 0017's trigger moves them to their new day), and decisions made
# through the detail page's form, so that the days to a decision are known. Checked: the
# arrivals per day in the table (today from 00:00 JST, yesterday up to 23:59:59), the SVG's
# bars carrying the same numbers as the table, 30 and 90 days, the counts waiting per status,
# the oldest waiting application, the median days to a decision, the list of those past the
# procedure's standard_days (14), no name on the page and no audit row for it, 403 for a
# procedure without a role, 400 for another period, the login page without a staff session.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start dashboard
PW='staff pass phrase 2026'
P=road-park-report
DAY=86400
TODAY=$(TZ=Asia/Tokyo date +%F)
DT=$(date -d "${TODAY}T00:00:00+09:00" +%s) # 00:00 today in Japan
ymd_ago() { TZ=Asia/Tokyo date -d "@$((DT - $1 * DAY + 43200))" +%F; }
arrive() { sql "update applications set submitted_at = $2 where receipt = '$1'"; }

for i in 1 2 3 4 5 6 7 8 9; do eval "R$i=\$(road_report 駅前${i}丁目 '見取 花子')"; done
check "9 reports submitted ($R1 .. $R9)" [ "$(printf '%s\n' "$R1" "$R2" "$R3" "$R4" "$R5" "$R6" "$R7" "$R8" "$R9" | sort -u | grep -c '^[0-9]\{4\}-[0-9]\{6\}$')" = 9 ]
arrive "$R1" "$DT"                         # today 00:00:00
arrive "$R2" "$((DT + 60))"                # today 00:01
arrive "$R3" "$((DT - 1))"                 # yesterday 23:59:59
arrive "$R4" "$((DT - 20 * DAY + 43200))"  # 20 days ago: past the 14 days
arrive "$R5" "$((DT - 40 * DAY + 43200))"  # 40 days ago: outside 30 days, the oldest
arrive "$R6" "$((DT - 10 * DAY + 43200))"  # decided today: 10 days
arrive "$R7" "$((DT - 3 * DAY + 43200))"   # rejected today: 3 days
arrive "$R8" "$((DT - 6 * DAY + 43200))"   # decided today: 6 days
arrive "$R9" "$((DT - 2 * DAY + 43200))"   # returned: waits for the applicant
check "the arrivals follow the new times (migration 0017's trigger)" [ "$(sql "select n from application_arrivals where proc_id = '$P' and day = ($DT + 32400) / 86400")" = 2 ]

secret=$(staff_enrolled kakari@city.example.jp '道路 花子' "$PW")
SID=$(sql "select id from staff where email_key = 'kakari@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, '$P', 'reviewer'), ($SID, 'kaigo-volunteer-point', 'viewer')"
code=$(staff_login_as "$J" kakari@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the reviewer logs in ($code)" [ "$code" = 303 ]

# decide RECEIPT TO [TEXT]: one decision through the detail page's form; its status.
decide() {
	get "/staff/applications/$1" > /dev/null
	post "/staff/applications/$1/decision" --data-urlencode "csrf=$(hidden csrf)" \
		--data-urlencode "seen_status=$(hidden seen_status)" --data-urlencode "seen_event=$(hidden seen_event)" \
		--data-urlencode "to=$2" --data-urlencode "text=${3:-}"
}
codes=$(decide "$R5" accepted)
for r in "$R6" "$R7" "$R8" "$R9"; do codes="$codes $(decide "$r" accepted) $(decide "$r" reviewing)"; done
codes="$codes $(decide "$R6" done) $(decide "$R7" rejected '場所が市の管理ではありません。') $(decide "$R8" done) $(decide "$R9" returned '場所を詳しく書いてください。')"
check "the decisions are made through the form ($codes)" [ "$(tr ' ' '\n' <<<"$codes" | sort -u)" = 303 ]
check "... the statuses are as planned" [ "$(sql_joined status "' '" receipt applications)" = "sent sent sent sent accepted done rejected done returned" ]

get /staff > /dev/null
check "the staff navigation links the dashboard (集計)" has '<a href="/staff/dashboard">集計</a>'
audit0=$(sql "select count(*) from audit_log")
code=$(get /staff/dashboard)
check "the dashboard answers 200 ($code)" [ "$code" = 200 ]
check "... titled 集計" has '<h1>集計</h1>'
check "... no name of an applicant is on it" none_of grep -q '見取' "$T/page.html"
check "... and it wrote no audit row (no personal data shown)" [ "$(sql "select count(*) from audit_log")" = "$audit0" ]
cp "$T/page.html" "$T/d30.html"

# The arrivals: the table's cell of a day and procedure, and the bar of the same.
cell() { grep -o "<tr data-day=\"$2\"><th scope=\"row\">[^<]*</th>.*" "$1" | grep -o "<td data-proc=\"$3\">[0-9]*</td>" | head -1 | sed 's/.*">\([0-9]*\)<.*/\1/'; }
svg_of() { tr -d '\n' < "$1" | grep -o "<svg [^>]*data-proc=\"$2\">.*" | sed 's|</svg>.*||'; }
bars() { svg_of "$1" "$2" | grep -o 'data-day="[0-9-]*" data-count="[0-9]*"' | sed 's/data-day="\([0-9-]*\)" data-count="\([0-9]*\)"/\1 \2/'; }
table() { grep -o "<tr data-day=\"[0-9-]*\"><th scope=\"row\">[^<]*</th>.*" "$1" | sed "s|<tr data-day=\"\([0-9-]*\)\">.*<td data-proc=\"$2\">\([0-9]*\)</td>.*|\1 \2|"; }
check "today's arrivals from 00:00 JST: 2" [ "$(cell "$T/d30.html" "$TODAY" $P)" = 2 ]
check "yesterday's up to 23:59:59 JST: 1" [ "$(cell "$T/d30.html" "$(ymd_ago 1)" $P)" = 1 ]
check "20 days ago: 1" [ "$(cell "$T/d30.html" "$(ymd_ago 20)" $P)" = 1 ]
check "4 days ago: 0" [ "$(cell "$T/d30.html" "$(ymd_ago 4)" $P)" = 0 ]
check "the table has 30 days, oldest first" [ "$(table "$T/d30.html" $P | awk 'NR == 1 { f = $1 } END { print NR, f, $1 }')" = "30 $(ymd_ago 29) $TODAY" ]
check "... and adds up to the 8 reports of the 30 days" [ "$(table "$T/d30.html" $P | awk '{ s += $2 } END { print s }')" = 8 ]
check "the procedure's SVG has a bar per day" [ "$(bars "$T/d30.html" $P | wc -l)" = 30 ]
check "... carrying the same numbers as the table, day by day" [ "$(bars "$T/d30.html" $P)" = "$(table "$T/d30.html" $P)" ]
check "... an image with its title and description" eval "svg_of '$T/d30.html' $P | grep -q 'role=\"img\" aria-labelledby=\"chart-$P-title\" aria-describedby=\"chart-$P-desc\"'"
check "... its axes labelled" eval "svg_of '$T/d30.html' $P | grep -q '>件数</text>.*到達日（日本時間）</text>'"
check "... and a bar's own title says its figure" eval "svg_of '$T/d30.html' $P | grep -q 'data-day=\"$TODAY\" data-count=\"2\"><title>$TODAY: 2件</title>'"
check "the other procedure (a viewer's role) has its chart, all zero" [ "$(bars "$T/d30.html" kaigo-volunteer-point | awk '{ s += $2 } END { print NR, s }')" = "30 0" ]
check "... and its column in the table" [ "$(bars "$T/d30.html" kaigo-volunteer-point)" = "$(table "$T/d30.html" kaigo-volunteer-point)" ]
check "no script on the page" none_of grep -q '<script' "$T/d30.html"

code=$(get '/staff/dashboard?days=90&proc=road-park-report')
cp "$T/page.html" "$T/d90.html"
check "90 days of one procedure: 200 ($code)" [ "$code" = 200 ]
check "... 90 bars, the same as the table's 90 days" [ "$(bars "$T/d90.html" $P | wc -l) $(table "$T/d90.html" $P | wc -l)" = "90 90" ]
check "... the same numbers" [ "$(bars "$T/d90.html" $P)" = "$(table "$T/d90.html" $P)" ]
check "... the 40 days old report counted on its day" [ "$(cell "$T/d90.html" "$(ymd_ago 40)" $P)" = 1 ]
check "... all 9 reports" [ "$(table "$T/d90.html" $P | awk '{ s += $2 } END { print s }')" = 9 ]
check "... and only that procedure" none_of grep -q 'data-proc="kaigo-volunteer-point"' "$T/d90.html"

# What waits: 送信済 4, 受付 1, 審査中 0, 差し戻し 1 (not waiting for the city), 5 in all.
check "the counts waiting per status" grep -q '<tr><th scope="row">道路・公園の不具合の通報</th><td>4件</td><td>1件</td><td>0件</td><td>1件</td><td>5件</td></tr>' "$T/d30.html"
check "the oldest waiting is the 40 days old one (accepted), with its link" grep -q "<p id=\"oldest\">受付番号 <a href=\"/staff/applications/$R5\">$R5</a>（道路・公園の不具合の通報、受付）：到達 .*到達から<span class=\"dash-days\">40</span>日" "$T/d30.html"
# The median of 3, 6 and 10 days (rejected 3, done 6 and 10): 6.
check "the median days to a decision: 6日 of 3 decisions" grep -q '<tr><th scope="row">道路・公園の不具合の通報</th><td>6日</td><td>3件</td></tr>' "$T/d30.html"
check "... none for the procedure without decisions" grep -q '<tr><th scope="row">介護支援ボランティアポイント交付申請</th><td>決定した申請はありません</td>' "$T/d30.html"
check "... over every procedure of the roles, the same" grep -q '<tr><th scope="row">担当のすべての手続</th><td>6日</td><td>3件</td></tr>' "$T/d30.html"
# Past the 14 days of road-park-report.json: the 40 and 20 days old, oldest first.
check "the standard (14 days) and how many are past it: 2" grep -q "標準処理期間：14日。過ぎている処理待ちの申請：<span class=\"dash-over-total\" data-proc=\"$P\">2</span>件" "$T/d30.html"
over=$(tr -d '\n' < "$T/d30.html" | grep -o "<table class=\"table dash-over\" data-proc=\"$P\">.*" | sed 's|</table>.*||' | grep -o '<tr><td><a href="/staff/applications/[0-9-]*">[0-9-]*</a></td><td>[^<]*</td><td>[0-9]*日</td><td>[^<]*</td>' | sed 's|<tr><td><a[^>]*>\([0-9-]*\)</a></td><td>[^<]*</td><td>\([0-9]*\)日</td><td>\([^<]*\)</td>|\1 \2 \3|' | tr '\n' ';')
check "... listed with receipt, days and status ($over)" [ "$over" = "$R5 40 受付;$R4 20 送信済;" ]
check "the viewer's procedure: its standard (30 days), none past it" grep -q '標準処理期間：30日。過ぎている処理待ちの申請：<span class="dash-over-total" data-proc="kaigo-volunteer-point">0</span>件' "$T/d30.html"

# Roles, the period, the login.
code=$(get '/staff/dashboard?proc=sodaigomi-collection')
check "a procedure without a role: 403 ($code)" [ "$code" = 403 ]
check "... saying so" has '集計を表示できません'
code=$(get '/staff/dashboard?proc=kaigo-volunteer-point')
check "a viewer's (閲覧) procedure: 200 ($code)" [ "$code" = 200 ]
code=$(get '/staff/dashboard?days=45')
check "another period: 400 ($code)" [ "$code" = 400 ]
nsecret=$(staff_enrolled nashi@city.example.jp '役割 なし' "$PW")
N="$T/norole"
code=$(staff_login_as "$N" nashi@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$nsecret")")
code=$(get /staff/dashboard "$N")
check "a member without roles: 200 ($code)" [ "$code" = 200 ]
check "... saying no procedure is assigned, and showing no figure" eval "has '担当の手続がまだないため' && ! grep -q '<svg' '$T/page.html' && ! grep -q '$R5' '$T/page.html'"
code=$(curl -s -o "$T/anon.html" -w '%{http_code}' "$U/staff/dashboard")
check "without a staff session: the login page ($code)" grep -q 'action="/staff/login"' "$T/anon.html"
check "... and none of the figures" none_of grep -q "$R5" "$T/anon.html"

tap_end
