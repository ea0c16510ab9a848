#!/usr/bin/env bash
# Installs everything Carteiro needs on Debian 12 (with the Swift toolchain already on PATH):
# the C libraries it links, the real peers its tests start (SMTP sinks, Dovecot, a MongoDB
# wire-protocol server) and the Python test clients, in a virtual environment under .venv/.
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  pkg-config libmongoc-dev libbson-dev libcurl4-openssl-dev libsqlite3-dev
  postfix dovecot-imapd python3-venv openssl
)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Postfix is installed only for its smtp-sink test peer: no configuration, and no daemon
  # (nor Dovecot's) is started by the package scripts.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  policy=/usr/sbin/policy-rc.d; made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"; made_policy=1; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$made_policy" -eq 0 ] || $sudo rm -f "$policy"
fi

python_packages=(nx-27017 aiosmtpd websockets dkimpy pynacl schemathesis==4.32.5)
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
if ! .venv/bin/python -c 'import aiosmtpd, websockets, dkim, nacl, schemathesis' 2>/dev/null || [ ! -x .venv/bin/nx-27017 ]; then
  .venv/bin/pip install -q --disable-pip-version-check "${python_packages[@]}"
fi
echo "setup: ready"
