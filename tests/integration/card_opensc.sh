#!/usr/bin/env bash
# The virtual My Number Card through the real PC/SC stack: a private pcscd (foreground, with
# Debian's vpcd reader driver on a free port) and `madoguchi-card serve`, checked with OpenSC
# from Debian: the jpki driver binds, pkcs15-tool lists the four certificates, pkcs11-tool signs
# with the signing key (SHA256-RSA-PKCS) and openssl verifies the signature against the
# certificate read from the card, a wrong password lowers the count the card reports by one,
# counters survive a restart of the card, five wrong entries lock it, the counter (窓口) resets
# it; pulling the card out and putting it back; revocation through the CRL and `openssl ocsp`.
# Runs as root. When it can, the test re-runs itself in a private mount namespace with its own
# /run/pcscd, so it never meets another pcscd; otherwise it refuses to run beside one.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@" # CARD_TEST_NO_NS=1 skips the namespace (to test the fallback)

. tests/lib.sh
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
[ -f "$P11" ] || P11=$(ls /usr/lib/*/opensc-pkcs11.so 2>/dev/null | head -1)
OCSP_PID=
card_env_extra_cleanup() { stop_pid "$OCSP_PID"; }

# ---- the PC/SC stack of this test (tests/card_env.sh) ---------------------------------
card_env_init pkcs15-tool pkcs11-tool openssl

tries_left() { # the count the card reports for PIN label $1, through OpenSC
	# OpenSC 0.23's first bind after the card was locked, reset at the counter and put back
	# sometimes fails without sending one APDU ("PKCS#15 binding failed: Unsupported card");
	# the next one works. Asked again up to twice, with a note, so the quirk stays visible.
	local out
	for _ in 1 2 3; do
		out=$(t pkcs15-tool --list-pins 2>&1)
		case $out in
		*"binding failed"*) echo "# pkcs15-tool: $(echo "$out" | grep 'binding failed'); asked again" >&2; sleep 0.2 ;;
		*) break ;;
		esac
	done
	echo "$out" | awk -v l="$1" '
		/^PIN \[/ { cur = index($0, "[" l "]") > 0 }
		cur && /Tries left/ { print $NF; exit }'
}
p11() { t pkcs11-tool --module "$P11" --token-label "JPKI (Digital Signature PIN)" "$@"; }

# ---- the test PKI and the card ------------------------------------------------------------
check "pki init creates both CAs" tq "$CARD" pki init "$T/pki"
check "the signing CA is O=JPKI-TEST" \
	sh -c "openssl x509 -in '$T/pki/sign/ca.pem' -noout -subject | grep -q 'O = JPKI-TEST, OU = JPKI for digital signature'"
check "issue makes a card" tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" \
	--name '山田 太郎' --birth 1990-01-02 --gender 1 --address '東京都千代田区千代田1-1' \
	--password abc123 --pin 1234
check "the state file has mode 0600" [ "$(stat -c %a "$T/card.json")" = 600 ]
check "issue refuses a password outside the rules" \
	sh -c "! '$CARD' issue --pki '$T/pki' --out '$T/bad.json' --name x --birth 1990-01-02 --gender 1 --address x --password 'ABC-12' --pin 1234 2>/dev/null"
t "$CARD" export --state "$T/card.json" --what sign-cert > "$T/sign.pem"
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/sign-ca.pem"
check "the signing certificate chains to the signing CA" tq openssl verify -CAfile "$T/sign-ca.pem" "$T/sign.pem"
check "the signing certificate has keyUsage digitalSignature, nonRepudiation" \
	sh -c "openssl x509 -in '$T/sign.pem' -noout -ext keyUsage | grep -q 'Digital Signature, Non Repudiation'"
check "the basic four information is in subjectAltName" \
	sh -c "openssl x509 -in '$T/sign.pem' -noout -ext subjectAltName | grep -q '1.2.392.200149.8.5.5.4::419900102'"

card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
ok "pcscd (foreground) lists the vpcd reader on port $PORT"
start_card || fail_early "madoguchi-card serve inserts the card"
ok "madoguchi-card serve inserts the card into the vpcd reader"

atr=$(t opensc-tool -a 2>/dev/null | tail -1)
check "the reader reports the contact ATR of a real card ($atr)" [ "$atr" = "3b:e0:00:ff:81:31:fe:45:14" ]
drv=$(t opensc-tool -n 2>/dev/null | tail -1)
check "OpenSC binds its jpki driver ($drv)" [ "$drv" = jpki ]

t pkcs15-tool --list-certificates > "$T/certs.txt" 2>&1
n=$(grep -c '^X.509 Certificate' "$T/certs.txt")
check "pkcs15-tool --list-certificates lists four certificates ($n)" [ "$n" = 4 ]
for label in 'User Authentication Certificate' 'Digital Signature Certificate' \
	'User Authentication Certificate CA' 'Digital Signature Certificate CA'; do
	check "... among them [$label]" grep -qF "[$label]" "$T/certs.txt"
done
check "the signing password starts with 5 tries" [ "$(tries_left 'Digital Signature PIN')" = 5 ]
check "the authentication PIN with 3" [ "$(tries_left 'User Authentication PIN')" = 3 ]
check "pkcs11-tool -L shows the token of the signing password" \
	sh -c "timeout $W pkcs11-tool --module '$P11' -L 2>/dev/null | grep -q 'JPKI (Digital Signature PIN)'"

# ---- signing through PKCS#11 ----------------------------------------------------------------
printf '{"procedure":"kaigo-volunteer-point","name":"山田 太郎"}' > "$T/data.json"
t0=$(date +%s%N)
p11 --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS --id 02 \
	-i "$T/data.json" -o "$T/data.sig" > "$T/p11.log" 2>&1
rc=$?
t1=$(date +%s%N)
check "pkcs11-tool signs with the signing key after the right password (SHA256-RSA-PKCS)" [ $rc = 0 ]
echo "# sign latency (pkcs11-tool, whole run incl. bind, login, sign): $(((t1 - t0) / 1000000)) ms"
check "the signature is 256 bytes" [ "$(stat -c %s "$T/data.sig" 2>/dev/null)" = 256 ]
p11 --login --pin ABC123 --read-object --type cert --id 02 -o "$T/card-sign.der" > /dev/null 2>&1
check "the signing certificate read from the card after the password" [ -s "$T/card-sign.der" ]
openssl x509 -inform DER -in "$T/card-sign.der" -pubkey -noout > "$T/pub.pem" 2>/dev/null
check "openssl verifies the signature against that certificate" \
	tq openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/data.sig" "$T/data.json"
check "... which is the issued signing certificate" \
	cmp -s "$T/card-sign.der" <(openssl x509 -in "$T/sign.pem" -outform DER)
check "the count is back to 5 after the right password" [ "$(tries_left 'Digital Signature PIN')" = 5 ]

# ---- a wrong password ---------------------------------------------------------------------
p11 --login --pin WRONG12 --sign --mechanism SHA256-RSA-PKCS --id 02 \
	-i "$T/data.json" -o "$T/bad.sig" > "$T/p11-wrong.log" 2>&1
rc=$?
check "pkcs11-tool with a wrong password fails (CKR_PIN_INCORRECT)" \
	sh -c "[ $rc != 0 ] && grep -q CKR_PIN_INCORRECT '$T/p11-wrong.log'"
check "the count the card reports went down by one (5 -> 4)" [ "$(tries_left 'Digital Signature PIN')" = 4 ]
check "the other PIN is untouched" [ "$(tries_left 'User Authentication PIN')" = 3 ]

stop_card
check "madoguchi-card stops cleanly on SIGTERM (exit 0, sanitizers quiet)" [ $? = 0 ]
wait_for "the card is out" card_absent
start_card || fail_early "the card comes back after a restart"
check "the count survives a restart of the card (4)" [ "$(tries_left 'Digital Signature PIN')" = 4 ]

# ---- the lock, and the counter --------------------------------------------------------------
for i in 1 2 3 4; do
	p11 --login --pin "WRONG$i$i" --sign --mechanism SHA256-RSA-PKCS --id 02 \
		-i "$T/data.json" -o "$T/bad.sig" > /dev/null 2>&1
done
check "five wrong entries lock the signing password (0 left)" [ "$(tries_left 'Digital Signature PIN')" = 0 ]
p11 --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS --id 02 \
	-i "$T/data.json" -o "$T/locked.sig" > "$T/p11-locked.log" 2>&1
rc=$?
check "a locked card refuses even the right password (pkcs11-tool fails)" [ $rc != 0 ]
check "... and the token says: user PIN locked" \
	sh -c "timeout $W pkcs11-tool --module '$P11' -L 2>/dev/null | grep -A4 'JPKI (Digital Signature PIN)' | grep -q 'user PIN locked'"
# OpenSC does not even send the password to a locked card; send it raw: 69 84
t opensc-tool -s 00A4040C0AD392F000260100000001 -s 00A4020C02001B \
	-s 0020008006414243313233 > "$T/raw.log" 2>&1
check "VERIFY with the right password on the locked card answers 69 84" \
	grep -q 'SW1=0x69, SW2=0x84' "$T/raw.log"
check "reset-pin refuses a card that is being served" \
	sh -c "! timeout $W '$CARD' reset-pin --state '$T/card.json' --password NEWPW9 2>/dev/null"
stop_card
check "the card stops cleanly again" [ $? = 0 ]
check "the lock is in the state file" \
	sh -c "timeout $W '$CARD' show --state '$T/card.json' | grep -q 'signing password: 0 of 5 tries left (locked)'"
check "reset-pin at the counter sets a new password" tq "$CARD" reset-pin --state "$T/card.json" --password newpw9
start_card || fail_early "the card comes back after reset-pin"
check "the count is 5 again" [ "$(tries_left 'Digital Signature PIN')" = 5 ]
p11 --login --pin NEWPW9 --sign --mechanism SHA256-RSA-PKCS --id 02 \
	-i "$T/data.json" -o "$T/data2.sig" > /dev/null 2>&1
check "the new password signs, and openssl verifies it" \
	tq openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/data2.sig" "$T/data.json"

# ---- pulling the card out -------------------------------------------------------------------
kill -USR1 "$CARD_PID"
check "SIGUSR1 pulls the card out of the reader" wait_for "the card is out" card_absent
kill -USR2 "$CARD_PID"
check "SIGUSR2 puts it back" wait_for "the card is in" card_present
check "and it answers again" [ "$(tries_left 'Digital Signature PIN')" = 5 ]
stop_card
wait_for "the card is out" card_absent
n_before=$(grep -c '^madoguchi-card: .* > ' "$T/card.log")
start_card --remove-after 30 || fail_early "the card with --remove-after"
t pkcs15-tool --list-certificates > /dev/null 2>&1
check "--remove-after 30 pulls the card out mid-way" wait_for "the card is out" card_absent
for _ in $(seq 1 $((W * 10))); do kill -0 "$CARD_PID" 2>/dev/null || break; sleep 0.1; done
stop_pid "$CARD_PID" # returns at once with its status when it has ended by itself
rc=$?
CARD_PID=
check "... and then the card ends by itself (exit $rc)" [ $rc = 0 ]
n_after=$(grep -c '^madoguchi-card: .* > ' "$T/card.log")
check "... after answering exactly 30 APDUs ($((n_after - n_before)))" [ $((n_after - n_before)) = 30 ]
check "the card logs no secret" sh -c "! grep -q -e NEWPW9 -e ABC123 -e 'WRONG' '$T/card.log'"
check "the sanitizers found nothing in the card" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/card.log'"

# ---- revocation: CRL and OCSP -------------------------------------------------------------
serial=$(openssl x509 -in "$T/sign.pem" -noout -serial | cut -d= -f2)
check "the CRL does not list the card before revocation" \
	tq openssl verify -crl_check -CRLfile "$T/pki/sign/crl.pem" -CAfile "$T/sign-ca.pem" "$T/sign.pem"
OPORT=$(free_port)
openssl ocsp -index "$T/pki/sign/index.txt" -CA "$T/pki/sign/ca.pem" \
	-rsigner "$T/pki/sign/ocsp.pem" -rkey "$T/pki/sign/ocsp.key" -port "$OPORT" -ndays 1 \
	> "$T/ocsp.log" 2>&1 &
OCSP_PID=$!
ocsp_status() {
	t openssl ocsp -issuer "$T/sign-ca.pem" -cert "$T/sign.pem" -url "http://127.0.0.1:$OPORT" \
		-CAfile "$T/sign-ca.pem" 2>&1 | awk -F': ' -v f="$T/sign.pem" '$1==f{print $2}'
}
wait_for "the OCSP responder answers" sh -c "timeout 5 openssl ocsp -issuer '$T/sign-ca.pem' -cert '$T/sign.pem' -url http://127.0.0.1:$OPORT -CAfile '$T/sign-ca.pem' >/dev/null 2>&1"
check "openssl ocsp says good before revocation" [ "$(ocsp_status)" = good ]
check "revoke marks the signing certificate revoked" \
	tq "$CARD" revoke --pki "$T/pki" --state "$T/card.json" --reason keyCompromise
check "the index has an R line for serial $serial" grep -q "^R.*keyCompromise	$serial	" "$T/pki/sign/index.txt"
check "the regenerated CRL lists it (openssl verify -crl_check fails)" \
	sh -c "timeout $W openssl verify -crl_check -CRLfile '$T/pki/sign/crl.pem' -CAfile '$T/sign-ca.pem' '$T/sign.pem' 2>&1 | grep -q 'certificate revoked'"
# openssl ocsp reloads a changed index before it waits for the next request: the first answer
# after a revocation may still be the old one
ocsp_status > /dev/null
check "openssl ocsp serving the index says revoked" [ "$(ocsp_status)" = revoked ]
check "revoking twice is refused" sh -c "! timeout $W '$CARD' revoke --pki '$T/pki' --state '$T/card.json' 2>/dev/null"
check "renew at the counter issues a new signing certificate" \
	tq "$CARD" renew --state "$T/card.json" --pki "$T/pki" --password ren123
t "$CARD" export --state "$T/card.json" --what sign-cert > "$T/sign2.pem"
check "... which differs from the old one and is not revoked" sh -c "
	! cmp -s '$T/sign.pem' '$T/sign2.pem' &&
	timeout $W openssl verify -crl_check -CRLfile '$T/pki/sign/crl.pem' -CAfile '$T/sign-ca.pem' '$T/sign2.pem' >/dev/null"

card_env_stop_pcscd
tap_end
