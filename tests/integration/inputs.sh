#!/usr/bin/env bash
# run.sh: postgres too
# Input checks of the form (issue item 11), through HTTP with curl:
#  - a NUL byte in a text field (urlencoded %00, and raw in a multipart part) is refused with
#    the field's error, not cut there (the text before it used to go on to the confirmation);
#  - a file name with a bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
#    U+2066-U+2069; "photo<U+202E>gnp.exe" shows as "photoexe.png") is refused with a 400
#    page saying so, and nothing is stored; a plain Japanese name is still accepted;
#  - a birth date (a date field with "past": true, the volunteer procedure's 生年月日) after
#    today in Japan is refused; today is accepted.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-in.XXXXXX)
trap 'stop_portal; rm -rf "$T"' EXIT
DB="$T/portal.db"
J="$T/jar"
start_portal "$T" MADOGUCHI_ARGON2_M_COST_KIB=4096 MADOGUCHI_ARGON2_T_COST=1 \
	MADOGUCHI_REFDATA_DIR="$TEST_BUILD/refdata" || { not_ok "portal starts"; tap_end; exit 1; }
R=/procedures/road-park-report

# ---- NUL in a text field -----------------------------------------------------------------------
get "$R/form" > /dev/null
c=$(csrf_of)
code=$(post "$R/form" --data "csrf=$c&kind=road_damage&location=%E9%A7%85%E5%89%8D%00%E4%BA%A4%E5%B7%AE%E7%82%B9&details=%E7%A9%B4&action=next")
check "urlencoded: a NUL in a text field gets the form again (200, not on to the confirmation): $code" [ "$code" = 200 ]
check "... with the field's error 「場所に使えない文字が含まれています。」" has "場所に使えない文字が含まれています。"
check "... and the draft keeps the whole text, NUL included (not cut after 駅前)" \
	[ "$(sql "select cast(raw like '%\\u0000%' escape '!' and raw like '%交差点%' as integer) from drafts")" = 1 ]

B=XyZbOuNdArY
/usr/bin/python3 - "$c" "$B" > "$T/nul.body" <<'EOF'
import sys
c, b = sys.argv[1], sys.argv[2]
def part(name, value):
    return (f"--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").encode() + value + b"\r\n"
body = part("csrf", c.encode()) + part("kind", b"road_damage") + \
    part("location", "駅前".encode() + b"\x00" + "交差点".encode()) + part("details", "穴".encode()) + \
    part("action", b"next") + f"--{b}--\r\n".encode()
sys.stdout.buffer.write(body)
EOF
code=$(post "$R/form" -H "Content-Type: multipart/form-data; boundary=$B" --data-binary "@$T/nul.body")
check "multipart: a NUL in a text part gets the form with the field's error ($code)" \
	eval '[ "$code" = 200 ] && has "場所に使えない文字が含まれています。"'
code=$(post "$R/form" --data "csrf=$c&kind=road_damage&location=%E9%A7%85%E5%89%8D&details=%E7%A9%B4&action=next")
check "the same form without the NUL goes on to the confirmation ($code)" [ "$code" = 303 ]

# ---- bidi controls in file names ---------------------------------------------------------------
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(
"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))' > "$T/p.png"
upload() { # upload FILENAME: the PNG attached under that name (curl sends it as given, UTF-8)
	get "$R/form" > /dev/null
	post "$R/form" --form-string "csrf=$(csrf_of)" --form-string kind=road_damage \
		--form-string location=駅前 --form-string details=穴 --form-string action=save \
		-F "photos=@$T/p.png;type=image/png;filename=$1"
}
code=$(upload "photo$(printf '\u202e')gnp.exe")
check "a file name with U+202E is refused with 400 ($code)" [ "$code" = 400 ]
check "... and the page says the name has a character that cannot be used" has "ファイルの名前に使えない文字が含まれています。"
refused=0
for cp in 061c 200e 200f 202a 202b 202c 202d 202e 2066 2067 2068 2069; do
	code=$(upload "a$(printf "\\u$cp")b.png")
	if [ "$code" = 400 ]; then refused=$((refused + 1)); else echo "# U+$cp: $code"; fi
done
check "each of the 12 bidi controls in a file name is refused ($refused of 12)" [ "$refused" = 12 ]
check "no file with a bidi control was stored" [ "$(sql "select count(*) from attachments")" = 0 ]
code=$(upload "道路の穴.png")
check "a plain Japanese file name is accepted ($code)" \
	eval '[ "$code" = 200 ] && [ "$(sql "select filename from attachments")" = 道路の穴.png ]'

# ---- birth dates after today -------------------------------------------------------------------
V=/procedures/kaigo-volunteer-point
get /login > /dev/null
code=$(post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026)
check "logged in as the demo resident ($code)" [ "$code" = 303 ]
birth() { # birth YYYY-MM-DD: the volunteer form saved with that birth date ("next")
	get "$V/form" > /dev/null
	post "$V/form" --form-string "csrf=$(csrf_of)" --form-string birth_date.year="${1%%-*}" \
		--form-string birth_date.month="$(echo "$1" | cut -d- -f2)" \
		--form-string birth_date.day="${1##*-}" --form-string action=next > /dev/null
}
tomorrow=$(TZ=Asia/Tokyo date -d tomorrow +%Y-%m-%d)
today=$(TZ=Asia/Tokyo date +%Y-%m-%d)
MSG="生年月日に今日より後の日付は入力できません。"
birth "$tomorrow"
check "a birth date of tomorrow ($tomorrow) gets 「$MSG」" has "$MSG"
birth 2999-01-01
check "... and so does 2999-01-01" has "$MSG"
birth "$today"
check "today ($today) is accepted (no such error; other fields are still missing)" \
	eval '! has "$MSG" && has "氏名を入力してください"'
check "portal stops cleanly" stop_portal
tap_end
