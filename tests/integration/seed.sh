#!/usr/bin/env bash
# run.sh: postgres too
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
card_env_browser tests/e2e/_seed.mjs
tap_end
