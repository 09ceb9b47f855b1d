#!/usr/bin/env bash
# run.sh: postgres too
# The evidence package of an unsigned application over HTTP with curl: a road/park report
# submitted without login, downloaded as ZIP by a viewer of the procedure: no RECEIPT.p7s or
# chain.pem, RECEIPT.json the stored content, sha256sum -c MANIFEST.txt passing, one export
# audit row with the ZIP's SHA-256; the staff login page without a session, 404 for a receipt
# that is malformed or absent (no row), and the audit chain intact. Then the applications
# ticked in the inbox as one ZIP (/staff/evidence.zip?r=...): a folder each, every manifest
# passing, one export row naming them with the ZIP's SHA-256; refused whole (403, nothing
# sent, no row) when one of them is of a procedure without a role, 404 for an absent one,
# 400 for none or too many, the TOTP re-entry back to the same selection. (The signed package
# is checked in staff_evidence.sh with the virtual card.)
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/staff_lib.sh
staff_test_start zip
PW='staff pass phrase 2026'
audit_n() { sql "select count(*) from audit_log where action = 'export'"; }
zip_get() { curl -s -b "$J" -D "$T/h" -o "$T/$2" -w '%{http_code}' "$U/staff/applications/$1/evidence.zip"; }

R=$(road_report 駅前1丁目 '見取 花子')
check "a report submitted ($R)" grep -q '^[0-9]\{4\}-[0-9]\{6\}$' <<<"$R"
secret=$(staff_enrolled kakari@city.example.jp '道路 花子' "$PW")
SID=$(sql "select id from staff where email_key = 'kakari@city.example.jp'")
sql "insert into staff_procedure_roles (staff_id, proc_id, role) values ($SID, 'road-park-report', 'viewer')"
code=$(staff_login_as "$J" kakari@city.example.jp "$PW" "$(totp -N 'now + 30 seconds' "$secret")")
check "the viewer logs in ($code)" [ "$code" = 303 ]

code=$(zip_get "$R" e.zip)
check "the ZIP downloads: 200 ($code)" [ "$code" = 200 ]
check "... application/zip, attachment, no-store" [ "$(grep -ci "^content-type: application/zip\|^content-disposition: attachment; filename=\"evidence-$R.zip\"\|^cache-control: no-store" "$T/h")" = 3 ]
check "unzip -t finds it whole" unzip -tqq "$T/e.zip"
mkdir -p "$T/unz" && unzip -q -o "$T/e.zip" -d "$T/unz"
check "no RECEIPT.p7s or chain.pem for an unsigned application" [ "$(cd "$T/unz/$R" && ls | grep -c 'p7s\|chain')" = 0 ]
check "... RECEIPT.json and MANIFEST.txt are there" [ -s "$T/unz/$R/RECEIPT.json" -a -s "$T/unz/$R/MANIFEST.txt" ]
check "RECEIPT.json is the stored content" [ "$(sha256sum < "$T/unz/$R/RECEIPT.json")" = "$(sql "select content from applications where receipt = '$R'" | tr -d '\n' | sha256sum)" ]
check "sha256sum -c MANIFEST.txt passes in the folder" sh -c "cd '$T/unz/$R' && sha256sum --quiet -c MANIFEST.txt"
check "the manifest lists every file of the folder but itself" [ "$(cut -d' ' -f3 "$T/unz/$R/MANIFEST.txt" | sort | tr '\n' ' ')" = "$(cd "$T/unz/$R" && ls | grep -v MANIFEST | sort | tr '\n' ' ')" ]
check "one export audit row with the ZIP's SHA-256" [ "$(sql "select count(*) || ' ' || max(detail) from audit_log where action = 'export' and receipt = '$R'")" = "1 receipt=$R enc=zip files=0 sha256=$(sha256sum < "$T/e.zip" | cut -d' ' -f1)" ]

