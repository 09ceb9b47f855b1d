#!/usr/bin/env bash
# Signed submissions per second (CMS verification + durable commit) next to `openssl speed
# -elapsed rsa2048` verify/s from the same run (wall clock, as signed_submit measures; one
# process, then -multi THREADS), with the ratios for new signers (the certificate cache off) and
# repeat signers (the cache on), 1 and THREADS threads. Makes a test PKI and a card with madoguchi-card, takes the
# card's signing key from its state file (no pcscd needed), signs a canonical content of the
# volunteer point procedure (~1.5 KB) with `openssl cms -sign -cades` (detached CAdES-BES, as
# madoguchi-sign makes it), revokes CRL_ENTRIES other serials so that the CRL is not empty, runs
# openssl speed, then build/bench/signed_submit (see bench/signed_submit.c for what it measures)
# with the database in the temporary directory (on /tmp), and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BENCH_SECONDS=${BENCH_SECONDS:-3} # each row of signed_submit, and each openssl speed test
THREADS=${THREADS:-$(nproc)}
CRL_ENTRIES=${CRL_ENTRIES:-50000} # up to ~90000 (the CA index of madoguchi-card is at most 8 MB)
CARD=$BUILD/madoguchi-card
PROG=$BUILD/bench/signed_submit
for f in "$CARD" "$PROG"; do
	[ -x "$f" ] || { echo "signed.sh: $f missing (make all $PROG)" >&2; exit 1; }
done
T=$(mktemp -d /tmp/madoguchi-signed.XXXXXX)
trap 'rm -rf "$T"' EXIT
umask 077

# The PKI, the card, and what the signer has: its key (from the card's state), its certificate.
"$CARD" pki init "$T/pki" > /dev/null
"$CARD" issue --pki "$T/pki" --out "$T/card.json" --name '山田 太郎' --birth 1950-04-01 \
	--gender 1 --address '埼玉県さいたま市浦和区高砂1-2-3' --password MIDORI2026 --pin 1234 > /dev/null
PY=/usr/bin/python3 # as in run.sh (python3-aiosmtpd of the setup brings it)
export PYTHONUTF8=1
$PY -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["sign"]["key"])' \
	"$T/card.json" > "$T/key.pem"
"$CARD" export --state "$T/card.json" --what sign-cert > "$T/cert.pem"
mkdir "$T/anchors"
"$CARD" export --state "$T/card.json" --what sign-ca > "$T/anchors/ca.pem"

# A CRL with CRL_ENTRIES revoked serials (random 128-bit, like the card's): openssl ca index
# lines, then `pki crl`.
now=$(date -u +%y%m%d%H%M%SZ)
head -c $((CRL_ENTRIES * 16)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w32 | tr a-f A-F |
	awk -v now="$now" '{ printf "R\t351231235959Z\t%s,keyCompromise\t%s\tunknown\t/C=JP/CN=%s\n", now, $1, substr($1, 1, 8) }' \
	>> "$T/pki/sign/index.txt"
"$CARD" pki crl "$T/pki" > /dev/null
CRL=$T/pki/sign/crl.der

# The canonical content (sorted keys, compact, UTF-8, every answer a string) of a filled-in
# volunteer point application with five photos (the most the form takes), and the lines that
# the confirmation page shows.
$PY -c 'import json, sys
sys.stdout.write(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(",", ":"),
                            ensure_ascii=False))' > "$T/content.json" <<'JSON'
{"procedure": "kaigo-volunteer-point", "version": 1,
 "answers": {
  "registration_number": "A-12345", "fiscal_year": "2025", "stamps": "37", "grant": "3000",
  "name": "山田　太郎", "name_kana": "ヤマダ　タロウ", "birth_date": "1950-04-01",
  "postal_code": "330-0063", "address": "埼玉県さいたま市浦和区高砂1-2-3 みどりハイツ201号室",
  "phone": "048-000-1234",
  "bank_account": {"bank": "0001", "bank_name": "みずほ銀行", "branch": "001",
                   "branch_name": "東京営業部", "type": "futsu", "number": "1234567",
                   "holder": "ヤマダ　タロウ"},
  "premium_declaration": ["paid"]},
 "attachments": {"stamp_pages": [
  {"filename": "介護支援ボランティア手帳_スタンプ_1ページ目.jpg", "size": 1843211,
   "sha256": "17ccd230753fbe794a3da079112e68bfca24232886c97545b57b546774eebb8f"},
  {"filename": "介護支援ボランティア手帳_スタンプ_2ページ目.jpg", "size": 1766043,
   "sha256": "27e4ce81a33c117ace8c31348b67269a4f8108385feacc619fceaf974ea0cd87"},
  {"filename": "介護支援ボランティア手帳_スタンプ_3ページ目.jpg", "size": 1902377,
   "sha256": "d1d4d46f30f10caadec21906e46410036993363fea811edce900b576666b716b"},
  {"filename": "介護支援ボランティア手帳_スタンプ_4ページ目.jpg", "size": 1688120,
   "sha256": "08e1571bccd99bcbd5ac9d2e04b043045058427bd3ca3b85ba64e2c3dfdfcadb"},
  {"filename": "介護支援ボランティア手帳_スタンプ_5ページ目.jpg", "size": 1795506,
   "sha256": "474131b79bb42c4fb20d729607be3aec49e0d95137aa596ce11fc08c78ab38bb"}]}}
