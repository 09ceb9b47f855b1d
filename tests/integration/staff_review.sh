#!/usr/bin/env bash
# run.sh: postgres too
# The staff console's review end to end in a real browser (tests/e2e/_staff_review.mjs): the
# first administrator made by `madoguchi staff add`, enrolled and logged in with oathtool's
# codes, adds a reviewer in the console; the demo resident applies three times through the
# seed journey with the virtual My Number Card (one with an address other than the card's);
# the reviewer finds them, sees the card's basic four beside the form and the marked
# difference, decides (受付, 審査中, 処理完了; 申請却下; 差し戻し); the resident sees each status
# on my page and gets each mail through a real SMTP server (aiosmtpd); after 差し戻し the
# resident corrects, signs again with the card and resubmits, and the reviewer sees version 2
# with both signatures. This script sets up the card stack (tests/card_env.sh) and the trust
# anchors; the browser part starts the portal and the SMTP server.
set -u
cd "$(dirname "$0")/../.."
. tests/card_env.sh
card_env_enter_ns "$0" "$@"
. tests/lib.sh
card_env_init openssl node oathtool
card_env_browser tests/e2e/_staff_review.mjs
tap_end
