#!/usr/bin/env bash
# run.sh: alone
# The signing app with a window (madoguchi-sign-gtk), headless: Xvfb on a free display, a D-Bus
# session with the AT-SPI bus, and tests/gui/signer_gtk.py driving the window through dogtail
# (Debian's /usr/bin/python3) by accessible names only. Real parts: the portal (TEST_BUILD),
# its sign links from the confirmation page, the virtual My Number Card in a private pcscd's
# vpcd reader (tests/card_env.sh). Checked, in phases the script runs one at a time:
#  sign:    the start screen shows the procedure and the lines; 「abc12３」 typed becomes
#           「ABC123」; a wrong password shows the tries left; the right one signs, the done
#           screen appears, and the portal's confirmation page says 「電子署名済み」;
#  cancel:  the card out, 「キャンセル」 while waiting returns within 1 s; the request stays
#           usable (GET 200, pending);
#  locked:  a card with no tries left: its screen, nothing sent;
#  expired: a card whose certificate has expired: its screen;
#  second:  a second launch with a link raises the first window, says a signature is under way
#           and exits 0;
# then sign, cancel, locked and expired again with 「文字を大きく」 on (it stays set between
# launches). Every screen is saved (the app's hidden --screenshot DIR: GTK renders the window
# itself into a PNG) into docs/signer-screens/ when SIGNER_SCREENS_OUT is set, else into $T.
# "Alone": a X server and a D-Bus session of its own, and the screenshots need the CPU.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@"

. tests/lib.sh
GUI="$TEST_BUILD/madoguchi-sign-gtk"
P=/procedures/kaigo-volunteer-point
PY=/usr/bin/python3
PORTAL_PID= XVFB_PID=
card_env_extra_cleanup() {
	stop_pid "$PORTAL_PID"
	stop_pid "$XVFB_PID"
}
card_env_init curl sqlite3 node Xvfb dbus-run-session desktop-file-validate xdg-mime make
[ -x "$GUI" ] || fail_early "$GUI is built (GTK 4: make BUILD=$TEST_BUILD SAN=1 all)"
$PY -c 'import dogtail, pyatspi' 2>/dev/null || fail_early "python3-dogtail and python3-pyatspi are installed"
[ -x /usr/libexec/at-spi-bus-launcher ] || fail_early "at-spi2-core is installed"
# fontconfig keeps its cache until exit: suppressed, the app's own leaks still fail the phase
export LSAN_OPTIONS="suppressions=$PWD/tests/gui/lsan.supp:print_suppressions=0"
SHOTS=${SIGNER_SCREENS_OUT:-$T/screens}
mkdir -p "$SHOTS"

# ---- the cards: good (ABC123), locked (no tries left), expired ---------------------------------
PERSON=(--birth 1950-04-01 --gender 2 --address '東京都千代田区千代田1-1' --password ABC123 --pin 1234)
tq "$CARD" pki init "$T/pki" || fail_early "pki init"
tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '見取 花子' "${PERSON[@]}" &&
	tq "$CARD" issue --pki "$T/pki" --out "$T/locked.json" --name '鍵掛 太郎' "${PERSON[@]}" &&
	tq "$CARD" issue --pki "$T/pki" --out "$T/expired.json" --name '期限 切子' "${PERSON[@]}" --expired ||
	fail_early "issue the cards"