n=$(audit_n)
code=$(zip_get 2026-999999 x)
check "an absent receipt: 404 ($code)" [ "$code" = 404 ]
code=$(zip_get not-a-receipt x)
check "a malformed receipt: 404 ($code)" [ "$code" = 404 ]
check "neither wrote an export row" [ "$(audit_n)" = "$n" ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/applications/$R/evidence.zip")
check "no cookie: the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"

# Several applications at once, from the inbox's ticks.
R2=$(road_report 公園の遊具 '見取 次郎'); R3=$(road_report 歩道の段差)
get "/staff?proc=road-park-report" > /dev/null
check "the inbox offers the ZIP of the ticked applications" grep -q 'formaction="/staff/evidence.zip">選んだ申請の証拠一式をZIPで保存する' "$T/page.html"
many() { curl -s -b "$J" -D "$T/h" -o "$T/$2" -w '%{http_code}' "$U/staff/evidence.zip?$1"; }
n=$(audit_n)
code=$(many "r=$R&r=$R2&to=accepted&r=$R3&r=$R2" m.zip)
check "three ticked (one twice) download as one ZIP: 200 ($code)" [ "$code" = 200 ]
check "... named evidence-DATE-3.zip, no-store" [ "$(grep -ci '^content-disposition: attachment; filename="evidence-[0-9]\{8\}-3.zip"\|^cache-control: no-store' "$T/h")" = 2 ]
check "... unzip -t finds it whole" unzip -tqq "$T/m.zip"
rm -rf "$T/unm" && mkdir -p "$T/unm" && unzip -q -o "$T/m.zip" -d "$T/unm"
check "... one folder per application" [ "$(ls "$T/unm" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$R" "$R2" "$R3" | sort | tr '\n' ' ')" ]
for x in "$R" "$R2" "$R3"; do
	check "... $x: sha256sum -c MANIFEST.txt passes" sh -c "cd '$T/unm/$x' && sha256sum --quiet -c MANIFEST.txt"
	check "... $x: RECEIPT.json is its stored content" [ "$(sha256sum < "$T/unm/$x/RECEIPT.json")" = "$(sql "select content from applications where receipt = '$x'" | tr -d '\n' | sha256sum)" ]
done
check "... one export row naming the three, with the ZIP's SHA-256" [ "$(($(audit_n) - n)) $(sql "select detail from audit_log where action = 'export' order by id desc limit 1")" = "1 enc=zip apps=3 files=0 sha256=$(sha256sum < "$T/m.zip" | cut -d' ' -f1) receipts=$R,$R2,$R3" ]
demo_login "$T/gj" > /dev/null; G=$(gomi_apply "$T/gj" 机)
check "a large-waste application of the demo resident ($G)" grep -q '^[0-9]\{4\}-[0-9]\{6\}$' <<<"$G"
n=$(audit_n)
code=$(many "r=$R&r=$G" x)
check "one of a procedure without a role among them: 403 ($code)" [ "$code" = 403 ]
check "... nothing of the others sent" none_of unzip -tqq "$T/x"
code=$(many "r=$R&r=2026-999999" x)
check "an absent one: 404 ($code)" [ "$code" = 404 ]
code=$(many "to=accepted" x)
check "none ticked: 400 ($code)" [ "$code" = 400 ]
code=$(many "$(for i in $(seq 1 51); do printf 'r=2026-%06d&' "$i"; done)" x)
check "51 ticked: 400 ($code)" [ "$code" = 400 ]
code=$(many "r=$R&r=2026-1" x)
check "a malformed one: 400 ($code)" [ "$code" = 400 ]
check "none of these wrote a row" [ "$(audit_n)" = "$n" ]
sql "update staff_step_ups set totp_at = totp_at - 3600"
code=$(many "r=$R&r=$R2" x)
check "without a fresh TOTP code: 303 ($code)" [ "$code" = 303 ]
check "... to /staff/reauth, back to the same selection" [ "$(location)" = "/staff/reauth?next=/staff/evidence.zip%3Fr%3D$R%26r%3D$R2" ]
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$U/staff/evidence.zip?r=$R")
check "no cookie: the staff login page ($code)" grep -q 'action="/staff/login"' "$T/page.html"

MADOGUCHI_DATABASE="$(portal_db_url "$T")" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
