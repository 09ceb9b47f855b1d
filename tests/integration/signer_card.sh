#!/usr/bin/env bash
# madoguchi-sign against the virtual My Number Card through the real PC/SC stack (a private
# pcscd with the vpcd reader and `madoguchi-card serve`, set up by tests/card_env.sh), with the
# request given as a file (--request-file: the JSON of the portal's GET answer) and the
# signature written with --out; no portal and no mock of anything. Checked:
#  - the right password (typed in lower case) gives a CMS that `openssl cms -verify` accepts
#    with the card's signing CA, with signingTime, messageDigest, contentType and
#    signingCertificateV2, over exactly the content; --lang en; the card found by its AID
#    under a contactless ATR; a card held by another PC/SC client is waited for, within
#    --card-timeout;
#  - a malformed password is refused before any APDU (the card's counter and log unchanged);
#  - a wrong password: its message with the tries left and the counter -1; five wrong lock it,
#    with the warning at two tries left; then the app refuses without sending the password;
#  - an expired and a not-yet-valid card are refused before the signature;
#  - no card, the card pulled out mid-way (before and after VERIFY), no reader, no pcscd:
#    each with its own message and exit code;
#  - links refused before any network access (http to a remote host, user@host, the
#    allow-list from --allow and from the configuration file), a real connection failure;
#    request files with a digest mismatch, a bad id, an expiry in the past.
# Runs as root; see tests/card_env.sh for the namespace.
set -u
cd "$(dirname "$0")/../.."

. tests/card_env.sh
card_env_enter_ns "$0" "$@"

. tests/lib.sh
SIGN="$TEST_BUILD/madoguchi-sign"
card_env_init openssl python3
[ -x "$SIGN" ] || fail_early "$SIGN is built (make BUILD=$TEST_BUILD SAN=1 $SIGN)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

# ---- the card, and a request ------------------------------------------------------------
check "pki init" tq "$CARD" pki init "$T/pki"
check "issue a card (password ABC123)" tq "$CARD" issue --pki "$T/pki" --out "$T/card.json" \
	--name '山田 太郎' --birth 1990-01-02 --gender 1 --address '東京都千代田区千代田1-1' \
	--password ABC123 --pin 1234
check "issue an expired card" tq "$CARD" issue --pki "$T/pki" --out "$T/expired.json" \
	--name '山田 花子' --birth 1985-05-05 --gender 2 --address '東京都千代田区千代田1-1' \
	--password ABC123 --pin 1234 --expired
check "issue a card not valid yet" tq "$CARD" issue --pki "$T/pki" --out "$T/future.json" \
	--name '山田 次郎' --birth 1985-05-05 --gender 1 --address '東京都千代田区千代田1-1' \
	--password ABC123 --pin 1234 --not-yet-valid
t "$CARD" export --state "$T/card.json" --what sign-ca > "$T/sign-ca.pem"
t "$CARD" export --state "$T/card.json" --what sign-cert --der > "$T/sign-cert.der"

