#!/usr/bin/env bash
# Round trip of util/qr: the unit test program writes the SVG of a text (QR_OUT, QR_TEXT; see
# tests/unit/test_qr.c), rsvg-convert (librsvg2-bin) renders it to PNG and zbarimg
# (zbar-tools) must decode exactly that text: signing links of several lengths, a Japanese
# URL (byte mode, UTF-8) and the longest text qr_svg() accepts (1000 bytes).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
T=$(mktemp -d /tmp/madoguchi-qr.XXXXXX)
trap 'rm -rf "$T"' EXIT
BIN="$TEST_BUILD/tests/test_qr"

if [ ! -x "$BIN" ]; then
	not_ok "$BIN is built (make tests)"; tap_end; exit 1
fi
if ! command -v rsvg-convert >/dev/null || ! command -v zbarimg >/dev/null; then
	not_ok "rsvg-convert and zbarimg are installed (scripts/setup.sh)"; tap_end; exit 1
fi

token=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCde # 43 characters, like a sign request id
long=$(printf 'madoguchi-sign://portal.city.example.jp/sign/%s?r=' "$token"; head -c 200 /dev/zero | tr '\0' 'x')
long=${long:0:200}
max=$(/usr/bin/python3 -c 'print("".join(chr(32 + i % 95) for i in range(1000)), end="")')

# roundtrip NAME TEXT [PNG width]
roundtrip() {
	local name=$1 text=$2 width=${3:-400} got
	if ! QR_OUT="$T/$name.svg" QR_TEXT="$text" "$BIN" > "$T/$name.log" 2>&1; then
		not_ok "$name: test_qr writes the SVG"; sed 's/^/# /' "$T/$name.log"; return
	fi
	if ! rsvg-convert -w "$width" -o "$T/$name.png" "$T/$name.svg" 2> "$T/$name.rsvg"; then
		not_ok "$name: rsvg-convert renders the SVG"; sed 's/^/# /' "$T/$name.rsvg"; return
	fi
	# -Sbinary: the symbol's bytes as they are, without a guessed character set conversion.
	# (zbarimg may print D-Bus noise on stderr; only stdout counts.)
	got=$(zbarimg --raw -q -Sdisable -Sqrcode.enable -Sbinary "$T/$name.png" 2> /dev/null)
	if [ "$got" = "$text" ]; then
		ok "$name: decodes to the same ${#text}-character text ($(wc -c < "$T/$name.svg") bytes of SVG)"
	else
		not_ok "$name: decodes to the same text"
		echo "# want: $text"; echo "# got:  $got"
	fi
}

roundtrip short "madoguchi-sign://portal.city.example.jp/sign/AbCdEfGhIjKlMnO"
roundtrip signlink "madoguchi-sign://portal.city.example.jp/sign/$token"
roundtrip long200 "$long"
roundtrip japanese "https://portal.city.example.jp/申請/住民票の写し?種別=本人"
roundtrip modes "HTTPS://PORTAL.CITY.EXAMPLE.JP/0123456789012345/abc"
roundtrip max1000 "$max" 1200

tap_end
