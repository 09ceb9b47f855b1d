#!/usr/bin/env bash
# Installs what Madoguchi needs on Debian 12: the build's libraries, the test tools
# (chromium, pcscd with the virtual reader, an SMTP server, PostgreSQL, nginx and wrk
# for the benchmark and the check of deploy/, systemd for systemd-analyze), the ja_JP.UTF-8
# locale, and the npm packages of the browser tests.
# Idempotent and quick when everything is present: it only calls apt-get for what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libevent-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  libssl-dev openssl libargon2-dev libcurl4-openssl-dev
  libpcsclite-dev pcscd pcsc-tools vsmartcard-vpcd opensc opensc-pkcs11
  libqrencode-dev libmd4c-dev libmd4c-html0-dev libunistring-dev libcmocka-dev
  liboath-dev oathtool libzip-dev jq
  locales chromium nginx-light wrk python3-aiosmtpd curl ca-certificates
  zbar-tools librsvg2-bin systemd python3-prometheus-client
  libcairo2-dev libpango1.0-dev fonts-ipaexfont-gothic fonts-ipaexfont-mincho poppler-utils
  libgtk-4-dev xvfb xauth dbus-x11 at-spi2-core python3-dogtail python3-pyatspi desktop-file-utils xdg-utils
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has no package lists yet; refresh them once per setup run that installs.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # pcscd and nginx must not run as system services: the tests start their own instances.
  $SUDO systemctl disable --now pcscd.socket pcscd nginx 2>/dev/null || true
  $SUDO service nginx stop 2>/dev/null || true
fi

# Japanese era dates come from glibc's ja_JP.UTF-8 locale data.
if ! locale -a 2>/dev/null | grep -qi '^ja_JP.utf8$'; then
  echo "setup: generating the ja_JP.UTF-8 locale"
  $SUDO sed -i 's/^# *\(ja_JP.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen || echo 'ja_JP.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  $SUDO locale-gen >/dev/null
fi

# npm packages of the browser tests (playwright-core drives Debian's chromium; axe-core checks
# accessibility). package-lock.json pins them; nothing downloads a browser.
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
