#!/usr/bin/env bash
# make run: the portal with demo data at http://localhost:8080, plus everything a newcomer
# needs to walk the seed journey (steps 1-16) on this machine: a test PKI and a demo My
# Number Card (madoguchi-card) in pcscd's virtual reader (vpcd), an `openssl ocsp`
# responder for the card's certificates, and the portal trusting that test root. Anything of
# the signing part that cannot start (no pcscd, say) is reported and the portal runs without
# it. Everything it starts stops when the portal stops (Ctrl+C).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VAR=var
CARD_PASSWORD=MIDORI2026
OCSP_PORT=${OCSP_PORT:-8089}
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT INT TERM
mkdir -p "$VAR"
signing_env=()
say() { echo "run: $*"; }

setup_signing() {
	local card="$BUILD/madoguchi-card" pki="$VAR/pki"
	[ -x "$card" ] || { say "no $card: signing off"; return 1; }
	if [ ! -d "$pki/sign" ]; then
		"$card" pki init "$pki" > /dev/null || { say "pki init failed: signing off"; return 1; }
	fi
	if [ ! -f "$VAR/demo-card.json" ]; then
		"$card" issue --pki "$pki" --out "$VAR/demo-card.json" --name '見取 花子' --birth 1950-04-01 \
			--gender 2 --address '東京都千代田区千代田1-1' --password "$CARD_PASSWORD" --pin 1234 > /dev/null ||
			{ say "issuing the demo card failed: signing off"; return 1; }
	fi
	mkdir -p "$VAR/trust"
	"$card" export --state "$VAR/demo-card.json" --what sign-ca > "$VAR/trust/ca.pem"
	signing_env=(MADOGUCHI_SIGN_ANCHORS_DIR="$VAR/trust")
	# The OCSP responder of the test PKI. OpenSSL 3.0's `ocsp -port` takes a port only and
	# listens on every interface: it answers for test certificates, nothing else.
	if command -v openssl > /dev/null; then
		openssl ocsp -index "$pki/sign/index.txt" -port "$OCSP_PORT" -rsigner "$pki/sign/ocsp.pem" \
			-rkey "$pki/sign/ocsp.key" -CA "$pki/sign/ca.pem" -ignore_err > "$VAR/ocsp.log" 2>&1 &
		pids+=($!)
		signing_env+=(MADOGUCHI_SIGN_OCSP_URL="http://127.0.0.1:$OCSP_PORT")
	fi
	# pcscd with the vpcd reader: Debian's service when it is there (running or waiting on
	# its socket), else one of our own.
	if [ ! -S /run/pcscd/pcscd.comm ]; then
		if command -v pcscd > /dev/null; then
			pcscd --foreground > "$VAR/pcscd.log" 2>&1 &
			pids+=($!)
			sleep 1
		else
			say "pcscd is not installed (scripts/setup.sh installs it): the demo card is not inserted"
			return 0
		fi
	fi
	"$card" serve --state "$VAR/demo-card.json" > "$VAR/card.log" 2>&1 &
	pids+=($!)
	return 0
}

setup_signing || signing_env=()
cat <<EOF

  Madoguchi at http://localhost:8080
  demo resident:   demo@example.jp / madoguchi-demo-2026
  staff console:   http://localhost:8080/staff/login, password madoguchi-staff-2026 for both:
    administrator  admin@city.example.jp   TOTP secret JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
    reviewer of kaigo-volunteer-point
                   shinsa@city.example.jp  TOTP secret KRUGKIDROVUWG2ZAMJZG653OEBTG66BA
                   (a code: oathtool --totp -b SECRET, or the secret in an authenticator app)
  mails:           http://localhost:8080/dev/mail
EOF
if [ ${#signing_env[@]} -gt 0 ]; then
	cat <<EOF
  demo card:       in the virtual reader; signing password $CARD_PASSWORD (署名用電子証明書のパスワード)
  signing:         on the confirmation page, 「スマートフォンで電子署名する」 is a madoguchi-sign: link.
                   After \`make install\` the desktop opens it with the window app madoguchi-sign-gtk
                   (the browser asks 「窓口 電子署名 を開きますか？」: 「開く」); or copy the link and run, on
                   the desktop, $BUILD/madoguchi-sign-gtk 'madoguchi-sign://localhost:8080/sign/…'
                   or, in a terminal, $BUILD/madoguchi-sign 'madoguchi-sign://localhost:8080/sign/…'
EOF
fi
echo
env "${signing_env[@]}" "$BUILD/madoguchi" --config config/dev.json
