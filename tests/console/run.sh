#!/usr/bin/env bash
# Browser tests of the web console: headless Chromium driven by playwright-core
# against a real `rampart serve` on a free port with a fresh data dir.
#
#   RAMPART_BIN=/abs/path/to/rampart bash tests/console/run.sh [node --test args]
#
# RAMPART_BIN defaults to <repo>/target/debug/rampart. Installs Debian's
# chromium when /usr/bin/chromium is missing (needs root, as in CI) and the
# pinned npm packages. Screenshots of each step go to tests/console/artifacts/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
export RAMPART_BIN="${RAMPART_BIN:-$REPO_ROOT/target/debug/rampart}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

log() { printf '==> %s\n' "$*" >&2; }

if [[ ! -x "$RAMPART_BIN" ]]; then
  log "server binary not found or not executable: $RAMPART_BIN (set RAMPART_BIN)"
  exit 2
fi

if [[ ! -x "$CHROMIUM" ]]; then
  log "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq chromium </dev/null >/dev/null
fi
log "browser: $("$CHROMIUM" --version 2>/dev/null | head -1)"

cd "$HERE"
LOCK_HASH="$( { sha256sum package-lock.json; node --version; } | sha256sum | cut -d' ' -f1)"
STAMP="node_modules/.console-lock.sha256"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$LOCK_HASH" ]]; then
  log "node modules up to date"
else
  log "npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null
  printf '%s\n' "$LOCK_HASH" >"$STAMP"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rampart-console-XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "${RAMPART_KEEP_DATA:-}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
mkdir -p "$WORK/data"
"$RAMPART_BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
export RAMPART_URL="http://127.0.0.1:$PORT"
export RAMPART_CREDENTIALS="$WORK/data/root-credentials.json"
for _ in $(seq 1 300); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server exited early; log:"; tail -n 40 "$WORK/server.log" >&2; exit 1
  fi
  if [[ -f "$RAMPART_CREDENTIALS" ]] && node -e "fetch(process.env.RAMPART_URL+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  sleep 0.1
done
log "server at $RAMPART_URL"

set +e
node --test --test-concurrency=1 "$@" </dev/null
status=$?
set -e
if [[ $status -ne 0 ]]; then
  log "console browser tests FAILED (exit $status); the server's warnings and errors:"
  grep -E ' (WARN|ERROR) ' "$WORK/server.log" | tail -n 40 >&2 || true
  log "server log tail:"
  tail -n 40 "$WORK/server.log" >&2
else
  log "console browser tests passed"
fi
exit $status