# make_request FILE [digest|id|expired|lines]: the JSON of a GET answer, broken as asked
make_request() {
	python3 - "$1" "${2:-}" <<'EOF'
import hashlib, json, sys, time
path, broken = sys.argv[1], sys.argv[2]
answers = {"procedure": "kaigo-volunteer-point", "name": "山田 太郎",
           "address": "東京都千代田区千代田1-1", "points": "12", "note": "1行目\n2行目"}
content = json.dumps(answers, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
req = {
    "id": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE",
    "portal_name": "みどり市 オンライン手続",
    "procedure_title": "介護支援ボランティアポイントの申請",
    "lines": [{"label": "氏名", "value": "山田 太郎"},
              {"label": "住所", "value": "東京都千代田区千代田1-1"},
              {"label": "ポイント", "value": "12"},
              {"label": "備考", "value": "1行目\n2行目"}],
    "content": content,
    "digest": hashlib.sha256(content.encode()).hexdigest(),
    "expires_at": int(time.time()) + 600,
}
if broken == "digest":
    req["digest"] = hashlib.sha256(b"something else").hexdigest()
elif broken == "id":
    req["id"] = "short"
elif broken == "expired":
    req["expires_at"] = int(time.time()) - 3600
elif broken == "lines":
    req["lines"] = [{"label": "氏名\u001b[2J", "value": "x"}]
open(path, "w", encoding="utf-8").write(json.dumps(req, ensure_ascii=False))
open(path + ".content", "wb").write(content.encode())
EOF
}
make_request "$T/req.json"
for b in digest id expired lines; do make_request "$T/req-$b.json" "$b"; done

# sign PASSWORD [options...]: runs the app with the password on fd 3; output in $T/out.txt,
# exit status in $rc
sign() {
	local pw=$1
	shift
	rm -f "$T/sig.p7s" "$T/content.bin"
	timeout 60 "$SIGN" --password-fd 3 --card-timeout "${CARD_TIMEOUT:-10}" "$@" \
		3<<< "$pw" > "$T/out.txt" 2>&1
	rc=$?
	cat "$T/out.txt" >> "$T/sign.log"
}
sign_req() { # sign_req PASSWORD [options...]: with the good request file and --out
	local pw=$1
	shift
	sign "$pw" --request-file "$T/req.json" --out "$T/sig.p7s" --content-out "$T/content.bin" "$@"
}
said() { grep -qF -- "$1" "$T/out.txt"; }
counter() { # the signing password's tries left, from the state file
	t "$CARD" show --state "${1:-$T/card.json}" | sed -n 's/^signing password: \([0-9]*\) of 5.*/\1/p'
}
apdus() { grep -c '^madoguchi-card: .* > ' "$T/card.log"; }
verifies_with_data() { grep -c '^madoguchi-card: .* > 00 20 00 80 .*secret bytes hidden' "$T/card.log"; }
signatures() { grep -c '^madoguchi-card: .* > 80 2A 00 80' "$T/card.log"; }
clean_run() { ! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' "$T/out.txt"; }

card_env_start_pcscd || fail_early "pcscd starts with the vpcd reader on port $PORT"
ok "pcscd lists the vpcd reader on port $PORT"
start_card || fail_early "madoguchi-card serve inserts the card"
ok "the card is in the reader"

# ---- the right password ----------------------------------------------------------------------
t0=$(date +%s%N)
sign_req abc123
t1=$(date +%s%N)
check "the right password (typed in lower case) signs: exit 0 (got $rc)" [ "$rc" = 0 ]
echo "# time per signature through pcscd (whole app run, ASan build): $(((t1 - t0) / 1000000)) ms"
check "... and says 「電子署名が完了しました。」" said "電子署名が完了しました。"
check "... 「申請内容に署名」" said "申請内容に署名"
check "... it showed the start screen 「電子署名を開始します」" said "電子署名を開始します"
check "... with 3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。" \
	said "3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。"
check "... the password screen 「署名用電子証明書用のパスワード」 and its notes" sh -c "
	grep -qF '署名用電子証明書用のパスワード' '$T/out.txt' &&
	grep -qF '※ 署名用電子証明書の英字は大文字で入力してください。' '$T/out.txt' &&
	grep -qF '※ パスワードの入力を5回間違えると、ロックがかかります。' '$T/out.txt' &&
	grep -qF '※ ロックがかかった場合や電子証明書の有効期限が切れている場合は、本庁 住民窓口センターもしくは出先機関の窓口へお越しください。' '$T/out.txt'"
check "... 「マイナンバーカードをかざしてください」" said "マイナンバーカードをかざしてください"
check "... the portal name, the procedure and every line" sh -c "
	grep -qF 'みどり市 オンライン手続' '$T/out.txt' && grep -qF '介護支援ボランティアポイントの申請' '$T/out.txt' &&
	grep -qF '住所: 東京都千代田区千代田1-1' '$T/out.txt' && grep -qF '2行目' '$T/out.txt'"
check "the signature verifies with the card's signing CA (openssl cms -verify)" \
	tq openssl cms -verify -binary -inform DER -in "$T/sig.p7s" -content "$T/req.json.content" \
	-CAfile "$T/sign-ca.pem" -purpose any -out /dev/null
check "--content-out wrote exactly the content of the request" cmp -s "$T/content.bin" "$T/req.json.content"
check "the signature does not verify over other content" sh -c "
	printf 'x' | cat '$T/req.json.content' - > '$T/other.bin'
	! openssl cms -verify -binary -inform DER -in '$T/sig.p7s' -content '$T/other.bin' -CAfile '$T/sign-ca.pem' -purpose any -out /dev/null 2>/dev/null"
openssl cms -cmsout -print -inform DER -in "$T/sig.p7s" > "$T/print.txt" 2>&1
for attr in 'contentType (1.2.840.113549.1.9.3)' 'signingTime (1.2.840.113549.1.9.5)' \
	'messageDigest (1.2.840.113549.1.9.4)' 'id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)'; do
	check "signed attribute $attr" grep -qF "object: $attr" "$T/print.txt"
done
check "detached content (eContent absent), SHA-256" sh -c "
	grep -q 'eContent: <ABSENT>' '$T/print.txt' && grep -q 'algorithm: sha256 (2.16.840.1.101.3.4.2.1)' '$T/print.txt'"
check "the CMS carries the card's signing certificate" sh -c "
	openssl pkcs7 -inform DER -in '$T/sig.p7s' -print_certs 2>/dev/null | openssl x509 -outform DER 2>/dev/null | cmp -s - '$T/sign-cert.der'"
check "CAdES check of openssl (signingCertificateV2 matches the certificate)" \
	tq openssl cms -verify -cades -binary -inform DER -in "$T/sig.p7s" -content "$T/req.json.content" \
	-CAfile "$T/sign-ca.pem" -purpose any -out /dev/null
check "the counter is full (5)" [ "$(counter)" = 5 ]
check "one signature APDU was sent" [ "$(signatures)" = 1 ]
check "the app's run is sanitizer-clean" clean_run

sign_req ABC123 --lang en
check "--lang en: exit 0 and 'The electronic signature is complete.'" sh -c "
	[ $rc = 0 ] && grep -qF 'The electronic signature is complete.' '$T/out.txt' && ! grep -q 'マイナンバーカードをかざしてください' '$T/out.txt'"

# ---- malformed passwords: refused before the card is touched ---------------------------------
for pw in abc ABC12 'ABC-123' 'ABCDEFGHIJ1234567' ''; do
	n0=$(apdus)
	sign_req "$pw"
	n1=$(apdus)
	check "malformed password '$pw': exit 11 (got $rc), no APDU sent ($((n1 - n0)))" [ "$rc" = 11 ]
	check "... and (2/2) of: malformed password '$pw': exit 11" [ "$n1" = "$n0" ]
done
sign_req ABC12
check "the 5-character password is refused with its message" said "パスワードは6文字以上16文字以下です。"
sign_req 'ABC-123'
check "symbols are refused with their message" said "英字（A～Z）と数字（0～9）だけ"
check "the counter did not change (5)" [ "$(counter)" = 5 ]
sign_req 'ＡＢＣ１２３'
check "full-width letters and digits are read as ASCII: exit 0 (got $rc)" [ "$rc" = 0 ]

# ---- wrong passwords and the lock --------------------------------------------------------------
s0=$(signatures)
sign_req WRONG1
check "a wrong password: exit 12 (got $rc)" [ "$rc" = 12 ]
check "... 「パスワードが間違っています。残り4回です。」" said "パスワードが間違っています。残り4回です。"
check "... the counter went down by one (4)" [ "$(counter)" = 4 ]
check "... nothing was signed, no file written" sh -c "[ ! -e '$T/sig.p7s' ] && [ $(signatures) = $s0 ]"
sign_req WRONG2 --lang en
check "--lang en: 'The password is wrong. 3 tries left.' (exit $rc)" sh -c "[ $rc = 12 ] && grep -qF 'The password is wrong. 3 tries left.' '$T/out.txt'"
sign_req WRONG3
check "third wrong: 残り2回 (counter $(counter))" sh -c "[ $rc = 12 ] && grep -qF '残り2回です。' '$T/out.txt'"
sign_req WRONG4
check "with two tries left the app warns before sending" said "パスワードの残り回数はあと2回です"
check "fourth wrong: 残り1回" sh -c "[ $rc = 12 ] && grep -qF '残り1回です。' '$T/out.txt'"
sign_req WRONG5
check "the fifth wrong password locks it: exit 13 (got $rc)" [ "$rc" = 13 ]
check "... with the message to go to the counter" said "パスワードを5回間違えたため、ロックがかかりました。"
check "... the counter is 0" [ "$(counter)" = 0 ]
v0=$(verifies_with_data)
sign_req ABC123
v1=$(verifies_with_data)
check "locked: even the right password is refused: exit 13 (got $rc)" [ "$rc" = 13 ]
check "... 「ロックがかかっています」 and 窓口" sh -c "grep -qF 'ロックがかかっています' '$T/out.txt' && grep -qF '住民窓口センター' '$T/out.txt'"
check "... and the password was never sent to the card (VERIFY with data: $v0 -> $v1)" [ "$v0" = "$v1" ]
check "... the counter stays 0" [ "$(counter)" = 0 ]
stop_card
check "the card stops cleanly" [ $? = 0 ]
check "reset-pin at the counter" tq "$CARD" reset-pin --state "$T/card.json" --password ABC123

# ---- the card found by its AID, not its ATR -------------------------------------------------
wait_for "the card is out" card_absent
start_card --atr 3B8F8001804F0CA0000003060300030000000068 || fail_early "the card with a contactless ATR"
sign_req ABC123
check "a card with another (contactless) ATR is found by the JPKI AID: exit 0 (got $rc)" [ "$rc" = 0 ]
stop_card

# ---- another program holds the card --------------------------------------------------------
# hold READER MS: a PC/SC client that holds the card exclusively for MS milliseconds
cat > "$T/hold.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <winscard.h>
int main(int argc, char **argv)
{
	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto;
	if (argc != 3 || SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
		return 2;
	if (SCardConnect(ctx, argv[1], SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                 &h, &proto) != SCARD_S_SUCCESS)
		return 3;
	printf("held\n");
	fflush(stdout);
	usleep((useconds_t)atoi(argv[2]) * 1000);
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	SCardReleaseContext(ctx);
	return 0;
}
EOF
if cc -o "$T/hold" "$T/hold.c" $(pkg-config --cflags --libs libpcsclite) 2> "$T/hold.log"; then
	wait_for "the card is out" card_absent
	start_card || fail_early "the card is back"
	"$T/hold" "Virtual PCD 00 00" 2000 > "$T/hold.out" 2>&1 &
	HOLD_PID=$!
	wait_for "the other program holds the card" grep -q held "$T/hold.out"
	t0=$(date +%s%N)
	sign_req ABC123
	t1=$(date +%s%N)
	wait "$HOLD_PID"
	check "a card held by another program: the app says so, waits, then signs: exit 0 (got $rc) after $(((t1 - t0) / 1000000)) ms" \
		sh -c "[ $rc = 0 ] && grep -qF 'カードがほかのプログラムに使われています' '$T/out.txt' && [ $(((t1 - t0) / 1000000)) -ge 1000 ]"
	"$T/hold" "Virtual PCD 00 00" 6000 > "$T/hold.out" 2>&1 &
	HOLD_PID=$!
	wait_for "the other program holds the card" grep -q held "$T/hold.out"
	CARD_TIMEOUT=2 sign_req ABC123
	check "held past --card-timeout: exit 15 (got $rc) with that message, not a hang" \
		sh -c "[ $rc = 15 ] && grep -qF '× カードがほかのプログラムに使われています' '$T/out.txt'"
	wait "$HOLD_PID"
	stop_card
else
	not_ok "a PC/SC test client compiles (cc, libpcsclite-dev)"
fi

# ---- expired, not yet valid -----------------------------------------------------------------
for kind in expired future; do
	wait_for "the card is out" card_absent
	"$CARD" serve --state "$T/$kind.json" --vpcd "127.0.0.1:$PORT" --verbose >> "$T/card.log" 2>&1 &
	CARD_PID=$!
	wait_for "the $kind card is in" card_present
	s0=$(signatures)
	sign_req ABC123
	s1=$(signatures)
	check "$kind certificate: exit 14 (got $rc), no signature APDU ($s0 -> $s1)" \
		sh -c "[ $rc = 14 ] && [ $s0 = $s1 ] && [ ! -e '$T/sig.p7s' ]"
	check "... the counter is full again after the right password" [ "$(counter "$T/$kind.json")" = 5 ]
	stop_card
done
check "the messages: 「有効期限が切れています」, 「有効期間がまだ始まっていません」" sh -c "
	grep -qF '有効期限が切れています' '$T/sign.log' && grep -qF '有効期間がまだ始まっていません' '$T/sign.log'"

# ---- no card, card pulled out mid-way --------------------------------------------------------
wait_for "the card is out" card_absent
t0=$(date +%s%N)
CARD_TIMEOUT=2 sign_req ABC123
t1=$(date +%s%N)
check "no card within --card-timeout 2: exit 9 (got $rc) after ~2 s ($(((t1 - t0) / 1000000)) ms)" \
	sh -c "[ $rc = 9 ] && [ $(((t1 - t0) / 1000000)) -ge 1900 ]"
check "... 「マイナンバーカードを読み取れませんでした」 and to hold it again" sh -c "
	grep -qF 'マイナンバーカードを読み取れませんでした' '$T/out.txt' && grep -qF 'もう一度かざしてください' '$T/out.txt'"
for n in 2 6; do
	wait_for "the card is out" card_absent
	start_card --remove-after "$n" || fail_early "the card with --remove-after $n"
	sign_req ABC123
	check "the card pulled out after $n APDUs: exit 10 (got $rc)" [ "$rc" = 10 ]
	check "... 「読み取りの途中でカードが離れました」" said "読み取りの途中でカードが離れました"
	for _ in $(seq 1 $((W * 10))); do kill -0 "$CARD_PID" 2>/dev/null || break; sleep 0.1; done
	stop_card
done
check "the counter is full after all that (5)" [ "$(counter)" = 5 ]

# ---- no reader, no pcscd ----------------------------------------------------------------------
card_env_stop_pcscd
CARD_TIMEOUT=2 sign_req ABC123
check "no pcscd: exit 8 (got $rc) and the PC/SC service message" sh -c "[ $rc = 8 ] && grep -qF 'pcscd' '$T/out.txt'"
card_env_start_pcscd "$T/no-readers.conf.d" || fail_early "pcscd without readers"
CARD_TIMEOUT=2 sign_req ABC123
check "no reader: exit 8 (got $rc) and 「カードリーダーが見つかりません」" sh -c "[ $rc = 8 ] && grep -qF 'カードリーダーが見つかりません' '$T/out.txt'"
card_env_stop_pcscd

# ---- links and requests refused -----------------------------------------------------------------
ID=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE
sign ABC123 "http://portal.example.jp/api/sign/$ID"
check "http:// to a remote host: exit 3 (got $rc)" sh -c "[ $rc = 3 ] && grep -qF 'http://' '$T/out.txt'"
sign ABC123 "madoguchi-sign://portal.example.jp@evil.example/sign/$ID"
check "user@host: exit 3 (got $rc)" [ "$rc" = 3 ]
sign ABC123 "madoguchi-sign://portal.example.jp/sign/short"
check "a bad id: exit 3 (got $rc)" [ "$rc" = 3 ]
sign ABC123 --allow portal.example.jp "madoguchi-sign://other.example.jp/sign/$ID"
check "--allow: another portal is refused before anything is shown: exit 3 (got $rc)" sh -c "
	[ $rc = 3 ] && grep -qF 'https://other.example.jp' '$T/out.txt' && ! grep -qF '電子署名を開始します' '$T/out.txt'"
mkdir -p "$T/.config/madoguchi-sign"
printf '# the city portal\nportal.example.jp\n' > "$T/.config/madoguchi-sign/allowed-portals"
sign ABC123 "madoguchi-sign://other.example.jp/sign/$ID"
check "the allowed-portals file refuses another portal: exit 3 (got $rc)" [ "$rc" = 3 ]
printf 'not a host!\n' > "$T/.config/madoguchi-sign/allowed-portals"
sign ABC123 "madoguchi-sign://portal.example.jp/sign/$ID"
check "a broken allowed-portals file fails closed: exit 2 (got $rc)" [ "$rc" = 2 ]
rm -f "$T/.config/madoguchi-sign/allowed-portals"
CPORT=$(free_port)
sign ABC123 "madoguchi-sign://127.0.0.1:$CPORT/sign/$ID"
check "a portal that does not answer (connection refused): exit 6 (got $rc)" sh -c "
	[ $rc = 6 ] && grep -qF 'ポータルと通信できませんでした' '$T/out.txt'"
sign ABC123 --request-file "$T/req-digest.json" --out "$T/sig.p7s"
check "a request whose digest is not SHA-256(content): exit 4 (got $rc), never shown" sh -c "
	[ $rc = 4 ] && grep -qF 'ダイジェストと一致しません' '$T/out.txt' && ! grep -qF '電子署名を開始します' '$T/out.txt'"
sign ABC123 --request-file "$T/req-id.json" --out "$T/sig.p7s"
check "a request with a bad id: exit 4 (got $rc)" sh -c "[ $rc = 4 ] && grep -qF '(id)' '$T/out.txt' || grep -qF '（id）' '$T/out.txt'"
sign ABC123 --request-file "$T/req-lines.json" --out "$T/sig.p7s"
check "a request with an escape sequence in a label: exit 4 (got $rc), nothing printed raw" sh -c "
	[ $rc = 4 ] && ! grep -q \$'\\033\\[2J' '$T/out.txt'"
sign ABC123 --request-file "$T/req-expired.json" --out "$T/sig.p7s"
check "a request past its expires_at: exit 5 (got $rc)" sh -c "[ $rc = 5 ] && grep -qF '有効期限が切れています' '$T/out.txt'"
sign ABC123 --request-file "$T/req.json"
check "--request-file without --out: exit 2 (got $rc)" [ "$rc" = 2 ]
# setsid: no controlling terminal, even when the test is run from one
setsid -w timeout 10 "$SIGN" --request-file "$T/req.json" --out "$T/sig.p7s" < /dev/null > "$T/out.txt" 2>&1
rc=$?
check "no terminal and no --password-fd: exit 2 (got $rc)" [ "$rc" = 2 ]
timeout 10 "$SIGN" --help > "$T/out.txt" 2>&1
check "--help documents the exit codes" sh -c "grep -qF '終了コード' '$T/out.txt' && grep -qF '13  パスワードにロック' '$T/out.txt'"
check "no sanitizer report in any run of the app" \
	sh -c "! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' '$T/sign.log'"
check "the card logs no password" sh -c "! grep -q -e ABC123 -e WRONG '$T/card.log'"
tap_end
