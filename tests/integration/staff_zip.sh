#!/usr/bin/env bash
# The evidence package of an unsigned application over HTTP with curl: a road/park report
# submitted without login, downloaded as ZIP by a viewer of the procedure: no RECEIPT.p7s or
# chain.pem, RECEIPT.json the stored content, sha256sum -c MANIFEST.txt passing, one export
# audit row with the ZIP's SHA-256; the staff login page without a session, 404 for a receipt
# that is malformed or absent (no row), and the audit chain intact. (The signed package is
# checked in staff_evidence.sh with the virtual card.)
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

MADOGUCHI_DATABASE="sqlite:$DB" "$TEST_BUILD/madoguchi" audit verify > "$T/verify" 2>&1; rc=$?
check "madoguchi audit verify exits 0 ($rc)" [ "$rc" = 0 ]
stop_portal; rc=$?
check "the portal stops cleanly ($rc)" [ "$rc" = 0 ]
tap_end
