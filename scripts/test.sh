#!/usr/bin/env bash
# The whole test suite: formatting, lints, Rust unit/integration tests, the
# store conformance suite, and the official-SDK compatibility suite against a
# real `rampart serve`. Installs what it needs (a Python virtualenv and npm
# packages under tests/compat/). Run from anywhere: `./scripts/test.sh`.
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
