#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit/integration tests (the
# store conformance suite on SQLite, PostgreSQL and MariaDB/MySQL, the
# crash-safety and replica tests on each, the three-node Galera test), the
# official-SDK compatibility suite against a real `rampart serve`, and the web
# console in headless Chromium, the test kit's packages installed as a user
# installs them (tests/testkit/run.sh), and a 60 s soak on two PostgreSQL replicas
# (`scripts/soak.sh`). Installs what it needs (a Python virtualenv
# and npm packages under tests/, Debian's chromium, galera-4 and rsync if
# missing). PostgreSQL must be reachable at RAMPART_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres), MariaDB or MySQL at
# RAMPART_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306); set
# RAMPART_TEST_POSTGRES=skip, RAMPART_TEST_MYSQL=skip or
# RAMPART_TEST_GALERA=skip to skip those tests. Run: `./scripts/test.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==== %s\n' "$*" >&2; }

# A one-off build (CI) gains nothing from incremental compilation, which
# would take tens of GB of disk.
if [[ -n "${CI:-}" ]]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi

# Benches and the Cedar comparison crate build only on request (slow to compile).
EXCLUDE=(--exclude rampart-policy-bench)

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace "${EXCLUDE[@]}" --all-targets --locked -- -D warnings

# The Galera test starts its own three MariaDB nodes: it needs Debian's
# galera-4 (and rsync, with which a node copies the cluster's state).
if [[ "${RAMPART_TEST_GALERA:-}" != skip ]] \
  && { [[ ! -e /usr/lib/galera/libgalera_smm.so ]] || ! command -v rsync >/dev/null; } \
  && [[ "$(id -u)" == 0 ]]; then
  step "installing Debian's galera-4 and rsync"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq galera-4 rsync </dev/null >/dev/null
fi

# The SAML compatibility tests sign some responses with xmlsec1 (the
# reference implementation of XML signatures).
if ! command -v xmlsec1 >/dev/null && [[ "$(id -u)" == 0 ]]; then
  step "installing Debian's xmlsec1"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq xmlsec1 </dev/null >/dev/null
fi

step "rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace "${EXCLUDE[@]}" --locked --no-fail-fast
else
  cargo test --workspace "${EXCLUDE[@]}" --locked --no-fail-fast
fi

if [[ "${RAMPART_TEST_POSTGRES:-}" != skip ]]; then
  step "soak: two PostgreSQL replicas, 60 s"
  RAMPART_SOAK_PROFILE=debug bash scripts/soak.sh 60
fi

step "official SDK compatibility suite"
cargo build --locked --bin rampart
RAMPART_BIN="$PWD/target/debug/rampart" bash tests/compat/run.sh

step "web console in headless Chromium"
RAMPART_BIN="$PWD/target/debug/rampart" bash tests/console/run.sh

# The packages as a user installs them (scripts/package.sh builds the
# release binary once), in a fresh virtualenv and Node folder.
step "test kit: packages, pytest fixture, Node helper"
bash tests/testkit/run.sh
