#!/usr/bin/env bash
# madoguchi-sign with a card that answers READ BINARY with fewer bytes than asked (90 00 before
# the end of the EF, as ISO 7816-4 allows; OpenSC's read loop goes on from the new offset):
# the virtual card served with `--read-max 100` through the real PC/SC stack (a private
# pcscd with the vpcd reader, tests/card_env.sh). The signing certificate is read on from
# each new offset and the signature succeeds; it used to fail as an unreadable certificate.
# SIGN_BIN may name another madoguchi-sign (to run the checks against an older build).
# Runs as root; see tests/card_env.sh for the namespace.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@"

. tests/lib.sh
SIGN=${SIGN_BIN:-$TEST_BUILD/madoguchi-sign}
card_env_init openssl python3
[ -x "$SIGN" ] || fail_early "$SIGN is built (make BUILD=$TEST_BUILD SAN=1 $SIGN)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

tq "$CARD" pki init "$T/pki" || fail_early "pki init"
tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '山田 太郎' --birth 1990-01-02 \
	--gender 1 --address '東京都千代田区千代田1-1' --password ABC123 --pin 1234 || fail_early "issue a card"
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/sign-ca.pem"
t "$CARD" export --state "$T/card.json" --what sign-cert --der > "$T/sign-cert.der"
python3 - "$T/req.json" <<'EOF'
import hashlib, json, sys, time
content = json.dumps({"procedure": "kaigo-volunteer-point", "name": "山田 太郎"},
                     ensure_ascii=False, sort_keys=True, separators=(",", ":"))
req = {"id": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE", "portal_name": "みどり市 オンライン手続",
       "procedure_title": "介護支援ボランティアポイントの申請",
       "lines": [{"label": "氏名", "value": "山田 太郎"}], "content": content,
       "digest": hashlib.sha256(content.encode()).hexdigest(), "expires_at": int(time.time()) + 600}
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(req, ensure_ascii=False))
open(sys.argv[1] + ".content", "wb").write(content.encode())
EOF
sign() { # the app with the good password on fd 3; exit status in $rc, output in $T/out.txt
	rm -f "$T/sig.p7s"
	timeout 60 "$SIGN" --password-fd 3 --card-timeout 10 --request-file "$T/req.json" \
		--out "$T/sig.p7s" 3<<< ABC123 > "$T/out.txt" 2>&1
	rc=$?
	cat "$T/out.txt" >> "$T/sign.log"
	[ "$rc" = 0 ] || sed "s/^/# app: /" "$T/out.txt" | tail -n 3
}
# the data bytes of each READ BINARY answer in the card's log ("< DATA.. SW1 SW2", or with
# "... (N bytes)" at the end when the answer is long)
answer_sizes() {
	awk '/madoguchi-card: .* > 00 B0 / { rb = 1; next }
	rb && /madoguchi-card: .* < / {
		if (match($0, /\([0-9]+ bytes\)$/)) print substr($0, RSTART + 1) - 2
		else print NF - 5 # the prefix, the time and "<"; the status word
		rb = 0 }' "$T/card.log"
}

card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
start_card --read-max 100 || fail_early "madoguchi-card serve --read-max 100 inserts the card"
ok "the card answers READ BINARY with at most 100 bytes"
cert_len=$(stat -c %s "$T/sign-cert.der")
sign
check "a signature with the short-reading card succeeds: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... it says 「電子署名が完了しました。」" grep -qF "電子署名が完了しました。" "$T/out.txt"
check "... no card error (「カードとのやりとりでエラーが起きました（malformed data）」 before)" \
	eval '! grep -qF -e "カードとのやりとりでエラー" -e "証明書を読み取れませんでした" "$T/out.txt"'
check "the signature verifies with the card's signing CA and holds the card's certificate" sh -c "
	openssl cms -verify -binary -inform DER -in '$T/sig.p7s' -content '$T/req.json.content' \
		-CAfile '$T/sign-ca.pem' -purpose any -out /dev/null -certsout '$T/certs.pem' 2>/dev/null &&
	openssl x509 -in '$T/certs.pem' -outform DER | cmp -s - '$T/sign-cert.der'"
sizes=$(answer_sizes | sort -n | uniq -c | tr '\n' ';')
echo "# READ BINARY answers (count, data bytes): $sizes certificate: $cert_len bytes"
max=$(answer_sizes | sort -n | tail -1)
full=$(answer_sizes | grep -cx 100)
check "the card did answer short: no answer above 100 bytes (largest $max), $full of 100 bytes" \
	eval '[ "${max:-999}" -le 100 ] && [ "$full" -ge $((cert_len / 100 - 1)) ]'
check "the card stops cleanly" stop_card
tap_end
