#!/usr/bin/env bash
# Installs what the tests need (scripts/setup.sh, idempotent) and runs the whole suite.
# The tests start their own peers (nx-27017, SMTP sinks, Dovecot) on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Two cores: a parallel test run would starve the peers the tests start.
swift build --build-tests
swift test --skip-build --no-parallel "$@"
