#!/usr/bin/env bash
# Runs every test of Rathaus: formatting and lints, the Rust tests on SQLite and PostgreSQL,
# and the browser tests in headless Chromium with axe-core. Installs what is missing on a
# fresh Debian machine (PostgreSQL, Chromium from Debian's packages, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=no
apt_install() {
  if [ "$apt_updated" = no ]; then
    as_root apt-get update -qq
    apt_updated=yes
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL: use the server at RATHAUS_TEST_POSTGRES, or a local one, installed if absent.
export RATHAUS_TEST_POSTGRES="${RATHAUS_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  say "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  # A fresh cluster only trusts local socket users; the tests connect over TCP as postgres.
  as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" || true
  export RATHAUS_TEST_POSTGRES="postgres://postgres:postgres@127.0.0.1:5432/test"
fi
database=$(basename "$RATHAUS_TEST_POSTGRES")
psql "${RATHAUS_TEST_POSTGRES%/*}/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
  || psql "${RATHAUS_TEST_POSTGRES%/*}/postgres" -qc "CREATE DATABASE $database"


# Chromium and its driver from Debian; the browser tests never download a browser.
if ! [ -x /usr/bin/chromium ]; then
  say "installing Chromium from Debian"
  apt_install chromium chromium-driver
fi

# Node.js for the OpenID provider the tests start and for the browser tests.
if ! command -v npm >/dev/null; then
  say "installing Node.js from Debian"
  apt_install nodejs npm
fi

say "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "Rust tests (SQLite and PostgreSQL)"
# The tests of signing in through identity providers start a real OpenID provider in node.
npm --prefix tests/oidc ci --no-audit --no-fund --silent
cargo test --workspace

say "browser tests (Chromium, axe-core)"
cargo build -p rathaus --quiet
npm --prefix tests/browser ci --no-audit --no-fund --silent
npm --prefix tests/browser test

say "all tests passed"