JSON
$PY - "$T/content.json" procedures/kaigo-volunteer-point.json > "$T/display.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
lines = []
for f in p["fields"]:
    v = c["answers"].get(f["name"])
    if f["type"] == "file":
        v = "、".join(a["filename"] for a in c["attachments"].get(f["name"], []))
    elif v is None:
        continue
    elif isinstance(v, dict):  # bank account
        v = " ".join([v["bank_name"], v["branch_name"], "普通", v["number"], v["holder"]])
    else:  # a value or the checked values, by their option labels
        labels = {o["value"]: o["label"] for o in f.get("options", [])}
        v = "、".join(labels.get(x, x) for x in (v if isinstance(v, list) else [v]))
    lines.append({"label": f["label"], "value": v})
sys.stdout.write(json.dumps(lines, separators=(",", ":"), ensure_ascii=False))
PY

# The signature: detached CMS, SHA-256, signed attributes with ESS signingCertificateV2
# (-cades), no S/MIME capabilities, the signer's certificate included.
openssl cms -sign -binary -outform DER -md sha256 -cades -nosmimecap -signer "$T/cert.pem" \
	-inkey "$T/key.pem" -in "$T/content.json" -out "$T/sig.p7s"
openssl cms -verify -binary -inform DER -cades -content "$T/content.json" -in "$T/sig.p7s" \
	-CAfile "$T/anchors/ca.pem" -purpose any -out /dev/null 2> "$T/verify.txt" ||
	{ cat "$T/verify.txt" >&2; exit 1; }

echo "== machine"
echo "nproc $(nproc); $(uname -sr); $(openssl version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "temporary directory $T on $(df -T "$T" | awk 'NR==2 { print $2 " (" $1 ", mounted on " $7 ")" }')"
echo "content $(stat -c %s "$T/content.json") bytes, signature $(stat -c %s "$T/sig.p7s") bytes," \
	"CRL $(stat -c %s "$CRL") bytes with $CRL_ENTRIES revoked serials"

echo "== openssl speed -elapsed -seconds $BENCH_SECONDS rsa2048 (1 process, then -multi $THREADS)"
speed() { openssl speed -elapsed -seconds "$BENCH_SECONDS" "$@" rsa2048 2> /dev/null | awk '/^rsa 2048 bits/ { print $6, $7 }'; }
read -r SIGN1 VERIFY1 <<< "$(speed)"
read -r SIGNN VERIFYN <<< "$(speed -multi "$THREADS")"
printf 'openssl rsa2048 1 process:  %10.1f sign/s %10.1f verify/s\n' "$SIGN1" "$VERIFY1"
printf 'openssl rsa2048 %d processes: %8.1f sign/s %10.1f verify/s\n' "$THREADS" "$SIGNN" "$VERIFYN"

echo "== $PROG"
"$PROG" -s "$BENCH_SECONDS" -t "$THREADS" --crl "$CRL" --display "$T/display.json" \
	"$T/anchors" "$T/sig.p7s" "$T/content.json" "$T/bench.db" | tee "$T/out.txt"
if command -v sqlite3 > /dev/null; then
	echo "database afterwards: journal_mode $(sqlite3 "$T/bench.db" 'PRAGMA journal_mode')," \
		"$(sqlite3 "$T/bench.db" 'SELECT count(*) FROM applications') applications," \
		"$(sqlite3 "$T/bench.db" 'SELECT count(*) FROM outbox') mails in the outbox"
fi

row() { awk -v w="$1" -v r="$2" -v t="$3" '$1 == w && $2 == r && $3 == t { print $6 }' "$T/out.txt"; }
echo "== summary ($(nproc) cores; per second; openssl speed -elapsed, wall clock)"
printf '%-52s %12s %12s\n' "" "1 thread" "$THREADS threads"
printf '%-52s %12.0f %12.0f\n' "openssl speed -elapsed rsa2048 verify/s (-multi)" "$VERIFY1" "$VERIFYN"
printf '%-52s %12.0f %12.0f\n' "verifications/s, new signers, revocation none" "$(row verify-new none 1)" "$(row verify-new none "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "verifications/s, repeat signers, revocation none" "$(row verify none 1)" "$(row verify none "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "verifications/s, new signers, revocation by CRL" "$(row verify-new crl 1)" "$(row verify-new crl "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "verifications/s, repeat signers, revocation by CRL" "$(row verify crl 1)" "$(row verify crl "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "durable commits/s" "$(row commit - 1)" "$(row commit - "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "signed submissions/s, revocation none" "$(row submit none 1)" "$(row submit none "$THREADS")"
printf '%-52s %12.0f %12.0f\n' "signed submissions/s, revocation by CRL" "$(row submit crl 1)" "$(row submit crl "$THREADS")"
echo "ratios: our rate / openssl verify/s of the same run (1 thread: 1 process; $THREADS threads: -multi $THREADS)"
ratio() { # label, then the two rates
	awk -v l="$1" -v a="$2" -v b="$3" -v v1="$VERIFY1" -v vn="$VERIFYN" \
		'BEGIN { printf "%-52s %12.4f %12.4f\n", l, a / v1, b / vn }'
}
ratio "ratio, verification, new signers (none)" "$(row verify-new none 1)" "$(row verify-new none "$THREADS")"
ratio "ratio, verification, repeat signers (none)" "$(row verify none 1)" "$(row verify none "$THREADS")"
ratio "ratio, verification, new signers (CRL)" "$(row verify-new crl 1)" "$(row verify-new crl "$THREADS")"
ratio "ratio, verification, repeat signers (CRL)" "$(row verify crl 1)" "$(row verify crl "$THREADS")"
ratio "ratio, signed submissions (none)" "$(row submit none 1)" "$(row submit none "$THREADS")"
ratio "ratio, signed submissions (CRL)" "$(row submit crl 1)" "$(row submit crl "$THREADS")"
