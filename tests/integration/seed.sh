#!/usr/bin/env bash
# The whole seed journey, steps 1-16 of docs/seed-journey.md, for the volunteer point
# procedure: a real browser (tests/e2e/_seed.mjs) on the real pages, madoguchi-sign opened
# with the page's madoguchi-sign: link (as the desktop's handler would), the virtual My
# Number Card in a private pcscd's vpcd reader, and an `openssl ocsp` responder for the
# test PKI. This script sets up the card stack (tests/card_env.sh) and the trust anchors,
# then runs the browser part, which starts the portal.
set -u
cd "$(dirname "$0")/../.."
. tests/card_env.sh
card_env_enter_ns "$0" "$@"
. tests/lib.sh
card_env_init openssl node
OCSP_PID=
card_env_extra_cleanup() { stop_pid "$OCSP_PID"; }

card_env_signing_pki || fail_early "the test PKI, the card and the OCSP responder"
card_env_start_pcscd || fail_early "pcscd with the vpcd reader"
start_card || fail_early "the virtual card in the reader"
ok "card stack: pcscd, the virtual card, the OCSP responder on 127.0.0.1:$OCSP_PORT"

SEED_SIGN="$TEST_BUILD/madoguchi-sign" SEED_CARD_PASSWORD=abc123 \
	MADOGUCHI_SIGN_ANCHORS_DIR="$T/trust" MADOGUCHI_SIGN_OCSP_URL="http://127.0.0.1:$OCSP_PORT" \
	timeout 600 node tests/e2e/_seed.mjs
rc=$?
[ $rc -eq 0 ] || not_ok "the browser journey exited $rc"
tap_end
