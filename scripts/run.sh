#!/usr/bin/env bash
# Installs what Carteiro needs and runs it on its embedded defaults (SQLite in ./carteiro-data,
# HTTP on 127.0.0.1:8080). Extra arguments go to `carteiro serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product carteiro
exec .build/release/carteiro serve "$@"
