#!/usr/bin/env bash
# Installs what the tests need (scripts/setup.sh, idempotent) and runs the whole suite.
# The tests start their own peers (nx-27017, SMTP sinks, Dovecot) on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Two cores: a parallel test run would starve the peers the tests start.
swift build --build-tests
swift test --skip-build --no-parallel "$@"
# The whole suite also smoke-tests the release binary, the one scripts/run.sh runs: an optimised
# build can fail where the debug build the tests use does not.
if [ "$#" -eq 0 ]; then
    swift build -c release --product carteiro
    .venv/bin/python scripts/release_smoke.py
fi
