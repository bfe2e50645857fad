#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit/integration tests (the
# store conformance suite on SQLite and PostgreSQL, the crash-safety and
# replica tests), the official-SDK compatibility suite against a real
# `rampart serve`, and the web console in headless Chromium. Installs what it
# needs (a Python virtualenv and npm packages under tests/, Debian's chromium
# if missing). PostgreSQL must be reachable at RAMPART_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres); set
# RAMPART_TEST_POSTGRES=skip to skip those tests. Run: `./scripts/test.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==== %s\n' "$*" >&2; }

# Benches and the Cedar comparison crate build only on request (slow to compile).
EXCLUDE=(--exclude rampart-policy-bench)

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace "${EXCLUDE[@]}" --all-targets --locked -- -D warnings

step "rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace "${EXCLUDE[@]}" --locked --no-fail-fast
else
  cargo test --workspace "${EXCLUDE[@]}" --locked --no-fail-fast
fi

step "official SDK compatibility suite"
cargo build --locked --bin rampart
RAMPART_BIN="$PWD/target/debug/rampart" bash tests/compat/run.sh

step "web console in headless Chromium"
RAMPART_BIN="$PWD/target/debug/rampart" bash tests/console/run.sh