# five wrong passwords lock the signing password of a real card; the state file says so directly
$PY - "$T/locked.json" <<'EOF' || fail_early "lock a card"
import json, sys
p = sys.argv[1]
d = json.load(open(p))
def lock(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if isinstance(v, dict) and "tries_left" in v and k.startswith("sign"):
                v["tries_left"] = 0
            lock(v)
lock(d)
json.dump(d, open(p, "w"))
EOF
check "the locked card has no tries left" sh -c "'$CARD' show --state '$T/locked.json' | grep -Eiq 'sign.*(tries|残り)[^0-9]*0|locked'"
mkdir -p "$T/trust"
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/trust/ca.pem"

card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
start_card || fail_early "madoguchi-card serve inserts the card"
insert() { # insert STATE: takes the card out, puts the card of STATE in
	stop_card
	wait_for "the card is out" card_absent
	"$CARD" serve --state "$1" --vpcd "127.0.0.1:$PORT" --verbose >> "$T/card.log" 2>&1 &
	CARD_PID=$!
	wait_for "the card of $(basename "$1") is in" card_present
}
card_out() {
	stop_card
	wait_for "the card is out" card_absent
}

# ---- the portal and a resident ----------------------------------------------------------------
# no revocation source: the signatures are checked against the anchor only
card_env_start_portal || fail_early "the portal starts"
DB="$T/portal.db"
J="$T/jar"
get() { curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$U$1"; }
post() { local path=$1; shift; curl -s -b "$J" -c "$J" -D "$T/h" -o "$T/page.html" -w '%{http_code}' "$@" "$U$path"; }
get /login > /dev/null
code=$(post /login --data-urlencode "csrf=$(csrf_of)" --data-urlencode email=demo@example.jp \
	--data-urlencode password=madoguchi-demo-2026)
[ "$code" = 303 ] || fail_early "login as demo@example.jp ($code)"
$PY -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(
"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))' > "$T/stamps.png"
# new_link STAMPS: the form saved anew, the confirmation page's link in $LINK, its digest in $DIGEST
new_link() {
	get "$P/form" > /dev/null
	post "$P/form" --form-string "csrf=$(csrf_of)" --form-string registration_number=V-0123 \
		--form-string fiscal_year=2026 --form-string "stamps=$1" --form-string 'name=見取 花子' \
		--form-string 'name_kana=ミドリ ハナコ' --form-string birth_date.year=1950 \
		--form-string birth_date.month=4 --form-string birth_date.day=1 --form-string postal_code=100-0001 \
		--form-string 'address=東京都千代田区千代田1-1' --form-string phone=048-000-1234 \
		--form-string bank_account.bank=0001 --form-string bank_account.branch=001 \
		--form-string bank_account.type=futsu --form-string bank_account.number=1234567 \
		--form-string 'bank_account.holder=ミドリ ハナコ' --form-string premium_declaration=paid \
		-F "stamp_pages=@$T/stamps.png;type=image/png;filename=stamps.png" \
		--form-string action=next > /dev/null
	get "$P/confirm" > /dev/null
	LINK=$(grep -o 'id="sign-link" href="[^"]*"' "$T/page.html" | head -1 | sed 's/.*href="\([^"]*\)"/\1/')
	DIGEST=$(hidden digest)
	[ -n "$LINK" ]
}
page_signed() { get "$P/confirm" > /dev/null; grep -qF '<strong>電子署名済み</strong>' "$T/page.html"; }
polled_signed() { get "$P/signature?digest=$DIGEST" > /dev/null; grep -q '"signed": *true' "$T/page.html"; }
usable() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/sign/${LINK##*/}")" = 200 ]; }

# ---- the desktop: Xvfb, D-Bus, AT-SPI ---------------------------------------------------------
DISP=
for n in $(seq 90 140); do
	[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { DISP=$n; break; }
done
[ -n "$DISP" ] || fail_early "a free X display"
Xvfb ":$DISP" -screen 0 1280x1024x24 -nolisten tcp > "$T/xvfb.log" 2>&1 &
XVFB_PID=$!
wait_for "Xvfb :$DISP answers" test -e "/tmp/.X11-unix/X$DISP"
export DISPLAY=":$DISP" GTK_A11Y=atspi GSK_RENDERER=cairo GDK_BACKEND=x11 LANG=ja_JP.UTF-8
unset NO_AT_BRIDGE
export XDG_CONFIG_HOME="$T/config" XDG_RUNTIME_DIR="$T/run"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
ok "Xvfb on :$DISP"

# gui PHASE [LARGE]: one phase of tests/gui/signer_gtk.py in a D-Bus session with the AT-SPI bus;
# its TAP lines are counted here
gui() {
	local out
	out=$(timeout 180 dbus-run-session -- bash -c '
		/usr/libexec/at-spi-bus-launcher --launch-immediately &
		sleep 1
		exec "$0" "$@"' $PY tests/gui/signer_gtk.py "$@" 2>> "$T/gui.log")
	echo "== $*" >> "$T/gui.log"
	echo "$out" >> "$T/gui.log"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$* ${line#ok }" ;;
		"not ok "*) not_ok "$* ${line#not ok }" ;;
		esac
	done <<< "$out"
	grep -q '^ok ' <<< "$out" || not_ok "$*: the GUI script ran ($(tail -3 "$T/gui.log" | tr '\n' ' '))"
}
export SIGN_GTK="$GUI" SHOTS

# browser_sign SIZE: chromium shows the confirmation page and hands its link to the window app,
# which signs; the page must turn to 「電子署名済み」 by itself
browser_sign() {
	local out=$T/browser-$1.tap
	rm -f "$T/link"
	timeout 200 node tests/gui/confirm_page.mjs "$U" "$P/confirm" "$J" "$T/link" > "$out" 2>&1 &
	local node_pid=$!
	wait_for "the browser shows the confirmation page" test -s "$T/link"
	LINK=$(cat "$T/link") gui sign "$1"
	wait "$node_pid"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$1: ${line#ok [0-9]* - }" ;;
		"not ok "*) not_ok "$1: ${line#not ok [0-9]* - }" ;;
		esac
	done < "$out"
	grep -q '電子署名済み」 by itself (' "$out" || { not_ok "$1: the browser part ran"; sed 's/^/# /' "$out" | tail -20; }
}

for size in normal large; do
	new_link 23 || fail_early "a sign link from the confirmation page"
	browser_sign "$size"
	check "$size: the portal's poll says signed" polled_signed
	check "$size: ... and the page itself shows 「電子署名済み」" page_signed

	new_link 24 || fail_early "a second sign link"
	card_out
	LINK=$LINK gui cancel "$size"
	check "$size: after キャンセル the request stays usable (GET 200)" usable
	insert "$T/locked.json"
	LINK=$LINK gui locked "$size"
	check "$size: after the locked card the request stays usable" usable
	insert "$T/expired.json"
	LINK=$LINK gui expired "$size"
	check "$size: after the expired card the request stays usable" usable
	insert "$T/card.json"
done
LINK=$LINK gui second normal

# ---- the desktop entry: valid, the window app, no terminal, the name Chromium shows ----------
D=data/madoguchi-sign.desktop
check "$D is a valid desktop entry (desktop-file-validate)" desktop-file-validate "$D"
check "... it runs the window app with the link (Exec=madoguchi-sign-gtk %u)" grep -qx 'Exec=madoguchi-sign-gtk %u' "$D"
check "... without a terminal (Terminal=false)" grep -qx 'Terminal=false' "$D"
check "... its untranslated Name is 窓口 電子署名 (what Chromium's question shows)" grep -qx 'Name=窓口 電子署名' "$D"
check "... it handles madoguchi-sign: links" grep -qx 'MimeType=x-scheme-handler/madoguchi-sign;' "$D"
# make install (the programs already built: -o all) into a scratch root registers the handler
XDG_CONFIG_HOME="$T/xdg" XDG_DATA_DIRS="$T/root/usr/share" make -s -o all install BUILD="$TEST_BUILD" \
	DESTDIR="$T/root" PREFIX=/usr > "$T/install.log" 2>&1
check "make install puts madoguchi-sign-gtk and the desktop entry in place" \
	test -x "$T/root/usr/bin/madoguchi-sign-gtk" -a -f "$T/root/usr/share/applications/madoguchi-sign.desktop"
check "... and registers it with xdg-mime for madoguchi-sign: links" sh -c \
	"[ \"\$(XDG_CONFIG_HOME='$T/xdg' XDG_DATA_DIRS='$T/root/usr/share' xdg-mime query default x-scheme-handler/madoguchi-sign)\" = madoguchi-sign.desktop ]"

[ "$TAP_FAILED" -eq 0 ] || { echo "# gui log:"; sed 's/^/# /' "$T/gui.log" | tail -60; }
tap_end
