#!/usr/bin/env bash
# The soak: two `rampart serve` replicas on one fresh PostgreSQL database
# under mixed load (reads on both, a new secret version every half second
# read back on the other replica, users created and deleted, RAM-credential
# secrets rotating every 5 s) for DURATION seconds (default 600). Fails on
# any error, on a replica's memory (RSS) growing 10 % or more between the end
# of the warm-up and the end, or on rotations that stopped.
#
#   ./scripts/soak.sh [DURATION]
#
# PostgreSQL: RAMPART_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres); the database is made and
# dropped by the run. RAMPART_SOAK_PROFILE=debug uses debug builds (the test
# command's short soak); release by default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration="${1:-600}"
url="${RAMPART_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
profile="${RAMPART_SOAK_PROFILE:-release}"

if [[ "$profile" == release ]]; then
  cargo build --locked --release -p rampart-server -p rampart-loadgen --bin rampart --bin rampart-loadgen
else
  cargo build --locked -p rampart-server -p rampart-loadgen --bin rampart --bin rampart-loadgen
fi
exec "target/$profile/rampart-loadgen" --rampart "target/$profile/rampart" \
  --postgres "$url" --soak "$duration"
